"""The rules for arguments, shared by the command line and the Python API, so that both accept
and refuse the same values with the same one-line messages.

A base helper: it imports no stage. Each check takes the value as the caller has it (a Python
object from the API; the command line first turns its text into a number with
:func:`from_text`) and either returns it, typed, or raises :class:`~model.errors.InputError`
naming the argument. Nothing is converted silently: ``draws=1.5``, ``draws="100"`` or
``draws=True`` are errors, not 1, 100 or 1 draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from model.errors import InputError

RESPONSES = ("posterior", "data", "literature")
MAX_AMOUNT_BN = 100_000.0  # $bn: = model.scenarios.schema.MAX_SALE_BN (tested equal); all foreign holdings are about $9,000bn
MIN_AMOUNT_BN = 0.001  # $bn ($1m): a smaller sale is a typing error (1e-320), not a policy
MAX_WHOLE = 2**53  # a whole number beyond this does not fit a float exactly (10**400 does not fit at all)
MAX_SHIFT_BP = 10_000.0
SWEEP_HORIZON_MONTHS = 60  # = model.scenarios.sweep.HORIZON_MONTHS (tested equal)


def is_numpy_scalar(value: Any) -> bool:
    """A numpy scalar: refused like any other type, ``numpy.float64`` (a float subclass) too,
    so that numpy numbers are treated one way (as scenario dictionaries treat them)."""
    return type(value).__module__.split(".")[0] == "numpy"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not is_numpy_scalar(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not is_numpy_scalar(value)


def _finite(value: int | float) -> bool:
    """A finite float, or a whole number a float holds (``10**400`` is not one: ``float()`` overflows)."""
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= MAX_WHOLE


def shown_number(value: int | float) -> str:
    """A number for a one-line message: a 400-digit whole number by its ends and its length."""
    digits = str(value)
    return digits if len(digits) <= 24 else f"{digits[:12]}...{digits[-6:]} ({len(digits):,} digits)"


def _kind(value: Any) -> str:
    """A value for a one-line message: control characters escaped, long values cut."""
    if isinstance(value, str):
        return f"the text '{_cut(''.join(c if c.isprintable() else repr(c)[1:-1] for c in value))}'"
    if _is_int(value):
        return f"{shown_number(value)} (int)"
    if is_numpy_scalar(value):
        return f"{_cut(repr(value))} (numpy.{type(value).__name__}; give a Python value: int(x), float(x) or bool(x))"
    return f"{_cut(repr(value))} ({type(value).__name__})"


def _cut(text: str, most: int = 60) -> str:
    return text if len(text) <= most else f"{text[:most - 20]}...{text[-12:]} ({len(text):,} characters)"


def whole_number(value: Any, name: str, low: int, high: int | None = None) -> int:
    """A whole number from ``low`` to ``high``."""
    if not _is_int(value):
        raise InputError(f"must be a whole number, not {_kind(value)}", field=name)
    if value < low:
        raise InputError(f"{shown_number(value)} must be at least {low}", field=name)
    if high is not None and value > high:
        raise InputError(f"{shown_number(value)} must be at most {high}", field=name)
    return int(value)


def amount_bn(value: Any, name: str) -> float:
    """A positive amount of $bn from :data:`MIN_AMOUNT_BN` to :data:`MAX_AMOUNT_BN` (the
    scenario files' limit on a sale)."""
    if not _is_real(value):
        raise InputError(f"must be a number of $bn, not {_kind(value)}", field=name)
    if not (_finite(value) and MIN_AMOUNT_BN <= value <= MAX_AMOUNT_BN):
        raise InputError(f"{shown_number(value)} must be a positive number of $bn from {MIN_AMOUNT_BN:g} to "
                         f"{MAX_AMOUNT_BN:,.0f}", field=name)
    return float(value)


def shift_bp(value: Any, name: str) -> float:
    """A finite number of basis points between -10,000 and 10,000."""
    if not _is_real(value) or not _finite(value) or abs(value) > MAX_SHIFT_BP:
        shown = f"'{shown_number(value)}'" if _is_real(value) else _kind(value)
        raise InputError(f"{shown} is not a number between -{MAX_SHIFT_BP:.0f} and {MAX_SHIFT_BP:.0f} (bp)",
                         field=name)
    return float(value)


def flag(value: Any, name: str) -> bool:
    """True or False, exactly (``"yes"``, ``1``, ``None`` or ``numpy.bool_`` are errors, not a
    guess at what was meant)."""
    if not isinstance(value, bool):
        raise InputError(f"must be True or False, not {_kind(value)}", field=name)
    return value


def choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (exactly as written)."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{_kind(value)} is not one of {', '.join(choices)}", field=name)
    return value


def response(value: Any, name: str = "response") -> str:
    """A response source: posterior, data or literature."""
    return choice(value, name, RESPONSES)


def name_text(value: Any, name: str) -> str:
    """A non-empty name (a holder, a scenario): text with something in it."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be a non-empty name, not {_kind(value)}", field=name)
    return value


def given_text(text: str) -> str:
    """An argparse ``type`` for names, files and folders: an empty value is an error (never the
    default in disguise)."""
    import argparse

    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a value, or leave the option out for the default")
    return text


def from_text(parse: Callable[[str], Any], check: Callable[..., Any], *args) -> Callable[[str], Any]:
    """An argparse ``type``: the text parsed (``int``, ``float``), then checked like an API value;
    a failure is an argparse error (one line, exit 2)."""
    import argparse

    def convert(text: str):
        try:
            if not text.isascii():  # int() reads other scripts' digits ('١٢'); a user typing them meant something else
                raise ValueError(text)
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {'whole number' if parse is int else 'number'}") from None
        try:
            return check(value, *args)
        except InputError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return convert


__all__ = ["MAX_AMOUNT_BN", "MAX_SHIFT_BP", "MIN_AMOUNT_BN", "RESPONSES", "SWEEP_HORIZON_MONTHS", "amount_bn",
           "choice", "flag", "from_text", "given_text", "is_numpy_scalar", "name_text", "response", "shift_bp",
           "shown_number", "whole_number"]
