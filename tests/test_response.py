"""The joint system, its inference and the response model, against independent computations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from model.estimate.system import (
    SystemResult,
    SystemSpec,
    block_bootstrap,
    block_bootstrap_starts,
    joint_hac,
    ols_multi,
    system_data,
)
from model.response import Prior, ResponseModel, _spec_model, beta_parameters, normal_update

RESPONSES = ["3m", "2y", "5y", "10y", "30y", "tp10"]


# ---------------------------------------------------------------------------------------------
# Joint HAC and the block bootstrap
# ---------------------------------------------------------------------------------------------


def _ar_data(rng, T=150, k=3, m=2, rho=0.5):
    X = np.column_stack([np.ones(T), rng.standard_normal((T, k - 1))])
    e = rng.standard_normal((T, m)) @ np.array([[1.0, 0.6], [0.0, 0.8]])[:m, :m]
    u = np.zeros((T, m))
    for t in range(T):
        u[t] = e[t] + (rho * u[t - 1] if t else 0)
    Y = X @ rng.standard_normal((k, m)) + u
    return X, Y


def test_joint_hac_matches_a_hand_written_newey_west():
    rng = np.random.default_rng(3)
    X, Y = _ar_data(rng)
    T, k = X.shape
    m = Y.shape[1]
    B, U, xtx_inv = ols_multi(X, Y)
    lags = 4
    got = joint_hac(X, U, xtx_inv, lags)
    # by hand: S = sum_t sum_s w(|t-s|) g_t g_s', g_t = (u_t1 x_t, u_t2 x_t)
    g = [np.concatenate([U[t, j] * X[t] for j in range(m)]) for t in range(T)]
    S = np.zeros((m * k, m * k))
    for t in range(T):
        for s in range(T):
            d = abs(t - s)
            if d <= lags:
                S += (1 - d / (lags + 1)) * np.outer(g[t], g[s])
    bread = np.zeros((m * k, m * k))
    for j in range(m):
        bread[j * k : (j + 1) * k, j * k : (j + 1) * k] = np.linalg.inv(X.T @ X)
    expected = bread @ S @ bread * T / (T - k)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)
    # each diagonal block is statsmodels' single-equation HAC
    for j in range(m):
        fit = sm.OLS(Y[:, j], X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
        np.testing.assert_allclose(got[j * k : (j + 1) * k, j * k : (j + 1) * k], fit.cov_params(), rtol=1e-9)
    # the cross-equation block is not zero: the errors are correlated across equations
    assert np.abs(got[:k, k:]).max() > 0.1 * np.abs(got[:k, :k]).max()


def test_bootstrap_replicates_are_exact_refits():
    rng = np.random.default_rng(5)
    X, Y = _ar_data(rng, T=60)
    draws = block_bootstrap(X, Y, block=7, reps=5, seed=11)
    starts = block_bootstrap_starts(60, 7, 5, np.random.default_rng(11))
    for r in range(5):
        idx = (starts[r][:, None] + np.arange(7)).ravel()
        B, *_ = np.linalg.lstsq(X[idx], Y[idx], rcond=None)
        np.testing.assert_allclose(draws[r], B.T.reshape(-1), rtol=1e-8, atol=1e-10)


def test_block_bootstrap_recovers_a_known_standard_error():
    """Regression with AR(1) regressor and error (rho 0.6): the sampling sd of the slope, from
    2,000 simulated samples, against the average moving-block bootstrap sd."""
    rng = np.random.default_rng(20260501)
    T, rho, n_sim = 240, 0.6, 2000

    def ar1(shape):
        e = rng.standard_normal(shape)
        out = np.empty(shape)
        out[..., 0] = e[..., 0] / np.sqrt(1 - rho**2)
        for t in range(1, shape[-1]):
            out[..., t] = rho * out[..., t - 1] + e[..., t]
        return out

    x, u = ar1((n_sim, T)), ar1((n_sim, T))
    y = 1.0 + 0.5 * x + u
    xc = x - x.mean(axis=1, keepdims=True)
    slopes = (xc * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / (xc**2).sum(axis=1)
    true_sd = slopes.std()
    boot_sd = []
    for i in range(30):
        X = np.column_stack([np.ones(T), x[i]])
        draws = block_bootstrap(X, y[i][:, None], block=12, reps=399, seed=i)
        boot_sd.append(draws[:, 1].std())
    assert np.mean(boot_sd) == pytest.approx(true_sd, rel=0.2)
    # the naive iid standard error is far too small here: the test can tell them apart
    iid = np.mean([np.sqrt(np.var(y[i] - 1 - 0.5 * x[i]) / (xc[i] ** 2).sum()) for i in range(30)])
    assert iid < 0.8 * true_sd


# ---------------------------------------------------------------------------------------------
# The system on the shipped data
# ---------------------------------------------------------------------------------------------


def test_system_equations_are_ols_with_statsmodels_hac(fitted, panel):
    system = fitted.systems["reported"]
    data = system_data(panel, system.spec, fitted.config, system.responses)
    for m in ("2y", "10y", "tp10"):
        fit = sm.OLS(data.Y[m], data.X).fit(cov_type="HAC", cov_kwds={"maxlags": system.hac_lags, "use_correction": True})
        eq = system.equation(m)
        np.testing.assert_allclose(eq.params.to_numpy(), fit.params.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(eq.cov.to_numpy(), fit.cov_params().to_numpy(), rtol=1e-8)
    assert system.nobs == len(data.Y) and system.sample_start == "2003-02"


def test_distributed_lag_models_of_a_measure_share_one_sample(fitted):
    models = [m for m in fitted.models() if m["method"] == "distributed_lags"]
    for measure in ("reported", "adjusted", "naive"):
        samples = {(m["sample_start"], m["sample_end"], m["nobs"]) for m in models if m["flow_measure"] == measure}
        assert len(samples) == 1, (measure, samples)
    dependents = {m["maturity"] for m in models}
    assert dependents == set(RESPONSES)


def test_specification_grid(fitted, panel):
    grid = fitted.grid
    japan = grid.curve("japan", "10y")
    assert len(japan) >= 20
    assert {"reported", "adjusted"} <= set(japan["measure"]) and {"all", "no_breakeven"} <= set(japan["controls"])
    assert {0, 12} <= set(japan["lags"]) and {"full", "pre_2020", "post_2009"} <= set(japan["window"])
    assert grid.weights.sum() == pytest.approx(1.0) and np.allclose(grid.weights, grid.weights[0])
    # a cell of the grid against an independent single-equation fit on the same months
    system = next(s for s in grid.systems if s.spec.label == "reported/avg/lags0-0/no_breakeven/pre_2020")
    data = system_data(panel, system.spec, fitted.config, system.responses)
    beta, *_ = np.linalg.lstsq(data.X.to_numpy(float), data.Y["10y"].to_numpy(float), rcond=None)
    k = list(data.X.columns).index("japan_L0")
    assert system.effect("japan", "10y", "hac")[0] == pytest.approx(-beta[k] * system.factor_per_100bn, rel=1e-9)
    assert data.X.index[-1] == pd.Timestamp("2019-12-01")
    # specifications with too few months per regressor are left out, and say why
    assert all("too few observations" in why for why in grid.skipped.values())


# ---------------------------------------------------------------------------------------------
# The posterior: closed-form normal updates
# ---------------------------------------------------------------------------------------------


def test_normal_update_scalar_closed_form():
    mean, cov = normal_update(np.array([-8.0]), np.array([[25.0]]), np.array([-2.0]), np.array([[16.0]]), np.eye(1))
    assert mean[0] == pytest.approx((-8 / 25 - 2 / 16) / (1 / 25 + 1 / 16))
    assert cov[0, 0] == pytest.approx(1 / (1 / 25 + 1 / 16))


def test_normal_update_equals_the_precision_form():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 4))
    P0 = a @ a.T + np.eye(4)
    b = rng.standard_normal((4, 4))
    V = b @ b.T + 0.5 * np.eye(4)
    m0, x = rng.standard_normal(4), rng.standard_normal(4)
    mean, cov = normal_update(m0, P0, x, V, np.eye(4))
    precision = np.linalg.inv(P0) + np.linalg.inv(V)
    np.testing.assert_allclose(cov, np.linalg.inv(precision), rtol=1e-9)
    np.testing.assert_allclose(mean, np.linalg.solve(precision, np.linalg.solve(P0, m0) + np.linalg.solve(V, x)), rtol=1e-9)


def _planted_system(beta: np.ndarray, cov: np.ndarray, holders: list[str], lags: int, responses: list[str]) -> SystemResult:
    """A system whose stacked coefficients are the given lag blocks (no constant or controls)."""
    terms = [f"{h}_L{k}" for h in holders for k in range(lags + 1)]
    params = beta.reshape(len(responses), len(terms)).T
    spec = SystemSpec("reported", "avg", lags, (), "2003-02", None, tuple(holders))
    return SystemResult(spec=spec, responses=responses, terms=terms,
                        holder_terms={h: [f"{h}_L{k}" for k in range(lags + 1)] for h in holders},
                        params=params, cov_hac=cov, cov_bootstrap=None, nobs=100, hac_lags=4,
                        r2=dict.fromkeys(responses, 0.0), sample_start="2003-02", sample_end="2011-05",
                        factor_per_100bn=1.0, units="bn")


def test_posterior_of_planted_numbers_is_the_closed_form_update():
    """One maturity, two holders, two lags each: the posterior of each holder's cumulative
    effect is the normal update of the literature prior with the estimates' covariance."""
    responses = ["10y"]
    beta = np.array([-3.0, -1.0, 6.0, 2.0])  # japan L0, L1; china L0, L1
    C = np.diag([4.0, 2.0, 9.0, 3.0])
    C[0, 2] = C[2, 0] = 1.5
    prior = Prior(mean_10y=-8.0, sd_10y=5.0, loading={"10y": 1.0}, maturity_sd_share=0.0,
                  between_holder_sd_10y=2.0, between_holder_rule="planted")
    spec = _spec_model(_planted_system(beta, C, ["japan", "china"], 1, responses), 1.0, ["japan", "china"],
                       responses, prior, [True, True])
    A = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=float)
    theta, V = A @ beta, A @ C @ A.T
    P0 = 25.0 * np.eye(2)
    post_cov = np.linalg.inv(np.linalg.inv(P0) + np.linalg.inv(V))
    post_mean = post_cov @ (np.linalg.solve(P0, np.full(2, -8.0)) + np.linalg.solve(V, theta))
    np.testing.assert_allclose(spec.z_post, post_mean, rtol=1e-9)
    np.testing.assert_allclose(spec.P_post, post_cov, rtol=1e-9)
    # the pooled effect: the precision-weighted average of the two posteriors
    w = 1 / np.diag(post_cov)
    assert (spec.pool_post @ spec.z_post)[0] == pytest.approx((w @ post_mean) / w.sum())
    # lag draws given theta reproduce theta exactly
    draw = spec.beta_hat + (post_mean - spec.theta_hat) @ spec.gain.T
    np.testing.assert_allclose(A @ draw, post_mean, rtol=1e-9)


