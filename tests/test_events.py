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

from model.errors import InputError, ValidationFailed
from model.events import (
    MAX_PLACEBO_DRAWS,
    DailyData,
    InterventionDay,
    clusters,
    load_interventions,
    load_us_news,
    minimum_detectable_effect,
    model_effect,
    placebo_draws_problem,
    placebo_statistic,
    power_sentence,
    run_event_study,
    settlement_date,
)
from model.numbers import number
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
        if not row.days or row.window != "day":
            continue
        kept = [e for e in study.events if e.day.date.isoformat() in row.days]
        weights = np.array([abs(e.dollars_sold_bn) for e in kept])
        per = np.array([e.at(row.window_days).per_100bn["10y"] for e in kept])
        assert row.effects["10y"] == pytest.approx(np.sum(weights * per) / np.sum(weights))
        assert 0 < row.p_values["10y"] <= 1 and row.placebo_band[0] < row.placebo_band[1]


def test_no_window_counts_a_move_twice(study):
    """Within every pool the windows are disjoint (each starts at or after the previous one's
    end) and hold every intervention day once; day windows keep only days whose k-day window
    holds no other intervention day."""
    positions = {e.day.date.isoformat(): i for i, e in enumerate(study.events)}
    calendar = study.daily.calendar
    for row in study.pooled:
        spans = sorted((w.base_date, w.end_date) for w in row.windows)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), (row.label(), spans)
        assert len(row.days) == len(set(row.days))
        if row.window == "day":
            for day in row.days:
                p = calendar.searchsorted(pd.Timestamp(day))
                others = [calendar.searchsorted(pd.Timestamp(d)) for d in positions if d != day]
                assert min(abs(p - q) for q in others) >= row.window_days
    # the referee's case: 21 and 24 October 2022 share one 5-day episode window, never two
    five = study.pooled_row("sell_usd", 5, False, window="episode")
    assert ("2022-10-21", "2022-10-24") in [w.days for w in five.windows]
    assert "2022-10-21" not in study.pooled_row("sell_usd", 5, False, window="day").days
    assert {p.window for p in study.pooled} == {"day", "episode"}


def hand_pool(series: pd.Series, runs: list[list[str]], k: int, sold: dict[str, float]) -> float:
    """100 x sum of window changes / sum of dollars sold, each window from the close before a
    run's first day to the close k-1 business days after its last, walked on the series' own days."""
    dates = list(series.index)
    total_change, total_sold = 0.0, 0.0
    for run in runs:
        first = next(i for i, d in enumerate(dates) if d >= pd.Timestamp(run[0]))
        last = next(i for i, d in enumerate(dates) if d >= pd.Timestamp(run[-1]))
        total_change += (series.iloc[last + k - 1] - series.iloc[first - 1]) * 100
        total_sold += sum(sold[d] for d in run)
    return 100 * total_change / total_sold


def test_episode_windows_against_a_hand_computation(study, daily):
    sold = {e.day.date.isoformat(): e.dollars_sold_bn for e in study.events}
    runs = {"sell_usd": [["2022-09-22"], ["2022-10-21", "2022-10-24"], ["2024-04-29", "2024-05-01"],
                         ["2024-07-11", "2024-07-12"]],
            "buy_usd": [["2010-09-15"], ["2011-03-18"], ["2011-08-04"],
                        ["2011-10-31", "2011-11-01", "2011-11-02", "2011-11-03", "2011-11-04"]]}
    for group, group_runs in runs.items():
        for k in (1, 2, 5):
            row = study.pooled_row(group, k, False, window="episode")
            assert [list(w.days) for w in row.windows] == group_runs
            assert row.effects["10y"] == pytest.approx(hand_pool(daily.series["10y"], group_runs, k, sold))
    # without the windows that hold US news: the sell episodes of 2022-09 (FOMC the day before),
    # 2024-04/05 (FOMC, payrolls) and 2024-07 (CPI, PPI) go; October 2022 stays
    clean = study.pooled_row("sell_usd", 5, True, window="episode")
    assert [w.days for w in clean.windows] == [("2022-10-21", "2022-10-24")]


