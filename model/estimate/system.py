"""The joint distributed-lag system: every maturity on one common sample, one joint HAC
covariance across equations, and a moving-block bootstrap as a second inference.

Each equation explains the monthly change of one response (the 3-month to 30-year yields and
the Kim-Wright 10-year term premium, bp) with the same regressors: current and lagged flows by
holder group and the controls. With identical regressors, seemingly unrelated regressions
reduce to equation-by-equation OLS, so the coefficients are those of separate regressions; what
the system adds is their joint covariance. The HAC estimate stacks the scores of all equations,
``g_t = u_t (x) x_t``, and applies the Newey-West (Bartlett) kernel to them:

    V = (I (x) (X'X)^-1) S (I (x) (X'X)^-1) * T / (T - k),   S = G_0 + sum_l w_l (G_l + G_l')

with ``w_l = 1 - l / (L + 1)`` and statsmodels' small-sample factor ``T / (T - k)``, so each
diagonal block equals statsmodels' single-equation HAC covariance exactly.

The bootstrap resamples whole months (every equation at once, so the cross-equation
correlation is kept) in overlapping blocks of consecutive months (Kunsch 1989).
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.results import RegressionResult, holder_effects
from model.estimate.spec import (
    MAX_LAGS,
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
from model.labels import holder_label, maturity_label
from model.panel import Panel
from model.stats import alpha_level, normal_interval

RESPONSE_TEXT = {
    "3m": "the 3-month Treasury bill yield", "2y": "the 2-year Treasury yield", "5y": "the 5-year Treasury yield",
    "10y": "the 10-year Treasury yield", "30y": "the 30-year Treasury yield",
    "tp10": "the 10-year term premium (Kim-Wright)",
}
CONTROL_TEXT = {
    "dfedfunds_bp": "change in the federal funds rate",
    "dbreakeven10y_bp": "change in the 10-year breakeven inflation rate",
    "fed_purchases": "the Federal Reserve's own Treasury purchases",
    "dterm_premium10y_bp": "change in the 10-year term premium",
}


@dataclass(frozen=True)
class SystemSpec:
    """One specification of the joint distributed-lag system.

    Attributes
    ----------
    measure : str
        Flow measure (``reported``, ``adjusted`` or ``naive``).
    timing : str
        ``avg`` (monthly-average yields) or ``eom`` (month-end yields).
    lags : int
        Flows enter at lags ``0..lags``.
    controls : tuple of str
        Control variables (names from :func:`~model.estimate.spec.control_frame`).
    start, end : str
        Sample window (``YYYY-MM``); ``end`` None means the data's end.
    holders : tuple of str
        Holder groups with their own lag terms.
    window : str
        Name of the sample window (``full``, ...), for labels.
    """

    measure: FlowMeasure
    timing: str
    lags: int
    controls: tuple[str, ...]
    start: str
    end: str | None
    holders: tuple[str, ...]
    window: str = "full"
    controls_name: str = "all"

    @property
    def label(self) -> str:
        """A short unique name, e.g. ``reported/avg/lags0-3/all controls/full``."""
        return f"{self.measure}/{self.timing}/lags0-{self.lags}/{self.controls_name}/{self.window}"

    def describe(self) -> str:
        controls = ", ".join(CONTROL_TEXT.get(c, c) for c in self.controls) or "none"
        timing = "monthly-average" if self.timing == "avg" else "month-end"
        return (f"flows: {MEASURE_TEXT[self.measure]}, lags 0 to {self.lags}; {timing} yields; "
                f"controls: {controls}; window {self.window} ({self.start} to {self.end or 'the data end'})")


@dataclass
class SystemData:
    """The common-sample design of a system: responses ``Y`` (months x equations) and regressors
    ``X`` (months x terms, constant first)."""

    Y: pd.DataFrame
    X: pd.DataFrame
    terms: dict[str, list[str]]  # holder -> its lag terms, in lag order
    notes: list[str]


def system_data(panel: Panel, spec: SystemSpec, config: EstimationConfig, responses: list[str],
                prebuilt: dict | None = None) -> SystemData:
    """Build the system's design on one sample common to every equation.

    A month is kept when every response and every regressor is observed, it lies in the
    window and (with ``exclude_breaks``) neither it nor a lagged flow straddles a series break.

    ``prebuilt`` (a dict the caller keeps between calls) reuses the lagged flows, controls and
    responses of earlier calls with the same flow measure, controls and timing: the
    specification grid builds them once per combination, not once per lag length and window.
    """
    frame = panel.frame
    store = prebuilt if prebuilt is not None else {}
    base_key = (spec.measure, spec.timing, tuple(spec.holders), tuple(spec.controls), tuple(responses))
    if base_key not in store:
        columns = {}
        for holder in spec.holders:
            flow = flow_series(panel, holder, spec.measure, config.units)
            for k in range(MAX_LAGS + 1):
                columns[f"{holder}_L{k}"] = flow.shift(k)
        controls, notes = control_frame(panel, list(spec.controls), config.units)
        X = pd.concat([pd.Series(1.0, index=frame.index, name="const"),
                       pd.DataFrame(columns, index=frame.index), controls], axis=1)
        Y = pd.DataFrame({m: yield_change(panel, m, spec.timing) for m in responses}, index=frame.index)
        store[base_key] = (X, Y, list(controls.columns), notes, break_mask(panel, spec.measure))
    X_all, Y, control_names, notes, breaks = store[base_key]
    terms = {h: [f"{h}_L{k}" for k in range(spec.lags + 1)] for h in spec.holders}
    X = X_all[["const", *(t for names in terms.values() for t in names), *control_names]]
    keep = X.notna().all(axis=1) & Y.notna().all(axis=1)
    keep &= frame.index >= pd.Timestamp(spec.start + "-01")
    if spec.end:
        keep &= frame.index <= pd.Timestamp(spec.end + "-01")
    if config.exclude_breaks:
        keep &= clean_months(breaks, spec.lags)
    return SystemData(Y=Y[keep], X=X[keep], terms=terms, notes=list(notes))


# ---------------------------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------------------------


def ols_multi(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equation-by-equation OLS with common regressors: coefficients (k x m), residuals
    (T x m) and ``(X'X)^-1``."""
    xtx_inv = np.linalg.inv(X.T @ X)
    B = xtx_inv @ (X.T @ Y)
    return B, Y - X @ B, xtx_inv


