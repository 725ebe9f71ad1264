"""Purchase paths: each holder's planned deviation from its baseline purchases, $bn a month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.numbers import money
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
    deviation_bn: np.ndarray  # bonds and notes
    bills_deviation_bn: np.ndarray | None = None  # bills sold with instruments = "all"
    bill_share: float = 0.0
    notes: list[str] = field(default_factory=list)
    proceeds: str = "kept_in_dollars"  # what the holder does with the dollars (schema.Proceeds)


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
    bills = None
    if plan.action in ("slowdown", "raise"):  # a raise is a slowdown's mirror: purchases rise by the amount
        until = active_from + (plan.months or horizon)
        if plan.share is not None:
            if base <= 0:
                notes.append(f"baseline purchases are {money(base)} a month (not positive): a {plan.action} by a "
                             "share changes nothing")
            size = plan.share * max(base, 0.0)
        else:
            size = plan.bn_per_month or 0.0
        ramp = np.clip((t - active_from + 1) / max(plan.ramp_months, 1), 0, 1) if plan.ramp_months else 1.0
        sign = -1.0 if plan.action == "slowdown" else 1.0
        dev = sign * size * ramp * ((t >= active_from) & (t < until))
    elif plan.action == "pause":
        dev = -base * ((t >= active_from) & (t < active_from + plan.months))
    elif plan.action == "path":
        flows = np.zeros(horizon)
        values = np.asarray(plan.flows_bn, dtype=float)[: max(horizon - active_from, 0)]
        flows[active_from : active_from + len(values)] = values
        dev = (flows - base) * (t >= active_from) * (t < active_from + len(values))
    else:
        # a sale is of bonds and notes (what the flows measure and the estimates price) unless
        # the plan includes bills, which are then sold in proportion to the holder's bill share
        bill_share = context.bill_share(key)
        everything = plan.instruments == "all"
        if plan.bn is not None:
            total = plan.bn
        else:
            total = (plan.share or 0.0) * held * (1.0 if everything else 1.0 - bill_share)
        bonds = total * (1 - bill_share) if everything else total
        months = plan.months
        active = ((t >= active_from) & (t < active_from + months)).astype(float)
        # holdings end `total` below their baseline path: extra net sales of total/months a
        # month, on top of baseline purchases; afterwards purchases return to baseline
        dev = -(bonds / months) * active
        if everything:
            bills = -((total - bonds) / months) * active
        what = ("bonds and notes" if not everything
                else f"Treasuries (${bonds:,.0f}bn of bonds and notes, ${total - bonds:,.0f}bn of bills)")
        of = ""
        if plan.share is not None:
            base_bn = held if everything else held * (1.0 - bill_share)
            of = f"; {plan.share:.0%} of its ${base_bn:,.0f}bn of {'Treasuries' if everything else 'bonds and notes'}"
        notes.append(f"sells ${total:,.0f}bn more {what} than at baseline over {months} months "
                     f"(${total / months:,.1f}bn a month{of}; holdings ${held:,.0f}bn at start, of which "
                     f"{bill_share:.0%} bills; baseline {money(base, sign=True)} a month)")
    label = context.label(key)
    return HolderPath(key, label, plan.action, base, window, held, np.asarray(dev, dtype=float) + 0.0,
                      None if bills is None else np.asarray(bills, dtype=float) + 0.0,
                      context.bill_share(key), notes, plan.proceeds)
