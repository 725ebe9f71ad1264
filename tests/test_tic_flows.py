"""Transactions parsers (Form S, SLT Table 3, Table 3D) and the flows splice."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from model.sources.detect import parse_path
from model.sources.splice import FLOW_SPLICE_MONTH, splice_flows


def flow(frame: pd.DataFrame, holder: str, month: str, instrument: str = "bonds_notes") -> pd.Series:
    rows = frame[(frame["holder"] == holder) & (frame["month"] == pd.Timestamp(month + "-01"))
                 & (frame["instrument"] == instrument)]
    assert len(rows) == 1, f"{holder} {month} {instrument}: {len(rows)} rows"
    return rows.iloc[0]


@pytest.fixture(scope="module")
def s1(raw_dir):
    return parse_path(raw_dir / "tic/s1_globl.txt")


@pytest.fixture(scope="module")
def t3(raw_dir):
    return parse_path(raw_dir / "tic/slt_table3.txt")


def test_s1_annual_sums_match_publisher_checks(s1):
    """PROVENANCE: Grand Total [1]-[7] sums to +703.7bn (2010), -540.0bn (2020), +754.0bn (2022)."""
    gt = s1.flows[s1.flows["holder"] == "Grand Total"]
    by_year = gt.groupby(gt["month"].dt.year)["net_purchases_bn"].sum()
    assert by_year[2010] == pytest.approx(703.7, abs=0.05)
    assert by_year[2020] == pytest.approx(-540.0, abs=0.05)
    assert by_year[2022] == pytest.approx(754.0, abs=0.05)


def test_s1_cells(s1):
    f = s1.flows
    assert len(f) == 41519
    assert f["month"].min() == pd.Timestamp("1977-01-01") and f["month"].max() == pd.Timestamp("2023-01-01")
    # Grand Total 2023-01: [1] "2,013,010" - [7] "1,962,067"
    assert flow(f, "Grand Total", "2023-01")["net_purchases_bn"] == pytest.approx(50.943)
    # Austria 2022-09: [1] 143 - [7] 57 (the quoted "1,480" is column [5])
    assert flow(f, "Austria", "2022-09")["net_purchases_bn"] == pytest.approx(0.086)
    assert flow(f, "Grand Total", "1977-01")["net_purchases_bn"] == pytest.approx((1632 - 1122) / 1000)
    assert {"China, Mainland", "Korea, South", "Belgium-Luxembourg"} <= set(f["holder"])
    assert (f["basis"] == "form_s").all() and f["valuation_change_bn"].isna().all()


def test_table3_cells_and_missing_flows(t3):
    h, f = t3.holdings, t3.flows
    assert len(h) == 6916 and len(f) == 3 * 6916
    japan = h[(h["holder"] == "Japan") & (h["month"] == "2025-12-01")].iloc[0]
    assert japan["holdings_bn"] == pytest.approx(1185.515)
    assert 0.8 < japan["long_term_bn"] / japan["holdings_bn"] < 1.0
    gt = h[(h["holder"] == "Grand Total") & (h["month"] == "2025-12-01")].iloc[0]
    assert gt["holdings_bn"] == pytest.approx(9267.204)
    aut = flow(f, "Austria", "2026-04")
    assert (aut["net_purchases_bn"], aut["valuation_change_bn"]) == (pytest.approx(-0.053), pytest.approx(0.004))
    assert flow(f, "Austria", "2026-04", "total")["net_purchases_bn"] == pytest.approx(0.364)
    assert flow(f, "Austria", "2026-04", "bills")["net_purchases_bn"] == pytest.approx(0.417)
    before = f[f["month"] < FLOW_SPLICE_MONTH]
    # long-term and total net purchases are n.a. before Feb 2023; bills (estimated as the
    # change in bill positions) are published from 2020
    assert before.loc[before["instrument"] != "bills", "net_purchases_bn"].isna().all()
    assert before.loc[before["instrument"] == "bills", "net_purchases_bn"].notna().sum() > 2000
    after = f[(f["month"] >= FLOW_SPLICE_MONTH) & (f["instrument"] == "bonds_notes")]
    assert after["net_purchases_bn"].notna().all()


def test_table3_holdings_identity(t3):
    """Long-term holdings change = net purchases + valuation change + other changes: on the
    Grand Total the other changes average out and the identity explains almost everything."""
    raw = t3.flows[(t3.flows["holder"] == "Grand Total") & (t3.flows["instrument"] == "bonds_notes")]
    raw = raw.set_index("month").sort_index()
    lines = raw["line"]
    # long-term positions are not in the tidy flows: read them back through the holdings-by-line
    from model.sources.text import TextSource, split_tab

    src = TextSource.from_path(t3.source)
    lt_pos = pd.Series({m: float(split_tab(src.lines[int(line) - 1])[5]) / 1000 for m, line in lines.items()})
    change = lt_pos.diff()
    implied = raw["net_purchases_bn"] + raw["valuation_change_bn"]
    window = raw.index >= pd.Timestamp("2023-03-01")
    residual = change[window] - implied[window]
    assert abs(residual.mean()) < 5.0  # $bn a month
    assert change[window].corr(implied[window]) > 0.95
    # valuation matters: without it the fit is far worse
    assert change[window].corr(raw["net_purchases_bn"][window]) < 0.8


def test_slt3d_matches_publisher_checks(raw_dir):
    h = parse_path(raw_dir / "tic/slt3d_globl.csv").holdings
    jan = h[h["month"] == "2023-01-01"].set_index("holder")["holdings_bn"]
    assert jan["Japan"] == pytest.approx(1104.387)
    lt = h[h["month"] == "2023-01-01"].set_index("holder")["long_term_bn"]
    assert lt["Japan"] == pytest.approx(1031.430)
    assert jan["China, Mainland"] == pytest.approx(859.352)
    assert jan["Grand Total"] == pytest.approx(7402.539)
    assert not ((h["month"] == "2011-10-01") | (h["month"] == "2011-11-01")).any()
    guernsey = h[h["holder"] == "Guernsey"]
    assert guernsey["holdings_bn"].isna().all() and (guernsey["flag"] == "n.a.").all()


def test_slt3d_agrees_with_history_file(raw_dir):
    """PROVENANCE: Japan and China agree with the May-2026 history file within 0.06bn."""
    d = parse_path(raw_dir / "tic/slt3d_globl.csv").holdings
    may = parse_path(raw_dir / "tic/vintage_2026-05-18/mfhhis01.txt").holdings
    m = d.merge(may, on=["month", "holder"], suffixes=("_3d", "_may"))
    m = m[m["holder"].isin(["Japan", "China, Mainland"]) & m["month"].between("2011-09-01", "2022-10-01")]
    assert len(m) > 250
    assert (m["holdings_bn_3d"] - m["holdings_bn_may"]).abs().max() <= 0.06


def test_flow_splice(s1, t3):
    spliced = splice_flows(s1.flows, t3.flows)
    japan = spliced[(spliced["holder"] == "Japan") & (spliced["instrument"] == "bonds_notes")].set_index("month")
    assert japan.index.min() == pd.Timestamp("1977-01-01")
    assert japan.index.max() == pd.Timestamp("2026-04-01")
    assert japan.index.is_unique and len(japan) == (2026 - 1977) * 12 + 4
    assert japan.loc["2023-01-01", "basis"] == "form_s"
    assert japan.loc["2023-02-01", "basis"] == "slt"
    assert japan.loc["2023-02-01", "splice_break"] and not japan.loc["2023-03-01", "splice_break"]
    bills = spliced[(spliced["holder"] == "Japan") & (spliced["instrument"] == "bills")]
    assert bills["month"].min() == pd.Timestamp("2020-01-01")  # the table starts in Jan 2020
    total = spliced[(spliced["holder"] == "Japan") & (spliced["instrument"] == "total")]
    assert total["month"].min() == FLOW_SPLICE_MONTH


# ---------------------------------------------------------------------------------------------
# Fixtures (run everywhere)
# ---------------------------------------------------------------------------------------------


def test_mini_transactions_fixtures(fixtures):
    s1 = parse_path(fixtures / "s1_globl_mini.txt").flows
    assert flow(s1, "Grand Total", "2023-01")["net_purchases_bn"] == pytest.approx(50.943)
    t3 = parse_path(fixtures / "slt_table3_mini.txt")
    japan = flow(t3.flows, "Japan", "2023-06")
    assert not math.isnan(japan["net_purchases_bn"])
    spliced = splice_flows(s1, t3.flows)
    gt = spliced[(spliced["holder"] == "Grand Total") & (spliced["instrument"] == "bonds_notes")]
    assert gt["splice_break"].sum() == 1
    d = parse_path(fixtures / "slt3d_mini.csv").holdings
    assert d[(d["holder"] == "Japan") & (d["month"] == "2023-01-01")]["holdings_bn"].iloc[0] == pytest.approx(1104.387)


# -- numbers that are not finite or not plausible (issue 22) ----------------------------------


def replace_in_row(fixtures, name: str, row_start: str, column: int, cell: str, sep: str = "\t"):
    """Parse fixture ``name`` with column ``column`` of the first row starting ``row_start`` replaced."""
    from model.errors import InputError
    from model.sources.detect import parse_source
    from model.sources.text import TextSource, split_comma, split_tab

    lines = (fixtures / name).read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith(row_start))
    cells = (split_tab if sep == "\t" else split_comma)(lines[k])
    cells[column] = cell
    lines[k] = sep.join(f'"{c}"' if sep == "," and ("," in c or not c.isdigit()) else c for c in cells)
    with pytest.raises(InputError) as info:
        parse_source(TextSource.from_bytes(("\r\n".join(lines) + "\r\n").encode(), name))
    return info.value, k + 1


@pytest.mark.parametrize("column, cell, field, message", [
    (3, "-5", "[1]", "-5 is outside the plausible range of a month's gross transactions in millions of dollars"),
    (9, "9" * 400, "[7]", "'999999999999...999999 (400 characters)' is too large to be a number"),
    (3, "1e999", "[1]", "non-numeric cell '1e999'"),
    (2, "0001-01", "month", "year 0001 is outside 1800-2200, the years this table can hold"),
    (2, "9999-12", "month", "year 9999 is outside 1800-2200"),
])
def test_form_s_cells_that_cannot_be_right(fixtures, column, cell, field, message):
    error, line = replace_in_row(fixtures, "s1_globl_mini.txt", "Japan", column, cell)
    assert (error.line, error.field) == (line, field) and error.message.startswith(message)


@pytest.mark.parametrize("column, cell, field, message", [
    (3, "-1", "for_treas_pos", "-1 is outside the plausible range of holdings in millions of dollars"),
    (4, "-100000001", "for_treas_net", "-100,000,001 is outside the plausible range of a month's net transactions"),
    (4, "1" * 400, "for_treas_net", "too large to be a number"),
    (2, "3000-01", "month", "year 3000 is outside 1800-2200"),
])
def test_table3_cells_that_cannot_be_right(fixtures, column, cell, field, message):
    error, line = replace_in_row(fixtures, "slt_table3_mini.txt", "Japan", column, cell)
    assert (error.line, error.field) == (line, field) and message in error.message


def test_table3_negative_net_purchases_are_accepted(fixtures):
    from model.sources.detect import parse_source
    from model.sources.text import TextSource

    text = (fixtures / "slt_table3_mini.txt").read_text()
    assert "\t-" in text  # the fixture itself has net sales (negative), which stay valid
    flows = parse_source(TextSource.from_bytes(text.encode(), "slt_table3.txt")).flows
    assert (flows["net_purchases_bn"] < 0).any()


@pytest.mark.parametrize("column, cell, message", [
    (3, "-7", "-7 is outside the plausible range of holdings in millions of dollars"),
    (3, "9" * 400, "too large to be a number"),
    (2, "0001-01", "year 0001 is outside 1800-2200"),
])
def test_table3d_cells_that_cannot_be_right(fixtures, column, cell, message):
    error, line = replace_in_row(fixtures, "slt3d_mini.csv", '"Japan"', column, cell, sep=",")
    assert error.line == line and message in error.message
