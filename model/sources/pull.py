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

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.util.retry import Retry

from model.errors import InputError, SourceError
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
        text = f"{self.key}: {self.status} - {self.message}"
        if self.status in ("failed", "refused"):
            text += f"; using the {self.fallback}" if self.fallback else "; no cached copy exists"
        return text


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


CONNECT_RETRIES = 1  # a host that does not answer (no network, no DNS) rarely comes back in seconds


def http_session(retries: int, backoff_s: float) -> requests.Session:
    """A session that retries read timeouts, 429 and 5xx with exponential backoff
    (``backoff_s * 2**n``), honouring ``Retry-After``, retries a failed connection once, and
    follows redirects. TIC downloads and pandas-datareader's FRED reader both use it."""
    retry = Retry(
        total=retries + CONNECT_RETRIES,
        connect=min(retries, CONNECT_RETRIES),
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def fetch_bytes(
    session: requests.Session, url: str, timeout_s: float, label: str, progress: bool = True
) -> bytes:
    """GET ``url`` and return its body, with a progress bar on a terminal.

    Raises
    ------
    SourceError
        For connection failures, timeouts, HTTP errors after retries, and truncated bodies
        (fewer bytes than ``Content-Length``).
    """
    try:
        with session.get(url, timeout=timeout_s, stream=True) as response:
            if response.status_code >= 400:
                raise SourceError(f"{label}: HTTP {response.status_code} from {url}")
            total = int(response.headers.get("Content-Length") or 0) or None
            chunks = []
            with tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False,
                      disable=None if progress else True) as bar:
                for chunk in response.iter_content(chunk_size=65536):
                    chunks.append(chunk)
                    bar.update(len(chunk))
            body = b"".join(chunks)
    except SourceError:
        raise
    except requests.exceptions.Timeout:
        raise SourceError(f"{label}: timed out after {timeout_s:g}s ({url})") from None
    except requests.exceptions.RetryError as exc:
        raise SourceError(f"{label}: gave up after retries ({_reason(exc)})") from None
    except requests.exceptions.ConnectionError as exc:
        if "IncompleteRead" in str(exc) or "Connection broken" in str(exc):
            raise SourceError(f"{label}: download cut off before the end ({url})") from None
        raise SourceError(f"{label}: cannot connect ({_reason(exc)})") from None
    except requests.exceptions.ChunkedEncodingError:
        raise SourceError(f"{label}: download cut off before the end ({url})") from None
    except requests.exceptions.RequestException as exc:
        raise SourceError(f"{label}: request failed ({_reason(exc)})") from None
    if total is not None and len(body) < total:
        raise SourceError(f"{label}: download cut off ({len(body)} of {total} bytes)")
    return body


def _reason(exc: BaseException) -> str:
    text = str(exc.args[0] if exc.args else exc)
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


