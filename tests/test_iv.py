"""2SLS with HAC errors against independent computations: the closed form on planted data, a
hand-written Newey-West sandwich, statsmodels' OLS HAC and F tests; then the Japan equation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from model.estimate.regress import dl_design
from model.estimate.regress import ols_hac as model_ols_hac
from model.estimate.spec import estimation_config
from model.events import DailyData, load_interventions, monthly_interventions_bn
from model.iv import japan_intervention_iv, newey_west, ols_hac, tsls_hac

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
    # October 2011: the 8,072bn yen of 31 October at that day's rate (about 78 yen per dollar)
    assert z["2011-10-01"] == pytest.approx(8072.2 / daily.rate(pd.Timestamp("2011-10-31")))
    assert z["2024-04-01"] < 0 and len(z) == 10
    iv = japan_intervention_iv(panel, z)
    assert iv.sample_start == "2004-04" and iv.intervention_months == 10
    assert iv.fit.endogenous == ["japan_L0"] and iv.fit.instruments == ["mof_dollars_bought_bn"]
    # the OLS column is the distributed-lag regression's impact coefficient on the same sample
    y, X, _, _ = dl_design(panel, "10y", "reported", estimation_config())
    data = pd.concat([y, X], axis=1).loc["2004-04-01":].dropna()
    ref = model_ols_hac(data["y"], data.drop(columns="y"), iv.fit.hac_lags)
    assert iv.fit.ols_params["japan_L0"] == pytest.approx(ref.params["japan_L0"])
    assert iv.fit.se("japan_L0", ols=True) == pytest.approx(ref.bse["japan_L0"])
    payload = iv.to_dict()
    assert payload["first_stage"]["weak"] == (payload["first_stage"]["f_hac"] < 10)
    assert "exclusion restriction is doubtful" in payload["verdict"]
    assert payload["tsls"]["effect_bp_per_100bn"] == pytest.approx(
        -iv.fit.params["japan_L0"] * iv.factor_per_100bn)
