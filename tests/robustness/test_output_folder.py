"""The report's output folder: it only ever replaces what it wrote, it survives a kill at every
step of the swap (the next run restores or cleans up), its figure workers die with it, and a
folder it cannot write is refused before any work is done."""

from __future__ import annotations

import json
import os
import select
import signal
import time
import types
from pathlib import Path

import pytest

import model.report.output as output
import model.report.write as write
from model.cli import main
from model.errors import InputError, OutputError
from model.workers import pool as worker_pool

OLD = {"report.html": "<html>old</html>", "results.json": json.dumps({"report": {}, "headline": []}),
       "figures/a.png": "png"}
NEW = {"report.html": "<html>new</html>", "results.json": json.dumps({"report": {}, "headline": [1]}),
       "figures/b.png": "png", "report.pdf": "%PDF"}


def fill(folder: Path, files: dict[str, str], marker: bool = True) -> Path:
    for rel, body in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(body)
    if marker:
        output._write_marker(folder, complete=True)
    return folder


def contents(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file() and p.name != output.MARKER}


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name and not p.name.endswith(".lock"))


def refused(capsys, argv, code=2) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def no_fit(monkeypatch):
    """Output problems must be found before anything is computed."""
    def fail(*args, **kwargs):
        raise AssertionError("work started before the output folder was checked")

    monkeypatch.setattr("model.estimate.fit_all", fail)
    monkeypatch.setattr("model.sources.bundle.load_bundle", fail)


# -- what the report may replace -----------------------------------------------------------------


def test_a_folder_with_other_files_is_refused_and_left_alone(tmp_path, capsys, no_fit):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    err = refused(capsys, ["report", "--offline", "--out", str(out)])
    assert err.startswith(f"error: {out}: is not empty and was not written by 'tlrisk report'")
    assert (out / "thesis.docx").read_text() == "years of work"


@pytest.mark.parametrize("folder", [".", "scenarios", "model"])
def test_project_folders_are_refused(capsys, no_fit, folder):
    before = sorted(p.name for p in Path(folder).iterdir())
    refused(capsys, ["report", "--offline", "--out", folder])
    assert sorted(p.name for p in Path(folder).iterdir()) == before


def test_a_report_folder_with_a_file_added_is_refused(tmp_path, capsys, no_fit):
    out = fill(tmp_path / "out", OLD)
    (out / "figures" / "my_notes.txt").write_text("mine")
    err = refused(capsys, ["report", "--offline", "--out", str(out)])
    assert "holds 1 file(s) the report did not write (figures/my_notes.txt)" in err


def test_new_empty_owned_and_earlier_reports_are_accepted(tmp_path):
    assert output.check_output_folder(tmp_path / "new" / "out") == (tmp_path / "new" / "out").resolve()
    (tmp_path / "empty").mkdir()
    output.check_output_folder(tmp_path / "empty")
    output.check_output_folder(fill(tmp_path / "owned", OLD))
    (tmp_path / "earlier").mkdir()
    output.check_output_folder(fill(tmp_path / "earlier", OLD, marker=False))  # a report from before the marker
    fill(tmp_path / "earlier", {"notes.txt": "x"}, marker=False)
    with pytest.raises(InputError):
        output.check_output_folder(tmp_path / "earlier")


def test_a_file_is_not_a_folder(tmp_path, capsys, no_fit):
    (tmp_path / "out").write_text("x")
    err = refused(capsys, ["report", "--offline", "--out", str(tmp_path / "out")])
    assert "exists and is not a folder" in err


def test_an_unwritable_place_is_refused_before_any_work(tmp_path, capsys, no_fit):
    (tmp_path / "file").write_text("x")
    err = refused(capsys, ["report", "--offline", "--out", str(tmp_path / "file" / "out")], code=1)
    assert err.startswith("error: cannot write the report to") and "internal error" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions")
def test_a_read_only_folder_is_refused_before_any_work(tmp_path, capsys, no_fit):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        err = refused(capsys, ["report", "--offline", "--out", str(parent / "out")], code=1)
        assert "is not writable" in err
    finally:
        parent.chmod(0o755)


def test_the_check_itself_writes_nothing(tmp_path):
    out = fill(tmp_path / "out", OLD)
    output.check_output_folder(out)
    assert siblings(out) == [] and contents(out) == OLD


# -- kills at each step of the swap --------------------------------------------------------------


