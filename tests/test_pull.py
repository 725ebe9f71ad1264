"""The live pull code, run against a local HTTP server serving the published files.

No test reaches the internet: ``TLRISK_TIC_BASE_URL`` and ``TLRISK_FRED_URL`` point the real
pull code (requests for TIC, pandas-datareader for FRED) at pytest-httpserver.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from werkzeug import Response

from model.sources.catalog import source_catalog
from model.sources.pull import pull_sources
from model.sources.status import source_status
from model.sources.store import DataStore

FAST = {"progress": False, "fred_min_interval_s": 0.0, "timeout_s": 1.0, "retries": 2, "backoff_s": 0.0}


@pytest.fixture
def stores(tmp_path):
    return DataStore(tmp_path / "cache", "cache"), DataStore(tmp_path / "snapshot", "snapshot")


@pytest.fixture
def urls(httpserver, monkeypatch):
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", httpserver.url_for("/tic/"))
    monkeypatch.setenv("TLRISK_FRED_URL", httpserver.url_for("/fred/graph/fredgraph.csv"))
    return httpserver


def specs(*keys: str):
    by_key = {s.key: s for s in source_catalog()}
    return [by_key[k] for k in keys]


def serve_tic(server, name: str, body: bytes, **kwargs) -> None:
    server.expect_request(f"/tic/{name}").respond_with_data(body, content_type="text/plain", **kwargs)


def serve_fred(server, series: str, body: bytes) -> None:
    server.expect_request("/fred/graph/fredgraph.csv", query_string={"id": series}).respond_with_data(
        body, content_type="text/csv")


def snapshot_bytes(store: DataStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.root.glob("*")) if p.is_file() and p.name != ".lock"}


# ---------------------------------------------------------------------------------------------
# Success paths
# ---------------------------------------------------------------------------------------------


def test_pull_fixtures_into_cache(urls, fixtures, stores):
    cache, snapshot = stores
    serve_tic(urls, "slt_table5.txt", (fixtures / "slt_table5_mini.txt").read_bytes())
    serve_tic(urls, "mfhhis01.txt", (fixtures / "mfhhis_mini.txt").read_bytes())
    serve_fred(urls, "GS10", (fixtures / "fred_GS10_mini.csv").read_bytes())
    outcomes = pull_sources(specs("tic_table5", "tic_mfhhis", "fred_GS10"), cache, snapshot, **FAST)
    assert [o.status for o in outcomes] == ["updated"] * 3, [o.line() for o in outcomes]
    manifest = cache.manifest()
    assert manifest["tic_table5"].last_observation == "2026-04"
    assert manifest["tic_mfhhis"].vintage == "2026-05-18"
    assert manifest["fred_GS10"].last_observation == "2025-03-01"
    assert manifest["tic_table5"].url == urls.url_for("/tic/slt_table5.txt")
    holdings = cache.read("tic_table5")["holdings"]
    assert holdings[(holdings["holder"] == "Japan")]["holdings_bn"].max() == 1239.3
    raw = list(cache.raw_dir("tic_table5").glob("*-slt_table5.txt"))
    meta = json.loads(Path(str(raw[0]) + ".meta.json").read_text())
    assert meta["sha256"] == manifest["tic_table5"].raw_sha256 and meta["url"].endswith("/tic/slt_table5.txt")
    # a second pull of the same files changes nothing
    again = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)
    assert again[0].status == "unchanged"


def test_pull_the_real_published_files(urls, raw_dir, stores):
    """Every configured source, served from the publisher's real files."""
    cache, snapshot = stores
    for spec in source_catalog():
        if spec.family == "tic":
            serve_tic(urls, spec.file, (raw_dir / "tic" / spec.file).read_bytes())
        else:
            serve_fred(urls, spec.series_id, (raw_dir / "fred" / spec.file).read_bytes())
    outcomes = pull_sources(source_catalog(), cache, snapshot, **FAST)
    assert all(o.status == "updated" for o in outcomes), [o.line() for o in outcomes if o.status != "updated"]
    rows = {r["source"]: r for r in source_status(cache, snapshot)}
    assert rows["tic_table5"]["last_observation"] == "2026-04"
    assert rows["tic_table5"]["origin"] == "cache"
    assert rows["fred_DGS10"]["last_observation"] == "2026-07-28"
    assert rows["tic_s1"]["note"].startswith("discontinued")
    assert cache.manifest()["tic_mfhhis"].raw_sha256 == (
        "adc9faf1eee0ca65e4d683f557c61dd81bfdc96c3a21ce72d1b765d6aa7f3f03")


