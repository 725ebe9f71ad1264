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

Inference is a placebo test. Pooled over the days of a group (``sell_usd`` 2022-24,
``buy_usd`` 2010-11) with their dollar amounts as weights, the effect per $100bn is
``100 x (sum of changes) / (sum of dollars sold)``. The same statistic is computed on placebo
days: business days of the same years more than five business days from any intervention
day, drawn so that each cluster of consecutive intervention days keeps its spacing (the
overlapping windows of 31 October - 4 November 2011 stay overlapping). The p-value is the
share of placebo statistics at least as far from the placebo mean as the actual one (two-sided).
Days with US news (an FOMC decision, a CPI, PPI or jobs release; ``data/curated/us_news.csv``)
inside a window are flagged and the pooled results are repeated without them; the placebo days
are all other days, with or without news, a conservative comparison.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from model.config import StrictModel
from model.episodes import verdict
from model.errors import DataUnavailable, InputError
from model.numbers import money, number
from model.schema import SCHEMA_VERSION

WINDOWS = (1, 2, 5)
EXCLUSION_DAYS = 5  # placebo days stay this many business days away from any intervention day
EPISODE_GAP_DAYS = 5  # intervention days this close (business days) form one episode
EPISODE_WINDOW = 2  # the window an episode's verdict reads (catches New-York-afternoon operations)
SERIES = {"10y": "DGS10", "term_premium": "THREEFYTP10", "yen": "DEXJPUS"}
GROUPS = {
    "sell_usd": "Japan sold dollars to support the yen (2022, 2024)",
    "buy_usd": "Japan bought dollars to weaken the yen (2010-2011)",
}
URL = r"^https?://\S+$"


# ---------------------------------------------------------------------------------------------
# The curated facts: intervention days and US news
# ---------------------------------------------------------------------------------------------


class InterventionDay(StrictModel):
    """One day on which the Ministry of Finance dealt in the yen-dollar market."""

    date: dt.date
    direction: Literal["buy_usd", "sell_usd"]
    amount_jpy_bn: float = Field(gt=0)
    amount_note: str
    timing_note: str
    source_url: str = Field(pattern=URL)


class NewsItem(StrictModel):
    """A US release or decision that moves Treasury yields by itself."""

    date: dt.date
    event: Literal["fomc", "cpi", "ppi", "employment"]
    description: str
    source_url: str = Field(pattern=URL)


def _read_rows(path: Path, model: type[StrictModel]) -> list:
    """Rows of a curated CSV validated into ``model``; a bad row is ``file:line: field - reason``."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file ({exc})", path) from None
    reader = csv.DictReader(text.splitlines())
    expected = list(model.model_fields)
    if reader.fieldnames != expected:
        raise InputError(f"header should be '{','.join(expected)}'", path, 1)
    rows = []
    for line, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise InputError(f"expected {len(expected)} fields", path, line)
        try:
            rows.append(model.model_validate_strings({k: v.strip() for k, v in row.items()}))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(err["msg"].removeprefix("Value error, "), path, line,
                             ".".join(str(x) for x in err["loc"])) from None
    if not rows:
        raise InputError("no rows after the header", path, 2)
    dates = [r.date for r in rows]
    if dates != sorted(dates):
        raise InputError("rows are not in date order", path)
    return rows


def load_interventions(path: Path) -> list[InterventionDay]:
    """The curated intervention days (``data/curated/jp_interventions.csv``)."""
    rows = _read_rows(path, InterventionDay)
    seen = [r.date for r in rows]
    if len(set(seen)) != len(seen):
        raise InputError("a date appears twice", path)
    return rows


def load_us_news(path: Path) -> list[NewsItem]:
    """The curated US news calendar (``data/curated/us_news.csv``)."""
    return _read_rows(path, NewsItem)


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
            out[measure] = pd.Series(rows["value"].to_numpy(float), index=pd.DatetimeIndex(rows["date"]),
                                     name=series_id).sort_index()
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


@dataclass
class PooledResult:
    """A group's days pooled with their amounts as weights, against the placebo days."""

    group: str
    window_days: int
    excluding_us_news: bool
    days: list[str]
    dollars_sold_bn: float
    effects: dict[str, float]  # measure -> per $100bn sold
    p_values: dict[str, float]
    placebo_band: tuple[float, float]  # 5th and 95th percentiles of the 10-year placebo statistic
    placebo_days: int

    @property
    def n_days(self) -> int:
        return len(self.days)

    def to_dict(self) -> dict:
        return {
            "group": self.group, "window_days": self.window_days, "excluding_us_news": self.excluding_us_news,
            "n_days": self.n_days, "effect_bp_per_100bn": _num(self.effects["10y"]),
            "p_value": _num(self.p_values["10y"]),
            "term_premium_bp_per_100bn": _num(self.effects["term_premium"]),
            "term_premium_p_value": _num(self.p_values["term_premium"]),
            "yen_pct_per_100bn": _num(self.effects["yen"]), "yen_p_value": _num(self.p_values["yen"]),
            "placebo_p05_bp_per_100bn": _num(self.placebo_band[0]),
            "placebo_p95_bp_per_100bn": _num(self.placebo_band[1]),
            "placebo_days": self.placebo_days, "dollars_sold_bn": round(self.dollars_sold_bn, 4),
            "days": self.days,
        }


