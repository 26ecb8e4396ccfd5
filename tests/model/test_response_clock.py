"""The response curve with the clock on follows the phase grid's rule: the point at shock s is
scenario.replace(shock=s) run by the timed engine along its path, so the scenario's own run
lies on its curve (issue 17, section 3)."""

from __future__ import annotations

import numpy as np
import pytest

from cascade import Scenario
from cascade.response import response_curve, shock_grid

CLOCKS = [
    dict(path="fall", fall_seconds=60.0, engine_rate=20e6, resilience_half_life=20.0),
    dict(path="fall_then_rebound", fall_seconds=120.0, rebound=0.03, rebound_seconds=60.0,
         resilience_half_life=30.0),
    dict(engine_rule="hyperliquid", permanent_impact=0.5, resilience_half_life=10.0),
]


@pytest.mark.parametrize("clock", CLOCKS, ids=lambda c: c.get("path", c.get("engine_rule")))
def test_the_timed_curve_is_the_run_along_the_path_at_each_depth(clock):
    scenario = Scenario(n=5_000, shock=-0.06, **clock)
    book = scenario.book()
    grid = shock_grid(-1, scenario.shock)
    curve = response_curve(book, grid, -1, scenario=scenario)
    assert curve.timed
    for index in (0, 5, 12, 24, len(grid) - 1):
        run = scenario.replace(shock=float(grid[index])).run_on(book)
        assert curve.final_moves[index] == run.total_move
        assert curve.waves[index] == run.wave_count
    # the dot lies on its curve: the point at the scenario's own shock is its headline move
    at = int(np.flatnonzero(np.isclose(grid, scenario.shock))[0])
    assert curve.final_moves[at] == scenario.run().total_move


def test_without_the_clock_a_scenario_changes_nothing():
    scenario = Scenario(n=5_000)
    book = scenario.book()
    grid = shock_grid(-1, 0.05)
    plain, given = response_curve(book, grid), response_curve(book, grid, scenario=scenario)
    assert not given.timed
    np.testing.assert_array_equal(plain.final_moves, given.final_moves)


def test_along_a_fall_the_curve_differs_from_the_jumps():
    """The reason for the rule: a slow fall under a rate limit and a refill does not end where
    a jump of the same depth ends, so a jump curve would leave the dot off it."""
    scenario = Scenario(n=5_000, path="fall", fall_seconds=600.0, engine_rate=5e6,
                        resilience_half_life=20.0)
    book = scenario.book()
    grid = shock_grid(-1, scenario.shock)
    timed = response_curve(book, grid, -1, scenario=scenario)
    jumps = response_curve(book, grid, -1)
    assert np.any(timed.final_moves != jumps.final_moves)
