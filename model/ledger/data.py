"""The leverage ledger's curated facts: small, dated, cited tables in ``data/curated``.

Every file is a CSV a user can edit without touching code. Each row carries its value, unit,
as-of date, source and a firmness tag (``V`` read in the primary source, ``S`` secondary,
``D`` arithmetic on cited figures, ``M`` not verified: a placeholder). Rows are validated into
typed objects on load: every number must be finite and in a plausible range for its unit, and
a bad row is refused with a one-line :class:`~model.errors.InputError` naming the file, the
line and the field (``file:line: field: reason``). Files are read with a size limit
(:func:`model.files.read_text_limited`).

The files (``data/curated/README.md`` documents every column and source):

* ``ledger_facts.csv`` - scalar facts by holder (``japan``, ``us``): shares, durations, rates,
  sensitivities, pass-through, the Treasury's maturity profile, CBO's rule of thumb;
* ``ledger_holders.csv`` - the holders a ledger may be asked for, their currency, and why one
  is not available;
* ``jp_reserves.csv`` - Japan's official reserves and their composition by date;
* ``jp_reserve_maturity.csv`` - the published maturity mix of the reserve securities;
* ``jp_fx_impact.csv`` - Japan's yen-buying interventions and the yen's move on impact;
* ``jp_tariff_timeline.csv`` - the US tariff on Japanese goods by group of goods and date;
* ``jp_us_imports.csv`` - US imports from Japan by sector;
* ``jp_tariff_costs.csv`` - published estimates of the tariffs' cost to Japan;
* ``cbo_baseline.csv`` - CBO's latest baseline (deficits, net interest, debt) by fiscal year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from model.config import StrictModel, check_order, csv_rows
from model.errors import InputError, did_you_mean

URL = r"^https?://\S+$"
Tag = Literal["V", "S", "D", "M"]
TAGS = {"V": "read in the primary source", "S": "secondary source", "D": "arithmetic on cited figures",
        "M": "not verified: a placeholder"}
EARLIEST_DAY = dt.date(1945, 1, 1)  # no fact the ledger cites is older than the post-war system
YEARS_AHEAD = 5  # a scheduled tariff step or a dated forecast; further out is a typing error


def latest_day() -> dt.date:
    """The latest date a curated row may carry: :data:`YEARS_AHEAD` years after today."""
    today = dt.date.today()
    return today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))


def plausible_day(value: dt.date) -> dt.date:
    """``value`` if it lies from :data:`EARLIEST_DAY` to :func:`latest_day` (``0001-01-01`` or
    ``9999-12-31`` in a curated table is a typing error, not a fact)."""
    if not EARLIEST_DAY <= value <= latest_day():
        raise ValueError(f"{value.isoformat()} is outside the plausible dates {EARLIEST_DAY.isoformat()} to "
                         f"{latest_day().isoformat()}")
    return value


Day = Annotated[dt.date, AfterValidator(plausible_day)]

#: Units of ``ledger_facts.csv`` and the plausible range of a value in each (inclusive).
UNITS: dict[str, tuple[float, float, str]] = {
    "usd_bn": (0.0, 200_000.0, "$bn"),
    "share": (0.0, 1.0, "a share between 0 and 1"),
    "years": (0.0, 40.0, "years"),
    "months": (0.0, 600.0, "months"),
    "business_days": (0.1, 1000.0, "business days"),
    "pct": (-20.0, 60.0, "percent"),
    "bp": (0.1, 1000.0, "basis points"),
    "local_per_usd": (0.01, 100_000.0, "units of the holder's currency per dollar"),
    "local_bn_per_local_unit": (0.0, 100_000.0, "bn of the holder's currency per unit of its exchange rate"),
    "local_tn_per_local_unit": (0.0, 1000.0, "tn of the holder's currency per unit of its exchange rate"),
    "local_tn": (0.0, 100_000.0, "tn of the holder's currency"),
    "pp_per_pct": (0.0, 1.0, "percentage points per 1% move"),
}

#: Every key ``ledger_facts.csv`` may hold, with its unit and what it is.
FACT_KEYS: dict[str, tuple[str, str]] = {
    # a seller's reserves and their returns
    "ust_share_of_reserves": ("share", "Treasuries as a share of total reserves"),
    "usd_share_of_reserves": ("share", "dollar assets as a share of total reserves"),
    "reserve_bond_duration_years": ("years", "modified duration of the reserve bonds"),
    "usd_rate": ("local_per_usd", "exchange rate used when no current rate is given"),
    "book_rate_local_per_usd": ("local_per_usd", "average rate at which the reserves' dollars are booked"),
    "reserve_bond_yield_pct": ("pct", "yield on the reserve bonds"),
    "financing_bill_cost_pct": ("pct", "cost of the domestic bills that fund the reserves"),
    "dollar_deposit_rate_pct": ("pct", "return on dollars kept as deposits"),
    "exporter_loss_local_bn_per_unit": ("local_bn_per_local_unit", "exporters' yearly profit lost per unit the currency gains"),
    "translation_rule_local_tn_per_unit": ("local_tn_per_local_unit", "published translation rule of thumb"),
    "translation_rule_assets_local_tn": ("local_tn", "foreign assets when the rule of thumb was stated"),
    "fx_half_life_days": ("business_days", "half-life of a conversion's effect on the exchange rate"),
    "fx_lasting_share": ("share", "share of a conversion's impact that does not fade"),
    "duties_collected_month_usd_bn": ("usd_bn", "US duties collected on the holder's goods in one month"),
    "imports_month_usd_bn": ("usd_bn", "US imports from the holder in the same month"),
    "realised_tariff_rate_pct": ("pct", "realised (collected) tariff rate"),
    # the US side
    "cpi_passthrough_1y": ("pp_per_pct", "US consumer prices after one year per 1% dollar depreciation"),
    "cpi_passthrough_2y": ("pp_per_pct", "US consumer prices after two years per 1% dollar depreciation"),
    "debt_held_by_public_usd_bn": ("usd_bn", "debt held by the public"),
    "marketable_debt_usd_bn": ("usd_bn", "marketable Treasury debt"),
    "bills_share": ("share", "bills' share of marketable debt"),
    "maturing_within_1y_share": ("share", "share of marketable debt maturing within a year"),
    "average_maturity_months": ("months", "average maturity of marketable debt"),
    "average_rate_pct": ("pct", "average interest rate on marketable debt"),
    "cbo_deficits_10yr_usd_bn": ("usd_bn", "CBO baseline deficits over ten years"),
    "cbo_rule_10yr_usd_bn": ("usd_bn", "CBO rule of thumb: ten-year cost of the shift"),
    "cbo_rule_year10_usd_bn": ("usd_bn", "CBO rule of thumb: cost in the tenth year"),
    "cbo_rule_shift_bp": ("bp", "the shift CBO's rule of thumb refers to"),
    "cbo_rule_2026_10yr_usd_bn": ("usd_bn", "CBO rule of thumb scaled to the 2026 baseline"),
}

#: Keys a holder needs for its seller's ledger (the exporters' line needs its own key too).
SELLER_KEYS = ("ust_share_of_reserves", "usd_share_of_reserves", "reserve_bond_duration_years", "usd_rate",
               "book_rate_local_per_usd", "reserve_bond_yield_pct", "financing_bill_cost_pct",
               "dollar_deposit_rate_pct")
FX_KEYS = ("fx_half_life_days", "fx_lasting_share")


class Fact(StrictModel):
    """One scalar fact: a central value with an optional published range."""

    holder: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    key: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str
    as_of: Day
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> Fact:
        if self.key not in FACT_KEYS:
            raise ValueError(f"unknown key '{self.key}'{did_you_mean(self.key, FACT_KEYS)}")
        expected = FACT_KEYS[self.key][0]
        if self.unit != expected:
            raise ValueError(f"'{self.key}' is in {expected}, not '{self.unit}'")
        lo, hi, words = UNITS[self.unit]
        for name in ("value", "low", "high"):
            x = getattr(self, name)
            if x is not None and not lo <= x <= hi:
                raise ValueError(f"{name} {x:g} is not plausible for {words} (expected {lo:g} to {hi:g})")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if self.low is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value {self.value:g} is outside its range {self.low:g} to {self.high:g}")
        return self

    @property
    def ranged(self) -> bool:
        return self.low is not None and self.high is not None and self.high > self.low


class HolderInfo(StrictModel):
    """A holder the ledger may be asked about: its currency and, where no ledger can be
    built, why."""

    holder: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    currency: str = Field(default="", pattern=r"^([A-Z]{3})?$")
    not_available_reason: str = ""


class ReserveRow(StrictModel):
    """Official reserve assets at a date ($bn; blank = not published)."""

    as_of: Day
    total_usd_bn: float = Field(gt=0, le=50_000)
    securities_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    deposits_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    deposits_cb_bis_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    imf_position_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    sdr_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    gold_usd_bn: float | None = Field(default=None, ge=0, le=50_000)
    jbic_loans_usd_bn: float | None = Field(default=None, ge=0, le=50_000)  # outside the reserve total
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""

    @model_validator(mode="after")
    def _parts(self) -> ReserveRow:
        parts = [getattr(self, f) for f in ("securities_usd_bn", "deposits_usd_bn", "imf_position_usd_bn",
                                            "sdr_usd_bn", "gold_usd_bn")]
        known = sum(p for p in parts if p is not None)
        if known > self.total_usd_bn * 1.01:
            raise ValueError(f"the parts add up to {known:,.1f}, more than the total {self.total_usd_bn:,.1f}")
        if (self.deposits_cb_bis_usd_bn is not None and self.deposits_usd_bn is not None
                and self.deposits_cb_bis_usd_bn > self.deposits_usd_bn + 1e-9):
            raise ValueError("deposits at central banks and the BIS exceed total deposits")
        return self


class MaturityMix(StrictModel):
    """The reserve securities by remaining maturity (shares summing to 1)."""

    as_of: Day
    within_1y_share: float = Field(ge=0, le=1)
    one_to_5y_share: float = Field(ge=0, le=1)
    over_5y_share: float = Field(ge=0, le=1)
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""

    @model_validator(mode="after")
    def _sum(self) -> MaturityMix:
        total = self.within_1y_share + self.one_to_5y_share + self.over_5y_share
        if abs(total - 1) > 0.005:
            raise ValueError(f"the three shares must sum to 1 (they sum to {total:.3f})")
        return self


class FxEpisode(StrictModel):
    """An intervention converting dollars into the holder's currency, and its impact."""

    first_day: Day
    last_day: Day
    amount_jpy_tn: float = Field(gt=0, le=1000)
    rate_before: float = Field(gt=0, le=100_000)
    rate_after: float = Field(gt=0, le=100_000)
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> FxEpisode:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        if abs(self.rate_after / self.rate_before - 1) > 0.5:
            raise ValueError("the rate moves by more than half: not an intervention's impact")
        return self

    @property
    def usd_bn(self) -> float:
        """Dollars sold ($bn) at the rate before the intervention."""
        return self.amount_jpy_tn * 1000.0 / self.rate_before

    @property
    def local_gain_pct(self) -> float:
        """Percent rise in the dollar price of the holder's currency (+ = it strengthened)."""
        return (self.rate_before / self.rate_after - 1.0) * 100.0

    @property
    def impact_pct_per_local_tn(self) -> float:
        """Percent fall of the dollar (in yen per dollar) per tn of local currency spent."""
        return (1.0 - self.rate_after / self.rate_before) * 100.0 / self.amount_jpy_tn

    @property
    def local_gain_pct_per_100bn(self) -> float:
        """:attr:`local_gain_pct` per $100bn converted."""
        return self.local_gain_pct / self.usd_bn * 100.0


