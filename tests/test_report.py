"""The report: built from the scenario files that run (tested on the shipped set and on an odd
set written here), one self-contained explorable HTML file, a paginated PDF with the same
numbers, results.json and CSV tables, byte-identical reruns, an atomic swap that keeps the
previous output on failure.

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

SECTIONS = ["summary", "headline", "scenarios", "holders", "evidence", "episodes", "changes", "method", "provenance"]


@pytest.fixture(scope="session")
def html(shipped) -> str:
    return (shipped["out"] / "report.html").read_text("utf-8")


@pytest.fixture(scope="session")
def payload(shipped) -> dict:
    return json.loads((shipped["out"] / "results.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def pdf_pages(shipped) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(shipped["out"] / "report.pdf")).pages]


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
    assert {p.stem for p in (out / "figures").glob("*.png")} == {p.stem for p in (out / "figures").glob("*.svg")}
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
    for stage in ("loading the data", f"checking {files} scenario file(s)", "estimating", "the specification grid",
                  f"pricing {files} scenario(s)", "the scenario explorer", "historical episodes", "drawing", "the PDF", "done"):
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
    assert len(charts) >= 15
    assert html.count('class="tip"') > 500  # hover values on every chart
    assert len(re.findall(r'<table id="[^"]+" class="sortable"', html)) >= 6
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
    lasting = post["moves_bp"]["10y"]["lasting"]
    assert f"{abs(lasting['median']):.1f} bp higher" in sentence
    assert _unescape(re.search(r'id="headline-sentence">(.*?)</p>', html, re.S).group(1)) == sentence
    summary = _unescape(_table(html, "summary-table"))
    for h in payload["headline"]:
        assert h["title"] in summary
        assert _bp(h["posterior"]["moves_bp"]["10y"]["lasting"]) in summary
        assert _usd(h["posterior"]["interest_cost_bn"]["10yr"]) in summary
        assert _usd(h["literature"]["interest_cost_bn"]["10yr"]) in summary
    # the sensitivity section follows the lead's seller
    assert payload["report"]["sweep_holder"] == "japan" and payload["sweep"]["holder"] == "japan"
    assert 'id="fig-sweep_cost_10yr_japan"' in html


def test_results_json_matches_the_tables(html, payload):
    rows = _unescape(_table(html, "headline-table"))
    money_rows = _unescape(_table(html, "cost-table"))
    for h in payload["headline"]:
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
    assert warned and 'id="warnings"' in html
    assert {r["holder"] for r in payload["response_model"]["posterior"]} >= {"japan", "united_kingdom"}
    names = {m["name"] for m in payload["estimation"]["models"]}
    assert "distributed_lags/10y/reported/japan" in names
    largest = payload["holdings"]["largest"][0]
    assert (largest["holder"], largest["label"], largest["holdings_bn"]) == ("Japan", "Japan", 1209.9)
    assert all(p["raw_sha256"] in html for p in payload["provenance"] if p["raw_sha256"])
    assert typeset_signs(payload["episodes"]["summary"]) in _unescape(html)  # signs set as in the tables
    for ep in payload["episodes"]["episodes"]:
        assert ep["title"] in _unescape(html)


def test_explorer_grid_in_the_page(html, payload):
    data = json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html, re.S)
                      .group(1).replace("<\\/", "</"))
    assert data == payload["explorer"]
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


def test_pdf_pages_toc_fonts_and_numbers(shipped, payload, pdf_pages):
    from pypdf import PdfReader

    reader = PdfReader(str(shipped["out"] / "report.pdf"))
    n = len(reader.pages)
    assert n >= 10
    flat = re.sub(r"\s+", " ", "\n".join(pdf_pages))
    assert f"page 1 of {n}" in flat and f"page {n} of {n}" in flat
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any("Headline" in t for t in outline) and any("Provenance" in t for t in outline)
    assert "Contents" in flat
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


def test_pdf_summary_is_one_page_and_no_page_is_empty(payload, pdf_pages):
    first = re.sub(r"\s+", " ", pdf_pages[0])
    assert "At a glance" in first
    sentence = re.sub(r"\s+", " ", payload["summary"]["sentence"])
    assert sentence[:60].replace(" ", "") in first.replace(" ", "")
    for h in payload["headline"]:  # the whole summary table is on the first page
        assert _usd(h["literature"]["interest_cost_bn"]["10yr"]).replace(" ", "") in first.replace(" ", "")
    assert "Contents" in pdf_pages[1]
    report = payload["report"]
    footer = len(f"treasury-leverage {report['commit']} · data: {report['data_vintage']} page 10 of 10")
    for i, text in enumerate(pdf_pages, start=1):
        body = re.sub(r"\s+", " ", text)
        assert len(body) > footer + 300, f"page {i} is (nearly) empty: {body[:120]!r}"


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


def test_a_preview_is_the_report_without_its_pdf(shipped, report_cache, tmp_path, monkeypatch, capsys):
    """``--no-pdf``: every other file byte for byte as in the full run; the stages say so."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(report_cache))
    out = tmp_path / "preview"
    assert main(["report", "--offline", "--no-pdf", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "no PDF: --no-pdf" in printed.err and "report.pdf" not in printed.out
    full = shipped["out"]
    files = sorted(p.relative_to(full) for p in full.rglob("*") if p.is_file() and p.name != ".tlrisk-report.json")
    assert sorted(p.relative_to(out) for p in out.rglob("*")
                  if p.is_file() and p.name != ".tlrisk-report.json") == [f for f in files if f.name != "report.pdf"]
    for rel in files:
        if rel.name != "report.pdf":
            assert (out / rel).read_bytes() == (full / rel).read_bytes(), rel


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


def test_footer_has_commit_vintage_and_date(html, payload):
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert payload["report"]["commit"] in footer
    assert "TIC holdings through 2026-04" in footer
    assert f"Document date {payload['report']['date']}" in footer


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


def test_failed_run_leaves_previous_output(shipped, monkeypatch, tmp_path):
    import shutil

    out = tmp_path / "output"
    shutil.copytree(shipped["out"], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # fail inside the write, after the temporary folder exists
    monkeypatch.setattr("model.report.write.draw_figures", broken)
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
    table = re.search(r'<table id="interventions-pooled">(.*?)</table>', html, re.S).group(1)
    cells = re.findall(r"<strong>(.*?)</strong>", table)
    assert cells == [fmt(p["effect_bp_per_100bn"]) for p in events["pooled"]]
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
