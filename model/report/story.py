"""What the report says about the scenarios it was given: which one leads, the one-sentence
headline, the summary rows, which holder the sensitivity section follows.

Nothing here knows a scenario by name. The lead is the file with ``headline = true`` in its
``[scenario]`` table, else the largest sale by the largest holder that sells in any file
(``--headline NAME`` overrides both); every word of the headline sentence is computed from the
lead's plan and results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.errors import InputError, did_you_mean
from model.labels import join_words, response_label, subject, upper_first  # noqa: F401 (subject: re-exported)
from model.numbers import MINUS, money, number, share_text
from model.scenarios import ScenarioResult
from model.scenarios.paths import HolderPath

EPS_BN = 1e-9
# group labels that are common nouns read with an article ("the oil exporters")
@dataclass
class ScenarioSet:
    """One scenario priced with each response: posterior (the headline), data and literature."""

    posterior: ScenarioResult
    data: ScenarioResult
    literature: ScenarioResult
    headline: bool = False  # ``headline = true`` in the file
    # the digest of everything the three results depend on (the results cache's key), when the
    # pipeline priced them: a figure's inputs digest without serialising the results again
    key: str | None = None

    @property
    def name(self) -> str:
        return self.posterior.scenario

    @property
    def title(self) -> str:
        return self.posterior.title

    def items(self) -> list[tuple[str, ScenarioResult]]:
        return [("posterior", self.posterior), ("data", self.data), ("literature", self.literature)]

    @property
    def net_flow_bn(self) -> float:
        return sum(_total(p) for p in self.posterior.holder_paths)

    @property
    def moves_anything(self) -> bool:
        """False for a scenario whose every deviation is zero (a baseline)."""
        return any(abs(_total(p)) > EPS_BN or np.any(np.abs(p.deviation_bn) > EPS_BN)
                   for p in self.posterior.holder_paths)


def _total(path: HolderPath) -> float:
    """A holder's planned change of holdings, $bn (bills included when the plan sells them)."""
    total = float(np.sum(path.deviation_bn))
    if path.bills_deviation_bn is not None:
        total += float(np.sum(path.bills_deviation_bn))
    return total


def _active(path: HolderPath) -> np.ndarray:
    dev = np.abs(np.asarray(path.deviation_bn, dtype=float))
    if path.bills_deviation_bn is not None:
        dev = dev + np.abs(path.bills_deviation_bn)
    return np.flatnonzero(dev > EPS_BN)


# ---------------------------------------------------------------------------------------------
# Which scenario leads
# ---------------------------------------------------------------------------------------------


def choose_lead(sets: list[ScenarioSet], name: str | None = None) -> ScenarioSet:
    """The scenario the report leads with.

    ``name`` (``--headline``) wins; else the one file that sets ``headline = true``; else the
    largest sale by the largest holder that sells in any scenario (holdings at the start);
    without any sale, the scenario with the largest net change of holdings; else the first.

    Raises
    ------
    InputError
        An unknown ``name`` (with a suggestion), or several files that set ``headline = true``.
    """
    if not sets:
        raise InputError("no scenarios to report on")
    if name is not None:
        check_lead_name(name, [s.name for s in sets])
        return next(s for s in sets if s.name == name)
    flagged = [s for s in sets if s.headline]
    if len(flagged) > 1:
        files = " and ".join(s.posterior.path for s in flagged)
        raise InputError(f"{files} both set headline = true; only one scenario can lead the report "
                         "(or choose with --headline NAME)", field="scenario.headline")
    if flagged:
        return flagged[0]
    sellers: dict[str, float] = {}
    for s in sets:
        for p in s.posterior.holder_paths:
            if _total(p) < -EPS_BN:
                sellers[p.key] = max(sellers.get(p.key, -np.inf), p.holdings_start_bn)
    if sellers:
        largest = max(sellers, key=lambda k: (sellers[k], k))

        def sold_by_largest(s: ScenarioSet) -> float:
            return -sum(_total(p) for p in s.posterior.holder_paths if p.key == largest)

        candidates = [s for s in sets if sold_by_largest(s) > EPS_BN]
        return max(candidates, key=lambda s: (round(sold_by_largest(s), 6), -s.net_flow_bn))
    moving = [s for s in sets if abs(s.net_flow_bn) > EPS_BN]
    if moving:
        return max(moving, key=lambda s: abs(s.net_flow_bn))
    return sets[0]


