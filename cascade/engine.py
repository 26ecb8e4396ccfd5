"""The cascade (docs/model.md, Shock and waves): a wave needs the sums and the set of what it
reaches, not their order.

Under a fall only longs can be liquidated and the price only falls further (forced selling
pushes it down); under a rise only shorts, and the price only rises. So on each side the
positions a wave reaches are those whose liquidation price lies between the price before
the wave and the price after the one before it: a run of the side's book in
liquidation-price order.

A cascade picks its first waves with a mask over the side's positions (one pass each, as
the plain scan does, but without re-testing what earlier waves took). Once MASK_WAVES
waves have taken something it has shown it is long, and the positions left are sorted
lazily, by value ranges that start at a few times the last wave's move and double (see
_SideBook, _Sweep), so every later wave is a binary search plus prefix sums. A short
cascade never pays for a sort; a long one pays for sorting about the part it reaches.
Theory (cascade/theory.py) sorts a whole side once with complete(); a cascade on a book
whose side is sorted reads its waves from that order directly. Which positions a wave
takes never depends on the path; the flow sums may differ in the last bits between paths
(the plain reference agrees with each to 1e-12).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ._checks import number_in, reject_where, shown
from .market import Market
from .population import Population
from .tiers import maintenance_rates, slices
from .venue import Ledger, adl_ranking, settle

# Waves a cascade selects with a mask over the side's unsorted positions before it sorts
# the rest. A mask pass over n positions costs a few tens of times less than sorting them
# (1M floats: about 2 ms against 70 ms), so a cascade of up to this many waves costs the
# plain scan's passes (the last, empty one included) and never sorts, and a longer one
# pays these passes on top of the sort it needs.
MASK_WAVES = 4
# A mask wave that takes at least this share of the positions still unsorted drops them
# from the array later waves scan; smaller waves leave it and skip them by key.
COMPACT_SHARE = 0.25

# The first time a wave needs positions beyond what is sorted, those up to this far
# (relative to P0) past the price are sorted; each later extension reaches twice as far.
FIRST_SORT_REACH = 0.005
# A cascade that sorts the rest of a side starts with this many times the price move of
# its last wave (at most FIRST_SORT_REACH): the waves of a long cascade shrink, so the
# next ones reach about that far, and a dense crowd just past the price is not sorted
# for a wave that may take nothing.
TAIL_REACH = 8.0

# The price never reaches zero: after a wave it is at least P0 * PRICE_FLOOR (or the
# shocked price, if the shock alone went lower). Every long's liquidation price is at
# least e * m, so at the floor the remaining longs liquidate and the cascade ends.
PRICE_FLOOR = 1e-6

# The engine must be able to clear everything a move can reach (the whole side the shock
# hits: at the price floor every long is reached) in at most this many full steps: a
# capacity per step below side notional / MAX_FULL_STEPS is refused before the first step,
# naming the knob and the value to raise it to. A full step costs 0.1-1 ms (ADL's bisection
# and an order book's walk are the dear parts), so the capacity's share of a run stays
# under a second. (Scenario asks the same of its open interest.)
MAX_FULL_STEPS = 1000
# A backstop: a step-by-step cascade that has not cleared its queue after this many steps
# stops with a ValueError naming the capacity, never a hang. Past the MAX_FULL_STEPS guard
# only steps that empty the queue can add up, and each of those reaches a new unit.
MAX_STEPS = 200_000
# Bisection rounds that place the ADL split of a step (2^-60 of the step's notional).
ADL_ROUNDS = 60
# Columns the waves table adds when a venue mechanic is on (one row per engine step).
# (queued and fill_price whenever a mechanic is on; the rest when accounts are kept.)
VENUE_COLUMNS = ["queued", "fill_price", "fees", "pnl", "fund", "bad_debt", "adl_notional"]

# The timed engine for a market with the clock on (Market.timed): cascade/clock.py puts its
# run_timed here when it is imported (cascade/__init__ imports it), so this module needs no
# import of the module that builds on it.
_TIMED_ENGINE: list = []

WAVE_COLUMNS = [
    "wave", "trigger_price", "price", "move", "count", "notional",
    "long_count", "short_count", "long_notional", "short_notional",
    "flow", "cumulative_notional", "cumulative_flow", "notional_ratio",
]


def _running_sum(start: float, values: np.ndarray) -> np.ndarray:
    """[start, start + v0, start + v0 + v1, ...], added left to right (np.cumsum is a
    sequential accumulate), so splitting `values` never changes a sum."""
    return np.cumsum(np.concatenate(([start], values)))


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# A side book's sorted part before its first sort: no positions, prefix sums [0].
_NO_ORDER = _frozen(np.empty(0, dtype=np.int64))
_NO_KEY = _frozen(np.empty(0))
_NO_SUM = _frozen(np.zeros(1))


class _SideBook:
    """One side of the book, sorted by when a move reaches it (nearest first), lazily.

    key: for longs -liq, for shorts +liq; a position is reached at price p when
    key <= -sign * p (query(p)). Only positions with key <= `frontier` are sorted; the rest
    wait unsorted and are pulled in by value ranges that double each time, so whoever stops
    early never pays for sorting the side, and whoever goes far sorts it in a handful of
    passes. order: population indices in reach order; cum_flow / cum_notional: prefix sums
    (quote currency, leading 0) of the forced flow at P0 (q_i * P0) and of the notional.

    The unsorted rest is `rest_key` (population indices `rest_index`, None: the identity)
    without the keys <= `below` (sorted or taken already) and the +inf keys (the other
    side's positions); it is compacted only when a pass takes a large share of it, so a
    pass that sorts a sliver costs two comparisons over it. A side built over part of a
    book passes its index and `below`. Sorting takes a lock and replaces arrays rather
    than writing into them, so sessions may share a book.
    """

    def __init__(self, sign: int, key: np.ndarray, notional: np.ndarray,
                 entry_price: np.ndarray, reference_price: float,
                 index: np.ndarray | None = None, below: float = -np.inf,
                 first_reach: float | None = None, flows: np.ndarray | None = None):
        self.sign = sign
        self._flows = flows
        self._notional, self._entry, self._p0 = notional, entry_price, reference_price
        self.rest_key, self.rest_index, self.below = key, index, below
        # nothing at or below `below` is on this side; otherwise the nearest key
        self._nearest = float(key.min(initial=np.inf)) if below == -np.inf else below
        reach = FIRST_SORT_REACH * reference_price
        self._step = reach if first_reach is None else min(first_reach, reach)
        self._lock = threading.Lock()
        self.frontier = -np.inf
        # nothing sorted yet: shared read-only arrays (sorting replaces them, never writes)
        self.order, self.key = _NO_ORDER, _NO_KEY
        self.cum_flow, self.cum_notional = _NO_SUM, _NO_SUM

    def query(self, price):
        """The key-space threshold for `price`: reached positions have key <= query."""
        return -self.sign * np.asarray(price, dtype=np.float64)

    def flow(self, index: np.ndarray) -> np.ndarray:
        """Forced flow q_i * P0 = n_i / e_i * P0 (quote currency) of positions `index`."""
        return self.all_flows()[index]

    def all_flows(self) -> np.ndarray:
        """q_i * P0 of every position of the population, in population order (computed once,
        and shared with the tail a long cascade sorts)."""
        if self._flows is None:
            flows = np.divide(self._notional, self._entry)
            flows *= self._p0
            self._flows = flows
        return self._flows

    def reached(self, price):
        """How many of this side's positions are at or past liquidation at `price`
        (scalar or array), sorting as far as needed."""
        query = self.query(price)
        highest = float(np.max(query, initial=-np.inf))
        if highest < self._nearest:
            return np.zeros(query.shape, dtype=np.int64) if query.ndim else 0
        with self._lock:
            if highest > self.frontier:
                self._sort_through(highest + self._step)
                self._step *= 2.0
        return np.searchsorted(self.key, query, side="right")

    def complete(self) -> "_SideBook":
        """Sort every remaining position of this side (for whole-book theory)."""
        with self._lock:
            if self.frontier < np.inf:
                self._sort_through(np.inf)
        return self

    def snapshot(self) -> tuple:
        """(frontier, key, order, cum_flow, cum_notional, rest_key, rest_index, below) as
        they are now, consistent with each other."""
        with self._lock:
            return (self.frontier, self.key, self.order, self.cum_flow, self.cum_notional,
                    self.rest_key, self.rest_index, self.below)

    def _sort_through(self, limit: float) -> None:
        rest = self.rest_key
        taken_mask = rest <= limit if limit < np.inf else rest < np.inf
        if self.below > -np.inf:
            taken_mask &= rest > self.below
        taken = np.flatnonzero(taken_mask)
        index = taken if self.rest_index is None else self.rest_index[taken]
        keys = rest[taken]
        ranking = np.argsort(keys)  # ties may come in any order: a wave takes them all
        index, keys = index[ranking], keys[ranking]
        order = np.concatenate((self.order, index))
        key = np.concatenate((self.key, keys))
        # Each prefix sum continues from the last one (a cumsum seeded with it), so the sums
        # are those of one pass over the whole sorted side, bit for bit, however the sort
        # was split: a book gives the same numbers whatever it was asked before.
        cum_flow = np.concatenate((self.cum_flow[:-1], _running_sum(self.cum_flow[-1],
                                                                    self.flow(index))))
        cum_notional = np.concatenate(
            (self.cum_notional[:-1], _running_sum(self.cum_notional[-1], self._notional[index])))
        if limit == np.inf or taken.size >= COMPACT_SHARE * rest.size:
            kept = np.flatnonzero((rest > limit) & (rest < np.inf))
            self.rest_index = kept if self.rest_index is None else self.rest_index[kept]
            self.rest_key, self.below = rest[kept], -np.inf
        else:
            self.below = limit
        self.order, self.key, self.cum_flow, self.cum_notional = order, key, cum_flow, cum_notional
        self.frontier = limit


@dataclass(frozen=True)
class _WaveSum:
    """What one wave took from one side: count, notional (quote currency at entry) and
    forced flow at P0 (quote currency), each summed by np.sum over the wave's positions in
    population order. That order does not depend on how the wave found them (mask, sorted
    part, sorted tail), so a cascade's numbers are the same on a fresh book and on one that
    theory has sorted, and the same as the plain scan's (cascade/reference.py)."""
    count: int = 0
    notional: float = 0.0
    flow: float = 0.0


class _Sweep:
    """One cascade's way through one side: which of its positions the waves so far took.

    The side's sorted part (keys up to its frontier) is read by binary search. Past it, the
    first MASK_WAVES waves take what they reach with a mask over the unsorted keys (keys
    <= `below` were taken already); from then on the cascade has shown it is long, and
    what is left becomes a lazily sorted _SideBook of its own (`tail`). The side itself is
    only read (a snapshot of it), so many cascades can run on one book at once.
    """

    def __init__(self, side: _SideBook):
        self.side = side
        (self.frontier, self.key, self.order, self.cum_flow, self.cum_notional,
         self.rest_key, self.rest_index, self.below) = side.snapshot()
        self.sorted_taken = 0
        self.last_query = -np.inf
        self.mask_waves = 0
        self.tail: _SideBook | None = None
        self.tail_taken = 0

    def wave(self, query: float, labels: np.ndarray | None, number: int) -> _WaveSum:
        """Liquidate every position not yet taken whose key is <= query: write `number`
        into their labels (unless labels is None) and return their sums."""
        if query < self.side._nearest:
            return _WaveSum()
        parts = []  # population indices taken, each part from one way of finding them
        end = self.key.size if query > self.frontier else int(
            self.key.searchsorted(query, side="right"))
        if end > self.sorted_taken:
            parts.append(self.order[self.sorted_taken:end])
            self.sorted_taken = end
        ascending = False
        if query > self.frontier and query > self.below:
            if self.tail is None and self.mask_waves >= MASK_WAVES:
                self._sort_the_rest(first_reach=TAIL_REACH * (query - self.last_query))
            if self.tail is None:
                masked = self._mask_wave(query)
                if masked.size:
                    parts.append(masked)
                    ascending = len(parts) == 1
            else:
                tail = self.tail
                end = int(tail.reached(-tail.sign * query))
                if end > self.tail_taken:
                    parts.append(tail.order[self.tail_taken:end])
                    self.tail_taken = end
        self.last_query = query
        if not parts:
            return _WaveSum()
        if ascending:
            index = parts[0]
        else:  # a new array, sorted in place
            index = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
            index.sort()
        if labels is None:  # final_move: only the flow moves the price
            return _WaveSum(int(index.size), float("nan"), float(self.side.flow(index).sum()))
        labels[index] = number
        return _WaveSum(int(index.size), float(self.side._notional[index].sum()),
                        float(self.side.flow(index).sum()))

    def _mask_wave(self, query: float) -> np.ndarray:
        """Population indices (ascending) of the unsorted positions with key <= query."""
        key = self.rest_key
        hit = key <= query
        if self.below > -np.inf:
            hit &= key > self.below
        where = np.flatnonzero(hit)
        self.below = query
        if where.size == 0:
            return where
        self.mask_waves += 1
        index = where if self.rest_index is None else self.rest_index[where]
        if index.size >= COMPACT_SHARE * key.size:
            kept = np.flatnonzero((key > query) & (key < np.inf))
            self.rest_key = key[kept]
            self.rest_index = kept if self.rest_index is None else self.rest_index[kept]
            self.below = -np.inf
        return index

    def _sort_the_rest(self, first_reach: float) -> None:
        side = self.side
        self.tail = _SideBook(side.sign, self.rest_key, side._notional, side._entry, side._p0,
                              index=self.rest_index, below=self.below, first_reach=first_reach,
                              flows=side.all_flows())


class LiquidationBook:
    """A population prepared for cascades on one market: validate once, run many shocks.

    A side is built only when a move can reach it (a fall never reaches a short: every
    short is alive at P0, above which its liquidation price sits), and sorted only as far
    as theory asks (see _SideBook). run() leaves the book as it was, so one book can serve
    many cascades (from several threads), and with_market() shares both sides with the
    same book on another depth or impact. The liquidation prices are read-only.

    With venue mechanics that walk a queue (engine_capacity, engine_capacity_share, adl,
    mm_tiers, recovery_half_life; see _run_steps), two rules hold:
    - Once queued, finished. A position (or tier slice) whose liquidation price has been
      reached is taken over by the engine and joins the queue; it stays there until it is
      executed, even if the book refills and lifts the price back above its liquidation
      price. A run ends with the queue empty, and the waves' notional, liquidated_in, the
      insurance fund and bad debt all count the same executions.
    - Refused, not slow. The engine must be able to clear the side the shock hits in at
      most MAX_FULL_STEPS full steps (capacity per step >= that side's notional / 1,000),
      whatever made the book (synthetic, uploaded) or set the capacity (engine_capacity,
      or engine_capacity_share of an order book's 1% depth); otherwise run() raises a
      ValueError before the first step, naming the knob and the value to raise it to.
    """

    def __init__(self, population: Population, market: Market,
                 liquidation_price: np.ndarray | None = None):
        self.population = population
        self.market = market
        # The units the engine liquidates: the positions, or (with mm_tiers) their slices.
        self.units, self.owner, self.unit_bankruptcy, self.unit_last = population, None, None, None
        if market.mm_tiers is not None:
            liquidation_price = self._slice_positions(liquidation_price)
        elif liquidation_price is None:
            liquidation_price = population.liquidation_price(market.maintenance_margin)
            population.check_alive(market.price, market.maintenance_margin,
                                   liquidation_price=liquidation_price)
            liquidation_price.setflags(write=False)
        self.liquidation_price = liquidation_price
        if self.owner is None:
            self.unit_liquidation_price = liquidation_price
        # Whole-book results of theory on this market (cascade/theory.py), by their arguments.
        self.memo: dict = {}

    def _slice_positions(self, given) -> np.ndarray:
        """mm_tiers: split every position into its liquidation slices (cascade/tiers.py);
        return the positions' first liquidation prices. Validates each position against
        its tier's rate (1/L must exceed it) and the start price."""
        pop, market = self.population, self.market
        rates = maintenance_rates(pop.notional, market.mm_tiers)
        reject_where("mm_tiers", 1.0 / pop.leverage <= rates, pop.leverage,
                     "are positions whose leverage leaves no margin above their tier's "
                     "maintenance rate (1/L must exceed it)", value_label="leverages")
        owner, notional, liq, bankrupt, last = slices(pop.leverage, pop.notional, pop.side,
                                                      pop.entry_price, market.mm_tiers)
        # A long's later slice can be so over-collateralised that its price is <= 0; it then
        # liquidates at the price floor, as every remaining long does (PRICE_FLOOR).
        liq = np.where(pop.side[owner] > 0, np.maximum(liq, market.price * PRICE_FLOOR), liq)
        first = np.concatenate(([True], owner[1:] != owner[:-1]))
        liquidation_price = liq[first] if given is None else given
        pop.check_alive(market.price, 0.0, liquidation_price=liquidation_price)
        self.units = Population(pop.leverage[owner], notional, pop.side[owner],
                                pop.entry_price[owner])
        self.owner, self.unit_bankruptcy, self.unit_last = owner, bankrupt, last
        liq.setflags(write=False)
        self.unit_liquidation_price = liq
        liquidation_price = np.array(liquidation_price)
        liquidation_price.setflags(write=False)
        return liquidation_price

    @cached_property
    def longs(self) -> _SideBook:
        return self._side_book(1)

    @cached_property
    def shorts(self) -> _SideBook:
        return self._side_book(-1)

    def _side_book(self, sign: int) -> _SideBook:
        population = self.units
        # key = -sign * liq on this side, +inf on the other: inf or 0 by side (a table
        # lookup, not a branch per position), then minus (longs) or plus (shorts) liq, which
        # leaves -liq, liq and inf exactly
        here = population.side == sign
        key = np.array([np.inf, 0.0]).take(here.view(np.uint8))
        if sign > 0:
            key -= self.unit_liquidation_price
        else:
            key += self.unit_liquidation_price
        return _SideBook(sign, key, population.notional, population.entry_price,
                         self.market.price)

    def with_market(self, market: Market) -> "LiquidationBook":
        """The same book on another depth or impact model, sharing its sides (and so
        whatever theory sorts on either book); the price and maintenance margin must be
        the same: they decide the order."""
        if (market.price, market.maintenance_margin, market.mm_tiers) != (
                self.market.price, self.market.maintenance_margin, self.market.mm_tiers):
            raise ValueError("market: with_market needs the same price, maintenance margin "
                             "and mm_tiers")
        other = LiquidationBook(self.population, market, self.liquidation_price)
        other.__dict__["longs"], other.__dict__["shorts"] = self.longs, self.shorts
        return other

    def side(self, direction: int) -> _SideBook:
        """The side a move in `direction` (-1 fall, +1 rise) reaches: longs, or shorts."""
        return self.longs if direction < 0 else self.shorts

    def price_after(self, shock: float, net_flow: float) -> float:
        """P = P0 * (1 + s - I(Q)), never below the floor documented at PRICE_FLOOR.

        A rise has no ceiling, so forced buying into a book too thin for it can carry P past
        the largest float: a ValueError naming the depth (or the book), never an infinite
        price. (A Scenario's bounds keep P below about 1e15 x P0.)"""
        p0 = self.market.price
        floor = p0 * min(PRICE_FLOOR, 1.0 + shock)
        price = max(p0 * (1.0 + shock - self.market.price_impact(net_flow)), floor)
        if not price < math.inf:
            raise ValueError(f"{_too_thin(self.market)}: its forced buying of {-net_flow:.3g} "
                             f"(quote currency at P0) moves the price past the largest float")
        return price

    def _waves(self, shock: float, labels: np.ndarray | None):
        """The cascade's waves: (sums per wave, trigger prices, prices after each wave);
        labels (if given) receive each liquidated position's wave."""
        trigger = self.market.price * (1.0 + shock)
        # Prices only move away from P0 in the shock's direction, so only one side is hit.
        sweep = _Sweep(self.side(-1 if shock < 0 else 1)) if shock != 0 else None
        rows, triggers, prices = [], [], []
        net_flow = 0.0
        while sweep is not None:
            taken = sweep.wave(-sweep.side.sign * trigger, labels, len(rows) + 1)
            if taken.count == 0:
                break
            rows.append(taken)
            net_flow += sweep.side.sign * taken.flow
            triggers.append(trigger)
            trigger = self.price_after(shock, net_flow)
            prices.append(trigger)
        return rows, triggers, prices

    def run(self, shock: float) -> "CascadeResult":
        """The cascade after a relative shock s > -1 (negative = the price falls)."""
        shock = number_in("shock", shock, low=-1.0, low_open=True)
        if self.market.timed:  # the clock (engine_rate, ...): the jump path, in ticks
            return _TIMED_ENGINE[0](self, shock)
        if self.market.step_by_step:
            return self._run_steps(shock)
        p0 = self.market.price
        labels = np.full(len(self.population), -1, dtype=np.int64)
        rows, triggers, prices = self._waves(shock, labels)
        if self.market.keeps_accounts:
            return self._with_accounts(shock, rows, triggers, prices, labels)
        return CascadeResult(
            shock=shock,
            market=self.market,
            population=self.population,
            price_path=np.array([p0, p0 * (1.0 + shock), *prices]),
            # built on first read of result.waves (most callers read the path and the
            # labels only; a DataFrame costs about 0.1 ms, a short cascade on 10K less)
            waves=_LazyWaves(rows, 1 if shock < 0 else -1, triggers, prices, p0),
            liquidated_in=labels,
            queue_path=np.zeros(len(prices)),
        )

    def final_move(self, shock: float) -> tuple[float, int]:
        """(x, waves) of run(shock), bit for bit, without the per-position labels or the wave
        table: for sweeps over many shocks on one book."""
        shock = number_in("shock", shock, low=-1.0, low_open=True)
        p0 = self.market.price
        if self.market.timed:  # the timed engine's summary: no tables built
            return _TIMED_ENGINE[0](self, shock, _summary=True)
        if self.market.step_by_step:
            result = self.run(shock)
            return result.total_move, result.wave_count
        prices = self._waves(shock, None)[2]
        final = prices[-1] if prices else p0 * (1.0 + shock)
        return final / p0 - 1.0, len(prices)

    # ------------------------------------------------------------ venue mechanics

    def _fill_price(self, shock: float, start_flow: float, end_flow: float) -> float:
        """VWAP of walking the book from consumed depth start_flow to end_flow (quote
        currency at P0): P0 * (1 + s - mean I), never below the price floor."""
        p0 = self.market.price
        floor = p0 * min(PRICE_FLOOR, 1.0 + shock)
        return max(p0 * (1.0 + shock - self.market.mean_impact(start_flow, end_flow)), floor)

    def _with_accounts(self, shock, rows, triggers, prices, labels) -> "CascadeResult":
        """A fund and a fee alone: the waves exactly as without them, settled afterwards
        (one step per wave), so accounting cannot touch the price path."""
        market, p0 = self.market, self.market.price
        sign = 1 if shock < 0 else -1  # the liquidated side: longs under a fall
        pop = self.population
        hit = labels >= 0
        count = len(rows) + 1
        quantity = np.bincount(labels[hit], weights=pop.quantity[hit], minlength=count)[1:]
        bankrupt = np.bincount(labels[hit], weights=(pop.bankruptcy_price() * pop.quantity)[hit],
                               minlength=count)[1:]
        ledger = _new_ledger(market)
        consumed, extra = 0.0, []
        for k, row in enumerate(rows):
            after = consumed + sign * row.flow
            fill = self._fill_price(shock, consumed, after)
            consumed = after
            extra.append(_settle_step(ledger, market, fill, quantity[k], bankrupt[k], sign, k + 1))
        waves = self._wave_table(rows, sign, np.array(triggers), np.array(prices))
        return self._venue_result(shock, np.array([p0, p0 * (1.0 + shock), *prices]), waves,
                                  labels, np.zeros(len(rows)), extra, ledger, 0)

    def _run_steps(self, shock: float) -> "CascadeResult":
        """The cascade step by step (engine_capacity, adl, mm_tiers, recovery_half_life).

        The side the shock hits is sorted whole (complete()): positions (or tier slices)
        are reached in that order, and the queue is the reached part not yet executed, most
        underwater first, so what has executed is always a prefix of the order, measured
        in notional at entry (the coordinate u). Step k:
          1. reach: every unit whose liquidation price the price before the step has
             reached joins the queue (the shocked price for step 1). A unit in the queue
             has been taken over by the engine: it stays there until it is executed, even
             if the book refills (recovery_half_life) and lifts the price back above its
             liquidation price. So the queue only grows at its back and is drained from
             its front, and a run ends with nothing queued;
          2. execute the queue's front, at most the capacity per step (a unit may execute
             in part: its quantity, flow and bankruptcy value count pro rata; it counts as
             liquidated in the step that finishes it); with adl, the front of that batch
             may be auto-deleveraged instead of sent to the book (cascade/venue.py);
          3. the flow sent to the book walks it from the consumed depth Q to Q + flow; all
             of the step's fills are at that walk's VWAP, and the price after the step is
             P0 (1 + s - I(Q + flow)) (the same price rule as the waves);
          4. between steps the consumed depth refills: Q <- Q * 2^(-1 / recovery_half_life).
        The cascade stops at the first step that finds the queue empty and reaches nothing
        new. Every unit the waves' notional counts is then liquidated whole (or, under
        tiers, is a finished slice), so the waves, liquidated_in, the fund and bad debt
        describe the same executions. With unlimited capacity,
        no ADL, no tiers and no recovery this is the waves of docs/model.md, Shock and waves.
        """
        market, p0 = self.market, self.market.price
        labels = np.full(len(self.population), -1, dtype=np.int64)
        ledger = _new_ledger(market) if market.keeps_accounts else None
        start = p0 * (1.0 + shock)
        if shock == 0:
            return self._venue_result(shock, np.array([p0, start]),
                                      self._wave_table([], 1, np.empty(0), np.empty(0)),
                                      labels, np.empty(0), [], ledger, 0)
        direction = -1 if shock < 0 else 1
        sign = -direction  # +1: longs sell
        side = self.side(direction).complete()
        _, key, order, cum_flow, cum_notional = side.snapshot()[:5]
        cum_bankrupt = self._cum_bankrupt(direction, order)
        cap = market.capacity_per_step(sign)
        _check_capacity(market, sign, cap, float(cum_notional[-1]))
        decay = 1.0 if market.recovery_half_life is None else 0.5 ** (1.0 / market.recovery_half_life)
        winners = None
        taken_from_winners = 0.0

        def at(u, cum):
            return float(np.interp(u, cum_notional, cum))

        rows, triggers, prices, queue, extra, fills = [], [], [], [], [], []
        trigger, consumed, executed, done, reach_u = start, 0.0, 0.0, 0, 0.0
        while True:
            reached = int(np.searchsorted(key, float(side.query(trigger)), side="right"))
            # What has been queued stays queued (taken over: see the docstring), so the
            # queue's end only moves on, even when the refilled book lifts the price back.
            reach_u = max(reach_u, float(cum_notional[reached]))
            if reach_u <= executed:
                break
            if len(rows) >= MAX_STEPS:
                raise ValueError(f"engine_capacity: {cap:g} per step leaves the queue "
                                 f"uncleared after {MAX_STEPS:,} steps; raise the capacity")
            upto = min(reach_u, executed + cap)
            flow_0, bq_0 = at(executed, cum_flow), at(executed, cum_bankrupt)
            flow_1, bq_1 = at(upto, cum_flow), at(upto, cum_bankrupt)
            split = executed  # [executed, split): auto-deleveraged; [split, upto): the book
            if ledger is not None and market.adl:
                split, winners, taken = self._adl_split(
                    shock, ledger, executed, upto, consumed, sign, at, cum_flow, cum_bankrupt,
                    winners, taken_from_winners, trigger, direction)
                taken_from_winners += taken
            flow_split, bq_split = at(split, cum_flow), at(split, cum_bankrupt)
            market_flow = flow_1 - flow_split
            after = consumed + sign * market_flow
            fill = self._fill_price(shock, consumed, after)
            price = self.price_after(shock, after)
            consumed = after * decay
            fills.append(fill)
            if ledger is not None:
                adl_value = bq_split - bq_0
                ledger.adl_quantity += (flow_split - flow_0) / p0
                ledger.adl_value += adl_value
                extra.append(_settle_step(ledger, market, fill, market_flow / p0,
                                          bq_1 - bq_split, sign, len(rows) + 1, adl_value))
            finished = int(np.searchsorted(cum_notional, upto, side="right")) - 1
            finished = max(finished, done)
            closed = self._closed_positions(order[done:finished])
            labels[closed] = len(rows) + 1
            rows.append(_WaveSum(int(closed.size), upto - executed, market_flow))
            done, executed = finished, upto
            queue.append(reach_u - upto)
            triggers.append(trigger)
            prices.append(price)
            trigger = price
        waves = self._wave_table(rows, sign, np.array(triggers), np.array(prices))
        deleveraged = 0 if winners is None else int(
            np.searchsorted(winners[1][:-1], taken_from_winners, side="left"))
        return self._venue_result(shock, np.array([p0, start, *prices]), waves, labels,
                                  np.array(queue), extra, ledger, deleveraged, fills)

    def _closed_positions(self, finished_units: np.ndarray) -> np.ndarray:
        """The positions whose last slice is among `finished_units` (themselves without
        tiers), ascending."""
        if self.owner is None:
            return np.sort(finished_units)
        return np.sort(self.owner[finished_units[self.unit_last[finished_units]]])

    def _cum_bankrupt(self, direction: int, order: np.ndarray) -> np.ndarray:
        """Prefix sums (leading 0) of b_i * q_i over the hit side in reach order; kept."""
        memo_key = ("bankrupt_value", direction)
        if memo_key not in self.memo:
            units = self.units
            bankrupt = (units.bankruptcy_price() if self.unit_bankruptcy is None
                        else self.unit_bankruptcy)
            self.memo[memo_key] = _running_sum(0.0, (bankrupt * units.quantity)[order])
        return self.memo[memo_key]

    def _adl_split(self, shock, ledger, lo, hi, consumed, sign, at, cum_flow, cum_bankrupt,
                   winners, taken_before, trigger, direction, fill_at=None, notional_axis=None):
        """Where the step's batch [lo, hi) splits into an auto-deleveraged front [lo, split)
        and a part for the book: the smallest split that keeps the fund >= 0, limited by
        what the ranked winners still hold. Returns (split, winners ranking, quantity
        taken from winners). `at(u, cum)` reads a prefix sum at u along `notional_axis`
        (the side's notional axis unless given); `fill_at(flow)` is the fill price when
        `flow` (quote currency at P0) of the batch goes to the book (unless given, the walk
        from `consumed` to consumed + sign * flow at shock `shock`). The timed engine
        (cascade/clock.py) passes its tick's batch and fill."""
        market, p0 = self.market, self.market.price
        flow_hi, bq_hi = at(hi, cum_flow), at(hi, cum_bankrupt)
        if fill_at is None:
            def fill_at(flow):
                return self._fill_price(shock, consumed, consumed + sign * flow)

        def balance(split):
            flow = flow_hi - at(split, cum_flow)
            fill = fill_at(flow)
            quantity = flow / p0
            bq = bq_hi - at(split, cum_bankrupt)
            return (ledger.fund + market.liquidation_fee * fill * quantity
                    + sign * (fill * quantity - bq))

        if balance(lo) >= 0.0:
            return lo, winners, 0.0
        low, high = lo, hi
        for _ in range(ADL_ROUNDS):
            middle = 0.5 * (low + high)
            if middle <= low or middle >= high:
                break
            if balance(middle) >= 0.0:
                high = middle
            else:
                low = middle
        if winners is None:
            winners = adl_ranking(self.population, trigger, winner_side=direction)
        available = float(winners[1][-1]) - taken_before
        needed = (at(high, cum_flow) - at(lo, cum_flow)) / p0
        if needed > available:  # the winners run out: the rest goes to the book (bad debt)
            target = at(lo, cum_flow) + available * p0
            if notional_axis is None:
                notional_axis = self._notional_axis(direction)
            high = float(np.interp(target, cum_flow, notional_axis))
            high = min(max(high, lo), hi)
            needed = (at(high, cum_flow) - at(lo, cum_flow)) / p0
        return high, winners, needed

    def _notional_axis(self, direction):
        return self.side(direction).snapshot()[4]

    def _venue_result(self, shock, price_path, waves, labels, queue, extra, ledger,
                      deleveraged, fills=None) -> "CascadeResult":
        columns = dict(zip(VENUE_COLUMNS[1:], zip(*extra))) if extra else {}
        waves["queued"] = queue
        waves["fill_price"] = np.array(columns.get("fill_price", fills if fills else []),
                                       dtype=float)
        if ledger is not None:
            for name in VENUE_COLUMNS[2:]:
                waves[name] = np.array(columns.get(name, []), dtype=float)
        return CascadeResult(
            shock=shock, market=self.market, population=self.population,
            price_path=price_path, waves=waves, liquidated_in=labels,
            queue_path=np.asarray(queue, dtype=float),
            fund_path=(np.array(waves["fund"], dtype=float) if ledger is not None
                       else np.empty(0)),
            bad_debt=0.0 if ledger is None else ledger.bad_debt,
            adl_notional=0.0 if ledger is None else ledger.adl_value,
            adl_positions=deleveraged,
            fund_exhausted_step=-1 if ledger is None else ledger.exhausted_step,
            ledger=None if ledger is None else ledger.as_dict(),
        )

    def _wave_table(self, rows: list[_WaveSum], sign: int, triggers, prices) -> pd.DataFrame:
        return _wave_frame(rows, sign, triggers, prices, self.market.price)


def _wave_frame(rows: list[_WaveSum], sign: int, triggers, prices, p0: float) -> pd.DataFrame:
    """The waves table (columns WAVE_COLUMNS, one row per wave) of the waves' sums `rows`
    on the side `sign` (+1 longs), their trigger prices and the prices after them (quote
    currency per unit; P0 = p0)."""
    prices = np.asarray(prices, dtype=np.float64)
    triggers = np.asarray(triggers, dtype=np.float64)
    count = np.array([row.count for row in rows], dtype=np.int64)
    notional = np.array([row.notional for row in rows], dtype=np.float64)
    flow = sign * np.array([row.flow for row in rows], dtype=np.float64)
    none_i, none_f = np.zeros_like(count), np.zeros_like(notional)
    long_count, short_count = (count, none_i) if sign > 0 else (none_i, count)
    long_notional, short_notional = (notional, none_f) if sign > 0 else (none_f, notional)
    ratio = notional_ratio(notional)
    # in WAVE_COLUMNS' order, so the frame needs no `columns=` (which costs pandas a
    # reindex: about half of the table's time on a short cascade)
    return pd.DataFrame(dict(zip(WAVE_COLUMNS, (
        np.arange(1, prices.size + 1), triggers, prices, prices / p0 - 1.0,
        count, notional, long_count, short_count, long_notional, short_notional, flow,
        np.cumsum(notional), np.cumsum(flow), ratio), strict=True)))


class _LazyWaves:
    """What a plain cascade's waves table is made of, until someone reads result.waves:
    _wave_frame's arguments. len() is the number of waves without building it."""

    __slots__ = ("args",)

    def __init__(self, rows, sign, triggers, prices, p0):
        self.args = (rows, sign, triggers, prices, p0)

    def __len__(self) -> int:
        return len(self.args[3])

    def __getstate__(self):
        return self.args

    def __setstate__(self, args):
        self.args = args

    def frame(self) -> pd.DataFrame:
        return _wave_frame(*self.args)


class _WavesField:
    """CascadeResult.waves: a DataFrame, stored as given, or (from a plain cascade) a
    _LazyWaves built into its DataFrame on the first read and kept (the same object on
    every read after). Set on the class after @dataclass, so the field stays a required
    argument, left out of repr."""

    name = "waves"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name]
        if isinstance(value, _LazyWaves):
            value = obj.__dict__[self.name] = value.frame()
        return value

    def __set__(self, obj, value):  # only __init__ sets it (the dataclass is frozen)
        obj.__dict__[self.name] = value

    def size(self, obj) -> int:
        """Rows of obj's table, without building a lazy one."""
        return len(obj.__dict__[self.name])


