"""Published effects (``literature.toml``), rescaled to today's market before comparison, the
scenarios' literature envelope (a short-run level decaying toward a long-run level) and the
response model's prior.

Every effect is converted to one unit: bp on the 10-year per $100bn sold (less demand) at
today's debt held by the public. The steps (see the config file): published units to bp per
$100bn at the effect's own date; one scaling basis to today (debt held by the public by
default, GDP as a sensitivity); other maturities to the 10-year by the maturity loadings.

The envelope is a typed object (:class:`LiteratureEnvelope`): attributes for new code, item
access (``env["short_run"]["low"]``) for code written against the former dict, and one
serialiser (:meth:`LiteratureEnvelope.to_dict` / :meth:`LiteratureEnvelope.from_dict`).

The prior (:class:`LiteraturePrior`, ``envelope.prior``) on the 10-year short-run effect:
centred on the envelope's central short-run effect; its 90% range spans the short-run and
impact effects only (not long-run supply effects); and it is a *power prior* (Ibrahim & Chen
2000): the centre study's information counts only in the share of its sample months that our
estimation sample does not contain, so its variance is divided by that share. The same prior
on the other scaling basis (GDP instead of debt) is carried as a sensitivity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from model.config import (
    FieldProblems,
    StrictModel,
    config_path,
    holder_config,
    load_model,
    read_toml,
)
from model.errors import did_you_mean
from model.panel import RESPONSES, Panel
from model.stats import sd_from_range

Horizon = Literal["impact", "short_run", "long_run"]
Basis = Literal["debt_public", "gdp"]


class PublishedEffect(StrictModel):
    key: str
    cite: str = Field(min_length=1)  # short citation for tables and charts, e.g. "Beltran et al. (2013)"
    source: str
    url: str
    maturity: str
    measure: str
    headline: str
    units: str
    low: float = Field(ge=0)
    central: float = Field(ge=0)
    high: float = Field(ge=0)
    scale: Literal["gdp", "debt_public", "debt_share", "today"]
    scale_date: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    horizon: Horizon
    horizon_note: str = ""
    status: str
    # the months of data the estimate uses (for the prior's overlap with our sample), when known
    sample_start: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    sample_end: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")

    @model_validator(mode="after")
    def _checks(self) -> PublishedEffect:
        if not self.low <= self.central <= self.high:
            raise ValueError("need low <= central <= high (effects are bp per $100bn less demand, positive)")
        if self.maturity not in RESPONSES:
            raise ValueError(f"maturity must be one of {', '.join(RESPONSES)}")
        if (self.sample_start is None) != (self.sample_end is None):
            raise ValueError("give both sample_start and sample_end, or neither")
        if self.sample_start is not None and self.sample_start > self.sample_end:
            raise ValueError("sample_start is after sample_end")
        return self


class Envelope(StrictModel):
    basis: Basis = "debt_public"
    central_short_run: str
    central_long_run: str
    half_life_months: float = Field(gt=0, le=120)
    maturity_loading: dict[str, float]

    @field_validator("maturity_loading")
    @classmethod
    def _maturities(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [m for m in RESPONSES if m not in value]
        if missing:
            raise ValueError(f"lacks {', '.join(missing)}")
        extra = [m for m in value if m not in RESPONSES]
        if extra:
            raise ValueError(f"unknown maturity '{extra[0]}'")
        if any(v <= 0 for v in value.values()):
            raise ValueError("maturity loadings must be positive")
        return value


class PriorConfig(StrictModel):
    range_horizons: list[Horizon] = Field(min_length=1)
    overlap: Literal["power", "none"]
    pool: list[str] = Field(min_length=1)

    @field_validator("pool")
    @classmethod
    def _groups(cls, value: list[str], info: ValidationInfo) -> list[str]:
        groups = (info.context or {}).get("groups")
        if groups is not None:
            problems = []
            for i, name in enumerate(value):
                if name not in groups:
                    problems.append(((i,), f"unknown holder group '{name}'{did_you_mean(name, groups)}"))
            if problems:
                raise FieldProblems(problems)
        return value
    conflict_level: float = Field(gt=0.5, lt=1)
    between_holder_sd_scale_bp: float = Field(gt=0, le=100)


class PersistenceConfig(StrictModel):
    sd: float = Field(gt=0, lt=0.5)


class LiteratureConfig(StrictModel):
    effect: list[PublishedEffect] = Field(min_length=1)
    envelope: Envelope
    prior: PriorConfig
    persistence: PersistenceConfig

    @model_validator(mode="after")
    def _refs(self) -> LiteratureConfig:
        by_key = {e.key: e for e in self.effect}
        if len(by_key) < len(self.effect):
            raise ValueError("effect keys must be unique")
        for field_name, horizon in (("central_short_run", ("impact", "short_run")), ("central_long_run", ("long_run",))):
            ref = getattr(self.envelope, field_name)
            if ref not in by_key:
                raise ValueError(f"envelope.{field_name} refers to unknown effect '{ref}'")
            if by_key[ref].horizon not in horizon:
                raise ValueError(f"envelope.{field_name}: effect '{ref}' has horizon '{by_key[ref].horizon}'")
        if not any(e.horizon == "long_run" for e in self.effect):
            raise ValueError("the envelope needs at least one long-run effect")
        if not any(e.horizon in self.prior.range_horizons for e in self.effect):
            raise ValueError("prior.range_horizons: no effect has one of these horizons")
        centre = by_key[self.envelope.central_short_run]
        if self.prior.overlap == "power" and centre.sample_start is None:
            raise ValueError(f"prior.overlap = 'power' needs the sample months of effect '{centre.key}' "
                             "(sample_start, sample_end)")
        return self


@cache
def literature_config() -> LiteratureConfig:
    """The validated ``literature.toml``."""
    path, holders = config_path("literature.toml"), holder_config()
    return load_model(path, LiteratureConfig, data=with_pool(read_toml(path), holders.pooled),
                      context={"groups": holders.groups})


def with_pool(data: Any, pooled: list[str]) -> Any:
    """``[prior] pool`` derived from ``holders.toml`` (the groups with an estimate of their own
    that inform the pooled effect, ``pooled``) unless the file lists it to override."""
    prior = data.get("prior") if isinstance(data, dict) else None
    if isinstance(prior, dict) and "pool" not in prior:  # declared once, in holders.toml
        return {**data, "prior": {**prior, "pool": pooled}}
    return data


@dataclass(frozen=True)
class ScaleToday:
    """Today's market size used for every conversion."""

    debt_bn: float
    gdp_bn: float
    month: str


