"""The Monthly Statement of the Public Debt: detail of marketable Treasury securities.

Fiscal Data publishes the MSPD's Table III (marketable) security by security
(https://fiscaldata.treasury.gov/datasets/monthly-statement-public-debt/, dataset
``mspd_table_3_market``; the site's CSV download is named ``MSPD_MktSecty_<from>_<to>.csv``).
A user who downloads it can parse it (``tlrisk data parse FILE``) and derive the maturity
profile the interest-cost model uses (:func:`debt_profile`). No such file is shipped.

Layout (one row per security and record date; the site's download uses the column labels,
the API's CSV the field names, both accepted):

=====================================  =======================  ==================================
label                                  API field                 content
=====================================  =======================  ==================================
Record Date                            record_date               month-end, YYYY-MM-DD (or M/D/YYYY)
Security Type Description              security_type_desc        ``Marketable``
Security Class 1 Description           security_class1_desc      ``Bills Maturity Value``, ``Notes``,
                                                                 ``Bonds``, ``Inflation-Protected
                                                                 Securities``, ``Floating Rate Notes``,
                                                                 ``Federal Financing Bank``, ``Total
                                                                 Marketable``
Security Class 2 Description           security_class2_desc      the CUSIP, or a subtotal label
                                                                 (``Total Treasury Bills``, ...)
Interest Rate                          interest_rate_pct         coupon, percent (blank for bills)
Yield                                  yield_pct                 percent (bills, FRNs)
Issue Date / Maturity Date             issue_date, maturity_date
Outstanding Amount (in Millions)       outstanding_amt           $ million; ``*`` = under $500,000
=====================================  =======================  ==================================

Quirks handled: subtotal and total rows sit beside the securities they sum (they are kept
apart and used as a check: a class whose securities do not add up to its total row is
reported); ``*`` is an amount under half a million dollars (counted as zero); ``null`` or a
blank is "not applicable"; bills carry a yield but no coupon (the yield is their rate);
Federal Financing Bank rows carry no CUSIP or maturity and are left out (a few $bn); older
files name TIPS ``Inflation-Indexed Notes`` / ``Bonds``. A security listed twice on one date
with the same amount is counted once (reported); with different amounts the file is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.sources.tables import Format, ParsedTable
from model.sources.text import TextSource, is_blank, split_comma

COLUMNS = {  # our name -> (site label, API field)
    "record_date": ("Record Date", "record_date"),
    "class1": ("Security Class 1 Description", "security_class1_desc"),
    "class2": ("Security Class 2 Description", "security_class2_desc"),
    "interest_rate": ("Interest Rate", "interest_rate_pct"),
    "yield": ("Yield", "yield_pct"),
    "issue_date": ("Issue Date", "issue_date"),
    "maturity_date": ("Maturity Date", "maturity_date"),
    "outstanding": ("Outstanding Amount (in Millions)", "outstanding_amt"),
}
OPTIONAL = {"yield", "issue_date", "interest_rate"}
CLASSES = {  # Security Class 1 Description -> our class
    "bills maturity value": "bills", "treasury bills": "bills", "bills": "bills",
    "notes": "notes", "treasury notes": "notes",
    "bonds": "bonds", "treasury bonds": "bonds",
    "inflation-protected securities": "tips", "treasury inflation-protected securities": "tips",
    "inflation-indexed notes": "tips", "inflation-indexed bonds": "tips",
    "treasury inflation-protected securities (tips)": "tips",
    "floating rate notes": "frn", "treasury floating rate notes": "frn", "treasury floating rate notes (frn)": "frn",
}
SKIPPED = {"federal financing bank", "total marketable"}
CUSIP = re.compile(r"^[0-9A-Z]{9}$")
DAYS_PER_MONTH = 365.25 / 12
SECURITY_COLUMNS = ["date", "series_id", "value", "cusip", "issue_date", "maturity_date", "interest_rate_pct", "line"]


def _header(src: TextSource) -> tuple[int, dict[str, int]] | None:
    for i, line in enumerate(src.lines[:5]):
        cells = [c.strip().strip('"').lower() for c in split_comma(line)]
        found = {}
        for name, (label, field) in COLUMNS.items():
            for j, cell in enumerate(cells):
                if cell in (label.lower(), field):
                    found[name] = j
                    break
        if set(COLUMNS) - OPTIONAL <= set(found):
            return i, found
    return None


def looks_like_mspd(src: TextSource) -> bool:
    """True when the header names the MSPD's marketable-securities columns."""
    return _header(src) is not None


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text or text.lower() == "null":
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or M/D/YYYY)")


