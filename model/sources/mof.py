"""Japan's Ministry of Finance record of its foreign-exchange interventions.

"Foreign Exchange Intervention Operations" (外国為替平衡操作の実施状況,
https://www.mof.go.jp/policy/international_policy/reference/feio/) is published as a CSV in
Shift-JIS, from April 1991, in units of 100 million yen (億円). Dates use the Japanese eras
(平成 from 1989, 令和 from May 2019; the first year of an era is written 元年). Each quarter
opens with a subtotal row (the period and its total); the intervention days follow, each with
its date, amount and the currencies bought and sold (e.g. 米ドル買い・円売り, "US dollar
bought, yen sold"). Amounts carry thousands separators.

The parser returns one row per day and currency pair, checks that the days of each quarter add
up to its subtotal (a skipped or mangled row cannot pass silently), and refuses anything it
does not recognise with the file and line.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from model.sources.tables import ParsedTable
from model.sources.text import TextSource, is_blank, parse_number, split_comma

INTERVENTION_COLUMNS = ["date", "direction", "bought", "sold", "amount_jpy_bn", "amount_100m_jpy",
                        "quarter", "line"]
TITLE_MARKERS = ("外国為替平衡操作", "Foreign Exchange Intervention Operations")

# first year (minus one) of each era: 平成1 = 1989, 令和1 = 2019
ERAS = {"昭和": 1925, "平成": 1988, "令和": 2018, "S": 1925, "H": 1988, "R": 2018}
ERA_SPANS = {1925: ("1926-12-25", "1989-01-07"), 1988: ("1989-01-08", "2019-04-30"),
             2018: ("2019-05-01", "2099-12-31")}
_ERA_DATE = re.compile(r"^(昭和|平成|令和|[SHR])\s*(元|\d{1,2})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?$")
_GREGORIAN = re.compile(r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_RANGE = re.compile(r"^(.+?)\s*[~〜–―]\s*(.+)$")

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


def normalise(cell: str) -> str:
    """Full-width digits, letters and brackets to ASCII (NFKC), surrounding blanks removed."""
    return unicodedata.normalize("NFKC", cell).strip().strip('"').strip()


def looks_like_mof_feio(src: TextSource) -> bool:
    """True when the head of the file names the Ministry's intervention record."""
    head = "\n".join(src.lines[:15])
    return any(marker in head for marker in TITLE_MARKERS)


def era_date(text: str) -> pd.Timestamp | None:
    """A date written with a Japanese era (``令和4年9月22日``, ``平成31年4月30日``,
    ``令和元年5月1日``, ``R4.9.22``) or in Gregorian form (``2022/9/22``); None when the text is
    not a date.

    Raises
    ------
    ValueError
        For a date that does not exist or falls outside its era (``平成32年``, ``令和1年4月1日``).
    """
    text = normalise(text)
    match = _ERA_DATE.match(text)
    if match:
        era, year, month, day = match.groups()
        base = ERAS[era]
        number = 1 if year == "元" else int(year)
        date = pd.Timestamp(base + number, int(month), int(day))
        first, last = ERA_SPANS[base]
        if not pd.Timestamp(first) <= date <= pd.Timestamp(last):
            raise ValueError(f"'{text}' is outside the {era} era")
        return date
    match = _GREGORIAN.match(text)
    if match:
        return pd.Timestamp(*(int(g) for g in match.groups()))
    return None


