"""Parsers for the Treasury's "Major Foreign Holders of Treasury Securities" tables.

Three published layouts:

* ``mfhhis01.txt`` - the history file: tab-separated yearly blocks, newest first, back to
  March 2000, with series-break columns, quoted names, footnote markers, ``n.a.`` and ``*``.
* ``slt_table5.txt`` - the current rolling 13-month table with ISO year-month columns.
* ``mfh.txt`` - the legacy space-aligned table, frozen by the Treasury in early 2023. It is
  parsed for analysts' archives but never used as a current source.

All return a :class:`~model.sources.tables.ParsedTable` whose ``holdings`` has one row per
(month, holder) in $bn, equal to the published cells.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from model.config import HolderConfig, holder_config
from model.sources.tables import (
    HOLDINGS_BN,
    Format,
    ParsedTable,
    check_unique,
    holdings_basis,
    holdings_frame,
)
from model.sources.text import (
    FIRST_YEAR,
    LAST_YEAR,
    MONTHS,
    TextSource,
    is_blank,
    parse_month,
    parse_number,
    split_tab,
)

FOOTER_MFH = "department of the treasury/federal reserve board"
_YEAR = re.compile(r"^(19|20)\d{2}$", re.ASCII)
_DATE_LINE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$", re.ASCII)
_SERIES_NEW = re.compile(r"Series\s+\d+/")
# A value token at the end of a legacy space-aligned line.
_LEGACY_VALUE = r"(?:-?[0-9]+(?:\.[0-9]+)?|n\.a\.|\*)"
LEGACY_FROZEN_AFTER = pd.Timestamp("2023-01-01")
TABLE5_ALL_OTHER = "All Other (Table 5 list)"


def _row_record(
    holders: HolderConfig, src: TextSource, raw_name: str, memo: bool, month: pd.Timestamp,
    value: float, flag: str, line: int,
) -> dict:
    name = holders.memo_name(raw_name) if memo else holders.canonical(raw_name)
    return {
        "month": month,
        "holder": name,
        "holdings_bn": value,
        "basis": holdings_basis(month),
        "source": src.name,
        "kind": holders.kind(name),
        "flag": flag,
        "series_break": False,
        "old_series_bn": float("nan"),
        "long_term_bn": float("nan"),
        "line": line,
    }


def _vintage_after_footer(rows: list[list[str]], start: int, src: TextSource) -> dt.date | None:
    """The publication date printed under the footer (``5/18/2026``), if there is one."""
    for k, cells in enumerate(rows[start : start + 4], start=start + 1):
        match = _DATE_LINE.match(cells[0].strip()) if cells else None
        if match:
            month, day, year = (int(g) for g in match.groups())
            year = year + 2000 if len(match.group(3)) == 2 else year  # '5/18/26'; '5/18/0001' is the year 1
            try:
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    raise ValueError
                return dt.date(year, month, day)
            except ValueError:
                raise src.error(f"'{cells[0].strip()}' under the footer is not a publication date "
                                f"(expected M/D/YYYY, {FIRST_YEAR}-{LAST_YEAR})", k, "vintage") from None
    return None


# ---------------------------------------------------------------------------------------------
# mfhhis01.txt
# ---------------------------------------------------------------------------------------------


def _is_month_row(cells: list[str]) -> bool:
    names = [c.strip() for c in cells[1:] if c.strip()]
    return bool(names) and not cells[0].strip() and all(n in MONTHS for n in names)


def _is_year_row(cells: list[str]) -> bool:
    years = [c.strip() for c in cells[1:] if c.strip()]
    return cells[0].strip() == "Country" and bool(years) and all(_YEAR.match(y) for y in years)


def _block_columns(
    rows: list[list[str]], header: int, src: TextSource
) -> tuple[dict[int, pd.Timestamp], dict[int, int], set[pd.Timestamp]]:
    """Map column index -> month for one yearly block, resolving series-break duplicates.

    Returns the kept columns, a map new-series column -> old-series column, and the months
    where a new series starts.
    """
    month_row = header - 1
    if month_row < 0 or not _is_month_row(rows[month_row]):
        raise src.error("year row without a month-name row above it", header + 1)
    months_cells, years_cells = rows[month_row], rows[header]
    labels = rows[month_row - 2] if month_row >= 2 else []
    columns: dict[int, pd.Timestamp] = {}
    for j in range(1, len(years_cells)):
        year = years_cells[j].strip()
        if not year:
            continue
        name = months_cells[j].strip() if j < len(months_cells) else ""
        if name not in MONTHS:
            raise src.error(f"year {year} has no month name above it", header + 1, f"column {j + 1}")
        columns[j] = pd.Timestamp(int(year), MONTHS[name], 1)
    by_month: dict[pd.Timestamp, list[int]] = {}
    for j, month in columns.items():
        by_month.setdefault(month, []).append(j)
    breaks = {
        month
        for j, month in columns.items()
        if j < len(labels) and _SERIES_NEW.search(labels[j])
    }
    old_of: dict[int, int] = {}
    for month, cols in by_month.items():
        if len(cols) == 1:
            continue
        if len(cols) > 2:
            raise src.error(f"{month:%b %Y} appears {len(cols)} times", header + 1)
        # The new series carries the footnote marker ("Series 16/"); the old one is shown
        # "for comparison only". Without labels, the left column is the newer one.
        marked = [j for j in cols if j < len(labels) and _SERIES_NEW.search(labels[j])]
        new = marked[0] if marked else min(cols)
        old = next(j for j in cols if j != new)
        old_of[new] = old
        del columns[old]
        breaks.add(month)
    return columns, old_of, breaks


def parse_mfhhis(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse the history file ``mfhhis01.txt``.

    Parameters
    ----------
    src : TextSource
        The decoded file.
    holders : HolderConfig, optional
        Names and kinds (default: ``holders.toml``).

    Returns
    -------
    ParsedTable
        ``holdings`` in $bn; at series breaks the new series is kept, the old one is in
        ``old_series_bn`` and ``series_break`` is true.

    Raises
    ------
    InputError
        Naming the file and line, for an unknown layout, a non-numeric cell, a row with more
        values than month columns, or a file that ends before its footer (a cut download).
    """
    holders = holders or holder_config()
    rows = [split_tab(line) if line else [""] for line in src.lines]
    records: list[dict] = []
    footer_at = None
    block_count = 0
    i = 0
    while i < len(rows):
        cells = rows[i]
        first = cells[0].strip().lower()
        if first.startswith(FOOTER_MFH):
            footer_at = i
            break
        if not _is_year_row(cells):
            if cells[0].strip() == "Country":
                raise src.error("'Country' row whose columns are not all years", i + 1)
            if _is_month_row(cells):
                following = next((r for r in rows[i + 1:] if not is_blank(r)), [""])
                if not _is_year_row(following):
                    raise src.error("month-name row without a 'Country' row of years below it", i + 1)
            i += 1
            continue
        block_count += 1
        columns, old_of, breaks = _block_columns(rows, i, src)
        memo = False
        k = i + 1
        while k < len(rows):
            cells = rows[k]
            first = cells[0].strip()
            if first.lower().startswith(FOOTER_MFH) or _is_month_row(cells):
                break
            if is_blank(cells) or set(first) == {"-"} or (not first and _is_rule(cells)):
                k += 1
                continue
            if first.lower().startswith("of which"):
                memo = True
                k += 1
                continue
            if not first:
                if any("Series" in c for c in cells):
                    break  # label rows of the next block
                raise src.error("row of numbers without a holder name", k + 1)
            extra = [j for j in range(1, len(cells)) if cells[j].strip() and j not in columns
                     and j not in old_of.values()]
            if extra:
                raise src.error(
                    f"row '{first}' has a value in column {extra[0] + 1}, beyond the month columns",
                    k + 1,
                )
            for j, month in columns.items():
                cell = cells[j] if j < len(cells) else ""
                value, flag = parse_number(cell, src, k + 1, f"{first} {month:%b %Y}", allow_star=True,
                                           plausible=HOLDINGS_BN)
                rec = _row_record(holders, src, first, memo, month, value, flag, k + 1)
                if month in breaks:
                    rec["series_break"] = True
                if j in old_of:
                    old_cell = cells[old_of[j]] if old_of[j] < len(cells) else ""
                    rec["old_series_bn"] = parse_number(
                        old_cell, src, k + 1, f"{first} {month:%b %Y} (old series)", allow_star=True,
                        plausible=HOLDINGS_BN,
                    )[0]
                records.append(rec)
            k += 1
        i = k
    if block_count == 0:
        raise src.error("no 'Country' row with years: not a Major Foreign Holders history table")
    if footer_at is None:
        raise src.error(
            "file ends before the 'Department of the Treasury/Federal Reserve Board' footer: "
            "the download looks cut off; refusing it rather than risk a shortened number",
            len(src.lines),
        )
    holdings = holdings_frame(records)
    check_unique(holdings, ["month", "holder"], src)
    return ParsedTable(kind="mfhhis", source=src.name, holdings=holdings,
                       vintage=_vintage_after_footer(rows, footer_at + 1, src))