def test_beta_parameters_match_mean_and_sd():
    a, b = beta_parameters(0.4, 0.2)
    assert a / (a + b) == pytest.approx(0.4)
    assert np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        beta_parameters(0.5, 0.6)


def _planted_model(beta: np.ndarray, lags: int, persistence_sd: float = 1e-6, half_life: float = 12.0) -> ResponseModel:
    """One holder, one maturity, no uncertainty: draws are the planted kernel."""
    responses = ["10y"]
    prior = Prior(mean_10y=-8.0, sd_10y=1e6, loading={"10y": 1.0}, maturity_sd_share=0.0,
                  between_holder_sd_10y=0.0, between_holder_rule="planted")
    C = np.eye(lags + 1) * 1e-18
    spec = _spec_model(_planted_system(beta, C, ["japan"], lags, responses), 1.0, ["japan"], responses, prior, [True])
    env = {"half_life_months": half_life, "maturity_loading": {"10y": 1.0},
           "short_run": {"low": 1.0, "central": 2.0, "high": 3.0}, "long_run": {"low": 0.5, "central": 1.0, "high": 1.5}}
    return ResponseModel(responses=responses, holders=["japan"], pool=["japan"], specs=[spec], prior=prior,
                         persistence_mean=0.4, persistence_sd=persistence_sd, persistence_evidence=[], half_life_months=half_life,
                         envelope=env, weights_rule="planted", baseline=spec.label)


