"""Japan's Ministry of Finance record of its foreign-exchange interventions.

"Foreign Exchange Intervention Operations" (外国為替平衡操作の実施状況,
https://www.mof.go.jp/policy/international_policy/reference/feio/) is published as a CSV in
Shift-JIS, from April 1991, in units of 100 million yen (億円). Dates use the Japanese eras
(平成 from 1989, 令和 from May 2019; the first year of an era is written 元年). Each quarter
opens with a subtotal row (the period and its total); the intervention days follow, each with
its date, amount and the currencies bought and sold (e.g. 米ドル買い・円売り, "US dollar
bought, yen sold"). Amounts carry thousands separators.

The parser returns one row per day and currency pair, checks that the days of each quarter add
up to its subtotal (a skipped or mangled row cannot pass silently), that the periods do not
overlap and that every amount is plausible in 100 million yen (an amount typed in yen is not a
$20 trillion intervention), and refuses anything it does not recognise with the file and line.
It runs in time linear in the size of the file.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

from model.sources.tables import Format, ParsedTable
from model.sources.text import Plausible, TextSource, is_blank, parse_number, split_comma

INTERVENTION_COLUMNS = ["date", "direction", "bought", "sold", "amount_jpy_bn", "amount_100m_jpy",
                        "quarter", "line"]
TITLE_MARKERS = ("外国為替平衡操作", "Foreign Exchange Intervention Operations")

# first year (minus one) of each era: 平成1 = 1989, 令和1 = 2019
ERAS = {"昭和": 1925, "平成": 1988, "令和": 2018, "S": 1925, "H": 1988, "R": 2018}
ERA_SPANS = {1925: ("1926-12-25", "1989-01-07"), 1988: ("1989-01-08", "2019-04-30"),
             2018: ("2019-05-01", "2099-12-31")}
_SPANS = {base: (pd.Timestamp(first), pd.Timestamp(last)) for base, (first, last) in ERA_SPANS.items()}
# No record of Japan's interventions can fall outside these (the yen floated in 1971-73; the
# Ministry's record starts in April 1991); a year such as 0001 or 9999 is a damaged cell.
FIRST_DATE, LAST_DATE = pd.Timestamp("1971-01-01"), pd.Timestamp("2099-12-31")
# ASCII digits only (after the full-width ones are normalised): \d alone matches any script's
_ERA_DATE = re.compile(r"^(昭和|平成|令和|[SHR])\s*(元|\d{1,2})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?$", re.ASCII)
_GREGORIAN = re.compile(r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$", re.ASCII)
_RANGE = re.compile(r"^(.+?)\s*[~〜–―]\s*(.+)$")
DATE_EXAMPLE = "an era date such as 令和4年9月22日 or a date such as 2022/9/22"

# Amounts are in 100 million yen (億円). The largest day on record is 80,722 (8.1 trillion yen,
# 31 October 2011) and the largest quarter 148,314 (January-March 2004); Japan's reserves are
# about 1,800,000. Beyond these bounds an amount was typed in yen or another unit, or damaged.
_IN_YEN = "the amounts are in 100 million yen (億円): was it typed in yen, or damaged?"
DAY_AMOUNT = Plausible(0, 200_000, "one day's intervention in 100 million yen (200,000 = 20 trillion yen)", _IN_YEN)
PERIOD_TOTAL = Plausible(0, 1_000_000, "a period's total in 100 million yen (1,000,000 = 100 trillion yen)", _IN_YEN)

CURRENCIES = {"米ドル": "USD", "ドル": "USD", "円": "JPY", "ユーロ": "EUR", "ドイツマルク": "DEM",
              "マルク": "DEM", "英ポンド": "GBP", "ポンド": "GBP", "インドネシアルピア": "IDR", "ルピア": "IDR"}
HEADERS = {  # column -> accepted header labels (Japanese file, then the English version)
    "period": ("期間", "Period"),
    "total": ("合計額", "合計", "Total"),
    "date": ("実施日", "日付", "介入日", "Date"),
    "amount": ("介入額", "金額", "Amount"),
    "pair": ("売買通貨", "通貨", "Currency"),
}
SUBTOTAL_LABELS = ("計", "小計", "合計", "四半期計", "Total", "Subtotal")
NOTE_PREFIXES = ("(注", "注", "※", "Note", "(Note", "出所", "Source")


_ANY_DIGIT = re.compile(r"\d")  # a decimal digit of any script (full-width ４ included)


@lru_cache(maxsize=8192)  # a file repeats its currency pairs and dates (one row per pair)
def normalise(cell: str) -> str:
    """Full-width digits, letters and brackets to ASCII (NFKC: ``令和４年`` -> ``令和4年``, the
    era ligature ``㍻`` -> ``平成``), surrounding blanks removed.

    Characters that are not digits but which NFKC would turn into digits (``²``, ``①``, ``½``:
    a footnote marker beside a number) are kept as they are, so that ``28,382²`` is refused as
    non-numeric rather than read as 283,822.
    """
    if cell.isascii():
        return cell.strip().strip('"').strip()
    text = unicodedata.normalize("NFKC", cell)
    if len(_ANY_DIGIT.findall(text)) != len(_ANY_DIGIT.findall(cell)):  # a ², ① or ½ became digits
        text = "".join(c if c.isnumeric() and not c.isdecimal() else unicodedata.normalize("NFKC", c)
                       for c in cell)
    return text.strip().strip('"').strip()


def looks_like_mof_feio(src: TextSource) -> bool:
    """True when the head of the file names the Ministry's intervention record."""
    head = "\n".join(src.lines[:15])
    return any(marker in head for marker in TITLE_MARKERS)


