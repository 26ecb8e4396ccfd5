"""make_population: reproducible, exact totals, valid by construction."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.synthetic import MIN_LIQUIDATION_DISTANCE, VENUE_LEVERAGE_LEVELS, leverage_cap


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


def test_tightness_one_puts_every_crowd_trader_at_the_centre():
    population = cascade.make_population(1000, seed=2, tightness=1.0, cluster_share=0.5,
                                         center_leverage=25.0)
    assert (population.leverage[:500] == 25.0).all()
    assert not (population.leverage[500:] == 25.0).all()


def crowd_sides(population, n_crowd):
    """(notional, margin 1/L) of the crowd's longs and of its shorts."""
    crowd = np.arange(len(population)) < n_crowd
    for mine in (crowd & population.is_long, crowd & ~population.is_long):
        yield population.notional[mine], 1.0 / population.leverage[mine]


@settings(max_examples=40, deadline=None)
@given(center=st.floats(1.0, 125.0), tightness=st.floats(0.0, 1.0), n=st.integers(10, 3000),
       seed=st.integers(0, 2**32 - 1), share=st.floats(0.05, 1.0),
       long_share=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
       margin=st.sampled_from([0.0, 0.005, 0.02]))
def test_tightness_keeps_the_crowds_notional_and_margin(center, tightness, n, seed, share,
                                                        long_share, margin):
    """Issue 16: tightness is shape only. Each side of the crowd holds the same notional and
    the same total margin sum(n / L) = N / c at every tightness; the background, the sizes
    and the sides do not move; tightness 1 is one leverage; the margins' spread around 1/c
    shrinks in proportion to 1 - t."""
    center = min(center, leverage_cap(margin, 125.0))
    knobs = dict(n=n, seed=seed, center_leverage=center, cluster_share=share,
                 long_share=long_share, maintenance_margin=margin, size_tail=1.2)
    books = {t: cascade.make_population(**knobs, tightness=t) for t in (tightness, 0.0, 1.0)}
    n_crowd = cascade.crowd_count(n, share)
    tight = books[1.0]
    assert np.unique(tight.leverage[:n_crowd]).tolist() == [center]
    for book in books.values():
        np.testing.assert_array_equal(book.notional, tight.notional)
        np.testing.assert_array_equal(book.side, tight.side)
        np.testing.assert_array_equal(book.leverage[n_crowd:], tight.leverage[n_crowd:])
        for notional, margins in crowd_sides(book, n_crowd):
            assert np.sum(notional * margins) == pytest.approx(np.sum(notional) / center,
                                                               rel=1e-9)
        low, high = cascade.crowd_margin_band(center, 0.0, margin, 125.0)
        assert 1.0 / book.leverage[:n_crowd].min() >= low * (1 - 1e-12)
        assert 1.0 / book.leverage[:n_crowd].max() <= high * (1 + 1e-12)
    # the same traders, each nearer the mean by the factor 1 - t
    deviation = {t: 1.0 / book.leverage[:n_crowd] - 1.0 / center for t, book in books.items()}
    np.testing.assert_allclose(deviation[tightness], (1 - tightness) * deviation[0.0],
                               atol=1e-12)


@pytest.mark.parametrize("center, margin, band", [
    (20.0, 0.005, (1 / 20 - (1 / 20 - 1 / 125), 1 / 20 + (1 / 20 - 1 / 125))),   # cap nearer
    (1.5, 0.005, (1 / 1.5 - (1 - 1 / 1.5), 1.0)),                               # 1x nearer
    (125.0, 0.005, (1 / 125, 1 / 125)),                                          # at the cap
    (1.0, 0.0, (1.0, 1.0)),                                                      # at 1x
    (40.0, 0.02, (0.021, 1 / 40 + (1 / 40 - 0.021))),                          # m binds the cap
])
def test_the_band_at_tightness_zero_reaches_the_nearer_bound(center, margin, band):
    assert cascade.crowd_margin_band(center, 0.0, margin, 125.0) == pytest.approx(band)
    low, high = cascade.crowd_margin_band(center, 0.25, margin, 125.0)
    assert (high - low) == pytest.approx(0.75 * (band[1] - band[0]), abs=1e-15)
    assert (low + high) / 2 == pytest.approx(1 / center)


