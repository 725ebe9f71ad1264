"""Pricing: purchase paths into yield deviations, extra federal interest and the sellers' own
losses, with bands; and the sale-size by sale-length sweep.

The response model (:mod:`model.response`) supplies the draws; this module turns a scenario's
holder paths into the flows it prices, asks for paths, and summarises them: the move at 12 and
24 months, the peak (labelled as a peak) and the lasting level, interest cost and losses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model import arguments as A
from model.labels import maturity_label
from model.numbers import money, number
from model.panel import MATURITIES, RESPONSES
from model.response import PricedDraws, PriceRequest
from model.scenarios.context import ScenarioContext
from model.scenarios.paths import HolderPath, holder_path
from model.scenarios.schema import Scenario
from model.scenarios.words import text_warnings
from model.schema import COST_YEARS, SCHEMA_VERSION
from model.stats import z_critical

BANDS = (5, 50, 95)
COST_KEYS = tuple(f"{y}yr" for y in COST_YEARS)
RESPONSE_WORD = {"posterior": "posterior", "data": "data-only", "literature": "literature"}
RESPONSE_TEXT = {
    "posterior": "posterior: the tool's estimates shrunk toward the literature",
    "data": "data: the tool's estimates alone",
    "literature": "literature envelope",
}


def _band_keys(kind: str) -> tuple[str, str, str]:
    """The keys of a band's middle, low and high: ``median, p05, p95`` for draws,
    ``central, low, high`` for a range of published answers."""
    return ("median", "p05", "p95") if kind == "draws" else ("central", "low", "high")


def band_dict(triple: tuple[float, float, float], kind: str) -> dict[str, float | None]:
    """``(low, middle, high)`` as ``{median, p05, p95}`` (draws) or ``{central, low, high}``
    (a range of published answers)."""
    lo, mid, hi = (_r(v) for v in triple)
    middle, low, high = _band_keys(kind)
    return {middle: mid, low: lo, high: hi}


def _r(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def _path_records(frame: pd.DataFrame, kind: str) -> list[dict]:
    """A path's rows as ``{month, date, <band>}`` records (:func:`band_dict`'s keys and rounding),
    column by column rather than row by row: a report writes some thirty thousand of them."""
    names = _band_keys(kind)
    columns = [[_r(v) for v in frame[c].tolist()] for c in ("mid", "low", "high")]
    return [{"month": int(month), "date": date, names[0]: mid, names[1]: lo, names[2]: hi}
            for month, date, mid, lo, hi in zip(frame["month"].tolist(), frame["date"].tolist(), *columns,
                                                strict=True)]


@dataclass
class ScenarioResult:
    """Priced scenario: yield deviations, extra federal interest and the sellers' losses.

    Bands are ``(low, middle, high)`` triples: the 5th, 50th and 95th percentiles of the draws
    (``band_kind = "draws"``) or the low, central and high literature bounds (``"range"``).
    """

    scenario: str
    title: str
    description: str
    path: str
    start: str
    horizon_months: int
    months: list[str]
    response: str  # posterior, data or literature
    response_source: str
    pricing_mode: str
    draws: int | None
    seed: int
    band_kind: str
    yields_bp: dict[str, pd.DataFrame]  # response -> month, date, low, mid, high
    lasting_bp: dict[str, tuple[float, float, float]]
    interest_cost_bn: dict[str, tuple[float, float, float]]  # "1yr", "5yr", "10yr"
    holder_loss_bn: dict[str, tuple[float, float, float]]  # holder key -> band
    total_loss_bn: tuple[float, float, float] | None  # all sellers together (None without sellers)
    flows: pd.DataFrame  # deviation $bn a month by holder
    holder_paths: list[HolderPath]
    response_model: dict | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the same draws with the lasting share fixed (0, the model's central share, 1): per share
    # {lasting_share, lasting_10y_bp, interest_cost_10yr_bn} (bands as triples); None for the envelope
    persistence_sensitivity: list[dict] | None = None
    # why several holders' sale moves yields less than a member's alone would (None if it cannot)
    coalition_note: str | None = None
    # both sides of the bargain (model.ledger; attached by the pipeline's ledger stage), or None
    ledger: dict | None = None
    # per-draw quantities the ledger prices jointly with the yields: ``loss_yield_bp`` (the loss
    # maturity at the loss month) and ``interest_cost_10yr_bn``; kept in memory only
    per_draw: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    # -- access --------------------------------------------------------------------------
    def triple(self, maturity: str, month: int) -> tuple[float, float, float]:
        """``(low, middle, high)`` of a maturity's deviation ``month`` months in (1-based)."""
        frame = self.yields_bp[maturity]
        row = frame.iloc[min(month, len(frame)) - 1]
        return float(row["low"]), float(row["mid"]), float(row["high"])

    def at(self, maturity: str, month: int) -> dict[str, float | None]:
        """A maturity's band ``month`` months in (1 to the horizon), with the schema's keys."""
        A.whole_number(month, "month", 1, len(self.yields_bp[self._maturity(maturity)]))
        return band_dict(self.triple(maturity, month), self.band_kind)

    def _maturity(self, maturity: str) -> str:
        """``maturity`` if this result has it (else InputError naming the ones it has)."""
        return A.choice(maturity, "maturity", tuple(self.yields_bp))

    def peak(self, maturity: str = "10y") -> dict:
        """The month of the largest middle move and the band there (a peak, not a lasting level)."""
        mid = self.yields_bp[self._maturity(maturity)]["mid"].to_numpy()
        month = int(np.argmax(np.abs(mid))) + 1 if len(mid) else 1
        return {"month": month, **self.at(maturity, month)}

    def lasting(self, maturity: str = "10y") -> dict[str, float | None]:
        """The level that lasts once the plan's flows have passed and transients have decayed."""
        return band_dict(self.lasting_bp[self._maturity(maturity)], self.band_kind)

    def cost(self, horizon: str = "10yr") -> dict[str, float | None]:
        """The extra federal interest over ``horizon`` (``"10yr"``), $bn."""
        return band_dict(self.interest_cost_bn[A.choice(horizon, "horizon", tuple(self.interest_cost_bn))],
                         self.band_kind)

    def moves(self, maturity: str) -> dict:
        """At 12 and 24 months (where the horizon reaches), the peak and the lasting level."""
        out = {}
        for months in (12, 24):
            out[f"at_{months}_months"] = self.at(maturity, months) if months <= self.horizon_months else None
        out["peak"] = self.peak(maturity)
        out["lasting"] = self.lasting(maturity)
        return out

    # -- output --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The documented JSON schema (see README)."""
        labels = {p.key: p.label for p in self.holder_paths}
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "title": self.title,
            "description": self.description,
            "file": self.path,
            "start": self.start,
            "horizon_months": self.horizon_months,
            "response": self.response,
            "response_source": self.response_source,
            "pricing_mode": self.pricing_mode,
            "draws": self.draws,
            "seed": self.seed,
            "bands": ("median, p05, p95: percentiles of the draws" if self.band_kind == "draws"
                      else "central, low, high: the literature envelope, a range of published answers"),
            "units": {"yields_bp": "basis points, deviation from baseline",
                      "interest_cost_bn": "$bn, cumulative extra federal net interest over 1, 5 and 10 years",
                      "holder_loss_bn": "$bn, mark-to-market loss on holdings still held"},
            "yields_bp": {m: _path_records(frame, self.band_kind) for m, frame in self.yields_bp.items()},
            "moves_bp": {m: self.moves(m) for m in self.yields_bp},
            "interest_cost_bn": {k: band_dict(v, self.band_kind) for k, v in self.interest_cost_bn.items()},
            "holder_loss_bn": {k: {"label": labels.get(k, k), **band_dict(v, self.band_kind)}
                               for k, v in self.holder_loss_bn.items()},
            "total_loss_bn": band_dict(self.total_loss_bn, self.band_kind) if self.total_loss_bn else None,
            "holders": [
                {"holder": p.key, "label": p.label, "action": p.action, "baseline_bn_per_month": _r(p.baseline_bn),
                 "baseline_window": p.baseline_window, "holdings_start_bn": _r(p.holdings_start_bn),
                 "bill_share": _r(p.bill_share),
                 "cumulative_deviation_bn": _r(float(p.deviation_bn.sum())),
                 "cumulative_bills_deviation_bn": _r(float(p.bills_deviation_bn.sum()) if p.bills_deviation_bn is not None else 0.0),
                 "notes": p.notes}
                for p in self.holder_paths
            ],
            "response_model": self.response_model,
            "persistence_sensitivity": (
                None if self.persistence_sensitivity is None else
                [{"lasting_share": _r(row["lasting_share"]),
                  "lasting_10y_bp": band_dict(row["lasting_10y_bp"], "draws"),
                  "interest_cost_10yr_bn": band_dict(row["interest_cost_10yr_bn"], "draws")}
                 for row in self.persistence_sensitivity]),
            "coalition_note": self.coalition_note,
            "ledger": self.ledger,
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_record(self) -> dict:
        """Every field, exactly (for the results cache; :meth:`from_record` reads it back)."""
        from model.memo import array_record, frame_record

        return {
            **{k: getattr(self, k) for k in ("scenario", "title", "description", "path", "start", "horizon_months",
                                             "months", "response", "response_source", "pricing_mode", "draws",
                                             "seed", "band_kind", "response_model", "warnings", "notes",
                                             "coalition_note", "ledger")},
            "persistence_sensitivity": (None if self.persistence_sensitivity is None else
                                        [{**row, "lasting_10y_bp": list(row["lasting_10y_bp"]),
                                          "interest_cost_10yr_bn": list(row["interest_cost_10yr_bn"])}
                                         for row in self.persistence_sensitivity]),
            "yields_bp": {m: frame_record(f) for m, f in self.yields_bp.items()},
            "lasting_bp": {m: list(v) for m, v in self.lasting_bp.items()},
            "interest_cost_bn": {k: list(v) for k, v in self.interest_cost_bn.items()},
            "holder_loss_bn": {k: list(v) for k, v in self.holder_loss_bn.items()},
            "total_loss_bn": list(self.total_loss_bn) if self.total_loss_bn is not None else None,
            "flows": frame_record(self.flows),
            "holder_paths": [{**{k: getattr(p, k) for k in ("key", "label", "action", "baseline_bn", "baseline_window",
                                                            "holdings_start_bn", "bill_share", "notes", "proceeds")},
                              "deviation_bn": array_record(p.deviation_bn),
                              "bills_deviation_bn": array_record(p.bills_deviation_bn)} for p in self.holder_paths],
        }

    @classmethod
    def from_record(cls, record: dict) -> ScenarioResult:
        from model.memo import array_from, frame_from

        paths = [HolderPath(**{**p, "deviation_bn": array_from(p["deviation_bn"]),
                               "bills_deviation_bn": array_from(p["bills_deviation_bn"])}) for p in record["holder_paths"]]
        return cls(**{
            **record,
            "yields_bp": {m: frame_from(f) for m, f in record["yields_bp"].items()},
            "lasting_bp": {m: tuple(v) for m, v in record["lasting_bp"].items()},
            "interest_cost_bn": {k: tuple(v) for k, v in record["interest_cost_bn"].items()},
            "holder_loss_bn": {k: tuple(v) for k, v in record["holder_loss_bn"].items()},
            "total_loss_bn": tuple(record["total_loss_bn"]) if record["total_loss_bn"] is not None else None,
            "flows": frame_from(record["flows"]), "holder_paths": paths,
            "persistence_sensitivity": (None if record["persistence_sensitivity"] is None else
                                        [{**row, "lasting_10y_bp": tuple(row["lasting_10y_bp"]),
                                          "interest_cost_10yr_bn": tuple(row["interest_cost_10yr_bn"])}
                                         for row in record["persistence_sensitivity"]]),
        })

    def to_frame(self) -> pd.DataFrame:
        """The paths, tidy: one row per maturity and month, with the band's columns
        (``median, p05, p95`` for draws, ``central, low, high`` for the literature range)."""
        keys = ("p05", "median", "p95") if self.band_kind == "draws" else ("low", "central", "high")
        frames = []
        for m, frame in self.yields_bp.items():
            frames.append(pd.DataFrame({
                "scenario": self.scenario, "response": self.response, "maturity": m, "month": frame["month"],
                "date": frame["date"], keys[1]: frame["mid"], keys[0]: frame["low"], keys[2]: frame["high"]}))
        return pd.concat(frames, ignore_index=True)

    def table(self) -> str:
        """Plain-text summary: yields at 3, 12 and 24 months, peak and lasting level; interest;
        losses; warnings."""
        kind = "median [5%, 95%]" if self.band_kind == "draws" else "central [low, high]"
        lines = [f"{self.title} ({self.scenario})",
                 f"  start {self.start}, {self.horizon_months} months; response: {self.response_source}; "
                 f"pricing: {self.pricing_mode}; "
                 + (f"{self.draws:,} draws, seed {self.seed}" if self.draws else "low / central / high envelope"),
                 f"  yield change vs baseline, bp ({kind}):"]
        head = [f"{h} months" for h in (3, 12, 24)] + ["peak", "lasting"]
        lines.append(f"  {'':<22}" + "".join(f"{h:>24}" for h in head))
        for m in self.yields_bp:
            cells = []
            for h in (3, 12, 24):
                cells.append(_fmt_band(self.triple(m, h)) if h <= self.horizon_months else "-")
            pk = self.peak(m)
            cells.append(f"{number(pk['median'] if self.band_kind == 'draws' else pk['central'])} (month {pk['month']})")
            cells.append(_fmt_band(self.lasting_bp[m]))
            lines.append(f"  {maturity_label(m):<22}" + "".join(f"{c:>24}" for c in cells))
        lines.append(f"  extra federal net interest ({kind}):")
        for k, v in self.interest_cost_bn.items():
            span = f"{k[:-2]} {'year' if k == '1yr' else 'years'}"
            lines.append(f"    over {span:<9} {_fmt_band(v, as_money=True)}")
        if self.holder_loss_bn:
            labels = {p.key: p.label for p in self.holder_paths}
            lines.append(f"  sellers' own mark-to-market loss ({kind}):")
            for k, v in self.holder_loss_bn.items():
                lines.append(f"    {labels.get(k, k):<28} {_fmt_band(v, as_money=True)}")
        if self.persistence_sensitivity:
            lines.append(f"  if the lasting share were fixed ({kind}; the same draws):")
            for row in self.persistence_sensitivity:
                lines.append(f"    share {row['lasting_share']:<5.2f} lasting 10-year move "
                             f"{_fmt_band(row['lasting_10y_bp'])} bp, extra interest over 10 years "
                             f"{_fmt_band(row['interest_cost_10yr_bn'], as_money=True)}")
        if self.coalition_note:
            lines.append(f"  why: {self.coalition_note}")
        if self.ledger:
            lines.append(f"  the bargain: {self.ledger['verdict']}")
        lines += [f"  WARNING: {w}" for w in self.warnings]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _fmt_band(triple: tuple[float, float, float], as_money: bool = False) -> str:
    lo, mid, hi = triple
    if as_money:
        return f"{money(mid, sign=True)} [{money(lo, sign=True)}, {money(hi, sign=True)}]"
    return f"{number(mid)} [{number(lo)}, {number(hi)}]"


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------


