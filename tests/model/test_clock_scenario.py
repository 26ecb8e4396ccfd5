"""The clock's Scenario fields and knobs: defaults keep today's results, bad values are
named, run() uses the timed engine when the clock is on, and each field reaches the knob
table (sidebar, URL), the CLI's --set and the report's parameters."""

import dataclasses

import numpy as np
import pytest

import cascade
from cascade.clock import TimedResult, run_timed
from cascade.paths import fall, fall_then_rebound, jump
from cascade.scenario import CLOCK_FIELDS, VENUE_FIELDS
from cascade_view import cli, knobs

SMALL = dict(n=2_000)


def test_defaults_leave_the_instant_model():
    scenario = cascade.Scenario(**SMALL)
    assert not scenario.clock and not scenario.market().timed
    result = scenario.run()
    assert type(result) is cascade.CascadeResult
    plain = cascade.LiquidationBook(scenario.population(), cascade.Market(
        price=100.0, depth=scenario.depth, maintenance_margin=scenario.maintenance_margin))
    np.testing.assert_array_equal(result.price_path, plain.run(scenario.shock).price_path)


@pytest.mark.parametrize("changes, path", [
    (dict(engine_rate=20e6), jump(-0.05)),
    (dict(engine_rule="hyperliquid"), jump(-0.05)),
    (dict(engine_rule="dydx", path="fall"), fall(-0.05, 60.0)),
    (dict(path="fall", fall_seconds=30.0), fall(-0.05, 30.0)),
    (dict(path="fall_then_rebound", fall_seconds=30.0, rebound=0.12, rebound_seconds=20.0,
          resilience_half_life=20.0, permanent_impact=0.5),
     fall_then_rebound(-0.05, 30.0, 0.12, 20.0)),
])
def test_run_uses_the_timed_engine_on_the_scenarios_path(changes, path):
    scenario = cascade.Scenario(**SMALL, **changes)
    assert scenario.clock
    result = scenario.run()
    assert isinstance(result, TimedResult)
    assert result.path.times.tolist() == path.times.tolist()
    assert result.path.moves.tolist() == path.moves.tolist()
    again = run_timed(scenario.book(), path)
    np.testing.assert_array_equal(result.liquidated_in, again.liquidated_in)
    np.testing.assert_array_equal(result.series["price"], again.series["price"])


def test_a_market_with_a_rate_runs_in_ticks_wherever_a_book_runs():
    scenario = cascade.Scenario(**SMALL, engine_rate=20e6)
    book = scenario.book()
    np.testing.assert_array_equal(book.run(-0.05).price_path,
                                  run_timed(book, jump(-0.05)).price_path)
    move, ticks = book.final_move(-0.05)
    assert move == book.run(-0.05).total_move and ticks == book.run(-0.05).wave_count


@pytest.mark.parametrize("changes, field", [
    (dict(engine_rate=-1.0), "engine_rate"),
    (dict(engine_rate=5.0), "engine_rate"),  # too slow to clear 2e9 in 200,000 ticks
    (dict(resilience_half_life=-2.0), "resilience_half_life"),
    (dict(permanent_impact=1.2), "permanent_impact"),
    (dict(path="crash"), "path"),
    (dict(engine_rule="binance"), "engine_rule"),
    (dict(fall_seconds=0.0), "fall_seconds"),
    (dict(rebound=-0.1), "rebound"),
    (dict(rebound_seconds=1e5), "rebound_seconds"),
    (dict(engine_rule="hyperliquid", mm_tiers="binance_btcusdt"), "mm_tiers"),
    (dict(engine_rule="dydx", mm_tiers="binance_btcusdt"), "mm_tiers"),
    (dict(resilience_half_life=20.0, recovery_half_life=3.0), "recovery_half_life"),
    (dict(path="fall_then_rebound", shock=0.05), "shock"),
])
def test_bad_clock_values_are_named(changes, field):
    with pytest.raises(ValueError, match=field):
        cascade.Scenario(**SMALL, **changes)


def test_every_clock_field_is_a_knob_that_goes_through_the_url():
    assert set(CLOCK_FIELDS) <= set(knobs.KNOBS) and set(CLOCK_FIELDS) <= set(VENUE_FIELDS)
    scenario = cascade.Scenario(engine_rate=20e6, resilience_half_life=20.0,
                                permanent_impact=0.65, engine_rule="hyperliquid",
                                path="fall_then_rebound",
                                fall_seconds=120.0, rebound=0.08, rebound_seconds=300.0)
    params = knobs.url_params(scenario)
    assert set(CLOCK_FIELDS) <= set(params)
    for name in CLOCK_FIELDS:
        value, problem = knobs.KNOBS[name].read(params[name])
        assert problem is None
        assert knobs.KNOBS[name].clean(value) == getattr(scenario, name), name


def test_the_cli_sets_the_clock_and_the_report_lists_it(capsys, tmp_path):
    assert cli.main(["run", "--set", "n=2000", "--set", "engine_rate=20M",
                     "--set", "resilience_half_life=20"]) == 0
    with_clock = capsys.readouterr().out
    assert cli.main(["run", "--set", "n=2000"]) == 0
    without = capsys.readouterr().out
    assert with_clock.splitlines()[0] != without.splitlines()[0]  # the final move differs
    out = tmp_path / "report.html"
    assert cli.main(["report", "--set", "n=2000", "--set", "engine_rate=20M", "-o",
                     str(out)]) == 0
    text = out.read_text()
    for name in CLOCK_FIELDS:
        assert name in text


def test_scenario_round_trips_through_json():
    scenario = cascade.Scenario(**SMALL, path="fall", fall_seconds=45.0, engine_rate=3e7)
    assert cascade.Scenario.from_dict(scenario.to_dict()) == scenario
    assert dataclasses.replace(scenario, path="jump").price_path().is_jump
