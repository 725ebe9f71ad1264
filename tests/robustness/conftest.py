"""The robustness suite counts its cases (tests, and examples tried by hypothesis)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from .generators import EXAMPLES_TRIED

CONFIG = Path(__file__).resolve().parents[2] / "model" / "config"

settings.register_profile("robustness", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("robustness")

_OUTCOMES: dict[str, str] = {}  # test id -> passed, failed or skipped (one per case, whatever the phase)


def pytest_runtest_logreport(report):
    if "tests/robustness/" not in report.nodeid.replace("\\", "/"):
        return
    if report.failed:  # in setup, the test itself or teardown: the case failed
        _OUTCOMES[report.nodeid] = "failed"
    elif report.skipped:
        _OUTCOMES.setdefault(report.nodeid, "skipped")
    elif report.when == "call":
        _OUTCOMES.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter):
    if _OUTCOMES:
        counts = {k: sum(v == k for v in _OUTCOMES.values()) for k in ("passed", "failed", "skipped")}
        files = EXAMPLES_TRIED[0]
        tries = f"; the property tests put {files:,} generated or corrupted files through the parsers" if files else ""
        terminalreporter.write_line(
            f"robustness suite: {len(_OUTCOMES)} cases - {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped{tries}"
        )


@pytest.fixture
def no_traceback(capsys):
    """Assert that nothing printed looks like a traceback."""
    yield
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """An editable copy of the packaged configuration, used through TLRISK_CONFIG_DIR."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    monkeypatch.setenv("TLRISK_CONFIG_DIR", str(folder))
    from model import config as cfg
    from model.episodes import episodes_config
    from model.estimate import literature, spec
    from model.fiscal import fiscal_config
    from model.panel import panel_config, valuation_config
    from model.scenarios import simulation_config
    from model.sources.catalog import sources_config

    caches = [cfg.holder_config, spec.estimation_config, literature.literature_config, fiscal_config,
              panel_config, valuation_config, simulation_config, sources_config, episodes_config]
    for c in caches:
        c.cache_clear()
    yield folder
    for c in caches:
        c.cache_clear()