def _seller_stakes(sellers: list[HolderPath], context: ScenarioContext, loss_month: int) -> np.ndarray:
    """Per seller: duration x non-bill holdings still held at ``loss_month`` ($bn-years)."""
    stakes = []
    for p in sellers:
        change = p.baseline_bn * loss_month + float(p.deviation_bn[:loss_month].sum())
        if p.bills_deviation_bn is not None:
            change += float(p.bills_deviation_bn[:loss_month].sum())
        held = p.holdings_start_bn + change
        stakes.append(context.duration(p.key) * max(held, 0.0) * (1 - p.bill_share))
    return np.asarray(stakes, dtype=float)


def _priced_flows(paths: list[HolderPath], horizon: int, bill_effect: float) -> dict[str, np.ndarray]:
    """Per holder, the flows the response prices ($bn a month): bonds and notes, plus bills at
    their (small) relative effect."""
    out = {}
    for p in paths:
        flow = np.asarray(p.deviation_bn, dtype=float)[:horizon].copy()
        if p.bills_deviation_bn is not None:
            flow += bill_effect * p.bills_deviation_bn[:horizon]
        out[p.key] = out.get(p.key, np.zeros(horizon)) + flow
    return out


def _cost_weights(context: ScenarioContext) -> dict[str, np.ndarray]:
    return context.fiscal.weights(context.fiscal.months)


