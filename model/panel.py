"""The monthly analysis frame: holdings and flows by holder group, yields, controls, scale.

``build_panel`` turns a :class:`~model.sources.bundle.DataBundle` into a :class:`Panel`: one
row per month (index: first day of the month), with documented columns and units. Missing
months stay missing (NaN); nothing is filled silently. Quarterly scale series are
interpolated to months and carried forward at most ``max_carry_months`` (flagged).

Column families (``{g}`` is a holder group key from ``holders.toml``):

* ``{g}_holdings_bn`` - holdings at end of month, $bn (spliced history file + Table 5)
* ``{g}_holdings_complete`` - false where a group's published aggregate is absent and its
  listed members are summed instead (small members sit in "All Other")
* ``{g}_dholdings_bn`` - naive change in holdings, $bn
* ``{g}_benchmark_bn`` - at a benchmark break (a month the history table shows twice), the
  old series minus the new: adding it to the change gives a change on one basis
* ``{g}_adj_purchases_bn`` - change in holdings plus the valuation adjustment, $bn
* ``{g}_net_purchases_bn`` - reported net purchases of bonds and notes, $bn
  (Form S to Jan 2023, SLT from Feb 2023)
* ``{g}_valuation_bn`` - reported valuation change of long-term holdings (SLT, from Feb 2023)
* ``{g}_bill_share`` - share of bills in holdings used by the valuation adjustment
* ``y{m}_pct`` - monthly-average constant-maturity yield, percent (m = 3m, 2y, 5y, 10y, 30y)
* ``y{m}_eom_pct`` - month-end yield, percent; ``dy{m}_bp`` / ``dy{m}_eom_bp`` - changes, bp
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator

from model.config import (
    MONTH,
    FieldProblems,
    HolderConfig,
    StrictModel,
    config_path,
    holder_config,
    load_model,
)
from model.errors import did_you_mean
from model.sources.bundle import DataBundle
from model.sources.splice import FLOW_SPLICE_MONTH, splice_flows, splice_holdings

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


MAX_DURATION_YEARS = 30.0  # the longest Treasury bond: no portfolio of them is longer


class ValuationConfig(StrictModel):
    """``valuation.toml``: market-value era start, yield used, modified durations (years)."""

    start: str = Field(pattern=MONTH)
    yield_column: str
    duration_years: dict[str, float]

    @field_validator("yield_column")
    @classmethod
    def _panel_yield(cls, value: str) -> str:
        allowed = [f"y{m}{timing}" for m in YIELD_SERIES for timing in ("_eom", "")]
        if value not in allowed:
            hint = did_you_mean(value, allowed, f" (use one of {', '.join(allowed)})")
            raise ValueError(f"'{value}' is not a yield in the panel{hint}")
        return value

    @field_validator("duration_years")
    @classmethod
    def _durations(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        groups = (info.context or {}).get("groups")
        problems = []
        if "default" not in value:
            problems.append((("default",), "missing: the duration of holders without their own"))
        for key, years in value.items():
            if not 0 < years <= MAX_DURATION_YEARS:
                problems.append(((key,), f"{years:g} years is not a duration (above 0, at most {MAX_DURATION_YEARS:g})"))
            if groups is not None and key != "default" and key not in groups:
                hint = did_you_mean(key, groups)
                problems.append(((key,), f"unknown holder group{hint}; durations are set per group in holders.toml"))
        if problems:
            raise FieldProblems(problems)
        return value

    def duration(self, group: str) -> float:
        """Modified duration (years) for a holder group; the default where none is set."""
        return float(self.duration_years.get(group, self.duration_years.get("default", 5.0)))


class PanelConfig(StrictModel):
    """``panel.toml``: extra series-break months and the carry-forward limit."""

    breaks: dict[str, str]
    max_carry_months: int = Field(ge=0, le=12)

    @field_validator("breaks")
    @classmethod
    def _months(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [((k,), "not a month written YYYY-MM") for k in value if not re.fullmatch(MONTH, k)]
        if bad:
            raise FieldProblems(bad)
        return value


@cache
def valuation_config() -> ValuationConfig:
    """The validated ``valuation.toml`` (its duration keys checked against ``holders.toml``)."""
    return load_model(config_path("valuation.toml"), ValuationConfig,
                      context={"groups": holder_config().groups})


@cache
def panel_config() -> PanelConfig:
    """The validated ``panel.toml``."""
    return load_model(config_path("panel.toml"), PanelConfig)


# Yield columns: maturity key -> (monthly-average FRED series, daily FRED series)
YIELD_SERIES = {
    "3m": ("TB3MS", "DGS3MO"),
    "2y": ("GS2", "DGS2"),
    "5y": ("GS5", "DGS5"),
    "10y": ("GS10", "DGS10"),
    "30y": ("GS30", "DGS30"),
}
MATURITIES = tuple(YIELD_SERIES)
# The Kim-Wright 10-year term premium, carried like a maturity so that regressions and
# scenarios can explain it the same way ("tp10": FRED THREEFYTP10, percent).
TERM_PREMIUM = "tp10"
RESPONSES = (*MATURITIES, TERM_PREMIUM)

# Other monthly series: column -> (FRED id, aggregation, scale, units, description)
CONTROL_SERIES = {
    "fedfunds_pct": ("FEDFUNDS", "mean", 1.0, "percent", "effective federal funds rate, monthly average"),
    "breakeven10y_pct": ("T10YIE", "mean", 1.0, "percent", "10-year breakeven inflation, monthly average"),
    "term_premium10y_pct": ("THREEFYTP10", "mean", 1.0, "percent", "Kim-Wright 10-year term premium, monthly average"),
    "fed_treasuries_bn": ("TREAST", "last", 1e-3, "$bn", "Fed holdings of Treasuries, last Wednesday of the month"),
    "usdjpy": ("DEXJPUS", "mean", 1.0, "JPY per USD", "yen per dollar, monthly average"),
    "vix": ("VIXCLS", "mean", 1.0, "index", "VIX, monthly average (live pull only)"),
    "jgb10y_pct": ("IRLTLT01JPM156N", "mean", 1.0, "percent", "Japan 10-year yield, OECD (live pull only)"),
    "deficit_bn": ("MTSDS133FMS", "mean", -1e-3, "$bn", "federal deficit in the month (positive = deficit)"),
}


@dataclass
class Panel:
    """The monthly analysis frame with its documentation.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per month; see :attr:`columns` for units.
    columns : dict
        Column name -> ``"units; description"``.
    holdings : pandas.DataFrame
        The spliced tidy holdings (newest vintage per cell).
    revisions : pandas.DataFrame
        Every holdings cell changed between vintages.
    flows : pandas.DataFrame
        The spliced tidy flows (Form S + SLT), with ``splice_break``.
    breaks : dict
        Month (``YYYY-MM``) -> why flows in that month are not comparable.
    notes : list of str
        What the reader should know about this frame (carried values, missing sources).
    """

    frame: pd.DataFrame
    columns: dict[str, str]
    holdings: pd.DataFrame
    revisions: pd.DataFrame
    flows: pd.DataFrame
    breaks: dict[str, str]
    groups: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def describe_columns(self) -> pd.DataFrame:
        """Column, units and description as a table."""
        rows = [(c, *self.columns[c].split("; ", 1)) for c in self.frame.columns if c in self.columns]
        return pd.DataFrame(rows, columns=["column", "units", "description"])


# ---------------------------------------------------------------------------------------------
# Holder groups
# ---------------------------------------------------------------------------------------------


def group_values(
    tidy: pd.DataFrame, value: str, holders: HolderConfig, index: pd.DatetimeIndex
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum a tidy table's ``value`` column into holder groups, month by month.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Tidy rows with ``month``, ``holder`` and ``value``.
    value : str
        The column to aggregate.
    holders : HolderConfig
        The group definitions.
    index : pandas.DatetimeIndex
        Months of the result.

    Returns
    -------
    values : pandas.DataFrame
        Months x groups. A member group uses its published aggregate where the table has it,
        else the sum of the members present (NaN when none is).
    complete : pandas.DataFrame
        Months x groups, false where an aggregate-defined group fell back on its members.
    """
    wide = tidy.pivot_table(index="month", columns="holder", values=value, aggfunc="sum", dropna=False)
    wide = wide.reindex(index)
    values, complete = {}, {}
    for key, group in holders.groups.items():
        if not group.members:
            continue
        present = [m for m in group.members if m in wide.columns]
        summed = wide[present].sum(axis=1, min_count=1) if present else pd.Series(np.nan, index=index)
        flag = pd.Series(True, index=index)
        if group.aggregate:
            agg = wide[group.aggregate] if group.aggregate in wide.columns else pd.Series(np.nan, index=index)
            summed = agg.where(agg.notna(), summed)
            flag = agg.notna() | summed.isna()
        values[key], complete[key] = summed, flag
    # derived groups, possibly referring to other derived groups: resolve in dependency order
    pending = {k: g for k, g in holders.groups.items() if g.plus}
    while pending:
        ready = [k for k, g in pending.items() if all(r in values for r in (*g.plus, *g.minus))]
        if not ready:
            raise ValueError(f"circular group definitions: {sorted(pending)}")
        for key in ready:
            g = pending.pop(key)
            total = sum(values[r] for r in g.plus) - sum((values[r] for r in g.minus), 0)
            values[key] = total
            complete[key] = np.logical_and.reduce([complete[r] for r in (*g.plus, *g.minus)])
    return pd.DataFrame(values, index=index), pd.DataFrame(complete, index=index)


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def _fred_column(fred: pd.DataFrame, series_id: str, how: str, index: pd.DatetimeIndex) -> pd.Series:
    rows = fred[fred["series_id"] == series_id]
    if rows.empty:
        return pd.Series(np.nan, index=index)
    rows = rows[rows["complete"].astype(bool)]
    return rows.set_index("month")[how].reindex(index)


