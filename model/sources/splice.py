"""Splice holdings vintages and transactions series into one history each.

Holdings: every vintage of the history file and the rolling Table 5 are stacked; for each
(month, holder) the newest vintage wins, and a revision table lists every cell that changed
from one vintage to the next.

Flows: Form S net purchases of bonds and notes (to January 2023) are joined with SLT net
purchases (from February 2023). The two are measured differently (gross transactions by
country of transactor vs. changes in positions by country of holder), so the join month is
flagged and a level break is to be expected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.sources.tables import FLOWS_COLUMNS, HOLDINGS_COLUMNS, SLT_EXPANDED_START
from model.sources.tic_flows import INSTRUMENT_BONDS_NOTES

FLOW_SPLICE_MONTH = SLT_EXPANDED_START  # first month of SLT net purchases
REVISION_COLUMNS = [
    "month", "holder", "old_vintage", "old_value_bn", "new_vintage", "new_value_bn",
    "revision_bn", "old_source", "new_source",
]


def splice_holdings(tables: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Splice holdings tables, the newest vintage winning for each cell.

    Parameters
    ----------
    tables : list of pandas.DataFrame
        Holdings tables with a ``vintage`` column (one or more vintages each).

    Returns
    -------
    spliced : pandas.DataFrame
        One row per (month, holder), with the ``vintage`` and ``source`` it came from.
    revisions : pandas.DataFrame
        Every cell whose value differs between a vintage and the next newer one covering it
        (``REVISION_COLUMNS``), in $bn.
    """
    stacked = pd.concat([t for t in tables if t is not None and len(t)], ignore_index=True)
    stacked = stacked.sort_values(["holder", "month", "vintage"], kind="mergesort").reset_index(drop=True)
    same_cell = (stacked["holder"] == stacked["holder"].shift()) & (stacked["month"] == stacked["month"].shift())
    prev_value = stacked["holdings_bn"].shift()
    changed = same_cell & ~(
        np.isclose(stacked["holdings_bn"], prev_value, rtol=0, atol=1e-9)
        | (stacked["holdings_bn"].isna() & prev_value.isna())
    )
    revisions = pd.DataFrame({
        "month": stacked["month"],
        "holder": stacked["holder"],
        "old_vintage": stacked["vintage"].shift(),
        "old_value_bn": prev_value,
        "new_vintage": stacked["vintage"],
        "new_value_bn": stacked["holdings_bn"],
        "revision_bn": stacked["holdings_bn"] - prev_value,
        "old_source": stacked["source"].shift(),
        "new_source": stacked["source"],
    })[changed].reset_index(drop=True)
    spliced = stacked.groupby(["month", "holder"], sort=True).tail(1)
    spliced = spliced.sort_values(["month", "holder"]).reset_index(drop=True)
    columns = ["vintage", *HOLDINGS_COLUMNS]
    return spliced.reindex(columns=columns), revisions[REVISION_COLUMNS]


def splice_flows(form_s: pd.DataFrame | None, slt: pd.DataFrame | None) -> pd.DataFrame:
    """Join Form S (to January 2023) and SLT (from February 2023) net purchases.

    Parameters
    ----------
    form_s : pandas.DataFrame
        Tidy flows from ``s1_globl.txt`` (bonds and notes).
    slt : pandas.DataFrame
        Tidy flows from ``slt_table3.txt`` (total, bonds and notes, bills).

    Returns
    -------
    pandas.DataFrame
        Tidy flows with ``splice_break`` true in February 2023 for every series that crosses
        the join. Bonds and notes run from 1977 and total from February 2023; bills (which
        the Treasury estimates as the month's change in bill positions) from January 2020.
    """
    parts = []
    if form_s is not None and len(form_s):
        parts.append(form_s[form_s["month"] < FLOW_SPLICE_MONTH])
    if slt is not None and len(slt):
        from_slt = (slt["month"] >= FLOW_SPLICE_MONTH) | (slt["instrument"] == "bills")
        parts.append(slt[from_slt & slt["net_purchases_bn"].notna()])
    if not parts:
        return pd.DataFrame(columns=[*FLOWS_COLUMNS, "splice_break"])
    flows = pd.concat(parts, ignore_index=True)
    flows["splice_break"] = (flows["month"] == FLOW_SPLICE_MONTH) & (
        flows["instrument"] == INSTRUMENT_BONDS_NOTES
    )
    return flows.sort_values(["instrument", "holder", "month"]).reset_index(drop=True)
