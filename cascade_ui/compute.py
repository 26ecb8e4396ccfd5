"""The page's calls into the model, cached where it pays.

The synthetic population is the only expensive step that does not depend on the shock,
the depth or the impact model, so it is cached on the Scenario fields that shape it.
The critical shock (a bisection over many cascades) does not depend on the shock either,
so it is cached on the rest. Everything else (one cascade on a 10K book) takes
milliseconds and runs every time.
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


@st.cache_data(max_entries=32, show_spinner=False)
def _population(key: tuple) -> Population:
    return Scenario.from_dict(dict(key)).population()


@st.cache_data(max_entries=256, show_spinner=False)
def _critical_shock(key: tuple, depth: float, impact: str, direction: int) -> float:
    scenario = Scenario.from_dict({**dict(key), "depth": depth, "impact": impact})
    return cascade.critical_shock(LiquidationBook(_population(key), scenario.market()),
                                  direction=direction)


# The verdict's robustness: the same knobs on this many other seeds, on books of at most
# ROBUSTNESS_TRADERS traders so that the check stays well inside the rerun's 1 s budget.
ROBUSTNESS_BOOKS = 20
ROBUSTNESS_TRADERS = 10_000


@dataclass(frozen=True)
class Robustness:
    """How many of `books` other books drawn with the same knobs (seeds seed+1 ...
    seed+books, each of `traders` traders) ran away under the same shock."""
    runaways: int
    books: int
    traders: int


@st.cache_data(max_entries=64, show_spinner=False)
def _robustness(key: tuple, shock: float, depth: float, impact: str) -> Robustness:
    fields = dict(key)
    traders = min(fields["n"], ROBUSTNESS_TRADERS)
    scenario = Scenario.from_dict({**fields, "n": traders, "shock": shock, "depth": depth,
                                   "impact": impact})
    runaways = 0
    for seed in range(scenario.seed + 1, scenario.seed + 1 + ROBUSTNESS_BOOKS):
        book = scenario.replace(seed=seed).book()
        runaways += cascade.is_runaway(book, book.run(shock).total_move)
    return Robustness(runaways, ROBUSTNESS_BOOKS, traders)


def clear_caches() -> None:
    _population.clear()
    _critical_shock.clear()
    _robustness.clear()


@dataclass(frozen=True)
class Analysis:
    """One scenario, run: the cascade and what theory says about its book.

    peak_branching_ratio: the largest R over the stretch the price travelled
    (cascade.peak_branching_ratio); runaway: it is >= 1 (cascade.is_runaway), so the two
    never disagree; tipping_move: the first move at which R reaches 1 in the shock's
    direction (NaN if none); critical_shock: the smallest shock in that direction that runs
    away (NaN if none); direction: -1 fall, +1 rise; at_floor: the price ended on the
    model's floor (cascade.PRICE_FLOOR); robustness: the verdict on other books like it.
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
    robustness: Robustness


def analyse(scenario: Scenario) -> Analysis:
    key = population_key(scenario)
    book = LiquidationBook(_population(key), scenario.market())
    result = book.run(scenario.shock)
    direction = 1 if scenario.shock > 0 else -1
    peak = cascade.peak_branching_ratio(book, result.total_move)
    floor = scenario.market().price * cascade.PRICE_FLOOR
    return Analysis(
        scenario=scenario,
        result=result,
        liquidation_price=book.liquidation_price,
        peak_branching_ratio=peak,
        runaway=peak >= cascade.theory.RUNAWAY_R,
        tipping_move=cascade.tipping_move(book, direction),
        critical_shock=_critical_shock(key, scenario.depth, scenario.impact, direction),
        direction=direction,
        at_floor=result.final_price <= floor,
        robustness=_robustness(key, scenario.shock, scenario.depth, scenario.impact),
    )


def critical_shock_of(scenario: Scenario, direction: int) -> float:
    """cascade.critical_shock of the scenario's book in `direction` (-1 fall, +1 rise),
    cached on the fields it depends on (not the shock)."""
    return _critical_shock(population_key(scenario), scenario.depth, scenario.impact, direction)
