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


# ---------------------------------------------------------------------------------------------
# Maturity-aware run-off: the starting stock matures as the published profile says
# ---------------------------------------------------------------------------------------------

PROFILE = {"average_maturity_months": 40.0, "maturing_within_1y_share": 0.54, "tolerance": 0.05,
           "as_of": "2025-12", "source": "test"}


def two_buckets(profile: dict | None = PROFILE, deficit: float = 0.0) -> FiscalConfig:
    """Bills (tenor 4, half the stock) and 5-year notes (tenor 60, the other half)."""
    return FiscalConfig.model_validate({
        "start": "2026-05", "debt_public_bn": 1200.0, "average_rate_pct": 3.0, "compound": False,
        "deficit_first_year_bn": deficit, "deficit_growth_pct": 0.0, "cbo_check": CBO, "profile": profile,
        "bucket": [{"name": "bills", "maturity": "3m", "share": 0.5, "tenor_months": 4},
                   {"name": "notes", "maturity": "5y", "share": 0.5, "tenor_months": 60}],
    })


def test_runoff_stretch_matches_the_published_average_maturity():
    """By hand: bills average 4/2 = 2 months; notes spread over 60k months average 30k; the stock's
    average, 0.5 x 2 + 0.5 x 30k = 40, gives k = 39/15 = 2.6: the notes run off over 156 months."""
    from model.fiscal import average_maturity, runoff_stretch, within_year_share

    config = two_buckets()
    assert runoff_stretch(config) == pytest.approx(2.6)
    assert average_maturity(config, 2.6) == pytest.approx(40.0)
    # within a year: all the bills and 12 / 156 of the notes
    assert within_year_share(config, 2.6) == pytest.approx(0.5 + 0.5 * 12 / 156)
    model = FiscalModel.build(config, months=120)
    monthly = model.monthly_cost({"3m": np.full(120, 10.0), "5y": np.zeros(120)})
    np.testing.assert_allclose(monthly[4:], 600.0 * 0.001 / 12)  # bills fully repriced after 4 months
    notes = model.monthly_cost({"3m": np.zeros(120), "5y": np.full(120, 10.0)})
    # the notes' starting stock: 600 / 156 a month reprices; none of it rolls over within 120 months
    expected = np.array([(t + 1) * 600.0 / 156 * 0.001 / 12 for t in range(120)])
    np.testing.assert_allclose(notes, expected)
    # without a profile the notes run off over their tenor (the former model)
    plain = FiscalModel.build(two_buckets(None), months=120).monthly_cost({"3m": np.zeros(120), "5y": np.full(120, 10.0)})
    assert plain[59] == pytest.approx(600.0 * 0.001 / 12)
    assert notes.sum() < plain.sum()  # a longer stock reprices more slowly


def test_a_profile_the_buckets_cannot_match_is_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not 62%"):
        two_buckets({**PROFILE, "maturing_within_1y_share": 0.62})
    with pytest.raises(ValidationError, match="cannot be reached"):
        two_buckets({**PROFILE, "average_maturity_months": 1.0})


def test_with_profile_from_a_debt_file():
    from model.fiscal import with_profile

    config = with_profile(two_buckets(), 52.0, 0.55, "2026-03", "MSPD file")
    assert config.profile.average_maturity_months == 52.0 and config.profile.source == "MSPD file"


def test_maturity_aware_cost_against_cbo_rule_of_thumb():
    """The shipped model: +10 bp on every rate within 25% of CBO's $351bn over ten years and $54bn
    in the tenth year, with the starting stock matching the published 70-month average maturity and
    about a third of the debt maturing within a year."""
    result = uniform_shift_cost(10.0)
    profile = result["maturity_profile"]
    assert profile["average_maturity_months_model"] == pytest.approx(70.0)
    assert abs(profile["maturing_within_1y_share_model"] - 0.33) <= 0.05
    assert 0.75 <= result["interest_cost_bn"]["10yr"] / 351.0 <= 1.25
    assert 0.75 <= result["interest_cost_by_year_bn"][9] / 54.0 <= 1.25
    # the first year: about a third of the stock plus new borrowing reprices, but only as it matures
    # through the year: between half and all of (0.33 x debt + deficit) x 0.1%
    full = (0.33 * 31455.0 + 1900.0) * 0.001
    assert 0.4 * full <= result["interest_cost_bn"]["1yr"] <= full


def test_fiscal_config_agrees_with_the_curated_facts():
    """fiscal.toml prices with the figures data/curated cites (one set of published numbers)."""
    from model.ledger.data import ledger_data

    data, config = ledger_data(), fiscal_config()
    fact = lambda key: data.fact("us", key).value  # noqa: E731
    assert config.profile.average_maturity_months == fact("average_maturity_months")
    assert config.profile.maturing_within_1y_share == fact("maturing_within_1y_share")
    bills = sum(b.share for b in config.bucket if b.tenor_months <= 12)
    assert abs(bills - fact("bills_share")) < 0.005
    assert abs(config.debt_public_bn / fact("debt_held_by_public_usd_bn") - 1) < 0.02
    assert abs(config.average_rate_pct - fact("average_rate_pct")) < 0.1
    assert config.cbo_check.ten_year_cost_bn == fact("cbo_rule_10yr_usd_bn")
    assert config.cbo_check.tenth_year_cost_bn == fact("cbo_rule_year10_usd_bn")
    # CBO's deficit path: $1.9tn in FY2026 growing to $3.1tn in FY2036
    first, last = data.cbo_baseline[0], data.cbo_baseline[-1]
    assert config.deficit_first_year_bn == first.deficit_usd_bn
    growth = (last.deficit_usd_bn / first.deficit_usd_bn) ** (1 / (last.fiscal_year - first.fiscal_year)) - 1
    assert config.deficit_growth_pct == pytest.approx(growth * 100, abs=0.05)
    ten_years = sum(config.deficit_first_year_bn * (1 + config.deficit_growth_pct / 100) ** t for t in range(10))
    assert abs(ten_years / fact("cbo_deficits_10yr_usd_bn") - 1) < 0.05
