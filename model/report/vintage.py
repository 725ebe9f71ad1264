"""The data's vintage for the report's header: how far each source goes (from the bundle's
manifest entries), which sources are stale, and the document's date (never invented).

A source is *stale* when its newest observation is older than its publisher's usual lag
(``stale_after_days`` in ``sources.toml``, as ``tlrisk data status`` uses) at the reference
date: the newest observation of any source in the data (the snapshot cannot have been taken
earlier), or ``SOURCE_DATE_EPOCH`` when that is later. Discontinued (frozen) files are never stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from model.sources.bundle import DataBundle

# What the header lists, grouped as a reader thinks of the data (member: short label)
GROUPS: list[tuple[str, dict[str, str]]] = [
    ("TIC holdings by country", {"tic_table5": "recent table", "tic_mfhhis": "history"}),
    ("TIC net purchases", {"tic_table3": ""}),
    ("Treasury yields, monthly", {"fred_GS10": "10-year", "fred_GS2": "2-year", "fred_GS5": "5-year",
                                  "fred_GS30": "30-year", "fred_TB3MS": "3-month"}),
    ("Treasury yields, daily", {"fred_DGS10": "10-year", "fred_DGS2": "2-year", "fred_DGS5": "5-year",
                                "fred_DGS30": "30-year", "fred_DGS3MO": "3-month"}),
    ("Term premium", {"fred_THREEFYTP10": ""}),
    ("Yen per dollar", {"fred_DEXJPUS": ""}),
    ("Policy rate", {"fred_FEDFUNDS": ""}),
    ("Breakeven inflation", {"fred_T10YIE": ""}),
    ("Federal Reserve's Treasuries", {"fred_TREAST": ""}),
    ("Debt held by the public", {"fred_FYGFDPUN": "quarterly", "fred_GFDEBTN": "total public debt"}),
    ("GDP", {"fred_GDP": ""}),
    ("Federal deficit", {"fred_MTSDS133FMS": ""}),
]


def last_date(last_observation: str, period: str = "day") -> dt.date:
    """The last day a last observation covers: a month's last day for ``YYYY-MM`` or a monthly
    series' ``YYYY-MM-01``, a quarter's for a quarterly one."""
    if len(last_observation) == 7:
        return (pd.Timestamp(last_observation + "-01") + pd.offsets.MonthEnd(0)).date()
    day = pd.Timestamp(last_observation[:10])
    if period == "month":
        return (day + pd.offsets.MonthEnd(0)).date()
    if period == "quarter":
        return (day + pd.offsets.QuarterEnd(0)).date()
    return day.date()


def period(src) -> str:
    """How long one observation of a source covers: a FRED date on the 1st of a month is the
    start of a month (or a quarter); daily and weekly series carry their own day."""
    last = src.entry.last_observation or ""
    if src.spec.family != "fred" or src.spec.daily_from is not None or not last.endswith("-01"):
        return "day"
    return "quarter" if "quarter" in src.spec.title.lower() or src.spec.key in QUARTERLY else "month"


QUARTERLY = {"fred_GDP", "fred_FYGFDPUN", "fred_GFDEBTN"}


def _month(last_observation: str, daily: bool) -> str:
    d = last_date(last_observation)
    return f"{d.day} {d:%b %Y}" if daily else f"{d:%b %Y}"


def newest_observation(bundle: DataBundle) -> dt.date | None:
    """The newest observation of any (not discontinued) source: the earliest the data can have
    been taken."""
    dates = [last_date(s.entry.last_observation, period(s)) for s in bundle.sources.values()
             if s.entry.last_observation and not s.spec.frozen]
    return max(dates) if dates else None


def reference_date(bundle: DataBundle) -> dt.date | None:
    """The date staleness is judged at: the newest observation in the data, or
    ``SOURCE_DATE_EPOCH``'s date when that is later (a fixed build date before the data's own
    would make nothing stale)."""
    from model.dates import source_date_epoch

    newest = newest_observation(bundle)
    epoch = source_date_epoch()
    fixed = dt.datetime.fromtimestamp(epoch, dt.UTC).date() if epoch is not None else None
    if fixed is not None and (newest is None or fixed > newest):
        return fixed
    return newest


@dataclass
class SourceVintage:
    key: str
    through: str  # "Apr 2026", "28 Jul 2026"
    last_observation: str
    stale: bool
    age_days: int | None
    frozen: bool
    end: dt.date  # the last day the newest observation covers


def source_vintages(bundle: DataBundle) -> dict[str, SourceVintage]:
    """Per source in the data: how far it goes and whether it is stale at the reference date."""
    ref = reference_date(bundle)
    out = {}
    for key, src in sorted(bundle.sources.items()):
        last = src.entry.last_observation
        if not last:
            continue
        kind = period(src)
        age = (ref - last_date(last, kind)).days if ref else None
        limit = src.spec.stale_after_days
        stale = bool(age is not None and limit is not None and not src.spec.frozen and age > limit)
        through = _month(last, len(last) > 7 and kind == "day")
        if kind == "quarter":
            end = last_date(last, kind)
            through = f"Q{(end.month - 1) // 3 + 1} {end.year}"
        out[key] = SourceVintage(key, through, last, stale, age, src.spec.frozen, last_date(last, kind))
    return out


def vintage_rows(bundle: DataBundle) -> list[dict]:
    """The header's lines: per group of sources, the newest month it reaches and the members
    behind it (stale ones flagged): ``{what, through, behind: [{label, through, stale}], stale}``."""
    found = source_vintages(bundle)
    rows = []
    for what, members in GROUPS:
        present = [(k, label) for k, label in members.items() if k in found]
        if not present:
            continue
        newest = max(present, key=lambda kl: found[kl[0]].end)
        behind = []
        for k, label in present:
            v = found[k]
            if k == newest[0] or v.frozen:
                continue
            if v.stale or v.through != found[newest[0]].through:
                behind.append({"label": label or what, "through": v.through, "stale": v.stale})
        lead = found[newest[0]]
        rows.append({"what": what, "through": lead.through, "stale": lead.stale,
                     "behind": [b for b in behind if b["stale"]]})
    return rows


def vintage_line(bundle: DataBundle) -> str:
    """One line for results.json and the page footer: the main sources' last months."""
    found = source_vintages(bundle)

    def through(key: str) -> str:
        return found[key].through if key in found else "n/a"

    origins = sorted({ORIGIN_WORDS.get(s.origin, s.origin) for s in bundle.sources.values()})
    return (f"TIC holdings through {through('tic_table5')}, net purchases through {through('tic_table3')}; "
            f"10-year yield through {through('fred_GS10')} (monthly), {through('fred_DGS10')} (daily); "
            f"from {' and '.join(origins)}")


# where a source was loaded from, as a reader says it
ORIGIN_WORDS = {"snapshot": "the shipped data", "cache": "the latest pull"}
