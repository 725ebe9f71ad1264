"""Historical episodes: what the model says foreign flows did, beside what yields did.

An episode is a scenario whose purchase path is the observed flows: each holder's reported net
purchases in the window, priced by the same engine as user scenarios (the posterior response
and the literature envelope), with the actual change in the 10-year yield and the term premium, the
Federal Reserve's own purchases and the policy rate over the same months.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model.config import MONTH, FieldProblems, StrictModel, config_path, load_model
from model.errors import InputError
from model.labels import holder_label
from model.numbers import number
from model.scenarios import (
    HolderPlan,
    Scenario,
    ScenarioContext,
    ScenarioFile,
    ScenarioResult,
    simulate,
)
from model.schema import clean, versioned

MAX_WINDOW_MONTHS = 120  # an episode is priced as a scenario: at most its longest horizon


class Episode(StrictModel):
    key: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)
    title: str = Field(min_length=1)
    start: str = Field(pattern=MONTH)
    end: str = Field(pattern=MONTH)
    holders: list[str] = Field(min_length=1)
    note: str
    source: str

    @model_validator(mode="after")
    def _window(self) -> Episode:
        if self.end < self.start:
            raise ValueError("end is before start")
        if len(self.months) > MAX_WINDOW_MONTHS:
            raise FieldProblems([(("end",), f"a window of {len(self.months)} months is longer than "
                                            f"{MAX_WINDOW_MONTHS} months")])
        return self

    @property
    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start + "-01", self.end + "-01", freq="MS")


class EpisodesFile(StrictModel):
    episode: list[Episode]

    @model_validator(mode="after")
    def _unique_keys(self) -> EpisodesFile:
        seen: dict[str, int] = {}
        problems = []
        for i, ep in enumerate(self.episode):
            if ep.key in seen:
                problems.append((("episode", i, "key"), f"'{ep.key}' is also the key of episode[{seen[ep.key] + 1}]"))
            seen.setdefault(ep.key, i)
        if problems:
            raise FieldProblems(problems)
        return self


def episode_problems(context: ScenarioContext, config: EpisodesFile | None = None) -> list[str]:
    """``episodes.toml`` against the data: every holder known, every window inside the data.

    Returns one ``file: episode[i].field — reason`` line per problem (empty when all is well).
    """
    config = config or episodes_config()
    path = config_path("episodes.toml")
    frame = context.panel.frame
    first = frame["total_foreign_holdings_bn"].first_valid_index() + pd.offsets.MonthBegin(1)
    last = context.last_data_month
    problems = []
    for i, ep in enumerate(config.episode, start=1):
        for j, name in enumerate(ep.holders, start=1):
            if context.resolve(name) is None:
                close = context.suggest_holder(name)  # the same hint as a scenario file's holder
                hint = f" (did you mean '{close}'?)" if close else ""
                problems.append(f"{path}: episode[{i}].holders[{j}] — unknown holder '{name}'{hint}")
        if ep.months[0] < first:
            problems.append(f"{path}: episode[{i}].start — {ep.start} is before the data allow "
                            f"(the first change in holdings is {first:%Y-%m})")
        if ep.months[-1] > last:
            problems.append(f"{path}: episode[{i}].end — {ep.end} is after the data end ({last:%Y-%m})")
    return problems


@cache
def episodes_config() -> EpisodesFile:
    """The validated ``episodes.toml``."""
    return load_model(config_path("episodes.toml"), EpisodesFile)


def largest_sale(context: ScenarioContext, months: int = 6, since: str = "2000-01") -> Episode:
    """The largest rolling ``months``-month net sale of bonds and notes by one country in the
    reported transactions: an episode the data make obvious, found by the tool."""
    flows = context.panel.flows
    rows = flows[(flows["instrument"] == "bonds_notes") & (flows["kind"] == "country")
                 & (flows["month"] >= pd.Timestamp(since + "-01"))]
    wide = rows.pivot_table(index="month", columns="holder", values="net_purchases_bn")
    rolling = wide.rolling(months).sum().stack()
    (end, holder), total = rolling.idxmin(), float(rolling.min())
    start = end - pd.DateOffset(months=months - 1)
    return Episode(
        key="largest_6m_sale", title=f"Largest six-month sale: {holder}, {start:%b %Y} - {end:%b %Y}",
        start=f"{start:%Y-%m}", end=f"{end:%Y-%m}", holders=[holder],
        note=(f"Found by the tool: the largest rolling six-month net sale of Treasury bonds and notes by a "
              f"single country since {since[:4]} in the reported transactions, ${-total:,.0f}bn."),
        source="U.S. Treasury TIC, Form S and SLT transactions (computed by this tool)",
    )


@dataclass
class EpisodeResult:
    """One episode: flows over the window, what the model says, what happened, a verdict."""

    episode: Episode
    holders: list[str]
    flows_reported_bn: float
    flows_holdings_change_bn: float
    flows_adjusted_bn: float | None
    posterior: ScenarioResult
    literature: ScenarioResult
    actual_10y_bp: float
    actual_tp_bp: float | None
    actual_10y_path_bp: list[float]
    fed_purchases_bn: float | None
    policy_rate_change_bp: float | None
    verdict: str
    verdict_literature: str
    verdict_tp: str
    notes: list[str] = field(default_factory=list)

    def to_record(self) -> dict:
        """Every field, exactly (for the results cache)."""
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("episode", "posterior", "literature")}
        return {**fields, "episode": self.episode.model_dump(mode="json"), "posterior": self.posterior.to_record(),
                "literature": self.literature.to_record()}

    @classmethod
    def from_record(cls, record: dict) -> EpisodeResult:
        return cls(**{**record, "episode": Episode.model_validate_json(json.dumps(record["episode"])),
                      "posterior": ScenarioResult.from_record(record["posterior"]),
                      "literature": ScenarioResult.from_record(record["literature"])})

    def predicted(self, response: str = "10y", source: str = "posterior") -> dict[str, float]:
        """The model's band for the window's end: ``{median, p05, p95}`` (posterior) or
        ``{central, low, high}`` (literature)."""
        result = self.posterior if source == "posterior" else self.literature
        return result.at(response, result.horizon_months)

    def predicted_triple(self, response: str = "10y", source: str = "posterior") -> tuple[float, float, float]:
        result = self.posterior if source == "posterior" else self.literature
        return result.triple(response, result.horizon_months)

    def to_dict(self) -> dict:
        return {
            "key": self.episode.key, "title": self.episode.title, "start": self.episode.start,
            "end": self.episode.end, "holders": [{"holder": h, "label": holder_label(h)} for h in self.holders],
            "note": self.episode.note,
            "source": self.episode.source,
            "flows_bn": {"reported_net_purchases": self.flows_reported_bn,
                         "holdings_change": self.flows_holdings_change_bn,
                         "valuation_adjusted": self.flows_adjusted_bn},
            "predicted_10y_bp": {"posterior": self.predicted("10y"), "literature": self.predicted("10y", "literature")},
            "predicted_term_premium_bp": {"posterior": self.predicted("tp10"),
                                          "literature": self.predicted("tp10", "literature")},
            "actual_10y_bp": self.actual_10y_bp, "actual_term_premium_bp": self.actual_tp_bp,
            "actual_10y_path_bp": self.actual_10y_path_bp,
            "fed_purchases_bn": self.fed_purchases_bn, "policy_rate_change_bp": self.policy_rate_change_bp,
            "verdict": self.verdict, "verdict_literature": self.verdict_literature,
            "verdict_term_premium": self.verdict_tp, "verdict_category": verdict_category(self.verdict),
            "notes": self.notes,
        }


def verdict(actual: float | None, band: tuple[float, float, float], what: str) -> str:
    """Consistent, too large, too small or wrong sign, in plain words (``band`` is low,
    middle, high)."""
    if actual is None or np.isnan(actual):
        return f"no data on the {what} for this window"
    lo, mid, hi = band
    share = f"{mid / actual:.0%}" if abs(actual) >= 1 else "n/a"
    act = number(actual, 0)
    if lo <= actual <= hi:
        if abs(mid) < 0.25 * abs(actual):
            return (f"consistent, but only because the band is wide: the flows account for {number(mid)} bp of a "
                    f"{act} bp move in the {what} (the model explains little)")
        return f"consistent: the {what} moved {act} bp, inside the model's band ({number(lo)} to {number(hi)})"
    if mid * actual < 0:
        return (f"wrong sign: the flows point to {number(mid)} bp, the {what} moved {act} bp (the model and "
                "the market disagree on the direction: other forces, or the model, or both)")
    if abs(actual) > max(abs(lo), abs(hi)):
        return f"too small: the flows account for {number(mid)} bp ({share}) of a {act} bp move in the {what}"
    return f"too large: the model predicts {number(mid)} bp, the {what} moved only {act} bp"


VERDICTS = ("consistent, but only because the band is wide", "consistent", "wrong sign", "too small", "too large",
            "no data")


def verdict_category(text: str) -> str:
    """The verdict in a word or two (``consistent``, ``too small``...), for a table column."""
    for name in VERDICTS:
        if text.startswith(name):
            return "band too wide to tell" if name.startswith("consistent, but") else name
    return text.split(":")[0]


def _sum(series: pd.Series, months: pd.DatetimeIndex) -> float | None:
    values = series.reindex(months)
    return None if values.isna().all() else float(values.sum())


def _change(series: pd.Series, months: pd.DatetimeIndex) -> float | None:
    before = months[0] - pd.offsets.MonthBegin(1)
    if before not in series.index or months[-1] not in series.index:
        return None
    a, b = series.get(before), series.get(months[-1])
    return None if pd.isna(a) or pd.isna(b) else float((b - a) * 100)


def episode_scenario(ep: Episode, context: ScenarioContext, draws: int = 10_000) -> tuple[Scenario, list[str]]:
    """The episode as a scenario: each holder's observed reported flows as a path, baseline zero."""
    months = ep.months
    plans, keys, notes = [], [], []
    for name in ep.holders:
        key = context.resolve(name)
        if key is None:
            raise InputError(f"episode '{ep.key}': unknown holder '{name}'", field="holders")
        flows = context.flows(key, "reported").reindex(months)
        if flows.isna().any():
            missing = ", ".join(f"{m:%Y-%m}" for m in months[flows.isna().to_numpy()])
            notes.append(f"{name}: no reported transactions for {missing} (counted as zero)")
        plans.append(HolderPlan(holder=key, action="path", baseline=0.0,
                                flows_bn=[float(v) for v in flows.fillna(0.0)]))
        keys.append(key)
    spec = ScenarioFile(scenario={"name": ep.key, "title": ep.title, "description": ep.note, "start": ep.start,
                                  "horizon_months": len(months)},
                        pricing={"response": "posterior", "draws": draws, "seed": 1}, holders=plans)
    return Scenario(path=f"episodes.toml#{ep.key}", spec=spec, holders=keys), notes


