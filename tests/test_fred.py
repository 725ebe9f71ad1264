"""FRED CSV parser and monthly aggregation against the published files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from model.errors import InputError
from model.sources.fred import parse_fred_csv, to_monthly
from model.sources.text import TextSource


def load(path) -> pd.DataFrame:
    return parse_fred_csv(TextSource.from_path(path)).series


def test_sanity_values_from_provenance(raw_dir):
    fred = raw_dir / "fred"
    dex = load(fred / "DEXJPUS.csv").set_index("date")["value"]
    assert dex["2024-07-10"] == 161.73 and dex["2026-07-29"] == 163.86
    assert load(fred / "VIXCLS.csv").set_index("date")["value"]["2020-03-16"] == 82.69
    assert load(fred / "IRLTLT01JPM156N.csv").set_index("date")["value"]["2025-12-01"] == 2.06
    assert load(fred / "FEDFUNDS.csv").set_index("date")["value"]["2025-12-01"] == 3.72
    treast = load(fred / "TREAST.csv").set_index("date")["value"]
    assert treast["2022-06-08"] == 5771393.0 and treast.max() == 5771393.0
    assert treast["2025-12-31"] == 4227801.0
    debt = load(fred / "FYGFDPUN.csv").set_index("date")["value"]
    assert debt["2000-01-01"] == 3687974.0 and debt["2019-10-01"] == 17187392.0
    assert debt["2025-10-01"] == pytest.approx(30870713.09449654)  # fractional values from 2025
    gdp = load(fred / "GDP.csv").set_index("date")["value"]
    assert gdp["1959-01-01"] == 510.33 and gdp["2025-10-01"] == 31422.526


def test_holidays_are_missing_not_zero(raw_dir):
    dgs10 = load(raw_dir / "fred/DGS10.csv")
    assert len(dgs10) == 16846 and dgs10["value"].isna().sum() == 719
    assert math.isnan(dgs10.set_index("date")["value"].get(pd.Timestamp("2026-01-19"), math.nan))


def test_monthly_average_matches_monthly_series(raw_dir):
    """PROVENANCE: the daily DGS10's monthly means match GS10 within 0.005 (2000-2026)."""
    daily = to_monthly(load(raw_dir / "fred/DGS10.csv")).set_index("month")
    monthly = load(raw_dir / "fred/GS10.csv").set_index("date")["value"]
    both = daily.join(monthly.rename("gs10"), how="inner").loc["2000-01-01":"2026-06-01"]
    assert len(both) == 318
    assert (both["mean"] - both["gs10"]).abs().max() <= 0.005 + 1e-9
    assert daily.loc["2025-12-01", "mean"] == pytest.approx(4.1432, abs=1e-4)
    tp = to_monthly(load(raw_dir / "fred/THREEFYTP10.csv")).set_index("month")
    assert tp.loc["2014-06-01", "mean"] == pytest.approx(0.4374, abs=1e-4)
    assert tp.loc["2025-12-01", "mean"] == pytest.approx(0.5498, abs=1e-4)


def test_partial_final_month_is_flagged(raw_dir):
    dgs2 = to_monthly(load(raw_dir / "fred/DGS2.csv")).set_index("month")
    assert not dgs2.loc["2026-02-01", "complete"]  # file stops on 2026-02-20
    assert dgs2.loc["2026-01-01", "complete"]
    treast = to_monthly(load(raw_dir / "fred/TREAST.csv")).set_index("month")
    assert treast.loc["2025-12-01", "last"] == 4227801.0  # last Wednesday of the month


def test_old_header_and_decimals(fixtures):
    table = parse_fred_csv(TextSource.from_path(fixtures / "fred_MTSDS133FMS_mini.csv"))
    s = table.series
    assert s["series_id"].iloc[0] == "MTSDS133FMS"
    assert s.set_index("date")["value"]["2024-10-01"] == pytest.approx(-257450.34319191)
    assert to_monthly(s)["freq"].iloc[0] == "M"
    q = to_monthly(parse_fred_csv(TextSource.from_path(fixtures / "fred_FYGFDPUN_mini.csv")).series)
    assert q["freq"].iloc[0] == "Q"


def test_cut_off_download_drops_incomplete_last_line(fixtures, tmp_path):
    text = (fixtures / "fred_GS10_mini.csv").read_text()
    assert text.endswith("\n")
    cut = text.rstrip("\n")[:-1]  # '...,4.58' cut to '...,4.5': no final newline
    path = tmp_path / "GS10.csv"
    path.write_text(cut)
    table = parse_fred_csv(TextSource.from_path(path))
    full = parse_fred_csv(TextSource.from_path(fixtures / "fred_GS10_mini.csv")).series
    assert len(table.series) == len(full) - 1
    assert (table.series["value"].to_numpy() == full["value"].to_numpy()[:-1]).all()
    assert "cut off" in table.warnings[0] and "dropped" in table.warnings[0]