def _is_rule(cells: list[str]) -> bool:
    body = [c.strip() for c in cells if c.strip()]
    return bool(body) and all(set(c) <= {"-"} for c in body)


# ---------------------------------------------------------------------------------------------
# slt_table5.txt
# ---------------------------------------------------------------------------------------------


def parse_slt_table5(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse the current monthly table ``slt_table5.txt`` (13 ISO-month columns, newest first).

    Raises
    ------
    InputError
        For a missing header, a non-numeric cell, a short row, or a file without its closing
        ``Notes:`` block (a cut download).
    """
    holders = holders or holder_config()
    rows = [split_tab(line) if line else [""] for line in src.lines]
    header = next((i for i, c in enumerate(rows) if c[0].strip() == "Country"), None)
    if header is None:
        raise src.error("no 'Country' header row: not a TIC Table 5 file")
    columns: dict[int, pd.Timestamp] = {}
    for j, cell in enumerate(rows[header][1:], start=1):
        if cell.strip():
            columns[j] = parse_month(cell, src, header + 1, f"header column {j + 1}")
    if not columns:
        raise src.error("header row has no month columns", header + 1)
    records: list[dict] = []
    k = header + 1
    while k < len(rows) and not is_blank(rows[k]):
        cells = rows[k]
        name = cells[0].strip()
        if name.lower().startswith("notes"):
            break
        if not name:
            raise src.error("row of numbers without a holder name", k + 1)
        for j, month in columns.items():
            cell = cells[j] if j < len(cells) else ""
            value, flag = parse_number(cell, src, k + 1, f"{name} {month:%Y-%m}", allow_star=True,
                                       plausible=HOLDINGS_BN)
            record = _row_record(holders, src, name, False, month, value, flag, k + 1)
            if record["holder"] == "All Other":
                # Table 5 lists fewer countries than the history file, so its residual is a
                # different (larger) aggregate; keep the two apart when splicing.
                record["holder"] = TABLE5_ALL_OTHER
            records.append(record)
        k += 1
    if not any(c[0].strip().lower().startswith("notes") for c in rows[k:]):
        raise src.error(
            "file ends before its 'Notes:' block: the download looks cut off; refusing it",
            len(src.lines),
        )
    if not records:
        raise src.error("no data rows after the header", header + 2)
    holdings = holdings_frame(records)
    check_unique(holdings, ["month", "holder"], src)
    return ParsedTable(kind="slt_table5", source=src.name, holdings=holdings)


# ---------------------------------------------------------------------------------------------
# Legacy space-aligned mfh.txt
# ---------------------------------------------------------------------------------------------


def parse_mfh_legacy(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse the legacy space-aligned ``mfh.txt`` kept in analysts' archives.

    The Treasury froze this file in early 2023; the result carries a warning and the live
    pull never uses this layout as a current source.

    Raises
    ------
    InputError
        For a row whose value count differs from the month columns, a non-numeric value, or
        a missing footer.
    """
    holders = holders or holder_config()
    lines = src.lines
    records: list[dict] = []
    footer = False
    blocks = 0
    i = 0
    while i < len(lines):
        tokens = lines[i].split()
        if lines[i].strip().lower().startswith(FOOTER_MFH):
            footer = True
            break
        if not (tokens and tokens[0] == "Country" and len(tokens) > 1
                and all(_YEAR.match(t) for t in tokens[1:])):
            if tokens and tokens[0] == "Country":
                raise src.error("'Country' line whose columns are not all years", i + 1)
            if tokens and all(t in MONTHS for t in tokens):
                following = next((x.split() for x in lines[i + 1:] if x.strip()), [""])
                if following[:1] != ["Country"]:
                    raise src.error("month-name line without a 'Country' line of years below it", i + 1)
            i += 1
            continue
        blocks += 1
        month_line = i - 1
        while month_line >= 0 and not lines[month_line].strip():
            month_line -= 1
        month_tokens = lines[month_line].split() if month_line >= 0 else []
        if len(month_tokens) != len(tokens) - 1 or not all(t in MONTHS for t in month_tokens):
            raise src.error("the month-name line above 'Country' does not match the years", i + 1)
        months = [pd.Timestamp(int(y), MONTHS[m], 1) for m, y in zip(month_tokens, tokens[1:], strict=True)]
        if len(set(months)) != len(months):
            raise src.error("a month appears twice in the header", i + 1)
        row_re = re.compile(
            rf"^(?P<name>.*?\S)\s+(?P<values>{_LEGACY_VALUE}(?:\s+{_LEGACY_VALUE}){{{len(months) - 1}}})\s*$"
        )
        memo = False
        k = i + 1
        while k < len(lines):
            text = lines[k]
            stripped = text.strip()
            if stripped.lower().startswith(FOOTER_MFH):
                break
            next_tokens = stripped.split()
            if next_tokens and next_tokens[0] == "Country":
                break
            if next_tokens and all(t in MONTHS for t in next_tokens):
                break  # next block's month line
            if not stripped or set(stripped.replace(" ", "")) <= {"-"}:
                k += 1
                continue
            if stripped.lower().startswith("of which"):
                memo = True
                k += 1
                continue
            match = row_re.match(text)
            if not match:
                found = len(re.findall(rf"(?<!\S){_LEGACY_VALUE}(?!\S)", text))
                raise src.error(
                    f"expected {len(months)} values after the holder name, found {found}", k + 1
                )
            name = match.group("name")
            for month, cell in zip(months, match.group("values").split(), strict=True):
                value, flag = parse_number(cell, src, k + 1, f"{name.strip()} {month:%b %Y}", allow_star=True,
                                           plausible=HOLDINGS_BN)
                records.append(_row_record(holders, src, name, memo, month, value, flag, k + 1))
            k += 1
        i = k
    if not blocks:
        raise src.error("no 'Country' line with years: not a Major Foreign Holders table")
    if not footer:
        raise src.error(
            "file ends before the 'Department of the Treasury/Federal Reserve Board' footer: "
            "the file looks cut off; refusing it",
            len(lines),
        )
    holdings = holdings_frame(records)
    check_unique(holdings, ["month", "holder"], src)
    table = ParsedTable(kind="mfh_legacy", source=src.name, holdings=holdings)
    last = table.last_month
    if last is not None and last <= LEGACY_FROZEN_AFTER:
        table.warnings.append(
            f"{src.name}: legacy mfh.txt layout, frozen by the Treasury in early 2023 (last month "
            f"{last:%Y-%m}); use mfhhis01.txt and slt_table5.txt for current data"
        )
    return table


def _major_holders(src: TextSource) -> tuple[list[str], bool]:
    head = src.lines[:60]
    return head, "MAJOR FOREIGN HOLDERS" in "\n".join(head).upper()


def _tab_country_rows(head: list[str]) -> list[list[str]]:
    return [c for c in (split_tab(line) for line in head if "\t" in line) if c[0].strip() == "Country"]


def looks_like_slt_table5(src: TextSource) -> bool:
    """Table 5: the major holders with ISO year-month columns (or its title says Table 5)."""
    head, major = _major_holders(src)
    rows = _tab_country_rows(head)
    return major and bool(rows) and ("TABLE 5" in "\n".join(head).upper()
                                     or any(len(c) > 1 and c[1].strip()[:2] == "20" and "-" in c[1] for c in rows))


def looks_like_mfhhis(src: TextSource) -> bool:
    """The history file: the major holders, tab-separated, one block per year."""
    head, major = _major_holders(src)
    return major and bool(_tab_country_rows(head))


def looks_like_mfh_legacy(src: TextSource) -> bool:
    """The frozen space-aligned ``mfh.txt``."""
    head, major = _major_holders(src)
    return major and any(line.split()[:1] == ["Country"] for line in head)


FORMATS = [Format("slt_table5", looks_like_slt_table5, parse_slt_table5, order=50),
           Format("mfhhis", looks_like_mfhhis, parse_mfhhis, order=51),
           Format("mfh_legacy", looks_like_mfh_legacy, parse_mfh_legacy, order=52)]