@dataclass(frozen=True)
class ModelEffect:
    """The tool's own effect of Japanese selling on the 10-year yield, bp per $100bn sold."""

    bp_per_100bn_sold: float
    se: float
    source: str

    def band(self, dollars_sold_bn: float) -> tuple[float, float, float]:
        """The predicted move (5th percentile, mean, 95th percentile, bp) for a sale of
        ``dollars_sold_bn``."""
        mid, half = self.bp_per_100bn_sold * dollars_sold_bn / 100, 1.645 * self.se * abs(dollars_sold_bn) / 100
        return mid - half, mid, mid + half


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
    monthly instrumental-variable estimate."""

    events: list[EventResult]
    pooled: list[PooledResult]
    episodes: list[EpisodeResult]
    model: ModelEffect | None
    envelope: dict | None
    placebo: dict
    iv: object | None = None  # model.iv.IVResult
    notes: list[str] = field(default_factory=list)
    daily: DailyData | None = None  # the series measured (for the charts; not exported)

    def episode_news(self, key: str) -> list[dict]:
        """US news inside the longest window of any day of an episode (each item once)."""
        seen: dict[tuple[str, str], dict] = {}
        for e in self.events:
            if e.episode == key:
                for item in e.at(max(WINDOWS)).news:
                    seen.setdefault((item["date"], item["event"]), item)
        return sorted(seen.values(), key=lambda n: n["date"])

    def pooled_row(self, group: str, window_days: int, excluding_us_news: bool) -> PooledResult:
        return next(p for p in self.pooled if (p.group, p.window_days, p.excluding_us_news)
                    == (group, window_days, excluding_us_news))

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
            "events": [e.to_dict() for e in self.events],
            "pooled": [p.to_dict() for p in self.pooled],
            "episodes": [e.to_dict() for e in self.episodes],
            "model": None if self.model is None else {
                "effect_bp_per_100bn": self.model.bp_per_100bn_sold, "se_bp_per_100bn": self.model.se,
                "source": self.model.source},
            "literature": lit,
            "placebo": self.placebo,
            "iv": None if self.iv is None else self.iv.to_dict(),
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def table(self) -> str:
        """Plain text for ``tlrisk events``."""
        lines = ["Intervention days: changes from the close before the day (10-year and term premium in bp, "
                 "yen in %, + = stronger yen), per $100bn of dollars sold by Japan",
                 f"{'date':<11}{'dir':<9}{'$bn':>7}  {'window':>6}{'10y':>7}{'tp':>7}{'yen %':>7}"
                 f"{'10y/100bn':>11}{'p':>6}  US news"]
        for e in self.events:
            for w in e.windows:
                news = "; ".join(f"{n['event']} {n['date']}" for n in w.news) or "-"
                lines.append(
                    f"{e.day.date.isoformat() if w.window_days == WINDOWS[0] else '':<11}"
                    f"{e.day.direction if w.window_days == WINDOWS[0] else '':<9}"
                    f"{(f'{e.amount_usd_bn:.1f}' if w.window_days == WINDOWS[0] else ''):>7}  {w.window_days:>5}d"
                    f"{w.changes['10y']:>+7.1f}{w.changes['term_premium']:>+7.1f}{w.changes['yen']:>+7.2f}"
                    f"{w.per_100bn['10y']:>+11.1f}{w.p_value:>6.2f}  {news}")
        lines += ["", "Pooled (amount-weighted: 100 x sum of changes / sum of dollars sold), against placebo days"]
        lines.append(f"{'group':<10}{'window':>7}{'news':>10}{'days':>6}{'10y bp/100bn':>14}{'p':>7}"
                     f"{'placebo 90%':>18}{'tp bp/100bn':>13}{'p':>7}{'yen %/100bn':>13}{'p':>7}")
        for p in self.pooled:
            lines.append(
                f"{p.group:<10}{p.window_days:>6}d{'excluded' if p.excluding_us_news else 'kept':>10}{p.n_days:>6}"
                f"{_txt(p.effects['10y']):>14}{_txt(p.p_values['10y'], 3):>7}"
                f"{f'[{number(p.placebo_band[0])}, {number(p.placebo_band[1])}]':>18}"
                f"{_txt(p.effects['term_premium']):>13}{_txt(p.p_values['term_premium'], 3):>7}"
                f"{_txt(p.effects['yen'], 2):>13}{_txt(p.p_values['yen'], 3):>7}")
        if self.model is not None:
            lines += ["", f"The model: {number(self.model.bp_per_100bn_sold)} bp per $100bn sold (se {self.model.se:.1f}; "
                          f"{self.model.source})"]
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


@dataclass(frozen=True)
class Placebo:
    """Changes on every placebo day of one group's years, by measure and window."""

    positions: np.ndarray  # calendar positions of the placebo days
    changes: dict[tuple[str, int], np.ndarray]  # (measure, window) -> change on each calendar day

    def single_day_p(self, measure: str, days: int, actual: float) -> float:
        """Two-sided p-value of one day's change against every placebo day's."""
        values = self.changes[(measure, days)][self.positions]
        centre = values.mean()
        return float((1 + np.sum(np.abs(values - centre) >= abs(actual - centre))) / (len(values) + 1))


