"""Bounded work in the parsers: every file read through a size limit that the message names,
linear time in the size of the Ministry of Finance's record, and Japanese text in the wrong
encoding or damaged named as such (the encoding found, the line, what is expected), not quoted
as mojibake."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from model import files
from model.cli import main
from model.errors import InputError
from model.sources.detect import parse_path, parse_source
from model.sources.text import TextSource

from .generators import MOF_HEAD, mof_record, tried

CASE_CLASS = "parser"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEIO = (FIXTURES / "mof_feio_mini.csv").read_bytes().decode("cp932")


def best_time(text: str, repeat: int) -> float:
    """The fastest of ``repeat`` parses in this process's own CPU time (other work on a busy
    machine does not count), with the garbage collector paused (its passes grow with everything
    else the process holds)."""
    raw = text.encode("cp932")
    times = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.process_time()
            parse_source(TextSource.from_bytes(raw, "feio.csv"))
            times.append(time.process_time() - start)
    finally:
        gc.enable()
    return min(times)


def test_the_ministry_parser_is_linear():
    """A record 20 times longer takes about 20 times as long, not 400 times (each period used to
    re-sum every day read so far). One-day periods make the most periods per row. The bound,
    2.5 times the size ratio, leaves room for a busy machine; the old parser took about 100
    times as long. (Seconds belong in make bench.)"""
    small, n_small = mof_record(1000, pairs=1, days=1)  # 1,000 one-day periods of one row each
    large, n_large = mof_record(20_000, pairs=1, days=1)  # 20,000 (1991-2045): 40,000 lines, 2.2 MB
    assert n_large == 20 * n_small
    best_time(small, 1)  # warm-up (imports, caches)
    ratio = best_time(large, 2) / best_time(small, 5)
    tried()
    assert ratio < 2.5 * 20, f"parsing 20 times the rows took {ratio:.0f} times as long"


def test_dev_zero_is_refused_naming_the_limit(capsys):
    start = time.monotonic()
    assert main(["data", "parse", "/dev/zero"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: /dev/zero: is larger than 64 MB, the limit for a data file (not a data file?)"
    assert time.monotonic() - start < 30


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setitem(files.LIMITS, "data", 2000)
    path = tmp_path / "mfhhis01.txt"
    path.write_bytes((FIXTURES / "mfhhis_mini.txt").read_bytes())  # 5,633 bytes
    with pytest.raises(InputError, match="is larger than 2,000 bytes, the limit for a data file"):
        parse_path(path)
    with pytest.raises(InputError, match="larger than 0.00190735 MB, the limit for a data file"):
        TextSource.from_bytes(path.read_bytes(), "download")  # a download, already in memory


def test_a_folder_and_a_missing_file_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="is a directory, not a file"):
        parse_path(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        parse_path(tmp_path / "nothing.csv")


# -- encodings -------------------------------------------------------------------------------


def euc_jp() -> bytes:
    # EUC-JP has no full-width tilde or brackets: written as their JIS forms
    return FEIO.replace("～", "〜").replace("（", "(").replace("）", ")").replace("：", ":").encode("euc_jp")


def damaged(raw: bytes, marker: str, replacement: bytes, encoding: str = "cp932") -> bytes:
    """``raw`` with the first byte of ``marker`` replaced."""
    at = raw.index(marker.encode(encoding))
    return raw[:at] + replacement + raw[at + 1 :]


CP932 = FEIO.encode("cp932")
UTF8 = FEIO.encode("utf-8")
FIRST_REIWA_LINE = 19  # the first line with 令和 in the fixture
LAST_DAY_LINE = 29


@pytest.mark.parametrize(("raw", "expected", "line"), [
    (euc_jp(), "Japanese text in EUC-JP; the Ministry of Finance publishes this record in Shift-JIS (code page 932)", 1),
    (damaged(CP932, "令和", b"\x81\r"), "byte(s) 81 0d are not valid Shift-JIS (code page 932)", FIRST_REIWA_LINE),
    (damaged(CP932, "令和", b"\xff"), "byte(s) ff are not Shift-JIS (code page 932) text", FIRST_REIWA_LINE),
    (damaged(CP932, "令和", b"\xf0\x40"), "byte(s) f0 40 are not Shift-JIS (code page 932) text", FIRST_REIWA_LINE),
    (damaged(UTF8, "令和", b"\xe4,", "utf-8"), "byte(s) e4 2c are not valid UTF-8", FIRST_REIWA_LINE),
    (damaged(UTF8, "令和6年7月12日", b"\xff", "utf-8"), "byte(s) ff", LAST_DAY_LINE),
], ids=["euc-jp", "shift-jis cut mid-character", "shift-jis 0xff", "shift-jis user-defined area", "utf-8 cut",
        "utf-8 0xff"])
def test_japanese_text_in_another_or_a_damaged_encoding(raw, expected, line):
    tried()
    with pytest.raises(InputError) as info:
        parse_source(TextSource.from_bytes(raw, "feio.csv"))
    message = str(info.value)
    assert expected in message and info.value.line == line, message
    assert "\ufffd" not in message and not any(0xE000 <= ord(c) <= 0xF8FF for c in message)  # no mojibake
    assert "\n" not in message


def test_the_same_record_in_utf8_is_read():
    """Converted to UTF-8 (a user's editor), the record reads as in Shift-JIS."""
    tried()
    original = parse_source(TextSource.from_bytes(CP932, "feio.csv")).interventions
    converted = parse_source(TextSource.from_bytes(FEIO.encode("utf-8"), "feio.csv")).interventions
    assert original.equals(converted)


def test_a_windows_1252_table_is_still_read_as_before():
    raw = MOF_HEAD.encode("cp932")  # a Japanese head alone: no days
    with pytest.raises(InputError, match="no intervention days"):
        parse_source(TextSource.from_bytes(raw, "feio.csv"))
    text = TextSource.from_bytes("Country\tSéance\tÉtat\n".encode("cp1252"), "x")
    assert text.lines[0] == "Country\tSéance\tÉtat"
