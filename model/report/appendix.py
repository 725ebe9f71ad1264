"""The technical appendix: every scenario in detail, the estimation, the response model, the
historical episodes, Japan's intervention days, the data and its caveats, the changes since
the last run and the provenance of every source. Sentences composed here, from the inputs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from model.episodes import verdict_category
from model.labels import (
    holder_label,
    join_words,
    maturity_label,
    measure_label,
    plural,
    response_label,
    subject,
)
from model.panel import RESPONSES
from model.report import bargain as B
from model.report import story
from model.report.document import (
    Box,
    Bullets,
    Column,
    Para,
    Section,
    Table,
    cell,
    code,
    em,
    ref,
    see,
    sentence,
    signs,
    spans,
    strong,
    text_cell,
)
from model.report.words import band_bp, band_usd, bp, month_name, pvalue, range_bp, usd
from model.scenarios.pricing import band_dict
from model.stats import normal_interval

if TYPE_CHECKING:
    from model.report.build import Context

# the smallest intervention day whose per-$100bn effect the report prints: below it a few
# basis points of noise become hundreds of bp per $100bn
MIN_DAY_BN = 10.0


# ---------------------------------------------------------------------------------------------
# A. Scenario details
# ---------------------------------------------------------------------------------------------


def merged_warnings(result, prefix: str) -> list[str]:
    """A result's warnings with identical texts for different holders said once, the holders as
    a sentence names them (``for the United Kingdom and the oil exporters, under the data-only
    response their pooled estimate ...``); ``prefix`` (``data only: ``) only where the text does
    not already name its response."""
    groups: dict[str, list[str]] = {}
    loose = []
    holders = {p.label for p in getattr(result, "holder_paths", [])}
    for w in result.warnings:
        head, sep, rest = w.partition(": ")
        if sep and not w.startswith("with "):
            groups.setdefault(rest, []).append(head)
        else:
            loose.append(w)
    response = f"the {prefix.rstrip(': ').replace('data only', 'data-only')} response"

    def lead(text: str) -> str:
        return "" if response in text else prefix

    out = []
    for rest, heads in groups.items():
        text = rest if len(heads) == 1 else rest.replace(" its ", " their ", 1).replace(" its ", " their ")
        if lead(text) or not (set(heads) <= holders or not holders):
            out.append(f"{prefix}{join_words(heads)}: {text}")
        else:
            out.append(f"for {join_words([subject(h) for h in heads])}, {text}")
    return out + [f"{lead(w)}{w}" for w in loose]


_RESPONSES_PREFIX = re.compile(r"^((?:posterior|data only|literature)(?: and (?:posterior|data only|literature))*): ")
# a plan note's first word, and the verb a plural subject takes ("the oil exporters sell")
_PLURAL_VERB = {"sells": "sell", "buys": "buy", "pauses": "pause", "cuts": "cut", "halves": "halve",
                "doubles": "double", "keeps": "keep", "reduces": "reduce", "slows": "slow", "has": "have"}
_POOLED = "no estimate of its own"


def _split_note(note: str, labels: list[str]) -> tuple[list[str], str | None, str]:
    """A scenario note as (the responses it is limited to, the holder it is about, its text)."""
    responses: list[str] = []
    m = _RESPONSES_PREFIX.match(note)
    if m:
        responses, note = m.group(1).split(" and "), note[m.end():]
    holder = next((label for label in sorted(labels, key=len, reverse=True) if note.startswith(label + ": ")), None)
    return responses, holder, note[len(holder) + 2:] if holder else note


def scenario_notes(labels: list[str], notes: list[str]) -> list[str]:
    """A scenario's notes, each holder's together (in the plan's order) as one sentence with the
    verb its name takes (``Japan sells ...``, ``the oil exporters sell ...``); a holder priced
    with the pooled estimate says so once, naming the responses; notes about no holder follow."""
    by_holder: dict[str, list[tuple[list[str], str]]] = {label: [] for label in labels}
    loose = []
    for n in notes:
        responses, holder, text = _split_note(n, labels)
        if holder is None:
            loose.append(n)
        else:
            by_holder[holder].append((responses, text))
    out = []
    for label, items in by_holder.items():
        if not items:
            continue
        many = plural(label)
        its, it = ("their", "them") if many else ("its", "it")
        parts, pooled = [], []
        for responses, text in items:
            if text.startswith(_POOLED):
                pooled += [r for r in responses if r not in pooled]
                continue
            if many:
                first, _, rest = text.partition(" ")
                text = f"{_PLURAL_VERB.get(first, first)} {rest}".replace(" its ", " their ")
            words = join_words([r.replace("data only", "data-only") for r in responses])
            parts.append(f"under the {words} response{'s' if len(responses) > 1 else ''}, {text}" if responses else text)
        if pooled:
            words = [r.replace("data only", "data-only") for r in pooled] or ["every"]
            parts.append(f"{'they have' if many else 'it has'} no estimate of {its} own: the {join_words(words)} "
                         f"response{'s' if len(words) > 1 else ''} price{'' if len(words) > 1 else 's'} {it} with "
                         "the pooled estimate")
        if parts and parts[0].split(" ", 1)[0] in {*_PLURAL_VERB, *_PLURAL_VERB.values()}:
            out.append(f"{subject(label)} " + "; ".join(parts))
        else:
            if parts and parts[0].startswith(("it has", "they have")):
                parts[0] = parts[0].split(" ", 2)[2]  # "the oil exporters: no estimate of their own ..."
            out.append(f"{subject(label)}: " + "; ".join(parts))
    return out + loose


def merged_bands(notes: list[str], sset) -> list[str]:
    """The responses' notes on their bands (``bands: ...`` from the posterior and data-only
    draws, another from the literature envelope) said in one note, each under its responses."""
    bands = [n for n in notes if n.startswith("bands: ")]
    if len(bands) < 2:
        return notes
    words = {"posterior": "posterior", "data": "data-only", "literature": "literature"}
    parts = []
    for n in bands:
        by = [words[name] for name, r in sset.items() if n in r.notes]
        parts.append((f"for the {join_words(by)} response{'s' if len(by) > 1 else ''}, " if by else "")
                     + n[len("bands: "):])
    merged = "bands: " + "; ".join(parts)
    return [merged if n == bands[0] else n for n in notes if n == bands[0] or n not in bands]


def scenario_details(ctx: Context) -> Section:
    sets = ctx.inputs.scenarios
    general = story.general_notes(sets)
    owned = {s.name: story.own_notes(s, general) for s in sets}
    # a note two or more scenarios carry is said once, here, not under each
    counts: dict[str, int] = {}
    for notes in owned.values():
        for n in notes:
            counts[n] = counts.get(n, 0) + 1
    shared = [n for n, c in counts.items() if c > 1]
    blocks: list = [Para(spans(
        "Each scenario under the three responses: the plan, its warnings, the 10-year path, every maturity, the "
        "extra federal interest over one, five and ten years and the sellers' own loss. Notes that hold for "
        "every scenario:"))]
    blocks.append(Bullets([spans(sentence(n)) for n in merged_bands([*general, *shared], sets[0])], "note"))
    subs = []
    for i, s in enumerate(sets, start=1):
        subs.append(scenario_detail(ctx, s, f"A.{i}", [n for n in owned[s.name] if n not in shared]))
    subs.append(sweep_detail(ctx, f"A.{len(sets) + 1}"))
    return Section("scenario-details", "A", "Scenario details", 2, blocks, subs)


def scenario_detail(ctx: Context, s, number: str, notes: list[str]) -> Section:
    est, dat, lit = s.posterior, s.data, s.literature
    blocks: list = [Para(spans(
        signs(est.description.strip()) + " " if est.description.strip() else "",
        "File ", code(est.path), f"; from {ctx.month(est.start)} for {est.horizon_months} months; "
        f"{story.short_plan(est)}; pricing: {pricing_text(est.pricing_mode)}."))]
    if est.holder_paths:
        rows = [[text_cell(p.label), text_cell(p.action), cell(bp(p.baseline_bn)), text_cell(p.baseline_window),
                 cell(usd(p.holdings_start_bn, 0, sign=False)), cell(usd(float(p.deviation_bn.sum()), 0))]
                for p in est.holder_paths]
        blocks.append(Table(f"plan-{ctx.slug(s.name)}", [Column("Holder", "left", 2), Column("Action", "left"),
                                                          Column("Recent pace, $bn a month"),
                                                          Column("Measured over", "left", 1.6),
                                                          Column("Holdings at start"),
                                                          Column("Planned change of net purchases", width=1.5)], rows,
                            csv=f"plan_{s.name}"))
    if not s.moves_anything:
        blocks.append(Para(spans(strong("Every deviation is zero by construction: "),
                                 "no holder departs from its recent pace, so the yields and the federal interest stay "
                                 "on the baseline path. This is the reference the other scenarios are measured "
                                 "against.")))
    else:
        warnings = merged_warnings(est, "posterior: ") + merged_warnings(dat, "data only: ")
        if warnings:
            blocks.append(Box("warning", "Warnings", [Bullets([spans(sentence(w)) for w in warnings])]))
        if est.coalition_note:
            blocks.append(Para(spans(strong("Why the group moves yields less than one member alone could. "),
                                     sentence(est.coalition_note))))
        fig = ctx.figure(ctx.figure_key("fan", s.name))
        if fig:
            blocks.append(fig)
        rows = []
        for m in RESPONSES:
            mv = est.moves(m)
            rows.append([text_cell(maturity_label(m)),
                         cell(band_bp(mv["at_24_months"]) if mv["at_24_months"] else "n/a", nowrap=True),
                         cell(f"{bp(mv['peak']['median'])} in month {mv['peak']['month']}", nowrap=True),
                         cell(band_bp(mv["lasting"]), nowrap=True), cell(band_bp(dat.lasting(m)), nowrap=True),
                         cell(band_bp(lit.lasting(m)), nowrap=True)])
        blocks.append(Table(f"moves-{ctx.slug(s.name)}", [Column("Yield vs baseline, bp", "left", 1.4),
                                                           Column("After 24 months (posterior)", width=1.5),
                                                           Column("Peak (posterior)", width=1.2),
                                                           Column("Lasting (posterior)", width=1.5),
                                                           Column("Lasting (data only)", width=1.5),
                                                           Column("Lasting (literature)", width=1.5)],
                            rows, csv=f"paths_{s.name}", size="small"))
        fig = ctx.figure(ctx.figure_key("maturities", s.name))
        if fig:
            blocks.append(fig)
        table = B.scenario_table(ctx, s)
        if table is not None:
            blocks.append(table)
            fig = ctx.figure(f"bargain_{ctx.slug(s.name)}")
            if fig:
                blocks.append(fig)
        rows = [[text_cell(response_label(name))] + [cell(band_usd(r.cost(k), 1 if k == "1yr" else 0), nowrap=True)
                                                     for k in ("1yr", "5yr", "10yr")] for name, r in s.items()]
        blocks.append(Table(f"cost-{ctx.slug(s.name)}", [Column("Extra federal interest", "left", 1.4),
                                                          Column("Over 1 year"), Column("Over 5 years"),
                                                          Column("Over 10 years")], rows,
                            csv=f"interest_cost_{s.name}"))
        # one mark-to-market figure per seller: the ledger's (its reserves, their own duration) where
        # the facts exist, otherwise the rough one on its reported holdings at the market's duration
        in_ledger = {x["holder"]: x["label"] for x in ((est.ledger or {}).get("sellers") or []) if x.get("mtm_loss_bn")}
        rows = [[text_cell(p.label)] + [cell(band_usd(band_dict(r.holder_loss_bn[p.key], r.band_kind)), nowrap=True)
                                        for _, r in s.items()]
                for p in est.holder_paths if p.key in est.holder_loss_bn and p.key not in in_ledger]
        if rows:
            blocks.append(Table(f"loss-{ctx.slug(s.name)}", [Column("Seller's own loss on the bonds and notes it "
                                                                     "still holds", "left", 2.2), Column("Posterior"),
                                                              Column("Data only"), Column("Literature")], rows,
                                notes=[spans("For sellers without published facts on their reserves: the bonds and "
                                             "notes the Treasury reports they hold, at the market's duration of about "
                                             f"five years. {' and '.join(in_ledger.values())}: in the bargain's "
                                             "table above, on its reserve Treasuries at their own, shorter "
                                             "duration." if in_ledger else
                                             "The bonds and notes the Treasury reports the sellers hold, at the "
                                             "market's duration of about five years.")]))
    if notes:
        blocks.append(Bullets([spans(sentence(n)) for n in scenario_notes([p.label for p in est.holder_paths], notes)],
                              "note"))
    title = s.title + (" (lead)" if s.name == ctx.lead.name else "")
    return Section(f"scenario-{ctx.slug(s.name)}", number, title, 3, blocks)


def pricing_text(mode: str) -> str:
    """The pricing mode as words: ``flow`` or ``announcement (50% priced at once)``."""
    if mode.startswith("announcement"):
        return "announced, " + mode[mode.index("(") + 1: mode.rindex(")")] if "(" in mode else "announced"
    return "as the flows happen"


def sweep_detail(ctx: Context, number: str) -> Section:
    sweep = ctx.sweep
    blocks: list = []
    fig = ctx.figure(ctx.figure_key("sweep_y10_24m", sweep.holder))
    if fig:
        blocks.append(Para(spans(f"The 10-year move after 24 months for every size and length of a sale by "
                                 f"{story.subject(sweep.label)} (the ten-year cost is in ",
                                 see("sensitivity"), ").")))
        blocks.append(fig)
    blocks.append(Para(spans(sentence(ctx.payload["explorer"]["note"]), " The grid is ", code("tables/explorer.csv"),
                             "."), "note"))
    return Section("sweep-detail", number, "The sale grid behind the sensitivity and the explorer", 3, blocks)


# ---------------------------------------------------------------------------------------------
# B. Estimation
# ---------------------------------------------------------------------------------------------


def valuation_trap(ctx: Context) -> Section:
    results = ctx.inputs.results
    rows = [[text_cell(r.yield_change), text_cell(measure_label(r.flow_measure)), text_cell(r.sample), cell(str(r.nobs)),
             cell(bp(r.bp_per_100bn_sold), sort=r.bp_per_100bn_sold), cell(bp(r.se, 1, False)), cell(f"{r.rsquared:.2f}")]
            for r in results.trap.itertuples()]
    trap = [Para(spans(
        "A naive regression of the monthly change in the 10-year yield on the change in Japan's reported holdings "
        "since 2012 finds a large, precise effect. It is mostly mechanical: since December 2011 the tables report "
        "market values, so when yields rise the holdings lose value with no selling at all. Adjusting for valuation, "
        "or using the Treasury's reported net purchases, removes it.")),
        Table("trap-table", [Column("Yield change", "left", 1.2), Column("Japan's flow", "left", 2.4),
                             Column("Sample", "left", 1.6), Column("N", width=0.5), Column("bp per $100bn sold"),
                             Column("HAC se", width=0.7), Column("R\u00b2", width=0.6)], rows,
              csv="valuation_trap", sortable=True, size="small")]
    for key in ("valuation_trap", "flows_japan"):
        fig = ctx.figure(key)
        if fig:
            trap.append(fig)
    rows = [[text_cell(holder_label(r.holder)), text_cell(f"{r.start} to {r.end}"), cell(f"{r.corr:.2f}"),
             cell(bp(r.implied_sd_bn, 1, False)), cell(bp(r.reported_sd_bn, 1, False)),
             cell(bp(r.mean_abs_gap_bn, 1, False))] for r in results.valuation.itertuples()]
    trap += [Para(spans("The duration formula behind the adjustment tracks the valuation changes the Treasury itself "
                        "reports since February 2023:")),
             Table("valuation-check", [Column("Holder", "left", 1.6), Column("Months", "left", 1.6),
                                       Column("Correlation"), Column("Implied s.d., $bn"), Column("Reported s.d., $bn"),
                                       Column("Mean absolute gap, $bn")], rows)]
    return Section("trap", "B.1", "The valuation trap", 3, trap)


def regressions(ctx: Context) -> Section:
    results = ctx.inputs.results
    why = " ".join(rec["why"] for rec in ctx.inputs.response.controls.get("sensitivities", {}).values())
    dl: list = [Para(spans(
        "Monthly changes in Treasury yields (bp) regressed on current and lagged purchases by holder (as a share of "
        "debt held by the public), with controls for monetary policy and the Federal Reserve's own Treasury "
        f"purchases. {signs(why)} Every maturity and the term premium form one system on one common sample per flow "
        "measure, with joint HAC (Newey-West) standard errors and a moving-block bootstrap; the tables quote the "
        "wider of the two, the standard error the scenario draws use. Effects are the cumulative multiplier, in bp "
        "per $100bn sold at today's debt."))]
    described = {m: [part.strip() for part in results.systems[m].spec.describe().split("; ")]
                 for m in ("reported", "naive", "adjusted")}
    common = [part for part in described["reported"] if all(part in parts for parts in described.values())]
    if common:
        dl.append(Para(spans("Every flow measure's system: " + "; ".join(signs(p) for p in common) + "."), "note"))
    for measure in ("reported", "naive", "adjusted"):
        res = results.dl("10y", measure)
        own = "; ".join(p for p in described[measure] if p not in common)
        rows = []
        for eff in res.effects.values():
            lo, hi = normal_interval(eff.effect_bp_per_100bn, eff.se_bp_per_100bn)
            rows.append([text_cell(holder_label(eff.holder)), cell(bp(eff.effect_bp_per_100bn, 2), sort=eff.effect_bp_per_100bn),
                         cell(bp(eff.se_bp_per_100bn, 2, False)), cell(f"{bp(lo)} to {bp(hi)}", nowrap=True)])
        dl.append(Table(f"dl-{measure}", [Column("Holder", "left", 2), Column("bp per $100bn sold"), Column("se"),
                                          Column("90% band", width=1.4)], rows, sortable=True,
                        title=f"10-year yield, {measure_label(measure)}",
                        notes=[spans(f"Sample {res.sample_start} to {res.sample_end}, N = {res.nobs}, HAC lags "
                                     f"{res.hac_lags}, R\u00b2 {res.rsquared:.2f}; se: the wider of HAC and the "
                                     "block bootstrap." + (f" {sentence(own)}" if own else ""))]))
    holder = ctx.spec_holder
    rows = []
    for measure in ("reported", "naive", "adjusted"):
        row = [text_cell(measure_label(measure))]
        for m in RESPONSES:
            eff = results.dl(m, measure).effects.get(holder)
            row.append(cell(f"{bp(eff.effect_bp_per_100bn)} ({bp(eff.se_bp_per_100bn, 1, False)})" if eff else "n/a",
                            nowrap=True))
        rows.append(row)
    dl.append(Table("maturity-table", [Column("Flow measure", "left", 2.2)]
                    + [Column(maturity_label(m)) for m in RESPONSES], rows,
                    title=f"Every maturity: {holder_label(holder)}'s effect, bp per $100bn sold", csv="models",
                    notes=[spans("Standard errors in parentheses (the wider of HAC and the block bootstrap). Every "
                                 "maturity shares the sample of its flow measure.")], size="small"))
    return Section("regressions", "B.2", "Distributed-lag regressions", 3, dl)


def levels_signs(results) -> str:
    """A sentence when the levels estimates have the wrong sign for a demand effect."""
    effects = story.level_effects(results)
    wrong = sum(e < 0 for e in effects)
    if not effects or not wrong:
        return ""
    share = "Every estimate here" if wrong == len(effects) else f"{wrong} of the {len(effects)} estimates here"
    return (f" {share} has the wrong sign for a demand effect (yields lower after selling): the levels say "
            "nothing in favour of the scenarios' effects.")


def irf_signs(results, labels: dict[str, str]) -> Table | None:
    """A table of the impulse responses whose sign is wrong for a demand effect (yields lower
    after selling) at some horizons: at how many, at how many the 90% band excludes zero, and the
    response at 12 months (one row each, so no sentence repeats for every holder and measure)."""
    rows, h = [], 12
    for lp in results.local_projections:
        frame = lp.to_frame()
        wrong = int((frame["irf_bp_per_100bn"] < 0).sum())
        if not wrong:
            continue
        h = min(12, lp.horizons)
        at = frame.iloc[h]
        rows.append([text_cell(labels.get(lp.holder, holder_label(lp.holder))), text_cell(measure_label(lp.flow_measure)),
                     cell(f"{wrong} of {len(frame)}", sort=wrong), cell(str(int((frame["p95"] < 0).sum()))),
                     cell(f"{bp(at['irf_bp_per_100bn'])} ({bp(at['se_bp_per_100bn'], 1, False)})",
                          sort=at["irf_bp_per_100bn"], nowrap=True)])
    if not rows:
        return None
    return Table("irf-signs", [Column("Holder", "left", 1.3), Column("Flow measure", "left", 2.2),
                               Column("Horizons below zero", width=1.0),
                               Column("Of them, 90% band wholly below zero", width=1.3),
                               Column(f"At {h} months, bp per $100bn sold (se)", width=1.4)], rows,
                 title="Impulse responses with the wrong sign for a demand effect", size="small",
                 notes=[spans("Below zero: yields lower after selling, the wrong sign for a demand effect. The "
                              "scenarios do not price these responses.")])


def lp_sample_end(ctx: Context, lp) -> str:
    """Why the local projections' sample ends years before the data: every horizon is fitted on
    the same months, so the last month is the last whose yield ``horizons`` months later is
    observed (empty when something else ends it)."""
    import pandas as pd

    level = ctx.inputs.panel.frame[f"y{lp.maturity}_eom_pct"]
    last = level.last_valid_index()
    end = pd.Timestamp(lp.sample_end + "-01")
    if last is None or end + pd.DateOffset(months=lp.horizons) != pd.Timestamp(last).to_period("M").to_timestamp():
        return ""
    return (f" Every horizon is fitted on the same months, so the sample stops {lp.horizons} months before the last "
            f"observed yield ({last:%Y-%m}): a later month has no yield {lp.horizons} months on.")


def estimation(ctx: Context) -> Section:
    results = ctx.inputs.results
    subs = [valuation_trap(ctx), regressions(ctx)]
    rows = [[text_cell(measure_label(res.flow_measure)), text_cell(holder_label(eff.holder)),
             cell(bp(eff.effect_bp_per_100bn), sort=eff.effect_bp_per_100bn), cell(bp(eff.se_bp_per_100bn, 1, False)),
             text_cell(f"{res.sample_start} to {res.sample_end}"), cell(str(res.nobs)), cell(f"{res.rsquared:.2f}")]
            for res in results.levels for eff in res.effects.values()]
    subs.append(Section("levels", "B.3", "Levels, after Warnock and Warnock (2009)", 3, [Table(
        "levels-table", [Column("Flow measure", "left", 2), Column("Holder", "left", 1.6),
                         Column("bp per $100bn sold over 12 months", width=1.3), Column("HAC se", width=0.7),
                         Column("Sample", "left", 1.5), Column("N", width=0.5), Column("R\u00b2", width=0.5)], rows,
        sortable=True, size="small", notes=[spans(
            f"Levels of the 10-year yield on 12-month flows as a share of GDP, HAC lags {results.levels[0].hac_lags}. "
            "Positive numbers say yields were higher after foreign selling; a levels regression of a trending yield on "
            "slow-moving flows mostly picks up common trends and reverse causality: read it as description."
            + levels_signs(results))])]))

    irf: list = []
    fig = ctx.figure("impulse_responses")
    if fig:
        irf.append(fig)
    lp = results.local_projections[0]
    irf.append(Para(spans(
        f"Local projections (Jord\u00e0 2005), horizons 0 to {results.config.local_projections.horizons} months, with "
        f"Newey-West lags max(h+1, rule of thumb) at each horizon h; sample {lp.sample_start} to {lp.sample_end}.",
        lp_sample_end(ctx, lp)), "note"))
    signs_table = irf_signs(results, ctx.inputs.holder_labels)
    if signs_table:
        irf.append(signs_table)
    subs.append(Section("irf", "B.4", "Impulse responses", 3, irf))

    if len(results.out_of_sample):
        stab: list = []
        for key in ("stability_subsamples", "stability_rolling"):
            fig = ctx.figure(key)
            if fig:
                stab.append(fig)
        def ratio(value) -> str:
            return f"{value:.3f}" if value is not None and np.isfinite(value) else "\u2013"

        oos = results.out_of_sample
        rows = [[text_cell(r.model), text_cell(measure_label(r.flow_measure) if r.flow_measure != "-" else ""),
                 cell(str(r.forecasts)), cell(bp(r.rmse_bp, 2, False)), cell(ratio(r.rmse_ratio_vs_no_change)),
                 cell(ratio(getattr(r, "rmse_ratio_vs_controls", None)))]
                for r in oos.itertuples()]
        stab.append(Table("oos-table", [Column("One-month-ahead forecast of the 10-year change", "left", 2.4),
                                        Column("Flow measure", "left", 2.2), Column("Forecasts"), Column("RMSE, bp"),
                                        Column("RMSE ratio to no change"),
                                        Column("RMSE ratio to controls alone")], rows, csv="out_of_sample",
                          notes=[spans("Ratio to controls alone: the forecast with flows against the forecast with "
                                       "the same controls and no flows, over the same months. A dash: not a "
                                       "forecast with flows. ", signs(results.oos_verdict))]))
        subs.append(Section("stability", "B.5", "Stability and out-of-sample forecasts", 3, stab))
    return Section("estimation", "B", "Estimation", 2, [], subs)


# ---------------------------------------------------------------------------------------------
# C. The response model
# ---------------------------------------------------------------------------------------------


def conflict_level(conflict: dict) -> str:
    """The conflict test's size, in words (``5%``)."""
    levels = {c["level"] for c in conflict.values()}
    return f"{(1 - levels.pop()) * 100:.0f}%" if len(levels) == 1 else "stated"


