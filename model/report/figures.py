"""Report figures: labelled axes with units, one colour-blind-safe palette, a source line each,
legends outside the data, titles and source lines wrapped to the figure's width.

Every function takes data and returns a :class:`Figure` record; :func:`save` writes PNG and SVG
deterministically (no timestamps, fixed SVG ids). The SVG carries hover targets: a transparent
circle with a ``<title>`` at the data points (the values a reader may want), which the HTML
report shows as tooltips.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.labels import (  # noqa: E402
    holder_label,
    join_words,
    maturity_label,
    measure_label,
    subject,
    upper_first,
)
from model.ledger import seller_cost_shown  # noqa: E402
from model.numbers import money, number  # noqa: E402
from model.stats import normal_interval, z_critical  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black", "grey")]
MEASURE_COLOUR = {"reported": PALETTE["blue"], "naive": PALETTE["vermillion"], "adjusted": PALETTE["green"]}
TIC = "Source: U.S. Treasury / Federal Reserve Board, TIC"
FRED = "FRED (Federal Reserve Board H.15, H.4.1; U.S. Treasury; BEA)"
SOURCE_SIZE = 7.5
TITLE_SIZE = 11
LEGEND_SIZE = 8
MAX_TIPS_PER_SERIES = 60

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 9.5,
    "legend.fontsize": LEGEND_SIZE, "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE), "svg.hashsalt": "treasury-leverage",
    "svg.fonttype": "none", "figure.dpi": 100, "savefig.dpi": 110, "lines.linewidth": 1.6,
    # titles come from scenario files: "$200bn and $100bn" is text, not mathematics
    "text.parse_math": False,
})


@dataclass
class Figure:
    """A rendered figure: file stem, title, caption (with units) and source line."""

    key: str
    title: str
    caption: str
    source: str
    fig: matplotlib.figure.Figure
    tips: list[tuple] = field(default_factory=list)  # (axes, x, y, text), placed at save time
    phone_from: str | None = None  # the phone version's time axis starts here (recent years)


# ---------------------------------------------------------------------------------------------
# Layout helpers
# ---------------------------------------------------------------------------------------------


def wrap(text: str, width_in: float, fontsize: float, max_lines: int | None = None) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize`` points."""
    chars = max(int(width_in * 72 / (fontsize * 0.56)), 20)
    lines = textwrap.wrap(text, chars, break_long_words=True)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(chars - 1, 1)].rstrip() + "\u2026"
    return "\n".join(lines)


def legend_above(ax, handles=None, labels=None, ncols: int | None = None, fontsize: float = LEGEND_SIZE) -> None:
    """The legend above the axes (under the title), never over the data; columns chosen to
    fit the axes' width."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not labels:
        return
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    longest = max(len(t) for t in labels) + 5
    fit = max(int(width_in * 72 / (fontsize * 0.58) / longest), 1)
    ncols = ncols or min(len(labels), fit)
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
              fontsize=fontsize, borderaxespad=0.2, handlelength=1.8, columnspacing=1.2)


def legend_right(ax, handles=None, labels=None, fontsize: float = LEGEND_SIZE) -> None:
    """The legend to the right of the axes (for long labels)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if labels:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=fontsize,
                  borderaxespad=0.2)


def tip(fig_record_or_list, ax, x, y, text: str) -> None:
    """A hover value at ``(x, y)`` in ``ax``'s data coordinates."""
    target = fig_record_or_list.tips if isinstance(fig_record_or_list, Figure) else fig_record_or_list
    target.append((ax, x, y, text))


def _finish(key: str, title: str, caption: str, source: str, fig, tips: list | None = None) -> Figure:
    """A drawn figure as a record. The title and the source line are not drawn into the image:
    the documents print them once, as text, under the chart (a PNG a user asks for carries
    them, see :func:`save`)."""
    fig.tight_layout()
    fig.set_layout_engine(None)  # laid out once: otherwise every savefig lays the figure out again
    record = Figure(key, title, caption, source, fig, list(tips or []))
    _auto_tips(record)
    return record


# ---------------------------------------------------------------------------------------------
# The phone version: the same chart redrawn narrow, panels stacked, text at least 9 pt
# ---------------------------------------------------------------------------------------------

PHONE_WIDTH_IN = 4.9  # shown at the width of a 390 px screen, 9 pt text stays above 9 px
PHONE_MIN_FONT = 9.0


