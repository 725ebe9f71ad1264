"""The leverage ledger against hand-worked cases (planted numbers), and the shipped data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.ledger import (
    FxEstimate,
    HolderSale,
    Proceeds,
    build_ledger,
    implied_duration,
    ledger_data,
    load_ledger_data,
    published_prior,
    seller_ledger,
    shrink,
    tariff_at_stake,
)
from model.ledger.dollar import DollarDraws, conversion_draws, dollar_pct_from_local, parse_proceeds
from model.schema import DRAW_KEYS, clean

CURATED = Path(__file__).resolve().parents[1] / "data" / "curated"
N = 4000

# Planted facts without ranges, so every line is a number worked out by hand below.
PLANTED = {
    "ust_share_of_reserves": ("0.70", "share"), "usd_share_of_reserves": ("0.80", "share"),
    "reserve_bond_duration_years": ("4.0", "years"), "usd_rate": ("150", "local_per_usd"),
    "book_rate_local_per_usd": ("110", "local_per_usd"), "reserve_bond_yield_pct": ("4.0", "pct"),
    "financing_bill_cost_pct": ("0.5", "pct"), "dollar_deposit_rate_pct": ("3.5", "pct"),
    "exporter_loss_local_bn_per_unit": ("90", "local_bn_per_local_unit"),
    "fx_half_life_days": ("21", "business_days"), "fx_lasting_share": ("0.2", "share"),
}


def planted_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "curated"
    shutil.copytree(CURATED, folder)
    lines = (folder / "ledger_facts.csv").read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        holder, key = line.split(",")[:2]
        if holder == "japan" and key in PLANTED:
            value, unit = PLANTED[key]
            line = f"japan,{key},{value},,,{unit},2026-01-01,D,https://example.org/planted,planted"
        out.append(line)
    (folder / "ledger_facts.csv").write_text("\n".join(out) + "\n")
    reserves = (folder / "jp_reserves.csv").read_text().splitlines()
    (folder / "jp_reserves.csv").write_text("\n".join([reserves[0], "2026-03-31,1000,,,,,,,,D,https://example.org/planted,"]) + "\n")
    return folder


@pytest.fixture
def planted(tmp_path):
    return load_ledger_data(planted_folder(tmp_path))


def planted_dollar(impact_gain: float, lasting_gain: float, year_gain: float, converted: float) -> DollarDraws:
    """An exchange-rate move fixed by hand: percent rises of the yen's dollar price."""
    full = lambda x: np.full(N, x)  # noqa: E731
    return DollarDraws(full(impact_gain), full(lasting_gain), full(year_gain), np.ones(N, dtype=int), full(10.0),
                       converted, converted)


# ---------------------------------------------------------------------------------------------
# The seller's ledger, line by line
# ---------------------------------------------------------------------------------------------


