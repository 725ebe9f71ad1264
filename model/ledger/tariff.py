"""The tariff at stake: US duties on the holder's goods on a chosen date.

US imports from Japan by sector (``jp_us_imports.csv``) are grouped into tariff groups (autos
and parts, steel and aluminium, pharmaceuticals, everything else); the dated timeline
(``jp_tariff_timeline.csv``) gives each group's all-in statutory rate on any day: the 2025
measures (Section 232 autos and metals, the IEEPA baseline), the 15% agreement (the floor and
15% autos), the Supreme Court's ruling of 20 February 2026 that voided the IEEPA tariffs, the
Section 122 surcharge that replaced them for 150 days and the Section 232 measures that stay.

``duties_bn_per_year`` is the year's imports times each group's rate *averaged over the year
that starts on the date*, following the dated timeline (a surcharge that expires a few months
in counts for those months only); ``duties_bn_first_day`` is the same imports at the rates in
force on the first day, shown beside it because the choice moves the figure by about a third in
2026 (the Section 122 surcharge ends on 24 July 2026). Both are *statutory*, at the base-year
import volumes, not what customs collects (which is lower: exemptions, timing, importers
switching). The collected figure (15.9% in June 2025, about 15%
realised through July 2025 by the New York Fed's count) is shown beside it. A user changes the
date, or edits the rates and the import figures in the data files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from model.ledger.data import LedgerData, TariffCost

TARIFF_HOLDERS = ("japan",)  # the curated timeline and imports are Japan's


YEAR_DAYS = 365


@dataclass(frozen=True)
class RateChange:
    """A new rate for a group of goods taking effect within the year."""

    first_day: dt.date
    rate_pct: float
    measure: str


@dataclass(frozen=True)
class GroupStake:
    """One group of goods: its imports, the rate on the first day (and its measure), the rate
    averaged over the year and the changes within it."""

    tariff_group: str
    imports_bn: float
    rate_pct: float  # on the first day
    duties_bn: float  # over the year, at the year's average rate
    measure: str  # in force on the first day
    source_url: str
    year_rate_pct: float = float("nan")
    changes: tuple[RateChange, ...] = ()


@dataclass(frozen=True)
class TariffStake:
    """Duties on the holder's goods on one date.

    Attributes
    ----------
    holder : str
    as_of : datetime.date
        The date whose tariffs are applied.
    us_imports_bn : float
        US imports from the holder, $bn a year (base year of the import table).
    effective_rate_pct : float
        Import-weighted statutory rate averaged over the year from ``as_of`` (percent).
    duties_bn_per_year : float
        ``us_imports_bn x effective_rate_pct / 100``: duties over the year from ``as_of``.
    first_day_rate_pct, duties_bn_first_day : float
        The same at the rates in force on ``as_of`` (the sensitivity to the averaging).
    groups : list of GroupStake
    collected : dict
        The published collected figures for comparison.
    costs : list of TariffCost
        Published estimates of the tariffs' cost to the holder.
    sources : list of str
        Every URL behind the numbers (imports, rates, collected figures), deduplicated.
    """

    holder: str
    as_of: dt.date
    us_imports_bn: float
    effective_rate_pct: float
    duties_bn_per_year: float
    groups: list[GroupStake]
    collected: dict
    costs: list[TariffCost]
    sources: list[str]
    first_day_rate_pct: float = float("nan")
    duties_bn_first_day: float = float("nan")

    @property
    def year_end(self) -> dt.date:
        """The last day of the year the duties are averaged over."""
        return self.as_of + dt.timedelta(days=YEAR_DAYS - 1)

    def to_dict(self) -> dict:
        """The ``ledger.tariff`` record: ``holder, as_of, year_end, us_imports_bn,
        effective_rate, duties_bn_per_year, effective_rate_first_day, duties_bn_first_day,
        sources`` and, beside them, ``by_group``, ``collected`` and ``published_costs``."""
        return {
            "holder": self.holder, "as_of": self.as_of.isoformat(), "year_end": self.year_end.isoformat(),
            "us_imports_bn": self.us_imports_bn,
            "effective_rate": self.effective_rate_pct, "duties_bn_per_year": self.duties_bn_per_year,
            "effective_rate_first_day": self.first_day_rate_pct, "duties_bn_first_day": self.duties_bn_first_day,
            "sources": self.sources,
            "by_group": [{"tariff_group": g.tariff_group, "us_imports_bn": g.imports_bn, "rate_pct": g.year_rate_pct,
                          "duties_bn_per_year": g.duties_bn, "rate_pct_first_day": g.rate_pct, "measure": g.measure,
                          "changes": [{"first_day": c.first_day.isoformat(), "rate_pct": c.rate_pct,
                                       "measure": c.measure} for c in g.changes]} for g in self.groups],
            "collected": self.collected,
            "published_costs": [c.model_dump(mode="json") for c in self.costs],
        }


def rate_on(data: LedgerData, tariff_group: str, day: dt.date):
    """The timeline's span in force for ``tariff_group`` on ``day`` (``None`` before the table starts)."""
    for period in data.tariffs:
        if period.tariff_group == tariff_group and period.covers(day):
            return period
    return None


