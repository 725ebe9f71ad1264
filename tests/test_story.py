"""What the report says about the scenarios it is given: which one leads, the headline sentence
computed from the plan, the sensitivity holder, the explorer's holders. On scenario sets
written here (a country, a purchase, one scenario alone, a baseline alone), priced with few
draws."""

from __future__ import annotations

import pytest

from model.errors import InputError
from model.numbers import MINUS, number
from model.report.story import (
    ScenarioSet,
    choose_lead,
    explorer_holders,
    general_notes,
    headline_sentence,
    lead_reason,
    plan_of,
    short_plan,
    subject,
    sweep_holder,
)
from model.scenarios import Scenario, ScenarioFile, simulate


def priced(context, name: str, holders: list[dict], title: str | None = None, headline: bool = False,
           mode: dict | None = None) -> ScenarioSet:
    spec = ScenarioFile.model_validate({
        "scenario": {"name": name, "title": title or name, "start": "2026-05", "horizon_months": 48,
                     "headline": headline},
        "pricing": {"draws": 300, "seed": 7, **(mode or {})}, "holders": holders})
    keys = [context.require_holder(h["holder"], "holder") for h in holders]
    scenario = Scenario(path=f"{name}.toml", spec=spec, holders=keys)
    return ScenarioSet(*(simulate(scenario, context, response=r) for r in ("posterior", "data", "literature")),
                       headline=headline)


def sale(holder: str, bn: float, months: int = 12) -> dict:
    return {"holder": holder, "action": "sell", "bn": float(bn), "months": months}


@pytest.fixture(scope="module")
def sets(context):
    return {
        "uk_sells": priced(context, "uk_sells", [sale("united_kingdom", 300)]),
        "japan_small": priced(context, "japan_small", [sale("japan", 50)]),
        "japan_big": priced(context, "japan_big", [sale("japan", 120), sale("china", 30)]),
        "korea_buys": priced(context, "korea_buys", [{"holder": "Korea", "action": "path", "baseline": 0.0,
                                                      "flows_bn": [10.0] * 6}]),
        "nothing": priced(context, "nothing", []),
    }


def test_the_largest_sale_by_the_largest_holder_leads(sets):
    # Japan is the largest holder that sells anywhere: of its two sales the larger leads, though
    # the UK's sale is larger in dollars
    everything = list(sets.values())
    lead = choose_lead(everything)
    assert lead.name == "japan_big"
    assert lead_reason(everything, None, lead) == "the largest sale by the largest holder that sells in any scenario"
    assert choose_lead([sets["uk_sells"], sets["korea_buys"]]).name == "uk_sells"
    # without a sale, the largest change of holdings; without any change, the first file
    assert choose_lead([sets["nothing"], sets["korea_buys"]]).name == "korea_buys"
    assert choose_lead([sets["nothing"]]).name == "nothing"
    assert lead_reason([sets["nothing"]], None, sets["nothing"]) == "no scenario changes holdings: the first file"


def test_a_file_or_the_command_line_chooses_the_lead(context, sets):
    flagged = priced(context, "flagged", [sale("Cayman Islands", 40)], headline=True)
    assert choose_lead([*sets.values(), flagged]).name == "flagged"
    assert choose_lead([*sets.values(), flagged], "uk_sells").name == "uk_sells"
    with pytest.raises(InputError, match=r"no scenario named 'uk_sell' \(did you mean 'uk_sells'\?\)"):
        choose_lead(list(sets.values()), "uk_sell")
    twice = priced(context, "twice", [sale("japan", 10)], headline=True)
    with pytest.raises(InputError, match=r"flagged.toml and twice.toml both set headline = true"):
        choose_lead([flagged, twice])


def test_the_headline_sentence_is_computed_from_the_plan(sets):
    lead = sets["japan_big"]
    plan = plan_of(lead.posterior)
    assert plan.who == "Japan and China (Mainland)" and plan.months == 12 and plan.net_bn == pytest.approx(-150)
    held = sum(p.holdings_start_bn * (1 - p.bill_share) for p in lead.posterior.holder_paths)
    sentence = headline_sentence(lead)
    assert sentence.startswith(f"If Japan and China (Mainland) sold $150bn more of their Treasury bonds and notes "
                               f"than at their recent pace over 12 months ({150 / held:.0%} of the ${held:,.0f}bn of "
                               "bonds and notes they hold), the 10-year yield would be ")
    # it leads with the move two years in (the number that depends least on persistence)
    at = lead.posterior.at("10y", 12 if lead.posterior.horizon_months < 24 else 24)
    assert f"{abs(at['median']):.1f} bp {'higher' if at['median'] > 0 else 'lower'} than otherwise after" in sentence
    cost = lead.posterior.cost("10yr")["median"]
    assert f"${abs(cost):,.0f}bn" in sentence
    # then the ten-year cost with its range over the lasting share
    shares = {row["lasting_share"]: row for row in lead.posterior.persistence_sensitivity}
    assert f"${abs(shares[0.0]['interest_cost_10yr_bn'][1]):,.0f}bn if none of the effect lasted" in sentence
    assert f"${abs(shares[1.0]['interest_cost_10yr_bn'][1]):,.0f}bn if all of it did" in sentence
    assert "fifth" not in sentence and "-0.0" not in sentence and "\u22120.0 " not in sentence
    assert short_plan(lead.posterior) == "sell $150bn of bonds and notes over 12 months"
    # a move that fades says so beside the number: near the peak or passing, and how much lasts
    lasting, peak = lead.posterior.lasting("10y")["median"], lead.posterior.peak("10y")["median"]
    if abs(lasting) < 0.8 * abs(at["median"]):
        where = "close to its peak" if abs(at["median"]) >= 0.9 * abs(peak) else "a passing move"
        assert f"bp), {where}, of which {number(lasting, minus=MINUS)} bp lasts; over ten years" in sentence
    else:
        assert "bp lasts" not in sentence


