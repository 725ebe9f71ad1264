"""What the report contains, as data: the lead scenario and the sensitivity holder, every number
of ``results.json``, the changes since the last run, and every table and path as CSV.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.episodes import episodes_payload
from model.errors import InputError
from model.labels import holder_label, measure_label
from model.report import story
from model.scenarios import ExplorerGrid, ScenarioContext, ScenarioResult, explorer_grid
from model.scenarios.pricing import band_dict
from model.schema import versioned
from model.sources.bundle import DataBundle

if TYPE_CHECKING:
    from model.report.inputs import ReportInputs

EXPLORER_DRAWS = 2000
EXPLORER_HOLDERS = 4


# ---------------------------------------------------------------------------------------------
# Dates and data
# ---------------------------------------------------------------------------------------------


def data_vintage(bundle: DataBundle) -> str:
    """One line: how far the main sources go and where they came from."""
    from model.report.vintage import vintage_line

    return vintage_line(bundle)


def vintage_date(bundle: DataBundle) -> dt.date | None:
    """The data's vintage: the newest observation of any source (the data cannot have been
    taken earlier; the manifests' as-of dates are often only lower bounds, so they are not used)."""
    from model.report.vintage import newest_observation

    return newest_observation(bundle)


DEFAULT_EPOCH = 1767225600  # 2026-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set


def source_date() -> dt.datetime:
    """The fixed document date: ``SOURCE_DATE_EPOCH`` or 2026-01-01 (:mod:`model.dates`)."""
    from model.dates import source_date as fixed

    return fixed(DEFAULT_EPOCH)


def document_date(bundle: DataBundle) -> dt.datetime:
    """The document's date: ``SOURCE_DATE_EPOCH`` when set, else the data's vintage (so a report
    is never dated before the data it uses, and reruns on the same data give the same bytes)."""
    from model.dates import source_date_epoch

    if source_date_epoch() is not None:
        return source_date()
    vintage = vintage_date(bundle)
    if vintage is None:
        return source_date()
    return dt.datetime(vintage.year, vintage.month, vintage.day, tzinfo=dt.UTC)


def provenance(bundle: DataBundle) -> list[dict]:
    rows = []
    for key, src in sorted(bundle.sources.items()):
        e = src.entry
        rows.append({
            "source": key, "title": src.spec.title, "publisher": src.spec.publisher, "url": e.page_url,
            "origin": src.origin, "obtained": e.obtained, "retrieved": e.retrieved, "as_of": e.as_of,
            "as_of_basis": e.as_of_basis, "last_observation": e.last_observation, "raw_sha256": e.raw_sha256,
        })
    for key in bundle.missing:
        rows.append({"source": key, "title": "", "publisher": "", "url": "", "origin": "not available",
                     "obtained": "live pull only (not shipped)", "retrieved": None, "as_of": None,
                     "as_of_basis": "", "last_observation": None, "raw_sha256": ""})
    return rows


def largest_holders(context: ScenarioContext, n: int = 10) -> list[str]:
    """Holder keys of the ``n`` largest country holders in the latest month (group keys where a
    group is that one country)."""
    h = context.panel.holdings
    last = h.loc[h["kind"] == "country", "month"].max()
    latest = h[(h["month"] == last) & (h["kind"] == "country")].sort_values("holdings_bn", ascending=False)
    keys = [context.resolve(name) for name in latest["holder"].head(n)]
    return [k for k in keys if k is not None]


# ---------------------------------------------------------------------------------------------
# The lead, the sensitivity holder and the explorer
# ---------------------------------------------------------------------------------------------