def lead_reason(sets: list[ScenarioSet], name: str | None, lead: ScenarioSet) -> str:
    """Why ``lead`` leads, in words."""
    if name is not None:
        return "chosen with --headline"
    if lead.headline:
        return "headline = true in its file"
    if any(_total(p) < -EPS_BN for s in sets for p in s.posterior.holder_paths):
        return "the largest sale by the largest holder that sells in any scenario"
    if abs(lead.net_flow_bn) > EPS_BN:
        return "no scenario sells: the largest change of holdings"
    return "no scenario changes holdings: the first file"


def check_lead_name(name: str, names: list[str]) -> None:
    """Refuse a ``--headline`` that names no scenario (with a suggestion)."""
    if name in names:
        return
    hint = did_you_mean(name, names, f" (the scenarios are {', '.join(names)})")
    raise InputError(f"no scenario named '{name}'{hint}", field="--headline")


def sweep_holder(lead: ScenarioSet, sets: list[ScenarioSet], largest_in_data: str) -> str:
    """The holder whose sales the sensitivity section follows: the lead's largest seller (by
    the amount sold), else the lead's largest mover, else the largest holder named in any
    scenario, else the largest holder in the data."""
    paths = [p for p in lead.posterior.holder_paths if abs(_total(p)) > EPS_BN]
    selling = [p for p in paths if _total(p) < 0]
    for group in (selling, paths):
        if group:
            return max(group, key=lambda p: (abs(_total(p)), p.holdings_start_bn)).key
    named = [p for s in sets for p in s.posterior.holder_paths]
    if named:
        return max(named, key=lambda p: p.holdings_start_bn).key
    return largest_in_data


def explorer_holders(first: str, sets: list[ScenarioSet], largest_in_data: list[str], limit: int = 4) -> list[str]:
    """The explorer's holders: the sensitivity holder, the holders the scenarios name (largest
    first), then the largest holders in the data, ``limit`` in all."""
    named: dict[str, float] = {}
    for s in sets:
        for p in s.posterior.holder_paths:
            named[p.key] = max(named.get(p.key, -np.inf), p.holdings_start_bn)
    order = [first, *sorted(named, key=lambda k: -named[k]), *largest_in_data]
    return list(dict.fromkeys(order))[:limit]


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """A scenario's plan in numbers a sentence can use."""

    who: str  # "Japan", "Japan and the United Kingdom"
    plural: bool
    actions: set[str]
    net_bn: float  # planned change of holdings, $bn (negative = sales)
    months: int  # from the first to the last month that deviates
    first_month: int  # 1-based month of the first deviation
    base_bn: float  # what the share is a share of
    base_text: str  # "the $1,057bn of bonds and notes it holds"
    announced: str | None  # "50% priced at once"

    @property
    def possessive(self) -> str:
        return "their" if self.plural else "its"

    def share(self) -> str | None:
        return share_text(abs(self.net_bn) / self.base_bn) if self.base_bn > 0 else None


