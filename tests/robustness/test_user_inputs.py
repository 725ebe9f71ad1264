"""Nothing a user can give the tool (files, configs, manifests, arguments, environment
variables) makes it print ``internal error``: each is one line with a documented exit code.
Sources the run needs are checked before anything is computed, and libraries' warnings stay
off the terminal."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.panel import required_sources

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def no_work(monkeypatch):
    """These inputs must be refused before the fit (or the figures) start."""
    def fail(*args, **kwargs):
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr("model.estimate.fit_all", fail)


def case(tmp_path: Path, name: str):
    """(argv, environment, exit code, message) for one kind of bad input."""
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "raw").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "slt_table5_mini.txt", tmp_path / "raw" / "slt_table5.txt")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return {
        "a base URL that is not one": (["data", "pull", "--source", "tic_table5", "--no-progress"],
                                       {"TLRISK_TIC_BASE_URL": "http://[::1"}, 2, "is not an http(s) URL"),
        "a FRED URL that is not http": (["data", "pull", "--source", "fred_GS10", "--no-progress"],
                                        {"TLRISK_FRED_URL": "ftp://example.org/x"}, 2, "is not an http(s) URL"),
        "a deadline of zero": (["data", "pull", "--source", "tic_table5", "--no-progress"],
                               {"TLRISK_HTTP_DEADLINE_S": "0", "TLRISK_TIC_BASE_URL": "http://127.0.0.1:9/tic/"}, 2,
                               "TLRISK_HTTP_DEADLINE_S=0 must be above 0"),
        "a timeout of nan": (["data", "pull", "--source", "tic_table5", "--no-progress"],
                             {"TLRISK_HTTP_TIMEOUT_S": "nan", "TLRISK_TIC_BASE_URL": "http://127.0.0.1:9/tic/"}, 2,
                             "TLRISK_HTTP_TIMEOUT_S='nan' is not a finite number"),
        "a cache folder that is a file": (["data", "pull", "--from-dir", str(tmp_path / "raw"), "--source", "tic_table5"],
                                          {"TLRISK_CACHE_DIR": str(tmp_path / "a_file")}, 1, "cannot write to"),
        "a --from-dir that does not exist": (["data", "pull", "--from-dir", str(tmp_path / "nowhere")], {}, 2,
                                             "folder not found"),
        "a source date beyond the calendar": (["report", "--offline", "--out", str(tmp_path / "out")],
                                              {"SOURCE_DATE_EPOCH": "99999999999999999"}, 2,
                                              "SOURCE_DATE_EPOCH='99999999999999999' is not a time"),
        "a source date that is not a number": (["fiscal", "--shift-bp", "1"], {"SOURCE_DATE_EPOCH": "yesterday"}, 2,
                                               "SOURCE_DATE_EPOCH='yesterday' is not a time in seconds since 1970"),
        "a thousand figure workers": (["report", "--offline", "--out", str(tmp_path / "out")],
                                      {"TLRISK_WORKERS": "1000"}, 2, "TLRISK_WORKERS='1000' is not a whole number"),
        "fit --out a folder": (["fit", "--json", "--out", str(tmp_path)], {}, 2, "is a folder"),
        "fit --out in no folder": (["fit", "--json", "--out", str(tmp_path / "no" / "x.json")], {}, 1,
                                   "does not exist"),
        "a shift of nan": (["fiscal", "--shift-bp", "nan"], {}, 2, "is not a number between"),
        "a shift of a billion bp": (["fiscal", "--shift-bp", "1e9"], {}, 2, "is not a number between"),
        "a sale longer than the sweep": (["sweep", "--months", "200"], {}, 2, "200 must be at most 60"),
        "a fractional sale size": (["sweep", "--sizes", "2.5"], {}, 2, "'2.5' is not a whole number"),
        "a scenario folder that does not exist": (["report", "--offline", "--scenarios", str(tmp_path / "nowhere"),
                                                   "--out", str(tmp_path / "out")], {}, 2, "folder not found"),
        "a folder without scenario files": (["validate", str(tmp_path)], {}, 2, "no scenario files (*.toml) in this folder"),
        "a binary file to parse": (["data", "parse", str(tmp_path / "binary.txt")], {}, 2, "binary file"),
        "too many draws for a sweep": (["sweep", "--draws", "99999999"], {}, 2, "--draws —"),
    }[name]


CASES = ["a base URL that is not one", "a FRED URL that is not http", "a deadline of zero", "a timeout of nan",
         "a cache folder that is a file", "a --from-dir that does not exist", "a source date beyond the calendar",
         "a source date that is not a number", "a thousand figure workers",
         "fit --out a folder", "fit --out in no folder", "a shift of nan", "a shift of a billion bp",
         "a sale longer than the sweep", "a fractional sale size", "a scenario folder that does not exist",
         "a folder without scenario files", "a binary file to parse", "too many draws for a sweep"]


@pytest.mark.parametrize("name", CASES)
def test_no_internal_error(name, tmp_path, monkeypatch, capsys, no_work):
    argv, env, code, message = case(tmp_path, name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == code, capsys.readouterr().err
    captured = capsys.readouterr()
    said = (captured.out + captured.err).strip().splitlines()  # a pull reports sources on stdout
    assert "internal error" not in captured.err and "Traceback" not in captured.err
    assert any(message in line for line in said), said


def test_an_empty_source_date_means_unset():
    """``SOURCE_DATE_EPOCH=`` (set, empty) is treated as unset, before numpy's f2py (which scipy
    imports) reads it and fails with an error that names nothing."""
    code = ("import sys\nfrom model.cli import main\nrc = main(['fiscal', '--shift-bp', '1'])\n"
            "import numpy.f2py\nsys.exit(rc)")
    env = {**os.environ, "SOURCE_DATE_EPOCH": ""}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-1000:]
    assert "Traceback" not in done.stderr


# -- sources the run needs -----------------------------------------------------------------------


def test_required_sources_follow_what_the_panel_reads():
    needed = set(required_sources())
    for key in ("fred_THREEFYTP10", "fred_DGS2", "fred_DGS5", "fred_DGS30", "fred_DGS3MO", "fred_FYGFDPUN",
                "fred_GDP", "fred_GS10", "fred_DGS10", "tic_mfhhis", "tic_table5", "tic_s1", "tic_table3"):
        assert key in needed
    # live-only by design, or not read by the panel
    assert not needed & {"fred_VIXCLS", "fred_IRLTLT01JPM156N", "fred_GFDEBTN"}


@pytest.fixture
def damaged_data(tmp_path, monkeypatch):
    """A snapshot without the term premium and with a corrupted 2-year daily yield."""
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "snapshot", folder / "snapshot")
    manifest = json.loads((folder / "snapshot" / "manifest.json").read_text())
    del manifest["sources"]["fred_THREEFYTP10"]
    (folder / "snapshot" / manifest["sources"]["fred_DGS2"]["parts"]["monthly"]["file"]).write_bytes(b"garbage")
    (folder / "snapshot" / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("TLRISK_DATA_DIR", str(folder))
    monkeypatch.setenv("TLRISK_CACHE_DIR", str(folder / "cache"))
    return folder


@pytest.mark.parametrize("argv", [["fit", "--json"], ["simulate", "scenarios/japan_pause.toml"], ["episodes"]])
def test_missing_or_corrupt_sources_stop_the_run_early(damaged_data, capsys, no_work, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: no data for fred_DGS2, fred_THREEFYTP10 in the cache"), err
    assert any("fred_DGS2" in line and "does not match its checksum" in line for line in err[:-1])


def test_validate_needs_only_the_holdings(damaged_data, capsys):
    assert main(["validate", "scenarios/japan_pause.toml"]) == 0


# -- warnings ------------------------------------------------------------------------------------


def noisy(real):
    def run(*args, **kwargs):
        warnings.warn("a library's warning\nthat runs over\nthree lines", UserWarning, stacklevel=1)
        np.log(np.zeros(1))  # numpy's RuntimeWarning: divide by zero
        logging.getLogger("somelibrary").warning("a library's log record")
        return real(*args, **kwargs)
    return run


@pytest.fixture
def shown(monkeypatch):
    """Warnings printed to stderr as Python prints them outside pytest (which records them)."""
    import model.fiscal

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{filename}:{lineno}: {category.__name__}: {message}", file=sys.stderr)

    monkeypatch.setattr(warnings, "showwarning", show)
    monkeypatch.setattr(model.fiscal, "uniform_shift_cost", noisy(model.fiscal.uniform_shift_cost))


def test_library_warnings_stay_off_the_terminal(shown, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as a user's Python would show them
        assert main(["fiscal", "--shift-bp", "10"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "extra net interest" in captured.out


def test_verbose_shows_library_warnings(shown, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["--verbose", "fiscal", "--shift-bp", "10"]) == 0
    err = capsys.readouterr().err
    assert "a library's warning" in err and "divide by zero" in err
