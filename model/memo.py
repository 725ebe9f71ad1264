"""A cache of computed results that are not estimates: a scenario's pricing, the explorer's grid,
the historical episodes. Each is a pure function of its inputs (the data, the settings, the
code, the scenario file and the arguments), so a run whose inputs did not change can read it
back instead of computing it again.

Entries are JSON files (floats written exactly, nothing pickled) named by the sha256 of the
inputs, written atomically; a damaged or unreadable entry is recomputed and rewritten. The
records round-trip exactly, so outputs are identical with and without the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")
FORMAT = 1


def digest(*parts) -> str:
    """sha256 of JSON-ready parts (text, numbers, lists, dicts)."""
    h = hashlib.sha256(f"memo format {FORMAT}".encode())
    for part in parts:
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
            return load(json.loads(path.read_text("utf-8"))), True
    value = compute()
    with contextlib.suppress(OSError):
        from model.sources.store import atomic_write_text

        atomic_write_text(path, json.dumps(dump(value)))
    return value, False


def prune(folder: Path | None, keep: int) -> None:
    """Keep the ``keep`` most recently written entries."""
    if folder is None or not Path(folder).is_dir():
        return
    with contextlib.suppress(OSError):
        entries = sorted(Path(folder).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)


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
