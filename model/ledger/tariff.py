"""The tariff at stake: US duties on the holder's goods on a chosen date.

US imports from Japan by sector (``jp_us_imports.csv``) are grouped into tariff groups (autos
and parts, steel and aluminium, pharmaceuticals, everything else); the dated timeline
(``jp_tariff_timeline.csv``) gives each group's all-in statutory rate on any day: the 2025
measures (Section 232 autos and metals, the IEEPA baseline), the 15% agreement (the floor and
15% autos), the Supreme Court's ruling of 20 February 2026 that voided the IEEPA tariffs, the
Section 122 surcharge that replaced them for 150 days and the Section 232 measures that stay.

``duties_bn_per_year`` is the year's imports times each group's rate in force on the date:
*statutory*, at the base-year import volumes, not what customs collects (which is lower:
exemptions, timing, importers switching). The collected figure (15.9% in June 2025, about 15%
realised through July 2025 by the New York Fed's count) is shown beside it. A user changes the
date, or edits the rates and the import figures in the data files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from model.ledger.data import LedgerData, TariffCost

TARIFF_HOLDERS = ("japan",)  # the curated timeline and imports are Japan's


@dataclass(frozen=True)
class GroupStake:
    tariff_group: str
    imports_bn: float
    rate_pct: float
    duties_bn: float
    measure: str
    source_url: str


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
        Import-weighted statutory rate in force on ``as_of`` (percent).
    duties_bn_per_year : float
        ``us_imports_bn x effective_rate_pct / 100``.
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

    def to_dict(self) -> dict:
        """The ``ledger.tariff`` record: ``holder, as_of, us_imports_bn, effective_rate,
        duties_bn_per_year, sources`` and, beside them, ``by_group``, ``collected`` and
        ``published_costs``."""
        return {
            "holder": self.holder, "as_of": self.as_of.isoformat(), "us_imports_bn": self.us_imports_bn,
            "effective_rate": self.effective_rate_pct, "duties_bn_per_year": self.duties_bn_per_year,
            "sources": self.sources,
            "by_group": [{"tariff_group": g.tariff_group, "us_imports_bn": g.imports_bn, "rate_pct": g.rate_pct,
                          "duties_bn_per_year": g.duties_bn, "measure": g.measure} for g in self.groups],
            "collected": self.collected,
            "published_costs": [c.model_dump(mode="json") for c in self.costs],
        }


def rate_on(data: LedgerData, tariff_group: str, day: dt.date):
    """The timeline's span in force for ``tariff_group`` on ``day`` (``None`` before the table starts)."""
    for period in data.tariffs:
        if period.tariff_group == tariff_group and period.covers(day):
            return period
    return None


def tariff_at_stake(data: LedgerData, holder: str, day: dt.date) -> TariffStake | None:
    """Duties on ``holder``'s goods at the rates in force on ``day`` (``None`` for a holder
    without curated tariff data: only Japan has it).

    Raises
    ------
    ValueError
        When ``day`` falls outside the timeline of a group of goods.
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
        groups.append(GroupStake(group, imports[group], span.rate_pct, imports[group] * span.rate_pct / 100.0,
                                 span.measure, span.source_url))
        sources.append(span.source_url)
    total = sum(g.imports_bn for g in groups)
    duties = sum(g.duties_bn for g in groups)
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
                       list(data.tariff_costs), [*dict.fromkeys(sources)])


__all__ = ["TARIFF_HOLDERS", "GroupStake", "TariffStake", "rate_on", "tariff_at_stake"]
