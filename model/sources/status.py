"""Per-source status: where each source comes from, how recent it is, whether it is stale."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from model.errors import SourceError
from model.sources.catalog import source_catalog
from model.sources.store import DataStore, ranked, read_manifests


def _last_date(last_observation: str) -> dt.date:
    if len(last_observation) == 7:  # YYYY-MM: the month's last day
        return (pd.Timestamp(last_observation + "-01") + pd.offsets.MonthEnd(0)).date()
    return dt.date.fromisoformat(last_observation)


def source_status(cache: DataStore, snapshot: DataStore, today: dt.date | None = None) -> list[dict]:
    """One row per configured source (see :func:`status_report`)."""
    return status_report(cache, snapshot, today)[0]


def status_report(cache: DataStore, snapshot: DataStore, today: dt.date | None = None
                  ) -> tuple[list[dict], list[str]]:
    """One row per configured source: origin, last observation, retrieval, staleness; and
    warnings about damaged stores and files.

    The origin is the store :func:`~model.sources.bundle.load_bundle` would use: the newer
    of cache and snapshot whose files match their checksums and read as tables (a damaged
    copy is passed over, as loading passes over it); ``stale`` is true when the last observation is older than the
    source's ``stale_after_days`` (frozen, discontinued files are never stale).
    """
    today = today or dt.date.today()
    manifests, warnings = read_manifests([cache, snapshot])
    rows = []
    for spec in source_catalog():
        options = []
        for store, entry in ranked(spec.key, [cache, snapshot], manifests):
            try:
                store.read(spec.key, entry)  # exactly what loading does: checksums, then the tables
            except SourceError as exc:
                warnings.append(f"{exc}; bypassing it")
                continue
            options.append((store, entry))
        if not options:
            rows.append({"source": spec.key, "origin": "missing", "last_observation": None,
                         "retrieved": None, "age_days": None, "stale": None, "title": spec.title,
                         "note": "live only; run 'tlrisk data pull'" if not spec.in_snapshot else "not available"})
            continue
        store, entry = options[0]
        origin = store.name
        age = (today - _last_date(entry.last_observation)).days if entry.last_observation else None
        stale = bool(age is not None and spec.stale_after_days is not None and not spec.frozen
                     and age > spec.stale_after_days)
        note = "discontinued (frozen file)" if spec.frozen else ("stale: run 'tlrisk data pull'" if stale else "")
        rows.append({
            "source": spec.key, "origin": origin, "last_observation": entry.last_observation,
            "retrieved": entry.retrieved, "vintage": entry.vintage, "as_of": entry.as_of, "obtained": entry.obtained,
            "age_days": age, "stale": stale, "title": spec.title, "note": note,
            "raw_sha256": entry.raw_sha256,
        })
    return rows, warnings


def status_table(rows: list[dict]) -> str:
    """Plain-text table of :func:`source_status` rows."""
    header = f"{'source':<24} {'origin':<9} {'last obs':<11} {'retrieved':<21} {'age (days)':>10}  note"
    lines = [header, "-" * len(header)]
    for r in rows:
        age = "" if r["age_days"] is None else str(r["age_days"])
        lines.append(
            f"{r['source']:<24} {r['origin']:<9} {r['last_observation'] or '-':<11} "
            f"{(r['retrieved'] or ('-' if r['origin'] == 'missing' else 'local copy')):<21} {age:>10}  {r['note']}"
        )
    return "\n".join(lines)
