"""Random corruption of real files: the right numbers or one clear error, never a traceback and
never a silently wrong number.

"Wrong" is judged line by line: a value read from a line the corruption did not touch must
equal the value the intact file gives for the same month and holder. (A digit changed inside a
number cannot be detected by anyone; a shifted column, a lost decimal elsewhere, or a number
moved to another month can.)
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.errors import InputError
from model.sources.detect import parse_source
from model.sources.text import TextSource

from .generators import tried

CASE_CLASS = "parser"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = ["mfhhis_mini.txt", "slt_table5_mini.txt", "mfh_legacy.txt", "s1_globl_mini.txt",
         "slt_table3_mini.txt", "slt3d_mini.csv", "fred_GS10_mini.csv", "fred_MTSDS133FMS_mini.csv"]
NOISE = b"\t\t\t\r\n  ,\".-/*xQn"


@st.composite
def corruption(draw, size: int):
    """A list of byte edits: cut the file, delete, insert or overwrite bytes."""
    edits = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["truncate", "delete", "insert", "overwrite"]))
        pos = draw(st.integers(min_value=0, max_value=max(size - 1, 0)))
        if kind == "delete":
            edits.append((kind, pos, draw(st.integers(min_value=1, max_value=4)), b""))
        elif kind in ("insert", "overwrite"):
            edits.append((kind, pos, 1, bytes([draw(st.sampled_from(NOISE))])))
        else:
            edits.append((kind, pos, 0, b""))
    return edits


def apply(raw: bytes, edits) -> bytes:
    data = bytearray(raw)
    for kind, pos, n, b in edits:
        pos = min(pos, len(data))
        if kind == "truncate":
            del data[pos:]
        elif kind == "delete":
            del data[pos : pos + n]
        elif kind == "insert":
            data[pos:pos] = b
        elif pos < len(data):
            data[pos : pos + 1] = b
    return bytes(data)


def records(parsed) -> dict:
    table = parsed.tidy()
    if "date" in table:
        return {(r.date, "series"): (r.value, None) for r in table.itertuples()}
    value = "holdings_bn" if "holdings_bn" in table else "net_purchases_bn"
    keys = [c for c in ("month", "holder", "instrument") if c in table]
    return {tuple(getattr(r, k) for k in keys): (getattr(r, value), r.line) for r in table.itertuples()}


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def parsed_original(name: str, raw: bytes) -> tuple[TextSource, dict]:
    """The undamaged file and its records (parsed once per file, not once per case)."""
    source = TextSource.from_bytes(raw, name)
    return source, records(parse_source(source))


def run_case(name: str, raw: bytes, edits, original_parse: tuple[TextSource, dict] | None = None) -> None:
    tried()
    source, original = original_parse or parsed_original(name, raw)
    damaged = apply(raw, edits)
    try:
        damaged_source = TextSource.from_bytes(damaged, name)
        parsed = parse_source(damaged_source)
    except InputError as exc:
        text = str(exc)
        assert text.startswith(name) and "\n" not in text
        return
    original_lines = source.lines
    damaged_lines = damaged_source.lines
    changed_on_line: dict[int, int] = {}
    for key, (value, line) in records(parsed).items():
        if key not in original:
            continue  # a holder or month whose name the corruption changed
        orig_value, orig_line = original[key]
        if line is None:  # FRED: a row keyed by its date
            prefix = f"{key[0]:%Y-%m-%d},"
            row = next((text for text in damaged_lines if text.startswith(prefix)), None)
            if row is not None and row in original_lines:
                assert same(value, orig_value), (key, value, orig_value, edits)
            continue
        if damaged_lines[int(line) - 1] == original_lines[int(orig_line) - 1]:
            assert same(value, orig_value), (key, value, orig_value, edits)
        elif not same(value, orig_value):
            changed_on_line[int(line)] = changed_on_line.get(int(line), 0) + 1
    # on a damaged line, one edit can spoil at most the one or two cells it touches: more
    # changed values mean numbers moved to the wrong months (a shifted column)
    for line, count in changed_on_line.items():
        assert count <= 2 * len(edits), (line, count, edits)


@pytest.mark.parametrize("name", FILES)
def test_corrupted_fixture_files(name):
    raw = (FIXTURES / name).read_bytes()
    original = parsed_original(name, raw)

    @settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
    @given(corruption(len(raw)))
    def check(edits):
        run_case(name, raw, edits, original)

    check()


@pytest.mark.parametrize("relative", ["tic/mfhhis01.txt", "tic/slt_table5.txt", "fred/GS10.csv"])
def test_corrupted_publisher_files(relative, raw_dir):
    path = raw_dir / relative
    raw = path.read_bytes()
    original = parsed_original(path.name, raw)

    @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
    @given(corruption(len(raw)))
    def check(edits):
        run_case(path.name, raw, edits, original)

    check()
