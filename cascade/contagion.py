"""Contagion: a cascade over several markets, through accounts (issue 19; docs/model.md,
"Accounts and several markets").

Markets m = 1 .. M, each a cascade.Market (its own P0, depth, impact, engine) moved by its
own exogenous path m_m(t) (cascade.paths; beta_paths makes them one path times each
market's beta). Ticks of dt seconds as cascade/clock.py; tick k:
  1. prices: every market's traded price at the tick's start,
         P_m = max(P0_m (1 + m_m(t) - I_m(Q_m)), floor)        (clock.traded_price);
  2. cross accounts: an account with cross positions is reached when its equity at those
     prices is at or below its maintenance,
         E = C + sum_j s_j q_j (P_m(j) - e_j) <= MM = sum_j mm_m(j) n_j;
     the venue rule then closes its cross positions:
       "whole":        every cross position to its market's book this tick;
       "hyperliquid":  when E < 2/3 MM the backstop vault takes the whole account at P
                       (nothing reaches the books); otherwise each position goes to its
                       book, one above $100K in 5 parts of 20%, 30 s apart (the first part
                       this tick; cascade.market.HYPERLIQUID_PARTIAL);
     once reached, finished (the queue rule of the one-market engine). An order is due
     when sent (a later Hyperliquid part: when its cooldown ends). Where its market side's
     engine has no cap it executes whole in the tick it is due; otherwise it joins that
     side's queue (below);
  3. isolated positions: each market's isolated positions are a LiquidationBook run by
     the one-market clock's own sides (clock.engine_side: reach, engine caps, parts) and,
     with Market.adl, its ADL (clock.Deleverage, the fill it splits on counting the tick's
     cross orders). The engine's cap per tick on a side (the longs' sales, the shorts'
     purchases), cap = min(engine_rate dt, capacity_per_step), is shared by the side's
     isolated and cross orders, first in first out by the tick an order became due; at
     the same tick, isolated first (the one-market engine runs its own queue, most
     underwater first, as one block: served after it, cross orders never split it);
     within a tick's cross orders, the account most underwater at its reach first
     (lowest (E - MM) / MM). Each tick the cap is walked over both queues, oldest due
     tick first: the cross orders due before isolated work it reaches are served first
     and the isolated engine may use the rest (_IsolatedAges); the cross orders then get
     cap less what the isolated engine executed, oldest first (_CrossQueue), an order
     possibly in part; an account settles when its last order has filled.
     engine_max_positions counts the orders executed in whole or in part in a tick, cross
     and isolated, shared in the same order (not applied where the market's engine sends
     parts, as on the clock); partial_liquidation and position_notional_per_tick stay
     rules of the isolated engine (a cross order's parts are the venue rule's). The
     backstop vault's takeovers do not reach a book and are not capped;
  4. walk and refill, per market: the net flow f_m = (isolated longs' - shorts' flow) +
     (cross orders' s q P0_m) walks market m's book only; fills at the walk's VWAP
     (clock.fill_price); the transient and permanent parts refill as the clock's
     (clock.Depth); the tick is recorded as the clock's (clock.tick_row).
Forced flow in market m moves only P_m; it reaches the other markets through the accounts
that hold m and them.

Exactness: with no cross positions each market's run is run_timed of its isolated
positions on its path, bit for bit (price path, waves, liquidated_in; with adl, also the
series' adl column and the ledger when the venue fund starts at the market's
insurance_fund): the same sides, prices and walks in the same order
(tests/model/test_contagion.py, tests/model/test_contagion_adl.py).

Money, in one venue fund F (quote currency, `insurance_fund`, default 0; each Market's own
insurance_fund is not read). Each tick:
  1. market by market, the isolated longs' then shorts' executions settle as the clock's
     (cascade.venue.settle: fees phi P q into the fund, and s (P q - sum b q); with adl the
     deleveraged front closes at bankruptcy and costs the fund nothing), each market on
     its own Ledger over the one fund;
  2. the cross accounts whose last order filled this tick settle as one batch, each
     position j contributing
         fee_m F_j q_j  and  c_j + s_j q_j (F_j - e_j),   c_j = C n_j / sum of the account's n
     (F_j the mean fill of its parts and of the pieces a capped engine cut them into, or
     P for the backstop, no fee): the account's collateral and realised PnL go to the
     fund, as an isolated position's margin does.
     The fund pays a negative total first. A deficit D beyond it is shared over cells
     (market m, side s): each losing account's loss L_a = -(its fees + pnl) is split over
     its positions by their own losses max(-(c_j + PnL_j), 0), and cell c takes
     D_c = D l_c / sum l (l_c: the cell's part of the L_a). Where m has adl, D_c is
     recovered from m's winners: its isolated positions on side -s with pnl% > 0, ranked
     by venue.adl_ranking at the tick's start price P_m (the ranking m's isolated ADL uses,
     each unit taken once); they give x = min(Q_c, what they still hold) units, Q_c the
     cell's losing quantity, closed at P_m + s D_c / Q_c, which recovers R_c = D_c x / Q_c
     (ADL quantity x, ADL value x (P_m + s D_c / Q_c), what the winners were paid). The
     rest D_c - R_c is m's bad debt, and the fund ends at 0.
So, per market contributions summed and in total,
     fund_end = fund_start + fees + pnl + adl_recovered + bad_debt.
mm_tiers are refused by name.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._checks import number_in, one_of
from .accounts import AccountBook, make_accounts
from .clock import (DEFAULT_TICK, MAX_TICKS, Deleverage, Depth, TimedResult, engine_limits,
                    engine_side, fill_price, tick_row, timed_result, traded_price)
from .engine import LiquidationBook, _new_ledger, _settle_step
from .market import HYPERLIQUID_PARTIAL, Market
from .paths import MAX_MOVE, PricePath, fall_then_rebound, jump
from .population import Population
from .venue import Ledger, adl_ranking

RULES = ("whole", "hyperliquid")
# Hyperliquid: the backstop vault takes a cross account below 2/3 of maintenance.
BACKSTOP_SHARE = 2.0 / 3.0
SERIES_COLUMNS = ["tick", "seconds", "market", "move", "start_price", "price", "fill_price",
                  "isolated_notional", "cross_notional", "backstop_notional", "adl", "fund",
                  "cross_queue", "queue"]
# a share of an engine's cap per tick below which what is left of it is taken as spent
# (the rounding of the pieces it was cut into)
_RESOLUTION = 1e-12
# the money summed per market and in total (ContagionResult.money, .ledger)
MONEY_SUMS = ("fees", "pnl", "bad_debt", "adl_quantity", "adl_value", "adl_recovered")


def beta_paths(path: PricePath, betas) -> tuple[PricePath, ...]:
    """One path per market: market m moves beta_m times `path` (the same knots)."""
    out = []
    for beta in betas:
        beta = number_in("beta", beta, low=0.0)
        out.append(PricePath(path.times, beta * np.asarray(path.moves),
                             name=f"{beta:g} x {path.name}"))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class ContagionResult:
    """A contagion run (see the module docstring).

    markets:        market names.
    isolated:       per market, the TimedResult of its isolated positions (None when it
                    has none): its price columns are the market's prices, cross flow
                    included; its waves and liquidated_in count isolated positions only.
    series:         one row per tick and market (SERIES_COLUMNS): moves, prices, the
                    notional at entry executed (isolated, cross to the book, to the
                    backstop), the tick's ADL value in the market (quote currency: what
                    the winners were paid, isolated fronts and cross deficits), the
                    venue fund after the tick (the same in every market's row), and after
                    the tick the notional at entry waiting in the market's engine:
                    cross_queue (cross orders due and not executed, both sides) and queue
                    (the isolated engine's queue, as the clock's queue_long + queue_short,
                    plus cross_queue).
    position_tick:  per position of the book, the tick that finished it (-1 survived).
    account_tick:   per account, the tick its cross positions were reached (-1 never;
                    accounts without cross positions: the tick of their last isolated
                    liquidation, else -1).
    shocked:        per market, True when its exogenous path moves.
    ledger:         the venue fund's totals: fund_start, fund_end, money's sums,
                    exhausted_step (the first tick a settlement left the fund empty).
    money:          per market (quote currency; adl_quantity in units): fees, pnl (what
                    the liquidated leave the fund, the isolated and the cross parts),
                    cross_shortfall (cross positions' losses beyond their collateral
                    share, sum of max(-(c_j + PnL_j), 0)), bad_debt (what the fund could
                    not pay of the deficits the market's positions caused), adl_quantity,
                    adl_value (what the winners were paid) and adl_recovered (the cross
                    deficits its winners paid the fund); fund_end = fund_start + the sum
                    over markets of fees + pnl + adl_recovered + bad_debt.
    prices:         P0 per market.
    tick_seconds:   dt.
    deleveraged:    per position of the book, True when ADL closed it in whole or in part
                    as a winner.
    """
    markets: tuple
    book: AccountBook = field(repr=False)
    isolated: dict = field(repr=False)
    series: pd.DataFrame = field(repr=False)
    position_tick: np.ndarray = field(repr=False)
    account_tick: np.ndarray = field(repr=False)
    shocked: tuple
    ledger: dict
    money: pd.DataFrame = field(repr=False)
    prices: np.ndarray = field(repr=False, default=None)
    tick_seconds: float = DEFAULT_TICK
    deleveraged: np.ndarray = field(repr=False, default=None)

    def money_total(self) -> dict:
        """The venue's money in total: fund_start, fund_end and the sums of money's columns
        over the markets (fees, pnl, bad_debt, adl_quantity, adl_value, adl_recovered), so
        fund_end = fund_start + fees + pnl + adl_recovered + bad_debt to rounding."""
        out = {"fund_start": self.ledger["fund_start"], "fund_end": self.ledger["fund_end"]}
        out.update({name: float(self.money[name].sum()) for name in MONEY_SUMS})
        return out

    @property
    def liquidated(self) -> np.ndarray:
        return self.position_tick >= 1

    def moves(self) -> dict:
        """Per market, the traded move at the run's end, P / P0 - 1."""
        out = {}
        for m, name in enumerate(self.markets):
            rows = self.series[self.series["market"] == name]
            out[name] = float(rows["price"].iloc[-1]) / float(self.prices[m]) - 1.0
        return out

    def liquidated_notional(self) -> float:
        return float(self.book.notional[self.liquidated].sum())

    def cross_share(self) -> float:
        """Cross positions' share of the liquidated notional (at entry); NaN if none."""
        total = self.liquidated_notional()
        cross = float(self.book.notional[self.liquidated & self.book.cross].sum())
        return cross / total if total > 0 else math.nan

    def contagion_share(self) -> float:
        """The share of the liquidated notional (at entry) in markets whose own path does
        not move: liquidations another market's fall caused, through the accounts."""
        total = self.liquidated_notional()
        calm = ~np.asarray(self.shocked)[self.book.market]
        return (float(self.book.notional[self.liquidated & calm].sum()) / total
                if total > 0 else math.nan)

    def pulled_in(self) -> np.ndarray:
        """Ids of the liquidated accounts that hold no position in a market whose own path
        moves: pulled in by a market they were not shocked in."""
        book = self.book
        shocked = np.asarray(self.shocked)[book.market]
        exposed = np.bincount(book.account, weights=shocked.astype(float),
                              minlength=book.accounts) > 0
        hit = np.bincount(book.account, weights=self.liquidated.astype(float),
                          minlength=book.accounts) > 0
        return np.flatnonzero(hit & ~exposed)

    def by_market(self) -> pd.DataFrame:
        """Per market: move, liquidated notional (isolated, cross), contagion flag."""
        book, hit = self.book, self.liquidated
        moves = self.moves()
        rows = []
        for m, name in enumerate(self.markets):
            here = hit & (book.market == m)
            rows.append({"market": name, "shocked": bool(self.shocked[m]),
                         "move": moves[name],
                         "liquidated_notional": float(book.notional[here].sum()),
                         "cross_notional": float(book.notional[here & book.cross].sum()),
                         "positions": int(here.sum())})
        return pd.DataFrame(rows)


def run_contagion(book: AccountBook, markets, paths, tick_seconds: float = DEFAULT_TICK, *,
                  rule: str = "whole", insurance_fund: float = 0.0) -> ContagionResult:
    """The cascade of `book` over `markets` (one Market per name of book.markets, a
    sequence in that order or a mapping by name) along `paths` (one PricePath or shock
    per market), in ticks of `tick_seconds`, with the venue rule `rule` for cross
    accounts ("whole" or "hyperliquid") and one venue fund of `insurance_fund` (quote
    currency; each Market's own insurance_fund is not read); see the module docstring."""
    names = book.markets
    count = len(names)
    if isinstance(markets, dict):
        missing = [n for n in names if n not in markets]
        if missing:
            raise ValueError(f"markets: no Market for {', '.join(missing)}")
        markets = [markets[n] for n in names]
    markets = list(markets)
    paths = list(paths.values()) if isinstance(paths, dict) else list(paths)
    if len(markets) != count or len(paths) != count:
        raise ValueError(f"markets: expected {count} markets and paths ({', '.join(names)}), "
                         f"got {len(markets)} and {len(paths)}")
    paths = [p if isinstance(p, PricePath) else jump(p) for p in paths]
    for m, market in enumerate(markets):
        if not isinstance(market, Market):
            raise ValueError(f"markets: {names[m]} is not a Market ({market!r})")
        if market.mm_tiers is not None:
            raise ValueError(f"mm_tiers: {names[m]} sets margin tiers; the contagion engine "
                             f"does not run them (leave its tiers flat)")
    dt = number_in("tick_seconds", tick_seconds, low=0.0, low_open=True, high=3600.0)
    one_of("rule", rule, RULES)
    fund0 = number_in("insurance_fund", insurance_fund, low=0.0)
    duration = max(p.duration for p in paths)
    if duration / dt > MAX_TICKS:
        raise ValueError(f"paths: {duration:g} s at {dt:g} s per tick is more than "
                         f"{MAX_TICKS:,} ticks; use a longer tick or a shorter path")
    p0 = np.array([mk.price for mk in markets])
    mm = np.array([mk.maintenance_margin for mk in markets])
    # the isolated positions of each market, as the one-market clock runs them; each
    # market's isolated settlements keep their own Ledger over the one venue fund
    iso_books, iso_index, sides_of, limited_of, adls = [], [], [], [], []
    for m, market in enumerate(markets):
        index = np.flatnonzero(~book.cross & (book.market == m))
        iso_index.append(index)
        limited_of.append(engine_limits(market, dt)[1])
        if index.size == 0:
            iso_books.append(None), sides_of.append([]), adls.append(None)
            continue
        pop = Population.from_arrays(book.leverage[index], book.notional[index],
                                     book.side[index], book.entry_price[index],
                                     maintenance_margin=market.maintenance_margin,
                                     price=market.price)
        lbook = LiquidationBook(pop, market)
        # both sides are built: a calm market may be pushed either way by cross flow
        sides_of.append([engine_side(lbook, market, direction, dt) for direction in (-1, 1)
                         if (pop.side == -direction).any()])
        iso_books.append(lbook), adls.append(Deleverage(lbook) if market.adl else None)
    ledgers = [Ledger(fund_start=fund0, fund=fund0) for _ in range(count)]
    depths = [Depth(market, dt) for market in markets]
    # each market side's engine cap per tick, min(engine_rate dt, capacity per step), as
    # the clock's (engine_side), and its count engine_max_positions (not applied where the
    # engine sends parts, as on the clock); cross orders share them where they are set
    caps = np.array([[min(engine_limits(mk, dt)[0], mk.capacity_per_step(sign))
                      for sign in (1, -1)] for mk in markets])
    counts = [mk.engine_max_positions if mk.partial_liquidation is None else None
              for mk in markets]
    capped = np.isfinite(caps) | np.array([[c is not None] * 2 for c in counts])
    _check_cross_ticks(book, markets, caps, counts, capped)
    cross = _CrossAccounts(book, p0, mm, rule, dt, capped)
    ages = [[_IsolatedAges() if capped[m, i] else None for i in (0, 1)]
            for m in range(count)]
    labels = [np.full(i.size, -1, dtype=np.int64) for i in iso_index]
    rows = [[] for _ in range(count)]
    starts = [None] * count
    series = []
    fund = fund0
    tick = 0
    while True:
        tick += 1
        if tick > MAX_TICKS:
            raise ValueError(f"tick_seconds: the run has not ended after {MAX_TICKS:,} ticks")
        seconds = (tick - 1) * dt
        moves = np.array([p.at(seconds) for p in paths])
        consumed = np.array([d.consumed for d in depths])
        prices = np.array([traded_price(markets[m], moves[m], consumed[m])
                           for m in range(count)])
        cflow, cnotional, bnotional = cross.tick(prices, tick)
        fills = np.full(count, np.nan)
        adl_ticks = np.zeros(count)
        for m, market in enumerate(markets):
            if starts[m] is None:
                starts[m] = prices[m]
            took = [(0, 0.0, 0.0, math.nan)] * 2
            queues = cross.queues[m]
            touched = [0, 0]  # isolated positions executed in whole or in part, per side
            for side, cap in sides_of[m]:
                i = 0 if side.sign > 0 else 1
                limit = market.engine_max_positions
                if queues[i] is None:
                    took[i] = side.tick(prices[m], cap, limit, tick, labels[m])
                    continue
                # the cap and the count are shared with the cross orders
                cap, limit = ages[m][i].isolated_cap(cap, counts[m], queues[i], tick)
                if limit is not None and limit <= 0:
                    cap, limit = 0.0, None
                before = _position_of(side) if counts[m] is not None else None
                took[i] = side.tick(prices[m], cap, limit, tick, labels[m])
                ages[m][i].record(side, took[i][1], took[i][0], tick, counts[m] is not None)
                if before is not None:
                    touched[i] = _touched(side, before)
            for i in (0, 1):
                if queues[i] is not None and queues[i].buckets:
                    budget = caps[m, i] - took[i][1]
                    if budget <= _RESOLUTION * caps[m, i] < math.inf:  # spent, to rounding
                        budget = 0.0
                    served, executed = cross.serve(
                        m, i, budget,
                        None if counts[m] is None else counts[m] - touched[i])
                    cflow[m] += served
                    cnotional[m] += executed
            ledger, adl = ledgers[m], adls[m]
            ledger.fund = fund
            if adl is not None:  # the book takes only what ADL leaves of each batch
                took = adl.split(sides_of[m], took, ledger, moves[m], consumed[m], prices[m],
                                 extra=cflow[m])
            (lc, ln, lf, lb), (sc, sn, sf, sb) = took
            net = lf - sf + cflow[m]
            after = consumed[m] + net
            fill = (fill_price(market, moves[m], consumed[m], after)
                    if (lc or sc or ln or sn or cnotional[m]) else math.nan)
            fills[m] = fill
            if adl is not None:
                adl_ticks[m] = adl.settle(ledger, market, fill, took, tick)
            elif ln or lc or sn or sc:
                _settle_isolated(ledger, market, iso_books[m], labels[m], limited_of[m], tick,
                                 fill, took)
            fund = ledger.fund
            price_after = traded_price(market, moves[m], after)
            held = depths[m].walk(net, (lf + max(cflow[m], 0.0), sf + max(-cflow[m], 0.0)))
            rows[m].append(tick_row(tick, seconds, moves[m], prices[m], price_after, fill,
                                    took, sides_of[m], after, depths[m], held, adl_ticks[m]))
        fund = cross.filled(fills, prices, tick, fund, markets, adls)
        for m in range(count):
            row = rows[m][-1]
            waiting = cross.waiting(m)
            series.append((tick, seconds, m, moves[m], prices[m], row.price, fills[m],
                           row.long_notional + row.short_notional, cnotional[m],
                           bnotional[m], adl_ticks[m] + cross.adl_tick[m], fund, waiting,
                           row.queue_long + row.queue_short + waiting))
        quiet = all(not r[-1].executed and r[-1].queue_long <= 0 and r[-1].queue_short <= 0
                    for r in rows)
        if (seconds >= duration and quiet and not cnotional.any()
                and not bnotional.any() and not cross.pending and not cross.queued):
            break
    isolated = {}
    position_tick = np.full(len(book), -1, dtype=np.int64)
    deleveraged = np.zeros(len(book), dtype=bool)
    for m in range(count):
        if iso_books[m] is not None:
            if adls[m] is not None:  # settled in the run, against the venue fund
                isolated[names[m]] = timed_result(iso_books[m], paths[m], dt, rows[m],
                                                  labels[m], ledgers[m], limited_of[m],
                                                  starts[m], adls[m])
                deleveraged[iso_index[m][_deleveraged(adls[m])]] = True
            else:  # settled again as if alone, against the market's own fund
                isolated[names[m]] = timed_result(
                    iso_books[m], paths[m], dt, rows[m], labels[m],
                    _new_ledger(markets[m]) if markets[m].keeps_accounts else None,
                    limited_of[m], starts[m])
            position_tick[iso_index[m]] = labels[m]
        else:
            isolated[names[m]] = None
    position_tick[cross.positions] = cross.position_tick
    account_tick = np.full(book.accounts, -1, dtype=np.int64)
    np.maximum.at(account_tick, book.account[~book.cross], position_tick[~book.cross])
    account_tick[cross.ids] = np.where(cross.reached_tick >= 1, cross.reached_tick,
                                       account_tick[cross.ids])
    frame = pd.DataFrame(series, columns=SERIES_COLUMNS)
    frame["market"] = np.array(names, dtype=object)[frame["market"].to_numpy()]
    shortfall = np.bincount(book.market[cross.positions], weights=np.minimum(cross.contribution,
                                                                             0.0),
                            minlength=count)

    def column(name):
        return np.array([getattr(ledger, name) for ledger in ledgers]) + cross.money[name]

    money = pd.DataFrame({"market": names, "fees": column("fees"), "pnl": column("pnl"),
                          "cross_shortfall": -shortfall, "bad_debt": column("bad_debt"),
                          "adl_quantity": column("adl_quantity"),
                          "adl_value": column("adl_value"),
                          "adl_recovered": cross.money["adl_recovered"]})
    exhausted = [e for e in (*(ledger.exhausted_step for ledger in ledgers), cross.exhausted)
                 if e >= 1]
    totals = dict(fund_start=fund0, fund_end=float(fund),
                  **{name: float(money[name].sum()) for name in MONEY_SUMS},
                  exhausted_step=min(exhausted) if exhausted else -1)
    return ContagionResult(names, book, isolated, frame, position_tick, account_tick,
                           tuple(bool(p.low < 0 or p.high > 0) for p in paths),
                           totals, money, p0, dt, deleveraged)


def _position_of(side):
    """Where a prefix or block engine side stands in its queue (for _touched)."""
    if hasattr(side, "carried"):
        return [tuple(c) for c in side.carried], side.started
    return side.executed


def _touched(side, before) -> int:
    """How many positions `side` executed in whole or in part in its last tick (what
    engine_max_positions counts), from where it stood before it (_position_of)."""
    if hasattr(side, "carried"):  # the block engine: carried positions, then new ones
        carried, started = before
        left = {j: rest for j, rest in side.carried}
        return (sum(1 for j, rest in carried if left.get(j) != rest)
                + side.started - started)
    lo, hi, cum = before, side.executed, side.cum_notional
    if hi <= lo:
        return 0
    return int(np.searchsorted(cum, hi, side="left")) - int(np.searchsorted(cum, lo,
                                                                           side="right")) + 1


def _check_cross_ticks(book: AccountBook, markets, caps, counts, capped) -> None:
    """Refuse a capped market side whose positions (isolated and cross, notional at entry)
    could need more than MAX_TICKS ticks at its cap, as the clock refuses its rate."""
    for m, market in enumerate(markets):
        for i, sign in enumerate((1, -1)):
            here = (book.market == m) & (book.side == sign)
            if not capped[m, i] or not (here & book.cross).any():
                continue
            if counts[m] is not None and here.sum() / counts[m] > MAX_TICKS:
                raise ValueError(
                    f"engine_max_positions: {book.markets[m]}'s {counts[m]} per tick could "
                    f"take {here.sum() / counts[m]:,.0f} ticks to clear its "
                    f"{int(here.sum()):,} positions, more than {MAX_TICKS:,}")
            total = float(book.notional[here].sum())
            if total / caps[m, i] > MAX_TICKS:
                raise ValueError(
                    f"engine_rate: {book.markets[m]}'s cap of {caps[m, i]:,.6g} per tick "
                    f"could take {total / caps[m, i]:,.0f} ticks to clear the "
                    f"{total:,.6g} its positions hold, more than {MAX_TICKS:,}; raise the "
                    f"cap (engine_rate x tick_seconds, engine_capacity) to at least "
                    f"{total / MAX_TICKS:,.6g} per tick")


def _deleveraged(adl: Deleverage) -> np.ndarray:
    """The winners (positions of adl's book) ADL closed in whole or in part."""
    out = [w[0][:int(np.searchsorted(w[1][:-1], t, side="left"))]
           for w, t in zip(adl.winners, adl.taken) if w is not None]
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def _take_winners(adl: Deleverage, price: float, sign: int, wanted: float) -> float:
    """Take up to `wanted` units from the winners against losers of side `sign` (+1 longs)
    in adl's market: the ranking the market's isolated ADL uses (ranked once per side, at
    the tick's start `price` when ADL first strikes it; venue.adl_ranking), continuing
    where it stopped. Returns the units taken."""
    i = 0 if sign > 0 else 1
    if adl.winners[i] is None:
        adl.winners[i] = adl_ranking(adl.book.population, price, winner_side=-sign)
    available = max(float(adl.winners[i][1][-1]) - adl.taken[i], 0.0)
    taken = min(wanted, available)
    adl.taken[i] += taken
    return taken


def _settle_isolated(ledger, market, lbook, labels, limited, tick, fill, took) -> None:
    """Settle one market's isolated executions of a tick as clock.timed_result does: longs
    first; by the positions finished this tick (unlimited engine) or the tick's flows."""
    pop, p0 = lbook.population, market.price
    for sign, (count, notional, flow, bankrupt) in ((1, took[0]), (-1, took[1])):
        if not (count or notional):
            continue
        if not limited:
            hit = (labels == tick) & (pop.side == sign)
            quantity = float(np.sum(pop.quantity[hit]))
            bankrupt = float(np.sum((pop.bankruptcy_price() * pop.quantity)[hit]))
        else:
            quantity = flow / p0
        _settle_step(ledger, market, fill, quantity, bankrupt, sign, tick)


class _CrossQueue:
    """The cross orders waiting in one side of one market's capped engine (the longs'
    sales or the shorts' purchases): batches by the tick they became due (a position's
    first order: the tick its account was reached; a later Hyperliquid part: the tick its
    cooldown ended), oldest first; within a batch, the account most underwater at its
    reach first (lowest (E - MM) / MM), then by position. Each batch is a prefix axis of
    notional at entry, executed from its front like the clock's queue: an order may
    execute in part, and is finished in the tick that executes its last piece."""

    def __init__(self):
        self.buckets = deque()  # [due tick, local positions, fraction, cum notional, executed]
        self.waiting = 0.0      # notional at entry waiting, all batches

    def add(self, tick: int, local, fraction, notional, rank) -> None:
        order = np.lexsort((local, rank))
        local, fraction = local[order], fraction[order]
        cum = np.concatenate(([0.0], np.cumsum(fraction * notional[local])))
        self.buckets.append([tick, local, fraction, cum, 0.0])
        self.waiting += float(cum[-1])

    def older(self, tick: int):
        """The batches due before `tick`, oldest first."""
        for b in self.buckets:  # in due order: a tick's batch is added in that tick
            if b[0] >= tick:
                return
            yield b

    @staticmethod
    def step(bucket, budget: float, count) -> tuple:
        """What `budget` (notional at entry) and `count` (orders, None: no limit) execute of
        `bucket` from its front: (lo, hi, first, end, finished): the axis from lo to hi;
        orders first .. end - 1 touched, first .. finished - 1 finished."""
        cum, lo = bucket[3], bucket[4]
        total = float(cum[-1])
        hi = total if budget >= total - lo else lo + budget
        first = int(np.searchsorted(cum[1:], lo, side="right"))  # first not finished
        if count is not None and first + count < cum.size - 1:
            hi = min(hi, float(cum[first + count]))
        if hi <= lo:  # nothing, or a budget below the axis' resolution
            return lo, lo, first, first, first
        end = int(np.searchsorted(cum, hi, side="left"))          # orders starting < hi
        finished = int(np.searchsorted(cum[1:], hi, side="right"))
        return lo, hi, first, end, finished

    def serve(self, budget: float, count, notional) -> list:
        """Execute up to `budget` (notional at entry) and `count` orders (None: no limit)
        from the oldest batch on; [(local, fraction of each position executed, positions
        whose order finished)] per batch touched."""
        pieces = []
        floor = _RESOLUTION * budget if budget < math.inf else 0.0
        while self.buckets and budget > floor and (count is None or count > 0):
            bucket = self.buckets[0]
            _, local, fraction, cum, _ = bucket
            lo, hi, first, end, finished = self.step(bucket, budget, count)
            if hi <= lo:
                break
            span = slice(first, end)
            amount = np.diff(np.clip(cum[first:end + 1], lo, hi))
            whole = (cum[first:end] >= lo) & (cum[first + 1:end + 1] <= hi)
            part = np.where(whole, fraction[span], amount / notional[local[span]])
            pieces.append((local[span], part, local[first:finished]))
            budget -= hi - lo
            self.waiting -= hi - lo
            if count is not None:
                count -= end - first
            if finished == local.size:
                self.buckets.popleft()
            else:
                bucket[4] = hi
        if not self.buckets:
            self.waiting = 0.0
        return pieces


class _IsolatedAges:
    """The isolated engine's due work in one side of a market, by the tick it became due
    (first in, first out): each tick adds what the side newly reached or newly made due
    (its executed notional plus its due backlog, less the same after the tick before;
    with a count limit, also the positions it newly reached), and the tick's executions
    (notional; positions finished) are counted against the oldest work. With the clock's
    sorted side and its per-position limit this is each position's reach tick; with
    Hyperliquid's parts a later part is due when its cooldown ends, and its executions
    (due parts first) are counted against the oldest work."""

    def __init__(self):
        self.chunks = deque()  # [due tick, notional waiting, positions not finished]
        self.backlog = 0.0
        self.reached = 0

    def isolated_cap(self, cap: float, count, queue: _CrossQueue, tick: int) -> tuple:
        """What the isolated engine may use this tick of the side's cap `cap` (notional)
        and `count` (positions; None: no limit): each less what the cross orders due in
        earlier ticks take when the cap and the count are walked over both queues, oldest
        due tick first, isolated first at a tie (an isolated chunk takes its notional and
        its positions not finished; a cross batch, as _CrossQueue.step)."""
        if not queue.buckets or queue.buckets[0][0] >= tick:
            return cap, count
        left, crossed, orders, cross_orders, i = cap, 0.0, 0, 0, 0
        chunks = self.chunks
        for bucket in queue.older(tick):
            while (i < len(chunks) and chunks[i][0] <= bucket[0] and left > 0.0
                   and (count is None or orders < count)):
                left -= min(left, chunks[i][1])
                if count is not None:
                    orders += min(count - orders, chunks[i][2])
                i += 1
            if left <= 0.0 or (count is not None and orders >= count):
                break
            lo, hi, first, end, _ = queue.step(bucket, left,
                                               None if count is None else count - orders)
            left -= hi - lo
            crossed += hi - lo
            orders += end - first
            cross_orders += end - first
        rest = cap - crossed
        if rest <= _RESOLUTION * cap < math.inf:  # spent by the cross pieces, to rounding
            rest = 0.0
        return rest, None if count is None else count - cross_orders

    def record(self, side, executed: float, finished: int, tick: int, counting: bool) -> None:
        """After the side's tick: `executed` notional, `finished` positions; `counting`:
        keep the positions too (a count limit applies)."""
        pending = getattr(side, "pending", None)
        if pending is None:
            backlog = side.queued
        else:  # Hyperliquid's parts: the parts whose cooldown has not ended are not due
            backlog = (side.reach_u - side.executed) + sum(c[2] for c in pending
                                                           if c[0] <= tick)
        entered = executed + backlog - self.backlog
        self.backlog = backlog
        new = 0
        if counting:
            reached = (side.reached if hasattr(side, "carried") else
                       int(np.searchsorted(side.cum_notional, side.reach_u, side="left")))
            new, self.reached = reached - self.reached, reached
        if entered > 0.0 or new > 0:
            self.chunks.append([tick, max(entered, 0.0), new])
        for chunk in self.chunks:
            if executed <= 0.0 and finished <= 0:
                break
            take = min(executed, chunk[1])
            chunk[1] -= take
            executed -= take
            done = min(finished, chunk[2])
            chunk[2] -= done
            finished -= done
        while self.chunks and self.chunks[0][1] <= 0.0 and self.chunks[0][2] <= 0:
            self.chunks.popleft()


class _CrossAccounts:
    """The cross accounts of a book: which are reached at given prices, and their orders.

    An account's slack is linear in the prices: S(P) = K + sum_m Q_m P_m, with
    Q_m = sum of s q over its positions in market m and K = C - sum s q e - MM; it is
    reached when S <= 0. Accounts are grouped by the set of markets they hold; within a
    group, sorted by d = S(B) / sum_m |Q_m| B_m at the group's base prices B. Since
    |S(P) - S(B)| <= sum_m |Q_m| B_m max_m |P_m / B_m - 1|, an account with d above that
    largest relative move (over the group's markets) cannot be reached: each tick only
    the sorted prefix below it is evaluated, exactly. A group is re-based (S and d at the
    tick's prices, sorted again) when that prefix grows past REBASE_SHARE of it."""

    REBASE_SHARE = 0.05
    REBASE_AT_LEAST = 2048

    def __init__(self, book: AccountBook, p0, mm, rule: str, dt: float, capped=None):
        self.positions = np.flatnonzero(book.cross)
        self.position_tick = np.full(self.positions.size, -1, dtype=np.int64)
        self.contribution = np.zeros(self.positions.size)
        self.pending = defaultdict(list)  # tick -> [(local position indices, fraction)]
        self.rule = rule
        self.cooldown_ticks = max(1, int(math.ceil(HYPERLIQUID_PARTIAL[2] / dt - 1e-9)))
        self.parts_left = np.zeros(self.positions.size, dtype=np.int64)
        self.vaulted = np.zeros(self.positions.size, dtype=bool)
        self._due, self._vault = [], []
        count = len(p0)
        pos = self.positions
        self.ids, owner = np.unique(book.account[pos], return_inverse=True)
        self.owner = owner
        n = self.ids.size
        self.reached_tick = np.full(n, -1, dtype=np.int64)
        self.groups = []
        # per market, the cross accounts' part of the money (quote currency; units)
        self.money = {name: np.zeros(count) for name in MONEY_SUMS}
        self.adl_tick = np.zeros(count)  # this tick's cross ADL value per market
        self.exhausted = -1
        # per market and side (0: longs' sales, 1: shorts' purchases), True where the
        # market's engine caps the notional per tick; its waiting cross orders
        self.capped = (np.zeros((count, 2), dtype=bool) if capped is None or n == 0
                       else np.asarray(capped, dtype=bool))
        self.queues = [[_CrossQueue() if self.capped[m, i] else None for i in (0, 1)]
                       for m in range(count)]
        self.rank = np.zeros(n)
        if n == 0:
            return
        self.market = book.market[pos]
        self.sign = book.side[pos].astype(np.float64)
        self.q = book.quantity[pos]
        self.notional = book.notional[pos]
        self.entry = book.entry_price[pos]
        self.p0 = p0
        self.collateral = book.collateral[self.ids]
        sq = self.sign * self.q
        # Q[a, m] = sum of s q over account a's positions in market m
        self.Q = np.zeros((n, count))
        np.add.at(self.Q, (owner, self.market), sq)
        self.mm = np.bincount(owner, weights=mm[self.market] * self.notional, minlength=n)
        self.K = (self.collateral - np.bincount(owner, weights=sq * self.entry, minlength=n)
                  - self.mm)
        total = np.bincount(owner, weights=self.notional, minlength=n)
        self.share = self.collateral[owner] * self.notional / total[owner]
        self.value = np.zeros(pos.size)     # sum over parts of fraction x q x fill
        self.alive = np.ones(n, dtype=bool)
        # positions of account a: first[a] .. first[a] + size[a] - 1 (owner is ascending)
        self.size = np.bincount(owner, minlength=n)
        self.first = np.concatenate(([0], np.cumsum(self.size)[:-1]))
        self.open = self.size.copy()        # positions not finished, per account
        held = np.zeros((n, count), dtype=bool)
        held[owner, self.market] = True
        key = held @ (1 << np.arange(count))
        masks = np.unique(key)
        self.holds = ((masks[:, None] >> np.arange(count)) & 1).astype(np.float64)
        self.base = np.tile(np.asarray(p0, dtype=np.float64), (masks.size, 1))
        self.nearest = np.full(masks.size, np.inf)
        self.seen = np.full((masks.size, count), np.nan)  # prices each group last saw
        for g, mask in enumerate(masks):
            group = {"markets": np.flatnonzero(self.holds[g]), "members":
                     np.flatnonzero(key == mask)}
            self.groups.append(group)
            self._rebase(group, p0)
            self._note(g)

    def _note(self, g: int) -> None:
        """Copy group g's base prices and nearest distance (after a re-base) into the
        arrays the tick reads (inf when nothing of it was alive: never looked at again)."""
        group = self.groups[g]
        self.base[g, group["markets"]] = group["base"]
        self.nearest[g] = group["distance"][0] if group["order"].size else np.inf

    def _rebase(self, group, prices) -> None:
        members = group["members"]
        members = members[self.alive[members]]
        slack = self.K[members] + self.Q[members] @ prices
        weight = np.abs(self.Q[members]) @ prices
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = np.where(weight > 0, slack / weight, np.where(slack > 0, np.inf, -1.0))
        order = np.argsort(distance, kind="stable")
        group["members"] = members
        group["base"] = np.array(prices, dtype=np.float64)[group["markets"]]
        group["order"], group["distance"] = members[order], distance[order]

    def _candidates(self, prices) -> np.ndarray:
        # each group's largest relative move since its base, over the markets it holds;
        # a group whose markets' prices are those it was last evaluated at has nothing new
        moved = np.max(np.abs(prices / self.base - 1.0) * self.holds, axis=1)
        changed = np.any((prices != self.seen) & (self.holds > 0), axis=1)
        self.seen = np.where(self.holds > 0, prices, self.seen)
        found = []
        for g in np.flatnonzero((moved >= self.nearest) & changed):
            group = self.groups[g]
            upto = int(np.searchsorted(group["distance"], moved[g], side="right"))
            if upto > max(self.REBASE_AT_LEAST, self.REBASE_SHARE * group["order"].size):
                self._rebase(group, prices)
                self._note(g)
                upto = int(np.searchsorted(group["distance"], 0.0, side="right"))
            if upto:
                found.append(group["order"][:upto])
        if not found:
            return np.empty(0, dtype=np.int64)
        candidates = np.concatenate(found)
        return candidates[self.alive[candidates]]

    def _members(self, accounts) -> np.ndarray:
        """The positions (local indices) of `accounts`, account by account."""
        sizes = self.size[accounts]
        starts = np.repeat(self.first[accounts] - np.cumsum(sizes) + sizes, sizes)
        return starts + np.arange(int(sizes.sum()))

    def tick(self, prices, tick: int):
        """Reach accounts at the tick's start `prices`; (cross flow q P0 signed per market,
        cross notional to the books, notional to the backstop) executed this tick."""
        count = len(prices)
        flow, notional, backstop = np.zeros(count), np.zeros(count), np.zeros(count)
        due = self.pending.pop(tick, [])
        if self.groups:
            candidates = self._candidates(prices)
            if candidates.size:
                slack = self.K[candidates] + self.Q[candidates] @ prices
                reached = slack <= 0.0
                if reached.any():
                    self._reach(candidates[reached], slack[reached], prices, tick, due,
                                backstop)
        if due and self.capped.any():
            due = self._queue(due, tick)
        for local, fraction in due:
            m = self.market[local]
            flow += np.bincount(m, weights=fraction * self.sign[local] * self.q[local]
                                * self.p0[m], minlength=count)
            notional += np.bincount(m, weights=fraction * self.notional[local],
                                    minlength=count)
        self._due = [(local, fraction, local) for local, fraction in due]
        return flow, notional, backstop

    def _queue(self, due, tick: int) -> list:
        """Move the orders of `due` whose market side has a capped engine into that side's
        queue (one batch per market side for the tick, most underwater account first);
        return the others, executed whole this tick."""
        now, queued = [], defaultdict(list)
        for local, fraction in due:
            capped = self.capped[self.market[local], (self.sign[local] < 0).astype(np.int64)]
            if not capped.any():
                now.append((local, fraction))
                continue
            if not capped.all():
                now.append((local[~capped], fraction))
            for m, i in set(zip(self.market[local[capped]].tolist(),
                                (self.sign[local[capped]] < 0).astype(int).tolist())):
                here = local[capped & (self.market[local] == m)
                             & ((self.sign[local] < 0) == bool(i))]
                queued[(m, i)].append((here, np.full(here.size, fraction)))
        for (m, i), parts in queued.items():
            local = np.concatenate([p[0] for p in parts])
            fraction = np.concatenate([p[1] for p in parts])
            self.queues[m][i].add(tick, local, fraction, self.notional,
                                  self.rank[self.owner[local]])
        return now

    def serve(self, m: int, i: int, budget: float, count=None) -> tuple[float, float]:
        """Execute up to `budget` (notional at entry) and `count` orders (None: no limit)
        of the orders waiting in market m's side i (0 longs' sales, 1 shorts' purchases),
        oldest first; (flow s q P0, notional) executed. The pieces fill at the tick's fill
        (filled)."""
        pieces = self.queues[m][i].serve(budget, count, self.notional)
        flow = notional = 0.0
        for local, fraction, done in pieces:
            flow += float(np.sum(fraction * self.sign[local] * self.q[local])) * self.p0[m]
            notional += float(np.sum(fraction * self.notional[local]))
            self._due.append((local, fraction, done))
        return flow, notional

    def waiting(self, m: int) -> float:
        """Cross notional (at entry) due and waiting in market m's engine, both sides."""
        return sum(q.waiting for q in self.queues[m] if q is not None)

    @property
    def queued(self) -> bool:
        return any(q is not None and q.buckets for pair in self.queues for q in pair)

    def _reach(self, hit, slack, prices, tick, due, backstop) -> None:
        self.alive[hit] = False
        self.reached_tick[hit] = tick
        mm = self.mm[hit]
        self.rank[hit] = slack / np.where(mm > 0.0, mm, 1.0)  # (E - MM) / MM at its reach
        if self.rule == "hyperliquid":
            equity = slack + self.mm[hit]
            vault = equity < BACKSTOP_SHARE * self.mm[hit]
            if vault.any():
                local = self._members(hit[vault])
                m = self.market[local]
                self.value[local] = self.q[local] * prices[m]
                self.position_tick[local] = tick
                self.vaulted[local] = True
                backstop += np.bincount(m, weights=self.notional[local],
                                        minlength=backstop.size)
                self._vault.append(local)
            local = self._members(hit[~vault])
            threshold, parts, _ = HYPERLIQUID_PARTIAL
            large = self.notional[local] > threshold
            small, big = local[~large], local[large]
            if small.size:
                self.parts_left[small] = 1
                due.append((small, 1.0))
            if big.size:
                self.parts_left[big] = parts
                due.append((big, 1.0 / parts))
                for j in range(1, parts):
                    self.pending[tick + j * self.cooldown_ticks].append((big, 1.0 / parts))
        else:
            local = self._members(hit)
            self.parts_left[local] = 1
            due.append((local, 1.0))

    def filled(self, fills, prices, tick, fund, markets, adls) -> float:
        """Book this tick's fills of the due orders; settle the accounts whose last order
        filled (and those the backstop took) into the venue fund `fund`; the fund after.
        A deficit beyond the fund is shared over (market, side) cells by the losses each
        cell's positions caused, and recovered from the cell's winners where the market
        has adl (see the module docstring, Money); the rest is bad debt."""
        self.adl_tick = np.zeros(len(markets))
        finished = []
        for local, fraction, done in self._due:
            self.value[local] += fraction * self.q[local] * fills[self.market[local]]
            self.parts_left[done] -= 1
            last = done[self.parts_left[done] == 0]
            self.position_tick[last] = tick
            finished.append(last)
        finished.extend(self._vault)
        self._due, self._vault = [], []
        if not finished:
            return fund
        local = np.concatenate(finished)
        if not local.size:
            return fund
        owners = self.owner[local]
        np.subtract.at(self.open, owners, 1)
        done = np.unique(owners[self.open[owners] == 0])
        if not done.size:
            return fund
        members = self._members(done)
        m = self.market[members]
        fee_rate = np.array([mk.liquidation_fee for mk in markets])[m]
        fees = np.where(self.vaulted[members], 0.0, fee_rate * self.value[members])
        pnl = self.share[members] + self.sign[members] * (self.value[members]
                                                          - self.q[members] * self.entry[members])
        self.contribution[members] = pnl
        count = len(markets)
        money = self.money
        money["fees"] += np.bincount(m, weights=fees, minlength=count)
        money["pnl"] += np.bincount(m, weights=pnl, minlength=count)
        balance = fund + float(fees.sum()) + float(pnl.sum())
        if balance >= 0.0:
            return balance
        if self.exhausted < 0:
            self.exhausted = tick
        # the deficit beyond the fund, shared over (market, side) cells: each losing
        # account's loss L_a = -(its fees + pnl) split over its positions in proportion to
        # their own losses max(-(c_j + PnL_j), 0); each cell's share D_c of the deficit is
        # the deficit x (the cell's part of sum_a L_a) / sum_a L_a
        deficit = -balance
        owner = np.searchsorted(done, self.owner[members])
        total = np.bincount(owner, weights=fees + pnl, minlength=done.size)
        losing = total[owner] < 0.0
        own_loss = np.where(losing, np.maximum(-pnl, 0.0), 0.0)
        weight = np.bincount(owner, weights=own_loss, minlength=done.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            caused = np.where(own_loss > 0.0, -total[owner] * own_loss / weight[owner], 0.0)
        cell = 2 * m + (self.sign[members] < 0)
        caused = np.bincount(cell, weights=caused, minlength=2 * count)
        units = np.bincount(cell, weights=np.where(own_loss > 0.0, self.q[members], 0.0),
                            minlength=2 * count)
        share = deficit * caused / caused.sum()
        bad = np.zeros(count)
        for c in np.flatnonzero(share > 0.0):
            market, sign = c // 2, (1 if c % 2 == 0 else -1)
            wanted, owed = float(units[c]), float(share[c])
            taken = 0.0
            if adls[market] is not None and wanted > 0.0:
                taken = _take_winners(adls[market], float(prices[market]), sign, wanted)
            recovered = owed * taken / wanted if taken > 0.0 else 0.0
            if taken > 0.0:  # winners close at P + s D / Q: they pay D per Q units
                value = taken * float(prices[market]) + sign * recovered
                money["adl_quantity"][market] += taken
                money["adl_value"][market] += value
                money["adl_recovered"][market] += recovered
                self.adl_tick[market] += value
            bad[market] += owed - recovered
        money["bad_debt"] += bad
        return 0.0


# The default markets of a Contagion run: a deep BTC, a thinner ETH and an altcoin with a
# thin book (open interest and depth in USD; depth: the notional that moves the price 1%,
# within the single-venue BTC range of $10-100M of docs/model.md, Sources, and an altcoin
# an order of magnitude thinner: a model assumption, not an observed figure).
DEFAULT_MARKETS = ("BTC", "ETH", "ALT")
DEFAULT_OPEN_INTEREST = (2e9, 1e9, 2e8)
DEFAULT_DEPTH = (7e7, 3e7, 3e6)


def _market_number(field: str, market: str, value, low_open: bool) -> float:
    """One market's value of a per-market field, >= 0 (> 0 when low_open); a bad one's
    ValueError names the field, the value and the market: 'depth: must be > 0, got -1
    (market ALT)'."""
    try:
        return number_in(field, value, low=0.0, low_open=low_open)
    except ValueError as error:
        raise ValueError(f"{error} (market {market})") from None


@dataclass(frozen=True)
class Contagion:
    """The knobs of a contagion run, validated (a ValueError names the field and value).

    markets:       market names (2 to 8, distinct).
    open_interest: per market, USD: the synthetic accounts' size, and what
                   engine_rate_share is a share of.
    depth:         per market, USD that moves the price 1% (linear impact).
    shocked:       the market whose own path falls; the others' paths are flat, unless
                   betas are given.
    fall:          the shocked market's move, in (-1, 0].
    fall_seconds:  seconds the fall takes (0: a jump at t = 0).
    rebound:       after the fall, the shocked market's path rises by this much (relative
                   to P0, >= 0; 0: no rebound, the path holds at the fall).
    rebound_seconds: seconds the rebound takes, (0, 3600]; used only with a rebound.
    betas:         None, or per market the multiple of the shocked market's path it
                   follows (the shocked market's own beta must be 1).
    cross_share:   the share of open interest in cross accounts, [0, 1].
    accounts:      synthetic accounts, >= 2.
    seed:          the synthetic book's seed.
    rule:          "hyperliquid" or "whole".
    tick_seconds:  dt.
    insurance_fund: the venue fund at the start, USD.
    adl:           auto-deleveraging in every market (Market.adl; see run_contagion).

    The clock in every market (cascade/clock.py; each None or 0 leaves the run as it was):
    engine_rate_share:    None, or the share of a market's open interest (USD of notional at
                          entry) its liquidation engine executes per second, in (0, 1]:
                          Market.engine_rate = engine_rate_share x open_interest[m]. Orders
                          it cannot execute wait (run_contagion's queue rule).
    resilience_half_life: None, or seconds in which the depth a market's forced flow
                          consumed refills by half (Market.resilience_half_life).
    permanent_impact:     the share of each tick's impact that never refills, [0, 1]
                          (Market.permanent_impact; with no refill, nothing refills anyway).
    """
    markets: tuple = DEFAULT_MARKETS
    open_interest: tuple = DEFAULT_OPEN_INTEREST
    depth: tuple = DEFAULT_DEPTH
    shocked: str = "ALT"
    fall: float = -0.3
    fall_seconds: float = 600.0
    rebound: float = 0.0
    rebound_seconds: float = 600.0
    betas: tuple | None = None
    cross_share: float = 0.5
    accounts: int = 100_000
    seed: int = 0
    rule: str = "hyperliquid"
    tick_seconds: float = DEFAULT_TICK
    insurance_fund: float = 0.0
    adl: bool = False
    engine_rate_share: float | None = None
    resilience_half_life: float | None = None
    permanent_impact: float = 0.0

    def __post_init__(self):
        markets = tuple(str(m).strip() for m in self.markets)
        if not 2 <= len(markets) <= 8 or len(set(markets)) != len(markets) or not all(markets):
            raise ValueError(f"markets: expected 2 to 8 distinct names, got {self.markets!r}")
        object.__setattr__(self, "markets", markets)
        for name in ("open_interest", "depth") + (("betas",) if self.betas is not None else ()):
            values = tuple(getattr(self, name))
            if len(values) != len(markets):
                raise ValueError(f"{name}: expected one value per market ({len(markets)}), "
                                 f"got {values!r}")
            object.__setattr__(self, name, tuple(
                _market_number(name, market, value, low_open=name != "betas")
                for market, value in zip(markets, values)))
        if self.shocked not in markets:
            raise ValueError(f"shocked: {self.shocked!r} is not one of the markets "
                             f"({', '.join(markets)})")
        if self.betas is not None and self.betas[markets.index(self.shocked)] != 1.0:
            raise ValueError(f"betas: the shocked market {self.shocked}'s beta must be 1, got "
                             f"{self.betas[markets.index(self.shocked)]!r}")
        object.__setattr__(self, "fall", number_in("fall", self.fall, low=-1.0, low_open=True,
                                                   high=0.0))
        object.__setattr__(self, "fall_seconds", number_in("fall_seconds", self.fall_seconds,
                                                           low=0.0, high=3600.0))
        object.__setattr__(self, "rebound", number_in("rebound", self.rebound, low=0.0,
                                                      high=MAX_MOVE - self.fall))
        object.__setattr__(self, "rebound_seconds", number_in(
            "rebound_seconds", self.rebound_seconds, low=0.0, low_open=True, high=3600.0))
        object.__setattr__(self, "cross_share", number_in("cross_share", self.cross_share,
                                                          low=0.0, high=1.0))
        one_of("rule", self.rule, RULES)
        number_in("tick_seconds", self.tick_seconds, low=0.0, low_open=True, high=3600.0)
        number_in("insurance_fund", self.insurance_fund, low=0.0)
        if not isinstance(self.adl, (bool, np.bool_)):
            raise ValueError(f"adl: expected True or False, got {self.adl!r}")
        object.__setattr__(self, "adl", bool(self.adl))
        if self.engine_rate_share is not None:
            object.__setattr__(self, "engine_rate_share", number_in(
                "engine_rate_share", self.engine_rate_share, low=0.0, low_open=True, high=1.0))
        if self.resilience_half_life is not None:
            object.__setattr__(self, "resilience_half_life", number_in(
                "resilience_half_life", self.resilience_half_life, low=0.0, low_open=True))
        object.__setattr__(self, "permanent_impact", number_in(
            "permanent_impact", self.permanent_impact, low=0.0, high=1.0))
        if isinstance(self.accounts, bool) or not isinstance(self.accounts, int) \
                or self.accounts < 2:
            raise ValueError(f"accounts: expected a whole number >= 2, got {self.accounts!r}")

    def path(self) -> PricePath:
        """The shocked market's path: a jump, or a linear fall over fall_seconds; with a
        rebound, then a linear rise by `rebound` over rebound_seconds (knots (0, 0),
        (T1, fall), (T1 + T2, fall + rebound), or from (0, fall) after a jump)."""
        if self.rebound > 0 and self.fall_seconds > 0:
            return fall_then_rebound(self.fall, self.fall_seconds, self.rebound,
                                     self.rebound_seconds)
        if self.rebound > 0:
            return PricePath([0.0, self.rebound_seconds], [self.fall, self.fall + self.rebound],
                             name=f"jump {self.fall:+.4g}, then +{self.rebound:.4g} over "
                                  f"{self.rebound_seconds:g} s")
        if self.fall_seconds == 0:
            return jump(self.fall)
        return PricePath([0.0, self.fall_seconds], [0.0, self.fall],
                         name=f"{self.fall:+.4g} over {self.fall_seconds:g} s")

    def paths(self, markets: tuple | None = None) -> tuple[PricePath, ...]:
        """One path per market (of `markets`, default self.markets): the shocked market's,
        beta times it, or flat."""
        path = self.path()
        names = self.markets if markets is None else markets
        betas = dict(zip(self.markets, self.betas)) if self.betas is not None else {}
        flat = PricePath([0.0], [0.0], name="flat")
        return tuple(path if n == self.shocked else
                     beta_paths(path, (betas[n],))[0] if n in betas else flat for n in names)

    def market_list(self, markets: tuple | None = None) -> list[Market]:
        """One Market per name (linear impact at its depth; P0 = 100; adl and the clock's
        knobs as set: engine_rate = engine_rate_share x the market's open interest)."""
        depth = dict(zip(self.markets, self.depth))
        interest = dict(zip(self.markets, self.open_interest))
        names = self.markets if markets is None else markets
        missing = [n for n in names if n not in depth]
        if missing:
            raise ValueError(f"markets: the accounts hold {', '.join(missing)}, which "
                             f"--markets does not list ({', '.join(self.markets)})")
        share = self.engine_rate_share
        return [Market(depth=depth[n], adl=self.adl,
                       engine_rate=None if share is None else share * interest[n],
                       resilience_half_life=self.resilience_half_life,
                       permanent_impact=self.permanent_impact) for n in names]

    def book(self) -> AccountBook:
        """The synthetic accounts (cascade.accounts.make_accounts)."""
        count = len(self.markets)
        return make_accounts(self.accounts, self.seed, markets=self.markets,
                             open_interest=self.open_interest, prices=(100.0,) * count,
                             maintenance_margin=(0.005,) * count,
                             cross_share=self.cross_share)

    def run(self, book: AccountBook | None = None) -> ContagionResult:
        """run_contagion on `book` (default: the synthetic accounts)."""
        book = self.book() if book is None else book
        return run_contagion(book, self.market_list(book.markets), self.paths(book.markets),
                             self.tick_seconds, rule=self.rule,
                             insurance_fund=self.insurance_fund)