def test_each_line_on_planted_numbers(planted):
    """Reserves $1,000bn: Treasuries 70% ($700bn), dollar assets 80% ($800bn); Japan sells $100bn and
    converts it; the yen rises 5% on impact, 1% for good, 2% on average over the first year;
    the reserve bonds' yield rises 5 bp; yen at 150, booked at 110.

    * MTM: ($700bn - $100bn) x 4.0 x 5 / 10,000 = $1.2bn
    * translation on impact: the dollar falls to 150 / 1.05 = 142.857; ($800bn - $100bn) x
      (150 - 142.857) = 5,000bn yen = $35.0bn at 142.857; lasting: 700 x 1% = $7.0bn
    * realised: 100 x ((150 + 142.857) / 2 - 110) = 3,642.9bn yen = $25.5bn
    * carry: 100 x (4.0 - 0.5) / 100 = $3.5bn a year
    * exporters: 90bn yen per 1 yen x (150 - 150 / 1.02) = 264.7bn yen = $1.8bn
    """
    sale = HolderSale("japan", "Japan", [100.0], Proceeds.CONVERTED)
    ledger = seller_ledger(sale, planted, np.full(N, 5.0), planted_dollar(5.0, 1.0, 2.0, 100.0),
                           np.random.default_rng(0))
    line = {k: float(np.median(v)) for k, v in ledger.lines.items()}
    assert line["mtm_loss_bn"] == pytest.approx(1.2)
    s1 = 150 / 1.05
    assert line["translation_loss_local_bn"] == pytest.approx(700 * (150 - s1)) == pytest.approx(5000.0)
    assert line["translation_loss_bn"] == pytest.approx(35.0)
    assert line["translation_loss_lasting_bn"] == pytest.approx(7.0)
    assert line["realised_gain_bn"] == pytest.approx(100 * ((150 + s1) / 2 - 110) / s1)
    assert line["realised_gain_bn"] == pytest.approx(25.5, abs=0.01)
    assert line["carry_forgone_bn_per_year"] == pytest.approx(3.5)
    assert ledger.local["exporters_loss_local_bn"][0] == pytest.approx(90 * (150 - 150 / 1.02))
    assert line["exporters_loss_bn"] == pytest.approx(1.8)
    assert float(ledger.exporters_lasting_bn_per_year[0]) == pytest.approx(0.9)  # 90 x 1%
    assert ledger.local["mtm_loss_local_bn"][0] == pytest.approx(1.2 * 150)
    assert "110" in ledger.assumptions["statement"]  # the book rate assumed is stated


def test_kept_in_dollars_on_planted_numbers(planted):
    """The same sale kept as dollar deposits: no exchange-rate line moves; carry is the bond yield
    less the deposit rate, 100 x (4.0 - 3.5) / 100 = $0.5bn a year; MTM as before."""
    sale = HolderSale("japan", "Japan", [100.0], Proceeds.KEPT_IN_DOLLARS)
    ledger = seller_ledger(sale, planted, np.full(N, 5.0), None, np.random.default_rng(0))
    for key in ("translation_loss_bn", "translation_loss_local_bn", "translation_loss_lasting_bn",
                "realised_gain_bn", "exporters_loss_bn"):
        assert np.all(ledger.lines[key] == 0.0), key
    assert float(np.median(ledger.lines["mtm_loss_bn"])) == pytest.approx(1.2)
    assert float(np.median(ledger.lines["carry_forgone_bn_per_year"])) == pytest.approx(0.5)


def test_a_holder_without_facts_is_not_available(planted):
    ledger = seller_ledger(HolderSale("china", "China (Mainland)", [50.0], Proceeds.CONVERTED), planted,
                           np.full(N, 5.0), None, np.random.default_rng(0))
    assert not ledger.available and all(v is None for v in ledger.lines.values())
    assert "SAFE" in ledger.not_available["mtm_loss_bn"]
    other = seller_ledger(HolderSale("Cayman Islands", "Cayman Islands", [5.0], Proceeds.KEPT_IN_DOLLARS), planted,
                          np.full(N, 5.0), None, np.random.default_rng(0))
    assert "no published facts" in other.not_available["carry_forgone_bn_per_year"]


# ---------------------------------------------------------------------------------------------
# The dollar
# ---------------------------------------------------------------------------------------------


