"""The intervention event study: window arithmetic against a hand computation on real days
(the publisher's files and the shipped snapshot), the US-news flags, and the placebo test
recovering a planted effect and finding none in pure noise."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.errors import InputError
from model.events import (
    DailyData,
    InterventionDay,
    clusters,
    load_interventions,
    load_us_news,
    model_effect,
    placebo_statistic,
    run_event_study,
)
from model.schema import SCHEMA_VERSION
from model.sources.store import DataStore

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "curated"


@pytest.fixture(scope="module")
def days():
    return load_interventions(CURATED / "jp_interventions.csv")


@pytest.fixture(scope="module")
def news():
    return load_us_news(CURATED / "us_news.csv")


@pytest.fixture(scope="module")
def daily(snapshot_bundle):
    return DailyData.from_long(snapshot_bundle.fred_daily())


@pytest.fixture(scope="module")
def study(days, news, daily, context):
    return run_event_study(days, news, daily, model=model_effect(context.response),
                           envelope=context.response.envelope, draws=4000)


# ---------------------------------------------------------------------------------------------
# Hand computation: read the series as plain text, walk to the neighbouring business days
# ---------------------------------------------------------------------------------------------


def plain_series(rows: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """(date, value) pairs with the empty holiday cells left out."""
    return [(d, float(v)) for d, v in rows if v not in ("", ".")]


def hand_window(series: list[tuple[str, float]], day: str, k: int) -> tuple[str, str, float, float]:
    """Base: the last observation before ``day``; end: the k-th observation from ``day`` on."""
    dates = [d for d, _ in series]
    first = next(i for i, d in enumerate(dates) if d >= day)
    return dates[first - 1], dates[first + k - 1], series[first - 1][1], series[first + k - 1][1]


def check_against(study, sources: dict[str, list[tuple[str, float]]]) -> None:
    cases = [("2022-09-22", "sell_usd"), ("2022-10-21", "sell_usd"), ("2024-05-01", "sell_usd"),
             ("2011-10-31", "buy_usd")]
    events = {e.day.date.isoformat(): e for e in study.events}
    for day, direction in cases:
        event = events[day]
        assert event.day.direction == direction
        rate = next(v for d, v in reversed(sources["DEXJPUS"]) if d <= day)
        usd = event.day.amount_jpy_bn / rate
        assert event.amount_usd_bn == pytest.approx(usd)
        sold = usd if direction == "sell_usd" else -usd
        for k in (1, 2, 5):
            w = event.at(k)
            base_d, end_d, b, e = hand_window(sources["DGS10"], day, k)
            assert (f"{w.base_date:%Y-%m-%d}", f"{w.end_date:%Y-%m-%d}") == (base_d, end_d)
            assert w.changes["10y"] == pytest.approx((e - b) * 100, abs=1e-9)
            assert w.per_100bn["10y"] == pytest.approx((e - b) * 100 / (sold / 100))
            _, _, b, e = hand_window(sources["THREEFYTP10"], day, k)
            assert w.changes["term_premium"] == pytest.approx((e - b) * 100, abs=1e-9)
            _, _, b, e = hand_window(sources["DEXJPUS"], day, k)
            assert w.changes["yen"] == pytest.approx((b / e - 1) * 100)


@pytest.mark.raw
def test_windows_match_a_hand_computation_on_the_publishers_files(study, raw_dir):
    sources = {}
    for series in ("DGS10", "THREEFYTP10", "DEXJPUS"):
        with open(raw_dir / "fred" / f"{series}.csv", encoding="utf-8") as handle:
            sources[series] = plain_series([tuple(r) for r in list(csv.reader(handle))[1:]])
    check_against(study, sources)
    # the numbers themselves (grep 2022-09-2[12] in the files): 10-year 3.51 -> 3.70 percent, term
    # premium 0.3618 -> 0.4323, yen 144.14 -> 142.16 per dollar
    event = next(e for e in study.events if e.day.date.isoformat() == "2022-09-22")
    assert event.at(1).changes["10y"] == pytest.approx(19.0)
    assert event.at(1).changes["term_premium"] == pytest.approx(7.05)
    assert event.at(1).changes["yen"] == pytest.approx((144.14 / 142.16 - 1) * 100)
    assert event.usd_jpy == 142.16 and event.amount_usd_bn == pytest.approx(2838.2 / 142.16)


def test_windows_match_a_hand_computation_on_the_shipped_snapshot(study):
    snapshot = DataStore(ROOT / "data" / "snapshot", "snapshot")
    sources = {}
    for series in ("DGS10", "THREEFYTP10", "DEXJPUS"):
        part = snapshot.read(f"fred_{series}")["daily"]
        sources[series] = [(f"{d:%Y-%m-%d}", float(v)) for d, v in zip(part["date"], part["value"], strict=True)]
    check_against(study, sources)


# ---------------------------------------------------------------------------------------------
# US news, groups, episodes, the model beside the data
# ---------------------------------------------------------------------------------------------


def test_us_news_flags(study):
    events = {e.day.date.isoformat(): e for e in study.events}
    assert [(n["event"], n["when"]) for n in events["2022-09-22"].us_news] == [("fomc", "the business day before")]
    assert [n["event"] for n in events["2024-05-01"].us_news] == ["fomc"]
    assert [n["event"] for n in events["2024-07-11"].us_news] == ["cpi"]
    assert [n["event"] for n in events["2024-07-12"].us_news] == ["ppi"]
    assert events["2022-10-21"].us_news == [] and events["2024-04-29"].us_news == []
    # a longer window collects later news: the FOMC of 1 May and the jobs report of 3 May 2024
    assert [n["event"] for n in events["2024-04-29"].at(5).news] == ["fomc", "employment"]
    sell_1d = study.pooled_row("sell_usd", 1, True)
    assert sell_1d.days == ["2022-10-21", "2022-10-24", "2024-04-29"]
    assert study.pooled_row("sell_usd", 1, False).n_days == 7
    assert study.pooled_row("buy_usd", 1, False).n_days == 8


def test_pooled_effect_is_the_amount_weighted_mean(study):
    """Weighting each day's effect per $100bn by its dollar amount is 100 x sum(change) / sum(sold)."""
    for row in study.pooled:
        if not row.days:
            continue
        kept = [e for e in study.events if e.day.date.isoformat() in row.days]
        weights = np.array([abs(e.dollars_sold_bn) for e in kept])
        per = np.array([e.at(row.window_days).per_100bn["10y"] for e in kept])
        assert row.effects["10y"] == pytest.approx(np.sum(weights * per) / np.sum(weights))
        assert 0 < row.p_values["10y"] <= 1 and row.placebo_band[0] < row.placebo_band[1]


