"""The brief: the verdict with its context, the scenarios, the bargain, who holds Treasuries,
what the evidence can and cannot say, and the glossary. Every sentence is computed from the
report's inputs (the scenario files that ran, the estimates, the data); nothing here knows a
scenario by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.episodes import episodes_summary
from model.labels import holder_label, join_words, plural, subject
from model.report import bargain as B
from model.report import story
from model.report.document import (
    Box,
    Bullets,
    Column,
    Explorer,
    Para,
    Section,
    Stat,
    Stats,
    Table,
    Terms,
    cell,
    ref,
    see,
    sentence,
    signs,
    spans,
    strong,
    text_cell,
    warn,
)
from model.report.glossary import glossary_items
from model.report.words import (
    band_bp,
    band_usd,
    bp,
    middle,
    pct,
    range_bp,
    range_usd,
    trillions,
    usd,
)
from model.scenarios.pricing import band_dict

if TYPE_CHECKING:
    from model.report.build import Context
    from model.scenarios import ScenarioResult

# the sign convention, stated once near the top of both documents
SIGNS = ("Flows are net purchases: + is buying, \u2212 is selling. Yield moves and costs are differences from "
         "the baseline (every holder keeping its recent pace): + is higher yields and more federal interest. "
         "Effects are in basis points (bp) per $100bn sold: + means sales raise yields.")
BANDS = ("Bands are written middle (low to high): for the posterior and data-only responses the median and the "
         "5th to 95th percentiles of simulated paths; for the literature envelope the central, low and high "
         "published effects (a range, not a probability).")


def scenario_month(result: ScenarioResult) -> int:
    """The month the brief leads with: 24 (two years in) where the horizon reaches, else its end."""
    return min(24, result.horizon_months)


def persistence_rows(result: ScenarioResult) -> dict[str, dict]:
    """The persistence sensitivity as ``{none, central, all}`` rows of bands (``median/p05/p95``)."""
    rows = [{"lasting_share": row["lasting_share"], "lasting_10y_bp": band_dict(row["lasting_10y_bp"], "draws"),
             "interest_cost_10yr_bn": band_dict(row["interest_cost_10yr_bn"], "draws")}
            for row in result.persistence_sensitivity or []]
    out = {}
    for row in rows:
        share = row["lasting_share"]
        key = "none" if share == 0 else "all" if share == 1 else "central"
        out[key] = row
    return out


def front(ctx: Context) -> list:
    """What the first page says: the verdict, its numbers and every scenario on one chart."""
    lead = ctx.lead
    post, lit = lead.posterior, lead.literature
    blocks: list = [Box("verdict", "The verdict", [Para(spans(ctx.payload["summary"]["sentence"]), "sentence")])]
    if lead.moves_anything:
        month = scenario_month(post)
        at, lit_at = post.at("10y", month), lit.at("10y", month)
        cost, lit_cost = post.cost("10yr"), lit.cost("10yr")
        sens = persistence_rows(post)
        stats = [
            Stat(f"10-year yield after {month} months", f"{bp(at['median'])} bp",
                 spans(f"90% band {range_bp(at)}; literature {bp(lit_at['central'])}")),
            Stat("Extra federal interest, 10 years", usd(cost["median"]),
                 spans(f"90% band {range_usd(cost)}"
                       + (f"; {usd(middle(sens['none']['interest_cost_10yr_bn']))} if none of the effect lasts, "
                          f"{usd(middle(sens['all']['interest_cost_10yr_bn']))} if all of it does"
                          if "none" in sens and "all" in sens else "")
                       + f"; literature {usd(lit_cost['central'])}")),
            Stat("Lasting 10-year move", f"{bp(post.lasting('10y')['median'])} bp",
                 spans(f"90% band {range_bp(post.lasting('10y'))}; literature {bp(lit.lasting('10y')['central'])}")),
        ]
        if ctx.net_interest is not None:
            share = cost["median"] / ctx.net_interest["total_bn"] * 100
            stats.append(Stat("Share of projected federal net interest", pct(share, 2),
                              spans(f"of {trillions(ctx.net_interest['total_bn'])} over the same ten years")))
        blocks.append(Stats(stats))
    glance = B.glance(ctx)
    if glance:
        blocks.append(Para(glance))
    fig = ctx.figure("comparison", brief=True)
    if fig:
        fig.float = False
        blocks.append(fig)
    return blocks


def howto() -> list:
    """The sign convention and the bands, stated once near the top."""
    return [Box("note", "How to read the numbers", [Para(spans(SIGNS)), Para(spans(
        BANDS, " Every term the report uses is defined in ", see("glossary"), " (the glossary)."))])]


def verdict(ctx: Context) -> Section:
    return Section("verdict", "1", "The verdict in context", 1, context_paragraphs(ctx) or [
        Para(spans("No scenario changes the path of yields, so there is no cost to set in context."))])


def context_paragraphs(ctx: Context) -> list:
    """The lead's cost set against federal net interest, where the bargain is set out, and what
    drives the range."""
    lead = ctx.lead
    post = lead.posterior
    cost = post.cost("10yr")
    out = []
    if ctx.net_interest is not None:
        ni = ctx.net_interest
        share = cost["median"] / ni["total_bn"] * 100
        hi_share = cost["p95"] / ni["total_bn"] * 100
        out.append(Para(spans(
            strong("In context. "),
            f"{usd(cost['median'])} over ten years is {pct(share, 2)} of the {trillions(ni['total_bn'])} of federal "
            f"net interest projected for the same ten years ({ni['source']}); even the top of the 90% band, "
            f"{usd(cost['p95'])}, is {pct(hi_share, 2)}.")))
    if B.glance(ctx):  # the sentence itself is on the first page: here only where to read on
        out.append(Para(spans(
            strong("The bargain. "), "Both sides of it (the US cost, the dollar, the seller's own cost and the "
            "tariffs at stake) are set side by side for every scenario in ", see("bargain"), ".")))
    sens = persistence_rows(post)
    if "none" in sens and "all" in sens:
        out.append(Para(spans(
            strong("What moves the range. "),
            "The move during the sale is the direct effect of the flows; what happens to the cost over ten years "
            "depends mostly on how much of that effect lasts once the selling stops, which the data cannot "
            "measure (see ", see("persistence"), "). If none of it lasted, the ten-year cost would be "
            f"{usd(middle(sens['none']['interest_cost_10yr_bn']))}; if all of it did, "
            f"{usd(middle(sens['all']['interest_cost_10yr_bn']))}.")))
    return out


def scenarios(ctx: Context) -> Section:
    sets = ctx.inputs.scenarios
    moving = [s for s in sets if s.moves_anything]
    blocks: list = [Para(spans(
        f"The report prices the {f'{len(sets)} scenario files' if len(sets) != 1 else 'one scenario file'} it was "
        "run with. "
        "Each is a plan: who changes course, by how much and for how long, against the holder's recent pace "
        "(its average net purchases over the last 12 months), priced three ways: the posterior (the headline), "
        "the data alone and the literature envelope.")),
    ]
    blocks.append(summary_table(ctx))
    for s in moving:
        blocks.append(Para(scenario_paragraph(ctx, s)))
    baselines = [s for s in sets if not s.moves_anything]
    if baselines:
        blocks.append(Para(spans(
            join_words([f"\u201c{s.title}\u201d" for s in baselines]),
            " changes nothing: no holder departs from its recent pace, so yields and federal interest stay on the "
            "baseline path (every deviation is zero by construction).")))
    sub = [persistence_section(ctx)] if persistence_rows(ctx.lead.posterior) else []
    sub.append(sensitivity_section(ctx))
    return Section("scenarios", "2", "The scenarios", 1, blocks, [s for s in sub if s])


def summary_table(ctx: Context) -> Table:
    rows = []
    for s in ctx.inputs.scenarios:
        post, lit = s.posterior, s.literature
        month = scenario_month(post)
        at = post.at("10y", month)
        title = spans(ref(s.title, f"scenario-{ctx.slug(s.name)}"))
        if s.name == ctx.lead.name:
            title += spans(strong(" (lead)"))
        if post.warnings or s.data.warnings:
            title += spans(warn(" \u26a0"))
        rows.append([
            text_cell(title),
            cell(band_bp(at), sort=at["median"], nowrap=True),
            cell(band_bp(post.lasting("10y")), sort=post.lasting("10y")["median"], nowrap=True),
            cell(band_usd(post.cost("10yr")), sort=post.cost("10yr")["median"], nowrap=True),
            cell(band_usd(lit.cost("10yr")), sort=lit.cost("10yr")["central"], nowrap=True),
        ])
    notes = [spans("Posterior: median (90% band); literature: central (low to high). After 24 months: the move two "
                   "years in (or at the end of a shorter horizon). \u26a0: the scenario carries warnings (",
                   see("scenario-details"), ").")]
    return Table("summary-table", [Column("Scenario", "left", 3.2), Column("10-year after 24 months, bp", width=1.6),
                                   Column("Lasting 10-year, bp", width=1.6),
                                   Column("Extra interest, 10 years", width=1.7),
                                   Column("Extra interest (literature)", width=1.7)],
                 rows, notes=notes, csv="headline", sortable=True, size="small")


def scenario_paragraph(ctx: Context, s) -> list:
    post, data, lit = s.posterior, s.data, s.literature
    month = scenario_month(post)
    at = post.at("10y", month)
    cost = post.cost("10yr")
    plan = story.plan_phrase(post)
    paces = [f"{story.subject(p.label)}'s recent pace: {usd(p.baseline_bn, 1)} a month"
             for p in post.holder_paths if p.action in ("pause", "slowdown")]
    out = [strong(s.title + ". ")]
    moved = "higher" if at["median"] >= 0 else "lower"
    if paces:  # inside the plan's own parenthesis, if it ends with one: never two in a row
        plan = plan[:-1] + "; " + "; ".join(paces) + ")" if plan.endswith(")") else plan + " (" + "; ".join(paces) + ")"
    out.append(f"If {plan}, the 10-year yield would be "
               f"{abs(at['median']):.1f} bp {moved} after {month} months (90% band {range_bp(at)}; literature "
               f"{bp(lit.at('10y', month)['central'])}) and the lasting move {bp(post.lasting('10y')['median'])} bp; "
               f"the extra federal interest over ten years would be {usd(cost['median'])} ({range_usd(cost)})")
    if ctx.net_interest is not None:
        out.append(f", {pct(cost['median'] / ctx.net_interest['total_bn'] * 100, 2)} of projected net interest")
    out.append(".")
    if post.coalition_note:
        out.append(" " + sentence("Why the group moves yields less than one member alone could: "
                                  + post.coalition_note))
    gist, count = short_warning(post, data)
    if count:
        out += [" ", warn(f"\u26a0 {count} warning{'s' if count != 1 else ''}: "),
                warn(signs(gist)), " (", ref("details", f"scenario-{ctx.slug(s.name)}"), ")."]
    return spans(*out)


def short_warning(post, data) -> tuple[str, int]:
    """The gist of a scenario's warnings, and how many it names: which holders' estimates have
    the wrong sign, under which response; lasting levels that move the wrong way; a title that
    names a figure the plan does not price. The count is what the words list."""
    parts, count = [], 0
    for result, name in ((post, "posterior"), (data, "data-only")):
        labels = [p.label for p in result.holder_paths]
        whose = list(dict.fromkeys(w.split(": ")[0] for w in result.warnings if w.split(": ")[0] in labels))
        levels = [w for w in result.warnings if w.startswith("with ")]
        rest = len(result.warnings) - len(levels) - sum(1 for w in result.warnings if w.split(": ")[0] in labels)
        said = []
        if whose:
            many = len(whose) > 1 or plural(whose[0])
            said.append(f"the estimate{'s' if len(whose) > 1 else ''} for {join_words([subject(w) for w in whose])} "
                        f"{'have' if many else 'has'} the wrong sign for a demand effect (sales lower yields)")
        if levels:
            said.append("the lasting levels move the wrong way")
        if said:
            parts.append(f"under the {name} response " + " and ".join(said))
        count += len(whose) + len(levels)
        if rest and result is post:  # text warnings (the title or description) are the same under every response
            parts.append(f"the title or description names {rest} figure{'s' if rest != 1 else ''} the plan does not "
                         "price")
            count += rest
    return "; ".join(parts), count


def persistence_section(ctx: Context) -> Section | None:
    post = ctx.lead.posterior
    sens = persistence_rows(post)
    rows = []
    for key, label in (("none", "None of the effect lasts (share 0)"),
                       ("central", "Share fixed at its central value"),
                       ("all", "All of it lasts (share 1)")):
        if key not in sens:
            continue
        row = sens[key]
        name = label if key != "central" else f"Share fixed at its central value, {row['lasting_share']:.2f}"
        rows.append([text_cell(name), cell(band_bp(row["lasting_10y_bp"]), nowrap=True),
                     cell(band_usd(row["interest_cost_10yr_bn"]), nowrap=True)])
    rows.append([text_cell(strong("Headline: the share drawn for each path")),
                 cell(strong(band_bp(post.lasting("10y"))), nowrap=True),
                 cell(strong(band_usd(post.cost("10yr"))), nowrap=True)])
    mean = ctx.inputs.response.persistence_mean
    table = Table("persistence-table", [Column("How much of the effect lasts", "left", 3.2),
                                        Column("Lasting 10-year move, bp", width=1.8),
                                        Column("Extra interest, 10 years", width=1.8)], rows,
                  notes=[spans(
                      "Posterior response, the same draws in every row; median (90% band). The headline row is not "
                      "the central row: the headline draws the lasting share for each path from its distribution "
                      f"(mean {mean:.2f}), so its band also carries the doubt about persistence, and its median "
                      "is the median of paths with many different shares, not the path at the average share.")])
    response = ctx.inputs.response
    data = response.persistence_data or {}
    prior_mean = response.persistence_prior[0]
    own = (f": over {data['horizon_months']} months they give {bp(data['lasting_share'], 2)} (standard error "
           f"{bp(data['se'], 2, False)}), which moves the share little from the published "
           f"{prior_mean:.2f}" if data.get("lasting_share") is not None else "")
    intro = Para(spans(
        f"For the lead scenario, \u201c{ctx.lead.title}\u201d: the lasting 10-year move and the ten-year cost if "
        "none, the central share or all of the short-run effect lasted. The lasting share comes mostly from the "
        "published estimates (the ratio of their long-run to their short-run effects), because the tool's own "
        f"monthly data cannot pin it down{own}."))
    return Section("persistence", "2.1", "How much lasts: the headline's largest doubt", 2,
                   [intro, table] + basis_sensitivity(ctx))


BASIS_DOUBT = 0.2  # a relative change in the lead seller's effect this large is shown as a second headline


def basis_sensitivity(ctx: Context) -> list:
    """The other way of scaling the published effects to today's market, beside the headline."""
    response = ctx.inputs.response
    rows = {r["holder"]: r for r in (response.prior_sensitivity or [])}
    table = response.posterior_table(ctx.inputs.holder_labels)
    own = table[(table["maturity"] == "10y") & (table["estimate"] == "own")]
    pairs = [(r.label, r.holder, r.posterior_mean, rows[r.holder]) for r in own.itertuples() if r.holder in rows
             and not r.holder.startswith(("other_", "total_", "foreign_"))]
    if not pairs:
        return []
    basis = next(iter(rows.values()))["basis"]
    words = "; ".join(f"{label} {bp(mean)} becomes {bp(alt['posterior_mean'])}" for label, _, mean, alt in pairs)
    # judged for the lead scenario's sellers: a small effect's large relative change moves little
    sellers = {p.key for p in ctx.lead.posterior.holder_paths if np.any(p.deviation_bn)}
    lead = [(label, mean, alt) for label, key, mean, alt in pairs if key in sellers and mean]
    judged = ""
    if lead:
        change = max(abs(alt["posterior_mean"] / mean - 1) for _, mean, alt in lead)
        who = join_words([label for label, _, _ in lead])
        judged = (f". For {who}, the lead scenario's seller{'s' if len(lead) > 1 else ''}, the effect changes by "
                  f"{change * 100:.0f}%"
                  + (f", so the headline is given on one basis (a change of {BASIS_DOUBT:.0%} or more would be shown "
                     "beside it)" if change < BASIS_DOUBT else
                     ": a doubt as large as any here, so read the headline on both bases"))
    return [Para(spans(
        strong("Scaling. "),
        f"The published effects are scaled to today's market by debt held by the public then and now; scaling "
        f"them by {'GDP' if basis == 'gdp' else basis} instead changes the posterior 10-year effects (bp per "
        f"$100bn sold): {words}{judged} (", see("response-model"), ")."))]


