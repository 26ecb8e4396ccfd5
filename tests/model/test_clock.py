"""The timed engine (cascade/clock.py): the instant model is its limit, money reconciles
with a clock, both sides are liquidated on a fall then a rebound, and the engine's limits
(a rate, positions per tick) work as worked by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.clock import run_timed
from cascade.paths import fall, fall_then_rebound, jump
from tests.model.books import MARGIN, P0, leverage_for_distance
from tests.model.test_reference import books, markets, shocks


def _accounts(market, **changes):
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin, **changes)


@settings(max_examples=200, deadline=None)
@given(books(), markets, shocks)
def test_a_jump_without_limits_is_the_instant_model_bit_for_bit(population, market, shock):
    book = cascade.LiquidationBook(population, market)
    instant = book.run(shock)
    timed = run_timed(book, jump(shock))
    np.testing.assert_array_equal(timed.price_path, instant.price_path)
    np.testing.assert_array_equal(timed.liquidated_in, instant.liquidated_in)
    pd.testing.assert_frame_equal(timed.waves[instant.waves.columns], instant.waves,
                                  check_exact=True)
    assert timed.total_move == instant.total_move
    # one tick per wave, and one more that finds nothing
    assert len(timed.series) == instant.wave_count + 1


@settings(max_examples=100, deadline=None)
@given(books(), markets, shocks, st.floats(0.0, 1e6), st.floats(0.0, 0.02))
def test_accounts_of_a_jump_are_the_instant_accounts(population, market, shock, fund, fee):
    market = _accounts(market, insurance_fund=fund, liquidation_fee=fee)
    book = cascade.LiquidationBook(population, market)
    instant, timed = book.run(shock), run_timed(book, shock)
    assert timed.bad_debt == instant.bad_debt
    assert timed.ledger == instant.ledger
    np.testing.assert_array_equal(timed.fund_path, instant.fund_path)


@settings(max_examples=100, deadline=None)
@given(books(), markets, shocks, st.floats(0.01, 0.5))
def test_a_rate_per_second_is_a_capacity_per_one_second_tick(population, market, shock, share):
    """engine_rate r at dt = 1 s on a jump: the step engine's engine_capacity = r."""
    rate = max(share * float(population.notional.sum()), 1e-3 * float(population.notional.sum()))
    stepped = cascade.LiquidationBook(population, _accounts(market, engine_capacity=rate))
    timed = run_timed(cascade.LiquidationBook(population, _accounts(market, engine_rate=rate)),
                      shock)
    instant = stepped.run(shock)
    np.testing.assert_array_equal(timed.liquidated_in, instant.liquidated_in)
    np.testing.assert_allclose(timed.price_path, instant.price_path, rtol=1e-12)
    np.testing.assert_allclose(timed.queue_path, instant.queue_path, rtol=1e-9, atol=1e-6)


paths = st.one_of(
    shocks.map(jump),
    st.tuples(shocks, st.floats(1.0, 120.0)).map(lambda a: fall(*a)),
    st.tuples(st.floats(-0.6, 0.0), st.floats(1.0, 60.0), st.floats(0.0, 1.2),
              st.floats(1.0, 60.0)).map(lambda a: fall_then_rebound(*a)))


@settings(max_examples=150, deadline=None)
@given(books(), markets, paths, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.floats(0.0, 1.0),
       st.floats(0.0, 1e6), st.floats(0.0, 0.02))