def new_folder(out: Path) -> Path:
    """A rendered report in its temporary folder, as write_report leaves it before the swap."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new.", dir=out.parent))
    output._write_marker(tmp, complete=False)
    return fill(tmp, NEW)


def killed_during_swap(out: Path, new: Path, step: str) -> None:
    """Run the swap in a child process that is killed (os._exit: no cleanup runs) at ``step``."""
    pid = os.fork()
    if pid == 0:  # the child: die at the chosen point
        try:
            real_replace, real_unlink = os.replace, Path.unlink
            calls = {"replace": 0, "unlink": 0}

            def replace(src, dst):
                calls["replace"] += 1
                if step == "before the first rename" or (step == "between the renames" and calls["replace"] == 2):
                    os._exit(9)
                real_replace(src, dst)

            def unlink(self, *args, **kwargs):
                real_unlink(self, *args, **kwargs)
                calls["unlink"] += 1
                if step == "while removing the old folder":
                    os._exit(9)

            os.replace, Path.unlink = replace, unlink
            output._swap(new, out)
            if step == "after the second rename":
                os._exit(9)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


STEPS = {  # where the kill lands -> which report the folder holds afterwards
    "before the first rename": OLD, "between the renames": OLD,
    "while removing the old folder": NEW, "after the second rename": NEW,
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_kill_at_each_step_of_the_swap_is_repaired_by_the_next_run(tmp_path, step):
    out = fill(tmp_path / "out", OLD)
    killed_during_swap(out, new_folder(out), step)
    if step == "between the renames":
        assert not out.exists()  # what the issue found: no report at --out, the previous one hidden
    done = output.recover_output(out)
    assert contents(out) == STEPS[step]
    assert siblings(out) == [], done  # no hidden folders left behind
    output.check_output_folder(out)  # and the next run may replace it


def rendering(folder: Path, pid: int) -> Path:
    """Mark a temporary folder as being rendered by process ``pid``."""
    marker = folder / output.MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "complete": False, "pid": pid}))
    return folder


def dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_kill_while_rendering_leaves_a_temporary_folder_the_next_run_removes(tmp_path):
    out = fill(tmp_path / "out", OLD)
    partial = rendering(new_folder(out), dead_pid())
    assert output.recover_output(out) == [f"removed {partial.name}, left by an interrupted run"]
    assert contents(out) == OLD and siblings(out) == []


def test_a_report_still_rendering_elsewhere_is_left_alone(tmp_path):
    out = fill(tmp_path / "out", OLD)
    busy = rendering(new_folder(out), os.getppid())  # a live process other than this one
    assert output.recover_output(out) == []
    assert busy.is_dir() and contents(busy) == NEW


def test_a_report_an_earlier_version_moved_aside_is_restored(tmp_path):
    """Before the marker, a run killed between the renames left .NAME.old.XXXXXXXX."""
    out = tmp_path / "out"
    fill(tmp_path / ".out.old.k2j4h6g8", OLD, marker=False)
    output.recover_output(out)
    assert contents(out) == OLD and siblings(out) == []


def test_recovery_leaves_folders_it_did_not_make(tmp_path):
    out = fill(tmp_path / "out", OLD)
    lookalike = tmp_path / ".out.old.abcdefgh"
    fill(lookalike, {"precious.txt": "x"}, marker=False)
    output.recover_output(out)
    assert (lookalike / "precious.txt").read_text() == "x"


def fake_inputs(monkeypatch, html: str):
    """write_report with everything but the output folder stubbed out (fast)."""
    monkeypatch.setattr(write, "data_vintage", lambda bundle: "")
    monkeypatch.setattr(write, "results_payload", lambda inputs, vintage: {"report": {}, "headline": []})
    monkeypatch.setattr(write, "changes", lambda inputs, previous, payload: {})
    monkeypatch.setattr(write, "start_figures", lambda inputs, folder, cache=None, base=None, png=False:
                        folder.mkdir() or types.SimpleNamespace(results=lambda: [], close=lambda: None))
    monkeypatch.setattr(write, "write_tables", lambda inputs, payload, folder: folder.mkdir() or [])
    monkeypatch.setattr(write, "render_html", lambda *args, **kwargs: html)
    monkeypatch.setattr(write, "build_document", lambda inputs, payload, meta: None)
    monkeypatch.setattr(write, "document_date", lambda bundle: None)
    monkeypatch.setattr(write, "write_pdf", lambda doc, figures, target, date: target.write_text("%PDF"))
    return types.SimpleNamespace(bundle=None)


def test_the_next_report_restores_after_a_kill_between_the_renames(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write.write_report(fake_inputs(monkeypatch, "first"), out)
    killed_during_swap(out, new_folder(out), "between the renames")
    assert not out.exists()
    notes = []
    write.write_report(fake_inputs(monkeypatch, "second"), out, notify=notes.append)
    assert (out / "report.html").read_text() == "second"
    assert any("restored the previous report" in n for n in notes)
    assert siblings(out) == []
    assert json.loads((out / output.MARKER).read_text())["files"] == ["figures", "report.html", "report.pdf",
                                                                      "results.json", "tables"]


def test_a_failed_run_removes_its_temporary_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write.write_report(fake_inputs(monkeypatch, "first"), out)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(write, "write_pdf", broken)
    with pytest.raises(OSError):
        write.write_report(types.SimpleNamespace(bundle=None), out)
    assert (out / "report.html").read_text() == "first" and siblings(out) == []


def test_one_report_at_a_time_writes_beside_a_folder(tmp_path):
    out = tmp_path / "out"
    locked_r, locked_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # another report, holding the lock until told to stop
        try:
            with output.output_lock(out):
                os.write(locked_w, b"locked")
                select.select([done_r], [], [], 20)
        finally:
            os._exit(0)
    assert select.select([locked_r], [], [], 20)[0] and os.read(locked_r, 6) == b"locked"
    with pytest.raises(OutputError, match="another report"), output.output_lock(out, timeout_s=0.2):
        pass
    os.write(done_w, b"done")
    os.waitpid(pid, 0)
    for fd in (locked_r, locked_w, done_r, done_w):
        os.close(fd)
    with output.output_lock(out, timeout_s=0.2):  # free again, and no lock file left behind
        assert sorted(p.name for p in tmp_path.iterdir()) == []


# -- figure workers ------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux only (PR_SET_PDEATHSIG)")
def test_figure_workers_die_with_a_killed_report():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a "report" that starts its workers and is then killed with -9
        try:
            os.close(read)
            pool = worker_pool(2)
            futures = [pool.submit(time.sleep, 60) for _ in range(2)]
            while len(pool._processes) < 2:
                time.sleep(0.01)
            os.write(write, json.dumps(list(pool._processes)).encode())
            futures[0].result()
        finally:
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 20)
    assert ready, "the workers did not start"
    workers = json.loads(os.read(read, 4096))
    os.close(read)
    assert all(_alive(w) for w in workers)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:  # a failing run must not leave them behind either
        os.kill(w, signal.SIGKILL)
    assert not survivors, "figure workers outlived the report"


def test_output_error_is_exit_1():
    assert OutputError("x").exit_code == 1
