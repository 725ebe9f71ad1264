"""Intervention days: what US yields did when Japan's Ministry of Finance really bought or sold
dollars, and whether that is consistent with the model.

For each intervention day the study measures the change in the 10-year Treasury yield (FRED
DGS10, bp), the Kim-Wright 10-year term premium (THREEFYTP10, bp) and the yen (DEXJPUS, percent
change in the dollar price of the yen, positive = a stronger yen) over windows of 1, 2 and 5
business days. A window of k days runs from the close of the business day before the
intervention to the close of the (k-1)-th business day after it, each series on its own
business days (the days it has an observation): the 1-day window sees an intervention in Tokyo
hours, the 2-day window also one in the New York afternoon (after the 3:30 p.m. yield reading
and the noon FX rate).

Changes are also expressed per $100bn of dollars sold by Japan, at the day's exchange rate, in
the direction of the commentary: a sale of dollars counts as Japanese selling (+), a purchase
as negative selling. A positive effect per $100bn means yields rose when Japan sold (or fell
when it bought), as the "Japan sells, yields rise" story says.

Pooled tests never count a market move twice. Two kinds of window are pooled:

* ``episode``: one window per episode (a run of same-direction days less than
  ``EPISODE_GAP_DAYS`` + 1 business days apart), from the close before its first day to the
  close of the (k-1)-th business day after its last;
* ``day``: one window per day, for the days whose k-day windows overlap no other intervention
  day's (its nearest neighbour at least k business days away: for k = 5, days five or more
  business days apart).

Pooled over the windows of a group (``sell_usd`` 2022-24, ``buy_usd`` 2010-11) with their
dollar amounts as weights, the effect per $100bn is ``100 x (sum of changes) / (sum of dollars
sold)``. Inference is a placebo test: the same statistic on placebo days (business days of the
same years more than ``EXCLUSION_DAYS`` business days from any intervention day), each window
(or run of day windows) moved as a block that keeps its spacing. The p-value is the share of
placebo statistics at least as far from the placebo mean as the actual one (two-sided). Beside
every pooled estimate: the minimum detectable effect (the smallest effect, in the direction of
the model's prediction, that the 5% placebo test would detect with 80% power: an effect shifts
the statistic one for one, so the power is read off the placebo draws themselves), a
leave-one-out range, and the same pool without the windows that hold US news (an FOMC decision,
a CPI, PPI or jobs release; ``data/curated/us_news.csv``).

The days come from ``data/curated/jp_interventions.csv`` (cited press reports of the
Ministry's figures), or from the Ministry's own record when a user saves it beside that file
as ``mof_feio.csv`` (see :func:`load_interventions`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator

from model.config import StrictModel, check_order, csv_rows
from model.episodes import verdict
from model.errors import DataUnavailable, InputError, TLRiskError, ValidationFailed
from model.files import read_bytes_limited
from model.labels import upper_first
from model.numbers import money, number
from model.schema import SCHEMA_VERSION
from model.stats import LEVEL_90, normal_interval

WINDOWS = (1, 2, 5)
WINDOW_KINDS = ("day", "episode")
EXCLUSION_DAYS = 5  # placebo days stay this many business days away from any intervention day
EPISODE_GAP_DAYS = 5  # intervention days this close (business days) form one episode
EPISODE_WINDOW = 2  # the window an episode's verdict reads (catches New-York-afternoon operations)
SERIES = {"10y": "DGS10", "term_premium": "THREEFYTP10", "yen": "DEXJPUS"}
GROUPS = {
    "sell_usd": "Japan sold dollars to support the yen (2022, 2024)",
    "buy_usd": "Japan bought dollars to weaken the yen (2010-2011)",
}
URL = r"^https?://\S+$"

TEST_SIZE = 0.05  # the placebo test's size for the minimum detectable effect (two-sided)
POWER = 0.80  # the power the minimum detectable effect is quoted at
DEFAULT_DRAWS = 10_000
MAX_PLACEBO_DRAWS = 100_000  # 10,000 draws already give p-values to about +/-0.002 near 0.05

# What a curated or Ministry amount may be: the largest day on record is 8,072bn yen
# (31 October 2011); 20 trillion yen is two and a half times that. An amount typed in yen
# (2.1e12) or in 100 million yen (the Ministry's unit) far above it is refused.
AMOUNT_MAX_JPY_BN = 20_000.0
DATE_MIN = dt.date(1971, 1, 1)  # the yen floated from 1971-73; the Ministry's record starts in 1991
DATE_MAX = dt.date(2099, 12, 31)  # the end of the Tokyo holiday calendar used for settlement dates

MINISTRY_RECORD = "mof_feio.csv"  # the Ministry's own record, when a user saves it in data/curated
MINISTRY_URL = "https://www.mof.go.jp/policy/international_policy/reference/feio/"
SETTLEMENT_DAYS = 2  # spot foreign exchange settles two Tokyo business days after the trade


# ---------------------------------------------------------------------------------------------
# The curated facts: intervention days and US news
# ---------------------------------------------------------------------------------------------


def _date_in_range(value: dt.date) -> dt.date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"{value.isoformat()} is outside {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}")
    return value


class InterventionDay(StrictModel):
    """One day on which the Ministry of Finance dealt in the yen-dollar market."""

    date: dt.date
    direction: Literal["buy_usd", "sell_usd"]
    amount_jpy_bn: float = Field(gt=0)
    amount_note: str
    timing_note: str
    source_url: str = Field(pattern=URL)

    _date = field_validator("date")(_date_in_range)

    @field_validator("amount_jpy_bn")
    @classmethod
    def _plausible_amount(cls, value: float) -> float:
        if value > AMOUNT_MAX_JPY_BN:
            raise ValueError(
                f"{value:,.6g} billion yen is more than {AMOUNT_MAX_JPY_BN:,.0f} (20 trillion yen, over twice the "
                "largest day on record, 8,072bn on 31 October 2011): is it in yen or 100 million yen rather than "
                "billions of yen?")
        return value


class NewsItem(StrictModel):
    """A US release or decision that moves Treasury yields by itself."""

    date: dt.date
    event: Literal["fomc", "cpi", "ppi", "employment"]
    description: str
    source_url: str = Field(pattern=URL)

    _date = field_validator("date")(_date_in_range)


def _read_rows(path: Path, model: type[StrictModel]) -> list:
    """Rows of a curated CSV validated into ``model`` (blank text cells kept as empty text), in
    date order; a bad row is ``file:line: field - reason``."""
    numbered = csv_rows(path, model, keep_blank=True)
    check_order(numbered, "date", path, strict=False)  # several rows may share a day
    return [row for _, row in numbered]


class InterventionDays(list):
    """The intervention days to study (a list of :class:`InterventionDay`), with where they
    come from (``source``) and what was reconciled on the way (``notes``)."""

    def __init__(self, days: Iterable[InterventionDay] = (), source: dict | None = None,
                 notes: list[str] | None = None) -> None:
        super().__init__(days)
        self.source = source or {"kind": "given", "file": None, "days": len(self)}
        self.notes = list(notes or [])


def load_interventions(path: Path, ministry_record: Path | None | Literal["beside"] = "beside") -> InterventionDays:
    """The intervention days the events stage studies.

    Parameters
    ----------
    path : Path
        The curated days (``data/curated/jp_interventions.csv``), always validated.
    ministry_record : Path, None or "beside"
        The Ministry of Finance's own record ("Foreign Exchange Intervention Operations", the
        Shift-JIS CSV a user downloads from mof.go.jp), read with the sources' parser
        (:func:`model.sources.detect.parse_source`). ``"beside"`` (the default) uses
        ``mof_feio.csv`` in the folder of ``path`` when it exists; None never uses one.
        When used, its dollar-yen days replace the curated ones (its amounts are the primary
        source); the curated timing notes and citations stay with the days both list, and any
        curated day the record lacks, or whose amount differs, is named in ``notes``.

    Returns
    -------
    InterventionDays
        The days in date order, with ``source`` (``kind``: ``curated`` or
        ``ministry_record``, ``file``, ``days``) and ``notes``.
    """
    path = Path(path)
    curated = _read_rows(path, InterventionDay)
    seen = [r.date for r in curated]
    if len(set(seen)) != len(seen):
        raise InputError("a date appears twice", path)
    record = path.parent / MINISTRY_RECORD if ministry_record == "beside" else ministry_record
    if record is None or (ministry_record == "beside" and not Path(record).exists()):
        return InterventionDays(curated, {"kind": "curated", "file": path.name, "days": len(curated)})
    return _ministry_days(Path(record), curated, path.name)


def _ministry_days(path: Path, curated: list[InterventionDay], curated_name: str) -> InterventionDays:
    """The dollar-yen days of the Ministry's record, with the curated notes where dates match."""
    from model.sources.detect import parse_source
    from model.sources.text import TextSource

    table = parse_source(TextSource.from_bytes(read_bytes_limited(path, "data"), str(path)),
                         expect="mof_feio").interventions
    by_date = {d.date: d for d in curated}
    days, other = [], 0
    for row in table.itertuples(index=False):
        if row.direction not in ("buy_usd", "sell_usd"):
            other += 1  # dollars against euros, marks or rupiah: not a yen-dollar operation
            continue
        date = row.date.date()
        known = by_date.get(date)
        try:
            days.append(InterventionDay(
                date=date, direction=row.direction, amount_jpy_bn=float(row.amount_jpy_bn),
                amount_note=f"the Ministry of Finance's record ({path.name}, line {int(row.line)})",
                timing_note=known.timing_note if known else "",
                source_url=known.source_url if known else MINISTRY_URL))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(err["msg"].removeprefix("Value error, "), path, int(row.line),
                             ".".join(str(x) for x in err["loc"])) from None
    if not days:
        raise InputError("the Ministry's record lists no dollar-yen intervention", path)
    days.sort(key=lambda d: d.date)
    notes = [f"Intervention days from the Ministry of Finance's record ({path.name}): {len(days)} dollar-yen days"
             + (f" ({other} operations in other currencies left out)" if other else "") + "."]
    record = {d.date: d for d in days}
    missing = [d.date.isoformat() for d in curated if d.date not in record]
    if missing:
        notes.append(f"{curated_name} lists {len(missing)} day(s) the Ministry's record does not: "
                     f"{', '.join(missing)} (left out; the record is the primary source).")
    differ = [f"{d.date.isoformat()} ({d.amount_jpy_bn:,.1f} curated, {record[d.date].amount_jpy_bn:,.1f} record)"
              for d in curated if d.date in record and abs(d.amount_jpy_bn - record[d.date].amount_jpy_bn) > 0.05]
    if differ:
        notes.append(f"Amounts that differ from {curated_name} (billion yen; the record's are used): {'; '.join(differ)}.")
    return InterventionDays(days, {"kind": "ministry_record", "file": path.name, "days": len(days)}, notes)


