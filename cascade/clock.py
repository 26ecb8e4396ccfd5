"""The timed engine (issue 17; docs/model.md "Time"): the cascade in seconds.

Time runs in ticks of dt seconds (default 1 s); tick k (k = 1, 2, ...) starts at
t = (k - 1) dt. Tick k:
  1. price: the traded price at the tick's start is
         P = max(P0 * (1 + m(t) - I(Q_T + Q_P)), floor)
     with m(t) the exogenous path (cascade.paths), Q_T the transient and Q_P the permanent
     consumed depth (net sold flow at P0, quote currency), I the market's impact and the
     floor of cascade.engine.PRICE_FLOOR;
  2. reach: on each side, every position whose liquidation price P has reached joins the
     side's queue (once queued, always finished: the queue rule of docs/model.md). The
     queue is a prefix of the side sorted most underwater first, so it is measured by the
     notional at entry u along that order;
  3. execute: each side's engine executes its queue's front, at most
         cap = min(engine_rate * dt, engine_capacity, engine_capacity_share * depth)
     of notional and (engine_max_positions) at most that many positions; a position may
     execute in part (pro rata), and counts as liquidated in the tick that finishes it;
  4. walk: the net flow f = (longs' flow) - (shorts' flow) walks the book from Q to Q + f;
     every fill of the tick is at that walk's VWAP P0 (1 + m(t) - mean I), and the price
     after the tick is max(P0 (1 + m(t) - I(Q + f)), floor);
  5. refill: Q_P += kappa f, Q_T += (1 - kappa) f, then Q_T *= 2^(-dt / resilience_half_life)
     (no refill when it is None; kappa = permanent_impact);
  6. accounts (fee, fund, bad debt) settle each side's executions of the tick at its fill
     (cascade.venue.settle), longs first.
The run lasts until the path's last knot has passed, both queues are empty and a tick
reaches nothing new.

The limit. With no rate or count limit the queue is executed whole each tick, and the
timed engine takes each tick's positions with the instant engine's own sweep
(engine._Sweep), summing them in population order: on a jump path, with no refill and no
permanent impact, tick k is wave k of docs/model.md, Shock and waves, bit for bit (price path, waves
table, liquidated_in). With a limit, a side is sorted whole once (as engine._run_steps)
and each tick is a few binary searches on its prefix sums.

One tick code. The contagion engine (cascade/contagion.py) runs each market's isolated
positions with this module's pieces, so the side rule, the prices and the tick's record
live here only: engine_side (which engine a side runs, and its cap), traded_price and
fill_price (steps 1 and 4), Depth (steps 4 and 5), Deleverage (ADL), tick_row (the
TickRow a tick leaves) and timed_result (the TimedResult of a run's rows).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._checks import number_in
from .engine import (_TIMED_ENGINE, PRICE_FLOOR, WAVE_COLUMNS, CascadeResult, LiquidationBook,
                     _new_ledger, _settle_step, _Sweep, _too_thin, notional_ratio)
from .market import Market
from .paths import PricePath, jump
from .population import Population

DEFAULT_TICK = 1.0
# A timed run that has not ended after this many ticks is refused (a ValueError naming the
# rate), and so is one whose path or whose rate could need more, before the first tick.
MAX_TICKS = 200_000
# Seconds of the "peak minute".
MINUTE = 60.0
SERIES_COLUMNS = ["tick", "seconds", "move", "exogenous_price", "start_price", "price",
                  "fill_price",
                  "long_count", "short_count", "long_notional", "short_notional",
                  "queue_long", "queue_short", "fund",
                  "consumed", "sold_flow", "bought_flow", "sold_consumed", "bought_consumed",
                  "adl"]
# the depth columns (the verdict's), in SERIES_COLUMNS' order
_HELD_COLUMNS = ["consumed", "sold_flow", "bought_flow", "sold_consumed", "bought_consumed"]


class TickRow(NamedTuple):
    """One market's tick as the clock records it (what timed_result reads; the contagion engine
    records each market's ticks the same way). Notional at entry and flow (quote currency
    at P0) per side: long (l) and short (s); lb, sb: the sides' bankruptcy values
    sum(b_i q_i) (NaN without a prefix engine); queue_long, queue_short after the tick;
    consumed Q_T + Q_P after the walk; the side flows and the part of them still consumed
    (SERIES_COLUMNS); adl: the tick's ADL value."""
    tick: int
    seconds: float
    move: float
    start_price: float
    price: float
    fill_price: float
    long_count: int
    short_count: int
    long_notional: float
    short_notional: float
    long_flow: float
    short_flow: float
    long_bankrupt: float
    short_bankrupt: float
    queue_long: float
    queue_short: float
    consumed: float
    sold_flow: float
    bought_flow: float
    sold_consumed: float
    bought_consumed: float
    adl: float

    @property
    def executed(self) -> bool:
        """True when the tick executed a count or a notional on either side."""
        return bool(self.long_count or self.short_count or self.long_notional
                    or self.short_notional)


class Depth:
    """The depth a market's forced flow holds down (clock steps 4 and 5): the transient and
    permanent parts Q_T, Q_P (quote currency at P0, net sold flow), and per side (longs'
    sales, shorts' purchases) the flow so far, its transient part and what the refill has
    given back of it (the refill is linear in the flow, so the two sides' parts add up to
    Q_T + Q_P)."""

    def __init__(self, market: Market, dt: float):
        self.decay = (1.0 if market.resilience_half_life is None
                      else 0.5 ** (dt / market.resilience_half_life))
        self.kappa = market.permanent_impact
        self.transient = self.permanent = 0.0
        self.side_flow, self.side_transient, self.side_refilled = [0.0, 0.0], [0.0, 0.0], \
            [0.0, 0.0]

    @property
    def consumed(self) -> float:
        """Q_T + Q_P."""
        return self.transient + self.permanent

    def walk(self, net: float, flows) -> list:
        """Walk net flow `net` (sold minus bought) and refill: Q_P += kappa f,
        Q_T = (Q_T + (1 - kappa) f) 2^(-dt / half-life); `flows` = (sold, bought) this
        tick. Returns each side's flow still consumed after the walk, before the refill."""
        kappa, decay = self.kappa, self.decay
        self.transient, self.permanent = (self.transient + (1.0 - kappa) * net,
                                          self.permanent + kappa * net)
        self.transient *= decay
        held = []
        for i, flow in enumerate(flows):
            self.side_flow[i] += flow
            held.append(self.side_flow[i] - self.side_refilled[i])
            before_refill = self.side_transient[i] + (1.0 - kappa) * flow
            self.side_transient[i] = before_refill * decay
            self.side_refilled[i] += before_refill - self.side_transient[i]
        return held


