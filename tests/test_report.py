"""The report: built from the scenario files that run (tested on the shipped set and on an odd
set written here), one document model laid out as a self-contained explorable HTML file and a
PDF typeset by Typst (a brief of at most 12 pages, then the appendix), results.json and CSV
tables, byte-identical reruns, an atomic swap that keeps the previous output on failure.

Each report is built once per test session (three in all: the shipped set, and the odd set
twice for the byte-identical check)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from model.cli import main
from model.numbers import MINUS, compact, compact_money
from model.report.render import typeset_signs
from model.scenarios import scenario_files
from model.schema import SCHEMA_VERSION

SECTIONS = ["verdict", "scenarios", "persistence", "sensitivity", "bargain", "holders", "evidence", "glossary",
            "appendix", "scenario-details", "estimation", "response-model", "episodes", "interventions",
            "data-caveats", "changes", "provenance"]


@pytest.fixture(scope="session")
def html(shipped) -> str:
    return (shipped["out"] / "report.html").read_text("utf-8")


@pytest.fixture(scope="session")
def payload(shipped) -> dict:
    return json.loads((shipped["out"] / "results.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def pdf_read(shipped) -> tuple[list[str], list[float]]:
    """Every PDF page's text and how full it is (:func:`page_fill`), read with PDFium (pypdf
    parses every drawing operator of the vector figures to find the text: ten times slower)."""
    import pypdfium2 as pdfium

    texts, fills = [], []
    document = pdfium.PdfDocument(str(shipped["out"] / "report.pdf"))
    try:
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            fills.append(page_fill(textpage, page.get_height()))
    finally:
        document.close()
    return texts, fills


@pytest.fixture(scope="session")
def pdf_pages(pdf_read) -> list[str]:
    return pdf_read[0]


def _unescape(text: str) -> str:
    import html as h

    return h.unescape(text)


def _table(html: str, table_id: str) -> str:
    return re.search(rf'<table id="{table_id}"[^>]*>(.*?)</table>', html, re.S).group(1)


def _bp(band: dict) -> str:
    return compact(band, 1, minus=MINUS)


def _usd(band: dict) -> str:
    return compact_money(band, 0, minus=MINUS)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def test_outputs_exist(shipped, payload):
    out = shipped["out"]
    assert (out / "report.html").stat().st_size > 100_000
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    # every figure as SVG and its phone version; PNG only with --png
    assert not list((out / "figures").glob("*.png"))
    svgs = {p.name for p in (out / "figures").glob("*.svg")}
    assert svgs == {f"figures/{n}"[8:] for f in payload["figures"] for n in (f["svg"][8:], f["svg_phone"][8:])}
    for f in payload["figures"]:
        assert (out / f["svg"]).is_file() and (out / f["svg_phone"]).is_file() and f["png"] is None
    assert payload["schema_version"] == SCHEMA_VERSION
    # every table and path as CSV beside results.json, indexed in results.json
    files = {t["file"] for t in payload["tables"]}
    assert files == {f"tables/{p.name}" for p in (out / "tables").glob("*.csv")}
    for name in payload["scenarios"]:
        assert f"tables/paths_{name}.csv" in files and f"tables/interest_cost_{name}.csv" in files
    assert {"tables/headline.csv", "tables/explorer.csv", "tables/episodes.csv", "tables/posterior.csv",
            "tables/provenance.csv", "tables/literature.csv"} <= files
    with (out / "tables" / "paths_japan_selldown.csv").open() as f:
        rows = list(csv.DictReader(f))
    lasting = payload["scenarios"]["japan_selldown"]["posterior"]["yields_bp"]["10y"][23]
    row = next(r for r in rows if r["response"] == "posterior" and r["maturity"] == "10y" and r["month"] == "24")
    assert float(row["median"]) == pytest.approx(lasting["median"], rel=1e-5)
    assert {t["rows"] for t in payload["tables"]} and all(t["rows"] > 0 for t in payload["tables"] if t["name"] != "revisions")


def test_progress_names_every_stage(shipped):
    stages = [line for line in shipped["stderr"].splitlines() if line.startswith("report [")]
    text = "\n".join(stages)
    files = len(scenario_files(Path(__file__).resolve().parents[1] / "scenarios"))
    # the estimates come from the run's estimation cache (the stages of a fresh estimate are named
    # by `tlrisk fit`, tests/test_interfaces.py)
    for stage in ("loading the data", f"checking {files} scenario file(s)", "estimating",
                  "from the estimation cache (data, settings and code unchanged)", f"pricing {files} scenario(s)",
                  "the scenario explorer", "historical episodes", "drawing", "the PDF", "done"):
        assert stage in text, stage
    assert "wrote" in shipped["stdout"] and "tables" in shipped["stdout"]


def test_html_is_one_self_contained_file(html):
    scripts = re.findall(r"<script\b([^>]*)>", html, re.I)
    assert scripts, "the explorer and the hover values need a small inline script"
    for attributes in scripts:
        assert "src" not in attributes.lower()
        assert attributes.strip() in ("", 'type="application/json" id="explorer-data"')
    assert "<link" not in html.lower() and "<iframe" not in html.lower() and "@import" not in html
    assert not re.search(r"""(src|href|xlink:href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert not re.search(r"\b(fetch|XMLHttpRequest|importScripts|WebSocket)\b", html)
    assert all(src.startswith("data:") for src in re.findall(r'<img[^>]+src="([^"]+)"', html))
    charts = re.findall(r'<svg [^>]*class="chart"', html)
    assert len(charts) >= 30  # every chart twice: for a wide screen and for a phone
    assert html.count('class="chart-wide"') == html.count('class="chart-phone"') >= 15
    assert html.count('class="tip"') > 500  # hover values on every chart
    assert len(re.findall(r'<table id="[^"]+" class="[^"]*sortable', html)) >= 6
    assert 'name="viewport"' in html and "@media print" in html and "@media (max-width: 640px)" in html
    # ids unique across the inlined SVGs
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_html_has_every_section_and_scenario(html, payload):
    for section in SECTIONS:
        assert f'id="{section}"' in html
    for path in scenario_files("scenarios"):
        assert f'id="scenario-{path.stem}"' in html
    moving = [name for name, s in payload["scenarios"].items() if s["posterior"]["holders"]]
    for name in moving:
        assert f'id="fig-fan_{name}"' in html and f'id="fig-maturities_{name}"' in html
    # the baseline changes nothing: no charts of zeros
    assert 'id="fig-fan_baseline"' not in html and "Every deviation is zero by construction" in html
    from model.episodes import episodes_config

    for ep in [*episodes_config().episode, type("E", (), {"key": "largest_6m_sale"})]:
        assert f'id="episode-{ep.key}"' in html and f'id="fig-episode_{ep.key}"' in html


def test_summary_and_headline_come_from_the_scenarios(html, payload):
    """The shipped set: the lead is the largest sale by the largest holder (Japan's sell-down),
    its sentence quotes its own numbers, and every scenario is in the summary table."""
    assert payload["report"]["lead_scenario"] == "japan_selldown"
    sentence = payload["summary"]["sentence"]
    post = payload["scenarios"]["japan_selldown"]["posterior"]
    japan = next(h for h in post["holders"] if h["holder"] == "japan")
    sold = -japan["cumulative_deviation_bn"]
    base = japan["holdings_start_bn"] * (1 - japan["bill_share"])
    assert f"${sold:,.0f}bn" in sentence and f"{sold / base:.0%}" in sentence and "over 24 months" in sentence
    at24 = post["moves_bp"]["10y"]["at_24_months"]
    assert f"{abs(at24['median']):.1f} bp higher than otherwise after 24 months" in sentence
    # the ten-year cost with its range over the lasting share (none of the effect lasts, all of it)
    shares = {row["lasting_share"]: row for row in post["persistence_sensitivity"]}
    assert "if none of the effect lasted" in sentence
    assert compact_money(shares[0.0]["interest_cost_10yr_bn"], 0, minus=MINUS).split(" ")[0] in sentence
    assert compact_money(shares[1.0]["interest_cost_10yr_bn"], 0, minus=MINUS).split(" ")[0] in sentence
    assert _unescape(re.search(r'<p class="sentence">(.*?)</p>', html, re.S).group(1)) == sentence
    summary = _unescape(_table(html, "summary-table"))
    for h in payload["headline"]:
        assert h["title"] in summary
        assert _bp(h["posterior"]["moves_bp"]["10y"]["lasting"]) in summary
        assert _bp(h["posterior"]["moves_bp"]["10y"]["at_24_months"]) in summary
        assert _usd(h["posterior"]["interest_cost_bn"]["10yr"]) in summary
        assert _usd(h["literature"]["interest_cost_bn"]["10yr"]) in summary
    # the sensitivity section follows the lead's seller
    assert payload["report"]["sweep_holder"] == "japan" and payload["sweep"]["holder"] == "japan"
    assert 'id="fig-sweep_cost_10yr_japan"' in html


def test_results_json_matches_the_tables(html, payload):
    for h in payload["headline"]:
        if not payload["scenarios"][h["scenario"]]["posterior"]["holders"] or h["scenario"] == "baseline":
            continue
        rows = _unescape(_table(html, f"moves-{h['scenario']}"))
        money_rows = _unescape(_table(html, f"cost-{h['scenario']}"))
        for response in ("posterior", "data", "literature"):
            assert _bp(h[response]["moves_bp"]["10y"]["lasting"]) in rows, (h["scenario"], response)
        assert _usd(h["posterior"]["interest_cost_bn"]["10yr"]) in money_rows
        assert set(h["posterior"]["interest_cost_bn"]) == {"1yr", "5yr", "10yr"}
    assert set(payload["scenarios"]) == {p.stem for p in scenario_files("scenarios")}
    for priced in payload["scenarios"].values():
        assert priced["posterior"]["response_source"].startswith("posterior")
        assert priced["data"]["response_source"].startswith("data")
        assert priced["literature"]["response_source"].startswith("literature envelope")
        if priced["posterior"]["holders"]:
            assert _bp(priced["posterior"]["moves_bp"]["10y"]["lasting"]) in _unescape(html)
    # a warning in a result is shown in the report
    warned = [h for h in payload["headline"] if h["posterior"]["warnings"] or h["data"]["warnings"]]
    assert warned and html.count('class="box warningbox"') == len(warned)
    assert {r["holder"] for r in payload["response_model"]["posterior"]} >= {"japan", "united_kingdom"}
    names = {m["name"] for m in payload["estimation"]["models"]}
    assert "distributed_lags/10y/reported/japan" in names
    largest = payload["holdings"]["largest"][0]
    assert (largest["holder"], largest["label"], largest["holdings_bn"]) == ("Japan", "Japan", 1209.9)
    assert all(p["raw_sha256"][:16] in html for p in payload["provenance"] if p["raw_sha256"])
    assert typeset_signs(payload["episodes"]["summary"]) in _unescape(html)  # signs set as in the tables
    for ep in payload["episodes"]["episodes"]:
        assert ep["title"] in _unescape(html)


def test_explorer_grid_in_the_page(html, payload):
    data = json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html, re.S)
                      .group(1).replace("<\\/", "</"))
    assert {k: data[k] for k in payload["explorer"]} == payload["explorer"]
    assert data["draws"] == 2000 and len(data["holders"]) == 4 and data["holders"][0]["holder"] == "japan"
    cells = {(c["holder"], c["sale_bn"], c["sale_months"]) for c in data["cells"]}
    assert ("japan", 250.0, 12) in cells
    for h in data["holders"]:  # no sale larger than the holdings
        assert all(size <= h["holdings_bn"] for holder, size, _ in cells if holder == h["holder"])
    # the heatmap and results.json's sweep are the sensitivity holder's slice of the same grid
    sweep = {(c["sale_bn"], c["sale_months"]): c for c in payload["sweep"]["cells"]}
    cell = next(c for c in data["cells"] if (c["holder"], c["sale_bn"], c["sale_months"]) == ("japan", 250.0, 12))
    assert sweep[(250.0, 12)]["interest_cost_bn"] == cell["posterior"]["interest_cost_bn"]


