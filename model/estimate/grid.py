"""The specification grid: the joint system under every declared defensible specification.

The grid (``[grid]`` in ``estimation.toml``) crosses flow measures, control sets, lag lengths
and sample windows. Each cell is a :class:`~model.estimate.system.SystemResult` on its own
common sample. Together they are the specification curve of each holder's effect, and the
response model averages over them (with the documented weights) so that scenario bands carry
specification uncertainty as well as sampling uncertainty.

Weights: stacking of predictive distributions (Yao, Vehtari, Simpson & Gelman 2018, "Using
stacking to average Bayesian predictive distributions"). For every evaluation month ``t``, each
specification is estimated by OLS on the months of its window before ``t`` and gives the
Student-t predictive density of the 10-year change at ``t`` given that month's regressors,

    p_s(y_t) = t_{n-k}( (y_t - x_t'b) / sqrt(v_t) ) / sqrt(v_t),   v_t = s^2 (1 + x_t'(X'X)^-1 x_t),

the exact predictive of the normal linear model under a flat prior. The weights maximise
``sum_t log sum_s w_s p_s(y_t)`` on the simplex (a concave problem). Control sets declared as
sensitivities and
specifications that cannot predict enough of the evaluation months get weight 0, with a reason.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.spec import EstimationConfig
from model.estimate.system import SystemResult, SystemSpec, fit_system, system_data
from model.labels import holder_label, maturity_label
from model.panel import Panel

STACKING_RESPONSE = "10y"  # the equation whose predictions set the weights (the headline maturity)
MIN_WEIGHT = 1e-4  # stacking weights below this are set to zero (and the rest renormalised)


def grid_specs(config: EstimationConfig) -> list[SystemSpec]:
    """Every specification the grid declares, in a fixed order."""
    grid = config.grid
    specs = []
    for measure, (controls_name, controls), lags, (window_name, window) in itertools.product(
        grid.measures, grid.controls.items(), grid.lags, grid.windows.items()
    ):
        specs.append(SystemSpec(
            measure=measure, timing=grid.timing, lags=lags, controls=tuple(controls),
            start=max(window.start, config.sample_start), end=window.end, holders=tuple(grid.holders),
            window=window_name, controls_name=controls_name,
        ))
    return specs


def baseline_spec(config: EstimationConfig, measure: str, holders: list[str] | None = None) -> SystemSpec:
    """The baseline system of one flow measure (``[distributed_lags]``)."""
    dl = config.distributed_lags
    names = [name for name, c in config.grid.controls.items() if list(c) == list(dl.controls)]
    return SystemSpec(
        measure=measure, timing=dl.yield_timing, lags=dl.lags, controls=tuple(dl.controls),
        start=config.sample_start, end=None,
        holders=tuple(holders if holders is not None else getattr(dl.holders, measure)),
        window="full", controls_name=names[0] if names else "baseline controls",
    )


@dataclass
class GridResult:
    """The joint system under every specification of the grid, with model-averaging weights.

    ``unweighted`` names the fitted specifications with weight 0 and why (a sensitivity control
    set, or too few months to be evaluated out of sample); ``evaluation`` describes the stacking
    sample (``start``, ``end``, ``months``, ``response``) and each weighted candidate's summed
    log predictive density (``log_score``).
    """

    systems: list[SystemResult]
    weights: np.ndarray
    weights_rule: str
    baseline: str  # label of the baseline specification (in the grid)
    skipped: dict[str, str]  # specification label -> why it was left out
    unweighted: dict[str, str] = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    sensitivities: dict[str, str] = field(default_factory=dict)  # control set -> why it is not weighted

    @property
    def labels(self) -> list[str]:
        return [s.spec.label for s in self.systems]

    def to_frame(self) -> pd.DataFrame:
        """One row per (specification, response, holder): effect and standard errors, bp per
        $100bn sold today (positive = sales raise yields), with the inference the draws use."""
        return self._frame.copy()

    @functools.cached_property
    def _frame(self) -> pd.DataFrame:
        rows = []
        for system, weight in zip(self.systems, self.weights, strict=True):
            for m in system.responses:
                for g in system.holder_terms:
                    value, se = system.effect(g, m)
                    _, se_hac = system.effect(g, m, "hac")
                    rows.append({
                        "specification": system.spec.label, "measure": system.spec.measure,
                        "controls": system.spec.controls_name, "lags": system.spec.lags,
                        "window": system.spec.window, "holder": g, "maturity": m,
                        "effect_bp_per_100bn": value, "se_bp_per_100bn": se, "se_hac_bp_per_100bn": se_hac,
                        "inference": system.inference, "nobs": system.nobs, "sample_start": system.sample_start,
                        "sample_end": system.sample_end, "weight": float(weight),
                        "sensitivity": system.spec.controls_name in self.sensitivities,
                    })
        return pd.DataFrame(rows)

    def records(self) -> list[dict]:
        """The ``specification_grid`` list of ``tlrisk fit --json``."""
        keep = ["holder", "maturity", "specification", "effect_bp_per_100bn", "se_bp_per_100bn", "se_hac_bp_per_100bn",
                "inference", "nobs", "sample_start", "sample_end", "weight", "sensitivity"]
        return [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.to_frame()[keep].to_dict("records")]

    def curve(self, holder: str, maturity: str = "10y") -> pd.DataFrame:
        """The specification curve: one holder's effect in every specification, sorted."""
        frame = self.to_frame()
        frame = frame[(frame["holder"] == holder) & (frame["maturity"] == maturity)]
        return frame.sort_values("effect_bp_per_100bn").reset_index(drop=True)

    def weights_text(self) -> str:
        """One sentence: how the specifications are weighted."""
        n = int((self.weights > 0).sum())
        if self.weights_rule != "stacking":
            return f"equal weights over the {n} weighted specifications"
        ev = self.evaluation
        return (f"stacking weights ({n} of {len(self.systems)} specifications weighted): the mixture of the "
                f"specifications' predictive distributions of the {maturity_label(ev.get('response', '10y'))} change "
                "that predicts "
                f"best out of sample, {ev.get('start')} to {ev.get('end')} ({ev.get('months')} months, each "
                "month predicted from a fit to the months before it)")

    def summary(self, holders: list[str] | None = None, maturity: str = "10y") -> str:
        """Per holder: the range and spread of the effect across specifications, the weights and
        the sensitivities."""
        frame = self.to_frame()
        frame = frame[frame["maturity"] == maturity]
        holders = holders or list(dict.fromkeys(frame["holder"]))
        lines = [f"Specification grid: {len(self.systems)} joint systems; {self.weights_text()}; "
                 f"{maturity} effect, bp per $100bn sold today (positive = sales raise yields)"]
        for g in holders:
            rows = frame[frame["holder"] == g]
            v, w = rows["effect_bp_per_100bn"], rows["weight"]
            mean = float(np.average(v, weights=w))
            positive = float(w[v > 0].sum() / w.sum())
            lines.append(f"  {holder_label(g):<20} weighted mean {mean:+.2f}; range {v.min():+.2f} to {v.max():+.2f}; "
                         f"median {v.median():+.2f}; positive (sales raise yields) in {positive:.0%} of the weight")
            for name in self.sensitivities:
                s = rows[rows["controls"] == name]["effect_bp_per_100bn"]
                if len(s):
                    lines.append(f"  {'':<20} sensitivity '{name}' (weight 0): mean {s.mean():+.2f} over {len(s)} "
                                 "specifications")
        top = sorted(((w, s.spec.label) for s, w in zip(self.systems, self.weights, strict=True) if w > 0), reverse=True)
        lines.append("  weights: " + "; ".join(f"{label} {w:.3f}" for w, label in top[:8])
                     + (f"; and {len(top) - 8} more" if len(top) > 8 else ""))
        for name, why in self.sensitivities.items():
            lines.append(f"  sensitivity '{name}': {why}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(self.records(), indent=2)


def _unpredictable(config: EstimationConfig) -> None:
    """The settings' stacking window holds no month the weighted specifications can predict."""
    from model.config import config_path
    from model.errors import InputError

    raise InputError(f"no month from {config.grid.stacking_start} on can be predicted by the weighted specifications "
                     "(use an earlier month, or weights = \"equal\")", config_path("estimation.toml"),
                     field="grid.stacking_start")


def fit_grid(panel: Panel, config: EstimationConfig, responses: list[str], debt_today_bn: float) -> GridResult:
    """Fit the joint system under every grid specification.

    Specifications whose common sample is too short for their regressors
    (``grid.min_obs_per_regressor``) are left out and listed in ``skipped``.
    """
    from model.workers import cpu_workers, map_forked

    dl = config.distributed_lags
    if config.grid.weights != "equal" and pd.Timestamp(config.grid.stacking_start + "-01") > panel.frame.index.max():
        _unpredictable(config)  # no month to evaluate on: said before the grid is fitted
    specs = grid_specs(config)
    prebuilt: dict = {}  # lagged flows, controls and responses, built once per measure and controls

    def fit(i: int) -> SystemResult | str:
        try:
            return fit_system(panel, specs[i], config, responses, debt_today_bn,
                              bootstrap_reps=dl.bootstrap_reps, bootstrap_block=dl.bootstrap_block_months,
                              seed=dl.bootstrap_seed, min_obs_per_regressor=config.grid.min_obs_per_regressor,
                              prebuilt=prebuilt)
        except ValueError as exc:
            return str(exc)

    # the specifications are independent: fitted in worker processes where there are CPUs to spare
    fitted = map_forked(fit, len(specs), cpu_workers(2))
    systems = [f for f in fitted if not isinstance(f, str)]
    skipped = {spec.label: f for spec, f in zip(specs, fitted, strict=True) if isinstance(f, str)}
    if not systems:
        raise ValueError("no specification of the grid has enough observations")
    base = baseline_spec(config, config.grid.measures[0], config.grid.holders)
    weights, unweighted, evaluation = grid_weights(panel, config, systems, base.label, responses, prebuilt)
    return GridResult(systems=systems, weights=weights, weights_rule=config.grid.weights, baseline=base.label,
                      skipped=skipped, unweighted=unweighted, evaluation=evaluation,
                      sensitivities=dict(config.grid.sensitivities))


# ---------------------------------------------------------------------------------------------
# Weights: stacking of predictive distributions
# ---------------------------------------------------------------------------------------------


def predictive_log_scores(X: np.ndarray, y: np.ndarray, train_rows: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Log predictive densities of ``y[targets]``, each from OLS on the first ``train_rows``
    rows: the Student-t predictive of the normal linear model (``n - k`` degrees of freedom,
    scale ``s^2 (1 + x'(X'X)^-1 x)``). NaN where a fit has fewer than ``k + 10`` rows.

    Parameters
    ----------
    X : ndarray (T, k)
        Regressors (with the constant), rows in time order.
    y : ndarray (T,)
    train_rows : ndarray of int
        For each target, how many leading rows the fit uses.
    targets : ndarray of int
        The rows predicted.
    """
    from scipy.special import gammaln

    T, k = X.shape
    cxx = np.cumsum(X[:, :, None] * X[:, None, :], axis=0)
    cxy = np.cumsum(X * y[:, None], axis=0)
    cyy = np.cumsum(y * y)
    out = np.full(len(targets), np.nan)
    ok = train_rows >= k + 10
    if not ok.any():
        return out
    n, rows = train_rows[ok], targets[ok]
    xtx, xty = cxx[n - 1], cxy[n - 1]
    x = X[rows]
    solved = np.linalg.solve(xtx, np.stack([xty, x], axis=2))  # (m, k, 2): b and (X'X)^-1 x
    b, ainv_x = solved[:, :, 0], solved[:, :, 1]
    df = n - k
    s2 = (cyy[n - 1] - np.einsum("ij,ij->i", b, xty)) / df
    v = s2 * (1.0 + np.einsum("ij,ij->i", x, ainv_x))
    z2 = (y[rows] - np.einsum("ij,ij->i", x, b)) ** 2 / v
    out[ok] = (gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * np.log(df * np.pi * v)
               - (df + 1) / 2 * np.log1p(z2 / df))
    return out


def stacking_weights(log_scores: np.ndarray) -> np.ndarray:
    """Weights on the simplex maximising ``sum_t log sum_s w_s exp(log_scores[t, s])``.

    The objective is concave; it is maximised by sequential quadratic programming (scipy's
    SLSQP, analytic gradient) on the simplex. Weights below ``MIN_WEIGHT`` are set to zero and
    the rest renormalised.
    """
    from scipy.optimize import minimize

    P = np.exp(log_scores - log_scores.max(axis=1, keepdims=True))  # per-month scaling leaves the argmax unchanged
    S = P.shape[1]
    if S == 1:
        return np.ones(1)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        mix = np.clip(P @ w, 1e-300, None)
        return -float(np.log(mix).sum()), -(P / mix[:, None]).sum(axis=0)

    start = np.full(S, 1.0 / S)
    fit = minimize(objective, start, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * S,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(S)}],
                   options={"maxiter": 1000, "ftol": 1e-12})
    w = np.clip(fit.x, 0.0, None)
    w[w < MIN_WEIGHT] = 0.0
    return w / w.sum()


def grid_weights(panel: Panel, config: EstimationConfig, systems: list[SystemResult], baseline: str,
                 responses: list[str], prebuilt: dict) -> tuple[np.ndarray, dict[str, str], dict]:
    """The model-averaging weights of the fitted specifications (see the module docstring).

    Returns
    -------
    weights : ndarray
        One per system, summing to 1.
    unweighted : dict
        Label -> why its weight is 0 by rule (not merely a small stacking weight).
    evaluation : dict
        The stacking sample and each candidate's summed log score.
    """
    grid = config.grid
    unweighted = {s.spec.label: f"sensitivity: {s.spec.controls_name}" for s in systems
                  if s.spec.controls_name in grid.sensitivities}
    candidates = [i for i, s in enumerate(systems) if s.spec.label not in unweighted]
    weights = np.zeros(len(systems))
    if grid.weights == "equal":
        weights[candidates] = 1.0 / len(candidates)
        return weights, unweighted, {"rule": "equal"}
    first = pd.Timestamp(grid.stacking_start + "-01")
    scores: dict[int, pd.Series] = {}
    for i in candidates:
        spec = systems[i].spec
        data = system_data(panel, dataclasses.replace(spec, end=None), config, responses, prebuilt)
        index = data.X.index
        in_window = int((index <= pd.Timestamp(spec.end + "-01")).sum()) if spec.end else len(index)
        targets = np.flatnonzero(index >= first)
        train = np.minimum(targets, in_window)  # rows before the target month, within the window
        logp = predictive_log_scores(data.X.to_numpy(float), data.Y[STACKING_RESPONSE].to_numpy(float), train, targets)
        scores[i] = pd.Series(logp, index=index[targets]).dropna()
    base = next((i for i in candidates if systems[i].spec.label == baseline), candidates[0])
    months = scores[base].index
    evaluable = []
    for i in candidates:
        coverage = len(scores[i].index.intersection(months)) / max(len(months), 1)
        if coverage >= grid.stacking_min_coverage:
            evaluable.append(i)
        else:
            unweighted[systems[i].spec.label] = (f"cannot be evaluated out of sample: predicts {coverage:.0%} of the "
                                                 f"evaluation months (too few months for its regressors)")
    for i in evaluable:
        months = months.intersection(scores[i].index)
    if not evaluable or len(months) == 0:
        _unpredictable(config)
    table = np.column_stack([scores[i].reindex(months).to_numpy() for i in evaluable])
    weights[evaluable] = stacking_weights(table)
    evaluation = {
        "rule": "stacking", "response": STACKING_RESPONSE, "start": f"{months[0]:%Y-%m}", "end": f"{months[-1]:%Y-%m}",
        "months": len(months),
        "log_score": {systems[i].spec.label: round(float(table[:, j].sum()), 6) for j, i in enumerate(evaluable)},
        "mixture_log_score": round(float(np.log(np.exp(table) @ weights[evaluable]).sum()), 6),
    }
    return weights, unweighted, evaluation
