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

Pricing: flows move yields through the response model (:mod:`model.response`: the estimated
distributed-lag responses shrunk toward the literature, the estimates alone, or the literature
envelope); with ``mode = "announcement"`` a share of the planned cumulative change is priced at
once. Uncertainty: whole response paths are drawn jointly across maturities and holders, each
draw from one specification of the grid (picked by its weight), with its lasting share drawn
too; extra federal interest comes from the fiscal stage's weights (:class:`InterestCost`),
passed in by the pipeline.
"""

from model.scenarios.context import ScenarioContext
from model.scenarios.paths import HolderPath, holder_path
from model.scenarios.pricing import BANDS, ScenarioResult, simulate
from model.scenarios.schema import (
    HolderPlan,
    Pricing,
    Scenario,
    ScenarioFile,
    ScenarioMeta,
    SimulationConfig,
    load_scenario,
    memory_problem,
    resolve_holder,
    scenario_files,
    simulation_config,
    validate_scenario,
    validate_scenarios,
)
from model.scenarios.sweep import ExplorerGrid, SweepResult, explorer_grid, sweep

__all__ = [
    "BANDS", "ExplorerGrid", "HolderPath", "HolderPlan", "Pricing", "Scenario", "ScenarioContext", "ScenarioFile",
    "ScenarioMeta", "ScenarioResult", "SimulationConfig", "SweepResult", "explorer_grid", "holder_path",
    "load_scenario", "memory_problem", "resolve_holder", "scenario_files", "simulate", "simulation_config", "sweep",
    "validate_scenario", "validate_scenarios",
]