def run_episode(ep: Episode, context: ScenarioContext, draws: int = 10_000) -> EpisodeResult:
    """Price an episode's observed flows and set them beside what happened."""
    scenario, notes = episode_scenario(ep, context, draws)
    posterior = simulate(scenario, context, response="posterior")
    literature = simulate(scenario, context, response="literature")
    frame = context.panel.frame
    months = ep.months
    reported, change, adjusted = 0.0, 0.0, 0.0
    has_adjusted = True
    for key in scenario.holders:
        reported += float(context.flows(key, "reported").reindex(months).fillna(0.0).sum())
        change += float(context.flows(key, "naive").reindex(months).fillna(0.0).sum())
        if context.is_group(key):
            adjusted += float(frame[f"{key}_adj_purchases_bn"].reindex(months).fillna(0.0).sum())
        else:
            has_adjusted = False
    y10 = frame["y10y_eom_pct"]
    before = months[0] - pd.offsets.MonthBegin(1)
    path = ((y10.reindex(months) - y10.get(before)) * 100).round(6).tolist()
    actual_10y = _change(y10, months)
    actual_tp = _change(frame["ytp10_eom_pct"], months)
    fed = _sum(frame["dfed_treasuries_bn"], months)
    policy = _change(frame["fedfunds_pct"], months)
    band10 = posterior.triple("10y", len(months))
    band_tp = posterior.triple("tp10", len(months))
    if len(months) < 3:
        notes.append("a window this short is mostly noise at a monthly frequency")
    if not has_adjusted:
        notes.append("no valuation-adjusted flows for a single country (groups only)")
    return EpisodeResult(
        episode=ep, holders=scenario.holders, flows_reported_bn=reported, flows_holdings_change_bn=change,
        flows_adjusted_bn=adjusted if has_adjusted else None, posterior=posterior, literature=literature,
        actual_10y_bp=actual_10y, actual_tp_bp=actual_tp, actual_10y_path_bp=path, fed_purchases_bn=fed,
        policy_rate_change_bp=policy, verdict=verdict(actual_10y, band10, "10-year yield"),
        verdict_literature=verdict(actual_10y, literature.triple("10y", len(months)), "10-year yield"),
        verdict_tp=verdict(actual_tp, band_tp, "term premium"), notes=notes,
    )