def test_money_reconciles_to_the_cent_with_a_clock(population, market, path, rate_share,
                                                   half_life, kappa, fund, fee):
    total = float(population.notional.sum())
    market = _accounts(market, engine_rate=None if rate_share is None else rate_share * total,
                       resilience_half_life=half_life, permanent_impact=kappa,
                       insurance_fund=fund, liquidation_fee=fee)
    result = run_timed(cascade.LiquidationBook(population, market), path)
    liquidated = result.liquidated_in >= 1
    # the ticks' notional is the notional of the liquidated positions (once queued, finished)
    assert math.isclose(result.waves["notional"].sum(),
                        population.notional[liquidated].sum(), rel_tol=1e-12, abs_tol=0.005)
    assert math.isclose(result.series["long_notional"].sum(),
                        population.notional[liquidated & population.is_long].sum(),
                        rel_tol=1e-12, abs_tol=0.005)
    # the queue is empty at the end
    assert result.series["queue_long"].iloc[-1] == 0 and result.series["queue_short"].iloc[-1] == 0
    ledger = result.ledger
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
    assert ledger["fund_end"] >= 0 and ledger["bad_debt"] >= 0
    _ticks_add_up_to_the_ledger(result)
    # each position finished in a tick whose starting price, or an earlier one, reached it
    start = result.series["start_price"].to_numpy()
    liq = population.liquidation_price(MARGIN)
    for i in np.flatnonzero(liquidated):
        seen = start[: result.liquidated_in[i]]
        assert (seen.min() <= liq[i]) if population.side[i] > 0 else (seen.max() >= liq[i])
    # and every survivor was never reached
    for i in np.flatnonzero(~liquidated):
        assert (start.min() > liq[i]) if population.side[i] > 0 else (start.max() < liq[i])


def _ticks_add_up_to_the_ledger(result):
    """The per-tick money (the waves' fees, pnl, bad debt) sums to the ledger's totals."""
    for name in ("fees", "pnl", "bad_debt"):
        assert math.isclose(result.waves[name].sum(), result.ledger[name], rel_tol=1e-9,
                            abs_tol=0.005), name


def test_a_tick_where_both_sides_execute_books_the_money_of_both():
    """A slow engine still selling longs when the rebound reaches the shorts: 64 ticks
    execute both sides. Each tick's fees, pnl and bad debt are both sides' (they were the
    shorts' alone, and the ticks' fees summed to $5.6M of the ledger's $8.5M)."""
    result = cascade.Scenario(path="fall_then_rebound", shock=-0.2, fall_seconds=60,
                              rebound=0.5, rebound_seconds=60, engine_rate=5e6,
                              liquidation_fee=0.005, insurance_fund=5e6, n=5000).run()
    waves = result.waves
    both = (waves["long_count"] > 0) & (waves["short_count"] > 0)
    assert both.sum() > 0 and (waves.loc[both, "fees"] > 0).all()
    _ticks_add_up_to_the_ledger(result)


def _position(distance, side, notional):
    return cascade.Population.from_arrays(leverage_for_distance(np.array(distance)),
                                          np.array(notional, dtype=float),
                                          np.array(side), P0)


def test_both_sides_on_a_fall_then_a_rebound_by_hand():
    """A long 2.5% from liquidation (L = 97.5) and a short 2.5% from it (102.5), $1 each
    on a book of $1B per 1% (impact 1e-11: nothing). The path falls 1% a second to -5% at
    5 s, then rises 1% a second to +5% at 15 s. Tick k reads m at t = k - 1:
    m(3) = -3% reaches the long (97 <= 97.5): tick 4; m(13) = +3% reaches the short
    (103 >= 102.5): tick 14; the run ends at tick 16 (t = 15 s, the path's end)."""
    population = _position([0.025, 0.025], [1, -1], [1.0, 1.0])
    market = cascade.Market(price=P0, depth=1e9, maintenance_margin=MARGIN,
                            engine_rate=1e6, liquidation_fee=0.01)
    result = run_timed(cascade.LiquidationBook(population, market),
                       fall_then_rebound(-0.05, 5.0, 0.10, 10.0))
    assert result.liquidated_in.tolist() == [4, 14]
    assert len(result.series) == 16
    assert result.waves["tick"].tolist() == [4, 14]
    assert result.waves["long_notional"].tolist() == [1.0, 0.0]
    assert result.waves["short_notional"].tolist() == [0.0, 1.0]
    fills = result.waves["fill_price"].to_numpy()
    np.testing.assert_allclose(fills, [97.0, 103.0], rtol=1e-9)
    # slippage: the short bought at 103 against its liquidation price 102.5, the long sold
    # at 97 against 97.5: 0.5 / 97.5 is the deeper
    assert math.isclose(result.slippage, 0.5 / 97.5, rel_tol=1e-6)
    # fees: 1% of each fill's value (quantity 1 / 100)
    assert math.isclose(result.ledger["fees"], 0.01 * (97.0 + 103.0) / 100, rel_tol=1e-6)


