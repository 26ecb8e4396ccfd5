"""Sweeps (issue 8): every cell of a grid equals, bit for bit, one Scenario.run() per cell."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.clock import final_move_timed, run_timed
from cascade.sweep import moves_on_book
from tests.model.books import SHARES
from tests.model.test_reference import books, markets

SHOCKS_60 = np.linspace(-0.15, 0.0, 60)
TIGHTNESS_60 = np.linspace(0.0, 1.0, 60)
METRIC_OF = {
    "final_move": lambda result: result.total_move,
    "amplification": lambda result: result.amplification,
    "waves": lambda result: float(result.wave_count),
}


def per_cell(scenario, x_field, x, y_field, y, metric="final_move"):
    return METRIC_OF[metric](scenario.replace(**{x_field: x, y_field: y}).run())


def assert_same(a: float, b: float) -> None:
    """Bitwise equal, NaN equal to NaN."""
    assert (np.isnan(a) and np.isnan(b)) or a == b, (a, b)


# ------------------------------------------------------------------ the default 60 x 60 grid

@pytest.fixture(scope="module")
def default_grid():
    return cascade.phase_grid(cascade.Scenario(), SHOCKS_60, TIGHTNESS_60)


def test_phase_grid_has_one_row_per_tightness(default_grid):
    assert default_grid.shape == (60, 60)
    assert default_grid.dtype == np.float64
    small = cascade.phase_grid(cascade.Scenario(n=500), [-0.05, -0.1, -0.2], [0.2, 0.9])
    assert small.shape == (2, 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 59), st.integers(0, 59))
def test_phase_grid_cells_equal_per_cell_runs(default_grid, i, j):
    expected = cascade.Scenario().replace(shock=SHOCKS_60[j], tightness=TIGHTNESS_60[i]).run()
    assert default_grid[i, j] == expected.total_move


def test_the_default_grid_has_a_sharp_tipping_boundary(default_grid):
    """Clustered rows fall much further than dispersed ones from the same shock, and the
    critical shock of each row separates small moves from large ones."""
    critical = cascade.critical_shocks(cascade.Scenario(), "tightness", TIGHTNESS_60[-5:])
    assert np.isfinite(critical).all()
    for row, c in zip(default_grid[-5:], critical):
        beyond = row[SHOCKS_60 <= c]
        short = row[SHOCKS_60 > c]
        # every shock past the boundary moves the price further than any shock short of it,
        # and the jump across it is more than the shock step itself
        assert beyond.max() < short.min()
        assert short.min() - beyond.max() > 5 * (SHOCKS_60[1] - SHOCKS_60[0])


# ------------------------------------------------------------------ random scenarios and pairs

knobs = st.fixed_dictionaries({
    "n": st.integers(10, 1500),
    "seed": st.integers(0, 50),
    "center_leverage": st.sampled_from([5.0, 10.0, 20.0, 50.0]),
    "cluster_share": SHARES,
    "long_share": SHARES,
    "background": st.sampled_from(["lognormal", "discrete"]),
    "impact": st.sampled_from(["linear", "sqrt"]),
    "depth": st.floats(1e6, 1e9),
    "entry_dispersion": st.sampled_from([0.0, 0.005, 0.05, 0.1]),
})
FIELD_VALUES = {
    "shock": st.floats(-0.6, 0.6),
    "tightness": st.floats(0.0, 1.0),
    "depth": st.floats(1e6, 1e9),
    "cluster_share": SHARES,
    "long_share": SHARES,
    "open_interest": st.floats(1e8, 2e10),
    "maintenance_margin": st.floats(0.0, 0.015),  # valid up to 50x
    "entry_dispersion": st.sampled_from([0.0, 0.005, 0.05, 0.1]),
    "seed": st.integers(0, 1000),
    "n": st.integers(10, 800),
}


@st.composite
def grids(draw):
    x_field, y_field = draw(st.lists(st.sampled_from(list(FIELD_VALUES)), min_size=2,
                                     max_size=2, unique=True))
    xs = draw(st.lists(FIELD_VALUES[x_field], min_size=1, max_size=4))
    ys = draw(st.lists(FIELD_VALUES[y_field], min_size=1, max_size=4))
    return x_field, xs, y_field, ys


@settings(max_examples=80, deadline=None)
@given(knobs, grids(), st.sampled_from(cascade.METRICS), st.floats(-0.4, 0.4))
def test_sweep_of_any_two_fields_equals_per_cell_runs(base, grid, metric, shock):
    scenario = cascade.Scenario(shock=shock, **base)
    x_field, xs, y_field, ys = grid
    result = cascade.sweep(scenario, x_field, xs, y_field, ys, metric=metric)
    assert result.shape == (len(ys), len(xs))
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert_same(result[i, j], per_cell(scenario, x_field, x, y_field, y, metric))


@settings(max_examples=40, deadline=None)
@given(knobs, st.lists(st.floats(-0.5, 0.5), min_size=1, max_size=8),
       st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4))
def test_phase_grid_equals_per_cell_runs_on_random_scenarios(base, shocks, tightnesses):
    scenario = cascade.Scenario(**base)
    grid = cascade.phase_grid(scenario, shocks, tightnesses)
    for i, t in enumerate(tightnesses):
        for j, s in enumerate(shocks):
            assert grid[i, j] == scenario.replace(shock=s, tightness=t).run().total_move


@settings(max_examples=150, deadline=None)
@given(books(), markets, st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=10))
def test_a_shared_sorted_book_equals_one_fresh_run_per_shock(population, market, shocks):
    moves, waves = moves_on_book(cascade.LiquidationBook(population, market), shocks)
    for shock, move, count in zip(shocks, moves, waves):
        fresh = cascade.simulate(population, market, shock)
        assert move == fresh.total_move
        assert count == fresh.wave_count


@settings(max_examples=100, deadline=None)
@given(books(), markets, st.lists(st.floats(-0.6, 0.6), min_size=2, max_size=6))
def test_a_book_gives_the_same_numbers_whatever_it_ran_before(population, market, shocks):
    """The lazily sorted book extends its prefix sums in pieces; the pieces must not change
    the sums (the sweep shares one book across shocks and must match fresh runs)."""
    book = cascade.LiquidationBook(population, market)
    for shock in shocks:
        shared = book.run(shock)
        fresh = cascade.simulate(population, market, shock)
        np.testing.assert_array_equal(shared.price_path, fresh.price_path)
        np.testing.assert_array_equal(shared.liquidated_in, fresh.liquidated_in)


def test_critical_shocks_are_each_rows_critical_shock():
    scenario = cascade.Scenario(n=2000)
    tightnesses = [0.0, 0.5, 0.9, 1.0]
    line = cascade.critical_shocks(scenario, "tightness", tightnesses)
    for t, c in zip(tightnesses, line):
        assert_same(c, cascade.critical_shock(scenario.replace(tightness=t).book()))
    rises = cascade.critical_shocks(scenario, "depth", [1e7, 1e8], direction=1)
    for d, c in zip([1e7, 1e8], rises):
        assert_same(c, cascade.critical_shock(scenario.replace(depth=d).book(), direction=1))


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, field", [
    (lambda s: cascade.sweep(s, "shocks", [0.1], "depth", [1e7]), "x_field"),
    (lambda s: cascade.sweep(s, "shock", [0.1], "impact", ["sqrt"]), "y_field"),
    (lambda s: cascade.sweep(s, "shock", [0.1], "shock", [0.2]), "y_field"),
    (lambda s: cascade.sweep(s, "shock", [], "depth", [1e7]), "shock"),
    (lambda s: cascade.sweep(s, "shock", [0.1], "depth", [np.nan]), "depth"),
    (lambda s: cascade.sweep(s, "shock", [[0.1]], "depth", [1e7]), "shock"),
    (lambda s: cascade.sweep(s, "shock", ["a"], "depth", [1e7]), "shock"),
    (lambda s: cascade.sweep(s, "shock", [0.1], "depth", [1e7], metric="R"), "metric"),
    (lambda s: cascade.phase_grid(s, [-0.05], [1.5]), "tightness"),
    (lambda s: cascade.phase_grid(s, [-1.0], [0.5]), "shock"),
    (lambda s: cascade.sweep(s, "shock", [-0.1], "depth", [0.0]), "depth"),
    (lambda s: cascade.sweep(s, "shock", [-0.1], "n", [10.5]), "n"),
    (lambda s: cascade.critical_shocks(s, "shock", [-0.1]), "y_field"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        call(cascade.Scenario(n=200))


def test_sweepable_fields_are_the_numeric_ones():
    fields = cascade.sweepable_fields()
    for text in ("background", "impact", "mm_tiers", "engine_rule", "path", "adl"):
        assert text not in fields
        with pytest.raises(ValueError, match=r"^x_field: .* is not a numeric Scenario field"):
            cascade.sweep(cascade.Scenario(n=200), text, ["jump"], "depth", [1e7])
    assert {"engine_rate", "resilience_half_life", "permanent_impact", "fall_seconds",
            "rebound", "rebound_seconds"} <= set(fields)
    assert {"shock", "tightness", "depth", "n", "seed"} <= set(fields)


# ------------------------------------------------------------------ with the clock on

CLOCKS = {
    "fall, rate and refill": dict(path="fall", fall_seconds=60.0, engine_rate=20e6,
                                  resilience_half_life=20.0),
    "fall then rebound": dict(path="fall_then_rebound", fall_seconds=30.0, rebound=0.03,
                              rebound_seconds=60.0, engine_rate=20e6,
                              resilience_half_life=20.0, permanent_impact=0.3),
    "jump, rate only": dict(engine_rate=10e6),
    "fall, dYdX rule": dict(path="fall", fall_seconds=20.0, engine_rule="dydx"),
}
CLOCK_SHOCKS = [-0.12, -0.07, -0.04, -0.01]
CLOCK_TIGHTNESS = [0.0, 0.6, 1.0]


@pytest.mark.parametrize("clock", list(CLOCKS))
def test_a_clock_grid_is_each_cells_timed_run(clock):
    """Each cell is the cell's own Scenario.run() (the timed engine along its path, the
    path's depth set to the cell's shock), bit for bit: its final move, at the run's end."""
    scenario = cascade.Scenario(n=3000, **CLOCKS[clock])
    assert scenario.clock
    grid = cascade.phase_grid(scenario, CLOCK_SHOCKS, CLOCK_TIGHTNESS)
    for i, t in enumerate(CLOCK_TIGHTNESS):
        for j, s in enumerate(CLOCK_SHOCKS):
            cell = scenario.replace(shock=s, tightness=t)
            result = cell.run()
            assert isinstance(result, cascade.clock.TimedResult)
            assert result.path.low == s  # the path falls as deep as the cell's shock
            assert grid[i, j] == result.total_move
            assert grid[i, j] == result.price_path[-1] / 100.0 - 1.0


