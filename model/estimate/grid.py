"""The specification grid: the joint system under every declared defensible specification.

The grid (``[grid]`` in ``estimation.toml``) crosses flow measures, control sets, lag lengths
and sample windows. Each cell is a :class:`~model.estimate.system.SystemResult` on its own
common sample. Together they are the specification curve of each holder's effect, and the
response model averages over them (with the documented weights) so that scenario bands carry
specification uncertainty as well as sampling uncertainty.
"""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.estimate.spec import EstimationConfig
from model.estimate.system import SystemResult, SystemSpec, fit_system
from model.labels import holder_label
from model.panel import Panel


def grid_specs(config: EstimationConfig) -> list[SystemSpec]:
    """Every specification the grid declares, in a fixed order."""
    grid = config.grid
    specs = []
    for measure, (controls_name, controls), lags, (window_name, window) in itertools.product(
        grid.measures, grid.controls.items(), grid.lags, grid.windows.items()
    ):
        specs.append(SystemSpec(
            measure=measure, timing=grid.timing, lags=lags, controls=tuple(controls),
            start=max(window.start, config.sample_start), end=window.end, holders=tuple(grid.holders),
            window=window_name, controls_name=controls_name,
        ))
    return specs


def baseline_spec(config: EstimationConfig, measure: str, holders: list[str] | None = None) -> SystemSpec:
    """The baseline system of one flow measure (``[distributed_lags]``)."""
    dl = config.distributed_lags
    names = [name for name, c in config.grid.controls.items() if list(c) == list(dl.controls)]
    return SystemSpec(
        measure=measure, timing=dl.yield_timing, lags=dl.lags, controls=tuple(dl.controls),
        start=config.sample_start, end=None,
        holders=tuple(holders if holders is not None else getattr(dl.holders, measure)),
        window="full", controls_name=names[0] if names else "baseline controls",
    )


@dataclass
class GridResult:
    """The joint system under every specification of the grid, with model-averaging weights."""

    systems: list[SystemResult]
    weights: np.ndarray
    weights_rule: str
    baseline: str  # label of the baseline specification (in the grid)
    skipped: dict[str, str]  # specification label -> why it was left out

    @property
    def labels(self) -> list[str]:
        return [s.spec.label for s in self.systems]

    def to_frame(self) -> pd.DataFrame:
        """One row per (specification, response, holder): effect and standard errors, bp per
        $100bn sold today (positive = sales raise yields), with the inference the draws use."""
        return self._frame.copy()

    @functools.cached_property
    def _frame(self) -> pd.DataFrame:
        rows = []
        for system, weight in zip(self.systems, self.weights, strict=True):
            for m in system.responses:
                for g in system.holder_terms:
                    value, se = system.effect(g, m)
                    _, se_hac = system.effect(g, m, "hac")
                    rows.append({
                        "specification": system.spec.label, "measure": system.spec.measure,
                        "controls": system.spec.controls_name, "lags": system.spec.lags,
                        "window": system.spec.window, "holder": g, "maturity": m,
                        "effect_bp_per_100bn": value, "se_bp_per_100bn": se, "se_hac_bp_per_100bn": se_hac,
                        "inference": system.inference, "nobs": system.nobs, "sample_start": system.sample_start,
                        "sample_end": system.sample_end, "weight": float(weight),
                    })
        return pd.DataFrame(rows)

    def records(self) -> list[dict]:
        """The ``specification_grid`` list of ``tlrisk fit --json``."""
        keep = ["holder", "maturity", "specification", "effect_bp_per_100bn", "se_bp_per_100bn", "se_hac_bp_per_100bn",
                "inference", "nobs", "sample_start", "sample_end", "weight"]
        return [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.to_frame()[keep].to_dict("records")]

    def curve(self, holder: str, maturity: str = "10y") -> pd.DataFrame:
        """The specification curve: one holder's effect in every specification, sorted."""
        frame = self.to_frame()
        frame = frame[(frame["holder"] == holder) & (frame["maturity"] == maturity)]
        return frame.sort_values("effect_bp_per_100bn").reset_index(drop=True)

    def summary(self, holders: list[str] | None = None, maturity: str = "10y") -> str:
        """Per holder: the range and spread of the effect across specifications."""
        frame = self.to_frame()
        frame = frame[frame["maturity"] == maturity]
        holders = holders or list(dict.fromkeys(frame["holder"]))
        lines = [f"Specification grid: {len(self.systems)} joint systems ({self.weights_rule} weights); "
                 f"{maturity} effect, bp per $100bn sold today (positive = sales raise yields)"]
        for g in holders:
            v = frame.loc[frame["holder"] == g, "effect_bp_per_100bn"]
            w = frame.loc[frame["holder"] == g, "weight"]
            mean = float(np.average(v, weights=w))
            positive = float(w[v > 0].sum() / w.sum())
            lines.append(f"  {holder_label(g):<20} weighted mean {mean:+.2f}; range {v.min():+.2f} to {v.max():+.2f}; "
                         f"median {v.median():+.2f}; positive (sales raise yields) in {positive:.0%} of the weight")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(self.records(), indent=2)


def fit_grid(panel: Panel, config: EstimationConfig, responses: list[str], debt_today_bn: float) -> GridResult:
    """Fit the joint system under every grid specification.

    Specifications whose common sample is too short for their regressors
    (``grid.min_obs_per_regressor``) are left out and listed in ``skipped``.
    """
    from model.workers import cpu_workers, map_forked

    dl = config.distributed_lags
    specs = grid_specs(config)
    prebuilt: dict = {}  # lagged flows, controls and responses, built once per measure and controls

    def fit(i: int) -> SystemResult | str:
        try:
            return fit_system(panel, specs[i], config, responses, debt_today_bn,
                              bootstrap_reps=dl.bootstrap_reps, bootstrap_block=dl.bootstrap_block_months,
                              seed=dl.bootstrap_seed + i, min_obs_per_regressor=config.grid.min_obs_per_regressor,
                              prebuilt=prebuilt)
        except ValueError as exc:
            return str(exc)

    # the specifications are independent: fitted in worker processes where there are CPUs to spare
    fitted = map_forked(fit, len(specs), cpu_workers(2))
    systems = [f for f in fitted if not isinstance(f, str)]
    skipped = {spec.label: f for spec, f in zip(specs, fitted, strict=True) if isinstance(f, str)}
    if not systems:
        raise ValueError("no specification of the grid has enough observations")
    weights = np.full(len(systems), 1.0 / len(systems))
    base = baseline_spec(config, config.grid.measures[0], config.grid.holders)
    return GridResult(systems=systems, weights=weights, weights_rule=config.grid.weights, baseline=base.label,
                      skipped=skipped)
