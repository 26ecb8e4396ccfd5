"""docs/model.md, Theory in code: branching ratio, tipping move, critical shock."""

import numpy as np
import pytest

import cascade
from tests.model.books import P0, band, depth_for_ratio, leverage_for_distance, market

WINDOW = cascade.theory.DEFAULT_WINDOW


def band_book(ratio, n=100_000, near=0.02, far=0.5, impact="linear"):
    return cascade.LiquidationBook(band(n, near, far), market(depth_for_ratio(n, near, far, ratio),
                                                              impact))


@pytest.mark.parametrize("ratio", [0.4, 0.9, 1.5])
def test_branching_ratio_inside_a_uniform_band_is_lambda_rho(ratio):
    book = band_book(ratio)
    moves = -np.array([0.05, 0.1, 0.3, 0.45])
    np.testing.assert_allclose(cascade.branching_ratio(book, move=moves), ratio, rtol=5e-3)
    assert cascade.branching_ratio(book, move=-0.01) == 0.0, "no thresholds before the band"


def test_branching_ratio_with_square_root_impact_is_the_slope_of_the_feedback_map():
    n, near, far = 100_000, 0.02, 0.5
    depth = 1e9
    book = cascade.LiquidationBook(band(n, near, far), market(depth, "sqrt"))
    rho = n * 1e4 / (far - near)
    x = 0.2
    slope = (0.01 * np.sqrt(rho * (x - near) / depth) - 0.01 * np.sqrt(rho * (x - WINDOW - near) / depth)) / WINDOW
    assert cascade.branching_ratio(book, move=-x) == pytest.approx(slope, rel=5e-3)


def test_tipping_move_of_a_supercritical_band_is_one_window_in():
    ratio, near = 1.5, 0.02
    assert -cascade.tipping_move(band_book(ratio, near=near)) == pytest.approx(
        near + WINDOW / ratio, abs=1e-5)


def test_a_subcritical_band_cannot_tip():
    book = band_book(0.8)
    assert np.isnan(cascade.tipping_move(book))
    assert np.isnan(cascade.critical_shock(book))
    assert not cascade.is_runaway(book, book.run(-0.4).total_move)


def test_critical_shock_of_a_supercritical_band_is_its_near_edge():
    book = band_book(1.5, near=0.02)
    critical = cascade.critical_shock(book, tolerance=1e-7)
    assert critical == pytest.approx(-0.02, abs=1e-5)
    assert cascade.is_runaway(book, book.run(critical).total_move)
    assert not cascade.is_runaway(book, book.run(critical + 1e-4).total_move)


@pytest.mark.parametrize("side, direction", [(1, -1), (-1, 1)])
def test_critical_shock_of_a_point_cluster_is_its_liquidation_distance(side, direction):
    distance = 0.045
    population = cascade.Population.from_arrays(leverage_for_distance(np.full(100, distance)),
                                                np.full(100, 1e6), side, P0)
    big = cascade.LiquidationBook(population, market(1e6))      # I(C) = 100% >> window
    small = cascade.LiquidationBook(population, market(1e12))   # I(C) tiny: never tips
    assert cascade.critical_shock(big, direction=direction, tolerance=1e-9) == pytest.approx(
        direction * distance, abs=1e-8)
    assert np.isnan(cascade.critical_shock(small, direction=direction))


def test_spreading_the_same_crowd_tips_the_book_sooner():
    """Issue 16 (Granovetter 1978, Watts 2002): at a fixed mean margin, spreading the crowd
    brings its most levered traders nearer the price, so the same book tips at smaller falls;
    the clustered crowd tips at its own liquidation distance, 1/20 - 0.005 = 4.5%, or just
    inside it where the background adds a little flow first."""
    criticals = [cascade.critical_shock(cascade.Scenario(tightness=t).book())
                 for t in (1.0, 0.95, 0.9, 0.5, 0.0)]
    assert all(np.isfinite(criticals))
    assert all(a < b for a, b in zip(criticals, criticals[1:]))
    assert -0.045 - 1e-9 <= criticals[0] <= -0.044


def test_critical_shock_rejects_a_bad_direction():
    with pytest.raises(ValueError, match="direction: must be -1"):
        cascade.critical_shock(band_book(1.5), direction=0)
    with pytest.raises(ValueError, match="market: needed"):
        cascade.critical_shock(band(10, 0.1, 0.2))
    with pytest.raises(ValueError, match="window: must be > 0"):
        cascade.branching_ratio(band_book(1.5), move=-0.1, window=0)
    for theory in (cascade.tipping_move, cascade.critical_shock):
        with pytest.raises(ValueError, match="window: must be > 0"):
            theory(band_book(1.5), window=-0.01)
    with pytest.raises(ValueError, match="tolerance: must be > 0"):
        cascade.critical_shock(band_book(1.5), tolerance=0)


@pytest.mark.parametrize("tightness", [0.0, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("seed", range(4))
def test_runaway_exactly_when_the_peak_ratio_crossed_reaches_one(tightness, seed):
    """The verdict's number and the verdict agree by construction, and both agree with the
    older reading: the final move reached the tipping move."""
    scenario = cascade.Scenario(tightness=tightness, seed=seed, n=2_000)
    book = scenario.book()
    move = book.run(scenario.shock).total_move
    peak = cascade.peak_branching_ratio(book, move)
    x_c = cascade.tipping_move(book)
    reached = bool(np.isfinite(x_c) and abs(move) >= abs(x_c))
    assert cascade.is_runaway(book, move) is (peak >= 1.0) is reached


def test_peak_ratio_is_the_largest_ratio_over_the_thresholds_crossed():
    book = band_book(0.5)
    ratios = [cascade.branching_ratio(book, move=-d) for d in np.linspace(0.001, 0.2, 400)]
    assert cascade.peak_branching_ratio(book, -0.2) == pytest.approx(max(ratios), rel=1e-2)
    assert cascade.peak_branching_ratio(book, 0.0) == 0.0
    assert cascade.peak_branching_ratio(book, 0.1) == 0.0, "a rise crosses no long's threshold"


def bisected_critical_shock(book, direction, tolerance=1e-8):
    """The old way, as an oracle: bisect on full cascades for the smallest shock whose
    cascade runs away (the final move grows with the shock)."""
    x_c = abs(cascade.tipping_move(book, direction))

    def runs_away(size):
        return cascade.is_runaway(book, book.run(direction * size).total_move)

    low, high = 0.0, x_c
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (low, middle) if runs_away(middle) else (middle, high)
    return direction * high


@pytest.mark.parametrize("direction", [-1, 1])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("tightness, background", [(0.9, "lognormal"), (0.8, "discrete"),
                                                   (0.6, "lognormal")])
def test_critical_shock_of_a_random_synthetic_book_is_where_cascades_start_to_run_away(
        direction, seed, tightness, background):
    scenario = cascade.Scenario(n=20_000, seed=seed, tightness=tightness, background=background,
                                entry_dispersion=0.01, long_share=0.5, depth=30e6)
    book = scenario.book()
    critical = cascade.critical_shock(book, direction=direction)
    assert np.isfinite(critical) and np.sign(critical) == direction
    assert cascade.is_runaway(book, book.run(critical).total_move)
    assert not cascade.is_runaway(book, book.run(critical - direction * 1e-4).total_move)
    assert critical == pytest.approx(bisected_critical_shock(book, direction), abs=2e-6)
