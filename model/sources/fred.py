"""FRED series: the CSV parser, monthly aggregation and the live reader.

The live pull goes through pandas-datareader's FRED reader (``FredReader``); the raw CSV it
downloads is kept, checked and parsed here, so that cached, snapshot and test files all go
through one parser.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from model.sources.tables import Format, ParsedTable
from model.sources.text import ANY_NUMBER, Plausible, TextSource, check_year, checked, split_comma

_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}$", re.ASCII)
_VALUE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
HEADER_DATES = {"observation_date", "date"}

# Plausible ranges by the units ``sources.toml`` gives each series. Far outside them a value is
# damaged or in another unit (basis points for percent, dollars for millions of dollars); a
# series the catalogue does not list is held to ANY_NUMBER (finite, at most 1e15 in size).
UNIT_RANGES = {
    "percent": Plausible(-100, 100, "a rate in percent"),
    "index": Plausible(0, 1000, "an index"),
    "JPY per USD": Plausible(1, 1000, "yen per dollar"),
    "millions of USD": Plausible(-1e9, 1e9, "millions of dollars"),
    "billions of USD, SAAR": Plausible(-1e6, 1e6, "billions of dollars"),
}


def plausible_range(series_id: str) -> Plausible:
    """The range of a series' values, from its units in ``sources.toml``."""
    from model.sources.catalog import sources_config

    units = next((s.units for s in sources_config().fred.series if s.id == series_id), None)
    return UNIT_RANGES.get(units or "", ANY_NUMBER)


def parse_fred_csv(src: TextSource) -> ParsedTable:
    """Parse a FRED graph/download CSV (``observation_date,ID`` or the older ``DATE,ID``).

    Empty values (market holidays) and ``.`` are missing. A file without a final newline
    was cut off in transit: its last line is dropped, with a warning saying which.

    Raises
    ------
    InputError
        For a wrong header, a row without two fields, a bad date or one outside 1800-2200,
        dates not strictly increasing, a non-numeric value, or a value that is not finite
        (``1e999``) or outside the plausible range of the series' units.
    """
    lines = list(src.lines)
    header = split_comma(lines[0]) if lines else []
    if len(header) != 2 or header[0].strip().lower() not in HEADER_DATES or not header[1].strip():
        raise src.error(
            f"first line '{lines[0][:60] if lines else ''}' is not a FRED CSV header "
            "('observation_date,SERIES' or 'DATE,SERIES')", 1,
        )
    series_id = header[1].strip()
    plausible = plausible_range(series_id)
    warnings = []
    if not src.ends_with_newline and len(lines) > 1:
        warnings.append(
            f"{src.name}: no final newline, the download was cut off; dropped the incomplete "
            f"last line {len(lines)} ('{lines[-1]}')"
        )
        lines = lines[:-1]
    dates, values = [], []
    previous = None
    for k, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != 2:
            raise src.error(f"expected 2 fields (date,value), found {len(cells)}", k)
        date_text, value_text = cells[0].strip(), cells[1].strip()
        match = _DATE.match(date_text)
        if not match:
            raise src.error(f"'{date_text[:40]}' is not a YYYY-MM-DD date", k, "date")
        check_year(int(match.group(1)), src, k, "date")
        try:
            date = pd.Timestamp(date_text)
        except ValueError:
            raise src.error(f"'{date_text}' is not a valid date", k, "date") from None
        if previous is not None and date <= previous:
            raise src.error(f"date {date_text} does not follow {previous:%Y-%m-%d}", k, "date")
        previous = date
        if value_text in ("", "."):
            value = np.nan
        elif _VALUE.match(value_text):
            value = checked(float(value_text), value_text, src, k, series_id, plausible)
        else:
            raise src.error(f"non-numeric value '{value_text[:40]}'", k, series_id)
        dates.append(date)
        values.append(value)
    if not dates:
        raise src.error("no observations after the header", 2)
    series = pd.DataFrame({
        "date": pd.DatetimeIndex(dates).astype("datetime64[ns]"),
        "series_id": series_id,
        "value": np.asarray(values, dtype="float64"),
    })
    return ParsedTable(kind="fred_csv", source=src.name, series=series, warnings=warnings)


def infer_frequency(dates: pd.Series) -> str:
    """``D``, ``W``, ``M`` or ``Q`` from the spacing of observation dates."""
    if len(dates) < 3:
        return "M"
    gap = pd.Series(dates).diff().dt.days.median()
    if gap <= 4:
        return "D"
    if gap <= 8:
        return "W"
    if gap <= 32:
        return "M"
    return "Q"


def to_monthly(series: pd.DataFrame) -> pd.DataFrame:
    """Aggregate one series to calendar months.

    Parameters
    ----------
    series : pandas.DataFrame
        ``date``, ``series_id``, ``value`` as from :func:`parse_fred_csv`.

    Returns
    -------
    pandas.DataFrame
        ``series_id``, ``month`` (first day), ``freq``, ``mean`` (average of the month's
        non-missing observations), ``last`` (last non-missing observation of the month) and
        ``n_obs`` and ``complete``. Quarterly series keep one row per quarter, dated by its
        first month. A daily or weekly series' final month is incomplete when its last
        observation falls more than one day before the month's last business day (the file
        stopped mid-month): its mean and last value are not month figures.
    """
    freq = infer_frequency(series["date"])
    valid = series.dropna(subset=["value"])
    month = valid["date"].dt.to_period("M").dt.to_timestamp()
    grouped = valid.groupby(month)["value"]
    out = pd.DataFrame({
        "mean": grouped.mean(),
        "last": grouped.last(),
        "n_obs": grouped.size(),
    })
    out.index.name = "month"
    out = out.reset_index()
    out.insert(0, "series_id", series["series_id"].iloc[0])
    out.insert(2, "freq", freq)
    out["month"] = out["month"].astype("datetime64[ns]")
    out["complete"] = True
    if freq in ("D", "W") and len(valid):
        last_date = valid["date"].iloc[-1]
        month_end = (last_date + pd.offsets.BMonthEnd(0)).normalize()
        if (month_end - last_date).days > 1:
            out.loc[out.index[-1], "complete"] = False
    return out


def to_daily(series: pd.DataFrame, start: str) -> pd.DataFrame:
    """The series' observations from ``start`` on, as published: ``date``, ``series_id``,
    ``value``, without the empty cells of market holidays (a business day is a day with an
    observation)."""
    rows = series[(series["date"] >= pd.Timestamp(start)) & series["value"].notna()]
    return rows[["date", "series_id", "value"]].reset_index(drop=True)


def looks_like_fred_csv(src: TextSource) -> bool:
    """FRED's CSV download: a header naming the observation date, then the series."""
    first = src.lines[0].strip().lower() if src.lines else ""
    return first.startswith(("observation_date,", "date,"))


FORMATS = [Format("fred_csv", looks_like_fred_csv, lambda src, holders=None: parse_fred_csv(src), order=10)]
