"""Sensitivity to the size and speed of a sale: the ``tlrisk sweep`` grid for one holder, and
the report's explorer grid (a few holders x sale sizes x sale lengths).

Both price plain ``sell`` scenarios with :func:`~model.scenarios.pricing.simulate`, the engine
every scenario file goes through. The sweep prices every cell. The explorer prices one $100bn
sale per holder and length and scales it to the other sizes: with the same seed the draws do
not depend on the amount, and every quantity (paths, percentiles, interest cost) is
proportional to it, so the scaled cells are the ones a direct run gives (to the float32 precision of
the draws; tested).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.labels import holder_label
from model.numbers import money, number
from model.scenarios.context import ScenarioContext
from model.scenarios.pricing import (
    ScenarioResult,
    band_dict,
    priced_maturities,
    sign_warnings,
    simulate,
)
from model.scenarios.schema import Pricing, Scenario, ScenarioFile
from model.schema import versioned

HORIZON_MONTHS = 60  # every sweep scenario runs 60 months (the 24-month move and the lasting level fit)
QUANTITIES = ("y10_12m", "y10_24m", "y10_lasting", "cost_10yr")
REFERENCE_BN = 100.0  # the explorer's priced sale, scaled to every size


def default_start(context: ScenarioContext) -> str:
    """The month after the data end."""
    return f"{context.last_data_month + pd.offsets.MonthBegin(1):%Y-%m}"


def sale_scenario(holder: str, sale_bn: float, months: int, start: str, response: str, draws: int,
                  seed: int = 1, horizon: int = HORIZON_MONTHS) -> Scenario:
    """A plain sale of ``sale_bn`` of bonds and notes over ``months`` months, as a scenario."""
    spec = ScenarioFile.model_validate({
        "scenario": {"name": _sale_name(sale_bn, months), "title": f"{holder_label(holder)} sells ${sale_bn:,.0f}bn "
                     f"of bonds and notes over {months} months", "start": start, "horizon_months": horizon},
        "pricing": {"response": response, "draws": draws, "seed": seed},
        "holders": [{"holder": holder, "action": "sell", "bn": float(sale_bn), "months": int(months)}],
    })
    return Scenario("sweep", spec, [holder])


def _sale_name(sale_bn: float, months: int) -> str:
    """An identifier for a sale: ``sale_250_12``, ``sale_0p5_6`` (a scenario name has no dots)."""
    size = f"{sale_bn:g}".replace(".", "p").replace("-", "m").replace("+", "")
    return f"sale_{size}_{months}"


def sale_warnings(context: ScenarioContext, holder: str, response: str) -> list[str]:
    """The warnings every sale by ``holder`` carries under ``response``, whatever its size and
    length: a coefficient with the wrong sign for a demand effect (see
    :func:`~model.scenarios.pricing.simulate`)."""
    return sign_warnings(context, response, {holder: np.array([-1.0])}, priced_maturities(Pricing().bills))


def _row(result: ScenarioResult, scale: float = 1.0) -> dict[str, float]:
    row = {}
    for name, triple in (("y10_12m", result.triple("10y", 12)), ("y10_24m", result.triple("10y", 24)),
                         ("y10_lasting", result.lasting_bp["10y"]), ("cost_10yr", result.interest_cost_bn["10yr"])):
        unit = "bn" if name.startswith("cost") else "bp"
        lo, mid, hi = (scale * float(v) for v in triple)
        row.update({f"{name}_low_{unit}": lo, f"{name}_mid_{unit}": mid, f"{name}_high_{unit}": hi})
    return row


def _cell(row: pd.Series | dict, kind: str) -> dict:
    """One cell in the JSON schema: the 10-year move at 12 and 24 months and its lasting level,
    and the 10-year interest cost."""
    def band(name: str, unit: str) -> dict:
        return band_dict((row[f"{name}_low_{unit}"], row[f"{name}_mid_{unit}"], row[f"{name}_high_{unit}"]), kind)

    return {"moves_bp": {"10y": {"at_12_months": band("y10_12m", "bp"), "at_24_months": band("y10_24m", "bp"),
                                 "lasting": band("y10_lasting", "bp")}},
            "interest_cost_bn": {"10yr": band("cost_10yr", "bn")}}


@dataclass
class SweepResult:
    """A sale-size by sale-length grid for one holder under one response.

    ``frame`` has one row per cell: ``holder, label, sale_bn, sale_months`` and, for the 10-year
    move at 12 and 24 months (``y10_12m``, ``y10_24m``), its lasting level (``y10_lasting``)
    and the 10-year interest cost (``cost_10yr``), ``{name}_low_{unit}``, ``{name}_mid_{unit}``
    and ``{name}_high_{unit}`` (5th, 50th, 95th percentile of the draws, or the literature's
    low, central and high).
    """

    holder: str
    label: str
    response: str
    draws: int | None
    seed: int
    start: str
    frame: pd.DataFrame
    method: str = "every cell priced"
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # carried by every cell (one holder, one response)

    @property
    def band_kind(self) -> str:
        return "range" if self.response == "literature" else "draws"

    def to_frame(self) -> pd.DataFrame:
        """The grid, one row per cell (see the class docstring)."""
        return self.frame.copy()

    def to_dict(self) -> dict:
        """The ``tlrisk sweep --json`` schema."""
        return versioned({
            "holder": self.holder, "label": self.label, "response": self.response, "draws": self.draws,
            "seed": self.seed, "start": self.start, "horizon_months": HORIZON_MONTHS, "method": self.method,
            "units": {"moves_bp": "basis points, deviation of the 10-year yield from baseline",
                      "interest_cost_bn": "$bn, cumulative extra federal net interest over 10 years"},
            "cells": [{"sale_bn": float(r["sale_bn"]), "sale_months": int(r["sale_months"]), **_cell(r, self.band_kind)}
                      for _, r in self.frame.iterrows()],
            "warnings": self.warnings,
            "notes": self.notes,
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def table(self) -> str:
        """Plain text: one line per cell."""
        kind = "median [5%, 95%]" if self.band_kind == "draws" else "central [low, high]"
        lines = [f"{self.label} sells bonds and notes beyond its recent pace, starting {self.start} "
                 f"({self.response} response{f', {self.draws:,} draws' if self.draws else ''}); {kind}",
                 f"  {'sale':>8} {'months':>6}  {'10-year at 24 months, bp':>26}  {'10-year lasting, bp':>24}  "
                 f"{'interest over 10 years':>30}"]
        def bp(r: pd.Series, name: str) -> str:
            return f"{number(r[f'{name}_mid_bp'])} [{number(r[f'{name}_low_bp'])}, {number(r[f'{name}_high_bp'])}]"

        for _, r in self.frame.iterrows():
            cost = (f"{money(r['cost_10yr_mid_bn'], 0, sign=True)} [{money(r['cost_10yr_low_bn'], 0, sign=True)}, "
                    f"{money(r['cost_10yr_high_bn'], 0, sign=True)}]")
            lines.append(f"  {money(r['sale_bn'], 0):>8} {int(r['sale_months']):>6}  {bp(r, 'y10_24m'):>26}  "
                         f"{bp(r, 'y10_lasting'):>24}  {cost:>30}")
        lines += [f"  WARNING (every cell): {w}" for w in self.warnings]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def sweep(context: ScenarioContext, holder: str = "japan", sizes_bn: tuple[float, ...] = (100, 250, 500, 750, 1000),
          months: tuple[int, ...] = (1, 6, 12, 24, 36), start: str | None = None, response: str = "posterior",
          draws: int = 2000, progress: bool = True, seed: int = 1) -> SweepResult:
    """A sale-size by sale-duration grid for one holder: the 10-year move after 12 and 24
    months, its lasting level and the extra federal interest over 10 years (bands); every
    cell priced by :func:`simulate`."""
    from tqdm import tqdm

    start = start or default_start(context)
    rows = []
    grid = [(s, m) for s in sizes_bn for m in months]
    for size, length in tqdm(grid, desc="sweep", disable=None if progress else True, leave=False):
        result = simulate(sale_scenario(holder, size, length, start, response, draws, seed), context)
        rows.append({"holder": holder, "label": context.label(holder), "sale_bn": float(size),
                     "sale_months": int(length), **_row(result)})
    return SweepResult(holder=holder, label=context.label(holder), response=response,
                       draws=None if response == "literature" else draws, seed=seed, start=start,
                       frame=pd.DataFrame(rows), warnings=sale_warnings(context, holder, response))


# ---------------------------------------------------------------------------------------------
# The report's explorer
# ---------------------------------------------------------------------------------------------

EXPLORER_SIZES = (50.0, 100.0, 250.0, 500.0, 750.0, 1000.0)
EXPLORER_MONTHS = (1, 6, 12, 24, 36)


@dataclass
class ExplorerGrid:
    """Sales by a few holders, of a few sizes over a few lengths, priced with the posterior
    response and the literature envelope."""

    holders: list[str]
    labels: dict[str, str]
    holdings_bn: dict[str, float]
    sizes_bn: tuple[float, ...]
    months: tuple[int, ...]
    start: str
    draws: int
    seed: int
    frames: dict[str, pd.DataFrame]  # response -> one row per (holder, size, length) that fits the holdings
    bonds_notes_bn: dict[str, float] = field(default_factory=dict)  # what a sale sells from: holdings less bills
    warnings: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # response -> holder -> every cell's

    def sweep_result(self, holder: str, response: str = "posterior") -> SweepResult:
        """One holder's slice, as a :class:`SweepResult` (the report's heatmaps)."""
        frame = self.frames[response]
        return SweepResult(holder=holder, label=self.labels[holder], response=response,
                           draws=None if response == "literature" else self.draws, seed=self.seed, start=self.start,
                           frame=frame[frame["holder"] == holder].reset_index(drop=True),
                           method=self.method, notes=[self.note], warnings=self.cell_warnings(response, holder))

    def cell_warnings(self, response: str, holder: str) -> list[str]:
        """The warnings every cell of ``holder`` carries under ``response``."""
        return list(self.warnings.get(response, {}).get(holder, []))

    @property
    def method(self) -> str:
        return (f"a ${REFERENCE_BN:,.0f}bn sale priced per holder and length, scaled to each size (the response is "
                "linear in the amount sold)")

    @property
    def note(self) -> str:
        return (f"{len(self.holders)} holders x {len(self.sizes_bn)} sizes x {len(self.months)} lengths; each holder "
                f"and length priced once ({self.draws:,} draws, seed {self.seed}) and scaled to every size, which gives "
                "the same numbers as pricing each size (the response is linear in the amount sold); sizes above a "
                "holder's bonds and notes are left out")

    def to_frame(self) -> pd.DataFrame:
        """Every cell under both responses, with the warnings it carries (joined by ' | ')."""
        return pd.concat([f.assign(response=r, warnings=[" | ".join(self.cell_warnings(r, h)) for h in f["holder"]])
                          for r, f in self.frames.items()], ignore_index=True)

    def to_record(self) -> dict:
        """Every field, exactly (for the results cache)."""
        from model.memo import frame_record

        return {"holders": self.holders, "labels": self.labels, "holdings_bn": self.holdings_bn,
                "sizes_bn": list(self.sizes_bn), "months": list(self.months), "start": self.start, "draws": self.draws,
                "seed": self.seed, "frames": {r: frame_record(f) for r, f in self.frames.items()},
                "bonds_notes_bn": self.bonds_notes_bn, "warnings": self.warnings}

    @classmethod
    def from_record(cls, record: dict) -> ExplorerGrid:
        from model.memo import frame_from

        return cls(**{**record, "sizes_bn": tuple(record["sizes_bn"]), "months": tuple(record["months"]),
                      "frames": {r: frame_from(f) for r, f in record["frames"].items()}})

    def to_dict(self) -> dict:
        """JSON: the holders, the axes and every cell under both responses."""
        cells = []
        post = self.frames["posterior"].set_index(["holder", "sale_bn", "sale_months"])
        lit = self.frames["literature"].set_index(["holder", "sale_bn", "sale_months"])
        for key in post.index:
            holder, size, length = key
            cells.append({"holder": holder, "sale_bn": float(size), "sale_months": int(length),
                          "posterior": {**_cell(post.loc[key], "draws"), "warnings": self.cell_warnings("posterior", holder)},
                          "literature": {**_cell(lit.loc[key], "range"), "warnings": self.cell_warnings("literature", holder)}})
        return versioned({
            "holders": [{"holder": h, "label": self.labels[h], "holdings_bn": round(self.holdings_bn[h], 1),
                         "bonds_notes_bn": round(self.bonds_notes_bn[h], 1)}
                        for h in self.holders],
            "sizes_bn": list(self.sizes_bn), "lengths_months": list(self.months), "start": self.start,
            "horizon_months": HORIZON_MONTHS, "draws": self.draws, "seed": self.seed, "method": self.method,
            "note": self.note, "cells": cells,
        })


def explorer_grid(context: ScenarioContext, holders: list[str], sizes_bn: tuple[float, ...] = EXPLORER_SIZES,
                  months: tuple[int, ...] = EXPLORER_MONTHS, start: str | None = None, draws: int = 2000,
                  seed: int = 1) -> ExplorerGrid:
    """Price the explorer's grid (see the module docstring): one posterior and one literature
    run per holder and length."""
    from model.workers import cpu_workers, map_forked

    start = start or default_start(context)
    month = pd.Timestamp(start + "-01")
    frames: dict[str, list[dict]] = {"posterior": [], "literature": []}
    holdings = {h: float(context.holdings_at(h, month)) for h in holders}
    bonds_notes = {h: holdings[h] * (1.0 - context.bill_share(h)) for h in holders}  # what a sale sells from
    runs = [(holder, length, response) for holder in holders for length in months for response in frames]

    def price(i: int) -> ScenarioResult:
        holder, length, response = runs[i]
        return simulate(sale_scenario(holder, REFERENCE_BN, length, start, response, draws, seed), context)

    priced = dict(zip(runs, map_forked(price, len(runs), cpu_workers(2)), strict=True))  # independent runs
    for holder in holders:
        for length in months:
            for response in frames:
                result = priced[(holder, length, response)]
                for size in sizes_bn:
                    if np.isfinite(bonds_notes[holder]) and size > bonds_notes[holder]:
                        continue
                    frames[response].append({"holder": holder, "label": context.label(holder), "sale_bn": float(size),
                                             "sale_months": int(length), **_row(result, size / REFERENCE_BN)})
    order = ["holder", "sale_bn", "sale_months"]
    return ExplorerGrid(holders=list(holders), labels={h: context.label(h) for h in holders}, holdings_bn=holdings,
                        sizes_bn=tuple(float(s) for s in sizes_bn), months=tuple(months), start=start, draws=draws,
                        seed=seed, frames={r: pd.DataFrame(rows).sort_values(order).reset_index(drop=True)
                                           for r, rows in frames.items()},
                        bonds_notes_bn=bonds_notes,
                        warnings={r: {h: sale_warnings(context, h, r) for h in holders} for r in frames})
