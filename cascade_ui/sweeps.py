"""Grids for the phase diagram: which values each knob is swept over, and cached sweeps.

Every axis value is one the Explorer's widget can hold (a slider step or a log-picker
stop), so a clicked cell opens on the Explorer as exactly the scenario the cell shows.
Sweeps are cached row by row (st.cache_data keyed on the Scenario's fields), so a page
can show progress while a grid computes and returns instantly to a grid it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import cascade
from cascade import Scenario

from . import compute
from .widgets import CONTROLS, compact

# The knobs a user can put on an axis: every numeric one except the book's size and seed
# (detail and noise, not a mechanism).
AXIS_FIELDS = tuple(f for f in cascade.sweepable_fields() if f not in ("n", "seed"))
MAX_AXIS_VALUES = 41
# Shocks of the phase diagram: up to 30% in the scenario's direction, on the slider's
# 0.5% steps (0 itself is left out: amplification x / s is undefined there).
SHOCK_REACH = 0.30
# Traders per cascade on the pages that sweep a grid (Phase diagram, Learn): each grid is
# hundreds of cascades (41 x 21 on the Phase diagram's first). Measured through AppTest on
# one process: the Phase page at 200K takes about 5.5 s and 0.55 GB at its peak, at 1M
# 25 s and 1.9 GB, at 2M 79 s and 3.5 GB (issue 15). A link or the sidebar may ask for more
# (the Explorer runs 2M in about a second); these pages then use this many and say so.
MAX_N = 200_000


@dataclass(frozen=True)
class Axis:
    """One knob's values on a heatmap axis and how to show them.

    values: Scenario values (fractions, USD); shown: what the axis plots (percent for
    percentage knobs); title: axis title with units; log: plotted on a log axis."""
    field: str
    values: tuple
    shown: tuple
    title: str
    log: bool = False
    labels: tuple = ()


def _decimals(step: float) -> int:
    return max(0, -int(np.floor(np.log10(step)))) + 2


def _candidates(field: str, direction: int) -> np.ndarray:
    control = CONTROLS[field]
    if control.kind == "log":
        return np.asarray(control.options, dtype=float)
    if field == "shock":
        steps = np.arange(1, int(round(SHOCK_REACH / control.step)) + 1)
        return np.round(direction * steps * control.step, _decimals(control.step))[::direction]
    values = np.arange(control.low, control.high + control.step / 2, control.step)
    return np.round(values, _decimals(control.step))


def _valid(scenario: Scenario, field: str, value) -> bool:
    try:
        scenario.replace(**{field: value})
    except ValueError:
        return False
    return True


def axis(field: str, scenario: Scenario, max_values: int = MAX_AXIS_VALUES) -> Axis:
    """The values `field` is swept over: the widget's steps (thinned to at most
    `max_values`, evenly) that make a valid Scenario with the rest of `scenario`."""
    if field not in AXIS_FIELDS:
        raise ValueError(f"{field}: not a knob a heatmap can sweep; choose one of "
                         f"{', '.join(AXIS_FIELDS)}")
    direction = 1 if scenario.shock > 0 else -1
    values = np.array([v for v in _candidates(field, direction) if _valid(scenario, field, v)])
    if values.size > max_values:
        values = values[np.unique(np.linspace(0, values.size - 1, max_values).round().astype(int))]
    control = CONTROLS[field]
    if control.kind == "log":
        money = field in ("open_interest", "depth")
        labels = tuple(("$" if money else "") + compact(v) for v in values)
        return Axis(field, tuple(values), tuple(values), control.label, log=True, labels=labels)
    percent = control.format == "percent"
    shown = values * 100 if percent else values
    title = f"{control.label} ({'%' if percent else unit_of(control.format)})"
    return Axis(field, tuple(values), tuple(shown), title.replace(" ()", ""))


def unit_of(format_: str | None) -> str:
    return "x" if format_ and format_.endswith("x") else ""


def shown_value(field: str, value: float) -> float:
    """A Scenario value as an axis plots it (percent for percentage knobs)."""
    return value * 100 if CONTROLS[field].format == "percent" else value


def limit_n(scenario: Scenario, page: str) -> tuple[Scenario, str | None]:
    """(the scenario a sweep page runs, the line that says so): `scenario` itself, or with
    n cut to MAX_N and one line naming what was asked, the limit and what is used."""
    if scenario.n <= MAX_N:
        return scenario, None
    asked, used = compact(scenario.n), compact(MAX_N)
    return scenario.replace(n=MAX_N), (
        f"**{CONTROLS['n'].label}: {asked}** is above the {page}'s limit of {used} traders "
        f"per cascade (its grids run hundreds of cascades); this page uses **{used}**. The "
        f"Explorer runs up to {compact(max(CONTROLS['n'].options))}.")


def within_limit(scenario: Scenario, page: str) -> Scenario:
    """limit_n, with its line shown on the page when n was cut."""
    scenario, line = limit_n(scenario, page)
    if line:
        st.info(line, icon=":material/speed:")
    return scenario


# ------------------------------------------------------------------ cached sweeps

@st.cache_data(max_entries=2048, show_spinner=False)
def _row(base: tuple, x_field: str, xs: tuple, y_field: str, y: float) -> np.ndarray:
    """Final moves of one row (y fixed) of a sweep over x."""
    return cascade.sweep(Scenario.from_dict(dict(base)), x_field, xs, y_field, [y])[0]


def final_moves(scenario: Scenario, x: Axis, y: Axis, on_row=None) -> np.ndarray:
    """cascade.sweep(scenario, x, y) (final moves, shape [len(y), len(x)]), one cached row
    at a time; on_row(done, total) is called after each row (for a progress bar)."""
    # the swept fields are set to a fixed value so the key depends only on the rest
    base = tuple(scenario.replace(**{x.field: x.values[0], y.field: y.values[0]})
                 .to_dict().items())
    rows = []
    for i, value in enumerate(y.values):
        rows.append(_row(base, x.field, x.values, y.field, value))
        if on_row:
            on_row(i + 1, len(y.values))
    return np.array(rows)


def amplification(moves: np.ndarray, scenario: Scenario, x: Axis, y: Axis) -> np.ndarray:
    """x / s per cell (CascadeResult.amplification), from a grid of final moves."""
    shocks = np.broadcast_to(
        np.asarray(x.values)[None, :] if x.field == "shock" else
        np.asarray(y.values)[:, None] if y.field == "shock" else scenario.shock, moves.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(shocks != 0, moves / np.where(shocks != 0, shocks, 1.0), np.nan)


def critical_line(scenario: Scenario, y: Axis) -> np.ndarray:
    """cascade.critical_shock of each row's book (cached per book), in the direction of the
    scenario's shock; NaN where a row never runs away."""
    direction = 1 if scenario.shock > 0 else -1
    line = []
    for value in y.values:
        row = scenario.replace(**{y.field: value})
        line.append(compute.critical_shock_of(row, direction))
    return np.array(line)


def cell_scenario(scenario: Scenario, x: Axis, y: Axis, i: int, j: int) -> Scenario:
    """The scenario of cell [i, j] (row i of y, column j of x)."""
    return scenario.replace(**{x.field: x.values[j], y.field: y.values[i]})


def describe(scenario: Scenario, x: Axis, y: Axis) -> str:
    """'Price shock -4.5%, Clustering tightness 0.9': a cell's two knobs as the axes show them."""
    def one(axis: Axis) -> str:
        value = getattr(scenario, axis.field)
        if axis.log:
            return f"{CONTROLS[axis.field].label.split(' (')[0]} {axis.labels[axis.values.index(value)]}"
        unit = "%" if CONTROLS[axis.field].format == "percent" else ""
        return f"{CONTROLS[axis.field].label} {shown_value(axis.field, value):g}{unit}"
    return f"{one(x)}, {one(y)}"
