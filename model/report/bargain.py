"""The bargain in the report: both sides of every scenario, from its leverage ledger
(:mod:`model.ledger`, priced with the scenario's own draws): the US cost (ten years of extra
federal interest, the dollar, US prices) against the seller's own cost (each line) against the
tariff at stake, with the ratio, the break-even sale and one sentence of verdict.

A report section in the manner of the others: functions that return document blocks
(:mod:`model.report.document`), called by the brief (section 3 and the first page) and the
appendix (each scenario's detail); the templates lay them out like any other block.
"""

from __future__ import annotations

from model.ledger import seller_cost_shown
from model.report import story
from model.report.document import (
    Bullets,
    Column,
    Para,
    Table,
    cell,
    ref,
    signs,
    spans,
    strong,
    text_cell,
)
from model.report.words import bp, usd

PROCEEDS_WORDS = {"converted": "converted", "kept_in_dollars": "kept in dollars"}
GOODS = {"autos_parts": "autos and parts", "metals": "steel and aluminium", "pharma": "pharmaceuticals",
         "other": "other goods"}
SELLER_LINES = (
    ("mtm_loss_bn", "Mark-to-market loss on the Treasuries it keeps", "$bn"),
    ("translation_loss_bn", "Translation loss on its dollar assets, on impact", "$bn"),
    ("translation_loss_lasting_bn", "Translation loss, what lasts", "$bn"),
    ("realised_gain_bn", "Realised (accounting) gain on what it converts", "$bn"),
    ("carry_forgone_bn_per_year", "Carry forgone, a year", "$bn"),
    ("exporters_loss_bn", "Its exporters' loss, first year (one firm's published sensitivity)", "$bn"),
)


def ledger(s) -> dict | None:
    """A scenario's ledger (the posterior's: the headline response), where it moves anything."""
    return s.posterior.ledger if s.moves_anything else None


def _band(b: dict | None, unit: str, digits: int = 0) -> str:
    """``+$77bn (−55 to +350)``, ``−0.7% (−3.5 to −0.3)``; a dash where not available."""
    if b is None or b.get("median") is None:
        return "\u2013"
    if unit == "$bn":
        mid, lo, hi = usd(b["median"], digits), bp(b["p05"], digits), bp(b["p95"], digits)
    else:
        mid, lo, hi = f"{bp(b['median'], digits)}{unit}", bp(b["p05"], digits), bp(b["p95"], digits)
    return f"{mid} ({lo} to {hi})"


def _ratio(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.1f}"


def _seller_cost(led: dict) -> tuple[str, float | None]:
    """The seller's ten-year cost for a table cell: the coalition's, or where only some sellers
    have the facts, theirs alone, named (``Japan alone: +$53bn (...)``)."""
    alone, cost = seller_cost_shown(led)
    if cost is None:
        return "\u2013", None
    if alone:
        return f"{alone} alone: {_band(cost, '$bn')}", None
    return _band(cost, "$bn"), cost["median"]


def _duties(tariff: dict) -> str:
    return usd(tariff["duties_bn_per_year"], 0, sign=False) if tariff.get("duties_bn_per_year") else "\u2013"


