"""The ``tlrisk`` command line.

Exit codes: 0 success, 1 other failures, 2 invalid input. Errors are one line on stderr;
``--verbose`` adds the traceback for bug reports.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from model import arguments as A
from model import pipeline
from model.dates import check_source_date_epoch
from model.errors import (
    EXIT_FAILURE,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    DataUnavailable,
    InputError,
    TLRiskError,
    ValidationFailed,
)
from model.files import check_output_file, write_output_text
from model.progress import quiet_libraries
from model.schema import versioned


def _warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def _log(stages=None) -> pipeline.Log:
    """Progress (stage lines) and warnings on stderr, results on stdout."""
    if stages is None:
        return pipeline.Log(warn=_warn)
    return pipeline.Log(stage=stages.stage, detail=stages.detail, warn=_warn,
                        note=lambda line: print(f"note: {line}", file=sys.stderr), out=print)


def _load(required: tuple[str, ...] | None = None) -> pipeline.Data:
    """The data and panel, warnings printed (also those of a failed load)."""
    try:
        data = pipeline.load_data(required)
    except DataUnavailable as exc:
        for warning in exc.warnings:
            _warn(warning)
        raise
    for warning in data.warnings:
        _warn(warning)
    return data


# ---------------------------------------------------------------------------------------------
# tlrisk data ...
# ---------------------------------------------------------------------------------------------


def cmd_data_parse(args: argparse.Namespace) -> int:
    from model.sources.tables import to_csv_text

    parsed = pipeline.parse_file(args.file, args.part)
    for warning in parsed.warnings:
        _warn(warning)
    print(f"# format: {parsed.kind}; rows: {len(parsed.table)}"
          + (f"; vintage: {parsed.vintage}" if parsed.vintage else ""), file=sys.stderr)
    sys.stdout.write(to_csv_text(parsed.table))
    return EXIT_OK


def cmd_data_pull(args: argparse.Namespace) -> int:
    report = (lambda o: None) if args.from_dir else (lambda o: print(o.line(), flush=True))
    outcomes = pipeline.pull(args.source, args.from_dir, progress=not args.no_progress, report=report)
    if args.from_dir:
        for outcome in outcomes:
            print(outcome.line())
    failed = [o for o in outcomes if o.status in ("failed", "refused")]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} sources current in {pipeline.stores()[0].root}"
          + (f"; {len(failed)} not updated (see above)" if failed else ""))
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_data_status(args: argparse.Namespace) -> int:
    from model.sources.status import status_table

    rows, warnings, absent = pipeline.data_status()
    for warning in warnings:
        _warn(warning)
    print(json.dumps(versioned({"sources": rows}), indent=2) if args.json else status_table(rows))
    if absent:  # the table says what is there; the exit code says a run cannot start
        raise pipeline.missing_data_error(absent)
    return EXIT_OK


def cmd_data_snapshot(args: argparse.Namespace) -> int:
    copied, skipped, root = pipeline.snapshot(args.source)
    print(f"snapshot: {len(copied)} sources written to {root}"
          + (f"; not in the cache, kept as shipped: {', '.join(skipped)}" if skipped else ""))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Estimates, scenarios, episodes, events, fiscal, the report
# ---------------------------------------------------------------------------------------------


def cmd_fit(args: argparse.Namespace) -> int:
    from model.api import Fit
    from model.progress import Stages

    if args.out:
        check_output_file(args.out)
    stages = Stages("fit", enabled=not args.no_progress)
    stages.stage("loading the data (cache or shipped snapshot)")
    data = _load()
    stages.stage("estimating")
    fitted = pipeline.estimate(data, credibility=not args.json or args.full,
                               caches=pipeline.Caches.default(not args.no_cache), progress=stages.detail)
    for warning in fitted.warnings:
        _warn(warning)
    stages.stage("the response model (prior, data and posterior per holder)")
    context = pipeline.scenario_context(data, fitted.results)
    fit = Fit(fitted.results, context.response, context)
    stages.done()
    if not args.json:
        print(fit.summary())
        return EXIT_OK
    text = json.dumps(fit.to_dict(full=args.full), indent=2)
    if not args.out:
        print(text)
        return EXIT_OK
    write_output_text(args.out, text + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from model.scenarios import validate_scenarios
    from model.sources.bundle import REQUIRED_SOURCES

    files = pipeline.scenario_paths(args.files)
    data = _load(required=REQUIRED_SOURCES)  # checking files needs the holdings only
    context = pipeline.scenario_context(data)
    checked, problems = validate_scenarios(files, context)
    for file, spec, found, holders in checked:
        if not found:
            print(f"{file}: ok")
            for warning in pipeline.text_warnings(file, spec, holders, context):
                _warn(warning)
    if problems:
        raise ValidationFailed(problems)
    return EXIT_OK


def cmd_holders(args: argparse.Namespace) -> int:
    from model.numbers import money

    rows = pipeline.holder_directory(pipeline.scenario_context(_load()))
    if args.json:
        print(json.dumps(versioned({"holders": rows}), indent=2))
        return EXIT_OK
    print(f"{'holder':<34}{'holdings':>12}{'bonds+notes':>13}  names a scenario file may use (any case; {rows[0]['month']})")
    for r in rows:
        print(f"{r['label']:<34}{money(r['holdings_bn'], 1):>12}{money(r['bonds_notes_bn'], 1):>13}  "
              + ", ".join(f"'{n}'" for n in r["names"]))
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    one_line = [name for name, value in (("--holder", args.holder), ("--sell", args.sell), ("--buy", args.buy),
                                         ("--pause", args.pause or None), ("--proceeds", args.proceeds))
                if value is not None]
    if args.file and one_line:
        raise InputError(f"give a scenario file or {', '.join(one_line)}, not both", field="simulate")
    actions = [a for a, v in (("sell", args.sell), ("buy", args.buy), ("pause", args.pause or None)) if v is not None]
    if not args.file and (args.holder is None or len(actions) != 1):
        raise InputError("give a scenario file, or --holder with one of --sell BN, --buy BN or --pause "
                         "(and --months N)", field="simulate")
    data = _load()
    context = pipeline.scenario_context(data)  # a bad file or holder is refused before the fit
    if args.file:
        scenario, where = pipeline.scenario_from(args.file, context), args.file
    else:
        action = actions[0]
        scenario = pipeline.one_line_scenario(context, args.holder, action, args.months,
                                              args.sell if action == "sell" else args.buy,
                                              start=args.start, horizon=args.horizon, proceeds=args.proceeds)
        where = "(command line)"
    pipeline.check_draws(where, args.draws, scenario.spec.scenario.horizon_months, context, "--draws")
    result = pipeline.price(scenario, pipeline.priced_context(data, log=_log()), response=args.response,
                            draws=args.draws, fx=pipeline.fx_estimate(data))
    print(result.to_json() if args.json else result.table())
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    data = _load()
    context = pipeline.scenario_context(data)
    holder = context.require_holder(args.holder, "--holder")  # with a suggestion, before the fit
    pipeline.check_draws("tlrisk sweep", args.draws, SWEEP_HORIZON_MONTHS, context, "--draws")
    result = pipeline.sweep(pipeline.priced_context(data, log=_log()), holder, tuple(float(s) for s in args.sizes),
                            tuple(args.months), response=args.response, draws=args.draws,
                            progress=not args.no_progress)
    print(result.to_json() if args.json else result.table())
    return EXIT_OK


def cmd_episodes(args: argparse.Namespace) -> int:
    from model.episodes import episode_problems, episodes_table, to_json

    data = _load()
    problems = episode_problems(pipeline.scenario_context(data))
    if problems:
        raise ValidationFailed(problems)
    results = pipeline.episodes(pipeline.priced_context(data, log=_log()))
    print(to_json(results) if args.json else episodes_table(results))
    return EXIT_OK


def cmd_events(args: argparse.Namespace) -> int:
    from model.events import placebo_draws_problem

    problem = placebo_draws_problem(args.draws, where="--draws")
    if problem:
        raise ValidationFailed([problem])
    curated = pipeline.curated_events()  # a bad row stops here, before any estimation
    data = _load()
    context = pipeline.priced_context(data, log=_log())
    study = pipeline.events(data, context.response, draws=args.draws, curated=curated)
    print(study.to_json() if args.json else study.table())
    return EXIT_OK


def cmd_fiscal(args: argparse.Namespace) -> int:
    from model.fiscal import fiscal_table, to_json

    result = pipeline.fiscal(args.shift_bp)
    print(to_json(result) if args.json else fiscal_table(result))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from model.progress import Stages

    stages = Stages("report", enabled=not args.no_progress)
    request = pipeline.ReportRequest(
        scenarios_dir=Path(args.scenarios) if args.scenarios else None, out=Path(args.out) if args.out else None,
        offline=args.offline, headline=args.headline, sweep_holder=args.sweep_holder, use_cache=not args.no_cache,
        pdf=not args.no_pdf, png=args.png, progress=not args.no_progress)
    written = pipeline.report(request, _log(stages))
    stages.done(f"done: {pipeline.display_path(written['html'].parent)}")
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

    _data_parsers(sub.add_parser("data", help="pull, parse and inspect the public data"))
    _scenario_parsers(sub)
    _report_parsers(sub)
    return parser


def _data_parsers(data: argparse.ArgumentParser) -> None:
    """``tlrisk data parse|pull|status|snapshot``."""
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    p = data_sub.add_parser("parse", help="detect a file's format and print its tidy table as CSV")
    p.add_argument("file", type=A.given_text)
    p.add_argument("--part", choices=["auto", "holdings", "flows"], default="auto",
                   help="which table to print for files with both (default: flows for transactions files)")
    p.set_defaults(handler=cmd_data_parse)
    p = data_sub.add_parser("pull", help="download every source (TIC, FRED) into the cache")
    p.add_argument("--source", type=A.given_text, action="append", help="only this source key (repeatable)")
    p.add_argument("--from-dir", type=A.given_text, help="process publisher files from a local folder instead of the network")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler=cmd_data_pull)
    p = data_sub.add_parser("status", help="per source: origin, last observation, staleness")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_data_status)
    p = data_sub.add_parser("snapshot", help="copy the cache's processed data into data/snapshot")
    p.add_argument("--source", type=A.given_text, action="append", help="only this source key (repeatable)")
    p.set_defaults(handler=cmd_data_snapshot)


def _scenario_parsers(sub) -> None:
    """``tlrisk fit|validate|holders|simulate|sweep``."""
    p = sub.add_parser("fit", help="estimate how yields respond to foreign purchases")
    p.add_argument("--json", action="store_true",
                   help="print models, the specification grid and the posterior per holder as JSON")
    p.add_argument("--full", action="store_true", help="with --json: every table, not just the models")
    p.add_argument("--out", type=A.given_text, help="with --json: write to this file instead of stdout")
    p.add_argument("--no-cache", action="store_true", help="re-estimate even if the cached estimates are current")
    p.add_argument("--no-progress", action="store_true", help="no stage lines on stderr")
    p.set_defaults(handler=cmd_fit)

    p = sub.add_parser("validate", help="check scenario files without running them (exit 2 if invalid)")
    p.add_argument("files", type=A.given_text, nargs="+", metavar="FILE_OR_FOLDER", help="scenario files, or folders of them (*.toml)")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("holders", help="the holder names a scenario file may use, with each holder's holdings")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_holders)

    p = sub.add_parser("simulate", help="price one scenario: a file, or one holder's sale, purchase or pause")
    p.add_argument("file", type=A.given_text, nargs="?", help="a scenario file (or use --holder with --sell, --buy or --pause)")
    p.add_argument("--holder", type=A.given_text, help="without a file: the holder (e.g. japan, 'Cayman Islands')")
    p.add_argument("--sell", type=_amount, metavar="BN", help="without a file: sell $BN bn more than the "
                   "recent pace over --months")
    p.add_argument("--buy", type=_amount, metavar="BN", help="without a file: buy $BN bn more than the "
                   "recent pace over --months")
    p.add_argument("--pause", action="store_true", help="without a file: no net purchases for --months")
    p.add_argument("--proceeds", choices=["converted", "kept_in_dollars"], help="without a file: what the holder "
                   "does with the dollars: converted into its currency (moves the dollar) or kept in dollars (default)")
    p.add_argument("--months", type=_positive_int, default=12, help="without a file: months of the action (default 12)")
    p.add_argument("--start", type=A.given_text, help="without a file: first month, YYYY-MM (default: the month after the data end)")
    p.add_argument("--horizon", type=_positive_int, default=60, help="without a file: months priced (default 60)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (schema in the README)")
    p.add_argument("--response", choices=["posterior", "data", "literature"],
                   help="override the file's response: posterior (default), data (estimates alone) or literature")
    p.add_argument("--draws", type=_positive_int, help="override the file's number of draws")
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser("sweep", help="sale size by sale length grid for one holder (the report's heatmap)")
    p.add_argument("--holder", type=A.given_text, default="japan", help="a holder group or country (default japan)")
    p.add_argument("--sizes", type=_sale_size, nargs="+", default=[100, 250, 500, 750, 1000],
                   help="sale sizes, whole $bn")
    p.add_argument("--months", type=A.from_text(int, A.whole_number, "value", 1, SWEEP_HORIZON_MONTHS), nargs="+", default=[1, 6, 12, 24, 36],
                   help=f"sale lengths, months (at most the sweep's {SWEEP_HORIZON_MONTHS}-month horizon)")
    p.add_argument("--response", choices=["posterior", "data", "literature"], default="posterior")
    p.add_argument("--draws", type=_positive_int, default=2000)
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=cmd_sweep)


def _report_parsers(sub) -> None:
    """``tlrisk report|episodes|events|fiscal``."""
    p = sub.add_parser("report", help="write the HTML and PDF report, figures and results.json")
    p.add_argument("--scenarios", type=A.given_text, help="folder of scenario files (default: scenarios/)")
    p.add_argument("--out", type=A.given_text, help="output folder (default: reports/output/)")
    p.add_argument("--offline", action="store_true", help="do not try a live pull; use the cache or snapshot")
    p.add_argument("--headline", type=A.given_text, metavar="NAME", help="the scenario that leads (its [scenario] name); default: "
                   "the file with headline = true, else the largest sale by the largest holder")
    p.add_argument("--sweep-holder", type=A.given_text, metavar="HOLDER", help="the holder of the sensitivity heatmaps and the "
                   "explorer's first holder; default: the lead scenario's largest seller")
    p.add_argument("--no-progress", action="store_true", help="no stage lines on stderr")
    p.add_argument("--no-cache", action="store_true", help="compute everything again (estimates, pricing, "
                   "figures) even where the caches are current")
    p.add_argument("--no-pdf", action="store_true", help="a quick preview: everything but report.pdf")
    p.add_argument("--png", action="store_true", help="also write every chart as PNG, titled (for slides)")
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
    p.add_argument("--shift-bp", type=_shift, required=True, help="bp, between -10000 and 10000")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_fiscal)


_positive_int = A.from_text(int, A.whole_number, "value", 1)
_amount = A.from_text(float, A.amount_bn, "value")
_sale_size = A.from_text(int, A.whole_number, "value", 1, int(A.MAX_AMOUNT_BN))
_shift = A.from_text(float, A.shift_bp, "value")
SWEEP_HORIZON_MONTHS = A.SWEEP_HORIZON_MONTHS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    try:
        check_source_date_epoch()
        with quiet_libraries(args.verbose):
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
        hint = " (fewer --draws need less)" if getattr(args, "draws", None) else ""
        print(f"error: out of memory during 'tlrisk {args.command}': the machine or a memory limit refused more"
              f"{hint}", file=sys.stderr)
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
