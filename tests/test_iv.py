"""2SLS with HAC errors against independent computations: the closed form on planted data, a
hand-written Newey-West sandwich, statsmodels' OLS HAC and F tests; then the Japan equation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from model.estimate.regress import dl_design
from model.estimate.regress import ols_hac as model_ols_hac
from model.estimate.spec import estimation_config
from model.events import DailyData, load_interventions, monthly_interventions_bn
from model.iv import ConfidenceSet, japan_intervention_iv, newey_west, ols_hac, tsls_hac
from model.stats import z_critical

CURATED = Path(__file__).resolve().parents[1] / "data" / "curated"


def hand_newey_west(scores: np.ndarray, lags: int) -> np.ndarray:
    """Textbook double loop: sum over t, s with |t-s| <= L of w(|t-s|) g_t g_s'."""
    n, k = scores.shape
    out = np.zeros((k, k))
    for t in range(n):
        for s in range(max(0, t - lags), min(n, t + lags + 1)):
            out += (1 - abs(t - s) / (lags + 1)) * np.outer(scores[t], scores[s])
    return out


def planted(n: int = 300, strength: float = 0.9, seed: int = 7) -> pd.DataFrame:
    """y = 2 + 1.5 x + 0.7 w + u with x endogenous (u and x share v) and AR(1) errors."""
    rng = np.random.default_rng(seed)
    z, w, v, e = (rng.standard_normal(n) for _ in range(4))
    u = np.zeros(n)
    for t in range(n):  # serially correlated structural error: HAC matters
        u[t] = (0.5 * u[t - 1] if t else 0.0) + 0.8 * v[t] + 0.6 * e[t]
    x = 1.0 + strength * z + 0.3 * w + v
    y = 2.0 + 1.5 * x + 0.7 * w + u
    return pd.DataFrame({"y": y, "x": x, "w": w, "z": z})


def test_newey_west_matches_the_double_loop():
    scores = np.random.default_rng(1).standard_normal((60, 3))
    for lags in (0, 1, 4):
        assert np.allclose(newey_west(scores, lags), hand_newey_west(scores, lags))


def test_ols_hac_matches_statsmodels():
    d = planted()
    X = sm.add_constant(d[["x", "w"]])
    beta, cov, _ = ols_hac(d["y"].to_numpy(), X.to_numpy(), 4)
    ref = sm.OLS(d["y"], X).fit(cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True})
    assert np.allclose(beta, ref.params.to_numpy())
    assert np.allclose(cov, ref.cov_params().to_numpy())


def test_tsls_against_the_closed_form_and_a_hand_sandwich():
    d = planted()
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    n = len(d)
    X = np.column_stack([np.ones(n), d["w"], d["x"]])
    Z = np.column_stack([np.ones(n), d["w"], d["z"]])
    # just identified: beta = (Z'X)^-1 Z'y
    beta = np.linalg.solve(Z.T @ X, Z.T @ d["y"].to_numpy())
    assert np.allclose(fit.params.to_numpy(), beta, atol=1e-10)
    assert fit.names == ["const", "w", "x"]
    # HAC: (Z'X)^-1 [sum_{|t-s|<=L} w z_t u_t u_s z_s'] (X'Z)^-1 * n/(n-k)
    u = d["y"].to_numpy() - X @ beta
    ZX_inv = np.linalg.inv(Z.T @ X)
    cov = ZX_inv @ hand_newey_west(Z * u[:, None], 4) @ ZX_inv.T * n / (n - 3)
    assert np.allclose(fit.cov.to_numpy(), cov)
    # the planted effect is recovered; OLS is biased up by the shared shock
    assert abs(fit.params["x"] - 1.5) < 2 * fit.se("x")
    assert fit.ols_params["x"] > 1.5 + 5 * fit.se("x", ols=True)


def test_first_stage_and_anderson_rubin_statistics():
    d = planted()
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    first = sm.OLS(d["x"], sm.add_constant(d[["w", "z"]])).fit(cov_type="HAC",
                                                             cov_kwds={"maxlags": 4, "use_correction": True})
    assert fit.first_stage_f == pytest.approx(first.tvalues["z"] ** 2)  # one instrument: F = t^2 (HAC)
    plain = sm.OLS(d["x"], sm.add_constant(d[["w", "z"]])).fit()
    assert fit.first_stage_f_homoskedastic == pytest.approx(float(plain.f_test("z = 0").fvalue))
    reduced = sm.OLS(d["y"], sm.add_constant(d[["w", "z"]])).fit(cov_type="HAC",
                                                               cov_kwds={"maxlags": 4, "use_correction": True})
    assert fit.anderson_rubin_f == pytest.approx(reduced.tvalues["z"] ** 2)
    assert fit.anderson_rubin_p == pytest.approx(reduced.pvalues["z"])
    assert fit.first_stage_f > 100 and not fit.weak


