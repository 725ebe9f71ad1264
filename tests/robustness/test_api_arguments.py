"""The Python API is the command line's equal: every bad argument is the tool's documented
error (``model.errors.InputError``, or its subclass ``ValidationFailed`` for a scenario)
naming the argument; nothing is silently replaced by a default, and nothing returned is
non-finite."""

from __future__ import annotations

import copy
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import api
from model.errors import InputError, TLRiskError, ValidationFailed

SALE = {"scenario": {"name": "api_sale", "title": "Japan sells $120bn of bonds and notes", "start": "2026-05",
                     "horizon_months": 36},
        "holders": [{"holder": "japan", "action": "sell", "bn": 120.0, "months": 12}]}


@pytest.fixture(scope="module", autouse=True)
def _fitted():
    api.fit()  # once: the estimation cache serves it


BAD_SIMULATE = [
    ({"draws": math.nan}, "draws", "whole number"), ({"draws": -1}, "draws", "at least 1"),
    ({"draws": "100"}, "draws", "whole number"), ({"draws": True}, "draws", "whole number"),
    ({"draws": 1.5}, "draws", "whole number"), ({"draws": 0}, "draws", "at least 1"),
    ({"response": "bogus"}, "response", "is not one of posterior, data, literature"),
    ({"response": ""}, "response", "is not one of"), ({"response": 3}, "response", "is not one of"),
    ({"draws": 10**9}, "draws", "above the limit"),
]


@pytest.mark.parametrize("kwargs,field,reason", BAD_SIMULATE)
def test_simulate_refuses_what_the_command_line_refuses(kwargs, field, reason):
    with pytest.raises(InputError) as info:
        api.simulate(SALE, **kwargs)
    assert field in str(info.value) and reason in str(info.value)


@pytest.mark.parametrize("scenario", [None, 42, ["a"], b"scenario.toml"])
def test_simulate_needs_a_path_or_a_dictionary(scenario):
    with pytest.raises(InputError, match="scenario: must be a scenario file's path or a dictionary"):
        api.simulate(scenario)


BAD_SWEEP = [
    ({"holder": None}, "holder", "non-empty name"), ({"holder": ""}, "holder", "non-empty name"),
    ({"holder": "Japna"}, "holder", "did you mean 'Japan'"),
    ({"sizes_bn": (-100, 500)}, "sizes_bn[0]", "positive number of $bn"),
    ({"sizes_bn": (math.inf,)}, "sizes_bn[0]", "positive number"), ({"sizes_bn": ()}, "sizes_bn", "list of 1 to 50"),
    ({"sizes_bn": "100"}, "sizes_bn", "list of 1 to 50"), ({"months": (6, 0)}, "months[1]", "at least 1"),
    ({"months": (61,)}, "months[0]", "at most 60"), ({"months": (6.5,)}, "months[0]", "whole number"),
    ({"response": "posterior "}, "response", "is not one of"), ({"draws": 0}, "draws", "at least 1"),
]


@pytest.mark.parametrize("kwargs,field,reason", BAD_SWEEP)
def test_sweep_refuses_bad_arguments_naming_them(kwargs, field, reason):
    with pytest.raises(InputError) as info:
        api.sweep(**kwargs)
    assert field in str(info.value) and reason in str(info.value)


@pytest.mark.parametrize("shift", ["abc", None, math.nan, math.inf, 1e9, True, [10]])
def test_fiscal_refuses_a_shift_that_is_not_a_finite_number_of_bp(shift):
    with pytest.raises(InputError, match="shift_bp"):
        api.fiscal(shift)


def _finite(value) -> bool:
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                     st.text(max_size=12), st.lists(st.integers(-5, 5), max_size=3))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(draws=st.one_of(ANYTHING, st.integers(1, 400)), response=st.one_of(ANYTHING, st.sampled_from(
    ["posterior", "data", "literature"])))
