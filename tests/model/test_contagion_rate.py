"""Cross orders under each market's engine cap (cascade/contagion.py; docs/model.md,
"Accounts and several markets", The clock): a hand-worked two-market example where a
cross order waits in the queue; on random books with rates, the notional a market's
engine executes per tick never exceeds its cap, cross and isolated together; the queue
drains and money reconciles to the cent."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.accounts import AccountBook
from cascade.clock import MAX_TICKS
from cascade.contagion import run_contagion
from cascade.paths import fall, jump
from tests.model.books import assert_every_reached_account_finished


def _two_markets(rate):
    btc = cascade.Market(price=100.0, depth=500.0, maintenance_margin=0.005,
                         engine_rate=rate)
    alt = cascade.Market(price=100.0, depth=1000.0, maintenance_margin=0.005)
    book = AccountBook(("BTC", "ALT"), account=[0, 0, 1], market=[0, 1, 0], side=[1, 1, 1],
                       notional=[1000.0, 1000.0, 1000.0], leverage=[1.0, 1.0, 50.0],
                       entry_price=100.0, cross=[True, True, False],
                       collateral=[100.0, 0.0])
    return run_contagion(book, [btc, alt], [jump(0.0), jump(-0.10)], rule="whole",
                         insurance_fund=20.0)


def test_a_cross_order_waits_in_the_engines_queue_by_hand():
    """The two-market book of tests/model/test_contagion.py, with BTC's engine at 400 USD
    of notional per second (1 s ticks: a cap of 400 per tick); ALT's engine has no rate.
    P0 = 100, linear impact I = 0.01 Q / D, BTC D = 500, ALT D = 1000, maintenance 0.5%.

    Account 0, cross, C = 100: long 1,000 of BTC and 1,000 of ALT (q = 10 each), MM = 10.
    Account 1, isolated: long 1,000 of BTC at 50x: liquidation 98.5, bankruptcy 98.
    ALT jumps -10% at t = 0.
    Tick 1: P_ALT = 90, E = 0 <= 10: account 0 reached ("whole"). ALT sells its 1,000 at
      once (fill 89.5, price after 89). BTC's engine takes 400 of the BTC order; 600 wait
      (cross_queue 600). BTC: consumed 400, I = 0.8%, price after 99.2, fill 99.6.
    Tick 2: P_BTC = 99.2 > 98.5. 400 more of the order: consumed 800, price after 98.4,
      fill 100 (1 - mean I over 400..800 = 1.2%) = 98.8; 200 wait.
    Tick 3: P_BTC = 98.4 <= 98.5: account 1 is reached (due tick 3). The cross order, due
      since tick 1, comes first: its last 200, then 200 of account 1. Consumed 1,200,
      price after 97.6, fill 98.0. Account 0's last order has filled: it settles now.
      Its BTC position sold 4 at 99.6, 4 at 98.8, 2 at 98.0 (value 989.6):
      50 + 989.6 - 1,000 = 39.6; ALT 50 + 10 (89.5 - 100) = -55; -15.4 in all. Account 1's
      first 2 units: 2 (98.0 - 98) = 0. Fund 20 -> 4.6.
    Tick 4: 400 of account 1: consumed 1,600, price after 96.8, fill 97.2;
      4 (97.2 - 98) = -3.2: fund 1.4.
    Tick 5: its last 400: consumed 2,000, price after 96, fill 96.4; 4 (96.4 - 98) = -6.4:
      fund 0, bad debt 5.
    Without the rate (test_contagion.py) BTC ends at 96 too, but at tick 2, and account 0
    settles at tick 1."""
    r = _two_markets(400.0)
    btc = r.series[r.series["market"] == "BTC"]
    assert btc["tick"].tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(btc["cross_notional"], [400, 400, 200, 0, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(btc["isolated_notional"], [0, 0, 200, 400, 400, 0],
                               rtol=1e-12)
    np.testing.assert_allclose(btc["cross_queue"], [600, 200, 0, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(btc["queue"], [600, 200, 800, 400, 0, 0], atol=1e-9)
    np.testing.assert_allclose(btc["price"], [99.2, 98.4, 97.6, 96.8, 96.0, 96.0],
                               rtol=1e-12)
    np.testing.assert_allclose(btc["fill_price"].iloc[:5], [99.6, 98.8, 98.0, 97.2, 96.4],
                               rtol=1e-12)
    np.testing.assert_allclose(btc["fund"], [20, 20, 4.6, 1.4, 0, 0], atol=1e-9)
    alt = r.series[r.series["market"] == "ALT"]
    np.testing.assert_allclose(alt["cross_notional"].iloc[0], 1000.0, rtol=1e-12)
    assert alt["fill_price"].iloc[0] == pytest.approx(89.5, rel=1e-12)
    np.testing.assert_array_equal(r.position_tick, [3, 1, 5])
    np.testing.assert_array_equal(r.account_tick, [1, 5])
    money = r.money.set_index("market")
    assert money.loc["BTC", "pnl"] == pytest.approx(39.6 - 9.6, abs=0.005)
    assert money.loc["ALT", "pnl"] == pytest.approx(-55.0, abs=0.005)
    assert r.ledger["fund_end"] == 0.0
    assert r.ledger["bad_debt"] == pytest.approx(5.0, abs=0.005)
    assert r.ledger["exhausted_step"] == 5
    # without a rate, the same book is the run of test_contagion.py: BTC at 96 after tick 2
    free = _two_markets(None)
    assert free.position_tick.tolist() == [1, 1, 2]
    assert free.series["cross_queue"].eq(0.0).all()


def test_a_count_limit_serves_the_isolated_first_then_the_most_underwater_account():
    """One market X at P0 = 100, depth D = 1,000 (I = 0.01 Q / D: 0.1% per 100), its engine
    at most one position per tick (engine_max_positions = 1, no rate); X jumps -10%.
    Account 0: cross, long 100 (q = 1), C = 8: at 90, E = 8 - 10 = -2, MM = 0.5,
      (E - MM) / MM = -5.
    Account 1: isolated, long 100 at 20x: liquidation 100 (1 - 0.05 + 0.005) = 95.5.
    Account 2: cross, long 100, C = 5: E = -5, (E - MM) / MM = -11.
    Tick 1: all three are due at P = 90. At the same tick the isolated engine comes first:
      account 1 (consumed 100, fill 89.95, price after 89.9); the count is spent and both
      cross orders wait (cross_queue 200).
    Tick 2: the cross orders, due at tick 1, most underwater first: account 2 (fill 89.85).
    Tick 3: account 0 (fill 89.75, price after 89.7)."""
    x = cascade.Market(price=100.0, depth=1000.0, maintenance_margin=0.005,
                       engine_max_positions=1)
    book = AccountBook(("X",), account=[0, 1, 2], market=0, side=1, notional=100.0,
                       leverage=[1.0, 20.0, 1.0], entry_price=100.0,
                       cross=[True, False, True], collateral=[8.0, 0.0, 5.0])
    r = run_contagion(book, [x], [jump(-0.10)], rule="whole")
    assert r.position_tick.tolist() == [3, 1, 2]
    assert r.series["isolated_notional"].tolist()[:3] == [100.0, 0.0, 0.0]
    np.testing.assert_allclose(r.series["cross_notional"].iloc[:3], [0, 100, 100])
    np.testing.assert_allclose(r.series["cross_queue"].iloc[:3], [200, 100, 0], atol=1e-9)
    np.testing.assert_allclose(r.series["fill_price"].iloc[:3], [89.95, 89.85, 89.75],
                               rtol=1e-12)
    np.testing.assert_allclose(r.series["price"].iloc[:3], [89.9, 89.8, 89.7], rtol=1e-12)
    free = run_contagion(book, [cascade.Market(price=100.0, depth=1000.0)], [jump(-0.10)],
                         rule="whole")
    assert free.position_tick.tolist() == [1, 1, 1]


def test_older_isolated_work_is_not_passed_by_a_newer_cross_order():
    """The count limit walked first in first out: X at P0 = 100, D = 1,000, one position
    per tick; X's path is -10% at t = 0 and -20% from t = 1 s.
    Account 0: cross, long 100 (q = 1), C = 15: reached when 15 + (P - 100) <= 0.5,
      P <= 85.5. Accounts 1 to 3: isolated longs of 100 at 20x, 21x, 22x (liquidation
      prices 95.5 to 95.95).
    Tick 1: P = 90: the three isolated positions are due; one executes (consumed 100).
    Tick 2: P = 100 (1 - 0.2 - 0.001) = 79.9: account 0 is reached (due tick 2); the
      isolated work due at tick 1 comes first: the second isolated position; the cross
      order waits.
    Tick 3: the last isolated position (due tick 1) still comes before the cross order
      (due tick 2). Tick 4: the cross order."""
    x = cascade.Market(price=100.0, depth=1000.0, maintenance_margin=0.005,
                       engine_max_positions=1)
    book = AccountBook(("X",), account=[0, 1, 2, 3], market=0, side=1, notional=100.0,
                       leverage=[1.0, 20.0, 21.0, 22.0], entry_price=100.0,
                       cross=[True, False, False, False], collateral=[15.0, 0, 0, 0])
    path = cascade.PricePath([0.0, 1.0], [-0.1, -0.2])
    r = run_contagion(book, [x], [path], rule="whole")
    assert r.position_tick[0] == 4 and sorted(r.position_tick[1:].tolist()) == [1, 2, 3]
    assert r.account_tick[0] == 2
    np.testing.assert_allclose(r.series["cross_queue"].iloc[:4], [0, 100, 100, 0])
    assert r.series["isolated_notional"].tolist()[:4] == [100.0, 100.0, 100.0, 0.0]


def _random_book(seed: int, sign: int, accounts: int = 120, cross_only=False) -> AccountBook:
    """Accounts over three markets at P0 = 100, every position on side `sign`: half cross
    (1 to 3 markets, collateral sum n / L), half isolated (or all cross); leverage 5x to
    40x, notional $1K to $1M (some above Hyperliquid's $100K, so parts happen)."""
    rng = np.random.default_rng(seed)
    account, market, notional, leverage, cross, collateral = [], [], [], [], [], []
    for a in range(accounts):
        is_cross = cross_only or a % 2 == 0
        held = rng.choice(3, size=rng.integers(1, 4) if is_cross else 1, replace=False)
        n = np.exp(rng.uniform(np.log(1e3), np.log(1e6), held.size))
        lev = rng.uniform(5.0, 40.0, held.size)
        account += [a] * held.size
        market += held.tolist()
        notional += n.tolist()
        leverage += lev.tolist()
        cross += [is_cross] * held.size
        collateral.append(float((n / lev).sum()) if is_cross else 0.0)
    return AccountBook(("A", "B", "C"), account, market, sign, notional, leverage, 100.0,
                       cross, collateral)


engines = st.sampled_from([{}, dict(partial_liquidation=cascade.market.HYPERLIQUID_PARTIAL),
                           dict(position_notional_per_tick=3e5),
                           dict(engine_max_positions=3), dict(engine_capacity=2e5)])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1, -1]),
       st.lists(st.one_of(st.none(), st.floats(0.005, 0.3)), min_size=3, max_size=3),
       engines, st.floats(0.0, 60.0), st.sampled_from(["whole", "hyperliquid"]),
       st.booleans(), st.sampled_from([0.0, 0.002]), st.sampled_from([0.0, 1e5]))
