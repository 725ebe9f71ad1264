"""Every wait is bounded: a fault server on 127.0.0.1 that stalls, trickles bytes, asks for
absurd Retry-After waits or serves an absurd line cannot hold a pull longer than its
deadline, and each fault is reported as what it is, in one line.

The deadlines here are a fraction of a second (the shipped ones are minutes), so that every
case runs in about a second.
"""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from model.cli import main
from model.sources.pull import fetch_bytes, http_session, pull_sources
from model.sources.store import DataStore

from .generators import source_spec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEADLINE_S = 0.5
FAST = {"progress": False, "fred_min_interval_s": 0.0, "timeout_s": 0.2, "retries": 1, "backoff_s": 0.0,
        "deadline_s": DEADLINE_S}
BOUND_S = DEADLINE_S + 1.2  # the deadline, plus slack for a loaded machine


class FaultServer(ThreadingHTTPServer):
    """A small HTTP server whose answer to each path is a function of the request handler."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, object] = {}
        self.stop = threading.Event()
        self.hits: dict[str, int] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        key = urlsplit(self.path).path + ("?" + urlsplit(self.path).query if urlsplit(self.path).query else "")
        route = self.server.routes.get(key) or self.server.routes.get(urlsplit(self.path).path)
        self.server.hits[key] = self.server.hits.get(key, 0) + 1
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            route(self)


@pytest.fixture
def server(monkeypatch):
    srv = FaultServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", srv.url("/tic/"))
    monkeypatch.setenv("TLRISK_FRED_URL", srv.url("/fred/graph/fredgraph.csv"))
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


# -- the faults --------------------------------------------------------------------------------


def send(body: bytes, status: int = 200, headers: dict | None = None):
    def route(h):
        h.send_response(status)
        for k, v in {"Content-Length": str(len(body)), **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
    return route


def trickle(body: bytes):
    """The right headers, then one byte every 0.1 s."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for byte in body:
            if h.server.stop.wait(0.1):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
    return route


def trickle_headers(h):
    """The status line, then the headers one byte every 0.1 s."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for byte in b"X-Slow: " + b"x" * 200:
        if h.server.stop.wait(0.1):
            return
        h.wfile.write(bytes([byte]))
        h.wfile.flush()


def stall(h):
    h.server.stop.wait(10)


def cut_off(body: bytes):
    """Announces the whole file, sends a tenth, and closes."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 10])
        h.wfile.flush()
        h.close_connection = True
    return route


RETRY_AFTER = {"600 seconds": "600", "a date in 2099": "Thu, 01 Jan 2099 00:00:00 GMT", "not a time": "soon"}


def tic_path(key):
    return f"/tic/{source_spec(key).file}"


def fred_path(series):
    return f"/fred/graph/fredgraph.csv?id={series}"


@pytest.fixture
def stores(tmp_path):
    return DataStore(tmp_path / "cache", "cache"), DataStore(tmp_path / "snapshot", "snapshot")


def pull(keys, stores):
    t0 = time.monotonic()
    outcomes = pull_sources([source_spec(k) for k in keys], *stores, **FAST)
    return outcomes, time.monotonic() - t0


TABLE5 = (FIXTURES / "slt_table5_mini.txt").read_bytes()
TABLE3 = (FIXTURES / "slt_table3_mini.txt").read_bytes()
GS10 = (FIXTURES / "fred_GS10_mini.csv").read_bytes()


# -- bounded waits -----------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["tic", "fred"])
def test_a_trickling_server_gives_up_at_the_deadline(server, stores, family):
    key, path, body = ("tic_table5", tic_path("tic_table5"), TABLE5) if family == "tic" else \
        ("fred_GS10", fred_path("GS10"), GS10)
    server.routes[path] = trickle(body)
    (outcome,), elapsed = pull([key], stores)
    assert elapsed < BOUND_S
    assert outcome.status == "failed" and f"gave up after {DEADLINE_S:g}s" in outcome.line(), outcome.line()
    assert not (stores[0].root / "manifest.json").exists()  # nothing stored from a partial file


def test_trickling_headers_give_up_at_the_deadline(server, stores):
    server.routes[tic_path("tic_table5")] = trickle_headers
    (outcome,), elapsed = pull(["tic_table5"], stores)
    assert elapsed < BOUND_S
    assert outcome.status == "failed" and "gave up after" in outcome.line(), outcome.line()


