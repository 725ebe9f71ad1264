"""The three specifications: distributed lags, levels (Warnock-Warnock), local projections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.estimate.results import HolderEffect, LPResult, RegressionResult, holder_effects
from model.estimate.spec import (
    MEASURE_TEXT,
    EstimationConfig,
    FlowMeasure,
    break_mask,
    clean_months,
    control_frame,
    flow_series,
    newey_west_lags,
    per_100bn_factor,
    yield_change,
)
from model.panel import Panel


@dataclass
class OLSFit:
    """An OLS fit with Newey-West (Bartlett) HAC covariance: the numbers statsmodels'
    ``OLS(y, add_constant(X)).fit(cov_type="HAC", cov_kwds={"maxlags": lags,
    "use_correction": True})`` gives (tested against it), computed directly."""

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    rsquared: float
    nobs: int

    def cov_params(self) -> pd.DataFrame:
        return self.cov


def ols_hac(y: pd.Series, X: pd.DataFrame, lags: int) -> OLSFit:
    """OLS with a constant and Newey-West (Bartlett) HAC covariance, statsmodels' small-sample
    correction (``T / (T - k)``) included."""
    from model.estimate.system import joint_hac, ols_multi

    names = ["const", *X.columns]
    A = np.column_stack([np.ones(len(X)), X.to_numpy(float)])
    yv = y.to_numpy(float)
    B, U, xtx_inv = ols_multi(A, yv[:, None])
    cov = joint_hac(A, U, xtx_inv, lags)
    resid = U[:, 0]
    rsquared = float(1 - resid @ resid / ((yv - yv.mean()) @ (yv - yv.mean())))
    return OLSFit(params=pd.Series(B[:, 0], index=names), bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
                  cov=pd.DataFrame(cov, index=names, columns=names), rsquared=rsquared, nobs=len(yv))


def ols_hac_arrays(y: np.ndarray, X: np.ndarray, lags: int | list[int]) -> tuple[np.ndarray, np.ndarray]:
    """OLS of each column of ``y`` on ``X`` (which holds its own constant) with Newey-West HAC
    standard errors, statsmodels' small-sample factor included: the same numbers as
    :func:`ols_hac`, for the loops that fit hundreds of small regressions.

    Parameters
    ----------
    y : ndarray (T,) or (T, m)
    X : ndarray (T, k)
    lags : int or list of int
        HAC lags, one for all columns or one per column.

    Returns
    -------
    params, se : ndarray (k, m)
    """
    from model.estimate.system import joint_hac, ols_multi

    Y = y[:, None] if y.ndim == 1 else y
    B, U, xtx_inv = ols_multi(X, Y)
    lag_list = [lags] * Y.shape[1] if isinstance(lags, int) else list(lags)
    se = np.column_stack([np.sqrt(np.diag(joint_hac(X, U[:, [j]], xtx_inv, lag_list[j])))
                          for j in range(Y.shape[1])])
    return B, se


def _month(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m}"


def _effects(fit, holders: list[str], terms: dict[str, list[str]], factor: float) -> dict[str, HolderEffect]:
    return holder_effects(fit.params, fit.cov_params(), {h: terms[h] for h in holders}, factor)


def _window(frame: pd.DataFrame, start: str, end: str | None) -> pd.DataFrame:
    frame = frame.loc[pd.Timestamp(start + "-01"):]
    if end:
        frame = frame.loc[: pd.Timestamp(end + "-01")]
    return frame


# ---------------------------------------------------------------------------------------------
# 1. Distributed lags
# ---------------------------------------------------------------------------------------------


def dl_design(
    panel: Panel, maturity: str, measure: FlowMeasure, config: EstimationConfig,
    lag_range: range | None = None, lag_controls: bool = False,
) -> tuple[pd.Series, pd.DataFrame, dict[str, list[str]], list[str]]:
    """Dependent, regressors, holder lag terms and notes of the distributed-lag regression.

    ``lag_range`` overrides the flow lags (the out-of-sample exercise uses 1..L so that a
    forecast made at t-1 uses only what is known then); ``lag_controls`` lags the controls.
    """
    dl = config.distributed_lags
    holders = getattr(dl.holders, measure)
    lags = lag_range if lag_range is not None else range(0, dl.lags + 1)
    y = yield_change(panel, maturity, dl.yield_timing).rename("y")
    columns, terms = {}, {}
    for holder in holders:
        flow = flow_series(panel, holder, measure, config.units)
        terms[holder] = []
        for k in lags:
            name = f"{holder}_L{k}"
            columns[name] = flow.shift(k)
            terms[holder].append(name)
    controls, notes = control_frame(panel, dl.controls, config.units)
    if lag_controls:
        controls = controls.shift(1).add_suffix("_L1")
    X = pd.concat([pd.DataFrame(columns, index=panel.frame.index), controls], axis=1)
    keep = pd.Series(True, index=panel.frame.index)
    if config.exclude_breaks:
        keep = clean_months(break_mask(panel, measure), max(lags, default=0))
    return y[keep], X[keep], terms, notes


def fit_distributed_lags(
    panel: Panel, maturity: str, measure: FlowMeasure, config: EstimationConfig,
    debt_today_bn: float, start: str | None = None, end: str | None = None,
) -> RegressionResult:
    """Monthly yield changes (bp) on current and lagged flows by holder, with controls.

    The cumulative multiplier of a holder is the sum of its lag coefficients: the change in
    the yield level after ``lags`` months per unit of purchases, reported in bp per $100bn sold
    at today's debt (the sign flipped: positive = sales raise yields).
    """
    dl = config.distributed_lags
    y, X, terms, notes = dl_design(panel, maturity, measure, config)
    data = _window(pd.concat([y, X], axis=1), start or config.sample_start, end).dropna()
    if len(data) < X.shape[1] + 10:
        raise ValueError(f"too few observations ({len(data)}) for {maturity}/{measure}")
    hac = newey_west_lags(len(data))
    fit = ols_hac(data["y"], data.drop(columns="y"), hac)
    factor = per_100bn_factor(config.units, debt_today_bn)
    holders = list(terms)
    if config.exclude_breaks and measure != "reported":
        notes.append("months whose flow (or a lagged flow) straddles a series break are excluded")
    if measure == "naive":
        notes.append("naive holdings changes include valuation changes since Dec 2011: expect a mechanical negative bias")
    timing = "month-end" if dl.yield_timing == "eom" else "monthly-average"
    spec_text = (
        f"d{maturity}(t) = a + sum_k=0..{dl.lags} b_gk flow_g(t-k) + controls; flows = {MEASURE_TEXT[measure]}, "
        f"{'% of debt held by the public' if config.units == 'pct_debt' else '$bn'}; "
        f"holders {', '.join(holders)}; controls {', '.join(c for c in X.columns if c not in sum(terms.values(), []))}"
    )
    what = "the 10-year term premium (Kim-Wright)" if maturity == "tp10" else f"the {maturity} Treasury yield"
    return RegressionResult(
        name=f"distributed_lags/{maturity}/{measure}", spec="distributed_lags",
        dependent=f"monthly change in {what}, bp ({timing})",
        maturity=maturity, flow_measure=measure, units=config.units,
        sample_start=_month(data.index[0]), sample_end=_month(data.index[-1]), nobs=int(fit.nobs),
        hac_lags=hac, rsquared=float(fit.rsquared), params=fit.params, bse=fit.bse, cov=fit.cov_params(),
        specification=spec_text, effects=_effects(fit, holders, terms, factor),
        factor_per_100bn=factor,
        scale_note=f"cumulative over {dl.lags + 1} months, at debt held by the public of ${debt_today_bn:,.0f}bn",
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# 2. Levels, after Warnock and Warnock (2009)
# ---------------------------------------------------------------------------------------------


def fit_levels(
    panel: Panel, measure: FlowMeasure, config: EstimationConfig, gdp_today_bn: float,
) -> RegressionResult:
    """The 10-year yield level (bp) on 12-month flows as a share of GDP, with controls.

    Holdings-based flows use benchmark-consistent changes (old series at re-benchmark months);
    windows that contain a remaining break are excluded.
    """
    lv = config.levels
    frame = panel.frame
    holders = getattr(lv.holders, measure)
    window = lv.window_months
    columns, terms = {}, {}
    mask = pd.Series(False, index=frame.index)
    for holder in holders:
        flow_bn = flow_series(panel, holder, measure, "bn")
        if measure != "reported":
            flow_bn = flow_bn + frame[f"{holder}_benchmark_bn"]
        name = f"{holder}_12m_pct_gdp"
        columns[name] = flow_bn.rolling(window).sum() / frame["gdp_bn"] * 100
        terms[holder] = [name]
    if config.exclude_breaks:
        remaining = break_mask(panel, measure)
        if measure != "reported":  # benchmark breaks are bridged by the old series
            bridged = (frame[[f"{h}_benchmark_bn" for h in holders]] != 0).any(axis=1)
            remaining = remaining & ~bridged
        mask = ~clean_months(remaining, window - 1)
    controls, notes = control_frame(panel, lv.controls, "bn")
    y = (frame["y10y_pct"] * 100).rename("y")
    data = pd.concat([y, pd.DataFrame(columns, index=frame.index), controls], axis=1)[~mask]
    data = _window(data, config.sample_start, None).dropna()
    fit = ols_hac(data["y"], data.drop(columns="y"), lv.hac_lags)
    factor = 100.0 / gdp_today_bn * 100.0  # $100bn as percent of today's GDP
    notes.append("levels regressions of a trending yield on slow-moving flows are prone to spurious correlation; "
                 "read them as a description, not a causal estimate")
    spec_text = (
        f"10y(t) = a + b_g * sum of {window}m flows_g / GDP + controls; flows = {MEASURE_TEXT[measure]}; "
        f"holders {', '.join(holders)}; controls {', '.join(controls.columns)}"
    )
    return RegressionResult(
        name=f"levels/10y/{measure}", spec="levels",
        dependent="10-year Treasury yield level, bp (monthly average)", maturity="10y",
        flow_measure=measure, units="pct_gdp",
        sample_start=_month(data.index[0]), sample_end=_month(data.index[-1]), nobs=int(fit.nobs),
        hac_lags=lv.hac_lags, rsquared=float(fit.rsquared), params=fit.params, bse=fit.bse, cov=fit.cov_params(),
        specification=spec_text, effects=_effects(fit, holders, terms, factor), factor_per_100bn=factor,
        scale_note=f"bought over the past {window} months, at GDP of ${gdp_today_bn:,.0f}bn a year",
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# 3. Local projections (Jorda 2005)
# ---------------------------------------------------------------------------------------------


def lp_hac_lags(h: int, nobs: int) -> int:
    """Newey-West lags at horizon h: at least h+1 (the residual is MA(h)), at least the rule
    of thumb for the sample size (not for the horizon, as statsmodels' automatic choice does)."""
    return max(h + 1, newey_west_lags(nobs))


def local_projection(
    shock: pd.Series, level_bp: pd.Series, horizons: int, lags: int, exog: pd.DataFrame | None = None,
    keep: pd.Series | None = None, nw_lags: int | None = None,
) -> tuple[np.ndarray, np.ndarray, list[int], pd.DatetimeIndex]:
    """Local projections of ``level_bp`` on ``shock`` for h = 0..horizons.

    The regression at horizon h is ``level(t+h) = a + b_h shock(t) + sum_j (c_j shock(t-j) +
    d_j level(t-j)) + exog(t) + e``, the design of statsmodels' ``LocalProjections`` (shock
    ordered first, lags of both variables), on one sample common to all horizons. Its HAC
    lags are :func:`lp_hac_lags` per horizon unless ``nw_lags`` fixes them (for cross-checks).

    Returns
    -------
    irf, se : ndarray
        Coefficients on the shock and their HAC errors.
    hac_lags : list of int
    sample : DatetimeIndex
        The months t used.
    """
    columns = {"shock": shock}
    for j in range(1, lags + 1):
        columns[f"shock_L{j}"] = shock.shift(j)
    for j in range(1, lags + 1):
        columns[f"level_L{j}"] = level_bp.shift(j)
    X = pd.DataFrame(columns)
    if exog is not None:
        X = pd.concat([X, exog], axis=1)
    leads = pd.concat({h: level_bp.shift(-h) for h in range(horizons + 1)}, axis=1)
    valid = X.notna().all(axis=1) & leads.notna().all(axis=1)
    if keep is not None:
        valid &= keep.reindex(valid.index).fillna(False).astype(bool)
    X, leads = X[valid], leads[valid]
    used = [nw_lags if nw_lags is not None else lp_hac_lags(h, len(X)) for h in range(horizons + 1)]
    # one design for every horizon: a multi-column least squares, HAC lags per horizon
    A = np.column_stack([np.ones(len(X)), X.to_numpy(float)])
    params, se = ols_hac_arrays(leads.to_numpy(float), A, used)
    return params[1], se[1], used, X.index


def fit_local_projections(
    panel: Panel, holder: str, measure: FlowMeasure, config: EstimationConfig, debt_today_bn: float,
) -> LPResult:
    """Impulse response of the yield level to one holder's flow, h = 0..horizons."""
    lp = config.local_projections
    frame = panel.frame
    shock = flow_series(panel, holder, measure, config.units)
    level = frame[f"y{lp.maturity}_eom_pct"] * 100
    exog, notes = control_frame(panel, list(lp.controls), config.units)
    keep = pd.Series(frame.index >= pd.Timestamp(config.sample_start + "-01"), index=frame.index)
    if config.exclude_breaks:
        keep &= clean_months(break_mask(panel, measure), lp.lags)
    irf, se, hac, sample = local_projection(shock, level, lp.horizons, lp.lags, exog, keep)
    notes.append("identification: the flow is assumed not to respond to the yield within the month "
                 "(shock ordered first); if foreigners buy when yields are high, the response is biased up")
    return LPResult(
        name=f"local_projections/{lp.maturity}/{measure}/{holder}", holder=holder, flow_measure=measure,
        maturity=lp.maturity, units=config.units, sample_start=_month(sample[0]), sample_end=_month(sample[-1]),
        nobs=len(sample), irf=irf, se=se, hac_lags=hac,
        factor_per_100bn=per_100bn_factor(config.units, debt_today_bn),
        specification=(f"{lp.maturity}(t+h), bp, on {holder} flow(t) ({MEASURE_TEXT[measure]}), "
                       f"{lp.lags} lags of flow and yield, controls at t: {', '.join(exog.columns) or 'none'}; "
                       f"h = 0..{lp.horizons}"),
        notes=notes,
    )