def summary_table(ctx) -> Table | None:
    """One row per scenario: the US cost against the seller's cost and the tariff at stake."""
    rows = []
    for s in ctx.inputs.scenarios:
        led = ledger(s)
        if led is None:
            continue
        us, bargain, tariff = led["us"], led["bargain"], led["tariff"]
        proceeds = sorted({PROCEEDS_WORDS[p] for p in led["proceeds"].values()})
        rows.append([
            text_cell(ref(s.title, f"scenario-{ctx.slug(s.name)}")), text_cell(" / ".join(proceeds)),
            cell(_band(us["interest_cost_10yr_bn"], "$bn"), sort=us["interest_cost_10yr_bn"]["median"], nowrap=True),
            cell(_band(us["dollar_pct"], "%", 1), nowrap=True),
            cell(_seller_cost(led)[0], nowrap=True),
            cell(_ratio(bargain["ratio_us_to_seller"])),
            cell(_duties(tariff)),
            cell(usd(bargain["break_even_sale_bn"]["median"], 0, sign=False)
                 if bargain.get("break_even_sale_bn") else "\u2013"),
        ])
    if not rows:
        return None
    return Table("bargain-table", [Column("Scenario", "left", 2.6), Column("Dollars", "left", 0.9),
                                   Column("US: extra interest, 10 years", width=1.3),
                                   Column("The dollar on impact", width=1.1),
                                   Column("The seller's own cost, 10 years", width=1.3),
                                   Column("US cost / seller's", width=0.7),
                                   Column("US duties on its goods, first year", width=0.9),
                                   Column("Sale at which 10 years of US interest equal the first year's duties", width=1.2)],
                 rows, sortable=True, size="small", notes=[spans(
                     "Posterior response, median (5th to 95th percentile). The seller's cost over ten years: the "
                     "mark-to-market loss on what it keeps, the translation loss that lasts, ten years of carry "
                     "forgone and its exporters' loss; the realised gain on converted dollars is an accounting "
                     "gain already on its books, and the translation loss on impact fades within weeks, so neither "
                     "counts. " + carry_sentence(ctx) + "A dash: not available (the facts are curated for Japan "
                     "only) or no sale.")])


def carry_sentence(ctx) -> str:
    """How much of the lead's seller cost is carry forgone, and the cost without it."""
    led = ledger(ctx.lead)
    if led is None or not led["bargain"].get("seller_cost_10yr_without_carry_bn"):
        return ""
    whole, bare = led["bargain"]["seller_cost_10yr_bn"], led["bargain"]["seller_cost_10yr_without_carry_bn"]
    return (f"Most of it can be carry forgone, the interest the seller gives up for ten years (an opportunity "
            f"cost, not a loss on its books): without it, the seller's cost in the lead scenario ({ctx.lead.title}) "
            f"is {_band(bare, '$bn')} rather than {_band(whole, '$bn')}{_ratios(led['bargain'])}. ")


def _ratios(bargain: dict) -> str:
    """The US cost as a multiple of the seller's, with and without the carry forgone."""
    bare, whole = bargain.get("ratio_us_to_seller_without_carry"), bargain.get("ratio_us_to_seller")
    if bare is None or whole is None:
        return ""
    return f", and the US would bear about {bare:.0f} times the seller's cost rather than {whole:.1f} times"


def verdicts(ctx) -> Bullets | None:
    """One computed sentence per scenario, in the language of the headline."""
    items = [spans(strong(f"{s.title}. "), signs(led["verdict"])) for s in ctx.inputs.scenarios
             if (led := ledger(s)) is not None]
    return Bullets(items) if items else None


def glance(ctx) -> list:
    """The lead scenario's ledger line for the first page, and the same amounts a year."""
    led = ledger(ctx.lead)
    return spans(strong("The bargain. "), signs(led["verdict"]), per_year(led)) if led else []


def per_year(led: dict) -> str:
    """The bargain on one time basis: the US's ten-year interest and the seller's ten-year cost
    as yearly averages beside the first year's duties (empty where a side is missing)."""
    us, bargain = led["us"]["interest_cost_10yr_bn"], led["bargain"]
    seller, bare = bargain.get("seller_cost_10yr_bn"), bargain.get("seller_cost_10yr_without_carry_bn")
    duties = led["tariff"].get("duties_bn_per_year")
    if not us or not seller or not bare or not duties or us["median"] <= 0 or seller["median"] <= 0:
        return ""
    who = led["sellers"][0]["label"] if len(led["sellers"]) == 1 else "the sellers"
    goods = next((x["label"] for x in led["sellers"] if x["holder"] == led["tariff"]["holder"]), who)
    without = (f" ({usd(bare['median'] / 10, 1, sign=False)} without the yield given up)" if bare["median"] > 0
               else " (nothing, on balance, without the yield given up)")
    return (f" A year at a time: the US would pay about {usd(us['median'] / 10, 1, sign=False)} a year of extra "
            f"interest on average over the ten years, against {usd(duties, 0, sign=False)} of duties on {goods}'s "
            f"goods in the first year; {who} would bear about {usd(seller['median'] / 10, 1, sign=False)} a year"
            f"{without}.")


