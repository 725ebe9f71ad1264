"""Shared test fixtures.

Tests that need the publisher's raw files read them from ``../shared/data/raw`` (or
``TLRISK_RAW_DIR``) and skip with a clear reason where that folder is absent, as on a user's
fresh clone. Every other test runs on the shipped snapshot or on the small fixture files in
``tests/fixtures`` (trimmed copies in the published formats).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# the robustness suite's summary (cases by class): a plugin, so that it also runs in xdist's controller
pytest_plugins = ["robustness.reporting"]

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
    which inherit the environment): ``TLRISK_ESTIMATES_DIR`` points every test, session
    fixture and command-line run at that estimation cache for the whole run. Entries are keyed
    by the data, the settings and the code, so tests with other data or configs make their own."""
    if hasattr(config, "workerinput") or os.environ.get("TLRISK_TEST_ESTIMATES_DIR"):
        return  # a parallel worker: the controller has done it
    folder = Path(tempfile.mkdtemp(prefix="tlrisk-test-estimates-"))
    config.stash[_SAVED_ESTIMATES_DIR] = os.environ.get("TLRISK_ESTIMATES_DIR")
    os.environ["TLRISK_TEST_ESTIMATES_DIR"] = os.environ["TLRISK_ESTIMATES_DIR"] = str(folder)
    from model import pipeline
    from model.panel import build_panel

    bundle = _load_snapshot()
    pipeline.estimate(pipeline.Data(bundle, build_panel(bundle)), credibility=True)


def pytest_unconfigure(config):
    if hasattr(config, "workerinput") or _SAVED_ESTIMATES_DIR not in config.stash:
        return
    shutil.rmtree(os.environ.pop("TLRISK_TEST_ESTIMATES_DIR"), ignore_errors=True)
    saved = config.stash[_SAVED_ESTIMATES_DIR]
    if saved is None:
        os.environ.pop("TLRISK_ESTIMATES_DIR", None)
    else:
        os.environ["TLRISK_ESTIMATES_DIR"] = saved


_SAVED_ESTIMATES_DIR = pytest.StashKey[str | None]()


def _load_snapshot():
    from model.sources.bundle import load_bundle
    from model.sources.store import DataStore

    empty = DataStore(ROOT / "data" / "no-cache-in-tests", "cache")
    return load_bundle(empty, DataStore(ROOT / "data" / "snapshot", "snapshot"))


CONFIG = ROOT / "model" / "config"


def _config_caches() -> list:
    """The settings files' readers, each of which reads its file once per process."""
    from model import config as cfg
    from model.episodes import episodes_config
    from model.estimate import literature, spec
    from model.fiscal import fiscal_config
    from model.panel import panel_config, valuation_config
    from model.scenarios import simulation_config
    from model.sources.catalog import sources_config

    return [cfg.holder_config, spec.estimation_config, literature.literature_config, fiscal_config, panel_config,
            valuation_config, simulation_config, sources_config, episodes_config]


@pytest.fixture
def reread_config():
    """``reread_config()``: the next read of each settings file reads the file again."""
    def clear() -> None:
        for reader in _config_caches():
            reader.cache_clear()

    return clear


@pytest.fixture
def config_dir(tmp_path, monkeypatch, reread_config):
    """An editable copy of the packaged configuration, used through TLRISK_CONFIG_DIR."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    monkeypatch.setenv("TLRISK_CONFIG_DIR", str(folder))
    reread_config()
    yield folder
    reread_config()


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never let a test write into the project's own data/cache."""
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
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
def fitted(snapshot_bundle, panel):
    """The estimates on the shipped snapshot, with the credibility checks, from the run's
    estimation cache (see :func:`pytest_configure`)."""
    from model import pipeline

    return pipeline.estimate(pipeline.Data(snapshot_bundle, panel), credibility=True).results


@pytest.fixture(scope="session")
def context(snapshot_bundle, panel, fitted):
    from model import pipeline

    return pipeline.scenario_context(pipeline.Data(snapshot_bundle, panel), fitted)


@pytest.fixture
def scenario_file(tmp_path):
    """Write a scenario TOML from text and return its path."""
    counter = iter(range(1000))

    def write(text: str) -> str:
        path = tmp_path / f"scenario_{next(counter)}.toml"
        path.write_text(text)
        return str(path)

    return write


# ---------------------------------------------------------------------------------------------
# Reports, built once per session (tests/test_report.py, tests/test_interfaces.py)
# ---------------------------------------------------------------------------------------------

