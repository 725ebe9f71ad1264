"""The cache: atomic writes, checksums verified on read, corruption detected and bypassed or
refetched, and concurrent runs that leave it consistent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.sources.bundle import load_bundle
from model.sources.pull import import_local, pull_sources
from model.sources.store import DataStore, atomic_write_bytes

from .generators import source_spec

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOT = DataStore(ROOT / "data" / "snapshot", "snapshot")


@pytest.fixture
def cache(tmp_path):
    """A cache holding copies of every snapshot source (the same layout: a store folder with
    its manifest and parts, copied as files rather than parsed and written again)."""
    import shutil

    shutil.copytree(SNAPSHOT.root, tmp_path / "cache", ignore=shutil.ignore_patterns(".lock"))
    store = DataStore(tmp_path / "cache", "cache")
    assert set(store.manifest()) == set(SNAPSHOT.manifest())
    return store


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new contents")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]  # no temporary file left


def test_checksums_are_verified_on_read(cache):
    entry = cache.manifest()["tic_table5"]
    part = cache.root / entry.parts["holdings"]["file"]
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(Exception, match="does not match its checksum"):
        cache.read("tic_table5")


def test_corrupted_cache_file_is_bypassed(cache):
    entry = cache.manifest()["tic_table5"]
    (cache.root / entry.parts["holdings"]["file"]).write_bytes(b"garbage")
    bundle = load_bundle(cache, SNAPSHOT)
    assert bundle.sources["tic_table5"].origin == "snapshot"
    assert any("tic_table5" in w and "bypassing" in w for w in bundle.warnings)


def test_missing_cache_part_is_bypassed(cache):
    entry = cache.manifest()["fred_GS10"]
    (cache.root / entry.parts["monthly"]["file"]).unlink()
    bundle = load_bundle(cache, SNAPSHOT)
    assert bundle.sources["fred_GS10"].origin == "snapshot"


def test_unreadable_manifest_is_ignored(cache):
    (cache.root / "manifest.json").write_text("{ not json")
    bundle = load_bundle(cache, SNAPSHOT)
    assert all(s.origin == "snapshot" for s in bundle.sources.values())
    assert any("unreadable manifest" in w for w in bundle.warnings)


def test_corrupted_cache_file_is_refetched(cache, httpserver, monkeypatch):
    """A pull after corruption rewrites the source and the cache verifies again."""
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", httpserver.url_for("/tic/"))
    entry = cache.manifest()["tic_table5"]
    (cache.root / entry.parts["holdings"]["file"]).write_bytes(b"garbage")
    httpserver.expect_request("/tic/slt_table5.txt").respond_with_data((FIXTURES / "slt_table5_mini.txt").read_bytes())
    outcome = pull_sources([source_spec("tic_table5")], cache, SNAPSHOT, progress=False, retries=0)[0]
    assert outcome.status == "updated", outcome.line()
    assert cache.read("tic_table5")["holdings"]["holdings_bn"].notna().all()


def test_interrupted_write_leaves_a_consistent_cache(cache, monkeypatch, tmp_path):
    """A crash while a source is being written leaves the previous version readable."""
    before = cache.read("tic_table5")["holdings"]
    local = tmp_path / "local"
    local.mkdir()
    (local / "slt_table5.txt").write_bytes((FIXTURES / "slt_table5_mini.txt").read_bytes())
    import model.sources.store as store

    calls = {"n": 0}
    real = store.atomic_write_text

    def crash_on_manifest(path, text):
        calls["n"] += 1
        raise OSError("killed before the manifest was written")

    monkeypatch.setattr(store, "atomic_write_text", crash_on_manifest)
    outcome = import_local([source_spec("tic_table5")], local, cache, DataStore(tmp_path / "none", "none"))[0]
    assert outcome.status == "failed" and "cannot write" in outcome.line()  # one line, not a crash
    monkeypatch.setattr(store, "atomic_write_text", real)
    after = cache.read("tic_table5")["holdings"]  # the old manifest still points at intact files
    assert after.equals(before)


def test_two_pulls_at_once_share_one_cache(tmp_path, httpserver):
    """Two `tlrisk data pull` runs into one cache (Table 5 succeeds, everything else fails):
    both finish, and the cache holds one whole copy of what succeeded."""
    httpserver.expect_request("/tic/slt_table5.txt").respond_with_data((FIXTURES / "slt_table5_mini.txt").read_bytes())
    env = {**os.environ, "TLRISK_CACHE_DIR": str(tmp_path / "cache"),
           "TLRISK_TIC_BASE_URL": httpserver.url_for("/tic/"),
           "TLRISK_FRED_URL": httpserver.url_for("/fred/graph/fredgraph.csv"),
           "TLRISK_HTTP_RETRIES": "0", "TLRISK_HTTP_TIMEOUT_S": "2", "TLRISK_FRED_MIN_INTERVAL_S": "0",
           "TLRISK_HTTP_BACKOFF_S": "0"}
    procs = [subprocess.Popen([sys.executable, "-m", "model", "data", "pull", "--no-progress"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in err and "tic_table5" in out + err, err[-2000:]
    cache = DataStore(tmp_path / "cache", "cache")
    assert set(cache.manifest()) == {"tic_table5"}
    assert len(cache.read("tic_table5")["holdings"]) > 0  # whole: its checksums hold


def test_two_reports_at_once_share_one_cache(tmp_path, shipped, report_cache):
    """Two `tlrisk report` runs at once with one cache folder (the data, results and figure
    caches of an earlier run, as a user's second and third terminal would find them), each
    writing its own output folder: both succeed, with identical numbers, and every cache entry
    they leave reads back whole."""
    import shutil

    from model.memo import CacheFolder

    shutil.copytree(report_cache, tmp_path / "cache")
    env = {**os.environ, "TLRISK_CACHE_DIR": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": "1767225600",
           "TLRISK_WORKERS": "1"}
    # a new small scenario: its prices and figures are not cached, so both runs write entries
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "small.toml").write_text(
        '# one small sale\n[scenario]\nname = "small"\ntitle = "Japan sells $50bn over six months"\n'
        'start = "2026-05"\nhorizon_months = 24\n[pricing]\ndraws = 2000\n'
        '[[holders]]\nholder = "japan"\naction = "sell"\nbn = 50.0\nmonths = 6\n')
    procs = [subprocess.Popen([sys.executable, "-m", "model", "report", "--offline", "--no-progress", "--no-pdf",
                               "--scenarios", str(scenarios), "--out", str(tmp_path / f"out{i}")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for i in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "wrote" in out and "Traceback" not in err, err[-2000:]
        assert "damaged" not in err
    first, second = ((tmp_path / f"out{i}" / "results.json").read_bytes() for i in range(2))
    assert first == second and json.loads(first)["headline"]
    for kind in ("results", "figures"):
        assert CacheFolder(tmp_path / "cache" / kind, kind).open().root.is_dir()
    from model.memo import ENTRY_NAME, _read_entry

    entries = [p for p in (tmp_path / "cache" / "results").iterdir() if ENTRY_NAME.match(p.name)]
    assert entries
    for path in entries:
        _read_entry(path, path.stem)  # whole, made for its key


# -- the figure cache --------------------------------------------------------------------------


def _figure_job(calls: list):
    """A cheap figure job that counts its drawings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from model.report import figures as F
    from model.report.render import FigureJob

    def draw():
        calls.append(1)
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, 1])
        return F.Figure(key="line", title="A line", caption="bp", source="test", fig=fig)

    return FigureJob("d" * 64, draw)


