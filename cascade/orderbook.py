"""Price impact from a real order-book snapshot (issue 9): Market(impact="book", book=...).

Forced selling walks the bids, forced buying walks the asks. On each side, level k at price
p_k holds notional C_k - C_{k-1} = p_k * size_k (quote currency), and lies a relative
distance d_k = |p_k - mid| / mid from the book's own mid price. The notional between two
levels is taken as spread evenly over the price gap between them, so the impact

    I(Q) = the relative distance at which the cumulative notional reaches |Q|

is piecewise linear in Q through (0, 0), (C_1, d_1), ..., (C_K, d_K). A flat book (equal
notional per equal price step) is then exactly the linear model, and a book whose depth grows
linearly away from the mid is the square-root law up to the level spacing.

Past the last level (the book is exhausted) the price keeps moving at the side's average
rate, d_K / C_K per unit of notional: the depth beyond the snapshot is taken to be what the
snapshot showed on average. Market.book_exhausted tells when a flow went that far.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ._checks import MAX_MONEY, reject_where
from .tables import TableErrors, read_table, words_to_numbers

BID_WORDS = {"bid": 1, "bids": 1, "buy": 1, "b": 1}
ASK_WORDS = {"ask": -1, "asks": -1, "sell": -1, "offer": -1, "a": -1, "s": -1}
ORDERBOOK_COLUMNS = ("side", "price", "size")


@dataclass(frozen=True, eq=False)
class OrderBook:
    """A depth snapshot: bid and ask levels (price in quote currency per unit, size in units).

    Build it with OrderBook.from_levels or read_orderbook, which validate: at least one level
    a side, positive finite prices and sizes, every bid below every ask, and at most
    MAX_MONEY (1e15, quote currency) of notional price x size on each side. Levels may come in
    any order; they are sorted from the mid outwards.
    """

    bid_price: np.ndarray
    bid_size: np.ndarray
    ask_price: np.ndarray
    ask_size: np.ndarray

    @classmethod
    def from_levels(cls, bids, asks) -> "OrderBook":
        """bids, asks: sequences of (price, size) pairs, or arrays of shape (k, 2)."""
        sides = {}
        for name, levels, nearest_first in (("bids", bids, -1), ("asks", asks, 1)):
            array = np.asarray(levels, dtype=np.float64) if len(levels) else np.empty((0, 2))
            if array.ndim != 2 or array.shape[1] != 2:
                raise ValueError(f"{name}: expected (price, size) pairs, got shape {array.shape}")
            if not len(array):
                raise ValueError(f"{name}: the book has no {name}; give at least one level a side")
            reject_where(f"{name}", ~np.isfinite(array).all(axis=1), array[:, 0],
                         "have a price or size that is NaN or infinite", "prices")
            reject_where(f"{name}", array[:, 0] <= 0, array[:, 0], "have a price that is not "
                         "positive", "prices")
            reject_where(f"{name}", array[:, 1] <= 0, array[:, 1], "have a size that is not "
                         "positive", "sizes")
            with np.errstate(over="ignore"):  # an overflow is inf, refused here
                notional = array[:, 0] * array[:, 1]
            reject_where(f"{name}", ~(notional <= MAX_MONEY), notional, f"hold more than "
                         f"{MAX_MONEY:g} of notional (price x size, quote currency)",
                         "notionals")
            total = float(notional.sum())
            if not total <= MAX_MONEY:
                raise ValueError(f"{name}: the levels hold {total:.6g} of notional in all "
                                 f"(price x size), above the {MAX_MONEY:g} a side may hold")
            order = np.argsort(nearest_first * array[:, 0], kind="stable")
            sides[name] = array[order]
        best_bid, best_ask = float(sides["bids"][0, 0]), float(sides["asks"][0, 0])
        if best_bid >= best_ask:
            raise ValueError(f"bids: the best bid {best_bid!r} is not below the best ask "
                             f"{best_ask!r}; a snapshot's bids sit below its asks")
        return cls(*(np.ascontiguousarray(column) for column in
                     (sides["bids"][:, 0], sides["bids"][:, 1],
                      sides["asks"][:, 0], sides["asks"][:, 1])))

    @property
    def mid(self) -> float:
        return 0.5 * (float(self.bid_price[0]) + float(self.ask_price[0]))

    def curve(self, direction: int) -> tuple[np.ndarray, np.ndarray]:
        """(cumulative notional C_k, relative distance d_k), each with a leading 0, for the
        side forced flow walks: the bids for selling (direction +1), the asks for buying (-1).
        Computed once per side (read-only arrays): a step-by-step cascade asks for them
        hundreds of times a step."""
        return self._curves[1 if direction > 0 else -1][:2]

    @cached_property
    def _curves(self) -> dict:
        """Per side: (C_k, d_k, K_k), K_k = G at C_k, the area under the curve up to level k
        (trapezoids), each with a leading 0 and read-only."""
        curves = {}
        for direction in (1, -1):
            price, size = ((self.bid_price, self.bid_size) if direction > 0
                           else (self.ask_price, self.ask_size))
            notional = np.concatenate(([0.0], np.cumsum(price * size)))
            distance = np.concatenate(([0.0], np.abs(price - self.mid) / self.mid))
            knots = np.concatenate(([0.0], np.cumsum(0.5 * np.diff(notional)
                                                     * (distance[1:] + distance[:-1]))))
            for array in (notional, distance, knots):
                array.setflags(write=False)
            curves[direction] = (notional, distance, knots)
        return curves

    def depth_within(self, move: float) -> tuple[float, float]:
        """(bid, ask) notional within a relative `move` of the mid, e.g. 0.01 for 1%."""
        return tuple(float(np.interp(move, distance, notional))
                     for notional, distance in (self.curve(1), self.curve(-1)))

    def _walked(self, direction: int, size):
        """|I| for a walk of notional `size` >= 0 along the side `direction` walks (an array,
        or one number: the same operations, without np.where's per-call cost)."""
        notional, distance, _ = self._curves[direction]
        inside = np.interp(size, notional, distance)
        if np.ndim(size) == 0 and size <= notional[-1]:
            return inside
        beyond = distance[-1] + (size - notional[-1]) * (distance[-1] / notional[-1])
        return beyond if np.ndim(size) == 0 else np.where(size <= notional[-1], inside, beyond)

    def impact(self, net_sold_flow) -> np.ndarray:
        """I(Q) (see the module docstring): positive for selling, negative for buying. One
        number (a 0-d result) walks only the side its sign picks, with the same operations."""
        flow = np.asarray(net_sold_flow, dtype=np.float64)
        if flow.ndim == 0:
            direction = 1 if flow > 0 else -1 if flow < 0 else 0  # 0 and NaN move nothing
            if direction == 0:
                return np.zeros_like(flow)
            return direction * self._walked(direction, np.abs(flow))
        moved = np.zeros_like(flow)
        for direction in (1, -1):
            walked = self._walked(direction, np.abs(flow))
            moved = np.where(np.sign(flow) == direction, direction * walked, moved)
        return moved

    def impact_integral(self, net_sold_flow) -> np.ndarray:
        """G(Q) = integral of I(u) du from 0 to Q, exact for the piecewise-linear curve (and
        its straight extension past the last level); even in Q. Used for the VWAP of a walk:
        mean I over [Q_a, Q_b] = (G(Q_b) - G(Q_a)) / (Q_b - Q_a)."""
        flow = np.asarray(net_sold_flow, dtype=np.float64)
        if flow.ndim == 0:
            direction = 1 if flow > 0 else -1 if flow < 0 else 0
            return (np.zeros_like(flow) if direction == 0
                    else self._area(direction, np.abs(flow)))
        area = np.zeros_like(flow)
        for direction in (1, -1):
            area = np.where(np.sign(flow) == direction, self._area(direction, np.abs(flow)),
                            area)
        return area

    def _area(self, direction: int, size):
        """G for a walk of notional `size` >= 0 along the side `direction` walks."""
        notional, distance, knots = self._curves[direction]
        walked = self._walked(direction, size)
        segment = np.searchsorted(notional, size, side="right") - 1
        if np.ndim(segment) == 0:
            segment = min(max(int(segment), 0), notional.size - 1)
        else:
            segment = np.clip(segment, 0, notional.size - 1)
        return knots[segment] + 0.5 * (size - notional[segment]) * (distance[segment] + walked)

    def capacity(self, direction: int) -> float:
        """Notional (quote currency) on the side that flow in `direction` walks."""
        return float(self.curve(direction)[0][-1])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "side": ["bid"] * self.bid_price.size + ["ask"] * self.ask_price.size,
            "price": np.concatenate((self.bid_price, self.ask_price)),
            "size": np.concatenate((self.bid_size, self.ask_size)),
        })


def read_orderbook(path_or_buffer, *, max_bytes: int | None = None) -> OrderBook:
    """An OrderBook from a CSV or Parquet file with columns side (bid/ask, also buy/sell),
    price and size (units of the asset). Bad rows raise ValueError naming them as a
    spreadsheet shows them (header = row 1)."""
    table = read_table(path_or_buffer, required=ORDERBOOK_COLUMNS, max_bytes=max_bytes)
    errors = TableErrors(table.name)
    side = words_to_numbers(table.frame["side"], {**BID_WORDS, **ASK_WORDS})
    errors.add("side", np.isnan(side), table.frame["side"], "is not bid or ask")
    price = errors.numbers(table.frame, "price", positive=True)
    size = errors.numbers(table.frame, "size", positive=True)
    with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN: flagged here or above
        too_big = np.isfinite(price) & np.isfinite(size) & ~(price * size <= MAX_MONEY)
    errors.add("size", too_big, table.frame["size"],
               f"x its price is above {MAX_MONEY:g} of notional, the most one level may hold")
    errors.raise_if_any()
    is_bid = side == 1
    levels = np.column_stack((price, size))
    return OrderBook.from_levels(levels[is_bid], levels[~is_bid])
