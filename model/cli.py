"""The ``tlrisk`` command line.

Exit codes: 0 success, 1 other failures, 2 invalid input. Errors are one line on stderr;
``--verbose`` adds the traceback for bug reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

from model import paths
from model.errors import (
    EXIT_FAILURE,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    InputError,
    TLRiskError,
    did_you_mean,
)


def _stores():
    from model.sources.store import DataStore

    return DataStore(paths.cache_dir(), "cache"), DataStore(paths.snapshot_dir(), "snapshot")


def _select_specs(keys: list[str] | None):
    from model.errors import InputError
    from model.sources.catalog import source_catalog

    specs = source_catalog()
    if not keys:
        return specs
    known = {s.key: s for s in specs}
    unknown = [k for k in keys if k not in known]
    if unknown:

        hint = did_you_mean(unknown[0], known)
        raise InputError(f"unknown source '{unknown[0]}'{hint}", field="--source")
    return [known[k] for k in keys]


# ---------------------------------------------------------------------------------------------
# tlrisk data ...
# ---------------------------------------------------------------------------------------------


def cmd_data_parse(args: argparse.Namespace) -> int:
    from model.sources.detect import parse_path
    from model.sources.tables import to_csv_text

    parsed = parse_path(args.file)
    if args.part == "holdings":
        table = parsed.holdings
    elif args.part == "flows":
        table = parsed.flows
    else:
        table = parsed.tidy()
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"# format: {parsed.kind}; rows: {len(table)}"
          + (f"; vintage: {parsed.vintage}" if parsed.vintage else ""), file=sys.stderr)
    sys.stdout.write(to_csv_text(table))
    return EXIT_OK


def cmd_data_pull(args: argparse.Namespace) -> int:
    from model.sources.pull import import_local, pull_sources

    cache, snapshot = _stores()
    specs = _select_specs(args.source)
    if args.from_dir:
        outcomes = import_local(specs, Path(args.from_dir), cache, snapshot)
        for outcome in outcomes:
            print(outcome.line())
    else:
        outcomes = pull_sources(specs, cache, snapshot, progress=not args.no_progress,
                                report=lambda o: print(o.line(), flush=True))
    failed = [o for o in outcomes if o.status in ("failed", "refused")]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} sources current in {cache.root}"
          + (f"; {len(failed)} not updated (see above)" if failed else ""))
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_data_status(args: argparse.Namespace) -> int:
    from model.needs import required_sources
    from model.sources.bundle import no_data
    from model.sources.status import status_report, status_table

    cache, snapshot = _stores()
    rows, warnings = status_report(cache, snapshot)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        from model.schema import versioned

        print(json.dumps(versioned({"sources": rows}), indent=2))
    else:
        print(status_table(rows))
    missing = {r["source"] for r in rows if r["origin"] == "missing"}
    absent = [key for key in required_sources() if key in missing]
    if absent:  # the table says what is there; the exit code says a run cannot start
        raise no_data(absent, cache, snapshot)
    return EXIT_OK


def cmd_data_snapshot(args: argparse.Namespace) -> int:
    cache, snapshot = _stores()
    specs = [s for s in _select_specs(args.source) if s.in_snapshot]
    entries = cache.manifest()
    keys = [s.key for s in specs if s.key in entries]
    if not keys:
        from model.errors import DataUnavailable

        raise DataUnavailable(f"the cache ({cache.root}) is empty: run 'tlrisk data pull' first")
    copied = cache.copy_to(snapshot, keys)
    skipped = [s.key for s in specs if s.key not in entries]
    print(f"snapshot: {len(copied)} sources written to {snapshot.root}"
          + (f"; not in the cache, kept as shipped: {', '.join(skipped)}" if skipped else ""))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Pipeline stages
# ---------------------------------------------------------------------------------------------


def load_panel(required: tuple[str, ...] | None = None):
    """Data (cache or snapshot) -> panel, printing what the reader should know to stderr.

    Every source the run needs (:func:`model.needs.required_sources`, or ``required``) must
    load, and every holder group must find its members in the data, before anything is built.
    """
    from model.config import config_path, holder_config
    from model.errors import DataUnavailable, ValidationFailed
    from model.needs import required_sources
    from model.panel import build_panel
    from model.sources.bundle import load_bundle

    cache, snapshot = _stores()
    try:
        bundle = load_bundle(cache, snapshot, required=required_sources() if required is None else required)
    except DataUnavailable as exc:
        for warning in exc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        raise
    for warning in bundle.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    names = {name for source in bundle.sources.values() for frame in source.frames.values()
             if "holder" in frame for name in frame["holder"].unique()}
    holders, holders_path = holder_config(), config_path("holders.toml")
    problems = holders.problems_against(names, holders_path)
    if problems:
        raise ValidationFailed(problems)
    for warning in holders.warnings_against(names, holders_path):
        print(f"warning: {warning}", file=sys.stderr)
    return bundle, build_panel(bundle)


def estimates(bundle, panel, credibility: bool, use_cache: bool = True, progress=None):
    """Estimation results from the cache when data, settings and code are unchanged, else
    computed (and cached). Returns the results and where they came from. ``progress`` is
    called with the name of each estimation stage, or with a line saying the cache served."""
    from model.config import config_path
    from model.estimate import cache, fit_all

    key = cache.cache_key(bundle.part_digests(), {name: config_path(name) for name in cache.CONFIG_FILES})
    root = paths.estimates_dir()
    if use_cache:
        results, warning = cache.load(root, key, credibility)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        if results is not None:
            if progress:
                progress("from the estimation cache (data, settings and code unchanged)")
            return results, "cache"
    results = fit_all(panel, credibility=credibility, progress=progress)
    try:
        cache.save(root, key, results, credibility)
    except OSError as exc:
        print(f"warning: estimation cache: cannot write {root} ({exc.strerror}); results not cached",
              file=sys.stderr)
    return results, "computed"


def cmd_fit(args: argparse.Namespace) -> int:
    from model.api import Fit
    from model.progress import Stages
    from model.scenarios import ScenarioContext

    if args.out:
        _check_output_file(Path(args.out))
    stages = Stages("fit", enabled=not args.no_progress)
    stages.stage("loading the data (cache or shipped snapshot)")
    bundle, panel = load_panel()
    stages.stage("estimating")
    results, _ = estimates(bundle, panel, credibility=not args.json or args.full, use_cache=not args.no_cache,
                           progress=stages.detail)
    stages.stage("the response model (prior, data and posterior per holder)")
    context = ScenarioContext.build(panel, results)
    fit = Fit(results, context.response, context)
    stages.done()
    if args.json:
        text = json.dumps(fit.to_dict(full=args.full), indent=2)
        if args.out:
            from model.errors import OutputError
            from model.files import atomic_write_text

            try:
                atomic_write_text(Path(args.out), text + "\n")
            except OSError as exc:
                raise OutputError(f"cannot write {args.out} ({exc.strerror or exc})") from None
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            print(text)
    else:
        print(fit.summary())
    return EXIT_OK


def _validation_context(panel):
    """The scenario context without estimates: enough to validate scenario files."""
    from model.scenarios import ScenarioContext

    return ScenarioContext.build(panel, None)


def _check_output_file(path: Path) -> None:
    """Refuse an output file that cannot be written, before the work that fills it."""
    from model.errors import InputError, OutputError

    if path.is_dir():
        raise InputError("is a folder; give a file name for --out", path)
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist")


def _priced_context(bundle, panel):
    """The scenario context with estimates (cached; without the slower credibility checks)
    and the response model: enough to price scenarios."""
    from model.scenarios import ScenarioContext

    return ScenarioContext.build(panel, estimates(bundle, panel, credibility=False)[0])


def scenario_paths(items: list[str]) -> list[Path]:
    """Files as given, folders as the scenario files in them (``*.toml``, baseline first)."""
    from model.errors import InputError
    from model.scenarios import scenario_files

    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = scenario_files(path)
            if not found:
                raise InputError("no scenario files (*.toml) in this folder", path)
            out += found
        else:
            out.append(path)
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    from model.errors import ValidationFailed
    from model.scenarios import validate_scenarios
    from model.sources.bundle import REQUIRED_SOURCES

    files = scenario_paths(args.files)
    _, panel = load_panel(required=REQUIRED_SOURCES)  # checking files needs the holdings only
    context = _validation_context(panel)
    checked, problems = validate_scenarios(files, context)
    for file, _, found, _ in checked:
        if not found:
            print(f"{file}: ok")
    if problems:
        raise ValidationFailed(problems)
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    from model.errors import InputError, ValidationFailed
    from model.scenarios import load_scenario, memory_problem, simulate
    from model.scenarios.build import one_line_scenario, scenario_from_dict

    one_line = [name for name, value in (("--holder", args.holder), ("--sell", args.sell), ("--buy", args.buy),
                                         ("--pause", args.pause or None)) if value is not None]
    if args.file and one_line:
        raise InputError(f"give a scenario file or {', '.join(one_line)}, not both", field="simulate")
    actions = [a for a, v in (("sell", args.sell), ("buy", args.buy), ("pause", args.pause or None)) if v is not None]
    if not args.file and (args.holder is None or len(actions) != 1):
        raise InputError("give a scenario file, or --holder with one of --sell BN, --buy BN or --pause "
                         "(and --months N)", field="simulate")
    bundle, panel = load_panel()
    context = _validation_context(panel)  # a bad file or holder is refused before the fit
    if args.file:
        scenario = load_scenario(args.file, context)
        where = args.file
    else:
        action = actions[0]
        raw = one_line_scenario(context, args.holder, action, args.months, args.sell if action == "sell" else args.buy,
                                start=args.start, horizon=args.horizon)
        scenario = scenario_from_dict(raw, context, source="(command line)")
        where = "(command line)"
    if args.draws:
        problem = memory_problem(where, args.draws, scenario.spec.scenario.horizon_months,
                                 context.simulation, where="--draws")
        if problem:
            raise ValidationFailed([problem])
    context = _priced_context(bundle, panel)
    result = simulate(scenario, context, response=args.response, draws=args.draws)
    if args.json:
        print(result.to_json())
    else:
        print(result.table())
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    from model.errors import ValidationFailed
    from model.scenarios import memory_problem, sweep

    bundle, panel = load_panel()
    context = _validation_context(panel)
    holder = context.require_holder(args.holder, "--holder")  # with a suggestion, before the fit
    problem = memory_problem("tlrisk sweep", args.draws, SWEEP_HORIZON_MONTHS, context.simulation, where="--draws")
    if problem:
        raise ValidationFailed([problem])
    context = _priced_context(bundle, panel)
    result = sweep(context, holder=holder, sizes_bn=tuple(float(s) for s in args.sizes), months=tuple(args.months),
                   response=args.response, draws=args.draws, progress=not args.no_progress)
    print(result.to_json() if args.json else result.table())
    return EXIT_OK


def cmd_episodes(args: argparse.Namespace) -> int:
    from model.episodes import episode_problems, episodes_table, run_all, to_json
    from model.errors import ValidationFailed

    bundle, panel = load_panel()
    context = _validation_context(panel)
    problems = episode_problems(context)
    if problems:
        raise ValidationFailed(problems)
    results = run_all(_priced_context(bundle, panel))
    print(to_json(results) if args.json else episodes_table(results))
    return EXIT_OK


def curated_events():
    """The curated intervention days and US news (``data/curated``), validated."""
    from model.events import load_interventions, load_us_news

    folder = paths.curated_dir()
    return load_interventions(folder / "jp_interventions.csv"), load_us_news(folder / "us_news.csv")


def event_study(bundle, panel, response, draws: int = 10_000, curated=None):
    """The intervention event study on the curated days and news."""
    from model.events import DailyData, intervention_study

    days, news = curated or curated_events()
    return intervention_study(days, news, DailyData.from_long(bundle.fred_daily()), panel=panel, response=response,
                              draws=draws)


def cmd_events(args: argparse.Namespace) -> int:
    curated = curated_events()  # a bad row stops here, before any estimation
    bundle, panel = load_panel()
    context = _priced_context(bundle, panel)
    study = event_study(bundle, panel, context.response, draws=args.draws, curated=curated)
    print(study.to_json() if args.json else study.table())
    return EXIT_OK


def cmd_fiscal(args: argparse.Namespace) -> int:
    from model.fiscal import fiscal_table, to_json, uniform_shift_cost

    result = uniform_shift_cost(args.shift_bp)
    print(to_json(result) if args.json else fiscal_table(result))
    return EXIT_OK


def _display_path(path: Path) -> Path:
    """A path relative to the project (as a user would type it), else as given."""
    try:
        return Path(path).resolve().relative_to(paths.project_root())
    except ValueError:
        return Path(path)


def cmd_report(args: argparse.Namespace) -> int:
    from model.episodes import episode_problems
    from model.errors import InputError, ValidationFailed
    from model.progress import Stages
    from model.report import (
        ReportInputs,
        ScenarioSet,
        band,
        check_output_folder,
        figure_workers,
        git_commit,
        write_report,
    )
    from model.report.content import plan_report
    from model.report.story import check_lead_name
    from model.scenarios import (
        Scenario,
        ScenarioContext,
        scenario_files,
        simulate,
        validate_scenarios,
    )

    # everything a user can get wrong is checked before the pull and the fit
    stages = Stages("report", enabled=not args.no_progress)
    out = check_output_folder(Path(args.out) if args.out else paths.reports_dir())
    figure_workers()
    folder = Path(args.scenarios) if args.scenarios else paths.scenarios_dir()
    files = [_display_path(f) for f in scenario_files(folder)]
    if not files:
        raise InputError("no scenario files (*.toml)", folder)
    if not args.offline:
        from model.sources.catalog import source_catalog
        from model.sources.pull import pull_sources

        stages.stage("pulling the latest data (TIC, FRED)")
        cache, snapshot = _stores()
        for outcome in pull_sources(source_catalog(), cache, snapshot, progress=not args.no_progress):
            if outcome.status != "updated" and outcome.status != "unchanged":
                print(outcome.line(), file=sys.stderr)
    stages.stage("loading the data (cache or shipped snapshot) and building the panel")
    bundle, panel = load_panel()
    stages.stage(f"checking {len(files)} scenario file(s) in {_display_path(folder)}")
    context = _validation_context(panel)
    checked, problems = validate_scenarios(files, context)  # every problem, all files
    problems += episode_problems(context)
    if problems:
        raise ValidationFailed(problems)
    if args.headline:
        check_lead_name(args.headline, [spec.scenario.name for _, spec, _, _ in checked])
    sweep_holder = context.require_holder(args.sweep_holder, "--sweep-holder") if args.sweep_holder else None
    stages.stage("estimating")
    results, _ = estimates(bundle, panel, credibility=True, use_cache=not args.no_cache, progress=stages.detail)
    context = ScenarioContext.build(panel, results)
    from model.memo import digest, memo, prune
    from model.report import report_base_digest
    from model.scenarios import ExplorerGrid, ScenarioResult, explorer_grid

    # results that are pure functions of their inputs: read back when nothing they depend on changed
    results_cache = None if args.no_cache else paths.cache_dir() / "results"
    base = report_base_digest(bundle)
    reused = []

    def remembered(key: str, compute, dump, load):
        value, hit = memo(results_cache, key, compute, dump, load)
        reused.append(hit)
        return value

    stages.stage(f"pricing {len(checked)} scenario(s) three ways (posterior, data only, literature)")
    priced = []
    for file, spec, _, holders in checked:
        scenario = Scenario(path=str(file), spec=spec, holders=holders)
        key = digest(base, "scenario", str(file), spec.model_dump(mode="json"), holders)
        sset = ScenarioSet(*(remembered(digest(key, r), lambda r=r, scenario=scenario: simulate(scenario, context, response=r),
                                        ScenarioResult.to_record, ScenarioResult.from_record)
                             for r in ("posterior", "data", "literature")),
                           headline=spec.scenario.headline)
        priced.append(sset)
        post, lit = sset.posterior, sset.literature
        print(f"{post.scenario}: lasting 10-year move {band(post.lasting('10y'))} bp (posterior), "
              f"{band(sset.data.lasting('10y'))} (data), {band(lit.lasting('10y'))} (literature); extra federal "
              f"interest over 10 years {band(post.cost('10yr'), 0)} / {band(lit.cost('10yr'), 0)} $bn"
              + (f"; {len(post.warnings) + len(sset.data.warnings)} warning(s)" if post.warnings or sset.data.warnings else ""))
    stages.stage("the scenario explorer: sales by holder, size and length")
    from model.report.content import EXPLORER_DRAWS

    lead, reason, holder, explorer = plan_report(
        context, priced, args.headline, sweep_holder,
        price_explorer=lambda keys: remembered(digest(base, "explorer", keys, EXPLORER_DRAWS),
                                               lambda: explorer_grid(context, keys, draws=EXPLORER_DRAWS),
                                               ExplorerGrid.to_record, ExplorerGrid.from_record))
    stages.detail(f"lead scenario: {lead} ({reason}); sensitivity holder: {context.label(holder)}; "
                  f"{len(explorer.holders)} holders x {len(explorer.sizes_bn)} sizes x {len(explorer.months)} lengths")
    stages.stage("historical episodes and Japan's intervention days")
    from model.episodes import EpisodeResult, run_all

    episodes = remembered(digest(base, "episodes"), lambda: run_all(context),
                          lambda eps: [e.to_record() for e in eps],
                          lambda records: [EpisodeResult.from_record(r) for r in records])
    events = event_study(bundle, panel, context.response)
    if results_cache is not None:
        stages.detail(f"{sum(reused)} of {len(reused)} priced results unchanged since an earlier run (from the results cache)")
        prune(results_cache, keep=200)
    labels = {k: g.label for k, g in context.holders.groups.items()}
    written = write_report(ReportInputs(bundle=bundle, panel=panel, results=results, response=context.response,
                                        holder_labels=labels, scenarios=priced, explorer=explorer, lead=lead,
                                        lead_reason=reason, sweep_holder=holder, episodes=episodes, events=events,
                                        commit=git_commit(paths.project_root()),
                                        scenarios_dir=str(_display_path(folder))), out,
                           notify=lambda line: print(f"note: {line}", file=sys.stderr), progress=stages.stage,
                           figure_cache=None if args.no_cache else paths.cache_dir() / "figures", base_digest=base,
                           pdf=not args.no_pdf)
    stages.done(f"done: {_display_path(written['html'].parent)}")
    for label in ("html", "pdf", "json", "figures", "tables"):
        if label in written:
            print(f"wrote {written[label]}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {self.prog}: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_INVALID_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tlrisk",
        description="Foreign holders' leverage over US Treasury yields: data, estimates, scenarios, report.",
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks (for bug reports)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = sub.add_parser("data", help="pull, parse and inspect the public data")
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    p = data_sub.add_parser("parse", help="detect a file's format and print its tidy table as CSV")
    p.add_argument("file")
    p.add_argument("--part", choices=["auto", "holdings", "flows"], default="auto",
                   help="which table to print for files with both (default: flows for transactions files)")
    p.set_defaults(handler=cmd_data_parse)
    p = data_sub.add_parser("pull", help="download every source (TIC, FRED) into the cache")
    p.add_argument("--source", action="append", help="only this source key (repeatable)")
    p.add_argument("--from-dir", help="process publisher files from a local folder instead of the network")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler=cmd_data_pull)
    p = data_sub.add_parser("status", help="per source: origin, last observation, staleness")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_data_status)
    p = data_sub.add_parser("snapshot", help="copy the cache's processed data into data/snapshot")
    p.add_argument("--source", action="append", help="only this source key (repeatable)")
    p.set_defaults(handler=cmd_data_snapshot)

    p = sub.add_parser("fit", help="estimate how yields respond to foreign purchases")
    p.add_argument("--json", action="store_true",
                   help="print models, the specification grid and the posterior per holder as JSON")
    p.add_argument("--full", action="store_true", help="with --json: every table, not just the models")
    p.add_argument("--out", help="with --json: write to this file instead of stdout")
    p.add_argument("--no-cache", action="store_true", help="re-estimate even if the cached estimates are current")
    p.add_argument("--no-progress", action="store_true", help="no stage lines on stderr")
    p.set_defaults(handler=cmd_fit)

    p = sub.add_parser("validate", help="check scenario files without running them (exit 2 if invalid)")
    p.add_argument("files", nargs="+", metavar="FILE_OR_FOLDER", help="scenario files, or folders of them (*.toml)")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("simulate", help="price one scenario: a file, or one holder's sale, purchase or pause")
    p.add_argument("file", nargs="?", help="a scenario file (or use --holder with --sell, --buy or --pause)")
    p.add_argument("--holder", help="without a file: the holder (e.g. japan, 'Cayman Islands')")
    p.add_argument("--sell", type=_positive_number, metavar="BN", help="without a file: sell $BN bn more than the "
                   "recent pace over --months")
    p.add_argument("--buy", type=_positive_number, metavar="BN", help="without a file: buy $BN bn more than the "
                   "recent pace over --months")
    p.add_argument("--pause", action="store_true", help="without a file: no net purchases for --months")
    p.add_argument("--months", type=_positive_int, default=12, help="without a file: months of the action (default 12)")
    p.add_argument("--start", help="without a file: first month, YYYY-MM (default: the month after the data end)")
    p.add_argument("--horizon", type=_positive_int, default=60, help="without a file: months priced (default 60)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (schema in the README)")
    p.add_argument("--response", choices=["posterior", "data", "literature"],
                   help="override the file's response: posterior (default), data (estimates alone) or literature")
    p.add_argument("--draws", type=_positive_int, help="override the file's number of draws")
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser("sweep", help="sale size by sale length grid for one holder (the report's heatmap)")
    p.add_argument("--holder", default="japan", help="a holder group or country (default japan)")
    p.add_argument("--sizes", type=_positive_int, nargs="+", default=[100, 250, 500, 750, 1000],
                   help="sale sizes, whole $bn")
    p.add_argument("--months", type=_whole_number(1, SWEEP_HORIZON_MONTHS), nargs="+", default=[1, 6, 12, 24, 36],
                   help=f"sale lengths, months (at most the sweep's {SWEEP_HORIZON_MONTHS}-month horizon)")
    p.add_argument("--response", choices=["posterior", "data", "literature"], default="posterior")
    p.add_argument("--draws", type=_positive_int, default=2000)
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=cmd_sweep)

    p = sub.add_parser("report", help="write the HTML and PDF report, figures and results.json")
    p.add_argument("--scenarios", help="folder of scenario files (default: scenarios/)")
    p.add_argument("--out", help="output folder (default: reports/output/)")
    p.add_argument("--offline", action="store_true", help="do not try a live pull; use the cache or snapshot")
    p.add_argument("--headline", metavar="NAME", help="the scenario that leads (its [scenario] name); default: "
                   "the file with headline = true, else the largest sale by the largest holder")
    p.add_argument("--sweep-holder", metavar="HOLDER", help="the holder of the sensitivity heatmaps and the "
                   "explorer's first holder; default: the lead scenario's largest seller")
    p.add_argument("--no-progress", action="store_true", help="no stage lines on stderr")
    p.add_argument("--no-cache", action="store_true", help="compute everything again (estimates, pricing, "
                   "figures) even where the caches are current")
    p.add_argument("--no-pdf", action="store_true", help="a quick preview: everything but report.pdf (the PDF "
                   "takes more than half of a run whose inputs are cached)")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("episodes", help="hold the model against historical episodes of foreign buying and selling")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_episodes)

    p = sub.add_parser("events", help="what US yields did on Japan's intervention days, against placebo days; "
                                      "and Japan's flows instrumented by its interventions")
    p.add_argument("--json", action="store_true", help="print the result as JSON (schema in the README)")
    p.add_argument("--draws", type=_positive_int, default=10_000, help="placebo draws per test (default 10000)")
    p.set_defaults(handler=cmd_events)

    p = sub.add_parser("fiscal", help="extra federal interest from a uniform shift of all rates")
    p.add_argument("--shift-bp", type=_finite_number, required=True, help="bp, between -10000 and 10000")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_fiscal)
    return parser


def _whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} must be at least {low}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value} must be at most {high}")
        return value

    return parse


_positive_int = _whole_number(1)


def _positive_number(text: str) -> float:
    """An argparse type: a positive amount of $bn."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (math.isfinite(value) and 0 < value < 1e6):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number of $bn (below 1,000,000)")
    return value