@pytest.mark.parametrize("tightness", [0.9, 0.5, 0.0])
def test_crowd_notional_is_even_over_the_band(tightness):
    """The crowd's notional is laid end to end over [1/c - h, 1/c + h]: the notional below a
    margin u is N (u - low) / (high - low) to within one position's size."""
    population = cascade.make_population(20000, seed=5, tightness=tightness, cluster_share=1.0,
                                         long_share=1.0)
    low, high = cascade.crowd_margin_band(20.0, tightness)
    h = (1 - tightness) * (1 / 20 - 1 / 125)
    assert (low, high) == pytest.approx((1 / 20 - h, 1 / 20 + h))
    margin = 1.0 / population.leverage
    order = np.argsort(margin)
    below = np.cumsum(population.notional[order])
    expected = below[-1] * (margin[order] - low) / (high - low)
    assert np.abs(below - expected).max() <= population.notional.max()


@pytest.mark.parametrize("tightness", [0.0, 0.5, 0.8])
def test_crowd_branching_ratio_grows_as_one_over_one_minus_tightness(tightness):
    """A crowd of longs holding notional N with margins even over a band of width
    w = 2 (1 - t) h_max has a threshold density N / w per unit of move, so with linear
    impact R = 0.01 N / (D w) inside the band (docs/model.md, Theory)."""
    depth, notional, center = 70e6, 1e9, 20.0
    population = cascade.make_population(200_000, seed=3, tightness=tightness, cluster_share=1.0,
                                         long_share=1.0, open_interest=notional, size_tail=3.0,
                                         center_leverage=center)
    book = cascade.LiquidationBook(population, cascade.Market(depth=depth))
    low, high = cascade.crowd_margin_band(center, tightness)
    width = high - low
    assert width == pytest.approx(2 * (1 - tightness) * (1 / center - 1 / 125))
    window = cascade.theory.DEFAULT_WINDOW      # R counts the thresholds one window back
    inside = -(low - 0.005 + window + np.linspace(0.1, 0.9, 5) * (width - window))
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


def _same_book(a, b):
    return all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("leverage", "notional", "side", "entry_price"))


def test_one_draw_serves_every_level_shape_and_dispersion_unchanged():
    """A sweep draws a book once for all its rows (cascade.sweep): using the draws must not
    use them up, whatever order the shapes come in (the entry prices' generator included)."""
    from cascade.synthetic import draw_population
    draws = draw_population(3000, seed=11, cluster_share=0.4, long_share=0.6)
    shapes = [(20.0, 0.9, 0.05), (10.0, 0.0, 0.0), (50.0, 0.5, 0.2), (20.0, 0.9, 0.05)]
    for center, tightness, dispersion in shapes:
        fresh = cascade.make_population(3000, seed=11, cluster_share=0.4, long_share=0.6,
                                        center_leverage=center, tightness=tightness,
                                        entry_dispersion=dispersion)
        assert _same_book(draws.population(center, tightness, dispersion), fresh)


def test_a_scenario_builds_its_book_from_another_rows_draws():
    base = cascade.Scenario(n=2000, seed=5, entry_dispersion=0.03)
    other = base.replace(tightness=0.2, center_leverage=30.0, entry_dispersion=0.1)
    assert base.draw_arguments() == other.draw_arguments()
    assert _same_book(other.population(base.population_draws()), other.population())
    assert base.replace(seed=6).draw_arguments() != base.draw_arguments()


def test_every_argument_is_either_drawn_or_a_shape():
    """make_population's arguments split into draw_population's and SHAPE_ARGUMENTS', with
    none left over or in both: a new argument must say which side of the split it is on."""
    import inspect
    from cascade.synthetic import SHAPE_ARGUMENTS, draw_population
    made = set(inspect.signature(cascade.make_population).parameters)
    drawn = set(inspect.signature(draw_population).parameters)
    assert drawn.isdisjoint(SHAPE_ARGUMENTS)
    assert made == drawn | set(SHAPE_ARGUMENTS)
    # the Scenario names every drawn argument (its fields or the venue's constants)
    assert set(cascade.Scenario().draw_arguments()) == drawn - {"background_spread"}
