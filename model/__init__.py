"""treasury-leverage: foreign holders' leverage over US Treasury yields.

The matrices here are small (a few hundred rows), so the linear algebra runs single-threaded
unless the user says otherwise (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or
``MKL_NUM_THREADS``): threads buy nothing at this size and cost a lot when the machine is busy,
and one thread gives the same rounding in every process. Where numpy was imported first (a
notebook), its BLAS has already started its threads, so they are limited here too: otherwise
the same estimates would differ in their last bits from the command line's and the caches'.
"""

import os
import sys

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_USER_THREADS = any(v in os.environ for v in _THREAD_VARIABLES)
for _variable in _THREAD_VARIABLES:
    os.environ.setdefault(_variable, "1")
if "numpy" in sys.modules and not _USER_THREADS:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
