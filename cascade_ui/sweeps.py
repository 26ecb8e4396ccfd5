"""Cached sweeps for the phase diagrams (the axes themselves are cascade_view/axes.py).

Sweeps are cached row by row (st.cache_data keyed on the frozen Scenario), so a page can
show progress while a grid computes and returns instantly to a grid it has seen.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

import cascade
from cascade import Scenario
from cascade.sweep import grid_ticks
from cascade.theory import direction_of
from cascade_view.axes import Axis, limit_n
from cascade_view.formats import usd

from . import compute


def within_limit(scenario: Scenario, page: str) -> Scenario:
    """cascade_view.axes.limit_n (n at most MAX_N on a page that sweeps a grid), with its
    line shown on the page when n was cut."""
    scenario, line = limit_n(scenario, page)
    if line:
        st.info(line, icon=":material/speed:")
    return scenario


# The timed engine's ticks one grid may run (cascade.sweep.grid_ticks, an estimate made
# before anything runs). A tick costs about 14 us on the quiet 2-core machine and about
# 40 us when it is shared (cascade/analysis.py), so this is about 4 s quiet and 12 s loaded;
# the engine rate on an axis asked for 841K (the Any-two-knobs grid of engine rate by depth)
# and a $100K/s engine in the sidebar for 12M (the shock by tightness grid).
GRID_TICKS = 300_000
# A grid thinned to fit must keep at least this many values on each axis, or it is refused.
MIN_AXIS_VALUES = 3


def _every(count: int, stride: int, also: int | None = None) -> list[int]:
    """Indices 0, stride, 2 stride, ... of `count` values, the last one always kept, and
    `also` (the scenario's own value, so its star stays on the map) when given."""
    kept = set(range(0, count, stride)) | {count - 1}
    return sorted(kept if also is None else kept | {also})


def _index(axis: Axis, value) -> int | None:
    """Where the scenario's value sits on the axis (None when it is not one of its values)."""
    return axis.values.index(value) if value in axis.values else None


def _thinned(axis: Axis, kept: list[int]) -> Axis:
    pick = lambda values: tuple(values[k] for k in kept) if values else values  # noqa: E731
    return dataclasses.replace(axis, values=pick(axis.values), shown=pick(axis.shown),
                               labels=pick(axis.labels))


def bounded_axes(scenario: Scenario, x: Axis, y: Axis
                 ) -> tuple[Axis | None, Axis | None, str | None]:
    """The grid the page can run within GRID_TICKS ticks of the timed engine (estimated
    before anything runs, cascade.sweep.grid_ticks), and the line that says what was done:
    (x, y, None) when the whole grid fits; else every k-th value of both axes (the last and
    the scenario's own value kept), the smallest k that fits, and a line naming the estimate, the budget and the
    cells kept; (None, None, line) when even that would leave fewer than MIN_AXIS_VALUES
    values on an axis, the line saying why and what to change."""
    ticks = grid_ticks(scenario, x.field, x.values, y.field, y.values)
    total = float(ticks.sum())
    count = lambda ticks: usd(ticks, digits=3, symbol="")  # noqa: E731 (a count: 841K)
    if total <= GRID_TICKS:
        return x, y, None
    asked = (f"**This grid would run about {count(total)} ticks of the timed engine** "
             f"({len(x.values)} × {len(y.values)} cells, up to {count(ticks.max())} ticks "
             f"in one), more than this page's budget of {count(GRID_TICKS)}")
    stride = 2
    while True:
        if min(len(_every(len(x.values), stride)), len(_every(len(y.values), stride))) \
                < MIN_AXIS_VALUES:
            return None, None, (
                f"{asked}, and keeping one value in {stride} of each axis would leave fewer "
                f"than {MIN_AXIS_VALUES} on one: it is not drawn. "
                f"A faster engine rate, a shorter path or fewer slow values on the axes "
                f"brings it within the budget; the Explorer runs any one cell.")
        xs = _every(len(x.values), stride, _index(x, getattr(scenario, x.field)))
        ys = _every(len(y.values), stride, _index(y, getattr(scenario, y.field)))
        kept = float(ticks[np.ix_(ys, xs)].sum())
        if kept <= GRID_TICKS:
            return _thinned(x, xs), _thinned(y, ys), (
                f"{asked}: it shows one value in {stride} of each axis, {len(xs)} × "
                f"{len(ys)} cells (about {count(kept)} ticks). A faster engine rate or a "
                f"shorter path gives the full grid.")
        stride += 1


@st.cache_data(max_entries=2048, show_spinner=False)
def _row(base: Scenario, x_field: str, xs: tuple, y_field: str, y: float) -> np.ndarray:
    """Final moves of one row (y fixed) of a sweep over x."""
    return cascade.sweep(base, x_field, xs, y_field, [y])[0]


def final_moves(scenario: Scenario, x: Axis, y: Axis, on_row=None) -> np.ndarray:
    """cascade.sweep(scenario, x, y) (final moves, shape [len(y), len(x)]), one cached row
    at a time; on_row(done, total) is called after each row (for a progress bar)."""
    # the swept fields are set to a fixed value so the key depends only on the rest
    base = scenario.replace(**{x.field: x.values[0], y.field: y.values[0]})
    rows = []
    for i, value in enumerate(y.values):
        rows.append(_row(base, x.field, x.values, y.field, value))
        if on_row:
            on_row(i + 1, len(y.values))
    return np.array(rows)


def critical_line(scenario: Scenario, y: Axis) -> np.ndarray:
    """cascade.critical_shock of each row's book (cached per book), in the direction of the
    scenario's shock; NaN where a row never runs away."""
    direction = direction_of(scenario.shock)
    return np.array([compute.critical_shock_of(scenario.replace(**{y.field: value}), direction)
                     for value in y.values])
