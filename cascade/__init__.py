"""Cascade Lab's model: leverage clustering and liquidation cascades (see docs/model.md).

numpy, scipy and pandas only; usable from a notebook or the command line:

    import cascade
    result = cascade.Scenario(tightness=1.0).run()
    result.waves, result.final_price, result.amplification
"""

from .clock import TimedResult, run_timed
from .accounts import AccountBook, check_at_start, make_accounts, read_accounts
from .contagion import ContagionResult, beta_paths, run_contagion
from .paths import PricePath, fall, fall_then_rebound, jump, read_path
from .ensemble import iter_ensemble, run_ensemble
from .levels import (LevelFigures, average_leverage, level_figures, scenario_levels,
                     share_near_leverage, total_margin)
from .engine import PRICE_FLOOR, WAVE_COLUMNS, CascadeResult, LiquidationBook, simulate
from .market import IMPACT_MODELS, MARKET_IMPACTS, Market
from .orderbook import OrderBook, read_orderbook
from .population import LONG, SHORT, Population, bankruptcy_price, liquidation_price
from .positions_file import PositionsFile, load_positions, read_positions
from .scenario import PRESET_NOTES, PRESETS, PresetNote, Scenario
from .tiers import BINANCE_BTCUSDT_TIERS
from .synthetic import BACKGROUNDS, crowd_count, crowd_margin_band, make_population
from .sweep import METRICS, critical_shocks, phase_grid, sweep, sweepable_fields
from .theory import (branching_ratio, critical_shock, feedback, is_runaway,
                     peak_branching_ratio, tipping_move)

__all__ = [
    "BACKGROUNDS", "BINANCE_BTCUSDT_TIERS", "CascadeResult", "IMPACT_MODELS", "LONG",
    "LevelFigures", "LiquidationBook", "average_leverage", "crowd_count", "crowd_margin_band",
    "level_figures", "scenario_levels", "share_near_leverage", "total_margin",
    "MARKET_IMPACTS", "METRICS", "Market", "OrderBook", "PRESETS", "PRESET_NOTES",
    "PRICE_FLOOR", "Population", "PositionsFile", "PresetNote", "SHORT", "Scenario",
    "WAVE_COLUMNS", "bankruptcy_price", "branching_ratio", "critical_shock",
    "critical_shocks", "feedback", "is_runaway", "iter_ensemble", "liquidation_price",
    "load_positions", "make_population", "peak_branching_ratio", "phase_grid",
    "read_orderbook", "read_positions", "run_ensemble", "simulate", "sweep",
    "sweepable_fields", "tipping_move",
    "PricePath", "TimedResult", "fall", "fall_then_rebound", "jump", "read_path", "run_timed",
    "AccountBook", "ContagionResult", "beta_paths", "check_at_start", "make_accounts",
    "read_accounts",
    "run_contagion",
]
