"""Arbitrary values in every published layout: each parser gives a documented error
(:class:`InputError`, one line naming the file and line) or a table whose every number is finite
and inside its unit's plausible range. Never a traceback, never ``inf``, never a date pandas
cannot hold.

The values are what an adversary or a damaged copy would put in a cell: 400-digit numbers,
``1e999``, ``nan``, ``inf``, other scripts' digits (``٣``, ``²``, ``１２``), ``1_000``, signs,
thousands separators in odd places, separators and quotes that shift the columns, arbitrary text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.errors import InputError
from model.sources.detect import parse_source
from model.sources.fred import UNIT_RANGES
from model.sources.mof import DAY_AMOUNT
from model.sources.tables import HOLDINGS_BN
from model.sources.text import ANY_NUMBER, TextSource

from .generators import mof_file, tried

CASE_CLASS = "parser"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LAYOUTS = ["mfhhis_mini.txt", "slt_table5_mini.txt", "mfh_legacy.txt", "s1_globl_mini.txt", "slt_table3_mini.txt",
           "slt3d_mini.csv", "fred_GS10_mini.csv", "fred_MTSDS133FMS_mini.csv", "fred_DGS10_mini.csv",
           "mof_feio_mini.csv"]

ADVERSARIAL = ["9" * 400, "-" + "9" * 400, "1e999", "-1e999", "1e308", "1e15", "1e16", "nan", "NaN", "inf", "-inf",
               "Infinity", "²", "2²", "٣", "١٢٣٤", "１２", "1_000", "0x10", "+", "-", ".", "1,2,3", "12,34", "n.a.", "*",
               "-0", "1e-400", "0.0000001", "99999999999", "2,838,200,000,000", "", " ", '"', '""', "\t", ",",
               "1\t2", "1,2", "0001-01-01", "9999-12-31", "3000/1/1", "1000/1/1", "令和99年1月1日", "平成0年1月1日",
               "円買い・円売り", "米ドル買い・ユーロ買い", "\u00a0", "\ufeff1", "١.٥"]

cells = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.text(max_size=12),
    st.integers(min_value=-10**420, max_value=10**420).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)

_NUMBER_TOKEN = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?![\w.])")


def with_cell(text: str, index: int, value: str) -> str:
    """``text`` with its ``index``-th number (modulo how many there are) replaced by ``value``."""
    spans = [m.span() for m in _NUMBER_TOKEN.finditer(text)]
    start, end = spans[index % len(spans)]
    return text[:start] + value + text[end:]


def decoded(raw: bytes, name: str) -> tuple[str, str]:
    encoding = "cp932" if name.startswith("mof") else "utf-8"
    return raw.decode(encoding), encoding


def assert_error_or_finite(raw: bytes, name: str) -> str:
    """Parse ``raw``: an InputError, or numbers all finite (NaN only for a published missing
    value) and inside their units' ranges, dates all within what pandas holds."""
    tried()
    try:
        parsed = parse_source(TextSource.from_bytes(raw, name))
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(name), message
        assert "\ufffd" not in message  # no mojibake
        return "refused"
    for frame in (parsed.holdings, parsed.flows, parsed.series, parsed.interventions):
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column]):
                values = frame[column].to_numpy(float)
                assert not np.isinf(values).any(), (name, column)
                assert (np.abs(values[~np.isnan(values)]) <= ANY_NUMBER.high).all(), (name, column)
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                assert str(frame[column].dtype) == "datetime64[ns]", (name, column)
    if len(parsed.holdings):
        held = parsed.holdings["holdings_bn"].dropna()
        assert held.between(HOLDINGS_BN.low, HOLDINGS_BN.high).all(), name
    if len(parsed.interventions):
        amounts = parsed.interventions["amount_100m_jpy"]
        assert amounts.between(DAY_AMOUNT.low, DAY_AMOUNT.high).all() and (amounts > 0).all(), name
        assert not parsed.interventions["amount_jpy_bn"].isna().any()
    if len(parsed.series) and "GS10" in name:
        assert parsed.series["value"].dropna().between(UNIT_RANGES["percent"].low, UNIT_RANGES["percent"].high).all()
    return "parsed"


@pytest.mark.parametrize("name", LAYOUTS)
@given(index=st.integers(min_value=0, max_value=10**6), value=cells)
def test_any_value_in_any_numeric_cell(name, index, value):
    raw = (FIXTURES / name).read_bytes()
    text, encoding = decoded(raw, name)
    damaged = with_cell(text, index, value).encode(encoding, errors="replace")
    assert_error_or_finite(damaged, name)