# ---------------------------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------------------------


def _outline(reader) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks: (depth, title, page index)."""
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def page_fill(textpage, height: float) -> float:
    """How far down the text of a PDF page reaches, as a share of the text area (A4, the
    template's margins; the footer left out): down to the lowest visible character."""
    top, bottom = height - 15 / 25.4 * 72, 17 / 25.4 * 72
    text = textpage.get_text_range()
    lows = [textpage.get_charbox(i)[1] for i in range(textpage.count_chars())
            if i < len(text) and not text[i].isspace()]
    lows = [y for y in lows if y > bottom + 2]
    return (top - min(lows)) / (top - bottom) if lows else 0.0


def test_pdf_is_typst_with_contents_bookmarks_and_the_numbers(shipped, payload, pdf_pages):
    from pypdf import PdfReader

    reader = PdfReader(str(shipped["out"] / "report.pdf"))
    n = len(reader.pages)
    assert 20 <= n <= 45
    assert "Typst" in (reader.metadata.get("/Creator", "") + reader.metadata.get("/Producer", ""))
    flat = re.sub(r"\s+", " ", "\n".join(pdf_pages))
    assert f"page 1 of {n}" in flat and f"page {n} of {n}" in flat
    outline = _outline(reader)
    titles = [t for _, t, _ in outline]
    assert titles[0] == "1 The verdict in context" and "H Provenance" in titles
    assert "Contents" in pdf_pages[1]
    squeezed = flat.replace(" ", "")
    for h in payload["headline"]:
        assert _bp(h["posterior"]["moves_bp"]["10y"]["lasting"]).replace(" ", "") in squeezed, h["scenario"]
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            f = font.get_object()
            fonts.add((f.get("/Subtype"), str(f.get("/BaseFont"))))
    assert fonts and not any(sub == "/Type3" for sub, _ in fonts)
    assert reader.metadata.creation_date.year == 2026  # SOURCE_DATE_EPOCH, not the clock


def test_pdf_brief_then_appendix_and_no_half_empty_page(shipped, payload, pdf_read):
    """The brief (at most 12 pages) opens with the verdict; a bookmark titled "Appendix..."
    marks the page where the appendix begins; no page is under half full but a chapter's last
    (the last page before a new top-level section, the brief's last, the document's last)."""
    from pypdf import PdfReader

    reader = PdfReader(str(shipped["out"] / "report.pdf"))
    outline = _outline(reader)
    appendix = [(t, page) for depth, t, page in outline if depth == 0 and "Appendix" in t]
    assert len(appendix) == 1
    start = appendix[0][1]
    assert 1 <= start <= 12  # the brief: pages 1 to 12 at most
    pdf_pages, fills = pdf_read
    assert "Appendix: technical details" in pdf_pages[start] and "Appendix" not in pdf_pages[start - 1]
    first = re.sub(r"\s+", " ", pdf_pages[0])
    assert "The verdict" in first
    sentence = re.sub(r"\s+", " ", payload["summary"]["sentence"])
    assert sentence[:60].replace(" ", "") in first.replace(" ", "")
    chapter_starts = {page for depth, _, page in outline if depth == 0 or (depth == 1 and page >= start)}
    last_pages = {p - 1 for p in chapter_starts} | {start - 1, len(reader.pages) - 1}
    for i, fill in enumerate(fills):
        if i not in last_pages:
            assert fill >= 0.5, f"page {i + 1} is under half full ({fill:.0%})"


def test_no_note_twice_on_a_page_and_one_sign_convention(pdf_pages, html):
    """A sentence of the small print is not repeated on a page; the notes that once repeated
    (the sellers' loss, the provenance's as-of basis) are said once; the sign convention is
    stated once in each document."""
    for i, text in enumerate(pdf_pages, start=1):
        sentences = [x.strip() for x in re.split(r"(?<=[.;])\s+", re.sub(r"\s+", " ", text)) if len(x.strip()) > 60]
        repeated = {x for x in sentences if sentences.count(x) > 1}
        assert not repeated, (i, list(repeated)[:2])
    flat = re.sub(r"\s+", " ", "\n".join(pdf_pages))
    visible = _unescape(re.sub(r"<(script|style)\b.*?</\1>|<svg\b.*?</svg>|<[^>]+>", " ", html, flags=re.S))
    visible = re.sub(r"\s+", " ", visible)
    for text in (flat, visible):
        assert text.count("Sellers' loss: duration") <= 1
        assert text.count("lower bound: end of the month") == 0
        assert text.count("Flows are net purchases: + is buying") == 1


def test_headings_numbered_alike_in_both_documents(shipped, html):
    """The PDF's bookmarks (down to the appendix's sections) are the HTML's contents, word for word."""
    from pypdf import PdfReader

    outline = _outline(PdfReader(str(shipped["out"] / "report.pdf")))
    toc = _unescape(re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0))
    links = re.findall(r'<a href="#[^"]+">([^<]+)</a>', toc)
    assert [t for depth, t, _ in outline if depth <= 1] == links
    for title in links:
        assert re.search(rf"<h[2-4] id=\"[^\"]+\">{re.escape(title)}</h[2-4]>", _unescape(html)), title


