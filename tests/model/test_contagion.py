"""The contagion engine (cascade/contagion.py): one market of isolated accounts is the
one-market clock bit for bit; a hand-worked two-market, two-account example; money
reconciles to the cent against a plain per-position reference; the venue rules."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.accounts import AccountBook, make_accounts
from cascade.clock import run_timed
from cascade.contagion import beta_paths, run_contagion
from cascade.paths import fall, fall_then_rebound, jump
from tests.model.test_reference import books, markets, shocks
from tests.model.books import assert_every_reached_account_finished


def _isolated_book(population, name="X") -> AccountBook:
    n = len(population)
    return AccountBook((name,), np.arange(n), 0, population.side, population.notional,
                       population.leverage, population.entry_price, False, np.zeros(n))


def _clocked(market, rate_share, half_life, kappa, engine, total):
    """The market on the clock, with one of the clock's engines: no per-position rule,
    Hyperliquid's parts, or a per-position limit per tick (dYdX's block limit, scaled to
    the book: a tenth of its notional)."""
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin,
                          engine_rate=None if rate_share is None else rate_share * total,
                          resilience_half_life=half_life, permanent_impact=kappa,
                          partial_liquidation=cascade.market.HYPERLIQUID_PARTIAL
                          if engine == "parts" else None,
                          position_notional_per_tick=total / 10 if engine == "block" else None)


paths = st.one_of(
    shocks.map(jump),
    st.tuples(shocks, st.floats(1.0, 120.0)).map(lambda a: fall(*a)),
    st.tuples(st.floats(-0.6, 0.0), st.floats(1.0, 60.0), st.floats(0.0, 1.2),
              st.floats(1.0, 60.0)).map(lambda a: fall_then_rebound(*a)))


def _same_run(ours, theirs):
    np.testing.assert_array_equal(ours.price_path, theirs.price_path)
    np.testing.assert_array_equal(ours.liquidated_in, theirs.liquidated_in)
    pd.testing.assert_frame_equal(ours.waves, theirs.waves, check_exact=True)


@settings(max_examples=200, deadline=None)
@given(books(), markets, paths, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.floats(0.0, 1.0),
       st.sampled_from(["none", "parts", "block"]))
def test_isolated_accounts_in_one_market_are_the_clock_bit_for_bit(
        population, market, path, rate_share, half_life, kappa, engine):
    market = _clocked(market, rate_share, half_life, kappa, engine,
                      float(population.notional.sum()))
    theirs = run_timed(cascade.LiquidationBook(population, market), path)
    result = run_contagion(_isolated_book(population), [market], [path])
    ours = result.isolated["X"]
    _same_run(ours, theirs)
    pd.testing.assert_frame_equal(ours.series, theirs.series, check_exact=True)
    np.testing.assert_array_equal(result.position_tick, theirs.liquidated_in)


@settings(max_examples=80, deadline=None)
@given(books(), markets, shocks)
def test_the_instant_limit_through_the_contagion_engine(population, market, shock):
    """A jump, no limits, no refill: the one-market instant engine's waves, bit for bit."""
    instant = cascade.LiquidationBook(population, market).run(shock)
    ours = run_contagion(_isolated_book(population), [market], [jump(shock)]).isolated["X"]
    np.testing.assert_array_equal(ours.price_path, instant.price_path)
    np.testing.assert_array_equal(ours.liquidated_in, instant.liquidated_in)
    pd.testing.assert_frame_equal(ours.waves[instant.waves.columns], instant.waves,
                                  check_exact=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(books(), min_size=2, max_size=3), markets, paths)
def test_isolated_books_in_several_markets_do_not_touch(populations, market, path):
    """No cross positions: each market is its own clock run, whatever the other does."""
    join = lambda name: np.concatenate([getattr(p, name) for p in populations])  # noqa: E731
    market_of = np.concatenate([np.full(len(p), m) for m, p in enumerate(populations)])
    n = market_of.size
    book = AccountBook(tuple(f"M{m}" for m in range(len(populations))), np.arange(n),
                       market_of, join("side"), join("notional"), join("leverage"),
                       join("entry_price"), False, np.zeros(n))
    moves = [path] + [jump(0.0)] * (len(populations) - 1)
    result = run_contagion(book, [market] * len(populations), moves)
    for m, population in enumerate(populations):
        theirs = run_timed(cascade.LiquidationBook(population, market), moves[m])
        _same_run(result.isolated[f"M{m}"], theirs)


