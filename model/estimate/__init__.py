"""Estimation: how Treasury yields respond to foreign purchases.

``fit_all(panel)`` runs every configured specification on every flow measure and returns an
:class:`EstimationResults` with ``summary()``, ``to_frame()`` and ``to_json()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from model.estimate.credibility import (
    oos_verdict,
    out_of_sample,
    rolling_table,
    subsample_table,
    valuation_check,
    valuation_trap,
)
from model.estimate.grid import GridResult, baseline_spec, fit_grid
from model.estimate.literature import (
    LiteratureConfig,
    LiteratureEnvelope,
    ScaleToday,
    envelope,
    literature_config,
    literature_table,
)
from model.estimate.persistence import PersistenceResult, fit_persistence
from model.estimate.regress import fit_levels, fit_local_projections
from model.estimate.results import LPResult, RegressionResult
from model.estimate.spec import (
    FLOW_MEASURES,
    EstimationConfig,
    estimation_config,
    latest_debt_bn,
    latest_gdp_bn,
    nan_to_none,
)
from model.estimate.system import SystemResult, fit_system
from model.panel import Panel
from model.stats import normal_interval

CAVEATS = [
    "Identification is weak. Foreign purchases respond to yields (reserve managers buy when yields are "
    "high, private investors chase returns), so a regression of yield changes on flows mixes the demand "
    "effect with this reverse causality; the estimates are correlations with controls, not clean causal effects.",
    "Holdings are recorded by custody location, not owner: Belgian (Euroclear), Luxembourg, Swiss and UK "
    "custodians hold for others, and China's holdings are believed to sit partly in Belgium.",
    "Transactions are attributed to the counterparty's country: purchases through London dealers show up "
    "as UK purchases, which blurs who bought.",
    "Since December 2011 holdings are market values: naive holdings changes fall when yields rise with no "
    "selling at all. The valuation adjustment removes most of this mechanical effect; the reported "
    "transactions avoid it entirely.",
    "Form S transactions (to January 2023) and SLT net purchases (from February 2023) are measured "
    "differently; the join month is excluded.",
    "Japan's official/private split is not published; the other foreign official holders (foreign official "
    "holdings less Japan's and China's) are an approximation that counts all of Japan's and China's holdings as "
    "official.",
]


@dataclass
class EstimationResults:
    """Every estimate, the credibility checks and the literature, for the report and scenarios."""

    systems: dict[str, SystemResult]  # flow measure -> the baseline joint system
    grid: GridResult
    levels: list[RegressionResult]
    local_projections: list[LPResult]
    subsamples: pd.DataFrame
    rolling: pd.DataFrame
    out_of_sample: pd.DataFrame
    oos_verdict: str
    valuation: pd.DataFrame
    trap: pd.DataFrame
    literature: pd.DataFrame
    envelope: LiteratureEnvelope
    today: ScaleToday
    config: EstimationConfig
    persistence: PersistenceResult
    caveats: list[str] = field(default_factory=lambda: list(CAVEATS))

    # -- access -------------------------------------------------------------------------------
    @functools.cached_property
    def distributed_lags(self) -> list[RegressionResult]:
        """Every equation of every baseline system (by flow measure, then maturity)."""
        responses = list(self.config.distributed_lags.maturities)
        return [system.equation(m) for system in self.systems.values() for m in responses]

    def dl(self, maturity: str, measure: str) -> RegressionResult:
        """The distributed-lag regression for a maturity and flow measure."""
        for res in self.distributed_lags:
            if res.maturity == maturity and res.flow_measure == measure:
                return res
        raise KeyError(f"no distributed-lag estimate for {maturity}/{measure}")

    def models(self) -> list[dict]:
        """One record per (regression, holder): the ``tlrisk fit --json`` list."""
        out = []
        for res in (*self.distributed_lags, *self.levels, *self.local_projections):
            out.extend(res.models())
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of every model's effect (one row per regression and holder)."""
        keep = ["name", "method", "maturity", "holder", "flow_measure", "sample_start", "sample_end", "nobs",
                "effect_bp_per_100bn", "se_bp_per_100bn"]
        return pd.DataFrame(self.models())[keep]

    def comparison(self, maturity: str = "10y") -> pd.DataFrame:
        """Our distributed-lag effects for the 10-year beside the rescaled literature."""
        rows = []
        for measure in FLOW_MEASURES:
            res = self.dl(maturity, measure)
            for eff in res.effects.values():
                low, high = normal_interval(eff.effect_bp_per_100bn, eff.se_bp_per_100bn)
                rows.append({"estimate": f"this tool: {measure} flows, {eff.holder}",
                             "bp_per_100bn_sold": eff.effect_bp_per_100bn, "se": eff.se_bp_per_100bn,
                             "low": low, "high": high, "kind": "estimate (90% band)"})
        for _, lit in self.literature.iterrows():
            rows.append({"estimate": f"{lit['cite']} ({lit['horizon'].replace('_', ' ')}, {lit['maturity']})",
                         "bp_per_100bn_sold": lit["central_bp_per_100bn_today"], "se": None,
                         "low": lit["low_bp_per_100bn_today"], "high": lit["high_bp_per_100bn_today"],
                         "kind": "published, rescaled"})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Every regression's summary, then the credibility checks."""
        parts = [
            f"Estimates at today's scale: debt held by the public ${self.today.debt_bn:,.0f}bn, "
            f"GDP ${self.today.gdp_bn:,.0f}bn ({self.today.month}). Effects are bp per $100bn sold "
            "(positive = sales raise yields, the sign of a demand effect).",
        ]
        parts += [s.summary() for s in self.systems.values()]
        parts.append(self.grid.summary())
        parts.append(self.persistence.summary())
        parts += [r.summary() for r in (*self.distributed_lags, *self.levels)]
        parts += [r.summary() for r in self.local_projections]
        if len(self.out_of_sample):
            parts.append("Out of sample (one-month-ahead, expanding window; RMSE in bp):\n"
                         + _text_table(self.out_of_sample, 3))
            parts.append(self.oos_verdict)
        parts.append("The valuation trap (10-year change on Japan's same-month flow, no controls; bp per $100bn sold):\n"
                     + _text_table(self.trap, 2))
        parts.append("Valuation formula vs reported valuation changes ($bn):\n" + _text_table(self.valuation, 2))
        parts.append("Caveats:\n" + "\n".join(f"- {c}" for c in self.caveats))
        return "\n\n".join(parts)

    def to_dict(self) -> dict:
        def records(df: pd.DataFrame) -> list[dict]:
            return [{k: (nan_to_none(v) if isinstance(v, float) else v) for k, v in r.items()}
                    for r in df.to_dict("records")]

        return {
            "scale": {"debt_today_bn": self.today.debt_bn, "gdp_today_bn": self.today.gdp_bn,
                      "scale_month": self.today.month},
            "models": self.models(),
            "systems": [s.to_dict() for s in self.systems.values()],
            "specification_grid": self.grid.records(),
            "specification_grid_skipped": self.grid.skipped,
            "specification_grid_unweighted": self.grid.unweighted,
            "specification_grid_evaluation": self.grid.evaluation,
            "regressions": [r.to_dict() for r in (*self.distributed_lags, *self.levels)],
            "subsamples": records(self.subsamples), "rolling": records(self.rolling),
            "out_of_sample": records(self.out_of_sample), "out_of_sample_verdict": self.oos_verdict,
            "valuation_check": records(self.valuation),
            "valuation_trap": records(self.trap.rename(columns={"bp_per_100bn_sold": "effect_bp_per_100bn",
                                                                "se": "se_bp_per_100bn"})),
            "literature": records(self.literature.rename(columns={"headline": "source_headline"})),
            "envelope": self.envelope.to_dict(), "persistence": self.persistence.data_record(),
            "caveats": self.caveats,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _text_table(frame: pd.DataFrame, digits: int) -> str:
    """A table for the terminal: numbers rounded, gaps as '-' (never 'NaN')."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: "-" if pd.isna(v) else f"{v:,.{digits}f}")
    return out.to_string(index=False)


def fit_all(panel: Panel, config: EstimationConfig | None = None, credibility: bool = True,
            progress: Callable[[str], None] | None = None,
            literature: LiteratureConfig | None = None) -> EstimationResults:
    """Run every configured specification on every flow measure.

    Parameters
    ----------
    panel : Panel
        The monthly analysis frame.
    config : EstimationConfig, optional
        Default: ``estimation.toml``.
    credibility : bool
        Also run sub-samples, rolling windows and out-of-sample forecasts.
    progress : callable, optional
        Called with the name of each stage as it starts (for the command line's progress).

    Returns
    -------
    EstimationResults
    """
    config = config or estimation_config()
    say = progress or (lambda stage: None)
    debt, gdp = latest_debt_bn(panel), latest_gdp_bn(panel)
    last = panel.frame["total_foreign_holdings_bn"].last_valid_index()
    today = ScaleToday(debt_bn=debt, gdp_bn=gdp, month=f"{last:%Y-%m}")
    dl = config.distributed_lags
    responses = list(dl.maturities)
    say(f"joint systems of {len(responses)} responses for {len(FLOW_MEASURES)} flow measures, with the block bootstrap")
    systems = {measure: fit_system(panel, baseline_spec(config, measure), config, responses, debt,
                                   bootstrap_reps=dl.bootstrap_reps, bootstrap_block=dl.bootstrap_block_months,
                                   seed=dl.bootstrap_seed)
               for measure in FLOW_MEASURES}
    say("the specification grid")
    grid = fit_grid(panel, config, responses, debt)
    say("the lasting share from long lags (36 months)")
    literature = literature or literature_config()
    persistence = fit_persistence(panel, config, debt, literature.envelope.half_life_months)
    say("levels regressions and local projections")
    levels = [fit_levels(panel, measure, config, gdp) for measure in FLOW_MEASURES]
    lps = [fit_local_projections(panel, holder, measure, config, debt)
           for measure in FLOW_MEASURES for holder in config.local_projections.shocks]
    if credibility:
        say("credibility checks: sub-samples, rolling windows, out-of-sample forecasts")
        subs = subsample_table(panel, config, debt)
        rolling = rolling_table(panel, config, debt)
        oos = out_of_sample(panel, config)
        verdict = oos_verdict(oos)
    else:
        subs = rolling = oos = pd.DataFrame()
        verdict = "not computed"
    base = systems[FLOW_MEASURES[0]]
    return EstimationResults(
        systems=systems, grid=grid, levels=levels, local_projections=lps, subsamples=subs, rolling=rolling,
        out_of_sample=oos, oos_verdict=verdict, valuation=valuation_check(panel), trap=valuation_trap(panel),
        literature=literature_table(panel, today, literature),
        envelope=envelope(panel, today, literature, (base.sample_start, base.sample_end)), today=today,
        config=config, persistence=persistence,
    )