def test_reader_text_uses_plain_labels_and_one_sign_convention(pdf_pages, html):
    text = "\n".join(pdf_pages)
    visible = _unescape(re.sub(r"<(script|style)\b.*?</\1>|<svg\b.*?</svg>|<[^>]+>", " ", html, flags=re.S))
    for where in (text, visible):
        for internal in ("other_foreign", "total_foreign", "foreign_official", "oil_exporters", "united_kingdom",
                         "dfedfunds", "dbreakeven", "fed_purchases", "_bp", "adj_purchases"):
            assert internal not in where, internal
        assert not re.search(r"\bjapan\b|\bchina\b", where)  # ids, not names (file paths keep theirs)
        assert "less demand" not in where and "per $100bn bought" not in where
        assert not re.search(r"\$-\d", where) and "-0.0 " not in where and "\u22120.0 " not in where
        assert not re.search(r"\b(10y|5y|2y|30y|3m|tp10)\b(?![_.])", where.replace("tables/", "")), \
            re.findall(r".{30}\b(?:10y|5y|2y|30y|3m|tp10)\b.{30}", where)[:3]


def test_figures_use_labels_and_keep_text_inside(shipped):
    import xml.etree.ElementTree as ET

    for path in sorted((shipped["out"] / "figures").glob("*.svg")):
        text = path.read_text("utf-8")
        root = ET.fromstring(text)
        width = float(root.get("width").rstrip("pt"))
        words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert not re.search(r"other_foreign|total_foreign|\bjapan\b|\bchina\b|_bp\b", words), (path.name, words[:200])
        for t in root.iter("{http://www.w3.org/2000/svg}text"):
            x = t.get("x")
            if x is not None and (t.get("style") or "").find("text-anchor: start") >= 0:
                assert 0 <= float(x) < width, path.name
        assert "<title>" in text and 'class="tip"' in text, path.name
        if path.name.endswith(".phone.svg"):  # the phone version: 4.9 inches wide
            assert width == pytest.approx(4.9 * 72)
    # the title and the source are printed once, under the chart, not drawn into it
    payload = json.loads((shipped["out"] / "results.json").read_text("utf-8"))
    for f in payload["figures"]:
        svg = (shipped["out"] / f["svg"]).read_text("utf-8")
        words = " ".join(re.findall(r">([^<>]+)</text>", svg))
        assert f["title"] not in words and "Source" not in words, f["key"]