def load_us_news(path: Path) -> list[NewsItem]:
    """The curated US news calendar (``data/curated/us_news.csv``)."""
    return _read_rows(path, NewsItem)


def placebo_draws_problem(draws, where: str = "--draws") -> str | None:
    """A one-line reason why ``draws`` is not a usable number of placebo draws, else None.

    The command line and the Python API check the same rule: a whole number from 1 to
    ``MAX_PLACEBO_DRAWS`` (memory and time grow with it; 10,000 draws already pin p-values to
    about +/-0.002 near 0.05).
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer):
        return f"{where}: the number of placebo draws must be a whole number, not {draws!r}"
    if draws < 1:
        return f"{where}: the number of placebo draws must be at least 1, not {draws:,}"
    if draws > MAX_PLACEBO_DRAWS:
        return (f"{where}: {int(draws):,} placebo draws is above the limit of {MAX_PLACEBO_DRAWS:,} "
                f"({DEFAULT_DRAWS:,}, the default, already pins p-values to about +/-0.002)")
    return None


# ---------------------------------------------------------------------------------------------
# Settlement: trade day + 2 Tokyo business days
# ---------------------------------------------------------------------------------------------


def tokyo_holidays(years: Iterable[int]) -> set[dt.date]:
    """Days Tokyo's banks are closed besides weekends: the national holidays and the bank
    holidays of 31 December to 3 January (the ``holidays`` package's Japan calendar, public
    and bank categories)."""
    return set(_tokyo_holidays(tuple(sorted(set(years)))))


@functools.lru_cache(maxsize=32)
def _tokyo_holidays(years: tuple[int, ...]) -> frozenset[dt.date]:
    import holidays  # building the calendar takes a tenth of a second: once per set of years

    return frozenset(holidays.Japan(years=list(years), categories=("public", "bank")))


def settlement_date(trade_date: dt.date, closed: set[dt.date] | None = None) -> dt.date:
    """The day a spot yen-dollar trade of ``trade_date`` settles: ``SETTLEMENT_DAYS`` Tokyo
    business days later (a trade on a Tokyo holiday, dealt in overseas markets, counts from the
    next business day the same way).

    >>> settlement_date(dt.date(2011, 10, 31))  # Monday: Tuesday 1, Wednesday 2 November
    datetime.date(2011, 11, 2)
    """
    closed = tokyo_holidays({trade_date.year, trade_date.year + 1}) if closed is None else closed
    day, left = trade_date, SETTLEMENT_DAYS
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            left -= 1
    return day


# ---------------------------------------------------------------------------------------------
# Daily data and window arithmetic
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyData:
    """The daily series, each indexed by its own business days (missing cells dropped)."""

    series: dict[str, pd.Series]  # "10y", "term_premium", "yen" -> value by date (percent; yen per $)

    @classmethod
    def from_long(cls, frame: pd.DataFrame) -> DailyData:
        """From the snapshot's stacked daily part (``date, series_id, value``)."""
        out = {}
        for measure, series_id in SERIES.items():
            rows = frame[frame["series_id"] == series_id].dropna(subset=["value"])
            if rows.empty:
                raise DataUnavailable(
                    f"no daily observations of FRED {series_id} in the data (the cache may predate the "
                    "daily part): run 'tlrisk data pull', or remove data/cache to use the shipped snapshot")
            values = rows["value"].to_numpy(float)
            if not np.all(np.isfinite(values)):
                raise DataUnavailable(f"FRED {series_id}: a daily value is not a finite number")
            if measure == "yen" and not np.all(values > 0):
                raise DataUnavailable(f"FRED {series_id}: a yen-per-dollar rate is not positive")
            out[measure] = pd.Series(values, index=pd.DatetimeIndex(rows["date"]), name=series_id).sort_index()
        return cls(out)

    @property
    def calendar(self) -> pd.DatetimeIndex:
        """US bond-market business days: the days with a 10-year yield."""
        return self.series["10y"].index

    def rate(self, day: pd.Timestamp) -> float:
        """Yen per dollar on ``day`` (the noon rate; the last one before it when there is none)."""
        yen = self.series["yen"]
        before = yen.loc[:day]
        if before.empty:
            raise DataUnavailable(f"no yen-dollar rate on or before {day:%Y-%m-%d}")
        return float(before.iloc[-1])

    def covers(self, day: pd.Timestamp, days: int = max(WINDOWS)) -> bool:
        """Whether every series has the close before ``day`` and ``days`` business days from it."""
        for s in self.series.values():
            first = int(s.index.searchsorted(day))
            if first < 1 or first + days - 1 >= len(s):
                return False
        return True


def change(measure: str, base, end):
    """A window's change (of numbers or arrays): bp for yields, percent change in the dollar
    price of the yen for the yen."""
    if measure == "yen":
        return (base / end - 1.0) * 100.0
    return (end - base) * 100.0


@dataclass(frozen=True)
class Window:
    """One window of one series around one day."""

    base_date: pd.Timestamp
    end_date: pd.Timestamp
    change: float


def window(series: pd.Series, day: pd.Timestamp, days: int, measure: str) -> Window | None:
    """The change over ``days`` business days of ``series`` starting on ``day`` (from the close
    of the business day before): None when the data do not cover it."""
    idx = series.index
    first = int(idx.searchsorted(day))
    base, end = first - 1, first + days - 1
    if base < 0 or end >= len(idx):
        return None
    values = series.to_numpy()
    return Window(idx[base], idx[end], change(measure, values[base], values[end]))


