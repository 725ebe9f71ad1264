"""Scenario files: the TOML schema, validated into typed objects, and the settings shared by
every scenario (``simulation.toml``).

Every problem in a file is one ``file: dotted.path — reason`` line; checks that need the data
(holders present, a sale no larger than the holdings) run when a :class:`ScenarioContext` is
given.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from model.config import StrictModel, config_path, format_validation_error, load_model, read_toml
from model.errors import InputError, ValidationFailed
from model.panel import RESPONSES

if TYPE_CHECKING:
    from model.scenarios.context import ScenarioContext

# ---------------------------------------------------------------------------------------------
# Settings and files
# ---------------------------------------------------------------------------------------------


class SimulationConfig(StrictModel):
    """``simulation.toml``."""

    bill_sale_effect: float = Field(ge=0, le=1)
    chunk_draws: int = Field(ge=100, le=1_000_000)
    max_draws: int = Field(ge=1)
    memory_budget_mb: int = Field(ge=16)
    path_budget_share: float = Field(gt=0, le=1)
    loss_maturity: str
    loss_month: int = Field(ge=1, le=600)


@cache
def simulation_config() -> SimulationConfig:
    return load_model(config_path("simulation.toml"), SimulationConfig)


class ScenarioMeta(StrictModel):
    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    horizon_months: int = Field(ge=1, le=120)


RESPONSES_ALLOWED = ("posterior", "data", "literature")


class Pricing(StrictModel):
    mode: Literal["flow", "announcement"] = "flow"
    announcement_share: float = Field(default=0.0, ge=0.0, le=1.0)
    response: Literal["posterior", "data", "literature"] = "posterior"
    specification: Literal["averaged", "baseline"] = "averaged"
    bills: Literal["anchored", "estimated"] = "anchored"
    draws: int = Field(default=10_000, ge=1)
    seed: int = Field(default=20260501, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data):
        if isinstance(data, dict):
            if data.get("response") == "estimate":
                raise ValueError("response 'estimate' was split in two: use 'posterior' (the default: the estimates "
                                 "shrunk toward the literature) or 'data' (the estimates alone)")
            spec = data.get("specification")
            if isinstance(spec, str) and spec.startswith("distributed_lags/"):
                raise ValueError("specification now chooses between 'averaged' (the default: every specification "
                                 "of the grid in estimation.toml) and 'baseline'")
        return data

    @model_validator(mode="after")
    def _announcement(self) -> Pricing:
        if self.mode == "announcement" and self.announcement_share == 0:
            raise ValueError("mode 'announcement' needs announcement_share above 0")
        if self.mode == "flow" and self.announcement_share > 0:
            raise ValueError("announcement_share is set but mode is 'flow' (use mode = 'announcement')")
        return self



class HolderPlan(StrictModel):
    holder: str = Field(min_length=1)
    action: Literal["slowdown", "pause", "sell", "path"]
    baseline: Literal["trailing_12m"] | float = "trailing_12m"
    share: float | None = Field(default=None, ge=0.0, le=1.0)
    bn_per_month: float | None = Field(default=None, ge=0.0)
    bn: float | None = Field(default=None, ge=0.0)
    months: int | None = Field(default=None, ge=1, le=120)
    ramp_months: int = Field(default=0, ge=0, le=120)
    delay_months: int = Field(default=0, ge=0, le=120)
    flows_bn: list[float] | None = Field(default=None, min_length=1, max_length=120)
    instruments: Literal["bonds_notes", "all"] = "bonds_notes"

    @model_validator(mode="after")
    def _fields_for_action(self) -> HolderPlan:
        if (self.action == "path") != (self.flows_bn is not None):
            raise ValueError("'flows_bn' (monthly purchases, $bn) goes with action 'path', and only with it")
        if self.action == "path":
            if any(v is not None for v in (self.share, self.bn_per_month, self.bn, self.months)):
                raise ValueError("a path takes only 'flows_bn' (and optional 'baseline', 'delay_months')")
        elif self.action == "slowdown":
            if (self.share is None) == (self.bn_per_month is None):
                raise ValueError("a slowdown needs exactly one of 'share' (of baseline purchases) or 'bn_per_month'")
            if self.bn is not None:
                raise ValueError("'bn' belongs to a sell, not a slowdown")
        elif self.action == "pause":
            if self.months is None:
                raise ValueError("a pause needs 'months' (how long net purchases stay at zero)")
            if any(v is not None for v in (self.share, self.bn_per_month, self.bn)):
                raise ValueError("a pause takes only 'months' (and optional 'delay_months')")
        else:
            if (self.share is None) == (self.bn is None):
                raise ValueError("a sell needs exactly one of 'bn' (total $bn) or 'share' (of holdings)")
            if self.months is None:
                raise ValueError("a sell needs 'months' (over how long holdings fall)")
            if self.bn_per_month is not None:
                raise ValueError("'bn_per_month' belongs to a slowdown, not a sell")
        if self.instruments == "all" and self.action != "sell":
            raise ValueError("instruments = 'all' applies to a sell (slowdowns, pauses and paths are of bonds and notes)")
        return self


class ScenarioFile(StrictModel):
    """A validated scenario file."""

    scenario: ScenarioMeta
    pricing: Pricing = Field(default_factory=Pricing)
    holders: list[HolderPlan] = Field(default_factory=list)


@dataclass
class Scenario:
    """A scenario file, validated, with its holders resolved against the data."""

    path: str
    spec: ScenarioFile
    holders: list[str]  # resolved holder keys, one per plan

    @property
    def name(self) -> str:
        return self.spec.scenario.name


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


PER_DRAW_BYTES = 8 * 20  # per draw kept whole: persistent and short-run levels, cost, loss, bookkeeping


def memory_need_mb(draws: int, horizon: int, sim: SimulationConfig) -> float:
    """Memory a simulation needs: the per-draw quantities plus the paths kept at once for their
    percentiles (month-major float32, at most the path budget: more draws take more passes)."""
    paths = min(draws * horizon * len(RESPONSES) * 4, sim.memory_budget_mb * 2**20 * sim.path_budget_share)
    return (draws * PER_DRAW_BYTES + paths) / 2**20


def _memory_problem(path: str, draws: int, horizon: int, sim: SimulationConfig) -> str | None:
    if draws > sim.max_draws:
        return f"{path}: pricing.draws — {draws:,} draws is above the limit of {sim.max_draws:,}"
    need_mb = memory_need_mb(draws, horizon, sim)
    if need_mb > sim.memory_budget_mb:
        room = sim.memory_budget_mb * (1 - sim.path_budget_share) * 2**20
        fit = int(room / PER_DRAW_BYTES)
        return (f"{path}: pricing.draws — {draws:,} draws of a {horizon}-month path need about "
                f"{need_mb / 1024:.1f} GB; the limit is {sim.memory_budget_mb / 1024:.1f} GB "
                f"(at most {fit:,} draws)")
    return None


def validate_scenario(path: str | Path, context: ScenarioContext | None = None) -> tuple[ScenarioFile | None, list[str], list[str]]:
    """Check one scenario file; returns the parsed file (or None), problems, resolved holders.

    Every problem is one ``file: dotted.path — reason`` line. Checks needing data (holders
    present in the data, a sale no larger than the holdings) run when ``context`` is given.
    """
    path = str(path)
    try:
        raw = read_toml(path)
    except InputError as exc:
        return None, [str(exc)], []
    problems: list[str] = []
    spec: ScenarioFile | None = None
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        problems += format_validation_error(exc, path, ScenarioFile)
    sim = context.simulation if context else simulation_config()
    pricing = raw.get("pricing", {}) if isinstance(raw.get("pricing"), dict) else {}
    meta = raw.get("scenario", {}) if isinstance(raw.get("scenario"), dict) else {}
    draws, horizon = pricing.get("draws", 10_000), meta.get("horizon_months", 60)
    if not isinstance(horizon, int) or horizon < 1:
        horizon = 60  # reported above; size the memory check at the usual horizon
    if isinstance(draws, int) and draws > 0:
        problem = _memory_problem(path, draws, horizon, sim)
        if problem:
            problems.append(problem)
    resolved: list[str] = []
    plans = raw.get("holders", [])
    if context is not None and isinstance(plans, list):
        start = meta.get("start")
        valid_start = isinstance(start, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start)
        start_month = pd.Timestamp(start + "-01") if valid_start else None
        for i, plan in enumerate(plans):
            if not isinstance(plan, dict) or not isinstance(plan.get("holder"), str):
                continue
            name = plan["holder"]
            key = context.resolve(name)
            if key is None:
                close = difflib.get_close_matches(name, context.holder_names(), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(f"{path}: holders[{i + 1}].holder — unknown holder '{name}'{hint}")
                continue
            resolved.append(key)
            held = context.holdings_at(key, start_month or context.last_data_month)
            if math.isnan(held):
                problems.append(f"{path}: holders[{i + 1}].holder — '{name}' has no holdings in the data")
                continue
            sold = plan.get("bn")
            if plan.get("action") == "sell" and isinstance(sold, (int, float)) and sold > held:
                problems.append(f"{path}: holders[{i + 1}].bn — a sale of ${sold:,.0f}bn is larger than "
                                f"{name}'s holdings (${held:,.0f}bn at {context.last_data_month:%Y-%m})")
        if len(set(resolved)) < len(resolved):
            dup = next(k for k in resolved if resolved.count(k) > 1)
            problems.append(f"{path}: holders — '{dup}' appears more than once; give one plan per holder")
    return (spec if not problems else None), problems, resolved


def load_scenario(path: str | Path, context: ScenarioContext) -> Scenario:
    """Validate and resolve a scenario file.

    Raises
    ------
    ValidationFailed
        Listing every problem.
    """
    spec, problems, resolved = validate_scenario(path, context)
    if problems or spec is None:
        raise ValidationFailed(problems)
    return Scenario(path=str(path), spec=spec, holders=resolved)


def scenario_files(folder: str | Path) -> list[Path]:
    """The scenario files in a folder, in name order (baseline first)."""
    files = sorted(Path(folder).glob("*.toml"))
    return sorted(files, key=lambda p: (p.stem != "baseline", p.stem))
