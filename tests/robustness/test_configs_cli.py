"""Bad configs and bad command lines: one line, a documented exit code, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.cli import main


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def one_line_error(capsys, code: int, argv: list[str]) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err


CASES = [
    ("holders.toml", '[groups.japan]\nlabel = "Japan"', '[groups.japan]\nlabel = "Japan"\nmembrs = ["Japan"]',
     ["fit", "--json"], "groups.japan.membrs — unknown key (did you mean 'members'?)"),
    ("estimation.toml", "lags = 3", "lags = 30", ["fit", "--json"], "distributed_lags.lags — Input should be less than or equal to 12"),
    ("estimation.toml", 'units = "pct_debt"', "units = 7", ["fit", "--json"], "units — Input should be 'pct_debt' or 'bn'"),
    ("estimation.toml", 'maturities = ["3m"', 'maturities = ["4m"', ["fit", "--json"], "unknown maturity '4m'"),
    ("valuation.toml", "default = 5.0", 'default = "five"', ["fit", "--json"], "duration_years.default — Input should be a valid number"),
    ("fiscal.toml", "share = 0.215", "share = 0.5", ["fiscal", "--shift-bp", "10"], "bucket shares must sum to 1"),
    ("sources.toml", 'file = "mfhhis01.txt"', 'file = "mfh.txt"', ["data", "status"], "mfh.txt was frozen by the Treasury"),
    ("simulation.toml", "max_draws = 1000000", "max_draws = -4", ["simulate", "scenarios/japan_pause.toml"], "max_draws — Input should be greater than or equal to 1"),
    ("literature.toml", 'central_long_run = "beltran2013_long"', 'central_long_run = "beltran2031"', ["fit", "--json"],
     "envelope.central_long_run refers to unknown effect 'beltran2031'"),
    ("panel.toml", "max_carry_months = 3", "max_carry_months = [3]", ["fit", "--json"], "max_carry_months — Input should be a valid integer"),
    ("holders.toml", "[aliases]", "[aliases\n", ["fit", "--json"], "invalid TOML"),
]


@pytest.mark.parametrize(("name", "old", "new", "argv", "message"), CASES, ids=[c[0] + ":" + c[4][:24] for c in CASES])
def test_bad_config(config_dir, capsys, name, old, new, argv, message):
    edit(config_dir, name, old, new)
    err = one_line_error(capsys, 2, argv)
    assert message in err and name in err, err


# Every value has a domain (sign, range, allowed keys, other files' names), checked where the
# file is loaded; the command line turns the same error into one line (the cases above).
DOMAIN_CASES = [
    ("valuation.toml", "japan = 5.0", "japan = -5.0", "duration_years.japan — -5 years is not a duration (above 0, at most 30)"),
    ("valuation.toml", "japan = 5.0", "japn = 5.0", "duration_years.japn — unknown holder group (did you mean 'japan'?)"),
    ("valuation.toml", 'yield_column = "y10y_eom"', 'yield_column = "y7y_eom"', "yield_column — 'y7y_eom' is not a yield in the panel"),
    ("simulation.toml", 'loss_maturity = "5y"', 'loss_maturity = "7y"', "loss_maturity — '7y' is not a maturity the scenarios price"),
    ("simulation.toml", "bill_sale_effect = 0.1", "bill_sale_effect = 1.5", "bill_sale_effect — Input should be less than or equal to 1"),
    ("literature.toml", '\noverlap = "power"', '\noverlap = "power"\npool = ["japan", "chnia"]',  # an override
     "prior.pool[2] — unknown holder group 'chnia' (did you mean 'china'?)"),
    ("literature.toml", "3m = 0.1", "3m = -0.1", "envelope.maturity_loading — maturity loadings must be positive"),
    ("literature.toml", "low = 40.0", "low = -40.0", "effect[2].low — Input should be greater than or equal to 0"),
    ("fiscal.toml", "average_rate_pct = 3.3", "average_rate_pct = nan", "average_rate_pct — Input should be a finite number (got nan)"),
    ("fiscal.toml", "debt_public_bn = 31455.0", "debt_public_bn = inf", "debt_public_bn — Input should be a finite number (got inf)"),
    ("fiscal.toml", "compound = true", 'compound = "yes"', "compound — Input should be a valid boolean (got the text 'yes')"),
    ("fiscal.toml", "tolerance = 0.25", "tolerance = -0.25", "cbo_check.tolerance — Input should be greater than 0"),
    ("holders.toml", 'plus = ["total_foreign"]\nminus = ["foreign_official"]', 'plus = ["foreign_private"]\nminus = ["foreign_official"]',
     "groups.foreign_private — derived groups refer to each other in a circle: foreign_private -> foreign_private"),
    ("sources.toml", 'file = "slt_table5.txt"', 'file = "../slt_table5.txt"', "tic.files[2].file — '../slt_table5.txt' is not a plain file name"),
    ("sources.toml", "deadline_s = 300.0", "deadline_s = -1.0", "tic.deadline_s — Input should be greater than 0"),
    # a date, not a month: the message must not ask for YYYY-MM
    ("sources.toml", 'daily_from = "2010-01-01"', 'daily_from = "2010-1-01"',
     "fred.series[6].daily_from — '2010-1-01' is not a day written YYYY-MM-DD between 1900 and 2100"),
    ("holders.toml", 'since = "2006-06"', 'since = "2006-13"',
     "definitions.Caribbean Banking Centers.since — should be a month written YYYY-MM (got '2006-13')"),
    ("episodes.toml", 'key = "china_2016"', 'key = "china-2016"', "episode[3].key — String should match pattern"),
    ("episodes.toml", 'end = "2016-11"', 'end = "2036-11"', "episode[3].end — a window of 245 months is longer than 120 months"),
]


def _loader(name: str):
    from model import config, episodes, fiscal, panel, scenarios
    from model.estimate import literature
    from model.sources import catalog

    return {"valuation.toml": panel.valuation_config, "simulation.toml": scenarios.simulation_config,
            "literature.toml": literature.literature_config,
            "fiscal.toml": fiscal.fiscal_config, "holders.toml": config.holder_config,
            "sources.toml": catalog.sources_config, "episodes.toml": episodes.episodes_config}[name]


@pytest.mark.parametrize(("name", "old", "new", "message"), DOMAIN_CASES, ids=[c[0] + ":" + c[3][:30] for c in DOMAIN_CASES])
def test_config_domain(config_dir, name, old, new, message):
    from model.errors import ValidationFailed

    edit(config_dir, name, old, new)
    with pytest.raises(ValidationFailed) as err:
        _loader(name)()
    assert f"{config_dir / name}: {message}" in str(err.value), str(err.value)


def test_a_misspelt_group_member_is_refused_against_the_data(config_dir, capsys):
    edit(config_dir, "holders.toml", 'members = ["Japan"]', 'members = ["Japna"]')
    err = one_line_error(capsys, 2, ["validate", "scenarios/japan_pause.toml"])
    assert "groups.japan.members — none of 'Japna' appears in the data (did you mean 'Japan'?)" in err


def test_a_misspelt_member_of_a_group_with_data_is_a_warning(config_dir, capsys):
    edit(config_dir, "holders.toml", '"Luxembourg", "Switzerland"', '"Luxembuorg", "Switzerland"')
    assert main(["validate", "scenarios/japan_pause.toml"]) == 0
    err = capsys.readouterr().err
    assert ("groups.custody_centers.members — 'Luxembuorg' is not in the data (did you mean 'Luxembourg'?)" in err
            and err.count("warning:") == 1)  # and nothing about the Treasury's absent oil exporters


def test_episodes_are_checked_against_the_data(config_dir, snapshot_bundle, panel):
    from model import pipeline
    from model.episodes import episode_problems

    edit(config_dir, "episodes.toml", 'end = "2025-04"', 'end = "2026-12"')
    edit(config_dir, "episodes.toml", 'holders = ["Belgium"]', 'holders = ["belgium"]')
    problems = episode_problems(pipeline.scenario_context(pipeline.Data(snapshot_bundle, panel)))
    assert problems == [
        f"{config_dir / 'episodes.toml'}: episode[2].holders[1] — unknown holder 'belgium' (did you mean 'Belgium'?)",
        f"{config_dir / 'episodes.toml'}: episode[5].end — 2026-12 is after the data end (2026-04)",
    ]


def test_config_dir_that_does_not_exist(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TLRISK_CONFIG_DIR", str(tmp_path / "nowhere"))
    err = one_line_error(capsys, 2, ["fiscal", "--shift-bp", "10"])
    assert f"TLRISK_CONFIG_DIR='{tmp_path / 'nowhere'}' does not exist" in err


def test_config_file_with_a_misspelt_name(capsys, config_dir):
    (config_dir / "holders.toml").rename(config_dir / "holder.toml")
    err = one_line_error(capsys, 2, ["fiscal", "--shift-bp", "10"])
    assert "holder.toml: not a configuration file of this tool (did you mean 'holders.toml'?)" in err


def test_holder_missing_from_the_data(capsys, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nname = "x"\ntitle = "x"\nstart = "2026-05"\nhorizon_months = 12\n'
                    '[[holders]]\nholder = "Narnia"\naction = "pause"\nmonths = 3\n')
    err = one_line_error(capsys, 2, ["validate", str(path)])
    assert f"{path}: holders[1].holder — unknown holder 'Narnia'" in err


def test_very_large_draw_count_is_refused_with_a_limit(capsys, tmp_path, config_dir):
    # a small memory budget (an edited simulation.toml) refuses what would not fit
    edit(config_dir, "simulation.toml", "memory_budget_mb = 2048", "memory_budget_mb = 64")
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nname = "x"\ntitle = "x"\nstart = "2026-05"\nhorizon_months = 120\n'
                    '[pricing]\ndraws = 999999\n')
    err = one_line_error(capsys, 2, ["simulate", str(path)])
    assert "need about" in err and "GB" in err and "at most" in err


USER_ERRORS = [
    (["simulate"], 2, "give a scenario file, or --holder with one of --sell BN, --buy BN or --pause"),
    (["bogus"], 2, "invalid choice: 'bogus'"),
    (["fiscal", "--shift-bp", "ten"], 2, "argument --shift-bp: 'ten' is not a number"),
    (["sweep", "--draws", "0"], 2, "0 must be at least 1"),
    (["simulate", "nope.toml"], 2, "nope.toml: file not found"),
    (["data", "parse", "/"], 2, "is a directory"),
    (["data", "pull", "--source", "tic_tabel5"], 2, "unknown source 'tic_tabel5' (did you mean 'tic_table5'?)"),
    (["sweep", "--holder", "Narnia", "--draws", "10"], 2, "unknown holder 'Narnia'"),
]


@pytest.mark.parametrize(("argv", "code", "message"), USER_ERRORS, ids=[" ".join(a) for a, _, _ in USER_ERRORS])
def test_user_errors_are_one_line(capsys, argv, code, message):
    err = one_line_error(capsys, code, argv)
    assert message in err
    assert len(err.splitlines()) == 1, err


def test_missing_data_is_exit_1(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TLRISK_DATA_DIR", str(tmp_path / "empty"))
    err = one_line_error(capsys, 1, ["fit", "--json"])
    assert "no data for" in err and "tlrisk data pull" in err


def test_verbose_shows_the_traceback(capsys, tmp_path):
    assert main(["--verbose", "simulate", str(tmp_path / "nope.toml")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_bad_environment_knob(capsys, monkeypatch):
    monkeypatch.setenv("TLRISK_HTTP_RETRIES", "lots")
    monkeypatch.setenv("TLRISK_TIC_BASE_URL", "http://127.0.0.1:9/tic/")
    err = one_line_error(capsys, 2, ["data", "pull", "--source", "tic_table5", "--no-progress"])
    assert "TLRISK_HTTP_RETRIES='lots' is not a number" in err
