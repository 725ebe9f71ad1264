"""Estimation settings (``estimation.toml``) and the regressors built from the panel."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from model.config import StrictModel, config_path, holder_config, load_model, read_toml
from model.panel import RESPONSES, Panel

FlowMeasure = Literal["reported", "naive", "adjusted"]
MAX_LAGS = 12  # the longest lag of a flow in any distributed-lag specification
FLOW_MEASURES: tuple[FlowMeasure, ...] = ("reported", "naive", "adjusted")
FLOW_COLUMN = {"reported": "net_purchases_bn", "naive": "dholdings_bn", "adjusted": "adj_purchases_bn"}
MEASURE_TEXT = {
    "reported": "reported net purchases of bonds and notes (Form S to 2023-01, SLT after)",
    "naive": "change in reported holdings (no valuation adjustment)",
    "adjusted": "change in holdings + valuation adjustment (market-value era)",
}


class HoldersByMeasure(StrictModel):
    reported: list[str]
    naive: list[str]
    adjusted: list[str]


class DLConfig(StrictModel):
    lags: int = Field(ge=0, le=MAX_LAGS)
    maturities: list[str]
    yield_timing: Literal["eom", "avg"]
    controls: list[str]
    residuals: HoldersByMeasure
    holders: HoldersByMeasure  # derived: the groups with their own estimate, then the residuals
    bootstrap_reps: int = Field(ge=0, le=10_000)
    bootstrap_block_months: int = Field(ge=1, le=60)
    bootstrap_seed: int = Field(ge=0)

    @field_validator("maturities")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        bad = [m for m in value if m not in RESPONSES]
        if bad:
            raise ValueError(f"unknown maturity '{bad[0]}' (use {', '.join(RESPONSES)})")
        return value


class Window(StrictModel):
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    end: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class GridConfig(StrictModel):
    """The specification grid (``[grid]``): every combination is one joint system."""

    measures: list[FlowMeasure] = Field(min_length=1)
    residuals: list[str] = Field(default_factory=list)
    holders: list[str] = Field(min_length=1)  # derived: the groups with their own estimate, then the residuals
    lags: list[int] = Field(min_length=1)
    timing: Literal["eom", "avg"]
    weights: Literal["equal", "stacking"]
    stacking_start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    stacking_min_coverage: float = Field(gt=0, le=1)
    min_obs_per_regressor: int = Field(ge=1, le=20)
    controls: dict[str, list[str]] = Field(min_length=1)
    sensitivities: dict[str, str] = Field(default_factory=dict)
    windows: dict[str, Window] = Field(min_length=1)

    @field_validator("lags")
    @classmethod
    def _lags(cls, value: list[int]) -> list[int]:
        if any(k < 0 or k > MAX_LAGS for k in value):
            raise ValueError(f"lags must be between 0 and {MAX_LAGS}")
        return value

    @model_validator(mode="after")
    def _sensitivities(self) -> GridConfig:
        unknown = [name for name in self.sensitivities if name not in self.controls]
        if unknown:
            raise ValueError(f"sensitivities.{unknown[0]} is not a control set of the grid")
        if len(self.sensitivities) >= len(self.controls):
            raise ValueError("every control set is a sensitivity: at least one must be weighted")
        return self


class LevelsConfig(StrictModel):
    window_months: int = Field(ge=1, le=36)
    hac_lags: int = Field(ge=0, le=48)
    controls: list[str]
    holders: HoldersByMeasure


class LPConfig(StrictModel):
    horizons: int = Field(ge=0, le=60)
    lags: int = Field(ge=0, le=12)
    controls: list[str]
    maturity: str
    aggregates: list[str] = Field(default_factory=list)
    shocks: list[str]  # derived: the groups with their own estimate, then the aggregates


class PersistenceEstimationConfig(StrictModel):
    """``[persistence]``: the lasting share from long distributed lags in changes."""

    method: Literal["long_lags"]
    measure: FlowMeasure
    holders: list[str] = Field(min_length=1)
    short_lags: int = Field(ge=0, le=MAX_LAGS)
    blocks: list[tuple[int, int]] = Field(min_length=1)

    @model_validator(mode="after")
    def _contiguous(self) -> PersistenceEstimationConfig:
        start = self.short_lags + 1
        for i, (first, last) in enumerate(self.blocks):
            if first != start or last < first:
                raise ValueError(f"blocks[{i}] must start at lag {start} (right after the previous one) "
                                 "and end at or after its start")
            start = last + 1
        if not 12 <= self.blocks[-1][1] <= 60:
            raise ValueError("the last block must end between lag 12 and lag 60 (the horizon of the lasting share)")
        return self

    @property
    def horizon_months(self) -> int:
        return self.blocks[-1][1]


class StabilityConfig(StrictModel):
    subsamples: list[tuple[str, str]]
    rolling_window_months: int = Field(ge=24)
    rolling_step_months: int = Field(ge=1)


class OOSConfig(StrictModel):
    first_forecast: str = Field(pattern=r"^\d{4}-\d{2}$")
    maturity: str


class EstimationConfig(StrictModel):
    """Validated ``estimation.toml``."""

    sample_start: str = Field(pattern=r"^\d{4}-\d{2}$")
    units: Literal["pct_debt", "bn"]
    exclude_breaks: bool
    distributed_lags: DLConfig
    grid: GridConfig
    levels: LevelsConfig
    local_projections: LPConfig
    stability: StabilityConfig
    out_of_sample: OOSConfig
    persistence: PersistenceEstimationConfig


def with_holders(data: Any, estimated: list[str]) -> Any:
    """The holder lists of the systems, the grid and the local projections, derived: every group
    declared with ``estimate = "own"`` in ``holders.toml`` (``estimated``), then the residuals
    and aggregates ``estimation.toml`` names. A file that lists them itself keeps its lists."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    dl = out.get("distributed_lags")
    if isinstance(dl, dict) and isinstance(dl.get("residuals"), dict) and "holders" not in dl:
        out["distributed_lags"] = {**dl, "holders": {m: [*estimated, *r] if isinstance(r, list) else r
                                                     for m, r in dl["residuals"].items()}}
    for section, named, derived in (("grid", "residuals", "holders"), ("local_projections", "aggregates", "shocks")):
        part = out.get(section)
        if isinstance(part, dict) and derived not in part and isinstance(part.get(named, []), list):
            out[section] = {**part, derived: [*estimated, *part.get(named, [])]}
    return out


