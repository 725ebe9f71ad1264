"""The estimation cache: every input invalidates it, damage is ignored, outputs do not change."""

from __future__ import annotations

import importlib.metadata
import json

import numpy as np
import pytest

from model.estimate import cache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(tmp_path / "estimates"))
    return tmp_path / "estimates"


def test_the_key_depends_on_data_config_and_code(tmp_path, monkeypatch):
    config = tmp_path / "estimation.toml"
    config.write_text("lags = 3\n")
    data = {"fred_GS10/monthly": "a" * 64, "tic_table5/holdings": "b" * 64}
    key = cache.cache_key(data, {"estimation.toml": config})
    assert key == cache.cache_key(dict(data), {"estimation.toml": config})
    assert key != cache.cache_key({**data, "fred_GS10/monthly": "c" * 64}, {"estimation.toml": config})  # new data
    assert key != cache.cache_key({**data, "fred_GS5/monthly": "d" * 64}, {"estimation.toml": config})  # a new source
    config.write_text("lags = 4\n")
    assert key != cache.cache_key(data, {"estimation.toml": config})  # an edited setting
    config.write_text("lags = 3\n")
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9")
    assert key != cache.cache_key(data, {"estimation.toml": config})  # another package or library version


def test_cached_results_are_the_computed_ones(fitted, tmp_path):
    cache.save(tmp_path, "k", fitted, credibility=False)
    loaded, warning = cache.load(tmp_path, "k", credibility=False)
    assert warning is None
    assert json.dumps(loaded.to_dict(), sort_keys=True) == json.dumps(fitted.to_dict(), sort_keys=True)
    assert loaded.summary() == fitted.summary()
    for a, b in zip(loaded.grid.systems, fitted.grid.systems, strict=True):
        np.testing.assert_array_equal(a.cov, b.cov)
    # an entry without the credibility checks does not serve a run that needs them
    assert cache.load(tmp_path, "k", credibility=True) == (None, None)


def test_a_damaged_entry_is_ignored_with_a_warning(fitted, tmp_path):
    folder = cache.save(tmp_path, "k" * 64, fitted, credibility=False)
    (folder / "arrays.parquet").write_bytes(b"not parquet")
    results, warning = cache.load(tmp_path, "k" * 64, credibility=False)
    assert results is None and "is damaged (arrays.parquet: checksum mismatch)" in warning and "recomputing" in warning
    assert not folder.exists()  # removed, so the next save stores the entry again
    assert cache.load(tmp_path, "k" * 64, credibility=False) == (None, None)  # the warning comes once
    cache.save(tmp_path, "k" * 64, fitted, credibility=False)
    assert cache.load(tmp_path, "k" * 64, credibility=False)[0] is not None
    (folder / "results.json").write_text("{")
    assert cache.load(tmp_path, "k" * 64, credibility=False)[0] is None


DAMAGES = ["one bit of the arrays", "a table's bytes", "the record edited", "swapped with another entry",
           "a link to another entry", "the entry is a link", "a file is a link", "a file is missing"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_every_kind_of_damage_is_caught_and_only_the_entry_removed(fitted, tmp_path, damage):
    key, other_key = "a" * 64, "b" * 64
    folder = cache.save(tmp_path, key, fitted, credibility=False)
    other = cache.save(tmp_path, other_key, fitted, credibility=False)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    if damage == "one bit of the arrays":
        data = bytearray((folder / "arrays.parquet").read_bytes())
        data[len(data) // 2] ^= 0x01
        (folder / "arrays.parquet").write_bytes(bytes(data))
    elif damage == "a table's bytes":
        (folder / "rolling.parquet").write_bytes((folder / "subsamples.parquet").read_bytes())
    elif damage == "the record edited":
        (folder / "results.json").write_bytes((folder / "results.json").read_bytes().replace(b'"credibility": false',
                                                                                            b'"credibility": true'))
    elif damage == "swapped with another entry":
        (folder / "results.json").write_bytes((other / "results.json").read_bytes())
    elif damage == "a link to another entry":
        (folder / "arrays.parquet").unlink()
        (folder / "arrays.parquet").symlink_to(other / "arrays.parquet")
    elif damage == "the entry is a link":
        import shutil

        shutil.rmtree(folder)
        folder.symlink_to(outside, target_is_directory=True)
    elif damage == "a file is a link":
        (folder / "trap.parquet").unlink(missing_ok=True)
        (folder / "subsamples.parquet").unlink()
        (folder / "subsamples.parquet").symlink_to(outside / "keep.txt")
    else:
        (folder / "valuation.parquet").unlink()
    results, warning = cache.load(tmp_path, key, credibility=False)
    assert results is None and warning.startswith(f"estimation cache: entry {key[:12]} is damaged")
    assert not (folder.exists() or folder.is_symlink())
    assert (outside / "keep.txt").read_text() == "mine"  # a link's target is never touched
    assert cache.load(tmp_path, other_key, credibility=False)[0] is not None  # the other entry intact


def _entries(folder):
    """The cache's entries (its marker file aside)."""
    from model.memo import CacheFolder

    return CacheFolder(folder, "estimation").entries()


def test_outputs_are_identical_with_and_without_the_cache(cache_dir, capsys, snapshot_bundle):
    from model import pipeline
    from model.cli import main
    from model.panel import build_panel

    data = pipeline.Data(snapshot_bundle, build_panel(snapshot_bundle))
    first = pipeline.estimate(data, credibility=False)
    assert first.origin == "computed" and len(_entries(cache_dir)) == 1
    second = pipeline.estimate(data, credibility=False)
    assert second.origin == "cache"
    assert (json.dumps(first.results.to_dict(), sort_keys=True)
            == json.dumps(second.results.to_dict(), sort_keys=True))
    # the command line prices from the cached estimates exactly as from the fresh ones (a damaged
    # entry, estimated afresh with a one-line warning: tests/robustness/test_cache.py)
    assert main(["simulate", "scenarios/japan_pause.toml", "--json", "--draws", "3000"]) == 0
    cached = capsys.readouterr()
    assert "estimation cache: entry" not in cached.err
    context = pipeline.scenario_context(data, first.results)
    fresh = pipeline.price(pipeline.scenario_from("scenarios/japan_pause.toml", context), context, draws=3000)
    assert json.loads(cached.out)["yields_bp"] == fresh.to_dict()["yields_bp"]
    assert json.loads(cached.out)["ledger"] == fresh.to_dict()["ledger"]
