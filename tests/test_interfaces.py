"""The interfaces around the report: one JSON schema across every output (walked key by key and
checked against the README), the Python API (the README's example runs), the one-line
scenario, and the command line's feedback (stages, suggestions, folders, money, rounding).

Commands that would estimate are given the session's estimates (``fit_all`` patched), so
these tests check the interfaces, not the statistics, in seconds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model.cli import main
from model.panel import RESPONSES
from model.schema import COST_HORIZONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")



@pytest.fixture
def fitted_once(monkeypatch, fitted):
    """Every command gets the session's estimates instead of fitting again."""
    calls = []

    def fit_all(panel, config=None, credibility=True, progress=None, literature=None):
        calls.append(credibility)
        if progress:
            progress("the specification grid")
        return fitted

    monkeypatch.setattr("model.estimate.fit_all", fit_all)
    return calls


@pytest.fixture
def no_fit(monkeypatch):
    def fit_all(*args, **kwargs):
        raise AssertionError("estimated before checking what the user typed")

    monkeypatch.setattr("model.estimate.fit_all", fit_all)


def _json(capsys, args: list[str]) -> dict:
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="session")
def outputs(request, tmp_path_factory, build_once):
    """Every JSON output of the tool, by name (built once for the run). The shipped report's
    results.json is added last: another worker is usually still building it, and the commands
    run meanwhile."""
    fitted = request.getfixturevalue("fitted")

    def build(folder):
        import contextlib
        import io

        def run(args: list[str]) -> dict:
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
                assert main(args) == 0, args
            return json.loads(buffer.getvalue())

        mp = pytest.MonkeyPatch()
        mp.setattr("model.estimate.fit_all", lambda panel, config=None, credibility=True, progress=None: fitted)
        out = {}
        try:
            out["simulate"] = run(["simulate", "scenarios/coordinated_diversification.toml", "--json", "--draws", "500"])
            out["simulate japan"] = run(["simulate", "scenarios/japan_selldown.toml", "--json", "--draws", "500"])
            out["simulate one line"] = run(["simulate", "--holder", "japan", "--sell", "200", "--months", "12", "--json",
                                            "--draws", "500"])
            out["simulate literature"] = run(["simulate", "scenarios/japan_pause.toml", "--json", "--response", "literature"])
            out["sweep"] = run(["sweep", "--holder", "china", "--sizes", "100", "--months", "12", "--draws", "300", "--json",
                                "--no-progress"])
            out["fiscal"] = run(["fiscal", "--shift-bp", "10", "--json"])
            out["fit"] = run(["fit", "--json", "--no-progress"])
            out["episodes"] = run(["episodes", "--json"])
            out["events"] = run(["events", "--json", "--draws", "200"])
            out["data status"] = run(["data", "status", "--json"])
        finally:
            mp.undo()
        return out

    record = build_once("json-outputs", build)
    shipped = request.getfixturevalue("shipped")
    return {**record, "results.json": json.loads((shipped["out"] / "results.json").read_text("utf-8"))}


# ---------------------------------------------------------------------------------------------
# One schema
# ---------------------------------------------------------------------------------------------

DATA_KEY = re.compile(r"^(3m|2y|5y|10y|30y|tp10|1yr|5yr|10yr|\d{4}-\d{2}(-\d{2})?|[a-z]+/(avg|eom)/.*)$")
# names that once meant a quantity another key now carries
RETIRED = {"cost_bn", "cost_10y", "cost_10y_estimate", "cost_10y_median_bn", "spec", "dependent_description",
           "bp_per_100bn_sold", "mid", "point", "y10_lasting_mid_bp", "cost_10yr_mid_bn", "specifications"}


def _walk(node, path, visit):
    if isinstance(node, dict):
        visit(path, node)
        for k, v in node.items():
            _walk(v, (*path, k), visit)
    elif isinstance(node, list):
        for v in node:
            _walk(v, (*path, "[]"), visit)


def _data_keys(out: dict) -> set[str]:
    """Keys that are data (ids), not names: scenario names, holder ids, episode keys."""
    ids = set(out["results.json"]["scenarios"])
    for name in ("simulate", "simulate one line", "simulate literature"):
        ids |= set(out[name]["holder_loss_bn"])
    ids |= {r["holder"] for r in out["fit"]["posterior"]}
    ids |= {"sell_usd", "buy_usd"}
    return ids