def phone_layout(record: Figure) -> None:
    """Lay ``record``'s figure out again for a phone: narrow, side-by-side panels stacked,
    legends above each panel in as many columns as fit, no text under 9 pt, and a time axis
    that opens on recent years where the figure asks for it (``phone_from``)."""
    from matplotlib.gridspec import GridSpec
    from matplotlib.text import Text

    fig = record.fig
    width, height = fig.get_size_inches()
    # the desktop layout's margins, inches: where the narrow panels will roughly sit, for
    # wrapping their text before the one layout pass of the phone version
    pars = fig.subplotpars
    margins_in = (pars.left * width, (1 - pars.right) * width, pars.bottom * height, (1 - pars.top) * height)
    main = [ax for ax in fig.axes if ax.get_subplotspec() is not None and ax.get_label() != "<colorbar>"]
    grid = main[0].get_subplotspec().get_gridspec() if main else None
    panels = [ax for ax in main if ax.get_subplotspec().get_gridspec() is grid]
    nrows, ncols = grid.get_geometry() if grid is not None else (1, 1)
    if ncols > 1 and len(panels) > 1:
        stacked = GridSpec(len(panels), 1, figure=fig)
        for i, ax in enumerate(panels):
            ax.set_subplotspec(stacked[i, 0])
            ax.tick_params(labelleft=True, labelbottom=True)
        new_height = len(panels) * max(height * 0.85, 2.8)
    else:
        new_height = max(height * (0.9 if nrows == 1 else 1.0), 3.0)
    fig.set_size_inches(PHONE_WIDTH_IN, new_height)
    legends, needed = {}, {}
    for ax in fig.axes:
        ax.tick_params(labelsize=PHONE_MIN_FONT)
        legend = ax.get_legend()
        if legend is not None:
            legends[ax] = (legend.legend_handles, [t.get_text() for t in legend.get_texts()])
            legend.remove()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        if labels and any(len(t) > 18 and not _numeric(t) for t in labels):  # long category names
            wrapped = [wrap(t.replace("\n", " "), 1.7, PHONE_MIN_FONT, max_lines=4) for t in labels]
            ax.set_yticks(ax.get_yticks(), wrapped, fontsize=PHONE_MIN_FONT)
            # room for every line of every name, plus the axis and the legend
            lines = sum(t.count("\n") + 1 for t in wrapped) + 0.6 * len(wrapped)
            needed[ax] = lines * PHONE_MIN_FONT * 1.3 / 72 + 1.1
        if record.phone_from is not None and ax in panels:
            ax.set_xlim(left=mdates.date2num(pd.Timestamp(record.phone_from)))
    if needed:  # panels of long category names get the height their names take
        rows = max(len(panels), 1)
        fig.set_size_inches(PHONE_WIDTH_IN, max(new_height, rows * max(needed.values())))
    for text in fig.findobj(Text):
        if text.get_fontsize() < PHONE_MIN_FONT:
            text.set_fontsize(PHONE_MIN_FONT)
    left_in, right_in, bottom_in, top_in = margins_in
    if needed:  # category names wrapped to 1.7 in take about that much room
        left_in = min(left_in, 1.85)
    # the desktop's right margin held legends (now above the panels) unless an axis or a
    # colour bar labels the right-hand side
    right_labels = any(ax.get_label() == "<colorbar>" or ax.yaxis.get_label_position() == "right"
                       or any(t.label2.get_visible() for t in ax.yaxis.get_major_ticks()[:1]) for ax in fig.axes)
    right_in = min(right_in, 0.9) if right_labels else 0.15
    phone_w, phone_h = fig.get_size_inches()
    left = min(left_in / phone_w, 0.6)
    bottom = min(bottom_in / phone_h, 0.4)
    fig.subplots_adjust(left=left, right=max(1 - right_in / phone_w, left + 0.2),
                        bottom=bottom, top=max(1 - top_in / phone_h, bottom + 0.2))
    for ax in fig.axes:  # labels, titles and legends wrapped to the room the narrow layout leaves
        box = ax.get_position()
        axes_in = max(box.width * PHONE_WIDTH_IN, 1.4)
        room_in = max((1 - box.x0) * PHONE_WIDTH_IN - 0.1, 1.4)
        ax.set_xlabel(wrap(ax.get_xlabel().replace("\n", " "), axes_in, PHONE_MIN_FONT))
        title = ax.get_title(loc="left")
        if title:
            ax.set_title(wrap(title.replace("\n", " "), room_in, PHONE_MIN_FONT), loc="left", fontsize=PHONE_MIN_FONT)
        if ax in legends:
            handles, labels = legends[ax]
            labels = [wrap(t, room_in - 0.45, PHONE_MIN_FONT, max_lines=3) for t in labels]
            longest = max(len(line) for t in labels for line in t.split("\n")) + 5
            fit = max(int(room_in * 72 / (PHONE_MIN_FONT * 0.6) / longest), 1)
            # above the panel's own title, if it has one
            lift = 0.26 / max(box.height * fig.get_figheight(), 0.5) if title else 0.0
            ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01 + lift), ncols=min(fit, len(labels)),
                      frameon=False, fontsize=PHONE_MIN_FONT, borderaxespad=0.2, handlelength=1.6, columnspacing=1.0)
    fig.tight_layout()
    fig.set_layout_engine(None)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\s\d.,+\-\u2212$%]*", text))


# ---------------------------------------------------------------------------------------------
# Hover values
# ---------------------------------------------------------------------------------------------


def _x_text(value, xlabel: str) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "strftime"):
        return f"{pd.Timestamp(value):%b %Y}"
    if isinstance(value, (int, float, np.integer, np.floating)) and "month" in xlabel:
        return f"month {float(value):g}"
    return f"{value:g}" if isinstance(value, (int, float, np.integer, np.floating)) else str(value)


def _auto_tips(record: Figure) -> None:
    """Hover values for every labelled line of every axes that has none of its own."""
    explicit = {id(t[0]) for t in record.tips}
    for ax in record.fig.axes:
        if id(ax) in explicit or not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        ylabel = ax.get_ylabel().replace("\n", " ")
        xlabel = ax.get_xlabel().replace("\n", " ")
        for line in ax.get_lines():
            label = line.get_label()
            if line.get_transform() != ax.transData or label.startswith("_") or not line.get_visible():
                continue
            raw = np.asarray(line.get_xdata(orig=True))
            # datetime64[ns] cast to object gives integers: keep them as dates
            xs = (pd.DatetimeIndex(raw).to_pydatetime() if np.issubdtype(raw.dtype, np.datetime64)
                  else np.asarray(raw, dtype=object))
            ys = np.asarray(line.get_ydata(orig=True), dtype=float)
            n = len(ys)
            if n == 0:
                continue
            step = max(int(np.ceil(n / MAX_TIPS_PER_SERIES)), 1)
            picks = list(range(0, n, step))
            if picks[-1] != n - 1:
                picks.append(n - 1)
            for i in picks:
                if not np.isfinite(ys[i]):
                    continue
                record.tips.append((ax, xs[i], ys[i], f"{label} \u00b7 {_x_text(xs[i], xlabel)}: "
                                                      f"{ys[i]:,.1f}" + (f" ({ylabel})" if ylabel else "")))


def _tip_svg(record: Figure) -> str:
    """The hover targets as SVG (coordinates of the SVG just written: points, y down)."""
    fig = record.fig
    height_pt = fig.get_figheight() * 72
    scale = 72 / fig.dpi
    boxes: dict[int, object] = {}  # each axes' extent, once
    out = []
    for ax, x, y, text in record.tips:
        try:
            xv = ax.convert_xunits(x) if not isinstance(x, (int, float, np.number)) else x
            yv = ax.convert_yunits(y) if not isinstance(y, (int, float, np.number)) else y
            if isinstance(xv, (pd.Timestamp, np.datetime64)):
                xv = mdates.date2num(pd.Timestamp(xv))
            px, py = ax.transData.transform((float(xv), float(yv)))
        except (TypeError, ValueError):
            continue
        if not (np.isfinite(px) and np.isfinite(py)):
            continue
        box = boxes.get(id(ax))
        if box is None:
            box = boxes[id(ax)] = ax.get_window_extent()
        if not (box.x0 - 1 <= px <= box.x1 + 1 and box.y0 - 1 <= py <= box.y1 + 1):
            continue  # outside the axes (a phone version that shows recent years only)
        cx, cy = px * scale, height_pt - py * scale
        out.append(f'<circle class="tip" cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="#000" fill-opacity="0" '
                   f'data-tip={quoteattr(text)}><title>{escape(text)}</title></circle>')
    if not out:
        return ""
    return '<g id="hover-values">\n' + "\n".join(out) + "\n</g>\n"


def _with_tips(path: Path, figure: Figure) -> None:
    tips = _tip_svg(figure)  # after the SVG's own layout pass: the coordinates are the SVG's
    if tips:
        text = path.read_text("utf-8")
        path.write_text(text.replace("</svg>", tips + "</svg>"), "utf-8")