def extrapolation(ctx: Context, largest_bn: float) -> str:
    """A caveat when the grid's sales are larger than any the data hold: the response is linear in
    the amount, so such sales are extrapolations (empty when the data's largest sale is not known
    or the grid stays within it)."""
    found = next((r for r in ctx.inputs.episodes or [] if r.episode.key == "largest_6m_sale"), None)
    if found is None or largest_bn <= abs(found.flows_reported_bn):
        return ""
    seller = join_words([holder_label(h) for h in found.holders])
    window = f"{ctx.month(found.episode.start)} to {ctx.month(found.episode.end)}"
    return (f" The response is linear in the amount, and the largest six-month sale by one country in the data was "
            f"{usd(abs(found.flows_reported_bn), 0, sign=False)} ({seller}, {window}): sales of "
            f"up to {usd(largest_bn, 0, sign=False)} here are extrapolations.")


def sensitivity_section(ctx: Context) -> Section:
    sweep = ctx.sweep
    blocks: list = []
    if len(sweep.frame):
        per100 = sweep.frame.y10_lasting_mid_bp.iloc[0] / sweep.frame.sale_bn.iloc[0] * 100
        blocks.append(Para(spans(
            f"Sales of bonds and notes by {story.subject(sweep.label)} beyond its recent pace, from "
            f"{ctx.month(sweep.start)}, priced with the posterior response. The ten-year cost grows with the size "
            "and falls with the length of the sale (a slower sale leaves less time for the higher rates to apply "
            f"within the ten years); the lasting move depends only on the amount ({bp(per100)} bp per $100bn)."
            + extrapolation(ctx, float(sweep.frame.sale_bn.max()))
            + (" " + sentence(sweep_warning(sweep)) if sweep.warnings else ""))))
        fig = ctx.figure(ctx.figure_key("sweep_cost_10yr", sweep.holder), brief=True)
        if fig:
            blocks.append(fig)
    else:
        blocks.append(Para(spans(f"No sale in the grid fits {story.subject(sweep.label)}'s holdings.")))
    blocks.append(Explorer(ctx.explorer_data(), spans(
        "The HTML version of this report has an explorer: pick a holder, a sale and a length, and read the "
        "10-year move after 24 months, the lasting move and the ten-year cost from the same grid (",
        see("scenario-details"), " has the 24-month move for every size and length)."),
        spans("The explorer needs JavaScript; every cell is in ", ctx.code("results.json"), " and ",
              ctx.code("tables/explorer.csv"), ".")))
    return Section("sensitivity", "2.2", f"How much {story.subject(sweep.label)} sells, and how fast", 2, blocks)