def _two_markets(rule, fund=20.0):
    btc = cascade.Market(price=100.0, depth=500.0, maintenance_margin=0.005)
    alt = cascade.Market(price=100.0, depth=1000.0, maintenance_margin=0.005)
    book = AccountBook(("BTC", "ALT"), account=[0, 0, 1], market=[0, 1, 0], side=[1, 1, 1],
                       notional=[1000.0, 1000.0, 1000.0], leverage=[1.0, 1.0, 50.0],
                       entry_price=100.0, cross=[True, True, False],
                       collateral=[100.0, 0.0])
    return run_contagion(book, [btc, alt], [jump(0.0), jump(-0.10)], rule=rule,
                         insurance_fund=fund)


def test_a_fall_in_one_market_liquidates_in_another_by_hand():
    """Two markets at P0 = 100, linear impact I = 0.01 Q / D, maintenance 0.5%.
    BTC depth D = 500, ALT depth D = 1000.

    Account 0, cross, collateral C = 100: long 1,000 of BTC and 1,000 of ALT (q = 10 each).
    MM = 0.005 x 2,000 = 10; equity E = 100 + 10 (P_BTC - 100) + 10 (P_ALT - 100).
    Account 1, isolated: long 1,000 of BTC at 50x; liquidation price
    100 (1 - (0.02 - 0.005)) = 98.5, bankruptcy price 100 (1 - 0.02) = 98.

    ALT jumps -10% at t = 0; BTC's own path does not move.
    Tick 1: P_ALT = 90, E = 100 - 100 = 0 <= 10: account 0 is reached ("whole" rule): it
      sells 10 BTC (flow 1,000) and 10 ALT (flow 1,000).
      BTC: I = 0.01 x 1,000 / 500 = 2%, price after 98, fill 100 (1 - 0.01) = 99.
      ALT: I = 0.01 x 1,000 / 1,000 = 1%, price after 100 (1 - 0.10 - 0.01) = 89,
      fill 100 (1 - 0.10 - 0.005) = 89.5.
      Account 0 settles: c = 50 per position (collateral split by notional);
      BTC 50 + 10 (99 - 100) = 40, ALT 50 + 10 (89.5 - 100) = -55: -15 in all.
      Fund 20 -> 5.
    Tick 2: P_BTC = 98 <= 98.5: account 1 (isolated, never in ALT) is pulled in; it sells
      10 BTC: consumed 2,000, I = 4%, price after 96, fill 100 (1 - 0.03) = 97;
      pnl = 10 (97 - 98) = -10: fund 5 - 10 < 0 -> fund 0, bad debt 5.
    Tick 3: nothing more is reached; the run ends.
    Moves: BTC -4%, ALT -11%. Liquidated 3,000 at entry: 2,000 in BTC (a market whose own
    path did not move: contagion share 2/3), 2,000 cross (cross share 2/3).
    """
    r = _two_markets("whole")
    btc = r.series[r.series["market"] == "BTC"]
    alt = r.series[r.series["market"] == "ALT"]
    assert list(btc["tick"]) == [1, 2, 3]
    np.testing.assert_allclose(btc["price"], [98.0, 96.0, 96.0], rtol=1e-12)
    np.testing.assert_allclose(btc["fill_price"].iloc[:2], [99.0, 97.0], rtol=1e-12)
    np.testing.assert_allclose(alt["price"], [89.0, 89.0, 89.0], rtol=1e-12)
    assert alt["fill_price"].iloc[0] == pytest.approx(89.5, rel=1e-12)
    np.testing.assert_array_equal(r.position_tick, [1, 1, 2])
    np.testing.assert_array_equal(r.account_tick, [1, 2])
    assert r.moves() == pytest.approx({"BTC": -0.04, "ALT": -0.11}, rel=1e-12)
    assert r.contagion_share() == pytest.approx(2 / 3, rel=1e-12)
    assert r.cross_share() == pytest.approx(2 / 3, rel=1e-12)
    assert r.pulled_in().tolist() == [1]
    money = r.money.set_index("market")
    assert money.loc["BTC", "pnl"] == pytest.approx(40.0 - 10.0, abs=0.005)
    assert money.loc["ALT", "pnl"] == pytest.approx(-55.0, abs=0.005)
    assert money.loc["ALT", "cross_shortfall"] == pytest.approx(55.0, abs=0.005)
    assert r.ledger["fund_end"] == 0.0
    assert r.ledger["bad_debt"] == pytest.approx(5.0, abs=0.005)
    assert r.ledger["exhausted_step"] == 2


