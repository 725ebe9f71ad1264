"""What a run needs from the data.

A run (fit, simulate, sweep, episodes, report) builds the panel from every TIC table and from
the FRED series the panel reads: the yields of every maturity (monthly and daily), the
controls, the term premium, debt held by the public and GDP. A source the panel reads that the
project ships in ``data/snapshot`` is required: when neither the cache nor the snapshot holds
a usable copy, the run stops at once with ``no data for ...`` instead of failing later with a
statistical error. Sources that are live-only by design (``snapshot = false`` in
``sources.toml``: VIX, the Japanese yield) stay optional, as do series the panel does not read.
"""

from __future__ import annotations

from model.panel import CONTROL_SERIES, YIELD_SERIES
from model.sources.catalog import SourceSpec, source_catalog

# Quarterly scale series build_panel interpolates to months: debt held by the public (the
# regressions' units and today's scale) and nominal GDP (the levels regressions, the
# literature's rescaling).
SCALE_SERIES = ("FYGFDPUN", "GDP")


def panel_series() -> set[str]:
    """FRED series ids the panel reads."""
    yields = {series for pair in YIELD_SERIES.values() for series in pair}
    controls = {spec[0] for spec in CONTROL_SERIES.values()}
    return yields | controls | set(SCALE_SERIES)


def required_sources(specs: list[SourceSpec] | None = None) -> tuple[str, ...]:
    """Keys of the sources a run cannot do without, in catalogue order.

    Parameters
    ----------
    specs : list of SourceSpec, optional
        The catalogue (default: ``sources.toml``).
    """
    specs = specs if specs is not None else source_catalog()
    series = panel_series()
    return tuple(s.key for s in specs if s.in_snapshot and (s.family == "tic" or s.series_id in series))