def _batch_of(pieces) -> tuple:
    """The tick's batch of a side as prefix sums along its execution order: (notional axis,
    cumulative flow, cumulative bankruptcy value, 0, total notional), each with a leading 0,
    from `pieces`, a list of (notional, flow, bankruptcy value) arrays in execution order
    (ADL splits the batch on this axis: engine.LiquidationBook._adl_split)."""
    if not pieces:
        zero = np.zeros(1)
        return zero, zero, zero, 0.0, 0.0
    notional, flow, bankrupt = (np.concatenate([np.atleast_1d(np.asarray(p[i], dtype=float))
                                                for p in pieces]) for i in range(3))
    axis = np.concatenate(([0.0], np.cumsum(notional)))
    return (axis, np.concatenate(([0.0], np.cumsum(flow))),
            np.concatenate(([0.0], np.cumsum(bankrupt))), 0.0, float(axis[-1]))


def _segment(cum_notional, cum_flow, cum_bankrupt, lo: float, hi: float) -> tuple:
    """The pieces of a sorted side's prefix between u = lo and u = hi (notional at entry):
    (notional, flow, bankruptcy value) per position or part of one, in order."""
    inner = cum_notional[(cum_notional > lo) & (cum_notional < hi)]
    u = np.concatenate(([lo], inner, [hi]))
    return (np.diff(u), np.diff(np.interp(u, cum_notional, cum_flow)),
            np.diff(np.interp(u, cum_notional, cum_bankrupt)))


class _PrefixSide:
    """One side sorted whole, most underwater first, for a rate-limited engine: reached and
    executed are positions u along the notional axis (quote currency at entry)."""

    def __init__(self, book: LiquidationBook, direction: int):
        side = book.side(direction).complete()
        self.sign = side.sign
        _, self.key, self.order, self.cum_flow, self.cum_notional = side.snapshot()[:5]
        self.cum_bankrupt = book._cum_bankrupt(direction, self.order)
        self.query = side.query
        self.size = self.key.size
        self.reach_u = self.executed = 0.0
        self.done = 0
        self.batch = None
        # the units are the positions, or (mm_tiers) their slices: a position is finished
        # with its last slice (engine.LiquidationBook._closed_positions)
        self.closed_of = book._closed_positions

    def at(self, u: float, cum: np.ndarray) -> float:
        return float(np.interp(u, self.cum_notional, cum))

    def tick(self, price: float, cap: float, max_positions, number: int, labels):
        """Reach at `price`, execute up to the caps; (count finished, notional, flow,
        bankrupt value) of the tick's executions. `batch` holds them on the side's own
        prefix sums: (axis, cum_flow, cum_bankrupt, from u, to u)."""
        reached = int(np.searchsorted(self.key, float(self.query(price)), side="right"))
        self.reach_u = max(self.reach_u, float(self.cum_notional[reached]))
        self.batch = None
        if self.reach_u <= self.executed:
            return 0, 0.0, 0.0, 0.0
        upto = min(self.reach_u, self.executed + cap)
        if max_positions is not None:
            upto = min(upto, float(self.cum_notional[min(self.done + max_positions, self.size)]))
        flow = self.at(upto, self.cum_flow) - self.at(self.executed, self.cum_flow)
        bankrupt = self.at(upto, self.cum_bankrupt) - self.at(self.executed, self.cum_bankrupt)
        finished = max(int(np.searchsorted(self.cum_notional, upto, side="right")) - 1, self.done)
        closed = self.closed_of(self.order[self.done:finished])
        labels[closed] = number
        notional = upto - self.executed
        self.batch = (self.cum_notional, self.cum_flow, self.cum_bankrupt, self.executed, upto)
        self.done, self.executed = finished, upto
        return int(closed.size), notional, flow, bankrupt

    @property
    def queued(self) -> float:
        return self.reach_u - self.executed