def test_an_engines_cap_binds_cross_and_isolated_together_and_the_queue_drains(
        seed, sign, rate_shares, engine, seconds, rule, adl, fee, fund):
    """Every position long (a fall in C) or every position short (a rise in C): per tick
    and market, the notional executed (isolated and cross to the book, at entry) is at most
    the cap min(engine_rate dt, engine_capacity); every reached account is finished, the
    queues end empty, the executed notional is the liquidated notional, and the money
    reconciles to the cent."""
    book = _random_book(seed, sign)
    totals = np.bincount(book.market, weights=book.notional, minlength=3)
    markets = [cascade.Market(price=100.0, depth=d, engine_rate=None if s is None
                              else s * t, liquidation_fee=fee, adl=adl, **engine)
               for d, s, t in zip((2e7, 1e7, 2e6), rate_shares, totals)]
    move = -0.3 * sign
    path = jump(move) if seconds == 0 else fall(move, seconds)
    r = run_contagion(book, markets, [jump(0.0), jump(0.0), path], rule=rule,
                      insurance_fund=fund)
    for m, (name, market) in enumerate(zip(book.markets, markets)):
        rows = r.series[r.series["market"] == name]
        cap = min(math.inf if market.engine_rate is None else market.engine_rate,
                  market.capacity_per_step(sign))
        executed = (rows["isolated_notional"] + rows["cross_notional"]).to_numpy()
        assert (executed <= cap * (1 + 1e-9)).all(), name
        assert (rows["isolated_notional"] >= 0).all() and (rows["cross_notional"] >= 0).all()
        if (math.isfinite(cap) and market.engine_max_positions is None
                and (rows["cross_queue"] > 0).any()):
            # without a count limit, the cap binds in the ticks where cross orders wait
            waited = (rows["cross_queue"] > 0).to_numpy()
            np.testing.assert_allclose(executed[waited], cap, rtol=1e-9)
        assert rows["cross_queue"].iloc[-1] == 0.0 and rows["queue"].iloc[-1] <= 1e-6
    assert_every_reached_account_finished(r)
    total = r.money_total()
    assert math.isclose(total["fund_end"], total["fund_start"] + total["fees"] + total["pnl"]
                        + total["adl_recovered"] + total["bad_debt"], rel_tol=1e-12,
                        abs_tol=0.005)
    assert total["fund_end"] >= 0.0 and total["bad_debt"] >= 0.0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["whole", "hyperliquid"]),
       st.floats(0.0, 30.0))
