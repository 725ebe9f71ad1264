"""The command's process: ``python -m model`` (and ``tlrisk``) ends without tearing the interpreter
down, after flushing its output and running the exit handlers, so nothing it prints is lost and
its exit code is the command's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _model(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """``python -m model ...``, its output buffered as usual (not ``PYTHONUNBUFFERED``, which
    would hide output left unflushed at the exit)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "model", *args], cwd=ROOT, capture_output=True, env=env, **kwargs)


def test_everything_printed_arrives_and_the_exit_code_is_the_commands(tmp_path):
    out = _model("fit", "--json", "--full", "--no-progress")
    assert out.returncode == 0, out.stderr[-500:]
    doc = json.loads(out.stdout)  # the whole document, though the process skipped its teardown
    assert len(out.stdout) > 100_000 and doc["schema_version"]
    failed = _model("simulate", str(tmp_path / "nope.toml"), text=True)
    assert failed.returncode == 2 and failed.stderr.startswith("error: ") and "file not found" in failed.stderr


def test_exit_handlers_run_before_the_process_ends(tmp_path):
    marker = tmp_path / "handler-ran"
    code = ("import atexit, sys; from pathlib import Path; "
            f"atexit.register(Path({str(marker)!r}).write_text, 'yes'); "
            "sys.argv = ['tlrisk', 'fiscal', '--shift-bp', '10', '--json']; "
            "import model.__main__ as entry; entry.run()")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["shift_bp"] == 10.0
    assert marker.read_text() == "yes"


def test_a_reader_that_goes_away_is_not_an_error():
    fit = subprocess.Popen([sys.executable, "-m", "model", "fit", "--json", "--full", "--no-progress"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fit.stdout.read(100)
    fit.stdout.close()  # like `| head -c 100`
    err = fit.stderr.read().decode()
    assert fit.wait(timeout=120) == 0 and "Traceback" not in err and "Exception ignored" not in err


def test_a_closed_output_or_a_full_device_is_one_line_not_a_traceback():
    closed = subprocess.run([sys.executable, "-m", "model", "data", "status"], cwd=ROOT, capture_output=False,
                            stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1))  # like `>&-`
    assert closed.returncode == 0 and "Traceback" not in closed.stderr
    if not Path("/dev/full").exists():
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output held until the end
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "model", "fiscal", "--shift-bp", "100"], cwd=ROOT, env=env,
                             stdout=full, stderr=subprocess.PIPE, text=True)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == ["error: the output could not be written (No space left on device)"]