def _schema_problems(path: tuple, d: dict, where: str) -> list[str]:
    """What is wrong with one object of a JSON output."""
    problems = []
    keys = set(d)
    if "median" in keys and (not {"p05", "p95"} <= keys or keys & {"low", "high", "central"}):
        problems.append(f"{where}: a band of draws is {{median, p05, p95}}: {sorted(keys)}")
    if "central" in keys and (not {"low", "high"} <= keys or keys & {"p05", "p95", "median"}):
        problems.append(f"{where}: a range is {{central, low, high}}: {sorted(keys)}")
    if ("p05" in keys or "p95" in keys) and "median" not in keys:
        problems.append(f"{where}: p05/p95 without a median")
    for key, value in d.items():
        if key in RETIRED:
            problems.append(f"{where}: retired key '{key}'")
        if key == "interest_cost_bn" and isinstance(value, dict) and not set(value) <= set(COST_HORIZONS):
            problems.append(f"{where}: interest_cost_bn keyed {sorted(value)}, not 1yr/5yr/10yr")
        if key in ("yields_bp", "moves_bp") and isinstance(value, dict) and not set(value) <= set(RESPONSES):
            problems.append(f"{where}: {key} keyed {sorted(value)}")
        if key == "holder_loss_bn" and isinstance(value, dict):
            problems += [f"{where}: {key}.{k} has no label" for k, v in value.items() if "label" not in v]
    return problems


def test_every_json_output_has_one_key_per_quantity(outputs):
    problems: list[str] = []
    for name, doc in outputs.items():
        assert doc.get("schema_version") == SCHEMA_VERSION, name
        assert next(iter(doc)) == "schema_version", name

        def visit(path, d, name=name):
            problems.extend(_schema_problems(path, d, f"{name}: {'.'.join(map(str, path)) or '(top)'}"))

        _walk(doc, (), visit)
    assert not problems, "\n".join(problems[:20])


def test_every_key_is_documented_in_the_readme(outputs):
    section = README[README.index("## JSON output"):README.index("## Command line")]
    section += README[README.index("## Intervention days"):README.index("## What the model can and cannot say")]
    documented = {word for span in re.findall(r"`([^`]+)`", section) for word in re.findall(r"[A-Za-z_0-9]+", span)}
    ids = _data_keys(outputs)
    missing: dict[str, str] = {}

    def collect(name):
        def visit(path, d):
            for key in d:
                if key not in documented and key not in ids and not DATA_KEY.match(key):
                    missing.setdefault(key, f"{name}: {'.'.join(map(str, path))}")
        return visit

    for name, doc in outputs.items():
        _walk(doc, (), collect(name))
    assert not missing, "undocumented keys: " + "; ".join(f"{k} ({w})" for k, w in sorted(missing.items()))


def test_the_one_line_scenario_prints_the_schema_of_a_file(outputs):
    def shape(node, path=()):
        out = set()
        if isinstance(node, dict):
            for k, v in node.items():
                k = "*" if DATA_KEY.match(k) or k in ("japan", "china", "united_kingdom", "oil_exporters") else k
                out |= {(*path, k)} | shape(v, (*path, k))
        elif isinstance(node, list):
            for v in node:
                out |= shape(v, (*path, "[]"))
        return out

    one, file = outputs["simulate one line"], outputs["simulate japan"]  # the same holder: the same facts
    assert shape(one) == shape(file)
    assert one["holders"][0]["holder"] == "japan" and one["holders"][0]["cumulative_deviation_bn"] == pytest.approx(-200)
    assert one["interest_cost_bn"]["10yr"]["median"] > 0 and set(one["yields_bp"]) == set(RESPONSES)


def test_cost_is_interest_cost_bn_10yr_everywhere(outputs):
    assert set(outputs["simulate"]["interest_cost_bn"]) == set(COST_HORIZONS)
    assert set(outputs["fiscal"]["interest_cost_bn"]) == set(COST_HORIZONS)
    assert set(outputs["sweep"]["cells"][0]["interest_cost_bn"]) == {"10yr"}
    results = outputs["results.json"]
    for priced in results["scenarios"].values():
        for r in priced.values():
            assert set(r["interest_cost_bn"]) == set(COST_HORIZONS)
    for row in results["headline"]:
        assert set(row["posterior"]["interest_cost_bn"]) == set(COST_HORIZONS)
    # literature results are ranges, draws are bands
    assert set(outputs["simulate literature"]["interest_cost_bn"]["10yr"]) == {"central", "low", "high"}
    # the report carries each command's own object
    assert [e["key"] for e in outputs["episodes"]["episodes"]] == [e["key"] for e in results["episodes"]["episodes"]]
    assert set(outputs["events"]) == set(results["events"])


# ---------------------------------------------------------------------------------------------
# The Python API
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def api_session(panel, snapshot_bundle, fitted, context):
    from model import api

    saved = dict(api._session)
    api._session.clear()
    api._session["data"] = api.Data(bundle=snapshot_bundle, panel=panel)
    api._session[("fit", False)] = api.Fit(results=fitted, response=context.response, context=context)
    yield api
    api._session.clear()
    api._session.update(saved)