class TariffPeriod(StrictModel):
    """The tariff on one group of goods over a span of days (``last_day`` blank = still in force)."""

    tariff_group: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    first_day: Day
    last_day: Day | None = None
    rate_pct: float = Field(ge=0, le=200)
    measure: str = Field(min_length=1)
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> TariffPeriod:
        if self.last_day is not None and self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


class ImportSector(StrictModel):
    """US imports from the holder in one sector ($bn a year)."""

    sector_code: str = Field(min_length=1)
    sector: str = Field(min_length=1)
    imports_usd_bn: float = Field(ge=0, le=10_000)
    tariff_group: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    as_of: Day
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""


COST_UNITS = {"pct_gdp": (-20.0, 20.0), "pp": (-20.0, 20.0), "jpy_bn": (-1e6, 1e6), "usd_bn": (-1e5, 1e5)}


class TariffCost(StrictModel):
    """A published estimate of the tariffs' cost to the holder."""

    source: str = Field(min_length=1)
    published: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
    scenario: str = Field(min_length=1)
    measure: str = Field(min_length=1)
    value: float
    low: float | None = None
    high: float | None = None
    unit: Literal["pct_gdp", "pp", "jpy_bn", "usd_bn"]
    horizon: str = Field(min_length=1)
    tag: Tag
    source_url: str = Field(default="", pattern=r"^(https?://\S+)?$")

    @field_validator("published")
    @classmethod
    def _published_day(cls, value: str) -> str:
        try:  # a month alone stands for its first day
            day = dt.date.fromisoformat(value if len(value) > 7 else value + "-01")
        except ValueError:
            raise ValueError(f"{value} is not a real date") from None
        plausible_day(day)
        return value

    @model_validator(mode="after")
    def _range(self) -> TariffCost:
        lo, hi = COST_UNITS[self.unit]
        for name in ("value", "low", "high"):
            x = getattr(self, name)
            if x is not None and not lo <= x <= hi:
                raise ValueError(f"{name} {x:g} is not plausible in {self.unit} (expected {lo:g} to {hi:g})")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if self.low is not None and not min(self.low, self.high) <= self.value <= max(self.low, self.high):
            raise ValueError("value is outside its range")
        return self