def test_simulate_gives_a_documented_error_or_a_finite_result(draws, response):
    try:
        result = api.simulate(SALE, response=response, draws=draws)
    except TLRiskError:
        return
    assert _finite(result.to_dict())


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(shift=st.one_of(ANYTHING, st.floats(-10_000, 10_000)))
def test_fiscal_gives_a_documented_error_or_a_finite_result(shift):
    try:
        result = api.fiscal(shift)
    except TLRiskError:
        return
    assert _finite(result.to_dict())


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(holder=st.one_of(ANYTHING, st.sampled_from(["japan", "Cayman Islands", "uk"])),
       sizes=st.one_of(ANYTHING, st.lists(st.one_of(st.floats(-10, 2000), st.integers(-5, 2000)), max_size=3)),
       months=st.one_of(ANYTHING, st.lists(st.integers(-2, 70), max_size=3)),
       draws=st.one_of(ANYTHING, st.integers(1, 300)))
def test_sweep_gives_a_documented_error_or_a_finite_result(holder, sizes, months, draws):
    try:
        result = api.sweep(holder, sizes_bn=sizes, months=months, draws=draws)
    except TLRiskError:
        return
    assert _finite(result.to_dict())


# -- the adversarial tester's findings (issue 22): each a documented error naming the argument --


BAD_FLAGS = ["yes", "no", 1, 0, None, math.nan, [True], np.bool_(True)]


@pytest.mark.parametrize("value", BAD_FLAGS, ids=repr)
def test_booleans_must_be_true_or_false(value):
    for call, name in ((lambda: api.load(refresh=value), "refresh"), (lambda: api.fit(credibility=value), "credibility"),
                       (lambda: api.fit(refresh=value), "refresh"), (lambda: api.fit().to_dict(full=value), "full")):
        with pytest.raises(InputError) as info:
            call()
        assert str(info.value).startswith(f"{name}: must be True or False, not ") and "\n" not in str(info.value)


def test_a_file_name_with_a_null_character_is_refused():
    with pytest.raises(InputError) as info:
        api.simulate("scen\x00.toml")
    assert str(info.value) == "scen\\x00.toml: the name holds a null character (\\x00); no file can be named so"


def test_a_pipe_is_refused_not_waited_on(tmp_path):
    import os

    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)  # nobody writes to it: opening it blocking would wait for ever
    with pytest.raises(InputError, match=f"^{fifo}: is a pipe or a socket, not a file$"):
        api.simulate(fifo)


def _sale(**plan) -> dict:
    scenario = copy.deepcopy(SALE)
    scenario["holders"][0].update(plan)
    return scenario


def _cyclic() -> dict:
    scenario = copy.deepcopy(SALE)
    scenario["holders"][0]["note"] = scenario
    return scenario


def _deep() -> dict:
    scenario = copy.deepcopy(SALE)
    inner = scenario["scenario"]
    for _ in range(5000):
        inner["x"] = {}
        inner = inner["x"]
    return scenario


WHERE = "(scenario given as a dictionary): "
BAD_DICTS = [
    (_cyclic, "holders[1].note — contains itself"),
    (_deep, "scenario" + ".x" * 31 + " — nested more than 32 levels deep"),
    (lambda: _sale(bn=np.int64(12)), "holders[1].bn — numpy.int64 is not a value a scenario or settings file can hold"),
    (lambda: _sale(bn=np.float64(12.0)), "holders[1].bn — numpy.float64 is not a value"),
    (lambda: _sale(months=Decimal("12")), "holders[1].months — decimal.Decimal is not a value"),
    (lambda: _sale(bn=10**400), "holders[1].bn — Input should be a finite number (got the number 100000000000...000000 (401 digits))"),
    (lambda: {**SALE, "scenario": {**SALE["scenario"], "horizon_months": np.int64(36)}}, "scenario.horizon_months — numpy.int64"),
    (lambda: {**SALE, 3: "x"}, "(top level) — key 3 is not text"),
    (lambda: _sale(action="pause", baseline=10**400, bn=None, months=12),
     "holders[1].baseline — 100000000000...000000 (401 digits) is not a number of $bn a month"),
]


@pytest.mark.parametrize("make,message", BAD_DICTS, ids=[m for _, m in BAD_DICTS])
def test_a_dictionary_no_file_could_hold_is_one_validation_line(make, message):
    with pytest.raises(ValidationFailed) as info:
        api.simulate(make(), draws=200)
    text = str(info.value)
    assert text.startswith(WHERE + message) and "\n" not in text, text