@pytest.mark.parametrize("value", list(RETRY_AFTER), ids=list(RETRY_AFTER))
@pytest.mark.parametrize("family", ["tic", "fred"])
def test_absurd_retry_after_is_capped_by_the_deadline(server, stores, family, value):
    key, path = ("tic_table5", tic_path("tic_table5")) if family == "tic" else ("fred_GS10", fred_path("GS10"))
    server.routes[path] = send(b"slow down", 429, {"Retry-After": RETRY_AFTER[value]})
    (outcome,), elapsed = pull([key], stores)
    assert elapsed < BOUND_S
    assert outcome.status == "failed" and "internal error" not in outcome.line()
    assert "429" in outcome.line() or "gave up after" in outcome.line(), outcome.line()


def test_retry_after_is_capped_without_the_deadline(server):
    """A long deadline, a short cap: the server's 600 s becomes the cap, then the retry fails."""
    server.routes["/tic/x.txt"] = send(b"slow down", 429, {"Retry-After": "600"})
    session = http_session(retries=1, backoff_s=0.0, max_retry_after_s=0.3)
    t0 = time.monotonic()
    with pytest.raises(Exception, match="HTTP 429"):
        fetch_bytes(session, server.url("/tic/x.txt"), 5.0, "x", progress=False, deadline_s=30.0)
    assert 0.25 < time.monotonic() - t0 < 2.0
    assert server.hits["/tic/x.txt"] == 2  # asked, waited the cap, asked once more


def test_a_stalled_server_is_a_timeout_not_a_connection_failure(server, stores):
    server.routes[tic_path("tic_table5")] = stall
    (outcome,), elapsed = pull(["tic_table5"], stores)
    assert elapsed < BOUND_S
    assert "cannot connect" not in outcome.line()
    assert "timed out after 0.2s" in outcome.line() or "gave up after" in outcome.line(), outcome.line()


# -- one file's fault concerns that file -------------------------------------------------------


@pytest.mark.parametrize("fault", ["stall", "cut_off", "trickle"])
def test_one_bad_file_does_not_skip_the_others_on_its_host(server, stores, fault):
    server.routes[tic_path("tic_table5")] = {"stall": stall, "cut_off": cut_off(TABLE5), "trickle": trickle(TABLE5)}[fault]
    server.routes[tic_path("tic_table3")] = send(TABLE3)
    (bad, good), elapsed = pull(["tic_table5", "tic_table3"], stores)
    assert bad.status == "failed" and "skipped" not in good.line()
    assert good.status == "updated", good.line()
    assert elapsed < BOUND_S + 1


def test_a_host_that_refuses_is_tried_once(stores, monkeypatch):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", f"http://127.0.0.1:{port}/tic/")
    (first, second), _ = pull(["tic_table5", "tic_table3"], stores)
    assert "cannot connect" in first.line()
    assert "skipped" in second.line() and "unreachable" in second.line()


def test_a_cut_off_fred_body_is_one_line(server, stores):
    server.routes[fred_path("GS10")] = cut_off(GS10)
    (outcome,), _ = pull(["fred_GS10"], stores)
    assert outcome.status == "failed" and "cut off" in outcome.line()
    assert "\n" not in outcome.line()


# -- a line over the csv module's limit --------------------------------------------------------


LONG = TABLE5.replace(b"\r\n", b"\r\n" + b"x" * 200_000 + b"\r\n", 1)


def test_a_200_with_a_huge_line_falls_back(server, stores):
    server.routes[tic_path("tic_table5")] = send(LONG)
    server.routes[tic_path("tic_table3")] = send(TABLE3)
    (bad, good), _ = pull(["tic_table5", "tic_table3"], stores)
    assert bad.status == "failed" and "200,000 characters long" in bad.line(), bad.line()
    assert good.status == "updated"


def test_parsing_a_file_with_a_huge_line_is_invalid_input(tmp_path, capsys):
    path = tmp_path / "slt_table5.txt"
    path.write_bytes(LONG)
    assert main(["data", "parse", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {path}:2: line 2 is 200,000 characters long; no published table has lines over 65,536 (not a data table?)"
