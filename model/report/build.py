"""Build the report's document model (:mod:`model.report.document`) once, from the report's
inputs, its ``results.json`` payload and the figures drawn: the brief, then the appendix."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from model.episodes import episodes_summary
from model.labels import join_words
from model.report import figures as F
from model.report.appendix import appendix_sections
from model.report.brief import brief_sections, front, howto
from model.report.document import Document, Figure, Section, Span, code, signs, spans, warn
from model.report.vintage import SourceVintage, reference_date, source_vintages, vintage_rows
from model.report.words import bp, day_name, month_name, pvalue, usd

if TYPE_CHECKING:
    from model.report.inputs import ReportInputs


def projected_net_interest(start: str, years: int = 10) -> dict:
    """Federal net interest over the ``years`` years from ``start`` in CBO's baseline (the curated
    baseline, :func:`model.fiscal.baseline_net_interest`): the context the brief sets the
    scenarios' costs against."""
    from model.fiscal import baseline_net_interest
    from model.ledger import ledger_data

    out = baseline_net_interest(ledger_data().cbo_baseline, start, years)
    return {**out, "source": "the Congressional Budget Office's February 2026 baseline"}


TEXT_WIDTH_MM = 178.0  # A4 less the PDF's side margins
MAX_FIGURE_HEIGHT_MM = 92.0  # well under half the text height: a chart pushed to the next page leaves
# its page at least half full, and two charts can share a page
MIN_FIGURE_SCALE = 0.75  # a chart is never printed smaller than this share of the size it was drawn at
# (its 8-9 pt labels stay above 6 pt) ...
TALL_FIGURE_HEIGHT_MM = 150.0  # ... for which a tall chart (a long list of names) may take this height
PT_TO_MM = 25.4 / 72


