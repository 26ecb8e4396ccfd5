"""docs/model.md, Theory: the cascade against results known in closed form."""

import numpy as np
import pytest
from scipy import optimize

import cascade
from tests.model.books import MARGIN, P0, band, depth_for_ratio, leverage_for_distance, market


def point_cluster(count=50, leverage=20.0, notional=1e6, side=1):
    return cascade.Population.from_arrays(np.full(count, leverage), np.full(count, notional), side, P0)


@pytest.mark.parametrize("side, sign", [(1, -1), (-1, 1)])
def test_point_cluster_just_short_of_its_threshold_liquidates_nothing(side, sign):
    distance = 1 / 20 - MARGIN
    result = cascade.simulate(point_cluster(side=side), market(10e6), sign * (distance - 1e-9))
    assert result.wave_count == 0
    assert (result.liquidated_in == -1).all()
    np.testing.assert_allclose(result.price_path, [P0, P0 * (1 + sign * (distance - 1e-9))])
    assert result.amplification == pytest.approx(1.0)


@pytest.mark.parametrize("side, sign", [(1, -1), (-1, 1)])
def test_point_cluster_past_its_threshold_goes_in_one_wave(side, sign):
    distance = 1 / 20 - MARGIN
    shock = sign * (distance + 1e-9)
    depth = 10e6
    result = cascade.simulate(point_cluster(side=side), market(depth), shock)
    flow = 50 * 1e6  # entered at P0, so the flow at P0 equals the notional
    expected = P0 * (1 + shock + sign * 0.01 * flow / depth)
    np.testing.assert_allclose(result.price_path, [P0, P0 * (1 + shock), expected])
    assert (result.liquidated_in == 1).all()
    wave = result.waves.iloc[0]
    assert wave["count"] == 50 and wave["notional"] == pytest.approx(flow)
    side_name = "long" if side == 1 else "short"
    assert wave[f"{side_name}_notional"] == pytest.approx(flow)
    assert result.amplification == pytest.approx((expected / P0 - 1) / shock)


def test_point_cluster_with_square_root_impact():
    depth, shock = 10e6, -0.05
    result = cascade.simulate(point_cluster(), market(depth, "sqrt"), shock)
    expected = P0 * (1 + shock - 0.01 * np.sqrt(50 * 1e6 / depth))
    assert result.final_price == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ratio", [0.3, 0.5, 0.8])
def test_damped_uniform_band_matches_geometric_sum(ratio):
    """R < 1: x = (s - R a) / (1 - R) for a band starting at distance a."""
    n, near, far, shock = 200_000, 0.02, 0.5, 0.03
    result = cascade.simulate(band(n, near, far), market(depth_for_ratio(n, near, far, ratio)), -shock)
    expected = (shock - ratio * near) / (1 - ratio)
    spacing = (far - near) / n
    assert -result.total_move == pytest.approx(expected, abs=5 * spacing / (1 - ratio))
    notional = result.waves["notional"].to_numpy()
    # the waves shrink geometrically at rate R (wave 1 is the shock's own sweep)
    np.testing.assert_allclose(notional[2:6] / notional[1:5], ratio, rtol=0.02)


@pytest.mark.parametrize("ratio", [1.2, 2.0])
def test_supercritical_band_runs_through_the_whole_band(ratio):
    n, near, far, shock = 50_000, 0.02, 0.1, 0.03
    depth = depth_for_ratio(n, near, far, ratio)
    result = cascade.simulate(band(n, near, far), market(depth), -shock)
    everything = 0.01 * n * 1e4 / depth
    assert (result.liquidated_in > 0).all()
    assert -result.total_move == pytest.approx(shock + everything, rel=1e-9)
    notional = result.waves["notional"].to_numpy()
    assert (notional[2:-1] > notional[1:-2]).all(), "waves grow while inside the band"


def test_shorts_mirror_longs_under_an_upward_shock():
    n, near, far, ratio = 20_000, 0.02, 0.4, 0.6
    depth = depth_for_ratio(n, near, far, ratio)
    down = cascade.simulate(band(n, near, far, side=1), market(depth), -0.05)
    up = cascade.simulate(band(n, near, far, side=-1), market(depth), 0.05)
    # a long's liquidation distance below P0 equals the short's above it, so the moves agree
    assert up.total_move == pytest.approx(-down.total_move, rel=1e-9)
    np.testing.assert_array_equal(up.liquidated_in, down.liquidated_in)
    np.testing.assert_allclose(up.waves["short_notional"], down.waves["long_notional"])
    np.testing.assert_allclose(up.waves["flow"], -down.waves["flow"])


def test_square_root_impact_on_a_band_lands_on_the_fixed_point():
    """x = s + 0.01 sqrt(rho (x - a) / D): the first fixed point above the shock."""
    n, near, far, shock, depth = 200_000, 0.02, 0.5, 0.03, 2e9
    rho = n * 1e4 / (far - near)
    result = cascade.simulate(band(n, near, far), market(depth, "sqrt"), -shock)

    def gap(x):
        return shock + 0.01 * np.sqrt(rho * (x - near) / depth) - x

    expected = optimize.brentq(gap, shock, far)
    assert -result.total_move == pytest.approx(expected, rel=2e-3)


def test_shock_of_zero_liquidates_nothing():
    result = cascade.simulate(band(100, 0.01, 0.2), market(1e6), 0.0)
    assert result.wave_count == 0 and result.final_price == P0
    # the limit of x / s: a shock short of the nearest threshold has x = s
    assert result.amplification == 1.0
    assert cascade.simulate(band(100, 0.01, 0.2), market(1e6), -1e-6).amplification == \
        pytest.approx(1.0)


def test_the_price_stays_above_zero_when_impact_exceeds_the_price():
    population = cascade.Population.from_arrays(leverage_for_distance([0.01, 0.5]), [1e9, 1e9])
    result = cascade.simulate(population, market(1e3), -0.02)
    assert (result.price_path > 0).all()
    assert result.final_price == pytest.approx(P0 * cascade.PRICE_FLOOR)
    assert (result.liquidated_in > 0).all(), "at the floor every long is liquidated"
