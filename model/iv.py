"""Two-stage least squares with Newey-West (HAC) errors, beside OLS on the same sample, and its
application to Japan's monthly flows instrumented by the Ministry of Finance's interventions.

:func:`tsls_hac` fits 2SLS and OLS with linearmodels (``IV2SLS``, Bartlett kernel at the given
lags, the small-sample ``n/(n-k)`` factor) and takes the first-stage diagnostics from it: for
each endogenous regressor the HAC Wald F of the excluded instruments in its own first stage,
and for all of them together the Kleibergen-Paap rk Wald F (with one endogenous regressor the
two are equal). What linearmodels lacks is written here and tested against independent
computations: the Anderson-Rubin test that the endogenous coefficients take given values
(valid however weak the instruments) and, for one endogenous regressor, its confidence set:
every value the test does not reject. With one instrument the set solves a quadratic
inequality; it is an interval when the instrument is strong enough, else two rays or the
whole line (Dufour 1997: a valid set for a possibly weak instrument must be unbounded with
positive probability).

:func:`japan_intervention_iv` builds the monthly 10-year equation of the distributed-lag model
(:func:`model.estimate.regress.dl_design`, reported flows) and instruments Japan's current-month
reported net purchases by the dollars the Ministry bought that month (sold = negative), each
operation dated by its settlement month.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.system import newey_west
from model.stats import LEVEL_90, alpha_level, normal_interval

WEAK_F = 10.0  # Staiger-Stock rule of thumb for one endogenous regressor


def ols_hac(y: np.ndarray, X: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS coefficients, HAC covariance (with the ``n/(n-k)`` small-sample factor, as
    statsmodels' ``use_correction``) and residuals."""
    n, k = X.shape
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    resid = y - X @ beta
    cov = bread @ newey_west(X * resid[:, None], lags) @ bread * n / (n - k)
    return beta, cov, resid


def wald_f(beta: np.ndarray, cov: np.ndarray, index: list[int]) -> float:
    """Wald statistic of ``beta[index] = 0`` divided by the number of restrictions."""
    b = beta[index]
    return float(b @ np.linalg.solve(cov[np.ix_(index, index)], b) / len(index))


def _chi2_sf(x: float, dof: int) -> float:
    """Upper tail of the chi-square distribution (scipy.special: no scipy.stats import)."""
    from scipy.special import chdtrc

    return float(chdtrc(dof, x))


def _chi2_isf(p: float, dof: int) -> float:
    """The chi-square quantile with upper tail ``p``."""
    from scipy.special import chdtri

    return float(chdtri(dof, p))


# ---------------------------------------------------------------------------------------------
# The Anderson-Rubin test and its confidence set
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfidenceSet:
    """A set of coefficient values: a union of closed intervals, ends possibly infinite."""

    intervals: tuple[tuple[float, float], ...]
    level: float

    @property
    def shape(self) -> str:
        """``interval``, ``two rays``, ``whole line``, ``half line`` or ``empty``."""
        if not self.intervals:
            return "empty"
        if len(self.intervals) == 1:
            lo, hi = self.intervals[0]
            if math.isinf(lo) and math.isinf(hi):
                return "whole line"
            return "half line" if math.isinf(lo) or math.isinf(hi) else "interval"
        if len(self.intervals) == 2 and math.isinf(self.intervals[0][0]) and math.isinf(self.intervals[1][1]):
            return "two rays"
        return "union of intervals"

    @property
    def bounded(self) -> bool:
        return bool(self.intervals) and all(map(math.isfinite, (v for iv in self.intervals for v in iv)))

    def contains(self, value: float) -> bool:
        return any(lo <= value <= hi for lo, hi in self.intervals)

    def scaled(self, factor: float) -> ConfidenceSet:
        """The set of ``factor * value`` (a negative factor reverses the order)."""
        parts = [tuple(sorted((lo * factor, hi * factor))) for lo, hi in self.intervals]
        return ConfidenceSet(tuple(sorted(parts)), self.level)

    def text(self, digits: int = 1) -> str:
        """``[-3.1, +40.2]``, ``(-inf, -2.0] and [+5.1, +inf)``, ``the whole line``."""
        from model.numbers import number

        if self.shape == "whole line":
            return "the whole line (no value is rejected)"
        if not self.intervals:
            return "empty (every value is rejected)"

        def end(v: float) -> str:
            return ("-inf" if v < 0 else "+inf") if math.isinf(v) else number(v, digits)

        return " and ".join(f"{'(' if math.isinf(lo) else '['}{end(lo)}, {end(hi)}{')' if math.isinf(hi) else ']'}"
                            for lo, hi in self.intervals)

    def to_list(self) -> list[dict]:
        """JSON: ``[{low, high}]`` with None for an unbounded end."""
        return [{"low": None if math.isinf(lo) else lo, "high": None if math.isinf(hi) else hi}
                for lo, hi in self.intervals]


