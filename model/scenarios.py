"""Scenarios: a purchase path per holder, priced into yields, federal interest and the sellers'
own losses, with Monte Carlo bands.

A scenario file (TOML) names a start month, a horizon and, per holder, a change of purchases
relative to a baseline (by default the holder's trailing 12-month average):

* ``slowdown`` - purchases fall by a ``share`` of the baseline or by ``bn_per_month``,
  optionally ramped in over ``ramp_months``, for ``months`` (default: the whole horizon);
* ``pause`` - net purchases go to zero for ``months``;
* ``sell`` - holdings fall by ``bn`` or by a ``share`` of holdings over ``months``, below the
  path they would follow at baseline purchases (net sales of ``bn / months`` a month on top of
  the baseline);
* ``path`` - net purchases follow ``flows_bn`` month by month (the deviation is the path minus
  the baseline; historical episodes use a baseline of zero, so the deviation is the flows).

Every action is a deviation from the baseline, so plans for several holders add up.

Pricing: flows move yields through the estimated distributed-lag responses (or the
literature envelope); with ``mode = "announcement"`` a share of the planned cumulative change
is priced at once. Uncertainty: whole response paths are drawn from the joint HAC covariance
of the lag coefficients (the same normal draws for every maturity).
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from model.config import (
    HolderConfig,
    StrictModel,
    config_path,
    format_validation_error,
    holder_config,
    load_model,
    read_toml,
)
from model.errors import InputError, ValidationFailed
from model.estimate import EstimationResults
from model.estimate.spec import FLOW_COLUMN, FLOW_MEASURES
from model.fiscal import COST_YEARS, FiscalModel
from model.panel import MATURITIES, RESPONSES, Panel, ValuationConfig, valuation_config

BANDS = (5, 50, 95)

# ---------------------------------------------------------------------------------------------
# Settings and files
# ---------------------------------------------------------------------------------------------


class SimulationConfig(StrictModel):
    """``simulation.toml``."""

    proxy: dict[str, str]
    chunk_draws: int = Field(ge=100, le=1_000_000)
    max_draws: int = Field(ge=1)
    memory_budget_mb: int = Field(ge=16)
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


class Pricing(StrictModel):
    mode: Literal["flow", "announcement"] = "flow"
    announcement_share: float = Field(default=0.0, ge=0.0, le=1.0)
    response: Literal["estimate", "literature"] = "estimate"
    specification: Literal[
        "distributed_lags/reported", "distributed_lags/naive", "distributed_lags/adjusted"
    ] = "distributed_lags/reported"
    draws: int = Field(default=10_000, ge=1)
    seed: int = Field(default=20260501, ge=0)

    @model_validator(mode="after")
    def _announcement(self) -> Pricing:
        if self.mode == "announcement" and self.announcement_share == 0:
            raise ValueError("mode 'announcement' needs announcement_share above 0")
        if self.mode == "flow" and self.announcement_share > 0:
            raise ValueError("announcement_share is set but mode is 'flow' (use mode = 'announcement')")
        return self

    @property
    def measure(self) -> str:
        return self.specification.split("/", 1)[1]


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
# The data a scenario needs
# ---------------------------------------------------------------------------------------------


@dataclass
class ScenarioContext:
    """Data and estimates the scenarios are priced with."""

    panel: Panel
    results: EstimationResults | None  # None: enough to validate files, not to price them
    fiscal: FiscalModel
    holders: HolderConfig
    valuation: ValuationConfig
    simulation: SimulationConfig

    @classmethod
    def build(cls, panel: Panel, results: EstimationResults | None) -> ScenarioContext:
        return cls(panel=panel, results=results, fiscal=FiscalModel.build(), holders=holder_config(),
                   valuation=valuation_config(), simulation=simulation_config())

    # -- holders -------------------------------------------------------------------------
    def holder_names(self) -> list[str]:
        """Group keys, group labels and country names present in the data."""
        countries = sorted(set(self.panel.holdings.loc[self.panel.holdings["kind"] == "country", "holder"]))
        return [*self.holders.groups, *(g.label for g in self.holders.groups.values()), *countries]

    def resolve(self, name: str) -> str | None:
        """A holder key (group key or canonical country name) for a name in a scenario file."""
        key = self.holders.group_of_holder(name)
        if key:
            return key
        canonical = self.holders.canonical(name)
        for k, g in self.holders.groups.items():
            if g.members == [canonical]:
                return k
        if canonical in set(self.panel.holdings["holder"]):
            return canonical
        return None

    def is_group(self, key: str) -> bool:
        return key in self.holders.groups

    def holdings_at(self, key: str, month: pd.Timestamp) -> float:
        """Holdings ($bn) at the last published month up to ``month``."""
        if self.is_group(key):
            series = self.panel.frame[f"{key}_holdings_bn"]
        else:
            h = self.panel.holdings
            series = h[h["holder"] == key].set_index("month")["holdings_bn"]
        series = series.loc[:month].dropna()
        return float(series.iloc[-1]) if len(series) else math.nan

    def bill_share(self, key: str) -> float:
        group = key if self.is_group(key) else "foreign_official"
        series = self.panel.frame[f"{group}_bill_share"].dropna()
        return float(series.iloc[-1]) if len(series) else 0.0

    def flows(self, key: str, measure: str) -> pd.Series:
        """A holder's monthly flow ($bn) in the given measure."""
        if self.is_group(key):
            return self.panel.frame[f"{key}_{FLOW_COLUMN[measure]}"]
        if measure != "reported":
            h = self.panel.holdings
            return h[h["holder"] == key].set_index("month")["holdings_bn"].diff()
        f = self.panel.flows
        rows = f[(f["holder"] == key) & (f["instrument"] == "bonds_notes")]
        return rows.set_index("month")["net_purchases_bn"]

    def baseline(self, key: str, measure: str, start: pd.Timestamp) -> tuple[float, str]:
        """Trailing 12-month average purchases before ``start`` ($bn a month), and its window."""
        flows = self.flows(key, measure).loc[: start - pd.offsets.MonthBegin(1)].dropna()
        window = flows.iloc[-12:]
        if window.empty:
            return 0.0, "no data: baseline 0"
        return float(window.mean()), f"{window.index[0]:%Y-%m} to {window.index[-1]:%Y-%m}"

    def duration(self, key: str) -> float:
        return self.valuation.duration(key)

    @property
    def debt_today_bn(self) -> float:
        return self.results.today.debt_bn

    @property
    def last_data_month(self) -> pd.Timestamp:
        return self.panel.frame["total_foreign_holdings_bn"].last_valid_index()


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


