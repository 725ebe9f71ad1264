"""The joint system, its inference and the response model, against independent computations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from model.estimate.literature import (
    Band,
    BandSources,
    EnvelopeLevels,
    EnvelopeSources,
    LiteratureEnvelope,
    LiteraturePrior,
)
from model.estimate.system import (
    SystemResult,
    SystemSpec,
    block_bootstrap,
    block_bootstrap_starts,
    joint_hac,
    ols_multi,
    system_data,
)
from model.response import (
    GridPosterior,
    Prior,
    ResponseModel,
    _spec_model,
    beta_parameters,
    between_holder_posterior,
    lasting_share_posterior,
    normal_update,
    restricted_loglik,
)

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
    k = len(system.terms)
    for m in ("2y", "10y", "tp10"):
        fit = sm.OLS(data.Y[m], data.X).fit(cov_type="HAC", cov_kwds={"maxlags": system.hac_lags, "use_correction": True})
        eq = system.equation(m)
        j = system.responses.index(m)
        np.testing.assert_allclose(eq.params.to_numpy(), fit.params.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(system.params[m].to_numpy(), fit.params.to_numpy(), rtol=1e-9)  # labelled
        block = slice(j * k, (j + 1) * k)
        np.testing.assert_allclose(system.cov_hac[block, block], fit.cov_params().to_numpy(), rtol=1e-8)
        # the equation quotes the covariance the draws use (the wider of HAC and the bootstrap)
        np.testing.assert_allclose(eq.cov.to_numpy(), system.cov[block, block], rtol=1e-12)
        assert eq.cov_type == system.cov_type
    assert list(system.params.index) == list(data.X.columns) and list(system.params.columns) == system.responses
    np.testing.assert_allclose(system.bse.to_numpy().T.ravel(), np.sqrt(np.diag(system.cov)))
    assert system.conf_int().shape == (k * len(system.responses), 2)
    assert system.nobs == len(data.Y) and system.sample_start == "2003-02"
    # the baseline has no breakeven among its controls
    assert "dbreakeven10y_bp" not in system.spec.controls and "dbreakeven10y_bp" not in system.terms


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
    assert {"reported", "adjusted"} <= set(japan["measure"]) and {"with_breakeven", "no_breakeven"} <= set(japan["controls"])
    assert {0, 12} <= set(japan["lags"]) and {"full", "pre_2020", "post_2009"} <= set(japan["window"])
    assert grid.weights.sum() == pytest.approx(1.0)
    assert (japan.loc[japan["controls"] == "with_breakeven", "weight"] == 0).all()
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


def _planted_system(beta: np.ndarray, cov: np.ndarray, holders: list[str], lags: int, responses: list[str],
                    label_suffix: str = "") -> SystemResult:
    """A system whose stacked coefficients are the given lag blocks (no constant or controls)."""
    terms = [f"{h}_L{k}" for h in holders for k in range(lags + 1)]
    params = pd.DataFrame(beta.reshape(len(responses), len(terms)).T, index=terms, columns=responses)
    spec = SystemSpec("reported", "avg", lags, (), "2003-02", None, tuple(holders), window="full" + label_suffix)
    return SystemResult(spec=spec, responses=responses, terms=terms,
                        holder_terms={h: [f"{h}_L{k}" for k in range(lags + 1)] for h in holders},
                        params=params, cov_hac=cov, cov_bootstrap=None, nobs=100, hac_lags=4,
                        rsquared=dict.fromkeys(responses, 0.0), sample_start="2003-02", sample_end="2011-05",
                        factor_per_100bn=1.0, units="bn")


def test_posterior_of_planted_numbers_is_the_closed_form_update():
    """One maturity, two holders, two lags each: each holder's cumulative effect is updated with
    its own estimate (the scalar normal update); the posterior draws of the two keep the
    estimates' correlation, shrunk by both (k_j k_c V_jc)."""
    responses = ["10y"]
    beta = np.array([-3.0, -1.0, 6.0, 2.0])  # japan L0, L1; china L0, L1
    C = np.diag([4.0, 2.0, 9.0, 3.0])
    C[0, 2] = C[2, 0] = 1.5
    prior = Prior(mean_10y=-8.0, sd_10y=5.0)
    spec = _spec_model(_planted_system(beta, C, ["japan", "china"], 1, responses), 1.0, ["japan", "china"],
                       responses, prior, [True, True])
    A = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=float)
    theta, V = A @ beta, A @ C @ A.T
    for g in range(2):
        mean, cov = normal_update(np.array([-8.0]), np.array([[25.0]]), theta[[g]], V[[g]][:, [g]], np.eye(1))
        assert spec.z_post[g] == pytest.approx(mean[0]) and spec.P_post[g, g] == pytest.approx(cov[0, 0])
    k = 25.0 / (25.0 + np.diag(V))
    assert spec.P_post[0, 1] == pytest.approx(k[0] * k[1] * V[0, 1])
    np.testing.assert_allclose(spec.scalar_mean, spec.z_post)
    # the pooled effect: the precision-weighted average of the two posteriors
    w = 1 / np.diag(spec.P_post)
    assert (spec.pool_post @ spec.z_post)[0] == pytest.approx((w @ spec.z_post) / w.sum())
    # lag draws given theta reproduce theta exactly
    draw = spec.beta_hat + (spec.z_post - spec.theta_hat) @ spec.gain.T
    np.testing.assert_allclose(A @ draw, spec.z_post, rtol=1e-9)
    # a holder in conflict keeps its own estimate (a flat prior) and leaves the pool
    flat = _spec_model(_planted_system(beta, C, ["japan", "china"], 1, responses), 1.0, ["japan", "china"],
                       responses, prior, [True, False], conflict=[False, True])
    assert flat.z_post[1] == pytest.approx(theta[1]) and flat.P_post[1, 1] == pytest.approx(V[1, 1])
    assert flat.z_post[0] == pytest.approx(spec.z_post[0])  # the other holder is not moved
    assert (flat.pool_post @ flat.z_post)[0] == pytest.approx(flat.z_post[0])


