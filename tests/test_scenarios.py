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
        assert set(result.interest_cost_bn) == {"1yr", "5yr", "10yr"}
        assert result.response == "posterior"


def test_a_sale_moves_yields_through_the_posterior_kernel(context, scenario_file):
    """Selling $100bn in one month: every draw follows its specification's cumulative lag
    coefficients within the window, then settles at the persistent share: the lasting level
    is the persistence share times the short-run effect, and the peak is not the lasting level."""
    result = run(context, scenario_file, scenario(horizon=60, holders=SELL.format(holder="japan", bn=100, months=1)))
    table = context.response.posterior_table({"japan": "Japan"}).set_index("maturity")
    short_run = table.loc["10y", "posterior_mean"]  # bp per $100bn sold
    lasting = result.lasting("10y")["median"]
    assert lasting > 0
    # the mean of pi x theta is E[pi] E[theta] (drawn independently); the median is close to it
    assert lasting == pytest.approx(context.response.persistence_mean * short_run, rel=0.25)
    peak = result.peak("10y")
    assert peak["median"] > lasting and peak["month"] <= 13
    assert result.triple("10y", 60)[1] == pytest.approx(lasting, rel=0.15)  # transients have mostly decayed


def test_doubling_a_path_doubles_the_median(context, scenario_file):
    one = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=100, months=12)))
    two = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=200, months=12)))
    for m in ("2y", "10y"):
        np.testing.assert_allclose(two.yields_bp[m]["mid"], 2 * one.yields_bp[m]["mid"], rtol=1e-5, atol=1e-5)
    assert two.interest_cost_bn["10yr"][1] == pytest.approx(2 * one.interest_cost_bn["10yr"][1], rel=1e-6)


def test_pausing_a_holder_with_zero_baseline_changes_nothing(context, scenario_file):
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "pause"\nmonths = 12\nbaseline = 0.0\n')
    result = run(context, scenario_file, text)
    for frame in result.yields_bp.values():
        assert (frame[["low", "mid", "high"]] == 0).all().all()
    assert all(v == 0 for d in result.interest_cost_bn.values() for v in d)


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


def test_a_share_sale_is_of_bonds_and_notes(context, scenario_file):
    """share = 0.2 sells a fifth of Japan's bonds and notes (holdings minus bills), not of
    everything; instruments = 'all' also sells bills, priced at their small relative effect."""
    start = __import__("pandas").Timestamp("2026-05-01")
    held, bills = context.holdings_at("japan", start), context.bill_share("japan")
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "sell"\nshare = 0.2\nmonths = 24\n')
    bonds_only = run(context, scenario_file, text)
    assert -bonds_only.holder_paths[0].deviation_bn.sum() == pytest.approx(0.2 * held * (1 - bills))
    everything = run(context, scenario_file, text + 'instruments = "all"\n')
    p = everything.holder_paths[0]
    assert -p.deviation_bn.sum() == pytest.approx(0.2 * held * (1 - bills))
    assert -p.bills_deviation_bn.sum() == pytest.approx(0.2 * held * bills)
    # bills add their small effect on top: same draws, so the median moves by the bills' share
    ratio = (0.2 * held * (1 - bills) + context.simulation.bill_sale_effect * 0.2 * held * bills) / (0.2 * held * (1 - bills))
    assert everything.triple("10y", 24)[1] == pytest.approx(ratio * bonds_only.triple("10y", 24)[1], rel=1e-6)


def test_bills_are_anchored_unless_estimated(context, scenario_file):
    holders = SELL.format(holder="japan", bn=200, months=12)
    anchored = run(context, scenario_file, scenario(holders=holders))
    assert (anchored.yields_bp["3m"][["low", "mid", "high"]] == 0).all().all()
    estimated = run(context, scenario_file, scenario(holders=holders, pricing='bills = "estimated"'))
    assert (estimated.yields_bp["3m"]["high"] != 0).any()
    # the other maturities do not depend on the choice (same draws)
    np.testing.assert_allclose(estimated.yields_bp["10y"]["mid"], anchored.yields_bp["10y"]["mid"])


