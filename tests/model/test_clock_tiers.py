"""Margin tiers on the clock (cascade/clock.py, docs/model.md, Time): the engine runs over a
position's slices as over positions, so on a jump without limits the timed run is the step
engine's, bit for bit; a position liquidated down its tiers over a fall, by hand; money
reconciles; a venue's per-position rule with tiers is refused."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.clock import run_timed
from cascade.paths import fall, fall_then_rebound, jump
from tests.model.books import MARGIN
from tests.model.test_reference import books, markets, shocks
from tests.model.test_venue import venue

# rates at most the flat margin the random books are valid under: no position is refused
LADDER = ((1e5, 0.002), (1e6, 0.004), (np.inf, MARGIN))


def _with(market, **changes):
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin, mm_tiers=LADDER,
                          **changes)


@settings(max_examples=120, deadline=None)
@given(books(), markets, shocks, st.sampled_from([None, 0.0, 1e5]),
       st.sampled_from([0.0, 0.002]), st.booleans())
def test_a_jump_with_tiers_is_the_step_engine_with_tiers(population, market, shock, fund, fee,
                                                         adl):
    market = _with(market, insurance_fund=fund, liquidation_fee=fee, adl=adl)
    book = cascade.LiquidationBook(population, market)
    stepped = book.run(shock)  # tiers: the step engine, unlimited capacity
    timed = run_timed(book, jump(shock))
    np.testing.assert_array_equal(timed.price_path, stepped.price_path)
    np.testing.assert_array_equal(timed.liquidated_in, stepped.liquidated_in)
    pd.testing.assert_frame_equal(timed.waves[stepped.waves.columns], stepped.waves,
                                  check_exact=True)
    assert timed.ledger == stepped.ledger and timed.bad_debt == stepped.bad_debt


def test_a_position_liquidated_down_its_tiers_over_a_fall_by_hand():
    """100k at 50x on the Binance ladder: slice 1 (50k) liquidates at 98.5, slice 2 (the
    rest, 50k) at 97.9 (tests/model/test_venue.py). On a fall to -2.15% over 10 s into a
    book too deep to move, the price at t is 100 (1 - 0.00215 t): it reaches 98.5 at
    t = 6.98 s, so the tick starting at 7 s (tick 8) closes slice 1, and 97.9 at t = 9.77 s,
    so the tick at 10 s (tick 11) closes the rest and finishes the position."""
    population = cascade.Population.from_arrays([50.0], [1e5], 1, 100.0)
    market = venue(depth=1e12, mm_tiers=cascade.BINANCE_BTCUSDT_TIERS)
    result = run_timed(cascade.LiquidationBook(population, market), fall(-0.0215, 10.0))
    assert result.waves["tick"].tolist() == [8, 11]
    assert result.waves["notional"].tolist() == pytest.approx([5e4, 5e4])
    assert result.waves["count"].tolist() == [0, 1]
    assert result.liquidated_in.tolist() == [11]


paths = st.one_of(
    shocks.map(jump),
    st.tuples(shocks, st.floats(1.0, 120.0)).map(lambda a: fall(*a)),
    st.tuples(st.floats(-0.6, 0.0), st.floats(1.0, 60.0), st.floats(0.0, 1.2),
              st.floats(1.0, 60.0)).map(lambda a: fall_then_rebound(*a)))


@settings(max_examples=80, deadline=None)
@given(books(), markets, paths, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.sampled_from([0.0, 1e5]),
       st.sampled_from([0.0, 0.002]), st.booleans())
def test_money_reconciles_to_the_cent_with_tiers_on_the_clock(population, market, path,
                                                              rate_share, half_life, fund,
                                                              fee, adl):
    total = float(population.notional.sum())
    market = _with(market, engine_rate=None if rate_share is None else rate_share * total,
                   resilience_half_life=half_life, insurance_fund=fund, liquidation_fee=fee,
                   adl=adl)
    result = run_timed(cascade.LiquidationBook(population, market), path)
    ledger, series = result.ledger, result.series
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
    assert ledger["fund_end"] >= 0 and ledger["bad_debt"] >= 0
    assert math.isclose(series["adl"].sum(), ledger["adl_value"], rel_tol=1e-12, abs_tol=0.005)
    book_quantity = (series["sold_flow"].iloc[-1] + series["bought_flow"].iloc[-1]) / 100.0
    # each finished position was executed whole: its slices' notional is in the ticks'
    hit = result.liquidated_in >= 1
    assert result.waves["notional"].sum() >= population.notional[hit].sum() * (1 - 1e-12) - 0.005
    # what was executed is at most the positions that were reached, and the queue is empty
    assert series["queue_long"].iloc[-1] == 0 and series["queue_short"].iloc[-1] == 0
    assert book_quantity + ledger["adl_quantity"] <= population.quantity.sum() * (1 + 1e-9)


def test_tiers_with_a_venue_rule_are_refused():
    population = cascade.Population.from_arrays([10.0], [1e5], 1, 100.0)
    for rule in (dict(partial_liquidation=(1e5, 5, 30.0)),
                 dict(position_notional_per_tick=1e6)):
        book = cascade.LiquidationBook(population, venue(mm_tiers=LADDER, **rule))
        with pytest.raises(ValueError, match="mm_tiers"):
            run_timed(book, fall(-0.1, 10.0))
