"""Cascade Lab's model: leverage clustering and liquidation cascades (see MODEL.md).

numpy, scipy and pandas only; usable from a notebook or the command line:

    import cascade
    result = cascade.Scenario(tightness=1.0).run()
    result.waves, result.final_price, result.amplification
"""

from .ensemble import iter_ensemble, run_ensemble
from .engine import PRICE_FLOOR, WAVE_COLUMNS, CascadeResult, LiquidationBook, simulate
from .market import IMPACT_MODELS, Market
from .population import LONG, SHORT, Population, bankruptcy_price, liquidation_price
from .scenario import PRESET_NOTES, PRESETS, PresetNote, Scenario
from .synthetic import BACKGROUNDS, make_population
from .theory import (branching_ratio, critical_shock, feedback, is_runaway,
                     peak_branching_ratio, tipping_move)

__all__ = [
    "BACKGROUNDS", "CascadeResult", "IMPACT_MODELS", "LONG", "LiquidationBook", "Market",
    "PRESETS", "PRESET_NOTES", "PRICE_FLOOR", "Population", "PresetNote", "SHORT", "Scenario",
    "WAVE_COLUMNS", "bankruptcy_price", "branching_ratio", "critical_shock", "feedback",
    "is_runaway", "iter_ensemble", "liquidation_price", "make_population",
    "peak_branching_ratio", "run_ensemble", "simulate", "tipping_move",
]
