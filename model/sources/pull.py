"""Live pull and local import: download, check, parse, and store each source.

For every source the pull

1. downloads the raw file (TIC over HTTPS with timeouts and retries with exponential backoff;
   FRED through pandas-datareader's ``FredReader``, spaced to respect FRED's rate limit),
2. parses it with the format's parser, which refuses HTML error pages, malformed and cut-off
   files with one line naming the file and line,
3. refuses a table whose newest observation is older than what the cache or snapshot
   already has (a stale mirror or a partial FRED answer),
4. stores the raw bytes with URL, retrieval time and sha256, and the processed parts
   atomically.

A source that fails leaves the cache untouched; the outcome says what will be used instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import math
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import requests
import urllib3
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    IncompleteRead,
    InvalidHeader,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from model.errors import InputError, SourceError
from model.files import LIMITS, MB, read_bytes_limited
from model.sources.catalog import SourceSpec, sources_config
from model.sources.detect import parse_source
from model.sources.fred import to_daily, to_monthly
from model.sources.store import (
    DataStore,
    ManifestEntry,
    ranked,
    read_manifests,
    sha256_bytes,
    utc_now_iso,
)
from model.sources.tables import ParsedTable
from model.sources.text import TextSource

RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_VINTAGES = 4  # history-file vintages kept for the revision table
USER_AGENT = "treasury-leverage/0.1 (+https://github.com/; research tool)"


class RefusedDownload(SourceError):
    """A download that arrived intact but is older than what is already held."""


@dataclass
class PullOutcome:
    """What happened to one source."""

    key: str
    status: str  # "updated", "unchanged", "failed", "refused"
    message: str
    fallback: str | None = None  # "cache" or "snapshot" when the source failed

    def line(self) -> str:
        """One line for the terminal."""
        text = f"{self.key}: {self.status} - {' '.join(self.message.split())}"
        if self.status in ("failed", "refused"):
            text += f"; using the {self.fallback}" if self.fallback else "; no cached copy exists"
        return text


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


CONNECT_RETRIES = 1  # a host that does not answer (no network, no DNS) rarely comes back in seconds


class Unreachable(SourceError):
    """The host did not accept a connection (no network, no DNS, refused): the other files on
    the same host are not tried in this run."""


class DeadlineExceeded(SourceError):
    """A download (with its retries) took longer than its total deadline."""


# -- the total deadline of one download --------------------------------------------------------

_ACTIVE = threading.local()  # the deadline of the download running in this thread


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """The total time one download may take, retries and waits included.

    A socket timeout bounds each wait for a byte, not the whole download: a server that
    trickles a byte every half second, or asks for a retry in an hour, would hold the pull
    indefinitely. Inside ``with Deadline(s):`` every connection the session opens is
    registered; when the time is up a timer shuts them down (a blocked read returns at once),
    retries stop, and waits between retries are cut to the time left.

    Parameters
    ----------
    seconds : float
        The budget, from entering the block.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return max(self.until - time.monotonic(), 0.0)

    def watch(self, sock: socket.socket | None) -> None:
        """Register a socket of this download (shut at once if the time is already up)."""
        with self._lock:
            if self.expired:
                _shut(sock)
            elif sock is not None:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> Deadline:
        self.until = time.monotonic() + self.seconds
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        _ACTIVE.deadline = self
        return self

    def __exit__(self, *exc_info) -> None:
        if self._timer is not None:
            self._timer.cancel()
        _ACTIVE.deadline = None

    @property
    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.until


def active_deadline() -> Deadline | None:
    """The deadline of the download running in this thread, if any."""
    return getattr(_ACTIVE, "deadline", None)


# what a failed download raises (requests, urllib3, sockets, http.client)
NETWORK_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError,
                  http.client.HTTPException)


def _watch(sock) -> None:
    deadline = active_deadline()
    if deadline is not None:
        deadline.watch(sock)


class _Watched:
    """A connection whose socket the running download's deadline watches."""

    def connect(self) -> None:
        super().connect()
        _watch(self.sock)

    def getresponse(self, *args, **kwargs):
        _watch(self.sock)  # a kept-alive connection is reused without connect()
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections that a :class:`Deadline` can shut down."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