def _holder_effects(context: ScenarioContext, response: str, keys) -> pd.DataFrame | None:
    """Prior, data and posterior of each holder's short-run effect (the response model's
    table), or None under the literature envelope (which prices every holder alike)."""
    if response not in ("posterior", "data") or context.response is None:
        return None
    return context.response.posterior_table({k: context.label(k) for k in keys})


def sign_warnings(context: ScenarioContext, response: str, flows: dict[str, np.ndarray], priced: list[str],
                   table: pd.DataFrame | None = None) -> list[str]:
    """Per holder whose coefficient has sales lowering yields (the wrong sign for a demand
    effect): a warning naming the coefficient. It depends on the holder, the response and the
    direction of its flows, not on their size (the explorer and the sweep carry it on every cell)."""
    out = []
    model = context.response
    table = table if table is not None else _holder_effects(context, response, flows)
    if table is None:
        return out
    column = "posterior_mean" if response == "posterior" else "data_mean"
    sd_column = "posterior_sd" if response == "posterior" else "data_sd"
    for key, flow in flows.items():
        total = float(flow.sum())
        if abs(total) < 1e-9:
            continue
        rows = table[(table["holder"] == key) & table["maturity"].isin(priced) & (table[column] < 0)]
        if len(rows):
            effects = ", ".join(f"{maturity_label(r.maturity)} {number(r[column])} (sd {number(r[sd_column], sign=False)})"
                                for _, r in rows.iterrows())
            what = "sales lower yields" if total < 0 else "purchases raise yields"
            estimate = "own estimate" if model.is_own(key) else "pooled estimate"
            out.append(f"{context.label(key)}: under the {RESPONSE_WORD[response]} response its {estimate} has sales "
                       f"lowering yields ({effects} bp per $100bn sold), the wrong sign for a demand effect, so here "
                       f"its {what}")
    return out