def test_announcement_prices_a_share_at_once(context, scenario_file):
    holders = SELL.format(holder="japan", bn=240, months=24)
    flow = run(context, scenario_file, scenario(horizon=60, holders=holders))
    ann = run(context, scenario_file, scenario(horizon=60, holders=holders,
                                               pricing='mode = "announcement"\nannouncement_share = 1.0'))
    # everything priced in month 0 at the lasting effect, which is also where the flow view ends
    assert ann.triple("10y", 1)[1] == pytest.approx(ann.lasting("10y")["median"], rel=1e-6)
    assert ann.triple("10y", 60)[1] == pytest.approx(ann.triple("10y", 1)[1], rel=1e-9)
    assert ann.lasting("10y")["median"] == pytest.approx(flow.lasting("10y")["median"], rel=1e-9)
    assert "announcement" in ann.pricing_mode


def test_literature_envelope(context, scenario_file, fitted):
    """A one-month $100bn sale under the literature: the short-run level decays to the long
    run with the envelope's half-life; other maturities by their loading."""
    result = run(context, scenario_file, scenario(horizon=48, holders=SELL.format(holder="japan", bn=100, months=1),
                                                 pricing='response = "literature"'))
    env = fitted.envelope
    ten = result.yields_bp["10y"]
    h = np.arange(48)
    for bound, column in (("central", "mid"), ("low", "low"), ("high", "high")):
        sr, lr = env["short_run"][bound], env["long_run"][bound]
        np.testing.assert_allclose(ten[column], lr + (sr - lr) * 0.5 ** (h / env["half_life_months"]), rtol=1e-9)
    assert result.lasting("10y") == {"central": pytest.approx(env["long_run"]["central"]),
                                     "low": pytest.approx(env["long_run"]["low"]), "high": pytest.approx(env["long_run"]["high"])}
    np.testing.assert_allclose(result.yields_bp["2y"]["mid"], ten["mid"] * env["maturity_loading"]["2y"])
    assert (result.yields_bp["3m"]["mid"] == 0).all()  # anchored
    assert "literature envelope" in result.response_source and result.to_dict()["yields_bp"]["10y"][0].keys() >= {"central", "low", "high"}


def test_sellers_loss_is_duration_times_holdings_times_move(context, scenario_file, fitted):
    result = run(context, scenario_file, scenario(horizon=24, holders=SELL.format(holder="japan", bn=120, months=12),
                                                 pricing='response = "literature"'))
    p = result.holder_paths[0]
    held = p.holdings_start_bn + (p.baseline_bn + p.deviation_bn[:24]).sum()
    move = result.yields_bp["5y"]["mid"].iloc[23]
    expected = 5.0 * held * (1 - context.bill_share("japan")) * move / 10_000
    assert result.holder_loss_bn["japan"][1] == pytest.approx(expected)
    assert result.to_dict()["holder_loss_bn"]["japan"]["label"] == "Japan"


def test_interest_cost_is_the_fiscal_model_applied_to_the_central_path(context, scenario_file):
    """Literature, central bound: the cost is the fiscal model applied to the whole central
    path, which goes on after the horizon ends (the response decays, it does not stop)."""
    text = scenario(horizon=36, holders=SELL.format(holder="japan", bn=200, months=12), pricing='response = "literature"')
    result = run(context, scenario_file, text)
    flows = {"japan": result.holder_paths[0].deviation_bn}
    paths = context.response.literature_paths(flows, context.fiscal.months)["central"]
    paths["3m"] = np.zeros(context.fiscal.months)
    monthly = context.fiscal.monthly_cost(paths)
    assert result.interest_cost_bn["10yr"][1] == pytest.approx(monthly.sum(), rel=1e-9)
    assert result.interest_cost_bn["1yr"][1] == pytest.approx(monthly[:12].sum(), rel=1e-9)


