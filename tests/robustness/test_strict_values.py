"""Every value in every config and scenario file is checked: types are never coerced, numbers
are finite and in their domain, and each problem is one ``file: dotted.path — reason`` line.

The mechanism (``StrictModel``: strict types, no nan/inf, in every field of every model) is
tested by mutating every number and every true/false in every shipped file, one at a time,
and checking that the file is refused at that value's own path.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from model.cli import main
from model.config import (
    HolderConfig,
    dotted_path,
    format_validation_error,
    holder_config,
    load_model,
    validate_data,
)
from model.episodes import EpisodesFile
from model.errors import ValidationFailed
from model.estimate.literature import LiteratureConfig, with_pool
from model.estimate.spec import EstimationConfig, with_holders
from model.fiscal import FiscalConfig
from model.panel import PanelConfig, ValuationConfig
from model.scenarios import (
    ScenarioFile,
    SimulationConfig,
    load_scenario,
    scenario_files,
    validate_scenario,
)
from model.sources.catalog import SourcesConfig

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "model" / "config"
GROUPS = {"groups": holder_config().groups}
MODELS = {
    "holders.toml": (HolderConfig, None), "sources.toml": (SourcesConfig, None),
    "valuation.toml": (ValuationConfig, GROUPS), "panel.toml": (PanelConfig, None),
    "fiscal.toml": (FiscalConfig, None), "simulation.toml": (SimulationConfig, GROUPS),
    "episodes.toml": (EpisodesFile, None), "literature.toml": (LiteratureConfig, None),
    "estimation.toml": (EstimationConfig, None),
}
# what the loaders add from holders.toml before validating (the holder lists, declared once there)
PREPARE = {
    "estimation.toml": lambda data: with_holders(data, holder_config().estimated),
    "literature.toml": lambda data: with_pool(data, holder_config().pooled),
}


def load(name: str, data=None):
    """A shipped config file (or ``data`` in its place) loaded as the tool loads it."""
    model, context = MODELS[name]
    data = tomllib.loads((CONFIG / name).read_text()) if data is None else data
    return load_model(CONFIG / name, model, PREPARE.get(name, lambda d: d)(data), context=context)


def leaves(data, loc=()):
    """Every value (number, text, true/false) in parsed TOML, with its location."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*loc, i))
    else:
        yield loc, data


def replaced(data, loc, value):
    out = copy.deepcopy(data)
    target = out
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value
    return out


def wrong_values(value):
    """Values of the wrong kind for a TOML value: none may be accepted."""
    if isinstance(value, str):
        return [True, 7]
    if isinstance(value, bool):
        return [int(value), str(value).lower()]
    out = [str(value), True, math.nan, math.inf, -math.inf]
    if isinstance(value, int):
        out.append(value + 0.5)  # a fraction where a whole number belongs
    return out


