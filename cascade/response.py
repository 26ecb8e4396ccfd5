"""A book's response to shocks of every size, and the figures that tell a cliff from a ramp
(issue 16, item 3).

The response curve is the final move x(s) = P_K / P0 - 1 against the shock s over a grid of
shocks in one direction (negative = a fall). With the clock on (Scenario.clock) it follows
the phase grid's rule (cascade.sweep): the point at shock s is scenario.replace(shock=s) run
by the timed engine along its path (the shock sets the path's depth; the path's seconds and
rebound as set), and x(s) is that run's final move, the price at the run's end, so the
scenario's own run lies on its curve. A clustered crowd answers with a cliff: nothing
moves until the shock reaches its one liquidation distance, then everything goes at once. A
dispersed crowd answers with a ramp. Beside the curve, three figures of one cascade:

    largest step          max_k |P_k - P_(k-1)| / P0 over the waves k = 1..K, P_0 being the
                          price right after the shock (the shock itself is not a step);
                          0 when no wave liquidated anyone. Relative to P0, unsigned.
    first liquidation     the move at which the first position is liquidated: max over longs
                          of liq_i / P0 - 1 for a fall, min over shorts for a rise (signed;
                          NaN when that side holds nobody): how far the price goes before
                          anyone is liquidated.
    bad debt              CascadeResult.bad_debt, kept only where the venue keeps accounts.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .engine import CascadeResult, LiquidationBook
from .scenario import Scenario
from .sweep import moves_on_book, timed_moves_on_book
from .theory import critical_shock

# Grid steps of the response curve (relative shock), the smallest that keeps the grid
# within MAX_POINTS points, and the largest shock size the grid reaches.
GRID_STEPS = (0.0025, 0.005, 0.01)
MAX_POINTS = 121
MAX_REACH = 0.95
MIN_REACH = 0.10


class ResponseCurve(NamedTuple):
    """shocks: the grid, signed by direction, from 0 outward; final_moves: x(s) at each
    (bit for bit run(s).total_move); waves: the wave count at each; critical_shock:
    cascade.critical_shock of the book in that direction (NaN if it never runs away);
    direction: -1 a fall, +1 a rise; timed: True when each point is a timed run along the
    scenario's path (then waves counts the ticks that executed, and critical_shock is still
    the instant model's)."""
    shocks: np.ndarray
    final_moves: np.ndarray
    waves: np.ndarray
    critical_shock: float
    direction: int
    timed: bool = False


def _direction(direction) -> int:
    if direction not in (-1, 1):
        raise ValueError(f"direction: must be -1 (a fall) or +1 (a rise), got {direction!r}")
    return int(direction)


def shock_grid(direction: int, *sizes: float) -> np.ndarray:
    """The shocks a response curve is drawn on: 0, then every `step` out to the reach,
    signed by `direction` (relative shocks). The reach is max(MIN_REACH, 2 x each size given), capped at
    MAX_REACH; NaN sizes (a book that never runs away) are ignored. `step` is the first of
    GRID_STEPS that keeps the grid within MAX_POINTS points; the reach is rounded up to a
    whole number of steps."""
    direction = _direction(direction)
    given = [2.0 * abs(float(size)) for size in sizes if math.isfinite(float(size))]
    reach = min(max([MIN_REACH, *given]), MAX_REACH)
    step = next((s for s in GRID_STEPS if reach / s < MAX_POINTS), GRID_STEPS[-1])
    count = min(math.ceil(round(reach / step, 9)), math.floor(round(MAX_REACH / step, 9)))
    # rounded to 10 decimals, so the grid holds -0.95, not -0.9500000000000001
    return direction * np.round(step * np.arange(count + 1, dtype=np.float64), 10)


def response_curve(book: LiquidationBook, shocks, direction: int | None = None,
                   scenario: Scenario | None = None) -> ResponseCurve:
    """The final move of `book` at every shock in `shocks` (all on one side of 0), with its
    critical shock in that direction (`direction`: -1 / +1; by default the sign of the
    shocks, a fall when they are all 0). Runs through sweep.moves_on_book: each point is
    bit for bit book.run(s).total_move. With a `scenario` whose clock is on (its book must
    be `book`), through sweep.timed_moves_on_book instead: each point is bit for bit
    scenario.replace(shock=s).run_on(book).total_move, the timed run along the path whose
    depth is s."""
    shocks = np.asarray(shocks, dtype=np.float64)
    if shocks.ndim != 1 or shocks.size == 0:
        raise ValueError(f"shocks: give a list of at least one shock, got shape {shocks.shape}")
    if direction is None:
        direction = 1 if np.any(shocks > 0) else -1
    direction = _direction(direction)
    wrong = shocks[direction * shocks < 0]
    if wrong.size:
        raise ValueError(f"shocks: must all be on the side of direction {direction:+d}, "
                         f"got {wrong[0]:g}")
    timed = scenario is not None and scenario.clock
    moves, waves = (timed_moves_on_book(scenario, book, shocks) if timed
                    else moves_on_book(book, shocks))
    return ResponseCurve(shocks, moves, waves, float(critical_shock(book, direction=direction)),
                         direction, timed)


def largest_step(result: CascadeResult) -> float:
    """The largest one-wave move of a cascade, max_k |P_k - P_(k-1)| / P0 over its waves
    (k >= 1; P_0 = the price after the shock), relative to P0, unsigned; 0.0 with no wave."""
    path = np.asarray(result.price_path, dtype=np.float64)
    if path.size <= 2:
        return 0.0
    return float(np.max(np.abs(np.diff(path[1:]))) / result.market.price)


def first_liquidation_move(book: LiquidationBook, direction: int) -> float:
    """The move (signed) at which the first position is liquidated in `direction`:
    max over longs of liq_i / P0 - 1 for a fall (-1), min over shorts for a rise (+1).
    NaN when the side the move hits holds nobody."""
    return _first_liquidation(book.population, book.liquidation_price, book.market.price,
                              direction)


def _first_liquidation(population, liquidation_price, price: float, direction: int) -> float:
    direction = _direction(direction)
    hit = population.is_long if direction < 0 else ~population.is_long
    prices = np.asarray(liquidation_price)[hit]
    if prices.size == 0:
        return float("nan")
    first = prices.max() if direction < 0 else prices.min()
    return float(first / price - 1.0)


class CliffFigures(NamedTuple):
    """largest_step: relative to P0, unsigned; first_liquidation: signed move; bad_debt:
    USD, None where the venue keeps no accounts."""
    largest_step: float
    first_liquidation: float
    bad_debt: float | None


def cliff_figures(result: CascadeResult, liquidation_price, direction: int) -> CliffFigures:
    """The figures beside the response curve for one cascade `result`, whose positions
    liquidate at `liquidation_price` (LiquidationBook.liquidation_price, or an Analysis's)."""
    return CliffFigures(largest_step(result),
                        _first_liquidation(result.population, liquidation_price,
                                           result.market.price, direction),
                        float(result.bad_debt) if result.ledger is not None else None)
