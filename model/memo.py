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
import shutil
import time
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


def memo(folder: Path | None, key: str, compute: Callable[[], T], dump: Callable[[T], object],
         load: Callable[[object], T]) -> tuple[T, bool]:
    """The cached value for ``key`` if its entry reads back, else ``compute()`` (stored).

    Returns
    -------
    (value, True when it came from the cache)
    """
    if folder is None:
        return compute(), False
    path = Path(folder) / f"{key}.json"
    if path.is_file():
        with contextlib.suppress(Exception):  # any damage: recompute and overwrite
            value = load(json.loads(path.read_text("utf-8")))
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept by the pruning
            return value, True
    value = compute()
    with contextlib.suppress(OSError):
        from model.files import atomic_write_text

        atomic_write_text(path, json.dumps(dump(value)))
    return value, False


def prune(folder: Path | None, keep: int) -> None:
    """Keep the ``keep`` most recently used entries of a cache folder (files or folders), and
    remove temporary entries (named ``.*``) left by runs killed long ago."""
    if folder is None or not Path(folder).is_dir():
        return
    with contextlib.suppress(OSError):
        items = list(Path(folder).iterdir())
        entries = sorted((p for p in items if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        stale = [p for p in items if p.name.startswith(".") and time.time() - p.stat().st_mtime > STALE_TEMP_SECONDS]
        for old in entries[keep:] + stale:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def replace_dir(tmp: Path, target: Path) -> None:
    """Move a finished temporary folder into place as ``target`` (an entry a reader sees whole
    or not at all); a damaged entry already there gives way. If another run put the same entry
    there meanwhile, theirs is kept and ``tmp`` removed."""
    try:
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
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
