"""Drawing the report's figures, in worker processes, with the figure cache: a figure whose
inputs did not change since an earlier run is copied from the cache instead of drawn again
(drawing is deterministic, so the files are identical)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from model.report import figures as F
from model.report.inputs import ReportInputs
from model.report.render import FigureJob, figure_jobs


def _draw(job: FigureJob, folder: Path, cache: Path | None, png: bool = False) -> dict:
    """Draw one figure (or take it from the figure cache when its inputs are unchanged) and
    return what the documents need. Any damage to a cache entry means drawing again (and the
    returned ``damaged`` says why, for a warning)."""
    digest = job.digest + ("-png" if png else "")
    entry = cache / digest if cache is not None else None
    meta, damaged = _cached_figure(entry, folder, digest) if entry is not None else (None, None)
    if meta is None:
        figure = job.draw()
        files = F.save(figure, folder, png=png)
        meta = {"key": figure.key, "title": figure.title, "caption": figure.caption, "source": figure.source,
                "svg": files["svg"], "phone": files["phone"], "png": files["png"] or "", "cached": False}
        if entry is not None:
            with contextlib.suppress(OSError, ValueError):
                _store_figure(entry, folder, meta, digest)
    svg = (folder / meta["svg"]).read_text("utf-8")
    phone = (folder / meta["phone"]).read_text("utf-8")
    return {"key": meta["key"], "title": meta["title"], "caption": meta["caption"], "source": meta["source"],
            "svg_inline": F.inline_svg(svg, f"f-{meta['key']}", meta["title"]),
            "phone_inline": F.inline_svg(phone, f"p-{meta['key']}", meta["title"]),
            "svg": f"figures/{meta['svg']}", "svg_phone": f"figures/{meta['phone']}",
            "png": f"figures/{meta['png']}" if meta["png"] else None, **_size(svg),
            "cached": meta["cached"], "damaged": damaged}


def _size(svg: str) -> dict[str, float]:
    """``aspect`` (height over width) and ``width_pt`` of an SVG file as matplotlib writes it
    (``width="576pt" height="..."``)."""
    m = re.search(r'<svg[^>]*?width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    width, height = (float(m.group(1)), float(m.group(2))) if m else (576.0, 288.0)
    return {"aspect": height / width, "width_pt": width}


_FIGURE_FIELDS = ("key", "title", "caption", "source", "svg", "phone", "png")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}\.(png|svg)$")


def _files(meta: dict) -> list[str]:
    return [meta[k] for k in ("svg", "phone", "png") if meta[k]]


def _cached_figure(entry: Path, folder: Path, digest: str) -> tuple[dict | None, str | None]:
    """A cached figure's files copied into ``folder`` and its metadata, or ``(None, why)``.

    The entry's ``meta.json`` is a verified cache entry (:func:`model.memo.memo`'s format: made
    for this figure's inputs, its checksum intact) naming the two files with their sha256; each
    file must be a regular file (no symbolic link) with that checksum. Anything else: the
    figure is drawn again and the entry replaced.
    """
    from model.memo import _read_entry, remove_entry

    if not (entry.exists() or entry.is_symlink()):
        return None, None
    try:
        if entry.is_symlink() or not entry.is_dir():
            raise ValueError("not a folder")
        meta = _read_entry(entry / "meta.json", digest)
        if not (isinstance(meta, dict) and all(isinstance(meta.get(k), str) for k in _FIGURE_FIELDS)
                and isinstance(meta.get("sha256"), dict)):
            raise ValueError("metadata of the wrong shape")
        for name in _files(meta):
            if not _FILE_NAME.match(name):
                raise ValueError("a file name outside the entry")
            source = entry / name
            if source.is_symlink() or not source.is_file():
                raise ValueError("not a regular file")
            data = source.read_bytes()
            if hashlib.sha256(data).hexdigest() != meta["sha256"].get(name):
                raise ValueError("checksum mismatch")
            (folder / name).write_bytes(data)
        os.utime(entry)  # recently used: kept by the pruning
    except (OSError, ValueError) as exc:
        remove_entry(entry)
        return None, (str(exc) if isinstance(exc, ValueError) else type(exc).__name__)
    return {**{k: meta[k] for k in _FIGURE_FIELDS}, "cached": True}, None


def _store_figure(entry: Path, folder: Path, meta: dict, digest: str) -> None:
    """Put a drawn figure into the cache: a temporary folder renamed into place, so a reader
    sees a whole entry or none."""
    from model.memo import _entry_bytes, replace_dir

    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name[:12]}.", dir=entry.parent))
    try:
        sums = {}
        for name in _files(meta):
            data = (folder / name).read_bytes()
            (tmp / name).write_bytes(data)
            sums[name] = hashlib.sha256(data).hexdigest()
        record = {**{k: meta[k] for k in _FIGURE_FIELDS}, "sha256": sums}
        (tmp / "meta.json").write_bytes(_entry_bytes(digest, record))
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, entry)


def figure_workers() -> int:
    """Worker processes for drawing figures (``TLRISK_WORKERS``, see :func:`model.workers.cpu_workers`)."""
    from model.workers import cpu_workers

    return cpu_workers(4)


def draw_figures(inputs: ReportInputs, folder: Path, cache: Path | None = None, base: str | None = None,
                 png: bool = False) -> list[dict]:
    """Draw and save every figure (SVG, the phone version and, with ``png``, a PNG), in worker processes where the system forks
    cheaply (``TLRISK_WORKERS``, default: the number of CPUs, at most 4). With a ``cache``
    folder, a figure whose inputs did not change since an earlier run is copied from there
    instead of drawn again (the files are identical: drawing is deterministic). ``base`` is
    the digest of everything the figures depend on (:func:`model.pipeline.inputs_digest`),
    required with a ``cache``."""
    drawing = start_figures(inputs, folder, cache, base, png)
    try:
        return drawing.results()
    finally:
        drawing.close()


class FigureDrawing:
    """Figures being drawn (:func:`start_figures`): :meth:`results` waits for their metadata
    and cleans the figure cache; :meth:`close` (always call it) stops the workers."""

    def __init__(self, started, cache: Path | None, count: int) -> None:
        self._started, self._cache, self._count = started, cache, count

    def results(self) -> list[dict]:
        from model.memo import prune

        meta = self._started.results()
        prune(self._cache, keep=3 * self._count)
        return meta

    def close(self) -> None:
        self._started.close()


def start_figures(inputs: ReportInputs, folder: Path, cache: Path | None = None, base: str | None = None,
                  png: bool = False) -> FigureDrawing:
    """:func:`draw_figures` started in worker processes, so the caller can compute other parts
    of the report meanwhile."""
    from model.workers import start_forked

    if cache is not None and base is None:
        raise ValueError("draw_figures: a figure cache needs the inputs' digest (base)")
    jobs = figure_jobs(inputs, base if cache is not None else "")
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-png" if png else ""
    to_draw = sum(1 for job in jobs if cache is None or not (cache / (job.digest + suffix) / "meta.json").exists())
    started = start_forked(lambda i: _draw(jobs[i], folder, cache, png), len(jobs),
                           figure_workers() if to_draw > 1 else 1)
    return FigureDrawing(started, cache, len(jobs))