@dataclass(frozen=True)
class AndersonRubin:
    """What the Anderson-Rubin statistic needs: the reduced form of ``y`` and of each
    endogenous regressor on all instruments, and the joint HAC covariance of their scores.

    For values b of the endogenous coefficients, ``y - X_endog b`` on the instruments has
    coefficients ``pi_y - Pi_x b`` and scores ``g_y - G_x b``; the HAC covariance of those is a
    quadratic in b built from the one joint Newey-West matrix, so no regression is rerun.
    """

    coef: np.ndarray  # (instruments incl. exogenous, 1 + endogenous): y first
    scores_cov: np.ndarray  # Newey-West of the stacked scores [Z u_y, Z u_x1, ...]
    bread: np.ndarray  # (Z'Z)^-1
    excluded: list[int]  # rows of the excluded instruments
    nobs: int

    def statistic(self, values) -> float:
        """The AR statistic (Wald / number of excluded instruments) at ``values``."""
        b = np.atleast_1d(np.asarray(values, float))
        kz = self.bread.shape[0]
        weights = np.concatenate([[1.0], -b])  # y - X_endog b
        M = np.kron(weights[None, :], np.eye(kz))  # stacked scores -> scores of the combination
        meat = M @ self.scores_cov @ M.T
        cov = self.bread @ meat @ self.bread * self.nobs / (self.nobs - kz)
        pi = self.coef @ weights
        e = self.excluded
        return float(pi[e] @ np.linalg.solve(cov[np.ix_(e, e)], pi[e]) / len(e))

    def test(self, values) -> tuple[float, float]:
        """``(F, p)``: the statistic and its asymptotic p-value (chi-square / q)."""
        f = self.statistic(values)
        q = len(self.excluded)
        return f, _chi2_sf(f * q, q)

    def critical(self, level: float) -> float:
        q = len(self.excluded)
        return _chi2_isf(1.0 - level, q) / q

    def confidence_set(self, level: float = LEVEL_90) -> ConfidenceSet:
        """Every value of the (single) endogenous coefficient the test at ``1 - level`` does not reject."""
        if self.coef.shape[1] != 2:
            raise ValueError("the Anderson-Rubin confidence set is computed for one endogenous regressor")
        crit = self.critical(level)
        if len(self.excluded) == 1:
            return self._quadratic_set(crit, level)
        return self._numeric_set(crit, level)

    def _pieces(self) -> tuple[float, float, float, float, float]:
        """One instrument: pi(b) = a - b c and V(b) = v_yy - 2 b v_xy + b^2 v_xx."""
        kz = self.bread.shape[0]
        e = self.excluded[0]
        row = self.bread[e] * math.sqrt(self.nobs / (self.nobs - kz))
        S = self.scores_cov
        v_yy = float(row @ S[:kz, :kz] @ row)
        v_xx = float(row @ S[kz:, kz:] @ row)
        v_xy = float(row @ S[:kz, kz:] @ row)
        return float(self.coef[e, 0]), float(self.coef[e, 1]), v_yy, v_xy, v_xx

    def _quadratic_set(self, crit: float, level: float) -> ConfidenceSet:
        # (a - b c)^2 <= crit (v_yy - 2 b v_xy + b^2 v_xx)  <=>  A b^2 + B b + C <= 0
        a, c, v_yy, v_xy, v_xx = self._pieces()
        A, B, C = c * c - crit * v_xx, -2.0 * (a * c - crit * v_xy), a * a - crit * v_yy
        inf = math.inf
        if abs(A) < 1e-14 * max(c * c, crit * v_xx, 1e-300):  # the boundary case: a half line
            if B == 0:
                return ConfidenceSet(((-inf, inf),) if C <= 0 else (), level)
            root = -C / B
            return ConfidenceSet(((-inf, root),) if B > 0 else ((root, inf),), level)
        disc = B * B - 4.0 * A * C
        if disc < 0:
            return ConfidenceSet(((-inf, inf),) if A < 0 else (), level)
        r1, r2 = sorted(((-B - math.sqrt(disc)) / (2 * A), (-B + math.sqrt(disc)) / (2 * A)))
        if A > 0:
            return ConfidenceSet(((r1, r2),), level)
        return ConfidenceSet(((-inf, r1), (r2, inf)), level)

    def _numeric_set(self, crit: float, level: float, points: int = 2001) -> ConfidenceSet:
        """Several instruments: the statistic on a wide grid around the 2SLS-like centre, each
        crossing of the critical value refined by root finding; an end of the set is infinite
        where the statistic's limit at infinity (the first stage's own Wald F) is below it."""
        from scipy.optimize import brentq

        kz = self.bread.shape[0]
        e = self.excluded
        c = self.coef[e, 1]
        S_xx = self.bread @ self.scores_cov[kz:, kz:] @ self.bread * self.nobs / (self.nobs - kz)
        at_infinity = float(c @ np.linalg.solve(S_xx[np.ix_(e, e)], c) / len(e))
        centre = float(np.linalg.lstsq(self.coef[e, 1:], self.coef[e, 0], rcond=None)[0][0])

        def g(b: float) -> float:
            return self.statistic(b) - crit

        def outer(b: float, step: float) -> float:
            """Walk outward from ``b`` (inside) until outside; the crossing between."""
            for _ in range(200):
                if g(b + step) > 0:
                    return float(brentq(g, min(b, b + step), max(b, b + step)))
                b, step = b + step, 2.0 * step
            return math.copysign(math.inf, step)

        half = 100.0 * max(abs(centre), 1.0)
        grid = np.linspace(centre - half, centre + half, points)
        inside = np.array([g(b) <= 0 for b in grid])
        cuts = [float(brentq(g, grid[i], grid[i + 1])) for i in np.flatnonzero(inside[1:] != inside[:-1])]
        ends = []
        if inside[0]:
            ends.append(-math.inf if at_infinity <= crit else outer(grid[0], -half))
        ends += cuts
        if inside[-1]:
            ends.append(math.inf if at_infinity <= crit else outer(grid[-1], half))
        return ConfidenceSet(tuple((ends[i], ends[i + 1]) for i in range(0, len(ends) - 1, 2)), level)


