"""One BLAS thread, whatever was imported first: a notebook that imports numpy before the package
gets the same bits as the command line (and as the caches the command line filled); a thread
count the user sets is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# a solve large enough for OpenBLAS to split it across threads (the rounding then differs)
SOLVE = """
import hashlib, json, numpy as np
from threadpoolctl import threadpool_info
rng = np.random.default_rng(0)
x = rng.standard_normal((600, 300)); y = rng.standard_normal(600)
b = np.linalg.solve(x.T @ x, x.T @ y)
print(hashlib.sha256(b.tobytes()).hexdigest(), json.dumps([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]))
"""


def _run(code: str, **env: str) -> tuple[str, list[int]]:
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**base, **env})
    digest, threads = out.stdout.split(" ", 1)
    return digest, json.loads(threads)


def test_numpy_imported_first_still_gets_one_thread_and_the_same_bits():
    package_first = _run("import model\n" + SOLVE)
    numpy_first = _run("import numpy\nimport model\n" + SOLVE)
    assert package_first[1] and set(package_first[1]) == {1}
    assert numpy_first == package_first


@pytest.mark.parametrize("variable,value", [("OMP_NUM_THREADS", "2"), ("MKL_NUM_THREADS", "4"),
                                            ("OPENBLAS_NUM_THREADS", "abc"), ("OPENBLAS_NUM_THREADS", ""),
                                            ("OPENBLAS_NUM_THREADS", "-1"), ("OPENBLAS_NUM_THREADS", "64")])
def test_whatever_variable_the_user_sets_both_import_orders_agree(variable, value):
    """A count in any of the three variables (or a value that is no count) gives the same
    threads and bits whichever was imported first."""
    assert _run("import numpy\nimport model\n" + SOLVE, **{variable: value}) == \
        _run("import model\n" + SOLVE, **{variable: value})


def test_a_thread_count_the_user_sets_is_kept():
    _, threads = _run("import numpy\nimport model\n" + SOLVE, OPENBLAS_NUM_THREADS="2")
    assert set(threads) == {2}
