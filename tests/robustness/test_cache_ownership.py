"""The tool's caches (estimates, priced results, figures) own only what they wrote and never
serve a damaged entry: foreign folders are refused, cleaning touches only the tool's entries and
never follows a symbolic link, and any changed byte, swapped entry or link inside an entry is
detected, reported in one line and recomputed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from model.errors import InputError
from model.memo import MARKER, MARKER_TEMP, CacheFolder, _entry_bytes, memo, memo_many

KEY = "a" * 64
OTHER = "b" * 64


def _foreign(folder: Path) -> dict[str, bytes]:
    """Someone else's files: plain files, a sub-folder, a file named like a temporary entry."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": b"mine", "data.json": b"{}", "sub/deep.csv": b"1,2", ".hidden": b"x"}
    for rel, body in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(body)
    return files


def _intact(folder: Path, files: dict[str, bytes]) -> bool:
    return all((folder / rel).read_bytes() == body for rel, body in files.items())


def test_a_folder_holding_foreign_files_is_refused_and_kept(tmp_path):
    files = _foreign(tmp_path / "est")
    with pytest.raises(InputError, match=r"TLRISK_ESTIMATES_DIR=.*est: holds 4 file\(s\) the tool did not write"):
        CacheFolder(tmp_path / "est", "estimation", "TLRISK_ESTIMATES_DIR").open()
    CacheFolder(tmp_path / "est", "estimation").prune(keep=0)  # cleaning a folder that is not ours: nothing
    assert _intact(tmp_path / "est", files) and not (tmp_path / "est" / MARKER).exists()


def test_new_and_earlier_folders_become_caches(tmp_path):
    CacheFolder(tmp_path / "new", "results").open()
    assert (tmp_path / "new" / MARKER).is_file()
    earlier = tmp_path / "earlier"  # an earlier version's entries, no marker
    earlier.mkdir()
    (earlier / f"{KEY}.json").write_text("{}")
    (earlier / f".{KEY[:12]}.tmpxyz").mkdir()
    CacheFolder(earlier, "results").open()
    assert (earlier / MARKER).is_file()


def test_a_folder_another_run_is_making_a_cache_is_not_foreign(tmp_path):
    """Two runs opening one new folder at once: the second sees the first's marker half-written
    (its temporary name) and must use the folder, not refuse it."""
    from model.files import atomic_write_text

    folder = tmp_path / "new"
    folder.mkdir()
    (folder / f".{MARKER}.k3x_9abc.tmp").write_text("{")  # the first run, mid-write
    CacheFolder(folder, "results", "TLRISK_CACHE_DIR").open()
    assert (folder / MARKER).is_file()
    seen = []  # the name the writer really gives the marker mid-write is one the check accepts
    real_replace = os.replace
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", lambda a, b: (seen.append(Path(a).name), real_replace(a, b))[1])
        atomic_write_text(tmp_path / "probe" / MARKER, "{}")
    assert len(seen) == 1 and MARKER_TEMP.match(seen[0]), seen
    (folder / "notes.tmp").write_text("mine")  # but a user's file is still foreign
    (folder / MARKER).unlink()
    with pytest.raises(InputError, match=r"holds 1 file\(s\) the tool did not write \(notes.tmp\)"):
        CacheFolder(folder, "results", "TLRISK_CACHE_DIR").open()


def test_cleaning_removes_only_the_tools_entries_and_never_follows_links(tmp_path):
    folder = CacheFolder(tmp_path / "c", "figure").open().root
    outside = tmp_path / "outside"
    precious = _foreign(outside)
    for i, name in enumerate([KEY, OTHER, "c" * 64]):
        (folder / name).mkdir()
        (folder / name / "meta.json").write_text("{}")
        os.utime(folder / name, (time.time() - 100 + i, time.time() - 100 + i))
    (folder / ("d" * 64)).symlink_to(outside, target_is_directory=True)  # named like an entry, a link
    (folder / "README").write_text("added by a user later")  # foreign, arrived after the marker
    stale = folder / f".{KEY[:12]}.killed"
    stale.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    CacheFolder(folder, "figure").prune(keep=1)
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([MARKER, "c" * 64, "d" * 64, "README"])
    assert _intact(outside, precious)