def test_retry_after_5xx_then_success(urls, fixtures, stores):
    cache, snapshot = stores
    body = (fixtures / "slt_table5_mini.txt").read_bytes()
    urls.expect_ordered_request("/tic/slt_table5.txt").respond_with_data("busy", status=503)
    urls.expect_ordered_request("/tic/slt_table5.txt").respond_with_data("slow down", status=429,
                                                                        headers={"Retry-After": "0"})
    urls.expect_ordered_request("/tic/slt_table5.txt").respond_with_data(body)
    outcomes = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)
    assert outcomes[0].status == "updated"
    assert len(urls.log) == 3


def test_redirect_is_followed(urls, fixtures, stores):
    cache, snapshot = stores
    urls.expect_request("/tic/slt_table5.txt").respond_with_response(
        Response(status=301, headers={"Location": urls.url_for("/moved/slt_table5.txt")}))
    urls.expect_request("/moved/slt_table5.txt").respond_with_data((fixtures / "slt_table5_mini.txt").read_bytes())
    assert pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0].status == "updated"


# ---------------------------------------------------------------------------------------------
# Failures: the cache stays intact and the outcome says what is used instead
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def primed(urls, fixtures, stores):
    """A cache that already holds Table 5 and GS10, to prove failures leave it intact."""
    cache, snapshot = stores
    serve_tic(urls, "slt_table5.txt", (fixtures / "slt_table5_mini.txt").read_bytes())
    serve_fred(urls, "GS10", (fixtures / "fred_GS10_mini.csv").read_bytes())
    assert all(o.status == "updated" for o in pull_sources(specs("tic_table5", "fred_GS10"), cache, snapshot, **FAST))
    urls.clear()
    before = snapshot_bytes(cache)
    return cache, snapshot, before


def assert_intact(cache: DataStore, before: dict[str, bytes]) -> None:
    assert snapshot_bytes(cache) == before
    cache.read("tic_table5")  # checksums still verify


def test_server_error_keeps_cache(urls, primed):
    cache, snapshot, before = primed
    urls.expect_request("/tic/slt_table5.txt").respond_with_data("oops", status=500)
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed" and outcome.fallback == "cache"
    assert "500" in outcome.message or "retries" in outcome.message
    assert "using the cache" in outcome.line()
    assert_intact(cache, before)


def test_timeout_keeps_cache(urls, fixtures, primed):
    cache, snapshot, before = primed
    body = (fixtures / "slt_table5_mini.txt").read_bytes()

    def slow(request):
        time.sleep(0.6)
        return Response(body)

    urls.expect_request("/tic/slt_table5.txt").respond_with_handler(slow)
    t0 = time.monotonic()
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **{**FAST, "timeout_s": 0.2, "retries": 1})[0]
    assert outcome.status == "failed" and "timed out" in outcome.message
    assert time.monotonic() - t0 < 5
    assert_intact(cache, before)


def test_truncated_body_keeps_cache(urls, fixtures, primed):
    cache, snapshot, before = primed
    body = (fixtures / "slt_table5_mini.txt").read_bytes()
    # a connection that ends early: Content-Length promises more than is sent
    urls.expect_request("/tic/slt_table5.txt").respond_with_response(
        Response(iter([body[:900]]), headers={"Content-Length": str(len(body))}, direct_passthrough=True))
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed" and "cut off" in outcome.message
    assert_intact(cache, before)