def test_a_cap_that_never_binds_changes_nothing_but_rounding(seed, rule, seconds):
    """With a rate above all the notional of each market, nothing waits: the capped run
    is the run without a rate, to rounding."""
    book = _random_book(seed, 1, accounts=60)
    totals = np.bincount(book.market, weights=book.notional, minlength=3)
    path = [jump(0.0), jump(0.0), jump(-0.3) if seconds == 0 else fall(-0.3, seconds)]
    free = run_contagion(book, [cascade.Market(depth=d) for d in (2e7, 1e7, 2e6)], path,
                         rule=rule)
    capped = run_contagion(book, [cascade.Market(depth=d, engine_rate=2 * t)
                                  for d, t in zip((2e7, 1e7, 2e6), totals)], path, rule=rule)
    np.testing.assert_array_equal(capped.position_tick, free.position_tick)
    assert capped.series["cross_queue"].eq(0.0).all()
    np.testing.assert_allclose(capped.series["price"], free.series["price"], rtol=1e-12)
    np.testing.assert_allclose(capped.money["pnl"], free.money["pnl"], rtol=1e-9, atol=1e-6)


def test_a_rate_too_slow_for_the_cross_positions_is_refused_by_name():
    book = _random_book(0, 1, accounts=20)
    markets = [cascade.Market(depth=1e7, engine_rate=1e-3) for _ in range(3)]
    with pytest.raises(ValueError, match=f"engine_rate: .*more than {MAX_TICKS:,}"):
        run_contagion(book, markets, [jump(0.0), jump(0.0), jump(-0.3)])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.floats(0.005, 0.05), min_size=3, max_size=3),
       st.floats(0.0, 10.0), st.sampled_from([0.0, 0.002]))