@cache
def estimation_config() -> EstimationConfig:
    """The validated ``estimation.toml``, with the holder lists derived from ``holders.toml``."""
    path = config_path("estimation.toml")
    return load_model(path, EstimationConfig, data=with_holders(read_toml(path), holder_config().estimated))


def newey_west_lags(nobs: int) -> int:
    """The Newey-West (1994) rule of thumb ``floor(4 (T/100)^(2/9))``."""
    return int(math.floor(4 * (nobs / 100) ** (2 / 9)))


def latest_debt_bn(panel: Panel) -> float:
    """Debt held by the public at the latest month with TIC holdings ($bn): the 'today' scale."""
    frame = panel.frame
    last = frame["total_foreign_holdings_bn"].last_valid_index()
    return float(frame.loc[:last, "debt_public_bn"].dropna().iloc[-1])


def latest_gdp_bn(panel: Panel) -> float:
    """Nominal GDP (annual rate, $bn) at the latest month with TIC holdings."""
    frame = panel.frame
    last = frame["total_foreign_holdings_bn"].last_valid_index()
    return float(frame.loc[:last, "gdp_bn"].dropna().iloc[-1])


def flow_series(panel: Panel, holder: str, measure: FlowMeasure, units: str) -> pd.Series:
    """A holder group's monthly flow in the regression units.

    ``pct_debt``: percent of debt held by the public that month; ``bn``: $bn.
    """
    column = f"{holder}_{FLOW_COLUMN[measure]}"
    if column not in panel.frame:
        raise KeyError(f"no flow column {column} (unknown holder group '{holder}')")
    flow = panel.frame[column]
    if units == "pct_debt":
        return flow / panel.frame["debt_public_bn"] * 100
    return flow


def fed_purchases(panel: Panel, units: str) -> pd.Series:
    """The Fed's own Treasury purchases (change in its holdings), in the regression units."""
    flow = panel.frame["dfed_treasuries_bn"]
    if units == "pct_debt":
        return flow / panel.frame["debt_public_bn"] * 100
    return flow


def per_100bn_factor(units: str, debt_today_bn: float) -> float:
    """Multiply a coefficient (bp per unit of flow) by this to get bp per $100bn today."""
    if units == "pct_debt":
        return 100.0 / debt_today_bn * 100.0  # $100bn as percent of today's debt
    return 100.0


def break_mask(panel: Panel, measure: FlowMeasure) -> pd.Series:
    """Months whose flow is not comparable with the previous month's, for this measure.

    Reported transactions are not affected by holdings re-benchmarks; only the Form S / SLT
    join matters. Holdings-based flows are affected by every series break.
    """
    if measure == "reported":
        return panel.frame["flow_splice"].astype(bool)
    return panel.frame["series_break"].astype(bool) | panel.frame["flow_splice"].astype(bool)


def clean_months(mask: pd.Series, lags: int) -> pd.Series:
    """True for months where neither the month nor any of its ``lags`` predecessors is masked."""
    bad = mask.copy()
    for k in range(1, lags + 1):
        bad |= mask.shift(k, fill_value=False)
    return ~bad


def control_frame(panel: Panel, names: list[str], units: str) -> tuple[pd.DataFrame, list[str]]:
    """Control variables by name; controls without any data are dropped with a note."""
    frame = panel.frame
    out, notes = {}, []
    for name in names:
        if name == "fed_purchases":
            series = fed_purchases(panel, units)
        elif name == "deficit_gdp_12m":
            series = frame["deficit_bn"].rolling(12).sum() / frame["gdp_bn"] * 100
        elif name in frame:
            series = frame[name]
        else:
            raise KeyError(f"unknown control '{name}'")
        if series.notna().sum() == 0:
            notes.append(f"control '{name}' has no data in this panel and was left out")
            continue
        out[name] = series
    return pd.DataFrame(out, index=frame.index), notes


def yield_change(panel: Panel, maturity: str, timing: str) -> pd.Series:
    """Monthly change in a yield, bp (month-end or monthly-average)."""
    return panel.frame[f"dy{maturity}_eom_bp" if timing == "eom" else f"dy{maturity}_bp"]


def nan_to_none(value: float) -> float | None:
    """JSON-friendly float."""
    return None if value is None or (isinstance(value, float) and not np.isfinite(value)) else float(value)
