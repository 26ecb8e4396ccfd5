"""The cascade (MODEL.md section 4), computed on each side's book sorted by liquidation price.

Under a fall only longs can be liquidated and the price only falls further (forced selling
pushes it down); under a rise only shorts, and the price only rises. So on each side the
positions a wave reaches are the next run of that side's book in liquidation-price order,
and a wave costs one binary search plus prefix sums instead of one pass over the whole book.
The order is built lazily (see _SideBook): a cascade sorts only as far as it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._checks import number_in
from .market import Market
from .population import Population

# The first time a wave needs positions beyond what is sorted, those up to this far
# (relative to P0) past the price are sorted; each later extension reaches twice as far.
FIRST_SORT_REACH = 0.005

# The price never reaches zero: after a wave it is at least P0 * PRICE_FLOOR (or the
# shocked price, if the shock alone went lower). Every long's liquidation price is at
# least e * m, so at the floor the remaining longs liquidate and the cascade ends.
PRICE_FLOOR = 1e-6

WAVE_COLUMNS = [
    "wave", "trigger_price", "price", "move", "count", "notional",
    "long_count", "short_count", "long_notional", "short_notional",
    "flow", "cumulative_notional", "cumulative_flow", "notional_ratio",
]


def _running_sum(start: float, values: np.ndarray) -> np.ndarray:
    """[start, start + v0, start + v0 + v1, ...], added left to right (np.cumsum is a
    sequential accumulate), so splitting `values` never changes a sum."""
    return np.cumsum(np.concatenate(([start], values)))


class _SideBook:
    """One side of the book, sorted by when a move reaches it (nearest first), lazily.

    key: for longs -liq, for shorts +liq; a position is reached at price p when
    key <= -sign * p. Only positions with key <= `frontier` are sorted; the rest wait
    unsorted and are pulled in by value ranges that double each time, so a cascade that
    stops early never pays for sorting the book, and one that runs far sorts it in a
    handful of passes. cum_flow / cum_notional: prefix sums (quote currency, leading 0)
    of the forced flow at P0 (q_i * P0) and of the notional, in reach order.
    """

    def __init__(self, sign: int, key: np.ndarray, notional: np.ndarray,
                 entry_price: np.ndarray, reference_price: float):
        self.sign = sign
        self._notional, self._entry, self._p0 = notional, entry_price, reference_price
        self._rest_key = key              # +inf marks the other side's positions
        self._rest_index = None           # None: the identity (rest is the whole book)
        self._nearest = float(key.min(initial=np.inf))
        self._step = FIRST_SORT_REACH * reference_price
        self.frontier = -np.inf
        self.order = np.empty(0, dtype=np.int64)
        self.key = np.empty(0)
        self.cum_flow = np.zeros(1)
        self.cum_notional = np.zeros(1)

    def query(self, price):
        """The key-space threshold for `price`: reached positions have key <= query."""
        return -self.sign * np.asarray(price, dtype=np.float64)

    def reached(self, price):
        """How many of this side's positions are at or past liquidation at `price`
        (scalar or array)."""
        query = self.query(price)
        highest = float(np.max(query)) if query.size else -np.inf
        if highest < self._nearest:
            return np.zeros(query.shape, dtype=np.int64) if query.ndim else 0
        if highest > self.frontier:
            self._sort_through(highest + self._step)
            self._step *= 2.0
        return np.searchsorted(self.key, query, side="right")

    def complete(self) -> "_SideBook":
        """Sort every remaining position of this side (for whole-book theory)."""
        if np.isfinite(self._rest_key).any():
            self._sort_through(np.inf)
        return self

    def _sort_through(self, limit: float) -> None:
        taken_mask = self._rest_key <= limit
        taken = np.flatnonzero(taken_mask)
        index = taken if self._rest_index is None else self._rest_index[taken]
        keys = self._rest_key[taken]
        ranking = np.argsort(keys, kind="stable")
        index, keys = index[ranking], keys[ranking]
        flow = self._notional[index] / self._entry[index] * self._p0
        self.order = np.concatenate((self.order, index))
        self.key = np.concatenate((self.key, keys))
        # Each prefix sum continues from the last one (a cumsum seeded with it), so the sums
        # are those of one pass over the whole sorted side, bit for bit, however the sort
        # was split: a book gives the same numbers whatever it was asked before.
        self.cum_flow = np.concatenate((self.cum_flow[:-1], _running_sum(self.cum_flow[-1], flow)))
        self.cum_notional = np.concatenate(
            (self.cum_notional[:-1], _running_sum(self.cum_notional[-1], self._notional[index])))
        kept = np.flatnonzero(~taken_mask & (self._rest_key < np.inf))
        self._rest_index = kept if self._rest_index is None else self._rest_index[kept]
        self._rest_key = self._rest_key[kept]
        self.frontier = limit


class LiquidationBook:
    """A population prepared for cascades on one market: validate once, run many shocks.

    Each side is sorted lazily (see _SideBook), so a cascade that never touches the
    shorts never pays for them, and one that stops after two waves sorts a sliver.
    """

    def __init__(self, population: Population, market: Market):
        self.population = population
        self.market = market
        self.liquidation_price = population.liquidation_price(market.maintenance_margin)
        population.check_alive(market.price, market.maintenance_margin,
                               liquidation_price=self.liquidation_price)
        is_long = population.is_long
        args = (population.notional, population.entry_price, market.price)
        self.longs = _SideBook(1, np.where(is_long, -self.liquidation_price, np.inf), *args)
        self.shorts = _SideBook(-1, np.where(is_long, np.inf, self.liquidation_price), *args)

    def side(self, direction: int) -> _SideBook:
        """The side a move in `direction` (-1 fall, +1 rise) reaches: longs, or shorts."""
        return self.longs if direction < 0 else self.shorts

    def reached(self, price: float) -> tuple[int, int]:
        """(longs, shorts) at or past their liquidation price at `price`."""
        return int(self.longs.reached(price)), int(self.shorts.reached(price))

    def net_flow(self, n_long: int, n_short: int) -> float:
        """Net sold flow Q (quote currency at P0) once the first n_long longs and
        n_short shorts (in reach order) are liquidated."""
        return float(self.longs.cum_flow[n_long] - self.shorts.cum_flow[n_short])

    def price_after(self, shock: float, net_flow: float) -> float:
        """P = P0 * (1 + s - I(Q)), never below the floor documented at PRICE_FLOOR."""
        p0 = self.market.price
        floor = p0 * min(PRICE_FLOOR, 1.0 + shock)
        return max(p0 * (1.0 + shock - self.market.price_impact(net_flow)), floor)

    def run(self, shock: float) -> "CascadeResult":
        """The cascade after a relative shock s > -1 (negative = the price falls)."""
        shock = number_in("shock", shock, low=-1.0, low_open=True)
        p0 = self.market.price
        trigger = p0 * (1.0 + shock)
        reached_long, reached_short = [0], [0]
        prices, triggers = [], []
        while True:
            n_long, n_short = self.reached(trigger)
            n_long, n_short = max(n_long, reached_long[-1]), max(n_short, reached_short[-1])
            if n_long == reached_long[-1] and n_short == reached_short[-1]:
                break
            reached_long.append(n_long)
            reached_short.append(n_short)
            triggers.append(trigger)
            trigger = self.price_after(shock, self.net_flow(n_long, n_short))
            prices.append(trigger)
        return CascadeResult(
            shock=shock,
            market=self.market,
            population=self.population,
            price_path=np.array([p0, p0 * (1.0 + shock), *prices]),
            waves=self._wave_table(np.array(reached_long), np.array(reached_short),
                                   np.array(triggers), np.array(prices)),
            liquidated_in=self._wave_labels(reached_long, reached_short),
        )

    @staticmethod
    def _side_totals(side: _SideBook, reached: np.ndarray):
        return (np.diff(reached), np.diff(side.cum_notional[reached]),
                np.diff(side.cum_flow[reached]))

    def _wave_table(self, reached_long, reached_short, triggers, prices) -> pd.DataFrame:
        long_count, long_notional, long_flow = self._side_totals(self.longs, reached_long)
        short_count, short_notional, short_flow = self._side_totals(self.shorts, reached_short)
        notional = long_notional + short_notional
        flow = long_flow - short_flow
        previous = np.concatenate(([np.nan], notional[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = notional / previous
        return pd.DataFrame({
            "wave": np.arange(1, prices.size + 1),
            "trigger_price": triggers,
            "price": prices,
            "move": prices / self.market.price - 1.0,
            "count": long_count + short_count,
            "notional": notional,
            "long_count": long_count,
            "short_count": short_count,
            "long_notional": long_notional,
            "short_notional": short_notional,
            "flow": flow,
            "cumulative_notional": np.cumsum(notional),
            "cumulative_flow": np.cumsum(flow),
            "notional_ratio": ratio,
        }, columns=WAVE_COLUMNS)

    def _wave_labels(self, reached_long, reached_short) -> np.ndarray:
        labels = np.full(len(self.population), -1, dtype=np.int64)
        for side, reached in ((self.longs, reached_long), (self.shorts, reached_short)):
            if reached[-1]:
                waves = np.repeat(np.arange(1, len(reached)), np.diff(reached))
                labels[side.order[: reached[-1]]] = waves
        return labels


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """What one cascade did (MODEL.md section 4).

    price_path:    [P0, P0(1+s), P_1, ..., P_K] (quote currency per unit).
    waves:         one row per wave k >= 1; columns WAVE_COLUMNS: trigger_price (the price
                   that set the wave off), price (P_k, after it), move (P_k/P0 - 1), count and
                   notional (quote currency at entry), long/short apart, flow (net sold at
                   P0), cumulative sums, notional_ratio (notional_k / notional_{k-1}: how
                   much larger each wave was than the last; not the theory's R).
    liquidated_in: per position, the wave that liquidated it; -1 = survived.
    """

    shock: float
    market: Market
    population: Population = field(repr=False)
    price_path: np.ndarray = field(repr=False)
    waves: pd.DataFrame = field(repr=False)
    liquidated_in: np.ndarray = field(repr=False)

    @property
    def final_price(self) -> float:
        return float(self.price_path[-1])

    @property
    def total_move(self) -> float:
        """x = P_K / P0 - 1 (negative = a fall)."""
        return self.final_price / self.market.price - 1.0

    @property
    def amplification(self) -> float:
        """x / s: how many times the shock the price finally moved. At s = 0 nothing is
        liquidated (every position starts alive) and x = 0: this is 1.0, the limit of x / s as
        s -> 0, since a shock smaller than the nearest liquidation distance leaves x = s."""
        return self.total_move / self.shock if self.shock != 0 else 1.0

    @property
    def wave_count(self) -> int:
        return int(len(self.waves))

    @property
    def liquidated(self) -> np.ndarray:
        return self.liquidated_in >= 0

    @property
    def liquidated_notional(self) -> float:
        return float(self.population.notional[self.liquidated].sum())

    @property
    def liquidated_share(self) -> float:
        """Share of total open interest (notional at entry) liquidated, in [0, 1]."""
        return self.liquidated_notional / float(self.population.notional.sum())

    def positions_frame(self) -> pd.DataFrame:
        """One row per position with its liquidation price and wave (-1 = survived)."""
        frame = self.population.to_frame(self.market.maintenance_margin)
        frame["liquidated_in_wave"] = self.liquidated_in
        return frame


def simulate(population: Population, market: Market, shock: float) -> CascadeResult:
    """Run the liquidation cascade set off by a relative `shock` (MODEL.md section 4)."""
    return LiquidationBook(population, market).run(shock)
