"""The page's calls into the model, cached where it pays.

Caching (issue 7): every rerun runs one cascade and builds the figures; what does not
depend on the slider that moved is kept.
- per book (the population fields, maintenance margin included): the synthetic
  population and its LiquidationBook (_book); the venue mechanics and the clock share the
  population and sorted sides of their book without them (population_of). Shared by every session (st.cache_resource):
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
from cascade.analysis import Analysis, Robustness, analyse_book, robustness_books, robustness_on
from cascade.case import case_book, path_scenario
from cascade.contagion import Contagion
from cascade.replay import CROSS_MARGIN, compare, cross_margin, replay_scenario
from cascade.response import ResponseCurve, response_curve, shock_grid
from cascade.scenario import MARKET_FIELDS, VENUE_FIELDS
from cascade.sweep import CROSS_SHARES, cross_share_curve
from cascade.theory import direction_of

__all__ = ["Analysis", "Robustness", "analyse", "book_of", "clear_caches",
           "critical_shock_of", "market_of", "response_of", "response_of_brought"]

DEFAULT = Scenario()


def book_of(scenario: Scenario) -> Scenario:
    """The cache key of a synthetic book: the scenario with its market fields (shock, depth,
    impact) at their defaults, so every scenario of the same book (the population fields,
    venue mechanics and maintenance margin included) shares one key."""
    return scenario.replace(**{name: getattr(DEFAULT, name) for name in MARKET_FIELDS})


def market_of(scenario: Scenario) -> Scenario:
    """The cache key of a book on its market: the scenario with the shock at its default,
    so a shock move reuses the book, theory's results and the critical shock."""
    return scenario.replace(shock=DEFAULT.shock)


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


def population_of(book: Scenario) -> Scenario:
    """The cache key of a synthetic population and its sorted sides: `book` (a book_of key)
    with the venue mechanics and the clock at their defaults, all but mm_tiers, which caps
    the population's leverage. Every venue and clock setting of one population shares it."""
    return book.replace(**{name: getattr(DEFAULT, name) for name in VENUE_FIELDS
                           if name != "mm_tiers"})


@st.cache_resource(max_entries=BOOK_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _book(book: Scenario) -> LiquidationBook:
    """The synthetic population of `book` (a book_of key) on its venue, shared by every
    session. A venue or clock setting is the population_of book on its market (sharing its
    population and sorted sides: at 1M traders a clock move then costs 0.16 s, not 0.42)."""
    plain = population_of(book)
    if plain != book:
        return _book(plain).with_market(book.market())
    return LiquidationBook(book.population(), book.market())


@st.cache_resource(max_entries=MARKET_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _market_book(market: Scenario) -> LiquidationBook:
    """_book on the market of `market` (a market_of key); it keeps theory's results."""
    return _book(book_of(market)).with_market(market.market())


def _population(book: Scenario) -> Population:
    return _book(book).population


@st.cache_data(max_entries=256, ttl=CACHE_TTL, show_spinner=False)  # a phase page: a row each
def _critical_shock(market: Scenario, direction: int) -> float:
    return cascade.critical_shock(_market_book(market), direction=direction)


@st.cache_resource(max_entries=8, ttl=CACHE_TTL, show_spinner=False)
def _robustness_base(book: Scenario) -> list[LiquidationBook]:
    """The other books the verdict is checked on (a few MB), per population knobs."""
    return robustness_books(book)


@st.cache_resource(max_entries=16, ttl=CACHE_TTL, show_spinner=False)
def _robustness_books(market: Scenario) -> list[LiquidationBook]:
    """_robustness_base on another depth or impact, sharing their sorted sides, so a shock or
    depth move only runs their cascades."""
    return [book.with_market(market.market()) for book in _robustness_base(book_of(market))]


def _robustness(scenario: Scenario) -> Robustness:
    return robustness_on(_robustness_books(market_of(scenario)), scenario)


@st.cache_data(max_entries=64, ttl=CACHE_TTL, show_spinner=False)
def _response(market: Scenario, shocks: tuple[float, ...], direction: int) -> ResponseCurve:
    return response_curve(_market_book(market), shocks, direction, scenario=market)


def response_of(scenario: Scenario, direction: int, *sizes: float) -> ResponseCurve:
    """cascade.response.response_curve of the scenario's book in `direction` on
    shock_grid(direction, *sizes), cached on the book and market (not the shock) and the
    grid: one call per page run, each point bit for bit a run at that shock (with the clock
    on, the timed run along the scenario's path at that depth: response_curve's rule)."""
    shocks = tuple(float(s) for s in shock_grid(direction, *sizes))
    return _response(market_of(scenario), shocks, direction)


def clear_caches() -> None:
    _response.clear()
    _book.clear()
    _market_book.clear()
    _critical_shock.clear()
    _robustness_base.clear()
    _robustness_books.clear()


def analyse(scenario: Scenario) -> Analysis:
    """cascade.analysis.analyse_book on the cached book, critical shock and robustness."""
    market = market_of(scenario)
    return analyse_book(scenario, _market_book(market),
                        critical_shock=_critical_shock(market, direction_of(scenario.shock)),
                        robustness=_robustness(scenario))


def critical_shock_of(scenario: Scenario, direction: int) -> float:
    """cascade.critical_shock of the scenario's book in `direction` (-1 fall, +1 rise),
    cached on the fields it depends on (not the shock)."""
    return _critical_shock(market_of(scenario), direction)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL, show_spinner="Preparing your book...")
def _brought_book(market: Scenario, files: tuple, _inputs) -> LiquidationBook:
    """cascade.case.case_book: the user's positions (or the synthetic book of `market`'s
    scenario) on the scenario's market, venue mechanics included, or on the user's order
    book; cached on the files' checksums (`files`) and the knobs."""
    synthetic = _population(book_of(market)) if _inputs.positions is None else None
    return case_book(market, _inputs.positions, _inputs.orderbook, synthetic=synthetic)


def analyse_brought(scenario: Scenario, inputs) -> Analysis:
    """analyse() for a scenario run on what the user brought (cascade_ui.upload.BookInputs):
    their positions replace the synthetic book, their order book the impact model. No
    robustness over other seeds: a real book is one book. A brought price path replaces the
    shock (cascade.case.path_scenario) and the cascade runs along it."""
    book = _brought_book(market_of(scenario), inputs.key, inputs)
    return analyse_book(path_scenario(scenario, inputs.path), book, path=inputs.path)


def response_of_brought(scenario: Scenario, inputs, direction: int, *sizes: float
                        ) -> ResponseCurve:
    """response_of() for the book the user brought (the cached _brought_book); the curve
    itself is not cached (about 0.2 s at a million positions). With the clock on, along the
    scenario's path (response_curve's rule); a brought path has no depth to set, so with one
    the curve is of jumps."""
    book = _brought_book(market_of(scenario), inputs.key, inputs)
    return response_curve(book, shock_grid(direction, *sizes), direction,
                          scenario=scenario if inputs.path is None else None)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL, show_spinner="Running the replay...")
