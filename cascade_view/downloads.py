"""What the download buttons hand over: the scenario as JSON, the waves and the positions
as CSV. Plain functions of the model's objects, so tests can read what users download."""

from __future__ import annotations

from cascade import CascadeResult, Scenario


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
