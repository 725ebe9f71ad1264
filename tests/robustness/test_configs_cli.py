"""Bad configs and bad command lines: one line, a documented exit code, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.cli import main

CONFIG = Path(__file__).resolve().parents[2] / "model" / "config"


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """An editable copy of the packaged configuration, used through TLRISK_CONFIG_DIR."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    monkeypatch.setenv("TLRISK_CONFIG_DIR", str(folder))
    from model import config as cfg
    from model.estimate import literature, spec
    from model.fiscal import fiscal_config
    from model.panel import panel_config, valuation_config
    from model.scenarios import simulation_config
    from model.sources.catalog import sources_config

    caches = [cfg.holder_config, spec.estimation_config, literature.literature_config, fiscal_config,
              panel_config, valuation_config, simulation_config, sources_config]
    for c in caches:
        c.cache_clear()
    yield folder
    for c in caches:
        c.cache_clear()


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
    (["simulate"], 2, "the following arguments are required: file"),
    (["bogus"], 2, "invalid choice: 'bogus'"),
    (["fiscal", "--shift-bp", "ten"], 2, "invalid float value: 'ten'"),
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
