"""Scenarios without a file: from a dictionary with the file's layout (the Python API), or from
a one-line command (``tlrisk simulate --holder japan --sell 200 --months 12``)."""

from __future__ import annotations

import math
import re

from pydantic import ValidationError

from model.config import format_validation_error
from model.errors import InputError, ValidationFailed
from model.scenarios.context import ScenarioContext
from model.scenarios.schema import Scenario, ScenarioFile


def scenario_from_dict(raw: dict, context: ScenarioContext, source: str = "(scenario given as a dictionary)") -> Scenario:
    """Validate a scenario given with a file's layout (``{"scenario": {...}, "pricing": {...},
    "holders": [...]}``) and resolve its holders against the data.

    Raises
    ------
    ValidationFailed
        Every problem, as ``source: dotted.path — reason`` lines (as for a file).
    """
    if not isinstance(raw, dict):
        raise InputError(f"a scenario is a dictionary with 'scenario', 'pricing' and 'holders', not "
                         f"{type(raw).__name__}")
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(format_validation_error(exc, source, ScenarioFile)) from None
    problems, keys = [], []
    for i, plan in enumerate(spec.holders, start=1):
        try:
            key = context.require_holder(plan.holder, f"holders[{i}].holder")
        except InputError as exc:
            problems.append(f"{source}: holders[{i}].holder — {exc.message}")
            continue
        keys.append(key)
        held = context.holdings_at(key, context.last_data_month)
        if math.isnan(held):
            problems.append(f"{source}: holders[{i}].holder — '{plan.holder}' has no holdings in the data")
        elif plan.action == "sell" and plan.bn is not None and plan.bn > held:
            problems.append(f"{source}: holders[{i}].bn — a sale of ${plan.bn:,.0f}bn is larger than "
                            f"{context.label(key)}'s holdings (${held:,.0f}bn at {context.last_data_month:%Y-%m})")
    if len(set(keys)) < len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        problems.append(f"{source}: holders — '{dup}' appears more than once; give one plan per holder")
    if problems:
        raise ValidationFailed(problems)
    return Scenario(path=source, spec=spec, holders=keys)


def one_line_scenario(context: ScenarioContext, holder: str, action: str, months: int, bn: float | None = None,
                      start: str | None = None, horizon: int = 60, response: str | None = None,
                      draws: int | None = None) -> dict:
    """The scenario a one-line command describes, with a file's layout.

    Parameters
    ----------
    holder : str
        A holder as a user types it (``japan``, ``Cayman Islands``).
    action : {"sell", "buy", "pause"}
        ``buy`` is a path of extra purchases of ``bn / months`` a month (baseline zero).
    """
    key = context.require_holder(holder, "--holder")
    label = context.label(key)
    start = start or f"{context.last_data_month.to_period('M') + 1}"
    if action == "sell":
        title = f"{label} sells ${bn:,.0f}bn of Treasuries over {months} months"
        plan = {"holder": holder, "action": "sell", "bn": float(bn), "months": int(months)}
    elif action == "buy":
        title = f"{label} buys ${bn:,.0f}bn more Treasuries over {months} months"
        plan = {"holder": holder, "action": "path", "baseline": 0.0,
                "flows_bn": [float(bn) / months] * int(months)}
    elif action == "pause":
        title = f"{label} pauses its Treasury purchases for {months} months"
        plan = {"holder": holder, "action": "pause", "months": int(months)}
    else:
        raise InputError(f"unknown action '{action}' (sell, buy or pause)")
    name = re.sub(r"[^a-z0-9]+", "_", title.lower().replace("$", "")).strip("_")
    pricing: dict = {}
    if response:
        pricing["response"] = response
    if draws:
        pricing["draws"] = int(draws)
    return {"scenario": {"name": name, "title": title, "description": "A scenario given on the command line.",
                         "start": start, "horizon_months": int(horizon)},
            "pricing": pricing, "holders": [plan]}
