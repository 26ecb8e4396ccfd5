"""One scenario, analysed: the cascade and what theory says about its book. Pure (no
Streamlit), so the page, the report and the command line tell the same story; the page
caches the expensive parts (cascade_ui/compute.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .clock import Extreme, TimedResult, extreme_of
from .engine import PRICE_FLOOR, CascadeResult, LiquidationBook
from .scenario import Scenario
from .theory import (critical_shock as shock_that_runs_away, direction_of, is_runaway,
                     peak_branching_ratio, runs_away, tipping_move)

# The verdict's robustness: the same knobs on this many other seeds, on books of at most
# ROBUSTNESS_TRADERS traders (the story holds at 1,000: tests/model/test_scenario.py), so
# that the check stays well inside the rerun's 1 s budget.
ROBUSTNESS_BOOKS = 20
ROBUSTNESS_TRADERS = 2_000
# With the clock on each of those books runs the timed engine, whose cost grows with its
# ticks (about 40 us a tick on the shared 2-core machine, whatever the book's size): the check
# stops after the book that takes the books' ticks past this budget, so that a slow engine or
# an hour-long path keeps the rerun within its budget (docs/model.md, "The verdict with time").
ROBUSTNESS_TICKS = 10_000


@dataclass(frozen=True)
class Robustness:
    """How many of `books` other books drawn with the same knobs (seeds seed+1 ...
    seed+books, each of `traders` traders) ran away under the same shock, or with the clock
    on the same path (then `ticks`: the timed runs' ticks in all). `planned`: the books the
    check had (fewer were checked when the timed runs reached ROBUSTNESS_TICKS)."""
    runaways: int
    books: int
    traders: int
    ticks: int = 0
    planned: int = ROBUSTNESS_BOOKS


@dataclass(frozen=True)
class Stretch:
    """One direction of a timed run, as the timed verdict reads it (docs/model.md, "The
    verdict with time"): `extreme`, where the traded price went furthest that way and the
    persistence p of the forced flow there (cascade.clock.extreme_of); `peak_ratio`, the
    book's peak R over the stretch from P0 to that extreme (cascade.peak_branching_ratio; 0
    when it crossed no threshold); `ratio` = peak_ratio x p, the timed ratio."""
    extreme: Extreme
    peak_ratio: float
    ratio: float

    @property
    def direction(self) -> int:
        return self.extreme.direction

    @property
    def persistence(self) -> float:
        return self.extreme.persistence


def timed_stretches(book: LiquidationBook, result: TimedResult) -> tuple[Stretch, Stretch]:
    """(the fall, the rise) of a timed run of `book`: for each direction the extreme traded
    move x, R = peak_branching_ratio(book, x), the persistence p at that tick and R x p."""
    stretches = []
    for direction in (-1, 1):
        extreme = extreme_of(result, direction)
        peak = peak_branching_ratio(book, extreme.move)
        stretches.append(Stretch(extreme, peak, peak * extreme.persistence))
    return tuple(stretches)


def deciding_stretch(stretches: tuple[Stretch, Stretch], direction: int) -> Stretch:
    """The stretch the timed verdict is decided by: the larger timed ratio,
    max(R_down p_down, R_up p_up); on a tie (both 0 when the price crossed no threshold
    either way) the stretch in `direction`, the shock's."""
    fall, rise = stretches
    if fall.ratio != rise.ratio:
        return fall if fall.ratio > rise.ratio else rise
    return fall if direction < 0 else rise


@dataclass(frozen=True)
class Analysis:
    """One scenario, run: the cascade and what theory says about its book.

    deciding_ratio: the number the verdict is decided by; runaway: it is >= 1
    (theory.runs_away), so the two never disagree. Without the clock it is
    peak_branching_ratio, the largest R over the stretch the price travelled
    (cascade.peak_branching_ratio, so runaway is cascade.is_runaway). With the clock
    (stretches: the timed run's fall and rise) it is the timed ratio R x p of the deciding
    stretch (deciding_stretch), peak_branching_ratio that stretch's R, persistence its p and
    deciding_direction its direction; without the clock persistence is 1.0, the deciding
    direction is the shock's and stretches is None.
    tipping_move: the first move at which R reaches 1 in the shock's direction (NaN if
    none); critical_shock: the smallest shock in that direction that runs away in the
    instant model (NaN if none); direction: -1 fall, +1 rise (the shock's); at_floor: the
    price ended on the model's floor (cascade.PRICE_FLOOR); robustness: the verdict on other
    synthetic books like it, by the same rule (None for a book the user brought).
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
    deciding_ratio: float = math.nan
    persistence: float = 1.0
    deciding_direction: int = -1
    stretches: tuple[Stretch, Stretch] | None = None

    @property
    def timed(self) -> bool:
        """True when the verdict came from a timed run (the clock on)."""
        return self.stretches is not None

    @property
    def deciding(self) -> Stretch | None:
        """The timed run's deciding stretch (None without the clock)."""
        if self.stretches is None:
            return None
        return self.stretches[0 if self.deciding_direction < 0 else 1]


def robustness_books(scenario: Scenario) -> list[LiquidationBook]:
    """The ROBUSTNESS_BOOKS other books drawn with the scenario's knobs (seeds seed+1 ...,
    at most ROBUSTNESS_TRADERS traders each), on its market."""
    traders = min(scenario.n, ROBUSTNESS_TRADERS)
    return [scenario.replace(seed=seed, n=traders).book()
            for seed in range(scenario.seed + 1, scenario.seed + 1 + ROBUSTNESS_BOOKS)]


def robustness_on(books: list[LiquidationBook], shock: float | Scenario) -> Robustness:
    """How many of `books` run away (the Explorer's verdict on each): under a `shock` (the
    instant model), or under a Scenario's own run on each book (Scenario.run_on: the timed
    engine along its path when its clock is on, decided by the timed ratio, as
    analyse_book decides). Timed runs are checked in order until their ticks reach
    ROBUSTNESS_TICKS (at least one book is always checked)."""
    traders = len(books[0].population)
    if not isinstance(shock, Scenario):
        runaways = sum(is_runaway(book, book.final_move(shock)[0]) for book in books)
        return Robustness(int(runaways), len(books), traders, planned=len(books))
    runaways = ticks = checked = 0
    for book in books:
        result = shock.run_on(book)
        runaways += runs_away(verdict_of(shock, book, result)[0])
        checked += 1
        if isinstance(result, TimedResult):
            ticks += len(result.series)
            if ticks >= ROBUSTNESS_TICKS:
                break
    return Robustness(int(runaways), checked, traders, ticks, len(books))


def robustness_of(scenario: Scenario) -> Robustness:
    """The verdict on ROBUSTNESS_BOOKS other seeds of the same knobs (robustness_books)."""
    return robustness_on(robustness_books(scenario), scenario)


def verdict_of(scenario: Scenario, book: LiquidationBook, result: CascadeResult
               ) -> tuple[float, float, int, tuple[Stretch, Stretch] | None]:
    """(deciding ratio, peak R, deciding direction, stretches) of `result`, the scenario's
    run on `book`. Without the clock: the peak R over the stretch the price travelled, twice,
    the shock's direction and None. With it: the deciding stretch's R x p and R, its
    direction and the run's (fall, rise) stretches."""
    direction = direction_of(scenario.shock)
    if not isinstance(result, TimedResult):
        peak = peak_branching_ratio(book, result.total_move)
        return peak, peak, direction, None
    stretches = timed_stretches(book, result)
    deciding = deciding_stretch(stretches, direction)
    return deciding.ratio, deciding.peak_ratio, deciding.direction, stretches


def analyse_book(scenario: Scenario, book: LiquidationBook, critical_shock: float | None = None,
                 robustness: Robustness | None = None, path=None) -> Analysis:
    """The Analysis of `scenario.shock` on `book` (its population and market). The critical
    shock is computed unless given (the page passes a cached one). `path`: a brought price
    path (cascade.PricePath) the cascade runs along (Scenario.run_on); the scenario is then
    cascade.case.path_scenario's, whose shock is the path's largest move."""
    result = scenario.run_on(book, path)
    direction = direction_of(scenario.shock)
    deciding, peak, deciding_direction, stretches = verdict_of(scenario, book, result)
    if critical_shock is None:
        critical_shock = shock_that_runs_away(book, direction=direction)
    return Analysis(
        scenario=scenario,
        result=result,
        liquidation_price=book.liquidation_price,
        peak_branching_ratio=peak,
        runaway=runs_away(deciding),
        tipping_move=tipping_move(book, direction),
        critical_shock=float(critical_shock),
        direction=direction,
        at_floor=result.final_price <= book.market.price * PRICE_FLOOR,
        robustness=robustness,
        deciding_ratio=deciding,
        persistence=1.0 if stretches is None else stretches[deciding_direction > 0].persistence,
        deciding_direction=deciding_direction,
        stretches=stretches,
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
