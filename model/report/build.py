"""Build the report's document model (:mod:`model.report.document`) once, from the report's
inputs, its ``results.json`` payload and the figures drawn: the brief, then the appendix."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from model.episodes import episodes_summary
from model.report import figures as F
from model.report.appendix import appendix_sections
from model.report.brief import brief_sections, front, howto
from model.report.document import Document, Figure, Section, Span, code, spans, warn
from model.report.vintage import SourceVintage, reference_date, source_vintages, vintage_rows
from model.report.words import bp, month_name, pvalue, usd

if TYPE_CHECKING:
    from model.report.inputs import ReportInputs


def projected_net_interest(years: int = 10) -> dict:
    """Federal net interest over the next ``years`` years at the fiscal settings' figures (CBO's
    February 2026 outlook: the debt held by the public, the average interest rate, the deficit
    and its growth): the context the brief sets the scenarios' costs against. Each year pays the
    average rate on the year's average debt; the debt grows by the deficit.

    The curated CBO baseline (the leverage ledger) will replace this projection when it lands.
    """
    from model.fiscal import fiscal_config

    c = fiscal_config()
    debt, total, first = c.debt_public_bn, 0.0, None
    for year in range(years):
        deficit = c.deficit_first_year_bn * (1 + c.deficit_growth_pct / 100) ** year
        interest = (debt + deficit / 2) * c.average_rate_pct / 100
        first = interest if first is None else first
        total += interest
        debt += deficit
    return {
        "total_bn": total, "first_year_bn": first, "years": years,
        "source": (f"the fiscal settings' figures from the Congressional Budget Office's February 2026 outlook, with "
                   f"the {c.average_rate_pct:g}% average rate held"),
        "method": (f"{usd(total, 0, sign=False)} over {years} years: the average interest rate on the debt "
                   f"({c.average_rate_pct:g}%) held constant, on debt held by the public of "
                   f"{usd(c.debt_public_bn, 0, sign=False)} growing with deficits of "
                   f"{usd(c.deficit_first_year_bn, 0, sign=False)} in the first year, rising {c.deficit_growth_pct:g}% a "
                   f"year (the first year: {usd(first, 0, sign=False)}); holding the average rate fixed simplifies the "
                   "Congressional Budget Office's baseline, which the brief's shares are meant to approximate"),
    }


TEXT_WIDTH_MM = 178.0  # A4 less the PDF's side margins
MAX_FIGURE_HEIGHT_MM = 92.0  # well under half the text height: a chart pushed to the next page leaves
# its page at least half full, and two charts can share a page


def vintage_text(row: dict) -> list[Span]:
    """A header entry: the month a group of sources reaches, and any member behind it."""
    parts: list = [row["through"]]
    if row["stale"]:
        parts.append(warn(" (stale)"))
    for b in row["behind"]:
        parts += [f"; {b['label']}: {b['through']}", warn(" (stale)") if b["stale"] else ""]
    return spans(*parts)


@dataclass
class Context:
    """What the section builders share: the inputs, the payload, the figures drawn, and
    helpers that word references, months and file names."""

    inputs: ReportInputs
    payload: dict
    figures: dict[str, dict]  # key -> drawn figure's metadata (title, caption, source)
    net_interest: dict | None
    used: set[str] = field(default_factory=set)

    @property
    def lead(self):
        return next(s for s in self.inputs.scenarios if s.name == self.inputs.lead)

    @property
    def sweep(self):
        return self.inputs.explorer.sweep_result(self.inputs.sweep_holder)

    @property
    def spec_holder(self) -> str:
        from model.report.render import spec_curve_holder

        return spec_curve_holder(self.inputs)

    @property
    def episodes_summary(self) -> str:
        return episodes_summary(self.inputs.episodes)

    @property
    def cbo_rule(self) -> str:
        from model.fiscal import fiscal_config

        c = fiscal_config().cbo_check
        return (f"{c.shift_bp / 100:g} percentage point on all rates: about {usd(c.ten_year_cost_bn, 0, sign=False)} "
                "over ten years")

    @property
    def source_vintages(self) -> dict[str, SourceVintage]:
        return source_vintages(self.inputs.bundle)

    @property
    def reference_text(self) -> str:
        from model.dates import source_date_epoch

        ref = reference_date(self.inputs.bundle)
        if ref is None:
            return "the document's date"
        epoch = source_date_epoch()
        fixed = epoch is not None and dt.datetime.fromtimestamp(epoch, dt.UTC).date() == ref
        why = "the document's fixed date" if fixed else "the newest observation in the data"
        return f"{ref.day} {ref:%B %Y} ({why})"

    def source_title(self, key: str) -> str:
        src = self.inputs.bundle.sources.get(key)
        return src.spec.title if src else key

    @staticmethod
    def slug(name: str) -> str:
        return F._slug(name)

    @staticmethod
    def figure_key(kind: str, name: str) -> str:
        return f"{kind}_{F._slug(name)}"

    @staticmethod
    def month(yyyymm: str) -> str:
        return month_name(yyyymm)

    @staticmethod
    def code(text: str) -> Span:
        return code(text)

    def figure(self, key: str, brief: bool = False, caption: bool = True) -> Figure | None:
        """The figure block for a drawn figure, once (a figure shown in the brief is not
        repeated in the appendix); ``caption=False`` for one of a series of charts, each under a
        heading that is its title, whose common caption and source the section says once."""
        meta = self.figures.get(key)
        if meta is None or key in self.used:
            return None
        self.used.add(key)
        aspect = meta.get("aspect") or 0.5
        width = min(100.0, 100.0 * MAX_FIGURE_HEIGHT_MM / (aspect * TEXT_WIDTH_MM))
        source = re.sub(r"^Sources?: ", "", meta["source"])
        if not caption:  # one of a series under its own heading: the heading is its title
            return Figure(key, "", "", "", brief, round(width, 1), float=False)
        return Figure(key, meta["title"], meta["caption"], source, brief, round(width, 1), float=False)

    def figure_source(self, key: str) -> str:
        """A figure's source line (for a series of charts that says it once)."""
        meta = self.figures.get(key)
        return re.sub(r"^Sources?: ", "", meta["source"]) if meta else ""

    def explorer_data(self) -> dict:
        explorer = self.payload["explorer"]
        sizes, lengths = explorer["sizes_bn"], explorer["lengths_months"]
        return {
            **explorer,
            "start_text": month_name(explorer["start"]),
            "default_size": 250.0 if 250.0 in sizes else sizes[len(sizes) // 2],
            "default_months": 12 if 12 in lengths else lengths[len(lengths) // 2],
            "size_labels": {str(v): usd(v, 0, sign=False) for v in sizes},
            "holder_labels": {h["holder"]: f"{h['label']} ({usd(h['bonds_notes_bn'], 0, sign=False)} of bonds and notes)"
                              for h in explorer["holders"]},
            "messages": {
                "plan": "{holder} sells {size} of bonds and notes beyond its recent pace over {months}, from {start}.",
                "too_big": "A sale of {size} is more than the bonds and notes {holder} holds ({held}): pick a smaller sale.",
                "warning": " Warning: {text}.",
            },
            "intro": (f"Numbers from the grid above, priced with the same engine as the scenario files "
                      f"({len(explorer['holders'])} holders, {len(sizes)} sizes, {len(lengths)} lengths; posterior with "
                      f"{explorer['draws']:,} draws, beside the literature envelope)."),
            "rows": [["at_24", "10-year move after 24 months, bp"], ["lasting", "Lasting 10-year move, bp"],
                     ["cost", "Extra federal interest over 10 years"]],
        }

    def _sold_days(self) -> dict | None:
        ev = self.payload.get("events") or {}
        pooled = [p for p in ev.get("pooled", []) if p.get("group") == "sell_usd" and p.get("window_days") == 1]
        return next((p for p in pooled if not p.get("excluding_us_news")), None)

    def _largest_effect(self) -> float | None:
        ev = self.payload.get("events") or {}
        if not (ev.get("model") and ev.get("literature")):
            return None
        return max(abs(ev["model"]["effect_bp_per_100bn"]), abs(ev["literature"]["short_run"]["high"]))

    def events_brief(self) -> list:
        """One or two sentences on the intervention days, for the brief."""
        sold, largest = self._sold_days(), self._largest_effect()
        if not sold or not sold.get("n_days") or largest is None:
            return []
        half = (sold["placebo_p95_bp_per_100bn"] - sold["placebo_p05_bp_per_100bn"]) / 2
        verdict = ("these days cannot tell such an effect from noise" if half > largest else
                   "an effect that size would show")
        return [f"On the {sold['n_days']} days Japan sold dollars, the 10-year yield moved "
                f"{bp(sold['effect_bp_per_100bn'])} bp per $100bn sold over one day (p = {pvalue(sold['p_value'])}). "
                f"Ordinary days move it by up to {bp(half, 0, False)} bp per $100bn either way, {half / largest:.1f} times "
                f"the largest effect the model or the literature expects ({bp(largest, 1, False)} bp): {verdict}"]

    def events_beside(self) -> list:
        """The intervention days beside the model and the literature (the appendix's box)."""
        from model.stats import normal_interval

        ev = self.payload.get("events") or {}
        if not (ev.get("model") and ev.get("literature")):
            return []
        m, lit = ev["model"], ev["literature"]["short_run"]
        lo, hi = normal_interval(m["effect_bp_per_100bn"], m["se_bp_per_100bn"])
        out = [f"For the same flow the model predicts {bp(m['effect_bp_per_100bn'])} bp per $100bn sold (90% band "
               f"{bp(lo)} to {bp(hi)}; {m['source']}); the literature envelope's short run is {bp(lit['low'])} / "
               f"{bp(lit['central'])} / {bp(lit['high'])} bp per $100bn (low / central / high, rescaled to today's "
               "market). "]
        brief = self.events_brief()
        if brief:
            out.append(brief[0] + ".")
        return spans(*out)


def resolve_references(doc: Document) -> None:
    """Fill in the words of every cross-reference made with :func:`~document.see`: "section
    2.1" in the brief's numbering, "appendix D" in the appendix's."""
    numbers = {s.id: (s.number, s in _walk(doc.appendix)) for s in doc.sections()}

    def words(target: str) -> str:
        number, in_appendix = numbers[target]
        return f"appendix {number}" if in_appendix else f"section {number}"

    def fix(value):
        if isinstance(value, Span):
            return replace(value, text=words(value.ref)) if value.text == "\u00a7" and value.ref else value
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, tuple):
            return tuple(fix(v) for v in value)
        if hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                setattr(value, name, fix(getattr(value, name)))
        return value

    fix(doc)
    missing = [s.ref for s in _spans(doc) if s.ref and s.ref not in numbers and not s.ref.startswith("fig-")]
    if missing:
        raise ValueError(f"report: references to sections that do not exist: {sorted(set(missing))}")


def _walk(sections: list[Section]) -> list[Section]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s.sections))
    return out


