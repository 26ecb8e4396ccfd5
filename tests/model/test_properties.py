"""Properties every cascade must have, on random books."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from tests.model.books import P0
from tests.model.test_reference import books, markets


@settings(max_examples=150, deadline=None)
@given(books(), markets, st.floats(0.0, 0.5), st.floats(0.0, 0.3))
def test_a_bigger_shock_never_shrinks_the_cascade(population, market, size, extra):
    for direction in (-1, 1):
        small = cascade.simulate(population, market, direction * size)
        big = cascade.simulate(population, market, direction * (size + extra))
        assert abs(big.total_move) >= abs(small.total_move)
        assert big.liquidated.sum() >= small.liquidated.sum()
        assert not (small.liquidated & ~big.liquidated).any()


@settings(max_examples=150, deadline=None)
@given(books(), markets, st.floats(-0.5, 0.5), st.floats(0.01, 1.0))
def test_thinner_depth_never_shrinks_the_cascade(population, market, shock, thinning):
    deep = cascade.simulate(population, market, shock)
    thin_market = cascade.Market(price=market.price, depth=market.depth * thinning,
                                 impact=market.impact,
                                 maintenance_margin=market.maintenance_margin)
    thin = cascade.simulate(population, thin_market, shock)
    assert abs(thin.total_move) >= abs(deep.total_move) - 1e-12
    assert not (deep.liquidated & ~thin.liquidated).any()


@settings(max_examples=200, deadline=None)
@given(books(), markets, st.floats(-0.6, 0.6))
def test_each_position_goes_in_the_first_wave_whose_trigger_reaches_it(population, market, shock):
    result = cascade.simulate(population, market, shock)
    liq = population.liquidation_price(market.maintenance_margin)
    triggers = result.price_path[1:]  # trigger of wave k is price_path[k]; last = final
    reached = np.where(population.is_long[:, None], triggers[None, :] <= liq[:, None],
                       triggers[None, :] >= liq[:, None])
    first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, -1)
    # the final price reaches nobody new: survivors stay out of reach
    np.testing.assert_array_equal(result.liquidated_in, first)


@settings(max_examples=150, deadline=None)
@given(books(), markets, st.floats(-0.6, 0.6))
def test_the_price_moves_one_way_and_stays_positive(population, market, shock):
    path = cascade.simulate(population, market, shock).price_path
    assert (path > 0).all()
    steps = np.diff(path[1:])
    assert (steps <= 0).all() if shock <= 0 else (steps >= 0).all()
    assert path[0] == P0


@settings(max_examples=150, deadline=None)
@given(books(), markets, st.floats(-0.6, 0.6))
def test_final_move_is_a_fixed_point_of_the_feedback_map(population, market, shock):
    """docs/model.md, Theory: |x| = |s| + F(x), F the impact of everything within reach."""
    result = cascade.simulate(population, market, shock)
    if result.final_price <= P0 * cascade.PRICE_FLOOR:
        return  # the floor, not the impact, set this price
    book = cascade.LiquidationBook(population, market)
    move = result.total_move
    feedback = cascade.feedback(book, move) if shock != 0 else 0.0
    np.testing.assert_allclose(abs(move), abs(shock) + feedback, rtol=1e-9, atol=1e-12)
