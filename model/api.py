"""The tool from Python (a notebook, a script): the same pipeline as the command line
(:mod:`model.pipeline`: the same checks and the same caches), returning results objects with
``to_frame()`` (pandas), ``plot()`` (matplotlib) and ``to_dict()`` (the command line's JSON).

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
``fit(refresh=True)`` start again). Like the command line, estimation reads and fills the
estimation cache (``data/cache/estimates``); nothing else is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model import arguments as A
from model import pipeline
from model.errors import InputError
from model.estimate import EstimationResults
from model.fiscal import fiscal_frame
from model.response import ResponseModel
from model.scenarios import ScenarioContext, ScenarioResult, SweepResult

__all__ = ["Data", "Fit", "FiscalResult", "Simulation", "Sweep", "fiscal", "fit", "load", "simulate", "sweep"]

_session: dict = {}


@dataclass
class Data(pipeline.Data):
    """The loaded data: the sources (cache or shipped snapshot) and the monthly panel."""

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

        estimates = self.results.to_dict() if A.flag(full, "full") else {"models": self.results.models(),
                                                          "specification_grid": self.results.grid.records()}
        return versioned({**estimates, "posterior": self.response.to_dict(self._labels())["posterior"],
                          "response_model": self.response.describe()})

    def plot(self, maturity: str = "10y"):
        """Prior, data and posterior by holder; returns the matplotlib figure."""
        from model.report import figures as F

        table = self.posterior()
        A.choice(maturity, "maturity", tuple(dict.fromkeys(table["maturity"])))
        return F.posterior_chart(table, maturity).fig

    def _labels(self) -> dict[str, str]:
        return {k: g.label for k, g in self.context.holders.groups.items()}


def _as(cls, value):
    """A results object as the API's subclass of it (which adds ``plot()``)."""
    return cls(**{f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init})


@dataclass
class Simulation(ScenarioResult):
    """A priced scenario (:class:`model.scenarios.ScenarioResult`) that can draw itself."""

    def plot(self, maturity: str = "10y"):
        """The path of one maturity with its band; returns the matplotlib figure."""
        from model.report import figures as F

        return F.scenario_path(self, self._maturity(maturity)).fig


@dataclass
class Sweep(SweepResult):
    """A sale-size by sale-length grid (:class:`model.scenarios.SweepResult`) that can draw itself."""

    def plot(self, value: str = "cost_10yr"):
        """A heatmap of the median (``cost_10yr``, ``y10_24m``, ``y10_lasting`` or ``y10_12m``);
        returns the matplotlib figure."""
        from model.report import figures as F

        return F.sweep_heatmap(self, A.choice(value, "value", tuple(F.SWEEP_VALUES))).fig


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
    panel built from it, checked as the command line checks them; loaded once per session.

    Raises
    ------
    model.errors.DataUnavailable
        A source the panel needs is in neither the cache nor the snapshot.
    model.errors.ValidationFailed
        A holder group in ``holders.toml`` names members that are not in the data.
    """
    if A.flag(refresh, "refresh") or "data" not in _session:
        _session.clear()
        _session["data"] = _as(Data, pipeline.load_data())
    return _session["data"]


def fit(refresh: bool = False, credibility: bool = False) -> Fit:
    """Estimate (once per session, from the estimation cache when data, settings and code are
    unchanged): the joint systems, the specification grid, the literature envelope and the
    response model. ``credibility`` adds the slower sub-sample, rolling and out-of-sample checks."""
    key = ("fit", A.flag(credibility, "credibility"))
    if A.flag(refresh, "refresh") or key not in _session:
        data = load()
        results = pipeline.estimate(data, credibility=credibility).results
        context = pipeline.scenario_context(data, results)
        _session[key] = Fit(results=results, response=context.response, context=context)
    return _session[key]


def _context() -> ScenarioContext:
    cached = _session.get(("fit", True)) or fit()
    return cached.context


def simulate(scenario: str | Path | dict, response: str | None = None, draws: int | None = None) -> Simulation:
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
    Simulation
        With ``to_frame()``, ``plot()``, ``to_dict()`` (the ``simulate --json`` schema),
        ``lasting(m)``, ``peak(m)``, ``cost("10yr")``, ``table()``.

    Raises
    ------
    model.errors.ValidationFailed
        Every problem of an invalid scenario, one line each (as for a file).
    """
    if not isinstance(scenario, str | Path | dict):
        raise InputError(f"must be a scenario file's path or a dictionary, not {type(scenario).__name__}",
                         field="scenario")
    response = None if response is None else A.response(response, "response")
    draws = None if draws is None else A.whole_number(draws, "draws", 1)
    context = _context()
    loaded = pipeline.scenario_from(scenario, context)
    pipeline.check_draws("simulate()", draws, loaded.spec.scenario.horizon_months, context, "draws")
    return _as(Simulation, pipeline.price(loaded, context, response=response, draws=draws,
                                          fx=pipeline.fx_estimate(load())))


def sweep(holder: str = "japan", sizes_bn: tuple[float, ...] = (100, 250, 500, 750, 1000),
          months: tuple[int, ...] = (1, 6, 12, 24, 36), response: str = "posterior", draws: int = 2000) -> Sweep:
    """A sale-size by sale-length grid for one holder (``tlrisk sweep``); the holder as a user
    types it (``"japan"``, ``"Cayman Islands"``), with a suggestion when misspelt.

    Raises
    ------
    model.errors.InputError
        An argument the command line would refuse too (naming it): an unknown holder, a size
        that is not a positive number of $bn, a length outside 1 to 60 months, an unknown
        response, a draw count that is not a positive whole number or does not fit in memory.
    """
    holder = A.name_text(holder, "holder")
    sizes = tuple(A.amount_bn(size, f"sizes_bn[{i}]") for i, size in enumerate(_sequence(sizes_bn, "sizes_bn")))
    lengths = tuple(A.whole_number(m, f"months[{i}]", 1, A.SWEEP_HORIZON_MONTHS)
                    for i, m in enumerate(_sequence(months, "months")))
    response = A.response(response, "response")
    draws = A.whole_number(draws, "draws", 1)
    context = _context()
    key = context.require_holder(holder, "holder")
    pipeline.check_draws("sweep()", draws, A.SWEEP_HORIZON_MONTHS, context, "draws")
    return _as(Sweep, pipeline.sweep(context, key, sizes, lengths, response=response, draws=draws))


def _sequence(value, name: str) -> tuple:
    """A non-empty list or tuple of at most 50 values (a grid's sizes or lengths)."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 50:
        raise InputError("must be a list of 1 to 50 values", field=name)
    return tuple(value)


def fiscal(shift_bp: float) -> FiscalResult:
    """Extra federal interest when every Treasury rate is ``shift_bp`` higher (``tlrisk fiscal``).

    Raises
    ------
    model.errors.InputError
        ``shift_bp`` is not a finite number of basis points between -10,000 and 10,000.
    """
    return FiscalResult(pipeline.fiscal(A.shift_bp(shift_bp, "shift_bp")))