ODD_SALE = '''[scenario]
name = "cayman_exit"
title = "Cayman Islands funds sell $150bn <fast> & \\"quietly\\" over nine months, a title long enough to wrap in every table"
description = "Funds booked in the Cayman Islands unwind $150bn of Treasuries."
start = "2026-05"
horizon_months = 48

[pricing]
draws = 2000

[[holders]]
holder = "Cayman Islands"
action = "sell"
bn = 150.0
months = 9
'''
ODD_PURCHASE = '''[scenario]
name = "swiss_buy"
title = "Switzerland buys $80bn more over a year"
start = "2026-05"
horizon_months = 60

[pricing]
draws = 2000

[[holders]]
holder = "Switzerland"
action = "path"
baseline = 0.0
flows_bn = [6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 8.0, 8.0, 8.0, 8.0]
'''


def _run(args: list[str]) -> tuple[int, str, str]:
    from model.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _shared_root(tmp_path_factory) -> Path:
    """A folder every parallel worker of this run sees (the parent of the workers' own
    temporary folders); a serial run's own temporary folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_once(tmp_path_factory, name: str, build) -> dict:
    """Build a session fixture once for the whole run, however many parallel workers ask.

    The first worker to take the lock calls ``build(folder)``, which writes into ``folder`` and
    returns a JSON-able record; the others wait and read the record. The reports these
    fixtures build are read, never changed, by the tests."""
    from filelock import FileLock

    root = _shared_root(tmp_path_factory)
    folder, record = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if record.is_file():
            return json.loads(record.read_text("utf-8"))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        result = build(folder)
        record.write_text(json.dumps(result), "utf-8")
    return result


@pytest.fixture(scope="session")
def build_once(tmp_path_factory):
    """``build_once(name, build)``: see :func:`_build_once`."""
    return lambda name, build: _build_once(tmp_path_factory, name, build)


@pytest.fixture(scope="session")
def report_cache(tmp_path_factory) -> Path:
    """One data cache for the run's reports, shared by the workers: the figure and results
    caches in it serve every report after the first (whatever its scenarios, a figure whose
    inputs are unchanged is not drawn again), as they serve a user's repeated runs."""
    folder = _shared_root(tmp_path_factory) / "report-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def shipped(tmp_path_factory, report_cache):
    """The shipped scenarios, as `make report` runs them (fixed SOURCE_DATE_EPOCH), with the run's
    estimation cache (estimated once before the tests start), as a user's second run would be."""

    def build(folder: Path) -> dict:
        mp = pytest.MonkeyPatch()
        mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
        mp.setenv("TLRISK_CACHE_DIR", str(report_cache))
        try:
            code, stdout, stderr = _run(["report", "--offline", "--out", str(folder / "output")])
        finally:
            mp.undo()
        assert code == 0, stderr
        return {"out": str(folder / "output"), "stdout": stdout, "stderr": stderr}

    record = _build_once(tmp_path_factory, "shipped", build)
    return {**record, "out": Path(record["out"])}


@pytest.fixture(scope="session")
def odd(tmp_path_factory, shipped, report_cache):
    """A set of two odd but valid files (a country selling, with a title needing escaping; a
    country buying), run twice without SOURCE_DATE_EPOCH (the date comes from the data): first
    with an empty results cache (every price, grid and episode computed, as with
    ``--no-cache``, and stored) and the shipped report's figures (the scenarios' own figures
    drawn and stored), then with the caches the first run filled (every one read back), so
    identical bytes also mean the caches change nothing. Both use the run's estimation cache
    (its entries against fresh estimates: tests/test_estimate_cache.py)."""
    import shutil

    def build(folder: Path) -> dict:
        if (report_cache / "figures").is_dir():  # the figures no scenario changes, as drawn for the shipped report
            shutil.copytree(report_cache / "figures", folder / "cache" / "figures")
        (folder / "scenarios").mkdir()
        (folder / "scenarios" / "sale.toml").write_text(ODD_SALE, "utf-8")
        (folder / "scenarios" / "purchase.toml").write_text(ODD_PURCHASE, "utf-8")
        mp = pytest.MonkeyPatch()
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        mp.setenv("TLRISK_CACHE_DIR", str(folder / "cache"))
        outs = []
        try:
            for name, flags in (("first", []), ("second", [])):
                out = folder / name / "output"
                code, _, stderr = _run(["report", "--offline", "--no-progress", *flags, "--scenarios",
                                        str(folder / "scenarios"), "--out", str(out)])
                assert code == 0, stderr
                outs.append(str(out))
        finally:
            mp.undo()
        return {"outs": outs}

    return [Path(out) for out in _build_once(tmp_path_factory, "odd", build)["outs"]]


