"""The report's form: rules on reader text and figure sizes that hold for any run, checked on
hand-made inputs (no pipeline run)."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
import pytest

from model.labels import holder_label, plural, subject
from model.report.appendix import (
    break_list,
    data_note,
    merged_bands,
    scenario_notes,
    without_anderson_rubin,
)
from model.report.build import (
    MAX_FIGURE_HEIGHT_MM,
    MIN_FIGURE_SCALE,
    PT_TO_MM,
    TEXT_WIDTH_MM,
    figure_width_pct,
)
from model.report.document import sentence, signs
from model.report.figures import PlainDates


def test_plural_takes_common_nouns_not_place_names():
    assert plural("Oil exporters") and plural("Caribbean banking centres")
    assert not plural("Cayman Islands") and not plural("Japan") and not plural("Other official")
    assert not plural("Total foreign") and not plural("")


def test_a_tables_sole_row_reads_as_its_group():
    assert holder_label("japan") == "Japan"
    assert holder_label("China, Mainland") == "China (Mainland)"
    assert holder_label("Grand Total") == "Total foreign"
    assert holder_label("Nowhere") == "Nowhere"


def test_scenario_notes_one_sentence_per_holder_with_its_verb():
    notes = ["Japan: sells $100bn over 12 months",
             "posterior: Oil exporters: no estimate of its own; priced with the pool",
             "data only: Oil exporters: no estimate of its own; priced with the pool",
             "Oil exporters: sells its bonds and notes",
             "a note about no holder"]
    out = scenario_notes(["Japan", "Oil exporters"], notes)
    assert out == ["Japan sells $100bn over 12 months",
                   "the oil exporters sell their bonds and notes; they have no estimate of their own: the posterior "
                   "and data-only responses price them with the pooled estimate",
                   "a note about no holder"]
    assert sentence(out[1]).startswith("The oil exporters sell ")
    # a singular holder with only the pooled note: "Japan: no estimate of its own: ..."
    alone = scenario_notes(["United Kingdom"], ["literature: United Kingdom: no estimate of its own"])
    assert alone == [f"{subject('United Kingdom')}: no estimate of its own: the literature response prices it with the "
                     "pooled estimate"]


def test_merged_bands_says_each_responses_bands_once():
    class R:
        def __init__(self, notes):
            self.notes = notes

    a, b = "bands: from 4,000 draws", "bands: the envelope's low and high"
    sset = {"posterior": R([a]), "data": R([a]), "literature": R([b])}
    out = merged_bands(["first", a, b, "last"], sset)
    assert out == ["first", "bands: for the posterior and data-only responses, from 4,000 draws; for the literature "
                   "response, the envelope's low and high", "last"]
    assert merged_bands(["first", a], sset) == ["first", a]


def test_signs_says_code_and_footnotes_in_words():
    text = signs("bills (pricing.bills = 'estimated' prices them with their own estimate) stay; see x.y = 'z'")
    assert text == "bills, unless a scenario file asks for them to be priced with their own estimate stay; see a " \
                   "setting in the scenario file"
    assert signs("a row (footnote 12/) moved") == "a row moved"
    assert signs("1 month(s), 3 month(s), a >= b <= c") == "1 month, 3 months, a \u2265 b \u2264 c"
    assert signs("-4 bp, 2003-02") == "\u22124 bp, 2003-02"
    for words in ("pricing.bills", "footnote", "(s)", "'estimated'"):
        assert words not in text + signs("1 month(s) (footnote 3/)")


def test_break_list_groups_months_by_reason_without_nested_parentheses():
    out = break_list({"2000-03": "A new benchmark series (a month shown twice)",
                      "2002-06": "A new benchmark series (a month shown twice)",
                      "2011-09": "Form S ends"})
    assert out == "2000-03 and 2002-06 (a new benchmark series: a month shown twice); 2011-09 (Form S ends)"


def test_data_note_and_instrument_verdict_in_reader_words():
    note = data_note("bei_pct (T10YIE) not available: the 10-year breakeven (live pull only); run 'tlrisk data pull' "
                     "to add it")
    assert note == "the 10-year breakeven is not in the shipped data (pulling the latest data adds it)"
    verdict = ("The instrument is weak; the Anderson-Rubin test rejects zero, with a set of 2 to 9 bp per $100bn sold. "
               "Read it as direction.")
    assert without_anderson_rubin(verdict) == "The instrument is weak. Read it as direction."


@pytest.mark.parametrize("aspect", [0.3, 0.45, 0.6, 0.9, 1.4, 2.5])
def test_figure_width_keeps_labels_legible(aspect):
    width_pt = 576.0  # an 8-inch chart
    pct = figure_width_pct(aspect, width_pt)
    width_mm = TEXT_WIDTH_MM * pct / 100
    assert 0 < pct <= 100
    scale = width_mm / (width_pt * PT_TO_MM)
    height_mm = width_mm * aspect
    # never taller than the normal limit unless that is what keeps the text at the minimum scale
    if height_mm > MAX_FIGURE_HEIGHT_MM + 1e-9:
        assert scale <= MIN_FIGURE_SCALE + 1e-9
    # legible unless it would exceed the tall limit or the text width
    assert scale >= MIN_FIGURE_SCALE - 1e-9 or height_mm >= 150.0 - 1e-6 or pct == 100.0
    # without a drawn size, the old rule: as wide as the text, no taller than the limit
    assert figure_width_pct(aspect) == pytest.approx(100 * min(TEXT_WIDTH_MM, MAX_FIGURE_HEIGHT_MM / aspect)
                                                     / TEXT_WIDTH_MM)


def test_plain_dates_name_the_year_once_per_year():
    months = [mdates.date2num(pd.Timestamp(d)) for d in ("2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01")]
    assert PlainDates(daily=False).format_ticks(months) == ["Nov 2024", "Dec", "Jan 2025", "Feb"]
    days = [mdates.date2num(pd.Timestamp(d)) for d in ("2011-07-20", "2011-08-01")]
    assert PlainDates(daily=True).format_ticks(days) == ["20 Jul 2011", "1 Aug"]


def test_wrong_signed_impulse_responses_are_one_table_row_each():
    from types import SimpleNamespace

    import numpy as np

    from model.report.appendix import irf_signs

    def lp(holder, irf):
        irf = np.asarray(irf, dtype=float)
        frame = pd.DataFrame({"irf_bp_per_100bn": irf, "se_bp_per_100bn": np.full(len(irf), 2.0),
                              "p95": irf + 3.29})
        return SimpleNamespace(holder=holder, flow_measure="reported", horizons=len(irf) - 1, to_frame=lambda: frame)

    down = [-5.0] * 13 + [1.0] * 12  # below zero at 13 of 25 horizons, the band wholly below at 13
    results = SimpleNamespace(local_projections=[lp("japan", down), lp("china", [1.0] * 25)])
    table = irf_signs(results, {"japan": "Japan"})
    assert len(table.rows) == 1  # the right-signed response has no row
    cells = ["".join(s.text for s in c.text) for c in table.rows[0]]
    assert cells[0] == "Japan" and cells[2] == "13 of 25" and cells[3] == "13"
    assert cells[4] == "\u22125.0 (2.0)"  # at 12 months
    assert irf_signs(SimpleNamespace(local_projections=[lp("china", [1.0] * 25)]), {}) is None


def _pool(group: str, effect: float, p: float, mde: float) -> dict:
    return {"group": group, "effect_bp_per_100bn": effect, "p_value": p, "minimum_detectable_effect_bp_per_100bn": mde}


def test_the_evidence_on_intervention_days_is_said_as_it_points():
    """Where the days and the months point beside the model, from the numbers: the selling days,
    the most powerful comparison when it is significant, and the instrument."""
    from model.report.build import Context

    sold = _pool("sell_usd", 0.0, 0.85, 40.0)
    buy = _pool("buy_usd", 20.8, 0.005, 19.8)
    ev = {"pooled": [sold, buy]}
    assert Context._evidence_mixed(sold, ev, 44.1, 5.4) == (
        "The evidence is mixed: the days Japan sold dollars show nothing; the days Japan bought dollars and the "
        "monthly instrument point above the model; none pins a size")
    # a significant selling day, an instrument below the model: each said where it points
    sold = _pool("sell_usd", 30.0, 0.01, 19.0)
    assert Context._evidence_mixed(sold, {"pooled": [sold, _pool("buy_usd", 1.0, 0.7, 25.0)]}, 2.0, 5.4) == (
        "The evidence is mixed: the days Japan sold dollars point above the model; the monthly instrument points "
        "below it; none pins a size")


def test_other_readings_count_the_wrong_signs(fitted):
    from model.report.brief import other_readings

    levels = [e.effect_bp_per_100bn for r in fitted.levels for e in r.effects.values()]
    paths = [lp.to_frame()["irf_bp_per_100bn"].to_numpy() for lp in fitted.local_projections]
    text = other_readings(fitted)
    wrong_levels = sum(v < 0 for v in levels)
    wrong_paths = sum(sum(v < 0 for v in path) > len(path) / 2 for path in paths)
    assert (f"{wrong_levels} of the {len(levels)} regressions in levels" in text) == (wrong_levels > 0)
    assert (f"the local projections for {wrong_paths} of the {len(paths)}" in text) == (wrong_paths > 0)
    assert (text == "") == (wrong_levels == 0 and wrong_paths == 0)


def test_the_bargain_a_year_at_a_time():
    """The ten-year amounts as yearly averages beside the first year's duties, from the ledger."""
    from model.report.bargain import per_year

    band = lambda m: {"median": m, "p05": m - 1, "p95": m + 1}  # noqa: E731
    led = {"us": {"interest_cost_10yr_bn": band(86.0)},
           "bargain": {"seller_cost_10yr_bn": band(77.0), "seller_cost_10yr_without_carry_bn": band(5.0)},
           "tariff": {"holder": "japan", "duties_bn_per_year": 13.03},
           "sellers": [{"holder": "japan", "label": "Japan"}]}
    assert per_year(led) == (" A year at a time: the US would pay about $8.6bn a year of extra interest on average "
                             "over the ten years, against $13bn of duties on Japan's goods in the first year; Japan "
                             "would bear about $7.7bn a year ($0.5bn without the yield given up).")
    led["bargain"]["seller_cost_10yr_without_carry_bn"] = band(-2.0)
    assert per_year(led).endswith("(nothing, on balance, without the yield given up).")
    led["us"]["interest_cost_10yr_bn"] = band(-35.0)  # a saving: no bargain to put a year at a time
    assert per_year(led) == ""