def _warnings(context: ScenarioContext, response: str, flows: dict[str, np.ndarray],
              paths_by_maturity: dict[str, tuple[float, float, float]], priced: list[str],
              table: pd.DataFrame | None = None) -> list[str]:
    """Sales that lower yields (or purchases that raise them), and the coefficient behind it."""
    out = sign_warnings(context, response, flows, priced, table)
    net = sum(float(f.sum()) for f in flows.values())
    wrong = [(m, mid) for m, (_, mid, _) in paths_by_maturity.items()
             if m in priced and abs(net) >= 1e-9 and abs(mid) >= 0.05 and ((net < 0) == (mid < 0))]
    if wrong:
        direction = "net sales" if net < 0 else "net purchases"
        moved = "fall" if wrong[0][1] < 0 else "rise"
        levels = ", ".join(f"{maturity_label(m)} {number(mid)} bp" for m, mid in wrong)
        out.append(f"with {direction} of ${abs(net):,.0f}bn the lasting levels {moved} under the "
                   f"{RESPONSE_WORD[response]} response ({levels})")
    return out


def _coalition_note(context: ScenarioContext, response: str, flows: dict[str, np.ndarray],
                    table: pd.DataFrame | None, maturity: str = "10y") -> str | None:
    """Why several holders moving together can move yields less than one of them alone: each
    holder's flows are priced with its own effect per $100bn (the holder's estimate or the
    pooled one), so the group's effect is the average weighted by what each sells or buys.
    Said when some member's effect is larger than the group's average, with the amount that
    member alone would have to sell (or buy) to move the 10-year as much in the long run (the
    lasting level is the persistence share times the short-run effect, for every holder alike).
    None for a single holder, under the literature envelope (every holder alike), or when the
    members move in opposite directions."""
    if table is None:
        return None
    totals = {k: float(f.sum()) for k, f in flows.items() if abs(float(f.sum())) > 1e-9}
    if len(totals) < 2 or len({v > 0 for v in totals.values()}) > 1:
        return None
    column = "posterior_mean" if response == "posterior" else "data_mean"
    rows = table[table["maturity"] == maturity].set_index("holder")
    effect = {k: float(rows.loc[k, column]) for k in totals}  # bp per $100bn sold
    moved = {k: abs(v) for k, v in totals.items()}  # $bn sold (or bought)
    whole = sum(moved.values())
    average = sum(effect[k] * moved[k] for k in totals) / whole
    top = max(totals, key=lambda k: (effect[k], moved[k]))
    if effect[top] - average < 0.05:
        return None  # every member moves yields alike
    selling = next(iter(totals.values())) < 0
    sold, sells = ("sold", "sells") if selling else ("bought", "buys")
    model = context.response
    members = []
    for k in sorted(totals, key=lambda k: -moved[k]):
        kind = "own estimate" if model.is_own(k) else "pooled estimate"
        wrong = ", the wrong sign for a demand effect" if effect[k] < 0 else ""
        members.append(f"{context.label(k)}: {money(moved[k], 0)} at {number(effect[k])} ({kind}{wrong})")
    alone = whole * average / effect[top]
    tail = (f"so in the long run the {money(whole, 0)} moves the {maturity_label(maturity)} yield about as much as "
            f"{money(max(alone, 0.0), 0)} {sold} by {context.label(top)} alone would: a larger amount {sold} by "
            f"{context.label(top)} alone moves it more" if average > 0 else
            f"so together they {'lower' if selling else 'raise'} the {maturity_label(maturity)} yield under this "
            f"response, while {context.label(top)} alone would {'raise' if selling else 'lower'} it")
    unit = "bp per $100bn sold" + ("" if selling else "; purchases move it the other way")
    # is the ordering itself known? the differences against their joint 90% width
    spread = "posterior_sd" if response == "posterior" else "data_sd"
    sds = {k: float(rows.loc[k, spread]) for k in totals}
    unsure = all(abs(effect[top] - effect[k]) < z_critical(0.90) * float(np.hypot(sds[top], sds[k]))
                 for k in totals if k != top)
    doubt = (f". The differences between the holders' effects are inside their uncertainty (standard deviations "
             f"{number(min(sds.values()), 1, sign=False)} to {number(max(sds.values()), 1, sign=False)} bp), so which "
             "of them would move yields most is not known" if unsure else "")
    return (f"each holder is priced with its own effect on the {maturity_label(maturity)} yield "
            f"({RESPONSE_WORD[response]} response, short run, {unit}): {'; '.join(members)}. Weighted by what each "
            f"{sells}, the group averages {number(average)} bp per $100bn, {tail}{doubt}")


