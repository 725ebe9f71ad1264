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
MAX_AMOUNT_BN = 1e6  # $bn: far above all foreign holdings (about $9,000bn); more is a typing error
MAX_SHIFT_BP = 10_000.0
SWEEP_HORIZON_MONTHS = 60  # = model.scenarios.sweep.HORIZON_MONTHS (tested equal)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the text '{value}'"
    return f"{value!r} ({type(value).__name__})"


def whole_number(value: Any, name: str, low: int, high: int | None = None) -> int:
    """A whole number from ``low`` to ``high``."""
    if not _is_int(value):
        raise InputError(f"must be a whole number, not {_kind(value)}", field=name)
    if value < low:
        raise InputError(f"{value} must be at least {low}", field=name)
    if high is not None and value > high:
        raise InputError(f"{value} must be at most {high}", field=name)
    return int(value)


def amount_bn(value: Any, name: str) -> float:
    """A positive, finite amount of $bn below :data:`MAX_AMOUNT_BN`."""
    if not _is_real(value):
        raise InputError(f"must be a number of $bn, not {_kind(value)}", field=name)
    value = float(value)
    if not (math.isfinite(value) and 0 < value < MAX_AMOUNT_BN):
        raise InputError(f"{value:g} must be a positive number of $bn (below {MAX_AMOUNT_BN:,.0f})", field=name)
    return value


def shift_bp(value: Any, name: str) -> float:
    """A finite number of basis points between -10,000 and 10,000."""
    if not _is_real(value) or not math.isfinite(float(value)) or abs(float(value)) > MAX_SHIFT_BP:
        shown = f"'{value}'" if _is_real(value) else _kind(value)
        raise InputError(f"{shown} is not a number between -{MAX_SHIFT_BP:.0f} and {MAX_SHIFT_BP:.0f} (bp)",
                         field=name)
    return float(value)


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


__all__ = ["MAX_AMOUNT_BN", "MAX_SHIFT_BP", "RESPONSES", "SWEEP_HORIZON_MONTHS", "amount_bn", "choice",
           "from_text", "given_text", "name_text", "response", "shift_bp", "whole_number"]