def _at(panel: Panel, column: str, month: str) -> float:
    return float(panel.frame.loc[pd.Timestamp(month + "-01"), column])


def rescale_factor(effect: PublishedEffect, panel: Panel, today: ScaleToday, basis: Basis = "debt_public",
                   loading: dict[str, float] | None = None) -> tuple[float, float | None, float | None]:
    """Multiplier from the published units to 10-year bp per $100bn today.

    Returns
    -------
    factor : float
    debt_then_bn, gdp_then_bn : float or None
        The market size at the effect's date (None for effects already at today's scale).
    """
    to_10y = 1.0
    if loading is not None:
        to_10y = loading["10y"] / loading[effect.maturity]
    if effect.scale == "today":
        return to_10y, None, None
    debt_then = _at(panel, "debt_public_bn", effect.scale_date)
    gdp_then = _at(panel, "gdp_bn", effect.scale_date)
    if effect.scale == "gdp":
        per_100bn_then = 100.0 / gdp_then * 100.0  # bp per 1% of GDP -> bp per $100bn then
    elif effect.scale == "debt_share":
        per_100bn_then = 100.0 / debt_then * 100.0
    else:
        per_100bn_then = 1.0
    to_today = debt_then / today.debt_bn if basis == "debt_public" else gdp_then / today.gdp_bn
    return per_100bn_then * to_today * to_10y, debt_then, gdp_then


