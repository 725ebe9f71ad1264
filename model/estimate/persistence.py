"""The lasting share of a sale's effect, estimated from long distributed lags in yield changes.

The response model's kernel (``model/response.py``) says that after a flow the yield follows
the cumulative lag coefficients for ``S`` months, reaching ``c_S``, and then decays toward a
lasting level ``pi c_S`` with the envelope's half-life (monthly decay ``d``):

    c_h = c_S (pi + (1 - pi) d^(h - S)),   h > S.

Here ``pi`` is estimated. The monthly 10-year change is regressed on each holder's flow at lags
``0..S`` one by one and on the sums of its flow over longer lag blocks (``S+1..12``,
``13..24``, ``25..36``: one coefficient per block, so three years of lags cost three
coefficients), with the baseline's controls and Newey-West (HAC) errors. The cumulative
responses ``c_S`` (the sum of the first ``S + 1`` coefficients) and ``c_H`` (all lags to the
horizon ``H``, each block coefficient counted once per lag in the block) follow, with their
joint covariance. Then ``c_H - k(pi) c_S = 0`` with ``k(pi) = pi + (1 - pi) d^(H - S)``.

* The point estimate solves it for one holder: ``pi = (c_H / c_S - d^(H-S)) / (1 - d^(H-S))``;
  with several holders it minimises the GLS distance of the contrasts (minimum distance).
* The standard error is the delta method's (one holder) or the curvature of that distance.
* The likelihood of ``pi`` is Fieller's: the contrasts ``r(pi) = c_H - k(pi) c_S`` are normal
  with mean zero and a covariance that depends on ``pi``, so a ``c_S`` near zero gives a flat
  likelihood (the data cannot tell) rather than a wild ratio. The response model multiplies it
  by the literature prior and draws from the posterior.

Why changes and not levels: yields and holdings trend together over the sample (the Fed's
purchases, the secular fall in rates), so a levels or error-correction model needs a
cointegrating relation that two decades of monthly data cannot establish; in changes, a long
lag window sums to the level response at ``H`` months without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.spec import (
    EstimationConfig,
    break_mask,
    clean_months,
    control_frame,
    flow_series,
    newey_west_lags,
    per_100bn_factor,
)
from model.panel import Panel
from model.stats import alpha_level, normal_interval

METHOD_TEXT = ("long distributed lags in monthly 10-year changes: lags 0..{S} one by one, then lag blocks "
               "{blocks}; lasting share from the cumulative response at {H} months against that at {S} "
               "(Fieller's likelihood of the ratio)")


def long_lag_design(flows: dict[str, pd.Series], short_lags: int, blocks: list[tuple[int, int]]
                    ) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Regressors of the long-lag model and, per holder, the weights that turn its
    coefficients into the cumulative responses ``c_S`` and ``c_H``.

    Returns
    -------
    X : DataFrame
        ``{holder}_L{k}`` for k = 0..short_lags, then ``{holder}_B{a}_{b}`` (the flow summed
        over lags a..b), per holder.
    short, long : dict
        Holder -> weights over the columns of ``X`` (``w @ params`` = ``c_S`` and ``c_H``).
    """
    columns: dict[str, pd.Series] = {}
    for holder, flow in flows.items():
        for k in range(short_lags + 1):
            columns[f"{holder}_L{k}"] = flow.shift(k)
        for first, last in blocks:
            columns[f"{holder}_B{first}_{last}"] = sum(flow.shift(k) for k in range(first, last + 1))
    X = pd.DataFrame(columns)
    short, long = {}, {}
    for holder in flows:
        w_short = np.array([1.0 if c.startswith(f"{holder}_L") else 0.0 for c in X.columns])
        w_long = w_short.copy()
        for first, last in blocks:
            w_long[list(X.columns).index(f"{holder}_B{first}_{last}")] = last - first + 1.0
        short[holder], long[holder] = w_short, w_long
    return X, short, long