def test_a_rate_limit_by_hand():
    """Three longs of $10M, 3-5% from liquidation, on a -10% jump: all queue at tick 1. An
    engine of $5M per second finishes the first at tick 2, the second at 4, the third at 6;
    the queue after tick k is 30 - 5k million; the peak minute holds all $30M."""
    population = _position([0.03, 0.04, 0.05], [1, 1, 1], [10e6] * 3)
    market = cascade.Market(price=P0, depth=1e12, maintenance_margin=MARGIN, engine_rate=5e6)
    result = run_timed(cascade.LiquidationBook(population, market), jump(-0.10))
    assert result.liquidated_in.tolist() == [2, 4, 6]
    np.testing.assert_allclose(result.waves["queued"], [25e6, 20e6, 15e6, 10e6, 5e6, 0.0])
    assert result.clear_seconds == 6.0
    assert result.peak_minute_notional == pytest.approx(30e6)
    assert result.peak_queue == pytest.approx(25e6)
    # at half-second ticks the same engine moves $2.5M per tick: twice the ticks, same seconds
    half = run_timed(cascade.LiquidationBook(population, market), jump(-0.10), tick_seconds=0.5)
    assert half.liquidated_in.tolist() == [4, 8, 12]
    assert half.clear_seconds == 6.0


def test_positions_per_tick_by_hand_dydx_block_limit():
    """dYdX v4: at most 50 liquidation attempts per block. 120 longs of $1K, all reached by
    a -10% jump at tick 1; with engine_max_positions = 50 and a block per tick, ticks 1-3
    take 50, 50 and 20."""
    distance = np.linspace(0.02, 0.06, 120)
    population = _position(distance, [1] * 120, [1e3] * 120)
    market = cascade.Market(price=P0, depth=1e12, maintenance_margin=MARGIN,
                            engine_max_positions=50)
    result = run_timed(cascade.LiquidationBook(population, market), jump(-0.10))
    assert result.waves["count"].tolist() == [50, 50, 20]
    # most underwater first: the 50 farthest past their liquidation price go first
    assert set(np.flatnonzero(result.liquidated_in == 1)) == set(range(50))


def test_refill_lifts_the_price_back_toward_the_path():
    """A long crowd's selling moves the price; with a 20 s half-life the transient part
    decays by half every 20 s, and with permanent_impact = 2/3 a third of it decays."""
    population = _position([0.01], [1], [50e6])
    for kappa in (0.0, 2 / 3):
        market = cascade.Market(price=P0, depth=70e6, maintenance_margin=MARGIN,
                                resilience_half_life=20.0, permanent_impact=kappa)
        result = run_timed(cascade.LiquidationBook(population, market), fall(-0.02, 40.0))
        series = result.series
        flow = 50e6 / population.entry_price[0] * P0 / (1 - 0)  # q P0
        # after the path's end (t = 40 s, held at -2%) the price recovers toward
        # P0 (1 - 0.02 - kappa I(flow)) as the transient part halves every 20 s
        impact = 0.01 * flow / 70e6
        tick = int(np.flatnonzero(series["long_count"].to_numpy())[0]) + 1
        last = series.iloc[-1]
        elapsed = last["tick"] - tick  # ticks of decay since the flow
        expected = P0 * (1 - 0.02 - impact * (kappa + (1 - kappa) * 0.5 ** (elapsed / 20.0)))
        assert last["price"] == pytest.approx(expected, rel=1e-12)


