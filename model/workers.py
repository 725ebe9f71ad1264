"""Forked worker processes for independent pieces of work (specifications of the grid, figures),
each bound to die with the process that started it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Worker initialiser: the kernel kills this worker when the parent dies (even by
    ``kill -9``), so no forked worker outlives a killed run."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still applies
        pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """Forked workers, each bound to die with this process."""
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent,
                               initargs=(os.getpid(),))


_TASK: list[Callable] = []  # the function the forked workers run (inherited at the fork)


def _run(index: int):
    return _TASK[0](index)


def map_forked(task: Callable[[int], T], count: int, workers: int) -> list[T]:
    """``[task(i) for i in range(count)]``, in forked workers when there are several CPUs and
    tasks (results come back in order; :func:`start_forked`, waited for at once)."""
    started = start_forked(task, count, workers)
    try:
        return started.results()
    finally:
        started.close()


class Started:
    """Tasks started in forked workers (:func:`start_forked`): :meth:`results` waits for them,
    :meth:`close` (always call it) stops what has not started and waits for what has."""

    def __init__(self, run_here: Callable[[], list] | None, executor=None, futures: list | None = None) -> None:
        self._run_here, self._executor, self._futures = run_here, executor, futures or []

    def results(self) -> list:
        if self._run_here is not None:
            return self._run_here()
        return [f.result() for f in self._futures]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def start_forked(task: Callable[[int], T], count: int, workers: int, always: bool = False) -> Started:
    """``[task(i) for i in range(count)]`` started in forked workers, so this process can do
    other work meanwhile; with one worker (or one task, unless ``always``) the tasks run when
    the results are asked for. The workers are forked here, with ``task`` as it is now."""
    if workers <= 1 or (count <= 1 and not always) or count < 1 or not sys.platform.startswith("linux"):
        return Started(lambda: [task(i) for i in range(count)])
    _TASK[:] = [task]
    executor = pool(min(workers, count))
    try:
        futures = [executor.submit(_run, i) for i in range(count)]  # the first submit forks every worker
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        _TASK.clear()
    return Started(None, executor, futures)


MAX_WORKERS = 16  # each forked worker holds a copy of the parent process (about 220 MB for a report)


def cpu_workers(limit: int = 4) -> int:
    """Worker processes worth starting: ``TLRISK_WORKERS`` when set (a whole number from 1 to
    16), else the CPUs, at most ``limit``.

    Raises
    ------
    InputError
        When ``TLRISK_WORKERS`` is set to anything else.
    """
    text = os.environ.get("TLRISK_WORKERS", "").strip()
    if not text:
        return max(1, min(os.cpu_count() or 1, limit))
    # ASCII digits only: int() also reads '٣' (an Arabic-Indic three) and '1_0'
    value = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= value <= MAX_WORKERS:
        from model.errors import InputError

        raise InputError(f"environment variable TLRISK_WORKERS='{text}' is not a whole number from 1 to {MAX_WORKERS}")
    return value


__all__: Sequence[str] = ["MAX_WORKERS", "cpu_workers", "die_with_parent", "map_forked", "pool"]
