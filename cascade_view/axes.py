"""The axes of the phase diagrams: which values each knob is swept over and how they are
shown. Every axis value is one the Explorer's widget can hold (a slider step or a
log-picker stop, from the knob table), so a clicked cell opens on the Explorer as exactly
the scenario the cell shows. Pure: the cached sweeps over them are cascade_ui/sweeps.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import cascade
from cascade import Scenario
from cascade.theory import direction_of

from .formats import compact, decimals
from .knobs import KNOBS

# The knobs a user can put on an axis: every numeric one a sweep may vary (not the book's
# size and seed: detail and noise, not a mechanism).
AXIS_FIELDS = tuple(f for f in cascade.sweepable_fields() if KNOBS[f].vary)
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


def _candidates(field: str, direction: int) -> np.ndarray:
    control = KNOBS[field]
    if field == "shock" and control.kind != "log":
        steps = np.arange(1, int(round(SHOCK_REACH / control.step)) + 1)
        return np.round(direction * steps * control.step, decimals(control.step))[::direction]
    return control.grid()


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
    direction = direction_of(scenario.shock)
    values = np.array([v for v in _candidates(field, direction) if _valid(scenario, field, v)])
    if values.size > max_values:
        values = values[np.unique(np.linspace(0, values.size - 1, max_values).round().astype(int))]
    control = KNOBS[field]
    if control.kind == "log":
        labels = tuple(control.shown(v, dollar=True) for v in values)
        return Axis(field, tuple(values), tuple(values), control.label, log=True, labels=labels)
    shown = values * 100 if control.percent else values
    title = f"{control.label} ({control.unit})"
    return Axis(field, tuple(values), tuple(shown), title.replace(" ()", ""))


def shown_value(field: str, value: float) -> float:
    """A Scenario value as an axis plots it (percent for percentage knobs)."""
    return KNOBS[field].plotted(value)


def limit_n(scenario: Scenario, page: str) -> tuple[Scenario, str | None]:
    """(the scenario a sweep page runs, the line that says so): `scenario` itself, or with
    n cut to MAX_N and one line naming what was asked, the limit and what is used."""
    if scenario.n <= MAX_N:
        return scenario, None
    traders = KNOBS["n"]
    asked, used = compact(scenario.n), compact(MAX_N)
    return scenario.replace(n=MAX_N), (
        f"**{traders.label}: {asked}** is above the {page}'s limit of {used} traders "
        f"per cascade (its grids run hundreds of cascades); this page uses **{used}**. The "
        f"Explorer runs up to {compact(max(traders.options))}.")


def amplification(moves: np.ndarray, scenario: Scenario, x: Axis, y: Axis) -> np.ndarray:
    """x / s per cell (CascadeResult.amplification), from a grid of final moves."""
    shocks = np.broadcast_to(
        np.asarray(x.values)[None, :] if x.field == "shock" else
        np.asarray(y.values)[:, None] if y.field == "shock" else scenario.shock, moves.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(shocks != 0, moves / np.where(shocks != 0, shocks, 1.0), np.nan)


def cell_scenario(scenario: Scenario, x: Axis, y: Axis, i: int, j: int) -> Scenario:
    """The scenario of cell [i, j] (row i of y, column j of x)."""
    return scenario.replace(**{x.field: x.values[j], y.field: y.values[i]})


def describe(scenario: Scenario, x: Axis, y: Axis) -> str:
    """'Price shock -4.5%, Clustering tightness 0.9': a cell's two knobs as the axes show them."""
    def one(axis: Axis) -> str:
        value = getattr(scenario, axis.field)
        control = KNOBS[axis.field]
        if axis.log:
            return f"{control.label.split(' (')[0]} {axis.labels[axis.values.index(value)]}"
        unit = "%" if control.percent else ""
        return f"{control.label} {shown_value(axis.field, value):g}{unit}"
    return f"{one(x)}, {one(y)}"