def test_the_grid_says_where_it_extrapolates_from_the_episodes_fields():
    """The caveat names the data's largest six-month sale by its seller's reader label and its
    window's months, read from the episode's fields (not its title): hand-worked for a sale of
    $230.2bn by the Treasury's "China, Mainland" row, September 2022 to February 2023."""
    from types import SimpleNamespace

    from model.episodes import Episode
    from model.report.brief import extrapolation
    from model.report.words import month_name

    episode = Episode(key="largest_6m_sale", title="A title the sentence must not parse", start="2022-09",
                      end="2023-02", holders=["China, Mainland"], note="", source="")
    found = SimpleNamespace(episode=episode, holders=["China, Mainland"], flows_reported_bn=-230.2)
    other = SimpleNamespace(episode=episode.model_copy(update={"key": "taper_2013"}), holders=["japan"],
                            flows_reported_bn=-900.0)
    ctx = SimpleNamespace(inputs=SimpleNamespace(episodes=[other, found]), month=month_name)
    assert extrapolation(ctx, 500.0) == (
        " The response is linear in the amount, and the largest six-month sale by one country in the data was "
        "$230bn (China (Mainland), Sep 2022 to Feb 2023): sales of up to $500bn here are extrapolations.")
    assert extrapolation(ctx, 230.0) == ""  # the grid stays within the data's largest sale
    assert extrapolation(SimpleNamespace(inputs=SimpleNamespace(episodes=[other]), month=month_name), 500.0) == ""
