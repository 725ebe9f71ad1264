"""Specification weights: stacking of out-of-sample predictive distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from model.estimate.grid import predictive_log_scores, stacking_weights


def test_predictive_scores_are_the_student_t_predictive_of_an_ols_fit():
    """Each score: OLS on the rows before the target (statsmodels), the t predictive with
    n - k degrees of freedom and scale s^2 (1 + x'(X'X)^-1 x) (scipy)."""
    rng = np.random.default_rng(4)
    T, k = 80, 3
    X = np.column_stack([np.ones(T), rng.standard_normal((T, k - 1))])
    y = X @ np.array([1.0, -0.5, 2.0]) + rng.standard_normal(T) * 1.5
    targets = np.array([5, 20, 40, 79])
    train = np.array([5, 20, 30, 79])  # the third stops early: a window that ends before its target
    got = predictive_log_scores(X, y, train, targets)
    assert np.isnan(got[0])  # 5 rows: fewer than k + 10
    for i in (1, 2, 3):
        n = train[i]
        fit = sm.OLS(y[:n], X[:n]).fit()
        x = X[targets[i]]
        scale = np.sqrt(fit.scale * (1 + x @ np.linalg.inv(X[:n].T @ X[:n]) @ x))
        expected = stats.t.logpdf(y[targets[i]], df=n - k, loc=x @ fit.params, scale=scale)
        assert got[i] == pytest.approx(expected, rel=1e-9)


def test_stacking_weights_maximise_the_mixture_log_score():
    """Against an independent algorithm: the EM fixed point for mixture weights,
    w <- w mean_t[p_t / (p_t . w)], run to convergence."""
    rng = np.random.default_rng(5)
    scores = rng.normal(-3.0, 1.0, (120, 6)) + rng.normal(0.0, 0.4, 6)
    w = stacking_weights(scores)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    P = np.exp(scores)
    v = np.full(6, 1 / 6)
    for _ in range(20_000):
        v = v * (P / (P @ v)[:, None]).mean(axis=0)
    assert np.log(P @ w).sum() >= np.log(P @ v).sum() - 1e-6
    np.testing.assert_allclose(w, v, atol=2e-3)


def test_stacking_finds_the_model_that_generated_the_data():
    """Two predictive densities for the same months, one the true one: the truth takes (nearly)
    all the weight; two equally good copies share it."""
    rng = np.random.default_rng(6)
    y = rng.standard_normal(300)
    truth = stats.norm.logpdf(y)
    wrong = stats.norm.logpdf(y, loc=0.8)
    w = stacking_weights(np.column_stack([wrong, truth]))
    assert w[1] > 0.95
    both = stacking_weights(np.column_stack([truth, truth, wrong]))
    assert both[0] == pytest.approx(both[1], abs=1e-3) and both[2] < 0.05


def test_the_grid_weights_on_the_shipped_data(fitted):
    grid = fitted.grid
    frame = grid.to_frame()
    assert grid.weights.sum() == pytest.approx(1.0) and (grid.weights >= 0).all()
    # the bad control is a sensitivity: fitted, shown, never weighted
    sens = frame[frame["controls"] == "with_breakeven"]
    assert len(sens) and (sens["weight"] == 0).all() and sens["sensitivity"].all()
    assert all(why.startswith("sensitivity") for label, why in grid.unweighted.items() if "/with_breakeven/" in label)
    assert "breakeven" in grid.sensitivities["with_breakeven"] and "nominal" in grid.sensitivities["with_breakeven"]
    ev = grid.evaluation
    assert ev["rule"] == "stacking" and ev["months"] >= 60 and ev["start"] >= "2012-01"
    # every weighted specification was scored on the evaluation months
    weighted = [s.spec.label for s, w in zip(grid.systems, grid.weights, strict=True) if w > 0]
    assert set(weighted) <= set(ev["log_score"])
    # the mixture predicts at least as well as the best single specification
    assert ev["mixture_log_score"] >= max(ev["log_score"].values()) - 1e-6
    assert "stacking" in grid.weights_text() and pd.notna(ev["end"])


def test_grid_settings_are_checked():
    from pydantic import ValidationError

    from model.estimate.spec import EstimationConfig, estimation_config

    good = estimation_config().model_dump()
    bad = {**good, "grid": {**good["grid"], "sensitivities": {"with_breakevn": "why"}}}
    with pytest.raises(ValidationError, match="sensitivities.with_breakevn is not a control set of the grid"):
        EstimationConfig.model_validate(bad)
    every = {**good, "grid": {**good["grid"], "sensitivities": dict.fromkeys(good["grid"]["controls"], "why")}}
    with pytest.raises(ValidationError, match="at least one must be weighted"):
        EstimationConfig.model_validate(every)
    gap = {**good, "persistence": {**good["persistence"], "blocks": [(4, 12), (14, 24)]}}
    with pytest.raises(ValidationError, match=r"blocks\[1\] must start at lag 13"):
        EstimationConfig.model_validate(gap)


def test_an_evaluation_sample_that_cannot_be_predicted_is_a_config_error(config_dir, reread_config, tmp_path,
                                                                        monkeypatch, capsys):
    from model.cli import main

    path = config_dir / "estimation.toml"
    path.write_text(path.read_text().replace('stacking_start = "2012-01"', 'stacking_start = "2030-01"'))
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(tmp_path / "estimates"))
    reread_config()
    assert main(["fit", "--json", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {path}: grid.stacking_start: no month from 2030-01 on can be predicted by the weighted "
                   'specifications (use an earlier month, or weights = "equal")')


def test_a_window_the_panel_reaches_but_no_specification_predicts_is_a_config_error(panel):
    """The late check: the stacking window starts inside the panel (so the early check, on the
    panel's last month, lets it through) but after the last month any specification can use.
    Planted: the 10-year yield stops three months before the rest of the panel (as the shipped
    yields and controls run past the TIC flows), and the window starts at the first missing month."""
    import dataclasses

    from model.config import config_path
    from model.errors import InputError
    from model.estimate.grid import fit_grid
    from model.estimate.spec import estimation_config

    frame = panel.frame.copy()
    cut = frame.index[-3]
    frame.loc[frame.index >= cut, ["dy10y_bp", "dy10y_eom_bp"]] = np.nan
    planted = dataclasses.replace(panel, frame=frame)
    good = estimation_config()
    start = f"{cut:%Y-%m}"
    assert pd.Timestamp(start + "-01") <= frame.index.max()  # the early check does not fire
    # one weighted specification, no bootstrap: the grid is fitted in a moment
    grid = good.grid.model_copy(update={"stacking_start": start, "measures": ["reported"], "lags": [1],
                                        "controls": {"no_breakeven": good.grid.controls["no_breakeven"]},
                                        "sensitivities": {}, "windows": {"full": good.grid.windows["full"]}})
    config = good.model_copy(update={
        "grid": grid, "distributed_lags": good.distributed_lags.model_copy(update={"bootstrap_reps": 0})})
    with pytest.raises(InputError) as caught:
        fit_grid(planted, config, ["10y"], debt_today_bn=30_000.0)
    assert str(caught.value) == (
        f"{config_path('estimation.toml')}: grid.stacking_start: no month from {start} on can be predicted by the "
        'weighted specifications (use an earlier month, or weights = "equal")')