def test_clock_parameters_are_validated():
    with pytest.raises(ValueError, match="engine_rate"):
        cascade.Market(engine_rate=-1.0)
    with pytest.raises(ValueError, match="resilience_half_life"):
        cascade.Market(resilience_half_life=0.0)
    with pytest.raises(ValueError, match="permanent_impact"):
        cascade.Market(permanent_impact=1.5)
    with pytest.raises(ValueError, match="engine_max_positions"):
        cascade.Market(engine_max_positions=0)
    with pytest.raises(ValueError, match="recovery_half_life"):
        cascade.Market(recovery_half_life=2.0, resilience_half_life=20.0)
    population = _position([0.03], [1], [1e6])
    with pytest.raises(ValueError, match="engine_rate"):
        run_timed(cascade.LiquidationBook(population, cascade.Market(
            price=P0, maintenance_margin=MARGIN, engine_rate=1.0)), -0.1)
    with pytest.raises(ValueError, match="tick_seconds"):
        run_timed(cascade.LiquidationBook(population, cascade.Market(
            price=P0, maintenance_margin=MARGIN)), -0.1, tick_seconds=0.0)
    assert not cascade.Market().timed and cascade.Market(permanent_impact=0.5).timed


def test_hyperliquid_parts_by_hand():
    """Hyperliquid: a position above $100K is sent 20% at a time, 30 s apart. A $1M long
    and a $50K long, both reached by a -10% jump at tick 1, no rate limit: tick 1 sells the
    $50K whole and $200K of the large one; its later parts are due 30, 60, 90 and 120 s
    later (ticks 31, 61, 91, 121), and it is liquidated in tick 121."""
    population = _position([0.03, 0.04], [1, 1], [1e6, 5e4])
    market = cascade.Market(price=P0, depth=1e12, maintenance_margin=MARGIN,
                            partial_liquidation=cascade.market.HYPERLIQUID_PARTIAL)
    result = run_timed(cascade.LiquidationBook(population, market), jump(-0.10))
    assert result.liquidated_in.tolist() == [121, 1]
    assert result.waves["tick"].tolist() == [1, 31, 61, 91, 121]
    np.testing.assert_allclose(result.waves["notional"], [250e3, 200e3, 200e3, 200e3, 200e3])
    assert result.waves["count"].tolist() == [1, 0, 0, 0, 1]
    np.testing.assert_allclose(result.waves["queued"], [800e3, 600e3, 400e3, 200e3, 0.0],
                               atol=1e-6)
    assert result.clear_seconds == 121.0
    # with an engine of $100K/s the first tick sells $100K (the large one's first part
    # first: it is more underwater), and the rest follows at the rate
    slow = run_timed(cascade.LiquidationBook(population, cascade.Market(
        price=P0, depth=1e12, maintenance_margin=MARGIN, engine_rate=1e5,
        partial_liquidation=(100_000.0, 5, 30.0))), jump(-0.10))
    assert slow.waves["notional"].iloc[0] == pytest.approx(1e5)
    assert slow.liquidated_notional == pytest.approx(1.05e6)
    assert slow.waves["notional"].sum() == pytest.approx(1.05e6, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(books(), markets, paths, st.floats(1e3, 1e6), st.integers(2, 6), st.floats(1.0, 40.0),
       st.one_of(st.none(), st.floats(0.01, 1.0)))
def test_money_reconciles_with_parts(population, market, path, threshold, parts, cooldown,
                                     rate_share):
    total = float(population.notional.sum())
    market = _accounts(market, partial_liquidation=(threshold, parts, cooldown),
                       engine_rate=None if rate_share is None else rate_share * total,
                       liquidation_fee=0.001)
    result = run_timed(cascade.LiquidationBook(population, market), path)
    liquidated = result.liquidated_in >= 1
    assert math.isclose(result.waves["notional"].sum(), population.notional[liquidated].sum(),
                        rel_tol=1e-12, abs_tol=0.005)
    assert result.series["queue_long"].iloc[-1] == 0 and result.series["queue_short"].iloc[-1] == 0
    ledger = result.ledger
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
