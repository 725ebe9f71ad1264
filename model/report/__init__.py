"""The report: one self-contained HTML file, the same content as a paginated PDF, the figures
as PNG and SVG, and ``results.json`` with every number in the report.

``write_report`` renders into a temporary folder beside the output folder and swaps it in only
when everything has been written, so a failed run leaves the previous report intact. Reruns on
the same inputs give byte-identical files (fixed metadata dates from ``SOURCE_DATE_EPOCH``,
deterministic figure files, no timestamps in the body except the data vintage).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from model import paths
from model.errors import InputError, OutputError
from model.estimate import EstimationResults
from model.events import EventStudy
from model.numbers import MINUS, number
from model.panel import Panel
from model.report import figures as F
from model.report.content import changes, data_vintage, results_payload, write_tables
from model.report.render import FigureJob, figure_jobs, render_html
from model.report.story import ScenarioSet
from model.response import ResponseModel
from model.scenarios import ExplorerGrid
from model.sources.bundle import DataBundle

__all__ = ["ReportInputs", "ScenarioSet", "band", "changes", "check_output_folder", "data_vintage", "draw_figures",
           "figure_jobs", "figure_workers", "fmt",
           "git_commit", "middle", "render_html", "results_payload", "source_date", "write_pdf", "write_report"]

DEFAULT_EPOCH = 1767225600  # 2026-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set


@dataclass
class ReportInputs:
    """Everything the report shows, computed by the pipeline before rendering."""

    bundle: DataBundle
    panel: Panel
    results: EstimationResults
    response: ResponseModel
    holder_labels: dict[str, str]
    scenarios: list[ScenarioSet]
    explorer: ExplorerGrid  # sales by a few holders, sizes and lengths (the explorer and the heatmaps)
    lead: str  # the scenario the report leads with (story.choose_lead)
    sweep_holder: str  # the holder the sensitivity heatmaps follow
    episodes: list  # EpisodeResult
    commit: str
    scenarios_dir: str
    events: EventStudy | None = None  # Japan's intervention days (tlrisk events)
    lead_reason: str = ""  # why the lead scenario leads (story.lead_reason)


# ---------------------------------------------------------------------------------------------
# Small formatting helpers (also used by the tests to find numbers in the HTML)
# ---------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1, sign: bool = True) -> str:
    """A number for the report: thousands separators, a true minus sign, no '-0.0' (and no
    sign on zero)."""
    return number(None if value is None or pd.isna(value) else float(value), digits, sign=sign, minus=MINUS)


def band(d: dict | None, digits: int = 1) -> str:
    """``median [p05, p95]`` for draws, ``central [low, high]`` for a range; "n/a" for None."""
    if d is None:
        return "n/a"
    if "median" in d:
        return f"{fmt(d['median'], digits)} [{fmt(d['p05'], digits)}, {fmt(d['p95'], digits)}]"
    return f"{fmt(d['central'], digits)} [{fmt(d['low'], digits)}, {fmt(d['high'], digits)}]"


def middle(d: dict | None) -> float | None:
    """The middle of a band (median or central)."""
    if d is None:
        return None
    return d.get("median", d.get("central"))


def git_commit(root: Path) -> str:
    """Short commit of the checkout (with '+local changes' if the tree is dirty), or 'unknown'."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return head + (" +local changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def source_date() -> dt.datetime:
    """The fixed document date: ``SOURCE_DATE_EPOCH`` or 2026-01-01.

    Raises
    ------
    InputError
        When ``SOURCE_DATE_EPOCH`` is not a time in seconds since 1970 (up to the year 9999).
    """
    text = os.environ.get("SOURCE_DATE_EPOCH") or str(DEFAULT_EPOCH)
    try:
        return dt.datetime.fromtimestamp(int(text), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"environment variable SOURCE_DATE_EPOCH='{text}' is not a time in seconds "
                         "since 1970") from None


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _draw(job: FigureJob, folder: Path, cache: Path | None) -> dict:
    """Draw one figure (or take it from the figure cache when its inputs are unchanged) and
    return what the templates need. Any damage to a cache entry means drawing again."""
    entry = cache / job.digest if cache is not None else None
    meta = _cached_figure(entry, folder) if entry is not None else None
    if meta is None:
        figure = job.draw()
        files = F.save(figure, folder)
        meta = {"key": figure.key, "title": figure.title, "caption": figure.caption, "source": figure.source,
                "png": files["png"], "svg": files["svg"], "cached": False}
        if entry is not None:
            with contextlib.suppress(OSError):
                _store_figure(entry, folder, meta)
    png = (folder / meta["png"]).read_bytes()
    svg = (folder / meta["svg"]).read_text("utf-8")
    return {"key": meta["key"], "title": meta["title"], "caption": meta["caption"], "source": meta["source"],
            "pdf_src": "data:image/png;base64," + base64.b64encode(png).decode(),
            "svg_inline": F.inline_svg(svg, f"f-{meta['key']}", meta["title"]),
            "png": f"figures/{meta['png']}", "svg": f"figures/{meta['svg']}", "cached": meta["cached"]}