def _new_ledger(market: Market) -> Ledger:
    fund = 0.0 if market.insurance_fund is None else market.insurance_fund
    return Ledger(fund_start=fund, fund=fund)


def _too_thin(market: Market) -> str:
    """The start of the ValueError for a book too thin for the flow: names the knob."""
    knob = "book: the order book" if market.impact == "book" else f"depth: {shown(market.depth)}"
    return f"{knob} is too thin for this book"


def _check_capacity(market: Market, sign: int, cap: float, reachable: float) -> None:
    """Refuse, before the first step, an engine that could need more than MAX_FULL_STEPS
    full steps: steps >= reachable / cap, where `reachable` is the notional at entry (quote
    currency) of the side the shock hits, all of which a move can reach. The message names
    the knob that sets the cap (engine_capacity, or engine_capacity_share when its share
    of the 1% depth is the smaller) and the least value that passes."""
    needed = reachable / MAX_FULL_STEPS
    if not cap < needed * (1.0 - 1e-12):  # inf (no cap) and caps a rounding short pass
        return
    side = "longs a fall" if sign > 0 else "shorts a rise"
    if market.engine_capacity_share is not None and (
            market.engine_capacity is None or cap < market.engine_capacity):
        one_percent = cap / market.engine_capacity_share
        knob = (f"engine_capacity_share: {shown(market.engine_capacity_share)} of the "
                f"{one_percent:,.6g} that moves the price 1% is {cap:,.6g} per step")
        wanted = f"raise engine_capacity_share to at least {needed / one_percent:.6g}"
    else:
        knob = f"engine_capacity: {shown(market.engine_capacity)} per step"
        wanted = f"raise engine_capacity to at least {needed:,.6g}"
    raise ValueError(
        f"{knob}, too little to clear the {reachable:,.6g} of {side} can reach in "
        f"{MAX_FULL_STEPS:,} steps (it could take {reachable / cap:,.0f}); {wanted} "
        f"(that notional / {MAX_FULL_STEPS:,}), or leave the capacity unlimited")