@lru_cache(maxsize=8192)
def era_date(text: str) -> pd.Timestamp | None:
    """A date written with a Japanese era (``令和4年9月22日``, ``平成31年4月30日``,
    ``令和元年5月1日``, ``R4.9.22``) or in Gregorian form (``2022/9/22``); None when the text is
    not a date.

    Raises
    ------
    ValueError
        For a date that does not exist (``平成23年2月30日``), falls outside its era (``平成32年``,
        ``令和1年4月1日``) or outside the years an intervention record can cover (1971-2099:
        ``1000/1/1``, ``9999/12/31``), with a message saying what was expected.
    """
    text = normalise(text)
    match = _ERA_DATE.match(text)
    if match:
        era, year, month, day = match.groups()
        base = ERAS[era]
        number = 1 if year == "元" else int(year)
        date = _date(base + number, int(month), int(day), text)
        first, last = ERA_SPANS[base]
        if not _SPANS[base][0] <= date <= _SPANS[base][1]:
            raise ValueError(f"'{text}' is outside the {era} era ({first} to {last})")
        return date
    match = _GREGORIAN.match(text)
    if match:
        return _date(*(int(g) for g in match.groups()), text)
    return None


def _date(year: int, month: int, day: int, text: str) -> pd.Timestamp:
    """The day, checked before pandas sees it (a year such as 0001 or 9999 is out of its range)."""
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise ValueError(f"'{text}' is in the year {year:04d}; an intervention record covers "
                         f"{FIRST_DATE.year}-{LAST_DATE.year}")
    try:
        return pd.Timestamp(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date (month {month}, day {day})") from None


@lru_cache(maxsize=256)
def currency_pair(text: str) -> tuple[str, str]:
    """(bought, sold) ISO codes from ``米ドル買い・円売り`` ("dollars bought, yen sold").

    Raises
    ------
    ValueError
        For an unknown currency, a part that says neither bought nor sold, a currency bought
        (or sold) twice, or the same currency bought and sold (``円買い・円売り``).
    """
    parts = [p for p in re.split(r"[・/,、]", normalise(text)) if p.strip()]
    found: dict[str, str] = {}  # role -> code
    for part in parts:
        part = part.strip()
        for suffix, role in (("買い", "bought"), ("買", "bought"), ("売り", "sold"), ("売", "sold")):
            if part.endswith(suffix):
                name = part[: -len(suffix)].strip()
                code = CURRENCIES.get(name)
                if code is None:
                    raise ValueError(f"unknown currency '{name[:20]}' (expected one of {', '.join(sorted(set(CURRENCIES)))})")
                if role in found:
                    raise ValueError(f"'{text[:40]}' names two currencies {role} ({found[role]} and {code}); "
                                     "expected one bought and one sold, e.g. 米ドル売り・円買い")
                found[role] = code
                break
        else:
            raise ValueError(f"'{part[:20]}' says neither bought (買い) nor sold (売り)")
    if len(found) != 2:
        raise ValueError(f"'{text[:40]}' does not name one currency bought and one sold (e.g. 米ドル売り・円買い)")
    if found["bought"] == found["sold"]:
        raise ValueError(f"'{text[:40]}' buys and sells the same currency ({found['bought']})")
    return found["bought"], found["sold"]


def direction(bought: str, sold: str) -> str:
    """``buy_usd`` (dollars bought for yen), ``sell_usd`` (dollars sold for yen), else ``other``."""
    if (bought, sold) == ("USD", "JPY"):
        return "buy_usd"
    if (bought, sold) == ("JPY", "USD"):
        return "sell_usd"
    return "other"


def _header(rows: list[list[str]], src: TextSource) -> tuple[int, dict[str, int]]:
    for i, cells in enumerate(rows):
        labels = [normalise(c) for c in cells]
        found = {}
        for column, names in HEADERS.items():
            for j, label in enumerate(labels):
                if label in names and column not in found:
                    found[column] = j
        if {"date", "amount", "pair"} <= set(found):
            return i, found
    raise src.error("no header row naming the date (実施日), amount (介入額) and currencies (売買通貨) columns", 1)


def parse_mof_feio(src: TextSource, holders=None) -> ParsedTable:
    """Parse the Ministry's intervention CSV into one row per day and currency pair.

    Columns: ``date``, ``direction`` (``buy_usd``, ``sell_usd`` or ``other``), ``bought``,
    ``sold`` (ISO codes), ``amount_jpy_bn`` (billions of yen), ``amount_100m_jpy`` (as
    published), ``quarter`` (the subtotal row's period), ``line``.

    The work is linear in the number of rows: each period keeps a running sum of its days.

    Raises
    ------
    InputError
        For a missing header; a bad era date or one outside 1971-2099; a day outside its
        period; periods that overlap; an unknown currency or a row that buys and sells the same
        one; a non-numeric or implausible amount (more than 200,000 hundred million yen in a
        day: an amount in yen); a period with days but no subtotal, a subtotal of ``n.a.``, or
        days that do not add up to their subtotal.
    """
    rows = [split_comma(line) for line in src.lines]
    start, col = _header(rows, src)
    records: list[dict] = []
    periods: list[dict] = []  # every period (quarter) in file order
    block: dict | None = None  # the current period: label, bounds, subtotal, its line, its days' sum

    def close(block: dict | None) -> None:
        if block is None:
            return
        if block["total"] is None:
            if block["days"]:
                raise src.error(f"the period {block['label']} has {block['days']} day(s) but no subtotal, neither "
                                "on its period row nor in a 計 row: its days cannot be checked", block["line"], "total")
            return
        if abs(block["sum"] - block["total"]) > 0.5:
            raise src.error(f"the days of {block['label']} add up to {block['sum']:,.0f} (100 million yen) but its "
                            f"subtotal row says {block['total']:,.0f}", block["line"], "total")

    def cell(cells: list[str], column: str) -> str:
        j = col.get(column)
        return normalise(cells[j]) if j is not None and j < len(cells) else ""

    def subtotal(text: str, k: int) -> float:
        value, flag = parse_number(text, src, k, "total", plausible=PERIOD_TOTAL)
        if flag:
            raise src.error(f"subtotal '{text}' is not a number: every period's total is published, and the "
                            "days are checked against it", k, "total")
        return value

    for i in range(start + 1, len(rows)):
        cells, k = rows[i], i + 1
        if is_blank(cells):
            continue
        first = next(normalise(c) for c in cells if c.strip())
        if first.startswith(NOTE_PREFIXES) or first in HEADERS["period"]:
            continue  # footnotes and the English header row
        period, total, when = cell(cells, "period"), cell(cells, "total"), cell(cells, "date")
        if period and period not in SUBTOTAL_LABELS:
            close(block)
            block = _period_block(src, period, total, k, subtotal)
            periods.append(block)
        elif not when:
            labels = [normalise(c) for c in cells if c.strip()]
            if labels and labels[0] in SUBTOTAL_LABELS and block is not None:
                number = cell(cells, "total") or cell(cells, "amount")
                if number:
                    block["total"] = subtotal(number, k)
                    block["line"] = k
                continue
            shown = ",".join(c.strip() for c in cells)
            raise src.error(f"unrecognised row ('{shown[:60]}'): expected a period row, a day row or a 計 "
                            "(subtotal) row", k)
        if not when:
            continue
        records.append(_day_record(src, block, when, cell(cells, "amount"), cell(cells, "pair"), k))
    close(block)
    if not records:
        raise src.error("no intervention days after the header", start + 1)
    _check_no_overlap(periods, src)
    frame = pd.DataFrame.from_records(records, columns=INTERVENTION_COLUMNS)
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["line"] = frame["line"].astype("Int64")
    duplicated = frame.duplicated(["date", "bought", "sold"], keep=False)
    if duplicated.any():
        second = frame[duplicated].iloc[1]
        raise src.error(f"{second['date']:%Y-%m-%d} {second['bought']}/{second['sold']} appears twice", int(second["line"]))
    return ParsedTable(kind="mof_feio", source=src.name, interventions=frame[INTERVENTION_COLUMNS])


def _period_block(src: TextSource, period: str, total: str, k: int, subtotal) -> dict:
    """A period row: its bounds (two era dates, from ~ to) and its subtotal where the row has one."""
    match = _RANGE.match(period)
    try:
        bounds = (era_date(match.group(1)), era_date(match.group(2))) if match else (None, None)
    except ValueError as exc:
        raise src.error(str(exc), k, "period") from None
    if bounds[0] is None or bounds[1] is None:
        raise src.error(f"'{period[:40]}' is not a period (expected from ~ to, e.g. "
                        "令和4年7月1日～令和4年9月30日)", k, "period")
    if bounds[0] > bounds[1]:
        raise src.error(f"the period '{period[:40]}' ends before it starts", k, "period")
    value = None if total == "" else 0.0 if total == "-" else subtotal(total, k)
    return {"label": f"{bounds[0]:%Y-%m-%d} to {bounds[1]:%Y-%m-%d}", "bounds": bounds,
            "total": value, "line": k, "sum": 0.0, "days": 0}


def _day_record(src: TextSource, block: dict | None, when: str, amount_text: str, pair: str, k: int) -> dict:
    """A day row, checked (a date inside its period, a plausible amount, a currency pair), and
    added to its period's running sum."""
    try:
        date = era_date(when)
    except ValueError as exc:
        raise src.error(str(exc), k, "date") from None
    if date is None:
        raise src.error(f"'{when[:40]}' is not a date (expected {DATE_EXAMPLE})", k, "date")
    if block is None:
        raise src.error("an intervention day before any period (subtotal) row", k, "date")
    lo, hi = block["bounds"]
    if not lo <= date <= hi:
        raise src.error(f"{date:%Y-%m-%d} is outside its period {block['label']}", k, "date")
    amount = parse_number(amount_text, src, k, "amount", plausible=DAY_AMOUNT)[0]
    if not amount > 0:
        raise src.error(f"amount '{amount_text[:40]}' is not a positive number (100 million yen)", k, "amount")
    try:
        bought, sold = currency_pair(pair)
    except ValueError as exc:
        raise src.error(str(exc), k, "currency") from None
    block["sum"] += amount
    block["days"] += 1
    return {"date": date, "direction": direction(bought, sold), "bought": bought, "sold": sold,
            "amount_jpy_bn": amount / 10.0, "amount_100m_jpy": amount, "quarter": block["label"], "line": k}


def _check_no_overlap(periods: list[dict], src: TextSource) -> None:
    """Refuse two periods that share a day (a period repeated, or a row pasted twice)."""
    ordered = sorted(periods, key=lambda b: (b["bounds"][0], b["line"]))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later["bounds"][0] <= earlier["bounds"][1]:
            first, second = sorted((earlier, later), key=lambda b: b["line"])
            raise src.error(f"the period {second['label']} overlaps {first['label']} (line {first['line']})",
                            second["line"], "period")


FORMATS = [Format("mof_feio", looks_like_mof_feio, parse_mof_feio, order=20)]