def sweep_warning(sweep) -> str:
    whose = [w.split(":")[0] for w in sweep.warnings if ":" in w]
    if whose:
        return (f"warning: every cell carries a wrong-signed estimate ({join_words(list(dict.fromkeys(whose)))}: "
                "sales lower yields under this response)")
    return "warning: " + "; ".join(sweep.warnings)


def bargain(ctx: Context) -> Section:
    blocks: list = [Para(spans(
        "The argument is a bargain: a creditor that sells, pauses or slows its purchases raises US borrowing costs, "
        "but it also pays: its remaining bonds lose value as yields rise, a stronger currency marks down its dollar "
        "assets and its exporters' profits, and the dollars it converts stop earning their carry. The table sets "
        "the two sides side by side for every scenario, beside the tariffs at stake: the US duties on Japanese "
        "goods that Tokyo would seek to lower."))]
    table = B.summary_table(ctx)
    if table is not None:
        blocks.append(table)
    fig = ctx.figure("bargain", brief=True)
    if fig:
        blocks.append(fig)
    found = B.verdicts(ctx)
    if found:
        blocks.append(found)
    blocks += B.mechanism(ctx) + B.tariff_paragraph(ctx)
    if table is None:
        blocks.append(Para(spans("No scenario moves yields, so there is no bargain to weigh.")))
    return Section("bargain", "3", "The bargain: the US cost beside the seller's own", 1, blocks)