def test_a_clock_grid_is_neither_the_instant_grid_nor_the_jump():
    """Under a fall with a rate limit and refill, cells end elsewhere than in the instant
    model and than under the same engine hit by a jump: the grid runs the path."""
    clocked = cascade.Scenario(n=3000, **CLOCKS["fall, rate and refill"])
    instant = clocked.replace(path="jump", engine_rate=0.0, resilience_half_life=0.0)
    jumped = clocked.replace(path="jump")
    assert not instant.clock and jumped.clock
    timed = cascade.phase_grid(clocked, CLOCK_SHOCKS, CLOCK_TIGHTNESS)
    for other in (instant, jumped):
        assert not np.array_equal(timed, cascade.phase_grid(other, CLOCK_SHOCKS,
                                                            CLOCK_TIGHTNESS))


def test_a_rebound_grid_shows_the_final_move_after_the_rebound():
    """With a rebound the final move is the price at the run's end: above the lowest traded
    price of the run wherever the path rebounds past it."""
    scenario = cascade.Scenario(n=3000, **CLOCKS["fall then rebound"])
    grid = cascade.phase_grid(scenario, CLOCK_SHOCKS, CLOCK_TIGHTNESS)
    for i, t in enumerate(CLOCK_TIGHTNESS):
        for j, s in enumerate(CLOCK_SHOCKS):
            series = scenario.replace(shock=s, tightness=t).run().series
            lowest = min(series["price"].min(), series["start_price"].min()) / 100.0 - 1.0
            assert grid[i, j] == series["price"].iloc[-1] / 100.0 - 1.0
            assert grid[i, j] > lowest


