"""treasury-leverage: foreign holders' leverage over US Treasury yields.

The matrices here are small (a few hundred rows), so the linear algebra runs single-threaded
unless the user asks for more threads: threads buy nothing at this size and cost a lot when
the machine is busy, and one thread count gives the same rounding in every process.

The count is the first whole number from 1 to 1024 in ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` (else 1), and each of these variables that does not
hold such a number is set to it, so whichever a BLAS library reads gives the same count. Where
numpy was imported first (a notebook), its BLAS has already read them, so the count is applied
to it directly (threadpoolctl, the BLAS libraries only): otherwise the same estimates would
differ in their last bits from the command line's and the caches'.
"""

import os
import sys

_THREAD_VARIABLES = {"openblas": "OPENBLAS_NUM_THREADS", "mkl": "MKL_NUM_THREADS", "openmp": "OMP_NUM_THREADS"}


def _thread_count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 1 <= int(text) <= 1024 else None


_threads = next((n for v in _THREAD_VARIABLES.values() if (n := _thread_count(os.environ.get(v))) is not None), 1)
for _variable in _THREAD_VARIABLES.values():
    if _thread_count(os.environ.get(_variable)) is None:
        os.environ[_variable] = str(_threads)
if "numpy" in sys.modules:
    from threadpoolctl import ThreadpoolController

    # a library reading its variable at start-up takes at most one thread per CPU it may use
    _cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    _controller = ThreadpoolController()
    for _api in ("openblas", "mkl"):
        _controller.select(internal_api=_api).limit(limits=min(int(os.environ[_THREAD_VARIABLES[_api]]), _cpus))
