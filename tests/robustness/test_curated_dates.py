"""Dates in the curated tables (``data/curated``): an impossible day (``2026-02-30``) or one
outside the plausible window (``0001-01-01``, ``9999-12-31``) is refused in one line naming the
file, the line and the field; whole-table problems (rows out of order, a date twice) name the
line too. The command line exits 2 with that line, no traceback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from model.cli import main
from model.errors import InputError
from model.events import load_us_news
from model.ledger.data import EARLIEST_DAY, ledger_data, load_ledger_data

CASE_CLASS = "curated"
ROOT = Path(__file__).resolve().parents[2]
CURATED = ROOT / "data" / "curated"


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "curated"
    shutil.copytree(CURATED, out)
    return out


def set_cell(folder: Path, name: str, line: int, column: str, value: str) -> None:
    """Replace one cell (the curated tables hold no line breaks inside a cell: row n is line n)."""
    path = folder / name
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert len(rows) == len(path.read_text().splitlines())
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())


OUTSIDE = f"is outside the plausible dates {EARLIEST_DAY.isoformat()} to"
BAD_DATES = [
    ("jp_tariff_costs.csv", "published", "2026-02-30", "2026-02-30 is not a real date"),
    ("jp_tariff_costs.csv", "published", "2025-13", "String should match pattern"),
    ("jp_tariff_costs.csv", "published", "0001-01-01", f"0001-01-01 {OUTSIDE}"),
    ("jp_tariff_costs.csv", "published", "9999-12-31", f"9999-12-31 {OUTSIDE}"),
    ("jp_tariff_costs.csv", "published", "1900-01", f"1900-01-01 {OUTSIDE}"),
    ("jp_fx_impact.csv", "first_day", "0001-01-01", f"0001-01-01 {OUTSIDE}"),
    ("jp_fx_impact.csv", "last_day", "9999-12-31", f"9999-12-31 {OUTSIDE}"),
    ("jp_fx_impact.csv", "last_day", "2026-02-30", "Input should be a valid date"),
    ("jp_reserves.csv", "as_of", "0001-01-01", f"0001-01-01 {OUTSIDE}"),
    ("jp_reserves.csv", "as_of", "9999-12-31", f"9999-12-31 {OUTSIDE}"),
    ("jp_reserve_maturity.csv", "as_of", "0001-01-01", f"0001-01-01 {OUTSIDE}"),
    ("jp_reserve_maturity.csv", "as_of", "9999-12-31", f"9999-12-31 {OUTSIDE}"),
    ("ledger_facts.csv", "as_of", "1944-12-31", f"1944-12-31 {OUTSIDE}"),
    ("jp_us_imports.csv", "as_of", "9999-12-31", f"9999-12-31 {OUTSIDE}"),
    ("jp_tariff_timeline.csv", "first_day", "0001-01-01", f"0001-01-01 {OUTSIDE}"),
]


@pytest.mark.parametrize(("name", "column", "value", "message"), BAD_DATES,
                         ids=[f"{c[0]}:{c[1]}={c[2]}" for c in BAD_DATES])
def test_a_bad_date_names_file_line_and_field(folder, name, column, value, message):
    set_cell(folder, name, 2, column, value)
    with pytest.raises(InputError) as err:
        load_ledger_data(folder)
    text = str(err.value)
    assert text.startswith(f"{folder / name}:2: {column}: ") and message in text and "\n" not in text, text


def test_the_window_runs_from_1945_to_a_few_years_ahead(folder):
    set_cell(folder, "ledger_facts.csv", 2, "as_of", "1945-01-01")  # the first plausible day: kept
    soon = dt.date.today() + dt.timedelta(days=4 * 365)
    set_cell(folder, "jp_tariff_costs.csv", 2, "published", soon.isoformat())  # a dated forecast: kept
    data = load_ledger_data(folder)
    assert min(f.as_of for f in data.facts.values()) == dt.date(1945, 1, 1)
    assert data.tariff_costs[0].published == soon.isoformat()
    late = dt.date.today() + dt.timedelta(days=6 * 366)
    set_cell(folder, "jp_tariff_costs.csv", 2, "published", late.isoformat())
    with pytest.raises(InputError, match=f"jp_tariff_costs.csv:2: published: {late.isoformat()} is outside"):
        load_ledger_data(folder)


ORDER = [
    ("jp_reserves.csv", 3, "as_of", "2018-03-31", "rows are not in as_of order (2018-03-31 comes after 2019-03-31)"),
    ("jp_reserves.csv", 3, "as_of", "2019-03-31", "as_of 2019-03-31 appears twice"),
    ("jp_reserve_maturity.csv", 3, "as_of", "2001-03-31", "rows are not in as_of order"),
    ("jp_fx_impact.csv", 3, "first_day", "1991-01-01", "rows are not in first_day order"),
]


@pytest.mark.parametrize(("name", "line", "column", "value", "message"), ORDER, ids=[c[4][:30] for c in ORDER])
def test_rows_out_of_order_name_the_line(folder, name, line, column, value, message):
    if column == "first_day":
        set_cell(folder, name, line, "last_day", value)  # the row stays valid by itself
    set_cell(folder, name, line, column, value)
    with pytest.raises(InputError) as err:
        load_ledger_data(folder)
    assert str(err.value).startswith(f"{folder / name}:{line}: {column}: {message}"), str(err.value)


def test_news_out_of_order_names_the_line(folder):
    lines = (folder / "us_news.csv").read_text().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    (folder / "us_news.csv").write_text("".join(lines))
    with pytest.raises(InputError) as err:
        load_us_news(folder / "us_news.csv")
    assert str(err.value).startswith(f"{folder / 'us_news.csv'}:3: date: rows are not in date order"), str(err.value)


def test_the_command_line_refuses_an_impossible_date(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    set_cell(data / "curated", "jp_tariff_costs.csv", 2, "published", "2026-02-30")
    monkeypatch.setenv("TLRISK_DATA_DIR", str(data))
    ledger_data.cache_clear()  # read once per process: another test may have read the project's
    try:
        code = main(["simulate", str(ROOT / "scenarios" / "japan_selldown.toml"), "--draws", "200", "--json"])
    finally:
        ledger_data.cache_clear()
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "jp_tariff_costs.csv:2: published: 2026-02-30 is not a real date" in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
