"""The venue: reference price, order-book depth, price impact and maintenance margin."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import number_in, one_of, shown
from .orderbook import OrderBook
from .tiers import check_tiers

# The impact models a Scenario (and the Explorer's radio) offers; a Market also takes "book".
IMPACT_MODELS = ("linear", "sqrt")
MARKET_IMPACTS = IMPACT_MODELS + ("book",)
DEFAULT_PRICE = 100.0
DEFAULT_DEPTH = 70e6
DEFAULT_MAINTENANCE_MARGIN = 0.005
# Hyperliquid's documented rule: a position above $100K is sent 20% at a time as a market
# order, with a 30 s cooldown between parts (docs/model.md, Sources): (threshold, parts, seconds).
HYPERLIQUID_PARTIAL = (100_000.0, 5, 30.0)
# dYdX v4: at most 50 liquidation attempts per block (docs/model.md, Sources): the default of
# the node flag max-liquidation-attempts-per-block (dydxprotocol/v4-chain,
# protocol/x/clob/flags/flags.go, DefaultMaxLiquidationAttemptsPerBlock).
DYDX_ATTEMPTS_PER_BLOCK = 50
# dYdX v4: at most $100M of notional liquidated per subaccount per block: the default
# SubaccountBlockLimits.max_notional_liquidated of 100,000,000,000,000 quote quantums (USDC,
# 6 decimals) in dydxprotocol/v4-chain, protocol/x/clob/types/liquidations_config.go. In this
# isolated-margin, one-market model each position is its own subaccount.
DYDX_NOTIONAL_PER_BLOCK = 100e6


def _check_partial(rule) -> tuple:
    """(threshold >= 0 USD, parts a whole number >= 2, cooldown > 0 seconds)."""
    try:
        threshold, parts, cooldown = rule
    except (TypeError, ValueError):
        raise ValueError(f"partial_liquidation: expected (threshold, parts, cooldown seconds), "
                         f"got {rule!r}") from None
    threshold = number_in("partial_liquidation threshold", threshold, low=0.0)
    cooldown = number_in("partial_liquidation cooldown", cooldown, low=0.0, low_open=True)
    if isinstance(parts, bool) or not isinstance(parts, (int, np.integer)) or parts < 2:
        raise ValueError(f"partial_liquidation parts: expected a whole number >= 2, got "
                         f"{parts!r}")
    return (threshold, int(parts), cooldown)


@dataclass(frozen=True)
class Market:
    """A venue for linear perpetuals (docs/model.md, Positions and Market and impact).

    price:              reference price P0 (quote currency per unit), > 0.
    depth:              D, the notional (quote currency) that moves the price by 1%, > 0.
    impact:             "linear": I(Q) = 0.01 * Q / D (a flat book);
                        "sqrt":   I(Q) = 0.01 * sign(Q) * sqrt(|Q| / D) (square-root law);
                        "book":   walk the levels of `book` (cascade.OrderBook); depth unused.
    maintenance_margin: m, as a fraction of notional, in [0, 1).
    book:               the order-book snapshot for impact="book" (None otherwise).

    Venue mechanics (issue 10; every default leaves docs/model.md, Positions to Theory, exactly
    as they are, bit for bit; see cascade/venue.py for the rules and formulas):
    engine_capacity:       notional (quote currency at entry) the liquidation engine can
                           execute per step; None = unlimited (a step is a wave). Reached
                           positions wait in a queue, most underwater first, and are
                           executed even if the price comes back (once queued, finished).
                           A cap that could need more than 1,000 full steps to clear the
                           side a shock hits is refused when the cascade runs
                           (cascade.engine.MAX_FULL_STEPS).
    engine_capacity_share: the same cap relative to depth: per step at most this share of
                           the notional that moves the price 1% (D for linear/sqrt, the
                           walked side's notional within 1% for a book), like Vega's
                           max_fraction_consumed; with both, the smaller cap binds.
    insurance_fund:        None = no fund; a number >= 0 = its starting size (quote
                           currency). Pays what liquidations lose below bankruptcy.
    liquidation_fee:       fraction of the fill value (fill price x quantity) charged to
                           liquidated positions and paid into the fund, in [0, 1).
    adl:                   True: a shortfall beyond the fund is closed against profitable
                           opposite positions at the bankruptcy price (auto-deleveraging).
    mm_tiers:              None = one rate m for every size; else ((cap, rate), ...)
                           maintenance-margin tiers by position notional at entry, caps
                           ascending, e.g. cascade.BINANCE_BTCUSDT_TIERS; positions above
                           the first tier are liquidated down one tier at a time.
    recovery_half_life:    None = consumed depth never refills; a number > 0 = steps in
                           which half the consumed depth refills between steps.

    The clock (issue 17; cascade/clock.py, docs/model.md "Time"). Any of these set makes
    Scenario.run use the timed engine; all at their defaults, nothing changes:
    engine_rate:           USD of notional (at entry) the engine executes per second; None =
                           no rate limit. Per tick of dt seconds the cap is engine_rate * dt
                           (and engine_capacity, when also set, caps each tick as a step).
    resilience_half_life:  seconds in which consumed transient depth refills by half; None =
                           never. Per tick the transient part is multiplied by 2^(-dt / h).
                           The step-based recovery_half_life is refused beside it.
    permanent_impact:      kappa in [0, 1]: the share of each tick's flow whose impact never
                           decays (Obizhaeva-Wang); the rest is transient. 0 (default): all
                           transient, which without resilience never refills either.
    engine_max_positions:  at most this many positions (attempts) executed per tick, e.g.
                           dYdX v4's 50 liquidation attempts per block; None = no limit.
    partial_liquidation:   None, or (threshold USD, parts, cooldown seconds): a position
                           whose notional at entry exceeds the threshold is sent in `parts`
                           equal parts, cooldown seconds apart (HYPERLIQUID_PARTIAL: above
                           $100K, 20% at a time, 30 s apart).
    position_notional_per_tick: None, or USD of notional (at entry) at most executed of one
                           position per tick; the rest waits for later ticks, where the
                           position keeps its place at the queue's front (dYdX v4: $100M
                           per subaccount per block, DYDX_NOTIONAL_PER_BLOCK). Each tick a
                           position executes in, whole or in part, counts as one of that
                           tick's engine_max_positions (one liquidation attempt per
                           subaccount per block). Not with partial_liquidation.
    """

    price: float = DEFAULT_PRICE
    depth: float = DEFAULT_DEPTH
    impact: str = "linear"
    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN
    book: OrderBook | None = None
    engine_capacity: float | None = None
    insurance_fund: float | None = None
    liquidation_fee: float = 0.0
    adl: bool = False
    mm_tiers: tuple | None = None
    recovery_half_life: float | None = None
    engine_capacity_share: float | None = None
    engine_rate: float | None = None
    resilience_half_life: float | None = None
    permanent_impact: float = 0.0
    engine_max_positions: int | None = None
    partial_liquidation: tuple | None = None
    position_notional_per_tick: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "price", number_in("price", self.price, low=0.0, low_open=True))
        object.__setattr__(self, "depth", number_in("depth", self.depth, low=0.0, low_open=True))
        one_of("impact", self.impact, MARKET_IMPACTS)
        if (self.impact == "book") != (self.book is not None):
            raise ValueError("book: give an OrderBook exactly when impact is 'book' "
                             f"(impact={self.impact!r}, book={type(self.book).__name__})")
        if self.book is not None and not isinstance(self.book, OrderBook):
            raise ValueError(f"book: expected a cascade.OrderBook, got {type(self.book).__name__}")
        object.__setattr__(
            self, "maintenance_margin",
            number_in("maintenance_margin", self.maintenance_margin, low=0.0, high=1.0, high_open=True),
        )
        for name in ("engine_capacity", "engine_capacity_share", "recovery_half_life",
                     "engine_rate", "resilience_half_life", "position_notional_per_tick"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, number_in(name, getattr(self, name), low=0.0,
                                                         low_open=True))
        if self.insurance_fund is not None:
            object.__setattr__(self, "insurance_fund",
                               number_in("insurance_fund", self.insurance_fund, low=0.0))
        object.__setattr__(self, "liquidation_fee", number_in(
            "liquidation_fee", self.liquidation_fee, low=0.0, high=1.0, high_open=True))
        if not isinstance(self.adl, (bool, np.bool_)):
            raise ValueError(f"adl: expected True or False, got {self.adl!r}")
        object.__setattr__(self, "adl", bool(self.adl))
        if self.mm_tiers is not None:
            object.__setattr__(self, "mm_tiers", check_tiers(self.mm_tiers))
        object.__setattr__(self, "permanent_impact", number_in(
            "permanent_impact", self.permanent_impact, low=0.0, high=1.0))
        if self.engine_max_positions is not None:
            count = self.engine_max_positions
            if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
                raise ValueError(f"engine_max_positions: expected a whole number >= 1 or None, "
                                 f"got {count!r}")
            object.__setattr__(self, "engine_max_positions", int(count))
        if self.partial_liquidation is not None:
            object.__setattr__(self, "partial_liquidation",
                               _check_partial(self.partial_liquidation))
        if self.position_notional_per_tick is not None and self.partial_liquidation is not None:
            raise ValueError(
                f"position_notional_per_tick: give it (a cap per position per tick, dYdX) or "
                f"partial_liquidation (parts with a cooldown, Hyperliquid), not both (got "
                f"{shown(self.position_notional_per_tick)} and {self.partial_liquidation!r})")
        if self.resilience_half_life is not None and self.recovery_half_life is not None:
            raise ValueError(
                f"recovery_half_life: give it (in steps) or resilience_half_life (in seconds), "
                f"not both (got {shown(self.recovery_half_life)} and "
                f"{shown(self.resilience_half_life)})")

    @property
    def timed(self) -> bool:
        """True when a clock parameter is set (engine_rate, resilience_half_life,
        permanent_impact > 0, engine_max_positions): cascade.clock runs it."""
        return (self.engine_rate is not None or self.resilience_half_life is not None
                or self.permanent_impact > 0 or self.engine_max_positions is not None
                or self.partial_liquidation is not None
                or self.position_notional_per_tick is not None)

    @property
    def step_by_step(self) -> bool:
        """True when a mechanic changes which positions execute when, or the price between
        steps (capacity, ADL, tiers, recovery): the engine then walks the queue step by step.
        A fund and a fee alone only keep accounts beside the waves."""
        return (self.engine_capacity is not None or self.engine_capacity_share is not None
                or self.adl or self.mm_tiers is not None or self.recovery_half_life is not None)

    @property
    def keeps_accounts(self) -> bool:
        """True when the fund, fees, bad debt and ADL are accounted for."""
        return self.insurance_fund is not None or self.liquidation_fee > 0 or self.adl

    @property
    def venue_mechanics(self) -> bool:
        return self.step_by_step or self.keeps_accounts

    def capacity_per_step(self, direction: int) -> float:
        """The engine's cap per step (notional at entry; inf when unlimited): the smaller of
        engine_capacity and engine_capacity_share x the notional that moves the price 1% on
        the side forced flow in `direction` (+1 selling, -1 buying) walks."""
        cap = np.inf if self.engine_capacity is None else self.engine_capacity
        if self.engine_capacity_share is not None:
            one_percent = (self.depth if self.book is None
                           else self.book.depth_within(0.01)[0 if direction > 0 else 1])
            cap = min(cap, self.engine_capacity_share * one_percent)
        return float(cap)

    def impact_integral(self, net_sold_flow):
        """G(Q) = integral of I(u) du from 0 to Q (quote currency x relative move), so that
        the average impact of walking the book from Q_a to Q_b is (G(Q_b) - G(Q_a)) /
        (Q_b - Q_a). G is even in Q (I is odd).
        linear: G = 0.005 Q^2 / D;  sqrt: G = 0.01 * (2/3) |Q|^1.5 / sqrt(D);
        book: the exact integral of the piecewise-linear curve (OrderBook.impact_integral)."""
        flow = np.abs(np.asarray(net_sold_flow, dtype=np.float64))
        if self.impact == "linear":
            area = 0.005 * flow * flow / self.depth
        elif self.impact == "book":
            area = self.book.impact_integral(np.asarray(net_sold_flow, dtype=np.float64))
        else:
            area = 0.01 * (2.0 / 3.0) * flow ** 1.5 / np.sqrt(self.depth)
        return float(area) if np.ndim(area) == 0 else area

    def mean_impact(self, start_flow: float, end_flow: float) -> float:
        """Average relative impact over walking the book from net flow Q_a to Q_b: the
        volume-weighted average price of that walk is P0 * (1 + s - mean_impact).
        linear: (I(Q_a) + I(Q_b)) / 2 exactly; sqrt and book: the integral average.
        Q_a == Q_b (or a gap too small to difference) gives I at the midpoint."""
        start, end = float(start_flow), float(end_flow)
        gap = end - start
        if gap == 0.0 or abs(gap) < 1e-9 * max(abs(start), abs(end)):
            return float(self.price_impact(0.5 * (start + end)))
        if self.impact == "linear":
            return 0.5 * (float(self.price_impact(start)) + float(self.price_impact(end)))
        # G is the antiderivative from 0 (even), so this holds on either side of 0 and across it
        return float((self.impact_integral(end) - self.impact_integral(start)) / gap)

    def price_impact(self, net_sold_flow):
        """Relative price move I(Q) caused by the net sold flow Q (quote currency at P0).

        Positive Q (forced selling) gives a positive I, which lowers the price:
        P = P0 * (1 + shock - I(Q)). Works on scalars and arrays.
        """
        if type(net_sold_flow) is float and self.impact != "book":
            return self._scalar_impact(net_sold_flow)
        flow = np.asarray(net_sold_flow, dtype=np.float64)
        if self.impact == "linear":
            moved = 0.01 * flow / self.depth
        elif self.impact == "book":
            moved = self.book.impact(flow)
        else:
            moved = 0.01 * np.sign(flow) * np.sqrt(np.abs(flow) / self.depth)
        return float(moved) if moved.ndim == 0 else moved

    def _scalar_impact(self, flow: float) -> float:
        """price_impact of one float with the same IEEE operations in the same order as the
        array path (so the same bits), without numpy's per-call cost: the cascade calls it
        once a wave."""
        if self.impact == "linear":
            return 0.01 * flow / self.depth
        sign = (flow > 0) - (flow < 0)
        return 0.01 * sign * math.sqrt(abs(flow) / self.depth)

    def book_exhausted(self, net_sold_flow: float) -> bool:
        """True when impact="book" and the flow walked past the last level on its side (the
        price then moves at the side's average rate: see cascade.orderbook)."""
        if self.book is None or net_sold_flow == 0:
            return False
        return abs(net_sold_flow) > self.book.capacity(1 if net_sold_flow > 0 else -1)