def _quarterly_to_monthly(
    fred: pd.DataFrame, series_id: str, index: pd.DatetimeIndex, position: str, carry: int
) -> tuple[pd.Series, pd.Series]:
    """Interpolate a quarterly series to months.

    ``position = "end"`` places each value in the quarter's last month (end-of-period stocks
    such as debt held by the public); ``"mid"`` in its middle month (flows at annual rates
    such as GDP). Returns the monthly series and a flag of months carried forward.
    """
    rows = fred[fred["series_id"] == series_id]
    if rows.empty:
        return pd.Series(np.nan, index=index), pd.Series(False, index=index)
    offset = 2 if position == "end" else 1
    points = rows.set_index("month")["mean"]
    points.index = points.index + pd.DateOffset(months=offset)
    full = pd.date_range(min(points.index.min(), index.min()), max(points.index.max(), index.max()), freq="MS")
    monthly = points.reindex(full).interpolate(method="linear", limit_area="inside")
    carried = monthly.isna() & (full > points.index.max())
    monthly = monthly.ffill(limit=carry).where(full > points.index.min() - pd.DateOffset(days=1))
    carried = carried & monthly.notna()
    return monthly.reindex(index), carried.reindex(index).fillna(False).astype(bool)


def bill_shares(
    holdings: pd.DataFrame, long_term: pd.DataFrame | None, holders: HolderConfig, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Bill share of each group's holdings, for the valuation adjustment.

    The group's own long-term/total split where the Treasury publishes it for every member
    (Table 3D, SLT Table 3); otherwise the foreign-official split (bills / official total).
    """
    official = holdings.pivot_table(index="month", columns="holder", values="holdings_bn", aggfunc="sum")
    official = official.reindex(index)
    fo_share = official.get("Foreign Official Treasury Bills") / official.get("Foreign Official")
    shares = {}
    if long_term is not None and len(long_term):
        lt_total, _ = group_values(long_term, "holdings_bn", holders, index)
        lt_long, _ = group_values(long_term.assign(holdings_bn=long_term["long_term_bn"]), "holdings_bn", holders, index)
        own = 1.0 - lt_long / lt_total
    else:
        own = pd.DataFrame(index=index)
    for key in holders.groups:
        series = own[key] if key in own else pd.Series(np.nan, index=index)
        shares[key] = series.where(series.notna() & np.isfinite(series), fo_share)
    return pd.DataFrame(shares, index=index)


def valuation_adjusted(
    holdings_bn: pd.Series, bill_share: pd.Series, yield_pct: pd.Series, duration_years: float,
    active: pd.Series | np.ndarray,
) -> pd.Series:
    """Purchases implied by market-value holdings: the change in holdings plus the price loss
    (or gain) on the previous month's non-bill holdings.

    ``purchases_t = (H_t - H_{t-1}) + D * H_{t-1} * (1 - bill share_{t-1}) * (y_t - y_{t-1}) / 100``
    with y in percent; where ``active`` is false (before market values) the change is returned.
    """
    change = holdings_bn.diff()
    coupon = holdings_bn.shift() * (1 - bill_share.shift())
    adjustment = duration_years * coupon * yield_pct.diff() / 100  # pp -> decimal: $bn
    return change + adjustment.where(active, 0.0)


def break_months(holdings: pd.DataFrame, extra: dict[str, str]) -> dict[str, str]:
    """Months whose flows are not comparable with the month before, and why."""
    breaks = {}
    for month in sorted(holdings.loc[holdings["series_break"], "month"].unique()):
        breaks[f"{pd.Timestamp(month):%Y-%m}"] = "new benchmark series in the history table (a month shown twice)"
    breaks.update(extra)
    return dict(sorted(breaks.items()))


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


def build_panel(
    bundle: DataBundle,
    holders: HolderConfig | None = None,
    valuation: ValuationConfig | None = None,
    config: PanelConfig | None = None,
) -> Panel:
    """Build the monthly analysis frame from loaded sources.

    Parameters
    ----------
    bundle : DataBundle
        Sources from the cache or snapshot (see :func:`~model.sources.bundle.load_bundle`).
    holders, valuation, config : optional
        Holder groups, valuation settings and panel settings (defaults: the config files).

    Returns
    -------
    Panel
    """
    holders = holders or holder_config()
    valuation = valuation or valuation_config()
    config = config or panel_config()
    notes: list[str] = []
    columns: dict[str, str] = {}

    history = [bundle.frame("tic_mfhhis", "holdings"), bundle.frame("tic_table5", "holdings")]
    holdings, revisions = splice_holdings([h for h in history if h is not None])
    flows = splice_flows(bundle.frame("tic_s1", "flows"), bundle.frame("tic_table3", "flows"))
    fred = bundle.fred_monthly()

    start = min(holdings["month"].min(), pd.Timestamp("2000-01-01"))
    end = max(holdings["month"].max(), fred.loc[fred["series_id"] == "GS10", "month"].max())
    index = pd.date_range(start, end, freq="MS", name="month")
    out: dict[str, pd.Series] = {}
    _yield_columns(fred, index, out, columns)
    market_value = index >= pd.Timestamp(valuation.start + "-01")
    _group_columns(bundle, holdings, flows, holders, valuation, index, market_value, out, columns)
    notes += _control_columns(fred, index, out, columns)
    notes += _scale_columns(fred, index, config, out, columns)
    breaks = break_months(holdings, config.breaks)
    out["series_break"] = pd.Series(index.strftime("%Y-%m").isin(list(breaks)), index=index)
    columns["series_break"] = "flag; flows this month are not comparable with the month before (see Panel.breaks)"
    out["flow_splice"] = pd.Series(index == FLOW_SPLICE_MONTH, index=index)
    columns["flow_splice"] = "flag; first month of SLT net purchases after Form S (expect a level break)"
    out["market_value_era"] = pd.Series(market_value, index=index)
    columns["market_value_era"] = f"flag; holdings at market value (from {valuation.start})"

    frame = pd.DataFrame(out, index=index)
    notes += [f"definition: {d.text(name)}" for name, d in holders.definitions.items()]
    groups = {k: g.label for k, g in holders.groups.items()}
    return Panel(frame=frame, columns=columns, holdings=holdings, revisions=revisions, flows=flows,
                 breaks=breaks, groups=groups, notes=sorted(set(notes)))


Columns = dict[str, str]


def _yield_columns(fred: pd.DataFrame, index: pd.DatetimeIndex, out: dict, columns: Columns) -> None:
    """Yields of every maturity and the term premium: monthly average and month-end levels (%)
    and their monthly changes (bp)."""
    for key, (monthly_id, daily_id) in YIELD_SERIES.items():
        avg = _fred_column(fred, monthly_id, "mean", index)
        daily_avg = _fred_column(fred, daily_id, "mean", index)
        if key == "30y":  # GS30 ends Oct 2025; the daily DGS30 average continues it (PROVENANCE)
            extended = avg.isna() & daily_avg.notna() & (index > avg.last_valid_index() if avg.notna().any() else True)
            out["y30y_from_daily"] = pd.Series(extended, index=index)
            columns["y30y_from_daily"] = "flag; 30-year monthly average taken from daily DGS30 after GS30 ends"
            avg = avg.where(~extended, daily_avg)
        eom = _fred_column(fred, daily_id, "last", index)
        out[f"y{key}_pct"] = avg
        out[f"y{key}_eom_pct"] = eom
        out[f"dy{key}_bp"] = avg.diff() * 100
        out[f"dy{key}_eom_bp"] = eom.diff() * 100
        basis = "discount basis (TB3MS)" if key == "3m" else f"constant maturity ({monthly_id})"
        columns[f"y{key}_pct"] = f"percent; {key} Treasury yield, monthly average, {basis}"
        columns[f"y{key}_eom_pct"] = f"percent; {key} Treasury yield, last trading day of the month ({daily_id})"
        columns[f"dy{key}_bp"] = f"bp; monthly change in y{key}_pct"
        columns[f"dy{key}_eom_bp"] = f"bp; monthly change in y{key}_eom_pct"

    tp_avg = _fred_column(fred, "THREEFYTP10", "mean", index)
    tp_eom = _fred_column(fred, "THREEFYTP10", "last", index)
    out[f"y{TERM_PREMIUM}_pct"], out[f"y{TERM_PREMIUM}_eom_pct"] = tp_avg, tp_eom
    out[f"dy{TERM_PREMIUM}_bp"], out[f"dy{TERM_PREMIUM}_eom_bp"] = tp_avg.diff() * 100, tp_eom.diff() * 100
    columns[f"y{TERM_PREMIUM}_pct"] = "percent; Kim-Wright 10-year term premium, monthly average (THREEFYTP10)"
    columns[f"y{TERM_PREMIUM}_eom_pct"] = "percent; Kim-Wright 10-year term premium, last business day of the month"
    columns[f"dy{TERM_PREMIUM}_bp"] = "bp; monthly change in the term premium (monthly average)"
    columns[f"dy{TERM_PREMIUM}_eom_bp"] = "bp; monthly change in the term premium (month-end)"


def _group_columns(bundle: DataBundle, holdings: pd.DataFrame, flows: pd.DataFrame, holders: HolderConfig,
                   valuation: ValuationConfig, index: pd.DatetimeIndex, market_value: np.ndarray, out: dict,
                   columns: Columns) -> None:
    """Per holder group: holdings, their changes (naive, across benchmark breaks, valuation-
    adjusted), the bill share, reported net purchases and valuation changes ($bn)."""
    h_values, h_complete = group_values(holdings, "holdings_bn", holders, index)
    # at benchmark breaks the old series (same basis as the month before) gives a consistent change
    old_rows = holdings[holdings["old_series_bn"].notna()]
    old_values, _ = group_values(old_rows, "old_series_bn", holders, index)
    new_at_break, _ = group_values(holdings[holdings["old_series_bn"].notna()], "holdings_bn", holders, index)
    # long-term/short-term splits by country: Table 3D (2011-2023), then SLT Table 3 (2020 on)
    splits = [f for f in (bundle.frame("tic_slt3d", "holdings"), bundle.frame("tic_table3", "holdings"))
              if f is not None and len(f)]
    long_term = None
    if splits:
        long_term = pd.concat(splits, ignore_index=True).drop_duplicates(["month", "holder"], keep="last")
    shares = bill_shares(holdings, long_term, holders, index)
    bonds = flows[flows["instrument"] == "bonds_notes"]
    f_values, _ = group_values(bonds, "net_purchases_bn", holders, index)
    v_values, _ = group_values(bonds, "valuation_change_bn", holders, index)

    val_yield = out.get(f"{valuation.yield_column}_pct")
    if val_yield is None:
        raise ValueError(f"valuation.toml: yield_column '{valuation.yield_column}' is not a panel yield")
    for key, group in holders.groups.items():
        label = group.label
        h = h_values[key]
        out[f"{key}_holdings_bn"] = h
        columns[f"{key}_holdings_bn"] = f"$bn; {label}: Treasury holdings at end of month"
        if group.aggregate:
            out[f"{key}_holdings_complete"] = h_complete[key]
            columns[f"{key}_holdings_complete"] = f"flag; {label}: published aggregate used (false: sum of listed members)"
        dh = h.diff()
        out[f"{key}_dholdings_bn"] = dh
        columns[f"{key}_dholdings_bn"] = f"$bn; {label}: naive change in holdings"
        out[f"{key}_benchmark_bn"] = (old_values[key] - new_at_break[key]).fillna(0.0)
        columns[f"{key}_benchmark_bn"] = (
            f"$bn; {label}: old minus new series at a benchmark break (0 elsewhere); "
            "dholdings + this = change on one basis"
        )
        out[f"{key}_adj_purchases_bn"] = valuation_adjusted(
            h, shares[key], val_yield, valuation.duration(key), market_value)
        columns[f"{key}_adj_purchases_bn"] = (
            f"$bn; {label}: change in holdings + D x non-bill holdings(t-1) x dy(t)/100, "
            f"D = {valuation.duration(key):g} years, from {valuation.start}"
        )
        out[f"{key}_bill_share"] = shares[key]
        columns[f"{key}_bill_share"] = f"share; {label}: bills / holdings used in the valuation adjustment"
        out[f"{key}_net_purchases_bn"] = f_values[key]
        columns[f"{key}_net_purchases_bn"] = (
            f"$bn; {label}: reported net purchases of bonds and notes (Form S to 2023-01, SLT after)"
        )
        out[f"{key}_valuation_bn"] = v_values[key].where(index >= FLOW_SPLICE_MONTH)
        columns[f"{key}_valuation_bn"] = f"$bn; {label}: reported valuation change of long-term holdings (SLT)"


def _control_columns(fred: pd.DataFrame, index: pd.DatetimeIndex, out: dict, columns: Columns) -> list[str]:
    """The regressions' controls and their changes; returns notes on controls without data."""
    notes = []
    for col, (series_id, how, scale, units, text) in CONTROL_SERIES.items():
        values = _fred_column(fred, series_id, how, index) * scale
        if values.isna().all():
            notes.append(f"{col} ({series_id}) not available: {text}; run 'tlrisk data pull' to add it")
        out[col] = values
        columns[col] = f"{units}; {text}"
    out["dfedfunds_bp"] = out["fedfunds_pct"].diff() * 100
    columns["dfedfunds_bp"] = "bp; monthly change in fedfunds_pct"
    out["dbreakeven10y_bp"] = out["breakeven10y_pct"].diff() * 100
    columns["dbreakeven10y_bp"] = "bp; monthly change in breakeven10y_pct"
    out["dterm_premium10y_bp"] = out["term_premium10y_pct"].diff() * 100
    columns["dterm_premium10y_bp"] = "bp; monthly change in term_premium10y_pct"
    out["dfed_treasuries_bn"] = out["fed_treasuries_bn"].diff()
    columns["dfed_treasuries_bn"] = "$bn; monthly change in Fed Treasury holdings (QE purchases, QT run-off)"
    return notes


def _scale_columns(fred: pd.DataFrame, index: pd.DatetimeIndex, config: PanelConfig, out: dict,
                   columns: Columns) -> list[str]:
    """Debt held by the public and GDP, quarterly series interpolated to months; returns notes."""
    notes = []
    debt, debt_carried = _quarterly_to_monthly(fred, "FYGFDPUN", index, "end", config.max_carry_months)
    out["debt_public_bn"] = debt / 1000
    out["debt_public_carried"] = debt_carried
    columns["debt_public_bn"] = "$bn; federal debt held by the public, quarter-end values interpolated linearly to months"
    columns["debt_public_carried"] = f"flag; debt_public_bn carried forward past the last quarter (at most {config.max_carry_months} months)"
    gdp, gdp_carried = _quarterly_to_monthly(fred, "GDP", index, "mid", config.max_carry_months)
    out["gdp_bn"] = gdp
    out["gdp_carried"] = gdp_carried
    columns["gdp_bn"] = "$bn (annual rate); nominal GDP, quarterly SAAR placed mid-quarter and interpolated"
    columns["gdp_carried"] = "flag; gdp_bn carried forward past the last quarter"
    if debt_carried.any():
        notes.append(f"debt held by the public carried forward for {int(debt_carried.sum())} month(s) after the last quarter")
    return notes


# ---------------------------------------------------------------------------------------------
# What a run needs from the data
# ---------------------------------------------------------------------------------------------
# A run (fit, simulate, sweep, episodes, report) builds the panel from every TIC table and from
# the FRED series the panel reads: the yields of every maturity (monthly and daily), the
# controls, the term premium, debt held by the public and GDP. A source the panel reads that the
# project ships in ``data/snapshot`` is required: when neither the cache nor the snapshot holds
# a usable copy, the run stops at once with ``no data for ...`` instead of failing later with a
# statistical error. Sources that are live-only by design (``snapshot = false`` in
# ``sources.toml``: VIX, the Japanese yield) stay optional, as do series the panel does not read.

# Quarterly scale series build_panel interpolates to months: debt held by the public (the
# regressions' units and today's scale) and nominal GDP (the levels regressions, the
# literature's rescaling).
SCALE_SERIES = ("FYGFDPUN", "GDP")


def panel_series() -> set[str]:
    """FRED series ids the panel reads."""
    yields = {series for pair in YIELD_SERIES.values() for series in pair}
    controls = {spec[0] for spec in CONTROL_SERIES.values()}
    return yields | controls | set(SCALE_SERIES)


def required_sources(specs: list | None = None) -> tuple[str, ...]:
    """Keys of the sources a run cannot do without, in catalogue order.

    Parameters
    ----------
    specs : list of SourceSpec, optional
        The catalogue (default: ``sources.toml``).
    """
    from model.sources.catalog import source_catalog

    specs = specs if specs is not None else source_catalog()
    series = panel_series()
    return tuple(s.key for s in specs if s.in_snapshot and (s.family == "tic" or s.series_id in series))

