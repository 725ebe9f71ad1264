"""The tool from Python (a notebook, a script): the same pipeline as the command line, returning
results objects with ``to_frame()`` (pandas) and ``plot()`` (matplotlib), and ``to_dict()``
with the JSON schema of the command line.

Example
-------
>>> from model import api
>>> result = api.simulate("scenarios/japan_pause.toml")      # a scenario file
>>> paths = result.to_frame()                                 # every maturity's path, bp
>>> sale = api.simulate({"scenario": {"name": "sale", "title": "Japan sells $300bn",
...                                   "start": "2026-05", "horizon_months": 60},
...                      "holders": [{"holder": "japan", "action": "sell", "bn": 300.0, "months": 12}]})
>>> sale.lasting("10y")                                       # {"median": ..., "p05": ..., "p95": ...}

The data and the estimates are loaded once per session and reused (``load(refresh=True)`` and
``fit(refresh=True)`` start again). Nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.estimate import EstimationResults
from model.fiscal import fiscal_frame, uniform_shift_cost
from model.panel import Panel
from model.response import ResponseModel
from model.scenarios import ScenarioContext, ScenarioResult, SweepResult
from model.sources.bundle import DataBundle

__all__ = ["Data", "Fit", "FiscalResult", "fiscal", "fit", "load", "simulate", "sweep"]

_session: dict = {}


@dataclass
class Data:
    """The loaded data: the sources (cache or shipped snapshot) and the monthly panel."""

    bundle: DataBundle
    panel: Panel
    warnings: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The monthly analysis frame: one row per month (yields in %, flows and holdings in $bn)."""
        return self.panel.frame.copy()

    def holdings(self) -> pd.DataFrame:
        """Holdings by holder and month, tidy (``month, holder, kind, holdings_bn, ...``)."""
        return self.panel.holdings.copy()

    def plot(self):
        """The largest foreign holders over time; returns the matplotlib figure."""
        from model.report import figures as F

        return F.top_holders(self.panel.holdings).fig


@dataclass
class Fit:
    """The estimates and the response model the scenarios are priced with."""

    results: EstimationResults
    response: ResponseModel
    context: ScenarioContext

    def to_frame(self) -> pd.DataFrame:
        """Every regression's effect by holder (bp per $100bn sold, positive = sales raise yields)."""
        return self.results.to_frame()

    def posterior(self) -> pd.DataFrame:
        """Prior, data and posterior per holder group and maturity (bp per $100bn sold)."""
        return self.response.posterior_table(self._labels())

    def summary(self) -> str:
        return self.results.summary() + "\n\n" + self.response.summary(self._labels())

    def to_dict(self, full: bool = False) -> dict:
        """The ``tlrisk fit --json`` schema (``full``: every estimate, as ``tlrisk fit --json --full``)."""
        from model.schema import versioned

        estimates = self.results.to_dict() if full else {"models": self.results.models(),
                                                          "specification_grid": self.results.grid.records()}
        return versioned({**estimates, "posterior": self.response.to_dict(self._labels())["posterior"],
                          "response_model": self.response.describe()})

    def plot(self, maturity: str = "10y"):
        """Prior, data and posterior by holder; returns the matplotlib figure."""
        from model.report import figures as F

        return F.posterior_chart(self.posterior(), maturity).fig

    def _labels(self) -> dict[str, str]:
        return {k: g.label for k, g in self.context.holders.groups.items()}


@dataclass
class FiscalResult:
    """Extra federal interest from a uniform shift of every rate."""

    payload: dict

    def to_dict(self) -> dict:
        """The ``tlrisk fiscal --json`` schema."""
        return self.payload

    def to_frame(self) -> pd.DataFrame:
        """Each year's and the cumulative extra interest, $bn."""
        return fiscal_frame(self.payload)

    def plot(self):
        from model.report import figures as F

        return F.fiscal_chart(self.payload).fig

    def __getitem__(self, key: str):
        return self.payload[key]


def load(refresh: bool = False) -> Data:
    """The data (the cache if ``tlrisk data pull`` filled it, else the shipped snapshot) and the
    panel built from it; loaded once per session."""
    if refresh or "data" not in _session:
        from model import paths
        from model.panel import build_panel
        from model.sources.bundle import load_bundle
        from model.sources.store import DataStore

        bundle = load_bundle(DataStore(paths.cache_dir(), "cache"), DataStore(paths.snapshot_dir(), "snapshot"))
        _session.clear()
        _session["data"] = Data(bundle=bundle, panel=build_panel(bundle), warnings=list(bundle.warnings))
    return _session["data"]


def fit(refresh: bool = False, credibility: bool = False) -> Fit:
    """Estimate (once per session): the joint systems, the specification grid, the literature
    envelope and the response model. ``credibility`` adds the slower sub-sample, rolling and
    out-of-sample checks."""
    key = ("fit", credibility)
    if refresh or key not in _session:
        from model.estimate import fit_all

        data = load()
        results = fit_all(data.panel, credibility=credibility)
        context = ScenarioContext.build(data.panel, results)
        _session[key] = Fit(results=results, response=context.response, context=context)
    return _session[key]


def _context() -> ScenarioContext:
    cached = _session.get(("fit", True)) or fit()
    return cached.context


def simulate(scenario: str | Path | dict, response: str | None = None, draws: int | None = None) -> ScenarioResult:
    """Price a scenario: a file (``"scenarios/japan_pause.toml"``) or a dictionary with a file's
    layout (``{"scenario": {...}, "pricing": {...}, "holders": [...]}``).

    Parameters
    ----------
    response : {"posterior", "data", "literature"}, optional
        Override the scenario's response.
    draws : int, optional
        Override its number of draws.

    Returns
    -------
    ScenarioResult
        With ``to_frame()``, ``plot()``, ``to_dict()`` (the ``simulate --json`` schema),
        ``lasting(m)``, ``peak(m)``, ``cost("10yr")``, ``table()``.

    Raises
    ------
    model.errors.ValidationFailed
        Every problem of an invalid scenario, one line each (as for a file).
    """
    from model.scenarios import load_scenario
    from model.scenarios import simulate as price
    from model.scenarios.build import scenario_from_dict

    context = _context()
    loaded = scenario_from_dict(scenario, context) if isinstance(scenario, dict) else load_scenario(scenario, context)
    return price(loaded, context, response=response, draws=draws)


def sweep(holder: str = "japan", sizes_bn: tuple[float, ...] = (100, 250, 500, 750, 1000),
          months: tuple[int, ...] = (1, 6, 12, 24, 36), response: str = "posterior", draws: int = 2000) -> SweepResult:
    """A sale-size by sale-length grid for one holder (``tlrisk sweep``); the holder as a user
    types it (``"japan"``, ``"Cayman Islands"``), with a suggestion when misspelt."""
    from model.scenarios import sweep as grid

    context = _context()
    key = context.require_holder(holder, "holder")
    return grid(context, holder=key, sizes_bn=tuple(sizes_bn), months=tuple(months), response=response, draws=draws,
                progress=False)


def fiscal(shift_bp: float) -> FiscalResult:
    """Extra federal interest when every Treasury rate is ``shift_bp`` higher (``tlrisk fiscal``)."""
    return FiscalResult(uniform_shift_cost(float(shift_bp)))