def save(figure: Figure, folder: Path, png: bool = False) -> dict[str, str | None]:
    """Write ``{key}.svg`` (with hover values), ``{key}.phone.svg`` (the phone version) and,
    when asked, ``{key}.png`` with the title and the source line drawn in (a standalone picture
    for slides); returns their file names (``png`` None when not asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    svg, phone = folder / f"{figure.key}.svg", folder / f"{figure.key}.phone.svg"
    figure.fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    _with_tips(svg, figure)
    out: dict[str, str | None] = {"svg": svg.name, "phone": phone.name, "png": None}
    if png:
        path = folder / f"{figure.key}.png"
        width = figure.fig.get_figwidth()
        title = figure.fig.text(0.01, 1.01, wrap(figure.title, width - 0.2, TITLE_SIZE, max_lines=2),
                                fontsize=TITLE_SIZE, ha="left", va="bottom")
        source = figure.fig.text(0.01, -0.01, wrap(figure.source, width - 0.2, SOURCE_SIZE, max_lines=3),
                                 fontsize=SOURCE_SIZE, color="#555555", ha="left", va="top")
        figure.fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.12)
        title.remove()
        source.remove()
        out["png"] = path.name
    phone_layout(figure)
    figure.fig.savefig(phone, format="svg", metadata={"Date": None, "Creator": None})
    _with_tips(phone, figure)
    plt.close(figure.fig)
    return out


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(text: str, prefix: str, label: str) -> str:
    """An SVG file as markup for the HTML page: no XML prolog or metadata, ids made unique to
    the figure, sized by its container."""
    start = text.index("<svg")
    body = text[start:]
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", body, flags=re.S)
    body = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', body)
    body = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)
    # never wider than drawn (a small chart is not blown up on a wide screen)
    body = re.sub(r'<svg ([^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"',
                  lambda m: (f'<svg {m.group(1)}class="chart" role="img" aria-label={quoteattr(label)} '
                             f'style="max-width: {float(m.group(2)) * 4 / 3:.0f}px"'), body, count=1)
    return body


# ---------------------------------------------------------------------------------------------
# Who holds Treasuries
# ---------------------------------------------------------------------------------------------


def top_holders(holdings: pd.DataFrame, n: int = 7) -> Figure:
    countries = holdings[holdings["kind"] == "country"]
    wide = countries.pivot_table(index="month", columns="holder", values="holdings_bn")
    latest = wide.ffill().iloc[-1].sort_values(ascending=False)
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for name in latest.index[:n]:
        ax.plot(wide.index, wide[name], label=f"{holder_label(name)} (${latest[name]:,.0f}bn)")
    ax.set_ylabel("holdings, $bn (end of month)")
    ax.set_xlabel("month")
    legend_above(ax, ncols=4)
    record = _finish("holders_top", "Largest foreign holders of US Treasuries", "Treasury holdings by country, $bn at "
                     "end of month; latest value in the legend. Holdings are recorded by custody location.",
                     f"{TIC}: major foreign holders (history and recent table)", fig)
    record.phone_from = f"{wide.index.max().year - 11}-01-01"  # the phone opens on the last dozen years
    return record


def shares(frame: pd.DataFrame) -> Figure:
    f = frame.dropna(subset=["total_foreign_holdings_bn"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.9))
    a.plot(f.index, f["japan_holdings_bn"] / f["total_foreign_holdings_bn"] * 100, label=holder_label("japan"),
           color=PALETTE["blue"])
    a.plot(f.index, f["china_holdings_bn"] / f["total_foreign_holdings_bn"] * 100, label=holder_label("china"),
           color=PALETTE["orange"])
    a.set_ylabel("share of foreign holdings, %")
    legend_above(a)
    share = f["total_foreign_holdings_bn"] / f["debt_public_bn"] * 100
    b.plot(f.index, share, color=PALETTE["green"], label="foreign holders' share of the debt")
    b.set_ylabel("share of debt held by the public, %")
    legend_above(b)
    for ax in (a, b):
        ax.set_xlabel("month")
    return _finish("holders_shares", "Shares of foreign holdings and of the debt",
                   "Left: Japan's and China's share of all foreign holdings, %. Right: foreign holdings as a share "
                   "of federal debt held by the public, % (debt interpolated from quarter-ends).",
                   f"{TIC}; {FRED}: federal debt held by the public", fig)


def official_private(frame: pd.DataFrame) -> Figure:
    f = frame.dropna(subset=["foreign_official_holdings_bn"])
    fig, ax = plt.subplots(figsize=(8, 3.9))
    ax.stackplot(f.index, f["foreign_official_holdings_bn"], f["foreign_private_holdings_bn"],
                 labels=["foreign official", "foreign private"], colors=[PALETTE["blue"], PALETTE["sky"]], alpha=0.9)
    ax.set_ylabel("holdings, $bn")
    ax.set_xlabel("month")
    legend_above(ax)
    tips: list = []
    step = max(len(f) // 40, 1)
    for month, row in f.iloc[::step].iterrows():
        total = row["foreign_official_holdings_bn"] + row["foreign_private_holdings_bn"]
        tip(tips, ax, month, total, f"{month:%b %Y}: official {money(row['foreign_official_holdings_bn'], 0)}, "
                                    f"private {money(row['foreign_private_holdings_bn'], 0)}")
    return _finish("holders_official", "Official and private foreign holders", "Foreign official (central banks, "
                   "reserve managers, sovereign funds) and private holdings, $bn.", TIC, fig, tips)


def custody(holdings: pd.DataFrame, frame: pd.DataFrame) -> Figure:
    wide = holdings.pivot_table(index="month", columns="holder", values="holdings_bn")
    fig, ax = plt.subplots(figsize=(8, 3.9))
    for name, colour in (("Belgium", "blue"), ("Luxembourg", "orange"), ("Switzerland", "green"),
                         ("United Kingdom", "vermillion"), ("Cayman Islands", "purple")):
        if name in wide:
            ax.plot(wide.index, wide[name], label=name, color=PALETTE[colour])
    ax.set_ylabel("holdings, $bn")
    ax.set_xlabel("month")
    legend_above(ax)
    return _finish("holders_custody", "Custody and financial centres", "Holdings recorded in custody and "
                   "financial centres, $bn: largely held for owners elsewhere (Euroclear in Belgium, Clearstream in "
                   "Luxembourg).", TIC, fig)


# ---------------------------------------------------------------------------------------------
# What the data say
# ---------------------------------------------------------------------------------------------


def flow_measures(frame: pd.DataFrame, holder: str = "japan") -> Figure:
    label = holder_label(holder)
    f = frame.loc["2012-01-01":].dropna(subset=[f"{holder}_holdings_bn"])
    fig, ax = plt.subplots(figsize=(8, 3.9))
    for measure, column in (("naive", "dholdings_bn"), ("adjusted", "adj_purchases_bn"), ("reported", "net_purchases_bn")):
        series = f[f"{holder}_{column}"].rolling(12).sum()
        ax.plot(f.index, series, label={"naive": "change in holdings (naive)", "adjusted": "valuation-adjusted",
                                        "reported": "reported net purchases (bonds and notes)"}[measure],
                color=MEASURE_COLOUR[measure])
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("12-month sum, $bn")
    ax.set_xlabel("month")
    legend_above(ax)
    return _finish(f"flows_{holder}", f"{label}: three ways to measure purchases",
                   f"{label}: 12-month sums of the naive change in holdings, the valuation-adjusted change and the "
                   "Treasury's reported net purchases, $bn.", f"{TIC}; valuation adjustment: this tool", fig)


def valuation_trap(frame: pd.DataFrame, holder: str = "japan") -> Figure:
    label = holder_label(holder)
    f = frame.loc["2012-01-01":].dropna(subset=[f"{holder}_dholdings_bn", "dy10y_bp"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.9), sharey=True)
    tips: list = []
    for ax, (column, name, colour) in zip(axes, (("dholdings_bn", "naive change in holdings", "vermillion"),
                                                 ("adj_purchases_bn", "valuation-adjusted", "green")), strict=True):
        x, y = f[f"{holder}_{column}"], f["dy10y_bp"]
        ax.scatter(x, y, s=12, color=PALETTE[colour], alpha=0.7)
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.linspace(x.min(), x.max(), 10)
        ax.plot(grid, intercept + slope * grid, color="black", linewidth=1.2)
        # slope per $100bn bought, sign flipped: per $100bn sold
        ax.set_title(f"{name}: {number(-slope * 100, 0)} bp per $100bn sold", fontsize=9.5)
        ax.set_xlabel(f"{label}'s flow in the month, $bn")
        for month, xv, yv in zip(f.index, x, y, strict=True):
            tip(tips, ax, float(xv), float(yv), f"{month:%b %Y}: {label}'s flow {money(xv, 1)}, 10-year {number(yv)} bp")
    axes[0].set_ylabel("change in the 10-year yield, bp")
    return _finish("valuation_trap", "The valuation trap", f"Monthly change in the 10-year yield (bp, monthly "
                   f"average) against {label}'s flow ($bn), 2012 on. Naive holdings changes fall when yields rise "
                   "because bonds lose value; after the adjustment the slope disappears.",
                   f"{TIC}; {FRED}: 10-year Treasury yield, monthly average and daily", fig, tips)


def impulse_responses(lps: list) -> Figure:
    chosen = [lp for lp in lps if lp.flow_measure in ("reported", "adjusted")]
    order = ["japan", "china", "total_foreign"]
    holders = sorted({lp.holder for lp in chosen}, key=lambda h: order.index(h) if h in order else 9)
    fig, axes = plt.subplots(1, len(holders), figsize=(3.2 * len(holders), 3.9), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, holder in zip(axes, holders, strict=True):
        for lp in (x for x in chosen if x.holder == holder):
            t = lp.to_frame()
            colour = MEASURE_COLOUR[lp.flow_measure]
            ax.plot(t["h"], t["irf_bp_per_100bn"], color=colour, label=measure_label(lp.flow_measure))
            ax.fill_between(t["h"], t["p05"], t["p95"], color=colour, alpha=0.15)
        ax.axhline(0, color="black", linewidth=0.7)
        ax.set_title(holder_label(holder), fontsize=9.5, loc="left")
        ax.set_xlabel("months after the sale")
    axes[0].set_ylabel("10-year yield, bp per $100bn sold")
    handles, labels = axes[0].get_legend_handles_labels()
    legend_right(axes[-1], handles, labels)
    return _finish("impulse_responses", "Impulse responses (local projections)",
                   "Response of the 10-year yield (bp) to $100bn sold at month 0 (the estimated response to "
                   "purchases, sign flipped), local projections with HAC errors; shaded: 90% bands.",
                   f"{TIC}; {FRED}; this tool", fig)


def stability(subsamples: pd.DataFrame, holder: str = "japan") -> Figure:
    label = holder_label(holder)
    data = subsamples[subsamples.get("holder") == holder].dropna(subset=["effect_bp_per_100bn"])
    fig, ax = plt.subplots(figsize=(8, 3.9))
    windows = list(dict.fromkeys(data["window"]))
    offsets = {"reported": -0.2, "naive": 0.0, "adjusted": 0.2}
    tips: list = []
    for measure, off in offsets.items():
        rows = data[data["flow_measure"] == measure]
        y = [windows.index(w) + off for w in rows["window"]]
        ax.errorbar(rows["effect_bp_per_100bn"], y, xerr=z_critical() * rows["se_bp_per_100bn"], fmt="o",
                    color=MEASURE_COLOUR[measure], label=measure_label(measure), capsize=2)
        for r, yy in zip(rows.itertuples(), y, strict=True):
            tip(tips, ax, r.effect_bp_per_100bn, yy, f"{r.window}, {measure_label(measure)}: "
                f"{number(r.effect_bp_per_100bn)} bp per $100bn sold (90% band "
                "{} to {})".format(*map(number, normal_interval(r.effect_bp_per_100bn, r.se_bp_per_100bn))))
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(windows)), windows)
    ax.set_xlabel("10-year yield, bp per $100bn sold (90% band)")
    legend_above(ax)
    return _finish("stability_subsamples", f"{label}'s effect across sub-samples",
                   f"Distributed-lag effect of $100bn sold by {label} on the 10-year yield, bp, by sub-sample and "
                   "flow measure, with 90% bands.", f"{TIC}; {FRED}; this tool", fig, tips)


def rolling(rolling_table: pd.DataFrame, holder: str = "japan") -> Figure:
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for measure in ("reported", "adjusted", "naive"):
        rows = rolling_table[rolling_table["flow_measure"] == measure]
        if rows.empty:
            continue
        x = pd.to_datetime(rows["window_end"] + "-01")
        y = rows["effect_bp_per_100bn"]
        ax.plot(x, y, color=MEASURE_COLOUR[measure], label=measure_label(measure))
        ax.fill_between(x, *normal_interval(y, rows["se_bp_per_100bn"]),
                        color=MEASURE_COLOUR[measure], alpha=0.12)
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("bp per $100bn sold")
    ax.set_xlabel("end of the 8-year window")
    legend_above(ax)
    label = holder_label(holder)
    return _finish("stability_rolling", f"{label}'s effect in rolling windows", f"{label}'s distributed-lag effect "
                   "on the 10-year yield (bp per $100bn sold) in rolling 96-month windows, with 90% bands.",
                   f"{TIC}; {FRED}; this tool", fig)


def literature(estimates: list[tuple[str, float, float, float]], published: pd.DataFrame) -> Figure:
    """This tool's 10-year estimates (label, effect, low, high) beside the published effects,
    rescaled to today (bp per $100bn sold)."""
    rows = [(label, mid, lo, hi, True) for label, mid, lo, hi in estimates]
    rows += [(f"{r.cite} ({r.horizon.replace('_', ' ')}, {maturity_label(r.maturity)})", r.central_bp_per_100bn_today,
              r.low_bp_per_100bn_today, r.high_bp_per_100bn_today, False) for r in published.itertuples()]
    # narrow and dense: at the width the page gives it, its names stay at 7 pt or more
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(rows) + 1.2))
    tips: list = []
    for i, (label, mid, lo, hi, ours) in enumerate(rows):
        colour = PALETTE["blue"] if ours else PALETTE["grey"]
        ax.plot([lo, hi], [i, i], color=colour, linewidth=3, alpha=0.6)
        ax.plot([mid], [i], "o", color=colour)
        tip(tips, ax, mid, i, f"{label}: {number(mid)} bp per $100bn sold ({number(lo)} to {number(hi)})")
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(rows)), [wrap(r[0], 3.0, 8) for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("10-year yield, bp per $100bn sold, at today's market size")
    ax.plot([], [], "o-", color=PALETTE["blue"], label="this tool (90% band)")
    ax.plot([], [], "o-", color=PALETTE["grey"], label="published, rescaled (low to high)")
    legend_above(ax)
    return _finish("literature", "This tool's estimates beside published ones", "Blue: this tool's 10-year "
                   "estimates (90% bands). Grey: published effects rescaled to today's debt, low to high.",
                   "Sources: see the literature table; this tool", fig, tips)


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


RESPONSE_STYLE = {
    "posterior": (PALETTE["blue"], "-", "posterior"),
    "data": (PALETTE["green"], ":", "data only"),
    "literature": (PALETTE["orange"], "--", "literature"),
}


def _months(frame: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(frame["date"] + "-01"))


def fan(posterior, data, literature_result, key: str) -> Figure:
    """The 10-year path: posterior band and median, the data-only median and the literature
    range, with the lasting level marked."""
    e = posterior.yields_bp["10y"]
    x = _months(e)
    fig, ax = plt.subplots(figsize=(8, 4.1))
    ax.fill_between(x, e["low"], e["high"], color=PALETTE["blue"], alpha=0.2, label="posterior, 90% band")
    for name, result in (("posterior", posterior), ("data", data), ("literature", literature_result)):
        colour, style, label = RESPONSE_STYLE[name]
        ax.plot(x, result.yields_bp["10y"]["mid"], color=colour, linestyle=style,
                label=f"{label}, {'median' if result.band_kind == 'draws' else 'central'}")
    lit = literature_result.yields_bp["10y"]
    ax.fill_between(x, lit["low"], lit["high"], color=PALETTE["orange"], alpha=0.12, label="literature, low to high")
    lasting = posterior.lasting_bp["10y"][1]
    ax.axhline(lasting, color=PALETTE["blue"], linewidth=0.9, linestyle="-.",
               label=f"posterior, lasting level ({number(lasting)})")
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel("10-year yield vs baseline, bp")
    ax.set_xlabel("month")
    legend_above(ax, ncols=3)
    tips: list = []
    d = data.yields_bp["10y"]
    step = 1 if len(e) <= 36 else 2
    for i in range(0, len(e), step):
        tip(tips, ax, x[i], e["mid"].iloc[i],
            f"{e['date'].iloc[i]} (month {i + 1}): posterior {number(e['mid'].iloc[i])} bp "
            f"({number(e['low'].iloc[i])} to {number(e['high'].iloc[i])}); data only {number(d['mid'].iloc[i])}; "
            f"literature {number(lit['mid'].iloc[i])} ({number(lit['low'].iloc[i])} to {number(lit['high'].iloc[i])})")
    return _finish(f"fan_{key}", f"{posterior.title}: the 10-year yield",
                   "Deviation of the 10-year yield from baseline, bp: the posterior response (median and 5th-95th "
                   "percentiles of paths drawn jointly across maturities, specifications and persistence), the "
                   "data-only median, the literature envelope, and the level that lasts once transients decay.",
                   f"{TIC}; {FRED}; this tool", fig, tips)


def maturities(posterior, literature_result, key: str) -> Figure:
    """Every maturity's path under the posterior and the literature, side by side; a path that
    coincides with an earlier one in its panel is drawn dashed on top of it, and the caption
    says which lines lie on which."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.9), sharey=True)
    coincide: list[str] = []
    for ax, result, name in ((a, posterior, "posterior (median)"), (b, literature_result, "literature (central)")):
        drawn: list[tuple[str, np.ndarray]] = []
        for m, colour in zip(("3m", "2y", "5y", "10y", "30y"), CYCLE, strict=False):
            frame = result.yields_bp[m]
            values = frame["mid"].to_numpy(dtype=float)
            under = next((other for other, v in drawn if len(v) == len(values) and np.allclose(v, values, atol=0.01)
                          and np.any(np.abs(values) > 0.01)), None)
            ax.plot(frame["month"], values, color=colour, label=maturity_label(m),
                    linestyle=(0, (4, 3)) if under else "-", linewidth=1.8 if under else None)
            if under:
                coincide.append(f"in the {name.split(' (')[0]} panel the {maturity_label(m)} line lies on the "
                                f"{maturity_label(under)} line")
            drawn.append((m, values))
        ax.axhline(0, color="black", linewidth=0.7)
        ax.set_title(name, fontsize=9.5, loc="left")
        ax.set_xlabel("months into the scenario")
    a.set_ylabel("yield vs baseline, bp")
    handles, labels = b.get_legend_handles_labels()  # the literature panel's: dashed where lines coincide
    legend_right(b, handles, labels)
    same = " " + upper_first("; ".join(coincide)) + " (dashed): they are equal." if coincide else ""
    return _finish(f"maturities_{key}", f"{posterior.title}: every maturity",
                   "Deviation of the 3-month, 2-, 5-, 10- and 30-year yields from baseline, bp." + same,
                   f"{TIC}; {FRED}; this tool", fig)