def test_episodes_and_verdicts(study, context):
    keys = [e.key for e in study.episodes]
    assert keys == ["buy_usd_2010_09_15", "buy_usd_2011_03_18", "buy_usd_2011_08_04", "buy_usd_2011_10_31",
                    "sell_usd_2022_09_22", "sell_usd_2022_10_21", "sell_usd_2024_04_29", "sell_usd_2024_07_11"]
    table = context.response.posterior_table({"japan": "Japan"})
    effect = table[table["maturity"] == "10y"]["posterior_mean"].iloc[0]  # bp per $100bn sold
    env = context.response.envelope
    for ep in study.episodes:
        assert ep.predicted_posterior[1] == pytest.approx(effect * ep.dollars_sold_bn / 100)
        assert ep.predicted_literature[1] == pytest.approx(env["short_run"]["central"] * ep.dollars_sold_bn / 100)
        assert ep.predicted_literature[0] <= ep.predicted_literature[2]
        assert ep.verdict.split(":")[0].split(",")[0] in ("consistent", "too small", "too large", "wrong sign")
    may = study.episodes[6]
    assert may.days == ["2024-04-29", "2024-05-01"] and (f"{may.base_date:%m-%d}", f"{may.end_date:%m-%d}") == ("04-26", "05-02")


def test_json_contract(study):
    payload = study.to_dict()
    assert payload["schema_version"] == SCHEMA_VERSION
    event = payload["events"][0]
    assert {"date", "direction", "amount_jpy_bn", "amount_usd_bn", "us_news", "windows"} <= set(event)
    assert [w["window_days"] for w in event["windows"]] == [1, 2, 5]
    assert {"change_10y_bp", "change_term_premium_bp", "change_yen_pct", "effect_bp_per_100bn"} <= set(event["windows"][0])
    assert {(p["group"], p["window_days"], p["excluding_us_news"]) for p in payload["pooled"]} == {
        (g, k, x) for g in ("sell_usd", "buy_usd") for k in (1, 2, 5) for x in (False, True)}
    for p in payload["pooled"]:
        assert {"group", "window_days", "excluding_us_news", "n_days", "effect_bp_per_100bn", "p_value"} <= set(p)


# ---------------------------------------------------------------------------------------------
# The placebo test on synthetic data (seeded, fast)
# ---------------------------------------------------------------------------------------------