def test_a_wrong_signed_estimate_is_flagged(context, scenario_file):
    """China's own estimate has sales lowering yields: every result that prices it with the
    data says so, with the coefficient."""
    result = run(context, scenario_file, scenario(holders=SELL.format(holder="china", bn=200, months=12),
                                                 pricing='response = "data"'))
    assert any("China (Mainland)" in w and "10-year -" in w and "sales lower yields" in w for w in result.warnings)
    # the maturities whose lasting level falls are named in one warning, in plain words
    assert any("lasting levels fall" in w and "10-year -" in w for w in result.warnings) == (
        result.lasting("10y")["median"] < -0.05)
    assert not any("10y" in w or "-0.0" in w for w in result.warnings)
    assert "WARNING" in result.table() and result.to_dict()["warnings"] == result.warnings
    japan = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=200, months=12)))
    assert japan.warnings == []


def test_simulate_json_schema(context, capsys):
    from model.cli import main

    assert main(["simulate", "scenarios/japan_selldown.toml", "--json", "--draws", "2000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"schema_version", "scenario", "horizon_months", "response", "yields_bp", "moves_bp", "interest_cost_bn",
            "holder_loss_bn", "response_source", "response_model", "warnings"} <= set(out)
    assert set(out["yields_bp"]) == {"3m", "2y", "5y", "10y", "30y", "tp10"}
    assert set(out["yields_bp"]["10y"][0]) == {"month", "date", "median", "p05", "p95"}
    assert len(out["yields_bp"]["10y"]) == out["horizon_months"]
    assert set(out["interest_cost_bn"]) == {"1yr", "5yr", "10yr"}
    assert set(out["interest_cost_bn"]["10yr"]) == {"median", "p05", "p95"}
    assert set(out["holder_loss_bn"]["japan"]) == {"label", "median", "p05", "p95"}
    assert set(out["moves_bp"]["10y"]) == {"at_12_months", "at_24_months", "peak", "lasting"}
    corr = out["response_model"]["correlation"]
    assert corr["maturities"] == ["2y", "5y", "10y", "30y", "tp10"]
    np.testing.assert_allclose(corr["drawn"], corr["estimated"], atol=0.06)
    assert main(["simulate", "scenarios/japan_selldown.toml", "--json", "--draws", "2000", "--response", "data"]) == 0
    assert json.loads(capsys.readouterr().out)["response"] == "data"


# ---------------------------------------------------------------------------------------------
# Validation: every problem, one line each, file: dotted.path - reason
# ---------------------------------------------------------------------------------------------

BAD = [
    (scenario().replace("horizon_months = 36", "horizon_month = 36"), "scenario.horizon_month — unknown key (did you mean 'horizon_months'?)"),
    (scenario(holders='[[holders]]\nholder = "Japna"\naction = "pause"\nmonths = 3\n'), "holders[1].holder — unknown holder 'Japna' (did you mean 'Japan'?)"),
    (scenario(horizon=-5), "scenario.horizon_months — Input should be greater than or equal to 1"),
    (scenario().replace("draws = 20000", 'draws = "many"'), "pricing.draws — Input should be a valid integer"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "slowdown"\nshare = 1.5\n'), "holders[1].share — Input should be less than or equal to 1"),
    (scenario(holders=SELL.format(holder="japan", bn=5000, months=12)), "holders[1].bn — a sale of $5,000bn of bonds and notes is larger than"),
    (scenario(draws=50_000_000), "pricing.draws — 50,000,000 draws is above the limit"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "sell"\nmonths = 3\n'), "a sell needs exactly one of 'bn'"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "dump"\n'), "holders[1].action — Input should be 'slowdown', 'raise', 'pause', 'sell' or 'path'"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "path"\nmonths = 3\n'), "'flows_bn' (monthly purchases, $bn) goes with action 'path'"),
    (scenario(pricing='mode = "announcement"'), "mode 'announcement' needs announcement_share above 0"),
    (scenario(pricing='response = "estimate"'), "use 'posterior' (the default"),
    (scenario(pricing='specification = "distributed_lags/reported"'), "'averaged' (the default"),
    (scenario(holders='[[holders]]\nholder = "japan"\naction = "pause"\nmonths = 3\ninstruments = "all"\n'),
     "instruments = 'all' applies to a sell"),
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


def test_the_command_line_knows_the_sweep_horizon():
    """`tlrisk sweep --months` is bounded by the sweep's horizon without importing the engine."""
    from model.arguments import SWEEP_HORIZON_MONTHS
    from model.scenarios.sweep import HORIZON_MONTHS

    assert SWEEP_HORIZON_MONTHS == HORIZON_MONTHS


def test_sweep_grid(context):
    from model.scenarios import sweep

    result = sweep(context, holder="japan", sizes_bn=(100, 200), months=(1, 12), response="literature", progress=False)
    grid = result.to_frame()
    assert len(grid) == 4
    fast = grid[(grid["sale_months"] == 1)].set_index("sale_bn")
    assert fast.loc[200, "y10_12m_mid_bp"] == pytest.approx(2 * fast.loc[100, "y10_12m_mid_bp"])
    slow = grid[(grid["sale_months"] == 12)].set_index("sale_bn")
    # the same total sold: the same lasting level; the faster sale raises yields sooner and
    # its short-run effect has decayed longer by month 24
    assert slow.loc[100, "y10_lasting_mid_bp"] == pytest.approx(fast.loc[100, "y10_lasting_mid_bp"])
    assert slow.loc[100, "y10_24m_mid_bp"] > fast.loc[100, "y10_24m_mid_bp"] > slow.loc[100, "y10_lasting_mid_bp"]
    assert fast.loc[100, "cost_10yr_mid_bn"] > slow.loc[100, "cost_10yr_mid_bn"] > 0


def test_path_action(context, scenario_file):
    text = scenario(holders='[[holders]]\nholder = "japan"\naction = "path"\nbaseline = 0.0\nflows_bn = [-10.0, 5.0, -20.0]\n')
    result = run(context, scenario_file, text)
    np.testing.assert_allclose(result.holder_paths[0].deviation_bn[:5], [-10, 5, -20, 0, 0])
    one = run(context, scenario_file, scenario(holders=SELL.format(holder="japan", bn=10, months=1)))
    # a path of -10 in the first month (baseline zero) is the same first-month deviation as a
    # one-month sale of $10bn (same draws)
    assert result.yields_bp["10y"]["mid"].iloc[0] == pytest.approx(one.yields_bp["10y"]["mid"].iloc[0])


def test_sweep_json_schema(context):
    from model.scenarios import sweep
    from model.schema import SCHEMA_VERSION

    result = sweep(context, holder="china", sizes_bn=(100,), months=(12,), draws=500, progress=False)
    out = json.loads(result.to_json())
    assert out["schema_version"] == SCHEMA_VERSION and out["holder"] == "china" and out["label"] == "China (Mainland)"
    cell = out["cells"][0]
    assert (cell["sale_bn"], cell["sale_months"]) == (100.0, 12)
    assert set(cell["interest_cost_bn"]) == {"10yr"} and set(cell["interest_cost_bn"]["10yr"]) == {"median", "p05", "p95"}
    assert set(cell["moves_bp"]["10y"]) == {"at_12_months", "at_24_months", "lasting"}
    row = result.to_frame().iloc[0]
    assert cell["interest_cost_bn"]["10yr"]["median"] == pytest.approx(row["cost_10yr_mid_bn"], abs=1e-6)
    # the plain-text table writes money as people do
    assert "$-" not in result.table() and "$100bn" in result.table()


def test_explorer_grid_scales_one_priced_sale_exactly(context):
    """The explorer prices one $100bn sale per holder and length and scales it: every cell is
    what pricing that size directly gives (same seed, same draws), and sizes above the holdings
    are left out."""
    from model.scenarios import explorer_grid, simulate
    from model.scenarios.sweep import sale_scenario

    grid = explorer_grid(context, ["japan", "oil_exporters"], sizes_bn=(100.0, 500.0), months=(6,), draws=400)
    post = grid.frames["posterior"].set_index(["holder", "sale_bn", "sale_months"])
    direct = simulate(sale_scenario("japan", 500.0, 6, grid.start, "posterior", 400, seed=grid.seed), context)
    # the draws are kept in float32: equal to its precision
    assert post.loc[("japan", 500.0, 6), "cost_10yr_mid_bn"] == pytest.approx(direct.interest_cost_bn["10yr"][1], rel=1e-6)
    assert post.loc[("japan", 500.0, 6), "y10_lasting_high_bp"] == pytest.approx(direct.lasting_bp["10y"][2], rel=1e-6)
    assert post.loc[("japan", 500.0, 6), "y10_24m_low_bp"] == pytest.approx(direct.triple("10y", 24)[0], rel=1e-6)
    lit = grid.frames["literature"].set_index(["holder", "sale_bn", "sale_months"])
    direct_lit = simulate(sale_scenario("japan", 500.0, 6, grid.start, "literature", 400), context)
    assert lit.loc[("japan", 500.0, 6), "cost_10yr_high_bn"] == pytest.approx(direct_lit.interest_cost_bn["10yr"][2])
    # the oil exporters hold about $250bn: no $500bn cell
    assert ("oil_exporters", 100.0, 6) in post.index and ("oil_exporters", 500.0, 6) not in post.index
    out = grid.to_dict()
    assert {h["holder"] for h in out["holders"]} == {"japan", "oil_exporters"}
    assert all(set(c) == {"holder", "sale_bn", "sale_months", "posterior", "literature"} for c in out["cells"])


def test_holders_typed_by_users_get_suggestions(context):
    from model.errors import InputError

    assert context.require_holder("JAPAN", "--holder") == "japan"
    assert context.require_holder("cayman islands", "--holder") == "Cayman Islands"
    with pytest.raises(InputError, match=r"unknown holder 'Japna' \(did you mean 'Japan'\?\)"):
        context.require_holder("Japna", "--holder")


def test_scenario_from_a_dictionary_and_one_line(context):
    from model.errors import ValidationFailed
    from model.scenarios import simulate
    from model.scenarios.build import one_line_scenario, scenario_from_dict

    raw = one_line_scenario(context, "japan", "sell", 12, 200.0)
    assert raw["holders"] == [{"holder": "japan", "action": "sell", "bn": 200.0, "months": 12}]
    assert raw["scenario"]["name"].isidentifier() and "$200bn" in raw["scenario"]["title"]
    scenario = scenario_from_dict(raw, context)
    result = simulate(scenario, context, draws=500)
    assert result.holder_paths[0].deviation_bn[:12].sum() == pytest.approx(-200.0)
    bought = simulate(scenario_from_dict(one_line_scenario(context, "Korea", "buy", 10, 50.0), context), context,
                      draws=500)
    assert bought.holder_paths[0].deviation_bn.sum() == pytest.approx(50.0) and bought.lasting("10y")["median"] < 0
    with pytest.raises(ValidationFailed) as err:
        scenario_from_dict({"scenario": {"name": "x", "title": "x", "start": "2026-05", "horizon_months": 12},
                            "holders": [{"holder": "Japna", "action": "pause", "months": 3},
                                        {"holder": "japan", "action": "sell", "bn": 5000.0, "months": 3}]}, context)
    text = str(err.value)
    assert "holders[1].holder — unknown holder 'Japna' (did you mean 'Japan'?)" in text
    assert "holders[2].bn — a sale of $5,000bn of bonds and notes is larger than Japan's bonds and notes" in text
    # a dictionary gets every check a file gets, the start month against the data included
    with pytest.raises(ValidationFailed) as err:
        scenario_from_dict({"scenario": {"name": "x", "title": "x", "start": "1990-05", "horizon_months": 12},
                            "holders": [{"holder": "japan", "action": "pause", "months": 3}]}, context)
    assert "(scenario given as a dictionary): scenario.start — 1990-05 is too early" in str(err.value)
