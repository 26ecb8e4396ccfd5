"""The real events as data and their replays (cascade/events.py, cascade/replay.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cascade import PRESETS
from cascade.events import EVENTS, POINT_TOLERANCE, Target
from cascade.replay import (FITTED_FILE, REPLAYS, _loss, compare, model_figures,
                            replay_scenario)


def test_every_fact_has_a_unit_a_source_and_a_scope():
    for event in EVENTS.values():
        assert event.facts
        for name, fact in event.facts.items():
            assert fact.unit and fact.source and fact.scope and fact.text, (event.key, name)


def test_every_target_names_facts_of_its_event_and_a_source():
    for event in EVENTS.values():
        for target in event.targets:
            assert target.source and target.unit and target.how
            assert target.low <= target.high
            assert set(target.facts) <= set(event.facts), (event.key, target.key)


def test_oct_ranges_are_the_extremes_of_the_sources():
    event = EVENTS["2025-10-10"]
    low = event.target("low")
    assert low.low == pytest.approx(102_000 / 123_000 - 1)
    assert low.high == pytest.approx(106_560 / 122_574 - 1)
    peak = event.target("peak_minute_share")
    assert (peak.low, peak.high) == pytest.approx((3.21 / 9.89, 3.21 / 6.93))
    oi = event.target("oi_liquidated")
    assert (oi.low, oi.high) == pytest.approx((1 - 58 / 70, 1 - 123 / 217))
    longs = event.target("long_share")
    assert (longs.low, longs.high) == pytest.approx((0.839, 0.874))
    assert event.target("adl_share").low == pytest.approx(2.10 / 5.51)
    assert event.target("adl_delay").low == 61.0
    assert event.target("peak_minute_at").low == 25.0  # 21:15 less 20:50
    assert "53.9%" in event.notes[0]  # 10.3 / 19.1


def test_mar_and_may_ranges():
    mar, may = EVENTS["2020-03-12"], EVENTS["2021-05-19"]
    assert mar.target("low").low == pytest.approx(3_596 / 7_353 - 1)
    assert mar.target("liquidated_usd").low == pytest.approx(876e6 + 798e6)
    assert mar.target("fund_draw").low == pytest.approx(2_606 * 3_596)
    assert mar.target("fund_draw").high == pytest.approx(2_606 * 7_353)
    assert may.target("low").high == pytest.approx(30 / 38 - 1)
    assert math.isinf(may.target("low").low)
    assert (may.target("liquidated_usd").low, may.target("liquidated_usd").high) == (8e9, 8.6e9)


def test_a_point_is_matched_within_the_tolerance_and_a_range_exactly():
    point = Target("x", "x", -0.5, -0.5, "move", "s", "v", (), "h")
    assert point.matched == pytest.approx((-0.5 * (1 + POINT_TOLERANCE),
                                           -0.5 * (1 - POINT_TOLERANCE)))
    span = Target("x", "x", 0.2, 0.4, "share", "s", "v", (), "h")
    assert span.matched == (0.2, 0.4)


def test_the_fit_loss_is_zero_plus_the_centre_term_inside_and_grows_outside():
    span = Target("x", "x", 0.2, 0.4, "share", "s", "v", (), "h")
    assert _loss(span, 0.3) == pytest.approx(0.0, abs=1e-20)
    assert _loss(span, 0.4) == pytest.approx(0.01 * (0.1 / 0.2) ** 2)
    assert _loss(span, 0.6) == pytest.approx((0.2 / 0.2) ** 2 + 0.01 * (0.3 / 0.2) ** 2)
    one_sided = Target("x", "x", -math.inf, -0.2, "move", "s", "v", (), "h")
    assert _loss(one_sided, -0.5) == 0.0
    assert _loss(one_sided, -0.1) == pytest.approx((0.1 / 0.02) ** 2)


def test_the_replay_is_its_sourced_and_committed_fitted_knobs():
    committed = json.loads(FITTED_FILE.read_text())["fitted"]
    for key, replay in REPLAYS.items():
        scenario = replay_scenario(key)
        assert set(committed[key]) == set(replay.fitted)
        for name, value in {**replay.sourced, **committed[key]}.items():
            assert getattr(scenario, name) == value, (key, name)
        for name, (low, high) in replay.fitted.items():
            assert low <= committed[key][name] <= high
        assert set(replay.fit_to) <= {t.key for t in EVENTS[key].targets}
        assert set(replay.why) >= set(replay.sourced)
        assert scenario.clock


def test_model_figures_equal_a_plain_count_over_positions():
    for key in REPLAYS:
        scenario = replay_scenario(key)
        result = scenario.run()
        figures = model_figures(result, scenario)
        pop, hit = result.population, result.liquidated_in >= 1
        total = pop.notional[hit].sum()
        longs = pop.notional[hit & (pop.side > 0)].sum()
        assert figures["liquidated_usd"] == pytest.approx(total, rel=1e-9)
        assert figures["long_share"] == pytest.approx(longs / total, rel=1e-9)
        assert figures["oi_liquidated"] == pytest.approx(total / scenario.open_interest, rel=1e-9)
        assert figures["low"] == pytest.approx(result.series["price"].min() / 100 - 1)
        # ADL: the tick's ADL values summed over the liquidated notional; the first tick
        # with ADL less the first that liquidated
        adl = result.series["adl"].to_numpy()
        executed_at = result.series["seconds"][
            (result.series["long_notional"] + result.series["short_notional"]) > 0]
        assert figures["adl_share"] == pytest.approx(adl.sum() / total, rel=1e-9, abs=1e-12)
        assert figures["adl_share"] == pytest.approx(result.adl_notional / total, rel=1e-12)
        if (adl > 0).any():
            first = result.series["seconds"].iloc[int(np.argmax(adl > 0))]
            assert figures["adl_delay"] == first - executed_at.iloc[0]
        else:
            assert math.isnan(figures["adl_delay"])
        # the peak minute's start: the first 60-tick window with the most notional
        executed = (result.series["long_notional"] + result.series["short_notional"]).to_numpy()
        sums = [executed[i:i + 60].sum() for i in range(executed.size - 59)]
        assert max(sums) == pytest.approx(result.peak_minute_notional, rel=1e-9)
        assert figures["peak_minute_at"] == result.series["seconds"].iloc[
            int(np.argmax(np.isclose(sums, max(sums), rtol=1e-12)))] / 60


def test_rows_say_inside_from_the_range_and_keep_misses_with_a_reason():
    for key in REPLAYS:
        for row in compare(key):
            low, high = row.target.matched
            assert row.inside == (not math.isnan(row.model) and low <= row.model <= high)
            assert row.inside == (row.reason == "")
            if row.target.key.startswith("adl"):  # Hyperliquid's ADL runs on the clock
                assert not math.isnan(row.model)
    longs = next(r for r in compare("2025-10-10") if r.target.key == "long_share")
    if longs.model == 1.0:
        assert "no short opened during the fall" in longs.reason


def test_an_unknown_event_names_itself():
    with pytest.raises(ValueError, match="event: 'nope'"):
        replay_scenario("nope")
    with pytest.raises(ValueError, match="target: 'nope'"):
        EVENTS["2025-10-10"].target("nope")


def test_oct_peak_minute_comes_before_the_observed_one():
    """docs/events.md: the replay's busiest minute comes long before the observed one."""
    row = next(r for r in compare("2025-10-10") if r.target.key == "peak_minute_at")
    assert row.model < row.target.low / 2 and row.reason == "earlier than observed"