_FIGURE_FIELDS = ("key", "title", "caption", "source", "png", "svg")


def _cached_figure(entry: Path, folder: Path) -> dict | None:
    """A cached figure's files copied into ``folder`` and its metadata; None where the entry is
    missing or damaged in any way (then the figure is drawn again and the entry replaced)."""
    try:
        meta = json.loads((entry / "meta.json").read_text("utf-8"))
        if not (isinstance(meta, dict) and all(isinstance(meta.get(k), str) for k in _FIGURE_FIELDS)):
            return None
        for name in (meta["png"], meta["svg"]):
            if Path(name).name != name:
                return None  # only plain file names, inside the entry
            shutil.copyfile(entry / name, folder / name)
        os.utime(entry)  # recently used: kept by the pruning
    except (OSError, ValueError):
        return None
    return {**{k: meta[k] for k in _FIGURE_FIELDS}, "cached": True}


def _store_figure(entry: Path, folder: Path, meta: dict) -> None:
    """Put a drawn figure into the cache: a temporary folder renamed into place, so a reader
    sees a whole entry or none."""
    from model.memo import replace_dir

    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name[:12]}.", dir=entry.parent))
    try:
        for name in (meta["png"], meta["svg"]):
            shutil.copyfile(folder / name, tmp / name)
        (tmp / "meta.json").write_text(json.dumps({k: meta[k] for k in _FIGURE_FIELDS}), "utf-8")
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, entry)


def report_base_digest(bundle: DataBundle) -> str:
    """What every figure depends on (:func:`model.memo.inputs_digest`): the code, every settings
    file in effect, the curated data and every processed data part in use."""
    from model.config import config_path
    from model.memo import inputs_digest

    files = {path.name: config_path(path.name)
             for path in Path(str(resources.files("model") / "config")).glob("*.toml")}
    curated = paths.curated_dir()
    files |= {f"curated/{path.name}": path for path in (curated.glob("*") if curated.is_dir() else []) if path.is_file()}
    return inputs_digest(bundle.part_digests(), files)


def figure_workers() -> int:
    """Worker processes for drawing figures (``TLRISK_WORKERS``, see :func:`model.workers.cpu_workers`)."""
    from model.workers import cpu_workers

    return cpu_workers(4)


def draw_figures(inputs: ReportInputs, folder: Path, cache: Path | None = None, base: str | None = None) -> list[dict]:
    """Draw and save every figure (PNG and SVG), in worker processes where the system forks
    cheaply (``TLRISK_WORKERS``, default: the number of CPUs, at most 4). With a ``cache``
    folder, a figure whose inputs did not change since an earlier run is copied from there
    instead of drawn again (the files are identical: drawing is deterministic). ``base`` is
    :func:`report_base_digest` of the inputs' data, when the caller has it already."""
    from model.memo import prune
    from model.workers import map_forked

    if cache is not None and base is None:
        base = report_base_digest(inputs.bundle)
    jobs = figure_jobs(inputs, base if cache is not None else "")
    folder.mkdir(parents=True, exist_ok=True)
    to_draw = sum(1 for job in jobs if cache is None or not (cache / job.digest / "meta.json").exists())
    meta = map_forked(lambda i: _draw(jobs[i], folder, cache), len(jobs), figure_workers() if to_draw > 1 else 1)
    prune(cache, keep=3 * len(jobs))
    return meta


def write_pdf(html: str, base: Path, target: Path) -> None:
    from weasyprint import HTML

    digest = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    HTML(string=html, base_url=str(base)).write_pdf(str(target), pdf_identifier=digest, uncompressed_pdf=False)