def test_a_preview_is_the_report_without_its_pdf_and_keeps_the_last_one(shipped, report_cache, tmp_path, monkeypatch,
                                                                         capsys):
    """``--no-pdf`` (``make preview``) over a full report: every other file byte for byte as in
    the full run, the stages say so; the last PDF is left in place, older than the new HTML, and
    the folder's marker lists it as older than the run."""
    import os
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(report_cache))
    full, out = shipped["out"], tmp_path / "output"
    shutil.copytree(full, out)
    pdf = (out / "report.pdf").read_bytes()
    os.utime(out / "report.pdf", (1_700_000_000, 1_700_000_000))
    for name in ("report.html", "results.json"):  # so that the preview must write them again
        (out / name).write_text("stale", "utf-8")
    assert main(["report", "--offline", "--no-pdf", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "no PDF: --no-pdf" in printed.err and "kept" in printed.err and "report.pdf" not in printed.out
    files = sorted(p.relative_to(full) for p in full.rglob("*") if p.is_file() and p.name != ".tlrisk-report.json")
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name != ".tlrisk-report.json") == files
    for rel in files:
        if rel.name != "report.pdf":
            assert (out / rel).read_bytes() == (full / rel).read_bytes(), rel
    assert (out / "report.pdf").read_bytes() == pdf
    assert (out / "report.pdf").stat().st_mtime < (out / "report.html").stat().st_mtime
    marker = json.loads((out / ".tlrisk-report.json").read_text())
    assert marker["older_than_this_run"] == ["report.pdf"] and "report.pdf" in marker["files"]


def test_two_runs_give_identical_bytes(odd):
    first, second = odd
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_signs_are_typeset_in_prose_as_in_tables(html):
    """Notes, warnings and verdicts come from the model with ASCII signs; the report sets every
    number's sign as the minus sign its tables use (hyphens in words, dates and ranges stay)."""
    assert typeset_signs("(5-year -0.4 (sd 4.0); baseline -$6.5bn; 2003-02 to 2026-04; lags 0-12)") == \
        f"(5-year {MINUS}0.4 (sd 4.0); baseline {MINUS}$6.5bn; 2003-02 to 2026-04; lags 0-12)"
    text = re.sub(r"<(script|svg|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    assert MINUS in text
    ascii_signs = [text[max(0, m.start() - 40):m.end() + 10] for m in re.finditer(r"(?<![\w.\-/])-(?=\$?\d)", text)]
    assert ascii_signs == []


def test_footer_and_header_name_the_commit_and_the_data_vintage(html, payload):
    """The header lists how far each group of sources reaches (from the manifest entries) and
    flags stale ones; no date is invented (the manifests' as-of lower bounds are not dates)."""
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert payload["report"]["commit"] in footer
    header = _unescape(re.sub(r"<[^>]+>", "", re.search(r'<div class="vintage".*?</div>\s*<p class="vintage-note">.*?</p>',
                                                          html, re.S).group(0)))
    assert "TIC holdings by country: Apr 2026" in header and "TIC net purchases: Apr 2026" in header
    # SOURCE_DATE_EPOCH (2026-01-01) dates the document, but staleness is judged at the newest
    # observation in the data, which is later
    assert "Treasury yields, monthly: Jun 2026; 30-year: Oct 2025 (stale)" in header
    assert "Data as of 21 August 2026 (the newest observation in the data)" in header
    assert "2026-09-30" not in html and payload["report"]["date"] == "2026-01-01"


def test_stale_sources_are_flagged_against_the_newest_observation(snapshot_bundle, monkeypatch):
    """Without SOURCE_DATE_EPOCH the reference is the newest observation in the data (the
    term premium, 21 Aug 2026): the 30-year monthly yield (to Oct 2025) and the 2- and 5-year
    daily yields (to 20 Feb 2026) are behind their publishers' usual lags; the monthly 10-year
    (June, complete on 30 June: 52 days, under its 70) is not."""
    from model.report.vintage import reference_date, source_vintages, vintage_rows

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert str(reference_date(snapshot_bundle)) == "2026-08-21"
    found = source_vintages(snapshot_bundle)
    assert found["fred_GS30"].stale and found["fred_DGS2"].stale and found["fred_DGS5"].stale
    assert not found["fred_GS10"].stale and found["fred_GS10"].age_days == 52
    assert not found["tic_s1"].stale  # discontinued files are complete, never stale
    monthly = next(r for r in vintage_rows(snapshot_bundle) if r["what"] == "Treasury yields, monthly")
    assert monthly["through"] == "Jun 2026" and not monthly["stale"]
    assert monthly["behind"] == [{"label": "30-year", "through": "Oct 2025", "stale": True}]


def _reader_text(pdf_pages: list[str], html: str) -> dict[str, str]:
    """Both documents' reader text outside the provenance table (where source ids belong): the
    PDF's text before the provenance section, the HTML's visible text without the table."""
    pdf = "\n".join(pdf_pages)
    pdf = pdf[:pdf.rindex("H Provenance")]
    page = re.sub(r'<table id="provenance-table".*?</table>', " ", html, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>|<svg\b.*?</svg>|<[^>]+>", " ", page, flags=re.S)
    return {"pdf": pdf, "html": _unescape(page)}


def test_reader_text_has_no_internal_names(pdf_pages, html, payload):
    """The rendered text of both documents (HTML text, PDF text via pypdf), outside the
    provenance table, has no snake_case identifier, no config key or setting, no FRED series id,
    no unexplained reference. File names (scenario files, CSV tables) are allowed: they name files
    the reader can open."""
    from model.sources.catalog import source_catalog

    series = {s.series_id for s in source_catalog() if s.series_id} - {"GDP"}  # "GDP" is also a word
    files = re.compile(r"[\w./-]+\.(?:csv|toml|json|svg|png)\b|\b(?:tables|figures|scenarios)/[\w./-]*")
    for where, text in _reader_text(pdf_pages, html).items():
        text = files.sub(" ", text.replace("\u00ad", ""))
        snake = sorted(set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text)))
        assert not snake, (where, snake[:10])
        assert not re.search(r"\b[a-z]+\.[a-z_]+\s*=|\b[a-z_]+ = (?:true|false|'|\")", text), where
        ids = sorted({w for w in re.findall(r"\b[A-Z][A-Z0-9]{3,}\b", text) if w in series})
        assert not ids, (where, ids)
        assert "the commentary" not in text.lower() and "flows: flows" not in text.lower(), where
        for word in ("stale_after_days", "sweep_holder", "lead_scenario", "japan_selldown"):
            assert word not in text, (where, word)


# ---------------------------------------------------------------------------------------------
# An odd set of scenario files
# ---------------------------------------------------------------------------------------------


def test_an_odd_set_of_scenarios_leads_the_report(odd):
    out = odd[0]
    payload = json.loads((out / "results.json").read_text("utf-8"))
    html = (out / "report.html").read_text("utf-8")
    # the only sale leads; its seller is the sensitivity holder
    assert payload["report"]["lead_scenario"] == "cayman_exit"
    assert payload["report"]["sweep_holder"] == "Cayman Islands" and payload["sweep"]["label"] == "Cayman Islands"
    sentence = payload["summary"]["sentence"]
    post = payload["scenarios"]["cayman_exit"]["posterior"]
    seller = post["holders"][0]
    share = 150 / (seller["holdings_start_bn"] * (1 - seller["bill_share"]))
    assert sentence.startswith(f"If the Cayman Islands sold $150bn more of its Treasury bonds and notes than at its "
                               f"recent pace over 9 months ({share:.0%} of the $")
    assert "a fifth" not in sentence and "Japan" not in sentence
    # the purchase lowers yields and saves interest, in its own words
    buy = payload["scenarios"]["swiss_buy"]["posterior"]
    assert buy["holders"][0]["label"] == "Switzerland" and buy["moves_bp"]["10y"]["lasting"]["median"] < 0
    # titles escaped in the page, intact in results.json; no shipped scenario anywhere
    title = post["title"]
    assert "<fast>" not in html and "&lt;fast&gt; &amp; &#34;quietly&#34;" in html
    assert title in _unescape(_table(html, "summary-table"))
    for shipped_name in ("japan_selldown", "japan_pause", "coordinated_diversification", "fifth"):
        assert shipped_name not in html
    # the charts describe these files: the comparison chart names both, the fan charts are
    # theirs, the heatmaps are the seller's
    comparison = (out / "figures" / "comparison.svg").read_text("utf-8")
    assert "Switzerland buys $80bn" in comparison and "Cayman Islands funds sell $150bn &lt;fast&gt;" in comparison
    assert (out / "figures" / "fan_cayman_exit.svg").exists() and (out / "figures" / "fan_swiss_buy.svg").exists()
    assert (out / "figures" / "sweep_cost_10yr_cayman_islands.svg").exists()
    assert "Cayman Islands sells: the 10-year interest cost" in html
    explorer = [h["holder"] for h in payload["explorer"]["holders"]]
    assert explorer[:2] == ["Cayman Islands", "Switzerland"] and len(explorer) == 4


def test_document_date_comes_from_the_data_vintage(odd, snapshot_bundle):
    from pypdf import PdfReader

    from model.report.content import vintage_date

    vintage = vintage_date(snapshot_bundle)
    assert vintage is not None and vintage.isoformat() >= "2026-06-01"
    reader = PdfReader(str(odd[0] / "report.pdf"))
    assert reader.metadata.creation_date.date() == vintage
    payload = json.loads((odd[0] / "results.json").read_text("utf-8"))
    assert payload["report"]["date"] == vintage.isoformat()


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------


def test_failed_run_leaves_previous_output(shipped, report_cache, monkeypatch, tmp_path, tmp_path_factory):
    import shutil

    # the shipped run's caches, less four figures: the run fails while workers draw them
    cache = tmp_path_factory.mktemp("failing-run") / "cache"
    shutil.copytree(report_cache, cache)
    for entry in sorted(p for p in (cache / "figures").iterdir() if p.is_dir())[:4]:
        shutil.rmtree(entry)
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(cache))
    out = tmp_path / "output"
    shutil.copytree(shipped["out"], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # fail inside the write, after the temporary folder exists, while the figures are being drawn
    monkeypatch.setattr("model.report.write.write_tables", broken)
    assert main(["report", "--offline", "--no-progress", "--out", str(out)]) == 1
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # no temporary folder left behind


def test_invalid_scenario_stops_before_writing(tmp_path, capsys):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "bad.toml").write_text('[scenario]\nname = "bad"\ntitle = "x"\nstart = "2026-13"\nhorizon_months = 12\n')
    out = tmp_path / "out"
    assert main(["report", "--offline", "--no-progress", "--scenarios", str(folder), "--out", str(out)]) == 2
    assert "scenario.start" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_headline_or_sweep_holder_stops_before_the_fit(tmp_path, capsys, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("the estimates were fitted before the arguments were checked")

    monkeypatch.setattr("model.estimate.fit_all", no_fit)
    out = tmp_path / "out"
    assert main(["report", "--offline", "--no-progress", "--headline", "japan_seldown", "--out", str(out)]) == 2
    assert "no scenario named 'japan_seldown' (did you mean 'japan_selldown'?)" in capsys.readouterr().err
    assert main(["report", "--offline", "--no-progress", "--sweep-holder", "Japna", "--out", str(out)]) == 2
    assert "unknown holder 'Japna' (did you mean 'Japan'?)" in capsys.readouterr().err
    assert not out.exists()


def test_changes_section_after_a_rerun(payload):
    # first run in a folder: nothing to compare; revisions between vintages always listed
    assert payload["changes"]["previous_run"] is False
    assert payload["changes"]["revised_cells"] > 0
    top = {(r["holder"], r["date"]) for r in payload["changes"]["largest_revisions"]}
    assert ("Grand Total", "2025-12") in top or len(top) == 12
    assert all(r["label"] for r in payload["changes"]["largest_revisions"])


def test_a_rerun_reports_what_changed(odd):
    """The odd set's second run went to a new folder; its first run's folder has no previous
    run either: both say so, and agree on everything else."""
    first, second = (json.loads((o / "results.json").read_text("utf-8")) for o in odd)
    assert first["changes"]["previous_run"] is False and second["changes"]["previous_run"] is False
    assert first == second


def test_intervention_days_section(html, payload):
    """The events payload has the `tlrisk events --json` schema and its numbers are the tables'."""
    from model.report.format import fmt

    events = payload["events"]
    assert events["schema_version"] == SCHEMA_VERSION and len(events["events"]) == 15
    assert {"events", "pooled", "episodes", "model", "literature", "placebo", "iv"} <= set(events)
    assert 'id="interventions"' in html
    table = _table(html, "interventions-pooled")
    table = re.sub(r'<td[^>]*colspan="\d+"[^>]*>.*?</td>', "", table)  # the group headings
    cells = re.findall(r"<strong>(.*?)</strong>", table)
    from model.report.appendix import MIN_DAY_BN

    assert sorted(cells) == sorted(fmt(p["effect_bp_per_100bn"]) for p in events["pooled"]
                                   if abs(p["dollars_sold_bn"]) >= MIN_DAY_BN)
    # one sign convention: Japan's dollar sales are negative net purchases of dollars
    sold = next(p for p in events["pooled"] if p["group"] == "sell_usd")
    assert _usd({"median": -sold["dollars_sold_bn"], "p05": 0, "p95": 0}).split(" ")[0] in _unescape(table)
    # per-$100bn effects only for days of at least the stated minimum
    days = _unescape(_table(html, "interventions-days"))
    rows = re.findall(r"<tr>(.*?)</tr>", days, re.S)[1:]
    assert len(rows) == len(events["events"])
    for e, row in zip(events["events"], rows, strict=True):
        cell = re.findall(r"<td[^>]*>(.*?)</td>", row)[7]
        effect = e["windows"][1]["effect_bp_per_100bn"]
        assert cell == (fmt(effect, 0) if e["amount_usd_bn"] >= MIN_DAY_BN else "\u2013"), (e["date"], cell)
    assert f"of at least ${MIN_DAY_BN:,.0f}bn" in _unescape(html)
    for ep in events["episodes"]:
        assert f'id="fig-intervention_{ep["key"]}"' in html
        assert typeset_signs(ep["verdict"]).replace("'", "&#39;") in html
    assert fmt(events["iv"]["tsls"]["effect_bp_per_100bn"]) in html


def test_no_scenario_is_named_in_the_report_code():
    """The report knows scenarios only through the files it is given."""
    names = [p.stem for p in scenario_files("scenarios")]
    root = Path(__file__).resolve().parents[1] / "model"
    code = [*(root / "report_templates").iterdir(), *(root / "report").glob("*.py")]
    for path in code:
        text = path.read_text("utf-8")
        for name in names:  # as a name: quoted, or a file ("baseline" is also a word)
            assert not re.search(rf"[\"']{name}[\"']|{name}\.toml", text), (path.name, name)
        assert "a fifth" not in text


def test_method_says_where_persistence_comes_from(html, payload):
    """The persistence share is drawn from its posterior (the literature's prior and the tool's
    long-lag estimate); the page says so, and why the local projections do not set it, in the
    words results.json gives, and names the pooled holders from the fit, not from a list in
    the template."""
    persistence = payload["response_model"]["persistence"]
    text = " ".join(_unescape(re.sub(r"<[^>]+>", " ", html)).split())
    why = persistence["why_not_local_projections"]
    assert why[0].upper() + why[1:] in text
    assert typeset_signs(persistence["text"]) in text
    assert f"posterior mean {persistence['posterior']['mean']:.2f}" in text
    assert "(the UK, oil exporters" not in text


def test_persistence_coalition_and_sweep_warnings_are_printed(html, payload):
    """The persistence sensitivity beside the headline cost (none, central, all), with the note
    that the central row is not the headline; the coalition note; the wrong-sign warnings."""
    lead = payload["scenarios"][payload["report"]["lead_scenario"]]["posterior"]
    table = _unescape(_table(html, "persistence-table"))
    for row in lead["persistence_sensitivity"]:
        assert _bp(row["lasting_10y_bp"]) in table and _usd(row["interest_cost_10yr_bn"]) in table
    assert _usd(lead["interest_cost_bn"]["10yr"]) in table
    assert "The headline row is not the central row" in _unescape(html)
    group = next(s["posterior"] for s in payload["scenarios"].values() if s["posterior"]["coalition_note"])
    note = group["coalition_note"]
    text = " ".join(_unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert typeset_signs(note[1:60]) in text  # in the brief's paragraph and in the appendix
    # identical warnings for two holders with the same pooled estimate are said once
    data = payload["scenarios"][next(n for n, s in payload["scenarios"].items()
                                     if s["posterior"]["coalition_note"])]["data"]
    pooled = [w for w in data["warnings"] if "pooled estimate" in w]
    if len(pooled) > 1:
        rest = typeset_signs(pooled[0].split(": ", 1)[1].replace(" its ", " their ", 1))[:40]
        assert text.count(rest) == 1


def test_merged_warnings_and_sweep_warning_words():
    from types import SimpleNamespace

    from model.report.appendix import merged_warnings
    from model.report.brief import sweep_warning

    result = SimpleNamespace(warnings=["United Kingdom: under the data-only response its pooled estimate has sales "
                                       "lowering yields (10-year -2.2)", "Oil exporters: under the data-only response "
                                       "its pooled estimate has sales lowering yields (10-year -2.2)",
                                       "with net sales of $268bn the lasting levels fall"])
    merged = merged_warnings(result, "data only: ")
    # the holders named as a sentence names them; no "data only:" before a text that names its response
    assert merged == ["for the United Kingdom and the oil exporters, under the data-only response their pooled "
                      "estimate has sales lowering yields (10-year -2.2)",
                      "data only: with net sales of $268bn the lasting levels fall"]
    result.warnings.append("with net sales of $268bn the lasting levels fall under the data-only response")
    assert merged_warnings(result, "data only: ")[-1] == result.warnings[-1]
    result.warnings.append("Title: names $300bn, the plan $268bn")  # not a holder: the prefix stays
    assert merged_warnings(SimpleNamespace(warnings=result.warnings[-1:], holder_paths=[SimpleNamespace(
        label="Japan")]), "posterior: ") == ["posterior: Title: names $300bn, the plan $268bn"]
    sweep = SimpleNamespace(warnings=["China (Mainland): under the posterior response its own estimate has ..."])
    assert sweep_warning(sweep).startswith("warning: every cell carries a wrong-signed estimate (China (Mainland)")


def test_png_only_when_asked_with_title_and_source(tmp_path):
    """``--png``: a PNG beside the SVG, with the title and the source drawn in; the SVG and its
    phone version are the same bytes with or without it."""
    import pandas as pd

    from model.report import figures as F

    frame = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2), "holder": ["Japan"] * 2 +
                          ["Belgium"] * 2, "kind": "country", "holdings_bn": [1100.0, 1120.0, 400.0, 410.0]})
    plain, with_png = tmp_path / "plain", tmp_path / "png"
    assert F.save(F.top_holders(frame), plain)["png"] is None
    files = F.save(F.top_holders(frame), with_png, png=True)
    assert files["png"] == "holders_top.png" and (with_png / "holders_top.png").read_bytes().startswith(b"\x89PNG")
    for name in ("holders_top.svg", "holders_top.phone.svg"):
        assert (plain / name).read_bytes() == (with_png / name).read_bytes()
    assert not list(plain.glob("*.png"))