def anderson_rubin_inputs(y: np.ndarray, endog: np.ndarray, Z: np.ndarray, excluded: list[int],
                          lags: int) -> AndersonRubin:
    """The reduced forms of ``y`` and the endogenous columns on ``Z`` and their joint HAC."""
    Y = np.column_stack([y, endog])
    bread = np.linalg.inv(Z.T @ Z)
    coef = bread @ Z.T @ Y
    resid = Y - Z @ coef
    scores = np.hstack([Z * resid[:, [j]] for j in range(Y.shape[1])])
    return AndersonRubin(coef, newey_west(scores, lags), bread, excluded, len(y))


# ---------------------------------------------------------------------------------------------
# 2SLS
# ---------------------------------------------------------------------------------------------


@dataclass
class TSLSResult:
    """2SLS and OLS on one sample, with the first stage and the Anderson-Rubin test.

    Coefficients are in the units of the data (bp per unit of the endogenous regressor). In
    statsmodels' manner: ``params`` and ``bse`` (2SLS; ``ols_params``, ``ols_bse`` beside),
    ``conf_int(alpha)``, ``summary()``, ``to_frame()``, ``to_dict()``.
    """

    names: list[str]  # regressors: exogenous (constant first), then endogenous
    endogenous: list[str]
    instruments: list[str]
    nobs: int
    hac_lags: int
    params: pd.Series  # 2SLS
    cov: pd.DataFrame
    ols_params: pd.Series
    ols_cov: pd.DataFrame
    first_stage_params: pd.DataFrame  # rows: exogenous + instruments; one column per endogenous regressor
    first_stage_f: float  # all endogenous regressors together: Kleibergen-Paap rk Wald F (HAC)
    first_stage_f_by_endogenous: pd.Series  # each one's first stage: HAC Wald F of the excluded instruments
    first_stage_f_homoskedastic: float  # Cragg-Donald F (all together; one endogenous: the classical F)
    anderson_rubin_f: float  # every endogenous coefficient = 0
    anderson_rubin_p: float
    ar: AndersonRubin = field(repr=False)

    def se(self, name: str, ols: bool = False) -> float:
        cov = self.ols_cov if ols else self.cov
        return float(np.sqrt(cov.loc[name, name]))

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.names)

    @property
    def ols_bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.ols_cov)), index=self.names)

    def conf_int(self, alpha: float = 1 - LEVEL_90, ols: bool = False) -> pd.DataFrame:
        """Wald intervals (normal): ``lower``, ``upper`` by regressor. Under a weak instrument
        use :meth:`anderson_rubin_set` instead."""
        params, bse = (self.ols_params, self.ols_bse) if ols else (self.params, self.bse)
        lo, hi = normal_interval(params, bse, alpha_level(alpha))
        return pd.DataFrame({"lower": lo, "upper": hi})

    @property
    def weak(self) -> bool:
        return self.first_stage_f < WEAK_F

    def anderson_rubin(self, values) -> tuple[float, float]:
        """The AR test that the endogenous coefficients equal ``values``: ``(F, p)``."""
        return self.ar.test(values)

    def anderson_rubin_set(self, alpha: float = 1 - LEVEL_90) -> ConfidenceSet:
        """The weak-instrument-robust confidence set of the (one) endogenous coefficient."""
        return self.ar.confidence_set(alpha_level(alpha))

    def to_frame(self) -> pd.DataFrame:
        """2SLS and OLS side by side: one row per regressor."""
        return pd.DataFrame({
            "term": self.names, "tsls": self.params.to_numpy(), "tsls_se_hac": self.bse.to_numpy(),
            "ols": self.ols_params.to_numpy(), "ols_se_hac": self.ols_bse.to_numpy(),
        })

    def summary(self) -> str:
        lines = [f"2SLS with Newey-West errors ({self.hac_lags} lags), N = {self.nobs}; instruments: "
                 f"{', '.join(self.instruments)}",
                 f"{'term':<24}{'2SLS':>12}{'se':>10}{'OLS':>12}{'se':>10}"]
        for row in self.to_frame().itertuples():
            lines.append(f"{row.term:<24}{row.tsls:>12.4g}{row.tsls_se_hac:>10.3g}{row.ols:>12.4g}{row.ols_se_hac:>10.3g}")
        by = ", ".join(f"{k} {v:.2f}" for k, v in self.first_stage_f_by_endogenous.items())
        lines.append(f"first stage: HAC F (all endogenous, Kleibergen-Paap) {self.first_stage_f:.2f}; each: {by}")
        lines.append(f"Anderson-Rubin test of no effect: F = {self.anderson_rubin_f:.2f}, p = {self.anderson_rubin_p:.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"nobs": self.nobs, "hac_lags": self.hac_lags, "endogenous": self.endogenous,
                "instruments": self.instruments, "coefficients": self.to_frame().to_dict("records"),
                "first_stage_f": self.first_stage_f,
                "first_stage_f_by_endogenous": self.first_stage_f_by_endogenous.to_dict(),
                "first_stage_f_homoskedastic": self.first_stage_f_homoskedastic,
                "anderson_rubin_f": self.anderson_rubin_f, "anderson_rubin_p": self.anderson_rubin_p}


