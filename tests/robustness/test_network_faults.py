"""Every source against every network fault, on a local server: the cache and snapshot stay
intact and the outcome says what happened and what is used instead."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from werkzeug import Response

from model.sources.pull import import_local, pull_sources
from model.sources.store import DataStore

from .generators import source_spec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# each source with a small file in its published format
SOURCES = {
    "tic_mfhhis": "mfhhis_mini.txt", "tic_table5": "slt_table5_mini.txt", "tic_table3": "slt_table3_mini.txt",
    "tic_s1": "s1_globl_mini.txt", "tic_slt3d": "slt3d_mini.csv", "fred_GS10": "fred_GS10_mini.csv",
}
FAULTS = ["refused", "timeout", "throttled", "server_error", "redirect", "truncated", "html", "stale"]
FAST = {"progress": False, "fred_min_interval_s": 0.0, "timeout_s": 0.25, "retries": 2, "backoff_s": 0.0}


def path_of(spec, prefix: str) -> tuple[str, dict]:
    if spec.family == "fred":
        return f"{prefix}/fred/graph/fredgraph.csv", {"query_string": {"id": spec.series_id}}
    return f"{prefix}/tic/{spec.file}", {}


def snapshot_files(store: DataStore) -> dict:
    return {p.name: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and p.name != ".lock"}


def older(body: bytes) -> bytes:
    """The same table with every date a decade earlier (a stale mirror)."""
    text = body.decode("utf-8")
    text = re.sub(r"\b(19|20)(\d\d)-(\d\d)\b", lambda m: f"{int(m.group(1) + m.group(2)) - 10}-{m.group(3)}", text)
    text = re.sub(r"(?m)^(Country\t)(.*)$", lambda m: m.group(1) + re.sub(r"\b(20\d\d)\b", lambda y: str(int(y.group(1)) - 10), m.group(2)), text)
    return text.encode("utf-8")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("key", list(SOURCES))
def test_fault(key, fault, httpserver, monkeypatch, tmp_path):
    # a path prefix of its own, so that a late retry from an earlier test cannot take this
    # test's responses (the server is shared)
    prefix = f"/{key}-{fault}"
    spec_env = {"TLRISK_TIC_BASE_URL": httpserver.url_for(f"{prefix}/tic/"),
                "TLRISK_FRED_URL": httpserver.url_for(f"{prefix}/fred/graph/fredgraph.csv")}
    for k, v in spec_env.items():
        monkeypatch.setenv(k, v)
    spec = source_spec(key)
    body = (FIXTURES / SOURCES[key]).read_bytes()
    # the cache and the snapshot already hold this source (from the same file, imported locally)
    local = tmp_path / "local"
    local.mkdir()
    (local / spec.file).write_bytes(body)
    cache, snapshot = DataStore(tmp_path / "cache", "cache"), DataStore(tmp_path / "snapshot", "snapshot")
    assert import_local([spec], local, snapshot, DataStore(tmp_path / "none", "none"))[0].status == "updated"
    assert import_local([spec], local, cache, DataStore(tmp_path / "none", "none"))[0].status == "updated"
    before_cache, before_snapshot = snapshot_files(cache), snapshot_files(snapshot)
    path, match = path_of(spec, prefix)
    expected_status = "failed"
    if fault == "refused":
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        monkeypatch.setenv("TLRISK_TIC_BASE_URL", f"http://127.0.0.1:{port}/tic/")
        monkeypatch.setenv("TLRISK_FRED_URL", f"http://127.0.0.1:{port}/fred/graph/fredgraph.csv")
        spec = source_spec(key)
        message = "cannot"
    elif fault == "timeout":
        # the server answers after 0.3 s; the client gives up after 0.1 s (three attempts)
        httpserver.expect_request(path, **match).respond_with_handler(lambda r: (time.sleep(0.3), Response(body))[1])
        message = "timed out"
    elif fault == "throttled":  # 429 with Retry-After, then the file: the retry succeeds
        calls = []

        def throttle(request):
            calls.append(1)
            if len(calls) == 1:
                return Response("slow down", status=429, headers={"Retry-After": "0"})
            return Response(body)

        httpserver.expect_request(path, **match).respond_with_handler(throttle)
        expected_status, message = "unchanged", "same file"
    elif fault == "server_error":
        httpserver.expect_request(path, **match).respond_with_data("oops", status=503)
        message = "503"
    elif fault == "redirect":  # followed to the file: nothing new
        httpserver.expect_request(path, **match).respond_with_response(
            Response(status=302, headers={"Location": httpserver.url_for(f"{prefix}/moved/{spec.file}")}))
        httpserver.expect_request(f"{prefix}/moved/{spec.file}").respond_with_data(body)
        expected_status, message = "unchanged", "same file"
    elif fault == "truncated":
        httpserver.expect_request(path, **match).respond_with_response(
            Response(iter([body[: len(body) // 2]]), headers={"Content-Length": str(len(body))}, direct_passthrough=True))
        message = "cut off"
    elif fault == "html":
        httpserver.expect_request(path, **match).respond_with_data(
            "<!DOCTYPE html><html><head><title>Error</title></head><body>Service unavailable</body></html>",
            content_type="text/html")
        message = ""
    else:  # stale
        httpserver.expect_request(path, **match).respond_with_data(older(body))
        expected_status, message = "refused", "older than"
    t0 = time.monotonic()
    outcome = pull_sources([spec], cache, snapshot, **{**FAST, **({"timeout_s": 0.1} if fault == "timeout" else {})})[0]
    assert time.monotonic() - t0 < 10
    assert outcome.status == expected_status, outcome.line()
    assert message.lower() in outcome.line().lower()
    if outcome.status in ("failed", "refused"):
        assert outcome.fallback == "cache" and "using the cache" in outcome.line()
    assert snapshot_files(snapshot) == before_snapshot
    assert snapshot_files(cache) == before_cache  # nothing written, nothing lost
    cache.read(key)  # still verifies
    if fault == "throttled":
        assert len(calls) == 2
