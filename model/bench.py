"""``make bench``: speed and memory of the engine and the report, against stated targets.

Everything is measured in one run on this machine, in fresh processes, so ratios compare
like with like:

* the import floor: ``python -c "import pandas, statsmodels.api, matplotlib.pyplot"``;
* a cold report (no estimation or figure cache) and a warm report after editing one scenario
  file (the user's loop), each as a ratio to the import floor (targets: 6x and 3x), and the
  same loop with ``--no-pdf`` (the quick preview; the PDF renderer's own time is the rest).
  Floor and reports alternate, three rounds (one with ``--quick``), each round's ratios taken
  against the floor measured just before them (the median of three imports) and the median
  round reported, so a machine whose speed drifts during the run (a shared one) moves both
  sides of a ratio alike;
* Monte Carlo at 1e4, 1e5 and 1e6 draws and 60, 120 and 240 months (one scenario, the
  posterior response): seconds and the growth of peak memory, with the cost per draw-month
  (linear growth means a flat cost); targets: 1e5 draws x 60 months within 1 s, under 1 GB at
  1e6 draws.

Results go to ``reports/bench.json``. Timings move with the machine's load; they live here and
not in the test suite. ``--quick`` runs one round of the reports and skips the 1e6 draws.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model import paths

IMPORTS = "import pandas, statsmodels.api, matplotlib.pyplot"
DRAWS = (10_000, 100_000, 1_000_000)
MONTHS = (60, 120, 240)

# a child process: one scenario priced with n draws over a horizon, reporting its own time and
# the growth of its peak memory (ru_maxrss) across the simulation
_MC_CHILD = """
import json, resource, sys, time
from model import pipeline
from model.scenarios import simulate
from model.scenarios.sweep import default_start, sale_scenario
draws, months = int(sys.argv[1]), int(sys.argv[2])
context = pipeline.priced_context(pipeline.load_data())
scenario = sale_scenario("japan", 200.0, 24, default_start(context), "posterior", draws, horizon=months)
simulate(scenario, context, draws=1000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
simulate(scenario, context)
seconds = time.perf_counter() - t0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"draws": draws, "months": months, "seconds": seconds, "peak_memory_growth_mb": (after - before) / 1024}))
"""


def _timed(cmd: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def import_floor(repeat: int = 3) -> float:
    """Median wall time of a bare import of pandas, statsmodels and matplotlib."""
    return statistics.median(_timed([sys.executable, "-c", IMPORTS]) for _ in range(repeat))


def rounds(env: dict, count: int) -> dict:
    """``count`` rounds of the import floor followed by :func:`reports`, each round's ratios
    against its own floor; the round with the median cold ratio is the result, every round is
    kept under ``rounds``."""
    out = []
    for _ in range(count):
        floor = import_floor(repeat=3)
        rep = reports(env)
        out.append({**rep, "import_floor_seconds": floor, "cold_ratio": rep["cold_report_seconds"] / floor,
                    "warm_ratio": rep["warm_report_seconds"] / floor,
                    "warm_preview_ratio": rep["warm_preview_seconds"] / floor})
    median = statistics.median_low(r["cold_ratio"] for r in out)
    chosen = next(r for r in out if r["cold_ratio"] == median)
    warm = statistics.median(r["warm_ratio"] for r in out)
    return {**chosen, "warm_ratio_median": warm, "rounds": out}


def reports(env: dict) -> dict:
    """A cold report (empty caches), a warm one after editing one scenario file, and a preview
    (``--no-pdf``) after editing it again."""
    tlrisk = str(Path(sys.executable).with_name("tlrisk"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenarios = tmp / "scenarios"
        shutil.copytree(paths.scenarios_dir(), scenarios)
        env = {**env, "TLRISK_CACHE_DIR": str(tmp / "cache"), "TLRISK_ESTIMATES_DIR": str(tmp / "estimates")}
        base = [tlrisk, "report", "--offline", "--no-progress", "--scenarios", str(scenarios), "--out", str(tmp / "out")]
        cold = _timed(base, env)
        edited = sorted(scenarios.glob("*.toml"))[-1]
        text = edited.read_text()
        edited.write_text(text.replace("horizon_months = 60", "horizon_months = 48", 1)
                          if "horizon_months = 60" in text else text + "\n# edited\n")
        warm = _timed(base, env)
        edited.write_text(text.replace("horizon_months = 60", "horizon_months = 36", 1)
                          if "horizon_months = 60" in text else text + "\n# edited again\n")
        preview = _timed([*base, "--no-pdf"], env)
    return {"cold_report_seconds": cold, "warm_report_seconds": warm, "warm_preview_seconds": preview,
            "edited_file": edited.name}


def monte_carlo(draws: int, months: int, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", _MC_CHILD, str(draws), str(months)], check=True,
                         capture_output=True, text=True, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["microseconds_per_draw_month"] = result["seconds"] / (draws * months) * 1e6
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    print("treasury-leverage benchmark (wall-clock seconds on this machine, fresh processes)", flush=True)
    result: dict = {"cpus": os.cpu_count(), "load_average": os.getloadavg()}
    count = 1 if quick else 3
    rep = rounds(env, count)
    result["import_floor_seconds"] = rep["import_floor_seconds"]  # the median round's
    result["report"] = rep
    for i, r in enumerate(rep["rounds"], start=1):
        print(f"  round {i}: import floor (pandas + statsmodels + matplotlib) {r['import_floor_seconds']:.2f}s, "
              f"cold report {r['cold_report_seconds']:.1f}s "
              f"({r['cold_ratio']:.1f}x), after an edit {r['warm_report_seconds']:.1f}s ({r['warm_ratio']:.1f}x), "
              f"preview {r['warm_preview_seconds']:.1f}s ({r['warm_preview_ratio']:.1f}x)", flush=True)
    median = "" if count == 1 else f"the median of {count} rounds, "
    print(f"  cold report (no caches): {median}{rep['cold_ratio']:.1f}x its floor "
          f"(target within 6x) [{'ok' if rep['cold_ratio'] <= 6 else 'SLOW'}]", flush=True)
    print(f"  report after editing {rep['edited_file']}: {median}{rep['warm_ratio_median']:.1f}x its floor "
          f"(target within 3x) [{'ok' if rep['warm_ratio_median'] <= 3 else 'SLOW'}]", flush=True)
    print(f"  the PDF renderer's share of a report after an edit (the same without --no-pdf): "
          f"{rep['warm_report_seconds'] - rep['warm_preview_seconds']:.1f}s", flush=True)
    rows = []
    print("  Monte Carlo (one scenario, posterior response, the report's engine):", flush=True)
    for draws in DRAWS:
        if quick and draws > 100_000:
            continue
        for months in MONTHS:
            row = monte_carlo(draws, months, env)
            rows.append(row)
            flag = ""
            if draws == 100_000 and months == 60:
                flag = f" (target within 1s) [{'ok' if row['seconds'] <= 1 else 'SLOW'}]"
            if draws == 1_000_000:
                flag = f" (target under 1 GB) [{'ok' if row['peak_memory_growth_mb'] < 1024 else 'OVER'}]"
            print(f"    {draws:>9,} draws x {months:>3} months: {row['seconds']:6.2f}s, "
                  f"{row['microseconds_per_draw_month']:.3f} us per draw-month, peak memory "
                  f"+{row['peak_memory_growth_mb']:.0f} MB{flag}", flush=True)
    result["monte_carlo"] = rows
    big = [r for r in rows if r["draws"] == max(r["draws"] for r in rows)]
    small = [r for r in rows if r["draws"] == min(r["draws"] for r in rows)]
    if big and small and big[0]["draws"] > small[0]["draws"]:
        growth = statistics.median(b["microseconds_per_draw_month"] / s["microseconds_per_draw_month"]
                                   for b, s in zip(big, small, strict=False))
        result["cost_per_draw_month_ratio_largest_to_smallest"] = growth
        print(f"  cost per draw-month, largest / smallest draw count: {growth:.2f} (1.0 = linear)", flush=True)
    target = paths.project_root() / "reports" / "bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    from model.files import atomic_write_text

    atomic_write_text(target, json.dumps(result, indent=2) + "\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
