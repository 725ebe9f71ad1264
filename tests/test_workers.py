"""Forked workers: results in order, and nothing running or written once they are closed."""

import os
import time

from model.workers import map_forked, start_forked


def _slow_write(folder):
    def task(i: int) -> int:
        time.sleep(0.05)
        (folder / f"{i}").write_text(str(os.getpid()))
        return i * i
    return task


def test_started_tasks_give_their_results_in_order_from_other_processes(tmp_path):
    started = start_forked(_slow_write(tmp_path), 12, 2)
    try:
        assert started.results() == [i * i for i in range(12)]
    finally:
        started.close()
    pids = {(tmp_path / str(i)).read_text() for i in range(12)}
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2
    assert map_forked(lambda i: i + 1, 5, 2) == [1, 2, 3, 4, 5]


def test_closing_cancels_what_has_not_started_and_waits_for_what_has(tmp_path):
    started = start_forked(_slow_write(tmp_path), 200, 2)
    time.sleep(0.2)
    started.close()
    written = sorted(p.name for p in tmp_path.iterdir())
    time.sleep(0.3)
    assert sorted(p.name for p in tmp_path.iterdir()) == written  # nothing arrives after close
    assert 0 < len(written) < 200


def test_with_one_worker_the_tasks_run_here_when_the_results_are_asked_for(tmp_path):
    started = start_forked(_slow_write(tmp_path), 3, 1)
    assert list(tmp_path.iterdir()) == []
    assert started.results() == [0, 1, 4]
    assert {(tmp_path / str(i)).read_text() for i in range(3)} == {str(os.getpid())}
    started.close()


def test_scenarios_priced_in_workers_equal_those_priced_here(context, tmp_path, monkeypatch):
    """Each pricing has its own seed: one process or two give the same numbers, in file order."""
    from pathlib import Path

    from model import pipeline

    files = [Path("scenarios/japan_pause.toml"), Path("scenarios/japan_selldown.toml")]
    checked = pipeline.check_scenarios(files, context)
    priced = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("TLRISK_WORKERS", workers)
        sets = pipeline.price_scenarios(checked, context, pipeline.Remembered(None, "base"))
        priced[workers] = [(s.name, s.key, [r.to_record() for _, r in s.items()]) for s in sets]
    assert [name for name, _, _ in priced["1"]] == ["japan_pause", "japan_selldown"]
    assert priced["1"] == priced["2"]


def test_the_instrumental_variable_fitted_early_is_the_one_the_study_reports(snapshot_bundle, panel, context,
                                                                              monkeypatch):
    """The monthly 2SLS started in a worker beside the estimation gives the study the same
    record as fitting it in place; a different instrument is not served from it."""
    from model import pipeline

    monkeypatch.setenv("TLRISK_WORKERS", "2")
    data = pipeline.Data(snapshot_bundle, panel)
    early = pipeline.start_iv(data, pipeline.Remembered(None, "base"))
    early.finish()
    z, trade, record = early._found
    assert early.record(z, trade) is record and early.record(z * 2, trade) is None
    served = pipeline.events(data, context.response, draws=200, remembered=pipeline.Remembered(None, "base"),
                             early_iv=early)
    fitted = pipeline.events(data, context.response, draws=200, remembered=pipeline.Remembered(None, "base"))
    assert served.iv.to_dict() == fitted.iv.to_dict() and served.iv.summary() == fitted.iv.summary()
    monkeypatch.setenv("TLRISK_WORKERS", "1")  # one CPU: nothing is started
    assert pipeline.start_iv(data, pipeline.Remembered(None, "base"))._started is None
