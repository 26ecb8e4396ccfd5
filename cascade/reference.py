"""The plain cascade: one boolean mask over the whole book per wave.

A direct transcription of docs/model.md, Shock and waves, kept as the reference the fast engine is
tested against and the baseline its benchmark is measured against. Not for the app.
"""

from __future__ import annotations

import numpy as np

from .engine import PRICE_FLOOR
from .market import Market
from .population import Population


def simulate_plain(population: Population, market: Market, shock: float):
    """(price_path, liquidated_in) computed by re-scanning every open position each wave."""
    population.check_alive(market.price, market.maintenance_margin)
    return scan_waves(population.liquidation_price(market.maintenance_margin),
                      population.is_long, population.side * population.quantity * market.price,
                      market, shock)


def scan_waves(liq: np.ndarray, is_long: np.ndarray, signed_flow: np.ndarray, market: Market,
               shock: float):
    """The per-wave scan on plain arrays: liquidation prices, sides (True = long) and forced
    flow s q P0 of every position; one mask over the whole book per wave until a wave takes
    nothing. (price_path, liquidated_in)."""
    p0 = market.price
    open_ = np.ones(liq.size, dtype=bool)
    liquidated_in = np.full(liq.size, -1, dtype=np.int64)
    price = p0 * (1.0 + shock)
    floor = p0 * min(PRICE_FLOOR, 1.0 + shock)
    path = [p0, price]
    net_flow = 0.0
    wave = 0
    while True:
        hit = open_ & np.where(is_long, price <= liq, price >= liq)
        if not hit.any():
            break
        wave += 1
        open_ &= ~hit
        liquidated_in[hit] = wave
        net_flow += signed_flow[hit].sum()
        price = max(p0 * (1.0 + shock - market.price_impact(net_flow)), floor)
        path.append(price)
    return np.array(path), liquidated_in
