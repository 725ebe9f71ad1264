"""Drawing the report's figures, in worker processes, with the figure cache: a figure whose
inputs did not change since an earlier run is copied from the cache instead of drawn again
(drawing is deterministic, so the files are identical)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from model.report import figures as F
from model.report.inputs import ReportInputs
from model.report.render import FigureJob, figure_jobs


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


def figure_workers() -> int:
    """Worker processes for drawing figures (``TLRISK_WORKERS``, see :func:`model.workers.cpu_workers`)."""
    from model.workers import cpu_workers

    return cpu_workers(4)


def draw_figures(inputs: ReportInputs, folder: Path, cache: Path | None = None, base: str | None = None) -> list[dict]:
    """Draw and save every figure (PNG and SVG), in worker processes where the system forks
    cheaply (``TLRISK_WORKERS``, default: the number of CPUs, at most 4). With a ``cache``
    folder, a figure whose inputs did not change since an earlier run is copied from there
    instead of drawn again (the files are identical: drawing is deterministic). ``base`` is
    the digest of everything the figures depend on (:func:`model.pipeline.inputs_digest`),
    required with a ``cache``."""
    from model.memo import prune
    from model.workers import map_forked

    if cache is not None and base is None:
        raise ValueError("draw_figures: a figure cache needs the inputs' digest (base)")
    jobs = figure_jobs(inputs, base if cache is not None else "")
    folder.mkdir(parents=True, exist_ok=True)
    to_draw = sum(1 for job in jobs if cache is None or not (cache / job.digest / "meta.json").exists())
    meta = map_forked(lambda i: _draw(jobs[i], folder, cache), len(jobs), figure_workers() if to_draw > 1 else 1)
    prune(cache, keep=3 * len(jobs))
    return meta
