"""How much to believe the estimates: sub-samples, rolling windows, out-of-sample forecasts,
and the valuation formula against the Treasury's reported valuation changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.estimate.regress import dl_design, fit_distributed_lags, ols_hac
from model.estimate.spec import (
    FLOW_COLUMN,
    FLOW_MEASURES,
    EstimationConfig,
    newey_west_lags,
    per_100bn_factor,
)
from model.estimate.system import joint_hac, ols_multi
from model.panel import Panel


def subsample_table(panel: Panel, config: EstimationConfig, debt_today_bn: float, maturity: str = "10y") -> pd.DataFrame:
    """Distributed-lag effects re-estimated on each configured sub-sample."""
    rows = []
    for start, end in config.stability.subsamples:
        for measure in FLOW_MEASURES:
            try:
                res = fit_distributed_lags(panel, maturity, measure, config, debt_today_bn,
                                           start=max(start, config.sample_start), end=end)
            except ValueError as exc:  # too few observations in this window
                rows.append({"window": f"{start} to {end[:4] if end >= '2099' else end}", "flow_measure": measure,
                             "note": str(exc)})
                continue
            for eff in res.effects.values():
                rows.append({
                    "window": f"{res.sample_start} to {res.sample_end}", "flow_measure": measure,
                    "holder": eff.holder, "nobs": res.nobs, "effect_bp_per_100bn": eff.effect_bp_per_100bn,
                    "se_bp_per_100bn": eff.se_bp_per_100bn, "note": "",
                })
    return pd.DataFrame(rows)


def rolling_table(panel: Panel, config: EstimationConfig, debt_today_bn: float, holder: str = "japan",
                  maturity: str = "10y") -> pd.DataFrame:
    """A holder's distributed-lag effect in rolling windows, by flow measure.

    Each window is the regression :func:`~model.estimate.regress.fit_distributed_lags` runs on
    that window (same design, same HAC rule), solved directly on the arrays.
    """
    stab = config.stability
    months = panel.frame.loc[pd.Timestamp(config.sample_start + "-01"):].index
    last = panel.frame["total_foreign_holdings_bn"].last_valid_index()
    months = months[months <= last]
    factor = per_100bn_factor(config.units, debt_today_bn)
    designs = {}
    for measure in FLOW_MEASURES:
        y, X, terms, _ = dl_design(panel, maturity, measure, config)
        if holder not in terms:
            continue
        data = pd.concat([y, X], axis=1).dropna()
        A = np.column_stack([np.ones(len(data)), data.drop(columns="y").to_numpy(float)])
        cols = [1 + list(X.columns).index(t) for t in terms[holder]]
        designs[measure] = (data.index, data["y"].to_numpy(float), A, cols)
    rows = []
    for i in range(0, len(months) - stab.rolling_window_months + 1, stab.rolling_step_months):
        start, end = months[i], months[i + stab.rolling_window_months - 1]
        for measure, (index, y, A, cols) in designs.items():
            keep = (index >= start) & (index <= end)
            n, k = int(keep.sum()), A.shape[1]
            if n < (k - 1) + 10:  # as fit_distributed_lags: too few observations for the regressors
                continue
            B, U, xtx_inv = ols_multi(A[keep], y[keep][:, None])
            B = B[:, 0]
            V = joint_hac(A[keep], U, xtx_inv, newey_west_lags(n))
            ones = np.zeros(k)
            ones[cols] = 1.0
            rows.append({"window_end": f"{end:%Y-%m}", "window_start": f"{start:%Y-%m}", "flow_measure": measure,
                         "holder": holder, "nobs": n, "effect_bp_per_100bn": float(-B[cols].sum() * factor),
                         "se_bp_per_100bn": float(np.sqrt(ones @ V @ ones) * factor)})
    return pd.DataFrame(rows)


def out_of_sample(panel: Panel, config: EstimationConfig) -> pd.DataFrame:
    """Expanding-window one-month-ahead forecasts of the yield change.

    Each month t from ``first_forecast`` on, models estimated on data to t-1 forecast the
    change at t using lagged flows (1..L) and lagged controls only. Compared: no change
    (forecast 0), controls only, and controls plus each flow measure. RMSE ratios below 1
    mean a model beats the no-change forecast.
    """
    oos = config.out_of_sample
    dl = config.distributed_lags
    first = pd.Timestamp(oos.first_forecast + "-01")
    start = pd.Timestamp(config.sample_start + "-01")
    rows = []
    baseline = None
    for measure in FLOW_MEASURES:
        y, X, terms, _ = dl_design(panel, oos.maturity, measure, config,
                                   lag_range=range(1, dl.lags + 1), lag_controls=True)
        data = pd.concat([y, X], axis=1).loc[start:].dropna()
        flow_cols = sum(terms.values(), [])
        control_cols = [c for c in X.columns if c not in flow_cols]
        errors = {"no_change": [], "controls_only": [], "with_flows": []}
        y_all = data["y"].to_numpy(float)
        designs = {label: np.column_stack([np.ones(len(data)), data[cols].to_numpy(float)])
                   for label, cols in (("controls_only", control_cols), ("with_flows", control_cols + flow_cols))}
        for pos in np.flatnonzero(data.index >= first):
            if pos < 48:  # the training sample: every earlier month
                continue
            actual = y_all[pos]
            for label, A in designs.items():
                beta, *_ = np.linalg.lstsq(A[:pos], y_all[:pos], rcond=None)
                errors[label].append(actual - float(A[pos] @ beta))
            errors["no_change"].append(actual)
        rmse = {k: float(np.sqrt(np.mean(np.square(v)))) if v else np.nan for k, v in errors.items()}
        n = len(errors["no_change"])
        if baseline is None:
            baseline = {"model": "no change (forecast 0)", "flow_measure": "-", "forecasts": n,
                        "rmse_bp": rmse["no_change"], "rmse_ratio_vs_no_change": 1.0}
            rows.append(baseline)
            rows.append({"model": "controls only", "flow_measure": "-", "forecasts": n,
                         "rmse_bp": rmse["controls_only"],
                         "rmse_ratio_vs_no_change": rmse["controls_only"] / rmse["no_change"]})
        rows.append({"model": "controls + lagged flows", "flow_measure": measure, "forecasts": n,
                     "rmse_bp": rmse["with_flows"],
                     "rmse_ratio_vs_no_change": rmse["with_flows"] / rmse["no_change"],
                     "rmse_ratio_vs_controls": rmse["with_flows"] / rmse["controls_only"]})
    return pd.DataFrame(rows)


def oos_verdict(table: pd.DataFrame) -> str:
    """A plain sentence on whether foreign flows help forecast yields."""
    flows = table[table["model"] == "controls + lagged flows"]
    best = flows["rmse_ratio_vs_no_change"].min()
    vs_controls = flows["rmse_ratio_vs_controls"].min()
    if vs_controls >= 0.99:
        return (f"Foreign purchases add nothing out of sample: adding them never lowers the forecast error "
                f"(best RMSE ratio against controls alone {vs_controls:.2f}; against no change {best:.2f}).")
    return (f"Foreign purchases improve one-month forecasts slightly (RMSE ratio against controls alone "
            f"{vs_controls:.2f}, against no change {best:.2f}).")


def valuation_check(panel: Panel, groups: tuple[str, ...] = ("japan", "china", "total_foreign")) -> pd.DataFrame:
    """The duration formula's implied valuation change against the SLT's reported one (2023 on)."""
    f = panel.frame.loc[panel.frame[f"{groups[0]}_valuation_bn"].first_valid_index():]
    rows = []
    for g in groups:
        implied = -(f[f"{g}_adj_purchases_bn"] - f[f"{g}_dholdings_bn"])
        reported = f[f"{g}_valuation_bn"]
        both = pd.concat([implied, reported], axis=1).dropna()
        if len(both) < 6:
            continue
        rows.append({
            "holder": g, "months": len(both), "start": f"{both.index[0]:%Y-%m}", "end": f"{both.index[-1]:%Y-%m}",
            "corr": float(both.iloc[:, 0].corr(both.iloc[:, 1])),
            "implied_sd_bn": float(both.iloc[:, 0].std()), "reported_sd_bn": float(both.iloc[:, 1].std()),
            "mean_abs_gap_bn": float((both.iloc[:, 0] - both.iloc[:, 1]).abs().mean()),
        })
    return pd.DataFrame(rows)


def valuation_trap(panel: Panel, holder: str = "japan", start: str = "2012-01") -> pd.DataFrame:
    """The naive regression the commentary relies on, and what the valuation adjustment does
    to it: the monthly 10-year change (bp) on one holder's same-month flow ($bn), no controls,
    in the market-value era, for each flow measure and yield timing."""
    last = panel.frame[f"{holder}_holdings_bn"].last_valid_index()
    frame = panel.frame.loc[pd.Timestamp(start + "-01"):last]
    rows = []
    for timing, column in (("monthly average", "dy10y_bp"), ("month-end", "dy10y_eom_bp")):
        for measure in FLOW_MEASURES:
            flow = f"{holder}_{FLOW_COLUMN[measure]}"
            data = frame[[column, flow]].dropna()
            lags = newey_west_lags(len(data))
            fit = ols_hac(data[column], data[[flow]], lags)
            rows.append({
                "holder": holder, "yield_change": timing, "flow_measure": measure,
                "sample": f"{data.index[0]:%Y-%m} to {data.index[-1]:%Y-%m}", "nobs": len(data),
                "bp_per_100bn_sold": float(-fit.params[flow] * 100),
                "se": float(fit.bse[flow] * 100), "rsquared": float(fit.rsquared), "hac_lags": lags,
            })
    return pd.DataFrame(rows)
