"""From yield paths to extra federal net interest ($bn).

The model is linear in the yield deviations, so it is expressed as weights: for each maturity
bucket, a matrix mapping the monthly deviation path (bp) to cumulative extra interest over 1,
5 and 10 years. Scenarios apply the weights to every Monte Carlo path at once.

Maturity-aware: the debt outstanding at the start runs off as the Treasury's published maturity
profile says (``[profile]`` in ``fiscal.toml``: the average maturity of marketable debt, about
70 months; the share maturing within a year, about a third, is checked). Bills roll over within
their tenor; each coupon bucket's stock matures evenly over its tenor stretched by one common
factor chosen so that the stock's average remaining maturity equals the published one (an
evenly spread stock of new-issue tenors would be far shorter, about 51 months, and would reprice
too fast). New borrowing follows CBO's baseline deficits. A user with the Monthly Statement of
the Public Debt (``model.sources.mspd``) can set the profile from the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model.config import MONTH, StrictModel, config_path, load_model
from model.numbers import money, number
from model.panel import MATURITIES
from model.schema import COST_YEARS, clean, versioned

BP_PER_UNIT = 10_000.0


class Bucket(StrictModel):
    name: str
    maturity: str
    share: float = Field(gt=0, le=1)
    tenor_months: int = Field(ge=1, le=480)

    @model_validator(mode="after")
    def _maturity(self) -> Bucket:
        if self.maturity not in MATURITIES:
            raise ValueError(f"maturity must be one of {', '.join(MATURITIES)}")
        return self


class CBOCheck(StrictModel):
    shift_bp: float = Field(gt=0, le=1000)
    ten_year_cost_bn: float = Field(gt=0, le=100_000)  # $bn: CBO's figures are hundreds
    tenth_year_cost_bn: float = Field(gt=0, le=10_000)
    tolerance: float = Field(gt=0, le=1)
    source: str = Field(min_length=1)


class MaturityProfile(StrictModel):
    """The Treasury's published maturity profile of marketable debt."""

    average_maturity_months: float = Field(gt=0, le=400)
    maturing_within_1y_share: float = Field(gt=0, lt=1)
    tolerance: float = Field(gt=0, le=0.5)  # largest gap allowed between the model's within-a-year share and it
    as_of: str = Field(pattern=MONTH)
    source: str = Field(min_length=1)


class FiscalConfig(StrictModel):
    """Validated ``fiscal.toml``.

    Every number has a domain (sign and range) and must be finite (:class:`StrictModel`), so
    an edited file cannot turn the interest cost into null or flip its sign.
    """

    start: str = Field(pattern=MONTH)
    debt_public_bn: float = Field(gt=0, le=1e6)
    average_rate_pct: float = Field(ge=0, le=20)
    compound: bool
    deficit_first_year_bn: float = Field(ge=-1e5, le=1e5)  # $bn a year; negative = a surplus
    deficit_growth_pct: float = Field(ge=-50, le=50)
    bucket: list[Bucket] = Field(min_length=1)
    cbo_check: CBOCheck
    profile: MaturityProfile | None = None

    @model_validator(mode="after")
    def _shares(self) -> FiscalConfig:
        total = sum(b.share for b in self.bucket)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"bucket shares must sum to 1 (they sum to {total:.4f})")
        if self.profile is not None:
            stretch = runoff_stretch(self)
            if stretch is None:
                raise ValueError(f"profile.average_maturity_months {self.profile.average_maturity_months:g} cannot be "
                                 "reached: it is shorter than the bills' own average maturity, or there is no coupon "
                                 "bucket (tenor over 12 months) to stretch")
            gap = within_year_share(self, stretch) - self.profile.maturing_within_1y_share
            if abs(gap) > self.profile.tolerance:
                raise ValueError(f"with an average maturity of {self.profile.average_maturity_months:g} months the "
                                 f"buckets put {within_year_share(self, stretch):.1%} of the debt maturing within a "
                                 f"year, not {self.profile.maturing_within_1y_share:.0%} (tolerance "
                                 f"{self.profile.tolerance:.0%}): revise the bucket shares or tenors")
        return self


def _coupon(bucket: Bucket) -> bool:
    """Coupon buckets (tenor over a year) are stretched to the published maturity; bills are not."""
    return bucket.tenor_months > 12