class BaselineYear(StrictModel):
    """CBO's baseline for one fiscal year (blank = not retrieved)."""

    fiscal_year: int = Field(ge=2000, le=2100)
    deficit_usd_bn: float | None = Field(default=None, ge=-5000, le=20_000)
    net_interest_usd_bn: float | None = Field(default=None, ge=0, le=20_000)
    debt_held_by_public_usd_bn: float | None = Field(default=None, gt=0, le=500_000)
    debt_pct_gdp: float | None = Field(default=None, gt=0, le=500)
    tag: Tag
    source_url: str = Field(pattern=URL)
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_rows(path: Path, model: type[StrictModel]) -> list:
    """Rows of a curated CSV validated into ``model``.

    The header must name the model's fields in order; a blank cell leaves an optional field at
    its default (``None``). A bad row raises ``InputError`` as ``file:line: field: reason``.
    """
    return [row for _, row in csv_rows(path, model)]


@dataclass(frozen=True)
class LedgerData:
    """Every curated table the ledger uses, validated.

    Attributes
    ----------
    folder : Path
        Where the files were read from (``data/curated``).
    facts : dict
        ``(holder, key) -> Fact``.
    holders : dict
        ``holder -> HolderInfo``.
    reserves : list of ReserveRow
        Japan's reserves by date (oldest first).
    maturity_mix : list of MaturityMix
    fx_episodes : list of FxEpisode
    tariffs : list of TariffPeriod
    imports : list of ImportSector
    tariff_costs : list of TariffCost
    cbo_baseline : list of BaselineYear
    """

    folder: Path
    facts: dict[tuple[str, str], Fact]
    holders: dict[str, HolderInfo]
    reserves: list[ReserveRow]
    maturity_mix: list[MaturityMix]
    fx_episodes: list[FxEpisode]
    tariffs: list[TariffPeriod]
    imports: list[ImportSector]
    tariff_costs: list[TariffCost]
    cbo_baseline: list[BaselineYear]

    def fact(self, holder: str, key: str) -> Fact | None:
        return self.facts.get((holder, key))

    def missing(self, holder: str, keys) -> list[str]:
        return [k for k in keys if (holder, k) not in self.facts]

    def latest_reserves(self) -> ReserveRow:
        return self.reserves[-1]

    def path(self, name: str) -> Path:
        return self.folder / name


