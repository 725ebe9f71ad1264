"""A cache of the estimation results, so a run that changed only scenarios skips estimation.

The results depend on the data, the estimation settings and the code. The cache key is the
sha256 of: the versions of the package and of the numerical libraries and the source of every
module of the package (a code change or an upgrade invalidates), the content of every
configuration file the estimation reads, and the sha256 of every processed data part in use
(a new pull or an edited snapshot invalidates). An entry is a folder named by its key holding
``results.json`` (metadata, scalars, small records) and ``arrays.parquet`` (every array and
table, float64 kept exactly); nothing is pickled. Entries are written to a temporary folder
and renamed into place, so a crash leaves no half entry. A damaged entry (a checksum that
differs, or content that does not load into the declared types, holds a non-finite number or
does not round-trip) is removed with a warning, recomputed and stored again. Outputs are identical with and without the cache
(tests check this).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from model.estimate import EstimationResults
from model.estimate.grid import GridResult
from model.estimate.literature import LiteratureEnvelope, ScaleToday
from model.estimate.persistence import PersistenceResult
from model.estimate.results import HolderEffect, LPResult, RegressionResult
from model.estimate.spec import EstimationConfig
from model.estimate.system import SystemResult, SystemSpec
from model.memo import inputs_digest, prune, replace_dir

FORMAT = 2
# the settings estimation reads (the others shape scenarios, costs and the report only)
CONFIG_FILES = ("estimation.toml", "literature.toml", "holders.toml", "panel.toml", "valuation.toml")


def cache_key(data_digests: dict[str, str], config_paths: dict[str, Path]) -> str:
    """The key of an estimation run: the cache format and :func:`model.memo.inputs_digest`.

    Parameters
    ----------
    data_digests : dict
        ``source/part`` -> sha256 of each processed data part in use.
    config_paths : dict
        Config file name -> the file in effect (``TLRISK_CONFIG_DIR`` honoured by the caller).
    """
    return hashlib.sha256(f"format {FORMAT}\n{inputs_digest(data_digests, config_paths)}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Serialisation: records for JSON, arrays for parquet
# ---------------------------------------------------------------------------------------------


class _Arrays:
    """Named float64 arrays collected for one parquet table."""

    def __init__(self) -> None:
        self.items: dict[str, np.ndarray] = {}

    def put(self, name: str, value: np.ndarray | None) -> str | None:
        if value is None:
            return None
        self.items[name] = np.asarray(value, dtype=float)
        return name


def _system_record(s: SystemResult, name: str, arrays: _Arrays) -> dict:
    return {
        "spec": {**asdict(s.spec), "controls": list(s.spec.controls), "holders": list(s.spec.holders)},
        "responses": s.responses, "terms": s.terms, "holder_terms": s.holder_terms,
        "params": arrays.put(f"{name}/params", s.params.to_numpy(float)),
        "cov_hac": arrays.put(f"{name}/cov_hac", s.cov_hac),
        "cov_bootstrap": arrays.put(f"{name}/cov_bootstrap", s.cov_bootstrap),
        "nobs": s.nobs, "hac_lags": s.hac_lags, "rsquared": s.rsquared, "sample_start": s.sample_start,
        "sample_end": s.sample_end, "factor_per_100bn": s.factor_per_100bn, "units": s.units,
        "bootstrap_reps": s.bootstrap_reps, "bootstrap_block": s.bootstrap_block, "notes": s.notes,
    }


def _system(rec: dict, arrays: dict[str, np.ndarray]) -> SystemResult:
    spec = rec["spec"]
    spec = SystemSpec(**{**spec, "controls": tuple(spec["controls"]), "holders": tuple(spec["holders"])})
    return SystemResult(
        spec=spec, responses=rec["responses"], terms=rec["terms"], holder_terms=rec["holder_terms"],
        params=pd.DataFrame(arrays[rec["params"]], index=rec["terms"], columns=rec["responses"]),
        cov_hac=arrays[rec["cov_hac"]],
        cov_bootstrap=arrays[rec["cov_bootstrap"]] if rec["cov_bootstrap"] else None,
        nobs=rec["nobs"], hac_lags=rec["hac_lags"], rsquared=rec["rsquared"], sample_start=rec["sample_start"],
        sample_end=rec["sample_end"], factor_per_100bn=rec["factor_per_100bn"], units=rec["units"],
        bootstrap_reps=rec["bootstrap_reps"], bootstrap_block=rec["bootstrap_block"], notes=rec["notes"],
    )


def _regression_record(r: RegressionResult, name: str, arrays: _Arrays) -> dict:
    fields = {k: v for k, v in r.__dict__.items() if k not in ("params", "bse", "cov", "effects")}
    return {**fields, "terms": list(r.params.index), "params": arrays.put(f"{name}/params", r.params.to_numpy()),
            "bse": arrays.put(f"{name}/bse", r.bse.to_numpy()), "cov": arrays.put(f"{name}/cov", r.cov.to_numpy()),
            "effects": [asdict(e) for e in r.effects.values()]}


def _regression(rec: dict, arrays: dict[str, np.ndarray]) -> RegressionResult:
    terms = rec["terms"]
    fields = {k: v for k, v in rec.items() if k not in ("terms", "params", "bse", "cov", "effects")}
    return RegressionResult(
        **fields, params=pd.Series(arrays[rec["params"]], index=terms), bse=pd.Series(arrays[rec["bse"]], index=terms),
        cov=pd.DataFrame(arrays[rec["cov"]], index=terms, columns=terms),
        effects={e["holder"]: HolderEffect(**e) for e in rec["effects"]},
    )


def _lp_record(lp: LPResult, name: str, arrays: _Arrays) -> dict:
    fields = {k: v for k, v in lp.__dict__.items() if k not in ("irf", "se")}
    return {**fields, "irf": arrays.put(f"{name}/irf", lp.irf), "se": arrays.put(f"{name}/se", lp.se)}


def _lp(rec: dict, arrays: dict[str, np.ndarray]) -> LPResult:
    return LPResult(**{**rec, "irf": arrays[rec["irf"]], "se": arrays[rec["se"]]})


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


TABLES = ("subsamples", "rolling", "out_of_sample", "valuation", "trap", "literature")


def dump(results: EstimationResults, credibility: bool) -> tuple[dict, dict[str, bytes]]:
    """The JSON record and the parquet files of a results object."""
    record, arrays = _record(results, credibility)
    names = sorted(arrays.items)
    flat = np.concatenate([arrays.items[n].ravel() for n in names]) if names else np.zeros(0)
    files = {"arrays.parquet": _frame_bytes(pd.DataFrame({"value": flat}))}
    for name in TABLES:
        files[f"{name}.parquet"] = _frame_bytes(getattr(results, name))
    return record, files


def _record(results: EstimationResults, credibility: bool) -> tuple[dict, _Arrays]:
    """The JSON record of a results object, and its arrays (named in the record's index)."""
    arrays = _Arrays()
    record = {
        "format": FORMAT, "credibility": credibility,
        "systems": {m: _system_record(s, f"system/{m}", arrays) for m, s in results.systems.items()},
        "grid": {"systems": [_system_record(s, f"grid/{i}", arrays) for i, s in enumerate(results.grid.systems)],
                 "weights": arrays.put("grid/weights", results.grid.weights), "weights_rule": results.grid.weights_rule,
                 "baseline": results.grid.baseline, "skipped": results.grid.skipped,
                 "unweighted": results.grid.unweighted, "evaluation": results.grid.evaluation,
                 "sensitivities": results.grid.sensitivities},
        "levels": [_regression_record(r, f"levels/{i}", arrays) for i, r in enumerate(results.levels)],
        "local_projections": [_lp_record(lp, f"lp/{i}", arrays) for i, lp in enumerate(results.local_projections)],
        "oos_verdict": results.oos_verdict, "envelope": results.envelope.to_dict(), "today": asdict(results.today),
        "persistence": results.persistence.to_dict(),
        "config": results.config.model_dump(mode="json"), "caveats": results.caveats,
    }
    # every array, flattened one after another into one float64 column; the index (name, shape,
    # offset) goes into the JSON record
    names = sorted(arrays.items)
    offsets = np.cumsum([0] + [arrays.items[n].size for n in names])
    record["arrays"] = [{"name": n, "shape": list(arrays.items[n].shape), "offset": int(o)}
                        for n, o in zip(names, offsets[:-1], strict=True)]
    return record, arrays


class _Shape(BaseModel):
    """The results' every field of the type its dataclass declares (``rsquared`` a dict of
    finite floats, ``nobs`` a whole number ...), nested results included: what a cache entry
    must load into before anything uses it."""

    model_config = ConfigDict(arbitrary_types_allowed=True, strict=True, revalidate_instances="always",
                              allow_inf_nan=False)
    results: EstimationResults


def _check_loaded(results: EstimationResults, credibility: bool, record: dict, flat: np.ndarray) -> None:
    """Raise ValueError unless the loaded results have the declared shape, finite arrays, and
    give back exactly the record they were read from (no value lost, added or changed in type)."""
    try:
        _Shape(results=results)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"][1:])
        raise ValueError(f"{where}: {first['msg']}") from None
    if not np.isfinite(flat).all():
        raise ValueError("arrays.parquet: a value is not finite")
    again = json.loads(json.dumps(_record(results, credibility)[0], allow_nan=False))
    if again != {k: v for k, v in record.items() if k != "files"}:
        raise ValueError("results.json: content does not round-trip")


def _verified_files(folder: Path, key: str) -> tuple[dict, dict[str, bytes]]:
    """The entry's record and files, each checked: the record is a verified cache entry made for
    ``key`` (:func:`model.memo.memo`'s format), and every file it lists is a regular file (no
    link) whose sha256 is the one recorded. Raises ValueError on any difference."""
    from model.memo import _read_entry

    if folder.is_symlink() or not folder.is_dir():
        raise ValueError("not a folder")
    record = _read_entry(folder / "results.json", key)
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("files"), dict):
        raise ValueError("cache entry of another format")
    if not isinstance(record.get("credibility"), bool):
        raise ValueError("credibility: not true or false")
    files = {}
    for name, digest in record["files"].items():
        path = folder / name
        if not isinstance(name, str) or Path(name).name != name or path.is_symlink() or not path.is_file():
            raise ValueError(f"{name}: not a regular file of the entry")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"{name}: checksum mismatch")
        files[name] = data
    return record, files