def _settle_step(ledger: Ledger, market: Market, fill: float, quantity: float,
                 bankrupt_value: float, sign: int, step: int, adl_value: float = 0.0) -> tuple:
    """Settle one step into `ledger` (cascade.venue.settle); the step's row of
    VENUE_COLUMNS[1:]: fill price, fees, pnl, fund after, bad debt, ADL notional. Accounts
    that overflow a float (a fill price near the largest float, after forced buying into a
    book far too thin) are a ValueError naming the depth, never an infinite fund."""
    value = float(fill) * float(quantity)  # a Python float: inf, not a warning
    settled = (settle(ledger.fund, market.liquidation_fee, fill, quantity, bankrupt_value, sign)
               if math.isfinite(value) else (math.inf,) * 4)
    if not all(math.isfinite(v) for v in (*settled, ledger.fees + settled[1],
                                          ledger.pnl + settled[2], ledger.bad_debt + settled[3])):
        raise ValueError(f"{_too_thin(market)}: step {step} fills {quantity:.3g} units at "
                         f"{fill:.3g}, a value the venue's accounts cannot hold in a float")
    fund, fees, pnl, bad_debt = settled
    if ledger.exhausted_step < 0 and fund < 0.005 and fees + pnl < 0.0:  # half a cent
        ledger.exhausted_step = step
    ledger.fund = fund
    ledger.fees += fees
    ledger.pnl += pnl
    ledger.bad_debt += bad_debt
    return fill, fees, pnl, fund, bad_debt, adl_value


