"""The data and estimates a scenario is priced with: panel, estimates, fiscal model, holder
groups and durations, with lookups by holder."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from model.config import HolderConfig
from model.errors import InputError
from model.estimate import EstimationResults
from model.estimate.spec import FLOW_COLUMN
from model.labels import holder_label
from model.panel import Panel, ValuationConfig
from model.response import ResponseModel
from model.scenarios.schema import SimulationConfig


class InterestCost(Protocol):
    """What pricing needs of the fiscal stage (:class:`model.fiscal.FiscalModel`, passed in by
    the pipeline): the cost horizon and, per maturity, the weights that turn a path of yield
    deviations into cumulative extra federal interest."""

    months: int

    def weights(self, horizon_months: int) -> dict[str, np.ndarray]: ...


# ---------------------------------------------------------------------------------------------
# The data a scenario needs
# ---------------------------------------------------------------------------------------------


@dataclass
class ScenarioContext:
    """Data and estimates the scenarios are priced with."""

    panel: Panel
    results: EstimationResults | None  # None: enough to validate files, not to price them
    fiscal: InterestCost
    holders: HolderConfig
    valuation: ValuationConfig
    simulation: SimulationConfig
    response: ResponseModel | None = None  # built from the results

    @classmethod
    def build(cls, panel: Panel, results: EstimationResults | None, fiscal: InterestCost, holders: HolderConfig,
              valuation: ValuationConfig, simulation: SimulationConfig,
              response: ResponseModel | None = None) -> ScenarioContext:
        """The context from what the pipeline passes: data, estimates (None to validate files
        only), the fiscal stage's costs, the typed settings and the response model."""
        return cls(panel=panel, results=results, fiscal=fiscal, holders=holders, valuation=valuation,
                   simulation=simulation, response=response)

    def label(self, key: str) -> str:
        """Display name of a holder key (group label, or the country's name)."""
        return self.holders.groups[key].label if self.is_group(key) else holder_label(key)

    # -- holders -------------------------------------------------------------------------
    def holder_names(self) -> list[str]:
        """Group keys, group labels and country names present in the data."""
        countries = sorted(set(self.panel.holdings.loc[self.panel.holdings["kind"] == "country", "holder"]))
        return [*self.holders.groups, *(g.label for g in self.holders.groups.values()), *countries]

    def resolve(self, name: str) -> str | None:
        """A holder key (group key or canonical country name) for a name in a scenario file."""
        key = self.holders.group_of_holder(name)
        if key:
            return key
        canonical = self.holders.canonical(name)
        for k, g in self.holders.groups.items():
            if g.members == [canonical]:
                return k
        if canonical in set(self.panel.holdings["holder"]):
            return canonical
        return None

    def require_holder(self, name: str, field: str) -> str:
        """The holder key for a name a user typed (any case), or an error with a suggestion.

        Raises
        ------
        InputError
            ``unknown holder 'Japna' (did you mean 'Japan'?)``, naming ``field``.
        """
        from model.scenarios.schema import resolve_holder

        key = resolve_holder(self, name)  # any case: "cayman islands", "JAPAN"
        if key is None:
            close = self.suggest_holder(name)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise InputError(f"unknown holder '{name}'{hint}", field=field)
        return key

    def suggest_holder(self, name: str) -> str | None:
        """The known holder name closest to ``name`` (spelling first, then ignoring case)."""
        names = self.holder_names()
        exact = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        folded: dict[str, str] = {}
        for n in names:
            folded.setdefault(n.casefold(), n)
        loose = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
        candidates = [*exact, *(folded[c] for c in loose)]
        if not candidates:
            return None
        return max(candidates, key=lambda c: difflib.SequenceMatcher(None, name.casefold(), c.casefold()).ratio())

    def is_group(self, key: str) -> bool:
        return key in self.holders.groups

    def holdings_at(self, key: str, month: pd.Timestamp) -> float:
        """Holdings ($bn) at the last published month up to ``month``."""
        if self.is_group(key):
            series = self.panel.frame[f"{key}_holdings_bn"]
        else:
            h = self.panel.holdings
            series = h[h["holder"] == key].set_index("month")["holdings_bn"]
        series = series.loc[:month].dropna()
        return float(series.iloc[-1]) if len(series) else math.nan

    def bill_share(self, key: str) -> float:
        group = key if self.is_group(key) else "foreign_official"
        series = self.panel.frame[f"{group}_bill_share"].dropna()
        return float(series.iloc[-1]) if len(series) else 0.0

    def flows(self, key: str, measure: str) -> pd.Series:
        """A holder's monthly flow ($bn) in the given measure."""
        if self.is_group(key):
            return self.panel.frame[f"{key}_{FLOW_COLUMN[measure]}"]
        if measure != "reported":
            h = self.panel.holdings
            return h[h["holder"] == key].set_index("month")["holdings_bn"].diff()
        f = self.panel.flows
        rows = f[(f["holder"] == key) & (f["instrument"] == "bonds_notes")]
        return rows.set_index("month")["net_purchases_bn"]

    def baseline(self, key: str, measure: str, start: pd.Timestamp) -> tuple[float, str]:
        """Trailing 12-month average purchases before ``start`` ($bn a month), and its window."""
        flows = self.flows(key, measure).loc[: start - pd.offsets.MonthBegin(1)].dropna()
        window = flows.iloc[-12:]
        if window.empty:
            return 0.0, "no data: baseline 0"
        return float(window.mean()), f"{window.index[0]:%Y-%m} to {window.index[-1]:%Y-%m}"

    def duration(self, key: str) -> float:
        return self.valuation.duration(key)

    @property
    def debt_today_bn(self) -> float:
        return self.results.today.debt_bn

    @property
    def last_data_month(self) -> pd.Timestamp:
        return self.panel.frame["total_foreign_holdings_bn"].last_valid_index()
