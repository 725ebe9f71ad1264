"""The report's output folder: ownership (a marker lists what the report wrote), the swap of a
finished report into place, and recovery after a run killed midway."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from model.errors import InputError, OutputError

MAX_NAME_BYTES = 255  # the longest file name most file systems allow
MARKER = ".tlrisk-report.json"  # in every folder the report writes: what it owns
WRITTEN_BY = "tlrisk report"
_REPORT_FILES = {"report.html", "report.pdf", "results.json", "figures", "tables"}


def _read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and data.get("written_by") == WRITTEN_BY and isinstance(data.get("files"), list)
    return data if ok else None


def _files_in(folder: Path) -> list[str]:
    """Every file and link under ``folder`` (relative, POSIX), the marker excepted."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or path.is_file() or (path.is_dir() and not any(path.iterdir())):
            rel = path.relative_to(folder).as_posix()
            if rel != MARKER:
                out.append(rel)
    return out


def _report_files_only(folder: Path) -> bool:
    """Nothing in ``folder`` but what the report writes (the figures being PNG and SVG files,
    the tables CSV files)."""
    entries = list(folder.iterdir())
    if not {p.name for p in entries} <= _REPORT_FILES or any(p.is_symlink() for p in entries):
        return False
    for sub, suffixes in (("figures", (".png", ".svg")), ("tables", (".csv",))):
        path = folder / sub
        if path.exists() and not (path.is_dir() and all(
                p.is_file() and not p.is_symlink() and p.suffix in suffixes for p in path.iterdir())):
            return False
    return True


