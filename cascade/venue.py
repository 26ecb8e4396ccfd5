"""Venue mechanics' accounting (issue 10): fills, the insurance fund, bad debt and ADL.

The engine (cascade/engine.py, LiquidationBook) decides what executes when; this module
holds the pure formulas it settles each step with.

Execution price. A step sends net flow f to the book, walking it from the consumed depth
Q_a to Q_b = Q_a + f. Every fill of the step is at the volume-weighted average price of
that walk, P0 * (1 + s - mean I over [Q_a, Q_b]) (Market.mean_impact): for linear impact
(I(Q_a) + I(Q_b)) / 2, for sqrt and a book the integral average. Example: 20x longs
entered at 100 (bankruptcy 95) hit by -4.6% into a linear book their selling moves 10%
fill at 100 * (1 - 0.046 - 0.05) = 90.4.

Settlement of a step (one batch, in quote currency; s = +1 for longs, -1 for shorts):
    fees = liquidation_fee * fill * quantity            charged to the liquidated, into the fund
    pnl  = s * (fill * quantity - sum(b_i * q_i))      (fill - bankruptcy) x quantity, per long
    fund' = fund + fees + pnl; if fund' < 0 the fund stops at 0 and -fund' is bad debt.
So at every step  fund_end = fund_start + fees + pnl + bad_debt  (to rounding), and the
accounts never feed back into the price.

Auto-deleveraging (adl=True): when a step would leave a shortfall, the engine instead
closes the front of the step's batch (the most underwater part first) against profitable
opposite positions at the bankrupt positions' bankruptcy prices, as little as makes the
fund balance >= 0. That part loses the fund nothing (closed at bankruptcy) and does not hit
the book, so the rest fills better. Counterparties are ranked once, when ADL first strikes,
by unrealised PnL % x effective leverage (BitMEX):
    pnl% = s (P - e) / e,   effective leverage = q P / (n / L + s q (P - e)),
only positions with pnl% > 0. If they hold too little, the rest of the shortfall is bad debt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def settle(fund: float, fee_rate: float, fill: float, quantity: float, bankrupt_value: float,
           sign: int) -> tuple[float, float, float, float]:
    """(fund after, fees, pnl, bad debt) of a step whose market fills closed `quantity`
    units at `fill`, with sum(b_i q_i) = bankrupt_value (see the module docstring)."""
    fees = fee_rate * fill * quantity
    pnl = sign * (fill * quantity - bankrupt_value)
    balance = fund + fees + pnl
    return max(balance, 0.0), fees, pnl, max(-balance, 0.0)


def adl_ranking(population, price: float, winner_side: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, cumulative quantity with a leading 0) of the profitable positions on
    `winner_side`, best ranked first by pnl% x effective leverage at `price`."""
    side = population.side.astype(np.float64)
    q = population.quantity
    e = population.entry_price
    pnl_pct = side * (price - e) / e
    candidates = np.flatnonzero((population.side == winner_side) & (pnl_pct > 0))
    equity = (population.notional[candidates] / population.leverage[candidates]
              + side[candidates] * q[candidates] * (price - e[candidates]))
    score = pnl_pct[candidates] * q[candidates] * price / equity
    ranked = candidates[np.argsort(-score, kind="stable")]
    return ranked, np.concatenate(([0.0], np.cumsum(q[ranked])))


@dataclass
class Ledger:
    """Running totals of a cascade's accounts (quote currency; quantities in units)."""
    fund_start: float = 0.0
    fund: float = 0.0
    fees: float = 0.0
    pnl: float = 0.0
    bad_debt: float = 0.0
    adl_quantity: float = 0.0
    adl_value: float = 0.0
    exhausted_step: int = -1

    def as_dict(self) -> dict:
        return dict(fund_start=self.fund_start, fund_end=self.fund, fees=self.fees,
                    pnl=self.pnl, bad_debt=self.bad_debt, adl_quantity=self.adl_quantity,
                    adl_value=self.adl_value, exhausted_step=self.exhausted_step)
