"""Recognise which published format a file is in, and parse it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from model.config import HolderConfig
from model.errors import InputError
from model.sources.fred import parse_fred_csv
from model.sources.mof import looks_like_mof_feio, parse_mof_feio
from model.sources.mspd import looks_like_mspd, parse_mspd
from model.sources.tables import ParsedTable
from model.sources.text import TextSource, split_tab
from model.sources.tic_flows import parse_s1_globl, parse_slt3d, parse_slt_table3
from model.sources.tic_holdings import parse_mfh_legacy, parse_mfhhis, parse_slt_table5

FORMATS = ("mfhhis", "slt_table5", "mfh_legacy", "s1_globl", "slt_table3", "slt3d", "fred_csv", "mof_feio", "mspd")


def detect_format(src: TextSource) -> str:
    """Name of the published layout of ``src``.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    InputError
        For an HTML page (an error page served where a table was expected) or an unknown layout.
    """
    if src.looks_like_html():
        raise src.error("an HTML page, not a data table (an error page served instead of the file?)", 1)
    head = src.lines[:60]
    text = "\n".join(head)
    upper = text.upper()
    first = src.lines[0].strip().lower() if src.lines else ""
    if first.startswith(("observation_date,", "date,")):
        return "fred_csv"
    if looks_like_mof_feio(src):
        return "mof_feio"
    if looks_like_mspd(src):
        return "mspd"
    if "TABLE 3D" in upper:
        return "slt3d"
    if any(split_tab(line)[:3] == ["country", "country_code", "date"] for line in head):
        return "slt_table3"
    if any(split_tab(line)[:4] == ["name", "code", "month", "[1]"] for line in head):
        return "s1_globl"
    if "MAJOR FOREIGN HOLDERS" in upper:
        if any(split_tab(line)[0].strip() == "Country" and "\t" in line for line in head):
            if "TABLE 5" in upper or any(
                len(c) > 1 and c[1].strip()[:2] == "20" and "-" in c[1] for c in (split_tab(x) for x in head)
                if c[0].strip() == "Country"
            ):
                return "slt_table5"
            return "mfhhis"
        if any(line.split()[:1] == ["Country"] for line in head):
            return "mfh_legacy"
    first_line = src.lines[0][:60] if src.lines else ""
    raise src.error(f"unknown layout (first line: '{first_line.strip()}'); expected a TIC table, a FRED CSV or the Japanese Ministry of Finance's intervention record", 1)


_PARSERS: dict[str, Callable[..., ParsedTable]] = {
    "mfhhis": parse_mfhhis,
    "slt_table5": parse_slt_table5,
    "mfh_legacy": parse_mfh_legacy,
    "s1_globl": parse_s1_globl,
    "slt_table3": parse_slt_table3,
    "slt3d": parse_slt3d,
    "mof_feio": parse_mof_feio,
    "mspd": parse_mspd,
}


def parse_source(src: TextSource, holders: HolderConfig | None = None, expect: str | None = None) -> ParsedTable:
    """Detect the format of ``src`` and parse it.

    Parameters
    ----------
    src : TextSource
        The decoded file.
    holders : HolderConfig, optional
        Holder names (default: ``holders.toml``).
    expect : str, optional
        The format the caller expects (a live download of a known URL); anything else is an error.
    """
    try:
        kind = detect_format(src)
    except csv.Error as exc:  # the csv module's own limits
        raise src.error(f"unreadable as a table ({exc})") from None
    if expect is not None and kind != expect:
        raise src.error(f"expected the {expect} layout, found {kind}", 1)
    try:
        if kind == "fred_csv":
            return parse_fred_csv(src)
        return _PARSERS[kind](src, holders)
    except csv.Error as exc:  # the csv module's own limits, whatever line tripped them
        raise src.error(f"unreadable as a table ({exc})") from None
    except InputError as exc:
        # An interrupted download ends inside a line: a problem on the last line of a file
        # without a final newline. A complete last line with a problem is just a bad line.
        if exc.line is not None and exc.line >= len(src.lines) and not src.ends_with_newline \
                and "cut off" not in exc.message:
            raise src.error(
                f"file ends inside line {exc.line} ({exc.message}): the download looks cut off; "
                "refusing it", exc.line, exc.field,
            ) from None
        raise


def parse_path(path: str | Path, holders: HolderConfig | None = None) -> ParsedTable:
    """Read, detect and parse one file."""
    return parse_source(TextSource.from_path(path), holders)
