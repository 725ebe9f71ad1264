"""``make bench``: speed and memory of the engine and the report, against stated targets.

Targets (from the issues):

* 100,000 Monte Carlo draws of a 60-month scenario in about a second on one core;
* the full report from a warm install in under 3x the time of a bare import of pandas,
  statsmodels and matplotlib.

Timings are wall-clock, best of a few runs; the machine's load moves them, so they live here
and not in the test suite.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model import paths

IMPORTS = "import pandas, statsmodels.api, matplotlib.pyplot"


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _run(cmd: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def bench_simulation(draws: int = 100_000) -> dict:
    """Time one 60-month scenario with ``draws`` draws (data and estimates prepared first)."""
    from model.cli import _priced_context, load_panel
    from model.scenarios import load_scenario, simulate

    context = _priced_context(*load_panel())
    scenario = load_scenario(paths.scenarios_dir() / "japan_selldown.toml", context)
    simulate(scenario, context, draws=1000)  # warm caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = _best(lambda: simulate(scenario, context, draws=draws))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"draws": draws, "months": scenario.spec.scenario.horizon_months, "seconds": seconds,
            "peak_rss_growth_mb": (after - before) / 1024}


def bench_report() -> dict:
    """Time ``tlrisk report`` against a bare import of the heavy libraries (both cold processes)."""
    python = sys.executable
    tlrisk = str(Path(python).with_name("tlrisk"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    imports = min(_run([python, "-c", IMPORTS]) for _ in range(3))
    with tempfile.TemporaryDirectory() as out:
        _run([tlrisk, "report", "--offline", "--out", out], env)  # warm the file cache
        report = min(_run([tlrisk, "report", "--offline", "--out", out], env) for _ in range(2))
    return {"import_seconds": imports, "report_seconds": report, "ratio": report / imports}


def main() -> int:
    print("treasury-leverage benchmark")
    sim = bench_simulation()
    ok = "ok" if sim["seconds"] <= 1.5 else "SLOW"
    print(f"  simulation: {sim['draws']:,} draws x {sim['months']} months x 6 responses (5 yields, term premium): "
          f"{sim['seconds']:.2f}s (target about 1s) [{ok}]; peak memory growth {sim['peak_rss_growth_mb']:.0f} MB")
    if "--no-report" not in sys.argv:
        rep = bench_report()
        ok = "ok" if rep["ratio"] < 3 else "SLOW"
        print(f"  report: {rep['report_seconds']:.2f}s; bare import of pandas+statsmodels+matplotlib "
              f"{rep['import_seconds']:.2f}s; ratio {rep['ratio']:.1f}x (target under 3x) [{ok}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
