"""Parsers for the TIC transactions tables and the by-country holdings cross-check.

* ``s1_globl.txt`` - TIC Form S gross purchases [1] and gross sales [7] of Treasury bonds and
  notes by foreigners, by country, January 1977 to January 2023 (millions of dollars).
  Net foreign purchases = [1] - [7].
* ``slt_table3.txt`` - Table 3: holdings, net transactions ("Net U.S. Sales": positive = the
  foreign position grew) and valuation changes by country, from 2020 (flows from Feb 2023).
* ``slt3d_globl.csv`` - Table 3D: holdings by country, Sept 2011 to Jan 2023, as first published.

Values are converted from millions to $bn.
"""

from __future__ import annotations

from model.config import HolderConfig, holder_config
from model.sources.tables import (
    FLOW_BASIS_FORM_S,
    FLOW_BASIS_SLT,
    GROSS_MN,
    NET_MN,
    POSITION_MN,
    Format,
    ParsedTable,
    check_unique,
    flows_frame,
    holdings_basis,
    holdings_frame,
)
from model.sources.text import (
    TextSource,
    is_blank,
    parse_month,
    parse_number,
    split_comma,
    split_tab,
)

MILLIONS_PER_BN = 1000.0
INSTRUMENT_BONDS_NOTES = "bonds_notes"
INSTRUMENT_BILLS = "bills"
INSTRUMENT_TOTAL = "total"


# ---------------------------------------------------------------------------------------------
# s1_globl.txt
# ---------------------------------------------------------------------------------------------

S1_FIELDS = 15
S1_PURCHASES_TREASURY = 3  # column "[1]": gross purchases of Treasury & FFB bonds and notes
S1_SALES_TREASURY = 9  # column "[7]": gross sales of the same


