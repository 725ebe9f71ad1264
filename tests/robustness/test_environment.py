"""Environment variables the sources and the file layout read: digits of other scripts
('²', '٣', '１２'), absurd sizes and paths that cannot name a folder are one-line errors (exit 2),
never silently read as a number or failing later with a bare OSError."""

from __future__ import annotations

import pytest

from model import paths
from model.cli import main
from model.errors import InputError
from model.workers import cpu_workers

CASE_CLASS = "environment"

PULL = ["data", "pull", "--source", "tic_table5", "--no-progress"]
NOWHERE = {"TLRISK_TIC_BASE_URL": "http://127.0.0.1:9/tic/"}  # never reached: the settings fail first

NUMBERS = ["TLRISK_HTTP_TIMEOUT_S", "TLRISK_HTTP_RETRIES", "TLRISK_HTTP_BACKOFF_S", "TLRISK_HTTP_DEADLINE_S",
           "TLRISK_FRED_MIN_INTERVAL_S"]
NOT_DIGITS = ["²", "٣", "１２", "1_0", "0x1", "3 s", "²٣", "1e"]


@pytest.mark.parametrize("value", NOT_DIGITS)
@pytest.mark.parametrize("name", NUMBERS)
def test_http_settings_in_other_digits_are_refused(monkeypatch, capsys, name, value):
    for key, setting in {**NOWHERE, name: value}.items():
        monkeypatch.setenv(key, setting)
    assert main(PULL) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: environment variable {name}='{value}' is not a number") and "\n" not in err


@pytest.mark.parametrize(("name", "value", "message"), [
    ("TLRISK_HTTP_TIMEOUT_S", "1e300", "must be at most 600"),
    ("TLRISK_HTTP_TIMEOUT_S", "1e999", "is not a finite number"),
    ("TLRISK_HTTP_DEADLINE_S", "86400", "must be at most 3600"),
    ("TLRISK_HTTP_RETRIES", "1000000", "must be at most 10"),
    ("TLRISK_HTTP_RETRIES", "2.5", "is not a number (a whole number in the digits 0-9)"),
    ("TLRISK_HTTP_BACKOFF_S", "-1", "must be at least 0"),
    ("TLRISK_FRED_MIN_INTERVAL_S", "1e300", "must be at most 60"),
    ("TLRISK_FRED_MIN_INTERVAL_S", "-inf", "is not a finite number"),
])
def test_http_settings_out_of_range_are_refused(monkeypatch, capsys, name, value, message):
    for key, setting in {**NOWHERE, name: value}.items():
        monkeypatch.setenv(key, setting)
    assert main(PULL) == 2
    assert message in capsys.readouterr().err


def test_plain_ascii_settings_still_work(monkeypatch):
    from model.sources.pull import _env_number

    for value, expected in [("2", 2.0), (" 2.5 ", 2.5), ("1e1", 10.0), ("+3", 3.0), (".5", 0.5)]:
        monkeypatch.setenv("TLRISK_HTTP_TIMEOUT_S", value)
        assert _env_number("TLRISK_HTTP_TIMEOUT_S", None, positive=True, high=600) == expected


@pytest.mark.parametrize("value", ["²", "٣", "１２", "1_0", "+3", "3.0"])
def test_workers_in_other_digits_are_refused(monkeypatch, value):
    monkeypatch.setenv("TLRISK_WORKERS", value)
    with pytest.raises(InputError, match="is not a whole number from 1 to 16"):
        cpu_workers()


@pytest.mark.parametrize("port", ["٨٠", "²", "８０"])
def test_a_mirror_port_in_other_digits_is_refused(monkeypatch, capsys, port):
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", f"http://127.0.0.1:{port}/tic/")
    assert main(PULL) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err


FOLDERS = ["TLRISK_DATA_DIR", "TLRISK_CACHE_DIR", "TLRISK_ESTIMATES_DIR"]


@pytest.mark.parametrize(("value", "message"), [
    ("x" * 256, "has a name of 256 bytes; the file system allows 255"),
    ("/tmp/" + "d/" * 2100, "bytes long; the file system allows 4,096"),
    ("   ", "is blank"),
    ("data\ncache", "contains a control character"),
    ("data\tcache", "contains a control character"),
])
@pytest.mark.parametrize("name", FOLDERS)
def test_a_folder_that_cannot_exist_is_refused(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=message) as info:
        paths.estimates_dir()  # reads all three
    assert str(info.value).startswith(f"environment variable {name}=")


def test_an_over_long_folder_is_a_clear_error_on_the_command_line(monkeypatch, capsys):
    monkeypatch.setenv("TLRISK_CACHE_DIR", "c" * 300)
    assert main(["data", "status"]) == 2
    assert "TLRISK_CACHE_DIR" in capsys.readouterr().err


def test_an_over_long_config_folder_is_a_clear_error(monkeypatch):
    from model.config import config_path

    monkeypatch.setenv("TLRISK_CONFIG_DIR", "c" * 300)  # (is_dir() would raise 'File name too long')
    with pytest.raises(InputError, match="TLRISK_CONFIG_DIR='c+' has a name of 300 bytes"):
        config_path("holders.toml")


@pytest.mark.parametrize("name", FOLDERS)
def test_ordinary_folders_are_accepted(monkeypatch, tmp_path, name):
    folder = tmp_path / "données ²" / "cache"  # any name the file system takes, digits of any kind
    monkeypatch.setenv(name, str(folder))
    assert str(folder) in {str(paths.data_dir()), str(paths.cache_dir()), str(paths.estimates_dir())}
