"""Load processed sources from the cache or the shipped snapshot, saying which was used."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from model.errors import DataUnavailable, SourceError
from model.sources.catalog import SourceSpec, source_catalog
from model.sources.store import DataStore, ManifestEntry, ranked, read_manifests

REQUIRED_SOURCES = ("tic_mfhhis", "tic_table5", "tic_s1", "tic_table3", "fred_GS10", "fred_DGS10")


@dataclass
class LoadedSource:
    """One source as loaded: its frames, manifest entry and origin (``cache`` or ``snapshot``)."""

    spec: SourceSpec
    origin: str
    entry: ManifestEntry
    frames: dict[str, pd.DataFrame]


@dataclass
class DataBundle:
    """Every available source, each from the newest of cache and snapshot."""

    sources: dict[str, LoadedSource]
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def frame(self, key: str, part: str) -> pd.DataFrame | None:
        """One part of one source, or None when the source is not available."""
        loaded = self.sources.get(key)
        return loaded.frames.get(part) if loaded else None

    def fred_monthly(self) -> pd.DataFrame:
        """All FRED series' monthly aggregates stacked (``series_id, month, freq, mean, last, ...``)."""
        parts = [s.frames["monthly"] for s in self.sources.values() if s.spec.family == "fred"]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["series_id", "month", "freq", "mean", "last", "n_obs", "complete"])


    def fred_daily(self) -> pd.DataFrame:
        """The FRED series shipped day by day, stacked (``date, series_id, value``)."""
        parts = [s.frames["daily"] for s in self.sources.values() if s.spec.family == "fred" and "daily" in s.frames]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["date", "series_id", "value"])

    def part_digests(self) -> dict[str, str]:
        """``source/part`` -> sha256 of every processed data part in use (what the caches key on)."""
        return {f"{key}/{part}": str(info.get("sha256")) for key, src in self.sources.items()
                for part, info in src.entry.parts.items()}


def load_bundle(
    cache: DataStore, snapshot: DataStore, specs: list[SourceSpec] | None = None,
    required: tuple[str, ...] = REQUIRED_SOURCES,
) -> DataBundle:
    """Load each source from whichever of ``cache`` and ``snapshot`` has the newer data.

    A cache file that fails its checksum is bypassed with a warning (the snapshot is used).

    Parameters
    ----------
    cache, snapshot : DataStore
        Where to look, newest last observation first.
    specs : list of SourceSpec, optional
        Sources to load (default: the catalogue).
    required : tuple of str
        Sources the caller cannot do without (the commands pass
        :func:`model.panel.required_sources`; the default is what the panel's holdings need).

    Raises
    ------
    DataUnavailable
        When a required source is in neither store, or only in a damaged state.
    """
    specs = specs or source_catalog()
    manifests, warnings = read_manifests([cache, snapshot])
    sources: dict[str, LoadedSource] = {}
    missing = []
    for spec in specs:
        for store, entry in ranked(spec.key, [cache, snapshot], manifests):
            try:
                frames = store.read(spec.key, entry)
            except SourceError as exc:
                warnings.append(f"{exc}; bypassing it")
                continue
            sources[spec.key] = LoadedSource(spec, store.name, entry, frames)
            break
        else:
            missing.append(spec.key)
    absent = [k for k in required if k in missing]
    if absent:
        error = no_data(absent, cache, snapshot)
        error.warnings = warnings  # why a copy was passed over (corrupted, missing part)
        raise error
    return DataBundle(sources=sources, missing=missing, warnings=warnings)


def no_data(keys: list[str], cache: DataStore, snapshot: DataStore) -> DataUnavailable:
    """The error for required sources that neither store holds in a usable state."""
    return DataUnavailable(
        f"no data for {', '.join(keys)} in the cache ({cache.root}) or the snapshot "
        f"({snapshot.root}); run 'tlrisk data pull' with network access"
    )
