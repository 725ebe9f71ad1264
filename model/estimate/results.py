"""Results objects, after statsmodels: labelled ``params`` and ``bse``, ``conf_int(alpha)``,
``summary()``, a tidy ``to_frame()`` and JSON export (``to_dict()``, ``to_json()``).

One name per statistic across the classes: ``params``, ``bse`` (the standard errors of the
covariance the scenario draws use, ``cov_type`` says which), ``rsquared``, ``nobs``,
``conf_int(alpha)`` (a normal interval from :mod:`model.stats`, 90% by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.spec import nan_to_none
from model.labels import holder_label
from model.stats import alpha_level, normal_interval


@dataclass
class HolderEffect:
    """One holder's estimated effect, in bp per $100bn **sold** at today's scale: positive
    numbers mean sales raise yields (purchases lower them by the same amount), the sign of a
    demand effect. The ``native`` fields are the regression's own sum of coefficients, per unit
    of purchases in the regression's flow units.
    """

    holder: str
    effect_bp_per_100bn: float
    se_bp_per_100bn: float
    effect_native: float  # bp per unit of the regression's flow units
    se_native: float
    terms: list[str]  # the coefficients summed into the effect (the lag terms)


def holder_effects(params: pd.Series, cov: pd.DataFrame, terms: dict[str, list[str]],
                   factor: float) -> dict[str, HolderEffect]:
    """Each holder's cumulative effect: the sum of its lag coefficients and the standard error
    of that sum (``1' V 1``), rescaled by ``factor`` to bp per $100bn sold."""
    out = {}
    for holder, names in terms.items():
        ones = np.ones(len(names))
        native = float(params[names].sum())
        native_se = float(np.sqrt(ones @ cov.loc[names, names].to_numpy() @ ones))
        out[holder] = HolderEffect(holder, -native * factor, native_se * factor, native, native_se, names)
    return out


@dataclass
class RegressionResult:
    """An OLS regression with Newey-West (HAC) standard errors.

    Attributes
    ----------
    name : str
        ``"{spec}/{maturity}/{flow_measure}"``.
    spec : str
        ``"distributed_lags"`` or ``"levels"``.
    dependent : str
        What is explained, with units.
    maturity : str
        Yield maturity key (``"10y"`` ...).
    flow_measure : str
        ``reported``, ``naive`` or ``adjusted``.
    units : str
        Flow units in the regression (``pct_debt``, ``pct_gdp`` or ``bn``).
    params, bse : pandas.Series
        Coefficients and their standard errors by term (from ``cov``).
    cov : pandas.DataFrame
        The covariance of all coefficients: the one the scenario draws use for the lag blocks
        (``cov_type``: ``"HAC"``, Newey-West, or ``"bootstrap"``, the moving-block bootstrap).
    effects : dict
        Holder -> :class:`HolderEffect`.
    rsquared : float
    cov_type : str
    """

    name: str
    spec: str
    dependent: str
    maturity: str
    flow_measure: str
    units: str
    sample_start: str
    sample_end: str
    nobs: int
    hac_lags: int
    rsquared: float
    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    specification: str
    effects: dict[str, HolderEffect]
    factor_per_100bn: float
    scale_note: str
    notes: list[str] = field(default_factory=list)
    cov_type: str = "HAC"

    # -- statsmodels-like API ------------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """The covariance of the coefficients (``cov_type``)."""
        return self.cov

    def conf_int(self, alpha: float = 0.1) -> pd.DataFrame:
        """Normal confidence intervals of the coefficients (``alpha`` the two-sided tail mass):
        columns ``lower``, ``upper`` by term."""
        low, high = normal_interval(self.params, self.bse, alpha_level(alpha))
        return pd.DataFrame({"lower": low, "upper": high})

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficient table: one row per term (``z`` and ``p_value`` from the normal, as
        statsmodels does for a HAC covariance; the 90% interval)."""
        from scipy.special import ndtr  # the normal cdf without importing scipy.stats

        z = self.params / self.bse
        ci = self.conf_int()
        return pd.DataFrame({
            "model": self.name, "term": self.params.index, "coef": self.params.to_numpy(),
            "bse": self.bse.to_numpy(), "z": z.to_numpy(), "p_value": 2 * ndtr(-np.abs(z.to_numpy())),
            "ci_low": ci["lower"].to_numpy(), "ci_high": ci["upper"].to_numpy(),
        }).reset_index(drop=True)

    def lag_block(self, holders: str | list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The lag coefficients (bp per flow unit) of one holder, or of several in order, and
        their joint HAC covariance (cross-holder terms included)."""
        names = [holders] if isinstance(holders, str) else holders
        terms = [t for h in names for t in self.effects[h].terms]
        return self.params[terms].to_numpy(), self.cov.loc[terms, terms].to_numpy()

    def summary(self) -> str:
        """A printable summary: sample, N, specification, coefficients, HAC errors, R-squared,
        and each holder's effect per $100bn."""
        lines = [
            f"{self.name}",
            f"  dependent:     {self.dependent}",
            f"  specification: {self.specification}",
            f"  sample:        {self.sample_start} to {self.sample_end}, N = {self.nobs}",
            f"  errors:        {self._errors_text()}; R-squared {self.rsquared:.3f}",
            f"  {'term':<28}{'coef':>10}{'se':>10}{'z':>8}",
        ]
        for _, row in self.to_frame().iterrows():
            lines.append(f"  {row['term']:<28}{row['coef']:>10.3f}{row['bse']:>10.3f}{row['z']:>8.2f}")
        lines.append(f"  effect of $100bn sold ({self.scale_note}; positive = sales raise yields):")
        for eff in self.effects.values():
            lines.append(
                f"    {holder_label(eff.holder)[:24]:<26}{eff.effect_bp_per_100bn:>8.2f} bp  (se {eff.se_bp_per_100bn:.2f}; "
                f"{_band(eff.effect_bp_per_100bn, eff.se_bp_per_100bn)})"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _errors_text(self) -> str:
        if self.cov_type == "bootstrap":
            return "moving-block bootstrap (the wider than Newey-West HAC here; the draws use it)"
        return f"Newey-West HAC, {self.hac_lags} lags"

    def models(self) -> list[dict]:
        """One JSON record per holder (the ``tlrisk fit --json`` contract)."""
        return [
            {
                "name": f"{self.name}/{eff.holder}",
                "method": self.spec,
                "maturity": self.maturity,
                "dependent": self.dependent,
                "holder": eff.holder,
                "flow_measure": self.flow_measure,
                "units": self.units,
                "sample_start": self.sample_start,
                "sample_end": self.sample_end,
                "nobs": self.nobs,
                "hac_lags": self.hac_lags,
                "rsquared": nan_to_none(self.rsquared),
                "effect_bp_per_100bn": nan_to_none(eff.effect_bp_per_100bn),
                "se_bp_per_100bn": nan_to_none(eff.se_bp_per_100bn),
                "cov_type": self.cov_type,
                "effect_native": nan_to_none(eff.effect_native),
                "se_native": nan_to_none(eff.se_native),
                "equation": self.specification,
                "notes": self.notes,
            }
            for eff in self.effects.values()
        ]

    def to_dict(self) -> dict:
        """Everything, JSON-ready."""
        return {
            "name": self.name, "method": self.spec, "dependent": self.dependent, "maturity": self.maturity,
            "flow_measure": self.flow_measure, "units": self.units, "sample_start": self.sample_start,
            "sample_end": self.sample_end, "nobs": self.nobs, "hac_lags": self.hac_lags,
            "rsquared": nan_to_none(self.rsquared), "cov_type": self.cov_type, "equation": self.specification,
            "coefficients": [
                {k: (nan_to_none(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.to_frame().drop(columns="model").to_dict("records")
            ],
            "effects": self.models(), "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass
class LPResult:
    """Local-projection impulse responses (Jorda 2005) of a yield to one holder's flow.

    ``irf[h]`` is the response of the yield level (bp) ``h`` months after a flow of one unit
    at month 0; ``se[h]`` its HAC error with ``hac_lags[h]`` lags.
    """

    name: str
    holder: str
    flow_measure: str
    maturity: str
    units: str
    sample_start: str
    sample_end: str
    nobs: int
    irf: np.ndarray
    se: np.ndarray
    hac_lags: list[int]
    factor_per_100bn: float
    specification: str
    notes: list[str] = field(default_factory=list)

    @property
    def horizons(self) -> int:
        return len(self.irf) - 1

    @property
    def params(self) -> pd.Series:
        """The response at each horizon to one unit of purchases (the regression's own units)."""
        return pd.Series(self.irf, index=pd.RangeIndex(len(self.irf), name="h"), name="irf")

    @property
    def bse(self) -> pd.Series:
        """The HAC standard error at each horizon."""
        return pd.Series(self.se, index=pd.RangeIndex(len(self.se), name="h"), name="bse")

    def conf_int(self, alpha: float = 0.1) -> pd.DataFrame:
        """Normal intervals of :attr:`params` by horizon (columns ``lower``, ``upper``)."""
        low, high = normal_interval(self.params, self.bse, alpha_level(alpha))
        return pd.DataFrame({"lower": low, "upper": high})

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon: the response to $100bn sold at month 0, bp (the estimated
        response to purchases with its sign flipped), with its 90% normal interval (``p05``,
        ``p95``: the 5th and 95th percentiles of that normal)."""
        f = -self.factor_per_100bn
        low, high = normal_interval(self.irf * f, self.se * f)
        return pd.DataFrame({
            "model": self.name, "h": np.arange(len(self.irf)), "irf_bp_per_100bn": self.irf * f,
            "se_bp_per_100bn": self.se * abs(f), "p05": low, "p95": high, "hac_lags": self.hac_lags,
        })

    def summary(self) -> str:
        frame = self.to_frame()
        lines = [
            self.name,
            f"  specification: {self.specification}",
            f"  sample: {self.sample_start} to {self.sample_end}, N = {self.nobs} (common to all horizons)",
            "  errors: Newey-West HAC, lags max(h+1, NW rule) at each horizon",
            f"  {'h':>4}{'bp per $100bn sold':>20}{'se':>8}{'90% band':>22}",
        ]
        for _, r in frame.iterrows():
            if int(r["h"]) in (0, 1, 3, 6, 12, 18, 24) or int(r["h"]) == self.horizons:
                lines.append(f"  {int(r['h']):>4}{r['irf_bp_per_100bn']:>20.2f}{r['se_bp_per_100bn']:>8.2f}"
                             f"{f'[{r.p05:.1f}, {r.p95:.1f}]':>22}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def models(self) -> list[dict]:
        f = -self.factor_per_100bn  # per $100bn sold
        h = min(12, self.horizons)
        return [{
            "name": self.name, "method": "local_projections", "maturity": self.maturity,
            "holder": self.holder, "flow_measure": self.flow_measure, "units": self.units,
            "sample_start": self.sample_start, "sample_end": self.sample_end, "nobs": self.nobs,
            "horizon_months": h,
            "effect_bp_per_100bn": nan_to_none(self.irf[h] * f),
            "se_bp_per_100bn": nan_to_none(self.se[h] * abs(f)),
            "irf_bp_per_100bn": [nan_to_none(v) for v in self.irf * f],
            "irf_se_bp_per_100bn": [nan_to_none(v) for v in self.se * abs(f)],
            "equation": self.specification, "notes": self.notes,
        }]


def _band(effect: float, se: float) -> str:
    low, high = normal_interval(effect, se)
    return f"90% band {low:.1f} to {high:.1f}"