@pytest.mark.parametrize(("body", "message", "line"), [
    ("observation_date,GS10\n2024-01-01,4.1\n2024-02-01,abc\n", "non-numeric value 'abc'", 3),
    ("observation_date,GS10\n2024-01-01,4.1\n2024-01-01,4.2\n", "does not follow", 3),
    ("observation_date,GS10\n2024-13-01,4.1\n", "not a valid date", 2),
    ("observation_date,GS10\n2024-01-01,4.1,9\n", "expected 2 fields", 2),
    ("date;value\n2024-01-01;4.1\n", "not a FRED CSV header", 1),
])
def test_malformed_fred_files(tmp_path, body, message, line):
    path = tmp_path / "GS10.csv"
    path.write_text(body)
    with pytest.raises(InputError) as err:
        parse_fred_csv(TextSource.from_path(path))
    assert message in str(err.value) and err.value.line == line
    assert str(err.value).startswith(f"{path}:{line}:")


# -- values and dates that cannot be right (issue 22) -----------------------------------------

GS10 = "observation_date,GS10\n2024-10-01,4.10\n2024-11-01,{value}\n2024-12-01,4.39\n"


@pytest.mark.parametrize("value, message", [
    ("1e999", "'1e999' is too large to be a number"),
    ("-1e999", "'-1e999' is too large to be a number"),
    ("9" * 400, "'999999999999...999999 (400 characters)' is too large to be a number"),
    ("436", "436 is outside the plausible range of a rate in percent (-100 to 100): a damaged cell or a number "
            "in another unit"),
    ("nan", "non-numeric value 'nan'"),
    ("inf", "non-numeric value 'inf'"),
    ("٤.٣٦", "non-numeric value '٤.٣٦'"),
    ("4²", "non-numeric value '4²'"),
    ("4_36", "non-numeric value '4_36'"),
])
def test_values_that_are_not_finite_or_not_plausible(value, message):
    with pytest.raises(InputError) as info:
        parse_fred_csv(TextSource.from_bytes(GS10.format(value=value).encode("utf-8"), "GS10.csv"))
    assert (info.value.line, info.value.field, info.value.message) == (3, "GS10", message)


def test_each_unit_has_its_range():
    """Millions of dollars (the debt) and yen per dollar are held to their own units' ranges."""
    def parse(series: str, value: str):
        body = f"observation_date,{series}\n2024-10-01,{value}\n"
        return parse_fred_csv(TextSource.from_bytes(body.encode(), f"{series}.csv")).series["value"].iloc[0]

    assert parse("FYGFDPUN", "30870713.09449654") == pytest.approx(30870713.09449654)
    assert parse("MTSDS133FMS", "-864074") == -864074.0
    with pytest.raises(InputError, match="outside the plausible range of millions of dollars"):
        parse("FYGFDPUN", "30870713094496.54")  # typed in dollars
    assert parse("DEXJPUS", "161.73") == 161.73
    with pytest.raises(InputError, match="outside the plausible range of yen per dollar"):
        parse("DEXJPUS", "0.0062")  # dollars per yen
    assert parse("NOTLISTED", "1e14") == 1e14  # a series the catalogue does not list: any finite figure
    with pytest.raises(InputError, match="outside the plausible range of a published figure"):
        parse("NOTLISTED", "1e16")


@pytest.mark.parametrize("date, message", [
    ("0001-01-01", "year 0001 is outside 1800-2200, the years this table can hold"),
    ("9999-12-31", "year 9999 is outside 1800-2200"),
    ("1677-09-21", "year 1677 is outside 1800-2200"),
    ("2262-04-12", "year 2262 is outside 1800-2200"),
    ("٢٠٢٤-11-01", "'٢٠٢٤-11-01' is not a YYYY-MM-DD date"),
    ("2024-02-30", "'2024-02-30' is not a valid date"),
])
def test_dates_pandas_cannot_hold_or_that_do_not_exist(date, message):
    body = f"observation_date,GS10\n2024-01-01,4.10\n{date},4.36\n"
    with pytest.raises(InputError) as info:
        parse_fred_csv(TextSource.from_bytes(body.encode("utf-8"), "GS10.csv"))
    assert (info.value.line, info.value.field) == (3, "date") and info.value.message.startswith(message)