def simulate(scenario: Scenario, context: ScenarioContext, response: str | None = None,
             draws: int | None = None) -> ScenarioResult:
    """Price a scenario.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    context : ScenarioContext
        Panel, estimates, response model, fiscal model and settings.
    response : {"posterior", "data", "literature"}, optional
        Override the file's response (the report prices every scenario each way).
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
    model = context.response
    if pricing.specification == "baseline":
        model = model.restricted(model.baseline)
    paths = [holder_path(plan, key, context, start, horizon, "reported")
             for plan, key in zip(spec.holders, scenario.holders, strict=True)]
    months = [f"{d:%Y-%m}" for d in pd.date_range(start, periods=horizon, freq="MS")]
    flows = pd.DataFrame({p.key: p.deviation_bn for p in paths}, index=months)
    share = pricing.announcement_share if pricing.mode == "announcement" else 0.0
    extended = max(horizon, context.fiscal.months)  # the response goes on after the flows end (literature)
    priced_flows = _priced_flows(paths, horizon, sim.bill_sale_effect)
    weights = _cost_weights(context)
    loss_month = min(sim.loss_month, horizon)
    sellers = [p for p in paths if p.deviation_bn.sum() < 0]
    stakes = _seller_stakes(sellers, context, loss_month)
    anchored = pricing.bills == "anchored"
    priced = priced_maturities(pricing.bills)
    notes: list[str] = []
    if anchored:
        notes.append("3-month bill yields are anchored to the policy rate: their deviation is zero "
                     "(pricing.bills = 'estimated' prices them with their own estimate)")

    args = (model, priced_flows, horizon, share, weights, stakes, loss_month, anchored, sim)
    priced_run = (_price_literature(*args, extended) if response == "literature"
                  else _price_draws(*args, response, draws, pricing.seed))
    notes += priced_run.notes
    kind, n_draws = priced_run.kind, (draws if priced_run.kind == "draws" else None)
    quantiles, lasting, costs, losses, total_loss = (priced_run.quantiles, priced_run.lasting, priced_run.costs,
                                                     priced_run.losses, priced_run.total_loss)
    yields = {}
    for m in RESPONSES:
        lo, mid, hi = quantiles[m]
        yields[m] = pd.DataFrame({"month": np.arange(1, horizon + 1), "date": months, "low": lo, "mid": mid, "high": hi})
    cost = {k: tuple(float(x) for x in c) for k, c in zip(COST_KEYS, costs, strict=True)}
    loss = {p.key: tuple(float(x) for x in v) for p, v in zip(sellers, losses, strict=True)}
    if sellers:
        notes.append(f"sellers' loss: duration × holdings of bonds and notes still held × the "
                     f"{maturity_label(sim.loss_maturity)} move, {loss_month} months in")
    notes.append("peak: the month of the largest median (central) move, which decays; lasting: the level that "
                 "remains once the plan's flows have passed and the transient part has decayed")
    if start > context.last_data_month + pd.offsets.MonthBegin(1):
        notes.append(f"the scenario starts {start:%Y-%m}, after the data end ({context.last_data_month:%Y-%m}); "
                     "baselines use the latest 12 months of data")
    for p in paths:
        notes += [f"{p.label}: {n}" for n in p.notes]
        if not (context.response and context.response.is_own(p.key)) and response != "literature":
            notes.append(f"{p.label}: no estimate of its own; priced with the pooled posterior (the common "
                         "mean of the estimated holders, shrunk toward the literature, plus a holder's own spread)"
                         if response == "posterior" else
                         f"{p.label}: no estimate of its own; priced with the pooled estimate of the estimated holders")
    table = _holder_effects(context, response, priced_flows)
    warnings = _warnings(context, response, priced_flows, lasting, priced, table) + text_warnings(scenario, context)
    return ScenarioResult(
        scenario=spec.scenario.name, title=spec.scenario.title, description=spec.scenario.description,
        path=scenario.path, start=spec.scenario.start, horizon_months=horizon, months=months,
        response=response, response_source=priced_run.source,
        pricing_mode=(f"announcement ({share:.0%} priced at once)" if share else "flow"),
        draws=n_draws, seed=pricing.seed, band_kind=kind, yields_bp=yields, lasting_bp=lasting,
        interest_cost_bn=cost, holder_loss_bn=loss, flows=flows, holder_paths=paths,
        total_loss_bn=tuple(float(x) for x in total_loss) if total_loss is not None else None,
        response_model=priced_run.response_model, warnings=list(dict.fromkeys(warnings)),
        notes=list(dict.fromkeys(notes)), persistence_sensitivity=priced_run.sensitivity,
        coalition_note=_coalition_note(context, response, priced_flows, table), per_draw=priced_run.per_draw,
    )


@dataclass
class _Priced:
    """What one response source gives a scenario: bands per month, the lasting level, costs and
    losses as ``(low, middle, high)``, and (for draws) the per-draw quantities the ledger needs."""

    kind: str
    source: str
    quantiles: dict
    lasting: dict
    costs: list
    losses: list
    total_loss: tuple | None
    response_model: dict
    notes: list[str]
    sensitivity: list[dict] | None = None
    per_draw: dict[str, np.ndarray] | None = None


def _price_literature(model, priced_flows, horizon, share, weights, stakes, loss_month, anchored, sim,
                      extended) -> _Priced:
    """The literature envelope's low, central and high paths (a range of published answers)."""
    bounds = model.literature_paths(priced_flows, extended, share)
    lows = {m: np.minimum.reduce([bounds[b][m] for b in bounds]) for m in RESPONSES}
    highs = {m: np.maximum.reduce([bounds[b][m] for b in bounds]) for m in RESPONSES}
    mids = {m: bounds["central"][m] for m in RESPONSES}
    if anchored:
        lows["3m"] = highs["3m"] = mids["3m"] = np.zeros(extended)
    lasting_bounds = model.literature_persistent(priced_flows)
    lasting = {}
    for j, m in enumerate(RESPONSES):
        vals = [lasting_bounds[b][j] for b in ("low", "central", "high")]
        lasting[m] = (0.0, 0.0, 0.0) if (anchored and m == "3m") else (min(vals), vals[1], max(vals))
    costs, losses, total_loss = _bound_costs(bounds, weights, stakes, loss_month, sim.loss_maturity, anchored)
    env = model.envelope
    source = (f"literature envelope: 10-year, bp per $100bn sold at today's scale, short run "
              f"{env['short_run']['low']:.1f} / {env['short_run']['central']:.1f} / {env['short_run']['high']:.1f} "
              f"decaying (half-life {env['half_life_months']:g} months) to long run "
              f"{env['long_run']['low']:.1f} / {env['long_run']['central']:.1f} / {env['long_run']['high']:.1f} "
              f"(low / central / high)")
    notes = ["bands: the literature envelope (low / central / high published effects, rescaled), not a "
             "probability interval; other maturities scaled by the envelope's maturity loading"]
    quantiles = {m: (lows[m][:horizon], mids[m][:horizon], highs[m][:horizon]) for m in RESPONSES}
    envelope = env.to_dict()
    response_model = {"source": "literature", "envelope": {k: envelope[k] for k in ("short_run", "long_run", "sources",
                                                                                    "half_life_months", "basis")}}
    return _Priced("range", source, quantiles, lasting, costs, losses, total_loss, response_model, notes)