def scenario_path(result, maturity: str = "10y") -> Figure:
    """One priced scenario: a maturity's path with its band (for the Python API's ``plot()``)."""
    frame = result.yields_bp[maturity]
    x = _months(frame)
    colour, style, label = RESPONSE_STYLE.get(result.response, RESPONSE_STYLE["posterior"])
    fig, ax = plt.subplots(figsize=(8, 3.9))
    band = "90% band" if result.band_kind == "draws" else "low to high"
    ax.fill_between(x, frame["low"], frame["high"], color=colour, alpha=0.2, label=f"{label}, {band}")
    ax.plot(x, frame["mid"], color=colour, linestyle=style,
            label=f"{label}, {'median' if result.band_kind == 'draws' else 'central'}")
    ax.axhline(result.lasting_bp[maturity][1], color=colour, linewidth=0.9, linestyle="-.", label="lasting level")
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_ylabel(f"{maturity_label(maturity)} yield vs baseline, bp")
    ax.set_xlabel("month")
    legend_above(ax)
    return _finish(f"path_{result.scenario}_{maturity}", f"{result.title}: the {maturity_label(maturity)} yield",
                   f"Deviation from baseline, bp ({result.response_source}).", f"{TIC}; {FRED}; this tool", fig)


def comparison(sets, lead_name: str) -> Figure:
    """Every scenario on one chart: the lasting 10-year move and the 10-year interest cost,
    posterior (median and 90% band) beside the literature (central and range)."""
    n = len(sets)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 0.5 * n + 1.7), sharey=True)
    labels = []
    tips: list = []
    for i, s in enumerate(sets):
        title = s.title + (" (lead)" if s.name == lead_name else "")
        labels.append(wrap(title, 2.6, 8, max_lines=3))
        for ax, getter, unit in ((a, lambda r: r.lasting("10y"), "bp"), (b, lambda r: r.cost("10yr"), "$bn")):
            post, lit = getter(s.posterior), getter(s.literature)
            ax.plot([post["p05"], post["p95"]], [i - 0.14] * 2, color=PALETTE["blue"], linewidth=3, alpha=0.6)
            ax.plot([post["median"]], [i - 0.14], "o", color=PALETTE["blue"])
            ax.plot([lit["low"], lit["high"]], [i + 0.14] * 2, color=PALETTE["orange"], linewidth=3, alpha=0.6)
            ax.plot([lit["central"]], [i + 0.14], "s", color=PALETTE["orange"])
            fmt = (lambda v: number(v)) if unit == "bp" else (lambda v: money(v, 0, sign=True))
            what = "lasting 10-year move" if unit == "bp" else "extra federal interest over 10 years"
            tip(tips, ax, post["median"], i - 0.14, f"{s.title}: {what}, posterior {fmt(post['median'])} "
                f"({fmt(post['p05'])} to {fmt(post['p95'])})")
            tip(tips, ax, lit["central"], i + 0.14, f"{s.title}: {what}, literature {fmt(lit['central'])} "
                f"({fmt(lit['low'])} to {fmt(lit['high'])})")
    for ax in (a, b):
        ax.axvline(0, color="black", linewidth=0.7)
        ax.grid(axis="y", visible=False)
    a.set_yticks(range(n), labels, fontsize=8)
    a.invert_yaxis()
    a.set_xlabel("lasting 10-year move, bp")
    b.set_xlabel("extra federal interest over 10 years, $bn")
    a.plot([], [], "o-", color=PALETTE["blue"], label="posterior: median, 90% band")
    a.plot([], [], "s-", color=PALETTE["orange"], label="literature: central, low to high")
    legend_above(a, ncols=2)
    return _finish("comparison", "Every scenario: the lasting 10-year move and the 10-year interest cost",
                   "For each scenario, the level the 10-year yield keeps once transients decay (bp) and the extra "
                   "federal net interest over 10 years ($bn): the posterior response (median and 5th-95th "
                   "percentiles) beside the literature envelope (central, low to high).",
                   f"{TIC}; {FRED}; this tool", fig, tips)