def test_conversion_path_by_hand():
    """10% per $100bn (no uncertainty), half-life 21 business days (half left after a month),
    lasting share 0.2; $50bn converted in months 1 and 3.

    month 1: 0.1 x (0.2 x 50 + 0.8 x 50) = 5.0; month 2: 0.1 x (0.2 x 50 + 0.8 x 25) = 3.0;
    month 3: 0.1 x (0.2 x 100 + 0.8 x 62.5) = 7.0, the peak; lasting 0.1 x 0.2 x 100 = 2.0.
    """
    effect = FxEstimate(10.0, 1e-12, "planted")
    drawn = conversion_draws([50.0, 0.0, 50.0], effect, np.full(3, 21.0), np.full(3, 0.2), np.random.default_rng(0))
    assert drawn.impact_local_gain_pct == pytest.approx(np.full(3, 7.0))
    assert np.all(drawn.peak_month == 3)
    assert drawn.lasting_local_gain_pct == pytest.approx(np.full(3, 2.0))
    tau = 1 / math.log(2)  # months
    year = sum(50 * (0.2 * left + 0.8 * tau * (1 - math.exp(-left / tau))) for left in (12, 10)) / 12 * 0.1
    assert drawn.first_year_mean_local_gain_pct == pytest.approx(np.full(3, year))
    assert drawn.impact_dollar_pct == pytest.approx(np.full(3, (1 / 1.07 - 1) * 100))
    # spreading the same dollars over more months moves the dollar less at its peak
    spread = conversion_draws([100 / 12] * 12, effect, np.full(3, 21.0), np.full(3, 0.2), np.random.default_rng(0))
    assert spread.impact_local_gain_pct[0] < 7.0
    assert spread.lasting_local_gain_pct == pytest.approx(np.full(3, 2.0))


def test_dollar_pct_sign_and_exact_zero():
    assert dollar_pct_from_local(0.0) == 0.0
    assert dollar_pct_from_local(5.0) == pytest.approx(-4.761905, rel=1e-6)  # the yen up 5%: the dollar down


def test_published_prior_and_shrinkage():
    """The four episodes give the ledger's impact elasticities per 1tn yen; the events estimate is
    combined with them by precision weights."""
    episodes = ledger_data().fx_episodes
    per_tn = [e.impact_pct_per_local_tn for e in episodes]
    assert per_tn == pytest.approx([1.35, 0.93, 0.41, 0.51], abs=0.06)  # leverage-ledger.md, section 1b
    prior = published_prior(episodes)
    values = [e.local_gain_pct_per_100bn for e in episodes]
    assert prior.local_gain_pct_per_100bn == pytest.approx(np.mean(values))
    assert prior.se == pytest.approx(np.std(values, ddof=1))
    estimate = FxEstimate(3.6, 1.5, "intervention days")
    post = shrink(estimate, prior)
    w = (1 / 1.5**2) / (1 / 1.5**2 + 1 / prior.se**2)
    assert post.local_gain_pct_per_100bn == pytest.approx(w * 3.6 + (1 - w) * prior.local_gain_pct_per_100bn)
    assert post.se == pytest.approx((1 / 1.5**2 + 1 / prior.se**2) ** -0.5)
    assert shrink(None, prior) is prior
    with pytest.raises(ValueError):
        FxEstimate(float("nan"), 1.0, "x")
    assert parse_proceeds("converted") is Proceeds.CONVERTED
    with pytest.raises(ValueError, match="converted, kept_in_dollars"):
        parse_proceeds("sold")


# ---------------------------------------------------------------------------------------------
# The whole ledger: converted against kept in dollars, with the same yields
# ---------------------------------------------------------------------------------------------