def test_every_shipped_config_loads():
    assert sorted(MODELS) == sorted(p.name for p in CONFIG.glob("*.toml"))
    for name in MODELS:
        load(name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_config_value_is_checked(name):
    data = tomllib.loads((CONFIG / name).read_text())
    found = list(leaves(data))
    assert found
    for loc, value in found:
        for bad in wrong_values(value):
            with pytest.raises(ValidationFailed) as err:
                load(name, replaced(data, loc, bad))
            where = f"{CONFIG / name}: {dotted_path(loc)} — "
            assert any(p.startswith(where) for p in err.value.problems), (loc, bad, err.value.problems)


@pytest.mark.parametrize("path", scenario_files(ROOT / "scenarios"), ids=lambda p: p.name)
def test_every_scenario_value_is_checked(path):
    data = tomllib.loads(path.read_text())
    validate_data(ScenarioFile, data)
    for loc, value in leaves(data):
        for bad in wrong_values(value):
            if loc[-1] == "baseline" and bad == 7:
                continue  # a baseline is 'trailing_12m' or a number: 7 is a valid one
            with pytest.raises(ValidationError) as err:
                validate_data(ScenarioFile, replaced(data, loc, bad))
            problems = format_validation_error(err.value, path, ScenarioFile)
            assert any(p.startswith(f"{path}: {dotted_path(loc)} — ") for p in problems), (loc, bad, problems)


# ---------------------------------------------------------------------------------------------
# The scenario files of the issue, one by one
# ---------------------------------------------------------------------------------------------

HEAD = '[scenario]\nname = "{name}"\ntitle = "t"\nstart = "{start}"\nhorizon_months = {horizon}\n'
PLAN = '[[holders]]\nholder = "{holder}"\naction = "{action}"\n{extra}\n'


def text(name="t", start="2026-05", horizon="24", pricing="", holder="japan", action="sell", extra="bn = 10.0\nmonths = 6"):
    return (HEAD.format(name=name, start=start, horizon=horizon) + (f"[pricing]\n{pricing}\n" if pricing else "")
            + PLAN.format(holder=holder, action=action, extra=extra))


@pytest.fixture(scope="module")
def bare_context(snapshot_bundle, panel):
    """Data without estimates: what validation needs (no fit)."""
    from model import pipeline

    return pipeline.scenario_context(pipeline.Data(snapshot_bundle, panel))


CASES = [
    (text(horizon='"60"'), "scenario.horizon_months — Input should be a valid integer (got the text '60')"),
    (text(extra="share = true\nmonths = 6"), "holders[1].share — Input should be a valid number (got true)"),
    (text(pricing='draws = "100000000"'), "pricing.draws — Input should be a valid integer (got the text '100000000')"),
    (text(pricing="draws = 5e7"), "pricing.draws — Input should be a valid integer (got the number 5e+07)"),
    (text(extra="bn = nan\nmonths = 6"), "holders[1].bn — Input should be a finite number (got nan)"),
    (text(action="slowdown", extra="bn_per_month = inf"), "holders[1].bn_per_month — Input should be a finite number (got inf)"),
    (text(action="pause", extra="months = 3\nbaseline = nan"), "holders[1].baseline — nan is not a number of $bn a month"),
    (text(action="path", extra="flows_bn = [1.0, 1e300]"), "holders[1].flows_bn[2] — Input should be less than or equal to 10000"),
    (text(extra="bn = 1e300\nmonths = 6"), "holders[1].bn — Input should be less than or equal to 100000"),
    (text(action="pause", extra='months = 3\nbaseline = "5"'), "holders[1].baseline — '5' is not a baseline"),
    (text(action="path", extra="flows_bn = [1.0, -inf]"), "holders[1].flows_bn[2] — Input should be a finite number (got -inf)"),
    (text(extra="bn = 10.0\nmonths = 30"), "holders[1].months — 30 months from month 1 run past the 24-month horizon (at most 24)"),
    (text(extra="bn = 10.0\nmonths = 6\ndelay_months = 24"), "holders[1].delay_months — the action would start in month 25"),
    (text(extra="bn = 10.0\nmonths = 6\ndelay_months = 20"), "holders[1].months — 6 months from month 21 run past"),
    (text(action="path", extra="flows_bn = [1.0, 2.0, 3.0]\ndelay_months = 22"), "holders[1].flows_bn — 3 monthly values from month 23 run past the 24-month horizon (at most 2)"),
    (text(action="slowdown", extra="share = 0.5\nmonths = 6\nramp_months = 9"), "holders[1].ramp_months — a ramp of 9 months is longer than the slowdown itself (6 months)"),
    (text(name="japan/sale"), "scenario.name — 'japan/sale' is not a valid name"),
    (text(start="9999-01"), "scenario.start — 9999-01 is more than 10 years after the data end (2026-04)"),
    (text(start="1990-05"), "scenario.start — 1990-05 is too early: the data begin 2000-03"),
    (text(start="2026-5"), "scenario.start — should be a month written YYYY-MM (got '2026-5')"),
]


@pytest.mark.parametrize(("body", "message"), CASES, ids=[c[1].split(" — ")[0] + ":" + c[1][-20:] for c in CASES])
def test_bad_scenario_value(bare_context, scenario_file, body, message):
    path = scenario_file(body)
    _, problems, _ = validate_scenario(path, bare_context)
    assert any(p == f"{path}: {message}" or p.startswith(f"{path}: {message}") for p in problems), problems


def test_a_start_before_the_data_blames_the_date_not_the_holder(bare_context, scenario_file):
    _, problems, _ = validate_scenario(scenario_file(text(start="1990-05")), bare_context)
    assert len(problems) == 1 and "scenario.start" in problems[0]


def test_a_start_far_in_the_future_is_an_input_error(scenario_file, capsys):
    path = scenario_file(text(start="9999-01"))
    assert main(["simulate", path]) == 2
    err = capsys.readouterr().err
    assert "scenario.start — 9999-01" in err and "internal error" not in err


def test_country_names_match_without_regard_to_case(bare_context, scenario_file):
    spec = load_scenario(scenario_file(text(holder="cayman islands", extra="bn = 1.0\nmonths = 6")), bare_context)
    assert spec.holders == ["Cayman Islands"]


def test_two_files_with_one_name_are_refused_naming_both(scenario_file, capsys):
    first, second = scenario_file(text(name="same")), scenario_file(text(name="same"))
    assert main(["validate", first, second]) == 2
    err = capsys.readouterr().err
    assert f"{second}: scenario.name — 'same' is also the name of {first}" in err


def test_report_refuses_two_files_with_one_name(tmp_path, capsys):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for stem in ("a", "b"):
        (folder / f"{stem}.toml").write_text(text(name="same"))
    assert main(["report", "--offline", "--no-progress", "--scenarios", str(folder), "--out", str(tmp_path / "out")]) == 2
    assert "'same' is also the name of" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_simulate_refuses_a_bad_file_before_the_fit(scenario_file, capsys, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("the fit ran before the file was checked")

    monkeypatch.setattr("model.estimate.fit_all", no_fit)
    assert main(["simulate", scenario_file(text(horizon='"60"'))]) == 2
    assert "horizon_months" in capsys.readouterr().err


def test_draws_on_the_command_line_are_held_to_the_memory_budget(capsys):
    assert main(["simulate", "scenarios/japan_pause.toml", "--draws", "50000000"]) == 2
    err = capsys.readouterr().err
    assert "--draws — 50,000,000 draws is above the limit" in err


BIG = "9" * 400
FILE_CASES = [  # issue 22: numbers no float holds and nesting no scenario has, in a file
    (text(extra=f"bn = {BIG}\nmonths = 6"),
     "holders[1].bn — Input should be a finite number (got the number 999999999999...999999 (400 digits))"),
    (text(action="pause", extra=f"months = 3\nbaseline = {BIG}"),
     "holders[1].baseline — 999999999999...999999 (400 digits) is not a number of $bn a month between"),
    (text(action="pause", extra=f"months = 3\nbaseline = -{BIG}"),
     "holders[1].baseline — -99999999999...999999 (401 digits) is not a number of $bn a month between"),
    (text(extra="bn = 10.0\nmonths = 6\nnote = " + "[" * 40 + "]" * 40), "holders[1].note" + "[1]" * 29 + ": nested more than 32 levels deep"),
    (text(extra="bn = 10.0\nmonths = 6\nnote = " + "[" * 5000 + "]" * 5000), "invalid TOML: nested more than 32 levels deep"),
]


@pytest.mark.parametrize(("body", "message"), FILE_CASES, ids=[c[1][:30] for c in FILE_CASES])
def test_a_file_with_an_overflowing_number_or_deep_nesting_is_exit_2(scenario_file, capsys, body, message):
    path = scenario_file(body)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: {message}") and err.count("\n") == 1 and "internal error" not in err, err


def test_sweep_sizes_on_the_command_line_follow_the_files_limit(capsys):
    assert main(["sweep", "--sizes", "100", "999999", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--sizes: 999999 must be at most 100000" in err and "internal error" not in err, err
