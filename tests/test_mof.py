"""The Japanese Ministry of Finance's intervention record: a fixture written in its format
(Shift-JIS, era dates, quarterly subtotal rows, thousands separators) read exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main
from model.errors import InputError
from model.sources.detect import detect_format, parse_path, parse_source
from model.sources.mof import currency_pair, direction, era_date
from model.sources.text import TextSource

ROOT = Path(__file__).resolve().parents[1]

# (date, direction, amount in 100 million yen) for every day in tests/fixtures/mof_feio_mini.csv
EXPECTED = [
    ("2010-09-15", "buy_usd", 21249), ("2011-03-18", "buy_usd", 6925), ("2011-08-04", "buy_usd", 45129),
    ("2011-10-31", "buy_usd", 80722), ("2011-11-01", "buy_usd", 2826), ("2011-11-02", "buy_usd", 2279),
    ("2011-11-03", "buy_usd", 2028), ("2011-11-04", "buy_usd", 3062), ("2022-09-22", "sell_usd", 28382),
    ("2022-10-21", "sell_usd", 56202), ("2022-10-24", "sell_usd", 7296), ("2024-04-29", "sell_usd", 59185),
    ("2024-05-01", "sell_usd", 38700), ("2024-07-11", "sell_usd", 31678), ("2024-07-12", "sell_usd", 23670),
]


def mof(text: str) -> TextSource:
    return TextSource.from_bytes(text.replace("\n", "\r\n").encode("cp932"), "feio.csv")


HEAD = "外国為替平衡操作の実施状況\n（単位：億円）\n期間,合計額,実施日,介入額,売買通貨\n"


def test_fixture_is_shift_jis_and_detected(fixtures):
    raw = (fixtures / "mof_feio_mini.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("cp932").startswith("外国為替平衡操作の実施状況")
    assert detect_format(TextSource.from_bytes(raw, "mof_feio_mini.csv")) == "mof_feio"


def test_fixture_read_exactly(fixtures):
    parsed = parse_path(fixtures / "mof_feio_mini.csv")
    days = parsed.interventions
    assert parsed.kind == "mof_feio" and parsed.tidy() is days
    got = [(f"{r.date:%Y-%m-%d}", r.direction, r.amount_100m_jpy) for r in days.itertuples()]
    assert got == EXPECTED  # era years converted, the 8 subtotal rows and the footnotes skipped
    assert days["amount_jpy_bn"].tolist() == [a / 10 for _, _, a in EXPECTED]
    assert set(zip(days["bought"], days["sold"], strict=True)) == {("USD", "JPY"), ("JPY", "USD")}
    # line numbers point at the day rows of the file
    assert days["line"].tolist() == [8, 10, 12, 14, 15, 16, 17, 18, 20, 22, 23, 25, 26, 28, 29]
    # the 2024 sales: 9,788.5bn yen in the second quarter, 5,534.8bn in July
    q = days.groupby("quarter")["amount_jpy_bn"].sum()
    assert q["2024-04-01 to 2024-06-30"] == pytest.approx(9788.5) and q["2024-07-01 to 2024-09-30"] == pytest.approx(5534.8)


def test_fixture_agrees_with_the_shipped_curated_days(fixtures):
    """The curated list quotes the Ministry's figures; where the press rounded them (or quoted a
    monthly figure) they match to that rounding, else exactly. (The fixture carries the
    unrounded figures.)"""
    days = parse_path(fixtures / "mof_feio_mini.csv").interventions.set_index("date")
    with open(ROOT / "data" / "curated" / "jp_interventions.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(pd.Timestamp(r["date"]) for r in rows) == days.index.tolist()
    for r in rows:
        day = days.loc[pd.Timestamp(r["date"])]
        assert day["direction"] == r["direction"]
        if "rounded" in r["amount_note"] or "press-reported" in r["amount_note"]:
            assert day["amount_jpy_bn"] == pytest.approx(float(r["amount_jpy_bn"]), rel=1e-3), r["date"]
        else:
            assert day["amount_jpy_bn"] == float(r["amount_jpy_bn"]), r["date"]


def test_data_parse_prints_the_days(fixtures, capsys):
    assert main(["data", "parse", str(fixtures / "mof_feio_mini.csv")]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "date,direction,bought,sold,amount_jpy_bn,amount_100m_jpy,quarter,line"
    assert lines[1] == "2010-09-15,buy_usd,USD,JPY,2124.9,21249,2010-07-01 to 2010-09-30,8"
    assert lines[9] == "2022-09-22,sell_usd,JPY,USD,2838.2,28382,2022-07-01 to 2022-09-30,20"
    assert len(lines) == 16 and "format: mof_feio; rows: 15" in err


@pytest.mark.parametrize("text, expected", [
    ("平成22年9月15日", "2010-09-15"), ("平成3年4月1日", "1991-04-01"), ("平成31年4月30日", "2019-04-30"),
    ("令和元年5月1日", "2019-05-01"), ("令和4年9月22日", "2022-09-22"), ("令和４年１０月２１日", "2022-10-21"),
    ("R6.7.11", "2024-07-11"), ("H23.11.4", "2011-11-04"), ("2024/4/29", "2024-04-29"),
])
def test_era_dates(text, expected):
    assert era_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["平成32年1月1日", "令和1年4月1日", "平成23年2月30日"])
def test_impossible_era_dates_are_refused(text):
    with pytest.raises(ValueError):
        era_date(text)


def test_currency_pairs():
    assert currency_pair("米ドル買い・円売り") == ("USD", "JPY")
    assert currency_pair("米ドル売り・円買い") == ("JPY", "USD")
    assert currency_pair("ユーロ買い・円売り") == ("EUR", "JPY")
    assert direction("USD", "JPY") == "buy_usd" and direction("JPY", "USD") == "sell_usd"
    assert direction("EUR", "JPY") == "other"
    with pytest.raises(ValueError, match="unknown currency"):
        currency_pair("ウォン買い・円売り")


def test_subtotal_at_the_end_of_the_quarter_and_other_currencies():
    parsed = parse_source(mof(HEAD + "平成12年7月1日～平成12年9月30日,,,,\n,,平成12年9月22日,\"1,000\",ユーロ買い・円売り\n"
                              "計,\"1,000\",,,\n"))
    day = parsed.interventions.iloc[0]
    assert (day["date"], day["direction"], day["bought"], day["amount_jpy_bn"]) == (
        pd.Timestamp("2000-09-22"), "other", "EUR", 100.0)


@pytest.mark.parametrize("body, message, line", [
    ("平成22年7月1日～平成22年9月30日,\"21,000\",,,\n,,平成22年9月15日,\"21,249\",米ドル買い・円売り\n",
     r"add up to 21,249 \(100 million yen\) but its subtotal row says 21,000", 4),
    ("平成22年7月1日～平成22年9月30日,,,,\n,,平成22年10月15日,100,米ドル買い・円売り\n", "outside its period", 5),
    ("平成22年7月1日～平成22年9月30日,,,,\n,,平成22年9月15日,1x0,米ドル買い・円売り\n", "non-numeric", 5),
    ("平成22年7月1日～平成22年9月30日,,,,\n,,平成22年9月15日,100,ウォン買い・円売り\n", "unknown currency", 5),
    (",,平成22年9月15日,100,米ドル買い・円売り\n", "before any period", 4),
    ("平成22年7月1日～平成22年9月30日,105,,,\n,,平成22年9月15日,100,米ドル買い・円売り\n,,平成22年9月15日,5,米ドル買い・円売り\n"
     "(注)x,,,,\n", "appears twice", 6),
])
def test_bad_rows_name_the_file_and_line(body, message, line):
    with pytest.raises(InputError, match=message) as info:
        parse_source(mof(HEAD + body))
    assert info.value.path == "feio.csv" and info.value.line == line


def test_a_cp1252_file_is_not_taken_for_japanese():
    """Windows-1252 text that happens to decode as code page 932 stays Windows-1252."""
    raw = "Country\tSéance\tÉtat\n".encode("cp1252")
    assert raw.decode("cp932")  # decodes, but means nothing in Japanese
    assert TextSource.from_bytes(raw, "x").lines[0] == "Country\tSéance\tÉtat"