def placebo_days(calendar: pd.DatetimeIndex, event_positions: np.ndarray, start: str, end: str,
                 covered: np.ndarray) -> np.ndarray:
    """Calendar positions between ``start`` and ``end`` more than ``EXCLUSION_DAYS`` business days
    from any intervention day, where every window of every series is covered."""
    pos = np.arange(len(calendar))
    keep = (calendar >= pd.Timestamp(start)) & (calendar <= pd.Timestamp(end)) & covered
    for p in event_positions:
        keep &= np.abs(pos - p) > EXCLUSION_DAYS
    return pos[keep]


def clusters(positions: list[int]) -> list[list[int]]:
    """Runs of intervention days whose windows overlap (within ``EPISODE_GAP_DAYS`` business days)."""
    out: list[list[int]] = []
    for p in sorted(positions):
        if out and p - out[-1][-1] <= EPISODE_GAP_DAYS:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def placebo_statistic(changes: np.ndarray, candidates: np.ndarray, event_positions: list[int],
                      dollars_sold_bn: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` placebo values of ``100 x sum of changes / dollars sold``: each cluster of event
    days is moved, spacing kept, to a random placebo day whose whole pattern is placebo days."""
    is_candidate = np.zeros(len(changes), dtype=bool)
    is_candidate[candidates] = True
    total = np.zeros(draws)
    for run in clusters(event_positions):
        offsets = np.asarray(run) - run[0]
        pattern = candidates[:, None] + offsets[None, :]
        fits = np.all(pattern < len(changes), axis=1)
        fits[fits] = np.all(is_candidate[pattern[fits]], axis=1)
        anchors = candidates[fits]
        if len(anchors) == 0:
            raise DataUnavailable("no placebo days with the spacing of the intervention days")
        chosen = rng.choice(anchors, size=draws)
        total += changes[chosen[:, None] + offsets[None, :]].sum(axis=1)
    return 100.0 * total / dollars_sold_bn


def pooled_test(changes: np.ndarray, candidates: np.ndarray, event_positions: list[int], event_changes: list[float],
                dollars_sold_bn: float, draws: int, rng: np.random.Generator) -> tuple[float, float, np.ndarray]:
    """The pooled effect per $100bn, its two-sided placebo p-value and the placebo draws."""
    effect = 100.0 * float(np.sum(event_changes)) / dollars_sold_bn
    draws_ = placebo_statistic(changes, candidates, event_positions, dollars_sold_bn, draws, rng)
    centre = draws_.mean()
    p = (1 + np.sum(np.abs(draws_ - centre) >= abs(effect - centre))) / (draws + 1)
    return effect, float(p), draws_


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


def run_event_study(days: list[InterventionDay], news: list[NewsItem], daily: DailyData, *,
                    model: ModelEffect | None = None, envelope: dict | None = None,
                    draws: int = 10_000, seed: int = 20240429) -> EventStudy:
    """Measure every intervention day and test the pooled effects against placebo days.

    Parameters
    ----------
    days : list of InterventionDay
        The intervention days (:func:`load_interventions`).
    news : list of NewsItem
        US news (:func:`load_us_news`).
    daily : DailyData
        DGS10, THREEFYTP10 and DEXJPUS by business day.
    model : ModelEffect, optional
        The model's effect (:func:`model_effect`), for the episodes' verdicts.
    envelope : dict, optional
        The literature envelope (``EstimationResults.envelope``).
    draws, seed : int
        Placebo draws per test and the random seed (same inputs, same numbers).

    Returns
    -------
    EventStudy
    """
    calendar = daily.calendar
    changes = {(m, k): window_changes(daily.series[m], calendar, k, m) for m in SERIES for k in WINDOWS}
    covered = np.all([np.isfinite(v) for v in changes.values()], axis=0)
    positions = {d.date: int(calendar.searchsorted(pd.Timestamp(d.date))) for d in days}
    all_positions = np.array(sorted(positions.values()))
    placebos = {g: Placebo(placebo_days(calendar, all_positions, *group_years(days, g), covered), changes)
                for g in GROUPS if any(d.direction == g for d in days)}

    # episodes: runs of days in the same direction
    runs: list[list[InterventionDay]] = []
    for d in days:
        if runs and runs[-1][-1].direction == d.direction and positions[d.date] - positions[runs[-1][-1].date] <= EPISODE_GAP_DAYS:
            runs[-1].append(d)
        else:
            runs.append([d])
    episode_of = {d.date: f"{run[0].direction}_{run[0].date:%Y_%m_%d}" for run in runs for d in run}

    events = []
    for d in days:
        day = pd.Timestamp(d.date)
        rate = daily.rate(day)
        usd = d.amount_jpy_bn / rate
        sold = usd if d.direction == "sell_usd" else -usd
        windows = []
        for k in WINDOWS:
            parts = {m: window(daily.series[m], day, k, m) for m in SERIES}
            ref = parts["10y"]
            if ref is None:
                raise DataUnavailable(f"the daily data ({calendar[0]:%Y-%m-%d} to {calendar[-1]:%Y-%m-%d}) do not "
                                      f"cover {day:%Y-%m-%d} and its {k}-day window")
            wchanges = {m: parts[m].change if parts[m] else np.nan for m in SERIES}
            windows.append(EventWindow(
                window_days=k, base_date=ref.base_date, end_date=ref.end_date,
                news=[_news_dict(n, ref.base_date) for n in news_in(news, ref.base_date, ref.end_date)],
                changes=wchanges, per_100bn={m: v / (sold / 100.0) for m, v in wchanges.items()},
                p_value=placebos[d.direction].single_day_p("10y", k, wchanges["10y"]),
            ))
        events.append(EventResult(day=d, episode=episode_of[d.date], usd_jpy=rate, amount_usd_bn=usd,
                                  dollars_sold_bn=sold, us_news=windows[0].news, windows=windows))

    rng = np.random.default_rng(seed)
    pooled = []
    for group in GROUPS:
        members = [e for e in events if e.day.direction == group]
        if not members:
            continue
        for k in WINDOWS:
            for excluding in (False, True):
                kept = [e for e in members if not (excluding and e.at(k).news)]
                if not kept:
                    pooled.append(PooledResult(group, k, excluding, [], 0.0, dict.fromkeys(SERIES, np.nan),
                                               dict.fromkeys(SERIES, np.nan), (np.nan, np.nan),
                                               len(placebos[group].positions)))
                    continue
                sold = sum(e.dollars_sold_bn for e in kept)
                effects, pvals, band = {}, {}, (np.nan, np.nan)
                for m in SERIES:
                    effect, p, draws_ = pooled_test(
                        changes[(m, k)], placebos[group].positions, [positions[e.day.date] for e in kept],
                        [e.at(k).changes[m] for e in kept], sold, draws, rng)
                    effects[m], pvals[m] = effect, p
                    if m == "10y":
                        band = (float(np.percentile(draws_, 5)), float(np.percentile(draws_, 95)))
                pooled.append(PooledResult(group, k, excluding, [e.day.date.isoformat() for e in kept], sold,
                                           effects, pvals, band, len(placebos[group].positions)))

    episodes = []
    for run in runs:
        first = pd.Timestamp(run[0].date)
        span = positions[run[-1].date] - positions[run[0].date] + EPISODE_WINDOW
        parts = {m: window(daily.series[m], first, span, m) for m in SERIES}
        ref = parts["10y"]
        actual = {m: parts[m].change if parts[m] else np.nan for m in SERIES}
        dates = {d.date for d in run}
        sold = sum(e.dollars_sold_bn for e in events if e.day.date in dates)
        est = model.band(sold) if model is not None else None
        lit = literature_band(envelope, sold) if envelope is not None else None
        episodes.append(EpisodeResult(
            key=episode_of[run[0].date], title=_episode_title(run[0].direction, [pd.Timestamp(d.date) for d in run]),
            direction=run[0].direction, days=[d.date.isoformat() for d in run], dollars_sold_bn=sold,
            window_days=EPISODE_WINDOW, base_date=ref.base_date, end_date=ref.end_date, actual=actual,
            news=[_news_dict(n, ref.base_date) for n in news_in(news, ref.base_date, ref.end_date)],
            predicted_posterior=est, predicted_literature=lit,
            verdict=verdict(actual["10y"], est, "10-year yield") if est else "no model estimate",
            verdict_literature=verdict(actual["10y"], lit, "10-year yield") if lit else "no literature envelope",
        ))

    placebo = {
        "draws": draws, "seed": seed, "exclusion_business_days": EXCLUSION_DAYS,
        "samples": {g: {"from": group_years(days, g)[0], "to": group_years(days, g)[1],
                        "placebo_days": len(p.positions)} for g, p in placebos.items()},
        "statistic": "100 x sum of window changes / sum of dollars sold; p-value two-sided about the placebo mean",
    }
    notes = [
        "Placebo days are all business days of the group's years more than five business days from any "
        "intervention day, US news or not: against news-free event days this is a conservative comparison.",
        "The model's effect is the short-run cumulative effect of monthly flows (over the lag window of each "
        "specification); a window of a few days sees only what markets priced at once (the whole effect, if the "
        "intervention was priced as news). The literature band is the envelope's short-run range.",
        "Interventions were answers to a falling or rising yen, often on days of US news: a yield move on an "
        "intervention day is not by itself caused by Japan's sales.",
    ]
    return EventStudy(events=events, pooled=pooled, episodes=episodes, model=model, envelope=envelope,
                      placebo=placebo, notes=notes, daily=daily)


def monthly_interventions_bn(days: list[InterventionDay], daily: DailyData) -> pd.Series:
    """Dollars bought by the Ministry of Finance each calendar month, $bn at each day's rate
    (+ bought, - sold): the instrument for Japan's monthly net purchases."""
    values: dict[pd.Timestamp, float] = {}
    for d in days:
        day = pd.Timestamp(d.date)
        usd = d.amount_jpy_bn / daily.rate(day)
        month = day.to_period("M").to_timestamp()
        values[month] = values.get(month, 0.0) + (usd if d.direction == "buy_usd" else -usd)
    return pd.Series(values, name="mof_dollars_bought_bn").sort_index()


def intervention_study(days: list[InterventionDay], news: list[NewsItem], daily: DailyData, panel=None,
                       response=None, draws: int = 10_000, seed: int = 20240429) -> EventStudy:
    """The whole study as ``tlrisk events`` and the report show it: the event study with the
    model's effect and the literature envelope (when the ``response`` model is given) and the
    monthly 2SLS (when the ``panel`` is given)."""
    from model.iv import japan_intervention_iv

    study = run_event_study(days, news, daily, model=model_effect(response) if response is not None else None,
                            envelope=response.envelope if response is not None else None, draws=draws, seed=seed)
    if panel is not None:
        study.iv = japan_intervention_iv(panel, monthly_interventions_bn(days, daily))
    return study