def specs_kept(response) -> str:
    """Which specifications the response model keeps: the weighted ones, and the baseline."""
    weighted = sum(s.weight > 0 for s in response.specs)
    if weighted == len(response.specs):
        return f"the {weighted} with weight, which the draws use, the baseline among them"
    return f"the {weighted} with weight, which the draws use, and the baseline, shown for reference"


def response_model(ctx: Context) -> Section:
    results, response = ctx.inputs.results, ctx.inputs.response
    systems = results.systems
    holders = join_words([holder_label(h) for h in response.holders])
    pool = join_words([holder_label(h) for h in response.pool])
    blocks: list = [Para(spans(
        f"Every maturity is estimated jointly, on one common sample ({systems['reported'].sample_start} to "
        f"{systems['reported'].sample_end}, N = {systems['reported'].nobs} for reported flows), with one HAC covariance "
        f"across equations and a {systems['reported'].bootstrap_block}-month moving-block bootstrap as a second "
        f"inference; draws use the wider of the two (the bootstrap in {response.describe()['inference']['bootstrap']} "
        f"of the {len(response.specs)} specifications kept: {specs_kept(response)}). The estimate is repeated under "
        f"{len(results.grid.systems)} specifications (flow measure, controls with and without the breakeven, lags 0 "
        f"to 12, three sample windows; {len(results.grid.skipped)} left out for too few months per regressor), "
        f"weighted by {signs(results.grid.weights_text())}; the specifications with the breakeven are shown, "
        "not weighted. Scenarios draw the specification as well as the coefficients, so their bands carry "
        "specification uncertainty."))]
    fig = ctx.figure(ctx.figure_key("speccurve", ctx.spec_holder))
    if fig:
        blocks.append(fig)
    tau = response.between_holder
    conflicted = [holder_label(h) for h in response.holders if response.in_conflict(h)]
    conflict = response.conflict
    tests = "; ".join(f"{holder_label(h)} z = {bp(c['z'], 2)} (p = {c['p_value']:.3f})"
                      for h, c in conflict.items())
    blocks.append(Para(spans(
        "The estimates are then shrunk toward the published evidence: each holder group's 10-year short-run effect "
        f"has a prior of {bp(-response.prior.mean_10y)} bp per $100bn sold (standard deviation "
        f"{bp(response.prior.sd_10y, 1, False)}; {signs(response.prior_info.get('rule', ''))}), updated with that "
        "holder's own estimates only. The prior speaks to the 10-year; across maturities it takes the estimates' "
        "own covariance, so the term premium and the other maturities are shrunk by the same fraction as the "
        "10-year and every posterior lies between its prior and its estimate. A test of each holder's estimate "
        f"against the prior ({tests}, at the {conflict_level(conflict)} level) decides who may inform the pooled "
        "effect: " + (f"{join_words(conflicted)} conflicts with the prior and is left out of the pool"
                      if conflicted else "no holder conflicts with it") + ". Groups without an estimate of their "
        f"own (any but {holders}) get the pooled posterior of {pool} plus one holder's spread, whose standard "
        "deviation has a half-normal prior and is integrated over (posterior mean "
        f"{bp(tau.mean if tau is not None else response.prior.between_holder_sd_10y, 1, False)} bp). Why those "
        "groups are priced from this pool rather than from their own flows: a plan's sale is a government's sale, "
        "and the other groups' reported flows mix private and custodial trades (a custody centre such as London "
        "records holdings it keeps for others), so their own regressions would measure who keeps bonds there, not "
        "what a sale by that government would do; the holder's spread allows them to differ. "
        f"{signs(response.persistence_text())} The rest of the short-run effect decays with a "
        f"{response.half_life_months:.0f}-month half-life. {sentence(signs(response.local_projection_verdict()))}")))
    fig = ctx.figure("posterior")
    if fig:
        blocks.append(fig)
    table = response.posterior_table(ctx.inputs.holder_labels)
    rows = [[text_cell(r.label), text_cell(("its own" if r.estimate == "own" else "pooled")
                                          + (", in conflict" if r.in_conflict else "")),
             cell(f"{bp(r.prior_mean)} ({bp(r.prior_sd, 1, False)})", nowrap=True),
             cell(f"{bp(r.data_mean)} ({bp(r.data_sd, 1, False)})", sort=r.data_mean, nowrap=True),
             cell(f"{bp(r.posterior_mean)} ({bp(r.posterior_sd, 1, False)})", sort=r.posterior_mean, nowrap=True),
             cell(f"{bp(r.scalar_posterior_mean)} ({bp(r.scalar_posterior_sd, 1, False)})", nowrap=True)]
            for r in table[table["maturity"] == "10y"].itertuples()]
    blocks.append(Table("posterior-table", [Column("Holder", "left", 2.4), Column("Estimate", "left"),
                                            Column("Prior"), Column("Data"), Column("Posterior"),
                                            Column("10-year alone")], rows,
                        csv="posterior", sortable=True, notes=[spans(
                            "10-year yield, bp per $100bn sold: mean (standard deviation) over the weighted "
                            "specifications. Posterior: the update of every maturity together; 10-year alone: the "
                            "update of the 10-year estimate by itself (the two agree when the maturities agree). "
                            "Neither is one normal update of the prior and data columns: each weighted specification "
                            "is updated on its own and the updates are mixed by the specifications' weights, and a "
                            "mixture's mean and spread are not the update of the mixture's mean and spread. "
                            f"Prior: {signs(response.prior_info.get('rule', ''))}; pooled groups' prior adds the "
                            "between-holder spread.")]))
    lit: list = []
    fig = ctx.figure("literature")
    if fig:
        lit.append(fig)
    rows = [[text_cell(r.source), text_cell(f"{maturity_label(r.maturity)}, {r.horizon.replace('_', ' ')}"),
             text_cell(f"{bp(r.published_low, 1, False)}\u2013{bp(r.published_high, 1, False)} {r.published_units}"),
             text_cell(r.scale_date), cell(bp(r.low_bp_per_100bn_today, 2, False)),
             cell(bp(r.central_bp_per_100bn_today, 2, False)), cell(bp(r.high_bp_per_100bn_today, 2, False)),
             text_cell(r.status)] for r in results.literature.itertuples()]
    env = results.envelope
    lit.append(Table("literature-table", [Column("Source", "left", 2.6), Column("Maturity, horizon", "left", 1.3),
                                          Column("Published", "left", 1.3), Column("Scale date", "left", 0.9),
                                          Column("Today: low", width=0.7), Column("Central", width=0.7),
                                          Column("High", width=0.7), Column("Status", "left", 2.0)], rows,
                     csv="literature", sortable=True, size="small", notes=[spans(
                         f"Today: bp on the 10-year yield per $100bn sold at debt held by the public of "
                         f"{usd(results.today.debt_bn, 0, sign=False)} ({results.today.month}). Every effect is "
                         "first put in bp per $100bn at its own date (effects per % of GDP or per % of debt with that "
                         "date's GDP or debt), then scaled by debt then / debt today (one basis for all; the GDP basis "
                         f"gives a central long-run effect of {bp(env['other_basis']['long_run']['central'], 1, False)} "
                         f"and a short-run high of {bp(env['other_basis']['short_run']['high'], 1, False)}), and 5-year "
                         "or term-premium effects are mapped to the 10-year with the maturity loadings. Scenario "
                         f"envelope: short run {bp(env['short_run']['low'], 1, False)} / "
                         f"{bp(env['short_run']['central'], 1, False)} / {bp(env['short_run']['high'], 1, False)}, "
                         f"decaying with a {env['half_life_months']:.0f}-month half-life to the long run "
                         f"{bp(env['long_run']['low'], 1, False)} / {bp(env['long_run']['central'], 1, False)} / "
                         f"{bp(env['long_run']['high'], 1, False)} (low / central / high: low and high cover every "
                         "effect in the table).")]))
    sub = [Section("published", "C.1", "This tool's estimate beside the published ones", 3, lit)]
    return Section("response-model", "C", "From estimates to scenarios: the response model", 2, blocks, sub)