class BoundedRetry(Retry):
    """urllib3's retry policy within a download's :class:`Deadline`: ``Retry-After`` is capped
    (``retry_after_max``; a malformed one counts as absent), every wait is cut to the time
    left, and no retry starts once the time is up."""

    def get_retry_after(self, response) -> float | None:
        try:
            value = super().get_retry_after(response)
        except InvalidHeader:
            return None
        deadline = active_deadline()
        return value if value is None or deadline is None else min(value, deadline.remaining())

    def get_backoff_time(self) -> float:
        value = super().get_backoff_time()
        deadline = active_deadline()
        return value if deadline is None else min(value, deadline.remaining())

    def increment(self, *args, **kwargs):
        deadline = active_deadline()
        if deadline is not None and deadline.passed:
            raise MaxRetryError(kwargs.get("_pool"), kwargs.get("url") or "",
                                ProtocolError(f"the download deadline of {deadline.seconds:g}s has passed"))
        return super().increment(*args, **kwargs)


def http_session(retries: int, backoff_s: float, max_retry_after_s: float = 30.0) -> requests.Session:
    """A session that retries read timeouts, 429 and 5xx with exponential backoff
    (``backoff_s * 2**n``), honouring ``Retry-After`` up to ``max_retry_after_s``, retries a
    failed connection once, and follows redirects. Used inside a :class:`Deadline`, its
    connections, retries and waits stop when the download's time is up. TIC downloads and
    pandas-datareader's FRED reader both use it."""
    retry = BoundedRetry(
        total=retries + CONNECT_RETRIES,
        connect=min(retries, CONNECT_RETRIES),
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        backoff_max=max(max_retry_after_s, backoff_s),
        retry_after_max=max_retry_after_s,  # type: ignore[arg-type]  # compared as seconds
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = _DeadlineAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


# -- what went wrong, in one line -----------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, and the reasons urllib3 and requests wrap inside one another."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        todo += [a for a in current.args if isinstance(a, BaseException)]
        todo += [getattr(current, "reason", None), current.__cause__, current.__context__]
    return seen


def failure(label: str, exc: BaseException, timeout_s: float, deadline: Deadline | None, url: str = "") -> SourceError:
    """One line saying why a download failed, as the right kind of :class:`SourceError`.

    Only a connection that could not be made is :class:`Unreachable`; a read that timed out
    or a body that was cut off concerns that one file.
    """
    where = f" ({url})" if url else ""
    if deadline is not None and deadline.passed:
        return DeadlineExceeded(f"{label}: gave up after {deadline.seconds:g}s, the deadline for one download "
                                f"(a server that stalls or sends the file very slowly){where}")
    chain = _chain(exc)
    if any(isinstance(e, NewConnectionError | NameResolutionError | ConnectTimeoutError
                      | requests.exceptions.ConnectTimeout) for e in chain):
        return Unreachable(f"{label}: cannot connect ({_reason(exc)})")
    if any(isinstance(e, ReadTimeoutError | requests.exceptions.ReadTimeout | TimeoutError) for e in chain):
        return SourceError(f"{label}: timed out after {timeout_s:g}s waiting for data{where}")
    if any(isinstance(e, ProtocolError | IncompleteRead | requests.exceptions.ChunkedEncodingError
                      | http.client.HTTPException) for e in chain):
        return SourceError(f"{label}: download cut off before the end{where}")
    if any(isinstance(e, requests.exceptions.RetryError | ResponseError) for e in chain):
        return SourceError(f"{label}: gave up after retries ({_reason(exc)})")
    if any(isinstance(e, requests.exceptions.ConnectionError) for e in chain):
        return Unreachable(f"{label}: cannot connect ({_reason(exc)})")
    return SourceError(f"{label}: request failed ({_reason(exc)})")


def fetch_bytes(
    session: requests.Session, url: str, timeout_s: float, label: str, progress: bool = True,
    deadline_s: float = 300.0,
) -> bytes:
    """GET ``url`` and return its body, with a progress bar on a terminal, within a total
    deadline of ``deadline_s`` (retries and waits included).

    Raises
    ------
    SourceError
        For connection failures (:class:`Unreachable`), timeouts, the deadline
        (:class:`DeadlineExceeded`), HTTP errors after retries, and truncated bodies (fewer
        bytes than ``Content-Length``).
    """
    total = None
    with Deadline(deadline_s) as deadline:
        try:
            with session.get(url, timeout=timeout_s, stream=True) as response:
                if response.status_code >= 400:
                    raise SourceError(f"{label}: HTTP {response.status_code} from {url}")
                length = response.headers.get("Content-Length") or ""
                total = int(length) if length.isascii() and length.isdigit() and int(length) else None
                with tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False,
                          disable=None if progress else True) as bar:
                    body = read_limited(response, label, url, bar.update)
        except SourceError:
            raise
        except (*NETWORK_ERRORS, ValueError) as exc:
            raise failure(label, exc, timeout_s, deadline, url) from None
        if deadline.passed:  # the timer shut the socket: what arrived is not the whole file
            raise failure(label, TimeoutError(), timeout_s, deadline, url)
    if total is not None and len(body) < total:
        raise SourceError(f"{label}: download cut off ({len(body)} of {total} bytes)")
    return body