class _PartialSide:
    """One side sorted whole, for an engine that sends a large position in parts with a
    cooldown (Market.partial_liquidation = (threshold, parts, cooldown seconds); Hyperliquid:
    above $100K, 20% at a time, 30 s apart). A reached position above the threshold joins
    the queue with its first part (1 / parts of it); each later part j = 1 .. parts - 1 is
    due j x cooldown after the tick that reached it. Each tick the engine executes the due
    parts first (earliest due first; they belong to positions reached earlier, so more
    underwater), then the queue's front, within the caps; a large position is liquidated in
    the tick its last part finishes. (engine_max_positions is not applied to parts.)"""

    def __init__(self, book: LiquidationBook, direction: int, rule: tuple, dt: float):
        side = book.side(direction).complete()
        self.sign = side.sign
        _, self.key, self.order = side.snapshot()[:3]
        self.query = side.query
        pop = book.population
        threshold, self.parts, cooldown = rule
        self.cooldown_ticks = max(1, int(math.ceil(cooldown / dt - 1e-9)))
        notional = pop.notional[self.order]
        flow = side.flow(self.order)
        bankrupt = (pop.bankruptcy_price() * pop.quantity)[self.order]
        self.large = notional > threshold
        first = np.where(self.large, 1.0 / self.parts, 1.0)
        self.cum_notional = np.concatenate(([0.0], np.cumsum(notional * first)))
        self.cum_flow = np.concatenate(([0.0], np.cumsum(flow * first)))
        self.cum_bankrupt = np.concatenate(([0.0], np.cumsum(bankrupt * first)))
        self.part = (notional / self.parts, flow / self.parts, bankrupt / self.parts)
        self.size = self.key.size
        self.reached = self.done = 0
        self.reach_u = self.executed = 0.0
        self.pending: list = []  # heap of [due tick, sequence, left, notional, flow, bq, ids]
        self.pending_left = 0.0
        self._sequence = 0
        self.record, self.batch = False, None  # record: keep each tick's batch (ADL)

    def at(self, u: float, cum: np.ndarray) -> float:
        return float(np.interp(u, self.cum_notional, cum))

    def tick(self, price, cap, max_positions, number, labels):
        reached = max(int(np.searchsorted(self.key, float(self.query(price)), side="right")),
                      self.reached)
        if reached > self.reached:
            big = self.reached + np.flatnonzero(self.large[self.reached:reached])
            if big.size:
                sums = [float(part[big].sum()) for part in self.part]
                for j in range(1, self.parts):
                    ids = self.order[big] if j == self.parts - 1 else None
                    heapq.heappush(self.pending, [number + j * self.cooldown_ticks,
                                                  self._sequence, sums[0], *sums, ids])
                    self._sequence += 1
                    self.pending_left += sums[0]
            self.reached, self.reach_u = reached, float(self.cum_notional[reached])
        budget, count, notional, flow, bankrupt = cap, 0, 0.0, 0.0, 0.0
        pieces = [] if self.record else None
        while self.pending and self.pending[0][0] <= number and budget > 0:
            chunk = self.pending[0]
            take = min(budget, chunk[2])
            share = take / chunk[3]
            notional, flow, bankrupt = notional + take, flow + share * chunk[4], \
                bankrupt + share * chunk[5]
            if pieces is not None:
                pieces.append((take, share * chunk[4], share * chunk[5]))
            chunk[2] -= take
            self.pending_left -= take
            budget -= take
            if chunk[2] <= 0.0:
                heapq.heappop(self.pending)
                if chunk[6] is not None:
                    labels[chunk[6]] = number
                    count += int(chunk[6].size)
        if self.reach_u > self.executed and budget > 0:
            upto = min(self.reach_u, self.executed + budget)
            if pieces is not None:
                pieces.append(_segment(self.cum_notional, self.cum_flow, self.cum_bankrupt,
                                       self.executed, upto))
            flow += self.at(upto, self.cum_flow) - self.at(self.executed, self.cum_flow)
            bankrupt += (self.at(upto, self.cum_bankrupt)
                         - self.at(self.executed, self.cum_bankrupt))
            notional += upto - self.executed
            finished = max(int(np.searchsorted(self.cum_notional, upto, side="right")) - 1,
                           self.done)
            small = self.done + np.flatnonzero(~self.large[self.done:finished])
            labels[self.order[small]] = number
            count += int(small.size)
            self.done, self.executed = finished, upto
        if self.pending_left < 1e-9 * max(self.executed, 1.0) and not self.pending:
            self.pending_left = 0.0
        self.batch = None if pieces is None else _batch_of(pieces)
        return count, notional, flow, bankrupt

    @property
    def queued(self) -> float:
        return (self.reach_u - self.executed) + (self.pending_left if self.pending else 0.0)


class _BlockSide:
    """One side sorted whole, for an engine that executes at most `limit` of one position's
    notional (USD at entry) per tick (Market.position_notional_per_tick; dYdX v4: $100M per
    subaccount per block, one block per tick). Each tick, within the tick's cap and its
    engine_max_positions: first the positions carried from earlier ticks (started and not
    finished; reached earlier, so at the queue's front, in queue order), each up to the
    limit; then the queue's next positions in order, each up to the limit. Every position
    that executes in a tick, whole or in part, is one of the tick's attempts (dYdX: one
    liquidation attempt per subaccount per block, and a subaccount still liquidatable is
    attempted again in a later block). A position the limit or the cap leaves unfinished is
    carried; it is liquidated in the tick that executes its last part. The new positions of a
    tick are found with one binary search on the prefix sums of min(notional, limit)."""

    def __init__(self, book: LiquidationBook, direction: int, limit: float):
        side = book.side(direction).complete()
        self.sign = side.sign
        _, self.key, self.order = side.snapshot()[:3]
        self.query = side.query
        pop = book.population
        self.limit = float(limit)
        self.notional = pop.notional[self.order]
        self.flow = side.flow(self.order)
        self.bankrupt = (pop.bankruptcy_price() * pop.quantity)[self.order]
        self.cum_notional = np.concatenate(([0.0], np.cumsum(self.notional)))
        self.cum_capped = np.concatenate(([0.0], np.cumsum(np.minimum(self.notional,
                                                                      self.limit))))
        self.size = self.key.size
        self.largest = float(self.notional.max()) if self.size else 0.0
        self.reached = self.started = 0
        self.carried: list = []  # [index in the sorted side, notional left], queue order
        self.record, self.batch = False, None  # record: keep each tick's batch (ADL)

    def tick(self, price, cap, max_positions, number, labels):
        self.reached = max(int(np.searchsorted(self.key, float(self.query(price)),
                                               side="right")), self.reached)
        budget = cap
        attempts = self.size if max_positions is None else max_positions
        count, notional, flow, bankrupt = 0, 0.0, 0.0, 0.0
        pieces = [] if self.record else None
        kept = []
        for at, (j, left) in enumerate(self.carried):
            if budget <= 0 or attempts <= 0:
                kept.extend(self.carried[at:])
                break
            take = min(left, self.limit, budget)
            share = take / self.notional[j]
            if pieces is not None:
                pieces.append((take, share * self.flow[j], share * self.bankrupt[j]))
            notional, flow = notional + take, flow + share * self.flow[j]
            bankrupt += share * self.bankrupt[j]
            budget, attempts, left = budget - take, attempts - 1, left - take
            if left > 0.0:
                kept.append([j, left])
            else:
                labels[self.order[j]] = number
                count += 1
        first = self.started
        if budget > 0 and attempts > 0 and first < self.reached:
            last = min(self.reached, first + int(attempts))
            # whole capped takes of positions first .. whole - 1 fit the budget
            whole = min(int(np.searchsorted(self.cum_capped, self.cum_capped[first] + budget,
                                            side="right")) - 1, last)
            index = np.arange(first, whole)
            take = np.minimum(self.notional[index], self.limit)
            rest = budget - float(self.cum_capped[whole] - self.cum_capped[first])
            if whole < last and rest > 0.0:  # the budget ends inside position `whole`
                index = np.append(index, whole)
                take = np.append(take, min(rest, self.limit))
            sizes = self.notional[index]
            share = take / sizes
            if pieces is not None:
                pieces.append((take, share * self.flow[index], share * self.bankrupt[index]))
            notional += float(take.sum())
            flow += float((share * self.flow[index]).sum())
            bankrupt += float((share * self.bankrupt[index]).sum())
            done = take >= sizes
            labels[self.order[index[done]]] = number
            count += int(done.sum())
            kept.extend([int(j), float(left)] for j, left in
                        zip(index[~done], (sizes - take)[~done]))
            self.started = first + index.size
        self.carried = kept
        self.batch = None if pieces is None else _batch_of(pieces)
        return count, notional, flow, bankrupt

    @property
    def queued(self) -> float:
        return (sum(left for _, left in self.carried)
                + float(self.cum_notional[self.reached] - self.cum_notional[self.started]))


