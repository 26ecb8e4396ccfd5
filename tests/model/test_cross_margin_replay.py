"""The 10 Oct replay's cross-margin figure (cascade/replay.py, CROSS_MARGIN): a contagion run
of accounts built from the replay's knobs, read over the observed window, and the scan of
the cross share of open interest."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cascade.events import EVENTS
from cascade.replay import (CROSS_ADL, CROSS_MARGIN, CROSS_TARGET, compare, cross_margin,
                            cross_margin_book, cross_margin_markets, cross_margin_row,
                            cross_margin_run, cross_window, cut_path, replay_scenario,
                            window_share)

KEY = "2025-10-10"


def plain_window_share(result, start, end):
    """window_share, one position at a time."""
    book, long_cross, total, count = result.book, 0.0, 0.0, 0
    for i in range(len(book)):
        tick = int(result.position_tick[i])
        if tick < 1 or not start <= (tick - 1) * result.tick_seconds < end:
            continue
        total += float(book.notional[i])
        count += 1
        if book.cross[i] and book.side[i] > 0:
            long_cross += float(book.notional[i])
    return (long_cross / total if total else math.nan), total, count


def test_the_window_is_the_observed_one_in_the_replays_time():
    facts = EVENTS[KEY].facts
    assert facts["start_utc"].value == 20 * 60 + 50
    assert cross_window(KEY) == ((21 * 60 + 15 - (20 * 60 + 50)) * 60.0,
                                 (21 * 60 + 22 - (20 * 60 + 50)) * 60.0) == (1500.0, 1920.0)
    target = EVENTS[KEY].target(CROSS_TARGET)
    assert (target.low, target.high) == (0.954, 0.954)
    assert target.source == "Hyperliquid fills" and "BTC and SOL" in target.scope


def test_the_markets_are_the_replays_scaled_with_its_adl():
    scenario = replay_scenario(KEY)
    setup = CROSS_MARGIN[KEY]
    markets = cross_margin_markets(KEY)
    assert setup.size[0] == 1.0 and setup.betas[0] == 1.0  # the first is the replay's own
    assert scenario.market().adl and CROSS_ADL  # the replay's ADL, in every market
    for market, size in zip(markets, setup.size):
        assert market == dataclasses.replace(scenario.market(), depth=scenario.depth * size)
    run = cross_margin_run(KEY, CROSS_MARGIN[KEY].cross_share)
    assert run.money_total()["adl_value"] > 0  # the fund starts empty: ADL runs


def test_the_book_holds_each_markets_open_interest_and_the_cross_share():
    scenario, setup = replay_scenario(KEY), CROSS_MARGIN[KEY]
    book = cross_margin_book(KEY, 0.3)
    assert book.markets == setup.markets
    for m, size in enumerate(setup.size):
        here = book.market == m
        assert book.notional[here].sum() == pytest.approx(scenario.open_interest * size,
                                                          rel=1e-9)
        assert book.notional[here & book.cross].sum() == pytest.approx(
            0.3 * scenario.open_interest * size, rel=1e-9)
    assert (book.entry_price == 100.0).all()


def test_cut_path_keeps_the_path_up_to_its_end():
    path = replay_scenario(KEY).price_path()
    cut = cut_path(path, 1920.0)
    assert cut.duration == 1920.0
    for t in (0.0, 600.0, 1799.0, 1800.0, 1919.5, 1920.0):
        assert cut.at(t) == pytest.approx(path.at(t), abs=1e-15)
    assert cut_path(path, 1e9) is path


def test_a_cut_run_is_the_full_run_before_its_end():
    """The scan runs stop at the window's end: every position finished in a tick that
    starts before it is finished in the same tick as in the full run."""
    start, end = cross_window(KEY)
    full = cross_margin_run(KEY, 0.8)
    cut = cross_margin_run(KEY, 0.8, until=end)
    before = (full.position_tick >= 1) & ((full.position_tick - 1) * full.tick_seconds < end)
    assert np.array_equal(full.position_tick[before], cut.position_tick[before])
    assert not ((cut.position_tick >= 1) & ~before
                & ((cut.position_tick - 1) * cut.tick_seconds < end)).any()
    assert window_share(full, start, end) == window_share(cut, start, end)


def test_window_share_is_a_plain_count_over_positions():
    start, end = cross_window(KEY)
    result = cross_margin_run(KEY, 0.8, until=end)
    for a, b in ((start, end), (0.0, math.inf), (0.0, 60.0)):
        found = window_share(result, a, b)
        share, total, count = plain_window_share(result, a, b)
        assert found.notional == pytest.approx(total, rel=1e-12)
        assert found.positions == count
        assert (math.isnan(found.share) and math.isnan(share)) or \
            found.share == pytest.approx(share, rel=1e-12)


def test_the_figure_is_the_assumed_runs_and_the_scan_stops_at_the_first_reach():
    figure = cross_margin(KEY)
    setup = CROSS_MARGIN[KEY]
    start, end = cross_window(KEY)
    assert figure.cross_share == setup.cross_share
    assumed = cross_margin_run(KEY, setup.cross_share)
    assert figure.at == window_share(assumed, start, end)
    assert figure.run == window_share(assumed)
    begins = (assumed.position_tick - 1) * assumed.tick_seconds
    earlier = begins[(assumed.position_tick >= 1) & (begins < start)]
    assert figure.last_before == (earlier.max() if earlier.size else math.nan)
    shares = [s for s, _ in figure.scan]
    assert shares == list(setup.scan[:len(shares)])  # upward, from the first
    assert all(not found.share >= figure.observed for _, found in figure.scan[:-1])
    if math.isnan(figure.reached):
        assert len(shares) == len(setup.scan)
    else:
        assert figure.reached == shares[-1] and figure.scan[-1][1].share >= 0.954
        # the answer is the run's at that share
        assert figure.scan[-1][1] == window_share(cross_margin_run(KEY, figure.reached),
                                                  start, end)


def test_no_cross_accounts_no_cross_longs_and_all_cross_the_long_share():
    start, end = cross_window(KEY)
    none = window_share(cross_margin_run(KEY, 0.0, until=end))
    assert none.positions > 0 and none.share == 0.0
    every = cross_margin_run(KEY, 1.0, until=end)
    hit = every.position_tick >= 1
    assert every.book.cross.all()
    longs = every.book.notional[hit & (every.book.side > 0)].sum()
    assert window_share(every).share == pytest.approx(longs / every.book.notional[hit].sum())


def test_the_row_says_inside_from_the_matched_range_and_why_not():
    row = cross_margin_row(KEY)
    figure = cross_margin(KEY)
    low, high = row.target.matched
    assert row.cross is figure and not row.fitted
    assert row.model is figure.at.share or row.model == figure.at.share
    assert row.inside == (not math.isnan(row.model) and low <= row.model <= high)
    assert row.inside == (row.reason == "")
    if math.isnan(row.model):
        assert row.reason.startswith("the model liquidates nothing in BTC or SOL from 1,500 s "
                                     "to 1,920 s")
        assert f"last liquidation before then is at {figure.last_before:,.0f} s" in row.reason
    assert [r for r in compare(KEY) if r.target.key == CROSS_TARGET] == [row]
    assert all(r.cross is None for r in compare("2020-03-12"))


def test_an_event_without_a_cross_margin_figure_names_itself():
    with pytest.raises(ValueError, match="event: '2020-03-12' has no cross-margin figure"):
        cross_margin_markets("2020-03-12")