def plan_of(result: ScenarioResult) -> Plan:
    """Who does what, how much and over how long, from a priced scenario's holder paths."""
    paths = [p for p in result.holder_paths if abs(_total(p)) > EPS_BN or len(_active(p))]
    net = sum(_total(p) for p in paths)
    active = [_active(p) for p in paths]
    firsts = [int(a[0]) for a in active if len(a)]
    lasts = [int(a[-1]) for a in active if len(a)]
    months = (max(lasts) - min(firsts) + 1) if firsts else 0
    actions = {p.action for p in paths}
    plural = len(paths) > 1
    with_bills = any(p.bills_deviation_bn is not None for p in paths)
    if not with_bills:  # every action but a sale that includes bills moves bonds and notes only
        base = sum(p.holdings_start_bn * (1 - p.bill_share) for p in paths)
        base_text = f"the {money(base, 0)} of bonds and notes {'they hold' if plural else 'it holds'}"
    else:
        base = sum(p.holdings_start_bn for p in paths)
        base_text = f"{'their' if plural else 'its'} {money(base, 0)} of Treasuries"
    mode = result.pricing_mode
    announced = mode[mode.index("(") + 1 : mode.rindex(")")] if mode.startswith("announcement") else None
    return Plan(who=join_words([subject(p.label) for p in paths]), plural=plural, actions=actions, net_bn=net,
                months=months, first_month=(min(firsts) + 1) if firsts else 1, base_bn=base, base_text=base_text,
                announced=announced)


def plan_phrase(result: ScenarioResult) -> str:
    """What the plan does, as the condition of a sentence: ``Japan sold $212bn more of its
    Treasury bonds and notes than at its recent pace over 24 months (20% of the $1,057bn of
    bonds and notes it holds)``. Every action is of bonds and notes (what the flows measure),
    and its share is of the bonds and notes held, unless a sale includes bills. Empty for a
    plan that changes nothing."""
    plan = plan_of(result)
    if not plan.months:
        return ""
    amount = money(abs(plan.net_bn), 0)
    span = f"over {plan.months} month{'s' if plan.months != 1 else ''}"
    if plan.first_month > 1:
        span += f" from month {plan.first_month}"
    share = plan.share()
    of_holdings = f" ({share} of {plan.base_text})" if share else ""
    pos = plan.possessive
    verb_sells = plan.actions <= {"sell", "path", "slowdown"} and plan.net_bn < 0
    what = "Treasury bonds and notes" if "bonds and notes" in plan.base_text else "Treasuries"
    if plan.actions == {"pause"}:
        text = (f"{plan.who} paused {pos} purchases of {what} for {plan.months} months (about {amount} not bought "
                f"at {pos} recent pace{', ' + share + ' of ' + plan.base_text if share else ''})")
    elif plan.actions == {"slowdown"}:
        text = f"{plan.who} cut {pos} purchases of {what} by {amount} in all {span}{of_holdings}"
    elif plan.actions == {"sell"} and plan.net_bn < 0:
        text = f"{plan.who} sold {amount} more of {pos} {what} than at {pos} recent pace {span}{of_holdings}"
    elif plan.net_bn > 0:
        text = f"{plan.who} bought {amount} more {what} than at {pos} recent pace {span}{of_holdings}"
    elif verb_sells:
        text = f"{plan.who} reduced {pos} holdings of {what} by {amount} against {pos} recent pace {span}{of_holdings}"
    else:
        text = f"{plan.who} changed course as planned, a net {money(plan.net_bn, 0, sign=True)} {span}"
    if plan.announced:
        text += f", announced in advance ({plan.announced})"
    return text


def short_plan(result: ScenarioResult) -> str:
    """A few words for a table: ``sells $212bn of bonds and notes over 24 months``."""
    plan = plan_of(result)
    if not plan.months:
        return "no change from the recent pace"
    amount = money(abs(plan.net_bn), 0)
    what = "of bonds and notes" if "bonds and notes" in plan.base_text else "of Treasuries"
    if plan.actions == {"pause"}:
        return f"pause of {plan.months} months ({amount} {what})"
    if plan.net_bn > 0:
        verb = "buy" if plan.plural else "buys"
    else:
        verb = "sell" if plan.plural else "sells"
    if plan.actions == {"slowdown"}:
        return f"{amount} fewer purchases {what} over {plan.months} months"
    return f"{verb} {amount} {what} over {plan.months} months" + (", announced" if plan.announced else "")


def _bp(value: float | None) -> str:
    return number(value, minus=MINUS)


def _usd(value: float | None, digits: int = 0) -> str:
    return money(value, digits, sign=True, minus=MINUS)


