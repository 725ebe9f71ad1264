"""The dollar and US inflation: what a holder's sale does to its exchange rate, and what that
does to US consumer prices.

Only **converted** proceeds move the dollar. A holder that sells Treasuries and keeps the
dollars (as deposits at the Fed or the BIS, or other dollar assets) leaves the US capital
account and the exchange rate unchanged (Pettis 2018; Setser 2018): its dollar move is exactly
zero. A holder that converts the dollars into its own currency does what Japan did in its
2022 and 2024 interventions.

The impact per $100bn converted is the intervention-day estimate (``tlrisk events``: the
percent move of the yen per $100bn sold, with its standard error) shrunk toward the published
evidence: the yen's impact move in the four yen-buying interventions of 2022 and 2024
(``jp_fx_impact.csv``, 0.4-1.3% per 1tn yen, that is about 7-20% per $100bn). The published
evidence is the prior, its mean and spread across the four episodes (each intervention is "a
unique event", Takagi 2014); the estimate and the prior are combined by precision weights
(a normal-normal update). The effect is linear in the amount converted within a month: each
month's conversion is one operation, as the two-day operations of 2024 were; the episodes
converted $19-61bn, so a larger month is an extrapolation (the report says so).

What lasts: the impact fades within days to weeks (half-life ``fx_half_life_days``, 2-20
business days; Fatum & Hutchison 2003, Takagi 2014); in all four episodes the yen was back at
or below its starting level within two months. A share ``fx_lasting_share`` (central 0, up to
0.3: a possible trend effect) of each impact is kept for good. So a sale spread over many months
moves the dollar far less at its peak than the same sale in one month, and what remains after
the impact is the lasting share of the total converted.

US inflation runs through the dollar only: higher term premia tighten financial conditions and
are disinflationary (Rudebusch, Sack & Swanson 2007). Pass-through estimates (Diez & Gopinath
2015: 0.25 pp after one year and 0.4 pp after two for a 15% dollar move) are for moves that
last; a move that reverses within weeks leaves almost nothing in the price level a year or two
later. So the price effect at one and two years is the pass-through times the **lasting**
dollar move.

Conventions: ``local_gain_pct`` is the percent rise of the dollar price of the holder's
currency (+ = the currency strengthens), as in ``tlrisk events``; ``dollar_pct`` is the percent
change of the dollar against it, ``(1 / (1 + local_gain_pct / 100) - 1) * 100`` (negative = the
dollar falls).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.ledger.data import Fact, FxEpisode
from model.scenarios.schema import DEFAULT_PROCEEDS, PROCEEDS_CHOICES, Proceeds  # noqa: F401 (re-exported)
from model.stats import z_critical

BUSINESS_DAYS_PER_MONTH = 21.0
MONTHS_PER_YEAR = 12


def parse_proceeds(value: str | Proceeds) -> Proceeds:
    """``"converted"`` or ``"kept_in_dollars"`` as a :class:`Proceeds` (ValueError otherwise)."""
    try:
        return Proceeds(value)
    except ValueError:
        raise ValueError(f"proceeds must be one of {', '.join(PROCEEDS_CHOICES)} (got '{value}')") from None


def dollar_pct_from_local(local_gain_pct):
    """Percent change of the dollar against a currency that rose ``local_gain_pct`` percent
    (exactly zero for zero)."""
    return (1.0 / (1.0 + np.asarray(local_gain_pct, dtype=float) / 100.0) - 1.0) * 100.0


# ---------------------------------------------------------------------------------------------
# The impact per $100bn: the events stage's estimate shrunk toward the published episodes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FxEstimate:
    """An estimate of the holder's currency move per $100bn of dollars it converts.

    Attributes
    ----------
    local_gain_pct_per_100bn : float
        Percent rise of the dollar price of the holder's currency per $100bn converted
        (``yen_pct_per_100bn`` of ``tlrisk events``; + = the currency strengthens).
    se : float
        Its standard error (same unit, > 0).
    source : str
        Where it comes from (sample, window), for the report.
    """

    local_gain_pct_per_100bn: float
    se: float
    source: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.local_gain_pct_per_100bn) and math.isfinite(self.se) and self.se > 0):
            raise ValueError("the exchange-rate estimate and its standard error must be finite, with se > 0")


def published_prior(episodes: Sequence[FxEpisode]) -> FxEstimate:
    """The published evidence as a prior: mean and standard deviation across the episodes of
    the currency's impact move per $100bn (at each episode's own exchange rate)."""
    values = np.array([e.local_gain_pct_per_100bn for e in episodes], dtype=float)
    if len(values) < 2:
        raise ValueError("the published prior needs at least two intervention episodes")
    first, last = min(e.first_day for e in episodes), max(e.last_day for e in episodes)
    return FxEstimate(float(values.mean()), float(values.std(ddof=1)),
                      f"impact of {len(values)} yen-buying interventions, {first:%b %Y} - {last:%b %Y} "
                      f"(mean and spread across episodes)")


def shrink(estimate: FxEstimate | None, prior: FxEstimate) -> FxEstimate:
    """Precision-weighted combination of the estimate and the prior (the prior alone when
    there is no estimate)."""
    if estimate is None:
        return prior
    w_est, w_prior = 1.0 / estimate.se**2, 1.0 / prior.se**2
    mean = (w_est * estimate.local_gain_pct_per_100bn + w_prior * prior.local_gain_pct_per_100bn) / (w_est + w_prior)
    se = (w_est + w_prior) ** -0.5
    share = w_est / (w_est + w_prior)
    return FxEstimate(mean, se, f"{estimate.source}, shrunk toward the {prior.source} "
                                f"(weight on the estimate {share:.0%})")


# ---------------------------------------------------------------------------------------------
# Parameter draws from published ranges
# ---------------------------------------------------------------------------------------------


def draw_fact(fact: Fact, rng: np.random.Generator, n: int, lower: float | None = None,
              upper: float | None = None) -> np.ndarray:
    """Draws of a fact across its published range.

    A fact without a range is a constant. A ranged fact is drawn from a split normal: median
    at the central value, 5th and 95th percentiles at ``low`` and ``high`` (so an asymmetric
    range stays asymmetric; a side of zero width is a point mass at the central value), then
    clipped to ``[lower, upper]`` where given.
    """
    if not fact.ranged:
        return np.full(n, fact.value)
    z = rng.standard_normal(n)
    zc = z_critical()
    below, above = (fact.value - fact.low) / zc, (fact.high - fact.value) / zc
    out = fact.value + np.where(z < 0, z * below, z * above)
    if lower is not None or upper is not None:
        out = np.clip(out, lower, upper)
    return out


# ---------------------------------------------------------------------------------------------
# The exchange-rate path of a conversion plan
# ---------------------------------------------------------------------------------------------


@dataclass
class DollarDraws:
    """Draws of what a holder's conversions do to its exchange rate.

    All arrays have one entry per draw. ``local_gain`` values are percent rises of the dollar
    price of the holder's currency; ``dollar`` values the matching percent change of the dollar
    (negative = the dollar falls).
    """

    impact_local_gain_pct: np.ndarray  # at the peak month of the plan
    lasting_local_gain_pct: np.ndarray  # what never fades (lasting share x total converted)
    first_year_mean_local_gain_pct: np.ndarray  # average over the first twelve months
    peak_month: np.ndarray  # 1-based month of the peak (0 when nothing is converted)
    per_100bn: np.ndarray  # the impact elasticity drawn
    converted_bn: float  # total converted ($bn; + = dollars sold for the holder's currency)
    largest_month_bn: float

    @property
    def impact_dollar_pct(self) -> np.ndarray:
        return dollar_pct_from_local(self.impact_local_gain_pct)

    @property
    def lasting_dollar_pct(self) -> np.ndarray:
        return dollar_pct_from_local(self.lasting_local_gain_pct)

    @property
    def first_year_mean_dollar_pct(self) -> np.ndarray:
        return dollar_pct_from_local(self.first_year_mean_local_gain_pct)


def zero_dollar_draws(n: int) -> DollarDraws:
    """No conversion: every move exactly zero."""
    z = np.zeros(n)
    return DollarDraws(z, z.copy(), z.copy(), np.zeros(n, dtype=int), z.copy(), 0.0, 0.0)


def conversion_draws(converted_bn_by_month: Sequence[float], effect: FxEstimate, half_life_days: np.ndarray,
                     lasting_share: np.ndarray, rng: np.random.Generator) -> DollarDraws:
    """Draws of the exchange-rate path of a conversion plan.

    Parameters
    ----------
    converted_bn_by_month : sequence of float
        Dollars converted into the holder's currency each month ($bn; + = dollars sold,
        negative = dollars bought with the holder's currency).
    effect : FxEstimate
        The impact per $100bn (after shrinkage); drawn as normal with its standard error.
    half_life_days, lasting_share : ndarray
        Draws (one per draw) of the half-life of the impact (business days) and the share of
        it that never fades.
    rng : numpy.random.Generator

    Returns
    -------
    DollarDraws

    Notes
    -----
    With ``e`` the impact per $100bn, ``L`` the lasting share and ``r = 0.5 ** (21 / h)`` the
    decay over a month of a half-life of ``h`` business days, month ``t`` carries
    ``e / 100 * (L * C_t + (1 - L) * T_t)`` with ``C_t`` the dollars converted so far and
    ``T_t = r * T_{t-1} + c_t`` the part still fading. The first-year mean integrates the
    exponential decay within months (mean life ``h / ln 2`` business days).
    """
    c = np.asarray(converted_bn_by_month, dtype=float)
    n = len(half_life_days)
    if c.size == 0 or not np.any(c):
        return zero_dollar_draws(n)
    e = effect.local_gain_pct_per_100bn + effect.se * rng.standard_normal(n)
    r = 0.5 ** (BUSINESS_DAYS_PER_MONTH / half_life_days)
    cumulative = np.zeros(n)
    fading = np.zeros(n)
    best = np.zeros(n)
    peak = np.zeros(n, dtype=int)
    for t, amount in enumerate(c):  # linear in the months of the plan, vectorised over draws
        fading = r * fading + amount
        cumulative = cumulative + amount
        level = e / 100.0 * (lasting_share * cumulative + (1.0 - lasting_share) * fading)
        bigger = np.abs(level) > np.abs(best)
        best = np.where(bigger, level, best)
        peak = np.where(bigger, t + 1, peak)
    total = float(c.sum())
    lasting = e / 100.0 * lasting_share * total
    # first-year mean: a conversion in month k (0-based) contributes, averaged over months 0-12,
    # its lasting part for the (12 - k) months left and its fading part tau * (1 - exp(-(12 - k) / tau))
    tau = half_life_days / BUSINESS_DAYS_PER_MONTH / math.log(2.0)  # mean life, months
    year = np.zeros(n)
    for k, amount in enumerate(c[:MONTHS_PER_YEAR]):
        left = MONTHS_PER_YEAR - k
        year += amount * (lasting_share * left + (1.0 - lasting_share) * tau * (1.0 - np.exp(-left / tau)))
    year = e / 100.0 * year / MONTHS_PER_YEAR
    return DollarDraws(best, lasting, year, peak, e, total, float(np.max(np.abs(c))))


# ---------------------------------------------------------------------------------------------
# US inflation
# ---------------------------------------------------------------------------------------------


TERM_PREMIUM_NOTE = ("Higher term premia tighten financial conditions and are disinflationary (Rudebusch, Sack & "
                     "Swanson 2007), so any inflation effect of a sale runs through the dollar, and only a "
                     "converted sale moves the dollar.")


def inflation_pp(lasting_dollar_pct: np.ndarray, passthrough: np.ndarray) -> np.ndarray:
    """US consumer prices (percentage points of the price level) from the lasting dollar move:
    ``passthrough x (-dollar_pct)`` (a dollar fall raises prices; exactly zero for no move)."""
    return passthrough * (0.0 - np.asarray(lasting_dollar_pct, dtype=float))  # 0 - x: no negative zero


__all__ = ["DEFAULT_PROCEEDS", "PROCEEDS_CHOICES", "TERM_PREMIUM_NOTE", "DollarDraws", "FxEstimate", "Proceeds",
           "conversion_draws", "dollar_pct_from_local", "draw_fact", "inflation_pp", "parse_proceeds",
           "published_prior", "shrink", "zero_dollar_draws"]
