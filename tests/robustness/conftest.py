"""The robustness suite counts its cases (tests, and examples tried by hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("robustness", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("robustness")

_COUNTS = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report):
    if "robustness" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _COUNTS[report.outcome] += 1


def pytest_terminal_summary(terminalreporter):
    total = sum(_COUNTS.values())
    if total:
        examples = settings().max_examples
        terminalreporter.write_line(
            f"robustness suite: {total} cases - {_COUNTS['passed']} passed, {_COUNTS['failed']} failed, "
            f"{_COUNTS['skipped']} skipped (each property test tries {examples} to 100 generated or corrupted files)"
        )


@pytest.fixture
def no_traceback(capsys):
    """Assert that nothing printed looks like a traceback."""
    yield
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
