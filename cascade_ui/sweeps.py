"""Cached sweeps for the phase diagrams (the axes themselves are cascade_view/axes.py).

Sweeps are cached row by row (st.cache_data keyed on the frozen Scenario), so a page can
show progress while a grid computes and returns instantly to a grid it has seen.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import cascade
from cascade import Scenario
from cascade.theory import direction_of
from cascade_view.axes import Axis, limit_n

from . import compute


def within_limit(scenario: Scenario, page: str) -> Scenario:
    """cascade_view.axes.limit_n (n at most MAX_N on a page that sweeps a grid), with its
    line shown on the page when n was cut."""
    scenario, line = limit_n(scenario, page)
    if line:
        st.info(line, icon=":material/speed:")
    return scenario


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