def _correlated_maturities():
    """Six maturities whose estimates are strongly correlated (10-year and term premium 0.98):
    a covariance like the shipped system's, and its loading of each maturity on the 10-year."""
    sd = np.array([2.2, 4.2, 4.7, 4.1, 3.4, 2.4])
    corr = np.array([[1.0, 0.5, 0.3, 0.23, 0.2, 0.2],
                     [0.5, 1.0, 0.9, 0.75, 0.6, 0.7],
                     [0.3, 0.9, 1.0, 0.95, 0.85, 0.92],
                     [0.23, 0.75, 0.95, 1.0, 0.81, 0.97],
                     [0.2, 0.6, 0.85, 0.81, 1.0, 0.85],
                     [0.2, 0.7, 0.92, 0.97, 0.85, 1.0]])
    V = corr * np.outer(sd, sd)
    return V, V[:, 3] / V[3, 3]


def test_planted_correlated_maturities_posterior_lies_between_prior_and_data():
    """The issue's case: estimates that agree across maturities (they follow the estimates'
    own loadings) but sit below the prior, with errors correlated 0.98 between the 10-year
    and the term premium. Every maturity's posterior lies between its prior and its estimate,
    the 10-year one is the scalar update, and the old prior (every maturity tied one for one
    to the 10-year, term premium included) would have dragged the 10-year below both."""
    responses = ["3m", "2y", "5y", "10y", "30y", "tp10"]
    V, loading = _correlated_maturities()
    R = len(responses)
    theta = -2.0 * loading  # a 2 bp effect per $100bn bought at the 10-year, spread by the loadings
    beta = theta.copy()  # one holder, one lag (lag 0): coefficients are the cumulative effects
    prior = Prior(mean_10y=-8.0, sd_10y=5.0)
    spec = _spec_model(_planted_system(beta, V, ["japan"], 0, responses), 1.0, ["japan"], responses, prior, [True])
    lo, hi = np.minimum(spec.prior_mean, theta), np.maximum(spec.prior_mean, theta)
    assert ((lo - 1e-12 <= spec.z_post) & (spec.z_post <= hi + 1e-12)).all()
    # the 10-year: exactly the scalar update of N(-8, 25) with N(-2, V_10y)
    j = responses.index("10y")
    mean, cov = normal_update(np.array([-8.0]), np.array([[25.0]]), theta[[j]], V[[j]][:, [j]], np.eye(1))
    assert spec.z_post[j] == pytest.approx(mean[0]) and spec.P_post[j, j] == pytest.approx(cov[0, 0])
    np.testing.assert_allclose(spec.scalar_mean, spec.z_post, rtol=1e-12)
    np.testing.assert_allclose(spec.loading[:, 0], loading, rtol=1e-12)
    assert len(spec.z_post) == R


