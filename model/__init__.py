"""treasury-leverage: foreign holders' leverage over US Treasury yields.

The matrices here are small (a few hundred rows), so the linear algebra runs single-threaded
unless the user says otherwise: threads buy nothing at this size and cost a lot when the
machine is busy, and one thread gives the same rounding on every machine.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