@dataclass
class PersistenceResult:
    """The long-lag estimate of the lasting share (see the module docstring).

    ``params`` are the cumulative responses to $100bn **sold** today (bp on the 10-year; positive
    = sales raise yields), ``c_S`` and ``c_H`` per holder, with their HAC covariance ``cov``.
    """

    holders: list[str]
    short_lags: int
    horizon_months: int
    blocks: list[tuple[int, int]]
    params: pd.Series  # index "{holder}:short", "{holder}:long"
    cov: pd.DataFrame
    nobs: int
    hac_lags: int
    sample_start: str
    sample_end: str
    measure: str
    controls: list[str]
    half_life_months: float
    notes: list[str] = field(default_factory=list)

    method = "long_lags"

    # -- the share -------------------------------------------------------------------------
    @property
    def transient_left(self) -> float:
        """``d^(H - S)``: the share of a transient still there at the horizon."""
        return float(0.5 ** ((self.horizon_months - self.short_lags) / self.half_life_months))

    def _contrast(self, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per share: the contrasts ``c_H - k c_S`` (n, G) and their covariances (n, G, G)."""
        G = len(self.holders)
        k = share + (1.0 - share) * self.transient_left  # (n,)
        c = self.params.to_numpy(float)
        V = self.cov.to_numpy(float)
        D = np.zeros((len(share), G, 2 * G))
        for g in range(G):
            D[:, g, 2 * g] = -k
            D[:, g, 2 * g + 1] = 1.0
        r = D @ c
        cov = D @ V @ D.transpose(0, 2, 1)
        return r, cov

    def loglik(self, share) -> np.ndarray:
        """Fieller's log-likelihood of the lasting share (up to a constant), at each value."""
        share = np.atleast_1d(np.asarray(share, dtype=float))
        r, cov = self._contrast(share)
        _, logdet = np.linalg.slogdet(cov)
        quad = np.einsum("ni,ni->n", r, np.linalg.solve(cov, r[:, :, None])[:, :, 0])
        return -0.5 * (logdet + quad)

    def _distance(self, share: float) -> float:
        r, cov = self._contrast(np.array([share]))
        return float(r[0] @ np.linalg.solve(cov[0], r[0]))

    @property
    def lasting_share(self) -> float:
        """The point estimate (unconstrained: it may fall outside [0, 1] when the data are weak)."""
        k0 = self.transient_left
        if len(self.holders) == 1:
            short, long = self.params.iloc[0], self.params.iloc[1]
            return float((long / short - k0) / (1.0 - k0))
        from scipy.optimize import minimize_scalar

        return float(minimize_scalar(self._distance, bounds=(-10.0, 10.0), method="bounded").x)

    @property
    def se(self) -> float:
        """Delta-method standard error (one holder), else from the distance's curvature."""
        k0 = self.transient_left
        if len(self.holders) == 1:
            short, long = self.params.iloc[0], self.params.iloc[1]
            V = self.cov.to_numpy(float)
            grad = np.array([-long / short ** 2, 1.0 / short])
            return float(np.sqrt(grad @ V @ grad) / (1.0 - k0))
        x, h = self.lasting_share, 1e-4
        curvature = (self._distance(x + h) - 2 * self._distance(x) + self._distance(x - h)) / h ** 2
        return float(np.sqrt(2.0 / curvature)) if curvature > 0 else float("inf")

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy(float))), index=self.params.index)

    def conf_int(self, alpha: float = 0.1) -> pd.DataFrame:
        """Normal intervals of the cumulative responses (``lower``, ``upper``)."""
        low, high = normal_interval(self.params, self.bse, alpha_level(alpha))
        return pd.DataFrame({"lower": low, "upper": high})

    def information(self, grid: np.ndarray | None = None) -> float:
        """How much the data say about the share within [0, 1]: the range of the
        log-likelihood there (near 0: flat, the data cannot tell)."""
        grid = np.linspace(0.0, 1.0, 201) if grid is None else grid
        ll = self.loglik(grid)
        return float(ll.max() - ll.min())

    # -- statsmodels-like views -------------------------------------------------------------
    def describe_method(self) -> str:
        blocks = ", ".join(f"{a}-{b}" for a, b in self.blocks)
        return METHOD_TEXT.format(S=self.short_lags, blocks=blocks, H=self.horizon_months)

    def to_frame(self) -> pd.DataFrame:
        """One row per holder: ``c_S`` and ``c_H`` (bp per $100bn sold) with standard errors."""
        se = self.bse
        rows = []
        for g in self.holders:
            rows.append({"holder": g, "short_run_bp_per_100bn": float(self.params[f"{g}:short"]),
                         "short_run_se": float(se[f"{g}:short"]), "horizon_bp_per_100bn": float(self.params[f"{g}:long"]),
                         "horizon_se": float(se[f"{g}:long"]), "short_lags": self.short_lags,
                         "horizon_months": self.horizon_months})
        return pd.DataFrame(rows)

    def data_record(self) -> dict:
        """The ``response_model.persistence.data`` record of ``tlrisk fit --json``."""
        share, se = self.lasting_share, self.se
        return {"method": self.method, "lasting_share": _finite(share), "se": _finite(se),
                "horizon_months": self.horizon_months, "short_lags": self.short_lags, "holders": list(self.holders),
                "description": self.describe_method(), "sample_start": self.sample_start, "sample_end": self.sample_end,
                "nobs": self.nobs, "log_likelihood_range_0_to_1": round(self.information(), 6),
                "cumulative_bp_per_100bn": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                                            for r in self.to_frame().to_dict("records")]}

    def summary(self) -> str:
        lines = [f"Lasting share from the data: {self.describe_method()}",
                 f"  sample: {self.sample_start} to {self.sample_end}, N = {self.nobs}; Newey-West HAC, "
                 f"{self.hac_lags} lags; flows: {self.measure} (every holder group of the baseline system); "
                 f"controls {', '.join(self.controls) or 'none'}"]
        for r in self.to_frame().itertuples():
            lines.append(f"  {r.holder}: cumulative response after {self.short_lags} months {r.short_run_bp_per_100bn:+.2f} "
                         f"(se {r.short_run_se:.2f}), after {self.horizon_months} months {r.horizon_bp_per_100bn:+.2f} "
                         f"(se {r.horizon_se:.2f}) bp per $100bn sold")
        lines.append(f"  lasting share {self.lasting_share:+.2f} (se {self.se:.2f}); the log-likelihood varies by "
                     f"{self.information():.2f} over [0, 1]")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Everything needed to rebuild the result (the estimation cache) and to read it."""
        return {"holders": self.holders, "short_lags": self.short_lags, "horizon_months": self.horizon_months,
                "blocks": [list(b) for b in self.blocks], "params": self.params.to_dict(),
                "cov": self.cov.to_numpy(float).tolist(), "nobs": self.nobs, "hac_lags": self.hac_lags,
                "sample_start": self.sample_start, "sample_end": self.sample_end, "measure": self.measure,
                "controls": self.controls, "half_life_months": self.half_life_months, "notes": self.notes}

    @classmethod
    def from_dict(cls, record: dict) -> PersistenceResult:
        index = list(record["params"])
        return cls(holders=record["holders"], short_lags=record["short_lags"], horizon_months=record["horizon_months"],
                   blocks=[tuple(b) for b in record["blocks"]], params=pd.Series(record["params"], dtype=float),
                   cov=pd.DataFrame(record["cov"], index=index, columns=index), nobs=record["nobs"],
                   hac_lags=record["hac_lags"], sample_start=record["sample_start"], sample_end=record["sample_end"],
                   measure=record["measure"], controls=record["controls"],
                   half_life_months=record["half_life_months"], notes=record["notes"])

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _finite(value: float) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None


def fit_lasting_share(y: pd.Series, flows: dict[str, pd.Series], controls: pd.DataFrame, short_lags: int,
                      blocks: list[tuple[int, int]], half_life_months: float, factor: float = 1.0,
                      keep: pd.Series | None = None, hac_lags: int | None = None,
                      share_holders: list[str] | None = None) -> PersistenceResult:
    """Estimate the long-lag model on given series (the panel or simulated data).

    Parameters
    ----------
    y : Series
        Monthly yield change, bp.
    flows : dict
        Holder -> monthly purchases (regression units); every holder's lags are regressors.
    controls : DataFrame
        Controls at month t.
    short_lags, blocks
        The lag structure (see :func:`long_lag_design`).
    half_life_months : float
        The kernel's half-life of transients.
    factor : float
        Converts a coefficient sum to bp per $100bn of purchases (sign flipped inside: the
        result is per $100bn sold).
    keep : Series of bool, optional
        Months allowed (e.g. no series break in the lag window).
    hac_lags : int, optional
        Default: the Newey-West rule of thumb for the sample.
    share_holders : list of str, optional
        The holders whose cumulative responses inform the share (default: all).
    """
    from model.estimate.regress import ols_hac

    X, short, long = long_lag_design(flows, short_lags, blocks)
    data = pd.concat([y.rename("y"), X, controls], axis=1)
    if keep is not None:
        data = data[keep.reindex(data.index).fillna(False).astype(bool)]
    data = data.dropna()
    k = X.shape[1] + controls.shape[1] + 1
    if len(data) < k + 10:
        raise ValueError(f"too few observations ({len(data)}) for the long-lag persistence model ({k} regressors)")
    lags = newey_west_lags(len(data)) if hac_lags is None else hac_lags
    fit = ols_hac(data["y"], data.drop(columns="y"), lags)
    names = [c for c in fit.params.index if c != "const"]
    b = fit.params[names].to_numpy(float)
    V = fit.cov.loc[names, names].to_numpy(float)
    rows, labels = [], []
    share_holders = list(share_holders or flows)
    for holder in share_holders:
        for part, w in (("short", short[holder]), ("long", long[holder])):
            full = np.zeros(len(names))
            full[: len(w)] = w  # the flow columns come first, controls after
            rows.append(-factor * full)
            labels.append(f"{holder}:{part}")
    A = np.array(rows)
    return PersistenceResult(
        holders=share_holders, short_lags=short_lags, horizon_months=blocks[-1][1], blocks=[tuple(b) for b in blocks],
        params=pd.Series(A @ b, index=labels), cov=pd.DataFrame(A @ V @ A.T, index=labels, columns=labels),
        nobs=len(data), hac_lags=lags, sample_start=f"{data.index[0]:%Y-%m}", sample_end=f"{data.index[-1]:%Y-%m}",
        measure="", controls=list(controls.columns), half_life_months=half_life_months,
    )


def fit_persistence(panel: Panel, config: EstimationConfig, debt_today_bn: float, half_life_months: float
                    ) -> PersistenceResult:
    """The configured long-lag persistence model on the panel (``[persistence]``)."""
    pc = config.persistence
    dl = config.distributed_lags
    # every holder group of the baseline system is a regressor (as in the system); the share is
    # read from the configured holders' responses
    regressors = list(dict.fromkeys([*getattr(dl.holders, pc.measure), *pc.holders]))
    flows = {h: flow_series(panel, h, pc.measure, config.units) for h in regressors}
    controls, notes = control_frame(panel, list(dl.controls), config.units)
    y = panel.frame[f"dy10y_{'eom_' if dl.yield_timing == 'eom' else ''}bp"]
    keep = pd.Series(panel.frame.index >= pd.Timestamp(config.sample_start + "-01"), index=panel.frame.index)
    if config.exclude_breaks:
        keep &= clean_months(break_mask(panel, pc.measure), pc.horizon_months)
    result = fit_lasting_share(y, flows, controls, pc.short_lags, [tuple(b) for b in pc.blocks], half_life_months,
                               factor=per_100bn_factor(config.units, debt_today_bn), keep=keep,
                               share_holders=list(pc.holders))
    result.measure = pc.measure
    result.notes = list(notes)
    if config.exclude_breaks:
        result.notes.append(f"months whose {pc.horizon_months}-month lag window contains a series break are excluded")
    return result
