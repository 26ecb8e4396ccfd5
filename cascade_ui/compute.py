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


def clear_caches() -> None:
    _population.clear()
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
    book = LiquidationBook(_population(key), scenario.market())
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


def critical_shock_of(scenario: Scenario, direction: int) -> float:
    """cascade.critical_shock of the scenario's book in `direction` (-1 fall, +1 rise),
    cached on the fields it depends on (not the shock)."""
    return _critical_shock(population_key(scenario), scenario.depth, scenario.impact, direction)
