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
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock

from model.errors import SourceError

MANIFEST = "manifest.json"
_UMASK = os.umask(0)
os.umask(_UMASK)
PART_COLUMNS_DATE = {"month": "%Y-%m", "vintage": "%Y-%m-%d", "date": "%Y-%m-%d"}


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; use the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text with LF line endings."""
    atomic_write_bytes(path, text.encode("utf-8"))


def frame_to_gzip_csv(frame: pd.DataFrame) -> bytes:
    """Serialise a tidy frame as deterministic gzip CSV (no timestamp in the gzip header)."""
    out = frame.copy()
    for col, fmt in PART_COLUMNS_DATE.items():
        if col in out and pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime(fmt)
    text = out.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def gzip_csv_to_frame(data: bytes) -> pd.DataFrame:
    """Inverse of :func:`frame_to_gzip_csv`."""
    frame = pd.read_csv(io.BytesIO(gzip.decompress(data)), keep_default_na=False, na_values=[""])
    for col, fmt in PART_COLUMNS_DATE.items():
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], format=fmt).astype("datetime64[ns]")
    for col in ("holder", "basis", "source", "kind", "flag", "instrument", "series_id", "freq"):
        if col in frame:
            frame[col] = frame[col].astype("string").fillna("").astype(str)
    if "line" in frame:
        frame["line"] = frame["line"].astype("Int64")
    return frame


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


class CorruptStoreFile(SourceError):
    """A processed file whose checksum does not match the manifest."""


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
        """Entries by source key (empty when the store does not exist or is unreadable)."""
        try:
            data = json.loads(self.manifest_path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CorruptStoreFile(f"{self.manifest_path}: unreadable manifest ({exc})") from None
        sources = data.get("sources", {}) if isinstance(data, dict) else {}
        return {k: ManifestEntry.from_dict(v) for k, v in sources.items()}

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
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".lock"), timeout=120):
            yield

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
        for part, meta in entry.parts.items():
            path = self.root / str(meta["file"])
            try:
                data = path.read_bytes()
            except OSError:
                raise CorruptStoreFile(f"{self.name}: {path.name} is missing") from None
            if sha256_bytes(data) != meta["sha256"]:
                raise CorruptStoreFile(
                    f"{self.name}: {path.name} does not match its checksum in {MANIFEST} (corrupted)"
                )
            try:
                frames[part] = gzip_csv_to_frame(data)
            except (OSError, ValueError, EOFError) as exc:
                raise CorruptStoreFile(f"{self.name}: {path.name} cannot be read ({exc})") from None
        return frames

    def write(self, entry: ManifestEntry, frames: dict[str, pd.DataFrame]) -> None:
        """Write the parts of one source, then its manifest entry, each atomically.

        Parts are written first under new content; the manifest switches to them last, so a
        crash in between leaves the previous manifest pointing at intact previous files.
        """
        with self.locked():
            entries = self.manifest()
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
        atomic_write_bytes(path, data)
        atomic_write_text(path.with_name(path.name + ".meta.json"), json.dumps(meta, indent=2) + "\n")
        return path

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
