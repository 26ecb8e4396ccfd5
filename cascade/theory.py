"""What theory says about a book (docs/model.md, Theory): feedback, branching ratio, tipping point.

Moves here are relative to P0 and signed like the shock (negative = a fall). On the side a
move hits, Q(x) is the forced flow of every position whose liquidation price lies within
|x| of P0, and the feedback map F(x) = |I(Q(x))| is the extra move that flow causes. The
final move is the first fixed point of |x| = |s| + F(x) reached from the shock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, finite_number, number_in, reject_where
from .engine import LiquidationBook
from .market import Market
from .population import Population

DEFAULT_WINDOW = 0.01
RUNAWAY_R = 1.0
# critical_shock steps s* outward by `tolerance` this many times before it searches: enough
# for the instant model, where only rounding leaves s* a hair short (so its results are those
# of the plain walk, bit for bit), and few enough that venue mechanics never walk far.
LINEAR_STEPS = 4


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
    ratio = _feedback_and_ratio(book, _direction(moves), np.abs(moves), window)[1]
    return float(ratio) if ratio.ndim == 0 else ratio


def _feedback_and_ratio(book: LiquidationBook, direction: int, distance: np.ndarray,
                        window: float) -> tuple[np.ndarray, np.ndarray]:
    """(F(|x|), R(x)) at distances |x| >= 0 on the side `direction` hits."""
    upper = feedback(book, direction * distance)
    lower = np.where(distance - window < 0, 0.0,
                     feedback(book, direction * np.maximum(distance - window, 0.0)))
    return upper, (upper - lower) / window


def _liquidation_distances(book: LiquidationBook, direction: int) -> np.ndarray:
    """Sorted |x| at which each position on the hit side is reached."""
    side = book.side(direction).complete()
    price = -side.sign * side.key[np.isfinite(side.key)]  # +inf keys: the other side's
    return np.abs(price / book.market.price - 1.0)


@dataclass(frozen=True)
class _Thresholds:
    """Theory at every liquidation threshold of one side, computed once per book: the
    sorted distances |x_j| (relative moves), the feedback F(|x_j|) once every position at
    that threshold is liquidated, and the branching ratio R(x_j) over one window with its
    running maximum (peak[j] = max R up to x_j)."""
    distance: np.ndarray
    feedback: np.ndarray
    ratio: np.ndarray
    peak: np.ndarray


def _thresholds(book: LiquidationBook, direction: int, window: float) -> _Thresholds:
    window = number_in("window", window, low=0.0, low_open=True)
    key = ("thresholds", direction, window)
    if key not in book.memo:
        distance = _liquidation_distances(book, direction)
        side = book.side(direction)
        # F from the sorted keys themselves (a price rebuilt from a distance can round to
        # just short of the liquidation price it came from)
        through = np.searchsorted(side.key, side.key, side="right")
        reached_feedback = np.abs(book.market.price_impact(side.cum_flow[through]))
        ratio = _feedback_and_ratio(book, direction, distance, window)[1]
        book.memo[key] = _Thresholds(distance, np.atleast_1d(reached_feedback), ratio,
                                     np.maximum.accumulate(ratio))
    return book.memo[key]


def tipping_move(book: LiquidationBook, direction: int = -1,
                 window: float = DEFAULT_WINDOW) -> float:
    """The smallest move (signed) at which R(x) >= 1, or NaN if R stays below 1."""
    return _tipping(_thresholds(book, direction, window), direction)


def _tipping(thresholds: _Thresholds, direction: int) -> float:
    index = _tipping_index(thresholds)
    return float(direction * thresholds.distance[index]) if index >= 0 else float("nan")


def _tipping_index(thresholds: _Thresholds) -> int:
    """Index of the first threshold with R >= 1 (-1: none)."""
    peak = thresholds.peak
    index = int(np.searchsorted(peak, RUNAWAY_R, side="left"))
    return index if index < peak.size else -1


def peak_branching_ratio(book: LiquidationBook, final_move: float,
                         window: float = DEFAULT_WINDOW) -> float:
    """The largest branching ratio R(x) over the stretch the price travelled: the maximum of
    R at every liquidation threshold x with 0 < |x| <= |final_move| on the side the move hit
    (0.0 when the move crossed no threshold). This is the number the verdict is decided by:
    a cascade ran away exactly when it is >= 1 (see is_runaway). The ratios at every
    threshold are computed once per book; each call is then a binary search."""
    final_move = number_in("final_move", final_move, low=-1.0)
    if final_move == 0:
        return 0.0
    thresholds = _thresholds(book, -1 if final_move < 0 else 1, window)
    crossed = int(np.searchsorted(thresholds.distance, abs(final_move), side="right"))
    return float(thresholds.peak[crossed - 1]) if crossed else 0.0


def direction_of(shock: float) -> int:
    """The direction a shock moves the price, as theory's functions take it: -1 for a fall
    (and for no shock, which the pages read as a fall), +1 for a rise."""
    return 1 if shock > 0 else -1


def runs_away(peak_ratio: float) -> bool:
    """The runaway decision, the one rule the pages, the CLI and ensembles share: a peak
    branching ratio R >= RUNAWAY_R (1) means the forced selling fed on itself."""
    return bool(peak_ratio >= RUNAWAY_R)


def is_runaway(book: LiquidationBook, final_move: float,
               window: float = DEFAULT_WINDOW) -> bool:
    """A cascade has run away when the price went through a stretch where R >= 1, where the
    forced selling fed on itself: when peak_branching_ratio(book, final_move) >= 1
    (runs_away), which is the same as the final move reaching the tipping move."""
    return runs_away(peak_branching_ratio(book, final_move, window))


def critical_shock(population_or_book, market: Market | None = None, direction: int = -1,
                   window: float = DEFAULT_WINDOW, tolerance: float = 1e-6) -> float:
    """The smallest shock (signed by `direction`: -1 a fall, +1 a rise) whose cascade runs
    away (see is_runaway): whose final move reaches the tipping move x_c, the first |x| with
    R(x) >= 1. Shocks below it stop before x_c; from it on, the price has gone through a
    stretch where each wave sets off a larger one. NaN when R < 1 everywhere on that side.

    Read off the feedback map, not found by trial cascades: the cascade from a shock of
    size s climbs x_{k+1} = s + F(x_k) to the first fixed point of x = s + F(x) at or above
    s. F is a step function that rises at each threshold d_j, so x - F(x) peaks just below
    each threshold at d_j - F(d_{j-1}); the climb passes x_c exactly when s reaches a
    threshold (s >= d_i, or nothing moves) and s exceeds every such peak between there and
    x_c. The smallest such s is

        s* = min over i <= c of max(d_i, max_{i < j <= c} (d_j - F(d_{j-1}))),

    with c the index of x_c. In the instant model s* is exact up to rounding: one cascade at
    s* checks it against the engine's arithmetic, and where rounding leaves it a hair short
    s* is stepped outward by `tolerance` (at most LINEAR_STEPS times, as before).

    With venue mechanics (an engine capacity or rate, recovery, ADL, tiers) the cascade is
    the step or timed engine's, not the climb above, so s* is only where the search starts,
    and whether a shock runs away need not be monotone in its size. Past the linear steps
    the search is bounded: from the last shock lo that did not run away it tries lo + k *
    tolerance for k = 1, 2, 4, ... (capped at d_c, the shock that reaches x_c by itself,
    which counts as running away) until one runs away, then bisects on that grid of steps.
    It returns the first crossing it finds: a shock that runs away while the shock one
    `tolerance` smaller does not (or d_c). Where runaway is not monotone, a smaller shock
    between s* and that crossing may also run away; the search does not promise the
    smallest of them. It runs at most LINEAR_STEPS + 1 + 2 * ceil(log2((d_c - s*) /
    tolerance)) cascades (45 for a gap d_c - s* of 100% at the default tolerance), where a
    walk of `tolerance` steps took up to (d_c - s*) / tolerance of them (thousands
    of step-engine runs on scenarios the pages can reach). search_bounds gives (s*, d_c).
    """
    book = _book(population_or_book, market)
    if direction not in (-1, 1):
        raise ValueError(f"direction: must be -1 (a fall) or +1 (a rise), got {direction!r}")
    tolerance = number_in("tolerance", tolerance, low=0.0, low_open=True)
    bounds = search_bounds(book, direction, window)
    if bounds is None:
        return float("nan")
    size, top = bounds
    if top == 0.0:
        return 0.0

    def runs(shock_size: float) -> bool:
        return is_runaway(book, book.final_move(direction * shock_size)[0], window)

    for step in range(LINEAR_STEPS + 1):
        if size >= top or runs(size):
            return float(direction * min(size, top))
        if step < LINEAR_STEPS:
            size += tolerance
    return float(direction * _first_crossing(runs, size, top, tolerance))


def search_bounds(book: LiquidationBook, direction: int,
                  window: float = DEFAULT_WINDOW) -> tuple[float, float] | None:
    """(s*, d_c) of critical_shock, as sizes (|shock|): where its search starts, read off the
    feedback map, and the distance of the tipping move x_c, where it ends (a shock of that
    size reaches x_c by itself). None when R < 1 everywhere on that side."""
    thresholds = _thresholds(book, direction, window)
    c = _tipping_index(thresholds)
    if c < 0:
        return None
    d, f = thresholds.distance[: c + 1], thresholds.feedback[: c + 1]
    if d[c] == 0.0:
        return 0.0, 0.0
    peaks = d[1:] - f[:-1]                                   # x - F(x) just below d_1..d_c
    beyond = np.append(np.maximum.accumulate(peaks[::-1])[::-1], -np.inf)
    return float(np.min(np.maximum(d, beyond))), float(d[c])


def _first_crossing(runs, low: float, top: float, tolerance: float) -> float:
    """A size on the grid low + k * tolerance (k >= 1, capped at `top`) that runs away while
    the grid point below it does not, given that `low` (k = 0) does not and `top` counts as
    running away: k = 1, 2, 4, ... until one runs away (or reaches `top`), then bisection
    between the last k that did not and the first that did."""
    def size_at(k: int) -> float:
        return min(low + k * tolerance, top)

    def runs_at(k: int) -> bool:
        size = size_at(k)
        return size >= top or runs(size)

    below, above = 0, 1
    while not runs_at(above):
        below, above = above, 2 * above
    while above - below > 1:
        middle = (below + above) // 2
        if runs_at(middle):
            above = middle
        else:
            below = middle
    return size_at(above)
