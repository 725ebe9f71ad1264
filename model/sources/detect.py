"""Recognise which published format a file is in, and parse it."""

from __future__ import annotations

import csv
import importlib
import pkgutil
from functools import cache
from pathlib import Path

from model.config import HolderConfig
from model.errors import InputError
from model.sources.tables import Format, ParsedTable
from model.sources.text import TextSource


@cache
def registered() -> tuple[Format, ...]:
    """Every layout a parser module of ``model.sources`` declares (its ``FORMATS``), in the
    order their tests run: adding a source is a parser module and a ``sources.toml`` entry."""
    import model.sources as package

    found: list[Format] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found += getattr(module, "FORMATS", [])
    names = [f.name for f in found]
    if len(set(names)) < len(names):
        raise RuntimeError(f"two parser modules declare the same layout: {names}")
    return tuple(sorted(found, key=lambda f: (f.order, f.name)))


def formats() -> tuple[str, ...]:
    """The names of the layouts the tool reads."""
    return tuple(f.name for f in registered())


def detect_format(src: TextSource) -> str:
    """Name of the published layout of ``src`` (one of :func:`formats`).

    Raises
    ------
    InputError
        For an HTML page (an error page served where a table was expected) or an unknown layout.
    """
    if src.looks_like_html():
        raise src.error("an HTML page, not a data table (an error page served instead of the file?)", 1)
    for layout in registered():
        if layout.looks_like(src):
            return layout.name
    first_line = src.lines[0][:60] if src.lines else ""
    raise src.error(f"unknown layout (first line: '{first_line.strip()}'); expected a TIC table, a FRED CSV, the "
                    "Japanese Ministry of Finance's intervention record or the Treasury's MSPD", 1)


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
        return next(f for f in registered() if f.name == kind).parse(src, holders)
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
