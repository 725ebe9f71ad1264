"""Report figures: labelled axes with units, one colour-blind-safe palette, a source line each.

Every function takes data and returns a :class:`Figure` record; :func:`save` writes PNG and SVG
deterministically (no timestamps, fixed SVG ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black", "grey")]
MEASURE_COLOUR = {"reported": PALETTE["blue"], "naive": PALETTE["vermillion"], "adjusted": PALETTE["green"]}
TIC = "Source: U.S. Treasury / Federal Reserve Board, TIC"
FRED = "FRED (Federal Reserve Board H.15, H.4.1; U.S. Treasury; BEA)"

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10,
    "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE), "svg.hashsalt": "treasury-leverage",
    "svg.fonttype": "none", "figure.dpi": 100, "savefig.dpi": 110, "lines.linewidth": 1.6,
})


@dataclass
class Figure:
    """A rendered figure: file stem, title, caption (with units) and source line."""

    key: str
    title: str
    caption: str
    source: str
    fig: matplotlib.figure.Figure


def _finish(key: str, title: str, caption: str, source: str, fig) -> Figure:
    fig.text(0.01, 0.005, source, fontsize=7.5, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return Figure(key, title, caption, source, fig)


def save(figure: Figure, folder: Path) -> dict[str, str]:
    """Write ``{key}.png`` and ``{key}.svg``; returns their file names."""
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{figure.key}.png", folder / f"{figure.key}.svg"
    figure.fig.savefig(png, format="png", metadata={"Software": None})
    figure.fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure.fig)
    return {"png": png.name, "svg": svg.name}


# ---------------------------------------------------------------------------------------------
# Who holds Treasuries
# ---------------------------------------------------------------------------------------------


def top_holders(holdings: pd.DataFrame, n: int = 7) -> Figure:
    countries = holdings[holdings["kind"] == "country"]
    wide = countries.pivot_table(index="month", columns="holder", values="holdings_bn")
    latest = wide.ffill().iloc[-1].sort_values(ascending=False)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for name in latest.index[:n]:
        ax.plot(wide.index, wide[name], label=f"{name} (${latest[name]:,.0f}bn)")
    ax.set_ylabel("holdings, $bn (end of month)")
    ax.set_xlabel("month")
    ax.legend(ncols=2, frameon=False)
    ax.set_title("Largest foreign holders of US Treasuries")
    return _finish("holders_top", "Largest foreign holders", "Treasury holdings by country, $bn at end of month; "
                   "latest value in the legend. Holdings are recorded by custody location.",
                   f"{TIC} (mfhhis01.txt, slt_table5.txt)", fig)


def shares(frame: pd.DataFrame) -> Figure:
    f = frame.dropna(subset=["total_foreign_holdings_bn"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    a.plot(f.index, f["japan_holdings_bn"] / f["total_foreign_holdings_bn"] * 100, label="Japan", color=PALETTE["blue"])
    a.plot(f.index, f["china_holdings_bn"] / f["total_foreign_holdings_bn"] * 100, label="China (Mainland)",
           color=PALETTE["orange"])
    a.set_ylabel("share of foreign holdings, %")
    a.set_title("Japan's and China's share")
    a.legend(frameon=False)
    share = f["total_foreign_holdings_bn"] / f["debt_public_bn"] * 100
    b.plot(f.index, share, color=PALETTE["green"])
    b.set_ylabel("foreign holdings / debt held by the public, %")
    b.set_title("Foreign share of the debt")
    for ax in (a, b):
        ax.set_xlabel("month")
    return _finish("holders_shares", "Shares of foreign holdings and of the debt",
                   "Left: Japan's and China's share of all foreign holdings, %. Right: foreign holdings as a share "
                   "of federal debt held by the public, % (debt interpolated from quarter-ends).",
                   f"{TIC}; {FRED} FYGFDPUN", fig)


def official_private(frame: pd.DataFrame) -> Figure:
    f = frame.dropna(subset=["foreign_official_holdings_bn"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.stackplot(f.index, f["foreign_official_holdings_bn"], f["foreign_private_holdings_bn"],
                 labels=["foreign official", "foreign private"], colors=[PALETTE["blue"], PALETTE["sky"]], alpha=0.9)
    ax.set_ylabel("holdings, $bn")
    ax.set_xlabel("month")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title("Official and private foreign holders")
    return _finish("holders_official", "Official versus private", "Foreign official (central banks, reserve "
                   "managers, sovereign funds) and private holdings, $bn.", TIC, fig)


def custody(holdings: pd.DataFrame, frame: pd.DataFrame) -> Figure:
    wide = holdings.pivot_table(index="month", columns="holder", values="holdings_bn")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for name, colour in (("Belgium", "blue"), ("Luxembourg", "orange"), ("Switzerland", "green"),
                         ("United Kingdom", "vermillion"), ("Cayman Islands", "purple")):
        if name in wide:
            ax.plot(wide.index, wide[name], label=name, color=PALETTE[colour])
    ax.set_ylabel("holdings, $bn")
    ax.set_xlabel("month")
    ax.legend(ncols=3, frameon=False)
    ax.set_title("Custody and financial centres")
    return _finish("holders_custody", "Custody centres", "Holdings recorded in custody and financial centres, "
                   "$bn: largely held for owners elsewhere (Euroclear in Belgium, Clearstream in Luxembourg).", TIC, fig)


# ---------------------------------------------------------------------------------------------
# What the data say
# ---------------------------------------------------------------------------------------------


def flow_measures(frame: pd.DataFrame, holder: str = "japan", label: str = "Japan") -> Figure:
    f = frame.loc["2012-01-01":].dropna(subset=[f"{holder}_holdings_bn"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for measure, column in (("naive", "dholdings_bn"), ("adjusted", "adj_purchases_bn"), ("reported", "net_purchases_bn")):
        series = f[f"{holder}_{column}"].rolling(12).sum()
        ax.plot(f.index, series, label={"naive": "change in holdings (naive)", "adjusted": "valuation-adjusted",
                                        "reported": "reported net purchases (bonds and notes)"}[measure],
                color=MEASURE_COLOUR[measure])
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("12-month sum, $bn")
    ax.set_xlabel("month")
    ax.legend(frameon=False, loc="lower left")
    ax.set_title(f"{label}: three ways to measure purchases")
    return _finish(f"flows_{holder}", f"{label}'s purchases, three measures",
                   f"{label}: 12-month sums of the naive change in holdings, the valuation-adjusted change and the "
                   "Treasury's reported net purchases, $bn.", f"{TIC}; valuation adjustment: this tool", fig)


def valuation_trap(frame: pd.DataFrame, holder: str = "japan") -> Figure:
    f = frame.loc["2012-01-01":].dropna(subset=[f"{holder}_dholdings_bn", "dy10y_bp"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    for ax, (column, name, colour) in zip(axes, (("dholdings_bn", "naive change in holdings", "vermillion"),
                                                 ("adj_purchases_bn", "valuation-adjusted", "green")), strict=True):
        x, y = f[f"{holder}_{column}"], f["dy10y_bp"]
        ax.scatter(x, y, s=12, color=PALETTE[colour], alpha=0.7)
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.linspace(x.min(), x.max(), 10)
        ax.plot(grid, intercept + slope * grid, color="black", linewidth=1.2)
        ax.set_title(f"{name}: {slope * 100:+.0f} bp per $100bn")
        ax.set_xlabel("Japan's flow in the month, $bn")
    axes[0].set_ylabel("change in the 10-year yield, bp")
    return _finish("valuation_trap", "The valuation trap", "Monthly change in the 10-year yield (bp, monthly "
                   "average) against Japan's flow ($bn), 2012 on. Naive holdings changes fall when yields rise "
                   "because bonds lose value; after the adjustment the slope disappears.",
                   f"{TIC}; {FRED} GS10, DGS10", fig)


def impulse_responses(lps: list) -> Figure:
    chosen = [lp for lp in lps if lp.flow_measure in ("reported", "adjusted")]
    holders = sorted({lp.holder for lp in chosen}, key=lambda h: ["japan", "china", "total_foreign"].index(h)
                     if h in ("japan", "china", "total_foreign") else 9)
    fig, axes = plt.subplots(1, len(holders), figsize=(3.2 * len(holders), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, holder in zip(axes, holders, strict=True):
        for lp in (x for x in chosen if x.holder == holder):
            t = lp.to_frame()
            colour = MEASURE_COLOUR[lp.flow_measure]
            ax.plot(t["h"], t["irf_bp_per_100bn"], color=colour, label=lp.flow_measure)
            ax.fill_between(t["h"], t["p05"], t["p95"], color=colour, alpha=0.15)
        ax.axhline(0, color="black", linewidth=0.7)
        ax.set_title(holder.replace("_", " "))
        ax.set_xlabel("months after the sale")
    axes[0].set_ylabel("10-year yield, bp per $100bn sold")
    axes[0].legend(frameon=False)
    return _finish("impulse_responses", "Impulse responses (local projections)",
                   "Response of the 10-year yield (bp) to $100bn sold at month 0 (the estimated response to "
                   "purchases, sign flipped), local projections with HAC errors; shaded: 90% bands.",
                   f"{TIC}; {FRED}; this tool", fig)


def stability(subsamples: pd.DataFrame, holder: str = "japan") -> Figure:
    data = subsamples[subsamples.get("holder") == holder].dropna(subset=["effect_bp_per_100bn"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    windows = list(dict.fromkeys(data["window"]))
    offsets = {"reported": -0.2, "naive": 0.0, "adjusted": 0.2}
    for measure, off in offsets.items():
        rows = data[data["flow_measure"] == measure]
        y = [windows.index(w) + off for w in rows["window"]]
        ax.errorbar(rows["effect_bp_per_100bn"], y, xerr=1.645 * rows["se_bp_per_100bn"], fmt="o",
                    color=MEASURE_COLOUR[measure], label=measure, capsize=2)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(windows)), windows)
    ax.set_xlabel("10-year yield, bp per $100bn sold (90% band)")
    ax.legend(frameon=False)
    ax.set_title("Japan's effect across sub-samples")
    return _finish("stability_subsamples", "Stability across sub-samples",
                   "Distributed-lag effect of $100bn of Japanese sales on the 10-year yield, bp, by sub-sample and flow "
                   "measure, with 90% bands.", f"{TIC}; {FRED}; this tool", fig)


def rolling(rolling_table: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for measure in ("reported", "adjusted", "naive"):
        rows = rolling_table[rolling_table["flow_measure"] == measure]
        if rows.empty:
            continue
        x = pd.to_datetime(rows["window_end"] + "-01")
        y = rows["effect_bp_per_100bn"]
        ax.plot(x, y, color=MEASURE_COLOUR[measure], label=measure)
        ax.fill_between(x, y - 1.645 * rows["se_bp_per_100bn"], y + 1.645 * rows["se_bp_per_100bn"],
                        color=MEASURE_COLOUR[measure], alpha=0.12)
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("bp per $100bn sold")
    ax.set_xlabel("end of the 8-year window")
    ax.legend(frameon=False)
    ax.set_title("Japan's effect in rolling windows")
    return _finish("stability_rolling", "Rolling-window estimates", "Japan's distributed-lag effect on the 10-year "
                   "yield (bp per $100bn sold) in rolling 96-month windows, with 90% bands.",
                   f"{TIC}; {FRED}; this tool", fig)


def literature(comparison: pd.DataFrame) -> Figure:
    rows = comparison[~comparison["estimate"].str.contains("naive")]
    rows = rows[~rows["estimate"].str.contains("other_|foreign_private", regex=True)]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.2))
    for i, r in enumerate(rows.itertuples()):
        colour = PALETTE["blue"] if r.kind.startswith("estimate") else PALETTE["grey"]
        ax.plot([r.low, r.high], [i, i], color=colour, linewidth=3, alpha=0.6)
        ax.plot([r.bp_per_100bn_sold], [i], "o", color=colour)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(rows)), rows["estimate"])
    ax.invert_yaxis()
    ax.set_xlabel("bp per $100bn less demand, at today's market size")
    ax.set_title("This tool's estimates beside published ones")
    return _finish("literature", "Estimates beside the literature", "Blue: this tool's 10-year estimates (90% "
                   "bands). Grey: published effects rescaled to today's debt (or GDP), low to high.",
                   "Sources: see the literature table; this tool", fig)


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


RESPONSE_STYLE = {
    "posterior": (PALETTE["blue"], "-", "posterior"),
    "data": (PALETTE["green"], ":", "data only"),
    "literature": (PALETTE["orange"], "--", "literature"),
}


def fan(posterior, data, literature_result) -> Figure:
    """The 10-year path: posterior band and median, the data-only median and the literature
    range, with the lasting level marked."""
    e = posterior.yields_bp["10y"]
    x = pd.to_datetime(e["date"] + "-01")
    fig, ax = plt.subplots(figsize=(8, 3.9))
    ax.fill_between(x, e["low"], e["high"], color=PALETTE["blue"], alpha=0.2, label="posterior, 90% band")
    for name, result in (("posterior", posterior), ("data", data), ("literature", literature_result)):
        colour, style, label = RESPONSE_STYLE[name]
        frame = result.yields_bp["10y"]
        ax.plot(x, frame["mid"], color=colour, linestyle=style,
                label=f"{label}, {'median' if result.band_kind == 'draws' else 'central'}")
    lit = literature_result.yields_bp["10y"]
    ax.fill_between(x, lit["low"], lit["high"], color=PALETTE["orange"], alpha=0.12, label="literature, low to high")
    lasting = posterior.lasting_bp["10y"][1]
    ax.axhline(lasting, color=PALETTE["blue"], linewidth=0.9, linestyle="-.", label=f"posterior, lasting level ({lasting:+.1f})")
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("10-year yield vs baseline, bp")
    ax.set_xlabel("month")
    ax.legend(frameon=False, ncols=2, loc="upper left", fontsize=8)
    ax.set_title(f"{posterior.title}: the 10-year yield")
    return _finish(f"fan_{posterior.scenario}", f"{posterior.title}: the 10-year yield",
                   "Deviation of the 10-year yield from baseline, bp: the posterior response (median and 5th-95th "
                   "percentiles of paths drawn jointly across maturities, specifications and persistence), the "
                   "data-only median, the literature envelope, and the level that lasts once transients decay.",
                   f"{TIC}; {FRED}; this tool", fig)


def maturities(posterior, literature_result) -> Figure:
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for ax, result, name in ((a, posterior, "posterior (median)"), (b, literature_result, "literature (central)")):
        for m, colour in zip(("3m", "2y", "5y", "10y", "30y"), CYCLE, strict=False):
            frame = result.yields_bp[m]
            ax.plot(frame["month"], frame["mid"], color=colour, label=m)
        ax.axhline(0, color="black", linewidth=0.7)
        ax.set_title(name)
        ax.set_xlabel("months into the scenario")
    a.set_ylabel("yield vs baseline, bp")
    a.legend(frameon=False, ncols=3)
    return _finish(f"maturities_{posterior.scenario}", f"{posterior.title}: all maturities",
                   "Deviation of the 3-month, 2-, 5-, 10- and 30-year yields from baseline, bp. Bills are anchored "
                   "to the policy rate unless the scenario file says otherwise.",
                   f"{TIC}; {FRED}; this tool", fig)


def posterior_chart(table: pd.DataFrame, maturity: str = "10y") -> Figure:
    """Prior, data and posterior of each holder group's short-run effect (mean and 90% band)."""
    rows = table[table["maturity"] == maturity].reset_index(drop=True)
    # one row for all groups priced with the pooled posterior (they share it)
    own = rows[rows["estimate"] == "own"]
    pooled = rows[rows["estimate"] == "pooled"].head(1).assign(label="Any other holder (pooled)")
    rows = pd.concat([own, pooled], ignore_index=True)
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(rows) + 1.3))
    offsets = {"prior": -0.22, "data": 0.0, "posterior": 0.22}
    colours = {"prior": PALETTE["orange"], "data": PALETTE["green"], "posterior": PALETTE["blue"]}
    for i, r in rows.iterrows():
        for what, dy in offsets.items():
            mean, sd = r[f"{what}_mean"], r[f"{what}_sd"]
            ax.plot([mean - 1.645 * sd, mean + 1.645 * sd], [i + dy, i + dy], color=colours[what], linewidth=3, alpha=0.55)
            ax.plot([mean], [i + dy], "o", color=colours[what], label=what if i == 0 else None)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(rows)), rows["label"])
    ax.invert_yaxis()
    ax.set_xlabel(f"{maturity} effect, bp per $100bn sold (positive: sales raise yields)")
    ax.legend(frameon=False, ncols=3, loc="lower right", fontsize=8)
    ax.set_title("Prior, data and posterior by holder")
    return _finish("posterior", "Prior, data and posterior by holder",
                   f"Short-run cumulative effect on the {maturity} yield, bp per $100bn sold at today's scale: the "
                   "literature prior, the tool's estimate averaged over the specification grid, and the posterior "
                   "(means and 90% bands). Groups without an estimate of their own share the pooled posterior.",
                   "Sources: literature table; this tool", fig)