def currency_pair(text: str) -> tuple[str, str]:
    """(bought, sold) ISO codes from ``米ドル買い・円売り`` ("dollars bought, yen sold")."""
    parts = [p for p in re.split(r"[・/,、]", normalise(text)) if p.strip()]
    bought = sold = None
    for part in parts:
        part = part.strip()
        for suffix, role in (("買い", "b"), ("買", "b"), ("売り", "s"), ("売", "s")):
            if part.endswith(suffix):
                name = part[: -len(suffix)].strip()
                code = CURRENCIES.get(name)
                if code is None:
                    raise ValueError(f"unknown currency '{name}'")
                if role == "b":
                    bought = code
                else:
                    sold = code
                break
        else:
            raise ValueError(f"'{part}' says neither bought (買い) nor sold (売り)")
    if bought is None or sold is None:
        raise ValueError(f"'{text}' does not name one currency bought and one sold")
    return bought, sold


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

    Raises
    ------
    InputError
        For a missing header, a bad era date, a day outside its quarter, an unknown currency,
        a non-numeric amount, or a quarter whose days do not add up to its subtotal.
    """
    rows = [split_comma(line) for line in src.lines]
    start, col = _header(rows, src)
    records: list[dict] = []
    block: dict | None = None  # the current quarter: label, bounds, subtotal, its line, its days

    def close(block: dict | None) -> None:
        if block is None or block["total"] is None:
            return
        days = sum(r["amount_100m_jpy"] for r in records if r["block"] == block["id"])
        if abs(days - block["total"]) > 0.5:
            raise src.error(f"the days of {block['label']} add up to {days:,.0f} (100 million yen) but its "
                            f"subtotal row says {block['total']:,.0f}", block["line"], "total")

    def cell(cells: list[str], column: str) -> str:
        j = col.get(column)
        return normalise(cells[j]) if j is not None and j < len(cells) else ""

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
            match = _RANGE.match(period)
            try:
                bounds = (era_date(match.group(1)), era_date(match.group(2))) if match else (None, None)
            except ValueError as exc:
                raise src.error(str(exc), k, "period") from None
            if None in bounds:
                raise src.error(f"'{period}' is not a period (from ~ to, in era dates)", k, "period")
            value = None if total in ("", "-") else parse_number(total, src, k, "total")[0]
            block = {"id": k, "label": f"{bounds[0]:%Y-%m-%d} to {bounds[1]:%Y-%m-%d}",
                     "bounds": bounds, "total": value, "line": k}
        elif not when:
            labels = [normalise(c) for c in cells if c.strip()]
            if labels and labels[0] in SUBTOTAL_LABELS and block is not None:
                number = cell(cells, "total") or cell(cells, "amount")
                if number:
                    block["total"] = parse_number(number, src, k, "total")[0]
                    block["line"] = k
                continue
            raise src.error(f"unrecognised row ('{','.join(c.strip() for c in cells)[:60]}')", k)
        if not when:
            continue
        try:
            date = era_date(when)
        except ValueError as exc:
            raise src.error(str(exc), k, "date") from None
        if date is None:
            raise src.error(f"'{when}' is not a date (e.g. 令和4年9月22日)", k, "date")
        if block is None:
            raise src.error("an intervention day before any period (subtotal) row", k, "date")
        lo, hi = block["bounds"]
        if not lo <= date <= hi:
            raise src.error(f"{date:%Y-%m-%d} is outside its period {block['label']}", k, "date")
        amount = parse_number(cell(cells, "amount"), src, k, "amount")[0]
        if not amount > 0:
            raise src.error(f"amount '{cell(cells, 'amount')}' is not a positive number", k, "amount")
        try:
            bought, sold = currency_pair(cell(cells, "pair"))
        except ValueError as exc:
            raise src.error(str(exc), k, "currency") from None
        records.append({"date": date, "direction": direction(bought, sold), "bought": bought, "sold": sold,
                        "amount_jpy_bn": amount / 10.0, "amount_100m_jpy": amount, "quarter": block["label"],
                        "line": k, "block": block["id"]})
    close(block)
    if not records:
        raise src.error("no intervention days after the header", start + 1)
    frame = pd.DataFrame.from_records(records).drop(columns="block")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["line"] = frame["line"].astype("Int64")
    duplicated = frame.duplicated(["date", "bought", "sold"], keep=False)
    if duplicated.any():
        second = frame[duplicated].iloc[1]
        raise src.error(f"{second['date']:%Y-%m-%d} {second['bought']}/{second['sold']} appears twice", int(second["line"]))
    return ParsedTable(kind="mof_feio", source=src.name, interventions=frame[INTERVENTION_COLUMNS])
