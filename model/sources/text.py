"""Shared helpers for reading the publishers' text files: decoding, cells and numbers."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.errors import InputError
from model.files import LIMITS, MB, read_bytes_limited

MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}

# A published number: optional sign, digits with optional thousands separators, optional decimals.
# ASCII digits only: Python's \d also matches other scripts' digits ('٣'), which float() accepts.
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$", re.ASCII)
MISSING_MARKERS = {"n.a.": "n.a.", "na": "n.a.", "n/a": "n.a."}
BELOW_HALF_UNIT = "*"  # TIC: "Less than $50 million"
# The publishers' lines are a few hundred characters; one of more than this is not a table row
# (and would overflow the csv module's field limit, 131,072 characters).
MAX_LINE_CHARS = 65_536


# The years a published table can speak for: well inside what pandas can hold (1677-2262), so
# that a damaged year (0001, 9999) is a one-line error, not an out-of-bounds date later on.
FIRST_YEAR, LAST_YEAR = 1800, 2200


@dataclass(frozen=True)
class Plausible:
    """The range a published number of one unit can take.

    Outside it the cell is damaged or in another unit (millions where billions are expected);
    every number a parser reads is checked against the range of its unit where it enters.
    """

    low: float
    high: float
    unit: str

    hint: str = "a damaged cell or a number in another unit"

    def problem(self, value: float) -> str | None:
        """Why ``value`` cannot be a number of this unit, or None."""
        if self.low <= value <= self.high:
            return None
        return (f"{_shown(value)} is outside the plausible range of {self.unit} ({_shown(self.low)} to "
                f"{_shown(self.high)}): {self.hint}")


def _shown(value: float) -> str:
    """``2,838,200,000,000`` rather than ``2.8382e+12``."""
    if value == int(value) and abs(value) < 1e18:
        return f"{int(value):,}"
    return f"{value:,.10g}"


#: Any number in any table: far beyond every real figure, but finite (a 400-digit cell is not).
ANY_NUMBER = Plausible(-1e15, 1e15, "a published figure")


@dataclass(frozen=True)
class TextSource:
    """Decoded text of one file with its lines, for parsers that report line numbers."""

    name: str
    lines: list[str]
    ends_with_newline: bool

    @classmethod
    def from_bytes(cls, raw: bytes, name: str) -> TextSource:
        """Decode bytes (UTF-8 with or without BOM; Shift-JIS for the Japanese Ministry of
        Finance's files; else Windows-1252) into lines.

        CRLF, LF and CR line endings are all accepted. A file larger than the limit for a data
        file (``model.files.LIMITS["data"]``), a binary file, and Japanese text in another
        encoding (EUC-JP) or with bytes that are not Shift-JIS are one-line errors naming the
        encoding found and the line, never text read as mojibake.
        """
        if len(raw) > LIMITS["data"]:
            raise InputError(f"is larger than {LIMITS['data'] / MB:g} MB, the limit for a data file "
                             "(not a data file?)", name)
        if not raw.strip():
            raise InputError("empty file", name)
        if b"\x00" in raw[:4096]:
            raise InputError("binary file, not a text table", name)
        text = decode(raw, name)
        lines = text.splitlines()
        longest = max(range(len(lines)), key=lambda i: len(lines[i]), default=None)
        if longest is not None and len(lines[longest]) > MAX_LINE_CHARS:
            raise InputError(f"line {longest + 1} is {len(lines[longest]):,} characters long; no published table "
                             f"has lines over {MAX_LINE_CHARS:,} (not a data table?)", name, longest + 1)
        return cls(name=name, lines=lines, ends_with_newline=text.endswith(("\n", "\r")))

    @classmethod
    def from_path(cls, path: str | Path) -> TextSource:
        """Read (at most ``LIMITS["data"]`` bytes: ``/dev/zero`` is refused, not read for ever)
        and decode a file."""
        return cls.from_bytes(read_bytes_limited(path, "data"), str(path))

    def looks_like_html(self) -> bool:
        """True when the body is an HTML page (an error page served instead of a table)."""
        head = "\n".join(self.lines[:20]).lstrip().lower()
        return head.startswith(("<!doctype html", "<html", "<?xml")) or "<html" in head[:2000]

    def error(self, message: str, line: int | None = None, field: str | None = None) -> InputError:
        """An :class:`InputError` naming this file (``line`` is 1-based)."""
        return InputError(message, self.name, line, field)


JAPANESE_MARKERS = ("外国為替", "平成", "令和", "億円")
SHIFT_JIS = "Shift-JIS (code page 932)"


def decode(raw: bytes, name: str) -> str:
    """The text of a publisher's file: UTF-8 (with or without BOM), Shift-JIS Japanese (the
    Ministry of Finance), else Windows-1252 (the TIC files are ASCII).

    Raises
    ------
    InputError
        For Japanese text in EUC-JP, or Japanese text with bytes that are not valid in its
        encoding (a damaged copy): the message names the encoding found, the line of the first
        bad byte and what the tool expects.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    text = _shift_jis(raw)
    if text is not None:
        damaged = _NOT_SHIFT_JIS_TEXT.search(text)
        if damaged:  # bytes code page 932 maps to private-use or control characters
            bad = damaged.group().encode("cp932", errors="replace").hex(" ")
            raise InputError(f"byte(s) {bad} are not {SHIFT_JIS} text; the rest reads as {SHIFT_JIS} Japanese "
                             "text (a damaged copy? download the file again)", name, _line_in(text, damaged.start()))
        return text
    japanese = _japanese_in(raw)
    if japanese == "euc_jp":
        line = _line_of(raw, next(i for i, b in enumerate(raw) if b >= 0x80))
        raise InputError(f"Japanese text in EUC-JP; the Ministry of Finance publishes this record in {SHIFT_JIS}: "
                         "use the file as downloaded, or convert it to Shift-JIS or UTF-8 "
                         "(iconv -f EUC-JP -t UTF-8)", name, line)
    if japanese in ("cp932", "utf-8"):
        exc = utf8_error if japanese == "utf-8" else _first_error(raw, "cp932")
        what = SHIFT_JIS if japanese == "cp932" else "UTF-8"
        bad = raw[exc.start : exc.start + 2].hex(" ")
        raise InputError(f"byte(s) {bad} are not valid {what}; the rest reads as {what} Japanese text "
                         "(a damaged copy? download the file again)", name, _line_of(raw, exc.start))
    return raw.decode("cp1252", errors="replace")


