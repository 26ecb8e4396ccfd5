"""A grid whose timed cells would run for tens of seconds (the engine rate on an axis, a slow
engine in the sidebar) is bounded before it runs, and the Phase page says what it did: a
coarser grid (one value in k of each axis) or no grid, with the reason."""

from __future__ import annotations

import time

import pytest

import numpy as np

import cascade
from cascade import Scenario
from cascade.sweep import grid_ticks
from cascade_view import axes
from cascade_view.knobs import label_of
from cascade_ui import sweeps
from tests.app.apptools import charts
from tests.app.test_new_pages import PHASE, heatmap, open_page


def every(values, stride, own=None):
    """values[::stride], the last value and the scenario's own value (if on the axis)."""
    kept = set(values[::stride]) | {values[-1]} | ({own} & set(values))
    return [v for v in values if v in kept]


def test_a_grid_within_the_budget_is_untouched():
    scenario = Scenario(engine_rate=1e7)
    x, y = axes.axis("shock", scenario), axes.axis("tightness", scenario)
    assert grid_ticks(scenario, x.field, x.values, y.field, y.values).sum() <= sweeps.GRID_TICKS
    assert sweeps.bounded_axes(scenario, x, y) == (x, y, None)


def test_a_slow_grid_is_thinned_to_the_smallest_stride_that_fits():
    scenario = Scenario()
    x, y = axes.axis("engine_rate", scenario), axes.axis("depth", scenario)
    full = grid_ticks(scenario, x.field, x.values, y.field, y.values)
    assert full.sum() > sweeps.GRID_TICKS
    bx, by, line = sweeps.bounded_axes(scenario, x, y)
    own_x, own_y = scenario.engine_rate, scenario.depth
    stride = next(k for k in range(2, 30)
                  if grid_ticks(scenario, x.field, every(x.values, k, own_x), y.field,
                                every(y.values, k, own_y)).sum() <= sweeps.GRID_TICKS)
    assert list(bx.values) == every(x.values, stride, own_x)
    assert list(by.values) == every(y.values, stride, own_y)
    assert own_y in by.values and own_y not in every(y.values, stride)  # kept for its star
    assert len(bx.labels) == len(bx.values)
    assert f"one value in {stride} of each axis, {len(bx.values)} × {len(by.values)} cells" in line
    assert f"{len(x.values)} × {len(y.values)} cells" in line


def test_a_grid_that_cannot_fit_is_refused_with_the_reason():
    scenario = Scenario(engine_rate=1e5, open_interest=10e9)
    x, y = axes.axis("shock", scenario), axes.axis("tightness", scenario)
    bx, by, line = sweeps.bounded_axes(scenario, x, y)
    assert bx is None and by is None
    assert "it is not drawn" in line and "faster engine rate" in line


@pytest.mark.timing  # asserts a time: run alone (pytest.ini)
def test_phase_thins_the_engine_rate_grid_and_says_so(app):
    started = time.perf_counter()
    at = open_page(app, PHASE, x_knob=label_of("engine_rate"), y_knob=label_of("depth"),
                   metric="Final move")
    elapsed = time.perf_counter() - started
    assert not at.exception and not at.error
    scenario = Scenario()
    x, y = axes.axis("engine_rate", scenario), axes.axis("depth", scenario)
    bx, by, line = sweeps.bounded_axes(scenario, x, y)
    assert [i.value for i in at.info if i.value.startswith("**This grid")] == [line]
    drawn = heatmap(charts(at)["knobs"])
    assert drawn.shape == (len(by.values), len(bx.values)) and drawn.shape != (len(y.values),
                                                                                 len(x.values))
    np.testing.assert_array_equal(
        drawn, cascade.sweep(scenario, "engine_rate", bx.values, "depth", by.values) * 100)
    # the full grid took 3-5 s per row under load (19 rows); thinned, the page stays within this
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_phase_refuses_a_grid_it_cannot_bound_and_says_why(app):
    at = open_page(app, PHASE, engine_rate="100K", open_interest="10B")
    assert not at.exception and not at.error
    refused = [w.value for w in at.warning if "it is not drawn" in w.value]
    assert refused, [w.value for w in at.warning]
    assert "phase" not in charts(at)