def _price_draws(model, priced_flows, horizon, share, weights, stakes, loss_month, anchored, sim, response, draws,
                 seed) -> _Priced:
    """Joint draws of the response paths (posterior or data only), summarised."""
    loss_weight = np.zeros((loss_month, 1))
    loss_weight[loss_month - 1, 0] = 1.0
    request = PriceRequest(
        flows_bn=priced_flows, horizon=horizon, announcement_share=share, zero=("3m",) if anchored else (),
        linear={"cost": {m: weights[m] for m in MATURITIES}, "loss": {sim.loss_maturity: loss_weight}})
    budget = int(sim.memory_budget_mb * 2**20 * sim.path_budget_share)  # paths kept at once
    drawn = model.price(request, response, draws, seed, chunk=sim.chunk_draws, budget_bytes=budget)
    quantiles = {m: tuple(drawn.quantiles[m]) for m in RESPONSES}
    lasting = {m: tuple(np.percentile(drawn.persistent[:, j], BANDS)) for j, m in enumerate(RESPONSES)}
    costs = [tuple(np.percentile(drawn.linear["cost"][:, j], BANDS)) for j in range(len(COST_YEARS))]
    loss_m = drawn.linear["loss"][:, 0]
    losses = [tuple(np.percentile(loss_m * s / 10_000, BANDS)) for s in stakes]
    total_loss = tuple(np.percentile(loss_m * stakes.sum() / 10_000, BANDS)) if len(stakes) else None
    source = (f"{RESPONSE_TEXT[response]}; {len(model.specs)} specification(s) of the joint distributed-lag "
              f"system ({model.weights_rule} weights)")
    notes = ["bands: 5th-95th percentiles of response paths drawn jointly across maturities and holders, "
             "across the specification grid, and across the persistence share"]
    totals = {k: float(v.sum()) for k, v in priced_flows.items()}
    response_model = {"source": response, **model.describe(), "correlation": _correlation(model, response, totals, drawn)}
    per_draw = {"loss_yield_bp": loss_m.copy(), "interest_cost_10yr_bn": drawn.linear["cost"][:, COST_YEARS.index(10)].copy()}
    return _Priced("draws", source, quantiles, lasting, costs, losses, total_loss, response_model, notes,
                   _persistence_sensitivity(drawn, model.responses, model.persistence_mean), per_draw)


