"""ADL across markets (cascade/contagion.py; docs/model.md, "Accounts and several
markets"): isolated accounts in one market with adl are the clock's ADL bit for bit; a
hand-worked two-market example where a cross account's deficit is recovered from each
market's winners; money reconciles to the cent per market and in total on random books."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.accounts import AccountBook, make_accounts
from cascade.clock import run_timed
from cascade.contagion import MONEY_SUMS, run_contagion
from cascade.paths import fall, fall_then_rebound, jump
from tests.model.test_contagion import _isolated_book
from tests.model.test_reference import books, markets, shocks
from tests.model.test_venue import adl_book, venue

paths = st.one_of(
    shocks.map(jump),
    st.tuples(shocks, st.floats(1.0, 60.0)).map(lambda a: fall(*a)),
    st.tuples(st.floats(-0.6, 0.0), st.floats(1.0, 30.0), st.floats(0.0, 1.2),
              st.floats(1.0, 30.0)).map(lambda a: fall_then_rebound(*a)))
engines = st.sampled_from([{}, dict(partial_liquidation=(1e5, 5, 30.0)),
                           dict(position_notional_per_tick=2e6)])


def _with(market, **changes):
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin, **changes)


def _same_as_the_clock(population, market, path):
    """run_contagion of `population` as isolated accounts in one market, against
    run_timed: equal bit for bit (price path, waves, liquidated_in, series with its adl
    column, the ledger), and the venue's money is the clock's ledger."""
    theirs = run_timed(cascade.LiquidationBook(population, market), path)
    fund = 0.0 if market.insurance_fund is None else market.insurance_fund
    result = run_contagion(_isolated_book(population), [market], [path], insurance_fund=fund)
    ours = result.isolated["X"]
    np.testing.assert_array_equal(ours.price_path, theirs.price_path)
    np.testing.assert_array_equal(ours.liquidated_in, theirs.liquidated_in)
    np.testing.assert_array_equal(result.position_tick, theirs.liquidated_in)
    pd.testing.assert_frame_equal(ours.waves, theirs.waves, check_exact=True)
    pd.testing.assert_frame_equal(ours.series, theirs.series, check_exact=True)
    assert ours.ledger == theirs.ledger
    assert ours.adl_positions == theirs.adl_positions
    for name, value in theirs.ledger.items():
        assert result.ledger[name] == value, name
    assert result.ledger["adl_recovered"] == 0.0
    np.testing.assert_array_equal(result.series["adl"], theirs.series["adl"])
    assert int(result.deleveraged.sum()) == theirs.adl_positions
    return theirs


@settings(max_examples=120, deadline=None)
@given(books(), markets, paths, engines, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.sampled_from([0.0, 1e3, 1e6]),
       st.sampled_from([0.0, 0.002]))
def test_isolated_accounts_with_adl_in_one_market_are_the_clocks_adl_bit_for_bit(
        population, market, path, engine, rate_share, half_life, fund, fee):
    total = float(population.notional.sum())
    market = _with(market, engine_rate=None if rate_share is None else rate_share * total,
                   resilience_half_life=half_life, insurance_fund=fund, liquidation_fee=fee,
                   adl=True, **engine)
    _same_as_the_clock(population, market, path)


@pytest.mark.parametrize("path", [jump(-0.046), fall(-0.06, 20.0)])
@pytest.mark.parametrize("rate", [None, 2e6])
def test_a_book_where_adl_strikes_is_the_clock_bit_for_bit(path, rate):
    """The venue tests' ADL book (a 10M cluster of 20x longs, one 2x short entered at 110):
    without a fund ADL must strike, and it does so identically in both engines."""
    theirs = _same_as_the_clock(adl_book(), venue(insurance_fund=0.0, adl=True,
                                                  engine_rate=rate), path)
    assert theirs.adl_notional > 0 and theirs.adl_positions == 1


def _hand_book(adl=True, fund=21.0):
    btc = cascade.Market(price=100.0, depth=50.0, maintenance_margin=0.005, adl=adl)
    alt = cascade.Market(price=100.0, depth=1000.0, maintenance_margin=0.005, adl=adl)
    book = AccountBook(("BTC", "ALT"), account=[0, 0, 1, 2], market=[0, 1, 0, 1],
                       side=[1, 1, -1, -1], notional=[1000.0, 1000.0, 2200.0, 500.0],
                       leverage=[1.0, 1.0, 10.0, 10.0], entry_price=[100.0, 100.0, 110.0, 100.0],
                       cross=[True, True, False, False], collateral=[100.0, 0.0, 0.0])
    return run_contagion(book, [btc, alt], [jump(0.0), jump(-0.10)], rule="whole",
                         insurance_fund=fund)


def test_a_cross_accounts_deficit_is_recovered_from_each_markets_winners_by_hand():
    """Two markets at P0 = 100, linear impact I = 0.01 Q / D, maintenance 0.5%, both with
    adl. BTC depth D = 50, ALT depth D = 1,000. Venue fund 21; rule "whole".

    Account 0, cross, collateral C = 100: long 1,000 of BTC and 1,000 of ALT (q = 10 each),
    MM = 10. Account 1, isolated: short 2,200 of BTC entered at 110 at 10x (q = 20; its
    liquidation price 110 x 1.095 = 120.45 is never reached). Account 2, isolated: short
    500 of ALT entered at 100 at 10x (q = 5; liquidation 109.5).

    ALT jumps -10% at t = 0. Tick 1: P_BTC = 100, P_ALT = 90; account 0's equity
    100 - 100 = 0 <= 10: it sells 10 BTC and 10 ALT (flow 1,000 each at P0).
      BTC: I = 0.01 x 1,000 / 50 = 20%: fill 100 (1 - 0.10) = 90, price after 80.
      ALT: I = 1%: fill 100 (1 - 0.10 - 0.005) = 89.5, price after 89.
    Settlement, c = 50 per position: BTC 50 + 10 (90 - 100) = -50, ALT
    50 + 10 (89.5 - 100) = -55; the account's total -105. The fund pays 21; the deficit
    beyond it is D = 84, shared by the losses each market caused: BTC 84 x 50 / 105 = 40,
    ALT 84 x 55 / 105 = 44; each cell's losing quantity Q = 10 (longs).
      BTC winners (shorts, ranked at 100): account 1, pnl% = 10 / 110 > 0, holds 20 units:
      10 are taken, the whole 40 is recovered; they close at 100 + 40 / 10 = 104,
      ADL value 10 x 104 = 1,040.
      ALT winners (ranked at 90): account 2 holds 5 units < 10: 5 are taken and recover
      44 x 5 / 10 = 22, closing at 90 + 44 / 10 = 94.4, ADL value 472; the other 22 is
      ALT's bad debt.
    Fund 21 - 105 + 40 + 22 + 22 (bad debt) = 0. Tick 2 reaches nothing: the run ends.
    Without ADL the whole 84 is bad debt: BTC 40, ALT 44.
    """
    r = _hand_book()
    btc = r.series[r.series["market"] == "BTC"]
    alt = r.series[r.series["market"] == "ALT"]
    assert list(btc["tick"]) == [1, 2]
    np.testing.assert_allclose(btc["price"], [80.0, 80.0], rtol=1e-12)
    assert btc["fill_price"].iloc[0] == pytest.approx(90.0, rel=1e-12)
    assert alt["fill_price"].iloc[0] == pytest.approx(89.5, rel=1e-12)
    np.testing.assert_array_equal(r.position_tick, [1, 1, -1, -1])
    np.testing.assert_array_equal(r.deleveraged, [False, False, True, True])
    money = r.money.set_index("market")
    expected = {"pnl": {"BTC": -50.0, "ALT": -55.0}, "fees": {"BTC": 0.0, "ALT": 0.0},
                "adl_recovered": {"BTC": 40.0, "ALT": 22.0},
                "bad_debt": {"BTC": 0.0, "ALT": 22.0},
                "adl_quantity": {"BTC": 10.0, "ALT": 5.0},
                "adl_value": {"BTC": 1040.0, "ALT": 472.0},
                "cross_shortfall": {"BTC": 50.0, "ALT": 55.0}}
    for name, values in expected.items():
        assert money[name].to_dict() == pytest.approx(values, abs=0.005), name
    np.testing.assert_allclose(btc["adl"], [1040.0, 0.0], atol=0.005)
    np.testing.assert_allclose(alt["adl"], [472.0, 0.0], atol=0.005)
    np.testing.assert_array_equal(btc["fund"], [0.0, 0.0])
    total = r.money_total()
    assert total["fund_end"] == 0.0 and r.ledger["fund_end"] == 0.0
    assert total["bad_debt"] == pytest.approx(22.0, abs=0.005)
    assert total["adl_recovered"] == pytest.approx(62.0, abs=0.005)
    assert r.ledger["exhausted_step"] == 1
    off = _hand_book(adl=False).money.set_index("market")
    assert off["bad_debt"].to_dict() == pytest.approx({"BTC": 40.0, "ALT": 44.0}, abs=0.005)
    assert off["adl_recovered"].sum() == 0.0 and off["adl_value"].sum() == 0.0
    # a fund that covers the loss leaves nothing to deleverage
    rich = _hand_book(fund=105.0)
    assert rich.ledger["fund_end"] == pytest.approx(0.0, abs=0.005)
    assert rich.money["adl_quantity"].sum() == 0.0 and rich.ledger["bad_debt"] == 0.0
    assert not rich.deleveraged.any()


def _reconciles(r, book, markets):
    ledger, money, total = r.ledger, r.money, r.money_total()
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["adl_recovered"] + ledger["bad_debt"],
                        rel_tol=1e-12, abs_tol=0.005)
    # the markets' contributions sum to the fund's change
    change = (money["fees"] + money["pnl"] + money["adl_recovered"] + money["bad_debt"]).sum()
    assert r.series["fund"].iloc[-1] == ledger["fund_end"] and (r.series["fund"] >= 0).all()
    assert math.isclose(ledger["fund_end"] - ledger["fund_start"], change, rel_tol=1e-12,
                        abs_tol=0.005)
    for name in MONEY_SUMS:
        assert total[name] == ledger[name]
    assert ledger["fund_end"] >= 0
    for name in ("bad_debt", "adl_quantity", "adl_value", "adl_recovered", "fees"):
        assert (money[name] >= -1e-9).all(), name
    for m, market in enumerate(markets):
        isolated = ~book.cross & (book.market == m)
        if not market.adl:
            assert money["adl_quantity"][m] == money["adl_value"][m] == 0.0
            assert money["adl_recovered"][m] == 0.0
        # winners are the market's isolated positions, never taken beyond what they hold
        assert money["adl_quantity"][m] <= book.quantity[isolated].sum() * (1 + 1e-12)
        # a market is charged only deficits its own positions caused
        if not (r.liquidated & isolated).any():
            assert (money["bad_debt"][m] + money["adl_recovered"][m]
                    <= money["cross_shortfall"][m] + 0.005)
    hit = r.deleveraged
    assert not (hit & book.cross).any()
    assert all(markets[m].adl for m in np.unique(book.market[hit]))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.2, 1.0), st.floats(-0.6, -0.05),
       st.floats(0.0, 90.0), st.floats(0.0, 0.01), st.sampled_from([0.0, 1e4, 1e6]),
       st.sampled_from(["whole", "hyperliquid"]), st.lists(st.booleans(), min_size=3,
                                                           max_size=3))
def test_money_reconciles_to_the_cent_with_adl_per_market_and_in_total(
        seed, cross_share, shock, seconds, fee, fund, rule, adl):
    book = make_accounts(300, seed, cross_share=cross_share, open_interest=(5e7, 3e7, 1e7))
    markets = [cascade.Market(depth=d, liquidation_fee=fee, adl=a)
               for d, a in zip((2e6, 1e6, 1e5), adl)]
    path = jump(shock) if seconds == 0 else fall(shock, seconds)
    r = run_contagion(book, markets, [jump(0.0), jump(0.0), path], rule=rule,
                      insurance_fund=fund)
    _reconciles(r, book, markets)


def test_adl_recovers_cross_deficits_on_a_synthetic_book():
    """A book where cross accounts leave deficits: with adl on every market some of it is
    recovered from winners, and the venue's bad debt is the rest."""
    book = make_accounts(2000, 5, cross_share=0.8, open_interest=(5e7, 3e7, 1e7))
    moves = [jump(0.0), jump(0.0), fall(-0.4, 30.0)]
    off = run_contagion(book, [cascade.Market(depth=d) for d in (2e6, 1e6, 1e5)], moves)
    markets = [cascade.Market(depth=d, adl=True) for d in (2e6, 1e6, 1e5)]
    on = run_contagion(book, markets, moves)
    _reconciles(on, book, markets)
    assert off.ledger["bad_debt"] > 0 and on.ledger["adl_recovered"] > 0
    assert on.deleveraged.any()


