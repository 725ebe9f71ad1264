"""The robustness suite's summary line: its cases by outcome and by class, and the files the
property tests put through the parsers.

A plugin (``pytest_plugins`` in ``tests/conftest.py``) rather than hooks in
``tests/robustness/conftest.py``: under pytest-xdist the controlling process, which prints the
summary, collects nothing and so never loads a sub-folder's conftest. The class and the count
of files come from each test's report (``user_properties``, set by the robustness conftest).
"""

from __future__ import annotations

_OUTCOMES: dict[str, str] = {}  # test id -> passed, failed or skipped (one per case, whatever the phase)
_CLASSES: dict[str, str] = {}  # test id -> its class
_FILES_TRIED: dict[str, int] = {}  # test id -> generated or corrupted files it put through the parsers


def _in_suite(nodeid: str) -> bool:
    return "tests/robustness/" in nodeid.replace("\\", "/")


def pytest_runtest_logreport(report):
    if not _in_suite(report.nodeid):
        return
    for key, value in report.user_properties:
        if key == "case_class":
            _CLASSES[report.nodeid] = value
        elif key == "files_tried":
            _FILES_TRIED[report.nodeid] = value
    if report.failed:  # in setup, the test itself or teardown: the case failed
        _OUTCOMES[report.nodeid] = "failed"
    elif report.skipped:
        _OUTCOMES.setdefault(report.nodeid, "skipped")
    elif report.when == "call":
        _OUTCOMES.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter):
    if not _OUTCOMES:
        return
    counts = {k: sum(v == k for v in _OUTCOMES.values()) for k in ("passed", "failed", "skipped")}
    files = sum(_FILES_TRIED.values())
    tries = f"; the property tests put {files:,} generated or corrupted files through the parsers" if files else ""
    terminalreporter.write_line(
        f"robustness suite: {len(_OUTCOMES)} cases - {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped{tries}"
    )
    by_class: dict[str, int] = {}
    for nodeid in _OUTCOMES:
        name = _CLASSES.get(nodeid, "other")
        by_class[name] = by_class.get(name, 0) + 1
    terminalreporter.write_line("robustness cases by class: "
                                + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())))