def notional_ratio(notional: np.ndarray) -> np.ndarray:
    """Each wave's notional over the previous wave's, notional_k / notional_{k-1} (k >= 2),
    with wave 1 as the chain's base: 1.0 by definition, since no wave came before it (the
    shock, not a wave, set it off). So the running product of the ratios through wave k is
    notional_k / notional_1, and the column is never NaN or infinite: every wave takes a
    positive notional (a wave or engine step that takes nothing ends the cascade)."""
    notional = np.asarray(notional, dtype=np.float64)
    return np.concatenate((np.ones(min(notional.size, 1)), notional[1:] / notional[:-1]))


def amplification(total_move, shock):
    """x / s: how many times the shock the price finally moved (scalars or arrays). At s = 0
    nothing is liquidated (every position starts alive) and x = 0: this is 1.0, the limit of
    x / s as s -> 0, since a shock smaller than the nearest liquidation distance leaves
    x = s."""
    move, shock = np.asarray(total_move, dtype=np.float64), np.asarray(shock, dtype=np.float64)
    ratio = np.where(shock != 0, move / np.where(shock != 0, shock, 1.0), 1.0)
    return float(ratio) if ratio.ndim == 0 else ratio


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """What one cascade did (docs/model.md, Shock and waves).

    price_path:    [P0, P0(1+s), P_1, ..., P_K] (quote currency per unit).
    waves:         one row per wave k >= 1; columns WAVE_COLUMNS: trigger_price (the price
                   that set the wave off), price (P_k, after it), move (P_k/P0 - 1), count and
                   notional (quote currency at entry), long/short apart, flow (net sold at
                   P0), cumulative sums, notional_ratio (notional_k / notional_{k-1}: how
                   much larger each wave was than the last; not the theory's R; wave 1, with
                   no wave before it, is the base, 1.0: see notional_ratio()).
    liquidated_in: per position, the wave that liquidated it; -1 = survived.

    Venue mechanics (issue 10; see LiquidationBook._run_steps and cascade/venue.py). When a
    mechanic is on, a "wave" is one engine step and `waves` adds VENUE_COLUMNS: queued
    (notional at entry still waiting after the step), fill_price (the step's VWAP), fees,
    pnl (fill - bankruptcy) x quantity, fund (after the step), bad_debt and adl_notional
    (of the step). With every mechanic off these are as follows and waves has no extra
    columns:
    queue_path:          notional at entry waiting in the queue after each step (zeros
                         when the engine executes every wave whole).
    fund_path:           the insurance fund after each step (empty: no accounts kept).
    bad_debt:            losses beyond the fund (quote currency; 0.0 without accounts).
    adl_notional:        auto-deleveraged quantity valued at the bankrupt positions'
                         bankruptcy prices: what the winners were paid (quote currency).
    adl_positions:       how many profitable opposite positions were deleveraged.
    fund_exhausted_step: the first step that left the fund at 0 after a loss (-1: never).
    ledger:              the accounts' totals (fund_start, fund_end, fees, pnl, bad_debt,
                         adl_quantity, adl_value, exhausted_step), or None.
    """

    shock: float
    market: Market
    population: Population = field(repr=False)
    price_path: np.ndarray = field(repr=False)
    waves: pd.DataFrame = field(repr=False)  # read through _WavesField (set below)
    liquidated_in: np.ndarray = field(repr=False)
    queue_path: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    fund_path: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    bad_debt: float = 0.0
    adl_notional: float = 0.0
    adl_positions: int = 0
    fund_exhausted_step: int = -1
    ledger: dict | None = None

    @property
    def steps(self) -> int:
        """Engine steps (waves) the cascade took until the queue was clear."""
        return self.wave_count

    @property
    def final_price(self) -> float:
        return float(self.price_path[-1])

    @property
    def total_move(self) -> float:
        """x = P_K / P0 - 1 (negative = a fall)."""
        return self.final_price / self.market.price - 1.0

    @property
    def amplification(self) -> float:
        """x / s (see amplification)."""
        return amplification(self.total_move, self.shock)

    @property
    def wave_count(self) -> int:
        return int(CascadeResult.__dict__["waves"].size(self))

    @property
    def liquidated(self) -> np.ndarray:
        return self.liquidated_in >= 0

    @cached_property
    def liquidated_notional(self) -> float:
        """Notional (quote currency at entry) of every liquidated position; computed once."""
        return float(self.population.notional[self.liquidated].sum())

    @property
    def liquidated_share(self) -> float:
        """Share of total open interest (notional at entry) liquidated, in [0, 1]. (The
        liquidated part is summed apart from the whole, so its sum may round an ulp above
        the whole's: 1.0000000000000002 when the survivors hold 1e-100 of it. The share is
        capped at 1.)"""
        return min(self.liquidated_notional / float(self.population.notional.sum()), 1.0)

    def positions_frame(self) -> pd.DataFrame:
        """One row per position with its liquidation price and wave (-1 = survived)."""
        frame = self.population.to_frame(self.market.maintenance_margin)
        frame["liquidated_in_wave"] = self.liquidated_in
        return frame


CascadeResult.waves = _WavesField()


def simulate(population: Population, market: Market, shock: float) -> CascadeResult:
    """Run the liquidation cascade set off by a relative `shock` (docs/model.md, Shock and
    waves)."""
    return LiquidationBook(population, market).run(shock)
