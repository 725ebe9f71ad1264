"""The pipeline: how data flow from the publishers' files to a report, stage by stage.

::

    sources -> panel -> estimate -> response -> scenarios -> fiscal / ledger -> report
    (pull,     (monthly  (regressions, (prior,     (priced    (interest,      (HTML, PDF,
     parse)     frame)    the grid)     posterior)  plans)     the bargain)    results.json)

Each stage is a function here with typed inputs and outputs, and this module owns the caches
that let a stage be skipped when nothing it depends on changed: the estimation cache, the
results cache (a scenario's pricing, the explorer grid, the episodes) and the figure cache.
The command line (:mod:`model.cli`) parses arguments and prints; the Python API
(:mod:`model.api`), the report and the tests call the same functions, so every route gets the
same checks and the same caches.

Where to make a change:

* a data source: a parser in ``model/sources`` and an entry in ``sources.toml``;
* a holder group: one ``[groups.KEY]`` table in ``holders.toml``;
* a scenario: a file in ``scenarios/``;
* a report section: a module in ``model/report`` and a template block (see the README's
  developer section).

Nothing here prints: progress, warnings and results go to the callables a caller passes
(:class:`Log`), so the command line and a notebook show them differently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from model import paths
from model.errors import DataUnavailable, InputError, ValidationFailed, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from model.estimate import EstimationResults
    from model.events import EventStudy
    from model.panel import Panel
    from model.report.story import ScenarioSet
    from model.response import ResponseModel
    from model.scenarios import ExplorerGrid, Scenario, ScenarioContext, ScenarioResult
    from model.sources.bundle import DataBundle
    from model.sources.catalog import SourceSpec
    from model.sources.store import DataStore


def _ignore(_: str) -> None:
    return None


@dataclass
class Log:
    """Where a run says what it is doing: ``stage`` (a new stage), ``detail`` (a step in it),
    ``warn`` (something the reader should know), ``note`` (a repair made), ``out`` (a result
    line for the terminal). Every one defaults to silence."""

    stage: Callable[[str], None] = _ignore
    detail: Callable[[str], None] = _ignore
    warn: Callable[[str], None] = _ignore
    note: Callable[[str], None] = _ignore
    out: Callable[[str], None] = _ignore


QUIET = Log()


@dataclass(frozen=True)
class Settings:
    """Every settings file, validated into its typed object once (``model/config/*.toml``, or
    ``TLRISK_CONFIG_DIR``), and passed by the pipeline to the stages that need each."""

    holders: object  # model.config.HolderConfig (holders.toml)
    panel: object  # model.panel.PanelConfig (panel.toml)
    valuation: object  # model.panel.ValuationConfig (valuation.toml)
    estimation: object  # model.estimate.spec.EstimationConfig (estimation.toml)
    literature: object  # model.estimate.literature.LiteratureConfig (literature.toml)
    simulation: object  # model.scenarios.schema.SimulationConfig (simulation.toml)
    fiscal: object  # model.fiscal.FiscalConfig (fiscal.toml)
    episodes: object  # model.episodes.EpisodesFile (episodes.toml)


def settings() -> Settings:
    """The settings in effect (each file read and validated once per process)."""
    from model.config import holder_config
    from model.episodes import episodes_config
    from model.estimate.literature import literature_config
    from model.estimate.spec import estimation_config
    from model.fiscal import fiscal_config
    from model.panel import panel_config, valuation_config
    from model.scenarios.schema import simulation_config

    return Settings(holders=holder_config(), panel=panel_config(), valuation=valuation_config(),
                    estimation=estimation_config(), literature=literature_config(),
                    simulation=simulation_config(), fiscal=fiscal_config(), episodes=episodes_config())


# ---------------------------------------------------------------------------------------------
# Stage 1: sources (pull and parse)
# ---------------------------------------------------------------------------------------------


def stores() -> tuple[DataStore, DataStore]:
    """The data cache (``data/cache``, ``TLRISK_CACHE_DIR``) and the shipped snapshot."""
    from model.sources.store import DataStore

    return DataStore(paths.cache_dir(), "cache"), DataStore(paths.snapshot_dir(), "snapshot")


def select_sources(keys: list[str] | None) -> list[SourceSpec]:
    """The catalogue's sources, or those named by ``keys`` (an unknown key is an input error
    with a suggestion)."""
    from model.sources.catalog import source_catalog

    specs = source_catalog()
    if not keys:
        return specs
    known = {s.key: s for s in specs}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InputError(f"unknown source '{unknown[0]}'{did_you_mean(unknown[0], known)}", field="--source")
    return [known[k] for k in keys]


@dataclass
class ParsedFile:
    """A publisher's file, detected and parsed: its format, the table asked for, warnings."""

    kind: str
    vintage: str | None
    table: pd.DataFrame
    warnings: list[str]


def parse_file(path: str | Path, part: str = "auto") -> ParsedFile:
    """Detect a file's format and parse it (``part``: ``holdings``, ``flows`` or ``auto``)."""
    from model.sources.detect import parse_path

    parsed = parse_path(path, settings().holders)
    table = {"holdings": parsed.holdings, "flows": parsed.flows}.get(part)
    return ParsedFile(parsed.kind, parsed.vintage, parsed.tidy() if table is None else table, list(parsed.warnings))


def pull(keys: list[str] | None = None, from_dir: str | Path | None = None, progress: bool = True,
         report: Callable | None = None) -> list:
    """Pull the sources into the cache (from the network, or from a folder of the publishers'
    files). Returns one outcome per source."""
    from model.sources.pull import import_local, pull_sources

    cache, snapshot = stores()
    specs = select_sources(keys)
    if from_dir is not None:
        return import_local(specs, Path(from_dir), cache, snapshot)
    return pull_sources(specs, cache, snapshot, progress=progress, report=report or (lambda outcome: None))


def data_status() -> tuple[list[dict], list[str], list[str]]:
    """Per source: origin, last observation, staleness. Returns the rows, warnings about
    damaged stores, and the sources a run needs that no store holds."""
    from model.panel import required_sources
    from model.sources.status import status_report

    cache, snapshot = stores()
    rows, warnings = status_report(cache, snapshot)
    missing = {r["source"] for r in rows if r["origin"] == "missing"}
    return rows, warnings, [key for key in required_sources() if key in missing]


def missing_data_error(keys: list[str]) -> DataUnavailable:
    """The error for sources a run needs that neither store holds."""
    from model.sources.bundle import no_data

    return no_data(keys, *stores())


def snapshot(keys: list[str] | None = None) -> tuple[list[str], list[str], Path]:
    """Copy the cache's processed data into ``data/snapshot`` (maintainers). Returns the keys
    copied, those not in the cache, and the snapshot folder."""
    cache, snap = stores()
    specs = [s for s in select_sources(keys) if s.in_snapshot]
    entries = cache.manifest()
    present = [s.key for s in specs if s.key in entries]
    if not present:
        raise DataUnavailable(f"the cache ({cache.root}) is empty: run 'tlrisk data pull' first")
    copied = cache.copy_to(snap, present)
    return copied, [s.key for s in specs if s.key not in entries], snap.root


def refresh(log: Log = QUIET, progress: bool = True) -> None:
    """A live pull of every source before a report; failures are reported and the run goes on
    with the cache or the snapshot."""
    for outcome in pull(progress=progress):
        if outcome.status not in ("updated", "unchanged"):
            log.warn(outcome.line())


# ---------------------------------------------------------------------------------------------
# Stage 2: the panel
# ---------------------------------------------------------------------------------------------


@dataclass
class Data:
    """The loaded sources (cache or shipped snapshot) and the monthly panel built from them."""

    bundle: DataBundle
    panel: Panel
    warnings: list[str] = field(default_factory=list)


def load_data(required: tuple[str, ...] | None = None) -> Data:
    """Data (cache or snapshot) -> panel.

    Every source the run needs (:func:`model.panel.required_sources`, or ``required``) must
    load, and every holder group must find its members in the data, before anything is built.

    Raises
    ------
    DataUnavailable
        A needed source is in neither store (its ``warnings`` say why copies were passed over).
    ValidationFailed
        A holder group names members that are not in the data.
    """
    from model.config import config_path
    from model.panel import required_sources
    from model.sources.bundle import load_bundle

    bundle = load_bundle(*stores(), required=required_sources() if required is None else required)
    names = {name for source in bundle.sources.values() for frame in source.frames.values()
             if "holder" in frame for name in frame["holder"].unique()}
    config = settings()
    holders, holders_path = config.holders, config_path("holders.toml")
    problems = holders.problems_against(names, holders_path)
    if problems:
        raise ValidationFailed(problems)
    warnings = [*bundle.warnings, *holders.warnings_against(names, holders_path)]
    return Data(bundle=bundle, panel=_built_panel(bundle, config), warnings=warnings)


# Panels built in this process, by the digest of everything :func:`model.panel.build_panel`
# reads (the checked data parts and the three settings it takes): a command or a notebook that
# loads the same data again gets a copy instead of a rebuild. Bounded.
_PANELS: OrderedDict[str, Panel] = OrderedDict()
_PANELS_MAX = 4


def _built_panel(bundle: DataBundle, config: Settings) -> Panel:
    import copy

    import pandas as pd

    from model.memo import digest, frame_copy, kept
    from model.panel import build_panel

    key = digest(bundle.part_digests(), sorted(bundle.sources), config.holders.model_dump_json(),
                 config.valuation.model_dump_json(), config.panel.model_dump_json())
    panel = kept(_PANELS, key, lambda: build_panel(bundle, config.holders, config.valuation, config.panel),
                 _PANELS_MAX)
    # a copy sharing nothing with the remembered panel, its tables included
    return dataclasses.replace(panel, **{name: frame_copy(value) if isinstance(value, pd.DataFrame)
                                         else copy.deepcopy(value) for name, value in vars(panel).items()})


# ---------------------------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caches:
    """The folders of the caches a run may use; None where a cache is off (``--no-cache``)."""

    estimates: Path | None
    results: Path | None
    figures: Path | None

    @classmethod
    def default(cls, enabled: bool = True) -> Caches:
        """``data/cache/estimates`` (``TLRISK_ESTIMATES_DIR``), ``results`` and ``figures``
        (under ``TLRISK_CACHE_DIR``); all off when not ``enabled``."""
        from model.memo import CacheFolder

        if not enabled:
            return cls(None, None, None)
        estimates_variable = "TLRISK_ESTIMATES_DIR" if os.environ.get("TLRISK_ESTIMATES_DIR") else "TLRISK_CACHE_DIR"
        folders = [CacheFolder(paths.estimates_dir(), "estimation", estimates_variable),
                   CacheFolder(paths.cache_dir() / "results", "results", "TLRISK_CACHE_DIR"),
                   CacheFolder(paths.cache_dir() / "figures", "figure", "TLRISK_CACHE_DIR")]
        return cls(*(folder.open().root for folder in folders))


def inputs_digest(bundle: DataBundle) -> str:
    """What every priced result and figure depends on (:func:`model.memo.inputs_digest`): the
    code, every settings file in effect, the curated data and every processed data part in use."""
    from importlib import resources

    from model.config import config_path
    from model.memo import inputs_digest as digest_of

    files = {path.name: config_path(path.name)
             for path in Path(str(resources.files("model") / "config")).glob("*.toml")}
    curated = paths.curated_dir()
    files |= {f"curated/{path.name}": path for path in (curated.glob("*") if curated.is_dir() else []) if path.is_file()}
    return digest_of(bundle.part_digests(), files)


class Remembered:
    """The results cache of one run: values that are pure functions of their inputs are read
    back when nothing they depend on changed (:func:`model.memo.memo`), and counted."""

    def __init__(self, folder: Path | None, base: str, warn: Callable[[str], None] = _ignore) -> None:
        self.folder, self.base, self.warn, self.hits = folder, base, warn, []

    def __call__(self, key: str, compute, dump, load):
        from model.memo import memo

        value, hit = memo(self.folder, key, compute, dump, load, warn=self.warn)
        self.hits.append(hit)
        return value

    def many(self, keys: list[str], compute: Callable[[list[int]], list], dump, load) -> list:
        """Values for several keys (:func:`model.memo.memo_many`): the changed ones computed
        together by ``compute(positions)``."""
        from model.memo import memo_many

        values, hits = memo_many(self.folder, keys, compute, dump, load, warn=self.warn)
        self.hits.extend(hits)
        return values

    def holds(self, key: str) -> bool:
        """Whether the results cache has an entry for ``key`` (unread: it may yet be damaged)."""
        from model.memo import entry_path

        return self.folder is not None and entry_path(self.folder, key).exists()

    def finish(self, log: Log) -> None:
        from model.memo import prune

        if self.folder is not None:
            log.detail(f"{sum(self.hits)} of {len(self.hits)} results (prices, the explorer, the episodes, the "
                       "instrument) unchanged since an earlier run "
                       "(from the results cache)")
            prune(self.folder, keep=200)


# ---------------------------------------------------------------------------------------------
# Stage 3: estimates
# ---------------------------------------------------------------------------------------------


@dataclass
class Estimates:
    """Estimation results and where they came from (``cache`` or ``computed``)."""

    results: EstimationResults
    origin: str
    warnings: list[str] = field(default_factory=list)


def estimate(data: Data, credibility: bool = True, caches: Caches | None = None,
             progress: Callable[[str], None] | None = None) -> Estimates:
    """Estimation results from the cache when data, settings and code are unchanged, else
    computed (and cached). ``progress`` is called with the name of each estimation stage, or
    with a line saying the cache served."""
    from model.config import config_path
    from model.estimate import cache, fit_all

    caches = caches or Caches.default()
    warnings: list[str] = []
    key = cache.cache_key(data.bundle.part_digests(), {name: config_path(name) for name in cache.CONFIG_FILES})
    root = caches.estimates
    if root is not None:
        results, warning = cache.load(root, key, credibility)
        if warning:
            warnings.append(warning)
        if results is not None:
            if progress:
                progress("from the estimation cache (data, settings and code unchanged)")
            return Estimates(results, "cache", warnings)
    config = settings()
    results = fit_all(data.panel, config.estimation, credibility=credibility, progress=progress,
                      literature=config.literature)
    if root is not None:  # --no-cache: the caches are neither read nor written nor cleaned
        try:
            cache.save(root, key, results, credibility)
        except OSError as exc:
            warnings.append(f"estimation cache: cannot write {root} ({exc.strerror}); results not cached")
    return Estimates(results, "computed", warnings)


# ---------------------------------------------------------------------------------------------
# Stage 4: the response model; stage 5: scenarios
# ---------------------------------------------------------------------------------------------


def scenario_context(data: Data, results: EstimationResults | None = None) -> ScenarioContext:
    """What scenarios are checked and priced with: with ``results``, the response model built
    from them; without, enough to validate scenario files."""
    from model.fiscal import FiscalModel
    from model.scenarios import ScenarioContext

    config = settings()
    return ScenarioContext.build(data.panel, results, FiscalModel.build(config.fiscal), config.holders,
                                 config.valuation, config.simulation,
                                 response_model(results, config) if results is not None else None)


def response_model(results: EstimationResults, config: Settings | None = None) -> ResponseModel:
    """Stage 4: the response model the scenarios are priced with, from the estimates (the prior
    comes with the estimates' literature envelope; the settings say how to update and pool)."""
    from model.response import ResponseModel, persistence_evidence

    config = config or settings()
    return ResponseModel.build(results.grid, results.envelope, config.literature, config.literature.prior.pool,
                               persistence_evidence(results.local_projections), results.persistence)


def priced_context(data: Data, caches: Caches | None = None, log: Log = QUIET) -> ScenarioContext:
    """The scenario context with estimates (cached; without the slower credibility checks)."""
    fitted = estimate(data, credibility=False, caches=caches)
    for warning in fitted.warnings:
        log.warn(warning)
    return scenario_context(data, fitted.results)


def scenario_paths(items: list[str | Path]) -> list[Path]:
    """Files as given, folders as the scenario files in them (``*.toml``, baseline first)."""
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


def check_scenarios(files: list[Path], context: ScenarioContext, episodes: bool = False) -> list:
    """Every scenario file checked together (every problem of every file, and names shared by
    two files); with ``episodes``, the episodes file too.

    Returns
    -------
    list of (path, ScenarioFile or None, problems, resolved holders)

    Raises
    ------
    ValidationFailed
        Listing every problem.
    """
    from model.episodes import episode_problems
    from model.scenarios import validate_scenarios

    checked, problems = validate_scenarios(files, context)
    if episodes:
        problems += episode_problems(context)
    if problems:
        raise ValidationFailed(problems)
    return checked


def scenario_from(source: str | Path | dict, context: ScenarioContext) -> Scenario:
    """A scenario from a file or from a dictionary with a file's layout (validated alike)."""
    from model.scenarios import load_scenario
    from model.scenarios.build import scenario_from_dict

    if isinstance(source, dict):
        return scenario_from_dict(source, context)
    return load_scenario(source, context)


def one_line_scenario(context: ScenarioContext, holder: str, action: str, months: int, bn: float | None,
                      start: str | None = None, horizon: int = 60, proceeds: str | None = None) -> Scenario:
    """The scenario ``tlrisk simulate --holder ...`` builds: one holder's sale, purchase or pause
    (``proceeds``: what it does with the dollars, see :class:`model.scenarios.schema.Proceeds`)."""
    from model.scenarios.build import one_line_scenario as raw_scenario
    from model.scenarios.build import scenario_from_dict

    raw = raw_scenario(context, holder, action, months, bn, start=start, horizon=horizon)
    if proceeds is not None:
        raw["holders"][0]["proceeds"] = proceeds
    return scenario_from_dict(raw, context, source="(command line)")


def holder_directory(context: ScenarioContext) -> list[dict]:
    """Every name a scenario file may use for a holder (``tlrisk holders``): the holder groups
    (their key, label and the spellings of a one-country group), then every country in the
    data with its spellings; each with its latest holdings and its bonds and notes ($bn).

    Returns
    -------
    list of dict
        ``{holder, label, kind (group or country), names, month, holdings_bn,
        bonds_notes_bn}``, groups first, then countries by holdings.
    """
    holders = context.holders
    h = context.panel.holdings
    month = context.last_data_month
    spellings = {canonical: sorted({*names, canonical} - {canonical}) for canonical, names in holders.aliases.items()}
    rows = []
    for key, group in holders.groups.items():
        names = [key, group.label]
        if len(group.members) == 1 and not group.plus:
            names += [s for s in [group.members[0], *spellings.get(group.members[0], [])] if s not in names]
        rows.append(_directory_row(context, key, group.label, "group", names, month))
    grouped = {g.members[0] for g in holders.groups.values() if len(g.members) == 1 and not g.plus}
    latest = h[(h["kind"] == "country") & (h["month"] == h.loc[h["kind"] == "country", "month"].max())]
    for name in latest.sort_values("holdings_bn", ascending=False)["holder"]:
        if name not in grouped:
            rows.append(_directory_row(context, name, context.label(name), "country",
                                       [name, *spellings.get(name, [])], month))
    return rows


def _directory_row(context: ScenarioContext, key: str, label: str, kind: str, names: list[str],
                   month: pd.Timestamp) -> dict:
    import math

    unique: dict[str, str] = {}
    for name in names:  # names match without regard to case: list each once
        unique.setdefault(name.casefold(), name)
    names = list(unique.values())
    held = context.holdings_at(key, month)
    bonds = held * (1 - context.bill_share(key)) if math.isfinite(held) else None
    return {"holder": key, "label": label, "kind": kind, "names": names, "month": f"{month:%Y-%m}",
            "holdings_bn": round(held, 1) if math.isfinite(held) else None,
            "bonds_notes_bn": round(bonds, 1) if bonds is not None else None}


def check_draws(where: str, draws: int | None, horizon: int, context: ScenarioContext, field_name: str) -> None:
    """Refuse a draw count that does not fit the memory budget, before any estimation."""
    from model.scenarios import memory_problem

    if draws:
        problem = memory_problem(where, draws, horizon, context.simulation, where=field_name)
        if problem:
            raise ValidationFailed([problem])


def text_warnings(path, spec, holders: list[str], context: ScenarioContext) -> list[str]:
    """Figures in a checked file's title or description that its plan does not price."""
    from model.scenarios import Scenario
    from model.scenarios.words import text_warnings as warnings_of

    return warnings_of(Scenario(path=str(path), spec=spec, holders=holders), context)


def price(scenario: Scenario, context: ScenarioContext, response: str | None = None,
          draws: int | None = None, fx=None) -> ScenarioResult:
    """One scenario priced with one response (posterior, data or literature), with its ledger
    (:func:`bargain`)."""
    from model.scenarios import simulate

    return bargain(simulate(scenario, context, response=response, draws=draws), fx)


def bargain(result: ScenarioResult, fx=None) -> ScenarioResult:
    """Stage 6, the ledger: both sides of the bargain for a priced scenario (the US cost, the
    dollar, US inflation, each seller's own cost, the tariff at stake and a verdict;
    :mod:`model.ledger`), joint with the pricing's draws. The literature envelope has no draws:
    its ledger is None.

    Parameters
    ----------
    fx : model.ledger.FxEstimate, optional
        The intervention-day estimate of the yen's move per $100bn converted (:func:`fx_estimate`);
        without it the published episodes alone set the dollar's response.
    """
    import datetime as dt

    from model.ledger import HolderSale, build_ledger
    from model.scenarios.schema import Proceeds

    if result.per_draw is None:
        return result
    sales = [HolderSale(p.key, p.label, -(p.deviation_bn + (0.0 if p.bills_deviation_bn is None
                                                            else p.bills_deviation_bn)), Proceeds(p.proceeds),
                        p.action)
             for p in result.holder_paths]
    first = dt.date.fromisoformat(result.start + "-01")  # the tariffs in force when the scenario starts
    ledger = build_ledger(sales, result.per_draw["loss_yield_bp"], result.per_draw["interest_cost_10yr_bn"],
                          on=first, fx_estimate=fx, seed=result.seed)
    from model.schema import clean

    result.ledger = clean(ledger.to_dict())
    return result


RESPONSE_SOURCES = ("posterior", "data", "literature")


def price_scenarios(checked: list, context: ScenarioContext, remembered: Remembered, fx=None) -> list[ScenarioSet]:
    """Every checked file priced three ways (posterior, data only, literature), each pricing
    from the results cache when its inputs are unchanged; the others priced in forked worker
    processes (``TLRISK_WORKERS``), each from its own seed, so the numbers do not depend on
    how many there are."""
    from model.memo import digest
    from model.report.story import ScenarioSet
    from model.scenarios import Scenario, ScenarioResult
    from model.workers import cpu_workers, map_forked

    tasks, keys, sets = [], [], []
    for file, spec, _, holders in checked:
        scenario = Scenario(path=str(file), spec=spec, holders=holders)
        key = digest(remembered.base, "scenario", str(file), spec.model_dump(mode="json"), holders)
        three = [digest(key, r, dataclasses.asdict(fx) if fx is not None else None) for r in RESPONSE_SOURCES]
        tasks += [(scenario, r) for r in RESPONSE_SOURCES]
        keys += three
        sets.append((spec.scenario.headline, digest(*three)))

    def one(i: int) -> ScenarioResult:
        scenario, response = tasks[i]
        # the per-draw arrays served the ledger inside price(); a cached result has none either
        return dataclasses.replace(price(scenario, context, response=response, fx=fx), per_draw=None)

    def compute(missing: list[int]) -> list[ScenarioResult]:
        return map_forked(lambda j: one(missing[j]), len(missing), cpu_workers(2))

    results = remembered.many(keys, compute, ScenarioResult.to_record, ScenarioResult.from_record)
    n = len(RESPONSE_SOURCES)
    return [ScenarioSet(*results[n * k : n * (k + 1)], headline=headline, key=key)
            for k, (headline, key) in enumerate(sets)]


def sweep(context: ScenarioContext, holder: str, sizes_bn: tuple[float, ...], months: tuple[int, ...],
          response: str = "posterior", draws: int = 2000, progress: bool = False):
    """The sale-size by sale-length grid for one holder (``tlrisk sweep``)."""
    from model.scenarios import sweep as grid

    return grid(context, holder=holder, sizes_bn=tuple(sizes_bn), months=tuple(months), response=response,
                draws=draws, progress=progress)


def explorer(context: ScenarioContext, holders: list[str], remembered: Remembered) -> ExplorerGrid:
    """The explorer's grid (sales by holder, size and length) for ``holders``, cached."""
    from model.memo import digest
    from model.report.content import EXPLORER_DRAWS
    from model.scenarios import ExplorerGrid, explorer_grid

    return remembered(digest(remembered.base, "explorer", holders, EXPLORER_DRAWS),
                      lambda: explorer_grid(context, holders, draws=EXPLORER_DRAWS),
                      ExplorerGrid.to_record, ExplorerGrid.from_record)


def episodes(context: ScenarioContext, remembered: Remembered | None = None) -> list:
    """The historical episodes priced as scenarios beside what yields did."""
    from model.episodes import EpisodeResult, run_all

    config = settings().episodes
    if remembered is None:
        return run_all(context, config=config)
    from model.memo import digest

    return remembered(digest(remembered.base, "episodes"), lambda: run_all(context, config=config),
                      lambda eps: [e.to_record() for e in eps],
                      lambda records: [EpisodeResult.from_record(r) for r in records])


def curated_events():
    """The curated intervention days and US news (``data/curated``), validated."""
    from model.events import load_interventions, load_us_news

    folder = paths.curated_dir()
    return load_interventions(folder / "jp_interventions.csv"), load_us_news(folder / "us_news.csv")


FX_DRAWS = 10_000  # placebo draws behind the yen's estimate: the report's events and `simulate` agree


def fx_estimate(data: Data, study: EventStudy | None = None, caches: Caches | None = None):
    """The intervention days' estimate of the yen's move per $100bn converted, with its
    standard error, for the ledger (:class:`model.ledger.FxEstimate`), or None when the days give
    none. Taken from ``study`` when the caller ran the event study, else computed on its own
    (the yen does not depend on the response model) and kept in the results cache."""
    from model.ledger import FxEstimate

    if study is None:
        from model.events import DailyData, intervention_study
        from model.memo import digest

        caches = caches or Caches.default()
        days, news = curated_events()
        remembered = Remembered(caches.results, inputs_digest(data.bundle))
        found = remembered(digest(remembered.base, "fx", FX_DRAWS),
                           lambda: intervention_study(days, news, DailyData.from_long(data.bundle.fred_daily()),
                                                      draws=FX_DRAWS).yen_effect(),
                           lambda v: list(v) if v is not None else None,
                           lambda r: tuple(r) if r is not None else None)
    else:
        found = study.yen_effect()
    return None if found is None else FxEstimate(*found)


def events(data: Data, response: ResponseModel, draws: int = 10_000, curated=None,
           remembered: Remembered | None = None, early_iv: EarlyIV | None = None) -> EventStudy:
    """Japan's intervention days against placebo days, and the monthly 2SLS (kept in the results
    cache as its record when ``remembered`` is given: it depends on nothing a scenario changes;
    ``early_iv``: the same fit started beside the estimation, :func:`start_iv`)."""
    from model.events import DailyData, intervention_study

    days, news = curated or curated_events()
    iv_fit = None
    if remembered is not None:
        from model.iv import IVRecord, japan_intervention_iv

        def iv_fit(panel, z, **kwargs):
            def fit() -> IVRecord:
                ready = early_iv.record(z, kwargs["trade_months"]) if early_iv is not None else None
                return ready or IVRecord.of(japan_intervention_iv(panel, z, **kwargs))

            return remembered(_iv_key(remembered, z, kwargs["trade_months"]), fit, IVRecord.dump, IVRecord.load)
    return intervention_study(days, news, DailyData.from_long(data.bundle.fred_daily()), panel=data.panel,
                              response=response, draws=draws, estimation=settings().estimation, iv_fit=iv_fit)


def _iv_key(remembered: Remembered, z, trade_months) -> str:
    """The results cache's key of the monthly 2SLS on instrument ``z``."""
    from model.memo import digest

    return digest(remembered.base, "iv", z, trade_months)


class EarlyIV:
    """The monthly 2SLS fitted in a forked worker while the estimation runs (:func:`start_iv`)."""

    def __init__(self, started) -> None:
        self._started, self._found = started, None

    def finish(self) -> None:
        """Wait for the worker (a failure there leaves the fit to :func:`events`)."""
        if self._started is not None:
            try:
                self._found = self._started.results()[0]
            except Exception:  # a worker that died: the main process fits it again
                self._found = None
            finally:
                self._started.close()
                self._started = None

    def record(self, z, trade_months):
        """The early fit's record if it was made from this instrument, else None."""
        self.finish()
        if self._found is None:
            return None
        early_z, early_trade, record = self._found
        return record if early_z.equals(z) and early_trade.equals(trade_months) else None


def start_iv(data: Data, remembered: Remembered) -> EarlyIV:
    """Start the monthly 2SLS of the intervention study in a forked worker: it depends on the
    data alone, and its fit (with the import of its library) then runs beside the estimation
    instead of after it. Nothing is started when its result is in the results cache already,
    or with one CPU; the worker's answer is used only if it was made from the same instrument."""
    from model.events import DailyData, intervention_study
    from model.iv import IVRecord, japan_intervention_iv
    from model.workers import cpu_workers, start_forked

    if cpu_workers(2) < 2:
        return EarlyIV(None)

    def fit(_: int):
        with contextlib.suppress(OSError, AttributeError):
            os.nice(10)  # a background job: it takes the CPU the estimation leaves idle, not the grid's
        found = []

        def capture(panel, z, **kwargs):
            if not remembered.holds(_iv_key(remembered, z, kwargs["trade_months"])):
                found.append((z, kwargs["trade_months"], IVRecord.of(japan_intervention_iv(panel, z, **kwargs))))
            return None

        try:
            days, news = curated_events()
            intervention_study(days, news, DailyData.from_long(data.bundle.fred_daily()), panel=data.panel,
                               draws=100, estimation=settings().estimation, iv_fit=capture)
        except Exception:  # the main process fits it again and reports what is wrong
            return None
        return found[0] if found else None

    return EarlyIV(start_forked(fit, 1, 2, always=True))


# ---------------------------------------------------------------------------------------------
# Stage 6: fiscal
# ---------------------------------------------------------------------------------------------


def fiscal(shift_bp: float) -> dict:
    """Extra federal interest when every Treasury rate is ``shift_bp`` higher."""
    from model.fiscal import FiscalModel, uniform_shift_cost

    return uniform_shift_cost(shift_bp, FiscalModel.build(settings().fiscal))


# ---------------------------------------------------------------------------------------------
# Stage 7: the report
# ---------------------------------------------------------------------------------------------


def git_commit(root: Path) -> str:
    """Short commit of the checkout (with '+local changes' if the tree is dirty), or 'unknown'."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return head + (" +local changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def display_path(path: Path) -> Path:
    """A path relative to the project (as a user would type it), else as given."""
    try:
        return Path(path).resolve().relative_to(paths.project_root())
    except ValueError:
        return Path(path)


@dataclass
class ReportRequest:
    """What ``tlrisk report`` (and ``make report``) was asked for."""

    scenarios_dir: Path | None = None  # default: scenarios/
    out: Path | None = None  # default: reports/output/
    offline: bool = True
    headline: str | None = None  # the lead scenario's name
    sweep_holder: str | None = None  # as the user typed it
    use_cache: bool = True
    pdf: bool = True
    png: bool = False  # also every figure as PNG (--png)
    progress: bool = True  # progress bars of a live pull


@dataclass
class _Prepared:
    """A report run after its checks: everything a user can get wrong was checked."""

    out: Path
    folder: Path
    data: Data
    checked: list
    sweep_holder: str | None


def _prepare(request: ReportRequest, log: Log) -> _Prepared:
    """Every check a user can fail, before the pull and the fit: the output folder, the
    scenario files (all problems of all files), the episodes, ``--headline``, ``--sweep-holder``."""
    from model.report.draw import figure_workers
    from model.report.output import check_output_folder
    from model.report.story import check_lead_name
    from model.scenarios import scenario_files

    out = check_output_folder(request.out or paths.reports_dir())
    figure_workers()
    folder = request.scenarios_dir or paths.scenarios_dir()
    files = [display_path(f) for f in scenario_files(folder)]
    if not files:
        raise InputError("no scenario files (*.toml)", folder)
    if not request.offline:
        log.stage("pulling the latest data (TIC, FRED)")
        refresh(log, progress=request.progress)
    log.stage("loading the data (cache or shipped snapshot) and building the panel")
    data = load_data()
    for warning in data.warnings:
        log.warn(warning)
    log.stage(f"checking {len(files)} scenario file(s) in {display_path(folder)}")
    context = scenario_context(data)
    checked = check_scenarios(files, context, episodes=True)
    if request.headline:
        check_lead_name(request.headline, [spec.scenario.name for _, spec, _, _ in checked])
    holder = context.require_holder(request.sweep_holder, "--sweep-holder") if request.sweep_holder else None
    return _Prepared(out, folder, data, checked, holder)


def _scenario_line(sset: ScenarioSet) -> str:
    """What the terminal says about one priced scenario."""
    from model.report.format import band

    post, lit = sset.posterior, sset.literature
    warnings = len(post.warnings) + len(sset.data.warnings)
    return (f"{post.scenario}: lasting 10-year move {band(post.lasting('10y'))} bp (posterior), "
            f"{band(sset.data.lasting('10y'))} bp (data only), {band(lit.lasting('10y'))} bp (literature); extra "
            f"federal interest over 10 years {band(post.cost('10yr'), 0)} $bn (posterior), "
            f"{band(lit.cost('10yr'), 0)} $bn (literature)" + (f"; {warnings} warning(s)" if warnings else ""))


def report_inputs(request: ReportRequest, log: Log = QUIET):
    """Everything the report shows, computed stage by stage (with the caches). Returns the
    report's inputs, the checked output folder and the results cache's base digest."""
    from model.report.content import plan_report
    from model.report.inputs import ReportInputs

    prepared = _prepare(request, log)
    caches = Caches.default(request.use_cache)
    remembered = Remembered(caches.results, inputs_digest(prepared.data.bundle), log.warn)
    early_iv = start_iv(prepared.data, remembered)
    try:
        log.stage("estimating")
        fitted = estimate(prepared.data, credibility=True, caches=caches, progress=log.detail)
        for warning in fitted.warnings:
            log.warn(warning)
        context = scenario_context(prepared.data, fitted.results)
        # the intervention days come first: their yen estimate prices the dollar in every ledger
        study = events(prepared.data, context.response, remembered=remembered, early_iv=early_iv)
    finally:
        early_iv.finish()
    fx = fx_estimate(prepared.data, study)
    log.stage(f"pricing {len(prepared.checked)} scenario(s) three ways (posterior, data only, literature)")
    priced = price_scenarios(prepared.checked, context, remembered, fx)
    log.out("each scenario: median [5th, 95th percentile] of the draws (posterior, data only); central [low, "
            "high] of the published effects (literature)")
    for sset in priced:
        log.out(_scenario_line(sset))
    log.stage("the scenario explorer: sales by holder, size and length")
    lead, reason, holder, grid = plan_report(context, priced, request.headline, prepared.sweep_holder,
                                             price_explorer=lambda keys: explorer(context, keys, remembered))
    log.detail(f"lead scenario: {lead} ({reason}); sensitivity holder: {context.label(holder)}; "
               f"{len(grid.holders)} holders x {len(grid.sizes_bn)} sizes x {len(grid.months)} lengths")
    log.stage("historical episodes")
    past = episodes(context, remembered)
    remembered.finish(log)
    labels = {k: g.label for k, g in context.holders.groups.items()}
    inputs = ReportInputs(bundle=prepared.data.bundle, panel=prepared.data.panel, results=fitted.results,
                          response=context.response, holder_labels=labels, scenarios=priced, explorer=grid,
                          lead=lead, lead_reason=reason, sweep_holder=holder, episodes=past, events=study,
                          commit=git_commit(paths.project_root()),
                          scenarios_dir=str(display_path(prepared.folder)))
    return inputs, prepared.out, caches, remembered.base


def report(request: ReportRequest, log: Log = QUIET) -> dict[str, Path]:
    """The whole report: checks, data, estimates, scenarios, explorer, episodes, intervention
    days, then the HTML, PDF, results.json, figures and tables written into ``request.out``.

    Returns
    -------
    dict
        Paths written (``html``, ``pdf`` unless ``request.pdf`` is false, ``json``,
        ``figures``, ``tables``).
    """
    from model.report.write import write_report

    inputs, out, caches, base = report_inputs(request, log)
    return write_report(inputs, out, notify=log.note, progress=log.stage, figure_cache=caches.figures,
                        base_digest=base, pdf=request.pdf, warn=log.warn, png=request.png)


__all__ = [
    "Caches", "Data", "Estimates", "Log", "ParsedFile", "QUIET", "RESPONSE_SOURCES", "Remembered", "ReportRequest",
    "Settings", "response_model", "settings",
    "check_draws", "check_scenarios", "curated_events", "data_status", "display_path", "episodes", "estimate",
    "events", "explorer", "fiscal", "git_commit", "holder_directory", "inputs_digest", "load_data", "missing_data_error",
    "one_line_scenario", "parse_file", "price", "price_scenarios", "priced_context", "pull", "refresh", "report",
    "report_inputs", "scenario_context", "scenario_from", "scenario_paths", "select_sources", "snapshot", "stores",
    "sweep",
]