FILES = {
    "facts": ("ledger_facts.csv", Fact),
    "holders": ("ledger_holders.csv", HolderInfo),
    "reserves": ("jp_reserves.csv", ReserveRow),
    "maturity_mix": ("jp_reserve_maturity.csv", MaturityMix),
    "fx_episodes": ("jp_fx_impact.csv", FxEpisode),
    "tariffs": ("jp_tariff_timeline.csv", TariffPeriod),
    "imports": ("jp_us_imports.csv", ImportSector),
    "tariff_costs": ("jp_tariff_costs.csv", TariffCost),
    "cbo_baseline": ("cbo_baseline.csv", BaselineYear),
}


def _check_tariffs(periods: list[tuple[int, TariffPeriod]], imports: list[tuple[int, ImportSector]], path: Path,
                   imports_path: Path) -> None:
    """Per group: spans in date order that do not overlap; every group of the imports has spans."""
    by_group: dict[str, list[tuple[int, TariffPeriod]]] = {}
    for line, p in periods:
        by_group.setdefault(p.tariff_group, []).append((line, p))
    for group, spans in by_group.items():
        for (_, a), (line, b) in zip(spans, spans[1:], strict=False):
            if a.last_day is None or b.first_day <= a.last_day:
                raise InputError(f"the spans of '{group}' from {a.first_day} and {b.first_day} overlap or are "
                                 "out of order", path, line)
    for line, sector in imports:
        if sector.tariff_group not in by_group:
            hint = did_you_mean(sector.tariff_group, by_group)
            raise InputError(f"sector '{sector.sector_code}' is in tariff group '{sector.tariff_group}', which "
                             f"has no rates in {path.name}{hint}", imports_path, line, "tariff_group")