def _ledger_rows(led: dict) -> list[tuple[str, dict | None, str]]:
    """The bargain's comparable amounts, $bn: the US's ten years of extra interest, the seller's
    own ten-year cost, and one year of US duties on its goods (a number, no band)."""
    names = [x["label"] for x in led["sellers"]]
    alone, cost = seller_cost_shown(led)  # a coalition with facts for one seller: its cost, named
    seller = (f"{upper_first(subject(alone))} alone" if alone
              else upper_first(join_words([subject(n) for n in names])) if names else "The seller")
    duties = led["tariff"].get("duties_bn_per_year")
    return [("US: extra federal interest over 10 years", led["us"]["interest_cost_10yr_bn"], "blue"),
            (f"{seller}: own cost over 10 years", cost, "vermillion"),
            ("US duties on its goods, first year", {"median": duties, "p05": duties, "p95": duties} if duties else None,
             "green")]


def bargain(key: str, title: str, led: dict) -> Figure:
    """One scenario's bargain: the US cost, the seller's own cost and the tariff at stake ($bn)."""
    rows = _ledger_rows(led)
    labels = [wrap(label, 2.3, 8.5) for label, _, _ in rows]  # whole names, on as many lines as they take
    lines = sum(t.count("\n") + 1 for t in labels)
    fig, ax = plt.subplots(figsize=(6.6, max(2.4, 0.17 * lines + 1.5)))
    tips: list = []
    missing = []
    for i, (label, band, colour) in enumerate(rows):
        if band is None or band.get("median") is None:
            missing.append(i)
            continue
        ax.plot([band["p05"], band["p95"]], [i, i], color=PALETTE[colour], linewidth=4, alpha=0.5)
        ax.plot([band["median"]], [i], "o", color=PALETTE[colour])
        tip(tips, ax, band["median"], i, f"{label}: {money(band['median'], 0, sign=True)} ("
            f"{money(band['p05'], 0, sign=True)} to {money(band['p95'], 0, sign=True)})")
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("$bn (median and 5th to 95th percentile)")
    not_available(ax, missing)
    return _finish(key, f"The bargain: {title}",
                   "The extra federal interest the US would pay over ten years and the seller's own cost over the "
                   "same years (median and 5th to 95th percentile of the draws), beside the US duties on the "
                   "seller's goods in the scenario's first year ($bn).",
                   f"{TIC}; {FRED}; curated published facts; this tool", fig, tips)