def holders(ctx: Context) -> Section:
    h = ctx.payload["holdings"]
    largest = "; ".join(f"{x['label']} {usd(x['holdings_bn'], 0, sign=False)} ({x['share_of_foreign_pct']:.1f}%)"
                        for x in h["largest"][:4])
    blocks: list = [Para(spans(
        f"In {ctx.month(h['date'])} foreign holders owned {usd(h['total_foreign_bn'], 0, sign=False)} of Treasuries, "
        f"{h['foreign_share_of_debt_pct']:.1f}% of the {usd(h['debt_public_bn'], 0, sign=False)} of federal debt "
        f"held by the public; {usd(h['foreign_official_bn'], 0, sign=False)} of it by foreign official institutions "
        f"(central banks, reserve managers). The largest holders, with their share of foreign holdings: {largest}. "
        "Holdings are recorded where the securities are held (custody), not by owner: more charts in ",
        see("data-caveats"), "."))]
    fig = ctx.figure("holders_top", brief=True)
    if fig:
        blocks.append(fig)
    return Section("holders", "4", "Who holds Treasuries", 1, blocks)


def other_readings(results) -> str:
    """A sentence on the other readings of the same monthly data (regressions in levels, local
    projections) when they give the wrong sign for a demand effect; empty when they do not."""
    levels = story.level_effects(results)
    wrong_levels = sum(e < 0 for e in levels)
    horizons = [lp.to_frame()["irf_bp_per_100bn"] for lp in results.local_projections]
    wrong_paths = sum(bool((f < 0).mean() > 0.5) for f in horizons)
    parts = []
    if wrong_levels:
        parts.append(f"{wrong_levels} of the {len(levels)} regressions in levels")
    if wrong_paths:
        parts.append(f"the local projections for {wrong_paths} of the {len(horizons)} pairs of holder and flow measure (at "
                     "most horizons)")
    if not parts:
        return ""
    return (" Other readings of the same months point the other way: " + " and ".join(parts) + " give the wrong sign "
            "for a demand effect (yields lower after selling).")


