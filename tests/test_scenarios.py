"""Scenario files, the simulation engine and its hand-worked cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.errors import ValidationFailed
from model.scenarios import load_scenario, scenario_files, simulate, validate_scenario

HEAD = """
[scenario]
name = "{name}"
title = "test"
start = "2026-05"
horizon_months = {horizon}

[pricing]
draws = {draws}
seed = 7
{pricing}
"""


def scenario(name="t", horizon=36, draws=20000, pricing="", holders=""):
    return HEAD.format(name=name, horizon=horizon, draws=draws, pricing=pricing) + holders


SELL = """
[[holders]]
holder = "{holder}"
action = "sell"
bn = {bn}
months = {months}
"""


def run(context, scenario_file, text, **kwargs):
    return simulate(load_scenario(scenario_file(text), context), context, **kwargs)


def test_shipped_scenarios_all_validate_and_run(context):
    files = scenario_files("scenarios")
    names = {f.stem for f in files}
    assert {"baseline", "japan_slowdown", "japan_pause", "japan_selldown", "coordinated_diversification"} <= names
    for path in files:
        assert path.read_text().startswith("#"), f"{path} must open with a comment"
        result = simulate(load_scenario(path, context), context, draws=2000)
        assert set(result.yields_bp) == {"3m", "2y", "5y", "10y", "30y", "tp10"}
        assert set(result.interest_cost_bn) == {"1y", "5y", "10y"}


def test_one_month_unit_purchase_reproduces_the_impulse_response(context, scenario_file, fitted):
    """Selling $100bn in one month: the level path is -(cumulative lag coefficients) x $100bn."""
    result = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=100, months=1)))
    res = fitted.dl("10y", "reported")
    coefs, _ = res.lag_block("japan")
    units = 100.0 / fitted.today.debt_bn * 100  # $100bn in % of debt
    expected = -units * np.cumsum(np.r_[coefs, np.zeros(36 - len(coefs))])
    np.testing.assert_allclose(result.yields_bp["10y"]["point"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    # after the last lag the level stays at minus the cumulative multiplier per $100bn
    assert result.at("10y", 36)["median"] == pytest.approx(-res.effects["japan"].effect_bp_per_100bn, abs=0.15)


def test_doubling_a_path_doubles_the_median(context, scenario_file):
    one = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=100, months=12)))
    two = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=200, months=12)))
    for m in ("2y", "10y"):
        np.testing.assert_allclose(two.yields_bp[m]["median"], 2 * one.yields_bp[m]["median"], rtol=1e-5, atol=1e-5)
    assert two.interest_cost_bn["10y"]["median"] == pytest.approx(2 * one.interest_cost_bn["10y"]["median"], rel=1e-6)


def test_pausing_a_holder_with_zero_baseline_changes_nothing(context, scenario_file):
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "pause"\nmonths = 12\nbaseline = 0.0\n')
    result = run(context, scenario_file, text)
    for frame in result.yields_bp.values():
        assert (frame[["median", "p05", "p95", "point"]] == 0).all().all()
    assert all(v == 0 for d in result.interest_cost_bn.values() for v in d.values())


def test_pause_withholds_the_baseline(context, scenario_file):
    result = run(context, scenario_file, scenario(holders='[[holders]]\nholder = "japan"\naction = "pause"\nmonths = 12\n'))
    base = context.baseline("japan", "reported", __import__("pandas").Timestamp("2026-05-01"))[0]
    path = result.holder_paths[0].deviation_bn
    assert (path[:12] == -base).all() and (path[12:] == 0).all()


def test_slowdown_ramp(context, scenario_file):
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "slowdown"\nbn_per_month = 12.0\n'
                            'ramp_months = 4\nmonths = 10\ndelay_months = 2\n')
    path = run(context, scenario_file, text).holder_paths[0].deviation_bn
    np.testing.assert_allclose(path[:14], [0, 0, -3, -6, -9, -12, -12, -12, -12, -12, -12, -12, 0, 0])


def test_reproducible_under_a_seed(context, scenario_file):
    text = scenario(holders=SELL.format(holder="china", bn=100, months=12))
    a = run(context, scenario_file, text).to_json()
    b = run(context, scenario_file, text).to_json()
    assert json.loads(a)["yields_bp"] == json.loads(b)["yields_bp"]
    other = run(context, scenario_file, text.replace("seed = 7", "seed = 8")).to_json()
    assert json.loads(other)["yields_bp"]["10y"] != json.loads(a)["yields_bp"]["10y"]


def test_bands_are_draws_of_whole_paths_from_the_joint_covariance(context, scenario_file, fitted):
    """The level at month h is linear in the coefficients: its Monte Carlo band must match the
    analytic normal band from the joint HAC covariance of the lags."""
    result = run(context, scenario_file, scenario(draws=100000, holders=SELL.format(holder="japan", bn=300, months=6)))
    coefs, cov = fitted.dl("10y", "reported").lag_block("japan")
    units = -300 / 6 * 100 / fitted.today.debt_bn
    h = 12
    flows = np.r_[np.full(6, units), np.zeros(h - 6)]
    g = np.array([np.cumsum(np.r_[np.zeros(k), flows[: h - k]])[-1] for k in range(len(coefs))])
    sd = np.sqrt(g @ cov @ g)
    band = result.at("10y", h)
    assert band["median"] == pytest.approx(g @ coefs, abs=0.03 * sd)
    assert band["p95"] - band["p05"] == pytest.approx(2 * 1.645 * sd, rel=0.03)


def test_announcement_prices_a_share_at_once(context, scenario_file):
    holders = SELL.format(holder="japan", bn=240, months=24)
    flow = run(context, scenario_file, scenario(holders=holders))
    ann = run(context, scenario_file, scenario(holders=holders, pricing='mode = "announcement"\nannouncement_share = 1.0'))
    final = flow.yields_bp["10y"]["point"].iloc[-1]
    # everything priced in month 0, and the same end point
    assert ann.yields_bp["10y"]["point"].iloc[0] == pytest.approx(final)
    assert ann.yields_bp["10y"]["point"].iloc[-1] == pytest.approx(final)
    assert "announcement" in ann.pricing_mode


def test_literature_envelope(context, scenario_file, fitted):
    result = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=100, months=1),
                                                 pricing='response = "literature"'))
    env = fitted.envelope
    ten = result.yields_bp["10y"]
    assert ten["median"].iloc[-1] == pytest.approx(env["central"])  # $100bn sold: +central bp
    assert ten["p05"].iloc[-1] == pytest.approx(env["low"]) and ten["p95"].iloc[-1] == pytest.approx(env["high"])
    assert result.yields_bp["3m"]["median"].iloc[-1] == pytest.approx(env["central"] * env["maturity_loading"]["3m"])
    assert "literature envelope" in result.response_source


def test_sellers_loss_is_duration_times_holdings_times_move(context, scenario_file, fitted):
    result = run(context, scenario_file, scenario(horizon=24, holders=SELL.format(holder="japan", bn=120, months=12),
                                                 pricing='response = "literature"'))
    p = result.holder_paths[0]
    held = p.holdings_start_bn + (p.baseline_bn + p.deviation_bn[:24]).sum()
    move = result.yields_bp["5y"]["median"].iloc[23]
    expected = 5.0 * held * (1 - context.bill_share("japan")) * move / 10_000
    assert result.holder_loss_bn["Japan"]["median"] == pytest.approx(expected)


def test_interest_cost_is_the_fiscal_model_applied_to_the_point_path(context, scenario_file):
    result = run(context, scenario_file, scenario(horizon=60, holders=SELL.format(holder="japan", bn=200, months=12),
                                                 pricing='response = "literature"'))
    paths = {m: result.yields_bp[m]["median"].to_numpy() for m in result.yields_bp}
    monthly = context.fiscal.monthly_cost(paths)
    assert result.interest_cost_bn["10y"]["median"] == pytest.approx(monthly.sum(), rel=1e-9)
    assert result.interest_cost_bn["1y"]["median"] == pytest.approx(monthly[:12].sum(), rel=1e-9)


def test_simulate_json_schema(context, capsys):
    from model.cli import main

    assert main(["simulate", "scenarios/japan_selldown.toml", "--json", "--draws", "2000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"scenario", "horizon_months", "yields_bp", "interest_cost_bn", "holder_loss_bn", "response_source"} <= set(out)
    assert set(out["yields_bp"]) == {"3m", "2y", "5y", "10y", "30y", "tp10"}
    assert set(out["yields_bp"]["10y"][0]) >= {"month", "median", "p05", "p95"}
    assert len(out["yields_bp"]["10y"]) == out["horizon_months"]
    assert set(out["interest_cost_bn"]) == {"1y", "5y", "10y"}
    assert set(out["interest_cost_bn"]["10y"]) == {"median", "p05", "p95"}
    assert set(out["holder_loss_bn"]["Japan"]) == {"median", "p05", "p95"}


# ---------------------------------------------------------------------------------------------
# Validation: every problem, one line each, file: dotted.path - reason
# ---------------------------------------------------------------------------------------------

BAD = [
    (scenario().replace("horizon_months = 36", "horizon_month = 36"), "scenario.horizon_month — unknown key (did you mean 'horizon_months'?)"),
    (scenario(holders='[[holders]]\nholder = "Japna"\naction = "pause"\nmonths = 3\n'), "holders[1].holder — unknown holder 'Japna' (did you mean 'Japan'?)"),
    (scenario(horizon=-5), "scenario.horizon_months — Input should be greater than or equal to 1"),
    (scenario().replace("draws = 20000", 'draws = "many"'), "pricing.draws — Input should be a valid integer"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "slowdown"\nshare = 1.5\n'), "holders[1].share — Input should be less than or equal to 1"),
    (scenario(holders=SELL.format(holder="japan", bn=5000, months=12)), "holders[1].bn — a sale of $5,000bn is larger than"),
    (scenario(draws=50_000_000), "pricing.draws — 50,000,000 draws is above the limit"),
    (scenario(horizon=120, draws=900_000), "need about"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "sell"\nmonths = 3\n'), "a sell needs exactly one of 'bn'"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "dump"\n'), "holders[1].action — Input should be 'slowdown', 'pause', 'sell' or 'path'"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "path"\nmonths = 3\n'), "'flows_bn' (monthly purchases, $bn) goes with action 'path'"),
    (scenario(pricing='mode = "announcement"'), "mode 'announcement' needs announcement_share above 0"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "pause"\nmonths = 3\n' * 2), "'japan' appears more than once"),
    ("[scenario\nname=1", "invalid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_each_validation_error(context, scenario_file, text, message):
    path = scenario_file(text)
    _, problems, _ = validate_scenario(path, context)
    assert any(message in p for p in problems), problems
    assert all(p.startswith(f"{path}") for p in problems)
    with pytest.raises(ValidationFailed):
        load_scenario(path, context)


def test_every_problem_is_listed_at_once(context, scenario_file):
    text = scenario(horizon=0, draws=5_000_000, holders='[[holders]]\nholder = "Atlantis"\naction = "pause"\nmonths = 3\nsize = 2\n')
    _, problems, _ = validate_scenario(scenario_file(text), context)
    assert len(problems) >= 4
    reasons = " | ".join(problems)
    for needle in ("horizon_months", "draws", "unknown holder 'Atlantis'", "holders[1].size — unknown key"):
        assert needle in reasons


def test_cli_validate_exit_codes(scenario_file, capsys):
    from model.cli import main

    good = "scenarios/japan_pause.toml"
    assert main(["validate", good]) == 0
    bad = scenario_file(scenario(horizon=0, holders='[[holders]]\nholder = "Japna"\naction = "pause"\nmonths = 3\n'))
    assert main(["validate", good, bad]) == 2
    err = capsys.readouterr().err
    assert "horizon_months" in err and "Japna" in err and "Traceback" not in err


def test_sweep_grid(context):
    from model.scenarios import sweep

    grid = sweep(context, holder="japan", sizes_bn=(100, 200), months=(1, 12), response="literature", progress=False)
    assert len(grid) == 4
    fast = grid[(grid["sale_months"] == 1)].set_index("sale_bn")
    assert fast.loc[200, "y10_12m_median_bp"] == pytest.approx(2 * fast.loc[100, "y10_12m_median_bp"])
    slow = grid[(grid["sale_months"] == 12)].set_index("sale_bn")
    # under a stock effect, once both sales are complete (24 months) the move is the same;
    # the faster sale raises yields sooner, so it costs more interest
    assert slow.loc[100, "y10_24m_median_bp"] == pytest.approx(fast.loc[100, "y10_24m_median_bp"])
    assert fast.loc[100, "cost_10y_median_bn"] > slow.loc[100, "cost_10y_median_bn"] > 0


def test_path_action(context, scenario_file):
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "path"\nbaseline = 0.0\nflows_bn = [-10.0, 5.0, -20.0]\n')
    result = run(context, scenario_file, text)
    np.testing.assert_allclose(result.holder_paths[0].deviation_bn[:5], [-10, 5, -20, 0, 0])
    one = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=10, months=1)))
    # a path of -10 in the first month (baseline zero) is the same first-month deviation as a
    # one-month sale of $10bn
    assert result.yields_bp["10y"]["point"].iloc[0] == pytest.approx(one.yields_bp["10y"]["point"].iloc[0])
