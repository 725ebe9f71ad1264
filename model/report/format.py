"""Numbers as the report prints them (also used by the tests to find numbers in the HTML)."""

from __future__ import annotations

import pandas as pd

from model.numbers import MINUS, number


def fmt(value: float | None, digits: int = 1, sign: bool = True) -> str:
    """A number for the report: thousands separators, a true minus sign, no '-0.0' (and no
    sign on zero)."""
    return number(None if value is None or pd.isna(value) else float(value), digits, sign=sign, minus=MINUS)


def band(d: dict | None, digits: int = 1) -> str:
    """``median [p05, p95]`` for draws, ``central [low, high]`` for a range; "n/a" for None."""
    if d is None:
        return "n/a"
    if "median" in d:
        return f"{fmt(d['median'], digits)} [{fmt(d['p05'], digits)}, {fmt(d['p95'], digits)}]"
    return f"{fmt(d['central'], digits)} [{fmt(d['low'], digits)}, {fmt(d['high'], digits)}]"


def middle(d: dict | None) -> float | None:
    """The middle of a band (median or central)."""
    if d is None:
        return None
    return d.get("median", d.get("central"))