def not_available(ax, rows: list[int]) -> None:
    """"not available" on each of ``rows``, in the wider part of the axes beside the zero line
    (never across it), on a white ground that hides the grid."""
    if not rows:
        return
    left, right = ax.get_xlim()
    zero = (0 - left) / (right - left) if right != left else 0.5
    x, align = ((zero + 1) / 2, "center") if zero < 0.5 else (zero / 2, "center")
    for i in rows:
        ax.text(x, i, "not available", transform=ax.get_yaxis_transform(), ha=align, va="center", fontsize=8.5,
                color=PALETTE["grey"], bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})


def bargain_comparison(sets) -> Figure:
    """Every scenario's bargain on one chart: the US cost beside the seller's own cost ($bn)."""
    items = [(s, s.posterior.ledger) for s in sets if s.posterior.ledger]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(items) + 1.6))
    tips: list = []
    labels = []
    duties = None
    for i, (s, led) in enumerate(items):
        labels.append(wrap(s.title, 3.0, 8, max_lines=3))
        for offset, (label, band, colour) in zip((-0.15, 0.15), _ledger_rows(led)[:2], strict=True):
            if band is None or band.get("median") is None:
                continue
            ax.plot([band["p05"], band["p95"]], [i + offset] * 2, color=PALETTE[colour], linewidth=3, alpha=0.55)
            ax.plot([band["median"]], [i + offset], "o", color=PALETTE[colour])
            tip(tips, ax, band["median"], i + offset, f"{s.title}: {label}, {money(band['median'], 0, sign=True)}")
        duties = duties or led["tariff"].get("duties_bn_per_year")
    if duties:
        ax.axvline(duties, color=PALETTE["green"], linestyle="--", linewidth=1.2)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(items)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("$bn over ten years (median and 5th to 95th percentile)")
    ax.plot([], [], "o-", color=PALETTE["blue"], label="US: extra federal interest")
    ax.plot([], [], "o-", color=PALETTE["vermillion"], label="the seller's own cost")
    if duties:
        ax.plot([], [], "--", color=PALETTE["green"], label="US duties on Japan's goods, first year")
    legend_above(ax, ncols=3)
    return _finish("bargain", "Every scenario's bargain: the US cost beside the seller's own",
                   "For each scenario, the extra federal interest the US would pay over ten years and the seller's "
                   "own cost over the same years (median and 5th to 95th percentile of the draws, $bn); the dashed "
                   "line is the US duties on Japan's goods over the first year.",
                   f"{TIC}; {FRED}; curated published facts; this tool", fig, tips)