# ---------------------------------------------------------------------------------------------
# The output folder: ownership, the swap, recovery after a crash
# ---------------------------------------------------------------------------------------------

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


def _write_marker(folder: Path, complete: bool) -> None:
    """The ownership marker: while rendering it names the process (so that no other run
    removes the folder); complete, it lists every file (and is the same on every rerun)."""
    body: dict = {"written_by": WRITTEN_BY, "complete": complete,
                  "about": "This folder was written by 'tlrisk report', which replaces it whole on the next run.",
                  "files": _files_in(folder) if complete else []}
    if not complete:
        body["pid"] = os.getpid()
    (folder / MARKER).write_text(json.dumps(body, indent=2) + "\n", "utf-8")


def write_report(inputs: ReportInputs, out_dir: Path, notify: Callable[[str], None] | None = None,
                 progress: Callable[[str], None] | None = None, figure_cache: Path | None = None,
                 base_digest: str | None = None, pdf: bool = True) -> dict[str, Path]:
    """Render everything into a temporary folder, then swap it in for ``out_dir``.

    ``out_dir`` must be new, empty or a previous report (see :func:`check_output_folder`).
    A run killed at any point leaves the previous report in place or recoverable by the next
    run (:func:`recover_output`).

    Parameters
    ----------
    inputs : ReportInputs
        What the report shows.
    out_dir : Path
        The output folder.
    notify : callable, optional
        Called with a line for each repair made after an interrupted run.
    progress : callable, optional
        Called with the name of each stage (figures, HTML and PDF).
    figure_cache : Path, optional
        A folder of figures drawn by earlier runs, keyed by their inputs (:func:`draw_figures`).
    base_digest : str, optional
        :func:`report_base_digest` of ``inputs.bundle`` when the caller has it already.
    pdf : bool
        False for a quick preview without ``report.pdf`` (everything else is the same, byte
        for byte).

    Returns
    -------
    dict
        Paths written (``html``, ``pdf`` unless left out, ``json``, ``figures``, ``tables``).
    """
    out_dir = check_output_folder(out_dir)
    with output_lock(out_dir):
        for line in recover_output(out_dir):
            if notify:
                notify(line)
        out_dir = check_output_folder(out_dir)  # the restored folder, checked like any other
        if out_dir.is_dir() and any(out_dir.iterdir()) and _read_marker(out_dir) is None:
            _write_marker(out_dir, complete=True)  # an earlier version's report: adopt it before moving it
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new.", dir=out_dir.parent))
        _write_marker(tmp, complete=False)
    try:
        previous = None
        with contextlib.suppress(OSError, ValueError):
            previous = json.loads((out_dir / "results.json").read_text("utf-8"))
        vintage = data_vintage(inputs.bundle)
        payload = results_payload(inputs, vintage)
        payload["changes"] = change = changes(inputs, previous, payload)
        say = progress or (lambda stage: None)
        say("drawing the figures (PNG for the PDF, SVG with hover values for the HTML)")
        meta = draw_figures(inputs, tmp / "figures", figure_cache, base_digest)
        reused = sum(m["cached"] for m in meta)
        if figure_cache is not None:
            say(f"  {reused} of {len(meta)} figures unchanged since an earlier run (from the figure cache)")
        payload["figures"] = [{k: m[k] for k in ("key", "title", "caption", "source", "png", "svg")} for m in meta]
        payload["tables"] = write_tables(inputs, payload, tmp / "tables")
        say("writing the HTML and the PDF" if pdf else "writing the HTML (no PDF: --no-pdf)")
        html = render_html(inputs, payload, meta, change, for_pdf=False)
        (tmp / "report.html").write_text(html, "utf-8")
        if pdf:
            write_pdf(render_html(inputs, payload, meta, change, for_pdf=True), tmp, tmp / "report.pdf")
        (tmp / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.chmod(tmp, 0o755)
        with output_lock(out_dir):
            check_output_folder(out_dir)  # nothing foreign arrived while the report rendered
            _write_marker(tmp, complete=True)
            _swap(tmp, out_dir)
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_owned(tmp)
        raise
    written = {"html": out_dir / "report.html", "pdf": out_dir / "report.pdf", "json": out_dir / "results.json",
               "figures": out_dir / "figures", "tables": out_dir / "tables"}
    return written if pdf else {k: v for k, v in written.items() if k != "pdf"}


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