SWEEP_HORIZON_MONTHS = 60  # = model.scenarios.sweep.HORIZON_MONTHS, kept here so parsing imports nothing heavy (tested)


def _finite_number(text: str) -> float:
    """An argparse type: a number of basis points (``nan``, ``inf`` and absurd sizes are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or abs(value) > 10_000:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number between -10000 and 10000")
    return value


@contextlib.contextmanager
def _library_warnings(verbose: bool):
    """Libraries' own warnings and log records (pandas-datareader's deprecations, numpy's
    RuntimeWarning, a missing glyph, urllib3's retries) are for developers: shown with
    ``--verbose``, otherwise kept off the terminal, where every line is the tool's own."""
    if verbose:
        yield
        return
    root = logging.getLogger()
    quiet = logging.NullHandler()  # stops logging's last-resort printer
    root.addHandler(quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeHandler(quiet)


def _check_source_date_epoch() -> None:
    """An empty ``SOURCE_DATE_EPOCH`` means unset; any other value must be whole seconds since
    1970. Checked before any import reads it (numpy's f2py, which scipy imports, fails on an
    empty or malformed value with an error that names nothing)."""
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if text is None:
        return
    if not text.strip():
        del os.environ["SOURCE_DATE_EPOCH"]
        return
    if not text.strip().isdigit() or int(text) > 253402300799:  # up to the year 9999
        raise InputError(f"environment variable SOURCE_DATE_EPOCH='{text}' is not a time in seconds since 1970")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    try:
        _check_source_date_epoch()
        with _library_warnings(args.verbose):
            return args.handler(args)
    except TLRiskError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        print("error: out of memory (try fewer draws, or close other programs)", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a bug: one line, traceback on request
        if args.verbose:
            traceback.print_exc()
        text = " ".join(str(exc).split())[:300]
        print(f"internal error: {type(exc).__name__}: {text} (run with --verbose for the traceback)",
              file=sys.stderr)
        return EXIT_FAILURE



__all__ = ["main", "build_parser", "EXIT_INVALID_INPUT"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