def mechanism(ctx) -> list:
    """Why the dollar and prices move only with converted proceeds, said once."""
    lead = ledger(ctx.lead)
    notes = lead["us"]["notes"] if lead else []
    return [Para(spans(
        "Selling Treasuries and keeping the dollars (in deposits or other dollar assets) moves yields, not the "
        "exchange rate; only proceeds converted into the seller's own currency, as Japan's interventions of 2022 "
        "and 2024 were, move the dollar. Each scenario file says which it assumes. The dollar's response to a "
        "converted sale comes from the days Japan sold dollars, shrunk toward the published effects of its "
        "interventions, and fades within days to weeks. ", *(signs(n) + " " for n in notes)))]


def tariff_paragraph(ctx) -> list:
    """The tariff at stake, from the first scenario whose ledger has one."""
    found = next((led["tariff"] for s in ctx.inputs.scenarios if (led := ledger(s)) is not None
                  and led["tariff"].get("duties_bn_per_year")), None)
    if found is None:
        return []
    groups = "; ".join(f"{GOODS.get(g['tariff_group'], g['tariff_group'])} ${g['us_imports_bn']:,.0f}bn at "
                       f"{g['rate_pct_first_day']:g}%" for g in found.get("by_group", []))
    changes = "; ".join(f"{GOODS.get(g['tariff_group'], g['tariff_group'])} to {c['rate_pct']:g}% from "
                        f"{ctx.day(c['first_day'])}, {c['measure']}"
                        for g in found.get("by_group", []) for c in g.get("changes", []))
    collected = found.get("collected") or {}
    seen = ""
    if collected.get("duties_bn"):
        seen = (f" Collected in practice: ${collected['duties_bn']:,.1f}bn on ${collected['imports_bn']:,.1f}bn of "
                f"goods in {ctx.month(collected['month'])}, an effective rate of {collected['rate_pct']:.1f}%.")
    follow = (f" Over the year that follows, the dated timeline changes them: {changes}. So the first year brings "
              f"about ${found['duties_bn_per_year']:,.0f}bn, an effective rate of {found['effective_rate']:.1f}%: the "
              "figure the bargain uses." if changes else " The rates do not change over the year that follows.")
    return [Para(spans(
        strong("The tariff at stake. "),
        f"US imports from Japan of ${found['us_imports_bn']:,.0f}bn a year ({groups}) at the rates in force on "
        f"{ctx.day(found['as_of'])} would bring about ${found['duties_bn_first_day']:,.0f}bn of duties a year, an "
        f"effective rate of {found['effective_rate_first_day']:.1f}% (statutory, at the base year's volumes).{follow}"
        f"{seen} The rates and their dates are a table a user can edit; each scenario's first day starts its year."))]


