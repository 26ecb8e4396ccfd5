"""The page's calls into the model, cached where it pays.

Caching (issue 7): every rerun runs one cascade and builds the figures; what does not
depend on the slider that moved is kept.
- per book (the population fields, maintenance margin included): the synthetic
  population and its LiquidationBook (_book). Shared by every session (st.cache_resource):
  a cascade only reads a book, and a side sorts itself under a lock the first time theory
  asks, so one copy serves all.
- per book and market (depth, impact): the book on that market (_market_book), which keeps
  theory's per-threshold results (F and R at every liquidation threshold), so a shock
  move reads R, the peak R and the verdict by binary search; and the critical shock.
Both are bounded by entry count and time (BOOK_ENTRIES, MARKET_ENTRIES, CACHE_TTL); see
benchmarks/bench_explorer.py for the memory they take.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import cascade
from cascade import CascadeResult, LiquidationBook, Population, Scenario

POPULATION_FIELDS = Scenario.population_fields()


def population_key(scenario: Scenario) -> tuple:
    """The (name, value) pairs that decide the synthetic population."""
    return tuple((name, getattr(scenario, name)) for name in POPULATION_FIELDS)


# Memory, per trader: a book about 63 bytes (population 25, liquidation prices 8, the hit
# side sorted 32 per position on it, the other side's keys 8); theory on one market about
# 32 bytes per position on the side it hit (22 for a 70% long book); a session's last
# result 8 (which wave liquidated each trader). At 2M traders: 126 MB, 45 MB and 16 MB.
# A market book keeps its book alive, so at most BOOK_ENTRIES + MARKET_ENTRIES books live:
# the caches stay under about 4.5 GB at 2M traders (24 books x 126 MB, 16 markets x 90 MB
# with theory both ways), however many sessions there are.
BOOK_ENTRIES = 8
MARKET_ENTRIES = 16
CACHE_TTL = 3600  # seconds: a book nobody has asked for in an hour is dropped


@st.cache_resource(max_entries=BOOK_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _book(key: tuple) -> LiquidationBook:
    """The synthetic population of `key` on its venue, shared by every session."""
    scenario = Scenario.from_dict(dict(key))
    return LiquidationBook(scenario.population(), scenario.market())


@st.cache_resource(max_entries=MARKET_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _market_book(key: tuple, depth: float, impact: str) -> LiquidationBook:
    """_book(key) on the market of `depth` and `impact`; it keeps theory's results."""
    scenario = Scenario.from_dict({**dict(key), "depth": depth, "impact": impact})
    return _book(key).with_market(scenario.market())


def _population(key: tuple) -> Population:
    return _book(key).population


@st.cache_data(max_entries=64, ttl=CACHE_TTL, show_spinner=False)
def _critical_shock(key: tuple, depth: float, impact: str, direction: int) -> float:
    return cascade.critical_shock(_market_book(key, depth, impact), direction=direction)


def clear_caches() -> None:
    _book.clear()
    _market_book.clear()
    _critical_shock.clear()


@dataclass(frozen=True)
class Analysis:
    """One scenario, run: the cascade and what theory says about its book.

    branching_ratio: R at the shock (see cascade.branching_ratio); runaway: the final move
    reached the tipping move (cascade.is_runaway); critical_shock: the smallest shock in
    the shock's direction that runs away (NaN if none); direction: -1 fall, +1 rise.
    """
    scenario: Scenario
    result: CascadeResult
    liquidation_price: np.ndarray
    branching_ratio: float
    runaway: bool
    critical_shock: float
    direction: int


def analyse(scenario: Scenario) -> Analysis:
    key = population_key(scenario)
    book = _market_book(key, scenario.depth, scenario.impact)
    result = book.run(scenario.shock)
    direction = 1 if scenario.shock > 0 else -1
    return Analysis(
        scenario=scenario,
        result=result,
        liquidation_price=book.liquidation_price,
        branching_ratio=float(cascade.branching_ratio(book, move=scenario.shock)),
        runaway=cascade.is_runaway(book, result.total_move),
        critical_shock=_critical_shock(key, scenario.depth, scenario.impact, direction),
        direction=direction,
    )
