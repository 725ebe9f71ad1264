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


# ---------------------------------------------------------------------------------------------
# Numbers, dates and rows that cannot be right (issue 22)
# ---------------------------------------------------------------------------------------------

Q3_2022 = "令和4年7月1日～令和4年9月30日"


def test_a_400_digit_amount_exits_2_naming_the_file_and_line(tmp_path, capsys):
    """It used to print inf."""
    path = tmp_path / "feio.csv"
    body = f'{Q3_2022},"28,382",,,\n,,令和4年9月22日,"{"9" * 400}",米ドル売り・円買い\n'
    path.write_bytes((HEAD + body).replace("\n", "\r\n").encode("cp932"))
    assert main(["data", "parse", str(path)]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == (f"error: {path}:5: amount: '999999999999...999999 (400 characters)' is too large "
                           "to be a number")
    assert out == "" and "inf" not in err


@pytest.mark.parametrize("body, message, line, field", [
    # a subtotal of n.a. used to switch the quarter's check off
    (f"{Q3_2022},n.a.,,,\n,,令和4年9月22日,\"28,382\",米ドル売り・円買い\n", "subtotal 'n.a.' is not a number", 4, "total"),
    (f"{Q3_2022},,,,\n,,令和4年9月22日,\"28,382\",米ドル売り・円買い\n計,n.a.,,,\n", "subtotal 'n.a.' is not a number",
     6, "total"),
    (f"{Q3_2022},,,,\n,,令和4年9月22日,\"28,382\",米ドル売り・円買い\n", "has 1 day(s) but no subtotal", 4, "total"),
    # yen bought and yen sold; two currencies bought
    (f"{Q3_2022},100,,,\n,,令和4年9月22日,100,円買い・円売り\n", "buys and sells the same currency (JPY)", 5, "currency"),
    (f"{Q3_2022},100,,,\n,,令和4年9月22日,100,米ドル買い・ユーロ買い\n", "names two currencies bought (USD and EUR)", 5,
     "currency"),
    # an amount in yen (2.8 trillion yen typed out) rather than 100 million yen
    (f"{Q3_2022},\"28,382\",,,\n,,令和4年9月22日,\"2,838,200,000,000\",米ドル売り・円買い\n",
     "2,838,200,000,000 is outside the plausible range of one day's intervention in 100 million yen", 5, "amount"),
    (f"{Q3_2022},\"2,838,200,000,000\",,,\n", "was it typed in yen, or damaged?", 4, "total"),
    (f"{Q3_2022},\"28,382\",,,\n,,令和4年9月22日,\"28,382²\",米ドル売り・円買い\n", "non-numeric cell '28,382²'", 5, "amount"),
    (f"{Q3_2022},\"28,382\",,,\n,,令和4年9月22日,\"٢٨٣٨٢\",米ドル売り・円買い\n", "non-numeric cell", 5, "amount"),
    # years a record cannot hold (these used to raise OutOfBoundsDatetime)
    (f"{Q3_2022},100,,,\n,,1000/9/22,100,米ドル売り・円買い\n", "'1000/9/22' is in the year 1000; an intervention "
     "record covers 1971-2099", 5, "date"),
    (f"{Q3_2022},100,,,\n,,3000/9/22,100,米ドル売り・円買い\n", "in the year 3000", 5, "date"),
    (f"{Q3_2022},100,,,\n,,9999/12/31,100,米ドル売り・円買い\n", "in the year 9999", 5, "date"),
    (f"{Q3_2022},100,,,\n,,0001/1/1,100,米ドル売り・円買い\n", "in the year 0001", 5, "date"),
    ("0001/1/1～9999/12/31,100,,,\n", "in the year 0001", 4, "period"),
    (f"{Q3_2022},100,,,\n,,令和4年2月30日,100,米ドル売り・円買い\n", "'令和4年2月30日' is not a real date", 5, "date"),
    (f"{Q3_2022},100,,,\n,,令和99年9月22日,100,米ドル売り・円買い\n", "is in the year 2117", 5, "date"),
    (f"{Q3_2022},100,,,\n,,令和4年9月x日,100,米ドル売り・円買い\n", "expected an era date such as 令和4年9月22日", 5, "date"),
    ("令和4年9月30日～令和4年7月1日,100,,,\n", "ends before it starts", 4, "period"),
    # a period pasted twice, or two that overlap
    (f"{Q3_2022},100,,,\n,,令和4年9月22日,100,米ドル売り・円買い\n令和4年9月1日～令和4年12月31日,5,,,\n"
     ",,令和4年10月21日,5,米ドル売り・円買い\n", "the period 2022-09-01 to 2022-12-31 overlaps 2022-07-01 to 2022-09-30 "
     "(line 4)", 6, "period"),
])
def test_rows_that_cannot_be_right(body, message, line, field):
    text = HEAD + body
    try:
        source = mof(text)
    except UnicodeEncodeError:  # '²', '٢' exist only in a file converted to UTF-8
        source = TextSource.from_bytes(text.replace("\n", "\r\n").encode("utf-8"), "feio.csv")
    with pytest.raises(InputError) as info:
        parse_source(source)
    assert message in info.value.message, info.value.message
    assert (info.value.path, info.value.line, info.value.field) == ("feio.csv", line, field)


def test_a_quarter_without_interventions_may_have_no_subtotal_or_a_dash():
    body = (f"令和4年4月1日～令和4年6月30日,-,,,\n令和4年1月1日～令和4年3月31日,,,,\n{Q3_2022},\"28,382\",,,\n"
            ",,令和4年9月22日,\"28,382\",米ドル売り・円買い\n")
    days = parse_source(mof(HEAD + body)).interventions
    assert days["amount_100m_jpy"].tolist() == [28382.0]


def test_full_width_digits_and_era_ligatures_are_read():
    body = "㍻２２年７月１日～㍻２２年９月３０日,\"２１,２４９\",,,\n,,平成２２年９月１５日,\"２１,２４９\",米ドル買い・円売り\n"
    day = parse_source(mof(HEAD + body)).interventions.iloc[0]
    assert (day["date"], day["amount_100m_jpy"], day["direction"]) == (pd.Timestamp("2010-09-15"), 21249.0, "buy_usd")


def test_an_error_on_the_last_line_is_not_called_a_cut_off_download():
    """A complete last line (the file ends with a newline) that is wrong is just a wrong line; a
    last line without its newline is what an interrupted download looks like."""
    body = f"{Q3_2022},\"28,382\",,,\n,,令和4年9月22日,\"28,38x\",米ドル売り・円買い\n"
    with pytest.raises(InputError) as complete:
        parse_source(mof(HEAD + body))
    assert complete.value.message == "non-numeric cell '28,38x'" and complete.value.line == 5
    with pytest.raises(InputError) as cut:
        parse_source(mof(HEAD + body.rstrip("\n")))
    assert cut.value.message.startswith("file ends inside line 5 (non-numeric cell '28,38x'): the download looks cut off")


def test_the_output_columns_are_unchanged(fixtures):
    """Another stage reads these columns (the shape is a contract)."""
    days = parse_path(fixtures / "mof_feio_mini.csv").interventions
    assert list(days.columns) == ["date", "direction", "bought", "sold", "amount_jpy_bn", "amount_100m_jpy",
                                  "quarter", "line"]
    assert [str(days[c].dtype) for c in ("date", "amount_jpy_bn", "amount_100m_jpy", "line")] == [
        "datetime64[ns]", "float64", "float64", "Int64"]