SWEEP_VALUES = {
    "cost_10yr": ("extra federal interest over 10 years, $bn", "the 10-year interest cost", "$bn"),
    "y10_24m": ("10-year move after 24 months, bp", "the 10-year move after 24 months", "bp"),
    "y10_lasting": ("lasting 10-year move, bp", "the lasting 10-year move", "bp"),
    "y10_12m": ("10-year move after 12 months, bp", "the 10-year move after 12 months", "bp"),
}


def sweep_heatmap(sweep, value: str = "cost_10yr") -> Figure:
    """Sale size by sale length for one holder: the median of ``value`` in each cell."""
    label, what, unit = SWEEP_VALUES[value]
    middle = "median" if sweep.response != "literature" else "central"
    column = f"{value}_mid_{'bn' if unit == '$bn' else 'bp'}"
    frame = sweep.frame
    table = frame.pivot(index="sale_bn", columns="sale_months", values=column)
    fig, ax = plt.subplots(figsize=(6.6, 0.36 * len(table.index) + 2.0))
    values = table.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="cividis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:,.0f}" for v in table.index])
    ax.set_xlabel("months over which the sale happens")
    ax.set_ylabel("sale, $bn")
    finite = values[np.isfinite(values)]
    mean = float(np.mean(finite)) if finite.size else 0.0
    big = finite.size and np.nanmax(np.abs(finite)) >= 20
    tips: list = []
    rows = frame.set_index(["sale_bn", "sale_months"])
    for i, size in enumerate(table.index):
        for j, months in enumerate(table.columns):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            ax.text(j, i, f"{v:,.0f}" if big else number(v, 1, sign=False) if v >= 0 else number(v), ha="center",
                    va="center", fontsize=8, color="white" if v < mean else "black")
            r = rows.loc[(size, months)]
            unit_key = "bn" if unit == "$bn" else "bp"
            lo, hi = r[f"{value}_low_{unit_key}"], r[f"{value}_high_{unit_key}"]
            fmt = (lambda x: money(x, 0, sign=True)) if unit == "$bn" else number
            tip(tips, ax, j, i, f"{money(size, 0)} over {months} months: {what} {fmt(v)} ({fmt(lo)} to {fmt(hi)})")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=wrap(f"{label} ({middle})", 2.8, 9))
    return _finish(f"sweep_{value}_{_slug(sweep.holder)}", f"{sweep.label} sells: {what}",
                   f"Sensitivity to the size and speed of a sale of bonds and notes by {sweep.label}: {label} "
                   f"({middle}, {sweep.response} response).", f"{TIC}; {FRED}; this tool", fig, tips)


def fiscal_chart(result: dict) -> Figure:
    """Extra federal interest in each year, and cumulated, for a uniform shift of every rate."""
    yearly = np.asarray(result["interest_cost_by_year_bn"], dtype=float)
    years = np.arange(1, len(yearly) + 1)
    fig, ax = plt.subplots(figsize=(8, 3.9))
    ax.bar(years, yearly, color=PALETTE["blue"], label="in the year")
    ax.plot(years, np.cumsum(yearly), color=PALETTE["vermillion"], marker="o", label="cumulative")
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel("extra federal net interest, $bn")
    legend_above(ax)
    shift = number(result["shift_bp"])
    return _finish(f"fiscal_{_slug(shift)}", f"Every Treasury rate {shift} bp from {result['start']}",
                   "Extra federal net interest, $bn: each year's and the cumulative total.",
                   "CBO rules of thumb for the check; this tool", fig)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def posterior_chart(table: pd.DataFrame, maturity: str = "10y") -> Figure:
    """Prior, data and posterior of each holder group's short-run effect (mean and 90% band)."""
    rows = table[table["maturity"] == maturity].reset_index(drop=True)
    # one row for all groups priced with the pooled posterior (they share it)
    own = rows[rows["estimate"] == "own"]
    pooled = rows[rows["estimate"] == "pooled"].head(1).assign(label="Any other holder (pooled)")
    rows = pd.concat([own, pooled], ignore_index=True)
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(rows) + 1.6))
    offsets = {"prior": -0.22, "data": 0.0, "posterior": 0.22}
    colours = {"prior": PALETTE["orange"], "data": PALETTE["green"], "posterior": PALETTE["blue"]}
    tips: list = []
    for i, r in rows.iterrows():
        for what, dy in offsets.items():
            mean, sd = r[f"{what}_mean"], r[f"{what}_sd"]
            ax.plot(list(normal_interval(mean, sd)), [i + dy, i + dy], color=colours[what], linewidth=3, alpha=0.55)
            ax.plot([mean], [i + dy], "o", color=colours[what], label=what if i == 0 else None)
            tip(tips, ax, mean, i + dy, f"{r['label']}, {what}: {number(mean)} bp per $100bn sold (90% band "
                                        "{} to {})".format(*map(number, normal_interval(mean, sd))))
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_yticks(range(len(rows)), rows["label"])
    ax.invert_yaxis()
    ax.set_xlabel(f"{maturity_label(maturity)} yield, bp per $100bn sold (positive: sales raise yields)")
    legend_above(ax)
    return _finish("posterior", "Prior, data and posterior by holder",
                   f"Short-run cumulative effect on the {maturity_label(maturity)} yield, bp per $100bn sold at "
                   "today's scale: the literature prior, the tool's estimate averaged over the specification grid, "
                   "and the posterior (means and 90% bands). Groups without an estimate of their own share the "
                   "pooled posterior.", "Sources: literature table; this tool", fig, tips)


