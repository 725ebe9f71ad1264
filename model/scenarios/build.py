"""Scenarios without a file: from a dictionary with the file's layout (the Python API), or from
a one-line command (``tlrisk simulate --holder japan --sell 200 --months 12``)."""

from __future__ import annotations

import re

from model.config import dotted_path, toml_data_problem
from model.errors import InputError, ValidationFailed
from model.scenarios.context import ScenarioContext
from model.scenarios.schema import Scenario, validate_raw
from model.scenarios.sweep import default_start


def scenario_from_dict(raw: dict, context: ScenarioContext, source: str = "(scenario given as a dictionary)") -> Scenario:
    """Validate a scenario given with a file's layout (``{"scenario": {...}, "pricing": {...},
    "holders": [...]}``) exactly as a file is validated, and resolve its holders against the data.

    Raises
    ------
    ValidationFailed
        Every problem, as ``source: dotted.path — reason`` lines (as for a file).
    """
    if not isinstance(raw, dict):
        raise InputError(f"a scenario is a dictionary with 'scenario', 'pricing' and 'holders', not "
                         f"{type(raw).__name__}")
    problem = toml_data_problem(raw)  # a cycle, deep nesting, a numpy number: what no file can hold
    if problem:
        raise ValidationFailed([f"{source}: {dotted_path(problem[0])} — {problem[1]}"])
    spec, problems, keys = validate_raw(raw, source, context)  # every check a file gets
    if problems or spec is None:
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
    start = start or default_start(context)
    if action == "sell":
        title = f"{label} sells ${bn:,.0f}bn of Treasury bonds and notes over {months} months"
        plan = {"holder": holder, "action": "sell", "bn": float(bn), "months": int(months)}
    elif action == "buy":
        title = f"{label} buys ${bn:,.0f}bn more Treasury bonds and notes over {months} months"
        plan = {"holder": holder, "action": "path", "baseline": 0.0,
                "flows_bn": [float(bn) / months] * int(months)}
    elif action == "pause":
        title = f"{label} pauses its purchases of Treasury bonds and notes for {months} months"
        plan = {"holder": holder, "action": "pause", "months": int(months)}
    else:
        raise InputError(f"unknown action '{action}' (sell, buy or pause)")
    # an identifier within the schema's 64 characters, however long the holder's name
    name = re.sub(r"[^a-z0-9]+", "_", title.lower().replace("$", "")).strip("_")[:64].rstrip("_")
    pricing: dict = {}
    if response:
        pricing["response"] = response
    if draws:
        pricing["draws"] = int(draws)
    return {"scenario": {"name": name, "title": title, "description": "A scenario given on the command line.",
                         "start": start, "horizon_months": int(horizon)},
            "pricing": pricing, "holders": [plan]}
