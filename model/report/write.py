"""Writing the report: render everything into a temporary folder beside the output folder and
swap it in only when everything has been written, so a failed run leaves the previous report
intact. Reruns on the same inputs give byte-identical files (fixed metadata dates from
``SOURCE_DATE_EPOCH``, deterministic figure files, no timestamps in the body except the data
vintage)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from model.report.build import build_document
from model.report.content import (
    changes,
    data_vintage,
    document_date,
    previous_run,
    results_payload,
    write_tables,
)
from model.report.document import Document
from model.report.draw import start_figures
from model.report.inputs import ReportInputs
from model.report.output import (
    _read_marker,
    _remove_owned,
    _swap,
    _write_marker,
    check_output_folder,
    output_lock,
    recover_output,
)
from model.report.render import render_html
from model.report.typeset import write_pdf


def write_report(inputs: ReportInputs, out_dir: Path, notify: Callable[[str], None] | None = None,
                 progress: Callable[[str], None] | None = None, figure_cache: Path | None = None,
                 base_digest: str | None = None, pdf: bool = True,
                 warn: Callable[[str], None] | None = None, png: bool = False) -> dict[str, Path]:
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
        The digest of the inputs (:func:`model.pipeline.inputs_digest`), needed with a ``figure_cache``.
    pdf : bool
        False for a quick preview without ``report.pdf`` (everything else is the same, byte
        for byte).
    png : bool
        Also write every figure as PNG, with its title and source drawn in (``--png``).
    warn : callable, optional
        Called with a line for each damaged cache entry replaced, and for a previous
        ``results.json`` that could not be read.

    Returns
    -------
    dict
        Paths written (``html``, ``pdf`` unless left out, ``json``, ``figures``, ``tables``).
    """
    warn = warn or (lambda line: None)
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
        previous, why = previous_run(out_dir / "results.json")
        if why:
            warn(why)
        say = progress or (lambda stage: None)
        say("drawing the figures (SVG with hover values, for the screen and for a phone" + (", and PNG)" if png else ")"))
        # the figures are drawn in worker processes while this one writes the numbers and tables
        drawing = start_figures(inputs, tmp / "figures", figure_cache, base_digest, png=png)
        try:
            vintage = data_vintage(inputs.bundle)
            payload = results_payload(inputs, vintage)
            payload["changes"] = changes(inputs, previous, payload)
            payload["figures"] = []  # filled below: the key keeps its place in results.json
            payload["tables"] = write_tables(inputs, payload, tmp / "tables")
            meta = drawing.results()
        finally:
            drawing.close()
        for m in meta:
            if m["damaged"]:
                warn(f"figure cache: the entry of '{m['key']}' is damaged ({m['damaged']}); drawn again")
        reused = sum(m["cached"] for m in meta)
        if figure_cache is not None:
            say(f"  {reused} of {len(meta)} figures unchanged since an earlier run (from the figure cache)")
        payload["figures"] = [{k: m[k] for k in ("key", "title", "caption", "source", "png", "svg", "svg_phone")}
                              for m in meta]
        doc = build_document(inputs, payload, meta)
        say("writing the HTML and the PDF (Typst)" if pdf else "writing the HTML (no PDF: --no-pdf)")
        _write_documents(doc, payload, meta, tmp, document_date(inputs.bundle), pdf)
        if not pdf and (out_dir / "report.pdf").is_file() and not (out_dir / "report.pdf").is_symlink():
            # a preview keeps the last full run's PDF, with its own (older) time: it is not redone
            shutil.copy2(out_dir / "report.pdf", tmp / "report.pdf")
            if notify:
                notify(f"kept {out_dir / 'report.pdf'} from the last full run: it is older than report.html "
                       "('make report' brings it up to date)")
        os.chmod(tmp, 0o755)
        with output_lock(out_dir):
            check_output_folder(out_dir)  # nothing foreign arrived while the report rendered
            _write_marker(tmp, complete=True, stale=[] if pdf or not (tmp / "report.pdf").exists() else ["report.pdf"])
            _swap(tmp, out_dir)
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_owned(tmp)
        raise
    written = {"html": out_dir / "report.html", "pdf": out_dir / "report.pdf", "json": out_dir / "results.json",
               "figures": out_dir / "figures", "tables": out_dir / "tables"}
    return written if pdf else {k: v for k, v in written.items() if k != "pdf"}


def _write_documents(doc: Document, payload: dict, meta: list[dict], folder: Path, date: dt.datetime,
                     pdf: bool) -> None:
    """report.html and results.json into ``folder``, and with ``pdf`` report.pdf (dated ``date``):
    Typst releases the interpreter while it typesets, so the PDF is made in a thread meanwhile."""
    with ThreadPoolExecutor(max_workers=1) as typesetter:
        typeset = typesetter.submit(write_pdf, doc, folder / "figures", folder / "report.pdf", date) if pdf else None
        (folder / "report.html").write_text(render_html(doc, payload, meta), "utf-8")
        (folder / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        if typeset is not None:
            typeset.result()
