"""What theory says about a book (MODEL.md section 5): feedback, branching ratio, tipping point.

Moves here are relative to P0 and signed like the shock (negative = a fall). On the side a
move hits, Q(x) is the forced flow of every position whose liquidation price lies within
|x| of P0, and the feedback map F(x) = |I(Q(x))| is the extra move that flow causes. The
final move is the first fixed point of |x| = |s| + F(x) reached from the shock.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from ._checks import as_float_array, finite_number, number_in, reject_where
from .engine import LiquidationBook
from .market import Market
from .population import Population

DEFAULT_WINDOW = 0.01
RUNAWAY_R = 1.0


def _book(population_or_book, market: Market | None) -> LiquidationBook:
    if isinstance(population_or_book, LiquidationBook):
        return population_or_book
    if market is None:
        raise ValueError("market: needed when a Population (not a LiquidationBook) is given")
    return LiquidationBook(population_or_book, market)


def _direction(move) -> int:
    return -1 if np.all(np.asarray(move) <= 0) else 1


def _moves(move) -> np.ndarray:
    """`move` (a number or an array) as floats, each finite and >= -1, else a ValueError."""
    moves = np.asarray(finite_number("move", move) if np.ndim(move) == 0
                       else as_float_array("move", move), dtype=np.float64)
    reject_where("move", moves < -1.0, moves, "are below -1 (a fall of more than 100%)")
    return moves


def feedback(book: LiquidationBook, move) -> np.ndarray:
    """F(x) = |I(Q(x))|: the relative move caused by liquidating every position within
    |x| of P0 on the side the move hits (longs for x <= 0, shorts for x > 0).
    Vectorised over an array of moves that share a sign."""
    moves = _moves(move)
    direction = _direction(moves)
    prices = book.market.price * (1.0 + direction * np.abs(moves))
    side = book.side(direction).complete()
    flow = side.cum_flow[side.reached(prices)]
    return np.abs(book.market.price_impact(flow))


def branching_ratio(population_or_book, market: Market | None = None, move: float = -0.03,
                    window: float = DEFAULT_WINDOW):
    """Branching ratio R at a relative move x: the slope of the feedback map over the window
    of width h that the price has just crossed on its way to x,

        R(x) = [F(|x|) - F(|x| - h)] / h,

    which for linear impact is lambda * rho: lambda = 0.01 / D per unit of flow, rho the
    flow density of liquidation thresholds per unit of relative move. R < 1: each wave
    smaller than the last (damped); R >= 1: the waves feed on themselves (runaway).
    `move` may be an array of moves of one sign; `window` h is a relative move (0.01 = 1%).
    """
    book = _book(population_or_book, market)
    window = number_in("window", window, low=0.0, low_open=True)
    moves = _moves(move)
    direction = _direction(moves)
    distance = np.abs(moves)
    upper = feedback(book, direction * distance)
    lower = np.where(distance - window < 0, 0.0,
                     feedback(book, direction * np.maximum(distance - window, 0.0)))
    ratio = (upper - lower) / window
    return float(ratio) if ratio.ndim == 0 else ratio


def _liquidation_distances(book: LiquidationBook, direction: int) -> np.ndarray:
    """Sorted |x| at which each position on the hit side is reached."""
    side = book.side(direction).complete()
    price = -side.sign * side.key[np.isfinite(side.key)]  # +inf keys: the other side's
    return np.abs(price / book.market.price - 1.0)


def tipping_move(book: LiquidationBook, direction: int = -1,
                 window: float = DEFAULT_WINDOW) -> float:
    """The smallest move (signed) at which R(x) >= 1, or NaN if R stays below 1."""
    candidates = _liquidation_distances(book, direction)
    ratios = branching_ratio(book, move=direction * candidates, window=window)
    above = np.flatnonzero(ratios >= RUNAWAY_R)
    return float(direction * candidates[above[0]]) if above.size else float("nan")


def peak_branching_ratio(book: LiquidationBook, final_move: float,
                         window: float = DEFAULT_WINDOW) -> float:
    """The largest branching ratio R(x) over the stretch the price travelled: the maximum of
    R at every liquidation threshold x with 0 < |x| <= |final_move| on the side the move hit
    (0.0 when the move crossed no threshold). This is the number the verdict is decided by:
    a cascade ran away exactly when it is >= 1 (see is_runaway)."""
    final_move = number_in("final_move", final_move, low=-1.0)
    if final_move == 0:
        return 0.0
    direction = -1 if final_move < 0 else 1
    distances = _liquidation_distances(book, direction)
    crossed = distances[: np.searchsorted(distances, abs(final_move), side="right")]
    if crossed.size == 0:
        return 0.0
    return float(np.max(branching_ratio(book, move=direction * crossed, window=window)))


def is_runaway(book: LiquidationBook, final_move: float,
               window: float = DEFAULT_WINDOW) -> bool:
    """A cascade has run away when the price went through a stretch where R >= 1, where the
    forced selling fed on itself: when peak_branching_ratio(book, final_move) >= 1, which
    is the same as the final move reaching the tipping move."""
    return peak_branching_ratio(book, final_move, window) >= RUNAWAY_R


def critical_shock(population_or_book, market: Market | None = None, direction: int = -1,
                   window: float = DEFAULT_WINDOW, tolerance: float = 1e-6) -> float:
    """The smallest shock (signed by `direction`: -1 a fall, +1 a rise) whose cascade runs
    away (see is_runaway): whose final move reaches the tipping move x_c, the first |x| with
    R(x) >= 1. Shocks below it stop before x_c; from it on, the price has gone through a
    stretch where each wave sets off a larger one. NaN when R < 1 everywhere on that side.

    The final move grows monotonically with the shock, so the boundary is found by
    bisection to `tolerance` (relative move).
    """
    book = _book(population_or_book, market)
    if direction not in (-1, 1):
        raise ValueError(f"direction: must be -1 (a fall) or +1 (a rise), got {direction!r}")
    x_c = abs(tipping_move(book, direction, window))
    if not np.isfinite(x_c):
        return float("nan")
    if x_c == 0.0:
        return 0.0

    def short_of_tipping(size: float) -> float:
        return x_c - abs(book.run(direction * size).total_move)

    if short_of_tipping(0.0) <= 0:
        return 0.0
    size = optimize.bisect(lambda s: 1.0 if short_of_tipping(s) > 0 else -1.0,
                           0.0, x_c, xtol=tolerance)
    # bisect returns a midpoint; step to the side that does reach x_c
    while short_of_tipping(size) > 0:
        size += tolerance
    return float(direction * size)