def _earlier_report(folder: Path) -> bool:
    """A folder written by a version of the tool that kept no marker: the report's own files only."""
    if not _report_files_only(folder):
        return False
    try:
        payload = json.loads((folder / "results.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(payload, dict) and {"report", "headline"} <= set(payload)


def check_output_folder(out_dir: Path) -> Path:
    """Refuse an output folder the report may not replace, before any work is done.

    The report replaces the whole folder, so it must be new, empty, or written by the report
    itself (its marker lists every file it wrote) and hold nothing else; and it must be
    writable.

    Returns
    -------
    Path
        The folder, resolved.

    Raises
    ------
    InputError
        For a file, or a folder holding files the report did not write (exit 2).
    OutputError
        When the folder or the one it would be created in cannot be written (exit 1).
    """
    longest = MAX_NAME_BYTES - len(".new.12345678.") - 1
    if len(Path(out_dir).name.encode()) > longest:
        raise InputError(f"the folder name is {len(Path(out_dir).name.encode())} bytes long; the report writes "
                         f"temporary folders beside it named after it, so at most {longest} bytes", Path(out_dir).name[:40] + "...")
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.exists() or out_dir.is_symlink():
        if not out_dir.is_dir():
            raise InputError("exists and is not a folder; choose a folder for --out", out_dir)
        entries = list(out_dir.iterdir())
        if entries:
            marker = _read_marker(out_dir)
            if marker is not None:
                foreign = [f for f in _files_in(out_dir) if f not in set(marker["files"])]
                if foreign:
                    raise InputError(
                        f"holds {len(foreign)} file(s) the report did not write ({', '.join(foreign[:3])}); the "
                        "report replaces the whole folder: move them, or choose another --out", out_dir)
            elif not _earlier_report(out_dir):
                raise InputError("is not empty and was not written by 'tlrisk report'; the report replaces the "
                                 "whole folder: choose a new or empty folder for --out", out_dir)
    _check_writable(out_dir)
    return out_dir


def _check_writable(out_dir: Path) -> None:
    """The swap writes a sibling folder and renames: the parent (or the nearest folder that
    exists above it) must be writable, and so must the output folder itself."""
    existing = out_dir.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    for folder in (existing, out_dir) if out_dir.exists() else (existing,):
        if not folder.is_dir():
            raise OutputError(f"cannot write the report to {out_dir}: {folder} is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write the report to {out_dir}: {folder} is not writable")
    try:  # a read-only file system refuses even root
        probe = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.probe.", dir=existing))
        probe.rmdir()
    except OSError as exc:
        raise OutputError(f"cannot write the report to {out_dir}: {existing}: {exc.strerror}") from None


def _sibling_pattern(out_dir: Path) -> re.Pattern[str]:
    """Names of the temporary folders the report makes beside ``out_dir`` (``tempfile`` suffixes)."""
    return re.compile(rf"^\.{re.escape(out_dir.name)}\.(new|old|probe)\.[a-z0-9_]{{8}}$")


def _remove_owned(folder: Path) -> None:
    """Delete a folder the report made, its marker last (so that a crash midway leaves a folder
    that is still recognised, and removed, next time). A folder without the marker is only
    removed if it is empty; anything else is left alone."""
    if not (folder / MARKER).is_file() and any(folder.iterdir()):
        return
    if (folder / MARKER).is_file():
        for child in folder.iterdir():
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        (folder / MARKER).unlink()
    folder.rmdir()


def _rendering_elsewhere(folder: Path) -> bool:
    """True for the temporary folder of a report that another live process is rendering."""
    marker = _read_marker(folder)
    pid = marker.get("pid") if marker and not marker.get("complete") else None
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, owned by someone else
        return True
    return True


def recover_output(out_dir: Path) -> list[str]:
    """Repair what a killed run left beside ``out_dir``; call with the output lock held.

    A run killed between the two renames of the swap leaves no ``out_dir`` and the previous
    report in ``.NAME.old.*``: it is moved back. Temporary folders of killed runs
    (``.NAME.new.*``, leftover ``.NAME.old.*``) are removed; only folders that carry the
    report's marker, or are empty, are touched, and not one another live report is still
    rendering into (its marker names its process).

    Returns
    -------
    list of str
        What was done, one line each (for the terminal).
    """
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    pattern = _sibling_pattern(out_dir)
    found = [p for p in out_dir.parent.iterdir()
             if pattern.match(p.name) and p.is_dir() and not p.is_symlink()]
    done = []
    if not out_dir.exists():  # a previous report moved aside by an earlier version (no marker)
        for folder in found:
            if ".old." in folder.name and _read_marker(folder) is None and _earlier_report(folder):
                _write_marker(folder, complete=True)
    olds = sorted((p for p in found if ".old." in p.name and _read_marker(p) is not None),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    if olds and not out_dir.exists():
        os.replace(olds[0], out_dir)
        done.append(f"restored the previous report in {out_dir} (a run was interrupted while replacing it)")
        found.remove(olds[0])
    for folder in found:
        if _rendering_elsewhere(folder):
            continue
        if (folder / MARKER).is_file() or not any(folder.iterdir()):
            _remove_owned(folder)
            done.append(f"removed {folder.name}, left by an interrupted run")
    return done


@contextlib.contextmanager
def output_lock(out_dir: Path, timeout_s: float = 600.0):
    """One report at a time repairs or swaps beside ``out_dir``: an advisory lock on the
    folder that holds it (no lock file is left behind), held for moments, not while a report
    renders. Other runs wait up to ``timeout_s``."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    fd = os.open(out_dir.parent, os.O_RDONLY)
    try:
        give_up = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > give_up:
                    raise OutputError(f"another report has held {out_dir.parent} for {timeout_s:g}s; "
                                      "try again later") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_marker(folder: Path, complete: bool, stale: list[str] | None = None) -> None:
    """The ownership marker: while rendering it names the process (so that no other run
    removes the folder); complete, it lists every file (and is the same on every rerun) and
    the files older than the run (``stale``: a preview keeps the last full run's PDF)."""
    body: dict = {"written_by": WRITTEN_BY, "complete": complete,
                  "about": "This folder was written by 'tlrisk report', which replaces it whole on the next run.",
                  "files": _files_in(folder) if complete else []}
    if stale:
        body["older_than_this_run"] = stale
    if not complete:
        body["pid"] = os.getpid()
    (folder / MARKER).write_text(json.dumps(body, indent=2) + "\n", "utf-8")


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new``: the old folder is moved aside first, removed last.

    Killed between the renames, the previous report waits in ``.NAME.old.*`` for
    :func:`recover_output`; killed while the old folder is removed, its remains are removed
    next time.
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        old.rmdir()
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        _remove_owned(old)
