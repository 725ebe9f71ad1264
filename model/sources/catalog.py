"""The catalogue of public sources (``sources.toml``), validated into typed objects."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from model.config import StrictModel, config_path, load_model
from model.errors import InputError
from model.sources.store import FILE_NAME, KEY

LEGACY_FROZEN_FILES = {"mfh.txt"}


class Described(StrictModel):
    """What every source states about itself."""

    title: str
    publisher: str
    units: str
    stale_after_days: int | None = Field(default=None, ge=1, le=3660)  # at most ten years


class TicFile(Described):
    key: str = Field(pattern=KEY)
    file: str
    format: Literal["mfhhis", "slt_table5", "s1_globl", "slt_table3", "slt3d"]
    frozen: bool = False

    @field_validator("file")
    @classmethod
    def _not_legacy(cls, value: str) -> str:
        if not re.fullmatch(FILE_NAME, value):
            raise ValueError(f"'{value}' is not a plain file name (it is appended to the base URL and "
                             "names the raw copy in the cache)")
        if value.lower() in LEGACY_FROZEN_FILES:
            raise ValueError(
                "mfh.txt was frozen by the Treasury in early 2023 and must not be a current "
                "source; use mfhhis01.txt and slt_table5.txt"
            )
        return value


class HttpSettings(StrictModel):
    """Timeouts, retries and exponential backoff for one family of sources.

    ``timeout_s`` bounds each wait for data; ``deadline_s`` bounds one whole download, retries
    and waits included; a server's ``Retry-After`` is honoured up to ``max_retry_after_s``.
    """

    timeout_s: float = Field(gt=0, le=600)
    retries: int = Field(ge=0, le=10)
    backoff_s: float = Field(ge=0, le=60)
    deadline_s: float = Field(gt=0, le=3600)
    max_retry_after_s: float = Field(ge=0, le=600)


class TicSection(HttpSettings):
    base_url: str
    files: list[TicFile]


class FredSeries(Described):
    id: str = Field(pattern=KEY)
    snapshot: bool = True
    # also keep the daily observations from this date (the intervention event study)
    daily_from: str | None = None

    @field_validator("daily_from")
    @classmethod
    def _a_real_day(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:  # YYYY-MM-DD in ASCII digits, a real day, in the years a FRED series covers
            day = dt.date.fromisoformat(value) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else None
        except ValueError:
            day = None
        if day is None or not 1900 <= day.year <= 2100:
            raise ValueError(f"'{value[:40]}' is not a day written YYYY-MM-DD between 1900 and 2100")
        return value


class FredSection(HttpSettings):
    url: str
    page_url: str
    min_interval_s: float = Field(ge=0, le=60)
    series: list[FredSeries]


class SourcesConfig(StrictModel):
    tic: TicSection
    fred: FredSection

    @model_validator(mode="after")
    def _unique_keys(self) -> SourcesConfig:
        keys = [f.key for f in self.tic.files] + [f"fred_{s.id}" for s in self.fred.series]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup:
            raise ValueError(f"source '{dup}' is listed twice")
        return self


@dataclass(frozen=True)
class SourceSpec:
    """One source as the pull, the store and the report see it."""

    key: str
    family: str  # "tic" or "fred"
    url: str
    page_url: str
    format: str
    title: str
    publisher: str
    units: str
    file: str
    stale_after_days: int | None
    frozen: bool
    in_snapshot: bool
    series_id: str | None = None
    daily_from: str | None = None  # FRED: a "daily" part from this date


@cache
def sources_config() -> SourcesConfig:
    """The validated ``sources.toml``."""
    return load_model(config_path("sources.toml"), SourcesConfig)


def source_catalog(config: SourcesConfig | None = None) -> list[SourceSpec]:
    """All sources, with live URLs. ``TLRISK_TIC_BASE_URL`` and ``TLRISK_FRED_URL`` point the
    pull at a mirror (the tests use a local server)."""
    config = config or sources_config()
    tic_base = _url_setting("TLRISK_TIC_BASE_URL", config.tic.base_url)
    fred_url = _url_setting("TLRISK_FRED_URL", config.fred.url)
    if not tic_base.endswith("/"):
        tic_base += "/"
    specs = [
        SourceSpec(
            key=f.key, family="tic", url=tic_base + f.file, page_url=config.tic.base_url + f.file,
            format=f.format, title=f.title, publisher=f.publisher, units=f.units, file=f.file,
            stale_after_days=f.stale_after_days, frozen=f.frozen, in_snapshot=True,
        )
        for f in config.tic.files
    ]
    specs += [
        SourceSpec(
            key=f"fred_{s.id}", family="fred", url=f"{fred_url}?id={s.id}",
            page_url=config.fred.page_url + s.id, format="fred_csv", title=s.title,
            publisher=s.publisher, units=s.units, file=f"{s.id}.csv",
            stale_after_days=s.stale_after_days, frozen=False, in_snapshot=s.snapshot,
            series_id=s.id, daily_from=s.daily_from,
        )
        for s in config.fred.series
    ]
    return specs



def _url_setting(variable: str, default: str) -> str:
    """An http(s) URL from the environment (a mirror), else the configured one."""
    value = os.environ.get(variable) or default
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        where = f"environment variable {variable}='{value}'" if value != default else f"'{value}'"
        raise InputError(f"{where} is not an http(s) URL")
    return value