def _meta(entry: Path) -> dict:
    from model.memo import _read_entry

    return _read_entry(entry / "meta.json", entry.name)


DAMAGES = ["meta is a list", "meta is not JSON", "a file is missing", "a path escapes", "a truncated SVG",
           "a junk phone version", "an empty SVG", "a link inside the entry", "swapped with another entry", "markup in a key"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_figure_entry_is_drawn_again_and_replaced(tmp_path, damage):
    from model.memo import _entry_bytes
    from model.report.draw import _draw

    calls: list = []
    job, cache = _figure_job(calls), tmp_path / "figures-cache"
    first = _draw(job, _fresh(tmp_path / "a"), cache)
    assert calls == [1] and not first["cached"] and first["damaged"] is None
    entry = cache / job.digest
    assert _draw(job, _fresh(tmp_path / "b"), cache)["cached"] and calls == [1]  # from the cache
    meta = _meta(entry)
    if damage == "meta is a list":
        (entry / "meta.json").write_bytes(_entry_bytes(job.digest, []))
    elif damage == "meta is not JSON":
        (entry / "meta.json").write_text("{")
    elif damage == "a file is missing":
        (entry / meta["phone"]).unlink()
    elif damage == "a path escapes":  # a valid entry whose metadata names a file outside it
        (entry / "meta.json").write_bytes(_entry_bytes(job.digest, {**meta, "svg": "../../elsewhere.svg"}))
    elif damage == "a truncated SVG":
        svg = entry / meta["svg"]
        svg.write_bytes(svg.read_bytes()[:-200])
    elif damage == "a junk phone version":
        (entry / meta["phone"]).write_bytes(b"<svg junk")
    elif damage == "an empty SVG":
        (entry / meta["svg"]).write_bytes(b"")
    elif damage == "a link inside the entry":
        secret = tmp_path / "secret.svg"
        secret.write_text("<svg>not the figure</svg>")
        (entry / meta["svg"]).unlink()
        (entry / meta["svg"]).symlink_to(secret)
    elif damage == "swapped with another entry":
        other = cache / ("e" * 64)
        other.mkdir()
        for name in (meta["svg"], meta["phone"]):
            (other / name).write_bytes((entry / name).read_bytes())
        (other / "meta.json").write_bytes(_entry_bytes(other.name, {**meta, "title": "another chart"}))
        (entry / "meta.json").write_bytes((other / "meta.json").read_bytes())
    else:  # the checksum of the metadata no longer matches
        (entry / "meta.json").write_bytes((entry / "meta.json").read_bytes().replace(b"A line", b"<b>A</b> line"))
    again = _draw(job, _fresh(tmp_path / "c"), cache)
    assert calls == [1, 1] and not again["cached"] and again["damaged"]  # drawn again, not a crash, and said
    assert {k: again[k] for k in ("key", "title", "svg_inline")} == {k: first[k] for k in ("key", "title", "svg_inline")}
    assert _meta(entry) == meta  # the entry is whole again
    assert _draw(job, _fresh(tmp_path / "d"), cache)["cached"] and calls == [1, 1]
    if damage == "a link inside the entry":
        assert (tmp_path / "secret.svg").read_text() == "<svg>not the figure</svg>"


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def test_prune_keeps_the_recent_entries_and_clears_stale_temporary_ones(tmp_path):
    from model.memo import STALE_TEMP_SECONDS, CacheFolder, prune

    CacheFolder(tmp_path, "figure").open()
    names = {"old": "1" * 64, "mid": "2" * 64, "new": "3" * 64}
    for i, name in enumerate(names.values()):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    (tmp_path / ("4" * 64 + ".json")).write_text("{}")  # newest of all
    stale, fresh = tmp_path / ".111111111111.dead", tmp_path / ".222222222222.running"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (0, 0))
    prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".tlrisk-cache.json", fresh.name, "4" * 64 + ".json", names["new"]])
    assert STALE_TEMP_SECONDS >= 600  # a running report's temporary folder is never taken


