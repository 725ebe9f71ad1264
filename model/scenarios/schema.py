"""Scenario files: the TOML schema, validated into typed objects, and the settings shared by
every scenario (``simulation.toml``).

Every problem in a file is one ``file: dotted.path — reason`` line; checks that need the data
(holders present, a sale no larger than the bonds and notes held) run when a :class:`ScenarioContext` is
given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from model.config import (
    MAX_CONFIG_INT,
    MONTH,
    FieldProblems,
    StrictModel,
    config_path,
    describe_value,
    format_validation_error,
    holder_config,
    load_model,
    read_toml,
    validate_data,
)
from model.errors import InputError, ValidationFailed
from model.panel import MATURITIES, RESPONSES

if TYPE_CHECKING:
    from model.scenarios.context import ScenarioContext

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_HORIZON_MONTHS = 240  # paths longer than the fiscal model's ten years are priced; costs cover ten years
# $bn: a month's purchases or a sale far beyond any holder's (all foreign holdings are about
# $9,000bn); larger numbers are typing errors and would overflow the pricing to inf
MAX_MONTHLY_BN = 10_000.0
MAX_SALE_BN = 100_000.0
MonthlyBn = Annotated[float, Field(ge=-MAX_MONTHLY_BN, le=MAX_MONTHLY_BN)]
LATEST_START_YEARS = 10  # a start further from the data than this prices stale baselines
BASELINE_MONTHS = 12  # the trailing window of the default baseline

# ---------------------------------------------------------------------------------------------
# Settings and files
# ---------------------------------------------------------------------------------------------


class SimulationConfig(StrictModel):
    """``simulation.toml``."""

    bill_sale_effect: float = Field(ge=0, le=1)
    chunk_draws: int = Field(ge=100, le=1_000_000)
    max_draws: int = Field(ge=1, le=100_000_000)
    memory_budget_mb: int = Field(ge=16, le=1_048_576)  # at most a terabyte
    path_budget_share: float = Field(gt=0, le=1)
    loss_maturity: str
    loss_month: int = Field(ge=1, le=600)

    @field_validator("loss_maturity")
    @classmethod
    def _known_maturity(cls, value: str) -> str:
        if value not in MATURITIES:
            raise ValueError(f"'{value}' is not a maturity the scenarios price (use one of {', '.join(MATURITIES)})")
        return value


@cache
def simulation_config() -> SimulationConfig:
    return load_model(config_path("simulation.toml"), SimulationConfig,
                      context={"groups": holder_config().groups})


class ScenarioMeta(StrictModel):
    name: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1)
    description: str = ""
    start: str = Field(pattern=MONTH)
    horizon_months: int = Field(ge=1, le=MAX_HORIZON_MONTHS)
    # this scenario leads the report (its headline sentence and summary); at most one file of a set
    headline: bool = False

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"'{value}' is not a valid name: use letters, digits and '_', not starting with a "
                             "digit (the name labels the report's sections and figure files)")
        return value


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



class Proceeds(StrEnum):
    """What a holder does with the dollars a sale (or a purchase it does not make) leaves it."""

    CONVERTED = "converted"  # sold for its own currency (as in Japan's 2022 and 2024 interventions): moves the rate
    KEPT_IN_DOLLARS = "kept_in_dollars"  # kept as dollar deposits or other dollar assets: moves no exchange rate


#: The default when a file does not say: a sale meant as leverage need not be an intervention,
#: and reallocating within dollar assets is the reading that claims least (no dollar move).
DEFAULT_PROCEEDS = Proceeds.KEPT_IN_DOLLARS
PROCEEDS_CHOICES = tuple(p.value for p in Proceeds)


class HolderPlan(StrictModel):
    holder: str = Field(min_length=1)
    action: Literal["slowdown", "raise", "pause", "sell", "path"]
    proceeds: Literal["converted", "kept_in_dollars"] = DEFAULT_PROCEEDS.value
    baseline: Literal["trailing_12m"] | MonthlyBn = "trailing_12m"
    share: float | None = Field(default=None, ge=0.0, le=1.0)
    bn_per_month: float | None = Field(default=None, ge=0.0, le=MAX_MONTHLY_BN)
    bn: float | None = Field(default=None, ge=0.0, le=MAX_SALE_BN)
    months: int | None = Field(default=None, ge=1, le=MAX_HORIZON_MONTHS)
    ramp_months: int = Field(default=0, ge=0, le=MAX_HORIZON_MONTHS)
    delay_months: int = Field(default=0, ge=0, le=MAX_HORIZON_MONTHS)
    flows_bn: list[MonthlyBn] | None = Field(default=None, min_length=1, max_length=MAX_HORIZON_MONTHS)
    instruments: Literal["bonds_notes", "all"] = "bonds_notes"

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, value: Any) -> Any:
        # one clear message instead of one per member of the union
        if isinstance(value, str):
            if value != "trailing_12m":
                raise ValueError(f"'{value}' is not a baseline: use 'trailing_12m' or a number ($bn a month)")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("use 'trailing_12m' or a number ($bn a month)")
        elif not _is_number(value) or abs(value) > MAX_MONTHLY_BN:
            raise ValueError(f"{_number_text(value)} is not a number of $bn a month between {-MAX_MONTHLY_BN:,.0f} "
                             f"and {MAX_MONTHLY_BN:,.0f}")
        return value

    @model_validator(mode="after")
    def _fields_for_action(self) -> HolderPlan:
        if (self.action == "path") != (self.flows_bn is not None):
            raise ValueError("'flows_bn' (monthly purchases, $bn) goes with action 'path', and only with it")
        if self.ramp_months and self.action not in ("slowdown", "raise"):
            raise ValueError("'ramp_months' belongs to a slowdown or a raise")
        if self.action == "path":
            if any(v is not None for v in (self.share, self.bn_per_month, self.bn, self.months)):
                raise ValueError("a path takes only 'flows_bn' (and optional 'baseline', 'delay_months')")
        elif self.action in ("slowdown", "raise"):
            if (self.share is None) == (self.bn_per_month is None):
                raise ValueError(f"a {self.action} needs exactly one of 'share' (of baseline purchases) or 'bn_per_month'")
            if self.bn is not None:
                raise ValueError(f"'bn' belongs to a sell, not a {self.action}")
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

    def horizon_problems(self, horizon: int) -> list[tuple[tuple[Any, ...], str]]:
        """Where this plan does not fit in a ``horizon``-month scenario (locations relative to the plan)."""
        first = self.delay_months + 1  # the first month the action changes anything (1-based)
        room = horizon - self.delay_months
        if room <= 0:
            return [(("delay_months",), f"the action would start in month {first}, after the scenario's "
                                        f"{horizon}-month horizon")]
        problems = []
        if self.months is not None and self.months > room:
            problems.append((("months",), f"{self.months} months from month {first} run past the {horizon}-month "
                                          f"horizon (at most {room})"))
        if self.flows_bn is not None and len(self.flows_bn) > room:
            problems.append((("flows_bn",), f"{len(self.flows_bn)} monthly values from month {first} run past the "
                                            f"{horizon}-month horizon (at most {room})"))
        length = self.months or room
        if self.ramp_months > length:
            problems.append((("ramp_months",), f"a ramp of {self.ramp_months} months is longer than the "
                                               f"slowdown itself ({length} months)"))
        return problems


class ScenarioFile(StrictModel):
    """A validated scenario file."""

    scenario: ScenarioMeta
    pricing: Pricing = Field(default_factory=Pricing)
    holders: list[HolderPlan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fits_the_horizon(self) -> ScenarioFile:
        horizon = self.scenario.horizon_months
        problems = [(("holders", i, *where), reason)
                    for i, plan in enumerate(self.holders) for where, reason in plan.horizon_problems(horizon)]
        if problems:
            raise FieldProblems(problems)
        return self


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


def memory_problem(path: str, draws: int, horizon: int, sim: SimulationConfig, where: str = "pricing.draws") -> str | None:
    """A ``file: pricing.draws — reason`` line when ``draws`` draws of ``horizon``-month paths do
    not fit the memory budget of ``simulation.toml``, else None."""
    if draws > sim.max_draws:
        return f"{path}: {where} — {draws:,} draws is above the limit of {sim.max_draws:,}"
    need_mb = memory_need_mb(draws, horizon, sim)
    if need_mb > sim.memory_budget_mb:
        room = sim.memory_budget_mb * (1 - sim.path_budget_share) * 2**20
        fit = int(room / PER_DRAW_BYTES)
        return (f"{path}: {where} — {draws:,} draws of a {horizon}-month path need about "
                f"{need_mb / 1024:.1f} GB; the limit is {sim.memory_budget_mb / 1024:.1f} GB "
                f"(at most {fit:,} draws)")
    return None


def resolve_holder(context: ScenarioContext, name: str) -> str | None:
    """A holder key for a name typed by a user: a group key or label, an alias, or a country in
    the data, all matched without regard to case (``"cayman islands"``)."""
    key = context.resolve(name)
    if key is None:
        by_folded = {n.casefold(): n for n in context.holder_names()}
        spelled = by_folded.get(" ".join(name.split()).casefold())
        key = context.resolve(spelled) if spelled else None
    return key


def _month_number(text: str) -> int:
    """``YYYY-MM`` as a count of months (comparable without building a timestamp)."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _start_problem(path: str, start: str, context: ScenarioContext) -> str | None:
    """The start month against the data: late enough for a baseline, not decades after the data."""
    holdings = context.panel.frame["total_foreign_holdings_bn"]
    first = _month_number(f"{holdings.first_valid_index():%Y-%m}")
    last = _month_number(f"{context.last_data_month:%Y-%m}")
    month = _month_number(start)
    earliest = first + BASELINE_MONTHS
    if month < earliest:
        return (f"{path}: scenario.start — {start} is too early: the data begin {_month_text(first)} and the "
                f"baseline needs the {BASELINE_MONTHS} months before the start (earliest {_month_text(earliest)})")
    if month > last + 12 * LATEST_START_YEARS:
        return (f"{path}: scenario.start — {start} is more than {LATEST_START_YEARS} years after the data end "
                f"({_month_text(last)}); latest {_month_text(last + 12 * LATEST_START_YEARS)}")
    return None


