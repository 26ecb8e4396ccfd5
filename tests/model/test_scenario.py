"""Scenario, the Explorer's knobs, and the presets."""

import dataclasses
import json

import numpy as np
import pytest

import cascade


def test_clustering_at_least_doubles_the_move_at_the_defaults():
    """The seed's point: the same book, clustered, moves the price at least twice as far."""
    clustered = cascade.Scenario(tightness=1.0).run()
    dispersed = cascade.Scenario(tightness=0.0).run()
    assert clustered.total_move < dispersed.total_move < 0
    assert clustered.total_move / dispersed.total_move >= 2.0


def test_defaults_tell_the_story_damped_when_dispersed_runaway_when_clustered():
    for tightness, runaway in ((0.0, False), (1.0, True)):
        scenario = cascade.Scenario(tightness=tightness)
        book = scenario.book()
        assert cascade.is_runaway(book, book.run(scenario.shock).total_move) is runaway


def story_holds(seed: int, **changes) -> bool:
    """At this seed the clustered book (tightness 1) runs away and the dispersed one
    (tightness 0) does not."""
    verdicts = []
    for tightness in (1.0, 0.0):
        scenario = cascade.Scenario(tightness=tightness, seed=seed, **changes)
        book = scenario.book()
        verdicts.append(cascade.is_runaway(book, book.run(scenario.shock).total_move))
    return verdicts == [True, False]


@pytest.mark.parametrize("changes", [{}, {"n": 1000}, {"size_tail": 1.1}])
def test_the_story_holds_for_nine_of_ten_seeds(changes):
    """Issue 6: the teaching demo must not depend on the book drawn (README: over 30 seeds)."""
    held = [seed for seed in range(10) if story_holds(seed, **changes)]
    assert len(held) >= 9, f"story held only for seeds {held}"


def test_run_is_simulate_on_the_scenarios_population_and_market():
    scenario = cascade.Scenario(n=2000, seed=3, impact="sqrt", entry_dispersion=0.02)
    direct = cascade.simulate(scenario.population(), scenario.market(), scenario.shock)
    via_run = scenario.run()
    np.testing.assert_array_equal(via_run.price_path, direct.price_path)
    np.testing.assert_array_equal(via_run.liquidated_in, direct.liquidated_in)


def test_scenario_is_frozen_and_round_trips_through_json():
    scenario = cascade.Scenario(shock=-0.07, tightness=0.3, background="discrete", n=500)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.shock = 0.1
    assert cascade.Scenario.from_dict(json.loads(scenario.to_json())) == scenario
    assert scenario.replace(seed=9).seed == 9


@pytest.mark.parametrize("changes, words", [
    (dict(shock=-1.0), r"shock: must be > -1, got -1"),
    (dict(tightness=-0.5), r"tightness: must be >= 0"),
    (dict(depth=0.0), r"depth: must be >= 1, got 0.0"),
    (dict(impact="log"), r"impact: must be one of"),
    (dict(n=3), r"n: must be >= 10"),
    (dict(n=10**8), r"n: at most 2,000,000 traders"),
    (dict(long_share=2.0), r"long_share: must be <= 1"),
    (dict(open_interest=float("nan")), r"open_interest: must be finite"),
    (dict(maintenance_margin=0.06), r"maintenance_margin: 0.06 is too high for center_leverage 20x"),
    (dict(center_leverage=150.0), r"maintenance_margin: 0.005 is too high for center_leverage 150x"),
])
def test_invalid_scenarios_name_the_knob(changes, words):
    with pytest.raises(ValueError, match=words):
        cascade.Scenario(**changes)


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match=r"scenario: unknown field\(s\) leverage"):
        cascade.Scenario.from_dict({"leverage": 3})


def test_presets_run_and_are_documented():
    assert len(cascade.PRESETS) >= 3
    assert set(cascade.PRESETS) == set(cascade.PRESET_NOTES)
    for name, scenario in cascade.PRESETS.items():
        assert isinstance(scenario, cascade.Scenario)
        note = cascade.PRESET_NOTES[name]
        assert len(note.description) > 80 and len(note.source) > 40
        assert scenario.run().wave_count > 0


def test_presets_span_damped_to_runaway():
    verdicts = {}
    for name, scenario in cascade.PRESETS.items():
        book = scenario.book()
        verdicts[name] = cascade.is_runaway(book, book.run(scenario.shock).total_move)
    assert verdicts["Calm market, dispersed leverage"] is False
    assert verdicts["Crowd at 20x (Binance default)"] is True
    assert verdicts["10 Oct 2025: thin book, crowded longs"] is True


def test_population_fields_decide_the_population_and_nothing_else_does():
    base = cascade.Scenario(n=500)
    market_only = base.replace(shock=0.1, depth=1e9, impact="sqrt")
    np.testing.assert_array_equal(base.population().leverage, market_only.population().leverage)
    assert set(cascade.Scenario.population_fields()) | {"shock", "depth", "impact"} == {
        f.name for f in dataclasses.fields(cascade.Scenario)}
    changed = base.replace(tightness=0.2)
    assert not np.array_equal(base.population().leverage, changed.population().leverage)