class TooLarge(SourceError):
    """A download larger than the limit for a data file (``model.files.LIMITS["data"]``)."""


def read_limited(response: requests.Response, label: str, url: str,
                 progress: Callable[[int], object] | None = None) -> bytes:
    """The body of a streamed response, refused once it passes the limit for a data file (a
    server that sends without end is stopped there, not read until memory runs out)."""
    limit = LIMITS["data"]
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            response.close()
            raise TooLarge(f"{label}: the download is larger than {limit / MB:g} MB, the limit for a data file ({url})")
        if progress is not None:
            progress(len(chunk))
    return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc.args[0] if exc.args else exc).split())  # one line
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Max retries exceeded", "too many 429", "too many 5"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text.split("(Caused by")[0].strip()[:160]


# ---------------------------------------------------------------------------------------------
# FRED through pandas-datareader
# ---------------------------------------------------------------------------------------------


def read_fred(series_id: str, url: str, session: requests.Session, timeout_s: float) -> pd.DataFrame:
    """pandas-datareader's FRED reader pointed at ``url``, every observation from 1900 on.

    Retries are the session's (urllib3, with backoff and ``Retry-After``), so the reader's own
    retry loop is switched off.
    """
    from pandas_datareader.fred import FredReader

    class _Reader(FredReader):
        @property
        def url(self) -> str:  # the configured (or mirror) endpoint
            return url

    reader = _Reader(symbols=series_id, start="1900-01-01", end=dt.date.today() + dt.timedelta(days=1),
                     retry_count=0, pause=0.0, timeout=timeout_s, session=session)
    return reader.read()


def fetch_fred(spec: SourceSpec, timeout_s: float, retries: int, backoff_s: float,
               deadline_s: float = 120.0, max_retry_after_s: float = 30.0) -> bytes:
    """Download one FRED series with pandas-datareader and return the raw CSV it received,
    within a total deadline of ``deadline_s``.

    The reader's own result is checked against the raw CSV (same last date), so what is
    stored is exactly what the reader saw.
    """
    base_url = spec.url.split("?", 1)[0]
    captured: list[requests.Response] = []
    errors: list[BaseException] = []  # datareader folds these into a multi-line text: keep them
    session = http_session(retries, backoff_s, max_retry_after_s)
    session.hooks["response"].append(lambda r, *args, **kwargs: captured.append(r))
    send = session.request

    def request(*args, **kwargs):
        try:
            response = send(*args, **{**kwargs, "stream": True})
            # read the body here, within the size limit, before the reader asks for it
            response._content = read_limited(response, spec.key, base_url)
            return response
        except Exception as exc:
            errors.append(exc)
            raise

    session.request = request  # type: ignore[method-assign]
    with Deadline(deadline_s) as deadline:
        try:
            frame = read_fred(spec.series_id or "", base_url, session, timeout_s)
        except Exception as exc:  # datareader raises many kinds; all mean "unusable answer"
            status = next((r.status_code for r in reversed(captured) if r.status_code != 200), None)
            if status is not None and not deadline.passed:
                raise SourceError(f"{spec.key}: HTTP {status} from FRED after {retries} retries") from None
            cause = errors[-1] if errors else exc
            if isinstance(cause, TooLarge):
                raise cause from None
            if deadline.passed or any(isinstance(e, NETWORK_ERRORS) for e in _chain(cause)):
                raise failure(spec.key, cause, timeout_s, deadline) from None
            raise SourceError(f"{spec.key}: malformed answer from FRED ({type(exc).__name__})") from None
        if deadline.passed:
            raise failure(spec.key, TimeoutError(), timeout_s, deadline)
    ok = [r for r in captured if r.status_code == 200]
    if not ok:
        raise SourceError(f"{spec.key}: no answer from FRED")
    body = ok[-1].content
    expected = ok[-1].headers.get("Content-Length")
    if expected and expected.isascii() and expected.isdigit() and len(body) < int(expected):
        raise SourceError(f"{spec.key}: download cut off ({len(body)} of {expected} bytes)")
    if frame is None or frame.empty:
        raise SourceError(f"{spec.key}: FRED returned no observations")
    return body


# ---------------------------------------------------------------------------------------------
# Processing into store parts
# ---------------------------------------------------------------------------------------------


def as_of_date(parsed: ParsedTable, retrieved: str | None) -> tuple[str, str]:
    """The date a table speaks for, and how it was found.

    The publication date printed in the file wins; else the retrieval date of a live pull;
    else (a local copy of a file that prints no date) the end of the month after the last
    observation, a lower bound since TIC and FRED publish after the month ends.
    """
    if parsed.vintage:
        return parsed.vintage.isoformat(), "printed in the file"
    if retrieved:
        return retrieved[:10], "retrieval date"
    last = parsed.last_month
    bound = (last + pd.offsets.MonthEnd(2)).date().isoformat() if last is not None else "1900-01-01"
    return bound, "lower bound: end of the month after the last observation"


def process(
    spec: SourceSpec, parsed: ParsedTable, raw: bytes, retrieved: str | None, obtained: str
) -> tuple[ManifestEntry, dict[str, pd.DataFrame]]:
    """Turn one parsed download into store parts and a manifest entry."""
    frames: dict[str, pd.DataFrame] = {}
    vintage, basis = as_of_date(parsed, retrieved)
    if spec.family == "fred":
        frames["monthly"] = to_monthly(parsed.series)
        if spec.daily_from:
            frames["daily"] = to_daily(parsed.series, spec.daily_from)
        dates = parsed.series.dropna(subset=["value"])["date"]
        first_obs, last_obs = f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"
    else:
        if len(parsed.holdings):
            holdings = parsed.holdings.assign(source=spec.file)
            holdings.insert(0, "vintage", pd.Timestamp(vintage))
            frames["holdings"] = holdings
        if len(parsed.flows):
            frames["flows"] = parsed.flows.assign(source=spec.file)
        last_obs = f"{parsed.last_month:%Y-%m}" if parsed.last_month is not None else None
        months = [f["month"].min() for f in frames.values() if len(f)]
        first_obs = f"{min(months):%Y-%m}" if months else None
    entry = ManifestEntry(
        key=spec.key, format=parsed.kind, url=spec.page_url if obtained != "live pull" else spec.url,
        page_url=spec.page_url, title=spec.title, retrieved=retrieved, obtained=obtained,
        vintage=parsed.vintage.isoformat() if parsed.vintage else None, as_of=vintage,
        as_of_basis=basis, last_observation=last_obs,
        raw_sha256=sha256_bytes(raw), raw_bytes=len(raw), warnings=list(parsed.warnings),
        first_observation=first_obs,
    )
    return entry, frames


def merge_vintages(new: pd.DataFrame, old: pd.DataFrame | None) -> pd.DataFrame:
    """Keep earlier vintages of the history file beside the new one (newest ``MAX_VINTAGES``)."""
    if old is None or old.empty:
        return new
    new_vintages = set(new["vintage"].unique())
    kept = old[~old["vintage"].isin(new_vintages)]
    merged = pd.concat([kept, new], ignore_index=True)
    vintages = sorted(merged["vintage"].unique())[-MAX_VINTAGES:]
    return merged[merged["vintage"].isin(vintages)].reset_index(drop=True)


def check_not_older(spec: SourceSpec, entry: ManifestEntry, stores: list[DataStore]) -> None:
    """Refuse a table whose newest observation is older than one already held, or (a partial
    answer) whose history starts later than the held copy's."""
    manifests, _ = read_manifests(stores)
    held = ranked(spec.key, stores, manifests)
    if not held:
        return
    where, old = held[0][0].name, held[0][1]
    if entry.last_observation and old.last_observation and entry.last_observation < old.last_observation:
        raise RefusedDownload(
            f"{spec.key}: downloaded table ends {entry.last_observation}, older than the "
            f"{where}'s {old.last_observation}: refused (stale mirror or partial answer)"
        )
    # the rolling Table 5 (13 months) always starts later than the previous release
    if (spec.key != "tic_table5" and entry.first_observation and old.first_observation
            and entry.first_observation > old.first_observation):
        raise RefusedDownload(
            f"{spec.key}: downloaded table starts {entry.first_observation}, later than the {where}'s "
            f"{old.first_observation}: refused (a partial answer missing the early history)"
        )


def store_source(
    spec: SourceSpec, parsed: ParsedTable, raw: bytes, cache: DataStore, others: list[DataStore],
    retrieved: str | None, obtained: str,
) -> PullOutcome:
    """Check and store one parsed source in the cache."""
    entry, frames = process(spec, parsed, raw, retrieved, obtained)
    check_not_older(spec, entry, [cache, *others])
    current = cache.manifest_or_empty().get(spec.key)
    # the same file, already stored with every part this version of the tool makes
    if current is not None and current.raw_sha256 == entry.raw_sha256 and set(current.parts) == set(frames):
        return PullOutcome(spec.key, "unchanged", f"same file as cached (through {entry.last_observation})")
    if "holdings" in frames and spec.format == "mfhhis":
        previous = None
        for store in (cache, *others):
            if spec.key in store.manifest_or_empty():
                try:
                    previous = store.read(spec.key).get("holdings")
                    break
                except SourceError:
                    continue
        frames["holdings"] = merge_vintages(frames["holdings"], previous)
    cache.write(entry, frames)
    note = f"; {'; '.join(parsed.warnings)}" if parsed.warnings else ""
    return PullOutcome(spec.key, "updated", f"through {entry.last_observation}{note}")


def _fallback(key: str, stores: list[DataStore]) -> str | None:
    manifests, _ = read_manifests(stores)
    held = ranked(key, stores, manifests)
    return held[0][0].name if held else None


def pull_sources(
    specs: list[SourceSpec],
    cache: DataStore,
    snapshot: DataStore,
    *,
    progress: bool = True,
    fred_min_interval_s: float | None = None,
    timeout_s: float | None = None,
    retries: int | None = None,
    backoff_s: float | None = None,
    deadline_s: float | None = None,
    report: Callable[[PullOutcome], None] | None = None,
) -> list[PullOutcome]:
    """Pull every source in ``specs`` from its live URL into ``cache``.

    Parameters
    ----------
    specs : list of SourceSpec
        Sources to pull (see :func:`~model.sources.catalog.source_catalog`).
    cache, snapshot : DataStore
        Where results go, and the shipped data used for the staleness check and fallback.
    progress : bool
        Show progress bars on a terminal.
    fred_min_interval_s, timeout_s, retries, backoff_s, deadline_s : optional
        Override ``sources.toml`` (tests use small values). ``timeout_s`` bounds each wait
        for data, ``deadline_s`` a whole download with its retries.
    report : callable, optional
        Called with each outcome as it happens.

    Returns
    -------
    list of PullOutcome
    """
    config = sources_config()
    # environment knobs (a slow mirror, tests): TLRISK_HTTP_TIMEOUT_S, TLRISK_HTTP_RETRIES,
    # TLRISK_HTTP_BACKOFF_S, TLRISK_HTTP_DEADLINE_S, TLRISK_FRED_MIN_INTERVAL_S
    # (the same bounds as sources.toml's HttpSettings: a year-long timeout overflows the timers)
    timeout_s = _env_number("TLRISK_HTTP_TIMEOUT_S", timeout_s, positive=True, high=600)
    retries = _env_number("TLRISK_HTTP_RETRIES", retries, int, high=10)
    backoff_s = _env_number("TLRISK_HTTP_BACKOFF_S", backoff_s, high=60)
    deadline_s = _env_number("TLRISK_HTTP_DEADLINE_S", deadline_s, positive=True, high=3600)
    fred_min_interval_s = _env_number("TLRISK_FRED_MIN_INTERVAL_S", fred_min_interval_s, high=60)
    outcomes = []
    last_fred = 0.0
    interval = config.fred.min_interval_s if fred_min_interval_s is None else fred_min_interval_s
    tic, fred = config.tic, config.fred
    tic_session = http_session(
        tic.retries if retries is None else retries,
        tic.backoff_s if backoff_s is None else backoff_s,
        tic.max_retry_after_s,
    )
    bar = tqdm(specs, desc="sources", unit="src", disable=None if progress else True, leave=False)
    unreachable: dict[str, str] = {}  # host -> why; no point trying every file on a host that refuses
    for spec in bar:
        bar.set_postfix_str(spec.key)
        host = urlsplit(spec.url).netloc
        try:
            if host in unreachable:
                raise SourceError(f"{spec.key}: skipped, {host} was unreachable earlier in this run ({unreachable[host]})")
            if spec.family == "fred":
                wait = last_fred + interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                last_fred = time.monotonic()
                raw = fetch_fred(
                    spec, fred.timeout_s if timeout_s is None else timeout_s,
                    fred.retries if retries is None else retries,
                    fred.backoff_s if backoff_s is None else backoff_s,
                    fred.deadline_s if deadline_s is None else deadline_s, fred.max_retry_after_s,
                )
            else:
                raw = fetch_bytes(
                    tic_session, spec.url, tic.timeout_s if timeout_s is None else timeout_s,
                    spec.key, progress, tic.deadline_s if deadline_s is None else deadline_s,
                )
            retrieved = utc_now_iso()
            try:
                parsed = parse_source(TextSource.from_bytes(raw, spec.url), expect=spec.format)
            except InputError as exc:
                raise SourceError(f"{spec.key}: {exc}") from None
            outcome = store_source(spec, parsed, raw, cache, [snapshot], retrieved, "live pull")
            if outcome.status == "updated":  # keep only downloads that were accepted
                cache.write_raw(spec.key, spec.file, raw, {
                    "url": spec.url, "retrieved": retrieved, "sha256": sha256_bytes(raw), "bytes": len(raw),
                })
        except SourceError as exc:
            status = "refused" if isinstance(exc, RefusedDownload) else "failed"
            message = str(exc).removeprefix(f"{spec.key}: ")
            if isinstance(exc, Unreachable):
                unreachable[host] = message
            outcome = PullOutcome(spec.key, status, message, _fallback(spec.key, [cache, snapshot]))
        outcomes.append(outcome)
        if report:
            report(outcome)
    return outcomes


_ENV_INT = re.compile(r"^\s*[+-]?\d+\s*$", re.ASCII)
_ENV_FLOAT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$", re.ASCII)


def _env_number(name: str, default, kind=float, positive: bool = False, high: float | None = None):
    """A number from the environment, else ``default``; a bad value is an input error.

    Only ASCII digits count: Python's int() and float() also read '٣' (an Arabic-Indic three)
    and '1_000', which no one means in a setting. ``high`` is the largest sensible value (the
    bound ``sources.toml`` puts on the same setting).
    """
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    if text.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise InputError(f"environment variable {name}='{text}' is not a finite number")
    if not (_ENV_INT if kind is int else _ENV_FLOAT).match(text):
        what = "a whole number" if kind is int else "a number"
        raise InputError(f"environment variable {name}='{text[:40]}' is not a number ({what} in the digits 0-9)")
    value = kind(text)
    if not math.isfinite(value):
        raise InputError(f"environment variable {name}='{text[:40]}' is not a finite number")
    if value < 0 or (positive and value == 0):
        raise InputError(f"environment variable {name}={text} must be {'above' if positive else 'at least'} 0")
    if high is not None and value > high:
        raise InputError(f"environment variable {name}={text[:40]} must be at most {high:g}")
    return value


def import_local(
    specs: list[SourceSpec], raw_dir: Path, cache: DataStore, snapshot: DataStore
) -> list[PullOutcome]:
    """Process the publishers' files from a local folder (e.g. a copy made elsewhere) into
    ``cache``, exactly as a live pull would. Sub-folders hold other vintages of the same file;
    they are imported oldest first so that the newest vintage wins."""
    if not Path(raw_dir).is_dir():
        raise InputError("not a folder" if Path(raw_dir).exists() else "folder not found", raw_dir, field="--from-dir")
    outcomes = []
    for spec in specs:
        paths = sorted(p for p in Path(raw_dir).rglob(spec.file) if p.is_file())
        if not paths:
            outcomes.append(PullOutcome(spec.key, "failed", f"no {spec.file} under {raw_dir}",
                                        _fallback(spec.key, [cache, snapshot])))
            continue
        parsed_files = []
        for path in paths:
            try:
                raw = read_bytes_limited(path, "data")
                parsed = parse_source(TextSource.from_bytes(raw, str(path)), expect=spec.format)
            except InputError as exc:
                outcomes.append(PullOutcome(spec.key, "failed", str(exc), _fallback(spec.key, [cache, snapshot])))
                break
            parsed_files.append((parsed.vintage or dt.date.min, path, raw, parsed))
        else:
            for _, path, raw, parsed in sorted(parsed_files, key=lambda item: (item[0], str(item[1]))):
                try:
                    outcome = store_source(spec, parsed, raw, cache, [snapshot], None,
                                           f"local copy of {path.name}")
                except SourceError as exc:
                    status = "refused" if isinstance(exc, RefusedDownload) else "failed"
                    outcome = PullOutcome(spec.key, status, str(exc), _fallback(spec.key, [cache, snapshot]))
            outcomes.append(outcome)
    return outcomes
