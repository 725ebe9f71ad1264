"""The report as one document model, built once and rendered twice: as HTML (Jinja,
``model/report_templates/report.html.j2``) and as PDF (Typst, ``report.typ``).

Every sentence and every number of the report is composed here, in Python, from the report's
inputs; the two templates only lay the blocks out (headings, paragraphs, tables, figures,
boxes). A block serialises to a plain dict (:meth:`Document.to_data`), which both templates
read, so the two documents cannot say different things.

Inline text is a list of :class:`Span` (plain, strong, emphasised, a cross-reference, a
warning tone); block types: :class:`Para`, :class:`Bullets`, :class:`Table`, :class:`Figure`,
:class:`Stats`, :class:`Box`, :class:`Terms`, :class:`Explorer`; sections nest and carry
their number ("2", "2.1", "A", "A.1"), the same in the contents, the headings, the PDF's
bookmarks and the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from model.labels import upper_first
from model.numbers import MINUS


@dataclass(frozen=True)
class Span:
    """A run of inline text. ``ref`` names the id of a section, figure or table it links to;
    ``tone`` is "" (plain), "warn", "muted" or "code"."""

    text: str
    strong: bool = False
    em: bool = False
    ref: str | None = None
    tone: str = ""


Inline = str | Span


def spans(*parts: Inline | list | None) -> list[Span]:
    """Inline parts as spans: strings become plain spans, lists are flattened, None dropped;
    neighbouring plain spans are merged."""
    out: list[Span] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, list):
            out.extend(spans(*part))
            continue
        span = Span(part) if isinstance(part, str) else part
        if out and span.text and out[-1] == Span(out[-1].text) and span == Span(span.text):
            out[-1] = Span(out[-1].text + span.text)
        else:
            out.append(span)
    return out


def strong(text: str) -> Span:
    return Span(text, strong=True)


def em(text: str) -> Span:
    return Span(text, em=True)


def ref(text: str, target: str) -> Span:
    return Span(text, ref=target)


def see(target: str) -> Span:
    """A cross-reference to a section whose words ("section 2.1", "appendix D") are filled in
    once every section has its number (:func:`resolve_references`)."""
    return Span("\u00a7", ref=target)


def warn(text: str) -> Span:
    return Span(text, tone="warn")


def code(text: str) -> Span:
    return Span(text, tone="code")


def plain_text(items: list[Span]) -> str:
    return "".join(s.text for s in items)


@dataclass
class Para:
    """A paragraph. ``kind``: "body", "lede" (the opening question), "sentence" (the
    headline), "note" (small print)."""

    text: list[Span]
    kind: str = "body"


@dataclass
class Bullets:
    items: list[list[Span]]
    kind: str = "body"


@dataclass
class Cell:
    """A table cell: its text, a sort key for the HTML's sortable tables (numbers), and
    whether it stays on one line (``nowrap``, for bands) or is a row label (``text``)."""

    text: list[Span]
    sort: float | None = None
    nowrap: bool = False
    text_cell: bool = False
    colspan: int = 1


def cell(value: Inline | list, sort: float | None = None, nowrap: bool = False, text_cell: bool = False,
         colspan: int = 1) -> Cell:
    return Cell(spans(value), None if sort is None else float(f"{float(sort):.6g}"), nowrap, text_cell, colspan)


def text_cell(value: Inline | list, sort: float | None = None, colspan: int = 1) -> Cell:
    return cell(value, sort, text_cell=True, colspan=colspan)


@dataclass
class Column:
    """A column: its heading, left- or right-aligned, and its relative width in the PDF."""

    label: str
    align: str = "right"
    width: float = 1.0


@dataclass
class Table:
    """A table with its id (a link target and the HTML's id), columns, rows (lists of cells,
    or a group heading: a list of one cell spanning every column), the notes printed under it
    and the CSV file that holds it."""

    id: str
    columns: list[Column]
    rows: list[list[Cell]]
    title: str = ""
    notes: list[list[Span]] = field(default_factory=list)
    csv: str | None = None
    sortable: bool = False
    size: str = "normal"  # "normal", "small" (wide tables), "tiny" (the provenance)
    group_rows: list[int] = field(default_factory=list)  # indexes of rows that are group headings


@dataclass
class Figure:
    """A chart: its key (the files ``figures/KEY.svg`` and the phone version), title, caption
    (what it shows, with units) and source, printed once, under the chart, in both documents."""

    key: str
    title: str
    caption: str
    source: str
    brief: bool = False  # in the brief
    width_pct: float = 100.0  # of the text width in the PDF (tall charts narrower)
    float: bool = True  # the PDF may move it to the top or bottom of a page


@dataclass
class Stat:
    label: str
    value: str
    detail: list[Span] = field(default_factory=list)


@dataclass
class Stats:
    items: list[Stat]


@dataclass
class Box:
    """A framed box: "verdict", "warning", "glossary", "note"."""

    kind: str
    title: str
    blocks: list[Any]


@dataclass
class Terms:
    """A glossary: (term, definition) pairs."""

    items: list[tuple[str, list[Span]]]


@dataclass
class Explorer:
    """The HTML's scenario explorer (pick a holder, a sale and a length); the PDF prints
    ``pdf_text`` instead. ``data`` is the grid (results.json's ``explorer``) with the labels and
    message patterns the script fills in."""

    data: dict
    pdf_text: list[Span]
    noscript_text: list[Span] = field(default_factory=list)


@dataclass
class Section:
    id: str
    number: str
    title: str
    level: int
    blocks: list[Any] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass
class Document:
    title: str
    lede: list[Span]
    front: list[Any]  # the first page: the verdict, its numbers, every scenario on one chart
    howto: list[Any]  # how to read the numbers (beside the contents)
    vintage: list[dict]  # per group of sources: {what, text (spans), stale}
    vintage_note: list[Span]
    brief: list[Section]
    appendix_title: str
    appendix: list[Section]
    footer: list[Span]
    meta: dict = field(default_factory=dict)  # commit, date, description

    def sections(self) -> list[Section]:
        """Every section, depth first (brief, then appendix)."""
        out: list[Section] = []

        def walk(items: list[Section]) -> None:
            for s in items:
                out.append(s)
                walk(s.sections)

        walk(self.brief)
        walk(self.appendix)
        return out

    def to_data(self) -> dict:
        """The document as plain data (dicts, lists, strings, numbers), each block with its
        ``type``: what both templates read."""
        return _data(self)


def _data(value: Any) -> Any:
    if isinstance(value, Span):
        return {"text": value.text, "strong": value.strong, "em": value.em, "ref": value.ref, "tone": value.tone}
    if hasattr(value, "__dataclass_fields__"):
        out = {"type": type(value).__name__.lower()}
        for f in fields(value):
            out[f.name] = _data(getattr(value, f.name))
        if isinstance(value, Section):
            out["heading"] = value.heading
        if isinstance(value, Table):
            out["csv_text"] = f"CSV: tables/{value.csv}.csv" if value.csv else None
        return out
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _data(v) for k, v in value.items()}
    return value


# prose from the model (notes, caveats) whose words are the code's or a file's, as a reader says them
_READER_WORDS = [
    (r" \((?:the file's )?pricing\.bills = 'estimated'(?: \('estimated'\))? prices them with their own estimate\)",
     ", unless a scenario file asks for them to be priced with their own estimate"),
    (r"\b[a-z]+\.[a-z]+ = '[a-z]+'", "a setting in the scenario file"),
    (r" \(footnote \d+/\)", ""),  # the Treasury's footnote numbers: the reader has no table to look them up in
    (r"\bfootnote \d+/ of the history table", "the Treasury's notes to the history table"),
    (r" >= ", " \u2265 "),
    (r" <= ", " \u2264 "),
    (r"\b1 ([a-z]+)\(s\)", r"1 \1"),
    (r"\b(\d+) ([a-z]+)\(s\)", r"\1 \2s"),
]


def signs(text: str) -> str:
    """Prose from the model as the reader sees it: number signs set as the true minus sign the
    tables use (a hyphen before a digit or a dollar sign, not one inside a word, a date or a
    range), a scenario-file setting (``pricing.bills = 'estimated'``) said in words, no footnote
    numbers of a table the reader does not have, and plurals by number (``3 months``)."""
    import re

    for pattern, words in _READER_WORDS:
        text = re.sub(pattern, words, text)
    return re.sub(r"(?<![\w.\-\u2212/])-(?=\$?\d)", MINUS, text)


def sentence(text: str) -> str:
    """A note as a sentence: capital first letter, signs typeset, a full stop."""
    text = upper_first(signs(text.strip()))
    return text if text.endswith((".", "?", "!")) else text + "."