def literature_table(panel: Panel, today: ScaleToday, config: LiteratureConfig | None = None) -> pd.DataFrame:
    """Every published effect as published and as a 10-year effect per $100bn today, on the
    envelope's basis (``*_bp_per_100bn_today``) and on the other basis (``*_other_basis``)."""
    config = config or literature_config()
    basis = config.envelope.basis
    other: Basis = "gdp" if basis == "debt_public" else "debt_public"
    loading = config.envelope.maturity_loading
    rows = []
    for e in config.effect:
        factor, debt_then, gdp_then = rescale_factor(e, panel, today, basis, loading)
        factor_other, _, _ = rescale_factor(e, panel, today, other, loading)
        rows.append({
            "key": e.key, "cite": e.cite, "source": e.source, "url": e.url, "maturity": e.maturity, "horizon": e.horizon,
            "horizon_note": e.horizon_note, "headline": e.headline, "published_low": e.low,
            "published_central": e.central, "published_high": e.high, "published_units": e.units,
            "scale": e.scale, "scale_date": e.scale_date, "debt_then_bn": debt_then, "gdp_then_bn": gdp_then,
            "to_10y": loading["10y"] / loading[e.maturity], "basis": basis, "factor": factor,
            "low_bp_per_100bn_today": e.low * factor, "central_bp_per_100bn_today": e.central * factor,
            "high_bp_per_100bn_today": e.high * factor,
            "other_basis": other, "low_other_basis": e.low * factor_other,
            "central_other_basis": e.central * factor_other, "high_other_basis": e.high * factor_other,
            "status": e.status,
        })
    return pd.DataFrame(rows)