# ---------------------------------------------------------------------------------------------
# D. Historical episodes
# ---------------------------------------------------------------------------------------------


def episodes(ctx: Context) -> Section:
    results = ctx.inputs.episodes
    counts: dict[str, int] = {}
    for r in results:
        for n in dict.fromkeys(r.notes):
            counts[n] = counts.get(n, 0) + 1
    common = [n for n, c in counts.items() if c > 1]
    rows = [[text_cell(ref(r.episode.title, f"episode-{ctx.slug(r.episode.key)}")),
             text_cell(f"{r.episode.start} to {r.episode.end}"),
             cell(usd(r.flows_reported_bn, 0), sort=r.flows_reported_bn, nowrap=True),
             cell(band_bp(r.predicted("10y")), nowrap=True), cell(band_bp(r.predicted("10y", "literature")), nowrap=True),
             cell(bp(r.actual_10y_bp, 0), sort=r.actual_10y_bp), text_cell(verdict_category(r.verdict))]
            for r in results]
    blocks: list = [
        Para(spans("A model of foreign selling earns trust by what it says about the times foreign holders really did "
                   "buy or sell heavily. Each episode is priced as a scenario whose path is the holders' observed "
                   "net purchases, beside what the 10-year yield actually did. The last episode is found by the tool "
                   "itself in the data.")),
        Table("episodes-table", [Column("Episode", "left", 2.6), Column("Window", "left", 1.4),
                                 Column("Net purchases, $bn", width=0.9), Column("10-year: model (posterior), bp", width=1.5),
                                 Column("Model (literature), bp", width=1.5), Column("Actual, bp", width=0.7),
                                 Column("Verdict", "left", 1.1)], rows, csv="episodes", sortable=True, size="small",
              notes=[spans("Net purchases: the holders' reported net purchases of bonds and notes over the window "
                           "(\u2212 = sales); the holdings an episode's note quotes also move with bills, prices and "
                           "custody. Verdict on the posterior: ", em("consistent"), " (the actual move lies in "
                           "the model's band), ", em("band too wide to tell"), " (it does, but the flows account for "
                           "under a quarter of it), ", em("too small"), ", ", em("too large"), " or ", em("wrong sign"),
                           ". " + " ".join(sentence(n) for n in common))]),
        Para(spans(strong("What the episodes say. "), signs(ctx.episodes_summary))),
        Para(spans("Each episode's chart: the change in the 10-year yield since the month before the window, bp, "
                   "that the observed flows imply under the posterior response (median and 90% band) and under the "
                   "literature envelope (central), beside what the yield did. Source: "
                   + ctx.figure_source(f"episode_{results[0].episode.key}") + "." if results else ""), "note"),
    ]
    subs = []
    for i, r in enumerate(results, start=1):
        own = [n for n in r.notes if n not in common]
        whose = join_words([holder_label(h) for h in r.holders])
        body: list = [Para(spans(
            signs(r.episode.note), f" Priced here: the reported net purchases of bonds and notes by {whose} over the "
            f"window, {usd(r.flows_reported_bn, 0)}. ", Span_muted(f"Source: {r.episode.source}.")))]
        body.append(Para(spans(
            strong("Verdict. "), f"Posterior: {signs(r.verdict)}. Literature envelope: {signs(r.verdict_literature)}. "
            f"Term premium (posterior): {signs(r.verdict_tp)}. Over the same window the Federal Reserve's Treasury "
            f"holdings changed by {usd(r.fed_purchases_bn, 0)} and the federal funds rate by "
            f"{bp(r.policy_rate_change_bp, 0)} bp.")))
        if own:
            body.append(Para(spans("; ".join(sentence(n) for n in own)), "note"))
        fig = ctx.figure(f"episode_{r.episode.key}", caption=False)
        if fig:
            body.append(fig)
        subs.append(Section(f"episode-{ctx.slug(r.episode.key)}", f"D.{i}", r.episode.title, 3, body))
    return Section("episodes", "D", "Historical episodes", 2, blocks, subs)


