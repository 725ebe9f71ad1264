"""Where the command line and the report find things on disk (the only file-system layout)."""

from __future__ import annotations

import os
from pathlib import Path

from model.errors import InputError

# Linux limits (NAME_MAX, PATH_MAX): a longer name fails later as "File name too long".
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096


def path_problem(text: str) -> str | None:
    """Why ``text`` cannot name a folder or file here (blank, a control character, a name or
    a path too long for the file system), or None.

    Examples
    --------
    >>> path_problem("data/cache") is None
    True
    >>> path_problem("x" * 300)
    'has a name of 300 bytes; the file system allows 255'
    """
    if not text.strip():
        return "is blank"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return "contains a control character (a pasted newline or tab?)"
    encoded = os.fsencode(text)
    if len(encoded) > MAX_PATH_BYTES:
        return f"is {len(encoded):,} bytes long; the file system allows {MAX_PATH_BYTES:,}"
    longest = max(encoded.split(b"/"), key=len)
    if len(longest) > MAX_NAME_BYTES:
        return f"has a name of {len(longest):,} bytes; the file system allows {MAX_NAME_BYTES}"
    return None


def _env_path(name: str, default: Path) -> Path:
    """The folder named by environment variable ``name`` (empty or unset: ``default``).

    Raises
    ------
    InputError
        When the value cannot name a folder (see :func:`path_problem`).
    """
    text = os.environ.get(name)
    if not text:
        return default
    problem = path_problem(text)
    if problem:
        shown = text if len(text) <= 60 else f"{text[:40]}...{text[-10:]}"
        raise InputError(f"environment variable {name}='{shown}' {problem}")
    return Path(text)


def project_root() -> Path:
    """The checkout holding ``data/snapshot`` (the editable install), else the working folder."""
    here = Path(__file__).resolve().parents[1]
    if (here / "data" / "snapshot").is_dir():
        return here
    return Path.cwd()


def data_dir() -> Path:
    """``TLRISK_DATA_DIR`` or ``<project>/data``."""
    return _env_path("TLRISK_DATA_DIR", project_root() / "data")


def cache_dir() -> Path:
    """Downloads and processed live data (not in git): ``TLRISK_CACHE_DIR`` or ``data/cache``."""
    return _env_path("TLRISK_CACHE_DIR", data_dir() / "cache")


def estimates_dir() -> Path:
    """Cached estimation results: ``TLRISK_ESTIMATES_DIR`` or ``<cache>/estimates``."""
    return _env_path("TLRISK_ESTIMATES_DIR", cache_dir() / "estimates")


def snapshot_dir() -> Path:
    """The shipped processed snapshot: ``data/snapshot``."""
    return data_dir() / "snapshot"


def curated_dir() -> Path:
    """Small cited facts kept by hand (intervention days, US news): ``data/curated``."""
    return data_dir() / "curated"


def scenarios_dir() -> Path:
    """Scenario files: ``<project>/scenarios``."""
    return project_root() / "scenarios"


def reports_dir() -> Path:
    """Report output: ``<project>/reports/output``."""
    return project_root() / "reports" / "output"
