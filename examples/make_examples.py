"""Writes the example files the Explorer offers (run from the repo root; output is committed).

positions.csv: 2,000 positions drawn like the default scenario (20x crowd, 70% long), with
entry prices spread 2% around the start price 100.
orderbook_btc.csv: a BTC perpetual order book around a mid of 100,000 USD, levels every 10 USD
out to 5%, depth growing linearly away from the mid (the square-root law) with $40M within 1%
on each side (docs/model.md, Sources: single-venue BTC perp depth is roughly $10-100M within 1%).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import cascade  # noqa: E402

MID = 100_000.0
TICK = 10.0
REACH = 0.05
WITHIN_ONE_PERCENT = 40e6


def positions() -> pd.DataFrame:
    population = cascade.Scenario(n=2_000, seed=11, entry_dispersion=0.02).population()
    frame = population.to_frame()
    frame["side"] = np.where(population.is_long, "long", "short")
    frame["notional"] = frame["notional"].round(2)
    frame["leverage"] = frame["leverage"].round(4)
    frame["entry_price"] = frame["entry_price"].round(4)
    return frame[["leverage", "notional", "side", "entry_price"]]


def orderbook(seed: int = 5) -> pd.DataFrame:
    """Notional density a * d per unit of relative distance d, so C(d) = a d^2 / 2."""
    rng = np.random.default_rng(seed)
    a = 2 * WITHIN_ONE_PERCENT / 0.01 ** 2
    steps = np.arange(1, int(MID * REACH / TICK) + 1)
    rows = []
    for side, sign in (("bid", -1), ("ask", 1)):
        price = MID + sign * (steps - 0.5) * TICK
        inner, outer = (steps - 1) * TICK / MID, steps * TICK / MID
        notional = a * (outer ** 2 - inner ** 2) / 2 * rng.lognormal(0.0, 0.3, steps.size)
        rows.append(pd.DataFrame({"side": side, "price": price,
                                  "size": np.round(notional / price, 6)}))
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    positions().to_csv(HERE / "positions.csv", index=False)
    orderbook().to_csv(HERE / "orderbook_btc.csv", index=False)
    print("wrote", HERE / "positions.csv", "and", HERE / "orderbook_btc.csv")
