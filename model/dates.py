"""The document date a user may fix: ``SOURCE_DATE_EPOCH`` (reproducible builds' convention),
read and checked in one place. A base helper: it imports no stage."""

from __future__ import annotations

import datetime as dt
import os

from model.errors import InputError

LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as whole seconds since 1970, or None when unset or empty.

    Raises
    ------
    InputError
        Anything but ASCII digits (``'yesterday'``, ``'1.5'``, ``'²'``) or a time after 9999.
    """
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if text is None or not text.strip():
        return None
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > LATEST_EPOCH:
        raise InputError(f"environment variable SOURCE_DATE_EPOCH='{text}' is not a time in seconds since 1970")
    return int(digits)


def check_source_date_epoch() -> None:
    """Check ``SOURCE_DATE_EPOCH`` before any import reads it (numpy's f2py, which scipy
    imports, fails on an empty or malformed value with an error that names nothing); an empty
    value is removed (it means unset)."""
    if source_date_epoch() is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def source_date(default: int) -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` as a UTC time, else ``default`` (seconds since 1970)."""
    epoch = source_date_epoch()
    return dt.datetime.fromtimestamp(default if epoch is None else epoch, dt.UTC)