def evidence(ctx: Context) -> Section:
    results = ctx.inputs.results
    table = ctx.inputs.response.posterior_table(ctx.inputs.holder_labels)
    own = table[(table["maturity"] == "10y") & (table["estimate"] == "own")]
    estimates = "; ".join(f"{r.label} {bp(r.data_mean)} bp per $100bn sold (standard deviation {bp(r.data_sd, 1, False)})"
                          f" in the data" + (" (the wrong sign for a demand effect: sales lowering yields)"
                                             if r.data_mean < 0 else "")
                          + f", {bp(r.posterior_mean)} ({bp(r.posterior_sd, 1, False)}) in the posterior"
                          for r in own.itertuples() if not r.holder.startswith(("other_", "total_", "foreign_")))
    info = ctx.inputs.response.prior_info
    blocks: list = [
        Para(spans(strong("The data are weak. "),
                   "Monthly yield changes regressed on foreign purchases, averaged over the weighted specifications "
                   "of the grid (the spread between specifications included), give effects too imprecise to rule out "
                   f"zero or large values: {estimates}. The posterior pulls them toward the published short-run and "
                   f"impact effects (the prior: {bp(info['mean_10y'])} bp per $100bn, from a range of "
                   f"{bp(info['range_low'])} to {bp(info['range_high'])}), so the headline leans on the literature, "
                   "and its sign comes from the published estimates rather than from these data (",
                   see("response-model"), ").", other_readings(results))),
        Para(spans(strong("Flows do not forecast yields. "), signs(results.oos_verdict).rstrip(".") + " (",
                   see("estimation"), ")."))
        if results.oos_verdict != "not computed" else None,
        Para(spans(strong("History does not show the effect either. "),
                   signs(episodes_summary(ctx.inputs.episodes)).rstrip("."), " (", see("episodes"), ").")),
    ]
    events_text = ctx.events_brief()
    if events_text:
        blocks.append(Para(spans(strong("Japan's intervention days. "), *events_text, " (",
                                 see("interventions"), ").")))
    blocks.append(Para(spans(strong("What the model cannot say. "),
                             "How markets would react to a political signal beyond the flows themselves; whether the "
                             "Federal Reserve would respond; how a sale would move the dollar beyond what Japan's "
                             "interventions show (a few days' move of the yen, which fades), and the other sellers' "
                             "currencies at all; and who would buy what is sold. It measures the average historical co-movement "
                             "of yields and flows; a deliberate, announced sale by a sovereign has few precedents.")))
    return Section("evidence", "5", "What the evidence can and cannot say", 1, [b for b in blocks if b])


def glossary() -> Section:
    return Section("glossary", "6", "Glossary", 1, [Box("glossary", "", [Terms(glossary_items())])])


def brief_sections(ctx: Context) -> list[Section]:
    return [verdict(ctx), scenarios(ctx), bargain(ctx), holders(ctx), evidence(ctx), glossary()]


__all__ = ["brief_sections", "Bullets"]
