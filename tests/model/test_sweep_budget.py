"""The sweep's tick estimate (cascade.sweep.timed_ticks, grid_ticks): what a page bounds a grid
of timed cells by, before anything runs."""

from __future__ import annotations

import math

import numpy as np

from cascade import Scenario
from cascade.market import DYDX_ATTEMPTS_PER_BLOCK, HYPERLIQUID_PARTIAL
from cascade.sweep import grid_ticks, timed_ticks


def ticks_of(scenario: Scenario) -> int:
    return len(scenario.run().series)


def test_no_clock_no_ticks():
    assert timed_ticks(Scenario()) == 0.0


def test_the_docstrings_example():
    cell = Scenario(engine_rate=1e6)
    assert timed_ticks(cell) == 1 + cell.open_interest * cell.long_share / 1e6 == 1401
    assert ticks_of(cell) == 976


def test_the_terms_by_hand():
    base = Scenario(engine_rate=1e6)
    oi, longs = base.open_interest, base.long_share
    # a fall over 600 s: 600 path ticks, then the long side at $1M a tick
    assert timed_ticks(base.replace(path="fall", fall_seconds=600.0)) == 601 + oi * longs / 1e6
    # a fall then a rebound past P0 (-5%, then up 10%) reaches both sides
    rebound = base.replace(path="fall_then_rebound", fall_seconds=60.0, rebound=0.10,
                           rebound_seconds=60.0)
    assert math.isclose(timed_ticks(rebound), 121 + oi / 1e6)
    # a per-step capacity below the rate is the cap
    assert timed_ticks(base.replace(engine_rate=1e7, engine_capacity=5e6)) == \
        1 + oi * longs / 5e6
    _, parts, cooldown = HYPERLIQUID_PARTIAL
    assert timed_ticks(base.replace(engine_rule="hyperliquid")) == \
        1401 + (parts - 1) * cooldown
    assert timed_ticks(base.replace(engine_rule="dydx")) == \
        1401 + base.n / DYDX_ATTEMPTS_PER_BLOCK


def test_a_grid_of_engine_rates_runs_no_more_ticks_than_estimated():
    scenario = Scenario()
    rates, depths = [1e5, 1e6, 1e7], [20e6, 70e6]
    estimate = grid_ticks(scenario, "engine_rate", rates, "depth", depths)
    assert estimate.shape == (2, 3)
    ran = np.array([[ticks_of(scenario.replace(engine_rate=r, depth=d)) for r in rates]
                    for d in depths])
    assert (ran <= estimate).all()
    # a refused cell (not a Scenario) counts 0: sweep() reports its error
    assert grid_ticks(scenario, "engine_rate", [1e5], "open_interest", [1e15])[0, 0] == 0.0
