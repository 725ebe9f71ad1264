"""The Python API is the command line's equal: every bad argument is the tool's documented
error (``model.errors.InputError``, or its subclass ``ValidationFailed`` for a scenario)
naming the argument; nothing is silently replaced by a default, and nothing returned is
non-finite."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import api
from model.errors import InputError, TLRiskError

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
