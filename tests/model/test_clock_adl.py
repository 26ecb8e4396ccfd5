"""ADL on the clock (cascade/clock.py, Deleverage; docs/model.md, Time): on a jump without
limits it is the step engine's ADL, wave for wave and in money; a worked example by hand
where ADL starts one tick after the first liquidation; money reconciles to the cent with
a rate, Hyperliquid's parts and dYdX's per-position limit, on falls and rebounds."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.clock import SERIES_COLUMNS, run_timed
from cascade.paths import fall, fall_then_rebound, jump
from tests.model.books import P0
from tests.model.test_reference import books, markets, shocks
from tests.model.test_venue import adl_book, venue


def _with(market, **changes):
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin, **changes)


@settings(max_examples=150, deadline=None)
@given(books(), markets, shocks, st.sampled_from([0.0, 1e3, 1e5, 1e6]),
       st.sampled_from([0.0, 0.002]))
def test_a_jump_with_adl_is_the_step_engine_with_adl(population, market, shock, fund, fee):
    market = _with(market, insurance_fund=fund, liquidation_fee=fee, adl=True)
    book = cascade.LiquidationBook(population, market)
    stepped = book.run(shock)  # adl: the step engine, unlimited capacity
    timed = run_timed(book, jump(shock))
    np.testing.assert_array_equal(timed.price_path, stepped.price_path)
    np.testing.assert_array_equal(timed.liquidated_in, stepped.liquidated_in)
    pd.testing.assert_frame_equal(timed.waves[stepped.waves.columns], stepped.waves,
                                  check_exact=True)
    assert timed.ledger == stepped.ledger
    assert timed.adl_notional == stepped.adl_notional
    assert timed.adl_positions == stepped.adl_positions
    assert timed.bad_debt == stepped.bad_debt
    np.testing.assert_array_equal(timed.fund_path, stepped.fund_path)
    # the series' adl column holds the waves' ADL, tick by tick
    executing = timed.series["tick"].isin(timed.waves["tick"]).to_numpy()
    np.testing.assert_array_equal(timed.series["adl"].to_numpy()[executing],
                                  timed.waves["adl_notional"].to_numpy())
    assert (timed.series["adl"].to_numpy()[~executing] == 0).all()


def test_adl_one_tick_after_the_first_liquidation_by_hand():
    """The 10M cluster of 20x longs (bankruptcy 95, liquidation 95.5) and the 20M short at
    110, a jump of -4.6% into the linear book (1% per 1M), an engine of 5M per second and a
    fund of 150,000.
    Tick 1 (0 s): half the cluster, 50,000 units, fills at 100 (0.954 - 0.025) = 92.9; the
    fund pays 50,000 x (95 - 92.9) = 105,000 and keeps 45,000: no ADL. Price 90.4.
    Tick 2 (1 s): the other 50,000 units would fill at 87.9, a loss of 355,000. The book
    takes only f = x 1M of flow, the back of the batch, with
        (f / 100) (95 - (90.4 - 0.5 x)) = 45,000,  i.e.  x^2 + 9.2 x - 9 = 0,
    and the front, (5M - f) / 100 units, is deleveraged against the short at 95. The fund
    ends at 0 with no bad debt, the price at 90.4 - x."""
    market = venue(insurance_fund=150_000.0, engine_rate=5e6, adl=True)
    result = run_timed(cascade.LiquidationBook(adl_book(), market), jump(-0.046))
    x = (-9.2 + math.sqrt(9.2 ** 2 + 36.0)) / 2.0
    adl_units = (5e6 - x * 1e6) / 100.0
    series = result.series
    assert series["tick"].tolist() == [1, 2, 3]
    assert series["adl"].tolist()[0] == 0.0 and series["adl"].tolist()[2] == 0.0
    assert series["adl"].iloc[1] == pytest.approx(adl_units * 95.0, rel=1e-9)
    assert series["fund"].iloc[0] == pytest.approx(45_000.0, rel=1e-9)
    assert series["fund"].iloc[1] == pytest.approx(0.0, abs=0.01)
    assert series["fill_price"].iloc[0] == pytest.approx(92.9, rel=1e-12)
    assert series["fill_price"].iloc[1] == pytest.approx(90.4 - 0.5 * x, rel=1e-9)
    assert result.final_price == pytest.approx(90.4 - x, rel=1e-9)
    assert result.adl_notional == pytest.approx(adl_units * 95.0, rel=1e-9)
    assert result.ledger["adl_quantity"] == pytest.approx(adl_units, rel=1e-9)
    assert result.bad_debt == pytest.approx(0.0, abs=0.01)
    assert result.adl_positions == 1
    assert result.first_liquidation_seconds == 0.0 and result.first_adl_seconds == 1.0
    # without ADL the second tick's loss beyond the fund is bad debt: 355,000 - 45,000
    plain = run_timed(cascade.LiquidationBook(adl_book(), venue(
        insurance_fund=150_000.0, engine_rate=5e6)), jump(-0.046))
    assert plain.bad_debt == pytest.approx(310_000.0, rel=1e-9)
    assert plain.adl_notional == 0.0 and math.isnan(plain.first_adl_seconds)
    assert (plain.series["adl"] == 0.0).all()


def _reconciled(result, population):
    """The accounts rebuilt from the series (per tick the fill and the flows to the book)
    and from the liquidated positions, to the cent."""
    ledger, series = result.ledger, result.series
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
    assert ledger["fund_end"] >= 0 and ledger["bad_debt"] >= 0
    assert math.isclose(series["adl"].sum(), ledger["adl_value"], rel_tol=1e-12, abs_tol=0.005)
    assert result.adl_notional == ledger["adl_value"]
    assert math.isclose(result.waves["adl_notional"].sum(), ledger["adl_value"],
                        rel_tol=1e-12, abs_tol=0.005)
    assert math.isclose(result.waves["bad_debt"].sum(), ledger["bad_debt"],
                        rel_tol=1e-12, abs_tol=0.005)
    sold = np.diff(series["sold_flow"].to_numpy(), prepend=0.0) / P0
    bought = np.diff(series["bought_flow"].to_numpy(), prepend=0.0) / P0
    fill = np.nan_to_num(series["fill_price"].to_numpy())
    fees = result.market.liquidation_fee * fill * (sold + bought)
    assert math.isclose(ledger["fees"], fees.sum(), rel_tol=1e-9, abs_tol=0.01)
    # every liquidated unit closed through the book or by ADL
    hit = result.liquidated_in >= 1
    closed = population.quantity[hit].sum()
    assert math.isclose(sold.sum() + bought.sum() + ledger["adl_quantity"], closed,
                        rel_tol=1e-9, abs_tol=1e-6)
    return sold, bought, fill, hit


paths = st.one_of(
    shocks.map(jump),
    st.tuples(shocks, st.floats(1.0, 120.0)).map(lambda a: fall(*a)),
    st.tuples(st.floats(-0.6, 0.0), st.floats(1.0, 60.0), st.floats(0.0, 1.2),
              st.floats(1.0, 60.0)).map(lambda a: fall_then_rebound(*a)))
rules = st.sampled_from([{}, dict(partial_liquidation=(1e5, 5, 30.0)),
                         dict(position_notional_per_tick=2e6)])


@settings(max_examples=120, deadline=None)
@given(books(), markets, paths, rules, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.sampled_from([0.0, 1e3, 1e6]),
       st.sampled_from([0.0, 0.002]))
def test_money_reconciles_to_the_cent_with_adl_on_the_clock(population, market, path, rule,
                                                            rate_share, half_life, fund, fee):
    total = float(population.notional.sum())
    market = _with(market, engine_rate=None if rate_share is None else rate_share * total,
                   resilience_half_life=half_life, insurance_fund=fund, liquidation_fee=fee,
                   adl=True, **rule)
    result = run_timed(cascade.LiquidationBook(population, market), path)
    sold, bought, fill, hit = _reconciled(result, population)
    assert math.isclose(result.waves["notional"].sum(), population.notional[hit].sum(),
                        rel_tol=1e-12, abs_tol=0.005)
    # the fund's pnl, when one side alone was liquidated: fills minus the bankruptcy value
    # of what went to the book (all of that side's bankruptcy value less ADL's)
    sides = set(population.side[hit].tolist())
    if len(sides) == 1:
        sign = sides.pop()
        bankrupt = (population.bankruptcy_price() * population.quantity)[hit].sum()
        pnl = sign * ((fill * (sold - bought)).sum() * sign - (bankrupt
                                                               - result.ledger["adl_value"]))
        assert math.isclose(result.ledger["pnl"], pnl, rel_tol=1e-9,
                            abs_tol=0.01 + 1e-9 * bankrupt)


def test_adl_is_the_last_series_column_and_runs_from_a_scenario():
    assert SERIES_COLUMNS[-1] == "adl"
    scenario = cascade.Scenario(n=2_000, seed=3, open_interest=2e9, depth=20e6, shock=-0.08,
                                path="fall", fall_seconds=120.0, engine_rule="hyperliquid",
                                adl=True)
    result = scenario.run()
    _reconciled(result, result.population)
    assert list(result.series.columns) == SERIES_COLUMNS
