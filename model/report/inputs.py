"""What the report shows, computed by the pipeline before rendering (:class:`ReportInputs`)."""

from __future__ import annotations

from dataclasses import dataclass

from model.estimate import EstimationResults
from model.events import EventStudy
from model.panel import Panel
from model.report.story import ScenarioSet
from model.response import ResponseModel
from model.scenarios import ExplorerGrid
from model.sources.bundle import DataBundle


@dataclass
class ReportInputs:
    """Everything the report shows, computed by the pipeline before rendering."""

    bundle: DataBundle
    panel: Panel
    results: EstimationResults
    response: ResponseModel
    holder_labels: dict[str, str]
    scenarios: list[ScenarioSet]
    explorer: ExplorerGrid  # sales by a few holders, sizes and lengths (the explorer and the heatmaps)
    lead: str  # the scenario the report leads with (story.choose_lead)
    sweep_holder: str  # the holder the sensitivity heatmaps follow
    episodes: list  # EpisodeResult
    commit: str
    scenarios_dir: str
    events: EventStudy | None = None  # Japan's intervention days (tlrisk events)
    lead_reason: str = ""  # why the lead scenario leads (story.lead_reason)