def _amount(text: str) -> float | None:
    """$ million as published: ``*`` is under half a million (0); blank or ``null`` is None."""
    text = text.strip().replace(",", "")
    if text in ("", "null"):
        return None
    if text == "*":
        return 0.0
    value = float(text)  # ValueError for anything else
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"'{text}' is not an amount")
    return value


def _rate(text: str) -> float | None:
    text = text.strip()
    if text in ("", "null"):
        return None
    value = float(text)
    if not np.isfinite(value) or not -5 <= value <= 30:
        raise ValueError(f"'{text}' is not an interest rate in percent")
    return value


def _security_terms(src: TextSource, cell, col: dict, k: int, record: dt.date, class2: str,
                    amount: float | None) -> tuple[dt.date, dt.date | None, float | None]:
    """A security row's maturity date, issue date and rate (the coupon, else the bill's yield),
    checked: an amount, a maturity on or after the record date."""
    if amount is None:
        raise src.error(f"security {class2} has no outstanding amount", k, "Outstanding Amount (in Millions)")
    try:
        maturity = _date(cell("maturity_date"))
        issue = _date(cell("issue_date")) if "issue_date" in col else None
    except ValueError as exc:
        raise src.error(str(exc), k, "Maturity Date") from None
    if maturity is None:
        raise src.error(f"security {class2} has no maturity date", k, "Maturity Date")
    if maturity < record:
        raise src.error(f"security {class2} matured on {maturity} before the record date {record}", k,
                        "Maturity Date")
    try:
        coupon = _rate(cell("interest_rate")) if "interest_rate" in col else None
        yld = _rate(cell("yield")) if "yield" in col else None
    except ValueError as exc:
        raise src.error(str(exc), k, "Interest Rate") from None
    return maturity, issue, coupon if coupon is not None else yld


def _total_warnings(frame: pd.DataFrame, totals: dict) -> list[str]:
    """Subtotal rows that disagree with the securities listed under them."""
    out = []
    sums = frame.groupby(["date", "series_id"])["value"].sum()
    for (record, kind), (total, line) in sorted(totals.items()):
        listed = float(sums.get((pd.Timestamp(record), kind), 0.0))
        if abs(listed - total / 1000.0) > max(0.5, 0.005 * total / 1000.0):
            out.append(f"line {line}: the {kind} securities of {record} add up to ${listed:,.1f}bn but the "
                       f"total row says ${total / 1000.0:,.1f}bn")
    return out