def priced_maturities(bills: str) -> list[str]:
    """The maturities a scenario prices: all but 3-month bills when they are anchored to the
    policy rate (``pricing.bills``)."""
    return [m for m in RESPONSES if not (bills == "anchored" and m == "3m")]


def _persistence_sensitivity(drawn: PricedDraws, responses: list[str], central: float) -> list[dict]:
    """The lasting 10-year move and the 10-year interest cost with the lasting share fixed at
    0, at the model's central share and at 1, from the same draws: per draw the lasting level
    is the share times the short-run effect, and the cost is ``fixed + share x lasting`` (the
    two parts :meth:`~model.response.ResponseModel.price` keeps), exactly what
    :meth:`~model.response.ResponseModel.with_lasting_share` would price."""
    short_run = drawn.cumulative[:, responses.index("10y")]
    fixed, lasting = drawn.linear_parts["cost"]
    j = COST_KEYS.index("10yr")
    rows = []
    for share in sorted({0.0, float(central), 1.0}):
        rows.append({"lasting_share": share,
                     "lasting_10y_bp": tuple(float(x) for x in np.percentile(share * short_run, BANDS)),
                     "interest_cost_10yr_bn": tuple(float(x) for x in
                                                    np.percentile(fixed[:, j] + share * lasting[:, j], BANDS))})
    return rows