def test_a_country_a_purchase_and_nothing_in_words(sets):
    uk = headline_sentence(sets["uk_sells"])
    assert uk.startswith("If the United Kingdom sold $300bn more of its Treasury bonds and notes")
    korea = headline_sentence(sets["korea_buys"])
    assert korea.startswith("If South Korea bought $60bn more Treasury bonds and notes than at its recent pace over "
                            "6 months")
    assert "lower than otherwise" in korea or "essentially unchanged" in korea
    assert short_plan(sets["korea_buys"].posterior) == "buys $60bn of bonds and notes over 6 months"
    nothing = headline_sentence(sets["nothing"])
    assert "every deviation is zero" in nothing and not sets["nothing"].moves_anything
    assert subject("Oil exporters") == "the oil exporters" and subject("Japan") == "Japan"


def test_one_scenario_alone(context, sets):
    alone = [sets["uk_sells"]]
    lead = choose_lead(alone)
    assert lead.name == "uk_sells"
    assert sweep_holder(lead, alone, "japan") == "united_kingdom"
    assert explorer_holders("united_kingdom", alone, ["japan", "china"]) == ["united_kingdom", "japan", "china"]
    # every note of a single scenario is general: said once, not repeated under it
    assert general_notes(alone) == list(dict.fromkeys(n for _, r in lead.items() for n in r.notes))


def test_the_sensitivity_holder_follows_the_lead(sets):
    everything = list(sets.values())
    lead = choose_lead(everything)
    assert sweep_holder(lead, everything, "japan") == "japan"  # the lead's largest seller
    assert sweep_holder(sets["korea_buys"], [sets["korea_buys"]], "japan") == "Korea, South"
    assert sweep_holder(sets["nothing"], [sets["nothing"]], "japan") == "japan"  # the data's largest holder
    assert explorer_holders("japan", everything, ["japan", "china", "united_kingdom"]) == [
        "japan", "united_kingdom", "china", "Korea, South"]


def test_notes_only_some_responses_carry_are_labelled(sets):
    from model.report.story import own_notes

    uk = sets["uk_sells"]  # no estimate of its own: the posterior and the data each say how they price it
    notes = own_notes(uk, general_notes(list(sets.values())))
    labelled = [n for n in notes if "no estimate of its own" in n]
    assert len(labelled) == 2
    assert labelled[0].startswith("posterior: United Kingdom: no estimate of its own; priced with the pooled posterior")
    assert labelled[1].startswith("data only: United Kingdom: no estimate of its own; priced with the pooled estimate")
    # a note every response carries is said once, unlabelled; the holder's plan comes before how it is priced
    plan = next(i for i, n in enumerate(notes) if n.startswith("United Kingdom: sells"))
    assert plan < notes.index(labelled[0])
    assert not any("has no estimate" in n for n in uk.literature.notes)


def test_every_action_is_named_and_sized_as_bonds_and_notes(context):
    """Pauses, slowdowns and sales move bonds and notes, and their share is of the bonds and
    notes held; only a sale that includes bills is of Treasuries and of all holdings."""
    from model.numbers import share_text

    pause = priced(context, "pause", [{"holder": "japan", "action": "pause", "months": 24}])
    p = pause.posterior.holder_paths[0]
    bonds, withheld = p.holdings_start_bn * (1 - p.bill_share), -float(p.deviation_bn.sum())
    assert headline_sentence(pause).startswith(
        f"If Japan paused its purchases of Treasury bonds and notes for 24 months (about ${withheld:,.0f}bn not "
        f"bought at its recent pace, {share_text(withheld / bonds)} of the ${bonds:,.0f}bn of bonds and notes it holds)")
    assert short_plan(pause.posterior) == f"pause of 24 months (${withheld:,.0f}bn of bonds and notes)"
    slow = priced(context, "slow", [{"holder": "japan", "action": "slowdown", "bn_per_month": 2.0, "months": 12}])
    assert headline_sentence(slow).startswith(
        f"If Japan cut its purchases of Treasury bonds and notes by $24bn in all over 12 months "
        f"({share_text(24 / bonds)} of the ${bonds:,.0f}bn of bonds and notes it holds)")
    everything = priced(context, "all", [{**sale("japan", 100), "instruments": "all"}])
    q = everything.posterior.holder_paths[0]
    assert headline_sentence(everything).startswith(
        f"If Japan sold $100bn more of its Treasuries than at its recent pace over 12 months "
        f"({share_text(100 / q.holdings_start_bn)} of its ${q.holdings_start_bn:,.0f}bn of Treasuries)")
