"""A cache of computed results that are not estimates: a scenario's pricing, the explorer's grid,
the historical episodes. Each is a pure function of its inputs (the data, the settings, the
code, the scenario file and the arguments), so a run whose inputs did not change can read it
back instead of computing it again.

Entries are JSON files (floats written exactly, nothing pickled) named by the sha256 of the
inputs, written atomically; a damaged or unreadable entry is recomputed and rewritten. The
records round-trip exactly, so outputs are identical with and without the cache. The helpers
here (``code_digest``, ``inputs_digest``, ``digest``, ``prune``, ``replace_dir``) serve the
figure and estimation caches too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")
STALE_TEMP_SECONDS = 3600  # a temporary entry this old belongs to a run that was killed
PACKAGE = Path(__file__).resolve().parent
# the libraries whose arithmetic or drawing shapes a cached result (an upgrade invalidates)
LIBRARIES = ("treasury-leverage", "numpy", "scipy", "pandas", "statsmodels", "matplotlib")


def code_digest() -> str:
    """sha256 of the versions of the package and of the libraries that compute its results, and
    of every module's source."""
    from importlib import metadata

    h = hashlib.sha256()
    for name in LIBRARIES:
        try:
            h.update(f"{name}=={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} missing\n".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def inputs_digest(data_parts: dict[str, str], files: dict[str, Path]) -> str:
    """sha256 of everything a computation reads: the code (:func:`code_digest`), the content of
    ``files`` (name -> path: the settings in effect, curated data) and the sha256 of every
    processed data part in use (``source/part`` -> sha256)."""
    h = hashlib.sha256(code_digest().encode())
    for name in sorted(files):
        h.update(name.encode() + b"\x00")
        h.update(Path(files[name]).read_bytes())
    for part in sorted(data_parts):
        h.update(f"{part}={data_parts[part]}\n".encode())
    return h.hexdigest()


def kept(table: OrderedDict[str, T], key: str, make: Callable[[], T], limit: int) -> T:
    """``make()``'s value for ``key``, made once within this process: ``table`` keeps the
    ``limit`` most recently used values (hand out copies: :func:`frame_copy`)."""
    value = table.get(key)
    if value is None:
        value = make()
        table[key] = value
        while len(table) > limit:
            table.popitem(last=False)
    else:
        table.move_to_end(key)
    return value


def frame_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` that shares no buffer with it, for a result remembered within a
    process: pandas' deep copy keeps the index's buffer (a date index), which a caller could
    still write through ``np.asarray(frame.index)``."""
    out = frame.copy(deep=True)
    out.index = frame.index.copy(deep=True)
    out.columns = frame.columns.copy(deep=True)
    return out


def digest(*parts) -> str:
    """sha256 of a computation's inputs: text, numbers, JSON-ready records, results with a JSON
    form (``to_json()``) and pandas objects (by value)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, (pd.DataFrame, pd.Series)):
            h.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
            h.update(repr(list(part.columns) if isinstance(part, pd.DataFrame) else part.name).encode())
        elif hasattr(part, "to_json"):
            h.update(part.to_json().encode())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\x00")
    return h.hexdigest()


# -- cache folders: owned, never foreign --------------------------------------------------------

MARKER = ".tlrisk-cache.json"
#: the names the tool gives entries (a sha256, with ``.json`` for a file entry) and temporary
#: entries (a dot, the first 12 hex digits of a key, then a random suffix)
ENTRY_NAME = re.compile(r"^[0-9a-f]{64}(\.json)?$")
TEMP_NAME = re.compile(r"^\.[0-9a-f]{12}\.")
#: the marker while another run writes it (``atomic_write_text``'s temporary name): two runs
#: opening a new folder at once see each other's
MARKER_TEMP = re.compile(r"^\.\.tlrisk-cache\.json\.[A-Za-z0-9_]+\.tmp$")


class CacheFolder:
    """A folder the tool keeps one cache in, and may clean.

    The folder carries the tool's marker (:data:`MARKER`). A new or empty folder becomes a
    cache; a folder of an earlier version (every name one the tool gives entries) is adopted;
    any other folder is refused (:meth:`open`), so that pointing ``TLRISK_CACHE_DIR`` or
    ``TLRISK_ESTIMATES_DIR`` at a folder of one's own never costs a file. Cleaning
    (:meth:`prune`) removes only entries named as the tool names them, and never follows a
    symbolic link.
    """

    def __init__(self, root: Path, kind: str, variable: str = "") -> None:
        self.root, self.kind, self.variable = Path(root), kind, variable

    def _refuse(self, why: str):
        from model.errors import InputError

        where = f"{self.variable}={self.root}" if self.variable else str(self.root)
        return InputError(f"{why}; a cache folder must be new, empty or one the tool made: point it at another "
                          f"folder", field=where)

    def open(self) -> CacheFolder:
        """Check (and where new, create) the folder.

        Raises
        ------
        InputError
            The folder holds files the tool did not write, or is not a folder.
        """
        if self.root.exists() and not self.root.is_dir():
            raise self._refuse(f"is not a folder (the {self.kind} cache)")
        marker = self.root / MARKER
        if marker.is_file() and not marker.is_symlink():
            return self
        if self.root.is_dir():
            foreign = [p.name for p in sorted(self.root.iterdir())
                       if p.is_symlink() or not (ENTRY_NAME.match(p.name) or TEMP_NAME.match(p.name)
                                                 or MARKER_TEMP.match(p.name))]
            if foreign:
                raise self._refuse(f"holds {len(foreign)} file(s) the tool did not write "
                                   f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}), so it is not "
                                   f"used as the {self.kind} cache")
        with contextlib.suppress(OSError):  # a read-only folder is used read-only (writes fail quietly)
            self.root.mkdir(parents=True, exist_ok=True)
            from model.files import atomic_write_text

            atomic_write_text(marker, json.dumps({"written_by": "tlrisk", "cache": self.kind}) + "\n")
        return self

    def entries(self) -> list[Path]:
        """The tool's entries (not symbolic links, not temporary), oldest use first."""
        found = []
        with contextlib.suppress(OSError):
            for path in self.root.iterdir():
                if ENTRY_NAME.match(path.name) and not path.is_symlink():
                    found.append((path.lstat().st_mtime, path.name, path))
        return [p for _, _, p in sorted(found)]

    def prune(self, keep: int) -> None:
        """Keep the ``keep`` most recently used entries and remove temporary entries left by
        runs killed long ago; nothing else in the folder is touched."""
        if not (self.root / MARKER).is_file():
            return  # not (yet) a folder of ours: clean nothing
        entries = self.entries()
        stale = []
        with contextlib.suppress(OSError):
            stale = [p for p in self.root.iterdir() if (TEMP_NAME.match(p.name) or MARKER_TEMP.match(p.name))
                     and not p.is_symlink()
                     and time.time() - p.lstat().st_mtime > STALE_TEMP_SECONDS]
        for old in entries[: max(0, len(entries) - keep)] + stale:
            remove_entry(old)


def remove_entry(path: Path) -> None:
    """Remove one cache entry (a file, a folder, or a symbolic link itself, never its target)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# -- entries: verified on read -----------------------------------------------------------------

FORMAT = 2


def _read_entry(path: Path, key: str):
    """The content of a file entry if it is whole and was made for ``key``; raises otherwise."""
    from model.files import LIMITS

    if path.is_symlink() or not path.is_file():
        raise ValueError("not a regular file")
    raw = path.read_bytes()
    if len(raw) > LIMITS["cache"]:
        raise ValueError("too large")
    head, _, body = raw.partition(b"\n")
    header = json.loads(head)
    if not (isinstance(header, dict) and header.get("written_by") == "tlrisk" and header.get("format") == FORMAT):
        raise ValueError("not an entry of this version")
    if header.get("key") != key:
        raise ValueError("made for other inputs")
    if header.get("sha256") != hashlib.sha256(body).hexdigest():
        raise ValueError("checksum mismatch")
    return json.loads(body, parse_constant=_no_constant)


def _no_constant(name: str):
    raise ValueError(f"{name} in an entry")


def _entry_bytes(key: str, content) -> bytes:
    body = json.dumps(content, allow_nan=False).encode()
    header = {"written_by": "tlrisk", "format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(header).encode() + b"\n" + body


def entry_path(folder: Path, key: str) -> Path:
    """Where :func:`memo` keeps the entry of ``key`` in ``folder``."""
    return Path(folder) / f"{key}.json"


def memo(folder: Path | None, key: str, compute: Callable[[], T], dump: Callable[[T], object],
         load: Callable[[object], T], warn: Callable[[str], None] | None = None) -> tuple[T, bool]:
    """The cached value for ``key`` if its entry is whole, made for ``key`` and loads, else
    ``compute()`` (stored).

    An entry records the key it was made for and the sha256 of its content; on read both are
    checked and the content must load and round-trip exactly (``dump(load(content)) ==
    content``). Anything else (a changed byte, an entry swapped with another, a value of the
    wrong type, a symbolic link) is a one-line warning, the entry is removed and the value
    computed and stored again.

    Returns
    -------
    (value, True when it came from the cache)
    """
    values, hits = memo_many(folder, [key], lambda missing: [compute() for _ in missing], dump, load, warn)
    return values[0], hits[0]


def memo_many(folder: Path | None, keys: list[str], compute: Callable[[list[int]], list[T]],
              dump: Callable[[T], object], load: Callable[[object], T],
              warn: Callable[[str], None] | None = None) -> tuple[list[T], list[bool]]:
    """:func:`memo` for several keys at once: the entries that are whole are read back, and
    ``compute(missing)`` is called once with the positions of all the others (so they can be
    computed together, e.g. in worker processes) and must return their values in that order.

    Returns
    -------
    (values in the order of ``keys``, for each whether it came from the cache)
    """
    values: list = [None] * len(keys)
    hits = [False] * len(keys)
    if folder is not None:
        for i, key in enumerate(keys):
            values[i], hits[i] = _recall(entry_path(folder, key), key, dump, load, warn)
    missing = [i for i, hit in enumerate(hits) if not hit]
    if missing:
        computed = compute(missing)
        if len(computed) != len(missing):
            raise ValueError(f"memo_many: {len(computed)} values computed for {len(missing)} keys")
        for i, value in zip(missing, computed, strict=True):
            values[i] = value
            if folder is not None:
                with contextlib.suppress(OSError, ValueError):
                    from model.files import atomic_write_bytes

                    atomic_write_bytes(entry_path(folder, keys[i]), _entry_bytes(keys[i], dump(value)))
    return values, hits


def _recall(path: Path, key: str, dump: Callable, load: Callable, warn: Callable[[str], None] | None
            ) -> tuple[object, bool]:
    """``(value, True)`` from a whole entry made for ``key``; else ``(None, False)``, a damaged
    entry removed with a warning."""
    if not (path.exists() or path.is_symlink()):
        return None, False
    try:
        content = _read_entry(path, key)
        value = load(content)
        if json.loads(json.dumps(dump(value), allow_nan=False)) != content:
            raise ValueError("content does not round-trip")
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by the pruning
        return value, True
    except Exception as exc:  # any damage: remove, recompute and overwrite
        if warn:
            warn(f"results cache: entry {key[:12]} is damaged ({_why(exc)}); computed again")
        remove_entry(path)
    return None, False


def _why(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:80]
    return text if isinstance(exc, ValueError) and text else type(exc).__name__


def prune(folder: Path | None, keep: int) -> None:
    """Keep the ``keep`` most recently used entries of a cache folder the tool owns
    (:meth:`CacheFolder.prune`)."""
    if folder is not None:
        CacheFolder(Path(folder), "").prune(keep)


def replace_dir(tmp: Path, target: Path) -> None:
    """Move a finished temporary folder into place as ``target`` (an entry a reader sees whole
    or not at all); a damaged entry already there gives way. If another run put the same entry
    there meanwhile, theirs is kept and ``tmp`` removed."""
    try:
        if target.exists() or target.is_symlink():
            remove_entry(target)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


# -- exact records of arrays and frames --------------------------------------------------------


def array_record(values: np.ndarray | None) -> list | None:
    return None if values is None else np.asarray(values, dtype=float).tolist()


def array_from(record: list | None) -> np.ndarray | None:
    return None if record is None else np.asarray(record, dtype=float)


def frame_record(frame: pd.DataFrame) -> dict:
    """A frame with its index, columns and values (floats exact, dtypes by column)."""
    return {"index": frame.index.tolist(), "index_name": frame.index.name, "columns": list(frame.columns),
            "dtypes": [str(t) for t in frame.dtypes], "data": {c: frame[c].tolist() for c in frame.columns}}


def frame_from(record: dict) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(record["data"][c], dtype=t) if t != "object" else record["data"][c]
                          for c, t in zip(record["columns"], record["dtypes"], strict=True)},
                         columns=record["columns"])
    frame.index = pd.Index(record["index"], name=record["index_name"])
    return frame