def Span_muted(text: str):  # noqa: N802 - a span constructor, like the others
    from model.report.document import Span

    return Span(text, tone="muted")


# ---------------------------------------------------------------------------------------------
# E. Japan's intervention days
# ---------------------------------------------------------------------------------------------

# the study's rule against counting a market move twice: the section's paragraph says it in words,
# so the study's note that says it in symbols is left out
COUNTED_ONCE = "No market move is counted twice:"
GROUPS = {"sell_usd": "Japan sold dollars (2022, 2024)", "buy_usd": "Japan bought dollars (2010-2011)"}


def intervention_days_table(ev: dict) -> Table:
    """Every intervention day: Japan's net purchases of dollars, the moves over 1, 2 and 5 days,
    and the effect per $100bn only for days of at least ``MIN_DAY_BN``."""
    rows = []
    for e in ev["events"]:
        w = e["windows"][1]
        signed = -e["amount_usd_bn"] if e["direction"] == "sell_usd" else e["amount_usd_bn"]
        big = e["amount_usd_bn"] >= MIN_DAY_BN
        news = "; ".join(f"{'jobs report' if n['event'] == 'employment' else n['event'].upper()} {n['date']}"
                         for n in e["us_news"]) or "\u2013"
        rows.append([text_cell(e["date"]), cell(usd(signed, 1)),
                     *[cell(bp(x["change_10y_bp"], 0)) for x in e["windows"]],
                     cell(bp(w["change_term_premium_bp"], 0)), cell(bp(w["change_yen_pct"], 1)),
                     cell(bp(w["effect_bp_per_100bn"], 0) if big else "\u2013"),
                     cell(pvalue(w["p_value"])), text_cell(news)])
    return Table("interventions-days", [Column("Day", "left", 1.1),
                                               Column("Japan's net purchases of dollars, $bn", width=1.1),
                                               Column("10-year, bp: 1 day", width=0.7), Column("2 days", width=0.6),
                                               Column("5 days", width=0.6), Column("Term premium, bp (2 days)", width=0.9),
                                               Column("Yen, % (2 days)", width=0.8),
                                               Column("10-year, bp per $100bn sold (2 days)", width=1.1),
                                               Column("p (2 days)", width=0.7),
                                               Column("US news that day (or FOMC the day before)", "left", 1.6)],
                        rows, size="small", csv="interventions_days", notes=[spans(
                            f"Per $100bn effects are shown only for days (and pools of days) of at least "
                            f"{usd(MIN_DAY_BN, 0, sign=False)}: "
                            "on a smaller day a few basis points of unrelated movement scale up to hundreds of bp per "
                            "$100bn. Yen: + = a stronger yen. Sources: intervention days and amounts as the Ministry of "
                            "Finance published them (each day with its citation in the project's curated data); daily "
                            "10-year yields, term premium and yen rates from FRED; US news from the Federal Reserve's "
                            "and the Bureau of Labor Statistics' calendars. p (2 days): the day's 10-year change "
                            "against the same window on every placebo day.")])