def plan_report(context: ScenarioContext, sets: list[story.ScenarioSet], headline: str | None = None,
                sweep_holder: str | None = None,
                price_explorer: Callable[[list[str]], ExplorerGrid] | None = None) -> tuple[str, str, str, ExplorerGrid]:
    """Choose the lead scenario and the sensitivity holder, and price the explorer's grid.

    Parameters
    ----------
    headline : str, optional
        ``--headline``: the scenario that leads (by its ``[scenario] name``).
    sweep_holder : str, optional
        ``--sweep-holder``: a holder key (already resolved).
    price_explorer : callable, optional
        Prices the grid for a list of holders (default: :func:`explorer_grid` with the
        report's draws; the command line passes one that reads the results cache).

    Returns
    -------
    (lead scenario name, why it leads, sensitivity holder key, explorer grid)
    """
    lead = story.choose_lead(sets, headline)
    largest = largest_holders(context)
    holder = sweep_holder or story.sweep_holder(lead, sets, largest[0] if largest else "japan")
    holders = story.explorer_holders(holder, sets, largest, EXPLORER_HOLDERS)
    price = price_explorer or (lambda keys: explorer_grid(context, keys, draws=EXPLORER_DRAWS))
    return lead.name, story.lead_reason(sets, headline, lead), holder, price(holders)


# ---------------------------------------------------------------------------------------------
# results.json
# ---------------------------------------------------------------------------------------------


def _total_loss(result: ScenarioResult) -> dict[str, float] | None:
    return band_dict(result.total_loss_bn, result.band_kind) if result.total_loss_bn else None


def headline_rows(scenarios: list[story.ScenarioSet], lead: str) -> list[dict]:
    """Per scenario and response: the 10-year move at 12 and 24 months, its peak and lasting
    level, the interest cost and the sellers' loss, with the warnings."""
    rows = []
    for s in scenarios:
        row = {"scenario": s.name, "title": s.title, "lead": s.name == lead, "plan": story.short_plan(s.posterior),
               "net_flow_bn": s.net_flow_bn}
        for key, r in s.items():
            row[key] = {"moves_bp": {"10y": r.moves("10y")},
                        "interest_cost_bn": {k: r.cost(k) for k in r.interest_cost_bn},
                        "total_loss_bn": _total_loss(r), "warnings": r.warnings}
        rows.append(row)
    return rows


def previous_run(path: Path) -> tuple[dict | None, str | None]:
    """What :func:`changes` needs of the last run's ``results.json`` in the output folder:
    ``{provenance: {source: (raw_sha256, last_observation)}, models: {name: effect},
    headline: {scenario: lasting median}}``, or ``(None, why)`` when there is no usable file.

    The file must be strict JSON (no NaN or infinities), of this schema version, with every
    field :func:`changes` reads of the right type; a hand-edited or older file is treated as
    no previous run, with a warning.
    """
    from model.files import LIMITS, read_text_limited
    from model.schema import SCHEMA_VERSION

    if not path.is_file():
        return None, None

    def constant(name: str):
        raise ValueError(f"{name} is not a number")

    def text(value) -> str:
        if not isinstance(value, str):
            raise ValueError("a field of the wrong type")
        return value

    def maybe_number(value) -> float | None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("a number of the wrong type")
        return value

    try:
        payload = json.loads(read_text_limited(path, "cache", LIMITS["cache"]), parse_constant=constant)
        if not isinstance(payload, dict) or payload.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"not a results.json of schema version {SCHEMA_VERSION}")
        provenance = {text(p["source"]): (p.get("raw_sha256"), p.get("last_observation"))
                      for p in payload.get("provenance", [])}
        for sha, last in provenance.values():
            text(sha)
            if last is not None:
                text(last)
        models = {text(m["name"]): maybe_number(m.get("effect_bp_per_100bn"))
                  for m in payload.get("estimation", {}).get("models", [])}
        headline = {}
        for h in payload.get("headline", []):
            lasting = h.get("posterior", {}).get("moves_bp", {}).get("10y", {}).get("lasting") or {}
            headline[text(h["scenario"])] = maybe_number(lasting.get("median"))
    except (InputError, ValueError, TypeError, KeyError, AttributeError) as exc:
        why = exc.message if isinstance(exc, InputError) else (str(exc) or type(exc).__name__)
        return None, f"{path}: the last run's results could not be read ({why}); the report lists no changes"
    return {"provenance": provenance, "models": models, "headline": headline}, None