def test_cut_file_served_whole_is_refused(urls, fixtures, primed):
    """A mirror serving a file that was itself cut mid-number ('30.7' -> '3')."""
    cache, snapshot, before = primed
    body = (fixtures / "slt_table5_mini.txt").read_bytes()
    cut = body[: body.index(b"Grand Total") + 20]
    serve_tic(urls, "slt_table5.txt", cut)
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed" and "cut off" in outcome.message
    assert_intact(cache, before)


def test_html_error_page_is_refused(urls, primed):
    cache, snapshot, before = primed
    serve_tic(urls, "slt_table5.txt", b"<!DOCTYPE html><html><body><h1>Site maintenance</h1></body></html>")
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed" and "HTML page" in outcome.message
    assert_intact(cache, before)


def test_older_table_than_cached_is_refused(urls, fixtures, primed):
    cache, snapshot, before = primed
    import re

    text = (fixtures / "slt_table5_mini.txt").read_bytes().decode()
    # shift every month column back a year
    older = re.sub(r"\b(20\d\d)-(\d\d)\b", lambda m: f"{int(m.group(1)) - 1}-{m.group(2)}", text)
    serve_tic(urls, "slt_table5.txt", older.encode())
    outcome = pull_sources(specs("tic_table5"), cache, snapshot, **FAST)[0]
    assert outcome.status == "refused" and "older than the cache" in outcome.message
    assert_intact(cache, before)


def test_connection_refused_falls_back_to_snapshot(monkeypatch, fixtures, tmp_path):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", f"http://127.0.0.1:{port}/tic/")
    cache = DataStore(tmp_path / "cache", "cache")
    snapshot = DataStore(tmp_path / "snapshot", "snapshot")
    from model.sources.pull import import_local

    local = tmp_path / "downloads"
    local.mkdir()
    (local / "slt_table5.txt").write_bytes((fixtures / "slt_table5_mini.txt").read_bytes())
    import_local(specs("tic_table5"), local, snapshot, DataStore(tmp_path / "none", "none"))
    outcomes = pull_sources(specs("tic_table5", "tic_mfhhis", "tic_s1"), cache, snapshot, **FAST)
    outcome = outcomes[0]
    assert outcome.status == "failed" and "cannot connect" in outcome.message
    assert outcome.fallback == "snapshot" and "using the snapshot" in outcome.line()
    # the other files on the same host are not retried one by one
    assert all("unreachable earlier in this run" in o.message for o in outcomes[1:])
    assert outcomes[2].fallback is None and "no cached copy exists" in outcomes[2].line()
    assert not cache.manifest()


