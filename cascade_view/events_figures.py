"""The replays of real cascades in words and figures (issue 18): the validation table
(observed ranges, with sources, beside the model's figures) and the Events page's charts.
Data in (cascade.replay rows, a TimedResult), text or Figure out; no simulation here."""

from __future__ import annotations

import math

import numpy as np

from cascade.events import EVENTS, Target
from cascade.replay import REPLAYS, Row

from .formats import decimals, pct, usd
from .knobs import KNOBS

TABLE_HEADER = ("| event | figure | observed | source (scope) | model | inside | fitted to it "
                "| why not |\n|---|---|---|---|---|---|---|---|")


def figure_text(value: float, unit: str) -> str:
    """One figure in its unit: a move '-15.6%', a share '83.9%', USD '$2.36B', seconds
    '61 s'; 'not run' for NaN."""
    if math.isnan(value):
        return "not run"
    if unit == "move":
        return pct(value, 1)
    if unit == "share":
        return pct(value, 1, signed=False)
    if unit == "USD":
        return usd(value)
    if unit == "seconds":
        return f"{value:.0f} s"
    raise ValueError(f"unit: {unit!r} is not a unit of the validation table")


def observed_text(target: Target) -> str:
    """The observed range: 'a to b', 'at most b', 'at least a', or one figure."""
    low, high = target.low, target.high
    if math.isinf(low):
        return f"at most {figure_text(high, target.unit)}"
    if low == high:
        return figure_text(low, target.unit)
    if target.unit == "share" and high >= 1.0:
        return f"at least {figure_text(low, target.unit)}"
    return f"{figure_text(low, target.unit)} to {figure_text(high, target.unit)}"


def table_row(row: Row) -> str:
    t = row.target
    cells = (EVENTS[row.event].title, t.label, observed_text(t), f"{t.source} ({t.scope})",
             figure_text(row.model, t.unit), "yes" if row.inside else "no",
             "yes" if row.fitted else "no", row.reason or "")
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def validation_table(rows: list[Row]) -> str:
    """The markdown validation table of `rows` (cascade.replay.compare's, any events)."""
    return "\n".join([TABLE_HEADER, *(table_row(row) for row in rows)]) + "\n"


MONEY_KNOBS = ("open_interest", "depth", "insurance_fund")


def knob_text(name: str, value) -> str:
    """A knob's value: money as '$26.7B', numbers to 4 significant digits, names as they
    are."""
    if isinstance(value, str):
        return value
    if name in MONEY_KNOBS:
        return usd(value, 4)
    return f"{value:,.4g}"


def knobs_table(key: str, fitted: dict) -> str:
    """The replay's knobs as markdown: each sourced knob with its reason, each fitted one
    with its bounds and the committed value."""
    replay = REPLAYS[key]
    lines = ["| knob | value | how it was set |", "|---|---|---|"]
    for name, value in replay.sourced.items():
        lines.append(f"| {name} | {knob_text(name, value)} | {replay.why[name]} |")
    for name, (low, high) in replay.fitted.items():
        note = replay.why.get(name, "")
        lines.append(f"| {name} | {knob_text(name, fitted[name])} | fitted within "
                     f"{knob_text(name, low)} to {knob_text(name, high)}, to "
                     f"{', '.join(replay.fit_to)}{'; ' + note if note else ''} |")
    return "\n".join(lines) + "\n"


def knob_grid(name: str) -> np.ndarray:
    """The values knob `name` can take on the Explorer (its slider's steps or its picker's
    stops above 0), sorted: the grid cascade.replay.fit finishes on, so that the Explorer
    opens a replay exactly."""
    knob = KNOBS[name]
    if knob.kind == "log":
        return np.array(sorted(stop for stop in knob.options if stop > 0), dtype=float)
    if knob.kind == "slider":
        count = int(round((knob.high - knob.low) / knob.step))
        return np.round(knob.low + knob.step * np.arange(count + 1), decimals(knob.step))
    raise ValueError(f"knob: {name!r} is a {knob.kind}, not a fitted number")