def newey_west(scores: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West long-run covariance of score rows ``scores[t] = x_t u_t`` (Bartlett weights
    ``1 - j/(lags+1)``), not divided by the sample size."""
    s = scores.T @ scores
    for j in range(1, lags + 1):
        gamma = scores[j:].T @ scores[:-j]
        s += (1.0 - j / (lags + 1.0)) * (gamma + gamma.T)
    return s


def joint_hac(X: np.ndarray, U: np.ndarray, xtx_inv: np.ndarray, lags: int, correction: bool = True) -> np.ndarray:
    """Joint Newey-West covariance of the stacked coefficients of every equation.

    Parameters
    ----------
    X : ndarray (T, k)
        Common regressors.
    U : ndarray (T, m)
        Residuals, one column per equation.
    xtx_inv : ndarray (k, k)
        ``(X'X)^-1``.
    lags : int
        Bartlett kernel truncation.
    correction : bool
        Multiply by ``T / (T - k)`` (statsmodels' ``use_correction``).

    Returns
    -------
    ndarray (m k, m k)
        Ordered equation-major: coefficient ``i`` of equation ``j`` is row ``j k + i``.
    """
    T, k = X.shape
    m = U.shape[1]
    scores = (U[:, :, None] * X[:, None, :]).reshape(T, m * k)  # g_t = u_t (x) x_t
    S = newey_west(scores, lags)
    bread = np.kron(np.eye(m), xtx_inv)
    cov = bread @ S @ bread
    if correction:
        cov *= T / (T - k)
    return (cov + cov.T) / 2


def bootstrap_seed(base: int, spec: SystemSpec) -> list[int]:
    """The bootstrap's seed for a specification: the configured seed and a checksum of the
    specification's label and holders, so the same specification gets the same replicates
    wherever it is fitted (the baseline system and its cell of the grid quote one standard
    error)."""
    return [int(base), zlib.crc32(f"{spec.label}|{','.join(spec.holders)}".encode())]


def block_bootstrap_starts(nobs: int, block: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Start rows of the blocks of ``reps`` moving-block bootstrap samples (reps x blocks).

    Each sample concatenates ``ceil(nobs / block)`` blocks of ``block`` consecutive rows that
    start at uniformly drawn positions (Kunsch 1989), so it has at least ``nobs`` rows.
    """
    block = max(1, min(block, nobs))
    n_blocks = -(-nobs // block)
    return rng.integers(0, nobs - block + 1, size=(reps, n_blocks))


def block_bootstrap(X: np.ndarray, Y: np.ndarray, block: int, reps: int, seed: int | list[int],
                    min_eigenvalue: float = 1e-6) -> np.ndarray:
    """Coefficients re-estimated on moving-block bootstrap samples of whole months.

    Every replicate is an exact OLS refit on its resampled months. The cross-products of each
    possible block are computed once (from cumulative sums), so a replicate costs a sum of
    block cross-products and one small solve.

    Returns
    -------
    ndarray (reps, m k)
        Stacked coefficients per replicate, equation-major like :func:`joint_hac`; replicates
        whose design is singular (a regressor zero in every drawn block) are dropped.
    """
    T, k = X.shape
    m = Y.shape[1]
    block = max(1, min(block, T))
    rng = np.random.default_rng(seed)
    starts = block_bootstrap_starts(T, block, reps, rng)
    # how often each possible block was drawn, per replicate: X*'X* = counts @ (X'X of each block)
    counts = np.zeros((reps, T - block + 1))
    np.add.at(counts, (np.repeat(np.arange(reps), starts.shape[1]), starts.ravel()), 1.0)
    cxx = np.concatenate([np.zeros((1, k * k)), np.cumsum((X[:, :, None] * X[:, None, :]).reshape(T, -1), axis=0)])
    cxy = np.concatenate([np.zeros((1, k * m)), np.cumsum((X[:, :, None] * Y[:, None, :]).reshape(T, -1), axis=0)])
    xtx = (counts @ (cxx[block:] - cxx[:-block])).reshape(reps, k, k)
    xty = (counts @ (cxy[block:] - cxy[:-block])).reshape(reps, k, m)
    # a resample can leave a regressor (nearly) without variation, e.g. a flow measure that is
    # zero before a date: such replicates are degenerate, not informative, and are dropped
    scale = np.sqrt(np.einsum("rii->ri", xtx))
    scale[scale == 0] = 1.0
    corr = xtx / scale[:, :, None] / scale[:, None, :]
    ok = np.linalg.eigvalsh(corr)[:, 0] > min_eigenvalue
    B = np.linalg.solve(xtx[ok], xty[ok])  # (reps, k, m)
    return B.transpose(0, 2, 1).reshape(int(ok.sum()), -1)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class SystemResult:
    """A joint distributed-lag system: coefficients of every equation and their joint
    covariance (HAC, and the block bootstrap when computed).

    Coefficients are in bp per unit of purchases in the regression's flow units;
    ``factor_per_100bn`` converts them to bp per $100bn of purchases at today's debt. Effects
    (:meth:`effect`, :meth:`to_frame`) are reported per $100bn **sold**: positive = sales raise
    yields.

    ``params`` is labelled: terms (rows) by responses (columns). ``bse`` and
    :meth:`cov_params` are those of the covariance the draws use (:attr:`cov_type`).
    """

    spec: SystemSpec
    responses: list[str]
    terms: list[str]
    holder_terms: dict[str, list[str]]
    params: pd.DataFrame  # (k, m): terms x responses
    cov_hac: np.ndarray  # (m k, m k)
    cov_bootstrap: np.ndarray | None
    nobs: int
    hac_lags: int
    rsquared: dict[str, float]
    sample_start: str
    sample_end: str
    factor_per_100bn: float
    units: str
    bootstrap_reps: int = 0
    bootstrap_block: int = 0
    notes: list[str] = field(default_factory=list)

    # -- indexing ------------------------------------------------------------------------
    def index(self, response: str, term: str) -> int:
        """Position of a coefficient in the stacked vector."""
        return self.responses.index(response) * len(self.terms) + self.terms.index(term)

    @functools.cached_property
    def stacked(self) -> np.ndarray:
        """All coefficients, equation-major (matching the covariance)."""
        return self.params.to_numpy(float).T.reshape(-1)

    @property
    def cov_type(self) -> str:
        """``"bootstrap"`` or ``"HAC"``: the covariance of :attr:`bse` and the draws."""
        return "bootstrap" if self.inference == "bootstrap" else "HAC"

    def cov_params(self) -> pd.DataFrame:
        """The covariance the draws use, labelled ``(response, term)`` on both axes."""
        index = pd.MultiIndex.from_product([self.responses, self.terms], names=["response", "term"])
        return pd.DataFrame(self.cov, index=index, columns=index)

    @property
    def bse(self) -> pd.DataFrame:
        """Standard errors of :attr:`params` (terms x responses), from :meth:`cov_params`."""
        se = np.sqrt(np.diag(self.cov)).reshape(len(self.responses), len(self.terms)).T
        return pd.DataFrame(se, index=self.terms, columns=self.responses)

    def conf_int(self, alpha: float = 0.1) -> pd.DataFrame:
        """Normal intervals of every coefficient: ``lower`` and ``upper`` by (response, term)."""
        params = self.params.T.stack()
        bse = self.bse.T.stack()
        low, high = normal_interval(params, bse, alpha_level(alpha))
        return pd.DataFrame({"lower": low, "upper": high})

    @functools.cached_property
    def inference(self) -> str:
        """Which covariance the draws use: the wider of HAC and the bootstrap for the cumulative
        effects (``hac`` or ``bootstrap``)."""
        if self.cov_bootstrap is None:
            return "hac"
        A = self.cumulative_matrix()
        hac = np.trace(A @ self.cov_hac @ A.T)
        boot = np.trace(A @ self.cov_bootstrap @ A.T)
        return "bootstrap" if boot > hac else "hac"

    @property
    def cov(self) -> np.ndarray:
        """The covariance used downstream (see :attr:`inference`)."""
        return self.cov_bootstrap if self.inference == "bootstrap" else self.cov_hac

    def cumulative_matrix(self, holders: list[str] | None = None, responses: list[str] | None = None) -> np.ndarray:
        """Matrix ``A`` with ``A @ stacked`` = cumulative lag sums, ordered (response, holder)."""
        holders = holders or list(self.holder_terms)
        responses = responses or self.responses
        A = np.zeros((len(responses) * len(holders), len(self.stacked)))
        for r, m in enumerate(responses):
            for h, g in enumerate(holders):
                for t in self.holder_terms[g]:
                    A[r * len(holders) + h, self.index(m, t)] = 1.0
        return A

    def lag_indices(self, holders: list[str], responses: list[str] | None = None) -> list[int]:
        """Stacked positions of the lag terms, ordered (response, holder, lag)."""
        responses = responses or self.responses
        return [self.index(m, t) for m in responses for g in holders for t in self.holder_terms[g]]

    def effect(self, holder: str, response: str, cov: str = "used") -> tuple[float, float]:
        """Cumulative effect and its standard error, bp per $100bn sold today (positive = sales
        raise yields)."""
        idx = [self.index(response, t) for t in self.holder_terms[holder]]
        matrix = {"used": self.cov, "hac": self.cov_hac, "bootstrap": self.cov_bootstrap}[cov]
        if matrix is None:
            return float("nan"), float("nan")
        value = float(self.stacked[idx].sum())
        se = float(np.sqrt(matrix[np.ix_(idx, idx)].sum()))
        return -value * self.factor_per_100bn, se * self.factor_per_100bn

    # -- statsmodels-like views ----------------------------------------------------------
    def equation(self, response: str) -> RegressionResult:
        """One equation as a :class:`RegressionResult` (its block of the covariance the draws
        use: ``cov_type``)."""
        j = self.responses.index(response)
        k = len(self.terms)
        block = slice(j * k, (j + 1) * k)
        params = self.params[response].rename(None)
        cov = pd.DataFrame(self.cov[block, block], index=self.terms, columns=self.terms)
        bse = pd.Series(np.sqrt(np.diag(cov)), index=self.terms)
        effects = holder_effects(params, cov, self.holder_terms, self.factor_per_100bn)
        what = RESPONSE_TEXT.get(response, response)
        timing = "monthly-average" if self.spec.timing == "avg" else "month-end"
        spec = self.spec
        text = (f"d{response}(t) = a + sum_k=0..{spec.lags} b_gk flow_g(t-k) + controls; flows = "
                f"{MEASURE_TEXT[spec.measure]}, {'% of debt held by the public' if self.units == 'pct_debt' else '$bn'}; "
                f"holders {', '.join(self.holder_terms)}; controls {', '.join(spec.controls) or 'none'}; "
                f"one equation of a joint system of {len(self.responses)} responses on a common sample")
        return RegressionResult(
            name=f"distributed_lags/{response}/{spec.measure}", spec="distributed_lags",
            dependent=f"monthly change in {what}, bp ({timing})", maturity=response, flow_measure=spec.measure,
            units=self.units, sample_start=self.sample_start, sample_end=self.sample_end, nobs=self.nobs,
            hac_lags=self.hac_lags, rsquared=self.rsquared[response], params=params, bse=bse, cov=cov,
            specification=text, effects=effects, factor_per_100bn=self.factor_per_100bn,
            scale_note=f"cumulative over {spec.lags + 1} months, at today's debt held by the public",
            notes=list(self.notes), cov_type=self.cov_type,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per (response, holder): cumulative effect, the standard error the draws use
        (``se_bp_per_100bn``, ``cov_type``), and both the HAC and the bootstrap errors."""
        rows = []
        for m in self.responses:
            for g in self.holder_terms:
                value, se = self.effect(g, m)
                _, se_hac = self.effect(g, m, "hac")
                _, se_boot = self.effect(g, m, "bootstrap") if self.cov_bootstrap is not None else (None, np.nan)
                rows.append({"specification": self.spec.label, "response": m, "holder": g,
                             "effect_bp_per_100bn": value, "se_bp_per_100bn": se, "cov_type": self.cov_type,
                             "se_hac_bp_per_100bn": se_hac, "se_bootstrap_bp_per_100bn": se_boot, "nobs": self.nobs,
                             "sample_start": self.sample_start, "sample_end": self.sample_end})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Sample, specification, inference and every holder's cumulative effect by response."""
        frame = self.to_frame()
        lines = [
            f"Joint distributed-lag system: {self.spec.label}",
            f"  specification: {self.spec.describe()}",
            f"  sample:        {self.sample_start} to {self.sample_end}, N = {self.nobs} months, common to "
            f"all {len(self.responses)} equations",
            f"  errors:        joint Newey-West HAC across equations, {self.hac_lags} lags"
            + (f"; moving-block bootstrap, {self.bootstrap_reps} replicates of {self.bootstrap_block}-month "
               f"blocks; draws use the {self.inference} covariance (the wider)" if self.cov_bootstrap is not None else ""),
            f"  {'yield':<22}{'holder':<26}{'bp per $100bn sold':>20}{'se (HAC)':>10}{'se (boot)':>11}",
        ]
        for r in frame.itertuples():
            boot = f"{r.se_bootstrap_bp_per_100bn:>11.2f}" if np.isfinite(r.se_bootstrap_bp_per_100bn) else f"{'-':>11}"
            lines.append(f"  {maturity_label(r.response):<22}{holder_label(r.holder)[:25]:<26}"
                         f"{r.effect_bp_per_100bn:>+20.2f}{r.se_hac_bp_per_100bn:>10.2f}{boot}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "specification": self.spec.label, "description": self.spec.describe(), "responses": self.responses,
            "sample_start": self.sample_start, "sample_end": self.sample_end, "nobs": self.nobs,
            "hac_lags": self.hac_lags, "inference": self.inference, "bootstrap_reps": self.bootstrap_reps,
            "bootstrap_block_months": self.bootstrap_block,
            "rsquared": {k: round(v, 6) for k, v in self.rsquared.items()},
            "effects": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                        for r in self.to_frame().to_dict("records")],
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def fit_system(
    panel: Panel, spec: SystemSpec, config: EstimationConfig, responses: list[str], debt_today_bn: float,
    bootstrap_reps: int = 0, bootstrap_block: int = 12, seed: int = 0, min_obs_per_regressor: float = 1.0,
    prebuilt: dict | None = None,
) -> SystemResult:
    """Estimate a joint distributed-lag system on its common sample.

    Parameters
    ----------
    panel : Panel
        The monthly analysis frame.
    spec : SystemSpec
        Flow measure, yield timing, lags, controls, window and holders.
    config : EstimationConfig
        Units and break handling.
    responses : list of str
        Equations (maturities and ``tp10``).
    debt_today_bn : float
        Debt held by the public today, for effects per $100bn.
    bootstrap_reps : int
        Moving-block bootstrap replicates (0: HAC only).
    bootstrap_block : int
        Block length in months.
    seed : int
        The configured bootstrap seed; the replicates are seeded by it and the specification
        (:func:`bootstrap_seed`).
    min_obs_per_regressor : float
        Months required per regressor (at least ``k + 10`` months in any case).

    Returns
    -------
    SystemResult

    Raises
    ------
    ValueError
        When the common sample is too short for the number of regressors.
    """
    data = system_data(panel, spec, config, responses, prebuilt)
    X, Y = data.X.to_numpy(float), data.Y.to_numpy(float)
    T, k = X.shape
    if max(k + 10, min_obs_per_regressor * k) > T:
        raise ValueError(f"too few observations for {spec.label}: {T} months for {k} regressors")
    B, U, xtx_inv = ols_multi(X, Y)
    hac = newey_west_lags(T)
    cov = joint_hac(X, U, xtx_inv, hac)
    boot = None
    if bootstrap_reps:
        draws = block_bootstrap(X, Y, bootstrap_block, bootstrap_reps, bootstrap_seed(seed, spec))
        boot = np.cov(draws, rowvar=False)
    tss = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    rsquared = {m: float(1 - (U[:, j] ** 2).sum() / tss[j]) for j, m in enumerate(responses)}
    notes = list(data.notes)
    if config.exclude_breaks:
        notes.append("months whose flow (or a lagged flow) straddles a series break are excluded")
    if spec.measure == "naive":
        notes.append("naive holdings changes include valuation changes since Dec 2011: expect a mechanical negative bias")
    return SystemResult(
        spec=spec, responses=list(responses), terms=list(data.X.columns), holder_terms=data.terms,
        params=pd.DataFrame(B, index=list(data.X.columns), columns=list(responses)), cov_hac=cov,
        cov_bootstrap=boot, nobs=T, hac_lags=hac, rsquared=rsquared,
        sample_start=f"{data.X.index[0]:%Y-%m}", sample_end=f"{data.X.index[-1]:%Y-%m}",
        factor_per_100bn=per_100bn_factor(config.units, debt_today_bn), units=config.units,
        bootstrap_reps=len(draws) if bootstrap_reps else 0, bootstrap_block=bootstrap_block if bootstrap_reps else 0,
        notes=notes,
    )