def test_oct_adl_keeps_the_deleveraged_flow_off_the_book():
    """docs/events.md, "What ADL does to the fit" and "Auto-deleveraging": with the same
    knobs and ADL off the lowest price is -30.2% instead of -14.1%, below the observed
    range; with ADL on, 29.9% of open interest ($8.96B) is liquidated inside both ranges,
    ADL takes 90.3% of it, and the first ADL is in the first liquidating tick."""
    scenario = replay_scenario("2025-10-10")
    event = EVENTS["2025-10-10"]
    on = model_figures(scenario.run(), scenario)
    off_scenario = scenario.replace(adl=False)
    off = model_figures(off_scenario.run(), off_scenario)
    assert (f"{off['low']:.1%}", f"{on['low']:.1%}") == ("-30.2%", "-14.1%")
    assert off["low"] < event.target("low").low <= on["low"] <= event.target("low").high
    assert f"{on['oi_liquidated']:.1%}" == "29.9%" and round(on["liquidated_usd"] / 1e7) == 896
    for key in ("oi_liquidated", "liquidated_usd"):
        low, high = event.target(key).matched
        assert low <= on[key] <= high, key
    assert f"{on['adl_share']:.1%}" == "90.3%" and on["adl_delay"] == 0.0
    assert scenario.insurance_fund == 0.0


def test_the_replay_presets_are_the_replays():
    names = {"2025-10-10": "10-11 Oct 2025: calibrated replay",
             "2020-03-12": "12-13 Mar 2020: calibrated replay",
             "2021-05-19": "19 May 2021: calibrated replay"}
    assert set(names) == set(REPLAYS)
    for key, name in names.items():
        assert PRESETS[name] == replay_scenario(key)