class _WholeSide:
    """One side for an engine without limits: each tick takes what the price reaches, with
    the instant engine's sweep (the same sums, bit for bit)."""

    def __init__(self, book: LiquidationBook, direction: int):
        self.sweep = _Sweep(book.side(direction))
        self.sign = self.sweep.side.sign
        self.queued = 0.0

    def tick(self, price, cap, max_positions, number, labels):
        taken = self.sweep.wave(-self.sign * price, labels, number)
        return taken.count, taken.notional, taken.flow, math.nan


@dataclass(frozen=True, eq=False)
class TimedResult(CascadeResult):
    """A cascade in time (cascade/clock.py). As CascadeResult, with ticks for waves:
    waves has one row per tick that executed something (WAVE_COLUMNS, then tick and
    seconds, then fill_price and the accounts' columns when kept); liquidated_in is the
    tick (1-based) that finished each position, -1 = survived; price_path is [P0, the
    traded price at the first tick's start, the price after each executing tick], and the
    price at the run's end if it differs from the last. `shock` is the path's largest move.

    path:          the exogenous path (cascade.paths.PricePath).
    tick_seconds:  dt (seconds).
    series:        one row per tick, SERIES_COLUMNS: tick, seconds (its start), move m(t),
                   exogenous_price P0 (1 + m), start_price (traded, at the tick's start,
                   which reaches positions), price (traded, after the tick), fill_price
                   (NaN when nothing executed), long/short count and notional executed (USD
                   at entry), queue_long/queue_short (USD at entry waiting after the tick),
                   fund (after the tick; NaN without accounts); then the depth the
                   cascade holds down, all quote currency at P0 and read after the tick's
                   walk, before its refill (the state behind `price`): consumed
                   (Q_T + Q_P, net sold flow), sold_flow / bought_flow (the longs' sales /
                   the shorts' purchases executed so far, this tick included) and
                   sold_consumed / bought_consumed (the part of each still consumed: its
                   flow less what the refill has given back, so that without refill it
                   equals the flow exactly; consumed = sold_consumed - bought_consumed up to
                   rounding); the flows count only what went to the book, not what ADL
                   closed; last, adl: the tick's ADL value (quote currency: the
                   auto-deleveraged quantity at the bankrupt positions' bankruptcy prices,
                   what the winners were paid; 0 without ADL).
    adl_notional:  the run's ADL value (the sum of the series' adl; see Deleverage).
    slippage:      the deepest fill past a liquidation price, relative to it (see
                   _slippage).
    """

    path: PricePath | None = field(default=None, repr=False)
    tick_seconds: float = DEFAULT_TICK
    series: pd.DataFrame | None = field(default=None, repr=False)
    slippage: float = 0.0

    @property
    def duration(self) -> float:
        """Seconds the run lasted (ticks x dt)."""
        return float(len(self.series)) * self.tick_seconds

    @property
    def peak_minute_notional(self) -> float:
        """The most notional (USD at entry, both sides) executed in any 60 s window of
        whole ticks (round(60 / dt) ticks; the whole run when shorter)."""
        executed = (self.series["long_notional"] + self.series["short_notional"]).to_numpy()
        window = max(1, int(round(MINUTE / self.tick_seconds)))
        running = np.concatenate(([0.0], np.cumsum(executed)))
        if running.size - 1 <= window:
            return float(running[-1])
        return float(np.max(running[window:] - running[:-window]))

    @property
    def clear_seconds(self) -> float:
        """Seconds from the start of the first tick that executed to the end of the last:
        the time the engine took to clear what the run queued (0: nothing liquidated)."""
        if self.waves.empty:
            return 0.0
        ticks = self.waves["tick"].to_numpy()
        return float(ticks[-1] - ticks[0] + 1) * self.tick_seconds

    @property
    def first_adl_seconds(self) -> float:
        """The start (seconds) of the first tick with ADL (NaN: none)."""
        hit = np.flatnonzero(self.series["adl"].to_numpy() > 0.0)
        return float(self.series["seconds"].iloc[hit[0]]) if hit.size else math.nan

    @property
    def first_liquidation_seconds(self) -> float:
        """The start (seconds) of the first tick that executed a liquidation (NaN: none)."""
        return float(self.waves["seconds"].iloc[0]) if len(self.waves) else math.nan

    @property
    def peak_queue(self) -> float:
        """The largest notional (USD at entry, both sides) waiting after any tick."""
        if self.series.empty:
            return 0.0
        return float((self.series["queue_long"] + self.series["queue_short"]).max())