def _draws(seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.normal(3.0, 1.0, N)
    return y, 30.0 * y


def test_kept_in_dollars_moves_no_exchange_rate_and_the_same_yields():
    y, cost = _draws()
    kw = {"on": dt.date(2026, 3, 1), "fx_estimate": FxEstimate(3.6, 1.5, "days"), "seed": 4}
    converted = build_ledger([HolderSale("japan", "Japan", [100.0], Proceeds.CONVERTED)], y, cost, **kw)
    kept = build_ledger([HolderSale("japan", "Japan", [100.0], Proceeds.KEPT_IN_DOLLARS)], y, cost, **kw)
    assert np.all(kept.dollar_pct == 0.0) and np.all(kept.inflation_pp_2y == 0.0)
    assert np.all(kept.sellers[0].lines["translation_loss_bn"] == 0.0)
    assert np.median(converted.dollar_pct) < 0 and np.median(converted.sellers[0].lines["translation_loss_bn"]) > 0
    np.testing.assert_array_equal(kept.interest_cost_10yr_bn, converted.interest_cost_10yr_bn)
    np.testing.assert_array_equal(kept.sellers[0].lines["mtm_loss_bn"], converted.sellers[0].lines["mtm_loss_bn"])
    d, k = converted.to_dict(), kept.to_dict()
    assert k["us"]["dollar_pct"] == {"median": 0.0, "p05": 0.0, "p95": 0.0}
    assert k["sellers"][0]["translation_loss_bn"] == {"median": 0.0, "p05": 0.0, "p95": 0.0}
    assert d["us"]["dollar_pct"]["median"] < 0 < d["sellers"][0]["translation_loss_bn"]["median"]
    assert d["us"]["interest_cost_10yr_bn"] == k["us"]["interest_cost_10yr_bn"]
    assert d["proceeds"] == {"japan": "converted"} and k["proceeds"] == {"japan": "kept_in_dollars"}
    # the inflation effect runs through the lasting dollar move only: never negative for a dollar fall
    assert d["us"]["inflation_pp_2y"]["p05"] >= 0 and d["us"]["inflation_pp_2y"]["p95"] > 0


def test_ledger_json_shape():
    y, cost = _draws()
    ledger = build_ledger([HolderSale("japan", "Japan", [50.0, 50.0], Proceeds.CONVERTED),
                           HolderSale("china", "China (Mainland)", [50.0], Proceeds.KEPT_IN_DOLLARS)],
                          y, cost, on=dt.date(2025, 9, 20), seed=2)
    out = json.loads(json.dumps(clean(ledger.to_dict())))
    assert {"proceeds", "us", "sellers", "tariff", "verdict"} <= set(out)
    assert {"interest_cost_10yr_bn", "dollar_pct", "inflation_pp_2y"} <= set(out["us"])
    for key in ("interest_cost_10yr_bn", "dollar_pct", "inflation_pp_2y"):
        assert set(out["us"][key]) == set(DRAW_KEYS)
    required = {"holder", "currency", "mtm_loss_bn", "translation_loss_bn", "translation_loss_local_bn",
                "realised_gain_bn", "carry_forgone_bn_per_year", "exporters_loss_bn"}
    shapes = {frozenset(s) for s in out["sellers"]}
    assert len(shapes) == 1 and required <= set(out["sellers"][0])  # one record shape
    japan, china = out["sellers"]
    assert japan["currency"] == "JPY" and set(japan["mtm_loss_bn"]) == set(DRAW_KEYS)
    assert china["mtm_loss_bn"] is None and china["not_available"]["mtm_loss_bn"]
    assert {"holder", "as_of", "us_imports_bn", "effective_rate", "duties_bn_per_year", "sources"} <= set(out["tariff"])
    assert out["tariff"]["holder"] == "japan" and out["tariff"]["as_of"] == "2025-09-20"
    assert isinstance(out["verdict"], str) and out["bargain"]["ratio_us_to_seller"] is None  # China unknown
    assert out["bargain"]["ratio_us_to_seller_without_carry"] is None
    # a conversion spread over two months: the dollar's move is a month's, and the sentence says whose
    assert "as each month's dollars (at most $50bn) are converted (a move that fades within weeks)" in out["verdict"]
    # Japan's own ten-year cost is there even when the coalition's is not; China's is null
    assert out["bargain"]["seller_cost_10yr_bn"] is None and china["cost_10yr_bn"] is None
    assert japan["cost_10yr_bn"]["median"] > japan["carry_10yr_bn"]["median"] > 0
    # without Japan's facts for China, the tariff record keeps its keys (a holder with no timeline)
    alone = build_ledger([HolderSale("china", "China (Mainland)", [50.0], Proceeds.KEPT_IN_DOLLARS)],
                         y, cost, on=dt.date(2025, 9, 20), seed=2).to_dict()
    assert set(alone["tariff"]) == set(out["tariff"]) and alone["tariff"]["not_available"]
    assert out["tariff"]["not_available"] is None


# ---------------------------------------------------------------------------------------------
# The tariff at stake
# ---------------------------------------------------------------------------------------------

RATES = {  # date -> all-in rate by group (percent), from the timeline's sources
    "2025-03-01": {"autos_parts": 2.5, "metals": 0.0, "pharma": 0.0, "other": 2.0},
    "2025-05-01": {"autos_parts": 27.5, "metals": 25.0, "pharma": 0.0, "other": 12.0},
    "2025-09-20": {"autos_parts": 15.0, "metals": 50.0, "pharma": 0.0, "other": 15.0},
    "2026-03-01": {"autos_parts": 15.0, "metals": 50.0, "pharma": 0.0, "other": 12.0},
    "2026-08-01": {"autos_parts": 15.0, "metals": 50.0, "pharma": 0.0, "other": 2.0},
}


@pytest.mark.parametrize("day", sorted(RATES))
def test_tariff_rate_on_given_dates(day):
    data = ledger_data()
    stake = tariff_at_stake(data, "japan", dt.date.fromisoformat(day))
    rates = {g.tariff_group: g.rate_pct for g in stake.groups}
    assert rates == RATES[day]
    imports = {}
    for sector in data.imports:
        imports[sector.tariff_group] = imports.get(sector.tariff_group, 0.0) + sector.imports_usd_bn
    duties = sum(imports[g] * RATES[day][g] / 100 for g in imports)
    assert stake.us_imports_bn == pytest.approx(144.863, abs=0.01)  # the Yale GTAP baseline, Japan column
    assert stake.duties_bn_first_day == pytest.approx(duties)
    assert stake.first_day_rate_pct == pytest.approx(duties / sum(imports.values()) * 100)
    assert stake.sources and all(s.startswith("http") for s in stake.sources)


def test_tariff_stake_against_duties_collected():
    """Under the 15% agreement the statutory duties come close to the collected ones ($1.827bn in
    June 2025, about $22bn a year)."""
    stake = tariff_at_stake(ledger_data(), "japan", dt.date(2025, 9, 20))
    assert stake.collected["annualised_duties_bn"] == pytest.approx(21.924)
    assert abs(stake.duties_bn_first_day / stake.collected["annualised_duties_bn"] - 1) < 0.15
    assert tariff_at_stake(ledger_data(), "china", dt.date(2025, 9, 20)) is None
    with pytest.raises(ValueError, match="outside the tariff timeline"):
        tariff_at_stake(ledger_data(), "japan", dt.date(2024, 6, 1))


def test_duties_follow_the_dated_timeline_over_the_year():
    """From 1 May 2026: the Section 122 surcharge (12% all-in on other goods) runs 85 days to 24
    July, then 2% for 280 days; pharmaceuticals are duty-free for 151 days to 28 September, then
    3.75% for 214. Autos and metals do not change."""
    data = ledger_data()
    stake = tariff_at_stake(data, "japan", dt.date(2026, 5, 1))
    year = {"autos_parts": 15.0, "metals": 50.0, "other": (85 * 12.0 + 280 * 2.0) / 365,
            "pharma": 214 * 3.75 / 365}
    groups = {g.tariff_group: g for g in stake.groups}
    for group, rate in year.items():
        assert groups[group].year_rate_pct == pytest.approx(rate)
        assert groups[group].duties_bn == pytest.approx(groups[group].imports_bn * rate / 100)
    assert [(c.first_day, c.rate_pct) for c in groups["other"].changes] == [(dt.date(2026, 7, 25), 2.0)]
    assert stake.duties_bn_per_year == pytest.approx(sum(g.imports_bn * year[k] / 100 for k, g in groups.items()))
    assert stake.year_end == dt.date(2027, 4, 30)
    # the first day's rates overstate the year's duties by about a third
    assert 1.3 < stake.duties_bn_first_day / stake.duties_bn_per_year < 1.6
    out = stake.to_dict()
    assert out["duties_bn_per_year"] == stake.duties_bn_per_year and out["year_end"] == "2027-04-30"
    assert out["duties_bn_first_day"] == stake.duties_bn_first_day
    # a year that runs past the end of a closed timeline is refused, naming the group
    closed = dataclasses.replace(data, tariffs=[p.model_copy(update={"last_day": dt.date(2026, 12, 31)})
                                                 if p.last_day is None else p for p in data.tariffs])
    with pytest.raises(ValueError, match="does not give one rate for every day"):
        tariff_at_stake(closed, "japan", dt.date(2026, 5, 1))


def test_a_user_edits_the_rates(tmp_path):
    folder = planted_folder(tmp_path)
    path = folder / "jp_tariff_timeline.csv"
    path.write_text(path.read_text().replace("autos_parts,2025-09-16,,15.0,", "autos_parts,2025-09-16,,10.0,"))
    stake = tariff_at_stake(load_ledger_data(folder), "japan", dt.date(2026, 3, 1))
    assert {g.tariff_group: g.rate_pct for g in stake.groups}["autos_parts"] == 10.0


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------


def test_verdict_arithmetic_and_words(planted):
    y, cost = _draws()
    ledger = build_ledger([HolderSale("japan", "Japan", [100.0], Proceeds.KEPT_IN_DOLLARS)], y, cost,
                          on=dt.date(2025, 9, 20), data=planted, seed=1)
    us = float(np.median(cost))
    # kept in dollars: MTM (600 x 4 x dy / 10,000) + ten years of carry (0.5); nothing else moves
    seller = np.median(600 * 4 * y / 10_000 + 10 * 0.5)
    assert float(np.median(ledger.seller_cost_10yr_bn)) == pytest.approx(seller)
    # the sensitivity beside it: the same cost without the carry forgone (only the MTM loss here)
    assert ledger.to_dict()["bargain"]["seller_cost_10yr_without_carry_bn"]["median"] == pytest.approx(
        np.median(600 * 4 * y / 10_000))
    assert ledger.ratio_us_to_seller == pytest.approx(us / seller)
    # without the carry forgone, the seller's cost is the MTM loss alone
    mtm = float(np.median(600 * 4 * y / 10_000))
    bare = us / mtm if mtm > 0 and us > 0 else None
    assert ledger.to_dict()["bargain"]["ratio_us_to_seller_without_carry"] == (
        pytest.approx(bare) if bare is not None else None)
    duties = ledger.tariff.duties_bn_per_year
    breakeven = ledger.break_even_sale_bn()
    assert breakeven["median"] == pytest.approx(duties * 100 / us)
    assert breakeven["p05"] < breakeven["median"] < breakeven["p95"]
    text = ledger.verdict
    assert text.count(".") >= 1 and text.endswith(".") and "\n" not in text
    for internal in ("_", "kept_in_dollars", "japan ", "bn_"):
        assert internal not in text
    assert f"${round(us)}bn" in text and "Japan selling $100bn of Treasury bonds and notes and keeping the dollars" in text
    assert f"${round(duties)}bn of US duties" in text
    # the carry forgone (ten years of 0.5) is most of the cost: the sentence says how much, and what it is
    assert "($5.0bn of it yield given up, an opportunity cost rather than a loss)" in text
    if bare is not None and bare >= 1.5:
        assert f"(without the yield given up, the US would bear about {bare:.0f} times Japan's cost)" in text
    else:
        assert "without the yield given up" not in text


def test_verdict_for_purchases_and_for_nothing():
    y, cost = _draws()
    buy = build_ledger([HolderSale("japan", "Japan", [-50.0], Proceeds.KEPT_IN_DOLLARS)], -y, -cost,
                       on=dt.date(2026, 3, 1), seed=1)
    assert buy.verdict.startswith("Japan buying $50bn more Treasury bonds and notes would save the US about")
    # a cost band reaching below zero: no sale is enough at its 5th percentile
    wide = build_ledger([HolderSale("japan", "Japan", [100.0], Proceeds.KEPT_IN_DOLLARS)], y, cost - 60.0,
                        on=dt.date(2026, 3, 1), seed=1)
    assert np.percentile(cost - 60.0, 5) < 0 < np.median(cost - 60.0)
    be = wide.break_even_sale_bn()
    assert be["p95"] is None and be["median"] == pytest.approx(wide.tariff.duties_bn_per_year * 100 / np.median(cost - 60))
    assert buy.break_even_sale_bn() is None
    none = build_ledger([HolderSale("japan", "Japan", [0.0], Proceeds.KEPT_IN_DOLLARS)], y * 0, cost * 0,
                        on=dt.date(2026, 3, 1))
    assert "no bargain" in none.verdict


# ---------------------------------------------------------------------------------------------
# The shipped facts
# ---------------------------------------------------------------------------------------------


def test_shipped_facts_hang_together():
    data = ledger_data()
    fact = lambda key: data.fact("japan", key)  # noqa: E731
    # reserve-bond duration: the published maturity mixes imply 3.2-3.6 years, inside the range
    implied = [implied_duration(m, fact("reserve_bond_yield_pct").value) for m in data.maturity_mix]
    assert implied == pytest.approx([3.23, 3.58], abs=0.01)
    assert all(fact("reserve_bond_duration_years").low <= d <= fact("reserve_bond_duration_years").high for d in implied)
    # by hand for FY2007: 0.266 x 0.485 + 0.464 x 2.775 + 0.270 x 6.733
    y = 0.04
    by_hand = sum(s * (1 - (1 + y) ** -m) / y for s, m in ((0.266, 0.5), (0.464, 3), (0.270, 8)))
    assert implied[0] == pytest.approx(by_hand)
    # translation: about 1.0-1.1tn yen per 1 yen on today's dollar assets (leverage-ledger.md 2c)
    dollar_assets = data.latest_reserves().total_usd_bn * fact("usd_share_of_reserves").value
    assert 0.95 <= dollar_assets / 1000 <= 1.1
    # MTM: about $0.35bn per bp on $1tn at duration 3.5 (section 2f)
    assert 1000 * fact("reserve_bond_duration_years").value / 10_000 == pytest.approx(0.35)
    # carry of converting $100bn: about $3bn a year (section 2d)
    carry = 100 * (fact("reserve_bond_yield_pct").value - fact("financing_bill_cost_pct").value) / 100
    assert carry == pytest.approx(3.25)
    tags = {f.tag for f in data.facts.values()}
    assert tags <= {"V", "S", "D", "M"}


def test_json_numbers_have_one_zero():
    """A tiny negative rounded away is 0.0 in the output, never -0.0; other numbers keep their
    sign and their six decimals; non-finite numbers are null."""
    out = clean({"a": -1e-9, "b": -0.0, "c": [np.float64(-0.0000004), -1.2345678], "d": float("nan")})
    assert json.dumps(out) == '{"a": 0.0, "b": 0.0, "c": [0.0, -1.234568], "d": null}'


def test_the_sellers_cost_shown_is_the_groups_or_the_one_seller_with_facts():
    from model.ledger import seller_cost_shown

    band_jp = {"median": 50.0, "p05": 10.0, "p95": 90.0}
    group = {"median": 70.0, "p05": 20.0, "p95": 120.0}
    japan = {"label": "Japan", "cost_10yr_bn": band_jp}
    china = {"label": "China (Mainland)", "cost_10yr_bn": None}
    assert seller_cost_shown({"bargain": {"seller_cost_10yr_bn": group}, "sellers": [japan, china]}) == (None, group)
    assert seller_cost_shown({"bargain": {"seller_cost_10yr_bn": None}, "sellers": [japan, china]}) == ("Japan", band_jp)
    two = [japan, {**china, "cost_10yr_bn": band_jp}]
    assert seller_cost_shown({"bargain": {"seller_cost_10yr_bn": None}, "sellers": two}) == (None, None)
    assert seller_cost_shown({"bargain": {"seller_cost_10yr_bn": None}, "sellers": [china]}) == (None, None)
