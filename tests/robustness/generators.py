"""Hypothesis strategies that write tables in the publishers' formats, with the quirks of the
real files, and return what a correct parser must read back.

Each strategy yields ``(raw_bytes, expected)`` where ``expected`` maps ``(month, holder)`` (or
``date`` for FRED) to ``(value, flag)``; ``value`` is None for ``n.a.``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import strategies as st

EXAMPLES_TRIED = [0]  # generated or corrupted files put through the parsers (reported by conftest)


def source_spec(key: str):
    """The catalogue's entry for one source."""
    from model.sources.catalog import source_catalog

    return next(s for s in source_catalog() if s.key == key)


def tried() -> None:
    """Count one generated or corrupted file put through a parser."""
    EXAMPLES_TRIED[0] += 1


MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# (as written in the history file, canonical name): quotes, inner and trailing spaces, markers
KNOWN = [
    ("Japan", "Japan"), ('"China, Mainland"', "China, Mainland"), ('"Korea, South "', "Korea, South"),
    ("United Kingdom 2/", "United Kingdom"), ("Belgium  5/", "Belgium"), ("Spain ", "Spain"),
    ("Oil Exporters 3/", "Oil Exporters"), ("Carib Bnkng Ctrs 4/", "Caribbean Banking Centers"),
    ("Belgium-Luxembourg ", "Belgium-Luxembourg"), ("Cayman Islands", "Cayman Islands"),
]
# new countries appear: names that alias nothing ('Qz' prefix), some with spaces
NEW_NAME = st.builds(
    lambda a, b, space: f"Qz{a}" + (f" {b}" if space else ""),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
    st.booleans(),
)


@st.composite
def cell_value(draw, allow_star: bool = True):
    """A published cell: a number (1 decimal, trailing '.0' sometimes dropped), n.a. or *."""
    kind = draw(st.sampled_from(["num"] * 12 + ["na"] + (["star"] if allow_star else [])))
    if kind == "na":
        return "n.a.", None, "n.a."
    if kind == "star":
        return "*", 0.0, "*"
    tenths = draw(st.integers(min_value=0, max_value=999_999))  # up to $99,999.9bn, the plausible range
    text = f"{tenths / 10:.1f}"
    if text.endswith(".0") and draw(st.booleans()):
        text = text[:-2]
    return text, float(text), ""


@st.composite
def holder_rows(draw, min_size=1, max_size=6):
    known = draw(st.lists(st.sampled_from(KNOWN), min_size=0, max_size=4, unique_by=lambda x: x[1]))
    new = draw(st.lists(NEW_NAME, min_size=0, max_size=3, unique=True))
    rows = known + [(n, n) for n in new]
    if not rows:
        rows = [("Japan", "Japan")]
    return rows[:max_size]


def _newline(draw) -> str:
    return draw(st.sampled_from(["\r\n", "\n"]))