def engine_limits(market: Market, dt: float) -> tuple[float, bool]:
    """(the rate's cap per tick, engine_rate x dt in USD, inf without a rate; whether any
    limit binds the engine: a rate, a count, a capacity, parts or a per-position cap)."""
    rate_cap = math.inf if market.engine_rate is None else market.engine_rate * dt
    limited = (rate_cap < math.inf or market.engine_max_positions is not None
               or market.engine_capacity is not None or market.engine_capacity_share is not None
               or market.partial_liquidation is not None
               or market.position_notional_per_tick is not None)
    return rate_cap, limited


def engine_side(book: LiquidationBook, market: Market, direction: int, dt: float):
    """The clock's engine for the side of `book` a move in `direction` reaches (-1: a fall
    reaches the longs), and its cap per tick: (side, cap). The side rule: Hyperliquid's
    parts (partial_liquidation), a per-position limit (position_notional_per_tick), else
    the side sorted whole (_PrefixSide) when any limit binds or ADL or tiers are on
    (ADL splits a tick's batch on the side's prefix sums), else the instant engine's sweep
    (_WholeSide). cap = min(engine_rate x dt, the market's capacity per step)."""
    rate_cap, limited = engine_limits(market, dt)
    if market.partial_liquidation is not None:
        side = _PartialSide(book, direction, market.partial_liquidation, dt)
    elif market.position_notional_per_tick is not None:
        side = _BlockSide(book, direction, market.position_notional_per_tick)
    else:
        side = (_PrefixSide if limited or market.adl or market.mm_tiers is not None
                else _WholeSide)(book, direction)
    side.record = market.adl
    return side, min(rate_cap, market.capacity_per_step(side.sign))


def run_timed(book: LiquidationBook, path: PricePath | float,
              tick_seconds: float = DEFAULT_TICK, *, _summary: bool = False) -> TimedResult:
    """The cascade of `book` on `book.market` along `path` (a PricePath, or a shock s for
    jump(s)), in ticks of `tick_seconds` (see the module docstring). (_summary: see
    final_move_timed.)"""
    market, p0 = book.market, book.market.price
    if not isinstance(path, PricePath):
        path = jump(path)
    dt = number_in("tick_seconds", tick_seconds, low=0.0, low_open=True, high=3600.0)
    if market.mm_tiers is not None and (market.partial_liquidation is not None
                                        or market.position_notional_per_tick is not None):
        raise ValueError("mm_tiers: the timed engine does not run margin tiers with a venue's "
                         "per-position rule (partial_liquidation, position_notional_per_tick; "
                         "see docs/model.md, Time); leave the tiers flat or the rule off")
    if path.duration / dt > MAX_TICKS:
        raise ValueError(f"path: {path.duration:g} s at {dt:g} s per tick is more than "
                         f"{MAX_TICKS:,} ticks; use a longer tick or a shorter path")
    rate_cap, limited = engine_limits(market, dt)
    sides = []
    for direction, reachable in ((-1, path.low < 0), (1, path.high > 0)):
        if not reachable:
            continue
        side, cap = engine_side(book, market, direction, dt)
        if market.position_notional_per_tick is not None:
            _check_block_ticks(side, market.position_notional_per_tick, dt)
        if limited:
            total = float(side.cum_notional[-1])
            count_ticks = (0 if market.engine_max_positions is None
                           else side.size / market.engine_max_positions)
            if market.partial_liquidation is not None:
                count_ticks = max(count_ticks, total / cap + (market.partial_liquidation[1] - 1)
                                  * side.cooldown_ticks)
            if max(total / cap, count_ticks) > MAX_TICKS:
                raise ValueError(
                    f"engine_rate: {market.engine_rate!r} USD per second (cap "
                    f"{cap:,.6g} per {dt:g} s tick) could take {total / cap:,.0f} ticks to "
                    f"clear the {total:,.6g} a move can reach, more than {MAX_TICKS:,}; "
                    f"raise it to at least {total / MAX_TICKS / dt:,.6g}")
        sides.append((side, cap))
    depth = Depth(market, dt)
    ledger = _new_ledger(market) if market.keeps_accounts else None
    labels = np.full(len(book.population), -1, dtype=np.int64)
    rows = []  # per tick
    tick = 0
    start_price = None
    # ADL: per side (longs, shorts), the winners' ranking and the quantity taken from them
    adl = Deleverage(book) if market.adl else None
    while True:
        tick += 1
        if tick > MAX_TICKS:
            raise ValueError(f"engine_rate: the run has not ended after {MAX_TICKS:,} ticks; "
                             f"raise the engine's rate")
        seconds = (tick - 1) * dt
        move = path.at(seconds)
        consumed = depth.consumed
        price = traded_price(market, move, consumed)
        if start_price is None:
            start_price = price
        took = [(0, 0.0, 0.0, math.nan)] * 2
        for side, cap in sides:
            took[0 if side.sign > 0 else 1] = side.tick(price, cap, market.engine_max_positions,
                                                        tick, labels)
        adl_tick = 0.0
        if adl is not None:  # the book takes only what ADL leaves of each batch
            took = adl.split(sides, took, ledger, move, consumed, price)
        (lc, ln, lf, lb), (sc, sn, sf, sb) = took
        net = lf - sf
        after = consumed + net
        fill = fill_price(market, move, consumed, after) if (lc or sc or ln or sn) else math.nan
        if adl is not None:
            adl_tick = adl.settle(ledger, market, fill, took, tick)
        price_after = traded_price(market, move, after)
        held = depth.walk(net, (lf, sf))
        row = tick_row(tick, seconds, move, price, price_after, fill, took, sides, after,
                       depth, held, adl_tick)
        rows.append(row)
        if (seconds >= path.duration and not row.executed
                and row.queue_long <= 0.0 and row.queue_short <= 0.0):
            break
    if _summary:
        return _summary_of(rows, p0)
    return timed_result(book, path, dt, rows, labels, ledger, limited, start_price, adl)


