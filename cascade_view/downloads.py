"""What the download buttons hand over: the scenario as JSON, the waves and the positions
as CSV. Plain functions of the model's objects, so tests can read what users download."""

from __future__ import annotations

from cascade import CascadeResult, Scenario, TimedResult


def scenario_json(scenario: Scenario) -> str:
    """Every knob; cascade.Scenario.from_dict(json.loads(text)) rebuilds the scenario."""
    return scenario.to_json()


def waves_csv(result: CascadeResult) -> str:
    """One row per wave (columns cascade.WAVE_COLUMNS)."""
    return result.waves.to_csv(index=False)


def positions_csv(result: CascadeResult) -> str:
    """One row per trader: side, leverage, notional, entry and liquidation price, and the
    wave that liquidated it (-1 = survived)."""
    return result.positions_frame().to_csv(index=False)


def series_csv(result: CascadeResult) -> str:
    """A timed run's series, one row per tick (columns cascade.clock.SERIES_COLUMNS: seconds,
    the path, the traded prices, what each side executed, the queues and the fund; USD at
    entry, prices in the start price's units). ValueError for a run without a clock."""
    if not isinstance(result, TimedResult):
        raise ValueError("series: only a run with the clock on has one (a cascade.TimedResult)")
    return result.series.to_csv(index=False)