def load_entry(folder: Path, key: str) -> tuple[EstimationResults, bool]:
    """Read an entry written by :func:`save` (raises on any damage)."""
    record, files = _verified_files(folder, key)
    flat = pd.read_parquet(io.BytesIO(files["arrays.parquet"]))["value"].to_numpy(dtype=float)
    arrays = {}
    for item in record["arrays"]:
        size = int(np.prod(item["shape"], dtype=int))
        arrays[item["name"]] = flat[item["offset"] : item["offset"] + size].reshape(item["shape"]).copy()
    frames = {name: pd.read_parquet(io.BytesIO(files[f"{name}.parquet"])) for name in TABLES}
    systems = {m: _system(rec, arrays) for m, rec in record["systems"].items()}
    grid = GridResult(systems=[_system(rec, arrays) for rec in record["grid"]["systems"]],
                      weights=arrays[record["grid"]["weights"]], weights_rule=record["grid"]["weights_rule"],
                      baseline=record["grid"]["baseline"], skipped=record["grid"]["skipped"],
                      unweighted=record["grid"]["unweighted"], evaluation=record["grid"]["evaluation"],
                      sensitivities=record["grid"]["sensitivities"])
    config = EstimationConfig.model_validate_json(json.dumps(record["config"]))
    results = EstimationResults(
        systems=systems, grid=grid,
        levels=[_regression(r, arrays) for r in record["levels"]],
        local_projections=[_lp(r, arrays) for r in record["local_projections"]],
        **frames, oos_verdict=record["oos_verdict"], envelope=LiteratureEnvelope.from_dict(record["envelope"]),
        today=ScaleToday(**record["today"]), config=config, persistence=PersistenceResult.from_dict(record["persistence"]),
        caveats=record["caveats"],
    )
    _check_loaded(results, bool(record["credibility"]), record, flat)
    return results, bool(record["credibility"])


