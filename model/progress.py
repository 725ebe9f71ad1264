"""Named stages on stderr for the long commands (``report``, ``fit``): what is running and for
how long so far, one line per stage, so a user never waits on silence. ``--no-progress``
silences them."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import warnings
from typing import TextIO


class Stages:
    """Print ``prefix [  3.2s] stage`` lines; ``detail`` lines are indented under the stage."""

    def __init__(self, prefix: str, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.prefix = prefix
        self.enabled = enabled
        self.stream = stream
        self.start = time.perf_counter()

    def _print(self, text: str) -> None:
        if self.enabled:
            stream = self.stream or sys.stderr
            print(f"{self.prefix} [{time.perf_counter() - self.start:6.1f}s] {text}", file=stream, flush=True)

    def stage(self, text: str) -> None:
        """A new stage starts."""
        self._print(text)

    def detail(self, text: str) -> None:
        """A step inside the current stage."""
        self._print(f"  {text}")

    def done(self, text: str = "done") -> None:
        self._print(text)


@contextlib.contextmanager
def quiet_libraries(verbose: bool):
    """Libraries' own warnings and log records (pandas-datareader's deprecations, numpy's
    RuntimeWarning, a missing glyph, urllib3's retries) are for developers: shown with
    ``--verbose``, otherwise kept off the terminal, where every line is the tool's own."""
    if verbose:
        yield
        return
    root = logging.getLogger()
    quiet = logging.NullHandler()  # stops logging's last-resort printer
    root.addHandler(quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeHandler(quiet)