def changes(inputs: ReportInputs, previous: dict | None, now: dict) -> dict:
    """What changed since the last run in this output folder, and the latest data revisions."""
    revisions = inputs.panel.revisions
    focus = revisions[revisions["holder"].isin(["Grand Total", "Japan", "China, Mainland", "United Kingdom",
                                                "Foreign Official"])]
    focus = focus.reindex(focus["revision_bn"].abs().sort_values(ascending=False).index).head(12)
    out = {
        "revised_cells": int(len(revisions)),
        "largest_revisions": [
            {"date": f"{r.month:%Y-%m}", "holder": r.holder, "label": holder_label(r.holder),
             "old_bn": float(r.old_value_bn), "new_bn": float(r.new_value_bn),
             "old_vintage": f"{r.old_vintage:%Y-%m-%d}", "new_vintage": f"{r.new_vintage:%Y-%m-%d}"}
            for r in focus.itertuples()
        ],
        "previous_run": previous is not None,
        "data": [], "estimates": [], "headline": [],
    }
    if previous is None:
        return out
    before = previous["provenance"]
    for p in now["provenance"]:
        old = before.get(p["source"])
        if old is None:
            out["data"].append({"source": p["source"], "change": "new source", "last_observation": p["last_observation"]})
        elif old[0] != p["raw_sha256"]:
            change = "new months" if (p["last_observation"] or "") > (old[1] or "") else "revised file"
            out["data"].append({"source": p["source"], "change": change, "from": old[1], "to": p["last_observation"]})
    old_models = previous["models"]
    for m in now["estimation"]["models"]:
        if (m["name"] in old_models and m["method"] == "distributed_lags" and m["maturity"] == "10y"
                and old_models[m["name"]] != m["effect_bp_per_100bn"]):
            out["estimates"].append({"name": m["name"], "label": f"{holder_label(m['holder'])}, "
                                     f"{measure_label(m['flow_measure'])}",
                                     "before": old_models[m["name"]], "after": m["effect_bp_per_100bn"]})
    for h in now["headline"]:
        before_mid = previous["headline"].get(h["scenario"])
        after = h["posterior"]["moves_bp"]["10y"]["lasting"]["median"]
        if before_mid is not None and before_mid != after:
            out["headline"].append({"scenario": h["scenario"], "title": h["title"], "before": before_mid,
                                    "after": after})
    return out


def _net_interest(start: str) -> float:
    from model.report.build import projected_net_interest

    return round(projected_net_interest(start)["total_bn"], 1)


def results_payload(inputs: ReportInputs, vintage: str) -> dict:
    """Every number in the report, machine-readable (the schema of the README's "JSON output")."""
    frame = inputs.panel.frame
    last = frame["total_foreign_holdings_bn"].last_valid_index()
    row = frame.loc[last]
    total = float(row["total_foreign_holdings_bn"])
    latest = (inputs.panel.holdings[(inputs.panel.holdings["month"] == last) & (inputs.panel.holdings["kind"] == "country")]
              .sort_values("holdings_bn", ascending=False).head(10))
    lead = next(s for s in inputs.scenarios if s.name == inputs.lead)
    sweep = inputs.explorer.sweep_result(inputs.sweep_holder)
    return versioned({
        "report": {"commit": inputs.commit, "data_vintage": vintage, "scenarios_dir": inputs.scenarios_dir,
                   "date": f"{document_date(inputs.bundle):%Y-%m-%d}", "lead_scenario": inputs.lead,
                   "lead_reason": inputs.lead_reason,
                   "sweep_holder": inputs.sweep_holder,
                   "sign_convention": "flows are net purchases (+ buying, - selling); effects in bp per $100bn sold: positive = sales raise yields"},
        "summary": {"scenario": inputs.lead, "sentence": story.headline_sentence(lead),
                    "net_interest_10yr_bn": _net_interest(lead.posterior.start)},
        "headline": headline_rows(inputs.scenarios, inputs.lead),
        "holdings": {
            "date": f"{last:%Y-%m}",
            "largest": [{"holder": r.holder, "label": holder_label(r.holder), "holdings_bn": float(r.holdings_bn),
                         "share_of_foreign_pct": float(r.holdings_bn) / total * 100} for r in latest.itertuples()],
            "total_foreign_bn": total,
            "foreign_official_bn": float(row["foreign_official_holdings_bn"]),
            "foreign_share_of_debt_pct": total / float(row["debt_public_bn"]) * 100,
            "debt_public_bn": float(row["debt_public_bn"]),
        },
        "scenarios": {s.name: {k: r.to_dict() for k, r in s.items()} for s in inputs.scenarios},
        "response_model": inputs.response.to_dict(inputs.holder_labels),
        "sweep": sweep.to_dict(),
        "explorer": inputs.explorer.to_dict(),
        "episodes": episodes_payload(inputs.episodes),
        "events": inputs.events.to_dict() if inputs.events is not None else None,
        "estimation": inputs.results.to_dict(),
        "breaks": inputs.panel.breaks,
        "panel_notes": inputs.panel.notes,
        "provenance": provenance(inputs.bundle),
    })


