"""make_population: reproducible, exact totals, valid by construction."""

import numpy as np
import pytest
from scipy import stats

import cascade
from cascade.synthetic import (MIN_LIQUIDATION_DISTANCE, VENUE_LEVERAGE_LEVELS,
                               cluster_margin_band, leverage_cap)


def test_same_seed_same_book_and_other_seed_another():
    a = cascade.make_population(5000, seed=3, entry_dispersion=0.05)
    b = cascade.make_population(5000, seed=3, entry_dispersion=0.05)
    c = cascade.make_population(5000, seed=4, entry_dispersion=0.05)
    for field in ("leverage", "notional", "side", "entry_price"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.leverage, c.leverage)


@pytest.mark.parametrize("share, long_share", [(0.6, 0.7), (0.0, 1.0), (1.0, 0.0), (0.25, 0.5)])
def test_open_interest_splits_exactly_by_cluster_and_side(share, long_share):
    n, oi = 4000, 3e9
    population = cascade.make_population(n, seed=1, cluster_share=share, long_share=long_share,
                                         open_interest=oi)
    n_cluster = round(n * share)
    cluster = np.arange(n) < n_cluster
    assert population.notional.sum() == pytest.approx(oi, rel=1e-12)
    assert population.notional[cluster].sum() == pytest.approx(oi * share, rel=1e-12, abs=1e-3)
    assert population.notional[population.is_long].sum() == pytest.approx(oi * long_share,
                                                                           rel=1e-12, abs=1e-3)


def test_tightness_one_puts_every_clustered_trader_at_the_centre():
    population = cascade.make_population(1000, seed=2, tightness=1.0, cluster_share=0.5,
                                         center_leverage=25.0)
    assert (population.leverage[:500] == 25.0).all()
    assert not (population.leverage[500:] == 25.0).all()


@pytest.mark.parametrize("tightness", [0.9, 0.5, 0.0])
def test_clustered_margins_are_even_over_the_band(tightness):
    """The crowd's margins 1/L are uniform on [1/c, 1/c + (1 - t)(1 - 1/c)]: no spike left at
    the centre once the crowd disperses."""
    leverage = cascade.make_population(20000, seed=5, tightness=tightness,
                                       cluster_share=1.0).leverage
    low, high = 1 / 20.0, 1 / 20.0 + (1 - tightness) * (1 - 1 / 20.0)
    assert cluster_margin_band(20.0, tightness) == pytest.approx((low, high))
    margin = 1.0 / leverage
    assert margin.min() >= low - 1e-12 and margin.max() <= high
    assert stats.kstest(margin, stats.uniform(low, high - low).cdf).pvalue > 1e-3


@pytest.mark.parametrize("tightness", [0.0, 0.5, 0.8])
def test_crowd_branching_ratio_grows_as_one_over_one_minus_tightness(tightness):
    """A crowd of longs holding notional N with margins even over a band of width
    w = (1 - t)(1 - 1/c) has a threshold density N / w per unit of move, so with linear
    impact R = 0.01 N / (D w) inside the band (MODEL.md section 5)."""
    depth, notional, center = 70e6, 1e9, 20.0
    population = cascade.make_population(200_000, seed=3, tightness=tightness, cluster_share=1.0,
                                         long_share=1.0, open_interest=notional, size_tail=3.0,
                                         center_leverage=center)
    book = cascade.LiquidationBook(population, cascade.Market(depth=depth))
    width = (1 - tightness) * (1 - 1 / center)
    inside = -(1 / center - 0.005 + np.linspace(0.3, 0.9, 5) * width)
    np.testing.assert_allclose(cascade.branching_ratio(book, move=inside),
                               0.01 * notional / (depth * width), rtol=0.1)


def test_heavy_tailed_sizes_have_whales():
    notional = cascade.make_population(20000, seed=1, size_tail=1.2).notional
    top_share = np.sort(notional)[-200:].sum() / notional.sum()
    assert top_share > 0.1, "the top 1% of traders hold more than 10% of open interest"


def test_discrete_background_uses_venue_levels_under_the_cap():
    population = cascade.make_population(3000, seed=1, cluster_share=0.0, background="discrete",
                                         maintenance_margin=0.01)
    cap = leverage_cap(0.01, 125.0)
    assert set(np.unique(population.leverage)) <= set(np.minimum(VENUE_LEVERAGE_LEVELS, cap))
    assert population.leverage.max() == pytest.approx(cap)


@pytest.mark.parametrize("margin, dispersion", [(0.005, 0.0), (0.005, 0.2), (0.02, 0.1), (0.1, 0.3)])
def test_no_position_is_created_near_or_past_liquidation(margin, dispersion):
    population = cascade.make_population(20000, seed=9, tightness=0.3, background_leverage=8.0,
                                         entry_dispersion=dispersion, maintenance_margin=margin,
                                         center_leverage=min(20.0, 0.9 / (margin + 0.001)))
    liq = population.liquidation_price(margin)
    distance = np.where(population.is_long, 1 - liq / 100.0, liq / 100.0 - 1)
    assert distance.min() >= MIN_LIQUIDATION_DISTANCE * (1 - 1e-9)
    assert population.leverage.max() <= leverage_cap(margin, 125.0) * (1 + 1e-12)
    if dispersion:
        assert np.std(np.log(population.entry_price)) > dispersion / 3


@pytest.mark.parametrize("changes, words", [
    (dict(n=5), r"n: must be >= 10, got 5"),
    (dict(n=10.5), r"n: expected a whole number"),
    (dict(seed=-1), r"seed: must be >= 0"),
    (dict(tightness=1.5), r"tightness: must be <= 1, got 1.5"),
    (dict(cluster_share=-0.1), r"cluster_share: must be >= 0"),
    (dict(background="uniform"), r"background: must be one of 'lognormal', 'discrete'"),
    (dict(size_tail=1.0), r"size_tail: must be > 1"),
    (dict(open_interest=0), r"open_interest: must be > 0"),
    (dict(center_leverage=200.0), r"center_leverage: 200x is above the highest leverage allowed"),
    (dict(center_leverage=60.0, maintenance_margin=0.02), r"center_leverage: 60x .* maintenance_margin 0.02"),
])
def test_bad_knobs_are_named(changes, words):
    with pytest.raises(ValueError, match=words):
        cascade.make_population(**{"n": 1000, "seed": 0, **changes})