def test_margin_tiers_are_refused_by_name():
    book = make_accounts(50, 1)
    markets = [cascade.Market(mm_tiers=cascade.BINANCE_BTCUSDT_TIERS)] + [cascade.Market()] * 2
    with pytest.raises(ValueError, match="mm_tiers: BTC"):
        run_contagion(book, markets, [0.0] * 3)


def test_isolated_adl_splits_on_the_fill_that_counts_the_ticks_cross_orders():
    """The venue tests' ADL book in one market (ten 20x longs of 1M entered at 100,
    bankruptcy 95; a 2x short of 20M entered at 110), no fund, linear depth D = 1M, -4.6%
    at t = 0: the cluster is reached in tick 1. Alone, the book may take the part f of it
    that still fills at bankruptcy: 100 (0.954 - 0.005 f / D) = 95, f = 0.8 D = 800K; the
    rest is deleveraged against the short.
    A cross account long 500K at 100 with collateral 25K (equity 25K - 5,000 x 4.6 = 2K
    <= MM 2.5K) sells in the same tick, and its flow walks the book with the longs' part:
    100 (0.954 - 0.005 (500K + f) / D) = 95 gives f = 300K. The fill is 95, the isolated
    settlement leaves no bad debt, and the cross account's c + PnL = 25K + 5,000 (95 - 100)
    = 0: the fund ends at 0 with no bad debt."""
    population = adl_book()
    n = len(population)
    book = AccountBook(("X",), np.r_[np.arange(n), n], np.zeros(n + 1, dtype=int),
                       np.r_[population.side, 1], np.r_[population.notional, 5e5],
                       np.r_[population.leverage, 20.0], np.r_[population.entry_price, 100.0],
                       np.r_[np.zeros(n, dtype=bool), True], np.r_[np.zeros(n), 2.5e4])
    market = venue(insurance_fund=0.0, adl=True)
    r = run_contagion(book, [market], [jump(-0.046)])
    alone = run_contagion(_isolated_book(population), [market], [jump(-0.046)])
    tick = r.series.iloc[0]
    assert tick["cross_notional"] == 5e5
    assert tick["fill_price"] == pytest.approx(95.0, abs=1e-6)
    assert r.isolated["X"].waves["flow"].iloc[0] == pytest.approx(3e5, rel=1e-6)
    assert alone.isolated["X"].waves["flow"].iloc[0] == pytest.approx(8e5, rel=1e-6)
    assert r.isolated["X"].ledger["bad_debt"] == 0.0
    assert r.ledger["fund_end"] == pytest.approx(0.0, abs=0.005)
    assert r.ledger["bad_debt"] == pytest.approx(0.0, abs=0.005)
    _reconciles(r, book, [market])