def test_hyperliquids_backstop_takes_the_account_off_the_books_by_hand():
    """The same book under Hyperliquid's rule: at tick 1 account 0's equity 0 is below
    2/3 of its maintenance 10, so the backstop vault takes the whole account at P
    (BTC 100, ALT 90): nothing reaches a book, BTC does not move, account 1 survives.
    Money: BTC 50 + 0 = 50, ALT 50 + 10 (90 - 100) = -50: the fund stays at 20."""
    r = _two_markets("hyperliquid")
    assert r.moves() == pytest.approx({"BTC": 0.0, "ALT": -0.10}, abs=1e-15)
    np.testing.assert_array_equal(r.position_tick, [1, 1, -1])
    assert r.series["backstop_notional"].sum() == 2000.0
    assert r.series["cross_notional"].sum() == 0.0
    assert r.pulled_in().size == 0
    assert r.ledger["fund_end"] == pytest.approx(20.0, abs=0.005)
    assert r.money.set_index("market")["pnl"].to_dict() == pytest.approx(
        {"BTC": 50.0, "ALT": -50.0}, abs=0.005)


def test_hyperliquid_sends_a_large_cross_position_in_five_parts_30_s_apart():
    """A cross account long $500K of ALT (q = 5,000) with collateral 50,000; maintenance
    0.005 x 500K = 2,500. ALT jumps -9.51%: equity 50,000 - 5,000 x 9.51 = 2,450, at or
    below 2,500 but above 2/3 of it (1,667): market orders, and the position is above
    $100K: five parts of $100K at ticks 1, 31, 61, 91, 121 (1 s ticks, 30 s apart); the
    book is deep enough (D = 1e9) that nothing else moves."""
    alt = cascade.Market(price=100.0, depth=1e9, maintenance_margin=0.005)
    book = AccountBook(("ALT",), [0], [0], [1], [500_000.0], [10.0], 100.0, [True],
                       [50_000.0])
    r = run_contagion(book, [alt], [jump(-0.0951)], rule="hyperliquid")
    executed = r.series.loc[r.series["cross_notional"] > 0]
    assert executed["tick"].tolist() == [1, 31, 61, 91, 121]
    np.testing.assert_allclose(executed["cross_notional"], 100_000.0, rtol=1e-12)
    assert r.position_tick.tolist() == [121]


def _reference_pnl(r, markets):
    """Per market, what the liquidated leave the fund, position by position (the "whole"
    rule and engines without limits: every position fills at its tick's fill in its
    market): isolated s q (F - b), cross c_j + s q (F - e), with c_j = C n_j / sum n."""
    book = r.book
    fills = {(m, t): f for m, t, f in zip(r.series["market"], r.series["tick"],
                                           r.series["fill_price"])}
    q = book.quantity
    own = np.bincount(book.account, weights=np.where(book.cross, book.notional, 0.0),
                      minlength=book.accounts)
    pnl = np.zeros(len(book.markets))
    fees = np.zeros(len(book.markets))
    for j in np.flatnonzero(r.position_tick >= 1):
        m = book.market[j]
        fill = fills[(book.markets[m], r.position_tick[j])]
        s = book.side[j]
        if book.cross[j]:
            share = book.collateral[book.account[j]] * book.notional[j] / own[book.account[j]]
            pnl[m] += share + s * q[j] * (fill - book.entry_price[j])
        else:
            bankrupt = book.entry_price[j] * (1 - s / book.leverage[j])
            pnl[m] += s * q[j] * (fill - bankrupt)
        fees[m] += markets[m].liquidation_fee * fill * q[j]
    return pnl, fees


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0), st.floats(-0.5, -0.01),
       st.floats(1.0, 60.0), st.floats(0.0, 0.01), st.floats(0.0, 1e7))
