"""Level figures of a book: how much leverage it holds, apart from how it is spread (issue 16).

Tightness changes the crowd's shape only (cascade.synthetic); these figures measure the level,
so two books that differ only in tightness show the same open interest, total margin and
average leverage. Money is in quote currency (USD) at entry; leverage is dimensionless (x).

    open interest     N = sum(n_i)
    total margin      M = sum(n_i / L_i)            (the collateral posted)
    average leverage  N / M                         (open-interest-weighted harmonic mean)
    share near c      sum(n_i : (1 - b) c <= L_i <= (1 + b) c) / N, b = 0.10 by default
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import number_in
from .population import Population
from .synthetic import crowd_count

NEAR_BAND = 0.10


class LevelFigures(NamedTuple):
    """open_interest and total_margin in USD, average_leverage in x, share_near in [0, 1]
    (NaN when no reference leverage was given)."""

    open_interest: float
    total_margin: float
    average_leverage: float
    share_near: float


def _arrays(population: Population, where) -> tuple[np.ndarray, np.ndarray]:
    """(notional, leverage) of the positions `where` selects (a boolean mask, an index array
    or a slice; None = every position)."""
    if where is None:
        return population.notional, population.leverage
    notional, leverage = population.notional[where], population.leverage[where]
    if notional.size == 0:
        raise ValueError("where: selects no position; level figures need at least one")
    return notional, leverage


def total_margin(population: Population, where=None) -> float:
    """The collateral posted, sum(n_i / L_i), USD."""
    notional, leverage = _arrays(population, where)
    return float(np.sum(notional / leverage))


def average_leverage(population: Population, where=None) -> float:
    """Open interest over total margin, sum(n_i) / sum(n_i / L_i) (x): the leverage of one
    position holding the whole book's notional on the whole book's margin."""
    notional, leverage = _arrays(population, where)
    return float(np.sum(notional) / np.sum(notional / leverage))


def share_near_leverage(population: Population, leverage: float, where=None,
                        band: float = NEAR_BAND) -> float:
    """Share of open interest whose leverage is within +-band of `leverage` (the closed
    interval [(1 - band) L, (1 + band) L]), in [0, 1]."""
    leverage = number_in("leverage", leverage, low=1.0)
    band = number_in("band", band, low=0.0, high=1.0, high_open=True)
    notional, lev = _arrays(population, where)
    near = (lev >= (1.0 - band) * leverage) & (lev <= (1.0 + band) * leverage)
    return float(np.sum(notional[near]) / np.sum(notional))


def level_figures(population: Population, leverage: float | None = None, where=None,
                  band: float = NEAR_BAND) -> LevelFigures:
    """LevelFigures of the positions `where` selects (None = all); share_near is measured
    around `leverage` (NaN when None)."""
    notional, lev = _arrays(population, where)
    oi = float(np.sum(notional))
    margin = float(np.sum(notional / lev))
    near = (float("nan") if leverage is None
            else share_near_leverage(population, leverage, where, band))
    return LevelFigures(oi, margin, oi / margin, near)


def scenario_levels(scenario, population: Population | None = None) -> dict[str, LevelFigures]:
    """Level figures of a Scenario's book: "book" (every position) and "crowd" (the first
    crowd_count(n, cluster_share) positions), each with share_near measured around the crowd's
    leverage (center_leverage). `population` = scenario.population() when it is already at
    hand. The crowd has no entry when cluster_share leaves it empty."""
    population = scenario.population() if population is None else population
    figures = {"book": level_figures(population, scenario.center_leverage)}
    count = crowd_count(scenario.n, scenario.cluster_share)
    if count:
        figures["crowd"] = level_figures(population, scenario.center_leverage,
                                         where=slice(0, count))
    return figures
