"""The report's figures (as jobs that draw them) and its HTML: the document model laid out for
the screen (inline SVG with hover values, sortable tables, the scenario explorer)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from model.labels import holder_label, measure_label
from model.memo import digest
from model.numbers import MINUS
from model.report import figures as F
from model.report.document import Document
from model.stats import normal_interval

if TYPE_CHECKING:
    from model.report.inputs import ReportInputs


def figure_key(kind: str, name: str) -> str:
    """A figure's key (file stem and HTML id) for a scenario or holder name."""
    return f"{kind}_{F._slug(name)}"


def spec_curve_holder(inputs: ReportInputs) -> str:
    """The holder whose specification curve the report shows: the sensitivity holder when it
    has an estimate of its own, else the first estimated holder."""
    own = list(dict.fromkeys(inputs.results.grid.to_frame()["holder"]))
    return inputs.sweep_holder if inputs.sweep_holder in own else own[0]


def literature_estimates(inputs: ReportInputs) -> list[tuple[str, float, float, float]]:
    """This tool's 10-year effects beside the literature: Japan and China (own estimates), per
    flow measure, and the posterior."""
    out = []
    for measure in ("reported", "adjusted"):
        res = inputs.results.dl("10y", measure)
        for eff in res.effects.values():
            if eff.holder.startswith(("other_", "foreign_private", "total_")):
                continue
            e, se = eff.effect_bp_per_100bn, eff.se_bp_per_100bn
            out.append((f"this tool: {holder_label(eff.holder)}, {measure_label(measure)}", e,
                        *normal_interval(e, se)))
    table = inputs.response.posterior_table(inputs.holder_labels)
    for r in table[(table["maturity"] == "10y") & (table["estimate"] == "own")].itertuples():
        if r.holder.startswith(("other_", "foreign_private", "total_")):
            continue
        out.append((f"this tool: {r.label}, posterior", r.posterior_mean,
                    *normal_interval(r.posterior_mean, r.posterior_sd)))
    return out


@dataclass
class FigureJob:
    """A figure to draw, and the digest of everything its drawing depends on: the same digest,
    the same files, so a cached drawing can stand in for a new one."""

    digest: str
    draw: Callable[[], F.Figure]


