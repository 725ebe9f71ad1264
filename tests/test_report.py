"""The report: self-contained HTML, a paginated PDF with the same numbers, results.json,
byte-identical reruns and an atomic swap that keeps the previous output on failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model.cli import main
from model.report import band
from model.scenarios import scenario_files

SECTIONS = ["headline", "holders", "evidence", "scenarios", "episodes", "changes", "method", "provenance"]


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """Two independent runs on the same inputs."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    mp.setenv("TLRISK_CACHE_DIR", str(tmp_path_factory.mktemp("report-cache")))
    outs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name) / "output"
        assert main(["report", "--offline", "--no-progress", "--out", str(out)]) == 0
        outs.append(out)
    mp.undo()
    return outs


@pytest.fixture(scope="session")
def html(reports) -> str:
    return (reports[0] / "report.html").read_text("utf-8")


@pytest.fixture(scope="session")
def payload(reports) -> dict:
    return json.loads((reports[0] / "results.json").read_text("utf-8"))


def test_outputs_exist(reports):
    out = reports[0]
    assert (out / "report.html").stat().st_size > 100_000
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert any(n.endswith(".png") for n in figures) and any(n.endswith(".svg") for n in figures)
    assert {p.stem for p in (out / "figures").glob("*.png")} == {p.stem for p in (out / "figures").glob("*.svg")}


def test_html_is_self_contained(html):
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert not re.search(r"url\(\s*['\"]?https?:", html)
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) >= 15 and all(src.startswith("data:image/png;base64,") for src in images)
    assert 'name="viewport"' in html and "@media print" in html


def test_html_has_every_section_and_scenario(html):
    for section in SECTIONS:
        assert f'id="{section}"' in html
    for path in scenario_files("scenarios"):
        assert f'id="scenario-{path.stem}"' in html
        assert f'id="fig-fan_{path.stem}"' in html
    from model.episodes import episodes_config

    for ep in [*episodes_config().episode, type("E", (), {"key": "largest_6m_sale"})]:
        assert f'id="episode-{ep.key}"' in html and f'id="fig-episode_{ep.key}"' in html


def test_results_json_matches_the_tables(html, payload):
    rows = re.search(r'<table id="headline-table">(.*?)</table>', html, re.S).group(1)
    for h in payload["headline"]:
        y = h["yields_10y_bp"]
        for source, key in (("posterior", "lasting"), ("posterior", "peak"), ("data", "lasting"), ("literature", "lasting")):
            assert band(y[source][key]) in rows, (h["scenario"], source, key)
        assert band(h["interest_cost_bn"]["posterior"]["10yr"], 0) in rows
        assert band(h["interest_cost_bn"]["literature"]["10yr"], 0) in rows
    assert set(payload["scenarios"]) == {p.stem for p in scenario_files("scenarios")}
    for priced in payload["scenarios"].values():
        assert priced["posterior"]["response_source"].startswith("posterior")
        assert priced["data"]["response_source"].startswith("data")
        assert priced["literature"]["response_source"].startswith("literature envelope")
        # the scenario sections show the same numbers as results.json
        lasting = priced["posterior"]["moves_bp"]["10y"]["lasting"]
        assert band(lasting) in html
    # a warning in a result is shown in the report
    warned = [h for h in payload["headline"] if h["warnings"]]
    assert warned and 'class="box warnbox"' in html
    assert {r["holder"] for r in payload["response_model"]["posterior"]} >= {"japan", "united_kingdom"}
    # every regression in the report is in results.json
    names = {m["name"] for m in payload["estimation"]["models"]}
    assert "distributed_lags/10y/reported/japan" in names
    assert payload["holders"]["largest_bn"]["Japan"] == 1209.9
    assert f"{payload['holders']['largest_bn']['Japan']:,.1f}" in html
    assert all(p["raw_sha256"] in html for p in payload["provenance"] if p["raw_sha256"])
    assert payload["episodes_summary"] in html.replace("&#39;", "'")
    for ep in payload["episodes"]:
        assert ep["title"].replace("'", "&#39;") in html


def test_pdf_pages_toc_fonts_and_numbers(reports, payload):
    from pypdf import PdfReader

    reader = PdfReader(str(reports[0] / "report.pdf"))
    assert len(reader.pages) >= 10
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert f"page 1 of {len(reader.pages)}" in flat and f"page {len(reader.pages)} of {len(reader.pages)}" in flat
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any("Headline" in t for t in outline) and any("Provenance" in t for t in outline)
    assert "Contents" in text
    for h in payload["headline"]:
        lasting = h["yields_10y_bp"]["posterior"]["lasting"]
        assert band(lasting).replace(" ", "") in flat.replace(" ", ""), h["scenario"]
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            f = font.get_object()
            fonts.add((f.get("/Subtype"), str(f.get("/BaseFont"))))
    assert fonts and not any(sub == "/Type3" for sub, _ in fonts)
    assert reader.metadata.creation_date.year == 2026  # SOURCE_DATE_EPOCH, not the clock


def test_two_runs_give_identical_bytes(reports):
    first, second = reports
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_footer_has_commit_and_vintage(html, payload):
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert payload["report"]["commit"] in footer
    assert "TIC holdings through 2026-04" in footer


def test_failed_run_leaves_previous_output(reports, monkeypatch, tmp_path):
    import shutil

    out = tmp_path / "output"
    shutil.copytree(reports[0], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # fail inside the write, after the temporary folder exists
    monkeypatch.setattr("model.report.draw_figures", broken)
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


def test_changes_section_after_a_rerun(reports, payload):
    # first run in a folder: nothing to compare; revisions between vintages always listed
    assert payload["changes"]["previous_run"] is False
    assert payload["changes"]["revised_cells"] > 0
    top = {(r["holder"], r["month"]) for r in payload["changes"]["largest_revisions"]}
    assert ("Grand Total", "2025-12") in top or len(top) == 12
    assert Path(reports[0] / "results.json").exists()


def test_intervention_days_section(html, payload):
    """The events payload has the `tlrisk events --json` schema and its numbers are the tables'."""
    from model.report import fmt

    events = payload["events"]
    assert events["schema_version"] == 1 and len(events["events"]) == 15
    assert {"events", "pooled", "episodes", "model", "literature", "placebo", "iv"} <= set(events)
    assert 'id="interventions"' in html
    table = re.search(r'<table id="interventions-pooled">(.*?)</table>', html, re.S).group(1)
    cells = re.findall(r"<strong>(.*?)</strong>", table)
    assert cells == [fmt(p["effect_bp_per_100bn"]) for p in events["pooled"]]
    for ep in events["episodes"]:
        assert f'id="fig-intervention_{ep["key"]}"' in html
        assert ep["verdict"].replace("'", "&#39;") in html
    assert fmt(events["iv"]["tsls"]["effect_bp_per_100bn"]) in html