def runoff_stretch(config: FiscalConfig) -> float | None:
    """The factor on coupon buckets' tenors that makes the starting stock's average remaining
    maturity (``share x length / 2`` summed over buckets) equal the profile's; 1 without a
    profile; None when no positive factor does."""
    if config.profile is None:
        return 1.0
    bills = sum(b.share * b.tenor_months / 2 for b in config.bucket if not _coupon(b))
    coupons = sum(b.share * b.tenor_months / 2 for b in config.bucket if _coupon(b))
    if coupons <= 0:
        return None
    stretch = (config.profile.average_maturity_months - bills) / coupons
    return stretch if stretch > 0 else None


def runoff_months(bucket: Bucket, stretch: float) -> float:
    """Over how many months a bucket's starting stock matures."""
    return bucket.tenor_months * stretch if _coupon(bucket) else float(bucket.tenor_months)


def within_year_share(config: FiscalConfig, stretch: float) -> float:
    """Share of the starting stock maturing within twelve months under the run-off."""
    return sum(b.share * min(1.0, 12.0 / runoff_months(b, stretch)) for b in config.bucket)


def average_maturity(config: FiscalConfig, stretch: float) -> float:
    """Average remaining maturity (months) of the starting stock under the run-off."""
    return sum(b.share * runoff_months(b, stretch) / 2 for b in config.bucket)


def spread_evenly(stock: float, length: float, size: int) -> np.ndarray:
    """``stock`` maturing evenly over ``length`` months (a fractional last month takes its part)."""
    out = np.zeros(size)
    full = int(np.floor(length))
    per_month = stock / length
    out[:full] = per_month
    if length > full:
        out[full] = per_month * (length - full)
    return out


def with_profile(config: FiscalConfig, average_maturity_months: float, maturing_within_1y_share: float,
                 as_of: str, source: str, tolerance: float | None = None) -> FiscalConfig:
    """``config`` with another maturity profile (e.g. one derived from a Monthly Statement of the
    Public Debt file with :func:`model.sources.mspd.debt_profile`), validated again."""
    data = config.model_dump()
    data["profile"] = {"average_maturity_months": float(average_maturity_months),
                       "maturing_within_1y_share": float(maturing_within_1y_share),
                       "tolerance": float(tolerance if tolerance is not None
                                          else (config.profile.tolerance if config.profile else 0.05)),
                       "as_of": as_of, "source": source}
    return FiscalConfig.model_validate_json(json.dumps(data))


@cache
def fiscal_config() -> FiscalConfig:
    """The validated ``fiscal.toml``."""
    return load_model(config_path("fiscal.toml"), FiscalConfig)