def tsls_hac(y: pd.Series, exog: pd.DataFrame, endog: pd.DataFrame, instruments: pd.DataFrame,
             lags: int) -> TSLSResult:
    """Two-stage least squares with Newey-West errors, OLS beside it, on the rows where every
    variable is present.

    Parameters
    ----------
    y : Series
        The dependent variable.
    exog : DataFrame
        Exogenous regressors (a constant is added first).
    endog : DataFrame
        Endogenous regressors (one or more).
    instruments : DataFrame
        Excluded instruments (at least as many as endogenous regressors).
    lags : int
        Newey-West lags (the Bartlett kernel's bandwidth).

    Returns
    -------
    TSLSResult

    Raises
    ------
    ValueError
        Too few instruments, or regressors or instruments that are collinear (an instrument
        that is zero throughout, say).
    """
    from linearmodels.iv import IV2SLS

    data = pd.concat([y.rename("__y"), exog, endog, instruments], axis=1).dropna()
    const = pd.Series(1.0, index=data.index, name="const")
    X_exog = pd.concat([const, data[exog.columns]], axis=1)
    names = [*X_exog.columns, *endog.columns]
    z_names = [*X_exog.columns, *instruments.columns]
    X = pd.concat([X_exog, data[endog.columns]], axis=1).to_numpy(float)
    Z = pd.concat([X_exog, data[instruments.columns]], axis=1).to_numpy(float)
    n = len(data)
    if len(instruments.columns) < len(endog.columns):
        raise ValueError("fewer instruments than endogenous regressors")
    for what, matrix in (("regressors", X), ("instruments with the exogenous regressors", Z)):
        if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
            raise ValueError(f"the {what} are collinear on the {n} rows used (an all-zero column?)")
    kernel = {"cov_type": "kernel", "kernel": "bartlett", "bandwidth": lags, "debiased": True}
    fit = IV2SLS(data["__y"], X_exog, data[endog.columns], data[instruments.columns]).fit(**kernel)
    ols = IV2SLS(data["__y"], pd.concat([X_exog, data[endog.columns]], axis=1), None, None).fit(**kernel)
    first = fit.first_stage
    q = len(instruments.columns)
    each = first.individual  # each endogenous regressor on all instruments, with the same HAC covariance
    by_endog = pd.Series({c: wald_f(each[c].params.to_numpy(), np.asarray(each[c].cov), list(range(Z.shape[1] - q, Z.shape[1])))
                          for c in endog.columns})
    fs_params = pd.DataFrame({c: each[c].params.to_numpy() for c in endog.columns}, index=z_names)
    excluded = list(range(X_exog.shape[1], Z.shape[1]))
    ar = anderson_rubin_inputs(data["__y"].to_numpy(float), data[endog.columns].to_numpy(float), Z, excluded, lags)
    ar_f, ar_p = ar.test(np.zeros(len(endog.columns)))
    return TSLSResult(
        names=names, endogenous=list(endog.columns), instruments=list(instruments.columns), nobs=n, hac_lags=lags,
        params=fit.params.reindex(names), cov=fit.cov.reindex(index=names, columns=names),
        ols_params=ols.params.reindex(names), ols_cov=ols.cov.reindex(index=names, columns=names),
        first_stage_params=fs_params, first_stage_f=float(first.kleibergen_paap_f),
        first_stage_f_by_endogenous=by_endog, first_stage_f_homoskedastic=float(first.cragg_donald_f),
        anderson_rubin_f=ar_f, anderson_rubin_p=ar_p, ar=ar,
    )