def test_cross_money_is_what_the_queued_pieces_filled_at(seed, rate_shares, seconds, fee):
    """Cross accounts only, every long entered at P0 = 100 (q = n / 100), the "whole" rule,
    rates that make orders wait: per market the fees are phi sum_t q_t F_t and the pnl is
    sum over liquidated positions of (c_j - n_j) plus sum_t q_t F_t, with q_t the cross
    quantity the engine executed in tick t (cross_notional / 100) and F_t the tick's fill:
    every piece is settled at the fill of the tick that executed it, to the cent."""
    book = _random_book(seed, 1, accounts=80, cross_only=True)
    totals = np.bincount(book.market, weights=book.notional, minlength=3)
    markets = [cascade.Market(price=100.0, depth=d, engine_rate=s * t, liquidation_fee=fee)
               for d, s, t in zip((2e7, 1e7, 2e6), rate_shares, totals)]
    path = jump(-0.3) if seconds == 0 else fall(-0.3, seconds)
    r = run_contagion(book, markets, [jump(0.0), jump(0.0), path], rule="whole")
    own = np.bincount(book.account, weights=book.notional, minlength=book.accounts)
    share = book.collateral[book.account] * book.notional / own[book.account]
    money = r.money.set_index("market")
    for m, name in enumerate(book.markets):
        rows = r.series[(r.series["market"] == name) & (r.series["cross_notional"] > 0)]
        value = float((rows["cross_notional"] / 100.0 * rows["fill_price"]).sum())
        here = r.liquidated & (book.market == m)
        pnl = float((share[here] - book.notional[here]).sum()) + value
        assert money.loc[name, "pnl"] == pytest.approx(pnl, abs=0.005)
        assert money.loc[name, "fees"] == pytest.approx(fee * value, abs=0.005)
