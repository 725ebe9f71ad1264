"""The PDF: the document model typeset by Typst (``model/report_templates/report.typ``).

Typst runs in-process from its Python wheel (no system library): the template, the document
as JSON and the SVG figures are handed over as in-memory files, the fonts are the DejaVu fonts
matplotlib ships (the charts' own font) and Typst's embedded ones, never the system's, and the
creation date is the document's fixed date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

from model.report.document import Document


def font_dir() -> str:
    """matplotlib's DejaVu fonts (the charts' font, also the PDF's sans-serif)."""
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")


def typst_files(doc: Document, figures: Path) -> dict[str, bytes]:
    """What Typst reads: the template, the document and every figure it places."""
    template = resources.files("model").joinpath("report_templates/report.typ").read_bytes()
    data = doc.to_data()
    files = {"main.typ": template, "document.json": json.dumps(data, ensure_ascii=False).encode("utf-8")}
    for key in _figure_keys(data):
        files[f"figures/{key}.svg"] = (figures / f"{key}.svg").read_bytes()
    return files


def _figure_keys(value) -> list[str]:
    if isinstance(value, dict):
        if value.get("type") == "figure":
            return [value["key"]]
        return [k for v in value.values() for k in _figure_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _figure_keys(v)]
    return []


def write_pdf(doc: Document, figures: Path, target: Path, date: dt.datetime) -> None:
    """Typeset ``doc`` into ``target`` (the figures read from the folder ``figures``)."""
    import typst

    pdf = typst.compile(typst_files(doc, figures), font_paths=[font_dir()], ignore_system_fonts=True,
                        timestamp=date)
    target.write_bytes(pdf)