def fetch_fred(spec: SourceSpec, timeout_s: float, retries: int, backoff_s: float) -> bytes:
    """Download one FRED series with pandas-datareader and return the raw CSV it received.

    The reader's own result is checked against the raw CSV (same last date), so what is
    stored is exactly what the reader saw.
    """
    base_url = spec.url.split("?", 1)[0]
    captured: list[requests.Response] = []
    session = http_session(retries, backoff_s)
    session.hooks["response"].append(lambda r, *args, **kwargs: captured.append(r))
    try:
        frame = read_fred(spec.series_id or "", base_url, session, timeout_s)
    except Exception as exc:  # datareader raises many kinds; all mean "unusable answer"
        status = next((r.status_code for r in reversed(captured) if r.status_code != 200), None)
        if status is not None:
            raise SourceError(f"{spec.key}: HTTP {status} from FRED after {retries} retries") from None
        name, text = type(exc).__name__, str(exc)
        if "IncompleteRead" in text or "Connection broken" in text:
            raise SourceError(f"{spec.key}: download cut off before the end") from None
        if "Timeout" in name or "timed out" in text or "Read timed out" in text:
            raise SourceError(f"{spec.key}: timed out after {timeout_s:g}s") from None
        if "Connection" in name or "Unable to read URL" in text:
            raise SourceError(f"{spec.key}: cannot reach FRED ({_reason(exc)})") from None
        raise SourceError(f"{spec.key}: malformed answer from FRED ({name})") from None
    ok = [r for r in captured if r.status_code == 200]
    if not ok:
        raise SourceError(f"{spec.key}: no answer from FRED")
    body = ok[-1].content
    expected = ok[-1].headers.get("Content-Length")
    if expected and len(body) < int(expected):
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
    current = cache.manifest().get(spec.key)
    # the same file, already stored with every part this version of the tool makes
    if current is not None and current.raw_sha256 == entry.raw_sha256 and set(current.parts) == set(frames):
        return PullOutcome(spec.key, "unchanged", f"same file as cached (through {entry.last_observation})")
    if "holdings" in frames and spec.format == "mfhhis":
        previous = None
        for store in (cache, *others):
            if spec.key in store.manifest():
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
    fred_min_interval_s, timeout_s, retries, backoff_s : optional
        Override ``sources.toml`` (tests use small values).
    report : callable, optional
        Called with each outcome as it happens.

    Returns
    -------
    list of PullOutcome
    """
    config = sources_config()
    # environment knobs (a slow mirror, tests): TLRISK_HTTP_TIMEOUT_S, TLRISK_HTTP_RETRIES,
    # TLRISK_HTTP_BACKOFF_S, TLRISK_FRED_MIN_INTERVAL_S
    timeout_s = _env_number("TLRISK_HTTP_TIMEOUT_S", timeout_s)
    retries = _env_number("TLRISK_HTTP_RETRIES", retries, int)
    backoff_s = _env_number("TLRISK_HTTP_BACKOFF_S", backoff_s)
    fred_min_interval_s = _env_number("TLRISK_FRED_MIN_INTERVAL_S", fred_min_interval_s)
    outcomes = []
    last_fred = 0.0
    interval = config.fred.min_interval_s if fred_min_interval_s is None else fred_min_interval_s
    tic_session = http_session(
        config.tic.retries if retries is None else retries,
        config.tic.backoff_s if backoff_s is None else backoff_s,
    )
    bar = tqdm(specs, desc="sources", unit="src", disable=None if progress else True, leave=False)
    unreachable: dict[str, str] = {}  # host -> why; no point retrying every file on a dead host
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
                    spec, config.fred.timeout_s if timeout_s is None else timeout_s,
                    config.fred.retries if retries is None else retries,
                    config.fred.backoff_s if backoff_s is None else backoff_s,
                )
            else:
                raw = fetch_bytes(
                    tic_session, spec.url, config.tic.timeout_s if timeout_s is None else timeout_s,
                    spec.key, progress,
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
            if message.startswith(("cannot connect", "cannot reach")):
                unreachable[host] = message
            outcome = PullOutcome(spec.key, status, message, _fallback(spec.key, [cache, snapshot]))
        outcomes.append(outcome)
        if report:
            report(outcome)
    return outcomes


def _env_number(name: str, default, kind=float):
    """A number from the environment, else ``default``; a bad value is an input error."""
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"environment variable {name}='{text}' is not a number") from None
    if value < 0:
        raise InputError(f"environment variable {name}={text} must not be negative")
    return value


def import_local(
    specs: list[SourceSpec], raw_dir: Path, cache: DataStore, snapshot: DataStore
) -> list[PullOutcome]:
    """Process the publishers' files from a local folder (e.g. a copy made elsewhere) into
    ``cache``, exactly as a live pull would. Sub-folders hold other vintages of the same file;
    they are imported oldest first so that the newest vintage wins."""
    outcomes = []
    for spec in specs:
        paths = sorted(Path(raw_dir).rglob(spec.file))
        if not paths:
            outcomes.append(PullOutcome(spec.key, "failed", f"no {spec.file} under {raw_dir}",
                                        _fallback(spec.key, [cache, snapshot])))
            continue
        parsed_files = []
        for path in paths:
            raw = path.read_bytes()
            try:
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
                except RefusedDownload as exc:
                    outcome = PullOutcome(spec.key, "refused", str(exc), _fallback(spec.key, [cache, snapshot]))
            outcomes.append(outcome)
    return outcomes