def year_average(data: LedgerData, tariff_group: str, day: dt.date) -> tuple[float, tuple[RateChange, ...]]:
    """The group's rate averaged over the :data:`YEAR_DAYS` days from ``day`` (percent, each
    span weighted by its days in the year) and the changes of rate within the year.

    Raises
    ------
    ValueError
        When the timeline leaves a day of the year without a rate.
    """
    end = day + dt.timedelta(days=YEAR_DAYS - 1)
    covered, weighted, changes = 0, 0.0, []
    for p in sorted((p for p in data.tariffs if p.tariff_group == tariff_group), key=lambda p: p.first_day):
        first, last = max(p.first_day, day), min(p.last_day or end, end)
        if last < first:
            continue
        days = (last - first).days + 1
        covered += days
        weighted += days * p.rate_pct
        if p.first_day > day:
            changes.append(RateChange(p.first_day, p.rate_pct, p.measure))
    if covered != YEAR_DAYS:
        raise ValueError(f"the tariff timeline of '{tariff_group}' does not give one rate for every day from "
                         f"{day:%Y-%m-%d} to {end:%Y-%m-%d} ({covered} of {YEAR_DAYS} days covered)")
    return weighted / YEAR_DAYS, tuple(changes)


def tariff_at_stake(data: LedgerData, holder: str, day: dt.date) -> TariffStake | None:
    """Duties on ``holder``'s goods over the year from ``day``, following the dated timeline,
    and at the rates in force on ``day`` (``None`` for a holder without curated tariff data:
    only Japan has it).

    Raises
    ------
    ValueError
        When ``day`` falls outside the timeline of a group of goods, or a day of the year that
        follows has no rate.
    """
    if holder not in TARIFF_HOLDERS:
        return None
    imports: dict[str, float] = {}
    for sector in data.imports:
        imports[sector.tariff_group] = imports.get(sector.tariff_group, 0.0) + sector.imports_usd_bn
    groups, sources = [], []
    for group in sorted(imports):
        span = rate_on(data, group, day)
        if span is None:
            first = min(p.first_day for p in data.tariffs if p.tariff_group == group)
            raise ValueError(f"{day:%Y-%m-%d} is outside the tariff timeline of '{group}' (it starts on {first})")
        year_rate, changes = year_average(data, group, day)
        groups.append(GroupStake(group, imports[group], span.rate_pct, imports[group] * year_rate / 100.0,
                                 span.measure, span.source_url, year_rate, changes))
        sources.append(span.source_url)
        sources += [p.source_url for p in data.tariffs if p.tariff_group == group
                    and any(c.first_day == p.first_day for c in changes)]
    total = sum(g.imports_bn for g in groups)
    duties = sum(g.duties_bn for g in groups)
    first_day = sum(g.imports_bn * g.rate_pct / 100.0 for g in groups)
    sources = [*dict.fromkeys([*(s.source_url for s in data.imports), *sources])]
    collected = {}
    month, base = data.fact(holder, "duties_collected_month_usd_bn"), data.fact(holder, "imports_month_usd_bn")
    if month is not None and base is not None:
        collected = {"month": f"{month.as_of:%Y-%m}", "duties_bn": month.value, "imports_bn": base.value,
                     "rate_pct": month.value / base.value * 100.0, "annualised_duties_bn": month.value * 12.0,
                     "source_url": month.source_url}
        sources.append(month.source_url)
    realised = data.fact(holder, "realised_tariff_rate_pct")
    if realised is not None:
        collected["realised_rate_pct"] = realised.value
        collected["realised_as_of"] = realised.as_of.isoformat()
        collected["realised_source_url"] = realised.source_url
        sources.append(realised.source_url)
    return TariffStake(holder, day, total, duties / total * 100.0 if total else 0.0, duties, groups, collected,
                       list(data.tariff_costs), [*dict.fromkeys(sources)],
                       first_day / total * 100.0 if total else 0.0, first_day)


__all__ = ["TARIFF_HOLDERS", "YEAR_DAYS", "GroupStake", "RateChange", "TariffStake", "rate_on", "tariff_at_stake",
           "year_average"]