@pytest.mark.parametrize("field,value", [("share", -0.0), ("share", 1e-320), ("baseline", -0.0), ("baseline", 1e-320)])
def test_zero_and_tiny_values_are_in_range_where_zero_is(field, value):
    """``share`` (0 to 1) and ``baseline`` (-10,000 to 10,000 $bn a month) allow 0, so -0.0 and a
    subnormal are values in range: priced (as zero), every number finite."""
    action = "slowdown" if field == "share" else "pause"
    result = api.simulate({**SALE, "holders": [{"holder": "japan", "action": action, field: value, "months": 12}]},
                          draws=200)
    assert _finite(result.to_dict())
    assert result.lasting("10y") == {"median": 0.0, "p05": 0.0, "p95": 0.0}


@pytest.fixture(scope="module")
def priced():
    return api.simulate(SALE, draws=200)


MATURITIES = "3m, 2y, 5y, 10y, 30y, tp10"
BAD_ACCESS = [
    (lambda s: s.lasting("40y"), f"maturity: the text '40y' is not one of {MATURITIES}"),
    (lambda s: s.lasting(None), f"maturity: None (NoneType) is not one of {MATURITIES}"),
    (lambda s: s.peak("x"), f"maturity: the text 'x' is not one of {MATURITIES}"),
    (lambda s: s.at("10y", 0), "month: 0 must be at least 1"),
    (lambda s: s.at("10y", 37), "month: 37 must be at most 36"),
    (lambda s: s.cost("bogus"), "horizon: the text 'bogus' is not one of 1yr, 5yr, 10yr"),
    (lambda s: s.cost(None), "horizon: None (NoneType) is not one of 1yr, 5yr, 10yr"),
    (lambda s: s.plot("40y"), f"maturity: the text '40y' is not one of {MATURITIES}"),
    (lambda s: api.fit().plot("40y"), "maturity: the text '40y' is not one of"),
]


@pytest.mark.parametrize("call,message", BAD_ACCESS, ids=[m[:40] for _, m in BAD_ACCESS])
def test_results_refuse_an_unknown_key_naming_the_allowed_ones(priced, call, message):
    with pytest.raises(InputError) as info:
        call(priced)
    assert str(info.value).startswith(message), str(info.value)


def test_results_answer_for_the_allowed_keys(priced):
    assert priced.at("10y", 36)["median"] == pytest.approx(priced.yields_bp["10y"]["mid"].iloc[35])
    assert priced.lasting("10y")["median"] == pytest.approx(priced.lasting_bp["10y"][1])
    assert priced.cost("10yr")["median"] == pytest.approx(priced.interest_cost_bn["10yr"][1])


BAD_SIZES = [((1e-320,), "sizes_bn[0]: 1e-320 must be a positive number of $bn from 0.001 to 100,000"),
             ((999999.0,), "sizes_bn[0]: 999999.0 must be a positive number of $bn from 0.001 to 100,000"),
             ((100, 10**400), "sizes_bn[1]: 100000000000...000000 (401 digits) must be a positive number"),
             ((np.float64(100.0),), "sizes_bn[0]: must be a number of $bn, not np.float64(100.0) (numpy.float64; "
                                    "give a Python value")]


@pytest.mark.parametrize("sizes,message", BAD_SIZES, ids=[m[:30] for _, m in BAD_SIZES])
def test_sweep_sizes_follow_the_scenario_files_limits(sizes, message):
    with pytest.raises(InputError) as info:
        api.sweep(sizes_bn=sizes, months=(6,), draws=100)
    assert str(info.value).startswith(message), str(info.value)


def test_sweep_limits_are_the_scenario_files():
    from model.arguments import MAX_AMOUNT_BN
    from model.scenarios.schema import MAX_SALE_BN

    assert MAX_AMOUNT_BN == MAX_SALE_BN


def test_a_fractional_or_the_largest_size_is_priced():
    result = api.sweep(sizes_bn=(0.5, 100_000.0), months=(6,), draws=100)
    assert list(result.frame["sale_bn"]) == [0.5, 100_000.0] and _finite(result.to_dict())


def test_fiscal_refuses_a_number_too_large_for_a_float():
    with pytest.raises(InputError) as info:
        api.fiscal(10**400)
    assert str(info.value) == "shift_bp: '100000000000...000000 (401 digits)' is not a number between -10000 and 10000 (bp)"
