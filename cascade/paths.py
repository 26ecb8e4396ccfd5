"""Exogenous price paths for the clock (issue 17): the market's own move over time, to
which the cascade's forced flow adds its impact (cascade/clock.py).

A path is a list of knots (seconds t_j, relative move m_j from the reference price P0),
t_0 = 0 and strictly ascending. Between knots the move is linear in time; after the last
knot it stays at the last move. The traded price at time t is
    P(t) = P0 * (1 + m(t) - I(Q(t)))
with Q(t) the consumed depth (cascade.clock). A single shock s is the path jump(s): the
move is s from t = 0 on, and the timed engine gives today's waves (docs/model.md, Shock and waves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import number_in
from .tables import TableErrors, read_table

PATH_COLUMNS = ("seconds", "price")
# A path's moves stay in the Scenario's shock range: above -1 (a price above 0), at most +10.
MIN_MOVE, MAX_MOVE = -1.0, 10.0
# Seconds a path may last: a day.
MAX_PATH_SECONDS = 86_400.0


@dataclass(frozen=True, eq=False)
class PricePath:
    """Knots of an exogenous path: times (seconds, t_0 = 0, strictly ascending) and moves
    (relative to P0, each in (-1, 10]); `name` says how it was made. Read-only arrays."""
    times: np.ndarray
    moves: np.ndarray
    name: str = "path"
    times_list: tuple = field(init=False, repr=False)

    def __post_init__(self):
        times = np.array(self.times, dtype=np.float64).reshape(-1)
        moves = np.array(self.moves, dtype=np.float64).reshape(-1)
        if times.size == 0 or times.size != moves.size:
            raise ValueError(f"path: needs as many times as moves, at least one "
                             f"(got {times.size} times, {moves.size} moves)")
        if not np.isfinite(times).all() or times[0] != 0.0:
            raise ValueError(f"path: times must be finite seconds starting at 0, got "
                             f"{times[:3].tolist()}...")
        if times.size > 1 and not (np.diff(times) > 0).all():
            bad = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
            raise ValueError(f"path: times must rise strictly; time {bad} is "
                             f"{times[bad]:g} after {times[bad - 1]:g}")
        if times[-1] > MAX_PATH_SECONDS:
            raise ValueError(f"path: at most {MAX_PATH_SECONDS:,.0f} seconds, got {times[-1]:g}")
        if not np.isfinite(moves).all() or (moves <= MIN_MOVE).any() or (moves > MAX_MOVE).any():
            raise ValueError(f"path: every move must be in (-1, 10] (a price above 0), got "
                             f"{moves[~((moves > MIN_MOVE) & (moves <= MAX_MOVE))][:3].tolist()}")
        times.setflags(write=False)
        moves.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "moves", moves)
        object.__setattr__(self, "times_list", tuple(times.tolist()))

    @property
    def duration(self) -> float:
        """Seconds until the last knot (0 for a jump)."""
        return float(self.times[-1])

    @property
    def is_jump(self) -> bool:
        """True for a single knot: the move is the same at every time (a shock)."""
        return self.times.size == 1

    @property
    def low(self) -> float:
        """The lowest move of the path."""
        return float(self.moves.min())

    @property
    def high(self) -> float:
        """The highest move of the path."""
        return float(self.moves.max())

    def at(self, seconds):
        """m(t): the move at `seconds` (scalar or array), linear between knots, held
        after the last. A jump gives its move exactly (the same bits) at every time."""
        if self.is_jump:
            value = self.moves[0]
            return float(value) if np.ndim(seconds) == 0 else np.full(np.shape(seconds), value)
        moved = np.interp(seconds, self.times, self.moves)
        return float(moved) if np.ndim(moved) == 0 else moved


def jump(shock: float) -> PricePath:
    """The single shock s at t = 0 (today's model)."""
    shock = number_in("shock", shock, low=MIN_MOVE, low_open=True, high=MAX_MOVE)
    return PricePath([0.0], [shock], name=f"jump {shock:+.4g}")


def fall(shock: float, seconds: float) -> PricePath:
    """A move from 0 to s, linear over `seconds` (> 0), then held."""
    shock = number_in("shock", shock, low=MIN_MOVE, low_open=True, high=MAX_MOVE)
    seconds = number_in("fall_seconds", seconds, low=0.0, low_open=True, high=MAX_PATH_SECONDS)
    return PricePath([0.0, seconds], [0.0, shock], name=f"{shock:+.4g} over {seconds:g} s")


def fall_then_rebound(shock: float, fall_seconds: float, rebound: float,
                      rebound_seconds: float) -> PricePath:
    """From 0 to s over fall_seconds, then up by `rebound` (relative to P0, >= 0) over
    rebound_seconds: knots (0, 0), (T1, s), (T1 + T2, s + rebound)."""
    shock = number_in("shock", shock, low=MIN_MOVE, low_open=True, high=MAX_MOVE)
    fall_seconds = number_in("fall_seconds", fall_seconds, low=0.0, low_open=True,
                             high=MAX_PATH_SECONDS)
    rebound = number_in("rebound", rebound, low=0.0, high=MAX_MOVE - shock)
    rebound_seconds = number_in("rebound_seconds", rebound_seconds, low=0.0, low_open=True,
                                high=MAX_PATH_SECONDS - fall_seconds)
    return PricePath([0.0, fall_seconds, fall_seconds + rebound_seconds],
                     [0.0, shock, shock + rebound],
                     name=f"{shock:+.4g} over {fall_seconds:g} s, then +{rebound:.4g} over "
                          f"{rebound_seconds:g} s")


def read_path(path_or_buffer, *, max_bytes: int | None = None) -> PricePath:
    """A path from a CSV or Parquet file of (seconds, price): seconds from 0, strictly
    rising; prices > 0, relative to the first row's (move = price / first price - 1).
    Bad cells raise ValueError naming their rows as a spreadsheet shows them."""
    table = read_table(path_or_buffer, required=PATH_COLUMNS, max_bytes=max_bytes)
    errors = TableErrors(table.name)
    seconds = errors.numbers(table.frame, "seconds", at_least=0.0, at_most=MAX_PATH_SECONDS)
    price = errors.numbers(table.frame, "price", positive=True)
    errors.raise_if_any()
    if seconds[0] != 0.0:
        errors.add("seconds", np.arange(seconds.size) == 0, table.frame["seconds"],
                   "is not 0 (a path starts at 0 s)")
    not_rising = np.concatenate(([False], np.diff(seconds) <= 0))
    errors.add("seconds", not_rising, table.frame["seconds"],
               "is not after the row above (seconds must rise strictly)")
    moves = price / price[0] - 1.0
    errors.add("price", moves > MAX_MOVE, table.frame["price"],
               f"is more than {1 + MAX_MOVE:g} times the first price")
    errors.raise_if_any()
    return PricePath(seconds, moves, name=table.name)