def test_a_term_premium_that_disagrees_no_longer_drags_the_10_year_below_prior_and_data():
    """The issue's pathology, planted: 10-year estimate +7.0 (sd 10) near the prior +7.88, the
    term premium +1.0 (sd 5.6), their errors correlated 0.98. The former prior tied the term
    premium to the 10-year one for one and read the small term-premium estimate as evidence
    against the 10-year: its posterior fell below both. With the g-prior the 10-year posterior
    is the scalar update, between the two."""
    responses = ["10y", "tp10"]
    V = np.array([[100.0, 0.98 * 10 * 5.6], [0.98 * 10 * 5.6, 5.6 ** 2]])
    theta = np.array([-7.0, -1.0])  # per $100bn bought
    s = 4.91
    W = np.array([[1.25, 1.0], [1.0, 1.25]]) * s * s  # loadings 1 and 1, maturity_sd_share 0.5
    old_mean, _ = normal_update(np.full(2, -7.88), W, theta, V, np.eye(2))
    assert -old_mean[0] < min(7.0, 7.88)  # below both, in sales terms
    prior = Prior(mean_10y=-7.88, sd_10y=s)
    spec = _spec_model(_planted_system(theta.copy(), V, ["japan"], 0, responses), 1.0, ["japan"], responses, prior, [True])
    scalar, _ = normal_update(np.array([-7.88]), np.array([[s * s]]), theta[:1], V[:1, :1], np.eye(1))
    assert spec.z_post[0] == pytest.approx(scalar[0]) and -7.88 < spec.z_post[0] < -7.0


def test_beta_parameters_match_mean_and_sd():
    a, b = beta_parameters(0.4, 0.2)
    assert a / (a + b) == pytest.approx(0.4)
    assert np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        beta_parameters(0.5, 0.6)


def test_lasting_share_posterior_is_the_beta_prior_times_the_likelihood():
    """Without data, the grid posterior is the Beta prior (scipy); with a likelihood, its
    density is the product, renormalised (checked against direct numerical integration)."""
    from scipy import stats

    a, b = beta_parameters(0.4, 0.2)
    prior_only = lasting_share_posterior(0.4, 0.2, None)
    assert prior_only.mean == pytest.approx(0.4, abs=1e-4) and prior_only.sd == pytest.approx(0.2, abs=1e-4)
    np.testing.assert_allclose(prior_only.quantile([0.05, 0.5, 0.95]), stats.beta.ppf([0.05, 0.5, 0.95], a, b), atol=2e-4)

    class Data:  # a planted likelihood: a normal estimate 0.8 with se 0.15
        def loglik(self, share):
            return -0.5 * ((np.asarray(share) - 0.8) / 0.15) ** 2

    post = lasting_share_posterior(0.4, 0.2, Data())
    x = np.linspace(0, 1, 200_001)
    dens = stats.beta.pdf(x, a, b) * np.exp(Data().loglik(x))
    mean = np.trapezoid(x * dens, x) / np.trapezoid(dens, x)
    assert post.mean == pytest.approx(mean, abs=1e-4) and 0.4 < post.mean < 0.8


def _planted_model(beta: np.ndarray, lags: int, half_life: float = 12.0) -> ResponseModel:
    """One holder, one maturity, no uncertainty, a lasting share of 0.4: draws are the planted kernel."""
    responses = ["10y"]
    prior = Prior(mean_10y=-8.0, sd_10y=1e6)
    C = np.eye(lags + 1) * 1e-18
    spec = _spec_model(_planted_system(beta, C, ["japan"], lags, responses), 1.0, ["japan"], responses, prior, [True])
    env = {"half_life_months": half_life, "maturity_loading": {"10y": 1.0},
           "short_run": {"low": 1.0, "central": 2.0, "high": 3.0}, "long_run": {"low": 0.5, "central": 1.0, "high": 1.5}}
    model = ResponseModel(responses=responses, holders=["japan"], pool=["japan"], specs=[spec], prior=prior,
                          persistence=lasting_share_posterior(0.4, 0.2, None), persistence_prior=(0.4, 0.2),
                          persistence_data=None, persistence_evidence=[], half_life_months=half_life,
                          envelope=env, weights_rule="planted", baseline=spec.label)
    return model.with_lasting_share(0.4)


