"""Scenario, the Explorer's knobs, and the presets."""

import dataclasses
import json

import numpy as np
import pytest

import cascade


SEEDS = range(30)
CROWD_DISTANCE = 1 / 20 - 0.005      # the default crowd's liquidation distance: 4.5%


def with_accounts(market, **changes):
    """The market keeping accounts from an empty insurance fund, so bad debt is counted."""
    return dataclasses.replace(market, insurance_fund=0.0, **changes)


def largest_step(result) -> float:
    """The largest price step one wave made, relative (the shock itself not counted)."""
    return float(np.abs(np.diff(result.price_path[1:])).max() / result.price_path[0])


@pytest.fixture(scope="module")
def measured():
    """Per seed 0-29 and tightness 1, 0.5, 0 at the default Scenario, the figures of
    docs/clustering-measured.md (benchmarks/measure_clustering.py measures the same)."""
    rows = {}
    for seed in SEEDS:
        for t in (1.0, 0.5, 0.0):
            scenario = cascade.Scenario(seed=seed, tightness=t)
            book = scenario.book()
            instant = cascade.LiquidationBook(book.population, with_accounts(book.market))
            refill = cascade.LiquidationBook(book.population,
                                             with_accounts(book.market, recovery_half_life=1.0))
            engine = cascade.LiquidationBook(book.population, with_accounts(
                book.market, recovery_half_life=1.0, engine_capacity=70e6))
            at_shock = instant.run(scenario.shock)
            refilled = refill.run(scenario.shock)
            throttled = engine.run(scenario.shock)
            rows[seed, t] = dict(
                critical=cascade.critical_shock(book), final=at_shock.total_move,
                step=largest_step(at_shock), bad_debt=at_shock.bad_debt,
                below_crowd=book.run(-0.04).total_move, small=book.run(-0.02).total_move,
                refill_final=refilled.total_move, refill_debt=refilled.bad_debt,
                engine_final=throttled.total_move, engine_debt=throttled.bad_debt)
    return rows


def figures(measured, name, t):
    return np.array([measured[seed, t][name] for seed in SEEDS])


def test_the_clustered_crowd_tips_at_its_own_distance(measured):
    """By construction the crowd at one leverage is a point mass of thresholds at 4.5%, far
    beyond what $70M of depth absorbs, so the book tips at a fall of at most 4.5%; measured
    over seeds 0-29, the background brings it no nearer than 4.4%. Below that the
    clustered book barely moves: a 4% fall ends within 0.1 points of itself."""
    critical = figures(measured, "critical", 1.0)
    assert (critical >= -CROWD_DISTANCE - 1e-9).all() and (critical <= -0.044).all()
    assert (figures(measured, "below_crowd", 1.0) >= -0.041).all()


def test_the_spread_crowd_tips_at_smaller_falls(measured):
    """Issue 16, Granovetter (1978), Watts (2002): spreading the same crowd around the same
    mean brings its most levered traders nearer, so it tips sooner. Measured over seeds 0-29:
    tightness 0.5 tips within 3% and tightness 0 within 1.8%, and a 2% fall takes the
    dispersed book past -14% while the clustered one stays within 0.1 points of -2%."""
    tips = {t: figures(measured, "critical", t) for t in (1.0, 0.5, 0.0)}
    assert (tips[1.0] < tips[0.5]).all() and (tips[0.5] < tips[0.0]).all()
    assert (tips[0.5] >= -0.03).all() and (tips[0.0] >= -0.018).all()
    assert (figures(measured, "small", 1.0) >= -0.021).all()
    assert (figures(measured, "small", 0.0) < -0.14).all()


def test_past_the_crowd_every_tightness_ends_at_the_same_price(measured):
    """With the instant engine, once the fall runs through the whole crowd the same notional
    has been sold at every tightness, so the -5% shock ends at one price (to rounding) and
    with about the same bad debt (measured: within $0.05M of $55-58M)."""
    for t in (0.5, 0.0):
        np.testing.assert_allclose(figures(measured, "final", t), figures(measured, "final", 1.0),
                                   rtol=1e-9)
        np.testing.assert_allclose(figures(measured, "bad_debt", t),
                                   figures(measured, "bad_debt", 1.0), atol=5e4)


def test_the_clustered_crowd_goes_in_one_larger_step(measured):
    """Nothing of the crowd goes before its distance, then all of it at once: the largest
    one-wave step at -5% is larger the tighter the crowd, in every seed 0-29 (measured: 12.0
    against 7.5 and 6.8 points at the median)."""
    steps = {t: figures(measured, "step", t) for t in (1.0, 0.5, 0.0)}
    assert (steps[1.0] > steps[0.5] + 0.04).all() and (steps[0.5] > steps[0.0]).all()