def test_weak_instrument_is_flagged():
    d = planted(strength=0.02, seed=3)
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    assert fit.first_stage_f < 10 and fit.weak


def test_overidentified_equals_the_projection_formula():
    d = planted()
    d["z2"] = d["z"] ** 2 + np.random.default_rng(5).standard_normal(len(d))
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z", "z2"]], lags=2)
    n = len(d)
    X = np.column_stack([np.ones(n), d["w"], d["x"]])
    Z = np.column_stack([np.ones(n), d["w"], d["z"], d["z2"]])
    P = Z @ np.linalg.inv(Z.T @ Z) @ Z.T
    beta = np.linalg.solve(X.T @ P @ X, X.T @ P @ d["y"].to_numpy())
    assert np.allclose(fit.params.to_numpy(), beta)


def test_japan_equation(panel, snapshot_bundle):
    days = load_interventions(CURATED / "jp_interventions.csv")
    daily = DailyData.from_long(snapshot_bundle.fred_daily())
    z = monthly_interventions_bn(days, daily)
    # settlement months: the 8,072bn yen of 31 October 2011 (about $103.5bn at 78 yen) settles on
    # 2 November, with the four days after it; 29 April 2024 settles on 1 May, with 1 May's
    nov = sum(d.amount_jpy_bn / daily.rate(pd.Timestamp(d.date)) for d in days
              if dt.date(2011, 10, 31) <= d.date <= dt.date(2011, 11, 4))
    assert 8072.2 / daily.rate(pd.Timestamp("2011-10-31")) == pytest.approx(103.5, abs=0.1)
    assert z["2011-11-01"] == pytest.approx(nov) and "2011-10-01" not in z.index
    assert "2024-04-01" not in z.index and z["2024-05-01"] < 0 and len(z) == 8
    trade = monthly_interventions_bn(days, daily, timing="trade")
    assert trade["2011-10-01"] == pytest.approx(8072.2 / daily.rate(pd.Timestamp("2011-10-31"))) and len(trade) == 10
    assert trade.sum() == pytest.approx(z.sum())  # the same dollars, only dated differently
    iv = japan_intervention_iv(panel, z, trade_months=trade)
    assert iv.sample_start == "2004-04" and iv.intervention_months == 8 and iv.instrument_timing == "settlement"
    assert iv.fit.endogenous == ["japan_L0"] and iv.fit.instruments == ["mof_dollars_bought_bn"]
    config = estimation_config()
    timing = "monthly-average" if config.distributed_lags.yield_timing == "avg" else "month-end"
    assert iv.dependent == f"monthly change in the {timing} 10-year Treasury yield, bp"
    # the OLS column is the distributed-lag regression's impact coefficient on the same sample
    y, X, _, _ = dl_design(panel, "10y", "reported", config)
    data = pd.concat([y, X], axis=1).loc["2004-04-01":].dropna()
    ref = model_ols_hac(data["y"], data.drop(columns="y"), iv.fit.hac_lags)
    assert iv.fit.ols_params["japan_L0"] == pytest.approx(ref.params["japan_L0"])
    assert iv.fit.se("japan_L0", ols=True) == pytest.approx(ref.bse["japan_L0"])
    payload = iv.to_dict()
    assert payload["instrument_timing"] == "settlement"
    assert [m["month"] for m in payload["instrument_months"]][3] == "2011-11"
    assert payload["first_stage"]["weak"] == (payload["first_stage"]["f_hac"] < 10)
    assert "exclusion restriction is doubtful" in payload["verdict"]
    assert payload["tsls"]["effect_bp_per_100bn"] == pytest.approx(
        -iv.fit.params["japan_L0"] * iv.factor_per_100bn)
    # the trade-month sensitivity is the equation refitted on the trade-day months
    again = japan_intervention_iv(panel, trade)
    assert payload["trade_month_sensitivity"]["f_hac"] == pytest.approx(again.fit.first_stage_f)
    # the Anderson-Rubin set, in bp per $100bn sold, holds the 2SLS estimate (just identified:
    # the AR statistic is zero there) and its ends are where the test rejects at 10%
    ar = iv.anderson_rubin_set()
    assert ar.contains(payload["tsls"]["effect_bp_per_100bn"])
    for end in (v for part in ar.intervals for v in part if np.isfinite(v)):
        beta = -end / iv.factor_per_100bn
        assert iv.fit.anderson_rubin(beta)[1] == pytest.approx(0.10, abs=1e-6)
    assert payload["anderson_rubin"]["confidence_set_bp_per_100bn"] == ar.to_list()