def test_money_reconciles_to_the_cent_per_market_and_in_total(seed, cross_share, shock,
                                                              seconds, fee, fund):
    book = make_accounts(400, seed, cross_share=cross_share,
                         open_interest=(2e8, 1e8, 2e7))
    markets = [cascade.Market(depth=d, liquidation_fee=fee) for d in (7e6, 3e6, 3e5)]
    r = run_contagion(book, markets, [jump(0.0), jump(0.0), fall(shock, seconds)],
                      insurance_fund=fund)
    ledger, money = r.ledger, r.money
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
    assert ledger["fund_end"] >= 0 and ledger["bad_debt"] >= 0
    assert math.isclose(money["fees"].sum(), ledger["fees"], rel_tol=1e-12, abs_tol=0.005)
    assert math.isclose(money["pnl"].sum(), ledger["pnl"], rel_tol=1e-12, abs_tol=0.005)
    pnl, fees = _reference_pnl(r, markets)
    np.testing.assert_allclose(money["pnl"], pnl, rtol=1e-9, atol=0.005)
    np.testing.assert_allclose(money["fees"], fees, rtol=1e-9, atol=0.005)
    # every liquidated cross account was at or below maintenance at its tick's start prices
    starts = r.series.pivot(index="tick", columns="market", values="start_price")[
        list(book.markets)].to_numpy()
    for a in np.flatnonzero(r.account_tick >= 1):
        rows = np.flatnonzero((book.account == a) & book.cross)
        if not rows.size:
            continue
        prices = starts[r.account_tick[a] - 1][book.market[rows]]
        equity = book.collateral[a] + np.sum(book.side[rows] * book.quantity[rows]
                                             * (prices - book.entry_price[rows]))
        assert equity <= np.sum(0.005 * book.notional[rows]) * (1 + 1e-9)


def test_a_calm_market_moves_only_through_the_accounts():
    """Cross accounts make a fall in ALT move BTC; the same book made isolated does not."""
    book = make_accounts(3000, 7, cross_share=0.6, open_interest=(2e8, 1e8, 2e7))
    markets = [cascade.Market(depth=d) for d in (7e6, 3e6, 3e5)]
    moves = [jump(0.0), jump(0.0), fall(-0.3, 60)]
    crossed = run_contagion(book, markets, moves)
    alone = run_contagion(book.isolated(), markets, moves)
    assert crossed.moves()["BTC"] < 0 and crossed.contagion_share() > 0
    assert alone.moves()["BTC"] == 0.0 and alone.moves()["ETH"] == 0.0
    assert alone.contagion_share() == 0.0 and alone.cross_share() == 0.0
    assert np.isnan(run_contagion(book, markets, [0.0, 0.0, 0.0]).cross_share())


def test_beta_paths_scale_one_path():
    path = fall(-0.1, 30)
    btc, alt = beta_paths(path, (1.0, 2.5))
    assert btc.at(15.0) == pytest.approx(-0.05)
    assert alt.at(30.0) == pytest.approx(-0.25)
    with pytest.raises(ValueError, match="beta"):
        beta_paths(path, (-1.0,))