def _encode(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@st.composite
def mfhhis_file(draw):
    """A history file: 1-3 yearly blocks, newest first, maybe a series break, memo rows."""
    nl = _newline(draw)
    first_year = draw(st.integers(min_value=2001, max_value=2024))
    n_blocks = draw(st.integers(min_value=1, max_value=3))
    holders = draw(holder_rows())
    pad = draw(st.integers(min_value=0, max_value=3))
    lines = ["\t" * pad + "MAJOR FOREIGN HOLDERS OF TREASURY SECURITIES" + "\t" * 10,
             "\t\t\t    (in billions of dollars)", "\t\t\tHOLDINGS 1/ AT END OF PERIOD", "\t" * 13]
    expected = {}
    for b in range(n_blocks):
        year = first_year - b
        n_months = draw(st.integers(min_value=1, max_value=12)) if b == n_blocks - 1 else 12
        months = list(range(12, 12 - n_months, -1))  # newest first
        break_month = draw(st.sampled_from([None, *months])) if b == n_blocks - 1 else None
        columns = []  # (month, is_old_series)
        for m in months:
            columns.append((m, False))
            if m == break_month:
                columns.append((m, True))
        if break_month is not None:
            labels1 = ["Series 9/" if (m == break_month and not old) else ("Series" if old else "") for m, old in columns]
            labels2 = [" IV" if (m == break_month and not old) else (" III" if old else "") for m, old in columns]
            lines += ["\t" + "\t".join(labels1), "\t" + "\t".join(labels2)]
        lines.append("\t" + "\t".join(MONTH_NAMES[m - 1] for m, _ in columns) + "\t")
        lines.append("Country\t" + "\t".join(str(year) for _ in columns) + "\t")
        lines.append("\t" + "\t".join("------" for _ in columns) + "\t")
        if draw(st.booleans()):
            lines.append("\t" * 13)
        memo_rows = [("For. Official", "Foreign Official"), ("Treasury Bills", "Foreign Official Treasury Bills")]
        all_rows = [(w, c, False) for w, c in holders] + [("All Other", "All Other", False),
                                                          ("Grand Total", "Grand Total", False)]
        for written, canonical, _ in all_rows:
            cells = []
            for m, old in columns:
                text, value, flag = draw(cell_value())
                cells.append(text)
                key = (pd.Timestamp(year, m, 1), canonical)
                if not old:
                    expected[key] = (value, flag)
            lines.append(written + "\t" + "\t".join(cells) + "\t")
        lines.append("\t" * 13)
        lines.append("Of which:" + "\t" * 12)
        indent = draw(st.sampled_from(["", "  ", "    "]))
        for written, canonical in memo_rows:
            cells = []
            for m, old in columns:
                text, value, flag = draw(cell_value(allow_star=False))
                cells.append(text)
                if not old:
                    expected[(pd.Timestamp(year, m, 1), canonical)] = (value, flag)
            lines.append(indent + written + "\t" + "\t".join(cells))
        lines += ["\t" * 13] * draw(st.integers(min_value=1, max_value=2))
    lines += ["Department of the Treasury/Federal Reserve Board" + "\t" * 12, "5/18/2026", "",
              "*     Less than $50 million.", '"1/  The data in this table include ""quoted"" text."']
    return _encode(nl.join(lines) + (nl if draw(st.booleans()) else ""), draw(st.booleans())), expected


@st.composite
def table5_file(draw):
    nl = _newline(draw)
    end = pd.Timestamp(draw(st.integers(min_value=2005, max_value=2030)), draw(st.integers(1, 12)), 1)
    n = draw(st.integers(min_value=1, max_value=13))
    months = [end - pd.DateOffset(months=k) for k in range(n)]
    holders = [(c, c) for _, c in draw(holder_rows())]  # Table 5 names are not quoted
    lines = ["Table 5: Major Foreign Holders of Treasury Securities" + "\t" * 13,
             "Holdings at end of time period" + "\t" * 13, "Billions of dollars" + "\t" * 13,
             "Link: https://ticdata.treasury.gov/slt_table5.txt" + "\t" * 13, "\t" * 13,
             "Country\t" + "\t".join(f"{m:%Y-%m}" for m in months)]
    expected = {}
    rows = [(w, w if w != "Korea, South " else "Korea, South") for w, _ in holders] + [
        ("Grand Total", "Grand Total"), ("Of Which: Foreign Official", "Foreign Official"),
        ("Of Which: Foreign Official Treasury Bills", "Foreign Official Treasury Bills")]
    for written, canonical in rows:
        cells = []
        for m in months:
            text, value, flag = draw(cell_value(allow_star=False))
            cells.append(text)
            expected[(m, canonical)] = (value, flag)
        lines.append(written + "\t" + "\t".join(cells))
    lines += ["\t" * 13, "Notes:" + "\t" * 13, "The data in this table are collected primarily from custodians."]
    return _encode(nl.join(lines) + nl, draw(st.booleans())), expected


@st.composite
def legacy_file(draw):
    """The space-aligned mfh.txt: unquoted names with spaces and commas, indented memo rows."""
    nl = _newline(draw)
    end = pd.Timestamp(draw(st.integers(min_value=2001, max_value=2023)), draw(st.integers(1, 12)), 1)
    n = draw(st.integers(min_value=1, max_value=13))
    months = [end - pd.DateOffset(months=k) for k in range(n)]
    names = [c for _, c in draw(holder_rows())]
    width = 30
    lines = [" " * 20 + "MAJOR FOREIGN HOLDERS OF TREASURY SECURITIES", " " * 26 + "(in billions of dollars)", "",
             " " * width + "".join(f"{m:%b}".rjust(9) for m in months),
             "Country".ljust(width) + "".join(f"{m:%Y}".rjust(9) for m in months),
             "------".ljust(width) + "   ------" * len(months), ""]
    expected = {}
    rows = [(c, c, "") for c in names] + [("All Other", "All Other", ""), ("Grand Total", "Grand Total", "")]
    memo = [("For. Official", "Foreign Official", "  "), ("Treasury Bills", "Foreign Official Treasury Bills", "    ")]
    for block, entries in ((False, rows), (True, memo)):
        if block:
            lines += ["", "Of which:"]
        for written, canonical, indent in entries:
            cells = []
            for m in months:
                text, value, flag = draw(cell_value())
                cells.append(text.rjust(9))
                expected[(m, canonical)] = (value, flag)
            lines.append((indent + written).ljust(width) + "".join(cells))
    lines += ["", "Department of the Treasury/Federal Reserve Board", "March 15, 2023", "", "1/ Notes."]
    return _encode(nl.join(lines) + nl, draw(st.booleans())), expected


def _thousands(value: int) -> str:
    text = f"{value:,}"
    return f'"{text}"' if "," in text else text


@st.composite
def s1_file(draw):
    nl = "\r\n"
    holders = [c for _, c in draw(holder_rows())]
    end = pd.Timestamp(draw(st.integers(min_value=1990, max_value=2023)), draw(st.integers(1, 12)), 1)
    n = draw(st.integers(min_value=1, max_value=5))
    months = [end - pd.DateOffset(months=k) for k in range(n)]
    lines = ['\t\t\t"U.S. Transactions with Foreigners in Long-term Domestic and Foreign Securities"',
             "\t\t\t\t\t\tAll amounts in millions of dollars.", "",
             "name\tcode\tmonth\t" + "\t".join(f"[{i}]" for i in range(1, 13)),
             " ----------\t" * 14 + " ----------"]
    expected = {}
    for name in [*holders, "Grand Total"]:
        written = f'"{name}"' if "," in name else name
        for m in months:
            values = [draw(st.integers(min_value=0, max_value=3_000_000)) for _ in range(12)]
            lines.append(f"{written}\t{draw(st.integers(10000, 99999))}\t{m:%Y-%m}\t"
                         + "\t".join(_thousands(v) for v in values))
            expected[(m, name)] = ((values[0] - values[6]) / 1000, "")
    return _encode(nl.join(lines) + nl, False), expected


@st.composite
def table3_file(draw):
    nl = "\r\n"
    holders = [c for _, c in draw(holder_rows())]
    end = pd.Timestamp(draw(st.integers(min_value=2021, max_value=2027)), draw(st.integers(1, 12)), 1)
    n = draw(st.integers(min_value=1, max_value=6))
    months = [end - pd.DateOffset(months=k) for k in range(n)]
    cols = ["for_treas_pos", "for_treas_net", "for_lt_treas_pos", "for_lt_treas_net", "for_lt_treas_valchg",
            "for_st_treas_pos", "for_st_treas_net"]
    lines = ["Table 3: U.S. Treasury Securities Held by Foreign Residents 1/" + "\t" * 9,
             "A positive number for net U.S. sales to foreigners denotes an increase in a foreign position",
             "Millions of dollars", "\t" * 9, "\t\t\tTotal\tTotal\tLong-term\tLong-term\tLong-term\tShort-term\tShort-term",
             "Country\tCountry Code\tDate\tHoldings\tNet\tHoldings\tNet\tValuation\tHoldings\tNet",
             "country\tcountry_code\tdate\t" + "\t".join(cols)]
    expected = {}
    for name in [*holders, "Grand Total"]:
        for m in months:
            # positions are never negative; net transactions and valuation changes may be
            values = {c: draw(st.integers(min_value=0 if c.endswith("_pos") else -500_000, max_value=9_000_000))
                      for c in cols}
            if m < pd.Timestamp("2023-02-01"):
                for c in ("for_treas_net", "for_lt_treas_net", "for_lt_treas_valchg"):
                    values[c] = None
            cells = ["n.a." if values[c] is None else str(values[c]) for c in cols]
            lines.append(f"{name}\t{draw(st.integers(10000, 99999))}\t{m:%Y-%m}\t" + "\t".join(cells))
            net = values["for_lt_treas_net"]
            expected[(m, name)] = (None if net is None else net / 1000, "")
    lines += ["\t" * 9, "Notes:" + "\t" * 9, "for_treas_pos: 1 + 5"]
    return _encode(nl.join(lines) + nl, False), expected


@st.composite
def fred_file(draw):
    series = draw(st.sampled_from(["GS10", "DGS10", "FYGFDPUN", "MTSDS133FMS"]))
    header = "DATE" if series == "MTSDS133FMS" else "observation_date"
    percent = series in ("GS10", "DGS10")  # held to -100..100 percent; the others are millions of dollars
    start = dt.date(draw(st.integers(1960, 2020)), draw(st.integers(1, 12)), 1)
    step = draw(st.sampled_from([1, 7, 31, 92]))
    n = draw(st.integers(min_value=1, max_value=40))
    lines = [f"{header},{series}"]
    expected = {}
    for k in range(n):
        date = start + dt.timedelta(days=step * k)
        kind = draw(st.sampled_from(["num", "num", "num", "empty", "dot", "int", "long"]))
        if kind == "empty":
            text, value = "", None
        elif kind == "dot":
            text, value = ".", None
        elif kind == "int":
            v = draw(st.integers(-99, 99) if percent else st.integers(-10**7, 10**8))
            text, value = f"{v}.0" if draw(st.booleans()) else str(v), float(v)
        elif kind == "long":
            text = f"{draw(st.floats(-99, 99) if percent else st.floats(-1e6, 1e8, allow_nan=False)):.8f}"
            value = float(text)
        else:
            text = f"{draw(st.integers(-500, 2000)) / 100:.2f}"
            value = float(text)
        lines.append(f"{date:%Y-%m-%d},{text}")
        expected[pd.Timestamp(date)] = (value, "")
    return _encode("\n".join(lines) + "\n", False), expected


# ---------------------------------------------------------------------------------------------
# The Ministry of Finance's intervention record (Shift-JIS, era dates, subtotal rows)
# ---------------------------------------------------------------------------------------------

MOF_HEAD = "外国為替平衡操作の実施状況\r\n（単位：億円）\r\n期間,合計額,実施日,介入額,売買通貨\r\n"
MOF_PAIRS = ["米ドル売り・円買い", "米ドル買い・円売り", "ユーロ買い・円売り", "ユーロ売り・円買い",
             "英ポンド買い・円売り", "英ポンド売り・円買い", "ドイツマルク買い・円売り", "ルピア買い・円売り"]


def era(day: dt.date) -> str:
    """``令和4年9月22日``, ``令和元年5月1日``, ``平成23年3月18日``."""
    if day >= dt.date(2019, 5, 1):
        name, year = "令和", day.year - 2018
    else:
        name, year = "平成", day.year - 1988
    return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def mof_record(periods: int, pairs: int = 4, first: dt.date = dt.date(1991, 4, 1), days: int = 7) -> tuple[str, int]:
    """The text of a record of ``periods`` consecutive periods of ``days`` days, each day with
    ``pairs`` currency pairs (deterministic amounts), and its number of day rows."""
    out, rows, k = [MOF_HEAD], 0, 0
    start = first
    for _ in range(periods):
        end = start + dt.timedelta(days=days - 1)
        lines, total, day = [], 0, start
        while day <= end:
            for pair in MOF_PAIRS[:pairs]:
                amount = 1000 + (k * 37) % 9000
                k += 1
                total += amount
                lines.append(f',,{era(day)},"{amount:,}",{pair}\r\n')
            day += dt.timedelta(days=1)
        out.append(f'{era(start)}～{era(end)},"{total:,}",,,\r\n' + "".join(lines))
        rows += len(lines)
        start = end + dt.timedelta(days=1)
    return "".join(out), rows


@st.composite
def mof_file(draw):
    """A short record: 1-4 quarters from 1991 on, 1-4 days each, written as the Ministry does
    (thousands separators, full-width digits sometimes, the subtotal on the period row or in a
    計 row below the days), with the (date, bought, sold) -> amount a correct parser reads."""
    quarter = draw(st.integers(min_value=0, max_value=400))
    expected = {}
    lines = [MOF_HEAD.rstrip("\r\n")]
    for q in range(quarter, quarter + draw(st.integers(min_value=1, max_value=4))):
        year, month = 1991 + (q + 1) // 4, 3 * ((q + 1) % 4) + 1
        start = dt.date(year, month, 1)
        end = (dt.date(year + (month == 10), (month + 2) % 12 + 1, 1) - dt.timedelta(days=1))
        days = sorted(draw(st.sets(st.integers(min_value=0, max_value=(end - start).days), min_size=1, max_size=4)))
        rows, total = [], 0
        for offset in days:
            day = start + dt.timedelta(days=offset)
            pair = draw(st.sampled_from(MOF_PAIRS[:4]))
            amount = draw(st.integers(min_value=1, max_value=99_999))
            total += amount
            written = era(day)
            if draw(st.booleans()):  # full-width digits, as some Japanese files have them
                written = written.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
            rows.append(f',,{written},"{amount:,}",{pair}')
            bought, sold = {"米ドル売り・円買い": ("JPY", "USD"), "米ドル買い・円売り": ("USD", "JPY"),
                            "ユーロ買い・円売り": ("EUR", "JPY"), "ユーロ売り・円買い": ("JPY", "EUR")}[pair]
            expected[(pd.Timestamp(day), bought, sold)] = amount
        period = f"{era(start)}～{era(end)}"
        if draw(st.booleans()):
            lines += [f'{period},"{total:,}",,,', *rows]
        else:
            lines += [f"{period},,,,", *rows, f'計,"{total:,}",,,']
    lines.append("（注）金額は億円。,,,,")
    return ("\r\n".join(lines) + "\r\n").encode("cp932"), expected