def test_japan_equation_text_comes_from_the_run(panel, snapshot_bundle):
    """Every number in the verdict and the summary is the run's own."""
    days = load_interventions(CURATED / "jp_interventions.csv")
    daily = DailyData.from_long(snapshot_bundle.fred_daily())
    iv = japan_intervention_iv(panel, monthly_interventions_bn(days, daily))
    text = iv.summary()
    assert f"HAC F = {iv.fit.first_stage_f:.2f}" in text and f"{iv.tsls_effect[0]:+.1f} bp" in text
    assert iv.anderson_rubin_set().text() in iv.verdict()


# ---------------------------------------------------------------------------------------------
# Anderson-Rubin: the statistic at any value and its confidence set, against statsmodels
# ---------------------------------------------------------------------------------------------


def statsmodels_ar(d: pd.DataFrame, beta, endog=("x",), instruments=("z",), lags: int = 4) -> float:
    """The AR statistic by brute force: y - X b on the exogenous regressors and the instruments,
    statsmodels' HAC Wald test that the instruments' coefficients are zero, divided by their number."""
    target = d["y"] - sum(b * d[c] for b, c in zip(np.atleast_1d(beta), endog, strict=True))
    fit = sm.OLS(target, sm.add_constant(d[["w", *instruments]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    test = fit.wald_test(", ".join(f"{z} = 0" for z in instruments), use_f=False, scalar=True)
    return float(test.statistic) / len(instruments)


def test_anderson_rubin_statistic_at_any_value():
    d = planted()
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    for beta in (-3.0, 0.0, 1.2, 1.5, 4.0):
        assert fit.anderson_rubin(beta)[0] == pytest.approx(statsmodels_ar(d, beta), rel=1e-9)
    assert fit.anderson_rubin(fit.params["x"])[0] == pytest.approx(0.0, abs=1e-12)  # just identified


def test_anderson_rubin_set_strong_instrument():
    """A bounded interval; its ends are where statsmodels' test reaches the 10% critical value;
    grid points inside are not rejected, points outside are."""
    d = planted()
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    ar = fit.anderson_rubin_set(alpha=0.10)
    crit = z_critical(0.90) ** 2  # one instrument: chi2(1) at 90% = z^2
    assert ar.shape == "interval" and ar.bounded and ar.contains(fit.params["x"])
    lo, hi = ar.intervals[0]
    assert statsmodels_ar(d, lo) == pytest.approx(crit, rel=1e-6)
    assert statsmodels_ar(d, hi) == pytest.approx(crit, rel=1e-6)
    for beta in np.linspace(lo - 1, hi + 1, 41):
        assert ar.contains(beta) == (statsmodels_ar(d, beta) <= crit)
    # a strong instrument: the AR set is close to the Wald interval
    wald = fit.conf_int(alpha=0.10).loc["x"]
    assert lo == pytest.approx(wald["lower"], abs=0.05) and hi == pytest.approx(wald["upper"], abs=0.05)


def test_anderson_rubin_set_weak_instrument_is_unbounded():
    d = planted(strength=0.02, seed=3)
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    ar = fit.anderson_rubin_set(alpha=0.10)
    assert not ar.bounded and ar.shape in ("two rays", "whole line")
    crit = z_critical(0.90) ** 2
    for beta in np.linspace(-50, 50, 101):
        assert ar.contains(beta) == (statsmodels_ar(d, beta) <= crit)


def test_anderson_rubin_set_with_two_instruments():
    """Over-identified: the numerical set agrees with statsmodels' test on a grid."""
    d = planted()
    d["z2"] = 0.5 * d["z"] + np.random.default_rng(5).standard_normal(len(d))
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z", "z2"]], lags=4)
    ar = fit.anderson_rubin_set(alpha=0.10)
    from scipy.special import chdtri

    crit = chdtri(2, 0.10) / 2
    assert ar.bounded and ar.contains(fit.params["x"])
    for lo, hi in ar.intervals:
        for end in (lo, hi):
            assert statsmodels_ar(d, end, instruments=("z", "z2")) == pytest.approx(crit, rel=1e-6)
    for beta in np.linspace(0.5, 2.5, 41):
        assert ar.contains(beta) == (statsmodels_ar(d, beta, instruments=("z", "z2")) <= crit)


def test_confidence_set_scaling_and_text():
    s = ConfidenceSet(((-np.inf, -2.0), (3.0, np.inf)), 0.9)
    assert s.shape == "two rays" and not s.bounded
    flipped = s.scaled(-10.0)
    assert flipped.intervals == ((-np.inf, -30.0), (20.0, np.inf))
    assert flipped.text() == "(-inf, -30.0] and [+20.0, +inf)"
    assert flipped.to_list() == [{"low": None, "high": -30.0}, {"low": 20.0, "high": None}]
    assert ConfidenceSet(((1.0, 2.0),), 0.9).scaled(-1.0).intervals == ((-2.0, -1.0),)


# ---------------------------------------------------------------------------------------------
# Several endogenous regressors: the first stage describes all of them
# ---------------------------------------------------------------------------------------------


def two_endogenous(seed: int = 4, n: int = 400) -> pd.DataFrame:
    """x1 and x2 both driven by the same combination of two instruments: each first stage is
    strong, but together the instruments cannot tell x1 from x2 (the model is nearly
    unidentified)."""
    rng = np.random.default_rng(seed)
    z1, z2, w, v1, v2, e = (rng.standard_normal(n) for _ in range(6))
    x1 = z1 + 0.5 * z2 + v1
    x2 = 0.8 * (z1 + 0.5 * z2) + v2
    y = 1 + 0.5 * x1 - 0.3 * x2 + 0.4 * w + 0.5 * v1 + 0.5 * v2 + e
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "z1": z1, "z2": z2, "w": w})


def test_first_stage_with_several_endogenous_regressors():
    d = two_endogenous()
    fit = tsls_hac(d["y"], d[["w"]], d[["x1", "x2"]], d[["z1", "z2"]], lags=3)
    # each endogenous regressor's own first stage: statsmodels' HAC Wald F on both instruments
    for x in ("x1", "x2"):
        first = sm.OLS(d[x], sm.add_constant(d[["w", "z1", "z2"]])).fit(
            cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
        wald = first.wald_test("z1 = 0, z2 = 0", use_f=False, scalar=True).statistic / 2
        assert fit.first_stage_f_by_endogenous[x] == pytest.approx(wald)
        assert fit.first_stage_params[x].to_numpy() == pytest.approx(first.params.to_numpy())
        assert wald > 100  # each alone looks strong (the old statistic read only the last one)
    # together they are not identified: the joint (Kleibergen-Paap) F is tiny and the fit is weak
    assert fit.first_stage_f < 1 and fit.weak
    assert fit.first_stage_f_homoskedastic < 1
    # the Anderson-Rubin test is joint in both coefficients: statsmodels on y - x1 b1 - x2 b2
    for values in ((0.0, 0.0), (0.5, -0.3), (1.0, 1.0)):
        assert fit.anderson_rubin(np.array(values))[0] == pytest.approx(
            statsmodels_ar(d, values, endog=("x1", "x2"), instruments=("z1", "z2"), lags=3))
    assert fit.anderson_rubin_f == pytest.approx(fit.anderson_rubin(np.zeros(2))[0])
    with pytest.raises(ValueError, match="one endogenous regressor"):
        fit.anderson_rubin_set()


def test_collinear_instrument_is_a_clear_error():
    d = planted()
    d["zero"] = 0.0
    with pytest.raises(ValueError, match="collinear"):
        tsls_hac(d["y"], d[["w"]], d[["x"]], d[["zero"]], lags=4)


def test_results_follow_statsmodels():
    d = planted()
    fit = tsls_hac(d["y"], d[["w"]], d[["x"]], d[["z"]], lags=4)
    ci = fit.conf_int(alpha=0.10)
    z = z_critical(0.90)
    assert ci.loc["x", "lower"] == pytest.approx(fit.params["x"] - z * fit.bse["x"])
    assert list(fit.to_frame()["term"]) == ["const", "w", "x"] and "Anderson-Rubin" in fit.summary()
    assert fit.to_dict()["first_stage_f_by_endogenous"] == {"x": pytest.approx(fit.first_stage_f)}


def test_the_report_keeps_the_instrument_in_its_results_cache(tmp_path, snapshot_bundle, panel, context):
    """The report's event study takes the monthly 2SLS from the results cache: the first run fits
    it and stores its record, the second reads it back; both give the same JSON and summary as a
    fresh fit, and a damaged entry is fitted again."""
    import json

    from model import pipeline

    data = pipeline.Data(snapshot_bundle, panel)
    fresh = pipeline.events(data, context.response, draws=200)
    remembered = pipeline.Remembered(tmp_path, pipeline.inputs_digest(snapshot_bundle))
    first = pipeline.events(data, context.response, draws=200, remembered=remembered)
    second = pipeline.events(data, context.response, draws=200, remembered=remembered)
    assert remembered.hits == [False, True]
    want = json.loads(json.dumps(fresh.iv.to_dict()))
    for study in (first, second):
        assert study.iv.to_dict() == want and study.iv.summary() == fresh.iv.summary()
    [entry] = list(tmp_path.glob("*.json"))
    entry.write_text(entry.read_text().replace('"text"', '"txet"'))
    warned = []
    again = pipeline.Remembered(tmp_path, remembered.base, warned.append)
    assert pipeline.events(data, context.response, draws=200, remembered=again).iv.to_dict() == want
    assert again.hits == [False] and len(warned) == 1 and "damaged" in warned[0]