def test_fred_server_error_and_html(urls, fixtures, primed):
    cache, snapshot, before = primed
    urls.expect_request("/fred/graph/fredgraph.csv", query_string={"id": "GS10"}).respond_with_data("err", status=502)
    outcome = pull_sources(specs("fred_GS10"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed" and "502" in outcome.message and outcome.fallback == "cache"
    urls.clear()
    serve_fred(urls, "GS10", b"<html><body>Too many requests</body></html>")
    outcome = pull_sources(specs("fred_GS10"), cache, snapshot, **FAST)[0]
    assert outcome.status == "failed"
    assert_intact(cache, before)


def test_fred_partial_answer_is_refused(urls, fixtures, primed):
    cache, snapshot, before = primed
    lines = (fixtures / "fred_GS10_mini.csv").read_text().splitlines()
    serve_fred(urls, "GS10", ("\n".join(lines[:3]) + "\n").encode())  # stops months early
    outcome = pull_sources(specs("fred_GS10"), cache, snapshot, **FAST)[0]
    assert outcome.status == "refused" and "older than the cache" in outcome.message
    assert_intact(cache, before)


def test_fred_answer_missing_the_early_history_is_refused(urls, fixtures, primed):
    cache, snapshot, before = primed
    lines = (fixtures / "fred_GS10_mini.csv").read_text().splitlines()
    serve_fred(urls, "GS10", ("\n".join([lines[0], *lines[4:]]) + "\n").encode())  # same end, later start
    outcome = pull_sources(specs("fred_GS10"), cache, snapshot, **FAST)[0]
    assert outcome.status == "refused" and "starts" in outcome.message and "partial" in outcome.message
    assert_intact(cache, before)


# ---------------------------------------------------------------------------------------------
# The daily part (event study): same code path for a live pull and a local import
# ---------------------------------------------------------------------------------------------


def test_pull_stores_the_daily_part_of_a_daily_series(urls, fixtures, stores):
    cache, snapshot = stores
    body = (fixtures / "fred_DGS10_mini.csv").read_bytes()
    serve_fred(urls, "DGS10", body)
    assert specs("fred_DGS10")[0].daily_from == "2010-01-01"
    outcome = pull_sources(specs("fred_DGS10"), cache, snapshot, **FAST)[0]
    assert outcome.status == "updated", outcome.line()
    entry = cache.manifest()["fred_DGS10"]
    assert set(entry.parts) == {"monthly", "daily"}
    daily = cache.read("fred_DGS10")["daily"]
    lines = [line.split(",") for line in body.decode().splitlines()[1:]]
    expected = [(d, float(v)) for d, v in lines if v]
    assert entry.parts["daily"]["rows"] == len(expected) == 130 - 7  # 7 holidays (empty cells)
    assert [(f"{d:%Y-%m-%d}", v) for d, v in zip(daily["date"], daily["value"], strict=True)] == expected
    assert set(daily["series_id"]) == {"DGS10"}
    # a monthly-only series gets no daily part
    serve_fred(urls, "GS10", (fixtures / "fred_GS10_mini.csv").read_bytes())
    pull_sources(specs("fred_GS10"), cache, snapshot, **FAST)
    assert set(cache.manifest()["fred_GS10"].parts) == {"monthly"}


def test_same_file_without_the_daily_part_is_stored_again(fixtures, stores, tmp_path):
    """A cache written before the daily part existed gets it on the next import of the same file."""
    from model.sources.pull import import_local

    cache, snapshot = stores
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "DGS10.csv").write_bytes((fixtures / "fred_DGS10_mini.csv").read_bytes())
    assert import_local(specs("fred_DGS10"), folder, cache, snapshot)[0].status == "updated"
    entry = cache.manifest()["fred_DGS10"]
    daily_only = {"daily": cache.read("fred_DGS10")["daily"]}
    monthly = cache.read("fred_DGS10")["monthly"]
    cache.write(entry, {"monthly": monthly})  # as an older version of the tool stored it
    assert set(cache.manifest()["fred_DGS10"].parts) == {"monthly"}
    again = import_local(specs("fred_DGS10"), folder, cache, snapshot)[0]
    assert again.status == "updated"
    assert cache.read("fred_DGS10")["daily"].equals(daily_only["daily"])
    assert import_local(specs("fred_DGS10"), folder, cache, snapshot)[0].status == "unchanged"


@pytest.mark.raw
def test_shipped_daily_part_is_the_published_series(raw_dir):
    """The snapshot's daily part holds exactly the raw file's observations from 2010 on."""
    from model.sources.fred import parse_fred_csv
    from model.sources.text import TextSource

    snapshot = DataStore(Path(__file__).resolve().parents[1] / "data" / "snapshot", "snapshot")
    for series in ("DGS10", "THREEFYTP10", "DEXJPUS"):
        raw = (raw_dir / "fred" / f"{series}.csv").read_bytes()
        published = parse_fred_csv(TextSource.from_bytes(raw, series)).series
        published = published[(published["date"] >= "2010-01-01") & published["value"].notna()]
        entry = snapshot.manifest()[f"fred_{series}"]
        assert entry.raw_sha256 == __import__("hashlib").sha256(raw).hexdigest()
        daily = snapshot.read(f"fred_{series}")["daily"]
        assert daily["date"].tolist() == published["date"].tolist()
        assert daily["value"].tolist() == published["value"].tolist()


# ---------------------------------------------------------------------------------------------
# Numbers that are not finite or not plausible, and downloads without end (issue 22)
# ---------------------------------------------------------------------------------------------


def test_from_dir_refuses_a_400_digit_cell_and_1e999(fixtures, primed, tmp_path, capsys, monkeypatch):
    """A 400-digit TIC cell and a FRED value of 1e999 used to be stored, after which every
    command failed with LinAlgError; now the source fails, naming the file and line, and the
    cache keeps what it had."""
    from model.cli import main

    cache, snapshot, before = primed
    folder = tmp_path / "raw"
    folder.mkdir()
    table5 = (fixtures / "slt_table5_mini.txt").read_text()
    (folder / "slt_table5.txt").write_text(table5.replace("1209.9", "9" * 400, 1))
    gs10 = (fixtures / "fred_GS10_mini.csv").read_text()
    (folder / "GS10.csv").write_text(gs10.replace("4.28", "1e999"))
    from model.sources.pull import import_local

    outcomes = {o.key: o for o in import_local(specs("tic_table5", "fred_GS10"), folder, cache, snapshot)}
    table5_line = 1 + table5.splitlines().index(next(x for x in table5.splitlines() if x.startswith("Japan")))
    assert outcomes["tic_table5"].status == "failed"
    assert f"slt_table5.txt:{table5_line}: Japan 2026-04: '999999999999...999999 (400 characters)' is too large " \
           "to be a number" in outcomes["tic_table5"].message
    assert outcomes["fred_GS10"].status == "failed"
    assert "GS10.csv:7: GS10: '1e999' is too large to be a number" in outcomes["fred_GS10"].message
    assert_intact(cache, before)
    capsys.readouterr()
    # through the command line: the pull reports both, exit 1 (sources failed), nothing stored
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(cache.root))
    code = main(["data", "pull", "--from-dir", str(folder), "--source", "tic_table5", "--source", "fred_GS10"])
    err = capsys.readouterr()
    assert code != 0 and "too large to be a number" in err.out + err.err and "LinAlgError" not in err.out + err.err
    assert_intact(cache, before)


