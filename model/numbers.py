"""Numbers as people read them: signs that mean something, no "-0.0", money as "-$9.3bn",
bands in compact form ("+10 (0 to 20)").

Plain-text output (the command line) uses an ASCII hyphen for minus; the report passes
``minus="\u2212"`` for a true minus sign.
"""

from __future__ import annotations

import math

MINUS = "\u2212"


def _clean(value: float | None, digits: int) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    if abs(value) < 0.5 * 10 ** -digits:
        return 0.0  # never "-0.0"
    return value


def number(value: float | None, digits: int = 1, sign: bool = True, minus: str = "-") -> str:
    """``+1,234.5`` / ``-0.3`` / ``0.0``; "n/a" for None or NaN.

    Zero gets no sign; a value that rounds to zero is zero (no ``-0.0``).
    """
    return _signed(value, digits, sign, minus, "{}")


def money(value: float | None, digits: int = 1, sign: bool = False, minus: str = "-") -> str:
    """``$9.3bn``, ``-$9.3bn`` (``+$9.3bn`` with ``sign``); "n/a" for None or NaN."""
    return _signed(value, digits, sign, minus, "${}bn")


def _signed(value: float | None, digits: int, sign: bool, minus: str, pattern: str) -> str:
    """The magnitude in ``pattern``, after the sign: minus below zero, plus above it with ``sign``."""
    v = _clean(value, digits)
    if v is None:
        return "n/a"
    text = pattern.format(f"{abs(v):,.{digits}f}")
    if v < 0:
        return minus + text
    return ("+" + text) if sign and v > 0 else text


def triple(band: dict | tuple | list | None) -> tuple[float | None, float | None, float | None] | None:
    """``(low, middle, high)`` of a band: ``{median, p05, p95}``, ``{central, low, high}`` or a
    ``(low, middle, high)`` sequence."""
    if band is None:
        return None
    if isinstance(band, dict):
        if "median" in band:
            return band.get("p05"), band["median"], band.get("p95")
        return band.get("low"), band["central"], band.get("high")
    lo, mid, hi = band
    return lo, mid, hi


def compact(band: dict | tuple | list | None, digits: int = 1, minus: str = "-", unit: str = "") -> str:
    """A band in compact form: ``+10.0 (0.0 to +20.0)`` (middle, then low to high)."""
    t = triple(band)
    if t is None:
        return "n/a"
    lo, mid, hi = t
    return (f"{number(mid, digits, minus=minus)}{unit} "
            f"({number(lo, digits, minus=minus)} to {number(hi, digits, minus=minus)})")


def compact_money(band: dict | tuple | list | None, digits: int = 0, minus: str = "-") -> str:
    """``+$88bn (-30 to +234)``: the middle in $bn, then the low and high (same unit)."""
    t = triple(band)
    if t is None:
        return "n/a"
    lo, mid, hi = t
    return (f"{money(mid, digits, sign=True, minus=minus)} "
            f"({number(lo, digits, minus=minus)} to {number(hi, digits, minus=minus)})")


def share_text(share: float) -> str:
    """A share of a whole as a reader says it: ``20%``, ``2.5%``, ``0.4%``."""
    pct = share * 100
    if pct >= 9.95:
        return f"{pct:.0f}%"
    if pct >= 0.95:
        return f"{pct:.1f}".rstrip("0").rstrip(".") + "%"
    return f"{pct:.1f}%"
