"""Shared test fixtures.

Tests that need the publisher's raw files read them from ``../shared/data/raw`` (or
``TLRISK_RAW_DIR``) and skip with a clear reason where that folder is absent, as on a user's
fresh clone. Every other test runs on the shipped snapshot or on the small fixture files in
``tests/fixtures`` (trimmed copies in the published formats).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW_DIR = Path(os.environ.get("TLRISK_RAW_DIR", ROOT.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The publisher's raw files; skips the test where they are not available."""
    if not (RAW_DIR / "tic" / "mfhhis01.txt").is_file():
        pytest.skip(f"publisher's raw files not found at {RAW_DIR} (set TLRISK_RAW_DIR); "
                    "they are not shipped with the project")
    return RAW_DIR


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def pytest_configure(config):
    """Estimate once for the whole run, before any test (and before parallel workers start,
    which inherit the folder): every test and every command-line run then reads the
    estimation cache. Entries are keyed by the data, the settings and the code, so tests with
    other data or configs make their own."""
    if hasattr(config, "workerinput") or os.environ.get("TLRISK_TEST_ESTIMATES_DIR"):
        return  # a parallel worker: the controller has done it
    folder = Path(tempfile.mkdtemp(prefix="tlrisk-test-estimates-"))
    os.environ["TLRISK_TEST_ESTIMATES_DIR"] = str(folder)
    from model.cli import estimates
    from model.panel import build_panel

    bundle = _load_snapshot()
    saved = os.environ.get("TLRISK_ESTIMATES_DIR")
    os.environ["TLRISK_ESTIMATES_DIR"] = str(folder)
    try:
        estimates(bundle, build_panel(bundle), credibility=True)
    finally:
        if saved is None:
            os.environ.pop("TLRISK_ESTIMATES_DIR", None)
        else:
            os.environ["TLRISK_ESTIMATES_DIR"] = saved


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get("TLRISK_TEST_ESTIMATES_DIR"):
        shutil.rmtree(os.environ.pop("TLRISK_TEST_ESTIMATES_DIR"), ignore_errors=True)


def _load_snapshot():
    from model.sources.bundle import load_bundle
    from model.sources.store import DataStore

    empty = DataStore(ROOT / "data" / "no-cache-in-tests", "cache")
    return load_bundle(empty, DataStore(ROOT / "data" / "snapshot", "snapshot"))


@pytest.fixture(scope="session")
def _shared_estimates() -> Path:
    """The run's estimation cache (see :func:`pytest_configure`)."""
    return Path(os.environ["TLRISK_TEST_ESTIMATES_DIR"])


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch, _shared_estimates):
    """Never let a test write into the project's own data/cache."""
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(_shared_estimates))
    monkeypatch.delenv("TLRISK_TIC_BASE_URL", raising=False)
    monkeypatch.delenv("TLRISK_FRED_URL", raising=False)


@pytest.fixture(scope="session")
def snapshot_bundle():
    """The shipped snapshot, loaded as `make report` loads it (no cache)."""
    return _load_snapshot()


@pytest.fixture(scope="session")
def panel(snapshot_bundle):
    from model.panel import build_panel

    return build_panel(snapshot_bundle)


@pytest.fixture(scope="session")
def fitted(snapshot_bundle, panel, _shared_estimates):
    """The estimates on the shipped snapshot, with the credibility checks, through the
    session's estimation cache (computed once; the CLI tests then find them there)."""
    from model.cli import estimates

    mp = pytest.MonkeyPatch()
    mp.setenv("TLRISK_ESTIMATES_DIR", str(_shared_estimates))
    try:
        return estimates(snapshot_bundle, panel, credibility=True)[0]
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def context(panel, fitted):
    from model.scenarios import ScenarioContext

    return ScenarioContext.build(panel, fitted)


@pytest.fixture
def scenario_file(tmp_path):
    """Write a scenario TOML from text and return its path."""
    counter = iter(range(1000))

    def write(text: str) -> str:
        path = tmp_path / f"scenario_{next(counter)}.toml"
        path.write_text(text)
        return str(path)

    return write
