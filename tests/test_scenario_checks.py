"""What a priced scenario says beside its numbers: sizes named and checked as bonds and notes,
the shipped files' comments against the plan the engine builds, warnings on every price of a
wrong-signed holder (files, one-line commands, sweeps, explorer cells), why a group's sale can
move yields less than one member's, and the persistence sensitivity."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.errors import ValidationFailed
from model.scenarios import (
    explorer_grid,
    load_scenario,
    scenario_files,
    simulate,
    sweep,
    validate_scenario,
)
from model.scenarios.build import one_line_scenario, scenario_from_dict
from model.scenarios.pricing import _coalition_note, priced_maturities
from model.scenarios.words import (
    comment_paragraphs,
    figures_off_the_plan,
    money_figures,
    plan_quantities,
)

HEAD = """
[scenario]
name = "t"
title = "test"
start = "2026-05"
horizon_months = 60

[pricing]
draws = 2000
seed = 7
"""


def sell(holder: str, bn: float | None = None, months: int = 24, share: float | None = None, extra: str = "") -> str:
    size = f"bn = {bn}" if bn is not None else f"share = {share}"
    return f'\n[[holders]]\nholder = "{holder}"\naction = "sell"\n{size}\nmonths = {months}\n{extra}'


# ---------------------------------------------------------------------------------------------
# Sizes: bonds and notes, in the checks and in the files' comments
# ---------------------------------------------------------------------------------------------

def comment_figures_off_the_plan(path: Path, context) -> list[str]:
    """Figures ($ amounts, shares, months) in a scenario file's comments, title and description
    that match no amount of the plan the engine builds from it, within the rounding they are
    written with. A comment paragraph that starts ``For scale:`` gives history, not the plan."""
    scenario = load_scenario(path, context)
    texts = [*comment_paragraphs(path), scenario.spec.scenario.title, scenario.spec.scenario.description]
    return [f"{Path(path).name}: {w} matches nothing the plan builds"
            for w in figures_off_the_plan(texts, plan_quantities(scenario, context))]


def test_shipped_files_comments_match_what_is_priced(context):
    """Every dollar figure in a shipped file's comments, title and description is an amount of
    the plan the engine prices (within the rounding it is written with)."""
    files = scenario_files("scenarios")
    assert files
    checked = 0
    for path in files:
        assert comment_figures_off_the_plan(path, context) == []
        checked += len(money_figures(path.read_text("utf-8")))
    assert checked >= 10  # the files do state their sizes


def test_a_stale_figure_in_a_comment_is_caught(context, tmp_path):
    """The check fails on what the shipped files used to say: 'a fifth' of all Treasuries
    ($242bn) where a fifth of the bonds and notes is priced, and $10bn a month."""
    shipped = Path("scenarios/japan_selldown.toml").read_text("utf-8")
    stale = ("# Japan sells: its holdings end a fifth (about $242bn of the $1,209.9bn it held) below\n"
             "# the path its recent purchases would give, about $10bn a month.\n")
    path = tmp_path / "stale.toml"
    path.write_text(stale + shipped)
    off = comment_figures_off_the_plan(path, context)
    assert off == ["stale.toml: $242bn matches nothing the plan builds", "stale.toml: $10bn matches nothing the plan builds"]
    # history, marked as such, is not held to the plan
    path.write_text("# For scale: $242bn.\n" + shipped)
    assert comment_figures_off_the_plan(path, context) == []


def test_a_copied_file_with_an_old_description_is_warned_about(context, scenario_file):
    """The plan sentence is computed from the plan; a title or description whose figures the plan
    does not price (a copied file's old text) gets a warning naming each figure."""
    from model import pipeline

    path = scenario_file("""
[scenario]
name = "copied"
title = "Japan sells a fifth of its Treasury bonds and notes over two years"
description = "Holdings end 20% below their baseline path after 24 months (about $8.8bn a month)."
start = "2026-05"
horizon_months = 60

[pricing]
draws = 500

[[holders]]
holder = "japan"
action = "sell"
bn = 500.0
months = 12
""")
    result = pipeline.price(load_scenario(path, context), context)
    said = [w.split("\u201c")[1].split("\u201d")[0] for w in result.warnings if "matches nothing the plan" in w]
    assert sorted(said) == sorted(["a fifth", "two years", "20%", "24 months", "$8.8bn"])
    # the same file with its text brought up to date: no warning
    fixed = Path(path).read_text().replace("a fifth of its", "$500bn of its").replace("over two years", "over a year")
    fixed = fixed.replace("Holdings end 20% below their baseline path after 24 months (about $8.8bn a month).",
                          "Holdings end $500bn below their baseline path after 12 months.")
    Path(path).write_text(fixed)
    assert not [w for w in pipeline.price(load_scenario(path, context), context).warnings if "matches nothing" in w]


def test_shipped_titles_say_bonds_and_notes(context):
    """Every shipped scenario that changes holdings says in its title what changes: bonds and notes."""
    for path in scenario_files("scenarios"):
        scenario = load_scenario(path, context)
        if scenario.spec.holders:
            assert "bonds and notes" in scenario.spec.scenario.title, path


@pytest.mark.parametrize(("holder", "sold", "instruments", "fits"), [
    ("oil_exporters", 240.0, "bonds_notes", False),  # more than their bonds and notes, less than all they hold
    ("japan", 1100.0, "bonds_notes", False),
    ("japan", 1100.0, "all", True),  # with bills, the whole holding is for sale
    ("japan", 1300.0, "all", False),
])
def test_a_sale_is_checked_against_what_it_sells_from(context, scenario_file, holder, sold, instruments, fits):
    start = pd.Timestamp("2026-05-01")
    held = context.holdings_at(holder, start)
    bonds = held * (1 - context.bill_share(holder))
    if instruments == "bonds_notes":
        assert bonds < sold < held  # more than the bonds and notes, less than everything held
    text = HEAD + sell(holder, sold, extra=f'instruments = "{instruments}"\n')
    _, problems, _ = validate_scenario(scenario_file(text), context)
    assert (problems == []) == fits, problems
    if not fits:
        what = "Treasuries" if instruments == "all" else "bonds and notes"
        assert f"holders[1].bn — a sale of ${sold:,.0f}bn of {what} is larger than" in problems[0]
        if instruments != "all":
            assert f"bonds and notes (${bonds:,.0f}bn of its ${held:,.0f}bn of Treasuries" in problems[0]
    # just under the bonds and notes held passes
    ok = HEAD + sell(holder, float(np.floor(bonds)))
    assert validate_scenario(scenario_file(ok), context)[1] == []


def test_one_line_titles_and_the_explorer_sell_bonds_and_notes(context):
    raw = one_line_scenario(context, "japan", "sell", 12, 200.0)
    assert raw["scenario"]["title"] == "Japan sells $200bn of Treasury bonds and notes over 12 months"
    assert "bonds and notes" in one_line_scenario(context, "japan", "pause", 12)["scenario"]["title"]
    # a long name still makes a valid scenario name
    long = one_line_scenario(context, "Other foreign official (approx.)", "buy", 12, 1000.0)
    assert len(long["scenario"]["name"]) <= 64
    scenario_from_dict(long, context)
    # one line is checked as a file is: a sale above the bonds and notes held is refused
    with pytest.raises(ValidationFailed, match="of bonds and notes is larger than"):
        scenario_from_dict(one_line_scenario(context, "oil_exporters", "sell", 12, 240.0), context)


# ---------------------------------------------------------------------------------------------
# Every price carries its warnings
# ---------------------------------------------------------------------------------------------


def mirrored(context):
    """The same context with every estimated effect's sign flipped: every holder's sales lower
    yields, as a wrong-signed coefficient would have them."""
    model = context.response
    specs = [dataclasses.replace(s, beta_hat=-s.beta_hat, theta_hat=-s.theta_hat, z_post=-s.z_post) for s in model.specs]
    return dataclasses.replace(context, response=dataclasses.replace(model, specs=specs))


def wrong_signed(context, holder: str, response: str = "posterior") -> bool:
    """Whether ``holder``'s coefficient has sales lowering yields at a priced maturity (the table)."""
    table = context.response.posterior_table({holder: holder})
    column = "posterior_mean" if response == "posterior" else "data_mean"
    rows = table[table["maturity"].isin(priced_maturities("anchored"))]
    return bool((rows[column] < 0).any())


def test_explorer_cells_and_sweeps_carry_the_warning(context):
    flipped = mirrored(context)
    assert wrong_signed(flipped, "japan") and not wrong_signed(context, "japan")
    grid = explorer_grid(flipped, ["japan"], sizes_bn=(100.0, 250.0), months=(24,), draws=300)
    direct = simulate(load_scenario_like(flipped, "japan", 250.0, 24, grid.start), flipped)
    cells = grid.to_dict()["cells"]
    assert len(cells) == 2
    for cell in cells:
        assert cell["posterior"]["warnings"] and cell["literature"]["warnings"] == []
        # the cell's warning is the one a direct pricing of the same sale carries
        assert set(cell["posterior"]["warnings"]) <= set(direct.warnings)
        assert "Japan: under the posterior response its own estimate has sales lowering yields" in cell["posterior"]["warnings"][0]
    frame = grid.to_frame()
    assert (frame.loc[frame["response"] == "posterior", "warnings"] != "").all()
    assert grid.sweep_result("japan").warnings == cells[0]["posterior"]["warnings"]
    # the same holder in the real model carries nothing
    plain = explorer_grid(context, ["japan"], sizes_bn=(100.0,), months=(24,), draws=300)
    assert plain.to_dict()["cells"][0]["posterior"]["warnings"] == []
    # a sweep says it once for every cell, in JSON and in its table
    result = sweep(flipped, holder="japan", sizes_bn=(100,), months=(12,), draws=300, progress=False)
    assert result.warnings and json.loads(result.to_json())["warnings"] == result.warnings
    assert "WARNING (every cell)" in result.table()
    assert sweep(flipped, holder="japan", sizes_bn=(100,), months=(12,), response="literature",
                 progress=False).warnings == []


def load_scenario_like(context, holder, bn, months, start):
    from model.scenarios.sweep import sale_scenario

    return sale_scenario(holder, bn, months, start, "posterior", 300, seed=1)


def test_the_explorer_leaves_out_sales_above_the_bonds_and_notes(context):
    grid = explorer_grid(context, ["oil_exporters"], sizes_bn=(50.0, 250.0), months=(6,), draws=200)
    start = pd.Timestamp(grid.start + "-01")
    bonds = context.holdings_at("oil_exporters", start) * (1 - context.bill_share("oil_exporters"))
    assert bonds < 250.0 < context.holdings_at("oil_exporters", start)
    assert set(grid.frames["posterior"]["sale_bn"]) == {50.0}
    holder = grid.to_dict()["holders"][0]
    assert holder["bonds_notes_bn"] == pytest.approx(bonds, abs=0.05)


def test_one_line_simulate_carries_the_warning(context, capsys):
    """`simulate --holder` prices through the same engine: a wrong-signed holder's numbers come
    with the warning, in the JSON and in the table."""
    from model.cli import main

    for holder, label in (("china", "China (Mainland)"), ("japan", "Japan")):
        assert main(["simulate", "--holder", holder, "--sell", "250", "--months", "24", "--json", "--draws", "500"]) == 0
        out = json.loads(capsys.readouterr().out)
        flagged = any(w.startswith(f"{label}: under the posterior response") for w in out["warnings"])
        assert flagged == wrong_signed(context, holder)
        assert main(["simulate", "--holder", holder, "--sell", "250", "--months", "24", "--draws", "500"]) == 0
        assert ("WARNING: " + label + ": under" in capsys.readouterr().out) == flagged


def test_the_python_api_result_carries_the_warning(context):
    flipped = mirrored(context)
    raw = one_line_scenario(flipped, "china", "sell", 24, 250.0)
    result = simulate(scenario_from_dict(raw, flipped), flipped, draws=300)
    assert any(w.startswith("China (Mainland): under the posterior response") for w in result.warnings)
    assert result.to_dict()["warnings"] == result.warnings


# ---------------------------------------------------------------------------------------------
# A group's sale against a member's alone
# ---------------------------------------------------------------------------------------------


def test_why_a_group_moves_yields_less_than_a_member_hand_worked(context):
    """Planted effects: Japan +4.0 and the UK +1.0 bp per $100bn sold; Japan sells $100bn and the
    UK $300bn. Weighted average (400 + 300) / 400 = 1.75 bp per $100bn, so the $400bn moves the
    10-year as much as 400 x 1.75 / 4 = $175bn sold by Japan alone."""
    table = pd.DataFrame([{"holder": "japan", "maturity": "10y", "posterior_mean": 4.0, "posterior_sd": 1.0},
                          {"holder": "united_kingdom", "maturity": "10y", "posterior_mean": 1.0, "posterior_sd": 1.0}])
    flows = {"japan": np.full(10, -10.0), "united_kingdom": np.full(10, -30.0)}
    note = _coalition_note(context, "posterior", flows, table)
    assert "United Kingdom: $300bn at +1.0 (pooled estimate); Japan: $100bn at +4.0 (own estimate)" in note
    assert "the group averages +1.8 bp per $100bn" in note  # 1.75
    assert "the $400bn moves the 10-year yield about as much as $175bn sold by Japan alone would" in note
    # a difference of 3 against a 90% width of 1.645 x sqrt(2) = 2.3: known, so nothing more is said
    assert "not known" not in note
    table["posterior_sd"] = 2.0  # 1.645 x sqrt(8) = 4.7 > 3: the ordering itself is uncertain
    note = _coalition_note(context, "posterior", flows, table)
    assert note.endswith("alone moves it more. The differences between the holders' effects are inside their "
                         "uncertainty (standard deviations 2.0 to 2.0 bp), so which of them would move yields most is "
                         "not known")
    table["posterior_sd"] = 1.0
    # a wrong-signed member is named as such; here it outweighs Japan: (400 - 600) / 400 < 0
    table.loc[1, "posterior_mean"] = -2.0
    note = _coalition_note(context, "posterior", flows, table)
    assert "United Kingdom: $300bn at -2.0 (pooled estimate, the wrong sign for a demand effect)" in note
    assert "the group averages -0.5 bp per $100bn" in note
    assert "so together they lower the 10-year yield under this response, while Japan alone would raise it" in note
    # members priced alike, one holder, or the literature: nothing to explain
    table.loc[1, "posterior_mean"] = 4.0
    assert _coalition_note(context, "posterior", flows, table) is None
    assert _coalition_note(context, "posterior", {"japan": flows["japan"]}, table) is None
    assert _coalition_note(context, "literature", flows, None) is None


def test_the_shipped_coalition_says_why(context):
    """The coordinated sale's note is computed from the engine's own effects: its 'as much as $X
    by one member alone' has the same mean short-run effect as the whole group's sale."""
    path = Path("scenarios/coordinated_diversification.toml")
    scenario = load_scenario(path, context)
    result = simulate(scenario, context, draws=500)
    totals = {p.key: float(p.deviation_bn.sum()) for p in result.holder_paths}
    table = context.response.posterior_table({k: k for k in totals}).set_index(["holder", "maturity"])
    effects = {k: table.loc[(k, "10y"), "posterior_mean"] for k in totals}
    sold = {k: -v for k, v in totals.items()}
    average = sum(effects[k] * sold[k] for k in totals) / sum(sold.values())
    if max(effects.values()) - average < 0.05:
        assert result.coalition_note is None
        return
    note = result.coalition_note
    assert note and result.to_dict()["coalition_note"] == note and f"why: {note}" in result.table()
    top = max(effects, key=effects.get)
    alone = float(re.search(r"as much as \$([\d,]+)bn sold by", note).group(1).replace(",", ""))
    model = context.response
    j = model.responses.index("10y")
    group, _ = model.cumulative_moments("posterior", totals)
    single, _ = model.cumulative_moments("posterior", {top: -alone})
    assert single[j] == pytest.approx(group[j], abs=abs(group[j]) * 0.01 + 0.5 * abs(effects[top]) / 100)


# ---------------------------------------------------------------------------------------------
# Persistence sensitivity
# ---------------------------------------------------------------------------------------------


def test_persistence_sensitivity_is_the_model_with_the_share_fixed(context, scenario_file):
    """Each row is what pricing the same scenario with the share fixed gives (same draws)."""
    text = HEAD + sell("japan", 200.0, months=12) + sell("united_kingdom", 100.0, months=12)
    scenario = load_scenario(scenario_file(text), context)
    result = simulate(scenario, context)
    rows = result.persistence_sensitivity
    shares = [r["lasting_share"] for r in rows]
    assert shares == [0.0, pytest.approx(context.response.persistence_mean), 1.0]
    for row in rows:
        fixed = dataclasses.replace(context, response=context.response.with_lasting_share(row["lasting_share"]))
        direct = simulate(scenario, fixed)
        np.testing.assert_allclose(row["lasting_10y_bp"], direct.lasting_bp["10y"], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(row["interest_cost_10yr_bn"], direct.interest_cost_bn["10yr"], rtol=1e-9, atol=1e-9)
    assert rows[0]["lasting_10y_bp"] == (0.0, 0.0, 0.0)
    out = result.to_dict()["persistence_sensitivity"]
    assert [set(r) for r in out] == [{"lasting_share", "lasting_10y_bp", "interest_cost_10yr_bn"}] * 3
    assert set(out[1]["lasting_10y_bp"]) == {"median", "p05", "p95"}
    # the envelope has no share to fix
    literature = simulate(scenario, context, response="literature")
    assert literature.persistence_sensitivity is None and literature.to_dict()["persistence_sensitivity"] is None


def test_the_results_cache_keeps_the_new_fields(context):
    from model.scenarios import ScenarioResult

    result = simulate(load_scenario("scenarios/coordinated_diversification.toml", context), context, draws=300)
    back = ScenarioResult.from_record(json.loads(json.dumps(result.to_record())))
    assert back.to_json() == result.to_json()
    assert back.persistence_sensitivity == result.persistence_sensitivity
    assert back.coalition_note == result.coalition_note