def without_anderson_rubin(verdict: str) -> str:
    """The instrument's verdict less its clause on the Anderson-Rubin test, whose p-value and
    set the paragraph above it already prints."""
    return re.sub(r";? the Anderson-Rubin test\b.*?bp per \$100bn sold(?=\.)", "", verdict)


def iv_paragraph(iv: dict) -> str:
    """The monthly instrumental-variable estimate in words, every number from the run."""
    fs, ar, trade = iv["first_stage"], iv["anderson_rubin"], iv.get("trade_month_sensitivity")
    without = (bp(fs["f_hac_without_largest_month"], 1, False) if fs.get("f_hac_without_largest_month") is not None
               else "not estimable")
    return (
        "The dollars the Ministry bought each month (sold = negative) instrument Japan's reported net purchases in "
        f"the monthly distributed-lag equation, whose dependent variable is the {iv['dependent']} "
        f"({iv['sample_start']} to {iv['sample_end']}, N = {iv['nobs']}, {iv['intervention_months']} months with an "
        f"intervention; Newey-West errors, {iv['hac_lags']} lags). Each operation enters the month it settled, two "
        "Tokyo business days after the trade, when the dollars changed hands and Japan's reported flows could show "
        f"them. First stage: {bp(fs['pass_through_bn_per_bn'], 2)} $bn of reported net purchases per $bn bought "
        f"(standard error {bp(fs['pass_through_se'], 2, False)}), HAC F = {bp(fs['f_hac'], 1, False)} ({without} "
        f"without {fs['largest_month']}" + (f"; {bp(trade['f_hac'], 1, False)} with trade-day months" if trade else "")
        + f"). Two-stage least squares (2SLS): {bp(iv['tsls']['effect_bp_per_100bn'])} bp per $100bn sold in the "
        f"month (standard error {bp(iv['tsls']['se_bp_per_100bn'], 1, False)}"
        + (f"; {bp(trade['tsls_effect_bp_per_100bn'])} with trade-day months" if trade else "")
        + f"); ordinary least squares on the same sample: {bp(iv['ols']['effect_bp_per_100bn'])} (standard error "
        f"{bp(iv['ols']['se_bp_per_100bn'], 1, False)}). The Anderson-Rubin test, valid however weak the "
        f"instrument: no effect has p = {pvalue(ar['p_value'])}, and the effects it does not reject at the "
        f"{(1 - ar['level']) * 100:.0f}% level ({ar['level'] * 100:.0f}% confidence set) are "
        f"{signs(ar['confidence_set_text'])} bp per $100bn sold.")


