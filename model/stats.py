"""Normal critical values and intervals: the one place a literal like 1.645 may live.

A base helper: it imports no stage, so every stage (estimates, the response model, events,
scenarios, the report) can use it. Every symmetric normal interval the tool prints or draws
comes from :func:`z_critical`; ``conf_int`` methods of results objects call
:func:`normal_interval`.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

LEVEL_90 = 0.90  # the tool's bands are 90% (5th to 95th percentile) everywhere


def z_critical(level: float = LEVEL_90) -> float:
    """Two-sided standard normal critical value: ``z`` with ``P(|Z| <= z) = level``.

    >>> round(z_critical(0.90), 4)
    1.6449
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level {level!r} must lie strictly between 0 and 1")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def alpha_level(alpha: float) -> float:
    """statsmodels' ``alpha`` (the two-sided tail mass) as a confidence level."""
    return 1.0 - alpha


def normal_interval(mean, se, level: float = LEVEL_90):
    """``(low, high) = mean -/+ z se`` for scalars or arrays (``se`` taken in absolute value)."""
    z = z_critical(level)
    half = z * np.abs(se)
    return mean - half, mean + half


def sd_from_range(low: float, high: float, level: float = LEVEL_90) -> float:
    """The standard deviation of a normal whose central ``level`` interval is ``[low, high]``."""
    return (high - low) / (2.0 * z_critical(level))


def sorted_row_percentiles(values: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(values, percents, axis=1)`` (linear interpolation) for rows already
    sorted in ascending order, without numpy's selection pass (which does not know the rows
    are sorted): the same order statistics and numpy's own interpolation arithmetic, so the
    same numbers to the bit (tested against numpy). Rows with a NaN go to numpy.

    Returns
    -------
    ndarray (len(percents), rows), float64
    """
    values = np.asarray(values)
    n = values.shape[1]
    if n == 0 or np.isnan(values[:, -1]).any():
        return np.percentile(values, percents, axis=1)
    # numpy's linear method: virtual index (n - 1) q, its floor and the next index, and lerp
    quantiles = np.true_divide(np.asanyarray(percents, dtype=float), 100)
    virtual = (n - 1) * quantiles
    previous_index = np.floor(virtual).astype(np.intp)
    next_index = np.minimum(previous_index + 1, n - 1)
    previous_index = np.clip(previous_index, 0, n - 1)
    gamma = np.asanyarray(virtual - previous_index, dtype=virtual.dtype).reshape(-1, 1)
    a, b = values[:, previous_index].T, values[:, next_index].T
    diff = np.subtract(b, a)
    out = np.asanyarray(np.add(a, diff * gamma))
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5, casting="unsafe", dtype=type(out.dtype))
    return out


__all__ = ["LEVEL_90", "alpha_level", "normal_interval", "sd_from_range", "sorted_row_percentiles", "z_critical"]