def test_the_readme_api_example_runs(api_session, capsys):
    block = re.search(r"## Python API.*?```python\n(.*?)```", README, re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md (Python API)", "exec"), namespace)  # noqa: S102 - the README's own example
    assert len(namespace["paths"]) > 0 and set(namespace["paths"]["maturity"]) == set(RESPONSES)
    assert namespace["sale"].band_kind == "range" and namespace["sale"].holder_paths[0].label == "United Kingdom"
    assert set(namespace["grid"]["sale_bn"]) == {100.0, 500.0}
    assert namespace["cost"]["interest_cost_cumulative_bn"].iloc[-1] == pytest.approx(
        api_session.fiscal(10)["interest_cost_bn"]["10yr"])
    assert {"method", "maturity", "effect_bp_per_100bn"} <= set(namespace["effects"].columns)
    assert "10y" in capsys.readouterr().out


def test_api_simulate_a_file_gives_a_frame(api_session):
    from model import api

    frame = api.simulate("scenarios/japan_pause.toml").to_frame()
    assert len(frame) > 0 and {"maturity", "month", "median", "p05", "p95"} <= set(frame.columns)
    assert api.fit().plot() is not None and api.load().to_frame().index.name in (None, "month")
    from model.errors import InputError, ValidationFailed

    with pytest.raises(InputError, match="did you mean 'Japan'"):
        api.sweep("Japna")
    with pytest.raises(ValidationFailed, match="holders\\[1\\].holder — unknown holder 'Narnia'"):
        api.simulate({"scenario": {"name": "x", "title": "x", "start": "2026-05", "horizon_months": 12},
                      "holders": [{"holder": "Narnia", "action": "pause", "months": 3}]})


# ---------------------------------------------------------------------------------------------
# Feedback on the command line
# ---------------------------------------------------------------------------------------------


def test_validate_a_folder(tmp_path, capsys):
    assert main(["validate", "scenarios/"]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == len(list((ROOT / "scenarios").glob("*.toml")))
    (tmp_path / "good.toml").write_text((ROOT / "scenarios" / "japan_pause.toml").read_text("utf-8"))
    (tmp_path / "bad.toml").write_text('[scenario]\nname = "bad"\ntitle = "x"\nstart = "2026-05"\n'
                                       'horizon_months = 12\n[[holders]]\nholder = "Japna"\naction = "pause"\n'
                                       'months = 3\n')
    assert main(["validate", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "good.toml: ok" in captured.out and "unknown holder 'Japna' (did you mean 'Japan'?)" in captured.err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 2
    assert "no scenario files" in capsys.readouterr().err


def test_misspelt_holders_get_suggestions_before_any_estimation(no_fit, capsys):
    assert main(["sweep", "--holder", "Japna", "--no-progress"]) == 2
    assert "--holder: unknown holder 'Japna' (did you mean 'Japan'?)" in capsys.readouterr().err
    assert main(["simulate", "--holder", "Chian", "--sell", "50", "--months", "6"]) == 2
    assert re.search(r"unknown holder 'Chian' \(did you mean '[Cc]hina[^']*'\?\)", capsys.readouterr().err)
    assert main(["simulate", "scenarios/japan_pause.toml", "--holder", "japan", "--sell", "5"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["simulate", "--holder", "japan"]) == 2
    assert "--sell BN, --buy BN or --pause" in capsys.readouterr().err
    assert main(["simulate", "--holder", "japan", "--sell", "-5"]) == 2


def test_fit_names_its_stages_and_prints_rounded_numbers(fitted_once, capsys):
    assert main(["fit", "--no-cache"]) == 0  # estimated (by the patched fit), not read from the cache
    captured = capsys.readouterr()
    stages = [line for line in captured.err.splitlines() if line.startswith("fit [")]
    assert any("loading the data" in s for s in stages) and any("specification grid" in s for s in stages)
    assert any("response model" in s for s in stages)
    assert "NaN" not in captured.out and "nan" not in captured.out.split()
    assert not re.search(r"\d\.\d{5,}", captured.out)
    # effects are listed by the holders' and yields' names (ids stay in the formulas and the JSON)
    rows = [line for line in captured.out.splitlines() if re.search(r"bp  \(se |weighted mean|^  10-year  ", line)]
    assert rows and not any(re.match(r"\s+(japan|china|other_foreign|10y)\s", line) for line in rows)
    assert any(line.split()[:2] == ["China", "(Mainland)"] for line in rows)
    assert main(["fit", "--json", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["fit", "--json"]) == 0  # from the estimation cache: it says so
    assert "from the estimation cache" in capsys.readouterr().err


def test_text_tables_and_verdicts_read_as_numbers():
    import pandas as pd

    from model.episodes import verdict
    from model.estimate import _text_table
    from model.numbers import compact, compact_money, money, number

    text = _text_table(pd.DataFrame({"a": [1.23456789, float("nan")], "b": ["x", "y"]}), 2)
    assert "1.23" in text and "NaN" not in text and " -" in text
    assert "-0.0" not in verdict(5.0, (-1.0, -0.01, 2.0), "10-year yield")
    assert money(-9.34) == "-$9.3bn" and money(9.34, sign=True) == "+$9.3bn" and money(-0.04) == "$0.0bn"
    assert number(-0.04) == "0.0" and number(0.06) == "+0.1"
    assert compact({"median": 10.0, "p05": 0.0, "p95": 20.0}, 0) == "+10 (0 to +20)"
    assert compact_money({"central": -30.0, "low": -50.0, "high": 5.0}) == "-$30bn (-50 to +5)"
