"""Bad input is a ValueError that names the field, the count and where."""

import numpy as np
import pytest

import cascade
from tests.model.books import MARGIN, P0


def from_arrays(**changes):
    arrays = dict(leverage=[10.0, 20.0, 5.0], notional=[1e6, 2e6, 3e6], side=[1, -1, 1],
                  entry_price=[100.0, 101.0, 99.0])
    arrays.update(changes)
    return cascade.Population.from_arrays(**arrays)


@pytest.mark.parametrize("field, values, words", [
    ("leverage", [10.0, np.nan, 5.0], r"leverage: 1 of 3 values are NaN or infinite \(indices \[1\]"),
    ("leverage", [10.0, 20.0, np.inf], r"leverage: 1 of 3 .*indices \[2\]"),
    ("leverage", [0.5, 20.0, 0.9], r"leverage: 2 of 3 values are below 1 \(indices \[0, 2\]"),
    ("leverage", [10.0, 200.0, 500.0], r"leverage: 2 of 3 values leave no margin above the maintenance margin 0.005"),
    ("notional", [1e6, 0.0, -3.0], r"notional: 2 of 3 values are not positive \(indices \[1, 2\]"),
    ("notional", [1e6, np.nan, 1.0], r"notional: 1 of 3 values are NaN"),
    ("side", [1, 0, 1], r"side: 1 of 3 values are not \+1 \(long\) or -1 \(short\) \(indices \[1\]"),
    ("side", [2, -1, 1], r"side: 1 of 3"),
    ("entry_price", [100.0, -1.0, 0.0], r"entry_price: 2 of 3 values are not positive"),
    ("notional", [1e6, 2e6], r"notional: has 2 values but leverage has 3"),
    ("entry_price", [100.0] * 4, r"entry_price: has 4 values but leverage has 3"),
    ("leverage", [], r"leverage: the population is empty"),
    ("leverage", [[10.0, 20.0, 5.0]], r"leverage: expected a 1-D array"),
    ("notional", ["a", "b", "c"], r"notional: expected numbers"),
])
def test_from_arrays_names_the_bad_field(field, values, words):
    with pytest.raises(ValueError, match=words):
        from_arrays(**{field: values})


def test_scalars_broadcast_to_every_position():
    population = cascade.Population.from_arrays([10.0, 20.0], 5e5, side=-1, entry_price=50.0)
    np.testing.assert_array_equal(population.side, [-1, -1])
    np.testing.assert_array_equal(population.entry_price, [50.0, 50.0])
    np.testing.assert_array_equal(population.notional, [5e5, 5e5])


def test_arrays_are_read_only():
    population = from_arrays()
    with pytest.raises(ValueError):
        population.leverage[0] = 3.0


def test_message_lists_at_most_five_indices():
    with pytest.raises(ValueError, match=r"leverage: 8 of 8 values are below 1 \(indices \[0, 1, 2, 3, 4, \.\.\.\]"):
        cascade.Population.from_arrays(np.full(8, 0.5), np.ones(8))


def test_positions_past_liquidation_at_the_start_are_rejected_with_their_indices():
    # a long entered at 112 with 10x is liquidated at 112 * 0.905 = 101.36 >= 100;
    # a short entered at 90 with 10x at 90 * 1.095 = 98.55 <= 100
    population = cascade.Population.from_arrays([10.0, 10.0, 10.0], [1.0, 1.0, 1.0],
                                                side=[1, 1, -1], entry_price=[100.0, 112.0, 90.0])
    with pytest.raises(ValueError, match=r"positions: 2 of 3 values are already at or past their "
                                         r"liquidation price at the starting price 100 \(indices \[1, 2\]"):
        cascade.simulate(population, cascade.Market(price=P0, depth=1e6), -0.01)
    with pytest.raises(ValueError, match=r"positions: 2 of 3"):
        cascade.Population.from_arrays([10.0, 10.0, 10.0], [1.0, 1.0, 1.0], side=[1, 1, -1],
                                       entry_price=[100.0, 112.0, 90.0], price=P0)


def test_the_markets_maintenance_margin_is_checked_at_simulation():
    population = cascade.Population.from_arrays([40.0, 150.0], [1.0, 1.0],
                                                maintenance_margin=0.001)
    with pytest.raises(ValueError, match=r"leverage: 2 of 2 values leave no margin above the "
                                         r"maintenance margin 0.03"):
        cascade.simulate(population, cascade.Market(depth=1e6, maintenance_margin=0.03), -0.01)


@pytest.mark.parametrize("changes, words", [
    (dict(price=0.0), r"price: must be > 0, got 0"),
    (dict(price=np.nan), r"price: must be finite"),
    (dict(depth=-5.0), r"depth: must be > 0, got -5"),
    (dict(impact="cubic"), r"impact: must be one of 'linear', 'sqrt', 'book', got 'cubic'"),
    (dict(maintenance_margin=1.0), r"maintenance_margin: must be < 1, got 1"),
    (dict(maintenance_margin=-0.1), r"maintenance_margin: must be >= 0"),
])
def test_market_rejects_bad_knobs(changes, words):
    with pytest.raises(ValueError, match=words):
        cascade.Market(**changes)


@pytest.mark.parametrize("shock, words", [(-1.0, r"shock: must be > -1, got -1"),
                                          (-1.5, r"shock: must be > -1"),
                                          (np.inf, r"shock: must be finite"),
                                          ("x", r"shock: expected a number")])
def test_simulate_rejects_bad_shocks(shock, words):
    population = cascade.Population.from_arrays([10.0], [1.0])
    with pytest.raises(ValueError, match=words):
        cascade.simulate(population, cascade.Market(depth=1e6, maintenance_margin=MARGIN), shock)


def test_liquidation_and_bankruptcy_prices_follow_model_section_2():
    population = cascade.Population.from_arrays([10.0, 4.0], [1.0, 1.0], side=[1, -1],
                                                entry_price=[200.0, 50.0])
    np.testing.assert_allclose(population.liquidation_price(0.01),
                               [200.0 * (1 - 0.1 + 0.01), 50.0 * (1 + 0.25 - 0.01)])
    np.testing.assert_allclose(population.bankruptcy_price(), [200.0 * 0.9, 50.0 * 1.25])
    np.testing.assert_allclose(population.quantity, [1 / 200.0, 1 / 50.0])
