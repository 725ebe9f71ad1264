"""The ledger in the pipeline: every priced scenario (with draws) carries both sides of the
bargain; what a holder does with the dollars is part of its plan (files, the one-line command
and the API); a kept-in-dollars sale moves the dollar by exactly zero and prices the same yields."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model import pipeline
from model.cli import main
from model.scenarios.build import scenario_from_dict

LEDGER_KEYS = {"proceeds", "us", "sellers", "tariff", "verdict"}
SELLER_KEYS = {"holder", "currency", "mtm_loss_bn", "translation_loss_bn", "translation_loss_local_bn",
               "realised_gain_bn", "carry_forgone_bn_per_year", "exporters_loss_bn"}


def _sale(proceeds: str | None, holder: str = "japan", bn: float = 150.0) -> dict:
    plan = {"holder": holder, "action": "sell", "bn": bn, "months": 6}
    if proceeds:
        plan["proceeds"] = proceeds
    return {"scenario": {"name": "s", "title": f"{holder} sells ${bn:.0f}bn of bonds and notes", "start": "2026-05",
                         "horizon_months": 48},
            "pricing": {"draws": 3000, "seed": 11}, "holders": [plan]}


@pytest.fixture(scope="module")
def priced(context):
    out = {}
    for proceeds in ("converted", "kept_in_dollars", None):
        out[proceeds] = pipeline.price(scenario_from_dict(_sale(proceeds), context), context)
    return out


def test_a_converted_japanese_sale_weakens_the_dollar_and_costs_japan_its_translation(priced):
    ledger = priced["converted"].to_dict()["ledger"]
    assert set(ledger) >= LEDGER_KEYS and ledger["proceeds"] == {"japan": "converted"}
    assert set(ledger["us"]) >= {"interest_cost_10yr_bn", "dollar_pct", "inflation_pp_2y"}
    assert ledger["us"]["dollar_pct"]["median"] < 0  # the dollar falls
    japan = ledger["sellers"][0]
    assert set(japan) >= SELLER_KEYS and japan["holder"] == "japan" and japan["currency"] == "JPY"
    assert japan["translation_loss_bn"]["median"] > 0
    assert ledger["us"]["inflation_pp_2y"]["median"] >= 0  # a weaker dollar raises US prices, if at all
    assert set(ledger["tariff"]) >= {"holder", "as_of", "us_imports_bn", "effective_rate", "duties_bn_per_year",
                                     "sources"}
    assert isinstance(ledger["verdict"], str) and "converting the dollars into the yen" in ledger["verdict"]


def test_kept_in_dollars_moves_no_exchange_rate_and_prices_the_same_yields(priced):
    kept, converted = priced["kept_in_dollars"], priced["converted"]
    ledger = kept.to_dict()["ledger"]
    assert ledger["us"]["dollar_pct"] == {"median": 0.0, "p05": 0.0, "p95": 0.0}
    assert ledger["sellers"][0]["translation_loss_bn"] == {"median": 0.0, "p05": 0.0, "p95": 0.0}
    for m in kept.yields_bp:  # the proceeds change the ledger, never the yields
        assert kept.yields_bp[m].equals(converted.yields_bp[m])
    assert kept.interest_cost_bn == converted.interest_cost_bn
    assert ledger["us"]["interest_cost_10yr_bn"] == converted.to_dict()["ledger"]["us"]["interest_cost_10yr_bn"]
    # the same reserve bonds lose the same on the same yield draws
    assert ledger["sellers"][0]["mtm_loss_bn"] == converted.to_dict()["ledger"]["sellers"][0]["mtm_loss_bn"]


def test_the_default_is_kept_in_dollars_and_said(priced):
    assert priced[None].to_dict()["ledger"] == priced["kept_in_dollars"].to_dict()["ledger"]


def test_the_ledger_uses_the_pricings_own_draws(priced):
    result = priced["converted"]
    cost = result.per_draw["interest_cost_10yr_bn"]
    band = result.to_dict()["ledger"]["us"]["interest_cost_10yr_bn"]
    assert band["median"] == pytest.approx(float(np.median(cost)), abs=1e-6)
    assert band["median"] == pytest.approx(result.cost("10yr")["median"], abs=1e-6)


def test_the_literature_envelope_has_no_ledger(context):
    result = pipeline.price(scenario_from_dict(_sale("converted"), context), context, response="literature")
    assert result.to_dict()["ledger"] is None


def test_proceeds_must_be_one_of_the_two(context):
    from model.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=r"holders\[1\]\.proceeds — Input should be 'converted' or "
                                               r"'kept_in_dollars'"):
        scenario_from_dict(_sale("sold_for_gold"), context)


def test_the_one_line_command_takes_proceeds(capsys):
    assert main(["simulate", "--holder", "japan", "--sell", "80", "--months", "4", "--proceeds", "converted",
                 "--json"]) == 0
    ledger = json.loads(capsys.readouterr().out)["ledger"]
    assert ledger["proceeds"] == {"japan": "converted"} and ledger["us"]["dollar_pct"]["median"] < 0
    assert main(["simulate", "scenarios/japan_pause.toml", "--proceeds", "converted"]) == 2
    assert "not both" in capsys.readouterr().err


def test_a_raise_mirrors_a_slowdown(context):
    def plan(action):
        return {"scenario": {"name": "r", "title": "t", "start": "2026-05", "horizon_months": 24},
                "holders": [{"holder": "japan", "action": action, "share": 0.5, "ramp_months": 3, "months": 12}]}

    up = scenario_from_dict(plan("raise"), context)
    down = scenario_from_dict(plan("slowdown"), context)
    import pandas as pd

    from model.scenarios.paths import holder_path

    start = pd.Timestamp("2026-05-01")
    raised = holder_path(up.spec.holders[0], "japan", context, start, 24, "reported")
    cut = holder_path(down.spec.holders[0], "japan", context, start, 24, "reported")
    np.testing.assert_allclose(raised.deviation_bn, -cut.deviation_bn)
    base = raised.baseline_bn
    # ramped in over three months: a third, two thirds, then the whole half of the baseline
    np.testing.assert_allclose(raised.deviation_bn[:4], 0.5 * base * np.array([1 / 3, 2 / 3, 1.0, 1.0]))
    assert raised.deviation_bn[12:].sum() == 0.0


def test_the_yen_estimate_is_the_intervention_days_own_and_the_same_by_every_route(snapshot_bundle, panel, context):
    data = pipeline.Data(snapshot_bundle, panel)
    study = pipeline.events(data, context.response)
    from_study = pipeline.fx_estimate(data, study)
    alone = pipeline.fx_estimate(data)  # what `simulate` uses, computed without the response model
    assert from_study == alone
    pool = next(p for p in study.pooled if p.group == "sell_usd" and p.window == "episode" and p.window_days == 2
                and not p.excluding_us_news)
    # independent arithmetic: 100 x the yen's summed moves over the windows / dollars sold
    yen = 100.0 * sum(w.changes["yen"] for w in pool.windows) / sum(w.dollars_sold_bn for w in pool.windows)
    assert alone.local_gain_pct_per_100bn == pytest.approx(yen)
    assert alone.se > 0 and "placebo" in alone.source
