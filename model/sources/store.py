"""Processed-data stores: the download cache and the shipped snapshot share one layout.

A store is a folder with ``manifest.json`` and, per source, one gzip CSV per part
(``{key}.holdings.csv.gz``, ``{key}.flows.csv.gz``, ``{key}.monthly.csv.gz``; a few FRED
series also ``{key}.daily.csv.gz``). The manifest
records each source's URL, retrieval time, vintage, last observation, the sha256 of the raw
download and of every processed part. Reads verify the checksums; writes are atomic (temporary
file, fsync, rename) and serialised by a lock file, so a crash or a concurrent run never leaves
a half-written file.

The cache also keeps raw downloads under ``raw/{key}/`` with a ``.meta.json`` beside each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.errors import InputError, SourceError
from model.files import LIMITS, MB, atomic_write_bytes, atomic_write_text, read_bytes_limited  # noqa: F401 (re-exported)
from model.memo import frame_copy, kept
from model.sources.tables import FLOWS_COLUMNS, HOLDINGS_COLUMNS

MANIFEST = "manifest.json"
PART_COLUMNS_DATE = {"month": "%Y-%m", "vintage": "%Y-%m-%d", "date": "%Y-%m-%d"}


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def frame_to_gzip_csv(frame: pd.DataFrame) -> bytes:
    """Serialise a tidy frame as deterministic gzip CSV (no timestamp in the gzip header)."""
    out = frame.copy()
    for col, fmt in PART_COLUMNS_DATE.items():
        if col in out and pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime(fmt)
    text = out.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def gzip_csv_to_frame(data: bytes) -> pd.DataFrame:
    """Inverse of :func:`frame_to_gzip_csv`.

    Raises
    ------
    ValueError
        When the data unpack to more than the limit for a cache entry (a gzip bomb).
    """
    inflate = zlib.decompressobj(wbits=31)  # gzip framing
    limit = LIMITS["cache"]
    try:
        text = inflate.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"not gzip data ({exc})") from None
    if len(text) > limit or inflate.unconsumed_tail:
        raise ValueError(f"unpacks to more than {limit // MB} MB, the limit for a cache entry")
    if not inflate.eof or inflate.unused_data:
        raise ValueError("the gzip data are cut off or followed by other bytes")
    frame = pd.read_csv(io.BytesIO(text), keep_default_na=False, na_values=[""])
    for col, fmt in PART_COLUMNS_DATE.items():
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], format=fmt).astype("datetime64[ns]")
    for col in ("holder", "basis", "source", "kind", "flag", "instrument", "series_id", "freq"):
        if col in frame:
            frame[col] = frame[col].astype("string").fillna("").astype(str)
    if "line" in frame:
        frame["line"] = frame["line"].astype("Int64")
    return frame


# Parsed parts by the sha256 of their bytes, within one process (a command that loads the data
# twice, a notebook calling the API again): the bytes are read and checked against the manifest
# on every read, only their parsing is remembered. Bounded; callers get copies.
_PARSED: OrderedDict[str, pd.DataFrame] = OrderedDict()
_PARSED_MAX = 64


def _parsed(sha256: str, data: bytes) -> pd.DataFrame:
    """:func:`gzip_csv_to_frame` of ``data``, whose sha256 the caller has verified, parsed once per
    process (a copy each time)."""
    return frame_copy(kept(_PARSED, sha256, lambda: gzip_csv_to_frame(data), _PARSED_MAX))


@dataclass
class ManifestEntry:
    """What the store knows about one source."""

    key: str
    format: str
    url: str
    page_url: str
    title: str
    retrieved: str | None  # ISO time of the live download (None for a local copy)
    obtained: str  # "live pull" or "local file: <name>"
    vintage: str | None  # publication date printed in the file, where there is one
    as_of: str | None  # the vintage, else the retrieval date, else a lower bound (see as_of_basis)
    as_of_basis: str
    last_observation: str | None  # YYYY-MM (TIC, monthly) or YYYY-MM-DD (FRED)
    raw_sha256: str
    raw_bytes: int
    parts: dict[str, dict[str, object]] = field(default_factory=dict)  # part -> file, sha256, rows
    warnings: list[str] = field(default_factory=list)
    first_observation: str | None = None  # same format as last_observation

    @classmethod
    def from_dict(cls, data: dict) -> ManifestEntry:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


# What every processed part holds (the tidy tables of model.sources.tables, the FRED months).
PART_COLUMNS = {
    "holdings": HOLDINGS_COLUMNS,
    "flows": FLOWS_COLUMNS,
    "monthly": ["series_id", "month", "freq", "mean", "last", "n_obs", "complete"],
    "daily": ["date", "series_id", "value"],  # FRED series kept day by day (the event study)
}
_NUMERIC = {"holdings_bn", "old_series_bn", "long_term_bn", "net_purchases_bn", "valuation_change_bn",
            "mean", "last", "n_obs", "value"}


def _frame_problem(part: str, frame: pd.DataFrame) -> str | None:
    """Why a part read from a store is not what the pipeline expects, or None."""
    missing = [c for c in PART_COLUMNS.get(part, []) if c not in frame]
    if missing:
        return f"no column {missing[0]}"
    for col in frame.columns:
        if col in _NUMERIC and not pd.api.types.is_numeric_dtype(frame[col]):
            return f"column {col} is not numeric"
        if col in _NUMERIC and frame[col].abs().gt(1e15).any():  # inf, or a number no parser lets in
            return f"column {col} holds a number that is not finite or is beyond any published figure"
    if part == "monthly" and not pd.api.types.is_bool_dtype(frame["complete"]):
        return "column complete is not true/false"
    return None


class CorruptStoreFile(SourceError):
    """A processed file whose checksum does not match the manifest, or a manifest that cannot
    be trusted."""


# -- the manifest's shape: validated like a config before a single path in it is used ----------

_SHA256 = r"^[0-9a-f]{64}$"
FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"  # a bare file name (no folder, not hidden), nothing else
KEY = r"^[A-Za-z0-9_]+$"  # a source key or series id: it names files and folders
PARTS = tuple(PART_COLUMNS)


def _observation(value: str | None) -> str | None:
    """``YYYY-MM`` or ``YYYY-MM-DD``, a real month or day."""
    if value is None:
        return value
    try:
        if len(value) == 7:
            dt.date.fromisoformat(value + "-01")
        elif len(value) == 10:
            dt.date.fromisoformat(value)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"'{value[:20]}' is not a YYYY-MM month or YYYY-MM-DD date") from None
    return value


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="ignore")


class _PartRecord(_Record):
    file: str
    sha256: str = Field(pattern=_SHA256)
    rows: int = Field(ge=0)

    @field_validator("file")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if len(value) > 200 or not re.match(FILE_NAME, value):
            raise ValueError(f"'{value[:60]}' is not a plain file name inside the store")
        return value


class _EntryRecord(_Record):
    key: str = Field(pattern=KEY)
    format: str
    url: str
    page_url: str
    title: str
    retrieved: str | None
    obtained: str
    vintage: str | None
    as_of: str | None
    as_of_basis: str
    last_observation: str | None
    raw_sha256: str = Field(pattern=_SHA256)
    raw_bytes: int = Field(ge=0)
    parts: dict[str, _PartRecord]
    warnings: list[str] = Field(default_factory=list)
    first_observation: str | None = None

    @field_validator("last_observation", "first_observation")
    @classmethod
    def _dates(cls, value: str | None) -> str | None:
        return _observation(value)

    @field_validator("parts")
    @classmethod
    def _part_names(cls, value: dict[str, _PartRecord]) -> dict[str, _PartRecord]:
        unknown = [k for k in value if k not in PARTS]
        if unknown:
            raise ValueError(f"unknown part '{unknown[0]}' (parts are {', '.join(PARTS)})")
        if not value:
            raise ValueError("no parts")
        return value


class _ManifestRecord(_Record):
    sources: dict[str, _EntryRecord]

    @model_validator(mode="after")
    def _keys_match(self) -> _ManifestRecord:
        for key, entry in self.sources.items():
            if entry.key != key:
                raise ValueError(f"sources.{key[:40]} carries the key '{entry.key}'")
        return self


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {err['msg'].removeprefix('Value error, ')}{more}"


class DataStore:
    """A folder of processed sources (the cache or the snapshot).

    Parameters
    ----------
    root : Path
        The folder. It need not exist yet.
    name : str
        ``"cache"`` or ``"snapshot"``, used in messages and as the data origin.
    """

    def __init__(self, root: Path, name: str) -> None:
        self.root = Path(root)
        self.name = name

    # -- manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def manifest(self) -> dict[str, ManifestEntry]:
        """Entries by source key (empty when the store does not exist).

        The manifest is validated like a config: its shape, every field's type, the dates,
        the checksums, and every part file's name, which must be a plain file name resolving
        inside the store (a tampered manifest must not make the store read or delete anything
        elsewhere).

        Raises
        ------
        CorruptStoreFile
            When the manifest cannot be read or fails validation; callers ignore the store.
        """
        if not self.manifest_path.exists():
            return {}
        try:
            text = read_bytes_limited(self.manifest_path, "cache").decode("utf-8")
        except InputError as exc:
            raise CorruptStoreFile(f"{self.manifest_path}: unreadable manifest ({exc.message})") from None
        except ValueError as exc:
            raise CorruptStoreFile(f"{self.manifest_path}: unreadable manifest ({exc})") from None
        try:
            record = _ManifestRecord.model_validate_json(text)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise CorruptStoreFile(f"{self.manifest_path}: unreadable manifest (not JSON)") from None
            raise CorruptStoreFile(f"{self.manifest_path}: invalid manifest ({_first_problem(exc)})") from None
        root = self.root.resolve()
        for key, entry in record.sources.items():
            for part, meta in entry.parts.items():
                if (root / meta.file).resolve().parent != root:
                    raise CorruptStoreFile(f"{self.manifest_path}: invalid manifest (sources.{key}.parts.{part}."
                                           f"file: '{meta.file}' is not a file inside {self.root})")
        return {k: ManifestEntry.from_dict(v.model_dump()) for k, v in record.sources.items()}

    def manifest_or_empty(self) -> dict[str, ManifestEntry]:
        """:meth:`manifest`, with an untrustworthy manifest counted as empty (for writers, which
        then replace it: the files it names are neither read nor deleted)."""
        try:
            return self.manifest()
        except CorruptStoreFile:
            return {}

    def _write_manifest(self, entries: dict[str, ManifestEntry]) -> None:
        body = {
            "about": (
                "Processed public data (US government statistics). Each source: public URL, "
                "retrieval time, vintage, last observation, sha256 of the raw download and of "
                "each processed part."
            ),
            "sources": {k: asdict(entries[k]) for k in sorted(entries)},
        }
        atomic_write_text(self.manifest_path, json.dumps(body, indent=2, sort_keys=True) + "\n")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise writers (two pulls at once) with a lock file beside the manifest."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.root / ".lock"), timeout=120)
            lock.acquire()
        except OSError as exc:
            raise SourceError(f"{self.name}: cannot write to {self.root} ({exc.strerror or exc})") from None
        except Timeout:
            raise SourceError(f"{self.name}: another run has held {self.root / '.lock'} for two minutes; "
                              "try again when it has finished") from None
        try:
            yield
        finally:
            lock.release()

    # -- processed parts --------------------------------------------------------------------
    def read(self, key: str, entry: ManifestEntry | None = None) -> dict[str, pd.DataFrame]:
        """Read every part of one source, verifying checksums.

        Raises
        ------
        CorruptStoreFile
            When a part is missing or its sha256 differs from the manifest.
        """
        entry = entry or self.manifest().get(key)
        if entry is None:
            raise CorruptStoreFile(f"{self.name}: no entry for {key}")
        frames = {}
        for part, data in self._verified_parts(entry).items():
            name = entry.parts[part]["file"]
            try:
                frames[part] = _parsed(str(entry.parts[part]["sha256"]), data)
            except (OSError, ValueError, EOFError, KeyError) as exc:
                raise CorruptStoreFile(f"{self.name}: {name} cannot be read ({' '.join(str(exc).split())[:120]})") from None
            problem = _frame_problem(part, frames[part])
            if problem:
                raise CorruptStoreFile(f"{self.name}: {name} is not a processed {part} table ({problem})")
        return frames

    def _verified_parts(self, entry: ManifestEntry) -> dict[str, bytes]:
        out = {}
        for part, meta in entry.parts.items():
            path = self.root / str(meta["file"])
            try:
                data = read_bytes_limited(path, "cache")
            except InputError as exc:
                what = "is missing" if exc.message == "file not found" else f"cannot be read ({exc.message})"
                raise CorruptStoreFile(f"{self.name}: {path.name} {what}") from None
            if sha256_bytes(data) != meta["sha256"]:
                raise CorruptStoreFile(
                    f"{self.name}: {path.name} does not match its checksum in {MANIFEST} (corrupted)"
                )
            out[part] = data
        return out

    def write(self, entry: ManifestEntry, frames: dict[str, pd.DataFrame]) -> None:
        """Write the parts of one source, then its manifest entry, each atomically.

        Parts are written first under new content; the manifest switches to them last, so a
        crash in between leaves the previous manifest pointing at intact previous files.
        """
        with self.locked(), self._writing():
            entries = self.manifest_or_empty()
            entry.parts = {}
            for part, frame in frames.items():
                data = frame_to_gzip_csv(frame)
                digest = sha256_bytes(data)
                # content-addressed names keep the old files valid until the manifest moves on
                name = f"{entry.key}.{part}.{digest[:12]}.csv.gz"
                atomic_write_bytes(self.root / name, data)
                entry.parts[part] = {"file": name, "sha256": digest, "rows": len(frame)}
            old = entries.get(entry.key)
            entries[entry.key] = entry
            self._write_manifest(entries)
            if old is not None:
                keep = {str(m["file"]) for e in entries.values() for m in e.parts.values()}
                for meta in old.parts.values():
                    if str(meta["file"]) not in keep:
                        with contextlib.suppress(FileNotFoundError):
                            (self.root / str(meta["file"])).unlink()

    # -- raw downloads (cache only) -------------------------------------------------------
    def raw_dir(self, key: str) -> Path:
        return self.root / "raw" / key

    def write_raw(self, key: str, filename: str, data: bytes, meta: dict) -> Path:
        """Keep a raw download with its ``.meta.json`` (URL, retrieval time, sha256)."""
        folder = self.raw_dir(key)
        stamp = meta["retrieved"].replace(":", "").replace("-", "")[:15]
        path = folder / f"{stamp}-{meta['sha256'][:12]}-{filename}"
        with self._writing():
            atomic_write_bytes(path, data)
            atomic_write_text(path.with_name(path.name + ".meta.json"), json.dumps(meta, indent=2) + "\n")
        return path

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write that fails (a full disk, a read-only folder) is a failed source, not a crash;
        the atomic writes have left the previous files in place."""
        try:
            yield
        except OSError as exc:
            raise SourceError(f"{self.name}: cannot write to {self.root} ({exc.strerror or exc})") from None

    def copy_to(self, other: DataStore, keys: list[str]) -> list[str]:
        """Copy the named sources (parts and manifest entries) into ``other``; returns keys copied."""
        copied = []
        entries = self.manifest()
        for key in keys:
            if key in entries:
                other.write(ManifestEntry.from_dict(asdict(entries[key])), self.read(key, entries[key]))
                copied.append(key)
        return copied


def read_manifests(stores: list[DataStore]) -> tuple[dict[str, dict[str, ManifestEntry]], list[str]]:
    """Each store's manifest by store name; an unreadable one counts as empty, with a warning."""
    manifests, warnings = {}, []
    for store in stores:
        try:
            manifests[store.name] = store.manifest()
        except SourceError as exc:
            warnings.append(f"{exc}; ignoring the {store.name}")
            manifests[store.name] = {}
    return manifests, warnings


def ranked(key: str, stores: list[DataStore], manifests: dict[str, dict[str, ManifestEntry]]
           ) -> list[tuple[DataStore, ManifestEntry]]:
    """The stores holding ``key``, newest last observation first; on a tie the first store
    listed (the cache) wins."""
    held = [(store, manifests[store.name][key]) for store in stores if key in manifests[store.name]]
    order = {id(store): i for i, store in enumerate(stores)}
    return sorted(held, key=lambda se: (se[1].last_observation or "", -order[id(se[0])]), reverse=True)


def utc_now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