def load(root: Path, key: str, credibility: bool) -> tuple[EstimationResults | None, str | None]:
    """The cached results for ``key`` if present, intact and complete enough.

    Returns
    -------
    results : EstimationResults or None
    warning : str or None
        Why a present entry was ignored.
    """
    from model.memo import remove_entry

    folder = Path(root) / key
    if not (folder.exists() or folder.is_symlink()):
        return None, None
    try:
        results, complete = load_entry(folder, key)
    except Exception as exc:  # any damage: remove the entry (a link itself, never its target), recompute, store
        remove_entry(folder)
        why = str(exc) if isinstance(exc, ValueError) and str(exc) else type(exc).__name__
        return None, f"estimation cache: entry {key[:12]} is damaged ({' '.join(why.split())[:80]}); recomputing"
    if credibility and not complete:
        return None, None
    return results, None


def _complete(folder: Path, key: str) -> bool:
    try:
        return bool(_verified_files(folder, key)[0].get("credibility"))
    except (OSError, ValueError):
        return False


def save(root: Path, key: str, results: EstimationResults, credibility: bool, keep: int = 3) -> Path:
    """Write an entry atomically (temporary folder, then rename) and keep the newest ``keep``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    from model.memo import _entry_bytes

    record, files = dump(results, credibility)
    record["files"] = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=root))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / "results.json").write_bytes(_entry_bytes(key, record))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    target = root / key
    if target.exists() and (_complete(target, key) or not credibility):
        shutil.rmtree(tmp, ignore_errors=True)  # already there (a concurrent run): same key, same content
    else:
        replace_dir(tmp, target)  # a partial entry (no credibility checks) gives way to a complete one
    prune(root, keep)
    return target