def test_the_glossary_defines_the_report_s_terms(html, pdf_pages):
    """Every technical term the issue found undefined is in the glossary of both documents."""
    glossary = _unescape(re.search(r'<dl class="terms">(.*?)</dl>', html, re.S).group(1))
    terms = re.findall(r"<dt>(.*?)</dt>", glossary)
    pdf = re.sub(r"\s+", " ", "\n".join(pdf_pages))
    for word in ("Posterior", "Literature envelope", "Lasting", "Peak", "Announced", "HAC", "Local projections",
                 "Beta", "Empirical Bayes", "2SLS", "Anderson-Rubin", "Placebo", "Kim-Wright", "Basis point",
                 "Net purchases", "RMSE"):
        assert any(word in t for t in terms) or word in glossary, word
        assert word in pdf, word


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("filler", [30, 36, 39, 40, 43, 46, 49])
def test_a_long_table_never_leaves_fewer_than_three_rows_on_a_page(tmp_path, filler, grouped):
    """The PDF template moves a long table whose header and first three rows do not fit to
    the next page (wherever the page ends before it), and its pages keep their numbers. Group
    headings (a row spanning the table, as in the bargain's ledger) do not count as rows."""
    from pypdf import PdfReader

    from model.report.document import Column, Document, Para, Section, Table, cell, spans, text_cell
    from model.report.typeset import write_pdf

    rows = [[cell(f"row {i}"), cell(f"{i}.0")] for i in range(40)]
    groups = []
    if grouped:  # a heading over every ten rows, the first above row 0
        for at in (30, 20, 10, 0):
            rows.insert(at, [text_cell(f"Group {at // 10}", colspan=2)])
        groups = [0, 11, 22, 33]
    body = [Para(spans(f"Line {i}: a sentence long enough to fill a line of the page with words.")) for i in range(filler)]
    table = Table("t", [Column("Name", "left"), Column("Value")], rows, group_rows=groups)
    section = Section("s", "1", "A section", 1, [*body, table])
    doc = Document("Title", spans("A lede."), [], [], [], spans(""), [section], "Appendix", [], spans("footer"),
                   meta={"commit": "x", "date": "2026-01-01", "data_vintage": "v", "description": "d"})
    (tmp_path / "figures").mkdir()
    target = tmp_path / "t.pdf"
    import datetime as dt

    write_pdf(doc, tmp_path / "figures", target, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pages = [p.extract_text() for p in PdfReader(str(target)).pages]
    first = next(i for i, text in enumerate(pages) if "row 0" in text)
    assert all(f"row {i}\n" in pages[first] or f"row {i} " in pages[first] for i in range(3)), pages[first][-200:]
    for n, text in enumerate(pages, start=1):
        assert f"page {n} of {len(pages)}" in text


def test_the_bargain_sets_both_sides_beside_the_tariff(html, payload):
    """Section 3: every scenario's ledger (the US cost, the seller's own cost, the tariff at
    stake) in one table and one chart, its verdict in words; each scenario's ledger line by
    line in appendix A; the lead's verdict on the first page."""
    text = " ".join(_unescape(re.sub(r"<[^>]+>", " ", html)).split())
    table = _unescape(_table(html, "bargain-table"))
    with_ledger = [s for s in payload["scenarios"].values() if s["posterior"]["ledger"]
                   and any(h["cumulative_deviation_bn"] for h in s["posterior"]["holders"])]  # a baseline has none
    assert with_ledger
    for s in with_ledger:
        led = s["posterior"]["ledger"]
        assert typeset_signs(led["verdict"]) in text
        assert _usd(led["us"]["interest_cost_10yr_bn"]) in table
    assert len(re.findall(r'<table id="ledger-', html)) == len(with_ledger)  # each scenario's lines, appendix A
    assert {"bargain"} <= {f["key"] for f in payload["figures"]}
    lead = payload["scenarios"][payload["report"]["lead_scenario"]]["posterior"]["ledger"]
    first_page = text[: text.index("The verdict in context")] if "The verdict in context" in text else text
    assert typeset_signs(lead["verdict"]) in text and "The bargain." in first_page
    # section 1 points to the bargain instead of repeating the first page's sentence
    verdict_section = _unescape(html[html.index('<h2 id="verdict"'): html.index('<h2 id="scenarios"')])
    assert typeset_signs(lead["verdict"]) not in verdict_section and 'href="#bargain"' in verdict_section



def test_the_sale_grid_says_where_it_extrapolates(html, payload):
    """The grid's largest sales are beyond any in the data: the page says so, with the data's
    largest six-month sale (its seller's label and its window's months) and the grid's largest,
    from results.json."""
    import datetime as dt

    largest = next(e for e in payload["episodes"]["episodes"] if e["key"] == "largest_6m_sale")
    found = abs(largest["flows_bn"]["reported_net_purchases"])
    top = max(c["sale_bn"] for c in payload["sweep"]["cells"])
    (seller,) = [h["label"] for h in largest["holders"]]  # one country
    start, end = (dt.datetime.strptime(largest[k], "%Y-%m").strftime("%b %Y") for k in ("start", "end"))
    text = re.sub(r"\s+", " ", _unescape(html))
    said = (f"the largest six-month sale by one country in the data was ${found:,.0f}bn "
            f"({seller}, {start} to {end}): sales of up to ${top:,.0f}bn here are extrapolations")
    assert (said in text) == (top > found)