def fading(result, mid: float) -> str:
    """A clause for a move that is not the lasting one: how close it is to the path's peak, and
    how much of it lasts (empty when most of it lasts)."""
    lasting = result.lasting("10y")["median"]
    if lasting is None or abs(lasting) >= 0.8 * abs(mid):
        return ""
    peak = result.peak("10y")
    near = abs(mid) >= 0.9 * abs(peak["median"])
    return f", {'close to its peak' if near else 'a passing move'}, of which {_bp(lasting)} bp lasts"


def headline_sentence(lead: ScenarioSet) -> str:
    """The headline, every word computed from the lead scenario's plan and results. It leads
    with the number that depends least on how much of the effect lasts (the 10-year move two
    years in, or at the end of a shorter horizon), then gives the ten-year cost with its range
    over the lasting share (none, all), then the data alone and the literature at the same point."""
    post, data, lit = lead.posterior, lead.data, lead.literature
    condition = plan_phrase(post)
    if not condition:
        return (f"{post.title}: no holder departs from its recent pace, so yields and federal interest stay on the "
                "baseline path (every deviation is zero by construction).")
    month = min(24, post.horizon_months)
    at = post.at("10y", month)
    mid, lo, hi = at["median"], at["p05"], at["p95"]
    if abs(mid) < 0.05:
        move = (f"the 10-year yield would be essentially unchanged after {month} months ({_bp(mid)} bp; 90% band "
                f"{_bp(lo)} to {_bp(hi)})")
    else:
        move = (f"the 10-year yield would be {abs(mid):.1f} bp {'higher' if mid > 0 else 'lower'} than otherwise after "
                f"{month} months (90% band {_bp(lo)} to {_bp(hi)} bp)")
        move += fading(post, mid)
    cost = post.cost("10yr")
    saving = cost["median"] < 0
    money_clause = (f"over ten years the extra federal interest would be {_usd(cost['median'])} "
                    f"({'a saving; ' if saving else ''}90% band {_usd(cost['p05'])} to {_usd(cost['p95'])})")
    shares = {row["lasting_share"]: row for row in (post.persistence_sensitivity or [])}
    if 0.0 in shares and 1.0 in shares:
        money_clause += (f": {_usd(shares[0.0]['interest_cost_10yr_bn'][1])} if none of the effect lasted, "
                         f"{_usd(shares[1.0]['interest_cost_10yr_bn'][1])} if all of it did")
    first = f"If {condition}, {move}; {money_clause}."
    d, li = data.at("10y", month), lit.at("10y", month)
    second = (f"At the same point the data alone give {_bp(d['median'])} bp ({_bp(d['p05'])} to {_bp(d['p95'])}); "
              f"published estimates, rescaled to today's market, {_bp(li['central'])} bp ({_bp(li['low'])} to "
              f"{_bp(li['high'])}).")
    return upper_first(first) + " " + second


def general_notes(sets: list[ScenarioSet]) -> list[str]:
    """Notes every scenario's results carry (said once, not under each scenario)."""
    per_set = [{n for _, r in s.items() for n in r.notes} for s in sets]
    common = set.intersection(*per_set) if per_set else set()
    ordered = [n for _, r in sets[0].items() for n in r.notes] if sets else []
    return [n for n in dict.fromkeys(ordered) if n in common]


def own_notes(sset: ScenarioSet, general: list[str]) -> list[str]:
    """A scenario's notes, less the general ones; a note only some responses carry is prefixed
    with their names ("posterior: ..."), as the warnings are."""
    skip = set(general)
    carried: dict[str, list[str]] = {}
    for response, result in sset.items():
        for n in dict.fromkeys(result.notes):
            if n not in skip:
                carried.setdefault(n, []).append(response)
    every = len(sset.items())
    return [n if len(by) == every else f"{' and '.join(response_label(r) for r in by)}: {n}"
            for n, by in carried.items()]


def level_effects(results) -> list[float]:
    """Every effect of the regressions in levels (bp per $100bn sold), for the counts of wrong
    signs the brief and the appendix give."""
    return [e.effect_bp_per_100bn for r in results.levels for e in r.effects.values()]