def specification_curve(grid, holder: str, label: str, maturity: str = "10y") -> Figure:
    """Every specification's estimate of one holder's effect, sorted, with 90% bands."""
    curve = grid.curve(holder, maturity)
    x = np.arange(len(curve))
    fig, ax = plt.subplots(figsize=(8, 3.8))
    colour = np.where(curve["measure"] == "reported", PALETTE["blue"], PALETTE["green"])
    lo = curve["effect_bp_per_100bn"] - 1.645 * curve["se_bp_per_100bn"]
    hi = curve["effect_bp_per_100bn"] + 1.645 * curve["se_bp_per_100bn"]
    ax.vlines(x, lo, hi, colors=colour, alpha=0.35, linewidth=1.2)
    ax.scatter(x, curve["effect_bp_per_100bn"], c=colour, s=12, zorder=3)
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_xlabel("specification (sorted by estimate)")
    ax.set_ylabel(f"{maturity} effect, bp per $100bn sold")
    ax.plot([], [], "o", color=PALETTE["blue"], label="reported flows")
    ax.plot([], [], "o", color=PALETTE["green"], label="valuation-adjusted flows")
    ax.legend(frameon=False, loc="upper left", fontsize=8)
    ax.set_title(f"{label}: the estimate under every specification")
    return _finish(f"speccurve_{holder}", f"Specification curve: {label}",
                   f"{label}'s cumulative effect on the {maturity} yield, bp per $100bn sold, in each of the "
                   f"{len(curve)} specifications of the grid (flow measure, controls, lag length, sample window), "
                   "with 90% bands from the wider of the joint HAC and block-bootstrap errors.",
                   f"{TIC}; {FRED}; this tool", fig)


