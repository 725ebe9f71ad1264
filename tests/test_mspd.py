"""The Monthly Statement of the Public Debt, marketable detail: parsing and the maturity profile.

No MSPD file is shipped or on this machine; the fixture follows the published layout of the
Fiscal Data download ``MSPD_MktSecty_*.csv`` (dataset ``mspd_table_3_market``: column labels,
``Bills Maturity Value`` for bills, subtotal rows beside the securities, ``*`` for amounts under
half a million, ``null`` CUSIPs on Federal Financing Bank and total rows), with planted amounts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from model.errors import InputError
from model.sources.detect import detect_format, parse_path, parse_source
from model.sources.mspd import debt_profile
from model.sources.text import TextSource

FIXTURE = Path(__file__).parent / "fixtures" / "mspd_mktsecty_mini.csv"


def src(text: str) -> TextSource:
    return TextSource.from_bytes(text.encode(), "mspd.csv")


def test_detects_and_parses_the_published_layout():
    parsed = parse_path(FIXTURE)
    assert parsed.kind == "mspd" and detect_format(TextSource.from_path(FIXTURE)) == "mspd"
    frame = parsed.series
    march = frame[frame["date"] == "2026-03-31"]
    # eight securities with CUSIPs; subtotal, total and Federal Financing Bank rows left out
    assert list(march["cusip"]) == ["912797AA1", "912797AB9", "91282CAA9", "91282CAB7", "912810AA1", "912810AB9",
                                    "91282CAC5", "91282CAD3"]
    assert list(march["series_id"]) == ["bills", "bills", "notes", "notes", "bonds", "bonds", "tips", "frn"]
    assert march["value"].sum() == pytest.approx(390.0)  # $ million / 1000
    assert march.loc[march["cusip"] == "912810AB9", "value"].item() == 0.0  # "*": under half a million
    # bills and FRNs have no coupon: their yield is their rate
    assert march.loc[march["cusip"] == "912797AA1", "interest_rate_pct"].item() == 3.70
    assert march.loc[march["cusip"] == "91282CAD3", "interest_rate_pct"].item() == 3.90
    assert any("Federal Financing Bank" in w for w in parsed.warnings)
    assert not any("add up" in w for w in parsed.warnings)  # the subtotal rows agree
    assert f"{parsed.last_month:%Y-%m}" == "2026-03"


def test_the_api_field_names_are_accepted_too():
    text = FIXTURE.read_text()
    header, body = text.split("\n", 1)
    api = ("record_date,security_type_desc,security_class1_desc,security_class2_desc,interest_rate_pct,yield_pct,"
           "issue_date,maturity_date,interest_pay_date_text,issued_amt,inflation_adj_amt,redeemed_amt,outstanding_amt,"
           "src_line_nbr,record_fiscal_year,record_fiscal_quarter,record_calendar_year,record_calendar_quarter,"
           "record_calendar_month,record_calendar_day")
    assert len(api.split(",")) == len(header.split(","))
    parsed = parse_source(src(api + "\n" + body))
    assert parsed.kind == "mspd" and len(parsed.series) == 10


def test_profile_by_hand():
    """31 March 2026: $390bn; bills $150bn; maturing by 31 March 2027: the two bills and the 4% note
    ($210bn); coupon-weighted rate and average remaining maturity computed from the planted rows."""
    profile = debt_profile(parse_path(FIXTURE))
    assert profile.record_date == dt.date(2026, 3, 31)
    assert profile.marketable_bn == pytest.approx(390.0)
    assert profile.bills_share == pytest.approx(150 / 390)
    assert profile.maturing_within_1y_share == pytest.approx(210 / 390)
    rate = (100 * 3.70 + 50 * 3.65 + 60 * 4.0 + 90 * 3.5 + 40 * 2.0 + 30 * 0.125 + 20 * 3.9) / 390
    assert profile.average_rate_pct == pytest.approx(rate)
    day = dt.date(2026, 3, 31)
    rows = [(100, dt.date(2026, 5, 14)), (50, dt.date(2026, 9, 10)), (60, dt.date(2027, 3, 31)),
            (90, dt.date(2031, 3, 31)), (40, dt.date(2046, 3, 31)), (30, dt.date(2030, 3, 31)),
            (20, dt.date(2028, 3, 31))]
    months = sum(a * (m - day).days for a, m in rows) / 390 / (365.25 / 12)
    assert profile.average_maturity_months == pytest.approx(months)
    assert profile.by_class_bn == {"bills": 150.0, "notes": 150.0, "bonds": 40.0, "tips": 30.0, "frn": 20.0}
    older = debt_profile(parse_path(FIXTURE), dt.date(2026, 2, 28))
    assert older.marketable_bn == pytest.approx(190.0) and older.bills_share == pytest.approx(100 / 190)
    with pytest.raises(ValueError, match="no securities on 2025-01-31"):
        debt_profile(parse_path(FIXTURE), dt.date(2025, 1, 31))


def test_the_profile_feeds_the_interest_cost_model():
    from model.fiscal import FiscalModel, fiscal_config, uniform_shift_cost, with_profile

    profile = debt_profile(parse_path(FIXTURE))
    config = with_profile(fiscal_config(), 60.0, 0.36, f"{profile.record_date:%Y-%m}", "MSPD file", tolerance=0.1)
    shorter = uniform_shift_cost(10.0, FiscalModel.build(config))["interest_cost_bn"]["10yr"]
    assert shorter > uniform_shift_cost(10.0)["interest_cost_bn"]["10yr"]  # shorter debt reprices sooner


def _edit(old: str, new: str) -> str:
    text = FIXTURE.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("2026-03-31,Marketable,Notes,91282CAA9", "2026-13-31,Marketable,Notes,91282CAA9",
     "mspd.csv:5: Record Date: '2026-13-31' is not a date"),
    ("Marketable,Notes,91282CAB7", "Marketable,Debentures,91282CAB7",
     "mspd.csv:6: Security Class 1 Description: unknown security class 'Debentures'"),
    ("2031-03-31,03/31 09/30,90000.000,,,90000.000,5,2026,2,2026,1,3,31",
     "2031-03-31,03/31 09/30,90000.000,,,ninety,5,2026,2,2026,1,3,31",
     "mspd.csv:6: Outstanding Amount (in Millions): 'ninety' is not an amount in $ million"),
    ("2021-03-31,2031-03-31,03/31 09/30,90000.000,,,90000.000,5,2026,2,2026,1,3,31",
     "2021-03-31,2021-03-31,03/31 09/30,90000.000,,,90000.000,5,2026,2,2026,1,3,31",
     "matured on 2021-03-31 before the record date 2026-03-31"),
    ("2021-03-31,2031-03-31,03/31 09/30,90000.000,,,90000.000,5,2026,2,2026,1,3,31",
     "2021-03-31,,03/31 09/30,90000.000,,,90000.000,5,2026,2,2026,1,3,31",
     "mspd.csv:6: Maturity Date: security 91282CAB7 has no maturity date"),
    ("3.500,3.550,2021-03-31,2031-03-31", "35.00,3.550,2021-03-31,2031-03-31",
     "'35.00' is not an interest rate in percent"),
])
def test_bad_rows_are_one_line_errors(old, new, message):
    with pytest.raises(InputError) as err:
        parse_source(src(_edit(old, new)))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_duplicates_and_totals():
    line = "2026-03-31,Marketable,Notes,91282CAA9,4.000,4.050,2024-03-31,2027-03-31,03/31 09/30,60000.000,,,60000.000,4,2026,2,2026,1,3,31\n"
    text = FIXTURE.read_text()
    twice = parse_source(src(text.replace(line, line + line)))  # a repeated listing is counted once
    assert any("listed again" in w for w in twice.warnings)
    assert len(twice.series) == 10
    with pytest.raises(InputError, match="appears twice on 2026-03-31 with different amounts"):
        parse_source(src(text.replace(line, line + line.replace(",60000.000,4,", ",61000.000,4,"))))
    off = parse_source(src(text.replace("Total Treasury Bills,,,,,,,,,150000.000", "Total Treasury Bills,,,,,,,,,160000.000")))
    assert any("bills securities of 2026-03-31 add up to $150.0bn but the total row says $160.0bn" in w
               for w in off.warnings)
    with pytest.raises(InputError, match="no securities"):
        parse_source(src(text.split("\n", 1)[0] + "\n"))


def test_cli_parses_an_mspd_file(capsys):
    from model.cli import main

    assert main(["data", "parse", str(FIXTURE)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("date,series_id,value,cusip,issue_date,maturity_date,interest_rate_pct,line\n")
    assert "2026-03-31,bills,100,912797AA1,2025-11-13,2026-05-14,3.7,2" in out.out
    assert "# format: mspd; rows: 10" in out.err