def _planted_envelope(mean: float, sd: float) -> LiteratureEnvelope:
    band = Band(central=mean, low=mean / 2, high=mean * 2)
    sources = BandSources(central="planted", low="planted", high="planted")
    prior = LiteraturePrior(basis="debt_public", mean_10y=mean, sd_10y=sd, range_sd_10y=sd, range_low=0.0,
                            range_high=2 * mean, range_horizons=["short_run"], centre="planted", centre_sample=None,
                            our_sample="", overlap_months=0, centre_months=0, power=1.0, rule="planted")
    return LiteratureEnvelope(short_run=band, long_run=band, sources=EnvelopeSources(short_run=sources, long_run=sources),
                              half_life_months=12.0, maturity_loading={"10y": 1.0}, basis="debt_public",
                              other_basis=EnvelopeLevels(basis="gdp", short_run=band, long_run=band),
                              persistence_mean=0.4, scale_month="2026-04", debt_today_bn=30000.0, gdp_today_bn=30000.0,
                              units="bp", prior=prior, prior_other_basis=None)


def _planted_build(estimates: list[float], ses: list[float], pool: list[str]) -> ResponseModel:
    """A one-specification model of the 10-year: three holders' lag-0 effects (bp per $100bn
    bought) with independent errors, and the literature prior N(8, 5^2) per $100bn sold."""
    from model.estimate.grid import GridResult
    from model.estimate.literature import literature_config

    holders = ["japan", "china", "other_foreign"]
    system = _planted_system(np.array(estimates), np.diag(np.square(ses)), holders, 0, ["10y"])
    grid = GridResult(systems=[system], weights=np.ones(1), weights_rule="planted", baseline=system.spec.label,
                      skipped={})
    return ResponseModel.build(grid, _planted_envelope(8.0, 5.0), literature_config(), pool)


def test_a_conflicting_holder_is_flagged_and_leaves_the_pool_unchanged():
    """China's planted estimate says a $100bn sale lowers yields by 30 bp (se 3) against a
    prior of +8 (sd 5): Box's test flags it, its posterior is its own estimate, and the pooled
    effect used for holders without an estimate is what it would be with China out of the pool."""
    labels = {"japan": "Japan", "china": "China", "other_foreign": "Other", "united_kingdom": "UK"}
    both = _planted_build([-6.0, 30.0, -5.0], [2.0, 3.0, 2.0], pool=["japan", "china"])
    japan_only = _planted_build([-6.0, 30.0, -5.0], [2.0, 3.0, 2.0], pool=["japan"])
    z = (-30.0 - 8.0) / np.sqrt(3.0 ** 2 + 5.0 ** 2)
    assert both.conflict["china"]["z"] == pytest.approx(z) and both.conflict["china"]["in_conflict"]
    assert not both.conflict["japan"]["in_conflict"] and both.pool == ["japan"]
    table = both.posterior_table(labels).set_index("holder")
    assert table.loc["china", "posterior_mean"] == pytest.approx(-30.0) and table.loc["china", "in_conflict"]
    assert "in conflict" in table.loc["china", "note"]
    reference = japan_only.posterior_table(labels).set_index("holder")
    for column in ("posterior_mean", "posterior_sd", "data_mean", "data_sd"):
        assert table.loc["united_kingdom", column] == pytest.approx(reference.loc["united_kingdom", column], rel=1e-12)
    # Japan's own posterior: the scalar update, untouched by China
    k = 25.0 / (25.0 + 4.0)
    assert table.loc["japan", "posterior_mean"] == pytest.approx(8.0 + k * (6.0 - 8.0))
    # without the conflict the same holder would have pulled the pool
    calm = _planted_build([-6.0, -2.0, -5.0], [2.0, 3.0, 2.0], pool=["japan", "china"])
    assert calm.pool == ["japan", "china"]
    assert calm.posterior_table(labels).set_index("holder").loc["united_kingdom", "posterior_mean"] != pytest.approx(
        reference.loc["united_kingdom", "posterior_mean"])


