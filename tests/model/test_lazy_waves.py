"""A plain cascade builds its waves table on first read: the table must be the one an eager
build from the run's own labels and path gives, on random books, and reading it must not
change anything else about the result."""

import pickle

import numpy as np
import pandas as pd
import pytest

import cascade
from cascade.engine import WAVE_COLUMNS, notional_ratio


def eager_table(result) -> pd.DataFrame:
    """The waves table from the labels and the price path alone (docs/model.md, Shock and
    waves): per wave k, the positions labelled k, summed in population order."""
    pop, labels, p0 = result.population, result.liquidated_in, result.market.price
    k = int(labels.max(initial=0))
    prices = result.price_path[2:]
    triggers = result.price_path[1:-1]
    sign = 1 if result.shock < 0 else -1
    count = np.array([np.count_nonzero(labels == w) for w in range(1, k + 1)], dtype=np.int64)
    notional = np.array([np.sum(pop.notional[labels == w]) for w in range(1, k + 1)])
    flow = sign * np.array([np.sum((pop.notional / pop.entry_price * p0)[labels == w])
                            for w in range(1, k + 1)])
    zero_i, zero_f = np.zeros(k, dtype=np.int64), np.zeros(k)
    return pd.DataFrame({
        "wave": np.arange(1, k + 1), "trigger_price": triggers, "price": prices,
        "move": prices / p0 - 1.0, "count": count, "notional": notional,
        "long_count": count if sign > 0 else zero_i, "short_count": zero_i if sign > 0 else count,
        "long_notional": notional if sign > 0 else zero_f,
        "short_notional": zero_f if sign > 0 else notional, "flow": flow,
        "cumulative_notional": np.cumsum(notional), "cumulative_flow": np.cumsum(flow),
        "notional_ratio": notional_ratio(notional)}, columns=WAVE_COLUMNS)


@pytest.mark.parametrize("seed", range(12))
def test_lazy_table_equals_an_eager_build_on_random_books(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    leverage = rng.uniform(2.0, 40.0, n)
    notional = rng.lognormal(7.0, 1.0, n)
    side = np.where(rng.random(n) < rng.uniform(0.1, 0.9), 1, -1)
    entry = 100.0 * np.exp(rng.normal(0.0, 0.002, n))
    market = cascade.Market(price=100.0, depth=float(notional.sum() * rng.uniform(0.2, 5.0)),
                            maintenance_margin=0.005)
    population = cascade.Population.from_arrays(leverage, notional, side, entry,
                                                price=market.price)
    shock = float(rng.choice([-1, 1]) * rng.uniform(0.0, 0.08))
    result = cascade.simulate(population, market, shock)
    waves_before = result.wave_count  # read without building the table
    path, labels = result.price_path.copy(), result.liquidated_in.copy()
    table = result.waves
    pd.testing.assert_frame_equal(table, eager_table(result), check_exact=False, rtol=1e-12)
    assert result.waves is table  # built once, then kept
    assert waves_before == len(table) == result.wave_count == path.size - 2
    np.testing.assert_array_equal(result.price_path, path)
    np.testing.assert_array_equal(result.liquidated_in, labels)
    # a pickled result (unread table) gives the same table
    again = cascade.simulate(population, market, shock)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(again)).waves, table,
                                  check_exact=True)


def test_table_stays_out_of_repr_and_frozen():
    population = cascade.Population.from_arrays(np.linspace(10.0, 30.0, 500), 1e3, 1, 100.0)
    market = cascade.Market(price=100.0, depth=1e5, maintenance_margin=0.005)
    result = cascade.simulate(population, market, -0.05)
    assert "waves" not in repr(result)
    with pytest.raises(AttributeError):
        result.waves = pd.DataFrame()
    with pytest.raises(TypeError):
        cascade.engine.CascadeResult(shock=-0.05, market=market, population=population,
                                     price_path=result.price_path,
                                     liquidated_in=result.liquidated_in)