def run_all(context: ScenarioContext, draws: int = 10_000, config: EpisodesFile | None = None) -> list[EpisodeResult]:
    """Every episode of ``episodes.toml`` (``config``), then the largest six-month sale found in the data."""
    from model.workers import cpu_workers, map_forked

    episodes = [*(config or episodes_config()).episode, largest_sale(context)]
    # independent pricings, each from its own seed: in forked workers where there are CPUs
    return map_forked(lambda i: run_episode(episodes[i], context, draws), len(episodes), cpu_workers(2))


def explains(result: EpisodeResult) -> bool:
    """True when the actual 10-year move lies in the tool's band and the flows account for at
    least a quarter of it."""
    (lo, mid, hi), actual = result.predicted_triple("10y"), result.actual_10y_bp
    if actual is None or np.isnan(actual):
        return False
    return lo <= actual <= hi and abs(mid) >= 0.25 * abs(actual)


def episodes_summary(results: list[EpisodeResult]) -> str:
    """What the episodes say, in sentences computed from their numbers."""
    if not results:
        return "No episodes were run."
    k = sum(explains(r) for r in results)
    est = max(abs(r.predicted_triple("10y")[1]) for r in results)
    lit = max(abs(r.predicted_triple("10y", "literature")[1]) for r in results)
    actual = [r.actual_10y_bp for r in results if r.actual_10y_bp is not None]
    text = (f"In {k} of {len(results)} episodes the actual 10-year move lies inside the tool's band with the "
            f"observed flows accounting for at least a quarter of it. The flows imply 10-year moves of at most "
            f"{est:.0f} bp (posterior) or {lit:.0f} bp (literature, central); the actual moves ranged from "
            f"{number(min(actual), 0)} to {number(max(actual), 0)} bp.")
    if k <= len(results) / 2:
        policy = max((abs(r.policy_rate_change_bp) for r in results if r.policy_rate_change_bp is not None), default=0)
        fed = max((abs(r.fed_purchases_bn) for r in results if r.fed_purchases_bn is not None), default=0)
        text += (" The model explains little of what yields did in these episodes: yields moved far more than the "
                 f"flows imply, and over the same windows the policy rate changed by up to {policy:.0f} bp and "
                 f"the Federal Reserve's Treasury holdings by up to ${fed:,.0f}bn.")
    return text


