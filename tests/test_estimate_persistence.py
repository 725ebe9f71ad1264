"""The lasting share from long distributed lags: recovered from simulated data with a known share."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model.estimate.persistence import PersistenceResult, fit_lasting_share, long_lag_design

BLOCKS = [(4, 12), (13, 24), (25, 36)]


def _simulate(rng, months: int, share: float, noise: float = 3.0, half_life: float = 12.0,
              short=(-1.0, -2.0, -0.5, -0.5)):
    """Monthly yield changes from the response model's own kernel: the cumulative response
    follows ``short`` for 4 months, then decays from c_S toward share x c_S with the half-life
    (a flow of one unit; AR(1) flows, normal noise)."""
    d = 0.5 ** (1 / half_life)
    c_s = sum(short)
    cumulative = list(np.cumsum(short)) + [c_s * (share + (1 - share) * d ** (h - 3)) for h in range(4, 37)]
    lag_coefs = np.diff(np.r_[0.0, cumulative])
    total = months + 36
    shocks = rng.standard_normal(total)
    flow = np.zeros(total)
    for t in range(1, total):
        flow[t] = 0.3 * flow[t - 1] + shocks[t]
    y = np.convolve(flow, lag_coefs)[:total] + noise * rng.standard_normal(total)
    index = pd.date_range("1900-01-01", periods=total, freq="MS")
    return pd.Series(y, index), pd.Series(flow, index)


def _fit(y, flow):
    return fit_lasting_share(y, {"x": flow}, pd.DataFrame(index=y.index), 3, BLOCKS, 12.0)


def test_the_design_sums_lags_and_blocks():
    index = pd.date_range("2000-01-01", periods=60, freq="MS")
    flow = pd.Series(np.arange(60.0), index)
    X, short, long = long_lag_design({"x": flow}, 3, BLOCKS)
    assert list(X.columns) == ["x_L0", "x_L1", "x_L2", "x_L3", "x_B4_12", "x_B13_24", "x_B25_36"]
    row = X.iloc[50]
    assert row["x_L2"] == 48 and row["x_B4_12"] == sum(range(50 - 12, 50 - 3)) and row["x_B25_36"] == sum(range(14, 26))
    np.testing.assert_array_equal(short["x"], [1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(long["x"], [1, 1, 1, 1, 9, 12, 12])


def test_a_known_lasting_share_is_recovered():
    rng = np.random.default_rng(1)
    y, flow = _simulate(rng, 2400, share=0.4)
    res = _fit(y, flow)
    assert res.lasting_share == pytest.approx(0.4, abs=2.5 * res.se)
    assert res.se < 0.12
    # the cumulative response at 3 months is the planted c_S (sales sign: -(-4) = +4)
    assert res.params["x:short"] == pytest.approx(4.0, abs=3 * res.bse["x:short"])
    # Fieller's likelihood peaks near the truth and falls away from it
    grid = np.linspace(0, 1, 101)
    ll = res.loglik(grid)
    assert abs(grid[ll.argmax()] - 0.4) < 2.5 * res.se and ll.max() - ll[[0, -1]].max() > 5


def test_the_interval_covers_the_share_at_its_level():
    """200 simulated samples of 25 years: the 90% interval covers the true share about 90% of
    the time, and the estimates centre on it."""
    rng = np.random.default_rng(7)
    hits, estimates = 0, []
    for _ in range(200):
        y, flow = _simulate(rng, 300, share=0.6)
        res = _fit(y, flow)
        estimates.append(res.lasting_share)
        hits += abs(res.lasting_share - 0.6) < 1.6448536 * res.se
    assert 0.83 <= hits / 200 <= 0.96
    assert np.median(estimates) == pytest.approx(0.6, abs=0.06)


def test_no_short_run_effect_gives_a_flat_likelihood():
    """Flows that move nothing: the share is not identified, and the likelihood says so instead
    of returning a confident ratio."""
    rng = np.random.default_rng(3)
    y, flow = _simulate(rng, 300, share=0.4, short=(0.0, 0.0, 0.0, 0.0))
    res = _fit(y, flow)
    assert res.information() < 2.0
    assert res.se > 0.5 or not np.isfinite(res.se)


def test_the_shipped_estimate_and_its_record(fitted):
    res = fitted.persistence
    record = res.data_record()
    assert {"method", "lasting_share", "se", "horizon_months"} <= set(record)
    assert record["method"] == "long_lags" and record["horizon_months"] == 36
    # the point estimate solves c_H = c_S (share + (1 - share) d^33) by hand
    c_s, c_h = res.params["japan:short"], res.params["japan:long"]
    d33 = 0.5 ** (33 / 12)
    assert res.lasting_share == pytest.approx((c_h / c_s - d33) / (1 - d33))
    again = PersistenceResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert again.data_record() == record
    # the regression includes every holder group of the baseline system
    assert res.nobs > 200 and "dbreakeven10y_bp" not in res.controls
