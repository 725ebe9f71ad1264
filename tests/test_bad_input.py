"""Malformed files: one clear error naming file and line, exit code 2, never a wrong number."""

from __future__ import annotations

import pandas as pd
import pytest

from model.cli import main
from model.errors import InputError
from model.sources.detect import parse_path, parse_source
from model.sources.text import TextSource

FIXTURE_FILES = ["mfhhis_mini.txt", "slt_table5_mini.txt", "mfh_legacy.txt", "s1_globl_mini.txt",
                 "slt_table3_mini.txt", "slt3d_mini.csv", "fred_GS10_mini.csv"]


def write(tmp_path, name, text, newline="\n") -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return str(path)


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="empty file"):
        parse_path(write(tmp_path, "empty.txt", "  \n"))


def test_unknown_layout(tmp_path):
    with pytest.raises(InputError, match="unknown layout"):
        parse_path(write(tmp_path, "x.txt", "hello\tworld\n1\t2\n"))


def test_html_error_page(tmp_path):
    page = "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head></html>\n"
    with pytest.raises(InputError, match="HTML page"):
        parse_path(write(tmp_path, "slt_table5.txt", page))


def test_non_numeric_cell_names_line_and_field(fixtures, tmp_path):
    text = (fixtures / "mfhhis_mini.txt").read_bytes().decode()
    bad = text.replace("Japan\t1185.5\t", "Japan\t11x5.5\t", 1)
    path = write(tmp_path, "mfhhis01.txt", bad, newline="")
    with pytest.raises(InputError) as err:
        parse_path(path)
    line = bad.split("\r\n").index(next(x for x in bad.split("\r\n") if x.startswith("Japan\t11x5.5"))) + 1
    assert err.value.line == line
    assert "non-numeric cell '11x5.5'" in str(err.value) and "Japan Dec 2025" in str(err.value)


def test_value_beyond_month_columns(fixtures, tmp_path):
    text = (fixtures / "slt_table5_mini.txt").read_bytes().decode()
    lines = text.split("\r\n")
    i = next(k for k, x in enumerate(lines) if x.startswith("Japan\t"))
    lines[i] = "\t".join(lines[i].split("\t")[:5])  # a row cut short
    with pytest.raises(InputError, match="empty cell"):
        parse_path(write(tmp_path, "slt_table5.txt", "\r\n".join(lines), newline=""))


def test_missing_column_in_table3(fixtures, tmp_path):
    text = (fixtures / "slt_table3_mini.txt").read_bytes().decode()
    text = text.replace("for_lt_treas_valchg", "for_lt_treas_valchange")
    with pytest.raises(InputError, match="missing column 'for_lt_treas_valchg'"):
        parse_path(write(tmp_path, "slt_table3.txt", text, newline=""))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_cut_off_files_never_yield_a_shortened_number(fixtures, name):
    """Cut each file at many points: the parser either refuses with a line-numbered error or
    returns only numbers equal to the complete file's (a dropped final line is allowed)."""
    raw = (fixtures / name).read_bytes()
    full = parse_source(TextSource.from_bytes(raw, name)).tidy()
    value = "value" if "value" in full else ("holdings_bn" if "holdings_bn" in full else "net_purchases_bn")
    keys = [c for c in ("date", "month", "holder", "instrument") if c in full]
    reference = full.set_index(keys)[value]
    step = max(1, len(raw) // 150)
    outcomes = {"refused": 0, "kept": 0}
    for cut in range(1, len(raw) - 1, step):
        try:
            part = parse_source(TextSource.from_bytes(raw[:cut], name)).tidy()
        except InputError as exc:
            assert exc.path == name and str(exc).startswith(name)
            outcomes["refused"] += 1
            continue
        got = part.set_index(keys)[value]
        expected = reference.loc[got.index]
        assert ((got == expected) | (got.isna() & expected.isna())).all(), f"cut at byte {cut}"
        outcomes["kept"] += 1
    assert outcomes["refused"] > 0


def test_cli_error_is_one_line_with_exit_code_2(fixtures, tmp_path, capsys):
    path = write(tmp_path, "bad.txt", "<html><body>Error 500</body></html>\n")
    assert main(["data", "parse", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and path in err[0]
    assert "Traceback" not in err[0]
    assert main(["--verbose", "data", "parse", path]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_cli_missing_file(capsys, tmp_path):
    assert main(["data", "parse", str(tmp_path / "nope.txt")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_cli_parse_prints_tidy_csv(fixtures, capsys):
    assert main(["data", "parse", str(fixtures / "slt_table5_mini.txt")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "month,holder,holdings_bn,basis,source,kind,flag,series_break,old_series_bn,long_term_bn,line"
    assert any(line.startswith("2026-04,Japan,1209.9,slt_expanded,") for line in out)
    assert main(["data", "parse", str(fixtures / "s1_globl_mini.txt")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("month,holder,net_purchases_bn,valuation_change_bn,instrument,basis")


def test_crlf_bom_and_lf_give_the_same_table(fixtures, tmp_path):
    raw = (fixtures / "slt_table5_mini.txt").read_bytes()
    lf = raw.replace(b"\r\n", b"\n")
    bom = b"\xef\xbb\xbf" + raw
    tables = [parse_source(TextSource.from_bytes(b, "t5")).holdings.drop(columns="source") for b in (raw, lf, bom)]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])