def heatmap(grid: pd.DataFrame, value: str, label: str, key: str, title: str) -> Figure:
    table = grid.pivot(index="sale_bn", columns="sale_months", values=value)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    image = ax.imshow(table.to_numpy(), cmap="cividis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:,.0f}" for v in table.index])
    ax.set_xlabel("months over which the sale happens")
    ax.set_ylabel("sale, $bn")
    vmax = np.nanmax(np.abs(table.to_numpy())) or 1
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            v = table.iat[i, j]
            ax.text(j, i, f"{v:,.0f}" if abs(vmax) >= 20 else f"{v:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if v < np.nanmean(table.to_numpy()) else "black")
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title)
    ax.grid(False)
    return _finish(key, title, f"Sensitivity to the size and speed of a sale: {label}.",
                   f"{TIC}; {FRED}; this tool", fig)


def episode(result) -> Figure:
    """Predicted 10-year move (posterior band, literature central) against the actual path."""
    est, lit = result.posterior.yields_bp["10y"], result.literature.yields_bp["10y"]
    x = pd.to_datetime(est["date"] + "-01")
    fig, ax = plt.subplots(figsize=(6.2, 2.9))
    ax.fill_between(x, est["low"], est["high"], color=PALETTE["blue"], alpha=0.2, label="model, 90% band")
    ax.plot(x, est["mid"], color=PALETTE["blue"], marker="o", markersize=3, label="model (posterior)")
    ax.plot(x, lit["mid"], color=PALETTE["orange"], linestyle="--", marker="s", markersize=3,
            label="model (literature, central)")
    ax.plot(x, result.actual_10y_path_bp, color=PALETTE["black"], marker="^", markersize=3, label="actual")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("10-year change since the\nmonth before, bp")
    ax.set_title(result.episode.title, fontsize=10)
    ax.legend(frameon=False, fontsize=7.5, ncols=2)
    fig.autofmt_xdate()
    return _finish(f"episode_{result.episode.key}", result.episode.title,
                   f"Change in the 10-year yield since the month before the window, bp: what the observed "
                   f"flows ({', '.join(result.holders)}) imply under the posterior response (band) and the "
                   "literature, and what happened.", f"{TIC}; {FRED} DGS10; this tool", fig)