def test_leave_one_out(study):
    row = study.pooled_row("sell_usd", 1, False)
    by_day = {e.day.date.isoformat(): e for e in study.events}
    for dropped, effect in row.leave_one_out:
        rest = [d for d in row.days if d not in dropped]
        expect = 100 * sum(by_day[d].at(1).changes["10y"] for d in rest) / sum(by_day[d].dollars_sold_bn for d in rest)
        assert effect == pytest.approx(expect)
    payload = row.to_dict()
    values = [x["effect_bp_per_100bn"] for x in payload["leave_one_out"]]
    assert payload["leave_one_out_low_bp_per_100bn"] == min(values)
    assert payload["leave_one_out_high_bp_per_100bn"] == max(values)
    assert len(values) == row.n_windows == 7
    single = next(p for p in study.pooled if p.n_windows == 1)
    assert single.leave_one_out == [] and single.to_dict()["leave_one_out_low_bp_per_100bn"] is None


def test_minimum_detectable_effect_beside_every_estimate(study):
    model = study.model.bp_per_100bn_sold
    for row in study.pooled:
        d = row.to_dict()
        assert "minimum_detectable_effect_bp_per_100bn" in d
        if not row.windows:
            assert d["minimum_detectable_effect_bp_per_100bn"] is None
            continue
        mde = row.minimum_detectable_effect
        assert d["minimum_detectable_effect_bp_per_100bn"] == pytest.approx(mde, abs=1e-6)
        assert mde * model > 0  # in the direction of the model's prediction
        # the power at the MDE, read off the placebo draws, is 80%; just below it, less
        dev = row.null_draws - row.null_draws.mean()
        crit = np.quantile(np.abs(dev), 0.95)
        assert np.mean(np.abs(dev + mde) >= crit) >= 0.80 > np.mean(np.abs(dev + 0.98 * mde) >= crit)
        assert d["model_detectable"] == (abs(mde) <= abs(model))
        if not d["model_detectable"]:
            assert d["power_verdict"].endswith("these days cannot tell the model from zero.")
    verdict = study.to_dict()["power_verdict"]
    best = min((r for r in study.pooled if np.isfinite(r.minimum_detectable_effect)),
               key=lambda r: abs(r.minimum_detectable_effect))
    assert verdict.startswith("Even ") == (not best.model_detectable)
    if not best.model_detectable:
        assert "cannot tell an effect of the model's size from zero" in verdict
    # what the best comparison found is said beside its power, with its placebo p-value
    assert f"That comparison found {number(best.effects['10y'])} bp per $100bn sold (placebo p = {best.pvalue:.3f})" in verdict


def test_minimum_detectable_effect_of_normal_draws():
    """For normal placebo draws with sd s the MDE is (z_0.975 + z_0.80) s = 2.80 s."""
    from statistics import NormalDist

    draws = np.random.default_rng(0).normal(3.0, 10.0, 200_000)
    expect = (NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.80)) * 10.0
    assert minimum_detectable_effect(draws) == pytest.approx(expect, rel=0.02)
    assert minimum_detectable_effect(draws, direction=-1.0) == pytest.approx(-expect, rel=0.02)
    assert np.isnan(minimum_detectable_effect(np.array([])))


def test_power_sentences():
    assert power_sentence(25.0, 4.5).endswith("5.6 times the model's +4.5: these days cannot tell the model from zero.")
    assert power_sentence(3.0, 4.5).endswith("an effect the model's size would show.")
    assert power_sentence(float("nan"), 4.5) == "No windows to test."


