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
    p0 = market.price
    liq = population.liquidation_price(market.maintenance_margin)
    is_long = population.is_long
    signed_flow = population.side * population.quantity * p0
    open_ = np.ones(len(population), dtype=bool)
    liquidated_in = np.full(len(population), -1, dtype=np.int64)
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