def _bound_costs(bounds, weights, stakes, loss_month, loss_maturity, anchored):
    """Cost and loss of each literature bound, as (min, central, max) triples."""
    per_bound = {}
    for b, path in bounds.items():
        months = weights["10y"].shape[0]
        per_bound[b] = sum(path[m][:months] @ weights[m] for m in MATURITIES if not (anchored and m == "3m"))
    costs = [(min(per_bound[b][j] for b in per_bound), per_bound["central"][j], max(per_bound[b][j] for b in per_bound))
             for j in range(len(COST_YEARS))]
    losses = []
    for s in [*stakes, stakes.sum()]:
        vals = {b: s * bounds[b][loss_maturity][loss_month - 1] / 10_000 for b in bounds}
        losses.append((min(vals.values()), vals["central"], max(vals.values())))
    return costs, losses[:-1], (losses[-1] if len(stakes) else None)


def _correlation(model, response: str, totals: dict[str, float], drawn: PricedDraws) -> dict:
    """Correlation across maturities of the short-run cumulative response: in the draws, and
    implied by the joint estimate (mixed over specifications)."""
    responses = [m for m in model.responses]
    keep = [j for j, m in enumerate(responses) if np.std(drawn.cumulative[:, j]) > 0]
    names = [responses[j] for j in keep]
    if len(keep) < 2:
        return {"maturities": names, "drawn": None, "estimated": None}
    drawn_corr = np.corrcoef(drawn.cumulative[:, keep], rowvar=False)
    _, cov = model.cumulative_moments(response, totals)
    cov = cov[np.ix_(keep, keep)]
    d = np.sqrt(np.diag(cov))
    est = cov / np.outer(d, d)
    return {"maturities": names, "drawn": np.round(drawn_corr, 4).tolist(), "estimated": np.round(est, 4).tolist(),
            "quantity": "sum over holders of the short-run cumulative effect x the holder's total flow"}
