"""The robustness suite counts its cases (tests, and examples tried by hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("robustness", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("robustness")

_COUNTS = {"cases": 0, "passed": 0}


def pytest_runtest_logreport(report):
    if report.when == "call" and "robustness" in report.nodeid:
        _COUNTS["cases"] += 1
        _COUNTS["passed"] += report.passed


def pytest_terminal_summary(terminalreporter):
    if _COUNTS["cases"]:
        examples = settings().max_examples
        terminalreporter.write_line(
            f"robustness suite: {_COUNTS['passed']} of {_COUNTS['cases']} cases passed "
            f"(each property test tries {examples} to 100 generated or corrupted files)"
        )


@pytest.fixture
def no_traceback(capsys):
    """Assert that nothing printed looks like a traceback."""
    yield
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
