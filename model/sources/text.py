"""Shared helpers for reading the publishers' text files: decoding, cells and numbers."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.errors import InputError

MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}

# A published number: optional sign, digits with optional thousands separators, optional decimals.
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
MISSING_MARKERS = {"n.a.": "n.a.", "na": "n.a.", "n/a": "n.a."}
BELOW_HALF_UNIT = "*"  # TIC: "Less than $50 million"
# The publishers' lines are a few hundred characters; one of more than this is not a table row
# (and would overflow the csv module's field limit, 131,072 characters).
MAX_LINE_CHARS = 65_536


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

        CRLF, LF and CR line endings are all accepted.
        """
        if not raw.strip():
            raise InputError("empty file", name)
        if b"\x00" in raw[:4096]:
            raise InputError("binary file, not a text table", name)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _shift_jis(raw) or raw.decode("cp1252", errors="replace")
        lines = text.splitlines()
        longest = max(range(len(lines)), key=lambda i: len(lines[i]), default=None)
        if longest is not None and len(lines[longest]) > MAX_LINE_CHARS:
            raise InputError(f"line {longest + 1} is {len(lines[longest]):,} characters long; no published table "
                             f"has lines over {MAX_LINE_CHARS:,} (not a data table?)", name, longest + 1)
        return cls(name=name, lines=lines, ends_with_newline=text.endswith(("\n", "\r")))

    @classmethod
    def from_path(cls, path: str | Path) -> TextSource:
        """Read and decode a file."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("file not found", path) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a file", path) from None
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror})", path) from None
        return cls.from_bytes(raw, str(path))

    def looks_like_html(self) -> bool:
        """True when the body is an HTML page (an error page served instead of a table)."""
        head = "\n".join(self.lines[:20]).lstrip().lower()
        return head.startswith(("<!doctype html", "<html", "<?xml")) or "<html" in head[:2000]

    def error(self, message: str, line: int | None = None, field: str | None = None) -> InputError:
        """An :class:`InputError` naming this file (``line`` is 1-based)."""
        return InputError(message, self.name, line, field)


JAPANESE_MARKERS = ("外国為替", "平成", "令和", "億円")


def _shift_jis(raw: bytes) -> str | None:
    """The text of a Shift-JIS (Windows code page 932) file that reads as Japanese, else None:
    Windows-1252 bytes often decode as code page 932 too, so a marker must confirm it."""
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None
    return text if any(marker in text for marker in JAPANESE_MARKERS) else None


_ISO_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(cell: str, src: TextSource, line: int, field: str = "month") -> pd.Timestamp:
    """A ``YYYY-MM`` cell as the first day of that month (a pandas Timestamp)."""
    text = cell.strip().strip('"')
    match = _ISO_MONTH.match(text)
    if not match:
        raise src.error(f"'{text}' is not a YYYY-MM month", line, field)
    return pd.Timestamp(int(match.group(1)), int(match.group(2)), 1)


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
    cell: str, src: TextSource, line: int, field: str, *, allow_star: bool = False
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

    Returns
    -------
    value : float
        The number (NaN for ``n.a.``).
    flag : str
        ``""``, ``"n.a."`` or ``"*"``.
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
        raise src.error(f"non-numeric cell '{text}'", line, field)
    return float(text.replace(",", "")), ""