def _shift_jis(raw: bytes) -> str | None:
    """The text of a Shift-JIS (Windows code page 932) file that reads as Japanese, else None:
    Windows-1252 bytes often decode as code page 932 too, so a marker must confirm it."""
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None
    return text if any(marker in text for marker in JAPANESE_MARKERS) else None


def _japanese_in(raw: bytes) -> str | None:
    """The encoding in which ``raw`` reads as Japanese text ("euc_jp" cleanly; "cp932" or
    "utf-8" with some bytes that do not decode), or None."""
    try:
        if any(marker in raw.decode("euc_jp") for marker in JAPANESE_MARKERS):
            return "euc_jp"
    except UnicodeDecodeError:
        pass
    for encoding in ("cp932", "utf-8"):
        if any(marker in raw.decode(encoding, errors="replace") for marker in JAPANESE_MARKERS):
            return encoding
    return None


def _first_error(raw: bytes, encoding: str) -> UnicodeDecodeError:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc
    raise AssertionError("decodes")  # pragma: no cover - only called for bytes that do not decode


# What code page 932 decodes from bytes no Japanese text file holds: its private-use area (user-
# defined characters, 0xF040-0xF9FC; 0xA0 and 0xFD-0xFF) and control characters.
_NOT_SHIFT_JIS_TEXT = re.compile("[\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _line_in(text: str, index: int) -> int:
    head = text[:index]
    return head.count("\n") + 1 if "\n" in text else head.count("\r") + 1


def _line_of(raw: bytes, offset: int) -> int:
    """1-based line of byte ``offset`` (LF or CRLF line endings; CR alone as in old Macs)."""
    head = raw[:offset]
    return head.count(b"\n") + 1 if b"\n" in raw else head.count(b"\r") + 1


_ISO_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)


