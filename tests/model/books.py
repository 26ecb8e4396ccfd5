"""Small hand-made books with known answers, shared by the model tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import cascade
from cascade.scenario import MIN_SHARE

P0 = 100.0
MARGIN = 0.005
# A share of the crowd or of the longs that a Scenario accepts: 0, 1, or within
# [MIN_SHARE, 1 - MIN_SHARE] (a subnormal share would leave a position with no notional).
SHARES = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(MIN_SHARE, 1.0 - MIN_SHARE))


def leverage_for_distance(distance):
    """Leverage whose liquidation sits `distance` (relative) from an entry at P0:
    1/L - m = distance."""
    return 1.0 / (np.asarray(distance, dtype=float) + MARGIN)


def band(n: int, near: float, far: float, notional: float = 1e4, side: int = 1):
    """n positions of equal notional entered at P0, liquidation distances evenly spread
    over [near, far]: a uniform band of thresholds with flow density n*notional/(far-near)."""
    distance = np.linspace(near, far, n)
    return cascade.Population.from_arrays(leverage_for_distance(distance), np.full(n, notional),
                                          side, P0)


def depth_for_ratio(n: int, near: float, far: float, ratio: float, notional: float = 1e4):
    """Depth D with R = (0.01 / D) * rho = ratio for `band`."""
    rho = n * notional / (far - near)
    return 0.01 * rho / ratio


def market(depth: float, impact: str = "linear") -> cascade.Market:
    return cascade.Market(price=P0, depth=depth, impact=impact, maintenance_margin=MARGIN)


def assert_every_reached_account_finished(result) -> None:
    """A contagion run's end (cascade.contagion): once reached, finished, so every cross
    position of a reached account is liquidated and no other cross position is; and the
    books' executed notional (isolated, cross, backstop) is the liquidated notional at
    entry, market by market."""
    book = result.book
    reached = result.account_tick[book.account] >= 1
    assert (result.position_tick[book.cross & reached] >= 1).all()
    assert (result.position_tick[book.cross & ~reached] == -1).all()
    executed = result.series.groupby("market")[["isolated_notional", "cross_notional",
                                                "backstop_notional"]].sum().sum(axis=1)
    for m, name in enumerate(book.markets):
        here = result.liquidated & (book.market == m)
        assert np.isclose(executed[name], book.notional[here].sum(), rtol=1e-9, atol=0.005)