def test_kernel_of_a_one_month_purchase_by_hand():
    """$100bn bought in month 0, lag coefficients (-1, -2, +0.5): the cumulative path within
    the window, then a share 0.4 of it lasts and the rest halves every 12 months."""
    model = _planted_model(np.array([-1.0, -2.0, 0.5]), lags=2)
    flows = np.zeros(40)
    flows[0] = 100.0
    drawn = model.draw_paths({"japan": flows}, 40, "data", 50, seed=1)
    path = np.median(drawn.paths["10y"], axis=0)
    c = -2.5
    expected = [-1.0, -3.0, c] + [c * (0.4 + 0.6 * 0.5 ** ((h - 2) / 12)) for h in range(3, 40)]
    np.testing.assert_allclose(path, expected, atol=1e-4)
    np.testing.assert_allclose(drawn.persistent[:, 0], 0.4 * c, atol=1e-4)
    # the posterior with a flat prior is the data
    post = model.draw_paths({"japan": flows}, 40, "posterior", 50, seed=1)
    np.testing.assert_allclose(np.median(post.paths["10y"], axis=0), expected, atol=1e-3)


def test_announcement_prices_the_plan_at_its_lasting_effect():
    model = _planted_model(np.array([-1.0, -2.0, 0.5]), lags=2)
    flows = np.full(24, 10.0)  # $240bn over two years
    ann = model.draw_paths({"japan": flows}, 60, "data", 20, seed=1, announcement_share=1.0)
    np.testing.assert_allclose(np.median(ann.paths["10y"], axis=0), 0.4 * -2.5 * 2.4, atol=1e-4)
    half = model.draw_paths({"japan": flows}, 60, "data", 20, seed=1, announcement_share=0.5)
    flow = model.draw_paths({"japan": flows}, 60, "data", 20, seed=1)
    np.testing.assert_allclose(np.median(half.paths["10y"], axis=0),
                               0.5 * np.median(ann.paths["10y"], axis=0) + 0.5 * np.median(flow.paths["10y"], axis=0),
                               atol=1e-4)