def _memory_problem(path: str, draws: int, horizon: int, sim: SimulationConfig) -> str | None:
    if draws > sim.max_draws:
        return f"{path}: pricing.draws — {draws:,} draws is above the limit of {sim.max_draws:,}"
    need_mb = draws * horizon * len(RESPONSES) * 8 / 2**20
    if need_mb > sim.memory_budget_mb:
        fit = int(sim.memory_budget_mb * 2**20 / (horizon * len(RESPONSES) * 8))
        return (f"{path}: pricing.draws — {draws:,} draws of a {horizon}-month path need about "
                f"{need_mb / 1024:.1f} GB; the limit is {sim.memory_budget_mb / 1024:.1f} GB "
                f"(at most {fit:,} draws at this horizon)")
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


# ---------------------------------------------------------------------------------------------
# Purchase paths
# ---------------------------------------------------------------------------------------------


@dataclass
class HolderPath:
    """One holder's planned deviation from baseline purchases, $bn a month."""

    key: str
    label: str
    action: str
    baseline_bn: float
    baseline_window: str
    holdings_start_bn: float
    deviation_bn: np.ndarray
    notes: list[str] = field(default_factory=list)


def holder_path(plan: HolderPlan, key: str, context: ScenarioContext, start: pd.Timestamp,
                horizon: int, measure: str) -> HolderPath:
    """The deviation path implied by one holder's plan (see the module docstring)."""
    if plan.baseline == "trailing_12m":
        base, window = context.baseline(key, measure, start)
    else:
        base, window = float(plan.baseline), "set in the file"
    held = context.holdings_at(key, start)
    t = np.arange(horizon)
    active_from = plan.delay_months
    notes = []
    dev = np.zeros(horizon)
    if plan.action == "slowdown":
        until = active_from + (plan.months or horizon)
        if plan.share is not None:
            if base <= 0:
                notes.append(f"baseline purchases are {base:.1f}bn a month (not positive): a slowdown by a share changes nothing")
            size = plan.share * max(base, 0.0)
        else:
            size = plan.bn_per_month or 0.0
        ramp = np.clip((t - active_from + 1) / max(plan.ramp_months, 1), 0, 1) if plan.ramp_months else 1.0
        dev = -size * ramp * ((t >= active_from) & (t < until))
    elif plan.action == "pause":
        dev = -base * ((t >= active_from) & (t < active_from + plan.months))
    elif plan.action == "path":
        flows = np.zeros(horizon)
        values = np.asarray(plan.flows_bn, dtype=float)[: max(horizon - active_from, 0)]
        flows[active_from : active_from + len(values)] = values
        dev = (flows - base) * (t >= active_from) * (t < active_from + len(values))
    else:
        total = plan.bn if plan.bn is not None else (plan.share or 0.0) * held
        months = plan.months
        # holdings end `total` below their baseline path: extra net sales of total/months a
        # month, on top of baseline purchases; afterwards purchases return to baseline
        dev = -(total / months) * ((t >= active_from) & (t < active_from + months))
        notes.append(f"sells ${total:,.0f}bn more than at baseline over {months} months "
                     f"(holdings ${held:,.0f}bn at start, baseline {base:+.1f}bn a month)")
    label = context.holders.groups[key].label if context.is_group(key) else key
    return HolderPath(key, label, plan.action, base, window, held, np.asarray(dev, dtype=float) + 0.0, notes)


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """Priced scenario: yield deviations, extra federal interest and the sellers' losses."""

    scenario: str
    title: str
    description: str
    path: str
    start: str
    horizon_months: int
    months: list[str]
    response_source: str
    pricing_mode: str
    draws: int | None  # None for the literature envelope (no Monte Carlo)
    seed: int
    yields_bp: dict[str, pd.DataFrame]  # maturity (and "tp10") -> month, date, median, p05, p95, point
    interest_cost_bn: dict[str, dict[str, float]]
    holder_loss_bn: dict[str, dict[str, float]]
    flows: pd.DataFrame  # deviation $bn a month by holder
    holder_paths: list[HolderPath]
    notes: list[str] = field(default_factory=list)

    def at(self, maturity: str, month: int) -> dict[str, float]:
        """Median and band of a maturity's deviation ``month`` months in (1-based)."""
        frame = self.yields_bp[maturity]
        row = frame.iloc[min(month, len(frame)) - 1]
        return {"median": float(row["median"]), "p05": float(row["p05"]), "p95": float(row["p95"])}

    def to_dict(self) -> dict:
        """The documented JSON schema (see README)."""
        return {
            "scenario": self.scenario,
            "title": self.title,
            "description": self.description,
            "file": self.path,
            "start": self.start,
            "horizon_months": self.horizon_months,
            "response_source": self.response_source,
            "pricing_mode": self.pricing_mode,
            "draws": self.draws,
            "seed": self.seed,
            "units": {"yields_bp": "basis points, deviation from baseline",
                      "interest_cost_bn": "$bn, cumulative extra federal net interest",
                      "holder_loss_bn": "$bn, mark-to-market loss on holdings still held"},
            "yields_bp": {
                m: [{"month": int(r.month), "date": r.date, "median": _r(r.median), "p05": _r(r.p05),
                     "p95": _r(r.p95), "point": _r(r.point)}
                    for r in frame.itertuples()]
                for m, frame in self.yields_bp.items()
            },
            "interest_cost_bn": {k: {q: _r(v) for q, v in d.items()} for k, d in self.interest_cost_bn.items()},
            "holder_loss_bn": {k: {q: _r(v) for q, v in d.items()} for k, d in self.holder_loss_bn.items()},
            "holders": [
                {"holder": p.key, "label": p.label, "action": p.action, "baseline_bn_per_month": _r(p.baseline_bn),
                 "baseline_window": p.baseline_window, "holdings_start_bn": _r(p.holdings_start_bn),
                 "cumulative_deviation_bn": _r(float(p.deviation_bn.sum())), "notes": p.notes}
                for p in self.holder_paths
            ],
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def table(self) -> str:
        """Plain-text summary: yields at 3, 12, 24 months; interest over 1, 5, 10 years; losses."""
        lines = [f"{self.scenario}: {self.title}",
                 f"  start {self.start}, {self.horizon_months} months; response: {self.response_source}; "
                 f"pricing: {self.pricing_mode}; "
                 + (f"{self.draws:,} draws, seed {self.seed}" if self.draws else "low / central / high envelope")]
        lines.append(f"  {'yield change (bp)':<20}" + "".join(f"{f'{h} months':>24}" for h in (3, 12, 24)))
        for m in self.yields_bp:
            cells = []
            for h in (3, 12, 24):
                if h <= self.horizon_months:
                    v = self.at(m, h)
                    cells.append(f"{v['median']:+.1f} [{v['p05']:+.1f}, {v['p95']:+.1f}]")
                else:
                    cells.append("-")
            lines.append(f"  {m:<20}" + "".join(f"{c:>24}" for c in cells))
        lines.append("  extra federal net interest ($bn, median [5%, 95%]):")
        for k, v in self.interest_cost_bn.items():
            lines.append(f"    over {k:<4} {v['median']:+,.1f} [{v['p05']:+,.1f}, {v['p95']:+,.1f}]")
        if self.holder_loss_bn:
            lines.append("  sellers' own mark-to-market loss ($bn, median [5%, 95%]):")
            for k, v in self.holder_loss_bn.items():
                lines.append(f"    {k:<28} {v['median']:+,.1f} [{v['p05']:+,.1f}, {v['p95']:+,.1f}]")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _r(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def _spd_factor(cov: np.ndarray) -> np.ndarray:
    """A matrix L with L L' = cov, robust to tiny negative eigenvalues."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return vecs * np.sqrt(np.clip(vals, 0, None))


@dataclass
class ResponseModel:
    """Per maturity: coefficient means and factors for the groups a scenario uses."""

    groups: list[str]  # coefficient groups, in order
    lags: int
    means: dict[str, np.ndarray]
    factors: dict[str, np.ndarray]
    units: str
    source: str


def available_responses(context: ScenarioContext, measure: str) -> list[str]:
    """The five yields, plus the term premium where it was estimated."""
    out = list(MATURITIES)
    try:
        context.results.dl("tp10", measure)
        out.append("tp10")
    except KeyError:
        pass
    return out


def response_model(context: ScenarioContext, measure: str, groups: list[str]) -> ResponseModel:
    """Lag coefficients and their joint covariance for the named groups, every maturity."""
    means, factors = {}, {}
    lags = context.results.config.distributed_lags.lags
    for m in available_responses(context, measure):
        means[m], cov = context.results.dl(m, measure).lag_block(groups)
        factors[m] = _spd_factor(cov)
    res10 = context.results.dl("10y", measure)
    return ResponseModel(groups, lags, means, factors, context.results.config.units,
                         f"tool estimate: {res10.name.rsplit('/', 2)[0]}/{measure} "
                         f"(HAC, sample {res10.sample_start} to {res10.sample_end})")


def level_design(flows_units: dict[str, np.ndarray], groups: list[str], lags: int, share: float) -> np.ndarray:
    """Matrix ``G`` (months x terms) with ``level path = G @ coefficients``.

    The flow view: the yield change at t is ``sum_k b_k u(t-k)``, so the level is its running
    sum. The announcement view prices ``share`` of the planned cumulative change at month 0
    through every lag coefficient at once (the full cumulative multiplier).
    """
    horizon = len(next(iter(flows_units.values()))) if flows_units else 0
    columns = []
    for g in groups:
        u = flows_units.get(g, np.zeros(horizon))
        planned = u.sum()
        for k in range(lags + 1):
            lagged = np.zeros(horizon)
            if k < horizon:  # horizons shorter than the lags see only the first few
                lagged[k:] = u[: horizon - k]
            lagged *= 1 - share
            columns.append(np.cumsum(lagged) + share * planned)
    return np.column_stack(columns) if columns else np.zeros((horizon, 0))


def simulate(scenario: Scenario, context: ScenarioContext, response: str | None = None,
             draws: int | None = None) -> ScenarioResult:
    """Price a scenario.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    context : ScenarioContext
        Panel, estimates, fiscal model and settings.
    response : {"estimate", "literature"}, optional
        Override the file's response source (the report prices every scenario both ways).
    draws : int, optional
        Override the file's number of draws.

    Returns
    -------
    ScenarioResult
    """
    spec = scenario.spec
    pricing = spec.pricing
    response = response or pricing.response
    draws = draws or pricing.draws
    sim = context.simulation
    horizon = spec.scenario.horizon_months
    start = pd.Timestamp(spec.scenario.start + "-01")
    measure = pricing.measure if response == "estimate" else "reported"
    if measure not in FLOW_MEASURES:
        raise InputError(f"unknown flow measure '{measure}'", scenario.path, field="pricing.specification")
    paths = [holder_path(plan, key, context, start, horizon, measure)
             for plan, key in zip(spec.holders, scenario.holders, strict=True)]
    months = [f"{d:%Y-%m}" for d in pd.date_range(start, periods=horizon, freq="MS")]
    flows = pd.DataFrame({p.key: p.deviation_bn for p in paths}, index=months)
    share = pricing.announcement_share if pricing.mode == "announcement" else 0.0
    notes: list[str] = []
    weights = context.fiscal.weights(horizon)
    loss_month = min(sim.loss_month, horizon)
    sellers = [p for p in paths if p.deviation_bn.sum() < 0]

    if response == "estimate":
        units = context.results.config.units
        to_units = (100.0 / context.debt_today_bn) if units == "pct_debt" else 1.0
        effects10 = context.results.dl("10y", measure).effects
        proxy = sim.proxy[measure]
        by_group: dict[str, np.ndarray] = {}
        for p in paths:
            group = p.key if p.key in effects10 else proxy
            if group != p.key:
                notes.append(f"{p.label} has no own estimate in this specification: priced with the '{proxy}' response")
            eff = effects10[group]
            if eff.effect_bp_per_100bn > 0:
                notes.append(
                    f"the '{group}' estimate has purchases raising the 10-year ({eff.effect_bp_per_100bn:+.1f} bp per "
                    f"$100bn, se {eff.se_bp_per_100bn:.1f}), the wrong sign for a demand effect and a sign of reverse "
                    "causality: its sales lower yields here; compare the literature envelope")
            by_group[group] = by_group.get(group, np.zeros(horizon)) + p.deviation_bn * to_units
        groups = sorted(by_group)
        if groups:
            model = response_model(context, measure, groups)
            G = level_design(by_group, groups, model.lags, share)
            source = model.source
        else:
            model, G, source = None, np.zeros((horizon, 0)), f"tool estimate: distributed_lags/{measure}"
        quantiles, costs, losses = _monte_carlo(G, model, draws, pricing.seed, horizon, weights,
                                                sellers, context, loss_month, sim)
        notes.append("bands: 5th-95th percentiles of whole response paths drawn from the joint HAC covariance "
                     "of the lag coefficients; the same draws are used for every maturity")
    else:
        env = context.results.envelope
        cum = sum((p.deviation_bn for p in paths), np.zeros(horizon))
        planned = cum.sum()
        level_bn = np.cumsum(cum) * (1 - share) + share * planned  # $bn of cumulative purchases priced
        quantiles, costs, losses = _literature(level_bn, env, horizon, weights, sellers, context, loss_month)
        source = ("literature envelope: low {low:.2f}, central {central:.2f}, high {high:.2f} bp per $100bn "
                  "less demand (10-year, today's scale)").format(**env)
        notes.append("bands: the literature envelope (low / central / high published effects, rescaled), "
                     "not a probability interval; other maturities scaled by the envelope's maturity loading")
    yields = {}
    for m in (r for r in RESPONSES if r in quantiles):
        q = quantiles[m]
        yields[m] = pd.DataFrame({"month": np.arange(1, horizon + 1), "date": months,
                                  "median": q[1], "p05": q[0], "p95": q[2], "point": q[3]})
    cost = {f"{y}y": {"median": float(c[1]), "p05": float(c[0]), "p95": float(c[2])}
            for y, c in zip(COST_YEARS, costs, strict=True)}
    loss = {p.label: {"median": float(v[1]), "p05": float(v[0]), "p95": float(v[2])}
            for p, v in zip(sellers, losses, strict=True)}
    if sellers:
        notes.append(f"sellers' loss: duration x holdings still held x the {sim.loss_maturity} move, "
                     f"{loss_month} months in")
    if start > context.last_data_month + pd.offsets.MonthBegin(1):
        notes.append(f"the scenario starts {start:%Y-%m}, after the data end ({context.last_data_month:%Y-%m}); "
                     "baselines use the latest 12 months of data")
    for p in paths:
        notes += [f"{p.label}: {n}" for n in p.notes]
    return ScenarioResult(
        scenario=spec.scenario.name, title=spec.scenario.title, description=spec.scenario.description,
        path=scenario.path, start=spec.scenario.start, horizon_months=horizon, months=months,
        response_source=source, pricing_mode=(f"announcement ({share:.0%} priced at once)" if share else "flow"),
        draws=draws if response == "estimate" else None, seed=pricing.seed, yields_bp=yields,
        interest_cost_bn=cost, holder_loss_bn=loss, flows=flows, holder_paths=paths,
        notes=list(dict.fromkeys(notes)),
    )


def _seller_stakes(sellers: list[HolderPath], context: ScenarioContext, loss_month: int) -> np.ndarray:
    """Per seller: duration x non-bill holdings still held at ``loss_month`` ($bn-years)."""
    stakes = []
    for p in sellers:
        held = p.holdings_start_bn + float((p.baseline_bn + p.deviation_bn[:loss_month]).sum())
        stakes.append(context.duration(p.key) * max(held, 0.0) * (1 - context.bill_share(p.key)))
    return np.asarray(stakes, dtype=float)


def _monte_carlo(G, model, draws, seed, horizon, weights, sellers, context, loss_month, sim):
    """Draw whole coefficient vectors, push them through the level design, collect bands."""
    loss_m = sim.loss_maturity
    stakes = _seller_stakes(sellers, context, loss_month)
    K = G.shape[1]
    if K == 0:
        zero = np.zeros(horizon)
        return ({m: (zero, zero, zero, zero) for m in RESPONSES}, [(0.0, 0.0, 0.0)] * len(COST_YEARS),
                [(0.0, 0.0, 0.0)] * len(sellers))
    rng = np.random.default_rng(seed)
    responses = list(model.means)
    paths = {m: np.empty((draws, horizon), dtype=np.float32) for m in responses}
    cost = np.zeros((draws, len(COST_YEARS)))
    loss = np.zeros((draws, len(sellers)))
    for lo in range(0, draws, sim.chunk_draws):
        n = min(sim.chunk_draws, draws - lo)
        z = rng.standard_normal((n, K))
        for m in responses:
            coefs = model.means[m] + z @ model.factors[m].T  # (n, K)
            level = coefs @ G.T  # (n, horizon), bp
            paths[m][lo : lo + n] = level
            if m in weights:  # the term premium is not a borrowing rate
                cost[lo : lo + n] += level @ weights[m]
            if m == loss_m and len(sellers):
                loss[lo : lo + n] = np.outer(level[:, loss_month - 1], stakes) / 10_000
    quantiles = {m: (*np.percentile(paths[m], BANDS, axis=0), G @ model.means[m]) for m in responses}
    costs = [tuple(np.percentile(cost[:, j], BANDS)) for j in range(len(COST_YEARS))]
    losses = [tuple(np.percentile(loss[:, j], BANDS)) for j in range(len(sellers))]
    return quantiles, costs, losses


def _literature(level_bn, env, horizon, weights, sellers, context, loss_month):
    """Low, central and high literature paths (deterministic) and what they cost.

    The envelope is in bp per $100bn less demand, so purchases (positive cumulative flows)
    lower yields and sales raise them.
    """
    stakes = _seller_stakes(sellers, context, loss_month)
    loss_m = context.simulation.loss_maturity
    bound_paths, bound_costs, bound_losses = [], [], []
    for bound in (env["low"], env["central"], env["high"]):
        path = {m: -bound * loading * level_bn / 100 for m, loading in env["maturity_loading"].items()}
        bound_paths.append(path)
        bound_costs.append(sum(path[m] @ weights[m] for m in MATURITIES))
        bound_losses.append(stakes * path[loss_m][loss_month - 1] / 10_000)
    quantiles = {}
    for m in env["maturity_loading"]:
        stack = np.array([p[m] for p in bound_paths])
        quantiles[m] = (stack.min(axis=0), stack[1], stack.max(axis=0), stack[1])
    costs = [(min(c[j] for c in bound_costs), bound_costs[1][j], max(c[j] for c in bound_costs))
             for j in range(len(COST_YEARS))]
    losses = [(min(lb[s] for lb in bound_losses), bound_losses[1][s], max(lb[s] for lb in bound_losses))
              for s in range(len(sellers))]
    return quantiles, costs, losses


# ---------------------------------------------------------------------------------------------
# Sensitivity sweep
# ---------------------------------------------------------------------------------------------


def sweep(context: ScenarioContext, holder: str = "japan", sizes_bn: tuple[float, ...] = (100, 250, 500, 750, 1000),
          months: tuple[int, ...] = (1, 6, 12, 24, 36), start: str | None = None, response: str = "estimate",
          draws: int = 2000, progress: bool = True) -> pd.DataFrame:
    """A sale-size by sale-duration grid for one holder: the 10-year move after 12 and 24
    months and the extra federal interest over 10 years (medians and bands)."""
    from tqdm import tqdm

    start = start or f"{context.last_data_month + pd.offsets.MonthBegin(1):%Y-%m}"
    rows = []
    grid = [(s, m) for s in sizes_bn for m in months]
    for size, length in tqdm(grid, desc="sweep", disable=None if progress else True, leave=False):
        spec = ScenarioFile.model_validate({
            "scenario": {"name": f"sweep_{size:g}_{length}", "title": "sweep", "start": start, "horizon_months": 60},
            "pricing": {"response": response, "draws": draws, "seed": 1},
            "holders": [{"holder": holder, "action": "sell", "bn": float(size), "months": int(length)}],
        })
        result = simulate(Scenario("sweep", spec, [holder]), context)
        y12, y24 = result.at("10y", 12), result.at("10y", 24)
        rows.append({"holder": holder, "sale_bn": size, "sale_months": length,
                     "y10_12m_median_bp": y12["median"], "y10_12m_p05_bp": y12["p05"], "y10_12m_p95_bp": y12["p95"],
                     "y10_24m_median_bp": y24["median"], "y10_24m_p05_bp": y24["p05"], "y10_24m_p95_bp": y24["p95"],
                     "cost_10y_median_bn": result.interest_cost_bn["10y"]["median"],
                     "cost_10y_p05_bn": result.interest_cost_bn["10y"]["p05"],
                     "cost_10y_p95_bn": result.interest_cost_bn["10y"]["p95"]})
    return pd.DataFrame(rows)


def scenario_files(folder: str | Path) -> list[Path]:
    """The scenario files in a folder, in name order (baseline first)."""
    files = sorted(Path(folder).glob("*.toml"))
    return sorted(files, key=lambda p: (p.stem != "baseline", p.stem))
