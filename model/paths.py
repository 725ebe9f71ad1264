"""Where the command line and the report find things on disk (the only file-system layout)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout holding ``data/snapshot`` (the editable install), else the working folder."""
    here = Path(__file__).resolve().parents[1]
    if (here / "data" / "snapshot").is_dir():
        return here
    return Path.cwd()


def data_dir() -> Path:
    """``TLRISK_DATA_DIR`` or ``<project>/data``."""
    return Path(os.environ.get("TLRISK_DATA_DIR") or project_root() / "data")


def cache_dir() -> Path:
    """Downloads and processed live data (not in git): ``TLRISK_CACHE_DIR`` or ``data/cache``."""
    return Path(os.environ.get("TLRISK_CACHE_DIR") or data_dir() / "cache")


def estimates_dir() -> Path:
    """Cached estimation results: ``TLRISK_ESTIMATES_DIR`` or ``<cache>/estimates``."""
    return Path(os.environ.get("TLRISK_ESTIMATES_DIR") or cache_dir() / "estimates")


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
