"""The tidy tables every parser returns, and the TIC measurement bases.

Holdings (``HOLDINGS_COLUMNS``), $bn at end of month::

    month, holder, holdings_bn, basis, source, kind, flag, series_break, old_series_bn,
    long_term_bn, line

``long_term_bn`` (bonds and notes) is filled only where the table publishes the split.

Flows (``FLOWS_COLUMNS``), $bn during the month, positive = net foreign purchases::

    month, holder, net_purchases_bn, valuation_change_bn, instrument, basis, source, kind, line
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from model.sources.text import Plausible

HOLDINGS_COLUMNS = [
    "month", "holder", "holdings_bn", "basis", "source", "kind", "flag", "series_break",
    "old_series_bn", "long_term_bn", "line",
]
FLOWS_COLUMNS = [
    "month", "holder", "net_purchases_bn", "valuation_change_bn", "instrument", "basis",
    "source", "kind", "line",
]

# Measurement bases of the holdings tables (footnotes 1/, 16/ and 17/ of mfhhis01.txt).
BASIS_SURVEY = "survey_plus_transactions"  # to Nov 2011: annual surveys + cumulated S-form flows
BASIS_SLT = "slt_market_value"  # Dec 2011 - Jan 2023: TIC Form SLT, market values
BASIS_SLT_EXPANDED = "slt_expanded"  # from Feb 2023: the expanded SLT form
SLT_START = pd.Timestamp("2011-12-01")
SLT_EXPANDED_START = pd.Timestamp("2023-02-01")

# Plausible ranges of the TIC tables' numbers, by unit. All Treasury debt is under $40 trillion,
# and the largest monthly gross purchases by foreigners about $3.4 trillion; far outside these
# ranges a cell is damaged, or in millions where billions are expected (or dollars where millions).
HOLDINGS_BN = Plausible(0, 100_000, "holdings in billions of dollars",
                        "a damaged cell, or a figure in millions where the table is in billions")
POSITION_MN = Plausible(0, 1e8, "holdings in millions of dollars")
GROSS_MN = Plausible(0, 1e8, "a month's gross transactions in millions of dollars")
NET_MN = Plausible(-1e8, 1e8, "a month's net transactions or valuation change in millions of dollars")

# Bases of the transactions tables.
FLOW_BASIS_FORM_S = "form_s"  # gross transactions by country of transactor, to Jan 2023
FLOW_BASIS_SLT = "slt"  # SLT net transactions by country of holder, from Feb 2023


def holdings_basis(month: pd.Timestamp) -> str:
    """Measurement basis of a holdings figure for ``month``."""
    if month < SLT_START:
        return BASIS_SURVEY
    if month < SLT_EXPANDED_START:
        return BASIS_SLT
    return BASIS_SLT_EXPANDED


@dataclass
class ParsedTable:
    """What a parser returns.

    Attributes
    ----------
    kind : str
        The detected format, e.g. ``"mfhhis"`` or ``"s1_globl"``.
    source : str
        The file parsed.
    holdings : pandas.DataFrame
        Tidy holdings (may be empty for transaction-only files).
    flows : pandas.DataFrame
        Tidy flows (may be empty for holdings-only files).
    series : pandas.DataFrame
        A FRED series: ``date``, ``series_id``, ``value`` (empty for TIC files).
    interventions : pandas.DataFrame
        Japan's intervention days (the Ministry of Finance record; empty for other files).
    vintage : datetime.date or None
        Publication date printed in the file, where there is one.
    warnings : list of str
        Things the user should know (dropped incomplete lines, a frozen legacy file).
    """

    kind: str
    source: str
    holdings: pd.DataFrame = field(default_factory=lambda: empty_holdings())
    flows: pd.DataFrame = field(default_factory=lambda: empty_flows())
    series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "series_id", "value"]))
    interventions: pd.DataFrame = field(default_factory=pd.DataFrame)
    vintage: dt.date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def last_month(self) -> pd.Timestamp | None:
        """Newest month with a published number."""
        months = []
        if len(self.series):
            valid = self.series.loc[self.series["value"].notna(), "date"]
            if len(valid):
                months.append(valid.max().to_period("M").to_timestamp())
        for frame, col in ((self.holdings, "holdings_bn"), (self.flows, "net_purchases_bn")):
            valid = frame.loc[frame[col].notna(), "month"] if len(frame) else frame["month"]
            if len(valid):
                months.append(valid.max())
        return max(months) if months else None

    def tidy(self) -> pd.DataFrame:
        """The main table of this file: flows for transactions files, holdings for holdings
        files, the series for FRED files, the days for the Ministry of Finance record."""
        if len(self.interventions):
            return self.interventions
        if len(self.flows):
            return self.flows
        return self.holdings if len(self.holdings) else self.series


def empty_holdings() -> pd.DataFrame:
    """An empty holdings table with the right columns."""
    return _typed(pd.DataFrame({c: [] for c in HOLDINGS_COLUMNS}), HOLDINGS_COLUMNS)


def empty_flows() -> pd.DataFrame:
    """An empty flows table with the right columns."""
    return _typed(pd.DataFrame({c: [] for c in FLOWS_COLUMNS}), FLOWS_COLUMNS)


_FLOAT = {"holdings_bn", "old_series_bn", "long_term_bn", "net_purchases_bn", "valuation_change_bn"}
_STR = {"holder", "basis", "source", "kind", "flag", "instrument"}


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.reindex(columns=columns)
    for col in columns:
        if col == "month":
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        elif col in _FLOAT:
            frame[col] = frame[col].astype("float64")
        elif col == "series_break":
            frame[col] = frame[col].fillna(False).astype(bool)
        elif col == "line":
            frame[col] = frame[col].astype("Int64")
        elif col in _STR:
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def holdings_frame(records: list[dict]) -> pd.DataFrame:
    """Build a typed holdings table from row dicts."""
    return _typed(pd.DataFrame.from_records(records, columns=HOLDINGS_COLUMNS), HOLDINGS_COLUMNS)


def flows_frame(records: list[dict]) -> pd.DataFrame:
    """Build a typed flows table from row dicts."""
    return _typed(pd.DataFrame.from_records(records, columns=FLOWS_COLUMNS), FLOWS_COLUMNS)


def check_unique(frame: pd.DataFrame, keys: list[str], src) -> None:
    """Refuse a table in which a (month, holder, ...) key appears twice, naming the line."""
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        rows = frame[dup].sort_values("line")
        first, second = rows.iloc[0], rows.iloc[1]
        raise src.error(
            f"{second['holder']} {second['month']:%Y-%m} appears twice (also line {first['line']})",
            int(second["line"]),
        )


def to_csv_text(frame: pd.DataFrame) -> str:
    """Render a tidy table as CSV with ``YYYY-MM`` months and full-precision numbers."""
    out = frame.copy()
    if "month" in out:
        out["month"] = out["month"].dt.strftime("%Y-%m")
    if "date" in out:
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g")


@dataclass(frozen=True)
class Format:
    """A published layout a parser module reads: its name, a test on the head of a file, the
    parser, and the order of the tests (lower first; a specific test before a general one).

    Each parser module of ``model.sources`` declares its layouts in a module-level ``FORMATS``
    list; :mod:`model.sources.detect` finds them, so a new source is a parser module (with its
    ``FORMATS``) plus its entry in ``sources.toml``.
    """

    name: str
    looks_like: Callable[..., bool]
    parse: Callable[..., ParsedTable]
    order: int = 50