_TIMED_ENGINE[:] = [run_timed]


class Deleverage:
    """ADL on the clock (docs/model.md, Time): the step engine's rule applied to each
    tick's batch. When a side's batch would leave the fund below 0 at the tick's fill, the
    front of the batch (its most underwater part, in execution order) is closed against the
    winners at the bankrupt positions' bankruptcy prices instead of going to the book: the
    smallest front that keeps the fund >= 0 (engine.LiquidationBook._adl_split, the same
    bisection), limited by what the winners still hold (the rest goes to the book, and any
    shortfall is bad debt). The winners are the other side's profitable positions, ranked
    once per side when ADL first strikes it, at the tick's starting price
    (venue.adl_ranking). When both sides execute in one tick, the longs' split is placed
    with the shorts' whole flow on the book and the shorts' with the longs' flow as split,
    each against the fund before the tick; the two then settle at the tick's one fill,
    longs first. Quantities: flow in quote currency at P0, bankruptcy value sum(b_i q_i)
    and ADL value (what the winners were paid) in quote currency."""

    def __init__(self, book: LiquidationBook):
        self.book = book
        self.winners = [None, None]  # longs' batch: the shorts are the winners; and back
        self.taken = [0.0, 0.0]  # quantity taken from each side's winners so far
        self.adl_value = [0.0, 0.0]  # this tick's ADL value per side
        self.rows, self.funds = [], []  # per executing tick; per tick

    def split(self, sides, took, ledger, move, consumed, price, extra=0.0):
        """`took` with each side's flow and bankruptcy value reduced to the book's part.
        `extra`: other net flow (quote currency at P0) that walks the book in the same tick
        (the contagion engine's cross orders; 0 on the clock)."""
        market, p0 = self.book.market, self.book.market.price
        took = list(took)
        self.adl_value = [0.0, 0.0]
        for side, _ in sorted(sides, key=lambda pair: -pair[0].sign):  # longs first
            i = 0 if side.sign > 0 else 1
            count, notional, flow, bankrupt = took[i]
            if side.batch is None or not (count or notional):
                continue
            axis, cum_flow, cum_bankrupt, lo, hi = side.batch
            other = -took[1][2] if i == 0 else took[0][2]  # the other side's net flow
            if extra:
                other = other + extra

            def at(u, cum, axis=axis):
                return float(np.interp(u, axis, cum))

            def fill_at(part, sign=side.sign, other=other):
                return fill_price(market, move, consumed, consumed + other + sign * part)

            split, self.winners[i], taken = self.book._adl_split(
                move, ledger, lo, hi, consumed, side.sign, at, cum_flow, cum_bankrupt,
                self.winners[i], self.taken[i], price, -side.sign, fill_at=fill_at,
                notional_axis=axis)
            self.taken[i] += taken
            flow_0, flow_split, flow_1 = (at(u, cum_flow) for u in (lo, split, hi))
            bq_0, bq_split, bq_1 = (at(u, cum_bankrupt) for u in (lo, split, hi))
            self.adl_value[i] = bq_split - bq_0
            ledger.adl_quantity += (flow_split - flow_0) / p0
            ledger.adl_value += self.adl_value[i]
            took[i] = (count, notional, flow_1 - flow_split, bq_1 - bq_split)
        return took

    def settle(self, ledger, market, fill, took, tick) -> float:
        """Settle the tick's book parts at its fill, longs first (engine._settle_step); the
        tick's ADL value. A tick's row sums its sides (fees, pnl, bad debt, ADL)."""
        (lc, ln, lf, lb), (sc, sn, sf, sb) = took
        parts = []
        for i, sign, flow, bankrupt, did in ((0, 1, lf, lb, ln or lc), (1, -1, sf, sb, sn or sc)):
            if did:
                parts.append(_settle_step(ledger, market, fill, flow / market.price, bankrupt,
                                          sign, tick, self.adl_value[i]))
        if parts:
            self.rows.append(both_sides(parts, fill, ledger.fund))
        self.funds.append(ledger.fund)
        return self.adl_value[0] + self.adl_value[1]

    @property
    def positions(self) -> int:
        """How many winners were deleveraged (in part or whole), both sides."""
        return sum(int(np.searchsorted(w[1][:-1], t, side="left"))
                   for w, t in zip(self.winners, self.taken) if w is not None)


def both_sides(parts: list, fill: float, fund: float) -> tuple:
    """A tick's ledger row (VENUE_COLUMNS[1:]) from its sides' _settle_step rows, longs
    first: the fill; the fees, pnl, bad debt and ADL notional summed over the sides; the
    fund after both. One side's row as it is."""
    if len(parts) == 1:
        return parts[0]
    (_, fees_l, pnl_l, _, bad_l, adl_l), (_, fees_s, pnl_s, _, bad_s, adl_s) = parts
    return fill, fees_l + fees_s, pnl_l + pnl_s, fund, bad_l + bad_s, adl_l + adl_s


def tick_row(tick, seconds, move, price, price_after, fill, took, sides, after, depth, held,
             adl) -> TickRow:
    """The TickRow of a tick: `took` = ((lc, ln, lf, lb), (sc, sn, sf, sb)) executed by the
    sides, `sides` = [(side, cap)] (their queues after the tick), `after` the consumed depth
    after the walk, `depth` the Depth walked, `held` its walk's return, `adl` the tick's
    ADL value."""
    (lc, ln, lf, lb), (sc, sn, sf, sb) = took
    queues = [0.0, 0.0]
    for side, _ in sides:
        queues[0 if side.sign > 0 else 1] = side.queued
    return TickRow(tick, seconds, move, price, price_after, fill, lc, sc, ln, sn, lf, sf,
                   lb, sb, *queues, after, *depth.side_flow, *held, adl)