def episodes_table(results: list[EpisodeResult]) -> str:
    """Plain-text table for ``tlrisk episodes``."""
    lines = []
    for r in results:
        e, lit = r.predicted_triple("10y"), r.predicted_triple("10y", "literature")
        tp = r.predicted_triple("tp10")
        adjusted = "n/a" if r.flows_adjusted_bn is None else f"{r.flows_adjusted_bn:+,.0f}"
        lines += [
            f"{r.episode.title} ({r.episode.start} to {r.episode.end}; {', '.join(holder_label(h) for h in r.holders)})",
            f"  flows, $bn: reported net purchases {r.flows_reported_bn:+,.1f}; change in holdings "
            f"{r.flows_holdings_change_bn:+,.1f}; valuation-adjusted {adjusted}",
            f"  10-year, bp: model (posterior) {number(e[1])} [{number(e[0])}, {number(e[2])}]; literature "
            f"{number(lit[1])} [{number(lit[0])}, {number(lit[2])}]; actual {_fmt(r.actual_10y_bp)}",
            f"  term premium, bp: model {number(tp[1])} [{number(tp[0])}, {number(tp[2])}]; actual {_fmt(r.actual_tp_bp)}",
            f"  meanwhile: Fed Treasury purchases {_fmt(r.fed_purchases_bn, '$bn')}; fed funds {_fmt(r.policy_rate_change_bp)} bp",
            f"  verdict (posterior): {r.verdict}",
            f"  verdict (literature envelope): {r.verdict_literature}",
            f"  term premium: {r.verdict_tp}",
            f"  note: {r.episode.note} ({r.episode.source})",
        ]
        lines += [f"  caveat: {n}" for n in r.notes]
        lines.append("")
    lines.append(episodes_summary(results))
    return "\n".join(lines)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or np.isnan(value):
        return "n/a"
    return f"{number(value, 0)}{(' ' + unit) if unit else ''}"


def episodes_payload(results: list[EpisodeResult]) -> dict:
    """The ``tlrisk episodes --json`` schema (also ``episodes`` in the report's results.json)."""
    return versioned({"episodes": [clean(r.to_dict()) for r in results], "summary": episodes_summary(results)})


def to_json(results: list[EpisodeResult]) -> str:
    return json.dumps(episodes_payload(results), indent=2)