@pytest.mark.parametrize("metric", cascade.METRICS)
def test_a_clock_sweep_over_any_two_fields_equals_per_cell_runs(metric):
    scenario = cascade.Scenario(n=1500, **CLOCKS["fall, rate and refill"])
    xs, ys = [20e6, 5e7], [-0.09, -0.03]
    grid = cascade.sweep(scenario, "depth", xs, "shock", ys, metric=metric)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert_same(grid[i, j], per_cell(scenario, "depth", x, "shock", y, metric))
    rates = cascade.sweep(scenario, "engine_rate", [5e6, 50e6], "tightness", [0.2, 0.9],
                          metric=metric)
    for i, y in enumerate([0.2, 0.9]):
        for j, x in enumerate([5e6, 50e6]):
            assert_same(rates[i, j], per_cell(scenario, "engine_rate", x, "tightness", y,
                                              metric))


def test_a_rebound_grid_refuses_a_rise_naming_the_shock():
    scenario = cascade.Scenario(n=200, **CLOCKS["fall then rebound"])
    with pytest.raises(ValueError, match=r"^shock:"):
        cascade.phase_grid(scenario, [-0.05, 0.05], [0.5])


@pytest.mark.parametrize("knobs", [
    *CLOCKS.values(),
    dict(path="fall", fall_seconds=30.0, engine_rule="hyperliquid", liquidation_fee=0.005,
         insurance_fund=1e6),
    dict(path="fall_then_rebound", fall_seconds=10.0, rebound=0.2, rebound_seconds=20.0,
         long_share=0.5, permanent_impact=1.0),
])
@pytest.mark.parametrize("shock", [-0.2, -0.06, -0.02, 0.0])
def test_the_timed_summary_is_the_timed_runs_move_and_ticks(knobs, shock):
    scenario = cascade.Scenario(n=2000, shock=shock, **knobs)
    book = scenario.book()
    result = run_timed(book, scenario.price_path())
    assert final_move_timed(book, scenario.price_path()) == (result.total_move,
                                                             result.wave_count)


@pytest.mark.parametrize("knobs", list(CLOCKS.values()))
def test_a_timed_books_final_move_and_response_points_are_its_runs(knobs):
    """LiquidationBook.final_move on a timed market (what response curves and the verdict's
    other books read) is run(s)'s move and executing ticks, bit for bit."""
    book = cascade.Scenario(n=2000, **knobs).book()
    shocks = [-0.15, -0.07, -0.03, 0.04]
    moves, waves = moves_on_book(book, shocks)
    for shock, move, count in zip(shocks, moves, waves):
        result = book.run(shock)
        assert book.final_move(shock) == (result.total_move, result.wave_count)
        assert (move, count) == (result.total_move, result.wave_count)
