"""The sorted-book engine against the plain one-mask-per-wave transcription of docs/model.md."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.reference import simulate_plain
from tests.model.books import MARGIN, P0


@st.composite
def books(draw):
    """Random books that are valid at P0: liquidation distance 1/L - m of at least 3% and
    entry prices within 2% of P0 keep every position alive."""
    n = draw(st.integers(1, 80))
    floats = lambda lo, hi: st.lists(st.floats(lo, hi), min_size=n, max_size=n)  # noqa: E731
    distance = np.array(draw(floats(0.03, 0.98)))
    notional = np.array(draw(floats(1.0, 1e7)))
    side = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)))
    entry = P0 * (1 + np.array(draw(floats(-0.02, 0.02))))
    return cascade.Population.from_arrays(1 / (distance + MARGIN), notional, side, entry)


markets = st.builds(
    lambda depth, impact: cascade.Market(price=P0, depth=depth, impact=impact,
                                         maintenance_margin=MARGIN),
    st.floats(1e3, 1e9), st.sampled_from(["linear", "sqrt"]))
shocks = st.floats(-0.6, 0.6)


@settings(max_examples=300, deadline=None)
@given(books(), markets, shocks)
def test_engine_equals_the_plain_reference(population, market, shock):
    fast = cascade.simulate(population, market, shock)
    path, liquidated_in = simulate_plain(population, market, shock)
    np.testing.assert_array_equal(fast.liquidated_in, liquidated_in)
    np.testing.assert_allclose(fast.price_path, path, rtol=1e-12)


@settings(max_examples=150, deadline=None)
@given(books(), markets, shocks)
def test_wave_table_accounts_for_every_liquidated_position(population, market, shock):
    result = cascade.simulate(population, market, shock)
    waves = result.waves
    assert len(waves) == result.liquidated_in.max(initial=0)
    assert (waves["count"] > 0).all(), "the cascade stops at the first empty wave"
    per_wave = np.bincount(result.liquidated_in[result.liquidated], minlength=len(waves) + 1)[1:]
    np.testing.assert_array_equal(waves["count"], per_wave)
    np.testing.assert_array_equal(waves["count"], waves["long_count"] + waves["short_count"])
    notional = np.bincount(result.liquidated_in[result.liquidated],
                           weights=population.notional[result.liquidated],
                           minlength=len(waves) + 1)[1:]
    np.testing.assert_allclose(waves["notional"], notional, rtol=1e-9)
    if len(waves):
        np.testing.assert_allclose(waves["cumulative_notional"].iloc[-1],
                                   result.liquidated_notional, rtol=1e-9)
    np.testing.assert_allclose(waves["price"], result.price_path[2:])
    np.testing.assert_allclose(waves["trigger_price"], result.price_path[1:-1])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), tightness=st.sampled_from([0.0, 0.6, 0.9, 1.0]),
       background=st.sampled_from(["lognormal", "discrete"]),
       entry_dispersion=st.sampled_from([0.0, 0.02]),
       depth=st.floats(2e6, 2e8), impact=st.sampled_from(["linear", "sqrt"]),
       prepared=st.sampled_from(["fresh", "partly sorted", "sorted"]),
       shocks=st.lists(st.floats(-0.3, 0.3), min_size=1, max_size=4))
def test_one_book_runs_many_shocks_like_the_reference(seed, tightness, background,
                                                      entry_dispersion, depth, impact,
                                                      prepared, shocks):
    """Synthetic books of 3,000 (clusters, exact ties on the discrete levels) through every
    path of the engine: mask waves, the lazily sorted rest of a long cascade, and the
    sorted side a book keeps once theory has asked for it, with one book serving many
    shocks in turn."""
    scenario = cascade.Scenario(n=3_000, seed=seed, tightness=tightness, background=background,
                                entry_dispersion=entry_dispersion, depth=depth, impact=impact)
    population, market = scenario.population(), scenario.market()
    book = cascade.LiquidationBook(population, market)
    if prepared == "partly sorted":
        book.longs.reached(market.price * 0.97)
        book.shorts.reached(market.price * 1.03)
    elif prepared == "sorted":
        book.longs.complete()
        book.shorts.complete()
    for shock in shocks:
        fast = book.run(shock)
        path, liquidated_in = simulate_plain(population, market, shock)
        np.testing.assert_array_equal(fast.liquidated_in, liquidated_in)
        np.testing.assert_allclose(fast.price_path, path, rtol=1e-12)
        np.testing.assert_array_equal(
            fast.waves["count"], np.bincount(liquidated_in[liquidated_in > 0])[1:])


def test_a_book_on_another_market_shares_its_sides_and_answers_for_that_market():
    scenario = cascade.Scenario(n=5_000, seed=3)
    population = scenario.population()
    book = cascade.LiquidationBook(population, scenario.market())
    thin = book.with_market(scenario.replace(depth=10e6, impact="sqrt").market())
    assert thin.longs is book.longs and thin.shorts is book.shorts
    cascade.tipping_move(thin)                      # theory sorts the longs of both books
    assert book.longs.frontier == np.inf
    for shock in (-0.04, -0.08, 0.05):
        for one in (book, thin):
            path, liquidated_in = simulate_plain(population, one.market, shock)
            result = one.run(shock)
            np.testing.assert_array_equal(result.liquidated_in, liquidated_in)
            np.testing.assert_allclose(result.price_path, path, rtol=1e-12)
    with pytest.raises(ValueError, match="market: with_market needs the same"):
        book.with_market(scenario.replace(maintenance_margin=0.01).market())
