"""The robustness suite counts its cases (tests, and examples tried by hypothesis), by class.

A test module names its class with ``CASE_CLASS = "parser"``; otherwise the class is the
module's name without ``test_`` (``test_cache.py`` -> ``cache``). Each test's class and the
files it tried travel in its report (``user_properties``); ``reporting.py``, registered by
``tests/conftest.py`` so that it also runs in pytest-xdist's controlling process, adds them up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from .generators import EXAMPLES_TRIED

settings.register_profile("robustness", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("robustness")

def _in_suite(nodeid: str) -> bool:
    return "tests/robustness/" in nodeid.replace("\\", "/")


def case_class(module) -> str:
    """The class a module's cases are counted under."""
    return getattr(module, "CASE_CLASS", None) or Path(module.__file__).stem.removeprefix("test_")


def pytest_collection_modifyitems(items):
    for item in items:
        if _in_suite(item.nodeid) and getattr(item, "module", None) is not None:
            item.user_properties.append(("case_class", case_class(item.module)))


@pytest.fixture(autouse=True)
def _count_files_tried(request):
    before = EXAMPLES_TRIED[0]
    yield
    if EXAMPLES_TRIED[0] > before:
        request.node.user_properties.append(("files_tried", EXAMPLES_TRIED[0] - before))


@pytest.fixture
def no_traceback(capsys):
    """Assert that nothing printed looks like a traceback."""
    yield
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