def test_persistence_share_is_drawn_from_its_beta(context):
    model = context.response
    flows = np.zeros(60)
    flows[0] = -100.0
    drawn = model.draw_paths({"japan": flows}, 60, "data", 20000, seed=3)
    ratio = drawn.persistent[:, 3] / drawn.cumulative[:, 3]
    assert ratio.mean() == pytest.approx(model.persistence_mean, abs=0.01)
    assert ratio.std() == pytest.approx(model.persistence_sd, abs=0.01)


def test_fixed_lasting_share_sets_the_persistent_level_and_keeps_the_draws(context):
    model = context.response
    flows = np.zeros(60)
    flows[0] = -100.0
    drawn = model.draw_paths({"japan": flows}, 60, "posterior", 2000, seed=4)
    for share in (0.0, 0.25, 1.0):
        fixed = model.with_lasting_share(share).draw_paths({"japan": flows}, 60, "posterior", 2000, seed=4)
        # the coefficients are the same draws; only the lasting share differs
        np.testing.assert_allclose(fixed.cumulative, drawn.cumulative)
        np.testing.assert_allclose(fixed.persistent, share * drawn.cumulative)
        # 59 months after the flow: the lasting share plus what is left of the transient
        lags = np.array([model.specs[i].lags for i in fixed.spec_index])
        transient = 0.5 ** ((59 - lags) / model.half_life_months)
        expected = drawn.cumulative[:, 3] * (share + (1 - share) * transient)
        np.testing.assert_allclose(fixed.paths["10y"][:, -1], expected, rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError):
        model.with_lasting_share(1.5)


# ---------------------------------------------------------------------------------------------
# Joint draws on the shipped data
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["posterior", "data"])
def test_drawn_and_estimated_correlations_agree(context, source):
    model = context.response
    flows = {"japan": np.full(24, -10.0), "united_kingdom": np.full(24, -4.0)}
    drawn = model.draw_paths(flows, 60, source, 40000, seed=9)
    mean, cov = model.cumulative_moments(source, {k: float(v.sum()) for k, v in flows.items()})
    keep = [1, 2, 3, 4, 5]
    est = cov[np.ix_(keep, keep)] / np.sqrt(np.outer(np.diag(cov)[keep], np.diag(cov)[keep]))
    got = np.corrcoef(drawn.cumulative[:, keep], rowvar=False)
    np.testing.assert_allclose(got, est, atol=0.03)
    np.testing.assert_allclose(drawn.cumulative.mean(axis=0), mean, atol=0.05 * np.sqrt(np.diag(cov)).max())
    # maturities move together in the draws: 5-year and 10-year strongly positively correlated
    assert got[1, 2] > 0.8