def figure_jobs(inputs: ReportInputs, base: str = "") -> list[FigureJob]:
    """The report's figures, as jobs that draw them (one at a time, or in worker processes),
    each with the digest of its inputs. ``base`` stands for what every figure depends on (the
    data, the settings and the code: figures drawn from the panel or the estimates need nothing
    else). A scenario that changes nothing (a baseline) gets no charts."""
    panel, results = inputs.panel, inputs.results
    moving = [s for s in inputs.scenarios if s.moves_anything]
    # a scenario priced by the pipeline carries the digest of its inputs; else its results' own
    scen = {s.name: s.key or digest(s.posterior, s.data, s.literature) for s in inputs.scenarios}
    jobs = [
        FigureJob(digest(base, "comparison", [scen[s.name] for s in moving or inputs.scenarios], inputs.lead),
                  lambda: F.comparison(moving or inputs.scenarios, inputs.lead)),
        FigureJob(digest(base, "top_holders"), lambda: F.top_holders(panel.holdings)),
        FigureJob(digest(base, "shares"), lambda: F.shares(panel.frame)),
        FigureJob(digest(base, "official_private"), lambda: F.official_private(panel.frame)),
        FigureJob(digest(base, "custody"), lambda: F.custody(panel.holdings, panel.frame)),
        FigureJob(digest(base, "flow_measures"), lambda: F.flow_measures(panel.frame)),
        FigureJob(digest(base, "valuation_trap"), lambda: F.valuation_trap(panel.frame)),
        FigureJob(digest(base, "impulse_responses"), lambda: F.impulse_responses(results.local_projections)),
        FigureJob(digest(base, "literature"), lambda: F.literature(literature_estimates(inputs), results.literature)),
        FigureJob(digest(base, "posterior", inputs.holder_labels),
                  lambda: F.posterior_chart(inputs.response.posterior_table(inputs.holder_labels), "10y")),
        FigureJob(digest(base, "speccurve", spec_curve_holder(inputs)),
                  lambda: F.specification_curve(results.grid, spec_curve_holder(inputs))),
    ]
    if len(results.subsamples):
        jobs += [FigureJob(digest(base, "stability"), lambda: F.stability(results.subsamples)),
                 FigureJob(digest(base, "rolling"), lambda: F.rolling(results.rolling))]
    ledgers = [s for s in moving if s.posterior.ledger]
    if ledgers:
        jobs.append(FigureJob(digest(base, "bargain", [scen[s.name] for s in ledgers]),
                              lambda: F.bargain_comparison(ledgers)))
    for s in ledgers:
        key = F._slug(s.name)
        jobs.append(FigureJob(digest(base, "bargain", scen[s.name], key),
                              lambda s=s, key=key: F.bargain(f"bargain_{key}", s.title, s.posterior.ledger)))
    for s in moving:
        key = F._slug(s.name)
        jobs += [FigureJob(digest(base, "fan", scen[s.name], key),
                           lambda s=s, key=key: F.fan(s.posterior, s.data, s.literature, key)),
                 FigureJob(digest(base, "maturities", scen[s.name], key),
                           lambda s=s, key=key: F.maturities(s.posterior, s.literature, key))]
    sweep = inputs.explorer.sweep_result(inputs.sweep_holder)
    if len(sweep.frame):
        jobs += [FigureJob(digest(base, "sweep", sweep.frame, what), lambda what=what: F.sweep_heatmap(sweep, what))
                 for what in ("cost_10yr", "y10_24m")]
    jobs += [FigureJob(digest(base, "episode", r.to_dict()), lambda r=r: F.episode(r)) for r in inputs.episodes]
    if inputs.events is not None and inputs.events.daily is not None:
        study = inputs.events
        jobs += [FigureJob(digest(base, "intervention", ep.to_dict(), study.episode_news(ep.key)),
                           lambda ep=ep: F.intervention_days(ep.key, ep.title, study.daily.series, ep.days,
                                                             ep.direction, study.episode_news(ep.key)))
                 for ep in study.episodes]
    return jobs


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------


# a hyphen used as a number's sign (" -0.4", "(-$6.5bn"), not one inside a word, a date or a range
_ASCII_SIGN = re.compile(r"(?<![\w.\-\u2212/])-(?=\$?\d)")


def typeset_signs(text: object) -> object:
    """Prose from the model (notes, warnings, verdicts) with its number signs set as the minus
    sign the report's tables use; markup and non-text values pass unchanged."""
    if isinstance(text, Markup) or not isinstance(text, str):
        return text
    return _ASCII_SIGN.sub(MINUS, text)


def environment() -> Environment:
    return Environment(loader=PackageLoader("model", "report_templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _script_json(data: dict) -> Markup:
    """JSON for a ``<script type="application/json">`` block (no ``</`` inside)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("</", "<\\/"))


def render_html(doc: Document, payload: dict, figure_meta: list[dict]) -> str:
    """The report's HTML: the document model laid out for a screen (inline SVG charts with
    hover values and a phone version each, sortable tables, the scenario explorer)."""
    data = doc.to_data()
    explorer = _find(data, "explorer")
    return environment().get_template("report.html.j2").render(
        doc=data, figures={f["key"]: f for f in figure_meta},
        explorer_json=_script_json(explorer["data"]) if explorer else Markup("{}"))


def _find(value, kind: str):
    """The first block of a type in the document's data."""
    if isinstance(value, dict):
        if value.get("type") == kind:
            return value
        values = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return None
    for v in values:
        found = _find(v, kind)
        if found is not None:
            return found
    return None