def test_results_follow_statsmodels(study):
    params, bse, pvalues = study.params, study.bse, study.pvalues
    key = ("sell_usd", "episode", 5, False)
    row = study.pooled_row("sell_usd", 5, False, window="episode")
    assert params[key] == row.effects["10y"] and pvalues[key] == row.p_values["10y"]
    assert bse[key] == pytest.approx(np.std(row.null_draws, ddof=1))
    ci = study.conf_int(alpha=0.10).loc[key]
    # the placebo test rejects every effect outside the interval, and none inside
    centre = row.null_draws.mean()
    crit = np.quantile(np.abs(row.null_draws - centre), 0.90)
    for effect in (ci["lower"] + 0.01, ci["upper"] - 0.01):
        assert abs(row.effects["10y"] - effect - centre) < crit
    assert abs(row.effects["10y"] - (ci["upper"] + 0.01) - centre) > crit
    frame = study.to_frame()
    assert len(frame) == len(study.pooled) and "minimum_detectable_effect_bp_per_100bn" in frame


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
    assert {(p["group"], p["window"], p["window_days"], p["excluding_us_news"]) for p in payload["pooled"]} == {
        (g, w, k, x) for g in ("sell_usd", "buy_usd") for w in ("day", "episode") for k in (1, 2, 5)
        for x in (False, True)}
    keys = set(payload["pooled"][0])
    for p in payload["pooled"]:
        assert set(p) == keys  # one record shape
        assert {"group", "window", "window_days", "excluding_us_news", "n_days", "n_windows", "effect_bp_per_100bn",
                "p_value", "minimum_detectable_effect_bp_per_100bn", "model_detectable", "power_verdict",
                "leave_one_out_low_bp_per_100bn", "leave_one_out_high_bp_per_100bn", "windows"} <= set(p)
    assert payload["days_source"] == {"kind": "curated", "file": "jp_interventions.csv", "days": 15, "studied": 15}
    band = payload["model"]["band_bp_per_100bn"]
    assert band["p05"] < band["median"] < band["p95"]
    import json

    json.dumps(payload, allow_nan=False)  # every number finite


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


# ---------------------------------------------------------------------------------------------
# Every number finite and plausible where it enters; bounded work
# ---------------------------------------------------------------------------------------------


def _with_row(tmp_path, line: int, old: str, new: str) -> Path:
    lines = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / "jp_interventions.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    (",2125,", ",1e300,", "amount_jpy_bn", "is it in yen or 100 million yen rather than billions of yen"),
    (",2125,", ",2125000000000,", "amount_jpy_bn", "more than 20,000"),
    (",2125,", ",21250,", "amount_jpy_bn", "more than 20,000"),  # typed in the Ministry's 100 million yen
    (",2125,", ",inf,", "amount_jpy_bn", "finite"),
    (",2125,", ",nan,", "amount_jpy_bn", "finite"),
    ("2010-09-15", "9999-12-31", "date", "9999-12-31 is outside 1971-01-01 to 2099-12-31"),
    ("2010-09-15", "1900-01-01", "date", "outside"),
])
def test_implausible_curated_values_are_refused(tmp_path, old, new, field, message):
    path = _with_row(tmp_path, 2, old, new)
    with pytest.raises(InputError, match=message) as info:
        load_interventions(path)
    assert (info.value.line, info.value.field) == (2, field)
    assert str(info.value).startswith(f"{path}:2: {field}: ") and "\n" not in str(info.value)


def test_news_dates_are_bounded(tmp_path):
    lines = (CURATED / "us_news.csv").read_text("utf-8").splitlines()
    lines[1] = lines[1].replace("2010-01-27", "9999-12-31")
    bad = tmp_path / "news.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="outside") as info:
        load_us_news(bad)
    assert (info.value.line, info.value.field) == (2, "date")


def test_curated_files_are_read_with_a_size_limit(tmp_path):
    big = tmp_path / "jp_interventions.csv"
    big.write_bytes((CURATED / "jp_interventions.csv").read_bytes() + b"#" * (2 * 1024 * 1024))
    with pytest.raises(InputError, match="larger than 1 MB"):
        load_interventions(big)
    with pytest.raises(InputError, match="larger than"):
        load_us_news(Path("/dev/zero"))