def interventions(ctx: Context) -> Section | None:
    ev = ctx.payload.get("events")
    if not ev:
        return None
    blocks: list = [
        Para(spans(
            "The scenario the sell-down argument imagines \u2014 Japan drawing down its dollar reserves under pressure "
            "\u2014 has real precedents: the Ministry of Finance sold dollars to support the yen in September-October "
            "2022 and April-July 2024, and bought them in 2010-2011. Monthly regressions cannot see these days; daily "
            "yields can. For each intervention day the study measures the change in the 10-year Treasury yield, the "
            "Kim-Wright term premium and the yen over windows of 1, 2 and 5 business days (from the close of the "
            "business day before; the 2-day window also catches operations in the New York afternoon), and the same "
            "changes per $100bn of Japan's net purchases of dollars at the day's exchange rate, with the report's "
            "sign convention: dollars sold are negative net purchases, and a positive effect per $100bn sold means "
            "yields rose when Japan sold (or fell when it bought).")),
        Para(spans(
            "Inference is a placebo test: the same windows on every other business day of the same years (more than "
            "five business days from any intervention), pooled across days with their dollar amounts as weights "
            f"({ev['placebo']['draws']:,} draws; p-values two-sided). {COUNTED_ONCE} one window "
            "per episode (a run of days, from the close before its first day to the end of its last day's window), "
            "or one window per day, kept only for days whose window holds no other intervention day (for 5-day "
            "windows, days at least five business days apart). Windows with US news \u2014 a decision of the "
            "Federal Reserve's policy committee (FOMC; also the day before), a consumer or producer price release or "
            "the jobs report \u2014 are flagged and each pool repeated without them. Beside each estimate: the "
            "smallest effect the test would detect four times in five (80% power at the 5% level, in the direction "
            "of the model's prediction), and the range of the estimate when each window in turn is left out.")),
    ]
    rows, groups = [], []
    for group, label in GROUPS.items():
        groups.append(len(rows))
        rows.append([text_cell(strong(label), colspan=9)])
        for p in (x for x in ev["pooled"] if x["group"] == group):
            big = abs(p["dollars_sold_bn"]) >= MIN_DAY_BN and p["n_windows"]  # the same minimum as for single days
            dash = "\u2013"
            loo = (f"{bp(p['leave_one_out_low_bp_per_100bn'])} to {bp(p['leave_one_out_high_bp_per_100bn'])}"
                   if big and p.get("leave_one_out_low_bp_per_100bn") is not None else dash)
            rows.append([text_cell(p["window"]), cell(str(p["window_days"])),
                         text_cell("left out" if p["excluding_us_news"] else "kept"),
                         cell(str(p["n_windows"])), cell(usd(-p["dollars_sold_bn"], 0) if p["n_windows"] else dash),
                         cell(strong(bp(p["effect_bp_per_100bn"])) if big else dash),
                         cell(pvalue(p["p_value"]) if big else dash),
                         cell(bp(p["minimum_detectable_effect_bp_per_100bn"]) if big else dash),
                         cell(loo, nowrap=True)])
    blocks.append(Table("interventions-pooled", [Column("One window per", "left", 0.8),
                                                 Column("Length, business days", width=0.8),
                                                 Column("Windows with US news", "left", 0.8), Column("Windows", width=0.7),
                                                 Column("Japan's net purchases of dollars, $bn", width=1.1),
                                                 Column("10-year, bp per $100bn sold", width=1.0),
                                                 Column("p-value", width=0.7),
                                                 Column("Smallest detectable effect, bp per $100bn", width=1.1),
                                                 Column("Leaving one window out, bp per $100bn", width=1.3)],
                        rows, group_rows=groups, csv="interventions_pooled", size="small",
                        notes=[spans("Smallest detectable effect: 80% power at the 5% level, from the placebo days' "
                                     "spread. A dash: fewer than $10bn traded, or no window.")]))
    blocks.append(Para(spans(
        "Each episode's chart: daily closes of the 10-year Treasury yield, the Kim-Wright 10-year term premium and yen "
        "per dollar (down = a stronger yen) around the intervention days, shaded; dotted lines: US news inside the "
        "study's windows. Source: " + ctx.figure_source(f"intervention_{ev['episodes'][0]['key']}") + "."
        if ev["episodes"] else ""), "note"))
    beside = ctx.events_beside()
    if beside:
        blocks.append(Box("note", "Beside the model", [Para(beside)]))
    rows = [[text_cell(ref(ep["title"], f"intervention-{ctx.slug(ep['key'])}")), cell(usd(-ep["dollars_sold_bn"], 1)),
             text_cell(f"{ep['from_close_of']} to {ep['to_close_of']}"), cell(bp(ep["actual_10y_bp"], 0)),
             cell(band_bp(ep["predicted_10y_bp"]["posterior"]) if ep["predicted_10y_bp"]["posterior"] else "n/a",
                  nowrap=True),
             cell(band_bp(ep["predicted_10y_bp"]["literature"]) if ep["predicted_10y_bp"]["literature"] else "n/a",
                  nowrap=True)]
            for ep in ev["episodes"]]
    blocks.append(Table("interventions-episodes", [Column("Episode", "left", 2.4),
                                                   Column("Net purchases of dollars, $bn", width=1.0),
                                                   Column("Window (closes)", "left", 1.7), Column("10-year: actual, bp"),
                                                   Column("Model (posterior), bp", width=1.4),
                                                   Column("Model (literature), bp", width=1.4)], rows, size="small",
                        notes=[spans("Each episode reads one window: from the close before its first day to the close "
                                     "of the day after its last. Model: the posterior short-run effect for the dollars "
                                     "traded (median and 90% band); literature: central (low to high).")]))
    blocks.append(intervention_days_table(ev))
    subs = []
    for i, ep in enumerate(ev["episodes"], start=1):
        body: list = [Para(spans(strong("Verdict. "), f"Posterior: {signs(ep['verdict'])}. Literature envelope: "
                                 f"{signs(ep['verdict_literature'])}.",
                                 (" US news in the window: " + "; ".join(f"{n['description']} ({n['date']})"
                                                                         for n in ep["us_news"]) + ".")
                                 if ep.get("us_news") else ""))]
        fig = ctx.figure(f"intervention_{ep['key']}", caption=False)
        if fig:
            body.append(fig)
        subs.append(Section(f"intervention-{ctx.slug(ep['key'])}", f"E.{i}", ep["title"], 3, body))
    if ev.get("iv"):
        iv = ev["iv"]
        subs.append(Section("iv", f"E.{len(subs) + 1}", "An instrument for the monthly flows", 3, [
            Para(spans(iv_paragraph(iv))),
            Para(spans(signs(without_anderson_rubin(iv["verdict"]))), "note")]))
    notes = [n for n in ev.get("notes") or [] if not n.startswith(COUNTED_ONCE)]  # said above, in words
    if notes:
        blocks.append(Bullets([spans(sentence(n)) for n in notes], "note"))
    return Section("interventions", "E", "Japan's intervention days", 2, blocks, subs)


