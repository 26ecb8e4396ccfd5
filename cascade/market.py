"""The venue: reference price, order-book depth, price impact and maintenance margin."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import number_in, one_of
from .orderbook import OrderBook

# The impact models a Scenario (and the Explorer's radio) offers; a Market also takes "book".
IMPACT_MODELS = ("linear", "sqrt")
MARKET_IMPACTS = IMPACT_MODELS + ("book",)
DEFAULT_PRICE = 100.0
DEFAULT_DEPTH = 70e6
DEFAULT_MAINTENANCE_MARGIN = 0.005


@dataclass(frozen=True)
class Market:
    """A venue for linear perpetuals (MODEL.md sections 2-3).

    price:              reference price P0 (quote currency per unit), > 0.
    depth:              D, the notional (quote currency) that moves the price by 1%, > 0.
    impact:             "linear": I(Q) = 0.01 * Q / D (a flat book);
                        "sqrt":   I(Q) = 0.01 * sign(Q) * sqrt(|Q| / D) (square-root law);
                        "book":   walk the levels of `book` (cascade.OrderBook); depth unused.
    maintenance_margin: m, as a fraction of notional, in [0, 1).
    book:               the order-book snapshot for impact="book" (None otherwise).
    """

    price: float = DEFAULT_PRICE
    depth: float = DEFAULT_DEPTH
    impact: str = "linear"
    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN
    book: OrderBook | None = None

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