def _spans(value) -> list[Span]:
    if isinstance(value, Span):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _spans(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [s for name in value.__dataclass_fields__ for s in _spans(getattr(value, name))]
    return []


def build_document(inputs: ReportInputs, payload: dict, figure_meta: list[dict]) -> Document:
    """The whole report as one document: the brief (numbered 1, 2, ...), then the technical
    appendix (A, B, ...)."""
    ctx = Context(inputs, payload, {m["key"]: m for m in figure_meta}, projected_net_interest())
    first = front(ctx)
    brief = brief_sections(ctx)
    appendix = appendix_sections(ctx)
    largest = payload["holdings"]["largest"][0]
    n = len(inputs.scenarios)
    lede = spans(
        f"How much could {largest['label']} \u2014 the largest foreign holder of US Treasuries, with "
        f"{usd(largest['holdings_bn'], 0, sign=False)} in {month_name(payload['holdings']['date'])} \u2014 or a coalition "
        "of foreign holders move US borrowing costs by slowing, pausing or reversing their purchases? This report "
        f"estimates it from public data and prices {n} scenario{'s' if n != 1 else ''}, with uncertainty bands, beside "
        "the range of published estimates.")
    vintage_note = spans(f"Data as of {ctx.reference_text}. Stale: behind the publisher's usual lag at that date.")
    footer = spans(
        f"treasury-leverage, commit {inputs.commit}. Every number in this report is also in ", code("results.json"),
        f" (schema {payload['schema_version']}); every table and path as CSV in ", code("tables/"), "; figures in ",
        code("figures/"), " as SVG.")
    vintage = [{"what": r["what"], "text": vintage_text(r), "stale": r["stale"] or any(b["stale"] for b in r["behind"])}
               for r in vintage_rows(inputs.bundle)]
    doc = Document(title="Foreign holders and US borrowing costs", lede=lede, front=first, howto=howto(),
                   vintage=vintage,
                   vintage_note=vintage_note, brief=brief, appendix_title="Appendix: technical details",
                   appendix=appendix, footer=footer,
                   meta={"commit": inputs.commit, "date": payload["report"]["date"],
                         "data_vintage": payload["report"]["data_vintage"],
                         "description": "How much leverage large foreign creditors of the United States have over "
                                        "Treasury yields and federal interest costs"})
    resolve_references(doc)
    return doc
