"""dYdX v4's per-block limits on the clock (cascade/clock.py _BlockSide): at most 50
liquidation attempts per block and at most $100M of one subaccount (here: one position)
per block, one block per tick. Worked by hand, money reconciled to the cent, and the limit:
with no position above the cap it is the count-limited engine of before."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.clock import run_timed
from cascade.market import DYDX_ATTEMPTS_PER_BLOCK, DYDX_NOTIONAL_PER_BLOCK
from cascade.paths import jump
from tests.model.books import MARGIN, P0, leverage_for_distance
from tests.model.test_clock import _accounts, paths
from tests.model.test_reference import books, markets


def _position(distance, side, notional):
    return cascade.Population.from_arrays(leverage_for_distance(np.array(distance)),
                                          np.array(notional, dtype=float), np.array(side), P0)


def _dydx(**changes):
    return cascade.Market(price=P0, depth=1e15, maintenance_margin=MARGIN,
                          engine_max_positions=DYDX_ATTEMPTS_PER_BLOCK,
                          position_notional_per_tick=DYDX_NOTIONAL_PER_BLOCK, **changes)


def test_the_rule_is_dydx_documented_figures():
    assert (DYDX_ATTEMPTS_PER_BLOCK, DYDX_NOTIONAL_PER_BLOCK) == (50, 100e6)
    market = cascade.Scenario(engine_rule="dydx").market()
    assert market.engine_max_positions == 50
    assert market.position_notional_per_tick == 100e6


def test_a_250m_long_and_sixty_small_ones_by_hand():
    """A $250M long (most underwater), two $10M longs and 58 of $1M, all reached by a -10%
    jump at tick 1, no rate limit, a book too deep to move.
    Tick 1: 50 attempts: $100M of the large one, both $10M and 47 of the $1M: $167M, 49
    finished. Tick 2: the large one first (it stands at the front), $100M, then the 11 $1M
    left: $111M, 11 finished. Tick 3: the large one's last $50M: it is finished."""
    distance = [0.02, 0.03, 0.031] + list(np.linspace(0.04, 0.06, 58))
    notional = [250e6, 10e6, 10e6] + [1e6] * 58
    population = _position(distance, [1] * 61, notional)
    result = run_timed(cascade.LiquidationBook(population, _dydx()), jump(-0.10))
    assert result.waves["tick"].tolist() == [1, 2, 3]
    assert result.waves["notional"].tolist() == [167e6, 111e6, 50e6]
    assert result.waves["count"].tolist() == [49, 11, 1]
    assert result.liquidated_in[0] == 3
    assert result.liquidated_in[1:50].tolist() == [1] * 49
    assert result.liquidated_in[50:].tolist() == [2] * 11
    # what waits after each tick: $150M and 11 x $1M, then $50M, then nothing
    assert result.waves["queued"].tolist() == [161e6, 50e6, 0.0]
    assert result.clear_seconds == 3.0


def test_a_rate_cap_and_the_block_limit_together_by_hand():
    """The same $250M long alone under an engine of $80M per second: the rate binds before
    the block limit, $80M a tick, finished in tick 4 ($80M, $80M, $80M, $10M); at $150M per
    second the block limit binds: $100M, $100M, $50M."""
    population = _position([0.02], [1], [250e6])
    slow = run_timed(cascade.LiquidationBook(population, _dydx(engine_rate=80e6)), jump(-0.1))
    assert slow.waves["notional"].tolist() == [80e6, 80e6, 80e6, 10e6]
    assert slow.liquidated_in.tolist() == [4]
    fast = run_timed(cascade.LiquidationBook(population, _dydx(engine_rate=150e6)), jump(-0.1))
    assert fast.waves["notional"].tolist() == [100e6, 100e6, 50e6]
    assert fast.liquidated_in.tolist() == [3]


def test_the_parts_fill_at_each_ticks_price_and_flow_is_pro_rata():
    """On a book of $1B per 1% (linear), the $250M long sells 100/250 of its quantity in tick
    1, and the price after the tick is P0 (1 - 0.10 - 0.01 x flow / 1B), the flow counted at
    P0 (docs/model.md, Market and impact)."""
    population = _position([0.02], [1], [250e6])
    market = cascade.Market(price=P0, depth=1e9, maintenance_margin=MARGIN,
                            position_notional_per_tick=100e6)
    result = run_timed(cascade.LiquidationBook(population, market), jump(-0.10))
    quantity = 250e6 / population.entry_price[0]
    flows = np.cumsum([0.4, 0.4, 0.2]) * quantity * P0
    np.testing.assert_allclose(result.waves["price"], P0 * (1 - 0.10 - 0.01 * flows / 1e9),
                               rtol=1e-12)
    np.testing.assert_allclose(result.waves["flow"], np.diff(flows, prepend=0.0), rtol=1e-12)