# ---------------------------------------------------------------------------------------------
# Japan's flows instrumented by the Ministry of Finance's interventions
# ---------------------------------------------------------------------------------------------

EXCLUSION_CAVEAT = (
    "The exclusion restriction is doubtful: the Ministry intervenes because the yen moves, and US yields move "
    "the yen (higher US yields weaken it and provoke dollar sales), so the instrument is correlated with the "
    "yield shocks it should be independent of; that bias makes Japanese selling look more yield-raising. "
    "Interventions also coincided with other shocks (the 2011 earthquake, the euro crisis, the Federal "
    "Reserve's 2022 hikes), and dollars bought or sold need not pass through the bonds and notes that the "
    "reported net purchases cover (deposits and bills absorb much of it)."
)


@dataclass
class IVResult:
    """The monthly 10-year equation with Japan's reported net purchases instrumented.

    ``params``, ``bse`` and ``conf_int(alpha)`` give the 2SLS and OLS effects in bp per $100bn
    sold by Japan in the month; :meth:`anderson_rubin_set` the weak-instrument-robust set.
    """

    fit: TSLSResult
    endogenous: str
    instrument: str
    dependent: str
    specification: str
    sample_start: str
    sample_end: str
    intervention_months: int
    factor_per_100bn: float  # coefficient (bp per flow unit) -> bp per $100bn of purchases today
    pass_through: float  # $bn of reported net purchases per $bn bought by the Ministry, same month
    pass_through_se: float
    largest_month: str  # the month with the largest intervention
    f_without_largest_month: float  # the first-stage HAC F without it (NaN when it cannot be estimated)
    instrument_timing: str = "settlement"
    instrument_months: dict[str, float] = field(default_factory=dict)  # month -> $bn bought (sold < 0)
    trade_month_fit: TSLSResult | None = None  # the same equation with trade-day months (a sensitivity)
    notes: list[str] = field(default_factory=list)

    def _sold(self, fit: TSLSResult, ols: bool = False) -> tuple[float, float]:
        params = fit.ols_params if ols else fit.params
        return (-float(params[self.endogenous]) * self.factor_per_100bn,
                fit.se(self.endogenous, ols) * self.factor_per_100bn)

    @property
    def tsls_effect(self) -> tuple[float, float]:
        """2SLS effect and HAC se, bp per $100bn sold by Japan in the month (impact)."""
        return self._sold(self.fit)

    @property
    def ols_effect(self) -> tuple[float, float]:
        """OLS effect and HAC se on the same sample, bp per $100bn sold."""
        return self._sold(self.fit, ols=True)

    @property
    def params(self) -> pd.Series:
        return pd.Series({"tsls": self.tsls_effect[0], "ols": self.ols_effect[0]}, name="effect_bp_per_100bn")

    @property
    def bse(self) -> pd.Series:
        return pd.Series({"tsls": self.tsls_effect[1], "ols": self.ols_effect[1]}, name="se_bp_per_100bn")

    def conf_int(self, alpha: float = 1 - LEVEL_90) -> pd.DataFrame:
        """Wald intervals of the 2SLS and OLS effects (bp per $100bn sold)."""
        lo, hi = normal_interval(self.params, self.bse, alpha_level(alpha))
        return pd.DataFrame({"lower": lo, "upper": hi})

    def anderson_rubin_set(self, alpha: float = 1 - LEVEL_90) -> ConfidenceSet:
        """The Anderson-Rubin confidence set of the effect, bp per $100bn sold (valid however
        weak the instrument)."""
        return self.fit.anderson_rubin_set(alpha).scaled(-self.factor_per_100bn)

    def verdict(self) -> str:
        """What the instrument can and cannot say, in plain words."""
        f = self.fit.first_stage_f
        without = (f"without {self.largest_month} alone the F is {self.f_without_largest_month:.1f}"
                   if np.isfinite(self.f_without_largest_month) else
                   f"without {self.largest_month} alone it cannot be estimated")
        if self.fit.weak:
            strength = (f"The instrument is weak (first-stage HAC F = {f:.1f}, below 10; {without}): the 2SLS "
                        "estimate is unreliable (biased towards OLS, with misleading errors); only the "
                        "Anderson-Rubin test and confidence set, valid under weak instruments, are informative")
        else:
            strength = f"The instrument passes the usual rule (first-stage HAC F = {f:.1f} >= 10)"
            if not self.f_without_largest_month >= WEAK_F:
                strength += (f", but its strength rests on few months: {without}, and a HAC F computed from "
                             f"{self.intervention_months} non-zero months is itself imprecise")
        ar = self.anderson_rubin_set()
        ar_text = (f"the Anderson-Rubin test of no effect gives p = {self.fit.anderson_rubin_p:.2f}, and its "
                   f"{ar.level:.0%} confidence set for the effect is {ar.text()} bp per $100bn sold"
                   + ("" if ar.bounded else ": the data cannot bound the effect"))
        return f"{strength}; {ar_text}. {EXCLUSION_CAVEAT}"

    def trade_month_sensitivity(self) -> dict | None:
        """The same equation with each operation in its trade-day month."""
        if self.trade_month_fit is None:
            return None
        t, ts = self._sold(self.trade_month_fit)
        return {"f_hac": self.trade_month_fit.first_stage_f, "tsls_effect_bp_per_100bn": t,
                "tsls_se_bp_per_100bn": ts, "anderson_rubin_p_value": self.trade_month_fit.anderson_rubin_p}

    def to_frame(self) -> pd.DataFrame:
        """2SLS and OLS effects with their errors and 90% Wald intervals (bp per $100bn sold)."""
        return pd.concat([self.params, self.bse, self.conf_int()], axis=1).rename_axis("estimator").reset_index()

    def summary(self) -> str:
        t, ts = self.tsls_effect
        o, os_ = self.ols_effect
        ar = self.anderson_rubin_set()
        trade = self.trade_month_sensitivity()
        lines = [
            "Instrumental variables: Japan's monthly flows instrumented by the Ministry of Finance's interventions",
            f"  dependent:     {self.dependent}",
            f"  specification: {self.specification}",
            f"  sample:        {self.sample_start} to {self.sample_end}, N = {self.fit.nobs} "
            f"({self.intervention_months} months with an intervention, each dated by its settlement month)",
            f"  errors:        Newey-West HAC, {self.fit.hac_lags} lags",
            f"  first stage:   {self.pass_through:+.2f} (se {self.pass_through_se:.2f}) $bn of reported net purchases "
            f"per $bn bought by the Ministry; HAC F = {self.fit.first_stage_f:.2f} (homoskedastic F = "
            f"{self.fit.first_stage_f_homoskedastic:.2f}; without {self.largest_month}: {self.f_without_largest_month:.2f})",
            f"  2SLS:          {t:+.1f} bp per $100bn sold in the month (HAC se {ts:.1f})",
            f"  OLS:           {o:+.1f} bp per $100bn sold in the month (HAC se {os_:.1f}), same sample",
            f"  Anderson-Rubin test of no effect: F = {self.fit.anderson_rubin_f:.2f}, p = {self.fit.anderson_rubin_p:.3f}; "
            f"{ar.level:.0%} confidence set {ar.text()} bp per $100bn sold",
        ]
        if trade is not None:
            lines.append(f"  trade-day months instead: HAC F = {trade['f_hac']:.2f}, 2SLS "
                         f"{trade['tsls_effect_bp_per_100bn']:+.1f} (se {trade['tsls_se_bp_per_100bn']:.1f})")
        lines += [f"  verdict: {self.verdict()}", *[f"  note: {n}" for n in self.notes]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        t, ts = self.tsls_effect
        o, os_ = self.ols_effect
        ar = self.anderson_rubin_set()
        return {
            "dependent": self.dependent, "endogenous": self.endogenous, "instrument": self.instrument,
            "instrument_timing": self.instrument_timing,
            "instrument_months": [{"month": m, "dollars_bought_bn": v} for m, v in self.instrument_months.items()],
            "specification": self.specification, "sample_start": self.sample_start, "sample_end": self.sample_end,
            "nobs": self.fit.nobs, "hac_lags": self.fit.hac_lags, "intervention_months": self.intervention_months,
            "first_stage": {"pass_through_bn_per_bn": self.pass_through, "pass_through_se": self.pass_through_se,
                            "f_hac": self.fit.first_stage_f, "f_homoskedastic": self.fit.first_stage_f_homoskedastic,
                            "largest_month": self.largest_month,
                            "f_hac_without_largest_month": _finite(self.f_without_largest_month),
                            "weak": self.fit.weak},
            "tsls": {"effect_bp_per_100bn": t, "se_bp_per_100bn": ts},
            "ols": {"effect_bp_per_100bn": o, "se_bp_per_100bn": os_},
            "anderson_rubin": {"f": self.fit.anderson_rubin_f, "p_value": self.fit.anderson_rubin_p,
                               "level": ar.level, "confidence_set_bp_per_100bn": ar.to_list(),
                               "confidence_set_shape": ar.shape, "confidence_set_text": ar.text()},
            "trade_month_sensitivity": self.trade_month_sensitivity(),
            "verdict": self.verdict(), "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass(frozen=True)
class IVRecord:
    """An :class:`IVResult` as the report shows it (its dictionary and its summary), kept in the
    report's results cache so that a rerun need not refit it (or import the IV library)."""

    record: dict
    text: str

    @classmethod
    def of(cls, result: IVResult) -> IVRecord:
        """The record of a fitted result, as it reads back from JSON."""
        return cls(json.loads(json.dumps(result.to_dict())), result.summary())

    def to_dict(self) -> dict:
        return self.record

    def summary(self) -> str:
        return self.text

    def dump(self) -> dict:
        return {"record": self.record, "text": self.text}

    @classmethod
    def load(cls, content: dict) -> IVRecord:
        if not isinstance(content, dict) or not isinstance(content.get("record"), dict) or not isinstance(
                content.get("text"), str):
            raise ValueError("not an instrumental-variable record")
        return cls(content["record"], content["text"])


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def japan_intervention_iv(panel, dollars_bought_bn: pd.Series, start: str = "2004-04", config=None,
                          trade_months: pd.Series | None = None) -> IVResult:
    """2SLS of the monthly 10-year equation with Japan's current-month reported net purchases
    instrumented by the dollars the Ministry of Finance bought that month.

    Parameters
    ----------
    panel : Panel
        The monthly panel.
    dollars_bought_bn : Series
        Dollars bought by the Ministry by settlement month ($bn, sold = negative; months absent
        = none), e.g. :func:`model.events.monthly_interventions_bn`.
    start : str
        First month. The default starts after the 2003-04 campaign, which the instrument does
        not cover day by day (there was no intervention from March 2004 to September 2010).
    config : EstimationConfig, optional
        Default: ``estimation.toml`` (its distributed-lag design, yield timing and units).
    trade_months : Series, optional
        The same operations by trade-day month: the equation is refitted with them as a
        sensitivity (``trade_month_sensitivity``).

    Returns
    -------
    IVResult
    """
    from model.estimate.regress import dl_design
    from model.estimate.spec import (
        estimation_config,
        latest_debt_bn,
        newey_west_lags,
        per_100bn_factor,
    )

    config = config or estimation_config()
    y, X, terms, notes = dl_design(panel, "10y", "reported", config)
    endogenous = terms["japan"][0]
    exog_cols = [c for c in X.columns if c != endogenous]
    base = pd.concat([y, X], axis=1)
    base = base[base.index >= pd.Timestamp(start + "-01")]

    def with_instrument(z: pd.Series) -> pd.DataFrame:
        out = base.copy()
        out["mof_dollars_bought_bn"] = z.reindex(out.index).fillna(0.0)  # no intervention = 0
        return out.dropna()

    def fit_on(frame: pd.DataFrame) -> TSLSResult:
        return tsls_hac(frame["y"], frame[exog_cols], frame[[endogenous]], frame[["mof_dollars_bought_bn"]], lags)

    data = with_instrument(dollars_bought_bn)
    lags = newey_west_lags(len(data))
    fit = fit_on(data)
    # pass-through in $bn: the first stage with both sides in $bn (same controls and sample)
    Xa = np.column_stack([np.ones(len(data)), data[exog_cols].to_numpy(float), data["mof_dollars_bought_bn"].to_numpy(float)])
    pt, pt_cov, _ = ols_hac(panel.frame["japan_net_purchases_bn"].reindex(data.index).to_numpy(float), Xa, lags)
    largest = data["mof_dollars_bought_bn"].abs().idxmax()
    try:
        f_without = fit_on(data.drop(index=largest)).first_stage_f
    except (ValueError, np.linalg.LinAlgError):  # one month left, or none: nothing to estimate
        f_without = float("nan")
    trade_fit = None
    if trade_months is not None:
        try:
            trade_fit = fit_on(with_instrument(trade_months))
        except (ValueError, np.linalg.LinAlgError):
            trade_fit = None
    factor = per_100bn_factor(config.units, latest_debt_bn(panel))
    months = data["mof_dollars_bought_bn"][data["mof_dollars_bought_bn"] != 0]
    timing = "month-end" if config.distributed_lags.yield_timing == "eom" else "monthly-average"
    spec = (f"d10y(t) = a + b0 japan(t) + sum_k=1..{config.distributed_lags.lags} b_k japan(t-k) + other holders' "
            f"flows and lags + controls; japan(t) (reported net purchases, "
            f"{'% of debt held by the public' if config.units == 'pct_debt' else '$bn'}) instrumented by the "
            "dollars the Ministry of Finance bought in month t ($bn, sold = negative), each operation in the month it "
            "settled (trade day + 2 Tokyo business days); lagged flows treated as predetermined")
    notes = [*notes, "the effect is the impact coefficient (same month) in bp per $100bn at today's debt held by the "
             "public; the Ministry's trades settle two Tokyo business days after the trade day, so an operation on "
             "one of a month's last two business days enters the next month, where Japan's reported flows would "
             "show it (and only when the dollars are reinvested in bonds and notes)",
             f"the dependent variable is the change in the {timing} 10-year yield, so an operation late in a month "
             "moves that month's average only in part"]
    return IVResult(
        fit=fit, endogenous=endogenous, instrument="mof_dollars_bought_bn",
        dependent=f"monthly change in the {timing} 10-year Treasury yield, bp", specification=spec,
        sample_start=f"{data.index[0]:%Y-%m}", sample_end=f"{data.index[-1]:%Y-%m}", intervention_months=len(months),
        factor_per_100bn=factor, pass_through=float(pt[-1]), pass_through_se=float(np.sqrt(pt_cov[-1, -1])),
        largest_month=f"{largest:%Y-%m}", f_without_largest_month=f_without, instrument_timing="settlement",
        instrument_months={f"{m:%Y-%m}": float(v) for m, v in months.items()}, trade_month_fit=trade_fit, notes=notes,
    )