def replay_of(event: str):
    """(Scenario, TimedResult, rows) of a real event's calibrated replay
    (cascade.replay.replay_scenario and compare); shared by every session: read only."""
    scenario = replay_scenario(event)
    result = scenario.run()
    return scenario, result, compare(event, scenario, result)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL, show_spinner="Running the markets...")
def cross_margin_of(event: str):
    """The cross-margin figure of a real event's replay (cascade.replay.cross_margin), or
    None when the event has none; shared by every session: read only."""
    return cross_margin(event) if event in CROSS_MARGIN else None


@st.cache_resource(max_entries=4, ttl=CACHE_TTL, show_spinner=False)
def contagion_book(accounts: int, seed: int, markets: tuple, open_interest: tuple,
                   cross_share: float):
    """The Contagion page's synthetic accounts (cascade.make_accounts via Contagion.book),
    keyed by what draws them; shared by every session: read only."""
    return Contagion(markets=markets, open_interest=open_interest, cross_share=cross_share,
                     accounts=accounts, seed=seed).book()


@st.cache_resource(max_entries=16, ttl=CACHE_TTL, show_spinner="Running the markets...")
def contagion_of(setup: Contagion, isolated: bool):
    """The ContagionResult of `setup` on its synthetic accounts (made isolated when
    `isolated`: the "same book, isolated" switch); shared by every session: read only."""
    book = contagion_book(setup.accounts, setup.seed, setup.markets, setup.open_interest,
                          setup.cross_share)
    return setup.run(book.isolated() if isolated else book)


@st.cache_resource(max_entries=8, ttl=CACHE_TTL, show_spinner="Running the markets...")
def contagion_of_file(setup: Contagion, sha256: str, isolated: bool, _book):
    """The ContagionResult of `setup` on an uploaded AccountBook `_book` (made isolated when
    `isolated`), cached on the knobs and the file's SHA-256 (`sha256`): the book itself is
    not hashed. Shared by every session: read only."""
    return setup.run(_book.isolated() if isolated else _book)


@st.cache_data(max_entries=32, ttl=CACHE_TTL, show_spinner="Running every cross share...")
def cross_share_curve_of(setup: Contagion, shares: tuple = CROSS_SHARES):
    """cascade.sweep.cross_share_curve of `setup` (its own cross_share is replaced by each
    of `shares`): the Risk page's cross-margin section, one contagion run per share on the
    same seed. A DataFrame of a row per share, a few hundred bytes: cached as data, so each
    session gets its own copy."""
    return cross_share_curve(setup, shares)