def test_the_between_holder_sd_is_integrated_over_its_hyperprior():
    """tau: with one pooled group, its posterior is the half-normal hyperprior (mean
    scale x sqrt(2/pi)); with two, the restricted likelihood is that of their difference
    d ~ N(0, 2 tau^2 + var(d)), up to a constant."""
    alone = between_holder_posterior(4.0, np.array([1.0]), np.array([[4.0]]))
    assert alone.mean == pytest.approx(4.0 * np.sqrt(2 / np.pi), rel=1e-3)
    assert alone.rms == pytest.approx(4.0, rel=1e-3)
    estimates = np.array([2.0, -9.0])
    cov = np.array([[16.0, 3.0], [3.0, 36.0]])
    tau = np.array([0.5, 2.0, 5.0, 9.0])
    got = restricted_loglik(tau, estimates, cov)
    var_d = 16.0 + 36.0 - 2 * 3.0
    contrast = -0.5 * (np.log(2 * tau ** 2 + var_d) + 11.0 ** 2 / (2 * tau ** 2 + var_d))
    np.testing.assert_allclose(got - got[0], contrast - contrast[0], atol=1e-10)
    # draws by inverse CDF reproduce the grid posterior
    post = between_holder_posterior(4.0, estimates, cov)
    draws = post.quantile(np.random.default_rng(1).random(200_000))
    assert draws.mean() == pytest.approx(post.mean, rel=0.01) and isinstance(post, GridPosterior)
    assert post.mean > alone.mean  # two estimates 11 bp apart make a larger spread likelier


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


def test_persistence_share_is_drawn_from_its_posterior(context):
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
    # shrinkage: tighter than the prior and the data for holders not in conflict
    for g in ("japan", "china", "other_foreign"):
        r = ten.loc[g]
        if not r.in_conflict:
            assert r.posterior_sd < min(r.prior_sd, r.data_sd)
    # every own holder, every maturity: the posterior lies between prior and data, or says why not
    own = table[table["estimate"] == "own"]
    lo, hi = np.minimum(own["prior_mean"], own["data_mean"]), np.maximum(own["prior_mean"], own["data_mean"])
    outside = (own["posterior_mean"] < lo - 1e-9) | (own["posterior_mean"] > hi + 1e-9)
    assert (own.loc[outside, "note"].str.len() > 0).all()
    # the joint update across maturities is the scalar one (the prior's structure is the data's)
    np.testing.assert_allclose(own["posterior_mean"], own["scalar_posterior_mean"], rtol=1e-9, atol=1e-9)


def test_fit_json_object(capsys):
    from model.cli import main

    assert main(["fit", "--json"]) == 0

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    out = json.loads(capsys.readouterr().out, parse_constant=no_constants)
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
    grid_base = next(r for r in japan10 if r["specification"] == "reported/avg/lags0-3/no_breakeven/full")
    assert ten["japan"]["effect_bp_per_100bn"] == pytest.approx(grid_base["effect_bp_per_100bn"], rel=1e-6)
    # one standard error: the models quote the one the draws use
    assert ten["japan"]["se_bp_per_100bn"] == pytest.approx(grid_base["se_bp_per_100bn"], rel=1e-6)
    # the baseline distributed-lag models have no breakeven among their controls
    assert all("dbreakeven10y_bp" not in m["equation"] for m in out["models"] if m["method"] == "distributed_lags")
    # for every holder with its own estimate and every maturity: between prior and data, or a note
    for r in post:
        if r["estimate"] == "own":
            lo, hi = sorted((r["prior_mean"], r["data_mean"]))
            assert lo - 1e-6 <= r["posterior_mean"] <= hi + 1e-6 or r["note"], r
    persistence = out["response_model"]["persistence"]
    assert {"method", "lasting_share", "se", "horizon_months"} <= set(persistence["data"])
    assert {"mean", "sd"} <= set(persistence["posterior"]) and 0 < persistence["posterior"]["mean"] < 1
    controls = out["response_model"]["controls"]
    assert "dbreakeven10y_bp" not in controls["baseline"] and "nominal" in controls["sensitivities"]["with_breakeven"]["why"]


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