def test_posterior_table_covers_every_group(context):
    labels = {k: g.label for k, g in context.holders.groups.items()}
    table = context.response.posterior_table(labels)
    assert set(table["holder"]) == set(labels)
    ten = table[table["maturity"] == "10y"].set_index("holder")
    assert ten.loc["japan", "estimate"] == "own" and ten.loc["united_kingdom", "estimate"] == "pooled"
    # pooled groups share one posterior, which is not the near-zero residual group's estimate
    assert ten.loc["united_kingdom", "posterior_mean"] == ten.loc["oil_exporters", "posterior_mean"]
    assert ten.loc["united_kingdom", "posterior_mean"] > 1.0  # bp per $100bn sold
    # shrinkage: tighter than the prior and the data; China's wrong-signed estimate is pulled
    # toward the literature (the joint update also moves Japan, whose estimate is correlated)
    for g in ("japan", "china"):
        r = ten.loc[g]
        assert r.posterior_sd < min(r.prior_sd, r.data_sd)
    assert ten.loc["china", "data_mean"] < ten.loc["china", "posterior_mean"] < ten.loc["china", "prior_mean"]


def test_fit_json_object(capsys):
    from model.cli import main

    assert main(["fit", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"schema_version", "models", "specification_grid", "posterior"} <= set(out)
    japan10 = [r for r in out["specification_grid"] if r["holder"] == "japan" and r["maturity"] == "10y"]
    assert len(japan10) >= 20
    assert {"holder", "maturity", "specification", "effect_bp_per_100bn", "se_bp_per_100bn"} <= set(japan10[0])
    post = out["posterior"]
    assert {"holder", "maturity", "prior_mean", "prior_sd", "data_mean", "data_sd", "posterior_mean",
            "posterior_sd"} <= set(post[0])
    assert {"japan", "china", "united_kingdom", "oil_exporters", "total_foreign"} <= {r["holder"] for r in post}
    # same sign convention as the models: bp per $100bn sold, positive = sales raise yields
    assert next(r for r in post if r["holder"] == "japan" and r["maturity"] == "10y")["prior_mean"] > 0
    ten = {m["holder"]: m for m in out["models"] if m["name"].startswith("distributed_lags/10y/reported/")}
    grid_base = next(r for r in japan10 if r["specification"] == "reported/avg/lags0-3/all/full")
    assert ten["japan"]["effect_bp_per_100bn"] == pytest.approx(grid_base["effect_bp_per_100bn"], rel=1e-6)


# ---------------------------------------------------------------------------------------------
# The Monte Carlo layout: bounded memory, the same bands in one pass or several
# ---------------------------------------------------------------------------------------------


def test_bands_do_not_depend_on_the_memory_budget(context):
    from model.response import PriceRequest

    model = context.response
    flows = {"japan": np.r_[np.full(12, -20.0), np.zeros(24)], "united_kingdom": np.full(36, -2.0)}
    weights = context.fiscal.weights(context.fiscal.months)
    request = PriceRequest(flows_bn=flows, horizon=36, linear={"cost": {m: weights[m] for m in ("2y", "5y", "10y", "30y")}},
                           zero=("3m",))
    one = model.price(request, "posterior", 3000, seed=4)
    many = model.price(request, "posterior", 3000, seed=4, budget_bytes=3000 * 4 * 7)  # 7 months at a time
    assert one.slots == 5 and many.slots == 5 * 6
    for r in model.responses:
        np.testing.assert_allclose(many.quantiles[r], one.quantiles[r], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(many.linear["cost"], one.linear["cost"])
    # the same numbers as keeping every path whole (float32 storage aside), and the interest
    # cost is the fiscal weights applied to each whole 120-month path
    paths = model.draw_paths(flows, context.fiscal.months, "posterior", 3000, seed=4)
    np.testing.assert_allclose(one.quantiles["10y"], np.percentile(paths.paths["10y"][:, :36], (5, 50, 95), axis=0),
                               atol=1e-4)
    cost = sum(paths.paths[m] @ weights[m] for m in ("2y", "5y", "10y", "30y"))
    np.testing.assert_allclose(one.linear["cost"], cost, rtol=1e-9, atol=1e-9)
    assert (one.quantiles["3m"] == 0).all()