def test_no_cache_runs_leave_a_foreign_estimates_folder_alone(tmp_path, monkeypatch, capsys):
    from model.cli import main

    files = _foreign(tmp_path / "est")
    monkeypatch.setenv("TLRISK_ESTIMATES_DIR", str(tmp_path / "est"))
    assert main(["fit", "--json", "--no-cache", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["fit", "--json", "--no-progress"]) == 2  # with the cache: refused, one line
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds 4 file(s) the tool did not write" in err[0]
    assert _intact(tmp_path / "est", files) and sorted(p.name for p in (tmp_path / "est").iterdir()) == [
        ".hidden", "data.json", "notes.txt", "sub"]


def _memo(folder: Path, key: str, value, warnings: list[str]):
    return memo(folder, key, lambda: value, lambda v: v, lambda c: c, warn=warnings.append)


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "swap entries", "edit and keep the checksum",
                                    "a link to another file", "NaN inside", "a folder"])
def test_a_damaged_result_entry_is_reported_and_recomputed(tmp_path, damage):
    folder = CacheFolder(tmp_path / "r", "results").open().root
    warnings: list[str] = []
    assert _memo(folder, KEY, {"horizon_months": 60, "x": [1.5, 2.5]}, warnings) == (
        {"horizon_months": 60, "x": [1.5, 2.5]}, False)
    _memo(folder, OTHER, {"horizon_months": 24, "x": [9.0]}, warnings)
    path, other = folder / f"{KEY}.json", folder / f"{OTHER}.json"
    assert _memo(folder, KEY, "unused", warnings) == ({"horizon_months": 60, "x": [1.5, 2.5]}, True)
    raw = path.read_bytes()
    if damage == "flip a byte":
        path.write_bytes(raw[:-3] + bytes([raw[-3] ^ 0x01]) + raw[-2:])
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "swap entries":
        path.write_bytes(other.read_bytes())
    elif damage == "edit and keep the checksum":
        head, _, body = raw.partition(b"\n")
        path.write_bytes(head + b"\n" + body.replace(b"60", b"61"))
    elif damage == "a link to another file":
        path.unlink()
        path.symlink_to(other)
    elif damage == "NaN inside":
        path.write_bytes(_entry_bytes(KEY, {"horizon_months": 60, "x": [1.5, 2.5]}).replace(b"1.5", b"NaN"))
    elif damage == "a folder":
        path.unlink()
        path.mkdir()
    warnings.clear()
    value, hit = _memo(folder, KEY, {"horizon_months": 60, "x": [1.5, 2.5]}, warnings)
    assert (value, hit) == ({"horizon_months": 60, "x": [1.5, 2.5]}, False)
    assert len(warnings) == 1 and warnings[0].startswith(f"results cache: entry {KEY[:12]} is damaged")
    assert not path.is_symlink() and _memo(folder, KEY, "unused", []) == (value, True)  # stored again
    assert json.loads(other.read_bytes().partition(b"\n")[2]) == {"horizon_months": 24, "x": [9.0]}  # untouched


def test_several_results_at_once_compute_only_the_missing_and_damaged_ones_together(tmp_path):
    folder = CacheFolder(tmp_path / "r", "results").open().root
    keys = [f"{i:064x}" for i in range(1, 5)]
    calls: list[list[int]] = []

    def compute(missing: list[int]) -> list[dict]:
        calls.append(list(missing))
        return [{"value": 10 * i} for i in missing]

    assert memo_many(folder, keys[:2], compute, lambda v: v, lambda c: c) == ([{"value": 0}, {"value": 10}],
                                                                            [False, False])
    (folder / f"{keys[1]}.json").write_bytes(b"damaged")
    warnings: list[str] = []
    values, hits = memo_many(folder, keys, compute, lambda v: v, lambda c: c, warn=warnings.append)
    assert values == [{"value": 10 * i} for i in range(4)] and hits == [True, False, False, False]
    assert calls == [[0, 1], [1, 2, 3]]  # one call for every value not read back, in order
    assert len(warnings) == 1 and "is damaged" in warnings[0]
    with pytest.raises(ValueError, match="1 values computed for 2 keys"):
        memo_many(None, keys[:2], lambda missing: [{}], lambda v: v, lambda c: c)
