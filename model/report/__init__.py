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
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.estimate import EstimationResults
from model.events import EventStudy
from model.panel import Panel
from model.report import figures as F
from model.report.content import changes, data_vintage, results_payload, write_tables
from model.report.render import figure_jobs, render_html
from model.report.story import ScenarioSet
from model.response import ResponseModel
from model.scenarios import ExplorerGrid
from model.sources.bundle import DataBundle

__all__ = ["ReportInputs", "ScenarioSet", "band", "changes", "data_vintage", "draw_figures", "figure_jobs", "fmt",
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
    """A number for the report: thousands separators, a true minus sign, no '-0.0'."""
    if value is None or pd.isna(value):
        return "n/a"
    if abs(value) < 0.5 * 10 ** -digits:
        value = 0.0
    text = f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"
    return text.replace("-", "\u2212")


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
    """The fixed document date: ``SOURCE_DATE_EPOCH`` or 2026-01-01."""
    try:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    except ValueError:
        epoch = DEFAULT_EPOCH
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


_JOBS: list[Callable[[], F.Figure]] = []  # handed to forked workers


def _draw(index: int, folder: str) -> dict:
    figure = _JOBS[index]()
    files = F.save(figure, Path(folder))
    png = (Path(folder) / files["png"]).read_bytes()
    svg = (Path(folder) / files["svg"]).read_text("utf-8")
    return {"key": figure.key, "title": figure.title, "caption": figure.caption, "source": figure.source,
            "pdf_src": "data:image/png;base64," + base64.b64encode(png).decode(),
            "svg_inline": F.inline_svg(svg, f"f-{figure.key}", figure.title),
            "png": f"figures/{files['png']}", "svg": f"figures/{files['svg']}"}


def draw_figures(inputs: ReportInputs, folder: Path) -> list[dict]:
    """Draw and save every figure (PNG and SVG), in worker processes where the system forks
    cheaply (``TLRISK_WORKERS``, default: the number of CPUs, at most 4)."""
    global _JOBS
    _JOBS = figure_jobs(inputs)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        workers = int(os.environ.get("TLRISK_WORKERS") or min(os.cpu_count() or 1, 4))
    except ValueError:
        workers = 1
    try:
        if workers > 1 and sys.platform.startswith("linux"):
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                return list(pool.map(_draw, range(len(_JOBS)), [str(folder)] * len(_JOBS)))
        return [_draw(i, str(folder)) for i in range(len(_JOBS))]
    finally:
        _JOBS = []


def write_pdf(html: str, base: Path, target: Path) -> None:
    from weasyprint import HTML

    digest = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    HTML(string=html, base_url=str(base)).write_pdf(str(target), pdf_identifier=digest, uncompressed_pdf=False)


def write_report(inputs: ReportInputs, out_dir: Path, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Render everything into a temporary folder, then swap it in for ``out_dir``.

    ``progress`` is called with the name of each stage (figures, HTML, PDF, data files).

    Returns
    -------
    dict
        Paths written (``html``, ``pdf``, ``json``, ``figures``, ``tables``).
    """
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    previous = None
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads((out_dir / "results.json").read_text("utf-8"))
    vintage = data_vintage(inputs.bundle)
    payload = results_payload(inputs, vintage)
    payload["changes"] = change = changes(inputs, previous, payload)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        say = progress or (lambda stage: None)
        say(f"drawing {len(figure_jobs(inputs))} figures (PNG for the PDF, SVG with hover values for the HTML)")
        meta = draw_figures(inputs, tmp / "figures")
        payload["figures"] = [{k: m[k] for k in ("key", "title", "caption", "source", "png", "svg")} for m in meta]
        payload["tables"] = write_tables(inputs, payload, tmp / "tables")
        say("writing the HTML and the PDF")
        html = render_html(inputs, payload, meta, change, for_pdf=False)
        (tmp / "report.html").write_text(html, "utf-8")
        write_pdf(render_html(inputs, payload, meta, change, for_pdf=True), tmp, tmp / "report.pdf")
        (tmp / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.chmod(tmp, 0o755)
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"html": out_dir / "report.html", "pdf": out_dir / "report.pdf", "json": out_dir / "results.json",
            "figures": out_dir / "figures", "tables": out_dir / "tables"}


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new``: the old folder is moved aside first, removed last."""
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
        shutil.rmtree(old, ignore_errors=True)
