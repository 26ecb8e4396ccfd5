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

import streamlit as st

import cascade
from cascade import LiquidationBook, Population, Scenario
from cascade.case import case_book

from cascade.analysis import (Analysis, Robustness, analyse_book, direction_of, robustness_books,
                       robustness_on)

__all__ = ["Analysis", "Robustness", "analyse", "clear_caches", "critical_shock_of",
           "population_key"]

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


@st.cache_data(max_entries=256, ttl=CACHE_TTL, show_spinner=False)  # a phase page: a row each
def _critical_shock(key: tuple, depth: float, impact: str, direction: int) -> float:
    return cascade.critical_shock(_market_book(key, depth, impact), direction=direction)


@st.cache_resource(max_entries=8, ttl=CACHE_TTL, show_spinner=False)
def _robustness_base(key: tuple) -> list[LiquidationBook]:
    """The other books the verdict is checked on (a few MB), per population knobs."""
    return robustness_books(Scenario.from_dict(dict(key)))


@st.cache_resource(max_entries=16, ttl=CACHE_TTL, show_spinner=False)
def _robustness_books(key: tuple, depth: float, impact: str) -> list[LiquidationBook]:
    """_robustness_base on another depth or impact, sharing their sorted sides, so a shock or
    depth move only runs their cascades."""
    market = Scenario.from_dict({**dict(key), "depth": depth, "impact": impact}).market()
    return [book.with_market(market) for book in _robustness_base(key)]


def _robustness(key: tuple, shock: float, depth: float, impact: str) -> Robustness:
    return robustness_on(_robustness_books(key, depth, impact), shock)


def clear_caches() -> None:
    _book.clear()
    _market_book.clear()
    _critical_shock.clear()
    _robustness_base.clear()
    _robustness_books.clear()


def analyse(scenario: Scenario) -> Analysis:
    """cascade_ui.analysis.analyse_book on the cached book, critical shock and robustness."""
    key = population_key(scenario)
    direction = direction_of(scenario.shock)
    return analyse_book(
        scenario, _market_book(key, scenario.depth, scenario.impact),
        critical_shock=_critical_shock(key, scenario.depth, scenario.impact, direction),
        robustness=_robustness(key, scenario.shock, scenario.depth, scenario.impact))


def critical_shock_of(scenario: Scenario, direction: int) -> float:
    """cascade.critical_shock of the scenario's book in `direction` (-1 fall, +1 rise),
    cached on the fields it depends on (not the shock)."""
    return _critical_shock(population_key(scenario), scenario.depth, scenario.impact, direction)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL, show_spinner="Preparing your book...")
def _brought_book(key: tuple, depth: float, impact: str, _inputs) -> LiquidationBook:
    """cascade.case.case_book: the user's positions (or the synthetic book of `key`'s
    scenario) on the scenario's market, venue mechanics included, or on the user's order
    book; cached on the files' checksums and the knobs."""
    scenario = Scenario.from_dict({**dict(key[0]), "depth": depth, "impact": impact})
    synthetic = _population(key[0]) if _inputs.positions is None else None
    return case_book(scenario, _inputs.positions, _inputs.orderbook, synthetic=synthetic)


def analyse_brought(scenario: Scenario, inputs) -> Analysis:
    """analyse() for a scenario run on what the user brought (cascade_ui.upload.BookInputs):
    their positions replace the synthetic book, their order book the impact model. No
    robustness over other seeds: a real book is one book."""
    key = (population_key(scenario), inputs.key)
    book = _brought_book(key, scenario.depth, scenario.impact, inputs)
    return analyse_book(scenario, book)