def load_ledger_data(folder: str | Path | None = None) -> LedgerData:
    """Read and validate every curated table of the ledger.

    Parameters
    ----------
    folder : str or Path, optional
        The folder holding the files (default: ``data/curated`` of the project,
        :func:`model.paths.curated_dir`).

    Raises
    ------
    InputError
        For a missing or malformed file or row (one line naming the file, line and field).
    """
    if folder is None:
        from model.paths import curated_dir

        folder = curated_dir()
    folder = Path(folder)
    numbered = {name: csv_rows(folder / file, model) for name, (file, model) in FILES.items()}
    loaded = {name: [row for _, row in rows] for name, rows in numbered.items()}
    facts: dict[tuple[str, str], Fact] = {}
    for line, fact in numbered["facts"]:
        if (fact.holder, fact.key) in facts:
            raise InputError(f"{fact.holder} {fact.key} appears twice", folder / FILES["facts"][0], line)
        facts[(fact.holder, fact.key)] = fact
    holders: dict[str, HolderInfo] = {}
    for line, info in numbered["holders"]:
        if info.holder in holders:
            raise InputError(f"holder '{info.holder}' appears twice", folder / FILES["holders"][0], line)
        holders[info.holder] = info
    for name, attr in (("reserves", "as_of"), ("maturity_mix", "as_of"), ("fx_episodes", "first_day"),
                       ("cbo_baseline", "fiscal_year")):
        check_order(numbered[name], attr, folder / FILES[name][0])
    codes: set[str] = set()
    for line, sector in numbered["imports"]:
        if sector.sector_code in codes:
            raise InputError(f"sector_code '{sector.sector_code}' appears twice", folder / FILES["imports"][0], line)
        codes.add(sector.sector_code)
    _check_tariffs(numbered["tariffs"], numbered["imports"], folder / FILES["tariffs"][0],
                   folder / FILES["imports"][0])
    return LedgerData(folder=folder, facts=facts, holders=holders, reserves=loaded["reserves"],
                      maturity_mix=loaded["maturity_mix"], fx_episodes=loaded["fx_episodes"],
                      tariffs=loaded["tariffs"], imports=loaded["imports"],
                      tariff_costs=loaded["tariff_costs"], cbo_baseline=loaded["cbo_baseline"])


@cache
def ledger_data() -> LedgerData:
    """The project's curated ledger tables (``data/curated``), validated once per process."""
    return load_ledger_data()


__all__ = ["FACT_KEYS", "FILES", "SELLER_KEYS", "TAGS", "UNITS", "BaselineYear", "Fact", "FxEpisode",
           "HolderInfo", "ImportSector", "LedgerData", "MaturityMix", "ReserveRow", "TariffCost", "TariffPeriod",
           "ledger_data", "load_ledger_data", "read_rows"]