def test_placebo_draws_are_bounded(daily):
    assert placebo_draws_problem(10_000) is None and placebo_draws_problem(MAX_PLACEBO_DRAWS) is None
    problem = placebo_draws_problem(1_000_000_000)
    assert problem == ("--draws: 1,000,000,000 placebo draws is above the limit of 100,000 (10,000, the "
                       "default, already pins p-values to about +/-0.002)")
    for bad in (0, -1, True, 1.5, "100", None):
        assert placebo_draws_problem(bad, "draws").startswith("draws: the number of placebo draws")
    days = load_interventions(CURATED / "jp_interventions.csv")
    with pytest.raises(ValidationFailed, match="above the limit"):
        run_event_study(days, [], daily, draws=10**9)


def test_a_single_intervention_row_gives_a_result(tmp_path, monkeypatch, capsys):
    """One day: the event study runs (one window of each kind, no leave-one-out), the
    instrument is skipped with a note; never a singular matrix."""
    import json

    from model.cli import main

    (tmp_path / "snapshot").symlink_to(ROOT / "data" / "snapshot")
    (tmp_path / "curated").mkdir()
    (tmp_path / "curated" / "us_news.csv").write_text((CURATED / "us_news.csv").read_text("utf-8"))
    lines = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    (tmp_path / "curated" / "jp_interventions.csv").write_text("\n".join([lines[0], lines[9]]) + "\n")
    monkeypatch.setenv("TLRISK_DATA_DIR", str(tmp_path))
    assert main(["events", "--json", "--draws", "300"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [e["date"] for e in payload["events"]] == ["2022-09-22"]
    assert payload["iv"] is None and any("No instrumental-variable estimate" in n for n in payload["notes"])
    kept = [p for p in payload["pooled"] if not p["excluding_us_news"]]
    assert {p["window"] for p in kept} == {"day", "episode"} and all(p["n_windows"] == 1 for p in kept)
    assert all(p["leave_one_out"] == [] for p in kept)
    json.dumps(payload, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Settlement dates on the Tokyo calendar
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("trade", "settles"), [
    ("2011-10-31", "2011-11-02"),  # Monday: the $103.5bn purchase settles in November
    ("2011-11-02", "2011-11-07"),  # 3 November is Culture Day
    ("2011-11-03", "2011-11-07"),  # dealt overseas on Culture Day: counts from the next business day
    ("2022-09-22", "2022-09-27"),  # 23 September 2022 is Autumnal Equinox Day (a Friday)
    ("2024-04-29", "2024-05-01"),  # Showa Day, dealt in New York: settles on 1 May
    ("2024-05-01", "2024-05-07"),  # Golden Week: 3 to 6 May
    ("2024-07-12", "2024-07-17"),  # 15 July 2024 is Marine Day
    ("2011-12-29", "2012-01-04"),  # 30 December, then banks close from 31 December to 3 January
    ("2010-09-15", "2010-09-17"),
])
def test_settlement_dates(trade, settles):
    assert settlement_date(dt.date.fromisoformat(trade)).isoformat() == settles


# ---------------------------------------------------------------------------------------------
# The Ministry of Finance's own record, when a user saves it beside the curated days
# ---------------------------------------------------------------------------------------------


def test_ministry_record_replaces_the_curated_days(tmp_path, fixtures):
    import shutil

    shutil.copy(CURATED / "jp_interventions.csv", tmp_path / "jp_interventions.csv")
    assert load_interventions(tmp_path / "jp_interventions.csv").source["kind"] == "curated"
    shutil.copy(fixtures / "mof_feio_mini.csv", tmp_path / "mof_feio.csv")
    days = load_interventions(tmp_path / "jp_interventions.csv")
    curated = load_interventions(CURATED / "jp_interventions.csv", ministry_record=None)
    assert days.source == {"kind": "ministry_record", "file": "mof_feio.csv", "days": 15}
    assert [(d.date, d.direction) for d in days] == [(d.date, d.direction) for d in curated]
    # amounts: the record's 100 million yen / 10; the press-rounded 2010 figure differs slightly
    assert [d.amount_jpy_bn for d in days][:2] == [2124.9, 692.5]
    assert days[0].amount_note == "the Ministry of Finance's record (mof_feio.csv, line 8)"
    assert days[0].timing_note == curated[0].timing_note and days[0].source_url == curated[0].source_url
    assert any("2010-09-15 (2,125.0 curated, 2,124.9 record)" in n for n in days.notes)


def test_ministry_record_lacking_a_curated_day_and_a_bad_record(tmp_path, fixtures):
    text = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    extra = "2024-12-02,sell_usd,100,test,test,https://example.org/x"
    (tmp_path / "jp_interventions.csv").write_text("\n".join([*text, extra]) + "\n")
    (tmp_path / "mof_feio.csv").write_bytes((fixtures / "mof_feio_mini.csv").read_bytes())
    days = load_interventions(tmp_path / "jp_interventions.csv")
    assert len(days) == 15 and any("2024-12-02 (left out" in n for n in days.notes)
    (tmp_path / "mof_feio.csv").write_text("not the Ministry's file\n")
    with pytest.raises(InputError) as info:
        load_interventions(tmp_path / "jp_interventions.csv")
    assert "mof_feio.csv" in str(info.value) and "\n" not in str(info.value)


def test_tlrisk_events_uses_the_ministry_record(tmp_path, monkeypatch, capsys, fixtures):
    import json

    from model.cli import main

    (tmp_path / "snapshot").symlink_to(ROOT / "data" / "snapshot")
    (tmp_path / "curated").mkdir()
    for name in ("us_news.csv", "jp_interventions.csv"):
        (tmp_path / "curated" / name).write_text((CURATED / name).read_text("utf-8"))
    (tmp_path / "curated" / "mof_feio.csv").write_bytes((fixtures / "mof_feio_mini.csv").read_bytes())
    monkeypatch.setenv("TLRISK_DATA_DIR", str(tmp_path))
    assert main(["events", "--json", "--draws", "200"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["days_source"] == {"kind": "ministry_record", "file": "mof_feio.csv", "days": 15, "studied": 15}
    assert payload["events"][0]["amount_jpy_bn"] == 2124.9
    assert payload["notes"][0].startswith("Intervention days from the Ministry of Finance's record")


def test_any_amount_cell_gives_an_error_or_a_plausible_number(tmp_path):
    """Arbitrary text in the amount cell: a one-line InputError naming line 2 and the field, or
    a finite amount within the plausible range; never anything else."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    lines = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    path = tmp_path / "days.csv"

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.text(alphabet="0123456789.eE+-,_ nafi\u0661", max_size=30)))
    def check(cell):
        row = lines[1].replace(",2125,", f",{cell.replace(',', '')},")
        path.write_text("\n".join([lines[0], row]) + "\n", encoding="utf-8")
        try:
            days = load_interventions(path, ministry_record=None)
        except InputError as exc:
            assert exc.line == 2 and exc.field == "amount_jpy_bn" and "\n" not in str(exc)
            return
        assert 0 < days[0].amount_jpy_bn <= 20_000 and np.isfinite(days[0].amount_jpy_bn)

    check()


def test_days_outside_the_daily_data_are_left_out_with_a_note(tmp_path, news, daily):
    lines = (CURATED / "jp_interventions.csv").read_text("utf-8").splitlines()
    early = "2003-01-15,buy_usd,1000,test,test,https://example.org/x"
    path = tmp_path / "jp_interventions.csv"
    path.write_text("\n".join([lines[0], early, *lines[1:]]) + "\n")
    study = run_event_study(load_interventions(path), news, daily, draws=200)
    assert len(study.events) == 15 and study.days_source["days"] == 16 and study.days_source["studied"] == 15
    assert study.notes[0].startswith("1 intervention day(s) outside the daily data") and "2003-01-15" in study.notes[0]
