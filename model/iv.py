"""Two-stage least squares with Newey-West (HAC) errors, beside OLS on the same sample, and its
application to Japan's monthly flows instrumented by the Ministry of Finance's interventions.

:func:`tsls_hac` is self-contained (numpy only): regressors split into exogenous ones (with
the constant) and endogenous ones, excluded instruments, a first stage with a HAC Wald F on the
excluded instruments (with one endogenous regressor this is the Kleibergen-Paap robust F), the
2SLS coefficients with HAC errors, OLS on the same sample with the same HAC errors, and an
Anderson-Rubin test of "no effect", valid however weak the instrument.

:func:`japan_intervention_iv` builds the monthly 10-year equation of the distributed-lag model
(:func:`model.estimate.regress.dl_design`, reported flows) and instruments Japan's current-month
reported net purchases by the dollars the Ministry bought that month (sold = negative).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.system import newey_west

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


@dataclass
class TSLSResult:
    """2SLS and OLS on one sample, with the first stage and an Anderson-Rubin test.

    Coefficients are in the units of the data (bp per unit of the endogenous regressor).
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
    first_stage_params: pd.Series  # endogenous on exogenous + instruments (one endogenous regressor)
    first_stage_cov: pd.DataFrame
    first_stage_f: float  # HAC Wald F on the excluded instruments
    first_stage_f_homoskedastic: float
    anderson_rubin_f: float
    anderson_rubin_p: float

    def se(self, name: str, ols: bool = False) -> float:
        cov = self.ols_cov if ols else self.cov
        return float(np.sqrt(cov.loc[name, name]))

    @property
    def weak(self) -> bool:
        return self.first_stage_f < WEAK_F

    def to_frame(self) -> pd.DataFrame:
        """2SLS and OLS side by side: one row per regressor."""
        return pd.DataFrame({
            "term": self.names, "tsls": self.params.to_numpy(), "tsls_se_hac": np.sqrt(np.diag(self.cov)),
            "ols": self.ols_params.to_numpy(), "ols_se_hac": np.sqrt(np.diag(self.ols_cov)),
        })


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
        Endogenous regressors (one column for the first-stage F and Anderson-Rubin test to be
        the Kleibergen-Paap and AR statistics of the literature; several are estimated too).
    instruments : DataFrame
        Excluded instruments (at least as many as endogenous regressors).
    lags : int
        Newey-West lags.

    Returns
    -------
    TSLSResult
    """
    data = pd.concat([y.rename("__y"), exog, endog, instruments], axis=1).dropna()
    const = pd.Series(1.0, index=data.index, name="const")
    X_exog = pd.concat([const, data[exog.columns]], axis=1)
    names = [*X_exog.columns, *endog.columns]
    X = pd.concat([X_exog, data[endog.columns]], axis=1).to_numpy(float)
    Z = pd.concat([X_exog, data[instruments.columns]], axis=1).to_numpy(float)
    yv = data["__y"].to_numpy(float)
    n, k = X.shape
    if Z.shape[1] < k:
        raise ValueError("fewer instruments than endogenous regressors")
    # first stage: fitted regressors (exogenous columns reproduce themselves)
    Xhat = Z @ np.linalg.lstsq(Z, X, rcond=None)[0]
    bread = np.linalg.inv(Xhat.T @ Xhat)
    beta = bread @ Xhat.T @ yv
    resid = yv - X @ beta  # structural residuals use the actual regressors
    cov = bread @ newey_west(Xhat * resid[:, None], lags) @ bread * n / (n - k)
    ols_beta, ols_cov, _ = ols_hac(yv, X, lags)
    excluded = list(range(X_exog.shape[1], Z.shape[1]))
    z_names = [*X_exog.columns, *instruments.columns]
    fs_beta, fs_cov, fs_resid = ols_hac(X[:, -1], Z, lags)
    restricted = X[:, -1] - X_exog.to_numpy(float) @ np.linalg.lstsq(X_exog.to_numpy(float), X[:, -1], rcond=None)[0]
    q = len(excluded)
    f_homo = ((restricted @ restricted - fs_resid @ fs_resid) / q) / (fs_resid @ fs_resid / (n - Z.shape[1]))
    ar_beta, ar_cov, _ = ols_hac(yv, Z, lags)
    ar_f = wald_f(ar_beta, ar_cov, excluded)
    return TSLSResult(
        names=names, endogenous=list(endog.columns), instruments=list(instruments.columns), nobs=n, hac_lags=lags,
        params=pd.Series(beta, index=names), cov=_square(cov, names), ols_params=pd.Series(ols_beta, index=names),
        ols_cov=_square(ols_cov, names), first_stage_params=pd.Series(fs_beta, index=z_names),
        first_stage_cov=_square(fs_cov, z_names), first_stage_f=wald_f(fs_beta, fs_cov, excluded),
        first_stage_f_homoskedastic=float(f_homo), anderson_rubin_f=ar_f,
        anderson_rubin_p=float(_chi2_sf(ar_f * q, q)),
    )


def _square(matrix: np.ndarray, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(matrix, index=names, columns=names)


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
    """The monthly 10-year equation with Japan's reported net purchases instrumented."""

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
    f_without_largest_month: float  # the first-stage HAC F without it
    notes: list[str] = field(default_factory=list)

    def _sold(self, ols: bool = False) -> tuple[float, float]:
        params = self.fit.ols_params if ols else self.fit.params
        return (-float(params[self.endogenous]) * self.factor_per_100bn,
                self.fit.se(self.endogenous, ols) * self.factor_per_100bn)

    @property
    def tsls_effect(self) -> tuple[float, float]:
        """2SLS effect and HAC se, bp per $100bn sold by Japan in the month (impact)."""
        return self._sold()

    @property
    def ols_effect(self) -> tuple[float, float]:
        """OLS effect and HAC se on the same sample, bp per $100bn sold."""
        return self._sold(ols=True)

    def verdict(self) -> str:
        """What the instrument can and cannot say, in plain words."""
        f = self.fit.first_stage_f
        if self.fit.weak:
            strength = (f"The instrument is weak (first-stage HAC F = {f:.1f}, below 10): the 2SLS estimate is "
                        "unreliable (biased towards OLS, with misleading errors); only the Anderson-Rubin test, "
                        "valid under weak instruments, is informative")
        else:
            strength = f"The instrument passes the usual rule (first-stage HAC F = {f:.1f} >= 10)"
            if self.f_without_largest_month < WEAK_F:
                strength += (f", but its strength rests on few months: without {self.largest_month} alone the F is "
                             f"{self.f_without_largest_month:.1f}, and a HAC F computed from {self.intervention_months} "
                             "non-zero months is itself imprecise")
        ar = (f"the Anderson-Rubin test of no effect gives p = {self.fit.anderson_rubin_p:.2f}")
        return f"{strength}; {ar}. {EXCLUSION_CAVEAT}"

    def summary(self) -> str:
        t, ts = self.tsls_effect
        o, os_ = self.ols_effect
        return "\n".join([
            "Instrumental variables: Japan's monthly flows instrumented by the Ministry of Finance's interventions",
            f"  dependent:     {self.dependent}",
            f"  specification: {self.specification}",
            f"  sample:        {self.sample_start} to {self.sample_end}, N = {self.fit.nobs} "
            f"({self.intervention_months} months with an intervention)",
            f"  errors:        Newey-West HAC, {self.fit.hac_lags} lags",
            f"  first stage:   {self.pass_through:+.2f} (se {self.pass_through_se:.2f}) $bn of reported net purchases "
            f"per $bn bought by the Ministry; HAC F = {self.fit.first_stage_f:.2f} (homoskedastic F = "
            f"{self.fit.first_stage_f_homoskedastic:.2f}; without {self.largest_month}: {self.f_without_largest_month:.2f})",
            f"  2SLS:          {t:+.1f} bp per $100bn sold in the month (HAC se {ts:.1f})",
            f"  OLS:           {o:+.1f} bp per $100bn sold in the month (HAC se {os_:.1f}), same sample",
            f"  Anderson-Rubin test of no effect: F = {self.fit.anderson_rubin_f:.2f}, p = {self.fit.anderson_rubin_p:.3f}",
            f"  verdict: {self.verdict()}",
            *[f"  note: {n}" for n in self.notes],
        ])

    def to_dict(self) -> dict:
        t, ts = self.tsls_effect
        o, os_ = self.ols_effect
        return {
            "dependent": self.dependent, "endogenous": self.endogenous, "instrument": self.instrument,
            "specification": self.specification, "sample_start": self.sample_start, "sample_end": self.sample_end,
            "nobs": self.fit.nobs, "hac_lags": self.fit.hac_lags, "intervention_months": self.intervention_months,
            "first_stage": {"pass_through_bn_per_bn": self.pass_through, "pass_through_se": self.pass_through_se,
                            "f_hac": self.fit.first_stage_f, "f_homoskedastic": self.fit.first_stage_f_homoskedastic,
                            "largest_month": self.largest_month,
                            "f_hac_without_largest_month": self.f_without_largest_month, "weak": self.fit.weak},
            "tsls": {"effect_bp_per_100bn": t, "se_bp_per_100bn": ts},
            "ols": {"effect_bp_per_100bn": o, "se_bp_per_100bn": os_},
            "anderson_rubin": {"f": self.fit.anderson_rubin_f, "p_value": self.fit.anderson_rubin_p},
            "verdict": self.verdict(), "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def japan_intervention_iv(panel, dollars_bought_bn: pd.Series, start: str = "2004-04",
                          config=None) -> IVResult:
    """2SLS of the monthly 10-year equation with Japan's current-month reported net purchases
    instrumented by the dollars the Ministry of Finance bought that month.

    Parameters
    ----------
    panel : Panel
        The monthly panel.
    dollars_bought_bn : Series
        Dollars bought by the Ministry by month ($bn, sold = negative; months absent = none),
        e.g. :func:`model.events.monthly_interventions_bn`.
    start : str
        First month. The default starts after the 2003-04 campaign, which the instrument does
        not cover day by day (there was no intervention from March 2004 to September 2010).
    config : EstimationConfig, optional
        Default: ``estimation.toml`` (its distributed-lag design and units).

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
    data = pd.concat([y, X], axis=1)
    data["mof_dollars_bought_bn"] = dollars_bought_bn.reindex(data.index).fillna(0.0)  # no intervention = 0
    data = data[data.index >= pd.Timestamp(start + "-01")].dropna()
    lags = newey_west_lags(len(data))
    fit = tsls_hac(data["y"], data[[c for c in X.columns if c != endogenous]], data[[endogenous]],
                   data[["mof_dollars_bought_bn"]], lags)
    # pass-through in $bn: the first stage with both sides in $bn (same controls and sample)
    exog = data[[c for c in X.columns if c != endogenous]]
    Xa = np.column_stack([np.ones(len(data)), exog.to_numpy(float), data["mof_dollars_bought_bn"].to_numpy(float)])
    pt, pt_cov, _ = ols_hac(panel.frame["japan_net_purchases_bn"].reindex(data.index).to_numpy(float), Xa, lags)
    largest = data["mof_dollars_bought_bn"].abs().idxmax()
    rest = data.drop(index=largest)
    without = tsls_hac(rest["y"], rest[exog.columns], rest[[endogenous]], rest[["mof_dollars_bought_bn"]], lags)
    factor = per_100bn_factor(config.units, latest_debt_bn(panel))
    months = int((data["mof_dollars_bought_bn"] != 0).sum())
    spec = (f"d10y(t) = a + b0 japan(t) + sum_k=1..{config.distributed_lags.lags} b_k japan(t-k) + other holders' "
            f"flows and lags + controls; japan(t) (reported net purchases, "
            f"{'% of debt held by the public' if config.units == 'pct_debt' else '$bn'}) instrumented by the "
            "dollars the Ministry of Finance bought in month t ($bn, sold = negative); lagged flows treated as "
            "predetermined")
    notes = [*notes, "the effect is the impact coefficient (same month) in bp per $100bn at today's debt held by the "
             "public; the Ministry's trades settle two business days later and reach the TIC records only when "
             "reinvested"]
    return IVResult(
        fit=fit, endogenous=endogenous, instrument="mof_dollars_bought_bn",
        dependent="monthly change in the 10-year Treasury yield, bp (month-end)", specification=spec,
        sample_start=f"{data.index[0]:%Y-%m}", sample_end=f"{data.index[-1]:%Y-%m}", intervention_months=months,
        factor_per_100bn=factor, pass_through=float(pt[-1]), pass_through_se=float(np.sqrt(pt_cov[-1, -1])),
        largest_month=f"{largest:%Y-%m}", f_without_largest_month=without.first_stage_f, notes=notes,
    )


def _chi2_sf(x: float, dof: int) -> float:
    """Upper tail of the chi-square distribution (scipy.special: no scipy.stats import)."""
    from scipy.special import chdtrc

    return float(chdtrc(dof, x))
