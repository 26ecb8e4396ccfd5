"""The cascade (MODEL.md section 4), computed on positions sorted once by liquidation price.

Under a fall only longs can be liquidated and the price only falls further (forced selling
pushes it down); under a rise only shorts, and the price only rises. So on each side the
positions a wave reaches are the next run of that side's book sorted by liquidation price,
and a wave costs one binary search plus prefix sums: O(log n) per wave after one sort,
instead of one pass over the whole book per wave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ._checks import number_in
from .market import Market
from .population import Population

# The price never reaches zero: after a wave it is at least P0 * PRICE_FLOOR (or the
# shocked price, if the shock alone went lower). Every long's liquidation price is at
# least e * m, so at the floor the remaining longs liquidate and the cascade ends.
PRICE_FLOOR = 1e-6

WAVE_COLUMNS = [
    "wave", "trigger_price", "price", "move", "count", "notional",
    "long_count", "short_count", "long_notional", "short_notional",
    "flow", "cumulative_notional", "cumulative_flow", "branching_ratio",
]


@dataclass(frozen=True)
class _SortedSide:
    """One side of the book, ordered by when a move reaches it (nearest first).

    key:  for longs -liq, for shorts +liq; a position is reached at price p when
          key <= -p (long) or key <= p (short), so `searchsorted(key, ±p, "right")`
          counts the reached positions.
    cum_flow / cum_notional: prefix sums (quote currency) in that order, with a leading 0.
    """

    sign: int
    order: np.ndarray
    key: np.ndarray
    cum_flow: np.ndarray
    cum_notional: np.ndarray

    def reached(self, price):
        """How many of this side's positions are at or past liquidation at `price`."""
        return np.searchsorted(self.key, -self.sign * np.asarray(price, dtype=np.float64),
                               side="right")

    @property
    def size(self) -> int:
        return int(self.key.size)


def _sort_side(mask: np.ndarray, sign: int, liq: np.ndarray, flow: np.ndarray,
               notional: np.ndarray) -> _SortedSide:
    members = np.flatnonzero(mask)
    raw_key = -liq[members] if sign > 0 else liq[members]
    ranking = np.argsort(raw_key)
    order = members[ranking]
    return _SortedSide(
        sign=sign,
        order=order,
        key=raw_key[ranking],
        cum_flow=np.concatenate(([0.0], np.cumsum(flow[order]))),
        cum_notional=np.concatenate(([0.0], np.cumsum(notional[order]))),
    )


class LiquidationBook:
    """A population prepared for cascades on one market: validate once, run many shocks.

    Each side is sorted lazily, the first time a price reaches it, so a cascade that
    never touches the shorts never pays for sorting them.
    """

    def __init__(self, population: Population, market: Market):
        population.check_alive(market.price, market.maintenance_margin)
        self.population = population
        self.market = market
        self.liquidation_price = population.liquidation_price(market.maintenance_margin)
        self.flow = population.quantity * market.price
        is_long = population.is_long
        self._long_mask = is_long
        self._highest_long_liq = float(self.liquidation_price[is_long].max(initial=-np.inf))
        self._lowest_short_liq = float(self.liquidation_price[~is_long].min(initial=np.inf))

    @cached_property
    def longs(self) -> _SortedSide:
        return _sort_side(self._long_mask, 1, self.liquidation_price, self.flow,
                          self.population.notional)

    @cached_property
    def shorts(self) -> _SortedSide:
        return _sort_side(~self._long_mask, -1, self.liquidation_price, self.flow,
                          self.population.notional)

    def reached(self, price: float) -> tuple[int, int]:
        """(longs, shorts) at or past their liquidation price at `price`."""
        n_long = int(self.longs.reached(price)) if price <= self._highest_long_liq else 0
        n_short = int(self.shorts.reached(price)) if price >= self._lowest_short_liq else 0
        return n_long, n_short

    def net_flow(self, n_long: int, n_short: int) -> float:
        """Net sold flow Q (quote currency at P0) once the first n_long longs and
        n_short shorts (in reach order) are liquidated."""
        sold = self.longs.cum_flow[n_long] if n_long else 0.0
        bought = self.shorts.cum_flow[n_short] if n_short else 0.0
        return sold - bought

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

    def _side_totals(self, side_name: str, reached: np.ndarray):
        if reached[-1] == 0:
            zeros = np.zeros(reached.size - 1)
            return zeros.astype(np.int64), zeros, zeros
        side = getattr(self, side_name)
        return (np.diff(reached), np.diff(side.cum_notional[reached]),
                np.diff(side.cum_flow[reached]))

    def _wave_table(self, reached_long, reached_short, triggers, prices) -> pd.DataFrame:
        long_count, long_notional, long_flow = self._side_totals("longs", reached_long)
        short_count, short_notional, short_flow = self._side_totals("shorts", reached_short)
        notional = long_notional + short_notional
        flow = long_flow - short_flow
        previous = np.concatenate(([np.nan], notional[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            branching = notional / previous
        table = pd.DataFrame({
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
            "branching_ratio": branching,
        }, columns=WAVE_COLUMNS)
        return table

    def _wave_labels(self, reached_long, reached_short) -> np.ndarray:
        labels = np.full(len(self.population), -1, dtype=np.int64)
        for side_name, reached in (("longs", reached_long), ("shorts", reached_short)):
            if reached[-1]:
                side = getattr(self, side_name)
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
                   P0), cumulative sums, branching_ratio (notional_k / notional_{k-1}).
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
        """x / s: how many times the shock the price finally moved; NaN when s = 0."""
        return self.total_move / self.shock if self.shock != 0 else float("nan")

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
