"""Pricing: purchase paths into yield deviations, extra federal interest and the sellers' own
losses, with Monte Carlo bands; and the sale-size by sale-length sweep."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.errors import InputError
from model.estimate.spec import FLOW_MEASURES
from model.fiscal import COST_YEARS
from model.panel import MATURITIES, RESPONSES
from model.scenarios.context import ScenarioContext
from model.scenarios.paths import HolderPath, holder_path
from model.scenarios.schema import Scenario, ScenarioFile

BANDS = (5, 50, 95)

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