def synthetic(seed: int, jump_bp: float = 0.0) -> tuple[list[InterventionDay], DailyData]:
    """Random-walk series over 2022-2024 business days, and eight selling days (two clusters)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", "2024-12-31")
    sell = ["2022-03-15", "2022-06-08", "2022-06-09", "2022-11-16", "2023-05-10", "2023-05-12", "2024-02-14",
            "2024-09-25"]
    steps = rng.normal(0.0, 0.06, (3, len(dates)))  # 6 bp a day in yields, 0.06% in the yen
    hit = dates.isin(pd.to_datetime(sell))
    steps[0, hit] += jump_bp / 100  # yields jump on the selling days
    y10 = 3.0 + np.cumsum(steps[0])
    tp = 0.5 + np.cumsum(steps[1])
    yen = 140.0 * np.exp(np.cumsum(steps[2]) / 100)
    frame = pd.concat([pd.DataFrame({"date": dates, "series_id": sid, "value": v})
                       for sid, v in (("DGS10", y10), ("THREEFYTP10", tp), ("DEXJPUS", yen))])
    days = [InterventionDay(date=dt.date.fromisoformat(d), direction="sell_usd", amount_jpy_bn=3500.0, amount_note="synthetic",
                            timing_note="synthetic", source_url="https://example.org/x") for d in sell]
    return days, DailyData.from_long(frame)


def test_placebo_recovers_a_planted_effect():
    days, daily = synthetic(11, jump_bp=12.0)
    study = run_event_study(days, [], daily, draws=2000, seed=1)
    row = study.pooled_row("sell_usd", 1, False)
    usd = np.mean([e.amount_usd_bn for e in study.events])
    assert row.n_days == 8 and row.p_values["10y"] < 0.01
    # 12 bp a day on about $25bn a day: about 48 bp per $100bn, give or take the noise (6 bp a day)
    assert row.effects["10y"] == pytest.approx(12.0 / (usd / 100), abs=4 * 6.0 / np.sqrt(8) / (usd / 100))
    assert row.p_values["term_premium"] > 0.01  # nothing was planted there


def test_placebo_finds_nothing_in_noise():
    """Across 40 noise series the test rejects at 5% about 5% of the time, not more."""
    pvalues = []
    for seed in range(40):
        days, daily = synthetic(100 + seed)
        study = run_event_study(days, [], daily, draws=500, seed=seed)
        pvalues.append(study.pooled_row("sell_usd", 1, False).p_values["10y"])
    pvalues = np.array(pvalues)
    assert np.mean(pvalues < 0.05) <= 0.125 and 0.35 < pvalues.mean() < 0.65


def test_placebo_draws_keep_the_spacing_of_a_cluster():
    changes = np.arange(200, dtype=float)
    candidates = np.array([p for p in range(1, 190) if p not in (50, 51, 52)])
    draws = placebo_statistic(changes, candidates, [100, 102], 100.0, 500, np.random.default_rng(0))
    anchors = (draws - 2) / 2  # sum of changes at a and a + 2
    assert np.allclose(anchors, np.round(anchors))
    assert set(anchors.astype(int)) <= set(candidates) and not set(anchors.astype(int)) & {48, 49, 50, 51, 52}
    assert clusters([3, 4, 20, 24, 40]) == [[3, 4], [20, 24], [40]]


# ---------------------------------------------------------------------------------------------
# Curated files: bad rows are refused with the file and line
# ---------------------------------------------------------------------------------------------


def test_bad_curated_rows(tmp_path):
    text = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    bad = tmp_path / "days.csv"
    bad.write_text("\n".join([text[0], text[1].replace("buy_usd", "buy_dollars"), *text[2:]]) + "\n")
    with pytest.raises(InputError, match="direction") as info:
        load_interventions(bad)
    assert info.value.line == 2 and info.value.path == str(bad)
    bad.write_text("\n".join([text[0], text[1].replace(",2125,", ",-5,"), *text[2:]]) + "\n")
    with pytest.raises(InputError, match="greater than 0"):
        load_interventions(bad)
    bad.write_text("\n".join([text[0], text[2], text[1], *text[3:]]) + "\n")
    with pytest.raises(InputError, match="date order"):
        load_interventions(bad)
    bad.write_text("date,event\n2024-05-01,fomc\n")
    with pytest.raises(InputError, match="header should be"):
        load_us_news(bad)


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def test_tlrisk_events_json(capsys):
    import json

    from model.cli import main

    assert main(["events", "--json", "--draws", "500"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["schema_version"] == SCHEMA_VERSION and len(payload["events"]) == 15
    row = next(p for p in payload["pooled"] if (p["group"], p["window_days"], p["excluding_us_news"])
               == ("sell_usd", 1, True))
    assert row["n_days"] == 3 and 0 < row["p_value"] <= 1
    assert payload["iv"]["sample_start"] == "2004-04" and payload["iv"]["first_stage"]["f_hac"] > 0
    assert payload["model"]["effect_bp_per_100bn"] is not None and payload["literature"]["short_run"]["central"] > 0
    assert main(["events", "--draws", "200"]) == 0
    text = capsys.readouterr().out
    assert "Pooled (amount-weighted" in text and "Instrumental variables" in text


def test_tlrisk_events_refuses_a_bad_curated_file(tmp_path, monkeypatch, capsys):
    from model.cli import main

    (tmp_path / "snapshot").symlink_to(ROOT / "data" / "snapshot")
    (tmp_path / "curated").mkdir()
    (tmp_path / "curated" / "us_news.csv").write_text((CURATED / "us_news.csv").read_text("utf-8"))
    lines = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    lines[3] = lines[3].replace("2011-08-04", "2011-08-41")
    (tmp_path / "curated" / "jp_interventions.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("TLRISK_DATA_DIR", str(tmp_path))
    assert main(["events"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "jp_interventions.csv:4: date" in err and "\n" not in err
