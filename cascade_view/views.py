"""The Explorer's four charts of one Analysis, built in one place for the page, the HTML
report and the PNG export: chart name -> (how-to-read doc name, Figure)."""

from __future__ import annotations

import plotly.graph_objects as go

from . import figures, time_figures
from cascade.analysis import Analysis
from cascade.clock import TimedResult

# chart name (element key, PNG file name) and the docs/explorer/*.md that explains it
CHARTS = (("price-path", "chart_price_path"), ("leverage", "chart_leverage"),
          ("waves", "chart_waves"), ("liquidation-map", "chart_map"))
# short names for buttons, which must fit a fifth of the page at 1280 px
SHORT_NAMES = {"price-path": "Price path", "leverage": "Leverage", "waves": "Waves",
               "liquidation-map": "Map"}


def explorer_figures(analysis: Analysis) -> dict[str, go.Figure]:
    """The four figures of the Explorer, by chart name (the order of CHARTS)."""
    result, scenario = analysis.result, analysis.scenario
    # a timed run's steps are its liquidating ticks, named by their numbers
    timed = isinstance(result, TimedResult)
    ticks = result.waves["tick"].to_numpy() if timed else None
    path_end = float(result.path.moves[-1]) if timed and not result.path.is_jump else None
    built = {
        "price-path": figures.price_path_figure(result.price_path, scenario.shock,
                                                ticks=ticks, path_end=path_end),
        "leverage": figures.leverage_figure(result.population.leverage, result.liquidated_in,
                                            result.wave_count, result.population.notional,
                                            ticks=ticks),
        "waves": figures.waves_figure(result.waves),
        "liquidation-map": figures.liquidation_map_figure(
            analysis.liquidation_price, result.population.notional, result.liquidated_in,
            result.wave_count, scenario.shock, result.final_price, ticks=ticks),
    }
    return {name: built[name] for name, _ in CHARTS}


# The Time section's charts (issue 17), drawn when the scenario's clock is on: chart name
# and the docs/explorer/*.md that explains it.
TIME_CHARTS = (("time-price", "chart_time_price"),
               ("time-liquidations", "chart_time_liquidations"),
               ("time-queue", "chart_time_queue"),
               ("time-fund", "chart_time_fund"))
# Their names on the PNG download buttons.
TIME_SHORT_NAMES = {"time-price": "Price in time", "time-liquidations": "Liquidations in time",
                    "time-queue": "Queue in time", "time-fund": "Fund in time"}


def explorer_time_figures(analysis: Analysis) -> dict[str, go.Figure]:
    """The Time section's figures (cascade_view/time_figures.py) by chart name, in the order
    of TIME_CHARTS: {} when the run has no clock (not a TimedResult); the fund's only when
    the run kept accounts."""
    result = analysis.result
    if not isinstance(result, TimedResult):
        return {}
    series, dt = result.series, result.tick_seconds
    built = {
        "time-price": time_figures.price_time_figure(series, result.market.price, dt),
        "time-liquidations": time_figures.liquidations_time_figure(series, dt),
        "time-queue": time_figures.queue_time_figure(
            series, dt, result.market.engine_rate,
            time_figures.engine_rules(result.market)),
    }
    if result.ledger is not None:
        built["time-fund"] = time_figures.fund_time_figure(series, result.waves, dt)
    return built