def traded_price(market: Market, move: float, consumed: float) -> float:
    """The traded price max(P0 (1 + m - I(Q)), floor) at exogenous move m with consumed
    depth Q (quote currency at P0), the floor as LiquidationBook.price_after's."""
    p0 = market.price
    floor = p0 * min(PRICE_FLOOR, 1.0 + move)
    price = max(p0 * (1.0 + move - market.price_impact(consumed)), floor)
    if not price < math.inf:
        raise ValueError(f"{_too_thin(market)}: its forced buying of {-consumed:.3g} (quote "
                         f"currency at P0) moves the price past the largest float")
    return price


def fill_price(market: Market, move: float, start: float, end: float) -> float:
    """The fill of a walk from consumed depth `start` to `end` at exogenous move m: its
    VWAP max(P0 (1 + m - mean I over [start, end]), floor)."""
    p0 = market.price
    floor = p0 * min(PRICE_FLOOR, 1.0 + move)
    return max(p0 * (1.0 + move - market.mean_impact(start, end)), floor)


def timed_result(book, path, dt, rows, labels, ledger, limited, start_price,
                 adl=None) -> TimedResult:
    """The TimedResult of a run of `book` along `path` from its TickRows `rows` (one per
    tick), its labels (the tick that finished each position, -1 survived), its ledger
    (None: no accounts; settled here tick by tick unless `adl`, a Deleverage that settled
    them in the run), whether a limit bound the engine, and the first tick's start price."""
    market, p0, pop = book.market, book.market.price, book.population
    table = np.array([row[:14] for row in rows], dtype=np.float64).reshape(-1, 14)
    tick, seconds, move, before, after, fill, lc, sc, ln, sn, lf, sf, lb, sb = table.T
    queue_long = np.array([row[14] for row in rows])
    queue_short = np.array([row[15] for row in rows])
    held = np.array([row[16:21] for row in rows], dtype=np.float64).reshape(-1, 5)
    executed = (lc + sc + ln + sn) > 0
    # accounts: each side's executions of a tick settle at the tick's fill, longs first
    fund = np.full(len(rows), np.nan)
    extra = []
    adl_column = np.array([row[21] for row in rows], dtype=np.float64)
    if adl is not None:  # settled tick by tick in the run (ADL needs the fund as it goes)
        extra, fund = adl.rows, np.array(adl.funds, dtype=np.float64)
    elif ledger is not None:
        if not limited and market.mm_tiers is None:  # sums by tick over the positions
            # themselves, as engine._with_accounts (with tiers a tick may close a slice)
            lq, lbv = _by_tick(pop, labels, len(rows), 1)
            sq, sbv = _by_tick(pop, labels, len(rows), -1)
        else:
            lq, sq, lbv, sbv = lf / p0, sf / p0, lb, sb
        for k in np.flatnonzero(executed):
            parts = [_settle_step(ledger, market, fill[k], quantity[k], bankrupt[k], sign,
                                  int(tick[k]))
                     for sign, quantity, bankrupt, did in ((1, lq, lbv, ln[k] or lc[k]),
                                                           (-1, sq, sbv, sn[k] or sc[k]))
                     if did]
            fund[k] = ledger.fund
            extra.append(both_sides(parts, fill[k], ledger.fund) if parts
                         else (fill[k], 0.0, 0.0, ledger.fund, 0.0, 0.0))
        fund = pd.Series(fund).ffill().fillna(ledger.fund_start).to_numpy()
    # the waves: one row per executing tick, as engine._wave_table
    k = np.flatnonzero(executed)
    count = (lc + sc)[k].astype(np.int64)
    notional = (ln + sn)[k]
    flow = lf[k] - sf[k]
    prices = after[k]
    triggers = np.array([start_price if i == 0 else rows[j - 1][4] for i, j in enumerate(k)])
    waves = pd.DataFrame({
        "wave": np.arange(1, k.size + 1), "trigger_price": triggers, "price": prices,
        "move": prices / p0 - 1.0, "count": count, "notional": notional,
        "long_count": lc[k].astype(np.int64), "short_count": sc[k].astype(np.int64),
        "long_notional": ln[k], "short_notional": sn[k], "flow": flow,
        "cumulative_notional": np.cumsum(notional), "cumulative_flow": np.cumsum(flow),
        "notional_ratio": notional_ratio(notional)}, columns=WAVE_COLUMNS)
    waves["tick"] = tick[k].astype(np.int64)
    waves["seconds"] = seconds[k]
    if limited or ledger is not None or market.mm_tiers is not None:
        waves["queued"] = (queue_long + queue_short)[k]
        waves["fill_price"] = fill[k]
    if ledger is not None:
        names = ["fees", "pnl", "fund", "bad_debt", "adl_notional"]
        for i, name in enumerate(names):
            waves[name] = np.array([row[i + 1] for row in extra], dtype=float)
    series = pd.DataFrame({
        "tick": tick.astype(np.int64), "seconds": seconds, "move": move,
        "exogenous_price": p0 * (1.0 + move), "start_price": before, "price": after, "fill_price": fill,
        "long_count": lc.astype(np.int64), "short_count": sc.astype(np.int64),
        "long_notional": ln, "short_notional": sn, "queue_long": queue_long,
        "queue_short": queue_short, "fund": fund,
        **dict(zip(_HELD_COLUMNS, held.T)), "adl": adl_column}, columns=SERIES_COLUMNS)
    price_path = [p0, start_price, *prices]
    if after.size and after[-1] != price_path[-1]:
        price_path.append(float(after[-1]))
    shock = path.low if -path.low >= path.high else path.high
    return TimedResult(
        shock=shock, market=market, population=pop, price_path=np.array(price_path),
        waves=waves, liquidated_in=labels, queue_path=(queue_long + queue_short)[k],
        fund_path=(np.array(waves["fund"], dtype=float) if ledger is not None else np.empty(0)),
        bad_debt=0.0 if ledger is None else ledger.bad_debt,
        adl_notional=0.0 if ledger is None else ledger.adl_value,
        adl_positions=0 if adl is None else adl.positions,
        fund_exhausted_step=-1 if ledger is None else ledger.exhausted_step,
        ledger=None if ledger is None else ledger.as_dict(),
        path=path, tick_seconds=dt, series=series,
        slippage=_slippage(book, labels, fill))


