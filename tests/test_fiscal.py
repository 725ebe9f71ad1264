"""Federal interest cost: hand-worked cases and the CBO rule of thumb."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.fiscal import FiscalConfig, FiscalModel, fiscal_config, uniform_shift_cost

CBO = {"shift_bp": 10.0, "ten_year_cost_bn": 351.0, "tenth_year_cost_bn": 54.0, "tolerance": 0.25, "source": "CBO"}


def tiny(tenor: int, deficit: float = 0.0, compound: bool = False) -> FiscalModel:
    config = FiscalConfig.model_validate({
        "start": "2026-05", "debt_public_bn": 1200.0, "average_rate_pct": 3.0, "compound": compound,
        "deficit_first_year_bn": deficit, "deficit_growth_pct": 0.0, "cbo_check": CBO,
        "bucket": [{"name": "all", "maturity": "10y", "share": 1.0, "tenor_months": tenor}],
    })
    return FiscalModel.build(config, months=120)


def test_cbo_rule_of_thumb():
    """A uniform +10 bp must cost within 25% of CBO's $351bn over ten years."""
    result = uniform_shift_cost(10.0)
    check = fiscal_config().cbo_check
    assert abs(result["interest_cost_bn"]["10yr"] / check.ten_year_cost_bn - 1) <= check.tolerance
    assert abs(result["interest_cost_by_year_bn"][9] / check.tenth_year_cost_bn - 1) <= check.tolerance
    assert result["interest_cost_bn"]["1yr"] < result["interest_cost_bn"]["5yr"] < result["interest_cost_bn"]["10yr"]


def test_debt_that_reprices_every_month():
    """All debt rolls monthly: +10 bp costs 0.1% of the debt a year, from the first month."""
    model = tiny(tenor=1)
    cost = uniform_shift_cost(10.0, model)["interest_cost_bn"]
    assert cost["1yr"] == pytest.approx(1200.0 * 0.001)
    assert cost["10yr"] == pytest.approx(1200.0 * 0.001 * 10)


def test_old_debt_keeps_its_coupon_until_it_matures():
    """Ten-year debt spread evenly: 1/120 of the stock reprices each month."""
    model = tiny(tenor=120)
    monthly = model.monthly_cost({"10y": np.full(120, 10.0)})
    stock = 1200.0
    expected = np.array([(t + 1) * stock / 120 * 0.001 / 12 for t in range(120)])
    np.testing.assert_allclose(monthly, expected)


def test_new_borrowing_at_new_rates_and_compounding():
    no_deficit = uniform_shift_cost(10.0, tiny(tenor=120))["interest_cost_bn"]["10yr"]
    with_deficit = uniform_shift_cost(10.0, tiny(tenor=120, deficit=120.0))["interest_cost_bn"]["10yr"]
    # $10bn a month of new debt at +10 bp: month t carries (t+1) x 10bn extra
    extra = sum((t + 1) * 10.0 * 0.001 / 12 for t in range(120))
    assert with_deficit - no_deficit == pytest.approx(extra)
    compounded = uniform_shift_cost(10.0, tiny(tenor=1, compound=True))["interest_cost_bn"]["10yr"]
    assert compounded > 12.0  # interest on the borrowed extra interest
    r = 0.03 / 12
    x = 1200 * 0.001 / 12
    expected = sum(x * (1 + r) ** t for t in range(120))  # x_t plus interest accrued on past x
    assert compounded == pytest.approx(expected, rel=1e-9)


def test_linear_and_weights_match_the_monthly_model():
    model = FiscalModel.build()
    assert uniform_shift_cost(20.0, model)["interest_cost_bn"]["10yr"] == pytest.approx(
        2 * uniform_shift_cost(10.0, model)["interest_cost_bn"]["10yr"])
    rng = np.random.default_rng(3)
    paths = {m: rng.normal(0, 5, 48) for m in ("3m", "2y", "5y", "10y", "30y")}
    W = model.weights(48)
    via_weights = sum(paths[m] @ W[m] for m in paths)
    monthly = model.monthly_cost(paths)  # paths held at their last value after month 48
    np.testing.assert_allclose(via_weights, [monthly[:12].sum(), monthly[:60].sum(), monthly.sum()], rtol=1e-10)


def test_fiscal_cli(capsys):
    from model.cli import main

    assert main(["fiscal", "--shift-bp", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["interest_cost_bn"]) == {"1yr", "5yr", "10yr"} and 0.75 <= out["ratio_to_cbo"] <= 1.25
    assert main(["fiscal", "--shift-bp", "25"]) == 0
    assert "extra net interest over 10 years" in capsys.readouterr().out
    # money as people write it: "-$9.3bn", never "$-9.3bn"
    assert main(["fiscal", "--shift-bp", "-1"]) == 0
    text = capsys.readouterr().out
    assert "$-" not in text and "-$" in text and "-0.0" not in text


def test_bucket_shares_must_sum_to_one():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="sum to 1"):
        FiscalConfig.model_validate({
            "start": "2026-05", "debt_public_bn": 1.0, "average_rate_pct": 3.0, "compound": False,
            "deficit_first_year_bn": 0.0, "deficit_growth_pct": 0.0, "cbo_check": CBO,
            "bucket": [{"name": "a", "maturity": "10y", "share": 0.5, "tenor_months": 12}],
        })