# -- the estimation cache: forged entries (checksums recomputed) -------------------------------


def _resign(entry: Path, edit) -> None:
    """Edit an estimation entry's record and recompute its header's checksum, as a forger would:
    only the content's shape and values can tell."""
    import hashlib

    path = entry / "results.json"
    head, _, body = path.read_bytes().partition(b"\n")
    new = edit(body)
    assert new != body, "the edit changed nothing"
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(new).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + new)


FORGED = [  # (what, old bytes, new bytes, the reason the warning gives)
    ("1e999 for a dict of floats", b'"rsquared": ', b'"rsquared": 1e999, "x": ', "rsquared: Input should be a valid dictionary"),
    ("1e999 inside a dict of floats", b'"rsquared": {"', b'"rsquared": {"x": 1e999, "', "Input should be a finite number"),
    ("1e999 for a float", b'"factor_per_100bn": ', b'"factor_per_100bn": 1e999, "x": ', "finite number"),
    ("a fraction for a whole number", b'"nobs": ', b'"nobs": 2.5, "x": ', "nobs: Input should be a valid integer"),
    ("a number in a list of text", b'"notes": [', b'"notes": [3, ', "notes.0: Input should be a valid string"),
    ("a key added", b'"oos_verdict": ', b'"extra": 1, "oos_verdict": ', "content does not round-trip"),
    ("credibility as a number", b'"credibility": false', b'"credibility": 1', "credibility: not true or false"),
]


