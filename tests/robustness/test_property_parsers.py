"""Generated tables in every published format parse back to what was generated."""

from __future__ import annotations

import math

from hypothesis import given

from model.sources.detect import parse_source
from model.sources.text import TextSource

from .generators import (
    fred_file,
    legacy_file,
    mfhhis_file,
    s1_file,
    table3_file,
    table5_file,
    tried,
)

CASE_CLASS = "parser"


def check_holdings(raw: bytes, expected: dict, kind: str) -> None:
    tried()
    parsed = parse_source(TextSource.from_bytes(raw, f"generated.{kind}"))
    assert parsed.kind == kind
    got = {(r.month, r.holder): (r.holdings_bn, r.flag) for r in parsed.holdings.itertuples()}
    assert set(got) == set(expected)
    for key, (value, flag) in expected.items():
        got_value, got_flag = got[key]
        assert got_flag == flag, key
        if value is None:
            assert math.isnan(got_value), key
        else:
            assert got_value == value, key


@given(mfhhis_file())
def test_history_file_round_trip(case):
    check_holdings(*case, "mfhhis")


@given(table5_file())
def test_table5_round_trip(case):
    check_holdings(*case, "slt_table5")


@given(legacy_file())
def test_legacy_space_aligned_round_trip(case):
    check_holdings(*case, "mfh_legacy")


@given(s1_file())
def test_form_s_round_trip(case):
    raw, expected = case
    tried()
    flows = parse_source(TextSource.from_bytes(raw, "s1_globl.txt")).flows
    got = {(r.month, r.holder): r.net_purchases_bn for r in flows.itertuples()}
    assert set(got) == set(expected)
    for key, (value, _) in expected.items():
        assert math.isclose(got[key], value, abs_tol=1e-9), key


@given(table3_file())
def test_table3_round_trip(case):
    raw, expected = case
    tried()
    flows = parse_source(TextSource.from_bytes(raw, "slt_table3.txt")).flows
    bonds = flows[flows["instrument"] == "bonds_notes"]
    got = {(r.month, r.holder): r.net_purchases_bn for r in bonds.itertuples()}
    assert set(got) == set(expected)
    for key, (value, _) in expected.items():
        if value is None:
            assert math.isnan(got[key])
        else:
            assert math.isclose(got[key], value, abs_tol=1e-9), key


@given(fred_file())
def test_fred_round_trip(case):
    raw, expected = case
    tried()
    series = parse_source(TextSource.from_bytes(raw, "series.csv")).series
    got = dict(zip(series["date"], series["value"], strict=True))
    assert set(got) == set(expected)
    for key, (value, _) in expected.items():
        assert (math.isnan(got[key]) if value is None else got[key] == value), key