def _by_tick(pop: Population, labels, ticks: int, sign: int):
    """(quantity, sum b_i q_i) liquidated per tick on one side (index = tick - 1)."""
    hit = (labels >= 1) & (pop.side == sign)
    at = labels[hit] - 1
    quantity = np.bincount(at, weights=pop.quantity[hit], minlength=ticks)
    bankrupt = np.bincount(at, weights=(pop.bankruptcy_price() * pop.quantity)[hit],
                           minlength=ticks)
    return quantity, bankrupt


def _slippage(book: LiquidationBook, labels, fill) -> float:
    """The deepest fill past a liquidation price, relative to it: the largest
    s_i (L_i - F_k) / L_i over liquidated positions i (s = +1 long, -1 short), F_k the fill
    of the tick that finished i (0.0 when nothing was liquidated; negative when every fill
    was better than the liquidation price)."""
    hit = np.flatnonzero(labels >= 1)
    if hit.size == 0:
        return 0.0
    liq = book.liquidation_price[hit]
    side = book.population.side[hit]
    return float(np.max(side * (liq - fill[labels[hit] - 1]) / liq))


def _check_block_ticks(side: _BlockSide, limit: float, dt: float) -> None:
    """Refuse a per-position limit under which the side's largest position alone needs more
    than MAX_TICKS ticks (largest notional / limit)."""
    if side.largest / limit > MAX_TICKS:
        raise ValueError(
            f"position_notional_per_tick: {limit:,.6g} USD per {dt:g} s tick would take "
            f"{side.largest / limit:,.0f} ticks to execute the largest position "
            f"({side.largest:,.6g}), more than {MAX_TICKS:,}; raise it to at least "
            f"{side.largest / MAX_TICKS:,.6g}")


def final_move_timed(book: LiquidationBook, path: PricePath | float,
                     tick_seconds: float = DEFAULT_TICK) -> tuple[float, int]:
    """(total_move, wave_count) of run_timed(book, path, tick_seconds), bit for bit, without
    building its tables (the waves, the series, the slippage): for sweeps of many timed
    runs (cascade.sweep)."""
    return run_timed(book, path, tick_seconds, _summary=True)


def _summary_of(rows, p0: float) -> tuple[float, int]:
    """(x, executing ticks) as timed_result reports them: its price path ends at the price after
    the last tick, and a tick executed when it liquidated a count or a notional."""
    executing = sum(1 for row in rows if (row[6] + row[7] + row[8] + row[9]) > 0)
    return float(rows[-1][4]) / p0 - 1.0, executing


@dataclass(frozen=True)
class Extreme:
    """Where a timed run's traded price went furthest in one direction, and how much of the
    cascade's flow in that direction was still on the price then (extreme_of).

    direction:   -1 the fall (longs' sales), +1 the rise (shorts' purchases).
    move:        the extreme traded move, relative to P0: x_lo = min(P / P0 - 1, 0) or
                 x_hi = max(P / P0 - 1, 0) over every tick's start_price and price.
    tick:        the first tick (1-based) at whose start or end the price was there (0: the
                 price never left P0 that way).
    seconds:     when the price was there: the tick's start, or its end (start + dt) when
                 the price after the tick was further than at its start.
    flow:        that side's forced flow executed up to and including the tick (quote
                 currency at P0; sold_flow or bought_flow).
    held:        the part of it still consumed after the tick's walk (sold_consumed or
                 bought_consumed).
    persistence: p = clip(held / flow, 0, 1); 1 when flow = 0 (nothing executed that way).
    """
    direction: int
    move: float
    tick: int
    seconds: float
    flow: float
    held: float
    persistence: float


def extreme_of(result: TimedResult, direction: int) -> Extreme:
    """The Extreme of `result` in `direction` (-1 fall, +1 rise), read off its series:

        x = min(min_k min(start_k, price_k) / P0 - 1, 0)        (a fall; max for a rise)
        p = clip(C_k / F_k, 0, 1),   p = 1 when F_k = 0

    with k the first tick where the traded price was at x, F_k the side's executed flow up
    to and including tick k, and C_k = F_k less what the book's refill had given back of
    it (the side's part of Q_T + Q_P after tick k's walk). Without refill C_k = F_k exactly,
    so p = 1."""
    if direction not in (-1, 1):
        raise ValueError(f"direction: must be -1 (a fall) or +1 (a rise), got {direction!r}")
    series, p0 = result.series, result.market.price
    start, end = series["start_price"].to_numpy(), series["price"].to_numpy()
    if direction < 0:
        prices, flows, helds = np.minimum(start, end), "sold_flow", "sold_consumed"
        at = int(np.argmin(prices)) if prices.size else 0
        move = min(float(prices[at]) / p0 - 1.0, 0.0) if prices.size else 0.0
    else:
        prices, flows, helds = np.maximum(start, end), "bought_flow", "bought_consumed"
        at = int(np.argmax(prices)) if prices.size else 0
        move = max(float(prices[at]) / p0 - 1.0, 0.0) if prices.size else 0.0
    if move == 0.0:
        return Extreme(direction, 0.0, 0, 0.0, 0.0, 0.0, 1.0)
    flow = float(series[flows].iloc[at])
    held = float(series[helds].iloc[at])
    persistence = 1.0 if flow <= 0.0 else min(max(held / flow, 0.0), 1.0)
    seconds = float(series["seconds"].iloc[at]) + (result.tick_seconds if end[at] != start[at]
                                                    and end[at] == prices[at] else 0.0)
    return Extreme(direction, move, at + 1, seconds, flow, held, persistence)
