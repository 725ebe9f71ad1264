"""Purchase paths: each holder's planned deviation from its baseline purchases, $bn a month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.scenarios.context import ScenarioContext
from model.scenarios.schema import HolderPlan

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
