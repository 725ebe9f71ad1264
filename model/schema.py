"""The machine-readable contract shared by every JSON output.

Every JSON document the tool writes (``simulate``, ``sweep``, ``fiscal``, ``fit``,
``episodes``, ``events``, ``data status`` and the report's ``results.json``) carries
``schema_version`` at the top and uses one key name per quantity (see the README's "JSON
output" section, which lists every key):

* yields by maturity: ``3m``, ``2y``, ``5y``, ``10y``, ``30y`` and ``tp10`` (the 10-year term
  premium), in basis points;
* cumulative extra federal interest: always ``interest_cost_bn`` keyed by horizon ``1yr``,
  ``5yr``, ``10yr`` ($bn);
* bands of draws: ``{median, p05, p95}``; ranges of published answers: ``{central, low, high}``;
* effects: ``effect_bp_per_100bn`` (bp per $100bn sold; positive = sales raise yields);
* holders: ids as keys (``japan``, ``Cayman Islands``) with ``label`` (the display name) beside.
"""

from __future__ import annotations

import math
from typing import Any

SCHEMA_VERSION = "4.1"
COST_YEARS = (1, 5, 10)  # horizons of cumulative extra federal interest
COST_HORIZONS = tuple(f"{y}yr" for y in COST_YEARS)
DRAW_KEYS = ("median", "p05", "p95")
RANGE_KEYS = ("central", "low", "high")


def versioned(payload: dict) -> dict:
    """``payload`` with ``schema_version`` first."""
    return {"schema_version": SCHEMA_VERSION, **{k: v for k, v in payload.items() if k != "schema_version"}}


def clean(value: Any, digits: int = 6) -> Any:
    """JSON-ready: floats rounded to ``digits`` decimals (a negative zero as 0.0), NaN and
    infinities as None, numpy scalars as Python numbers, tuples as lists (recursively)."""
    if isinstance(value, dict):
        return {str(k): clean(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v, digits) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        # + 0.0 turns a negative zero (a tiny negative rounded away) into 0.0: one zero in the output
        return round(value, digits) + 0.0 if math.isfinite(value) else None
    return value