# ---------------------------------------------------------------------------------------------
# CSV: every table and every path
# ---------------------------------------------------------------------------------------------


def _band_columns(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    names = {"low": "p05", "mid": "median", "high": "p95"} if kind == "draws" else \
        {"low": "low", "mid": "central", "high": "high"}
    return frame.rename(columns=names)


def tables(inputs: ReportInputs, payload: dict) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every table of the report and every path, as ``name -> (title, DataFrame)``."""
    out: dict[str, tuple[str, pd.DataFrame]] = {}
    rows = []
    for h in payload["headline"]:
        for response in ("posterior", "data", "literature"):
            r = h[response]
            lasting, peak = r["moves_bp"]["10y"]["lasting"], r["moves_bp"]["10y"]["peak"]
            cost = r["interest_cost_bn"]["10yr"]
            keys = ("median", "p05", "p95") if "median" in lasting else ("central", "low", "high")
            rows.append({"scenario": h["scenario"], "title": h["title"], "lead": h["lead"], "response": response,
                         **{f"lasting_10y_bp_{k}": lasting[k] for k in keys},
                         "peak_10y_bp": peak[keys[0]], "peak_month": peak["month"],
                         **{f"interest_cost_10yr_bn_{k}": cost[k] for k in keys},
                         "warnings": len(r["warnings"])})
    out["headline"] = ("Headline: every scenario under each response", pd.DataFrame(rows))
    for s in inputs.scenarios:
        frames = []
        for response, result in s.items():
            for m, frame in result.yields_bp.items():
                f = _band_columns(frame, result.band_kind).assign(response=response, maturity=m)
                frames.append(f)
        paths = pd.concat(frames, ignore_index=True)
        order = ["response", "maturity", "month", "date", "median", "p05", "p95", "central", "low", "high"]
        out[f"paths_{s.name}"] = (f"{s.title}: every maturity's path under each response, bp vs baseline",
                                  paths[[c for c in order if c in paths]])
        plan = [{"holder": p.key, "label": p.label, "action": p.action, "baseline_bn_per_month": p.baseline_bn,
                 "baseline_window": p.baseline_window, "holdings_start_bn": p.holdings_start_bn,
                 "planned_change_bn": float(np.sum(p.deviation_bn))} for p in s.posterior.holder_paths]
        if plan:
            out[f"plan_{s.name}"] = (f"{s.title}: the plan", pd.DataFrame(plan))
        flows = s.posterior.flows.copy()
        flows.index.name = "month"
        out[f"flows_{s.name}"] = (f"{s.title}: deviation from baseline purchases, $bn a month, by holder",
                                  flows.reset_index())
        costs = []
        for response, result in s.items():
            for horizon, band in result.interest_cost_bn.items():
                costs.append({"response": response, "horizon": horizon,
                              **band_dict(band, result.band_kind)})
        out[f"interest_cost_{s.name}"] = (f"{s.title}: extra federal interest, $bn", pd.DataFrame(costs))
    out["explorer"] = ("Explorer grid: sales by holder, size and length", inputs.explorer.to_frame())
    out["posterior"] = ("Prior, data and posterior by holder and maturity, bp per $100bn sold",
                        inputs.response.posterior_table(inputs.holder_labels))
    out["specification_grid"] = ("Every specification's effect, bp per $100bn sold", inputs.results.grid.to_frame())
    out["models"] = ("Every regression's effect by holder, bp per $100bn sold", inputs.results.to_frame())
    out["literature"] = ("Published effects rescaled to today", inputs.results.literature)
    out["valuation_trap"] = ("The valuation trap", inputs.results.trap)
    out["valuation_check"] = ("Valuation formula against reported valuation changes", inputs.results.valuation)
    if len(inputs.results.out_of_sample):
        out["out_of_sample"] = ("One-month-ahead forecasts", inputs.results.out_of_sample)
        out["subsamples"] = ("Effects by sub-sample", inputs.results.subsamples)
        out["rolling"] = ("Effects in rolling windows", inputs.results.rolling)
    for lp in inputs.results.local_projections:
        out[f"impulse_{lp.holder}_{lp.flow_measure}"] = (f"Impulse response: {holder_label(lp.holder)}, "
                                                         f"{measure_label(lp.flow_measure)}", lp.to_frame())
    episodes = []
    for e in payload["episodes"]["episodes"]:
        p, li = e["predicted_10y_bp"]["posterior"], e["predicted_10y_bp"]["literature"]
        episodes.append({"episode": e["key"], "title": e["title"], "start": e["start"], "end": e["end"],
                         "reported_net_purchases_bn": e["flows_bn"]["reported_net_purchases"],
                         "holdings_change_bn": e["flows_bn"]["holdings_change"],
                         "model_10y_bp_median": p["median"], "model_10y_bp_p05": p["p05"], "model_10y_bp_p95": p["p95"],
                         "literature_10y_bp_central": li["central"], "literature_10y_bp_low": li["low"],
                         "literature_10y_bp_high": li["high"], "actual_10y_bp": e["actual_10y_bp"],
                         "actual_term_premium_bp": e["actual_term_premium_bp"],
                         "fed_purchases_bn": e["fed_purchases_bn"], "policy_rate_change_bp": e["policy_rate_change_bp"],
                         "verdict": e["verdict_category"]})
    out["episodes"] = ("Historical episodes", pd.DataFrame(episodes))
    for r in inputs.episodes:
        frames = []
        for response, result in (("posterior", r.posterior), ("literature", r.literature)):
            f = _band_columns(result.yields_bp["10y"], result.band_kind).assign(response=response)
            frames.append(f)
        path = pd.concat(frames, ignore_index=True)
        actual = pd.DataFrame({"month": np.arange(1, len(r.actual_10y_path_bp) + 1), "actual_10y_bp": r.actual_10y_path_bp})
        out[f"episode_{r.episode.key}"] = (f"{r.episode.title}: the 10-year path, bp since the month before",
                                           path.merge(actual, on="month", how="left"))
    if payload.get("events"):
        ev = payload["events"]
        out["interventions_pooled"] = ("Intervention days, pooled", pd.DataFrame(ev["pooled"]))
        days = []
        for e in ev["events"]:
            for w in e["windows"]:
                days.append({"date": e["date"], "direction": e["direction"], "amount_usd_bn": e["amount_usd_bn"],
                             **{k: v for k, v in w.items() if k != "us_news"},
                             "us_news": "; ".join(f"{n['event']} {n['date']}" for n in w["us_news"])})
        out["interventions_days"] = ("Intervention days, every window", pd.DataFrame(days))
    out["revisions"] = ("Largest revisions between vintages", pd.DataFrame(payload["changes"]["largest_revisions"]))
    out["provenance"] = ("Provenance of every source", pd.DataFrame(payload["provenance"]))
    holders = pd.DataFrame(payload["holdings"]["largest"])
    out["largest_holders"] = (f"Largest holders, {payload['holdings']['date']}", holders)
    return out


def write_tables(inputs: ReportInputs, payload: dict, folder: Path) -> list[dict]:
    """Write every table as ``folder/NAME.csv``; returns ``[{name, title, file, rows}]`` for
    results.json."""
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for name, (title, frame) in tables(inputs, payload).items():
        file = folder / f"{name}.csv"
        frame.to_csv(file, index=False, float_format="%.6g", lineterminator="\n")
        index.append({"name": name, "title": title, "file": f"tables/{file.name}", "rows": int(len(frame))})
    return index


__all__ = ["changes", "data_vintage", "document_date", "headline_rows", "largest_holders", "plan_report", "provenance",
           "results_payload", "tables", "vintage_date", "write_tables"]