def test_a_value_in_another_unit_is_refused(fixtures, primed, tmp_path):
    """Japan's holdings typed in millions (1,209,900 where the table is in billions), a yield
    in basis points (428 for 4.28 percent)."""
    from model.sources.pull import import_local

    cache, snapshot, before = primed
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "slt_table5.txt").write_text((fixtures / "slt_table5_mini.txt").read_text().replace("1209.9", "1209900"))
    (folder / "GS10.csv").write_text((fixtures / "fred_GS10_mini.csv").read_text().replace("4.28", "428"))
    outcomes = {o.key: o for o in import_local(specs("tic_table5", "fred_GS10"), folder, cache, snapshot)}
    assert "1,209,900 is outside the plausible range of holdings in billions of dollars (0 to 100,000): a damaged " \
           "cell, or a figure in millions where the table is in billions" in outcomes["tic_table5"].message
    assert "428 is outside the plausible range of a rate in percent (-100 to 100)" in outcomes["fred_GS10"].message
    assert_intact(cache, before)


def test_a_download_larger_than_the_limit_is_stopped(urls, fixtures, primed, monkeypatch):
    """A server that sends without end: the pull stops at the limit for a data file and names it."""
    from model import files

    cache, snapshot, before = primed
    monkeypatch.setitem(files.LIMITS, "data", 100_000)
    endless = (b"x" * 65536 for _ in range(10_000))  # 655 MB if read to the end
    urls.expect_request("/tic/slt_table5.txt").respond_with_response(Response(endless, direct_passthrough=True))
    serve_fred(urls, "GS10", b"observation_date,GS10\n" + b"2024-10-01,4.10\n" * 20_000)
    t0 = time.monotonic()
    outcomes = {o.key: o for o in pull_sources(specs("tic_table5", "fred_GS10"), cache, snapshot, **FAST)}
    assert time.monotonic() - t0 < 20
    for key in ("tic_table5", "fred_GS10"):
        assert outcomes[key].status == "failed" and outcomes[key].fallback == "cache"
        assert "the download is larger than 0.0953674 MB, the limit for a data file" in outcomes[key].message
    assert_intact(cache, before)
