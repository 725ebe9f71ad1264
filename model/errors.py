"""Errors a user can meet, each with a one-line message and a documented exit code.

Exit codes (the command-line contract in the README):

* 0 - success
* 1 - other failures (network, a source that cannot be used, an internal error)
* 2 - invalid input (a malformed file, an invalid scenario or config, a bad argument)
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2


class TLRiskError(Exception):
    """Base class of errors that are reported to the user as one line."""

    exit_code = EXIT_FAILURE


class InputError(TLRiskError):
    """Malformed or invalid input: a data file, a config or a scenario.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    path : str or Path, optional
        The file concerned.
    line : int, optional
        1-based line number in that file.
    field : str, optional
        A column, key or dotted path inside the file.
    """

    exit_code = EXIT_INVALID_INPUT

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message


class ValidationFailed(InputError):
    """Several problems in one file, each reported as ``file: dotted.path - reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


class SourceError(TLRiskError):
    """A data source could not be used (network failure, bad download, stale table)."""

    exit_code = EXIT_FAILURE


class DataUnavailable(TLRiskError):
    """Neither a live pull, the cache nor the shipped snapshot has the data asked for.

    ``warnings`` says why copies that exist were passed over (a failed checksum, say).
    """

    exit_code = EXIT_FAILURE
    warnings: list[str] = []


class OutputError(TLRiskError):
    """An output folder that cannot be written (permissions, a read-only disk)."""

    exit_code = EXIT_FAILURE


def did_you_mean(name: str, choices, otherwise: str = "", cutoff: float = 0.6) -> str:
    """`` (did you mean 'japan'?)`` for the closest of ``choices`` to a misspelt ``name``;
    ``otherwise`` where none is close (difflib's similarity below ``cutoff``)."""
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else otherwise