def window_changes(series: pd.Series, calendar: pd.DatetimeIndex, days: int, measure: str) -> np.ndarray:
    """The ``days``-day change starting on every date of ``calendar`` (NaN where not covered)."""
    idx = series.index
    values = series.to_numpy()
    first = idx.searchsorted(calendar)
    base, end = first - 1, first + days - 1
    ok = (base >= 0) & (end < len(idx))
    out = np.full(len(calendar), np.nan)
    out[ok] = change(measure, values[base[ok]], values[end[ok]])  # element-wise on arrays
    return out


def news_in(news: list[NewsItem], base: pd.Timestamp, end: pd.Timestamp) -> list[NewsItem]:
    """News after the base day's close up to the window's end, and an FOMC decision on the base
    day itself (its statement and press conference straddle the 3:30 p.m. yield reading)."""
    return [n for n in news if base < pd.Timestamp(n.date) <= end
            or (n.event == "fomc" and pd.Timestamp(n.date) == base)]


def _news_dict(item: NewsItem, base: pd.Timestamp) -> dict:
    when = "the business day before" if pd.Timestamp(item.date) == base else "in the window"
    return {"date": item.date.isoformat(), "event": item.event, "description": item.description,
            "when": when, "source_url": item.source_url}


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class EventWindow:
    window_days: int
    base_date: pd.Timestamp
    end_date: pd.Timestamp
    news: list[dict]
    changes: dict[str, float]  # measure -> bp (10y, term premium) or percent (yen)
    per_100bn: dict[str, float]
    p_value: float  # 10-year change against the same window on every placebo day

    def to_dict(self) -> dict:
        return {
            "window_days": self.window_days, "from_close_of": f"{self.base_date:%Y-%m-%d}",
            "to_close_of": f"{self.end_date:%Y-%m-%d}", "us_news": self.news,
            "change_10y_bp": _num(self.changes["10y"]), "change_term_premium_bp": _num(self.changes["term_premium"]),
            "change_yen_pct": _num(self.changes["yen"]),
            "effect_bp_per_100bn": _num(self.per_100bn["10y"]),
            "term_premium_bp_per_100bn": _num(self.per_100bn["term_premium"]),
            "yen_pct_per_100bn": _num(self.per_100bn["yen"]), "p_value": _num(self.p_value),
        }


@dataclass
class EventResult:
    """One intervention day and its windows."""

    day: InterventionDay
    episode: str
    usd_jpy: float
    amount_usd_bn: float
    dollars_sold_bn: float  # + when Japan sold dollars, - when it bought
    us_news: list[dict]  # news in the 1-day window
    windows: list[EventWindow]

    def at(self, days: int) -> EventWindow:
        return next(w for w in self.windows if w.window_days == days)

    def to_dict(self) -> dict:
        d = self.day
        return {
            "date": d.date.isoformat(), "direction": d.direction, "amount_jpy_bn": d.amount_jpy_bn,
            "amount_usd_bn": round(self.amount_usd_bn, 4), "usd_jpy": self.usd_jpy,
            "dollars_sold_bn": round(self.dollars_sold_bn, 4), "episode": self.episode,
            "amount_note": d.amount_note, "timing_note": d.timing_note, "source_url": d.source_url,
            "us_news": self.us_news, "windows": [w.to_dict() for w in self.windows],
        }


@dataclass(frozen=True)
class PoolWindow:
    """One window of a pooled test: one day's window, or one episode's."""

    days: tuple[str, ...]  # the intervention days it covers
    start: int  # calendar position of its first day
    offsets: tuple[int, ...]  # positions of its days from ``start`` (the placebo keeps this pattern)
    length: int  # business days from the close before ``start`` to the window's end
    base_date: pd.Timestamp
    end_date: pd.Timestamp
    dollars_sold_bn: float
    changes: dict[str, float]
    news: list[dict]

    def to_dict(self) -> dict:
        return {"days": list(self.days), "from_close_of": f"{self.base_date:%Y-%m-%d}",
                "to_close_of": f"{self.end_date:%Y-%m-%d}", "business_days": self.length,
                "dollars_sold_bn": round(self.dollars_sold_bn, 4), "change_10y_bp": _num(self.changes["10y"]),
                "us_news": self.news}


GROUP_SHORT = {"sell_usd": "the days Japan sold dollars", "buy_usd": "the days Japan bought dollars"}


