"""One scenario, analysed: the cascade and what theory says about its book. Pure (no
Streamlit), so the page, the report and the command line tell the same story; the page
caches the expensive parts (cascade_ui/compute.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import cascade
from cascade import CascadeResult, LiquidationBook, Scenario
from cascade.theory import direction_of, runs_away

# The verdict's robustness: the same knobs on this many other seeds, on books of at most
# ROBUSTNESS_TRADERS traders (the story holds at 1,000: tests/model/test_scenario.py), so
# that the check stays well inside the rerun's 1 s budget.
ROBUSTNESS_BOOKS = 20
ROBUSTNESS_TRADERS = 2_000


@dataclass(frozen=True)
class Robustness:
    """How many of `books` other books drawn with the same knobs (seeds seed+1 ...
    seed+books, each of `traders` traders) ran away under the same shock."""
    runaways: int
    books: int
    traders: int


@dataclass(frozen=True)
class Analysis:
    """One scenario, run: the cascade and what theory says about its book.

    peak_branching_ratio: the largest R over the stretch the price travelled
    (cascade.peak_branching_ratio); runaway: it is >= 1 (cascade.is_runaway), so the two
    never disagree; tipping_move: the first move at which R reaches 1 in the shock's
    direction (NaN if none); critical_shock: the smallest shock in that direction that runs
    away (NaN if none); direction: -1 fall, +1 rise; at_floor: the price ended on the
    model's floor (cascade.PRICE_FLOOR); robustness: the verdict on other synthetic books
    like it (None for a book the user brought).
    """
    scenario: Scenario
    result: CascadeResult
    liquidation_price: np.ndarray
    peak_branching_ratio: float
    runaway: bool
    tipping_move: float
    critical_shock: float
    direction: int
    at_floor: bool
    robustness: Robustness | None


def robustness_books(scenario: Scenario) -> list[LiquidationBook]:
    """The ROBUSTNESS_BOOKS other books drawn with the scenario's knobs (seeds seed+1 ...,
    at most ROBUSTNESS_TRADERS traders each), on its market."""
    traders = min(scenario.n, ROBUSTNESS_TRADERS)
    return [scenario.replace(seed=seed, n=traders).book()
            for seed in range(scenario.seed + 1, scenario.seed + 1 + ROBUSTNESS_BOOKS)]


def robustness_on(books: list[LiquidationBook], shock: float) -> Robustness:
    """How many of `books` run away under `shock` (the Explorer's verdict on each)."""
    runaways = sum(cascade.is_runaway(book, book.final_move(shock)[0]) for book in books)
    return Robustness(int(runaways), len(books), len(books[0].population))


def robustness_of(scenario: Scenario) -> Robustness:
    """The verdict on ROBUSTNESS_BOOKS other seeds of the same knobs (robustness_books)."""
    return robustness_on(robustness_books(scenario), scenario.shock)


def analyse_book(scenario: Scenario, book: LiquidationBook, critical_shock: float | None = None,
                 robustness: Robustness | None = None, path=None) -> Analysis:
    """The Analysis of `scenario.shock` on `book` (its population and market). The critical
    shock is computed unless given (the page passes a cached one). `path`: a brought price
    path (cascade.PricePath) the cascade runs along (Scenario.run_on); the scenario is then
    cascade.case.path_scenario's, whose shock is the path's largest move."""
    result = scenario.run_on(book, path)
    direction = direction_of(scenario.shock)
    peak = cascade.peak_branching_ratio(book, result.total_move)
    if critical_shock is None:
        critical_shock = cascade.critical_shock(book, direction=direction)
    return Analysis(
        scenario=scenario,
        result=result,
        liquidation_price=book.liquidation_price,
        peak_branching_ratio=peak,
        runaway=runs_away(peak),
        tipping_move=cascade.tipping_move(book, direction),
        critical_shock=float(critical_shock),
        direction=direction,
        at_floor=result.final_price <= book.market.price * cascade.PRICE_FLOOR,
        robustness=robustness,
    )


def analyse(scenario: Scenario) -> Analysis:
    """The whole Analysis of a synthetic scenario, robustness included, with no caching."""
    return analyse_book(scenario, scenario.book(), robustness=robustness_of(scenario))


def closest_to_liquidation(analysis: Analysis, count: int = 20):
    """The `count` positions whose liquidation price is nearest the start price: what a
    shock reaches first. One row each: side, leverage, notional, entry and liquidation
    price, the distance from the start to the liquidation price (relative, signed: negative
    = a fall reaches it), and the wave that liquidated it in this cascade (-1 = survived)."""
    result = analysis.result
    frame = result.positions_frame()
    frame["distance"] = analysis.liquidation_price / result.market.price - 1.0
    nearest = np.argsort(np.abs(frame["distance"].to_numpy()), kind="stable")[:count]
    return frame.iloc[nearest].reset_index(names="position")