# ---------------------------------------------------------------------------------------------
# F. Data and caveats, G. changes, H. provenance
# ---------------------------------------------------------------------------------------------


def data_caveats(ctx: Context) -> Section:
    results, panel = ctx.inputs.results, ctx.inputs.panel
    blocks: list = []
    for key in ("holders_shares", "holders_official", "holders_custody"):
        fig = ctx.figure(key)
        if fig:
            blocks.append(fig)
    items = [spans(signs(c)) for c in results.caveats]
    items.append(spans(f"Series breaks: months whose flow straddles a break are left out of flow regressions: "
                       f"{break_list(panel.breaks)}."))
    items.append(spans(
        "Valuation adjustment: purchases \u2248 change in holdings + D \u00d7 non-bill holdings last month \u00d7 "
        "change in the month-end 10-year yield / 100, from December 2011, D = 5 years (the weighted average maturity "
        "of marketable debt is about 71\u201372 months); bill shares from the Treasury's long/short-term split by "
        "country where published, else the foreign-official split."))
    items.append(spans(
        "Scenarios: within each specification's lag window yields follow the drawn lag coefficients; afterwards a "
        "drawn share of the cumulative effect lasts and the rest decays (half-life "
        f"{ctx.inputs.response.half_life_months:.0f} months), so every path separates a peak from a lasting level; "
        "with announcement pricing part of the plan is priced at once at the lasting effect. Bands carry the joint "
        "uncertainty of the coefficients (all maturities and holders at once), of the specification and of the "
        "lasting share; they do not carry doubt about the linear model itself, and the literature envelope is a "
        "range of published answers. Sales of bonds and notes are priced; bills are anchored to the policy rate "
        "(", see("scenario-details"), ")."))
    items.append(spans(
        f"Interest cost: debt held by the public of {usd(ctx.payload['estimation']['scale']['debt_today_bn'], 0, sign=False)} "
        "split into bills and coupon buckets; maturing debt and new deficits are issued at the shifted rates; "
        f"checked against the Congressional Budget Office's rule of thumb ({signs(ctx.cbo_rule)})."))
    if ctx.net_interest is not None:
        items.append(spans(f"Projected federal net interest (the brief's context): {ctx.net_interest['method']}."))
    coverage = [m.group(1) for n in panel.notes if (m := _DEFINITION.match(n))]
    items += [spans(sentence("Data note: " + data_note(n))) for n in panel.notes if not _DEFINITION.match(n)]
    if coverage:  # rows whose coverage changed, said together
        items.append(spans(sentence("Rows whose coverage changed, from the Treasury's notes to the table: "
                                    + "; ".join(c.replace(": ", " ", 1) for c in coverage))))
    blocks.append(Bullets(items))
    return Section("data-caveats", "F", "Data, method and caveats", 2, blocks)