@pytest.mark.parametrize("name", ["fred_GS10_mini.csv", "fred_DGS10_mini.csv", "mof_feio_mini.csv",
                                  "slt_table3_mini.txt", "s1_globl_mini.txt", "slt3d_mini.csv"])
@given(line=st.integers(min_value=0, max_value=10**6), value=cells)
def test_any_value_in_a_date_cell(name, line, value):
    """Dates: the first cell of a FRED row, the month column of the TIC tables, the day of a
    Ministry row, replaced by anything (years 0001 and 9999 included)."""
    raw = (FIXTURES / name).read_bytes()
    text, encoding = decoded(raw, name)
    pattern = {"fred": r"\d{4}-\d{2}-\d{2}", "mof": r"(平成|令和)[0-9元]+年\d+月\d+日"}.get(name.split("_")[0], r"\d{4}-\d{2}")
    spans = [m.span() for m in re.finditer(pattern, text)]
    start, end = spans[line % len(spans)]
    assert_error_or_finite((text[:start] + value + text[end:]).encode(encoding, errors="replace"), name)


@given(case=mof_file(), index=st.integers(min_value=0, max_value=10**6), value=cells)
def test_the_ministry_record_with_any_value(case, index, value):
    raw, _ = case
    text = raw.decode("cp932")
    assert_error_or_finite(with_cell(text, index, value).encode("cp932", errors="replace"), "mof_generated.csv")


@given(case=mof_file())
def test_generated_ministry_records_read_back_exactly(case):
    raw, expected = case
    tried()
    days = parse_source(TextSource.from_bytes(raw, "mof_generated.csv")).interventions
    got = {(r.date, r.bought, r.sold): r.amount_100m_jpy for r in days.itertuples()}
    assert got == expected
    assert (days["amount_jpy_bn"] == days["amount_100m_jpy"] / 10).all()


@given(value=st.one_of(st.sampled_from(ADVERSARIAL), st.text(max_size=8)))
def test_any_value_in_a_ministry_amount_is_refused_or_read_exactly(value):
    """The amount of one day and its period's subtotal, both replaced: either refused or read as
    the number written (no superscript read as a digit, no other script's digits)."""
    head = "外国為替平衡操作の実施状況\r\n期間,合計額,実施日,介入額,売買通貨\r\n"
    body = f'令和4年7月1日～令和4年9月30日,"{value}",,,\r\n,,令和4年9月22日,"{value}",米ドル売り・円買い\r\n'
    tried()
    try:
        days = parse_source(TextSource.from_bytes((head + body).encode("cp932", errors="replace"), "x.csv")).interventions
    except InputError:
        return
    amount = days["amount_100m_jpy"].iloc[0]
    written = value.strip().strip('"').replace(",", "").translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９"})
    assert math.isfinite(amount) and 0 < amount <= DAY_AMOUNT.high
    assert re.fullmatch(r"[+]?[0-9.]+", written) and float(written) == amount, (value, amount)


# Every adversarial value, deterministically, in a value cell and in a date cell of every layout
# (the property tests above draw from the same list, but may not draw each value).
DATE_PATTERNS = {"fred": r"\d{4}-\d{2}-\d{2}", "mof": r"(平成|令和)[0-9元]+年\d+月\d+日"}


@pytest.mark.parametrize("value", ADVERSARIAL, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("name", LAYOUTS)
def test_each_adversarial_value_in_a_value_cell(name, value):
    raw = (FIXTURES / name).read_bytes()
    text, encoding = decoded(raw, name)
    # the 6th number: past the header's years, inside the first rows of data
    assert_error_or_finite(with_cell(text, 5, value).encode(encoding, errors="replace"), name)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1000-01-01", "3000-01-01", "2262-04-12", "1677-09-21",
                                   "٢٠٢٠-01-01", "2020-13-01", "2020-02-30", "1000/1/1", "3000/1/1", "9999/12/31",
                                   "0001/1/1", "令和99年1月1日", "平成0年1月1日", "昭和50年1月1日", "9" * 400])
@pytest.mark.parametrize("name", ["fred_GS10_mini.csv", "mof_feio_mini.csv", "slt_table3_mini.txt", "s1_globl_mini.txt"])
def test_each_out_of_range_date(name, value):
    raw = (FIXTURES / name).read_bytes()
    text, encoding = decoded(raw, name)
    pattern = DATE_PATTERNS.get(name.split("_")[0], r"\d{4}-\d{2}")
    start, end = list(re.finditer(pattern, text))[1].span()
    outcome = assert_error_or_finite((text[:start] + value + text[end:]).encode(encoding, errors="replace"), name)
    assert outcome == "refused", value