def specification_curve(grid, holder: str, maturity: str = "10y") -> Figure:
    """Every specification's estimate of one holder's effect, sorted, with 90% bands."""
    label = holder_label(holder)
    curve = grid.curve(holder, maturity)
    x = np.arange(len(curve))
    fig, ax = plt.subplots(figsize=(8, 3.9))
    colour = np.where(curve["measure"] == "reported", PALETTE["blue"], PALETTE["green"])
    lo, hi = normal_interval(curve["effect_bp_per_100bn"], curve["se_bp_per_100bn"])
    ax.vlines(x, lo, hi, colors=colour, alpha=0.35, linewidth=1.2)
    ax.scatter(x, curve["effect_bp_per_100bn"], c=colour, s=12, zorder=3)
    ax.axhline(0, color="black", linewidth=0.7)
    ax.set_xlabel("specification (sorted by estimate)")
    ax.set_ylabel(f"{maturity_label(maturity)} yield, bp per $100bn sold")
    ax.plot([], [], "o", color=PALETTE["blue"], label="reported flows")
    ax.plot([], [], "o", color=PALETTE["green"], label="valuation-adjusted flows")
    legend_above(ax)
    tips: list = []
    for i, r in enumerate(curve.itertuples()):
        tip(tips, ax, i, r.effect_bp_per_100bn, f"{measure_label(r.measure)}, controls {r.controls.replace('_', ' ')}, "
            f"lags 0-{r.lags}, window {r.window.replace('_', ' ')}: {number(r.effect_bp_per_100bn)} bp per $100bn sold "
            f"({number(lo.iloc[i])} to {number(hi.iloc[i])})")
    return _finish(f"speccurve_{_slug(holder)}", f"{label}: the estimate under every specification",
                   f"{label}'s cumulative effect on the {maturity_label(maturity)} yield, bp per $100bn sold, in each "
                   f"of the {len(curve)} specifications of the grid (flow measure, controls, lag length, sample "
                   "window), with 90% bands from the wider of the joint HAC and block-bootstrap errors.",
                   f"{TIC}; {FRED}; this tool", fig, tips)


def episode(result) -> Figure:
    """Predicted 10-year move (posterior band, literature central) against the actual path,
    from the month before the window (zero) to its end."""
    est, lit = result.posterior.yields_bp["10y"], result.literature.yields_bp["10y"]
    months = _months(est)
    x = months.insert(0, months[0] - pd.offsets.MonthBegin(1))

    def with_origin(values) -> np.ndarray:
        return np.concatenate([[0.0], np.asarray(values, dtype=float)])

    fig, ax = plt.subplots(figsize=(7, 3.3))
    ax.fill_between(x, with_origin(est["low"]), with_origin(est["high"]), color=PALETTE["blue"], alpha=0.2,
                    label="model, 90% band")
    ax.plot(x, with_origin(est["mid"]), color=PALETTE["blue"], marker="o", markersize=3, label="model (posterior)")
    ax.plot(x, with_origin(lit["mid"]), color=PALETTE["orange"], linestyle="--", marker="s", markersize=3,
            label="model (literature, central)")
    ax.plot(x, with_origin(result.actual_10y_path_bp), color=PALETTE["black"], marker="^", markersize=3,
            label="actual")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("10-year change since the\nmonth before, bp")
    pad = pd.Timedelta(days=20)
    ax.set_xlim(x[0] - pad, x[-1] + pad)
    months = len(x)
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, -(-months // 7))))
    ax.xaxis.set_major_formatter(PlainDates(daily=False))
    legend_above(ax, ncols=4)
    who = ", ".join(holder_label(h) for h in result.holders)
    return _finish(f"episode_{result.episode.key}", result.episode.title,
                   f"Change in the 10-year yield since the month before the window, bp: what the observed "
                   f"flows ({who}) imply under the posterior response (band) and the literature, and what "
                   "happened.", f"{TIC}; {FRED}: daily 10-year Treasury yield; this tool", fig)


class PlainDates(matplotlib.ticker.Formatter):
    """Dates as a reader writes them: ``Mar 2025``, ``Apr`` (monthly) or ``20 Jul 2011``,
    ``1 Aug`` (daily), the year on the first tick and where it changes; no offset label."""

    def __init__(self, daily: bool) -> None:
        self.daily = daily

    def _label(self, value: float, year: bool) -> str:
        d = mdates.num2date(value)
        text = f"{d.day} {d:%b}" if self.daily else f"{d:%b}"
        return f"{text} {d.year}" if year else text

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._label(x, True)

    def format_ticks(self, values) -> list[str]:
        years = [mdates.num2date(v).year for v in values]
        return [self._label(v, i == 0 or years[i] != years[i - 1]) for i, v in enumerate(values)]


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
    panels = (("10y", "10-year\nyield, %", "10-year yield, %", PALETTE["black"]),
              ("term_premium", "term premium\n(Kim-Wright), %", "term premium, %", PALETTE["green"]),
              ("yen", "yen per $\n(noon, NY)", "yen per dollar", PALETTE["purple"]))
    fig, axes = plt.subplots(3, 1, figsize=(7.0, 4.8), sharex=True)
    tips: list = []
    for ax, (measure, label, short, line) in zip(axes, panels, strict=True):
        values = series[measure].loc[start:end]
        ax.plot(values.index, values.to_numpy(), color=line, marker="o", markersize=2.0, linewidth=1.2)
        for day in marks:
            ax.axvline(day, color=colour, linewidth=5, alpha=0.25)
        for item in news:
            ax.axvline(pd.Timestamp(item["date"]), color=PALETTE["grey"], linestyle=":", linewidth=1.1)
        ax.set_ylabel(label, fontsize=8)
        for day, v in values.items():
            if np.isfinite(v):
                tip(tips, ax, day, v, f"{day:%a %d %b %Y}: {short} {v:,.2f}"
                    + (" (intervention day)" if day in set(marks) else ""))
    what = "sold" if direction == "sell_usd" else "bought"
    axes[0].set_title(f"shaded: days Japan {what} dollars; dotted: US news (FOMC, CPI, PPI, jobs)", fontsize=7.5,
                      loc="left", color="#333333")
    axes[-1].xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
    axes[-1].xaxis.set_major_formatter(PlainDates(daily=True))
    return _finish(f"intervention_{key}", title,
                   f"Daily closes from {start.day} {start:%B %Y} to {end.day} {end:%B %Y}: the 10-year Treasury "
                   "yield, the Kim-Wright 10-year term premium and yen per dollar (down = stronger yen). Shaded: the "
                   f"days the Ministry of Finance {what} dollars; dotted: US news inside the study's windows.",
                   "FRED: daily 10-year Treasury yield, Kim-Wright term premium and yen per dollar; the Ministry of Finance's "
                   "published amounts; this tool",
                   fig, tips)
