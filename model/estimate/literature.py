"""Published effects (``literature.toml``), rescaled to today's market before comparison, and
the scenarios' literature envelope: a short-run level decaying toward a long-run level.

Every effect is converted to one unit: bp on the 10-year per $100bn sold (less demand) at
today's debt held by the public. The steps (see the config file): published units to bp per
$100bn at the effect's own date; one scaling basis to today (debt held by the public by
default, GDP as a sensitivity); other maturities to the 10-year by the maturity loadings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from model.config import FieldProblems, StrictModel, config_path, holder_config, load_model
from model.errors import did_you_mean
from model.panel import RESPONSES, Panel

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

    @model_validator(mode="after")
    def _checks(self) -> PublishedEffect:
        if not self.low <= self.central <= self.high:
            raise ValueError("need low <= central <= high (effects are bp per $100bn less demand, positive)")
        if self.maturity not in RESPONSES:
            raise ValueError(f"maturity must be one of {', '.join(RESPONSES)}")
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
    maturity_sd_share: float = Field(ge=0, le=2)
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
    min_between_holder_sd_bp: float = Field(ge=0, le=100)
    max_between_holder_sd_bp: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _range(self) -> PriorConfig:
        if self.min_between_holder_sd_bp > self.max_between_holder_sd_bp:
            raise ValueError("min_between_holder_sd_bp is above max_between_holder_sd_bp")
        return self


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
        return self


@cache
def literature_config() -> LiteratureConfig:
    """The validated ``literature.toml``."""
    return load_model(config_path("literature.toml"), LiteratureConfig, context={"groups": holder_config().groups})


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


def envelope(panel: Panel, today: ScaleToday, config: LiteratureConfig | None = None) -> dict:
    """The scenarios' literature envelope for the 10-year, bp per $100bn sold today.

    Each bound has a short-run level (h = 0) and a long-run level, joined by exponential decay
    with the configured half-life (:func:`envelope_path`). Low and high cover the table: the
    long-run range spans every long-run effect, the short-run range every effect.

    Returns
    -------
    dict
        ``short_run`` and ``long_run`` (each ``{low, central, high}``), their sources,
        ``half_life_months``, ``maturity_loading``, ``basis`` and the same levels on the other
        basis (``other_basis``), ``persistence_mean`` (central long-run / short-run).
    """
    config = config or literature_config()
    env = config.envelope

    def levels(table: pd.DataFrame) -> dict:
        long_run = table[table["horizon"] == "long_run"]
        by_key = table.set_index("key")
        lr = {"low": float(long_run["low_bp_per_100bn_today"].min()),
              "central": float(by_key.loc[env.central_long_run, "central_bp_per_100bn_today"]),
              "high": float(long_run["high_bp_per_100bn_today"].max())}
        sr = {"low": float(table["low_bp_per_100bn_today"].min()),
              "central": float(by_key.loc[env.central_short_run, "central_bp_per_100bn_today"]),
              "high": float(table["high_bp_per_100bn_today"].max())}
        return {"short_run": sr, "long_run": lr}

    table = literature_table(panel, today, config)
    main = levels(table)
    other = levels(table.assign(**{f"{b}_bp_per_100bn_today": table[f"{b}_other_basis"]
                                    for b in ("low", "central", "high")}))
    long_run = table[table["horizon"] == "long_run"]

    def source_of(column: str, frame: pd.DataFrame, pick: str) -> str:
        row = frame.loc[frame[column].idxmin() if pick == "min" else frame[column].idxmax()]
        return f"{row['cite']}, {row['horizon'].replace('_', ' ')}"

    by_key = table.set_index("key")
    sources = {
        "short_run": {"low": source_of("low_bp_per_100bn_today", table, "min"),
                      "central": f"{by_key.loc[env.central_short_run, 'cite']}, short run",
                      "high": source_of("high_bp_per_100bn_today", table, "max")},
        "long_run": {"low": source_of("low_bp_per_100bn_today", long_run, "min"),
                     "central": f"{by_key.loc[env.central_long_run, 'cite']}, long run",
                     "high": source_of("high_bp_per_100bn_today", long_run, "max")},
    }
    return {
        **main, "sources": sources, "half_life_months": env.half_life_months,
        "maturity_loading": dict(env.maturity_loading), "basis": env.basis,
        "other_basis": {"basis": "gdp" if env.basis == "debt_public" else "debt_public", **other},
        "persistence_mean": main["long_run"]["central"] / main["short_run"]["central"],
        "scale_month": today.month, "debt_today_bn": today.debt_bn, "gdp_today_bn": today.gdp_bn,
        "units": "bp on the 10-year per $100bn sold, today's scale",
    }


def envelope_path(env: dict, bound: str, months: int) -> np.ndarray:
    """A bound's effect ``h`` = 0..months-1 months after a $100bn sale (10-year, bp)."""
    h = np.arange(months)
    sr, lr = env["short_run"][bound], env["long_run"][bound]
    return lr + (sr - lr) * 0.5 ** (h / env["half_life_months"])
