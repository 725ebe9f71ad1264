"""Historical episodes: flows summed over each window against the parsed tables, and an
episode run through the scenario engine equal to a hand-built scenario with the same path."""

from __future__ import annotations

import numpy as np
import pytest

from model.episodes import (
    Episode,
    episode_scenario,
    episodes_config,
    largest_sale,
    run_episode,
    verdict,
)
from model.scenarios import load_scenario, simulate


@pytest.fixture(scope="module")
def results(context):
    from model.episodes import run_all

    return {r.episode.key: r for r in run_all(context, draws=4000)}


def test_every_shipped_episode_runs(results):
    shipped = {e.key for e in episodes_config().episode}
    assert {"japan_2003_04", "belgium_2015", "china_2016", "japan_2022", "tariff_2025"} <= shipped
    assert shipped | {"largest_6m_sale"} == set(results)
    for r in results.values():
        assert r.verdict.split(":")[0].split(",")[0] in ("consistent", "too small", "too large", "wrong sign")
        assert r.episode.note and r.episode.source


def test_flow_sums_against_the_holdings_table(results, panel):
    h = panel.holdings.pivot_table(index="month", columns="holder", values="holdings_bn")
    # Japan, 2022 yen defence: holdings fell about $166bn from July to October
    japan = results["japan_2022"]
    assert japan.flows_holdings_change_bn == pytest.approx(h.loc["2022-10-01", "Japan"] - h.loc["2022-06-01", "Japan"])
    assert japan.flows_holdings_change_bn == pytest.approx(-168.3)
    # China, June - November 2016: about $190bn
    assert results["china_2016"].flows_holdings_change_bn == pytest.approx(
        h.loc["2016-11-01", "China, Mainland"] - h.loc["2016-06-01", "China, Mainland"])
    assert results["china_2016"].flows_holdings_change_bn == pytest.approx(-191.5)
    # Japan 2003-04: from about $385bn to $690bn
    assert h.loc["2002-12-01", "Japan"] == 378.1 and h.loc["2004-12-01", "Japan"] == 689.9
    assert results["japan_2003_04"].flows_holdings_change_bn == pytest.approx(311.8)
    assert results["belgium_2015"].flows_holdings_change_bn == pytest.approx(
        h.loc["2015-08-01", "Belgium"] - h.loc["2015-01-01", "Belgium"])


def test_reported_flow_sums_against_the_transactions_tables(results, panel):
    f = panel.flows[(panel.flows["instrument"] == "bonds_notes")]
    for key, holder, start, end in (("japan_2022", "Japan", "2022-07", "2022-10"),
                                    ("china_2016", "China, Mainland", "2016-07", "2016-11"),
                                    ("tariff_2025", "Japan", "2025-04", "2025-04")):
        rows = f[(f["holder"] == holder) & f["month"].between(start + "-01", end + "-01")]
        assert results[key].flows_reported_bn == pytest.approx(rows["net_purchases_bn"].sum())
    assert results["japan_2022"].flows_reported_bn == pytest.approx(-44.0, abs=0.05)


def test_reported_flow_sums_against_the_raw_form_s(results, raw_dir):
    """Independent of the pipeline: [1] - [7] read straight from s1_globl.txt."""
    import csv

    total = 0.0
    with open(raw_dir / "tic" / "s1_globl.txt", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) == 15 and row[0] == "Japan" and "2022-07" <= row[2] <= "2022-10":
                total += (float(row[3].replace(",", "")) - float(row[9].replace(",", ""))) / 1000
    assert results["japan_2022"].flows_reported_bn == pytest.approx(total)


def test_actual_moves_and_what_else_moved(results, panel):
    f = panel.frame
    r = results["japan_2022"]
    assert r.actual_10y_bp == pytest.approx((f.loc["2022-10-01", "y10y_eom_pct"] - f.loc["2022-06-01", "y10y_eom_pct"]) * 100)
    assert 90 < r.actual_10y_bp < 130  # 'about a percentage point'
    assert r.policy_rate_change_bp == pytest.approx((f.loc["2022-10-01", "fedfunds_pct"] - f.loc["2022-06-01", "fedfunds_pct"]) * 100)
    assert r.fed_purchases_bn == pytest.approx(f.loc["2022-07-01":"2022-10-01", "dfed_treasuries_bn"].sum())
    assert r.actual_10y_path_bp[-1] == pytest.approx(r.actual_10y_bp)


def test_episode_equals_a_hand_built_scenario(context, scenario_file, panel):
    ep = next(e for e in episodes_config().episode if e.key == "japan_2022")
    result = run_episode(ep, context, draws=4000)
    flows = panel.frame.loc["2022-07-01":"2022-10-01", "japan_net_purchases_bn"].tolist()
    text = (f'[scenario]\nname = "hand"\ntitle = "hand"\nstart = "2022-07"\nhorizon_months = 4\n'
            f'[pricing]\ndraws = 4000\nseed = 1\n'
            f'[[holders]]\nholder = "japan"\naction = "path"\nbaseline = 0.0\nflows_bn = {flows}\n')
    hand = simulate(load_scenario(scenario_file(text), context), context)
    for m in ("10y", "tp10", "2y"):
        for col in ("low", "mid", "high"):
            np.testing.assert_allclose(result.posterior.yields_bp[m][col], hand.yields_bp[m][col])
    lit = simulate(load_scenario(scenario_file(text), context), context, response="literature")
    np.testing.assert_allclose(result.literature.yields_bp["10y"]["mid"], lit.yields_bp["10y"]["mid"])


def test_largest_sale_found_by_the_tool(context, panel):
    ep = largest_sale(context)
    f = panel.flows[(panel.flows["instrument"] == "bonds_notes") & (panel.flows["kind"] == "country")
                    & (panel.flows["month"] >= "2000-01-01")]
    wide = f.pivot_table(index="month", columns="holder", values="net_purchases_bn")
    worst = wide.rolling(6).sum().min().idxmin()
    assert ep.holders == [worst]
    window = wide.loc[ep.start + "-01":ep.end + "-01", worst]
    assert len(window) == 6
    assert window.sum() == pytest.approx(wide.rolling(6).sum().min().min())


def test_verdicts():
    band = (2.0, 5.0, 8.0)
    assert verdict(6.0, band, "10-year yield").startswith("consistent: ")
    assert verdict(40.0, band, "10-year yield").startswith("too small")
    assert verdict(1.0, band, "10-year yield").startswith("too large")
    assert verdict(-20.0, band, "10-year yield").startswith("wrong sign")
    wide = (-30.0, 1.0, 30.0)
    assert "model explains little" in verdict(20.0, wide, "10-year yield")
    assert verdict(float("nan"), band, "term premium").startswith("no data")


def test_bad_episode_holder(context):
    from model.errors import InputError

    ep = Episode(key="x", title="x", start="2020-01", end="2020-03", holders=["Narnia"], note="n", source="s")
    with pytest.raises(InputError, match="unknown holder 'Narnia'"):
        episode_scenario(ep, context)


def test_episodes_cli(capsys):
    from model.cli import main

    assert main(["episodes"]) == 0
    out = capsys.readouterr().out
    assert "Japan's 2022 yen defence" in out and "verdict (posterior)" in out
    assert "The model explains little" in out or "inside the tool's band" in out
