"""The response curve and the figures that tell a cliff from a ramp (issue 16, item 3),
on hand-made books with closed forms and against one run per shock."""

import numpy as np
import pytest

import cascade
from cascade.response import (cliff_figures, first_liquidation_move, largest_step,
                              response_curve, shock_grid)

from .books import MARGIN, P0, leverage_for_distance, market


def _book(distances, notionals, depth, sides=1):
    population = cascade.Population.from_arrays(leverage_for_distance(distances),
                                                np.asarray(notionals, dtype=float), sides, P0)
    return cascade.LiquidationBook(population, market(depth))


def test_a_cluster_is_a_cliff():
    # 50 positions of $1M, all 4% away; $25M moves the price 1%: the wave moves it 2 points.
    book = _book(np.full(50, 0.04), np.full(50, 1e6), 25e6)
    shocks = -np.array([0.0, 0.01, 0.0399, 0.04, 0.05, 0.08])
    curve = response_curve(book, shocks)
    push = 0.01 * 50e6 / 25e6
    below = np.abs(shocks) < 0.04 * (1 - 1e-12)
    np.testing.assert_allclose(curve.final_moves[below], shocks[below], rtol=0, atol=1e-12)
    np.testing.assert_allclose(curve.final_moves[~below], shocks[~below] - push, atol=1e-12)
    assert list(curve.waves) == [0 if b else 1 for b in below]
    assert curve.direction == -1
    result = book.run(-0.05)
    assert largest_step(result) == pytest.approx(push, abs=1e-12)
    assert first_liquidation_move(book, -1) == pytest.approx(-0.04, abs=1e-12)
    assert largest_step(book.run(-0.01)) == 0.0


def test_a_spread_book_steps_wave_by_wave():
    # two longs, 2% ($30M) and 4% ($20M) away, $10M per 1%: a 2% shock sets off wave 1
    # (-3 points, to -5%), which reaches the second (-2 points, to -7%).
    book = _book([0.02, 0.04], [30e6, 20e6], 10e6)
    result = book.run(-0.02)
    assert result.total_move == pytest.approx(-0.07, abs=1e-12)
    assert largest_step(result) == pytest.approx(0.03, abs=1e-12)
    assert first_liquidation_move(book, -1) == pytest.approx(-0.02, abs=1e-12)
    assert np.isnan(first_liquidation_move(book, 1))        # no shorts to reach


def test_first_liquidation_of_a_rise_is_the_nearest_short():
    book = _book([0.03, 0.01, 0.06], [1e6, 1e6, 1e6], 10e6, sides=np.array([-1, -1, 1]))
    # a short liquidates at P0 (1 + 1/L - m) = P0 (1 + d)
    assert first_liquidation_move(book, 1) == pytest.approx(0.01, abs=1e-12)
    assert first_liquidation_move(book, -1) == pytest.approx(-0.06, abs=1e-12)


@pytest.mark.parametrize("tightness", [0.0, 0.5, 1.0])
def test_the_curve_is_one_run_per_shock(tightness):
    scenario = cascade.Scenario(n=2_000, tightness=tightness)
    shocks = shock_grid(-1, scenario.shock)
    curve = response_curve(scenario.book(), shocks)
    for index in (0, 3, 17, 20, 33, len(shocks) - 1):
        run = scenario.replace(shock=float(shocks[index])).run()
        assert curve.final_moves[index] == run.total_move
        assert curve.waves[index] == run.wave_count
    assert curve.critical_shock == cascade.critical_shock(scenario.book(), direction=-1)


def test_the_curve_of_a_rise():
    scenario = cascade.Scenario(n=1_000, shock=0.05, long_share=0.3)
    curve = response_curve(scenario.book(), shock_grid(1, 0.05))
    assert curve.direction == 1 and np.all(curve.shocks >= 0)
    assert curve.final_moves[20] == scenario.replace(shock=float(curve.shocks[20])).run().total_move
    np.testing.assert_equal(curve.critical_shock,
                            cascade.critical_shock(scenario.book(), direction=1))


def test_the_grid():
    grid = shock_grid(-1, -0.05, float("nan"))
    assert grid[0] == 0.0 and np.all(np.diff(grid) < 0)
    np.testing.assert_allclose(np.diff(grid), -0.0025)
    assert grid[-1] == pytest.approx(-0.10)                  # MIN_REACH, 2 x 5%
    wide = shock_grid(1, 0.2)
    assert wide[-1] == pytest.approx(0.40) and len(wide) <= 121
    np.testing.assert_allclose(np.diff(wide), 0.005)
    assert shock_grid(-1, -0.9)[-1] >= -0.95                 # never past MAX_REACH
    with pytest.raises(ValueError, match="direction: must be -1"):
        shock_grid(0, 0.05)


def test_shocks_on_the_wrong_side_are_refused():
    book = cascade.Scenario(n=500).book()
    with pytest.raises(ValueError, match="shocks: must all be on the side of direction -1"):
        response_curve(book, [-0.01, 0.02], direction=-1)


def test_bad_debt_only_where_accounts_are_kept():
    plain = cascade.Scenario(n=1_000)
    assert cliff_figures(plain.run(), plain.book().liquidation_price, -1).bad_debt is None
    funded = plain.replace(insurance_fund=1e6)
    run = funded.run()
    figures = cliff_figures(run, funded.book().liquidation_price, -1)
    assert figures.bad_debt == run.bad_debt and run.ledger is not None
    assert figures.largest_step == largest_step(run)
    assert figures.first_liquidation == first_liquidation_move(funded.book(), -1)