class _Record(Mapping):
    """A frozen record with item access by field name, for code written against a dict."""

    def _names(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def to_dict(self) -> dict:
        """JSON-ready (nested records as dicts)."""
        return {name: _plain(getattr(self, name)) for name in self._names()}


def _plain(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, eq=False)
class Band(_Record):
    """A range of published answers: ``central``, ``low``, ``high`` (bp per $100bn sold)."""

    central: float
    low: float
    high: float


@dataclass(frozen=True, eq=False)
class BandSources(_Record):
    """Which published effect sets each bound."""

    central: str
    low: str
    high: str


@dataclass(frozen=True, eq=False)
class EnvelopeSources(_Record):
    short_run: BandSources
    long_run: BandSources


@dataclass(frozen=True, eq=False)
class EnvelopeLevels(_Record):
    """The envelope's levels on one scaling basis."""

    basis: str
    short_run: Band
    long_run: Band


@dataclass(frozen=True, eq=False)
class LiteraturePrior(_Record):
    """The prior on a holder's 10-year short-run effect (bp per $100bn sold today).

    ``mean_10y`` is the centre study's short-run effect; ``range_sd_10y`` reads the range of the
    short-run and impact effects as a 90% interval; ``sd_10y`` divides its variance by
    ``power`` (the share of the centre study's months outside our sample: a power prior).
    """

    basis: str
    mean_10y: float
    sd_10y: float
    range_sd_10y: float
    range_low: float
    range_high: float
    range_horizons: list[str]
    centre: str
    centre_sample: str | None
    our_sample: str
    overlap_months: int
    centre_months: int
    power: float
    rule: str


@dataclass(frozen=True, eq=False)
class LiteratureEnvelope(_Record):
    """The literature envelope and prior (see the module docstring); 10-year, bp per $100bn
    sold at today's scale."""

    short_run: Band
    long_run: Band
    sources: EnvelopeSources
    half_life_months: float
    maturity_loading: dict[str, float]
    basis: str
    other_basis: EnvelopeLevels
    persistence_mean: float
    scale_month: str
    debt_today_bn: float
    gdp_today_bn: float
    units: str
    prior: LiteraturePrior | None = None
    prior_other_basis: LiteraturePrior | None = None

    @classmethod
    def from_dict(cls, record: dict) -> LiteratureEnvelope:
        """The inverse of :meth:`to_dict` (the estimation cache)."""
        def band(d: dict) -> Band:
            return Band(central=float(d["central"]), low=float(d["low"]), high=float(d["high"]))

        def prior(d: dict | None) -> LiteraturePrior | None:
            return None if d is None else LiteraturePrior(**d)

        sources = record["sources"]
        other = record["other_basis"]
        return cls(
            short_run=band(record["short_run"]), long_run=band(record["long_run"]),
            sources=EnvelopeSources(short_run=BandSources(**sources["short_run"]), long_run=BandSources(**sources["long_run"])),
            half_life_months=float(record["half_life_months"]), maturity_loading=dict(record["maturity_loading"]),
            basis=record["basis"],
            other_basis=EnvelopeLevels(basis=other["basis"], short_run=band(other["short_run"]), long_run=band(other["long_run"])),
            persistence_mean=float(record["persistence_mean"]), scale_month=record["scale_month"],
            debt_today_bn=float(record["debt_today_bn"]), gdp_today_bn=float(record["gdp_today_bn"]),
            units=record["units"], prior=prior(record.get("prior")), prior_other_basis=prior(record.get("prior_other_basis")),
        )


def _months(start: str, end: str) -> pd.PeriodIndex:
    return pd.period_range(start, end, freq="M")


def literature_prior(table: pd.DataFrame, config: LiteratureConfig, our_sample: tuple[str, str] | None,
                     basis_columns: str = "bp_per_100bn_today", basis: str = "debt_public") -> LiteraturePrior:
    """The prior on the 10-year short-run effect from the literature table (see
    :class:`LiteraturePrior`). ``basis_columns`` picks the table's columns
    (``bp_per_100bn_today`` or ``other_basis``)."""
    prior = config.prior
    env = config.envelope
    suffix = "_" + basis_columns
    ranged = table[table["horizon"].isin(prior.range_horizons)]
    low, high = float(ranged["low" + suffix].min()), float(ranged["high" + suffix].max())
    centre = table.set_index("key").loc[env.central_short_run]
    mean = float(centre["central" + suffix])
    range_sd = sd_from_range(low, high)
    effect = next(e for e in config.effect if e.key == env.central_short_run)
    overlap = months = 0
    power = 1.0
    ours = "" if our_sample is None else f"{our_sample[0]} to {our_sample[1]}"
    if prior.overlap == "power" and effect.sample_start is not None and our_sample is not None:
        theirs = _months(effect.sample_start, effect.sample_end)
        months = len(theirs)
        overlap = len(theirs.intersection(_months(*our_sample)))
        power = (months - overlap) / months
        if power <= 0:
            raise ValueError(f"the prior's centre study ({effect.key}) lies wholly inside our sample: it cannot "
                             "serve as an independent prior (choose another envelope.central_short_run)")
    rule = (f"mean: {effect.cite}'s short-run effect; 90% range: the short-run and impact effects "
            f"({low:.2f} to {high:.2f}), sd {range_sd:.2f}")
    if prior.overlap == "power" and our_sample is not None:
        rule += (f"; power prior: {overlap} of the study's {months} months are in our sample, so its information "
                 f"counts {power:.2f} (variance / {power:.2f})")
    return LiteraturePrior(
        basis=basis, mean_10y=mean, sd_10y=range_sd / np.sqrt(power), range_sd_10y=range_sd, range_low=low,
        range_high=high, range_horizons=list(prior.range_horizons), centre=effect.key,
        centre_sample=(f"{effect.sample_start} to {effect.sample_end}" if effect.sample_start else None),
        our_sample=ours, overlap_months=int(overlap), centre_months=int(months), power=float(power), rule=rule,
    )


def envelope(panel: Panel, today: ScaleToday, config: LiteratureConfig | None = None,
             our_sample: tuple[str, str] | None = None) -> LiteratureEnvelope:
    """The scenarios' literature envelope for the 10-year, bp per $100bn sold today, and the
    response model's prior.

    Each bound has a short-run level (h = 0) and a long-run level, joined by exponential decay
    with the configured half-life (:func:`envelope_path`). Low and high cover the table: the
    long-run range spans every long-run effect, the short-run range every effect.

    Parameters
    ----------
    our_sample : (str, str), optional
        First and last month of our estimation sample (``YYYY-MM``), for the prior's overlap
        with the centre study; without it the prior is not discounted.

    Returns
    -------
    LiteratureEnvelope
        ``short_run`` and ``long_run`` (each a :class:`Band`), their sources,
        ``half_life_months``, ``maturity_loading``, ``basis`` and the same levels on the other
        basis (``other_basis``), ``persistence_mean`` (central long-run / short-run), ``prior``
        and ``prior_other_basis``.
    """
    config = config or literature_config()
    env = config.envelope

    def levels(table: pd.DataFrame) -> tuple[Band, Band]:
        long_run = table[table["horizon"] == "long_run"]
        by_key = table.set_index("key")
        lr = Band(low=float(long_run["low_bp_per_100bn_today"].min()),
                  central=float(by_key.loc[env.central_long_run, "central_bp_per_100bn_today"]),
                  high=float(long_run["high_bp_per_100bn_today"].max()))
        sr = Band(low=float(table["low_bp_per_100bn_today"].min()),
                  central=float(by_key.loc[env.central_short_run, "central_bp_per_100bn_today"]),
                  high=float(table["high_bp_per_100bn_today"].max()))
        return sr, lr

    table = literature_table(panel, today, config)
    short_run, long_run = levels(table)
    other_table = table.assign(**{f"{b}_bp_per_100bn_today": table[f"{b}_other_basis"] for b in ("low", "central", "high")})
    other_sr, other_lr = levels(other_table)
    long_run_rows = table[table["horizon"] == "long_run"]

    def source_of(column: str, frame: pd.DataFrame, pick: str) -> str:
        row = frame.loc[frame[column].idxmin() if pick == "min" else frame[column].idxmax()]
        return f"{row['cite']}, {row['horizon'].replace('_', ' ')}"

    by_key = table.set_index("key")
    sources = EnvelopeSources(
        short_run=BandSources(low=source_of("low_bp_per_100bn_today", table, "min"),
                              central=f"{by_key.loc[env.central_short_run, 'cite']}, short run",
                              high=source_of("high_bp_per_100bn_today", table, "max")),
        long_run=BandSources(low=source_of("low_bp_per_100bn_today", long_run_rows, "min"),
                             central=f"{by_key.loc[env.central_long_run, 'cite']}, long run",
                             high=source_of("high_bp_per_100bn_today", long_run_rows, "max")),
    )
    other_name = "gdp" if env.basis == "debt_public" else "debt_public"
    return LiteratureEnvelope(
        short_run=short_run, long_run=long_run, sources=sources, half_life_months=env.half_life_months,
        maturity_loading=dict(env.maturity_loading), basis=env.basis,
        other_basis=EnvelopeLevels(basis=other_name, short_run=other_sr, long_run=other_lr),
        persistence_mean=long_run.central / short_run.central,
        scale_month=today.month, debt_today_bn=today.debt_bn, gdp_today_bn=today.gdp_bn,
        units="bp on the 10-year per $100bn sold, today's scale",
        prior=literature_prior(table, config, our_sample, "bp_per_100bn_today", env.basis),
        prior_other_basis=literature_prior(table, config, our_sample, "other_basis", other_name),
    )


def envelope_path(env: LiteratureEnvelope, bound: str, months: int) -> np.ndarray:
    """A bound's effect ``h`` = 0..months-1 months after a $100bn sale (10-year, bp)."""
    h = np.arange(months)
    sr, lr = env["short_run"][bound], env["long_run"][bound]
    return lr + (sr - lr) * 0.5 ** (h / env["half_life_months"])
