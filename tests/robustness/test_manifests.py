"""Tampered manifests: a manifest is validated like a config before any path in it is used.
A manifest of the wrong shape, with missing fields, a bad date or a part file outside its
store is ignored with a warning, and nothing outside the store is ever read or deleted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.cli import main
from model.sources.bundle import load_bundle
from model.sources.catalog import source_catalog
from model.sources.status import status_report
from model.sources.store import CorruptStoreFile, DataStore

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "data" / "snapshot"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data folder with a copy of the snapshot and a cache holding Table 5 and GS10."""
    folder = tmp_path / "data"
    shutil.copytree(SNAPSHOT, folder / "snapshot")
    cache = DataStore(folder / "cache", "cache")
    DataStore(folder / "snapshot", "snapshot").copy_to(cache, ["tic_table5", "fred_GS10"])
    monkeypatch.setenv("TLRISK_DATA_DIR", str(folder))
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(folder / "cache"))
    return folder


def tamper(store_root: Path, change) -> None:
    path = store_root / "manifest.json"
    data = json.loads(path.read_text())
    data = change(data) or data
    path.write_text(json.dumps(data))


def part(data, key="tic_table5", name="holdings"):
    return data["sources"][key]["parts"][name]


TAMPERED = {
    "sources is a list": lambda d: {"sources": []},
    "not an object": lambda d: [1, 2],
    "a missing field": lambda d: d["sources"]["tic_table5"].pop("raw_sha256") and None,
    "a number as text": lambda d: part(d).update(rows="12"),
    "a month that does not exist": lambda d: d["sources"]["tic_table5"].update(last_observation="2026-13"),
    "a date that is not a date": lambda d: d["sources"]["fred_GS10"].update(last_observation="yesterday"),
    "a checksum that is not one": lambda d: part(d).update(sha256="abc"),
    "an unknown part": lambda d: d["sources"]["tic_table5"]["parts"].update(extra=part(d)),
    "a key that does not match": lambda d: d["sources"]["tic_table5"].update(key="tic_other"),
    "an absolute path": lambda d: part(d).update(file="/etc/passwd"),
    "a path up and out": lambda d: part(d).update(file="../victim.txt"),
    "a sub-folder": lambda d: part(d).update(file="raw/victim.txt"),
}


@pytest.mark.parametrize("change", list(TAMPERED), ids=list(TAMPERED))
def test_tampered_cache_manifest_is_ignored(data_dir, change):
    cache, snapshot = DataStore(data_dir / "cache", "cache"), DataStore(data_dir / "snapshot", "snapshot")
    tamper(cache.root, TAMPERED[change])
    with pytest.raises(CorruptStoreFile, match="manifest"):
        cache.manifest()
    bundle = load_bundle(cache, snapshot, specs=[s for s in source_catalog() if s.key in ("tic_table5", "fred_GS10")])
    assert {k: s.origin for k, s in bundle.sources.items()} == {"tic_table5": "snapshot", "fred_GS10": "snapshot"}
    assert any("manifest" in w and "ignoring the cache" in w for w in bundle.warnings), bundle.warnings
    rows, warnings = status_report(cache, snapshot)
    assert {r["origin"] for r in rows} <= {"snapshot", "missing"}
    assert any("ignoring the cache" in w for w in warnings)


def test_a_part_file_outside_the_store_is_never_deleted(data_dir, tmp_path):
    """A pull rewriting a source whose manifest entry names a file elsewhere."""
    victim = data_dir / "victim.txt"
    victim.write_text("not the tool's")
    cache = DataStore(data_dir / "cache", "cache")
    entry, frames = cache.manifest()["tic_table5"], cache.read("tic_table5")
    tamper(cache.root, lambda d: part(d).update(file="../victim.txt"))
    cache.write(entry, frames)  # the tampered manifest is not trusted, so nothing it names is deleted
    assert victim.read_text() == "not the tool's"
    assert cache.read("tic_table5")["holdings"].equals(frames["holdings"])


def test_a_symlink_out_of_the_store_is_refused(data_dir):
    cache = DataStore(data_dir / "cache", "cache")
    name = part(json.loads((cache.root / "manifest.json").read_text()))["file"]
    (cache.root / name).unlink()
    (cache.root / name).symlink_to(data_dir / "elsewhere.csv.gz")
    with pytest.raises(CorruptStoreFile, match="is not a file inside"):
        cache.manifest()


def test_data_snapshot_never_deletes_outside_the_snapshot(data_dir, capsys):
    victim = data_dir / "victim.txt"
    victim.write_text("not the tool's")
    tamper(data_dir / "snapshot", lambda d: part(d).update(file="../victim.txt"))
    assert main(["data", "snapshot", "--source", "tic_table5"]) == 0
    assert victim.read_text() == "not the tool's"
    DataStore(data_dir / "snapshot", "snapshot").read("tic_table5")


@pytest.mark.parametrize("command", [["data", "status"], ["validate", "scenarios/japan_pause.toml"]])
def test_commands_go_on_with_the_snapshot(data_dir, capsys, command):
    tamper(data_dir / "cache", TAMPERED["sources is a list"])
    assert main(command) == 0
    err = capsys.readouterr().err
    assert "invalid manifest" in err and "ignoring the cache" in err and "internal error" not in err


def test_status_verifies_checksums(data_dir, capsys):
    cache = DataStore(data_dir / "cache", "cache")
    name = part(json.loads((cache.root / "manifest.json").read_text()))["file"]
    (cache.root / name).write_bytes(b"garbage")
    assert main(["data", "status", "--json"]) == 0
    captured = capsys.readouterr()
    rows = {r["source"]: r for r in json.loads(captured.out)["sources"]}
    assert rows["tic_table5"]["origin"] == "snapshot"  # what loading will use
    assert rows["fred_GS10"]["origin"] == "cache"
    assert "does not match its checksum" in captured.err


def test_status_fails_when_the_data_are_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TLRISK_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(tmp_path / "empty" / "cache"))
    assert main(["data", "status"]) == 1
    captured = capsys.readouterr()
    assert "tic_mfhhis" in captured.out and "missing" in captured.out  # the table still says what is there
    assert captured.err.strip().splitlines()[-1].startswith("error: no data for tic_mfhhis")


def test_the_manifest_record_validates_every_field_of_an_entry():
    """An entry is written from ``ManifestEntry`` and read back through ``_EntryRecord`` (which
    drops unknown keys): a field added to one and not the other would vanish on every read."""
    from model.sources.store import ManifestEntry, _EntryRecord

    assert set(_EntryRecord.model_fields) == set(ManifestEntry.__dataclass_fields__)