def scenario_table(ctx, s) -> Table | None:
    """Each line of one scenario's ledger: the US side, each seller's lines, the tariff."""
    led = ledger(s)
    if led is None:
        return None
    us = led["us"]
    rows = [[text_cell(strong("The United States"), colspan=2)],
            [text_cell("Extra federal interest, ten years"), cell(_band(us["interest_cost_10yr_bn"], "$bn"), nowrap=True)],
            [text_cell("The dollar, on impact"), cell(_band(us["dollar_pct"], "%", 1), nowrap=True)],
            [text_cell("The dollar, what lasts"), cell(_band(us["dollar_pct_lasting"], "%", 1), nowrap=True)],
            [text_cell("US consumer prices after two years, percentage points"),
             cell(_band(us["inflation_pp_2y"], "", 2), nowrap=True)]]
    groups = [0]
    for seller in led["sellers"]:
        groups.append(len(rows))
        rows.append([text_cell(strong(f"{seller['label']} ({PROCEEDS_WORDS[seller['proceeds']]})"), colspan=2)])
        lines = []
        for key, label, unit in SELLER_LINES:
            reason = (seller.get("not_available") or {}).get(key)
            value = seller.get(key)
            lines.append([text_cell(label), cell(_band(value, unit, 1) if value else ("not available" if reason
                                                                                       else "\u2013"), nowrap=True)])
        missing = all(not seller.get(key) and (seller.get("not_available") or {}).get(key) for key, _, _ in SELLER_LINES)
        # a seller without published facts: one row, not a column of "not available"
        rows += [[text_cell("Every line (no published facts on its reserves)"), cell("not available")]] if missing \
            else lines
        if seller.get("cost_10yr_bn"):
            rows += [[text_cell("Its cost over ten years"), cell(_band(seller["cost_10yr_bn"], "$bn"), nowrap=True)],
                     [text_cell("of which carry forgone over ten years"),
                      cell(_band(seller["carry_10yr_bn"], "$bn"), nowrap=True)]]
    bargain, tariff = led["bargain"], led["tariff"]
    groups.append(len(rows))
    rows += [[text_cell(strong("The bargain"), colspan=2)],
             [text_cell("The seller's cost over ten years"), cell(_seller_cost(led)[0], nowrap=True)],
             [text_cell("The same without the carry forgone"),
              cell(_band(bargain.get("seller_cost_10yr_without_carry_bn"), "$bn"), nowrap=True)],
             [text_cell("US cost / the seller's"), cell(_ratio(bargain["ratio_us_to_seller"]))],
             [text_cell("US cost / the seller's without the carry forgone"),
              cell(_ratio(bargain.get("ratio_us_to_seller_without_carry")))],
             [text_cell("US duties on the seller's goods, the scenario's first year"),
              cell(_duties(tariff) if tariff.get("duties_bn_per_year") else "not available")]]
    if tariff.get("duties_bn_first_day"):
        rows.append([text_cell("the same at the rates of the first day"),
                     cell(usd(tariff["duties_bn_first_day"], 0, sign=False))])
    return Table(f"ledger-{ctx.slug(s.name)}", [Column("Line", "left", 3.2), Column("Median (5th to 95th)", width=1.6)],
                 rows, group_rows=groups, size="small", title=f"The bargain: {story.short_plan(s.posterior)}",
                 notes=[spans(signs(led["verdict"])), *(spans(a) for a in assumptions(led))])


def assumptions(led: dict) -> list[str]:
    """What each seller's lines assume, in words (central values of the curated facts)."""
    out = []
    for seller in led["sellers"]:
        a = seller.get("assumptions") or {}
        if not a:
            continue
        mixes = a.get("duration_implied_by_maturity_mix_years") or {}
        mix = (f" (its published maturity mix implies {', '.join(f'{v:.1f} in {k}' for k, v in mixes.items())})"
               if mixes else "")
        out.append(
            f"{seller['label']}: reserves ${a['reserves_usd_bn']:,.0f}bn ({a['reserves_as_of']}), of which "
            f"${a['treasuries_usd_bn']:,.0f}bn in Treasuries; the reserve bonds' modified duration "
            f"{a['reserve_bond_duration_years']:g} years{mix}; they yield {a['reserve_bond_yield_pct']:g}%, against "
            f"{a['financing_bill_cost_pct']:g}% on the bills that finance them and {a['dollar_deposit_rate_pct']:g}% "
            f"on dollar deposits; {a['usd_rate_local_per_usd']:g} {seller['currency'] or 'local units'} per dollar "
            f"today. {a['statement']}")
    return out


__all__ = ["glance", "ledger", "mechanism", "scenario_table", "summary_table", "tariff_paragraph", "verdicts"]