@dataclass
class PooledResult:
    """A group's windows pooled with their amounts as weights, against the placebo days.

    Follows statsmodels' habit for the 10-year effect: ``params``, ``bse`` (the placebo
    statistic's standard deviation), ``pvalue``, ``conf_int(alpha)`` (the effects the placebo
    test does not reject), ``summary()``, ``to_frame()`` and ``to_dict()``.
    """

    group: str
    window: str  # "day" or "episode"
    window_days: int
    excluding_us_news: bool
    windows: list[PoolWindow]
    effects: dict[str, float]  # measure -> per $100bn sold
    p_values: dict[str, float]
    placebo_days: int
    null_draws: np.ndarray = field(repr=False)  # the 10-year placebo statistic (not exported)
    model_bp_per_100bn: float | None = None
    placebo_sd: dict[str, float] = field(default_factory=dict)  # measure -> sd of its placebo statistic

    @property
    def days(self) -> list[str]:
        return [d for w in self.windows for d in w.days]

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def n_windows(self) -> int:
        return len(self.windows)

    @property
    def dollars_sold_bn(self) -> float:
        return float(sum(w.dollars_sold_bn for w in self.windows))

    @property
    def params(self) -> pd.Series:
        return pd.Series({"effect_bp_per_100bn": self.effects["10y"]})

    @property
    def bse(self) -> pd.Series:
        sd = float(np.std(self.null_draws, ddof=1)) if len(self.null_draws) > 1 else np.nan
        return pd.Series({"effect_bp_per_100bn": sd})

    @property
    def pvalue(self) -> float:
        return self.p_values["10y"]

    @property
    def placebo_band(self) -> tuple[float, float]:
        """5th and 95th percentiles of the 10-year placebo statistic."""
        if not len(self.null_draws):
            return np.nan, np.nan
        lo, hi = np.percentile(self.null_draws, [50 * (1 - LEVEL_90), 50 * (1 + LEVEL_90)])
        return float(lo), float(hi)

    def conf_int(self, alpha: float = 1 - LEVEL_90) -> pd.DataFrame:
        """The effects the two-sided placebo test of size ``alpha`` does not reject: an effect
        of d bp per $100bn shifts the statistic by d, so the set is the estimate less the
        placebo mean, plus or minus the (1 - alpha) quantile of the placebo distance from it."""
        if not len(self.null_draws) or not np.isfinite(self.effects["10y"]):
            lo = hi = np.nan
        else:
            centre = self.null_draws.mean()
            q = float(np.quantile(np.abs(self.null_draws - centre), 1 - alpha))
            lo, hi = self.effects["10y"] - centre - q, self.effects["10y"] - centre + q
        return pd.DataFrame({"lower": [lo], "upper": [hi]}, index=["effect_bp_per_100bn"])

    @functools.cached_property  # a bisection over the placebo draws, asked for several times
    def minimum_detectable_effect(self) -> float:
        """bp per $100bn, in the direction of the model's prediction (positive without one)."""
        direction = -1.0 if self.model_bp_per_100bn is not None and self.model_bp_per_100bn < 0 else 1.0
        return minimum_detectable_effect(self.null_draws, direction)

    @property
    def model_detectable(self) -> bool | None:
        """Whether an effect of the model's size would be detected with 80% power."""
        mde = self.minimum_detectable_effect
        if self.model_bp_per_100bn is None or not np.isfinite(mde):
            return None
        return abs(mde) <= abs(self.model_bp_per_100bn)

    @property
    def leave_one_out(self) -> list[tuple[tuple[str, ...], float]]:
        """The 10-year effect without each window in turn (none for a single window)."""
        if self.n_windows < 2:
            return []
        total = sum(w.changes["10y"] for w in self.windows)
        out = []
        for w in self.windows:
            rest = self.dollars_sold_bn - w.dollars_sold_bn
            out.append((w.days, 100.0 * (total - w.changes["10y"]) / rest if rest else np.nan))
        return out

    def power_verdict(self) -> str:
        """What the test can tell, in plain words (printed beside the estimate)."""
        return power_sentence(self.minimum_detectable_effect, self.model_bp_per_100bn)

    def label(self) -> str:
        kind = "one window per episode" if self.window == "episode" else "one window per day"
        news = ", windows with US news left out" if self.excluding_us_news else ""
        return f"{GROUP_SHORT[self.group]}, {self.window_days}-day windows, {kind}{news}"

    def to_dict(self) -> dict:
        loo = self.leave_one_out
        loo_values = [v for _, v in loo if np.isfinite(v)]
        lo, hi = self.placebo_band
        return {
            "group": self.group, "window": self.window, "window_days": self.window_days,
            "excluding_us_news": self.excluding_us_news, "n_windows": self.n_windows, "n_days": self.n_days,
            "effect_bp_per_100bn": _num(self.effects["10y"]), "p_value": _num(self.p_values["10y"]),
            "minimum_detectable_effect_bp_per_100bn": _num(self.minimum_detectable_effect),
            "model_detectable": self.model_detectable, "power_verdict": self.power_verdict(),
            "leave_one_out_low_bp_per_100bn": _num(min(loo_values)) if loo_values else None,
            "leave_one_out_high_bp_per_100bn": _num(max(loo_values)) if loo_values else None,
            "leave_one_out": [{"dropped_days": list(days), "effect_bp_per_100bn": _num(v)} for days, v in loo],
            "term_premium_bp_per_100bn": _num(self.effects["term_premium"]),
            "term_premium_p_value": _num(self.p_values["term_premium"]),
            "yen_pct_per_100bn": _num(self.effects["yen"]), "yen_p_value": _num(self.p_values["yen"]),
            "placebo_p05_bp_per_100bn": _num(lo), "placebo_p95_bp_per_100bn": _num(hi),
            "placebo_sd_bp_per_100bn": _num(self.bse["effect_bp_per_100bn"]),
            "placebo_days": self.placebo_days, "dollars_sold_bn": round(self.dollars_sold_bn, 4),
            "days": self.days, "windows": [w.to_dict() for w in self.windows],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row: the scalars of :meth:`to_dict`."""
        d = self.to_dict()
        return pd.DataFrame([{k: v for k, v in d.items() if not isinstance(v, list | dict)}])

    def summary(self) -> str:
        ci = self.conf_int()
        lo, hi = ci.iloc[0]
        return (f"{self.label()}: {self.n_windows} windows, {money(self.dollars_sold_bn, sign=True)} sold; "
                f"10-year {_txt(self.effects['10y'])} bp per $100bn (placebo p = {_txt(self.pvalue, 3)}; "
                f"90% interval {_txt(lo)} to {_txt(hi)}). {self.power_verdict()}")


def minimum_detectable_effect(null_draws: np.ndarray, direction: float = 1.0, power: float = POWER,
                              size: float = TEST_SIZE) -> float:
    """The smallest effect (bp per $100bn, signed by ``direction``) that the two-sided placebo
    test of ``size`` detects with probability ``power``.

    An effect of d adds d to the pooled statistic, so under it the statistic is a placebo draw
    plus d; the test rejects when its distance from the placebo mean reaches the (1 - size)
    quantile of the placebo distances. The power at d is read off the draws themselves and the
    smallest d reaching ``power`` found by bisection (the power rises with d for the unimodal
    placebo distributions met here). For normal placebo draws with sd s this is
    (z_0.975 + z_0.80) s = 2.80 s.
    """
    draws = np.asarray(null_draws, float)
    if len(draws) < 2 or not np.all(np.isfinite(draws)):
        return np.nan
    dev = (draws - draws.mean()) * (1.0 if direction >= 0 else -1.0)
    critical = float(np.quantile(np.abs(dev), 1.0 - size))

    def reaches(d: float) -> bool:
        return float(np.mean(np.abs(dev + d) >= critical)) >= power

    lo, hi = 0.0, critical + float(np.max(-dev)) + 1e-9  # at hi every draw is rejected
    if reaches(lo):
        return 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    return float(hi) * (1.0 if direction >= 0 else -1.0)


def power_sentence(mde: float, model_bp_per_100bn: float | None) -> str:
    """The minimum detectable effect beside the model's prediction, in plain words."""
    if mde is None or not np.isfinite(mde):
        return "No windows to test."
    text = (f"With 80% power at the 5% level these windows detect an effect of {number(mde)} bp per $100bn sold "
            "or more")
    if model_bp_per_100bn is None:
        return text + "."
    model = number(model_bp_per_100bn)
    if abs(mde) > abs(model_bp_per_100bn):
        times = (f"{abs(mde) / abs(model_bp_per_100bn):.1f} times the model's {model}"
                 if abs(model_bp_per_100bn) >= 0.05 else f"while the model predicts {model}")
        return f"{text}, {times}: these days cannot tell the model from zero."
    return f"{text}, no more than the model's {model}: an effect the model's size would show."


@dataclass(frozen=True)
class ModelEffect:
    """The tool's own effect of Japanese selling on the 10-year yield, bp per $100bn sold."""

    bp_per_100bn_sold: float
    se: float
    source: str

    def band(self, dollars_sold_bn: float) -> tuple[float, float, float]:
        """The predicted move (5th percentile, mean, 95th percentile, bp) for a sale of
        ``dollars_sold_bn``."""
        mid = self.bp_per_100bn_sold * dollars_sold_bn / 100
        lo, hi = normal_interval(mid, self.se * dollars_sold_bn / 100, LEVEL_90)
        return lo, mid, hi

    def to_dict(self) -> dict:
        lo, mid, hi = self.band(100.0)
        return {"effect_bp_per_100bn": self.bp_per_100bn_sold, "se_bp_per_100bn": self.se,
                "band_bp_per_100bn": {"median": mid, "p05": lo, "p95": hi}, "source": self.source}


def model_effect(response) -> ModelEffect:
    """The model's prediction for a flow by Japan: the posterior short-run effect of Japan's
    purchases on the 10-year yield (the response model's, mixed over the specification grid),
    turned into bp per $100bn sold."""
    table = response.posterior_table({"japan": "Japan"})
    row = table[table["maturity"] == "10y"].iloc[0]
    return ModelEffect(float(row["posterior_mean"]), float(row["posterior_sd"]),
                       "posterior short-run effect of Japan's purchases: the joint distributed-lag system "
                       "averaged over the specification grid and shrunk toward the literature")


def literature_band(envelope: dict, dollars_sold_bn: float) -> tuple[float, float, float]:
    """The literature envelope's short-run (impact) move for a sale: (low, central, high), bp."""
    values = [envelope["short_run"][b] * dollars_sold_bn / 100 for b in ("low", "central", "high")]
    return min(values), values[1], max(values)


@dataclass
class EpisodeResult:
    """Consecutive intervention days read together, with a verdict as for the monthly episodes."""

    key: str
    title: str
    direction: str
    days: list[str]
    dollars_sold_bn: float
    window_days: int
    base_date: pd.Timestamp
    end_date: pd.Timestamp
    actual: dict[str, float]
    news: list[dict]
    predicted_posterior: tuple[float, float, float] | None
    predicted_literature: tuple[float, float, float] | None
    verdict: str
    verdict_literature: str

    def to_dict(self) -> dict:
        return {
            "key": self.key, "title": self.title, "direction": self.direction, "days": self.days,
            "dollars_sold_bn": round(self.dollars_sold_bn, 4), "window_days": self.window_days,
            "from_close_of": f"{self.base_date:%Y-%m-%d}", "to_close_of": f"{self.end_date:%Y-%m-%d}",
            "actual_10y_bp": _num(self.actual["10y"]), "actual_term_premium_bp": _num(self.actual["term_premium"]),
            "actual_yen_pct": _num(self.actual["yen"]), "us_news": self.news,
            "predicted_10y_bp": {
                "posterior": None if self.predicted_posterior is None else dict(zip(
                    ("p05", "median", "p95"), (_num(v) for v in self.predicted_posterior), strict=True)),
                "literature": None if self.predicted_literature is None else dict(zip(
                    ("low", "central", "high"), (_num(v) for v in self.predicted_literature), strict=True))},
            "verdict": self.verdict, "verdict_literature": self.verdict_literature,
        }


@dataclass
class EventStudy:
    """Every intervention day, the pooled placebo tests, the episodes and (optionally) the
    monthly instrumental-variable estimate.

    In statsmodels' manner for the pooled 10-year effects: ``params``, ``bse``, ``pvalues``
    and ``conf_int(alpha)`` are indexed by (group, window, window_days, excluding_us_news);
    ``to_frame()`` is the pooled table, ``summary()`` the plain text of ``tlrisk events`` and
    ``to_dict()`` / ``to_json()`` its JSON.
    """

    events: list[EventResult]
    pooled: list[PooledResult]
    episodes: list[EpisodeResult]
    model: ModelEffect | None
    envelope: dict | None
    placebo: dict
    iv: object | None = None  # model.iv.IVResult
    notes: list[str] = field(default_factory=list)
    daily: DailyData | None = None  # the series measured (for the charts; not exported)
    days_source: dict = field(default_factory=dict)

    def episode_news(self, key: str) -> list[dict]:
        """US news inside the longest window of any day of an episode (each item once)."""
        seen: dict[tuple[str, str], dict] = {}
        for e in self.events:
            if e.episode == key:
                for item in e.at(max(WINDOWS)).news:
                    seen.setdefault((item["date"], item["event"]), item)
        return sorted(seen.values(), key=lambda n: n["date"])

    def yen_effect(self, window_days: int = 2) -> tuple[float, float, str] | None:
        """The yen's move on the days Japan sold dollars, one window per episode: percent per
        $100bn sold (+ = a stronger yen), the standard deviation of the same statistic on the
        placebo days, and a description; None where the days do not give one."""
        pool = next((p for p in self.pooled if p.group == "sell_usd" and p.window == "episode"
                     and p.window_days == window_days and not p.excluding_us_news), None)
        if pool is None or not pool.windows:
            return None
        effect, sd = pool.effects["yen"], pool.placebo_sd.get("yen", np.nan)
        if not (np.isfinite(effect) and np.isfinite(sd) and sd > 0):
            return None
        return (float(effect), float(sd),
                f"the yen on the days Japan sold dollars ({', '.join(p[:7] for p in dict.fromkeys(pool.days))}), "
                f"{window_days}-day windows, one per episode, {money(pool.dollars_sold_bn, 0)} sold; spread of "
                f"the same statistic on {pool.placebo_days:,} placebo days")

    def pooled_row(self, group: str, window_days: int, excluding_us_news: bool, window: str = "day") -> PooledResult:
        return next(p for p in self.pooled if (p.group, p.window, p.window_days, p.excluding_us_news)
                    == (group, window, window_days, excluding_us_news))

    def _index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_tuples([(p.group, p.window, p.window_days, p.excluding_us_news) for p in self.pooled],
                                         names=["group", "window", "window_days", "excluding_us_news"])

    @property
    def params(self) -> pd.Series:
        """The pooled 10-year effects, bp per $100bn sold."""
        return pd.Series([p.effects["10y"] for p in self.pooled], index=self._index(), name="effect_bp_per_100bn")

    @property
    def bse(self) -> pd.Series:
        """The placebo statistic's standard deviation, bp per $100bn."""
        return pd.Series([p.bse.iloc[0] for p in self.pooled], index=self._index(), name="placebo_sd_bp_per_100bn")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series([p.pvalue for p in self.pooled], index=self._index(), name="p_value")

    def conf_int(self, alpha: float = 1 - LEVEL_90) -> pd.DataFrame:
        """Placebo-test intervals of the pooled effects (see :meth:`PooledResult.conf_int`)."""
        rows = [p.conf_int(alpha).iloc[0] for p in self.pooled]
        return pd.DataFrame(rows, index=self._index())

    def to_frame(self) -> pd.DataFrame:
        """The pooled table: one row per pooled test, the scalars of ``pooled`` in the JSON."""
        return pd.concat([p.to_frame() for p in self.pooled], ignore_index=True)

    def power_verdict(self) -> str:
        """What the days can tell at best: the most powerful pooled comparison's minimum
        detectable effect beside the model's prediction."""
        rows = [p for p in self.pooled if np.isfinite(p.minimum_detectable_effect)]
        if not rows:
            return "No pooled comparison could be made."
        best = min(rows, key=lambda p: abs(p.minimum_detectable_effect))
        mde = number(best.minimum_detectable_effect)
        where = f"the most powerful comparison ({best.label()})"
        if self.model is None:
            return f"With 80% power at the 5% level, {where} detects an effect of {mde} bp per $100bn sold or more."
        model = number(self.model.bp_per_100bn_sold)
        effect = best.effects["10y"]
        seen = best.pvalue < 0.05 and abs(effect) >= abs(best.minimum_detectable_effect) * 0.8
        same_sign = effect * self.model.bp_per_100bn_sold > 0
        found = (f" That comparison found {number(effect)} bp per $100bn sold (placebo p = {best.pvalue:.3f})"
                 + (("; an effect that large is one the test can see, and it is larger than the model's" if same_sign
                     else "; an effect that large is one the test can see, and its sign is the opposite of the "
                     "model's") if seen else "") + ".")
        if not best.model_detectable:
            return (f"Even {where} needs an effect of {mde} bp per $100bn sold to detect it with 80% power at the 5% "
                    f"level, more than the model's {model}: the intervention days cannot tell an effect of the "
                    f"model's size from zero.{found}")
        return (f"{upper_first(where)} would detect the model's {model} bp per $100bn with 80% power at "
                f"the 5% level (minimum detectable effect {mde}); its estimate is {number(best.effects['10y'])} "
                f"(p = {_txt(best.pvalue, 3)}).")

    def to_dict(self) -> dict:
        """The ``tlrisk events --json`` contract (also ``events`` in results.json)."""
        lit = None
        if self.envelope is not None:
            env = self.envelope.to_dict()
            lit = {"short_run": env["short_run"], "long_run": env["long_run"], "sources": env["sources"],
                   "used": "short run: a window of days sees what markets priced at once"}
        return {
            "schema_version": SCHEMA_VERSION,
            "units": {"change_10y_bp": "bp", "change_term_premium_bp": "bp",
                      "change_yen_pct": "percent change in the dollar price of the yen (+ = stronger yen)",
                      "per_100bn": "per $100bn of dollars sold by Japan at the day's DEXJPUS rate "
                                   "(buying days count as negative sales)"},
            "windows_days": list(WINDOWS),
            "days_source": self.days_source,
            "events": [e.to_dict() for e in self.events],
            "pooled": [p.to_dict() for p in self.pooled],
            "power_verdict": self.power_verdict(),
            "episodes": [e.to_dict() for e in self.episodes],
            "model": None if self.model is None else self.model.to_dict(),
            "literature": lit,
            "placebo": self.placebo,
            "iv": None if self.iv is None else self.iv.to_dict(),
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def summary(self) -> str:
        return self.table()

    def table(self) -> str:
        """Plain text for ``tlrisk events``."""
        lines = ["Intervention days: changes from the close before the day (10-year and term premium in bp, "
                 "yen in %, + = stronger yen), per $100bn of dollars sold by Japan",
                 f"{'date':<11}{'dir':<9}{'$bn':>7}  {'window':>6}{'10y':>7}{'tp':>7}{'yen %':>7}"
                 f"{'10y/100bn':>11}{'p':>6}  US news"]
        for e in self.events:
            for w in e.windows:
                news = "; ".join(f"{n['event']} {n['date']}" for n in w.news) or "-"
                first = w.window_days == WINDOWS[0]
                lines.append(
                    f"{e.day.date.isoformat() if first else '':<11}{e.day.direction if first else '':<9}"
                    f"{(f'{e.amount_usd_bn:.1f}' if first else ''):>7}  {w.window_days:>5}d"
                    f"{w.changes['10y']:>+7.1f}{w.changes['term_premium']:>+7.1f}{w.changes['yen']:>+7.2f}"
                    f"{w.per_100bn['10y']:>+11.1f}{w.p_value:>6.2f}  {news}")
        lines += ["", "Pooled (amount-weighted: 100 x sum of changes / sum of dollars sold; no market move counted "
                      "twice), against placebo days; MDE = minimum detectable effect (80% power, 5% test)"]
        lines.append(f"{'group':<10}{'windows':>9}{'days':>5}{'news':>10}{'n':>4}{'10y bp/100bn':>14}{'p':>7}"
                     f"{'placebo 90%':>17}{'MDE':>8}{'leave-one-out':>18}{'tp':>8}{'p':>7}{'yen %':>8}{'p':>7}")
        for p in self.pooled:
            loo = [v for _, v in p.leave_one_out if np.isfinite(v)]
            loo_text = f"[{number(min(loo))}, {number(max(loo))}]" if loo else "-"
            lo, hi = p.placebo_band
            lines.append(
                f"{p.group:<10}{p.window:>9}{p.window_days:>4}d{'excluded' if p.excluding_us_news else 'kept':>10}"
                f"{p.n_windows:>4}{_txt(p.effects['10y']):>14}{_txt(p.p_values['10y'], 3):>7}"
                f"{f'[{number(lo)}, {number(hi)}]':>17}{_txt(p.minimum_detectable_effect):>8}{loo_text:>18}"
                f"{_txt(p.effects['term_premium']):>8}{_txt(p.p_values['term_premium'], 3):>7}"
                f"{_txt(p.effects['yen'], 2):>8}{_txt(p.p_values['yen'], 3):>7}")
        if self.model is not None:
            lines += ["", f"The model: {number(self.model.bp_per_100bn_sold)} bp per $100bn sold (se {self.model.se:.1f}; "
                          f"{self.model.source})"]
        lines.append(f"Power: {self.power_verdict()}")
        if self.envelope is not None:
            sr = self.envelope["short_run"]
            lines.append(f"Literature envelope, short run: {number(sr['low'])} / {number(sr['central'])} / "
                         f"{number(sr['high'])} bp per $100bn sold (low / central / high)")
        lines += ["", f"Episodes (the {EPISODE_WINDOW}-day window around each run of days):"]
        for ep in self.episodes:
            lines.append(f"  {ep.title}: {money(ep.dollars_sold_bn, sign=True)} sold; 10-year {number(ep.actual['10y'], 0)} "
                         f"bp, term premium {number(ep.actual['term_premium'], 0)} bp, yen {number(ep.actual['yen'])}%")
            lines.append(f"    verdict (posterior): {ep.verdict}")
            lines.append(f"    verdict (literature envelope): {ep.verdict_literature}")
        if self.iv is not None:
            lines += ["", self.iv.summary()]
        lines += ["", *[f"note: {n}" for n in self.notes]]
        return "\n".join(lines)


def _num(value: float | None) -> float | None:
    """JSON-friendly: None for missing, rounded to 1e-6 (no float noise, no -0.0)."""
    return None if value is None or not np.isfinite(value) else round(float(value), 6) + 0.0


def _txt(value: float, digits: int = 1) -> str:
    """A signed number, or a p-value (``digits=3``, unsigned), 'n/a' when missing."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}" if digits >= 3 else number(value, digits)


# ---------------------------------------------------------------------------------------------
# The placebo test
# ---------------------------------------------------------------------------------------------


class ChangeTable:
    """Window changes of every series starting on every calendar day, by (measure, length in
    business days), computed once each."""

    def __init__(self, daily: DailyData) -> None:
        self.daily = daily
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def __call__(self, measure: str, length: int) -> np.ndarray:
        key = (measure, length)
        if key not in self._cache:
            self._cache[key] = window_changes(self.daily.series[measure], self.daily.calendar, length, measure)
        return self._cache[key]


@dataclass(frozen=True)
class Placebo:
    """Placebo days of one group's years and the window changes on every calendar day."""

    positions: np.ndarray  # calendar positions of the placebo days
    changes: Callable[[str, int], np.ndarray]  # (measure, length) -> change on each calendar day

    def single_day_p(self, measure: str, days: int, actual: float) -> float:
        """Two-sided p-value of one day's change against every placebo day's."""
        values = self.changes(measure, days)[self.positions]
        centre = values.mean()
        return float((1 + np.sum(np.abs(values - centre) >= abs(actual - centre))) / (len(values) + 1))


def placebo_days(calendar: pd.DatetimeIndex, event_positions: np.ndarray, start: str, end: str,
                 covered: np.ndarray) -> np.ndarray:
    """Calendar positions between ``start`` and ``end`` more than ``EXCLUSION_DAYS`` business days
    from any intervention day, where every window of every series is covered."""
    pos = np.arange(len(calendar))
    keep = (calendar >= pd.Timestamp(start)) & (calendar <= pd.Timestamp(end)) & covered
    near = np.zeros(len(calendar), dtype=bool)  # linear: mark the neighbourhood of each event day
    for p in event_positions:
        near[max(0, p - EXCLUSION_DAYS): p + EXCLUSION_DAYS + 1] = True
    return pos[keep & ~near]


def clusters(positions: list[int]) -> list[list[int]]:
    """Runs of intervention days whose windows overlap (within ``EPISODE_GAP_DAYS`` business days)."""
    out: list[list[int]] = []
    for p in sorted(positions):
        if out and p - out[-1][-1] <= EPISODE_GAP_DAYS:
            out[-1].append(p)
        else:
            out.append([p])
    return out


Block = tuple[np.ndarray, list[tuple[int, int]]]  # day offsets (the pattern), [(window offset, length)]


def blocks_of(windows: list[PoolWindow]) -> list[Block]:
    """Windows whose days lie within ``EPISODE_GAP_DAYS`` business days of each other move
    together in the placebo, keeping their spacing (one block per episode; a run of day
    windows is one block)."""
    groups: list[list[PoolWindow]] = []
    last = -np.inf  # the last intervention day of the current group
    for w in sorted(windows, key=lambda w: w.start):
        if groups and w.start - last <= EPISODE_GAP_DAYS:
            groups[-1].append(w)
        else:
            groups.append([w])
        last = max(last, w.start + w.offsets[-1]) if len(groups[-1]) > 1 else w.start + w.offsets[-1]
    out = []
    for g in groups:
        first = g[0].start
        pattern = np.array(sorted({v.start + o - first for v in g for o in v.offsets}))
        out.append((pattern, [(v.start - first, v.length) for v in g]))
    return out


def draw_blocks(changes: Callable[[int], np.ndarray], candidates: np.ndarray, blocks: list[Block], n: int,
                draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` placebo sums of window changes: each block is moved, spacing kept, to a random
    placebo day whose whole pattern is placebo days (and whose windows the data cover).

    ``changes(length)`` gives the change over ``length`` business days starting on each of the
    ``n`` calendar days. Memory is a few arrays of ``draws`` numbers.
    """
    is_candidate = np.zeros(n, dtype=bool)
    is_candidate[candidates] = True
    total = np.zeros(draws)
    for pattern, parts in blocks:
        spots = candidates[:, None] + pattern[None, :]
        fits = np.all(spots < n, axis=1)
        fits[fits] = np.all(is_candidate[spots[fits]], axis=1)
        for offset, length in parts:
            ends = np.minimum(candidates + offset, n - 1)
            fits &= (candidates + offset < n) & np.isfinite(changes(length)[ends])
        anchors = candidates[fits]
        if len(anchors) == 0:
            raise DataUnavailable("no placebo days with the spacing of the intervention days")
        chosen = rng.choice(anchors, size=draws)
        for offset, length in parts:
            total += changes(length)[chosen + offset]
    return total


def placebo_statistic(changes: np.ndarray, candidates: np.ndarray, event_positions: list[int],
                      dollars_sold_bn: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` placebo values of ``100 x sum of changes / dollars sold`` for one-window-per-day
    events at ``event_positions`` (``changes`` on every calendar day): each cluster of event days
    is moved, spacing kept, to a random placebo day whose whole pattern is placebo days."""
    blocks = [(np.asarray(run) - run[0], [(p - run[0], 1) for p in run]) for run in clusters(event_positions)]
    return 100.0 * draw_blocks(lambda _length: changes, candidates, blocks, len(changes), draws, rng) / dollars_sold_bn


def pooled_test(windows: list[PoolWindow], measure: str, placebo: Placebo, n: int, draws: int,
                rng: np.random.Generator) -> tuple[float, float, np.ndarray]:
    """The pooled effect per $100bn, its two-sided placebo p-value and the placebo draws."""
    sold = sum(w.dollars_sold_bn for w in windows)
    effect = 100.0 * float(sum(w.changes[measure] for w in windows)) / sold
    try:
        null = 100.0 * draw_blocks(lambda length: placebo.changes(measure, length), placebo.positions,
                                   blocks_of(windows), n, draws, rng) / sold
    except MemoryError:  # the draw count is bounded (MAX_PLACEBO_DRAWS); say so if memory still ran out
        raise TLRiskError(f"out of memory drawing {draws:,} placebo windows for the intervention days "
                          "(close other programs, or use fewer --draws)") from None
    centre = null.mean()
    p = (1 + np.sum(np.abs(null - centre) >= abs(effect - centre))) / (draws + 1)
    return effect, float(p), null


# ---------------------------------------------------------------------------------------------
# The study
# ---------------------------------------------------------------------------------------------


def group_years(days: list[InterventionDay], direction: str) -> tuple[str, str]:
    """The placebo sample of a group: the calendar years of its intervention days."""
    years = [d.date.year for d in days if d.direction == direction]
    return f"{min(years)}-01-01", f"{max(years)}-12-31"


def _episode_title(direction: str, dates: list[pd.Timestamp]) -> str:
    verb = "sells" if direction == "sell_usd" else "buys"
    if len(dates) == 1:
        when = f"{dates[0].day} {dates[0]:%B %Y}"
    elif dates[0].month == dates[-1].month:
        when = f"{', '.join(str(d.day) for d in dates[:-1])} and {dates[-1].day} {dates[-1]:%B %Y}"
    else:
        when = f"{dates[0].day} {dates[0]:%B} - {dates[-1].day} {dates[-1]:%B %Y}"
    return f"Japan {verb} dollars, {when}"


def covered_days(days: list[InterventionDay], daily: DailyData) -> tuple[list[InterventionDay], list[str]]:
    """The days whose longest window the daily data cover, and a note on any left out."""
    inside = [daily.covers(pd.Timestamp(d.date)) for d in days]
    kept = [d for d, ok in zip(days, inside, strict=True) if ok]
    out = [d.date.isoformat() for d, ok in zip(days, inside, strict=True) if not ok]
    if not kept:
        cal = daily.calendar
        raise DataUnavailable(f"no intervention day lies inside the daily data ({cal[0]:%Y-%m-%d} to "
                              f"{cal[-1]:%Y-%m-%d}) with its {max(WINDOWS)}-day window")
    notes = []
    if out:
        notes.append(f"{len(out)} intervention day(s) outside the daily data ({daily.calendar[0]:%Y-%m-%d} to "
                     f"{daily.calendar[-1]:%Y-%m-%d}) with their {max(WINDOWS)}-day windows are not studied"
                     f" ({out[0]}{f' to {out[-1]}' if len(out) > 1 else ''}).")
    return kept, notes


def episode_runs(days: list[InterventionDay], positions: dict[dt.date, int]) -> list[list[InterventionDay]]:
    """Runs of same-direction days at most ``EPISODE_GAP_DAYS`` business days apart."""
    runs: list[list[InterventionDay]] = []
    for d in days:
        if (runs and runs[-1][-1].direction == d.direction
                and positions[d.date] - positions[runs[-1][-1].date] <= EPISODE_GAP_DAYS):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _measure_day(d: InterventionDay, daily: DailyData, news: list[NewsItem], placebo: Placebo,
                 episode: str) -> EventResult:
    """One day's windows, per $100bn and against the placebo days."""
    day = pd.Timestamp(d.date)
    rate = daily.rate(day)
    usd = d.amount_jpy_bn / rate
    sold = usd if d.direction == "sell_usd" else -usd
    windows = []
    for k in WINDOWS:
        parts = {m: window(daily.series[m], day, k, m) for m in SERIES}
        ref = parts["10y"]
        wchanges = {m: parts[m].change if parts[m] else np.nan for m in SERIES}
        windows.append(EventWindow(
            window_days=k, base_date=ref.base_date, end_date=ref.end_date,
            news=[_news_dict(n, ref.base_date) for n in news_in(news, ref.base_date, ref.end_date)],
            changes=wchanges, per_100bn={m: v / (sold / 100.0) for m, v in wchanges.items()},
            p_value=placebo.single_day_p("10y", k, wchanges["10y"]),
        ))
    return EventResult(day=d, episode=episode, usd_jpy=rate, amount_usd_bn=usd, dollars_sold_bn=sold,
                       us_news=windows[0].news, windows=windows)


def pool_windows(kind: str, k: int, events: list[EventResult], runs: list[list[InterventionDay]],
                 positions: dict[dt.date, int], daily: DailyData, news: list[NewsItem]) -> list[PoolWindow]:
    """The non-overlapping windows of one kind and length, over all days (any group).

    ``day``: the k-day window of each day whose nearest other intervention day is at least k
    business days away (so no two windows share a day's move). ``episode``: one window per run
    of days, from the close before its first day to the close k-1 business days after its last.
    """
    if kind == "day":
        ordered = sorted(positions.values())
        gaps = [np.inf, *np.diff(ordered).tolist(), np.inf]  # gaps[i], gaps[i + 1]: before and after day i
        nearest = {p: min(gaps[i], gaps[i + 1]) for i, p in enumerate(ordered)}
        out = []
        for e in events:
            p = positions[e.day.date]
            if nearest[p] < k:
                continue
            w = e.at(k)
            out.append(PoolWindow((e.day.date.isoformat(),), p, (0,), k, w.base_date, w.end_date, e.dollars_sold_bn,
                                  dict(w.changes), w.news))
        return out
    sold_of = {e.day.date: e.dollars_sold_bn for e in events}
    out = []
    for run in runs:
        first = positions[run[0].date]
        offsets = tuple(positions[d.date] - first for d in run)
        length = offsets[-1] + k
        parts = {m: window(daily.series[m], pd.Timestamp(run[0].date), length, m) for m in SERIES}
        ref = parts["10y"]
        out.append(PoolWindow(tuple(d.date.isoformat() for d in run), first, offsets, length, ref.base_date,
                              ref.end_date, sum(sold_of[d.date] for d in run),
                              {m: parts[m].change if parts[m] else np.nan for m in SERIES},
                              [_news_dict(n, ref.base_date) for n in news_in(news, ref.base_date, ref.end_date)]))
    return out


def _pooled_tests(events: list[EventResult], runs: list[list[InterventionDay]], positions: dict[dt.date, int],
                  daily: DailyData, news: list[NewsItem], placebos: dict[str, Placebo],
                  model: ModelEffect | None, draws: int, rng: np.random.Generator) -> list[PooledResult]:
    """Every group x window kind x length x news treatment, each against its placebo days."""
    n = len(daily.calendar)
    model_bp = model.bp_per_100bn_sold if model is not None else None
    pooled = []
    direction = {e.day.date.isoformat(): e.day.direction for e in events}
    for group in GROUPS:
        if group not in placebos:
            continue
        for kind in WINDOW_KINDS:
            for k in WINDOWS:
                windows = [w for w in pool_windows(kind, k, events, runs, positions, daily, news)
                           if direction[w.days[0]] == group]
                for excluding in (False, True):
                    kept = [w for w in windows if not (excluding and w.news)]
                    effects, pvals, null = dict.fromkeys(SERIES, np.nan), dict.fromkeys(SERIES, np.nan), np.array([])
                    spread = dict.fromkeys(SERIES, np.nan)
                    if kept:
                        for m in SERIES:
                            effects[m], pvals[m], draws_m = pooled_test(kept, m, placebos[group], n, draws, rng)
                            spread[m] = float(np.std(draws_m, ddof=1)) if len(draws_m) > 1 else np.nan
                            if m == "10y":
                                null = draws_m
                    pooled.append(PooledResult(group, kind, k, excluding, kept, effects, pvals,
                                               len(placebos[group].positions), null, model_bp, spread))
    return pooled


def _episode_results(runs: list[list[InterventionDay]], events: list[EventResult], positions: dict[dt.date, int],
                     daily: DailyData, news: list[NewsItem], model: ModelEffect | None,
                     envelope: dict | None, episode_of: dict[dt.date, str]) -> list[EpisodeResult]:
    """Each run of days read over one ``EPISODE_WINDOW``-day window, beside the model."""
    sold_of = {e.day.date: e.dollars_sold_bn for e in events}
    out = []
    for run in runs:
        first = pd.Timestamp(run[0].date)
        span = positions[run[-1].date] - positions[run[0].date] + EPISODE_WINDOW
        parts = {m: window(daily.series[m], first, span, m) for m in SERIES}
        ref = parts["10y"]
        actual = {m: parts[m].change if parts[m] else np.nan for m in SERIES}
        sold = sum(sold_of[d.date] for d in run)
        est = model.band(sold) if model is not None else None
        lit = literature_band(envelope, sold) if envelope is not None else None
        out.append(EpisodeResult(
            key=episode_of[run[0].date], title=_episode_title(run[0].direction, [pd.Timestamp(d.date) for d in run]),
            direction=run[0].direction, days=[d.date.isoformat() for d in run], dollars_sold_bn=sold,
            window_days=EPISODE_WINDOW, base_date=ref.base_date, end_date=ref.end_date, actual=actual,
            news=[_news_dict(n, ref.base_date) for n in news_in(news, ref.base_date, ref.end_date)],
            predicted_posterior=est, predicted_literature=lit,
            verdict=verdict(actual["10y"], est, "10-year yield") if est else "no model estimate",
            verdict_literature=verdict(actual["10y"], lit, "10-year yield") if lit else "no literature envelope",
        ))
    return out


STUDY_NOTES = [
    "Placebo days are all business days of the group's years more than five business days from any "
    "intervention day, US news or not: against news-free event days this is a conservative comparison.",
    "No market move is counted twice: 'episode' pools one window per run of days (from the close before its first "
    "day to the close k-1 business days after its last); 'day' pools one window per day, only for days whose "
    "k-day windows hold no other intervention day.",
    "The minimum detectable effect is the smallest effect, in the direction of the model's prediction, that the "
    "5% two-sided placebo test detects with 80% power; an effect shifts the pooled statistic one for one, so the "
    "power is read off the placebo draws.",
    "The model's effect is the short-run cumulative effect of monthly flows (over the lag window of each "
    "specification); a window of a few days sees only what markets priced at once (the whole effect, if the "
    "intervention was priced as news). The literature band is the envelope's short-run range.",
    "Interventions were answers to a falling or rising yen, often on days of US news: a yield move on an "
    "intervention day is not by itself caused by Japan's sales.",
]


def run_event_study(days: list[InterventionDay], news: list[NewsItem], daily: DailyData, *,
                    model: ModelEffect | None = None, envelope: dict | None = None,
                    draws: int = DEFAULT_DRAWS, seed: int = 20240429) -> EventStudy:
    """Measure every intervention day and test the pooled effects against placebo days.

    Parameters
    ----------
    days : list of InterventionDay
        The intervention days (:func:`load_interventions`); days whose windows the daily data
        do not cover are left out with a note.
    news : list of NewsItem
        US news (:func:`load_us_news`).
    daily : DailyData
        DGS10, THREEFYTP10 and DEXJPUS by business day.
    model : ModelEffect, optional
        The model's effect (:func:`model_effect`), for the episodes' verdicts and the power
        statements.
    envelope : dict, optional
        The literature envelope (``EstimationResults.envelope``).
    draws, seed : int
        Placebo draws per test (1 to ``MAX_PLACEBO_DRAWS``) and the random seed (same inputs,
        same numbers).

    Returns
    -------
    EventStudy

    Raises
    ------
    ValidationFailed
        For a number of draws that :func:`placebo_draws_problem` refuses.
    """
    problem = placebo_draws_problem(draws, "draws")
    if problem:
        raise ValidationFailed([problem])
    source = getattr(days, "source", {"kind": "given", "file": None, "days": len(days)})
    reconciled = list(getattr(days, "notes", []))
    days, notes = covered_days(list(days), daily)
    calendar = daily.calendar
    changes = ChangeTable(daily)
    covered = np.all([np.isfinite(changes(m, k)) for m in SERIES for k in WINDOWS], axis=0)
    positions = {d.date: int(calendar.searchsorted(pd.Timestamp(d.date))) for d in days}
    all_positions = np.array(sorted(positions.values()))
    placebos = {g: Placebo(placebo_days(calendar, all_positions, *group_years(days, g), covered), changes)
                for g in GROUPS if any(d.direction == g for d in days)}
    runs = episode_runs(days, positions)
    episode_of = {d.date: f"{run[0].direction}_{run[0].date:%Y_%m_%d}" for run in runs for d in run}
    events = [_measure_day(d, daily, news, placebos[d.direction], episode_of[d.date]) for d in days]
    pooled = _pooled_tests(events, runs, positions, daily, news, placebos, model, draws, np.random.default_rng(seed))
    episodes = _episode_results(runs, events, positions, daily, news, model, envelope, episode_of)
    placebo = {
        "draws": draws, "seed": seed, "exclusion_business_days": EXCLUSION_DAYS,
        "samples": {g: {"from": group_years(days, g)[0], "to": group_years(days, g)[1],
                        "placebo_days": len(p.positions)} for g, p in placebos.items()},
        "statistic": "100 x sum of window changes / sum of dollars sold; p-value two-sided about the placebo mean",
        "power": {"power": POWER, "test_size": TEST_SIZE, "direction": "the model's prediction (positive without one)"},
    }
    return EventStudy(events=events, pooled=pooled, episodes=episodes, model=model, envelope=envelope,
                      placebo=placebo, notes=[*reconciled, *notes, *STUDY_NOTES], daily=daily,
                      days_source={**source, "studied": len(days)})


def monthly_interventions_bn(days: list[InterventionDay], daily: DailyData,
                             timing: Literal["settlement", "trade"] = "settlement") -> pd.Series:
    """Dollars bought by the Ministry of Finance each month, $bn at each trade day's rate
    (+ bought, - sold): the instrument for Japan's monthly net purchases.

    ``timing="settlement"`` (the default) puts each operation in the month it settles (the
    trade day + 2 Tokyo business days, :func:`settlement_date`), when the dollars change hands
    and Japan's reported flows can show them: 31 October 2011's purchase settles on 2 November,
    29 April 2024's sale on 1 May. ``"trade"`` uses the trade day's month.
    """
    closed = tokyo_holidays({y for d in days for y in (d.date.year, d.date.year + 1)})
    values: dict[pd.Timestamp, float] = {}
    for d in days:
        day = pd.Timestamp(d.date)
        usd = d.amount_jpy_bn / daily.rate(day)
        when = settlement_date(d.date, closed) if timing == "settlement" else d.date
        month = pd.Timestamp(when.year, when.month, 1)
        values[month] = values.get(month, 0.0) + (usd if d.direction == "buy_usd" else -usd)
    return pd.Series(values, name="mof_dollars_bought_bn", dtype=float).sort_index()


MIN_INSTRUMENT_MONTHS = 3  # fewer months with an intervention cannot identify anything


def intervention_study(days: list[InterventionDay], news: list[NewsItem], daily: DailyData, panel=None,
                       response=None, draws: int = DEFAULT_DRAWS, seed: int = 20240429,
                       estimation=None, iv_fit=None) -> EventStudy:
    """The whole study as ``tlrisk events`` and the report show it (``estimation``: the
    estimation settings of the monthly 2SLS): the event study with the
    model's effect and the literature envelope (when the ``response`` model is given) and the
    monthly 2SLS (when the ``panel`` is given and the days span at least
    ``MIN_INSTRUMENT_MONTHS`` months; ``iv_fit``, taking the same arguments as
    :func:`model.iv.japan_intervention_iv`, fits it, from a cache say)."""
    from model.iv import japan_intervention_iv

    iv_fit = iv_fit or japan_intervention_iv

    study = run_event_study(days, news, daily, model=model_effect(response) if response is not None else None,
                            envelope=response.envelope if response is not None else None, draws=draws, seed=seed)
    if panel is not None:
        studied = [e.day for e in study.events]
        z = monthly_interventions_bn(studied, daily)
        if (z != 0).sum() < MIN_INSTRUMENT_MONTHS:
            study.notes.append(f"No instrumental-variable estimate: the intervention days fall in {int((z != 0).sum())} "
                               f"month(s); the instrument needs at least {MIN_INSTRUMENT_MONTHS}.")
        else:
            study.iv = iv_fit(panel, z, config=estimation, trade_months=monthly_interventions_bn(studied, daily, "trade"))
    return study
