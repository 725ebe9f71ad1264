"""What a scenario file says in words against what it prices: the figures in its title,
description and comments ($ amounts, percentages, months and years) are held to the amounts
the engine builds from its plan, within the rounding they are written with.

A copied file keeps its old description ("Holdings end 20% below their baseline path") while its
plan now sells $500bn over 12 months; the report's plan sentence is always computed from the
plan, and a hand-written text that disagrees with it gets a warning naming the figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from model.scenarios.context import ScenarioContext
from model.scenarios.paths import holder_path
from model.scenarios.schema import BASELINE_MONTHS, Scenario

MONEY = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)(?:-(\d[\d,]*(?:\.\d+)?))?(bn|tn)")
SHARE = re.compile(r"(?<![\d.$])(\d+(?:\.\d+)?)\s?(%|percent\b)")
COUNT = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "twelve": 12, "eighteen": 18, "twenty-four": 24, "thirty-six": 36}
SPAN = re.compile(r"(?<![\d.$\w-])(\d+|" + "|".join(COUNT) + r")[\s-](months?|years?)\b", re.I)
WORDS = {"a fifth": 20.0, "a quarter": 25.0, "a third": 100 / 3, "half": 50.0, "a tenth": 10.0}


def _written(number: str) -> tuple[float, float]:
    """A number as written, and half a unit of its last digit (its rounding)."""
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number.replace(",", "")), 0.5 * 10.0 ** -decimals


def money_figures(text: str) -> list[tuple[str, float, float]]:
    """Every dollar figure in ``text``: (as written, value in $bn, its rounding in $bn)."""
    out = []
    for match in MONEY.finditer(text):
        scale = 1000.0 if match.group(3) == "tn" else 1.0
        for number in filter(None, match.group(1, 2)):
            value, half = _written(number)
            out.append((match.group(0), value * scale, half * scale))
    return out


def plan_quantities(scenario: Scenario, context: ScenarioContext) -> dict[str, list[float]]:
    """Every amount the engine builds from a scenario: ``bn`` (per holder the holdings at the
    start, its bonds and notes, its recent pace a month, the amount sold or withheld and its
    monthly pace; the file's total and its total a month), ``pct`` (the amount as a share of
    the bonds and notes held and of all Treasuries held, a slowdown's share of the pace, the
    announced share, the bill share) and ``months`` (the horizon, the baseline's window, each
    action's length, ramp and delay)."""
    spec = scenario.spec
    start = pd.Timestamp(spec.scenario.start + "-01")
    bn, pct, months = [], [], [float(spec.scenario.horizon_months), float(BASELINE_MONTHS)]
    total = monthly = 0.0
    for plan, key in zip(spec.holders, scenario.holders, strict=True):
        p = holder_path(plan, key, context, start, spec.scenario.horizon_months, "reported")
        moved = p.deviation_bn + (p.bills_deviation_bn if p.bills_deviation_bn is not None else 0.0)
        active = np.abs(moved[np.abs(moved) > 1e-9])
        pace = [float(active.max()), float(active.mean())] if len(active) else []
        amount = abs(float(moved.sum()))
        bonds = p.holdings_start_bn * (1 - p.bill_share)
        bn += [p.holdings_start_bn, bonds, abs(p.baseline_bn), amount, *pace]
        pct += [amount / bonds * 100 if bonds else 0.0, amount / p.holdings_start_bn * 100 if p.holdings_start_bn else 0.0]
        pct += [plan.share * 100] if plan.share is not None else []
        pct.append(p.bill_share * 100)
        months += [float(m) for m in (plan.months, plan.ramp_months, plan.delay_months, len(active)) if m]
        total += float(moved.sum())
        monthly += pace[1] if pace else 0.0
    if spec.pricing.mode == "announcement":
        pct.append(spec.pricing.announcement_share * 100)
    return {"bn": [*bn, abs(total), monthly], "pct": pct, "months": months}


def figures_off_the_plan(texts: list[str], quantities: dict[str, list[float]]) -> list[str]:
    """The figures in ``texts`` that match no amount of the plan, within their rounding."""
    off = []

    def near(value: float, half: float, pool: list[float]) -> bool:
        return any(abs(q - value) <= half + 1e-9 for q in pool)

    for text in texts:
        for written, value, half in money_figures(text):
            if not near(value, half, quantities["bn"]):
                off.append(written)
        shares = [(m.group(0), *_written(m.group(1))) for m in SHARE.finditer(text)]
        shares += [(w, v, 0.5) for w, v in WORDS.items() if re.search(rf"\b{w}\b", text, re.I)]
        for written, value, half in shares:
            if not near(value, max(half, 0.5), quantities["pct"]):
                off.append(written)
        for match in SPAN.finditer(text):
            count = match.group(1).lower()
            value = float(COUNT.get(count) or count) * (12 if match.group(2).lower().startswith("year") else 1)
            if not near(value, 0.5, quantities["months"]):
                off.append(match.group(0))
    return off


def text_warnings(scenario: Scenario, context: ScenarioContext) -> list[str]:
    """A warning for each figure of the title or the description that the plan does not price."""
    meta = scenario.spec.scenario
    off = figures_off_the_plan([meta.title, meta.description], plan_quantities(scenario, context))
    return [f"{Path(scenario.path).name}: the title or description says \u201c{w}\u201d, which matches nothing the "
            "plan prices (the plan sentence is computed from the plan: check the file's text)" for w in off]


def comment_paragraphs(path: str | Path) -> list[str]:
    """A scenario file's comment paragraphs, except those that start ``For scale:`` (history)."""
    paragraphs, current = [], []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            if body:
                current.append(body)
                continue
        if current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return [p for p in paragraphs if not p.startswith("For scale:")]


__all__ = ["comment_paragraphs", "figures_off_the_plan", "money_figures", "plan_quantities", "text_warnings"]