# ---------------------------------------------------------------------------------------------
# Intervention days (daily)
# ---------------------------------------------------------------------------------------------


def intervention_days(key: str, title: str, series: dict[str, pd.Series], days: list[str], direction: str,
                      news: list[dict], margin: int = 15) -> Figure:
    """The 10-year yield, the term premium and the yen around one run of intervention days, the
    days shaded (dollars sold: vermillion; bought: blue) and US news as grey dotted lines."""
    marks = pd.to_datetime(days)
    calendar = series["10y"].index
    lo = max(int(calendar.searchsorted(marks[0])) - margin, 0)
    hi = min(int(calendar.searchsorted(marks[-1])) + margin, len(calendar) - 1)
    start, end = calendar[lo], calendar[hi]
    colour = PALETTE["vermillion"] if direction == "sell_usd" else PALETTE["blue"]
    panels = (("10y", "10-year\nyield, %", PALETTE["black"]), ("term_premium", "term premium\n(Kim-Wright), %",
              PALETTE["green"]), ("yen", "yen per $\n(noon, NY)", PALETTE["purple"]))
    fig, axes = plt.subplots(3, 1, figsize=(7.0, 4.3), sharex=True)
    for ax, (measure, label, line) in zip(axes, panels, strict=True):
        values = series[measure].loc[start:end]
        ax.plot(values.index, values.to_numpy(), color=line, marker="o", markersize=2.0, linewidth=1.2)
        for day in marks:
            ax.axvline(day, color=colour, linewidth=5, alpha=0.25)
        for item in news:
            ax.axvline(pd.Timestamp(item["date"]), color=PALETTE["grey"], linestyle=":", linewidth=1.1)
        ax.set_ylabel(label, fontsize=8)
    what = "sold" if direction == "sell_usd" else "bought"
    fig.suptitle(title, fontsize=10)
    axes[0].set_title(f"shaded: days Japan {what} dollars; dotted: US news (FOMC, CPI, PPI, jobs)", fontsize=7.5,
                      loc="left", color="#333333")
    fig.autofmt_xdate()
    return _finish(f"intervention_{key}", title,
                   f"Daily closes from {start.day} {start:%B %Y} to {end.day} {end:%B %Y}: the 10-year Treasury "
                   "yield, the Kim-Wright 10-year term premium and yen per dollar (down = stronger yen). Shaded: the "
                   f"days the Ministry of Finance {what} dollars; dotted: US news inside the study's windows.",
                   "FRED DGS10, THREEFYTP10, DEXJPUS; Ministry of Finance amounts via the cited press; this tool", fig)