def _is_number(value: Any) -> bool:
    """A finite int or float (a whole number too large for a float is not one: 10**400)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= MAX_CONFIG_INT


def _number_text(value: int | float) -> str:
    """A number for a message: ``1e+300``, ``inf``, or a long whole number shortened."""
    return describe_value(value).removeprefix("the number ")


def validate_scenario(path: str | Path, context: ScenarioContext | None = None) -> tuple[ScenarioFile | None, list[str], list[str]]:
    """Check one scenario file; returns the parsed file (or None), problems, resolved holders.

    Every problem is one ``file: dotted.path — reason`` line. Checks needing data (the start
    month against the data, holders present in the data, a sale no larger than the bonds and notes
    held, or than all holdings when it sells bills too)
    run when ``context`` is given.
    """
    path = str(path)
    try:
        raw = read_toml(path)
    except InputError as exc:
        return None, [str(exc)], []
    return validate_raw(raw, path, context)


def validate_raw(raw: dict, path: str, context: ScenarioContext | None = None
                 ) -> tuple[ScenarioFile | None, list[str], list[str]]:
    """Check a scenario with a file's layout, already read (from a file, or given as a
    dictionary); ``path`` names it in the problems. See :func:`validate_scenario`."""
    problems: list[str] = []
    spec: ScenarioFile | None = None
    try:
        spec = validate_data(ScenarioFile, raw)
    except ValidationError as exc:
        problems += format_validation_error(exc, path, ScenarioFile)
    sim = context.simulation if context else simulation_config()
    pricing = raw.get("pricing", {}) if isinstance(raw.get("pricing"), dict) else {}
    meta = raw.get("scenario", {}) if isinstance(raw.get("scenario"), dict) else {}
    draws, horizon = pricing.get("draws", 10_000), meta.get("horizon_months", 60)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= MAX_HORIZON_MONTHS:
        horizon = 60  # reported above; size the memory check at the usual horizon
    if isinstance(draws, int) and not isinstance(draws, bool) and draws > 0:
        problem = memory_problem(path, draws, horizon, sim)
        if problem:
            problems.append(problem)
    resolved: list[str] = []
    plans = raw.get("holders", [])
    if context is not None and isinstance(plans, list):
        start = meta.get("start")
        start_month = None
        if isinstance(start, str) and re.fullmatch(MONTH, start):
            problem = _start_problem(path, start, context)
            if problem:
                problems.append(problem)  # the holders are not blamed for a start outside the data
            else:
                start_month = pd.Timestamp(start + "-01")
        for i, plan in enumerate(plans):
            if not isinstance(plan, dict) or not isinstance(plan.get("holder"), str):
                continue
            name = plan["holder"]
            key = resolve_holder(context, name)
            if key is None:
                close = context.suggest_holder(name)
                hint = f" (did you mean '{close}'?)" if close else ""
                problems.append(f"{path}: holders[{i + 1}].holder — unknown holder '{name}'{hint}")
                continue
            resolved.append(key)
            if start_month is None:
                continue
            held = context.holdings_at(key, start_month)
            if math.isnan(held):
                problems.append(f"{path}: holders[{i + 1}].holder — '{name}' has no holdings in the data "
                                f"at or before {start}")
                continue
            sold = plan.get("bn")
            if plan.get("action") == "sell" and _is_number(sold):
                # a sale is of bonds and notes unless the plan sells bills too: check it against
                # what it sells from (holdings less bills, at the latest bill share)
                if plan.get("instruments") == "all":
                    what, available = "Treasuries", held
                    held_text = f"{context.label(key)}'s holdings (${held:,.0f}bn"
                else:
                    what, available = "bonds and notes", held * (1.0 - context.bill_share(key))
                    held_text = (f"{context.label(key)}'s bonds and notes (${available:,.0f}bn of its "
                                 f"${held:,.0f}bn of Treasuries")
                if sold > available:
                    problems.append(f"{path}: holders[{i + 1}].bn — a sale of ${sold:,.0f}bn of {what} is larger "
                                    f"than {held_text}, the latest figures at {start})")
        if len(set(resolved)) < len(resolved):
            dup = next(k for k in resolved if resolved.count(k) > 1)
            problems.append(f"{path}: holders — '{dup}' appears more than once; give one plan per holder")
    return (spec if not problems else None), problems, resolved


def validate_scenarios(
    paths: list[str | Path], context: ScenarioContext | None = None
) -> tuple[list[tuple[str, ScenarioFile | None, list[str], list[str]]], list[str]]:
    """Check a set of scenario files that run together (a folder for the report, the files
    given to ``tlrisk validate``).

    Besides every file's own problems (:func:`validate_scenario`), two files with the same
    ``[scenario] name`` are an error naming both: the name labels the report's sections,
    figures and results.

    Returns
    -------
    checked : list of (path, ScenarioFile or None, problems, resolved holders)
        One entry per file, in the order given.
    problems : list of str
        Every problem, of every file and across files.
    """
    checked = []
    first_with: dict[str, str] = {}
    for path in paths:
        spec, problems, resolved = validate_scenario(path, context)
        name = _raw_name(path) if spec is None else spec.scenario.name
        if name is not None:
            if name in first_with:
                problems = [*problems, f"{path}: scenario.name — '{name}' is also the name of "
                                       f"{first_with[name]}; every scenario needs a name of its own"]
                spec = None
            else:
                first_with[name] = str(path)
        checked.append((str(path), spec, problems, resolved))
    return checked, [p for _, _, found, _ in checked for p in found]


def _raw_name(path: str | Path) -> str | None:
    try:
        meta = read_toml(path).get("scenario")
    except InputError:
        return None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


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
    """The scenario files in a folder, in name order (baseline first).

    Raises
    ------
    InputError
        When ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder of scenario files" if folder.exists() else "folder not found", folder)
    files = sorted(p for p in folder.glob("*.toml") if p.is_file())
    return sorted(files, key=lambda p: (p.stem != "baseline", p.stem))