def parse_mspd(src: TextSource, holders=None) -> ParsedTable:
    """Parse the MSPD's marketable-securities detail into one row per security and date.

    Columns (in ``ParsedTable.series``): ``date`` (record date), ``series_id`` (class:
    ``bills``, ``notes``, ``bonds``, ``tips``, ``frn``), ``value`` (outstanding, $bn),
    ``cusip``, ``issue_date``, ``maturity_date``, ``interest_rate_pct`` (coupon; the yield for
    bills), ``line``.

    Raises
    ------
    InputError
        For a missing column, a bad date, amount or rate, an unknown security class, a security
        without a maturity date, a security that matured before its record date, or one listed
        twice on a date with different amounts.
    """
    found = _header(src)
    if found is None:
        raise src.error("no header naming the MSPD's columns (Record Date, Security Class 1 Description, "
                        "Security Class 2 Description, Maturity Date, Outstanding Amount (in Millions))", 1)
    start, col = found
    records: list[dict] = []
    totals: dict[tuple[dt.date, str], tuple[float, int]] = {}
    seen: dict[tuple[dt.date, str], dict] = {}
    warnings: list[str] = []
    skipped = 0
    rows = csv.reader(src.lines[start + 1:])
    for offset, cells in enumerate(rows):
        k = start + 2 + offset
        if is_blank(cells):
            continue
        if len(cells) <= max(col.values()):
            raise src.error(f"expected at least {max(col.values()) + 1} fields, found {len(cells)}", k)

        def cell(name: str, cells=cells) -> str:
            j = col.get(name)
            return cells[j].strip().strip('"') if j is not None else ""

        try:
            record = _date(cell("record_date"))
        except ValueError as exc:
            raise src.error(str(exc), k, "Record Date") from None
        if record is None:
            raise src.error("no record date", k, "Record Date")
        class1, class2 = cell("class1"), cell("class2")
        kind = CLASSES.get(class1.lower())
        try:
            amount = _amount(cell("outstanding"))
        except ValueError:
            raise src.error(f"'{cell('outstanding')}' is not an amount in $ million", k,
                            "Outstanding Amount (in Millions)") from None
        if class1.lower() in SKIPPED:
            skipped += class1.lower() != "total marketable"
            continue
        if kind is None:
            raise src.error(f"unknown security class '{class1}'", k, "Security Class 1 Description")
        if not CUSIP.match(class2):
            if class2.lower().startswith("total") and amount is not None:
                previous = totals.get((record, kind), (0.0, k))
                totals[(record, kind)] = (previous[0] + amount, k)
            continue  # subtotal rows and labels
        maturity, issue, rate = _security_terms(src, cell, col, k, record, class2, amount)
        key = (record, class2)
        if key in seen:
            if abs(seen[key]["value"] * 1000 - amount) > 0.5:
                raise src.error(f"security {class2} appears twice on {record} with different amounts (also line "
                                f"{seen[key]['line']})", k, "Outstanding Amount (in Millions)")
            warnings.append(f"line {k}: security {class2} listed again on {record} (counted once)")
            continue
        row = {"date": pd.Timestamp(record), "series_id": kind, "value": amount / 1000.0, "cusip": class2,
               "issue_date": pd.Timestamp(issue) if issue else pd.NaT, "maturity_date": pd.Timestamp(maturity),
               "interest_rate_pct": rate, "line": k}
        seen[key] = row
        records.append(row)
    if not records:
        raise src.error("no securities (rows with a CUSIP) after the header", start + 2)
    frame = pd.DataFrame.from_records(records, columns=SECURITY_COLUMNS)
    warnings += _total_warnings(frame, totals)
    if skipped:
        warnings.append(f"{skipped} Federal Financing Bank row(s) left out (no CUSIP or maturity)")
    frame["line"] = frame["line"].astype("Int64")
    return ParsedTable(kind="mspd", source=src.name, series=frame, warnings=warnings)


@dataclass(frozen=True)
class DebtProfile:
    """The maturity profile of marketable debt on one record date.

    Attributes
    ----------
    record_date : datetime.date
    marketable_bn : float
        Outstanding marketable securities ($bn, TIPS at par).
    bills_share : float
    maturing_within_1y_share : float
        Share maturing within a year of the record date.
    average_maturity_months : float
        Outstanding-weighted average remaining maturity.
    average_rate_pct : float
        Outstanding-weighted coupon (bills: their yield); the Treasury's own published average
        rate weights differently, so expect small differences.
    by_class_bn : dict
    """

    record_date: dt.date
    marketable_bn: float
    bills_share: float
    maturing_within_1y_share: float
    average_maturity_months: float
    average_rate_pct: float
    by_class_bn: dict[str, float]


def debt_profile(table: ParsedTable | pd.DataFrame, record_date: dt.date | None = None) -> DebtProfile:
    """The maturity profile on ``record_date`` (default: the newest in the file)."""
    frame = table.series if isinstance(table, ParsedTable) else table
    dates = sorted(frame["date"].unique())
    when = pd.Timestamp(record_date) if record_date is not None else pd.Timestamp(dates[-1])
    rows = frame[frame["date"] == when]
    if rows.empty:
        raise ValueError(f"no securities on {when:%Y-%m-%d} (the file has {len(dates)} record dates)")
    amount = rows["value"].to_numpy(float)
    total = float(amount.sum())
    if total <= 0:
        raise ValueError(f"no marketable debt outstanding on {when:%Y-%m-%d}")
    days = (rows["maturity_date"] - when).dt.days.to_numpy(float)
    year_end = (when + pd.DateOffset(years=1))
    within = rows["maturity_date"] <= year_end
    rate = rows["interest_rate_pct"].to_numpy(float)
    rated = np.isfinite(rate)
    average_rate = float((amount[rated] * rate[rated]).sum() / amount[rated].sum()) if rated.any() else float("nan")
    by_class = {k: float(v) for k, v in rows.groupby("series_id")["value"].sum().items()}
    return DebtProfile(when.date(), total, by_class.get("bills", 0.0) / total, float(amount[within.to_numpy()].sum()) / total,
                       float((amount * days).sum() / total / DAYS_PER_MONTH), average_rate, by_class)


__all__ = ["DebtProfile", "debt_profile", "looks_like_mspd", "parse_mspd"]


FORMATS = [Format("mspd", looks_like_mspd, parse_mspd, order=30)]
