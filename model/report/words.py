"""Numbers and phrases as the report writes them (true minus signs, bands as ``middle (low to
high)``), shared by the brief and the appendix."""

from __future__ import annotations

from model.numbers import MINUS, compact, compact_money, money, number


def bp(value: float | None, digits: int = 1, sign: bool = True) -> str:
    return number(value, digits, sign=sign, minus=MINUS)


def usd(value: float | None, digits: int = 0, sign: bool = True) -> str:
    return money(value, digits, sign=sign, minus=MINUS)


def band_bp(band: dict | None, digits: int = 1) -> str:
    """``+7.2 (−3.7 to +18.0)``."""
    return compact(band, digits, minus=MINUS)


def band_usd(band: dict | None, digits: int = 0) -> str:
    """``+$87bn (−31 to +236)``."""
    return compact_money(band, digits, minus=MINUS)


def middle(band: dict | None) -> float | None:
    if band is None:
        return None
    return band.get("median", band.get("central"))


def low_high(band: dict) -> tuple[float | None, float | None]:
    return (band["p05"], band["p95"]) if "median" in band else (band["low"], band["high"])


def range_bp(band: dict, digits: int = 1) -> str:
    """``−3.7 to +18.0 bp``."""
    lo, hi = low_high(band)
    return f"{bp(lo, digits)} to {bp(hi, digits)} bp"


def range_usd(band: dict, digits: int = 0) -> str:
    """``−$31bn to +$236bn``."""
    lo, hi = low_high(band)
    return f"{usd(lo, digits)} to {usd(hi, digits)}"


def pct(value: float | None, digits: int = 1) -> str:
    """``0.56%``, ``−0.23%`` (a true minus sign, as every number of the report)."""
    if value is None:
        return "n/a"
    return number(value, digits, sign=False, minus=MINUS) + "%"


def pvalue(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def months_text(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


def month_name(yyyymm: str) -> str:
    """``2026-05`` as ``May 2026``."""
    import datetime as dt

    return f"{dt.date(int(yyyymm[:4]), int(yyyymm[5:7]), 1):%b %Y}"


def day_name(iso: str) -> str:
    """``2026-07-25`` as ``25 Jul 2026``."""
    import datetime as dt

    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def trillions(value_bn: float) -> str:
    return f"${value_bn / 1000:,.1f}tn"