@pytest.mark.parametrize(("what", "old", "new", "reason"), FORGED, ids=[f[0] for f in FORGED])
def test_a_forged_estimation_entry_is_damaged_not_a_crash(fitted, tmp_path, what, old, new, reason):
    from model.estimate import cache as estimation_cache

    key = "f" * 64
    entry = estimation_cache.save(tmp_path, key, fitted, credibility=False)
    _resign(entry, lambda body: body.replace(old, new, 1))
    results, warning = estimation_cache.load(tmp_path, key, credibility=False)
    assert results is None and not entry.exists()
    assert warning.startswith(f"estimation cache: entry {key[:12]} is damaged (") and reason in warning, warning
    assert warning.endswith("recomputing") and "\n" not in warning


def test_a_non_finite_array_with_its_checksums_redone_is_damaged(fitted, tmp_path):
    import hashlib
    import io

    import pandas as pd

    from model.estimate import cache as estimation_cache

    key = "e" * 64
    entry = estimation_cache.save(tmp_path, key, fitted, credibility=False)
    flat = pd.read_parquet(entry / "arrays.parquet")
    flat.iloc[len(flat) // 2, 0] = float("inf")
    buffer = io.BytesIO()
    flat.to_parquet(buffer, index=False)
    (entry / "arrays.parquet").write_bytes(buffer.getvalue())
    old = hashlib.sha256((entry / "results.json").read_bytes()).hexdigest()  # only to be sure it changes
    record_digest = json.loads((entry / "results.json").read_bytes().partition(b"\n")[2])["files"]["arrays.parquet"]
    _resign(entry, lambda body: body.replace(record_digest.encode(), hashlib.sha256(buffer.getvalue()).hexdigest().encode()))
    assert hashlib.sha256((entry / "results.json").read_bytes()).hexdigest() != old
    results, warning = estimation_cache.load(tmp_path, key, credibility=False)
    assert results is None and "arrays.parquet: a value is not finite" in warning


def test_fit_with_a_forged_entry_warns_once_and_prints_the_same(tmp_path, monkeypatch, capsys):
    import shutil

    from model.cli import main

    # the run's estimation cache, copied: the first fit reads it (as a user's second fit would)
    session = os.environ.get("TLRISK_TEST_ESTIMATES_DIR")
    if session and Path(session).is_dir():
        shutil.copytree(session, tmp_path / "est")
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(tmp_path / "est"))
    assert main(["fit", "--json", "--full", "--no-progress"]) == 0
    clean = capsys.readouterr()
    entries = [p for p in (tmp_path / "est").iterdir() if p.is_dir()]
    (entry,) = [p for p in entries if p.stat().st_mtime == max(q.stat().st_mtime for q in entries)]
    _resign(entry, lambda body: body.replace(b'"rsquared": ', b'"rsquared": 1e999, "x": ', 1))
    assert main(["fit", "--json", "--full", "--no-progress"]) == 0
    forged = capsys.readouterr()
    assert forged.out == clean.out  # recomputed: the same numbers
    warnings = [line for line in forged.err.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("warning: estimation cache: entry ")
    assert "rsquared: Input should be a valid dictionary" in warnings[0] and "Traceback" not in forged.err
    assert main(["fit", "--json", "--full", "--no-progress"]) == 0  # stored again, whole
    assert capsys.readouterr().err.strip() == ""