def parse_month(cell: str, src: TextSource, line: int, field: str = "month") -> pd.Timestamp:
    """A ``YYYY-MM`` cell as the first day of that month (a pandas Timestamp)."""
    text = cell.strip().strip('"')
    match = _ISO_MONTH.match(text)
    if not match:
        raise src.error(f"'{text[:40]}' is not a YYYY-MM month", line, field)
    year = check_year(int(match.group(1)), src, line, field)
    return pd.Timestamp(year, int(match.group(2)), 1)


def check_year(year: int, src: TextSource, line: int, field: str, first: int = FIRST_YEAR,
               last: int = LAST_YEAR) -> int:
    """``year``, if a published table can speak for it (``first`` to ``last``)."""
    if not first <= year <= last:
        raise src.error(f"year {year:04d} is outside {first}-{last}, the years this table can hold", line, field)
    return year


def split_tab(line: str) -> list[str]:
    """Split one tab-separated line, honouring double quotes (``"China, Mainland"``)."""
    return next(csv.reader([line], delimiter="\t", quotechar='"'), None) or [""]


def split_comma(line: str) -> list[str]:
    """Split one comma-separated line, honouring double quotes (``"1,480"``)."""
    return next(csv.reader([line], delimiter=",", quotechar='"'), None) or [""]


def is_blank(cells: list[str]) -> bool:
    """True when every cell is empty or whitespace."""
    return all(not c.strip() for c in cells)


def parse_number(
    cell: str, src: TextSource, line: int, field: str, *, allow_star: bool = False,
    plausible: Plausible = ANY_NUMBER,
) -> tuple[float, str]:
    """Parse one published cell.

    Parameters
    ----------
    cell : str
        The cell text, e.g. ``"1185.5"``, ``"1,480"``, ``"n.a."`` or ``"*"``.
    src : TextSource
        The file, for error messages.
    line : int
        1-based line number, for error messages.
    field : str
        Column label, for error messages.
    allow_star : bool
        Accept ``*`` ("less than $50 million"), returned as 0.0 with flag ``"*"``.
    plausible : Plausible
        The range of the cell's unit (default: any finite figure up to 1e15 in size).

    Returns
    -------
    value : float
        The number (NaN for ``n.a.``), finite and inside ``plausible``.
    flag : str
        ``""``, ``"n.a."`` or ``"*"``.

    Raises
    ------
    InputError
        For an empty or non-numeric cell, a number too large to be finite (400 digits), or
        one outside the unit's plausible range; naming the file, line and field.
    """
    text = cell.strip().strip('"').strip()
    if not text:
        raise src.error("empty cell where a number was expected", line, field)
    marker = MISSING_MARKERS.get(text.lower())
    if marker:
        return math.nan, marker
    if text == BELOW_HALF_UNIT and allow_star:
        return 0.0, BELOW_HALF_UNIT
    if not _NUMBER.match(text):
        raise src.error(f"non-numeric cell '{text[:40]}'", line, field)
    return checked(float(text.replace(",", "")), text, src, line, field, plausible), ""


def checked(value: float, text: str, src: TextSource, line: int, field: str,
            plausible: Plausible = ANY_NUMBER) -> float:
    """``value`` (read from ``text``), if finite and inside ``plausible``; else a one-line error."""
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text):,} characters)"
        raise src.error(f"'{shown}' is too large to be a number", line, field)
    problem = plausible.problem(value)
    if problem:
        raise src.error(problem, line, field)
    return value
