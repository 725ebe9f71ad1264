"""The monthly analysis frame, on the shipped snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.config import HolderConfig
from model.panel import build_panel, group_values, valuation_config


def test_every_column_is_documented_with_units(panel):
    undocumented = [c for c in panel.frame.columns if c not in panel.columns]
    assert not undocumented
    doc = panel.describe_columns()
    assert set(doc["units"]) <= {"$bn", "bp", "percent", "share", "flag", "JPY per USD", "index",
                                 "$bn (annual rate)"}


def test_months_are_continuous_and_missing_stays_missing(panel):
    f = panel.frame
    assert (f.index == pd.date_range(f.index[0], f.index[-1], freq="MS")).all()
    assert f.loc["2026-04-01", "japan_holdings_bn"] == 1209.9  # Table 5, newest
    assert np.isnan(f.loc["2026-05-01", "japan_holdings_bn"])  # not published: not filled
    assert f.loc["2025-12-01", "total_foreign_holdings_bn"] == 9267.2  # May vintage wins
    assert np.isnan(f.loc["2000-02-01", "japan_holdings_bn"])  # table starts March 2000


def test_yields_and_changes(panel, snapshot_bundle):
    f = panel.frame
    fred = snapshot_bundle.fred_monthly()
    gs10 = fred[fred["series_id"] == "GS10"].set_index("month")["mean"]
    assert f.loc["2025-12-01", "y10y_pct"] == gs10["2025-12-01"] == 4.14
    assert f.loc["2025-12-01", "dy10y_bp"] == pytest.approx((gs10["2025-12-01"] - gs10["2025-11-01"]) * 100)
    assert f.loc["2025-12-01", "y10y_eom_pct"] == 4.18  # DGS10 on 2025-12-31
    # GS30 ends Oct 2025; the daily average continues it, flagged
    assert not f.loc["2025-10-01", "y30y_from_daily"] and f.loc["2025-11-01", "y30y_from_daily"]
    dgs30 = fred[fred["series_id"] == "DGS30"].set_index("month")["mean"]
    assert f.loc["2025-11-01", "y30y_pct"] == dgs30["2025-11-01"]
    assert f.loc["2025-10-01", "y30y_pct"] == fred[fred["series_id"] == "GS30"].set_index("month")["mean"]["2025-10-01"]
    # a daily file that stops mid-month gives no month-end value for that month
    assert np.isnan(f.loc["2026-02-01", "y2y_eom_pct"])


def test_scale_series(panel, snapshot_bundle):
    f = panel.frame
    fred = snapshot_bundle.fred_monthly()
    debt = fred[fred["series_id"] == "FYGFDPUN"].set_index("month")["mean"]
    # end-of-quarter stock: Q4 2025 (dated 2025-10-01) sits in December
    assert f.loc["2025-12-01", "debt_public_bn"] == pytest.approx(debt["2025-10-01"] / 1000)
    assert f.loc["2025-11-01", "debt_public_bn"] == pytest.approx(
        (2 * debt["2025-10-01"] + debt["2025-07-01"]) / 3 / 1000)
    assert not f.loc["2026-03-01", "debt_public_carried"]
    assert f.loc["2026-04-01", "debt_public_carried"] and f.loc["2026-06-01", "debt_public_carried"]
    assert f.loc["2000-01-01", "debt_public_bn"] == pytest.approx(3687.974 * 2 / 3 + 3652.6 / 3, rel=0.01)


def test_groups(panel):
    f = panel.frame
    row = panel.holdings[panel.holdings["month"] == "2025-12-01"].set_index("holder")["holdings_bn"]
    assert f.loc["2025-12-01", "custody_centers_holdings_bn"] == pytest.approx(
        row["Belgium"] + row["Luxembourg"] + row["Switzerland"] + row["United Kingdom"])
    assert f.loc["2025-12-01", "other_official_holdings_bn"] == pytest.approx(
        row["Foreign Official"] - row["Japan"] - row["China, Mainland"])
    assert f.loc["2025-12-01", "foreign_private_holdings_bn"] == pytest.approx(row["Grand Total"] - row["Foreign Official"])
    # the published Oil Exporters aggregate ends with the 2011 block, then members are summed
    assert f.loc["2011-12-01", "oil_exporters_holdings_bn"] == 260.8
    assert f.loc["2011-12-01", "oil_exporters_holdings_complete"]
    assert not f.loc["2012-01-01", "oil_exporters_holdings_complete"]
    members = ["Saudi Arabia", "United Arab Emirates", "Kuwait", "Iraq", "Oman", "Indonesia", "Ecuador", "Venezuela",
               "Bahrain", "Iran", "Qatar", "Algeria", "Gabon", "Libya", "Nigeria"]
    assert f.loc["2025-12-01", "oil_exporters_holdings_bn"] == pytest.approx(sum(row.get(m, 0) for m in members))
    # Belgium and Luxembourg were one row before June 2002
    early = panel.holdings[panel.holdings["month"] == "2001-06-01"].set_index("holder")["holdings_bn"]
    assert f.loc["2001-06-01", "custody_centers_holdings_bn"] == pytest.approx(
        early["Belgium-Luxembourg"] + early["Switzerland"] + early["United Kingdom"])


def test_group_values_hand_worked():
    holders = HolderConfig.model_validate({
        "aliases": {}, "memo": {}, "kinds": {},
        "groups": {
            "oil": {"label": "Oil", "aggregate": "Oil Exporters", "members": ["A", "B"]},
            "tot": {"label": "Total", "members": ["Grand Total"]},
            "rest": {"label": "Rest", "plus": ["tot"], "minus": ["oil"]},
        },
    })
    months = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"])
    tidy = pd.DataFrame({
        "month": [months[0], months[0], months[0], months[1], months[1], months[0], months[1], months[2]],
        "holder": ["Oil Exporters", "A", "B", "A", "B", "Grand Total", "Grand Total", "Grand Total"],
        "v": [10.0, 4.0, 5.0, 6.0, np.nan, 100.0, 120.0, 130.0],
    })
    values, complete = group_values(tidy, "v", holders, pd.DatetimeIndex(months))
    assert values["oil"].tolist()[:2] == [10.0, 6.0] and np.isnan(values["oil"].iloc[2])
    assert complete["oil"].tolist() == [True, False, True]
    assert values["rest"].tolist()[:2] == [90.0, 114.0]


def test_valuation_adjustment_hand_worked(panel):
    f = panel.frame
    d = valuation_config().duration("japan")
    t, prev = pd.Timestamp("2022-09-01"), pd.Timestamp("2022-08-01")
    expected = (f.loc[t, "japan_holdings_bn"] - f.loc[prev, "japan_holdings_bn"]
                + d * f.loc[prev, "japan_holdings_bn"] * (1 - f.loc[prev, "japan_bill_share"])
                * (f.loc[t, "y10y_eom_pct"] - f.loc[prev, "y10y_eom_pct"]) / 100)
    assert f.loc[t, "japan_adj_purchases_bn"] == pytest.approx(expected)
    # before the market-value era holdings were built from transactions: no adjustment
    early = f.loc["2005-01-01":"2011-11-01"]
    assert (early["japan_adj_purchases_bn"] == early["japan_dholdings_bn"]).all()


def test_valuation_formula_tracks_reported_valuation(panel):
    """The SLT reports valuation changes from 2023: our duration formula must track them."""
    f = panel.frame.loc["2023-03-01":"2026-04-01"]
    for g in ("japan", "total_foreign"):
        implied = -(f[f"{g}_adj_purchases_bn"] - f[f"{g}_dholdings_bn"])
        assert implied.corr(f[f"{g}_valuation_bn"]) > 0.9
        assert implied.std() == pytest.approx(f[f"{g}_valuation_bn"].std(), rel=0.35)


def test_naive_flows_are_contaminated_by_valuation(panel):
    """The trap the estimation must avoid: after 2011 naive holdings changes co-move with yields."""
    f = panel.frame.loc["2012-01-01":"2022-12-01"]
    assert f["japan_dholdings_bn"].corr(f["dy10y_eom_bp"]) < -0.5
    assert abs(f["japan_adj_purchases_bn"].corr(f["dy10y_eom_bp"])) < 0.2


def test_breaks_and_flags(panel):
    assert {"2000-03", "2002-06", "2011-06", "2011-09", "2011-12", "2023-02"} <= set(panel.breaks)
    f = panel.frame
    assert f.loc["2011-06-01", "series_break"] and not f.loc["2011-07-01", "series_break"]
    assert f.loc["2023-02-01", "flow_splice"] and f["flow_splice"].sum() == 1
    assert f.loc["2023-01-01", "japan_net_purchases_bn"] == pytest.approx(1.4, abs=0.05)


def test_revisions_carried_into_panel(panel):
    rev = panel.revisions
    gt = rev[(rev["holder"] == "Grand Total") & (rev["month"] == "2025-12-01")]
    assert gt["old_value_bn"].iloc[0] == 9271.0 and gt["new_value_bn"].iloc[0] == 9267.2


def test_panel_from_fixtures_only(fixtures, tmp_path):
    """The panel builds from the small published-format fixtures alone (a fresh clone's tests)."""
    from model.sources.bundle import load_bundle
    from model.sources.catalog import source_catalog
    from model.sources.pull import import_local
    from model.sources.store import DataStore

    local = tmp_path / "raw"
    local.mkdir()
    names = {"mfhhis_mini.txt": "mfhhis01.txt", "slt_table5_mini.txt": "slt_table5.txt",
             "s1_globl_mini.txt": "s1_globl.txt", "slt_table3_mini.txt": "slt_table3.txt",
             "fred_GS10_mini.csv": "GS10.csv", "fred_DGS10_mini.csv": "DGS10.csv",
             "fred_FYGFDPUN_mini.csv": "FYGFDPUN.csv"}
    for src, dst in names.items():
        (local / dst).write_bytes((fixtures / src).read_bytes())
    cache = DataStore(tmp_path / "cache", "cache")
    outcomes = import_local(source_catalog(), local, cache, DataStore(tmp_path / "snap", "snapshot"))
    assert sum(o.status == "updated" for o in outcomes) == len(names)
    p = build_panel(load_bundle(cache, DataStore(tmp_path / "snap", "snapshot")))
    assert p.frame.loc["2025-12-01", "japan_holdings_bn"] == 1185.5
    assert p.frame.loc["2026-04-01", "japan_holdings_bn"] == 1209.9