@dataclass
class FiscalModel:
    """Issuance-weighted exposure of interest costs to yield deviations.

    Attributes
    ----------
    months : int
        Length of the cost horizon in months.
    exposure : dict
        Bucket index -> matrix ``E[t, u]``: $bn of that bucket's debt issued in month ``u``
        still outstanding in month ``t`` (so month-t extra interest is
        ``sum_u E[t, u] * dev(u) / 10000 / 12``).
    propagate : ndarray
        Lower-triangular matrix mapping monthly extra interest to monthly extra interest
        including interest on the borrowed extra interest (identity without compounding).
    """

    config: FiscalConfig
    months: int
    exposure: list[np.ndarray]
    propagate: np.ndarray

    @classmethod
    def build(cls, config: FiscalConfig | None = None, months: int = 120) -> FiscalModel:
        """Lay out the debt stock, its roll-over and new borrowing month by month."""
        config = config or fiscal_config()
        stretch = runoff_stretch(config)
        deficits = np.array([
            config.deficit_first_year_bn * (1 + config.deficit_growth_pct / 100) ** (t // 12) / 12
            for t in range(months)
        ])
        exposure = []
        for bucket in config.bucket:
            tenor = bucket.tenor_months
            stock = config.debt_public_bn * bucket.share
            # the starting stock keeps its old coupon until it matures, evenly over the bucket's
            # run-off (its tenor, stretched for coupon buckets to the published average maturity)
            length = runoff_months(bucket, stretch)
            maturing = np.zeros(months + tenor + int(np.ceil(length)) + 1)
            maturing[: int(np.ceil(length)) + 1] += spread_evenly(stock, length, int(np.ceil(length)) + 1)
            issued = np.zeros(months)
            E = np.zeros((months, months))
            for u in range(months):
                issued[u] = maturing[u] + deficits[u] * bucket.share
                maturing[u + tenor] += issued[u]
                E[u : u + tenor, u] = issued[u]  # outstanding from u to u + tenor - 1
            exposure.append(E)
        r = config.average_rate_pct / 100 / 12
        propagate = np.eye(months)
        if config.compound:
            # extra debt accumulates the extra interest and pays the average rate on it:
            # total_t = x_t + r * sum_{s<t} total_s, i.e. total_t = x_t + r * sum_{s<t} (1+r)^(t-1-s) x_s
            for t in range(months):
                for s in range(t):
                    propagate[t, s] = r * (1 + r) ** (t - 1 - s)
        return cls(config=config, months=months, exposure=exposure, propagate=propagate)

    def monthly_cost(self, deviation_bp: dict[str, np.ndarray]) -> np.ndarray:
        """Extra interest each month ($bn) for deviation paths by maturity (bp, one per month).

        Paths shorter than the horizon are held at their last value (the level persists).
        """
        extra = np.zeros(self.months)
        for bucket, E in zip(self.config.bucket, self.exposure, strict=True):
            dev = extend(np.asarray(deviation_bp[bucket.maturity], dtype=float), self.months)
            extra += E @ dev / BP_PER_UNIT / 12
        return self.propagate @ extra

    def weights(self, horizon_months: int) -> dict[str, np.ndarray]:
        """Per maturity, a ``(horizon_months, len(COST_YEARS))`` matrix ``W`` so that
        ``path_bp @ W`` gives cumulative extra interest ($bn) over 1, 5 and 10 years.

        Deviation paths end at ``horizon_months``; later months hold the last value, which the
        weights fold into the last column.
        """
        cum = np.zeros((len(COST_YEARS), self.months))
        for j, years in enumerate(COST_YEARS):
            cum[j, : min(12 * years, self.months)] = 1.0
        out: dict[str, np.ndarray] = {m: np.zeros((horizon_months, len(COST_YEARS))) for m in MATURITIES}
        for bucket, E in zip(self.config.bucket, self.exposure, strict=True):
            per_month = (cum @ self.propagate @ E).T / BP_PER_UNIT / 12  # (months, years)
            W = per_month[:horizon_months].copy()
            if horizon_months < self.months:
                W[-1] += per_month[horizon_months:].sum(axis=0)  # the last level persists
            out[bucket.maturity] += W
        return out


def extend(path: np.ndarray, months: int) -> np.ndarray:
    """A path cut or extended (holding its last value) to ``months``."""
    if len(path) >= months:
        return path[:months]
    last = path[-1] if len(path) else 0.0
    return np.concatenate([path, np.full(months - len(path), last)])


def uniform_shift_cost(shift_bp: float, model: FiscalModel | None = None) -> dict:
    """Extra net interest when every rate is ``shift_bp`` higher from month 0 on.

    Returns
    -------
    dict
        The ``tlrisk fiscal --json`` schema: ``interest_cost_bn`` over ``1yr``, ``5yr`` and
        ``10yr``, ``interest_cost_by_year_bn`` (each year's extra interest) and the CBO check.
    """
    model = model or FiscalModel.build()
    path = {m: np.full(model.months, shift_bp) for m in MATURITIES}
    monthly = model.monthly_cost(path)
    yearly = [float(monthly[12 * y : 12 * (y + 1)].sum()) for y in range(model.months // 12)]
    cost = {f"{y}yr": float(monthly[: 12 * y].sum()) for y in COST_YEARS}
    check = model.config.cbo_check
    scaled = check.ten_year_cost_bn * shift_bp / check.shift_bp
    return versioned({
        "shift_bp": shift_bp,
        "start": model.config.start,
        "interest_cost_bn": cost,
        "interest_cost_by_year_bn": yearly,
        "compounding": model.config.compound,
        "cbo_rule_of_thumb_bn": scaled,
        "ratio_to_cbo": cost["10yr"] / scaled if scaled else None,
        "cbo_source": check.source,
        "maturity_profile": maturity_profile(model.config),
        "units": {"shift_bp": "basis points on every Treasury rate, from the start month on",
                  "interest_cost_bn": "$bn, cumulative extra federal net interest",
                  "interest_cost_by_year_bn": "$bn, extra federal net interest in each year (year 1 first)"},
    })


def maturity_profile(config: FiscalConfig) -> dict:
    """How the starting debt runs off: the published profile beside the model's."""
    stretch = runoff_stretch(config)
    bills = sum(b.share for b in config.bucket if not _coupon(b))
    out = {"bills_share": bills, "average_maturity_months_model": average_maturity(config, stretch),
           "maturing_within_1y_share_model": within_year_share(config, stretch), "coupon_stretch": stretch}
    if config.profile is not None:
        out.update({"average_maturity_months_published": config.profile.average_maturity_months,
                    "maturing_within_1y_share_published": config.profile.maturing_within_1y_share,
                    "as_of": config.profile.as_of, "source": config.profile.source})
    return out


def fiscal_table(result: dict) -> str:
    """Plain-text rendering of :func:`uniform_shift_cost`."""
    cost = result["interest_cost_bn"]
    lines = [
        f"All Treasury rates {number(result['shift_bp'], 1)} bp from {result['start']} (compounding "
        f"{'on' if result['compounding'] else 'off'}):",
        f"  extra net interest over 1 year:   {money(cost['1yr'])}",
        f"  extra net interest over 5 years:  {money(cost['5yr'])}",
        f"  extra net interest over 10 years: {money(cost['10yr'])}",
        "  by year: " + ", ".join(money(v) for v in result["interest_cost_by_year_bn"]),
        f"  CBO rule of thumb scaled to this shift: {money(result['cbo_rule_of_thumb_bn'], 0)} over 10 years"
        + (f" (ratio {result['ratio_to_cbo']:.2f})" if result["ratio_to_cbo"] is not None else ""),
    ]
    return "\n".join(lines)


def fiscal_frame(result: dict) -> pd.DataFrame:
    """Each year's and the cumulative extra interest ($bn) of :func:`uniform_shift_cost`."""
    yearly = result["interest_cost_by_year_bn"]
    return pd.DataFrame({"year": np.arange(1, len(yearly) + 1), "interest_cost_in_year_bn": yearly,
                         "interest_cost_cumulative_bn": np.cumsum(yearly)})


def to_json(result: dict) -> str:
    return json.dumps(clean(result), indent=2)


def baseline_net_interest(baseline: list, start: str, years: int = 10) -> dict:
    """Federal net interest projected over the ``years`` years from ``start`` (YYYY-MM), from
    CBO's baseline (``data/curated/cbo_baseline.csv``: net interest by fiscal year, where
    retrieved): each twelve-month year takes the baseline at the fiscal year of its middle,
    interpolated log-linearly between the fiscal years CBO's figures were retrieved for (held
    flat beyond them).

    Returns
    -------
    dict
        ``total_bn``, ``first_year_bn``, ``by_year_bn``, ``years``, ``known`` (fiscal year ->
        $bn) and ``method`` (in words).
    """
    known = {row.fiscal_year: row.net_interest_usd_bn for row in baseline if row.net_interest_usd_bn is not None}
    if len(known) < 1:
        raise ValueError("CBO's baseline gives no net interest")
    fy = sorted(known)
    x = np.array(fy, dtype=float)
    y = np.log(np.array([known[f] for f in fy], dtype=float))
    year0, month0 = int(start[:4]), int(start[5:7])
    by_year = []
    for k in range(years):
        mid = year0 + (month0 - 1 + 12 * k + 6) / 12.0  # the year's middle, as a fractional calendar year
        fiscal = mid + 0.25  # fiscal years run October to September: FY t is calendar t - 0.25 to t + 0.75
        by_year.append(float(np.exp(np.interp(fiscal, x, y))))
    total = float(sum(by_year))
    shown = ", ".join(f"FY{f}: ${known[f]:,.0f}bn" for f in fy)
    return {"total_bn": total, "first_year_bn": by_year[0], "by_year_bn": by_year, "years": years,
            "known": known,
            "method": (f"${total:,.0f}bn over the {years} years from {start}: the Congressional Budget Office's "
                       f"baseline of February 2026 ({shown}), interpolated log-linearly between those fiscal years")}