def parse_s1_globl(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse TIC Form S ``s1_globl.txt`` into net purchases of Treasury bonds and notes.

    Returns
    -------
    ParsedTable
        ``flows`` with ``instrument = "bonds_notes"``, ``basis = "form_s"``,
        ``net_purchases_bn = ([1] - [7]) / 1000``.

    Raises
    ------
    InputError
        For a missing ``name code month [1] ...`` header, a row without 15 fields, a
        non-numeric cell, or a file that ends before the Grand Total block reaches the
        earliest month (the file has no footer, so this is how a cut download shows).
    """
    holders = holders or holder_config()
    lines = src.lines
    header = next(
        (i for i, line in enumerate(lines) if split_tab(line)[:4] == ["name", "code", "month", "[1]"]),
        None,
    )
    if header is None:
        raise src.error("no 'name code month [1] ... [12]' header row: not a TIC S1 file")
    labels = [c.strip() for c in split_tab(lines[header])]
    if len(labels) < S1_FIELDS or labels[S1_PURCHASES_TREASURY] != "[1]" or labels[S1_SALES_TREASURY] != "[7]":
        raise src.error("header does not have columns [1] and [7] where expected", header + 1)
    records = []
    for k in range(header + 1, len(lines)):
        cells = split_tab(lines[k])
        if is_blank(cells) or cells[0].strip().startswith("---"):
            continue
        if len(cells) != S1_FIELDS:
            raise src.error(
                f"expected {S1_FIELDS} tab-separated fields, found {len(cells)}"
                + (" (line cut off?)" if k == len(lines) - 1 else ""),
                k + 1,
            )
        name = cells[0].strip()
        month = parse_month(cells[2], src, k + 1)
        bought, _ = parse_number(cells[S1_PURCHASES_TREASURY], src, k + 1, "[1]", plausible=GROSS_MN)
        sold, _ = parse_number(cells[S1_SALES_TREASURY], src, k + 1, "[7]", plausible=GROSS_MN)
        canonical = holders.canonical(name)
        records.append({
            "month": month,
            "holder": canonical,
            "net_purchases_bn": (bought - sold) / MILLIONS_PER_BN,
            "valuation_change_bn": float("nan"),
            "instrument": INSTRUMENT_BONDS_NOTES,
            "basis": FLOW_BASIS_FORM_S,
            "source": src.name,
            "kind": holders.kind(canonical),
            "line": k + 1,
        })
    if not records:
        raise src.error("no data rows after the header", header + 2)
    flows = flows_frame(records)
    last = flows.iloc[-1]
    if last["holder"] != "Grand Total" or last["month"] != flows["month"].min():
        raise src.error(
            f"file ends at {last['holder']} {last['month']:%Y-%m}, before the Grand Total block "
            f"reaches {flows['month'].min():%Y-%m}: the download looks cut off; refusing it",
            len(lines),
        )
    check_unique(flows, ["month", "holder"], src)
    return ParsedTable(kind="s1_globl", source=src.name, flows=flows)


# ---------------------------------------------------------------------------------------------
# slt_table3.txt
# ---------------------------------------------------------------------------------------------

T3_REQUIRED = [
    "country", "country_code", "date", "for_treas_pos", "for_treas_net", "for_lt_treas_pos",
    "for_lt_treas_net", "for_lt_treas_valchg", "for_st_treas_pos", "for_st_treas_net",
]


def parse_slt_table3(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse SLT Table 3 ``slt_table3.txt``: holdings, net purchases and valuation changes.

    Columns are found by their machine names (``for_treas_pos`` ...), so a reordered file
    still parses. Net purchases are ``n.a.`` before February 2023 and stay NaN.

    Returns
    -------
    ParsedTable
        ``holdings`` (total Treasuries, $bn) and ``flows`` with three instruments:
        ``total``, ``bonds_notes`` (with the reported valuation change) and ``bills``.
    """
    holders = holders or holder_config()
    lines = src.lines
    header = next((i for i, line in enumerate(lines) if split_tab(line)[:3] == ["country", "country_code", "date"]), None)
    if header is None:
        raise src.error("no 'country country_code date ...' machine-name row: not an SLT Table 3 file")
    names = [c.strip() for c in split_tab(lines[header])]
    missing = [c for c in T3_REQUIRED if c not in names]
    if missing:
        raise src.error(f"missing column '{missing[0]}'", header + 1)
    col = {n: names.index(n) for n in T3_REQUIRED}
    holding_records, flow_records = [], []
    k = header + 1
    notes_seen = False
    while k < len(lines):
        cells = split_tab(lines[k])
        if is_blank(cells):
            k += 1
            continue
        if cells[0].strip().lower().startswith("notes"):
            notes_seen = True
            break
        if len(cells) < len(T3_REQUIRED):
            raise src.error(f"expected {len(T3_REQUIRED)} fields, found {len(cells)}", k + 1)
        name = cells[col["country"]].strip()
        month = parse_month(cells[col["date"]], src, k + 1)
        canonical = holders.canonical(name)
        kind = holders.kind(canonical)

        def num(key: str, _cells=cells, _k=k) -> float:
            unit = POSITION_MN if key.endswith("_pos") else NET_MN
            return parse_number(_cells[col[key]], src, _k + 1, key, plausible=unit)[0] / MILLIONS_PER_BN

        holding_records.append({
            "month": month, "holder": canonical, "holdings_bn": num("for_treas_pos"),
            "basis": holdings_basis(month), "source": src.name, "kind": kind, "flag": "",
            "series_break": False, "old_series_bn": float("nan"),
            "long_term_bn": num("for_lt_treas_pos"), "line": k + 1,
        })
        for instrument, net_key, val_key in (
            (INSTRUMENT_TOTAL, "for_treas_net", None),
            (INSTRUMENT_BONDS_NOTES, "for_lt_treas_net", "for_lt_treas_valchg"),
            (INSTRUMENT_BILLS, "for_st_treas_net", None),
        ):
            flow_records.append({
                "month": month, "holder": canonical, "net_purchases_bn": num(net_key),
                "valuation_change_bn": num(val_key) if val_key else float("nan"),
                "instrument": instrument, "basis": FLOW_BASIS_SLT, "source": src.name,
                "kind": kind, "line": k + 1,
            })
        k += 1
    if not notes_seen:
        raise src.error(
            "file ends before its 'Notes:' block: the download looks cut off; refusing it", len(lines)
        )
    holdings = holdings_frame(holding_records)
    check_unique(holdings, ["month", "holder"], src)
    return ParsedTable(kind="slt_table3", source=src.name, holdings=holdings, flows=flows_frame(flow_records))


# ---------------------------------------------------------------------------------------------
# slt3d_globl.csv
# ---------------------------------------------------------------------------------------------


def parse_slt3d(src: TextSource, holders: HolderConfig | None = None) -> ParsedTable:
    """Parse Table 3D ``slt3d_globl.csv`` (holdings by country as first published).

    Title and note text are cut into quoted cells; data rows are those with a numeric
    country code and a ``YYYY-MM`` month. Values are total Treasuries, $bn.
    """
    holders = holders or holder_config()
    records = []
    notes_seen = False
    for k, line in enumerate(src.lines):
        cells = split_comma(line)
        if cells and cells[0].strip().lower().startswith("notes"):
            notes_seen = True
            break
        if len(cells) < 3 or not (cells[1].strip().isascii() and cells[1].strip().isdigit()):
            continue
        if len(cells) != 6:
            raise src.error(f"expected 6 fields, found {len(cells)}", k + 1)
        month = parse_month(cells[2], src, k + 1)
        value, flag = parse_number(cells[3], src, k + 1, "total", plausible=POSITION_MN)
        long_term = parse_number(cells[4], src, k + 1, "long-term", plausible=POSITION_MN)[0]
        canonical = holders.canonical(cells[0])
        records.append({
            "month": month, "holder": canonical, "holdings_bn": value / MILLIONS_PER_BN,
            "basis": holdings_basis(month), "source": src.name, "kind": holders.kind(canonical),
            "flag": flag, "series_break": False, "old_series_bn": float("nan"),
            "long_term_bn": long_term / MILLIONS_PER_BN, "line": k + 1,
        })
    if not records:
        raise src.error("no data rows (name, code, YYYY-MM, values): not a Table 3D file")
    if not notes_seen:
        raise src.error("file ends before its 'Notes:' block: the download looks cut off; refusing it", len(src.lines))
    holdings = holdings_frame(records)
    check_unique(holdings, ["month", "holder"], src)
    return ParsedTable(kind="slt3d", source=src.name, holdings=holdings)


def _head(src: TextSource) -> list[str]:
    return src.lines[:60]


def looks_like_slt3d(src: TextSource) -> bool:
    """Table 3D: holdings by country as first published (its title names it)."""
    return "TABLE 3D" in "\n".join(_head(src)).upper()


def looks_like_slt_table3(src: TextSource) -> bool:
    """SLT Table 3: a tab-separated header starting ``country, country_code, date``."""
    return any(split_tab(line)[:3] == ["country", "country_code", "date"] for line in _head(src))


def looks_like_s1_globl(src: TextSource) -> bool:
    """Form S: a tab-separated header starting ``name, code, month, [1]``."""
    return any(split_tab(line)[:4] == ["name", "code", "month", "[1]"] for line in _head(src))


FORMATS = [Format("slt3d", looks_like_slt3d, parse_slt3d, order=40),
           Format("slt_table3", looks_like_slt_table3, parse_slt_table3, order=41),
           Format("s1_globl", looks_like_s1_globl, parse_s1_globl, order=42)]