def changes(ctx: Context) -> Section:
    change = ctx.payload["changes"]
    blocks: list = []
    if change["previous_run"]:
        if change["data"]:
            blocks.append(Para(spans("Data:")))
            blocks.append(Bullets([spans(f"{ctx.source_title(d['source'])}: {d['change']}"
                                         + (f" ({d['from']} \u2192 {d['to']})" if d.get("to") else ""))
                                   for d in change["data"]]))
        else:
            blocks.append(Para(spans("No source changed since the last run in this folder.")))
        if change["estimates"]:
            blocks.append(Para(spans("Estimates (10-year, bp per $100bn sold):")))
            blocks.append(Bullets([spans(f"{e['label']}: {bp(e['before'], 2)} \u2192 {bp(e['after'], 2)}")
                                   for e in change["estimates"]]))
        else:
            blocks.append(Para(spans("The 10-year estimates did not move.")))
        if change["headline"]:
            blocks.append(Para(spans("Lasting 10-year move (posterior, bp):")))
            blocks.append(Bullets([spans(f"{e['title']}: {bp(e['before'])} \u2192 {bp(e['after'])}")
                                   for e in change["headline"]]))
    else:
        blocks.append(Para(spans("This is the first run in this output folder: there is no earlier report to compare "
                                 "with.")))
    rows = [[text_cell(r["date"]), text_cell(r["label"]), cell(usd(r["old_bn"], 1, sign=False)),
             cell(usd(r["new_bn"], 1, sign=False)), text_cell(f"{r['old_vintage']} \u2192 {r['new_vintage']}")]
            for r in change["largest_revisions"]]
    blocks.append(Para(spans(f"Revisions between the vintages of the holdings table in the data: "
                             f"{change['revised_cells']} cells changed. The largest for the main holders:")))
    blocks.append(Table("revisions-table", [Column("Month", "left", 0.8), Column("Holder", "left", 1.6),
                                            Column("Old"), Column("New"), Column("Vintages", "left", 1.8)], rows,
                        csv="revisions", sortable=True))
    return Section("changes", "G", "What changed since the last run", 2, blocks)


def provenance(ctx: Context) -> Section:
    from model.sources.catalog import source_catalog

    vint = ctx.source_vintages
    titles = {spec.key: spec.title for spec in source_catalog()}
    rows = []
    for p in ctx.payload["provenance"]:
        v = vint.get(p["source"])
        through = v.through if v else ""
        status = ("discontinued" if v and v.frozen else "stale" if v and v.stale else "") if v else "not available"
        rows.append([text_cell([strong(p["title"] or titles.get(p["source"], p["source"])), "\n", p["source"]]),
                     text_cell(p["url"] or "live pull only (not shipped)"), text_cell(p["origin"]),
                     text_cell(through), text_cell(status), text_cell(p["raw_sha256"][:16])])
    return Section("provenance", "H", "Provenance", 2, [
        Para(spans("Every source, with the file it comes from, how far it reaches and the first 16 hex digits of the "
                   "SHA-256 checksum of the raw file as published (the whole checksum and the retrieval details are in ",
                   code("results.json"), " and ", code("tables/provenance.csv"), ").")),
        Table("provenance-table", [Column("Source", "left", 2.6), Column("Where", "left", 2.6),
                                   Column("Origin", "left", 0.8), Column("Data through", "left", 0.9),
                                   Column("Status", "left", 0.8), Column("SHA-256 (start)", "left", 1.3)], rows,
              csv="provenance", size="tiny", notes=[spans(
                  "Stale: the newest observation is older than the publisher's usual lag at ", ctx.reference_text,
                  "; discontinued files are complete.")])])


def break_list(breaks: dict[str, str]) -> str:
    """The series breaks, months of the same kind together and each reason said once, without
    parentheses inside parentheses: ``2000-03, 2002-06 (new benchmark series in the history
    table: a month shown twice); 2011-09 (...)``."""
    reasons: dict[str, list[str]] = {}
    for month, why in breaks.items():
        reasons.setdefault(signs(why), []).append(month)
    parts = []
    for why, months in reasons.items():
        flat = re.sub(r" \(([^()]*)\)", r": \1", why)  # the reason's own parenthesis, as a clause
        if flat.split(" ", 1)[0] in ("The", "A", "An"):
            flat = flat[:1].lower() + flat[1:]
        parts.append(f"{join_words(months)} ({flat})")
    return "; ".join(parts)


def data_note(note: str) -> str:
    """A panel note for the reader: a missing series by its description, not its column and id."""
    m = re.match(r"^\w+ \([A-Z0-9]+\) not available: (.*?)(?:; run '([^']+)' to add it)?$", note)
    if m:
        what = re.sub(r" \(live pull only\)$", "", m.group(1))
        return f"{what} is not in the shipped data (pulling the latest data adds it)"
    return note


_DEFINITION = re.compile(r"^definition: (.+)$")  # a row whose coverage changed (the table's footnotes)


def appendix_sections(ctx: Context) -> list[Section]:
    out = [scenario_details(ctx), estimation(ctx), response_model(ctx), episodes(ctx)]
    events = interventions(ctx)
    if events is not None:
        out.append(events)
    out += [data_caveats(ctx), changes(ctx), provenance(ctx)]
    letters = "ABCDEFGHIJ"
    for i, s in enumerate(out):  # letters in order, whichever sections are present
        _renumber(s, letters[i])
    return out


def _renumber(section: Section, letter: str) -> None:
    old = section.number
    section.number = letter
    for sub in section.sections:
        sub.number = letter + sub.number[len(old):]
        for subsub in sub.sections:
            subsub.number = letter + subsub.number[len(old):]


__all__ = ["appendix_sections", "month_name", "range_bp"]
