"""Published effects (``literature.toml``), rescaled to today's market before comparison."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from model.config import StrictModel, config_path, load_model
from model.panel import RESPONSES, Panel


class PublishedEffect(StrictModel):
    key: str
    source: str
    url: str
    maturity: str
    measure: str
    headline: str
    units: str
    low: float
    central: float
    high: float
    scale: Literal["gdp", "debt_public", "debt_share"]
    scale_date: str = Field(pattern=r"^\d{4}-\d{2}$")
    horizon: str
    status: str

    @model_validator(mode="after")
    def _ordered(self) -> PublishedEffect:
        if not self.low <= self.central <= self.high:
            raise ValueError("need low <= central <= high")
        return self


class Envelope(StrictModel):
    low: str
    central: str
    high: str
    maturity_loading: dict[str, float]

    @model_validator(mode="after")
    def _maturities(self) -> Envelope:
        missing = [m for m in RESPONSES if m not in self.maturity_loading]
        if missing:
            raise ValueError(f"maturity_loading lacks {', '.join(missing)}")
        return self


class LiteratureConfig(StrictModel):
    effect: list[PublishedEffect]
    envelope: Envelope

    @model_validator(mode="after")
    def _envelope_refs(self) -> LiteratureConfig:
        keys = {e.key for e in self.effect}
        for ref in (self.envelope.low, self.envelope.central, self.envelope.high):
            if ref not in keys:
                raise ValueError(f"envelope refers to unknown effect '{ref}'")
        return self


@cache
def literature_config() -> LiteratureConfig:
    """The validated ``literature.toml``."""
    return load_model(config_path("literature.toml"), LiteratureConfig)


@dataclass(frozen=True)
class ScaleToday:
    """Today's market size used for every conversion."""

    debt_bn: float
    gdp_bn: float
    month: str


def rescale_factor(effect: PublishedEffect, panel: Panel, today: ScaleToday) -> tuple[float, float | None]:
    """Multiplier from the published units to bp per $100bn today, and the scale then ($bn)."""
    if effect.scale == "gdp":
        return 100.0 / today.gdp_bn * 100.0, None
    if effect.scale == "debt_share":
        return 100.0 / today.debt_bn * 100.0, None
    then = float(panel.frame.loc[pd.Timestamp(effect.scale_date + "-01"), "debt_public_bn"])
    return then / today.debt_bn, then


def rescale(value: float, effect: PublishedEffect, panel: Panel, today: ScaleToday) -> float:
    """One published number in bp per $100bn at today's scale."""
    return value * rescale_factor(effect, panel, today)[0]


def literature_table(panel: Panel, today: ScaleToday, config: LiteratureConfig | None = None) -> pd.DataFrame:
    """Every published effect as published and in bp per $100bn today."""
    config = config or literature_config()
    rows = []
    for e in config.effect:
        factor, then = rescale_factor(e, panel, today)
        rows.append({
            "key": e.key, "source": e.source, "url": e.url, "maturity": e.maturity, "horizon": e.horizon,
            "headline": e.headline, "published_low": e.low, "published_high": e.high,
            "published_units": e.units, "scale": e.scale, "scale_date": e.scale_date,
            "debt_then_bn": then, "factor": factor, "low_bp_per_100bn_today": e.low * factor,
            "central_bp_per_100bn_today": e.central * factor, "high_bp_per_100bn_today": e.high * factor,
            "status": e.status,
        })
    return pd.DataFrame(rows)


def envelope(panel: Panel, today: ScaleToday, config: LiteratureConfig | None = None) -> dict:
    """The scenarios' literature envelope for the 10-year, bp per $100bn today (positive =
    yields rise per $100bn less demand), with each bound's source and the maturity loading."""
    config = config or literature_config()
    by_key = {e.key: e for e in config.effect}
    out = {"sources": {}, "maturity_loading": dict(config.envelope.maturity_loading),
           "scale_month": today.month, "debt_today_bn": today.debt_bn}
    for bound in ("low", "central", "high"):
        effect = by_key[getattr(config.envelope, bound)]
        out[bound] = rescale(getattr(effect, "central" if bound == "central" else bound), effect, panel, today)
        out["sources"][bound] = f"{effect.source} ({effect.horizon})"
    return out