def figure_width_pct(aspect: float, width_pt: float | None = None) -> float:
    """A chart's width in the PDF, % of the text width: as wide as the text, no taller than
    ``MAX_FIGURE_HEIGHT_MM``, unless that would print its text under ``MIN_FIGURE_SCALE`` of its
    drawn size: then as tall as that needs, up to ``TALL_FIGURE_HEIGHT_MM``."""
    width_mm = min(TEXT_WIDTH_MM, MAX_FIGURE_HEIGHT_MM / aspect)
    if width_pt:
        legible = min(MIN_FIGURE_SCALE * width_pt * PT_TO_MM, TALL_FIGURE_HEIGHT_MM / aspect)
        width_mm = min(TEXT_WIDTH_MM, max(width_mm, legible))
    return 100.0 * width_mm / TEXT_WIDTH_MM


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
        """The CBO's rule of thumb beside this tool's own figure for the same shift of every rate."""
        from model.fiscal import fiscal_config, uniform_shift_cost

        c = fiscal_config().cbo_check
        own = uniform_shift_cost(c.shift_bp)
        ratio = own["ratio_to_cbo"]
        return (f"{c.shift_bp / 100:g} percentage point on all rates: about {usd(c.ten_year_cost_bn, 0, sign=False)} "
                f"over ten years; this tool's interest model gives {usd(own['interest_cost_bn']['10yr'], 0, sign=False)}"
                + (f", {ratio:.2f} times the rule" if ratio is not None else ""))

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
    def day(iso: str) -> str:
        return day_name(iso)

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
        width = figure_width_pct(meta.get("aspect") or 0.5, meta.get("width_pt"))
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

    def _sold_pool(self, window: str, days: int) -> dict | None:
        """The pooled days Japan sold dollars: one window per ``window`` ("day" or "episode"),
        ``days`` business days long, windows with US news kept."""
        ev = self.payload.get("events") or {}
        return next((p for p in ev.get("pooled", []) if p.get("group") == "sell_usd" and p.get("window") == window
                     and p.get("window_days") == days and not p.get("excluding_us_news") and p.get("n_windows")), None)

    def events_brief(self) -> list:
        """One or two sentences on the intervention days, for the brief: what yields did when Japan
        sold dollars, and whether the days could tell the model's effect from zero."""
        ev = self.payload.get("events") or {}
        sold = self._sold_pool("day", 1)
        if not sold or not ev.get("power_verdict"):
            return []
        out = [f"On the {sold['n_days']} days Japan sold dollars, the 10-year yield moved "
               f"{bp(sold['effect_bp_per_100bn'])} bp per $100bn sold over one day (p = {pvalue(sold['p_value'])}). "
               f"{signs(ev['power_verdict'])}"]
        iv = ev.get("iv")
        if iv and ev.get("model"):
            fs, ar = iv["first_stage"], iv["anderson_rubin"]
            model = ev["model"]["effect_bp_per_100bn"]
            pieces = ar.get("confidence_set_bp_per_100bn") or []
            excludes = bool(pieces) and all(
                (b.get("low") is not None and b["low"] > model) or (b.get("high") is not None and b["high"] < model)
                for b in pieces)
            out.append(f" The monthly instrument (the dollars the Ministry traded, in the month they settled) gives "
                       f"{bp(iv['tsls']['effect_bp_per_100bn'])} bp per $100bn sold, with a {ar['level'] * 100:.0f}% "
                       f"set robust to a weak instrument of {signs(ar['confidence_set_text'])}"
                       + (f", which leaves out the model's {bp(model)}" if excludes else "")
                       + f"; but the instrument is {'weak' if fs.get('weak') else 'of moderate strength'} (first-stage F "
                       f"{bp(fs['f_hac'], 1, False)}) and its exclusion is doubtful (the Ministry intervenes because the "
                       "yen moves, and US yields move the yen). " + self._evidence_mixed(
                           sold, ev, iv["tsls"]["effect_bp_per_100bn"], model))
        return ["".join(out).rstrip(".")]

    @staticmethod
    def _evidence_mixed(sold: dict, ev: dict, iv_effect: float, model: float) -> str:
        """Where the days and the months point, beside the model: the selling days, the most
        powerful comparison (when it is another and significant) and the monthly instrument."""
        days = {"sell_usd": "the days Japan sold dollars", "buy_usd": "the days Japan bought dollars"}
        nothing, above, below = [], [], []
        if sold["p_value"] >= 0.1:
            nothing.append(days["sell_usd"])
        pools = [p for p in ev.get("pooled", []) if p.get("minimum_detectable_effect_bp_per_100bn") is not None]
        best = min(pools, key=lambda p: abs(p["minimum_detectable_effect_bp_per_100bn"]), default=None)
        if best is not None and best["p_value"] < 0.05 and days.get(best["group"]) not in nothing:
            (above if best["effect_bp_per_100bn"] > model else below).append(days.get(best["group"], "the days"))
        (above if iv_effect > model else below).append("the monthly instrument")
        def said(items: list[str], singular: str, plural: str) -> list[str]:
            if not items:
                return []
            many = len(items) > 1 or items[0].startswith("the days")
            return [f"{join_words(items)} {plural if many else singular}"]

        parts = (said(nothing, "shows nothing", "show nothing") + said(above, "points above the model", "point above "
                 "the model") + said(below, "points below it", "point below it"))
        return f"The evidence is mixed: {'; '.join(parts)}; none pins a size"

    def events_beside(self) -> list:
        """The intervention days beside the model and the literature (the appendix's box)."""
        from model.stats import normal_interval

        ev = self.payload.get("events") or {}
        if not (ev.get("model") and ev.get("literature")):
            return []
        m, lit = ev["model"], ev["literature"]["short_run"]
        lo, hi = normal_interval(m["effect_bp_per_100bn"], m["se_bp_per_100bn"])
        out = [f"For the same flow the model predicts {bp(m['effect_bp_per_100bn'])} bp per $100bn sold (90% band "
               f"{bp(lo)} to {bp(hi)}; {m['source']}); the published effects rescaled to today's market range from "
               f"{bp(lit['low'])} to {bp(lit['high'])} bp per $100bn (central {bp(lit['central'])}; the literature "
               "envelope's short-run level, which covers every published effect, long-run ones included). "]
        episode, day = self._sold_pool("episode", 5), self._sold_pool("day", 1)
        if episode:
            loo = ""
            if episode.get("leave_one_out_low_bp_per_100bn") is not None:
                loo = (f"; {bp(episode['leave_one_out_low_bp_per_100bn'])} to "
                       f"{bp(episode['leave_one_out_high_bp_per_100bn'])} leaving one episode out")
            out.append(f"On the days Japan sold dollars, one window per episode, the 10-year moved "
                       f"{bp(episode['effect_bp_per_100bn'])} bp per $100bn over five days (p = "
                       f"{pvalue(episode['p_value'])}{loo})")
            if day:
                out.append(f" and {bp(day['effect_bp_per_100bn'])} over one day, one window per day (p = "
                           f"{pvalue(day['p_value'])})")
            out.append(f" (these windows detect {bp(episode['minimum_detectable_effect_bp_per_100bn'])} bp per $100bn "
                       "or more with 80% power). ")
        if ev.get("power_verdict"):
            out.append(signs(ev["power_verdict"]))
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
    lead = next(s for s in inputs.scenarios if s.name == inputs.lead)
    ctx = Context(inputs, payload, {m["key"]: m for m in figure_meta}, projected_net_interest(lead.posterior.start))
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