@settings(max_examples=80, deadline=None)
@given(books(), markets, paths, st.floats(0.001, 0.5), st.integers(1, 60),
       st.one_of(st.none(), st.floats(0.01, 1.0)), st.floats(0.0, 1e6))
def test_money_reconciles_to_the_cent_under_the_block_limit(population, market, path, share,
                                                            attempts, rate_share, fund):
    total = float(population.notional.sum())
    market = _accounts(market, position_notional_per_tick=share * total,
                       engine_max_positions=attempts, liquidation_fee=0.001,
                       engine_rate=None if rate_share is None else rate_share * total,
                       insurance_fund=fund)
    result = run_timed(cascade.LiquidationBook(population, market), path)
    liquidated = result.liquidated_in >= 1
    assert math.isclose(result.waves["notional"].sum(), population.notional[liquidated].sum(),
                        rel_tol=1e-12, abs_tol=0.005)
    # every position taken is finished, and no tick executes more than the caps allow
    assert result.series["queue_long"].iloc[-1] == 0 and result.series["queue_short"].iloc[-1] == 0
    executed = result.series["long_notional"] + result.series["short_notional"]
    assert (executed <= 2 * attempts * share * total * (1 + 1e-12)).all()
    ledger = result.ledger
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)


@settings(max_examples=80, deadline=None)
@given(books(), markets, paths, st.integers(1, 60), st.one_of(st.none(), st.floats(0.01, 1.0)))
def test_with_no_position_above_the_cap_it_is_the_count_limited_engine(population, market,
                                                                       path, attempts,
                                                                       rate_share):
    """A cap above every position changes nothing: the same ticks, the same positions per
    tick and the same notional as engine_max_positions alone (sums in another order:
    equal to 1e-9)."""
    total = float(population.notional.sum())
    rate = None if rate_share is None else rate_share * total
    plain = run_timed(cascade.LiquidationBook(population, _accounts(
        market, engine_max_positions=attempts, engine_rate=rate)), path)
    capped = run_timed(cascade.LiquidationBook(population, _accounts(
        market, engine_max_positions=attempts, engine_rate=rate,
        position_notional_per_tick=2.0 * float(population.notional.max()))), path)
    np.testing.assert_array_equal(capped.liquidated_in, plain.liquidated_in)
    np.testing.assert_allclose(capped.waves["notional"], plain.waves["notional"], rtol=1e-9,
                               atol=1e-6)
    np.testing.assert_allclose(capped.price_path, plain.price_path, rtol=1e-9)


def test_no_rule_is_todays_result():
    """engine_rule='none' leaves the scenario's market without the block limit, and the
    instant engine runs (no clock)."""
    scenario = cascade.Scenario(n=2_000)
    assert scenario.market().position_notional_per_tick is None
    assert not scenario.clock
    before = scenario.book().run(scenario.shock)
    after = scenario.run()
    np.testing.assert_array_equal(after.price_path, before.price_path)


def test_the_block_limit_is_validated():
    with pytest.raises(ValueError, match="position_notional_per_tick"):
        cascade.Market(position_notional_per_tick=0.0)
    with pytest.raises(ValueError, match="position_notional_per_tick"):
        cascade.Market(position_notional_per_tick=-5.0)
    with pytest.raises(ValueError, match="position_notional_per_tick"):
        cascade.Market(position_notional_per_tick=1e8,
                       partial_liquidation=cascade.market.HYPERLIQUID_PARTIAL)
    assert cascade.Market(position_notional_per_tick=1e8).timed
    population = _position([0.02], [1], [250e6])
    with pytest.raises(ValueError, match="position_notional_per_tick"):
        run_timed(cascade.LiquidationBook(population, cascade.Market(
            price=P0, maintenance_margin=MARGIN, position_notional_per_tick=1.0)), -0.1)