def test_with_refill_simultaneity_costs_and_a_slow_engine_reverses_it(measured):
    """Measured over seeds 0-29 at -5%. With depth halving back each step and an unlimited
    engine, the clustered crowd sells into the book at one moment and ends lower (by 2.4-2.9
    points) with more bad debt (by $9-11M) than at tightness 0.5 or 0. With an engine that
    executes $70M per step, the engine spreads the clustered crowd out in time itself, and
    the dispersed crowd (its most levered traders nearer) ends lower with more bad debt."""
    for looser in (0.5, 0.0):
        assert (figures(measured, "refill_final", 1.0)
                < figures(measured, "refill_final", looser) - 0.02).all()
        assert (figures(measured, "refill_debt", 1.0)
                > figures(measured, "refill_debt", looser) + 5e6).all()
    assert (figures(measured, "engine_final", 0.0) < figures(measured, "engine_final", 1.0)).all()
    assert (figures(measured, "engine_debt", 0.0) > figures(measured, "engine_debt", 1.0)).all()


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


def test_the_calm_preset_note_holds():
    """'2x on average ... each wave is smaller than the last and the cascade adds about half
    a percentage point.'"""
    scenario = cascade.PRESETS["Calm market, dispersed leverage"]
    assert cascade.scenario_levels(scenario)["crowd"].average_leverage == pytest.approx(2.0)
    result = scenario.run()
    notional = result.waves["notional"].to_numpy()
    assert (np.diff(notional) < 0).all()
    assert 0.003 <= scenario.shock - result.total_move <= 0.007


def test_the_crowd_at_20x_preset_note_holds():
    """'About two thirds of the open interest sits within 10% of 20x ...: a crowd of 60%
    between 19x and 21x' and 'A 5% drop reaches the 20x crowd's liquidation prices all at
    once': the first wave takes every long of the crowd."""
    scenario = cascade.PRESETS["Crowd at 20x (Binance default)"]
    population = scenario.population()
    crowd = cascade.crowd_count(scenario.n, scenario.cluster_share)
    assert 0.6 < cascade.scenario_levels(scenario)["book"].share_near < 0.7
    assert scenario.cluster_share == 0.6
    assert 19.0 <= population.leverage[:crowd].min() <= population.leverage[:crowd].max() <= 21
    first_wave = scenario.run().liquidated_in[:crowd][population.is_long[:crowd]]
    assert (first_wave == 1).all()


def test_the_slow_engine_preset_note_holds():
    """'the queue takes over seventy steps to clear; ... the fund runs dry, and ADL closes
    hundreds of millions ... which is still not enough: the rest is bad debt.'"""
    result = cascade.PRESETS["10-11 Oct 2025: small fund, slow engine, ADL"].run()
    assert 70 < result.wave_count < 100 and result.queue_path[-1] == 0.0
    assert result.fund_exhausted_step >= 1
    assert 100e6 <= result.adl_notional < 1e9 and result.bad_debt > 0


def test_population_fields_decide_the_population_and_nothing_else_does():
    base = cascade.Scenario(n=500)
    market_only = base.replace(shock=0.1, depth=1e9, impact="sqrt")
    np.testing.assert_array_equal(base.population().leverage, market_only.population().leverage)
    assert set(cascade.Scenario.population_fields()) | {"shock", "depth", "impact"} == {
        f.name for f in dataclasses.fields(cascade.Scenario)}
    changed = base.replace(tightness=0.2)
    assert not np.array_equal(base.population().leverage, changed.population().leverage)


@pytest.mark.parametrize("name, share", [("long_share", 5e-324), ("long_share", 1e-10),
                                         ("cluster_share", 5e-324),
                                         ("cluster_share", 1.0 - 1e-12)])
def test_a_share_too_small_for_any_notional_is_refused_by_name(name, share):
    """A subnormal share used to pass validation and leave one synthetic position with a
    notional of 0, refused only when the population was built (found by hypothesis)."""
    with pytest.raises(ValueError, match=rf"^{name}: 0, 1, or between 1e-09"):
        cascade.Scenario(**{name: share})


@pytest.mark.parametrize("name, share", [("long_share", 1e-9), ("cluster_share", 1e-9),
                                         ("long_share", 1.0 - 1e-9)])
def test_the_smallest_share_accepted_gives_every_position_a_notional(name, share):
    scenario = cascade.Scenario(**{name: share}, n=10, open_interest=10.0)
    assert (scenario.population().notional > 0).all()
    assert np.isfinite(scenario.run().total_move)
