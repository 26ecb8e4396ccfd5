"""Population.from_arrays takes a fast way for numpy input that passes (a few reductions per
array, issue 17 section 4). It must accept exactly what the checks one by one accept, give
the same arrays bit for bit, and leave every refusal to them, with the same message."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.population import Population, _accepted

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -1.0, 0.5, 1.0, 1e308, 1e-300, 199.0, 200.0, 250.0]


def outcome(call):
    """('ok', arrays) or ('error', message) of building a population."""
    try:
        population = call()
    except ValueError as error:
        return "error", str(error)
    return "ok", (population.leverage, population.notional, population.side,
                  population.entry_price)


def same(a, b):
    assert a[0] == b[0], (a, b)
    if a[0] == "error":
        assert a[1] == b[1]
    else:
        for x, y in zip(a[1], b[1]):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=False)


@st.composite
def books(draw):
    n = draw(st.integers(1, 40))
    lev = np.array(draw(st.lists(st.floats(1.0, 150.0), min_size=n, max_size=n)))
    notional = np.array(draw(st.lists(st.floats(1.0, 1e9), min_size=n, max_size=n)))
    side = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)))
    entry = np.array(draw(st.lists(st.floats(50.0, 150.0), min_size=n, max_size=n)))
    # plant special values into some columns
    for array in (lev, notional, entry):
        for _ in range(draw(st.integers(0, 2))):
            array[draw(st.integers(0, n - 1))] = draw(st.sampled_from(SPECIAL))
    if draw(st.booleans()):
        side = side.astype(draw(st.sampled_from([np.int8, np.int64, np.float64, np.uint8])))
        if draw(st.booleans()):
            side[draw(st.integers(0, n - 1))] = draw(st.sampled_from([0, 2, 1]))
    shapes = draw(st.sampled_from(["arrays", "scalar entry", "scalar side", "one notional",
                                   "int leverage"]))
    if shapes == "scalar entry":
        entry = draw(st.sampled_from([100.0, 0.0, np.inf, np.nan, 1e-300, 7]))
    elif shapes == "scalar side":
        side = draw(st.sampled_from([1, -1, 0, 1.0, -1.0, 0.5]))
    elif shapes == "one notional":
        notional = notional[:1]
    elif shapes == "int leverage":
        lev = np.clip(np.nan_to_num(lev, nan=0.0, posinf=0.0, neginf=0.0), -5, 300).astype(np.int64)
    margin = draw(st.sampled_from([0.005, 0.0, 0.01, 0.5, 1.0, np.nan]))
    price = draw(st.sampled_from([None, 100.0, 90.0, 110.0]))
    return lev, notional, side, entry, margin, price


@settings(max_examples=600, deadline=None)
@given(books())
def test_the_fast_way_accepts_what_the_checks_accept_and_refuses_the_same_way(book):
    lev, notional, side, entry, margin, price = book
    fast = outcome(lambda: Population.from_arrays(lev, notional, side, entry,
                                                  maintenance_margin=margin, price=price))
    slow = outcome(lambda: Population._validated(lev, notional, side, entry,
                                                 maintenance_margin=margin, price=price))
    same(fast, slow)


def test_the_fast_way_takes_numpy_books_and_leaves_lists_to_the_checks():
    lev, notional = np.array([10.0, 20.0]), np.array([1e6, 2e6])
    assert _accepted(lev, notional, np.array([1, -1]), 100.0, 0.005) is not None
    assert _accepted([10.0, 20.0], notional, 1, 100.0, 0.005) is None
    assert _accepted(lev, notional, True, 100.0, 0.005) is None  # a bool is not a side
    assert _accepted(lev, np.array([1e308, 1e308]), 1, 100.0, 0.005) is None  # sum overflows


def test_the_population_owns_its_arrays_on_the_fast_way():
    lev, notional = np.array([10.0, 20.0]), np.array([1e6, 2e6])
    population = Population.from_arrays(lev, notional, np.array([1, -1]), 100.0)
    lev[0], notional[0] = 2.0, 1.0
    assert population.leverage.tolist() == [10.0, 20.0]
    assert population.notional.tolist() == [1e6, 2e6]
    with pytest.raises(ValueError):
        population.leverage[0] = 3.0


@pytest.mark.parametrize("margin", [0.0, 0.005, 0.05])
def test_liquidation_prices_in_place_are_the_formula_bit_for_bit(margin):
    rng = np.random.default_rng(3)
    n = 5000
    population = Population.from_arrays(rng.uniform(1.0, 19.0, n), rng.uniform(1, 1e6, n),
                                        np.where(rng.random(n) < 0.6, 1, -1),
                                        rng.uniform(80, 120, n))
    formula = cascade.population.liquidation_price(population.entry_price,
                                                   population.leverage, population.side,
                                                   margin)
    assert np.array_equal(population.liquidation_price(margin), formula)


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_way_hands_on_the_largest_leverage_it_read(seed):
    """check_margin reads the max the fast way found: the same as a pass over the copy, and
    a margin above 1/max L is still refused by the check one by one's message."""
    rng = np.random.default_rng(seed)
    lev = rng.uniform(1.0, 150.0, int(rng.integers(1, 500)))
    population = Population.from_arrays(lev, 1e3, 1, 100.0)
    assert population.largest_leverage == float(population.leverage.max()) == float(lev.max())
    margin = 1.0 / float(lev.max())  # 1/L == m: no margin left for the largest
    with pytest.raises(ValueError, match="^leverage: 1 of .* leave no margin"):
        population.check_margin(margin)


@pytest.mark.parametrize("entry", [1e308, np.array([50.0, 1e308]), np.array([9e307, 9e307])])
def test_an_entry_whose_short_liquidation_price_overflows_is_refused_by_name(entry):
    """A short's liquidation price e (1 + 1/L - m) reaches 2e at L = 1, m = 0: an entry
    price whose double overflows is refused, naming entry_price, by both ways alike (the
    fast way defers when 2 x the sum of the entries overflows, and the checks decide)."""
    lev, notional, side = np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([-1, -1])
    both = [outcome(lambda: Population.from_arrays(lev, notional, side, entry, price=100.0)),
            outcome(lambda: Population._validated(lev, notional, side, entry, price=100.0))]
    if np.max(entry) > np.finfo(float).max / 2:
        assert both[0][0] == "error" and both[0][1].startswith("entry_price: ")
    else:  # 9e307 each: the sum's double overflows, each one's does not; the checks accept
        assert both[0][0] == "ok"
        assert np.isfinite(both[0][1][0]).all()
        liq = Population.from_arrays(lev, notional, side, entry).liquidation_price(0.005)
        assert np.isfinite(liq).all()
    same(*both)