def test_bad_arguments_name_the_field():
    book = make_accounts(50, 1)
    markets = [cascade.Market()] * 3
    with pytest.raises(ValueError, match="rule"):
        run_contagion(book, markets, [0.0] * 3, rule="binance")
    with pytest.raises(ValueError, match="markets"):
        run_contagion(book, markets[:2], [0.0] * 3)
    with pytest.raises(ValueError, match="tick_seconds"):
        run_contagion(book, markets, [0.0] * 3, tick_seconds=0)
    with pytest.raises(ValueError, match="insurance_fund"):
        run_contagion(book, markets, [0.0] * 3, insurance_fund=-1)
    with pytest.raises(ValueError, match="markets: no Market for ETH"):
        run_contagion(book, {"BTC": cascade.Market(), "ALT": cascade.Market()}, [0.0] * 3)


@pytest.mark.parametrize("field, values, message", [
    ("depth", (1e6, 0.0, 1e6), "depth: must be > 0, got 0.0 (market ETH)"),
    ("open_interest", (1e9, 1e9, float("nan")), "open_interest: must be finite, got nan "
                                                "(market ALT)"),
    ("betas", (1.0, -0.5, 1.0), "betas: must be >= 0, got -0.5 (market ETH)")])
def test_a_bad_per_market_value_names_its_market(field, values, message):
    from cascade.contagion import Contagion
    with pytest.raises(ValueError) as raised:
        Contagion(**{field: values})
    assert str(raised.value) == message


def test_contagion_knobs_are_validated_and_build_the_paths():
    from cascade.contagion import Contagion
    setup = Contagion(betas=(0.5, 0.8, 1.0), fall=-0.2, fall_seconds=100.0)
    btc, eth, alt = setup.paths()
    assert alt.at(50.0) == pytest.approx(-0.1)
    assert btc.at(100.0) == pytest.approx(-0.1) and eth.at(100.0) == pytest.approx(-0.16)
    flat = Contagion().paths()
    assert flat[0].low == flat[0].high == 0.0 and flat[2].low == pytest.approx(-0.3)
    assert Contagion(fall_seconds=0).path().is_jump
    assert all(m.adl for m in Contagion(adl=True).market_list())
    assert not any(m.adl for m in Contagion().market_list())
    for knobs, field in [({"betas": (0.5, 0.8, 0.9)}, "betas"), ({"fall": 0.1}, "fall"),
                         ({"shocked": "SOL"}, "shocked"), ({"accounts": 1}, "accounts"),
                         ({"markets": ("A",)}, "markets"), ({"depth": (1.0, 0.0, 1.0)},
                                                           "depth"),
                         ({"rule": "x"}, "rule"), ({"cross_share": -0.1}, "cross_share"),
                         ({"fall_seconds": 4000}, "fall_seconds"), ({"adl": "yes"}, "adl")]:
        with pytest.raises(ValueError, match=field):
            Contagion(**knobs)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.2, 1.0), st.floats(-0.6, -0.05),
       st.floats(0.0, 120.0), st.floats(0.0, 0.01), st.floats(0.0, 1e6),
       st.sampled_from(["whole", "hyperliquid"]))
def test_every_reached_account_is_finished_and_money_reconciles_under_both_rules(
        seed, cross_share, shock, seconds, fee, fund, rule):
    book = make_accounts(300, seed, cross_share=cross_share, open_interest=(5e7, 3e7, 1e7))
    markets = [cascade.Market(depth=d, liquidation_fee=fee) for d in (2e6, 1e6, 1e5)]
    path = jump(shock) if seconds == 0 else fall(shock, seconds)
    r = run_contagion(book, markets, [jump(0.0), jump(0.0), path], rule=rule,
                      insurance_fund=fund)
    assert_every_reached_account_finished(r)
    ledger = r.ledger
    assert math.isclose(ledger["fund_end"], ledger["fund_start"] + ledger["fees"]
                        + ledger["pnl"] + ledger["bad_debt"], rel_tol=1e-12, abs_tol=0.005)
    assert math.isclose(r.money["pnl"].sum(), ledger["pnl"], rel_tol=1e-12, abs_tol=0.005)
    assert math.isclose(r.money["fees"].sum(), ledger["fees"], rel_tol=1e-12, abs_tol=0.005)
