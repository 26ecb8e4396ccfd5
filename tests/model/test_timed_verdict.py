"""The verdict with time (docs/model.md, "The verdict with time"): the timed ratio R x p of
a timed run. Its limit is the instant verdict, bit for bit; a rate limit without refill
keeps every bit of the forced flow on the price (p = 1); a two-tick run worked by hand; the
series columns it is read from; and the robustness check by the same rule."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.analysis import analyse_book, robustness_books, robustness_of, verdict_of
from cascade.clock import SERIES_COLUMNS, extreme_of, run_timed
from cascade.paths import fall, fall_then_rebound, jump
from cascade.theory import runs_away
from tests.model.books import MARGIN, P0, leverage_for_distance
from tests.model.test_clock import paths
from tests.model.test_reference import books, markets, shocks


def _market(market, **changes):
    return cascade.Market(price=market.price, depth=market.depth, impact=market.impact,
                          maintenance_margin=market.maintenance_margin, **changes)


@settings(max_examples=200, deadline=None)
@given(books(), markets, shocks)
def test_the_limit_is_the_instant_verdict_bit_for_bit(population, market, shock):
    """Jump path, no rate, no refill, no permanent impact: the timed engine's waves are the
    instant ones, the persistence is 1 both ways, and the timed verdict's number, its R and
    its direction are the instant verdict's peak R and direction exactly."""
    book = cascade.LiquidationBook(population, market)
    scenario = cascade.Scenario(shock=shock)
    instant = verdict_of(scenario, book, book.run(shock))
    timed = verdict_of(scenario, book, run_timed(book, jump(shock)))
    assert timed[:3] == instant[:3]
    assert instant[3] is None
    fall_side, rise_side = timed[3]
    assert fall_side.persistence == 1.0 and rise_side.persistence == 1.0
    assert runs_away(timed[0]) is cascade.is_runaway(book, book.run(shock).total_move)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(-0.12, 0.08), st.sampled_from(["linear", "sqrt"]),
       st.sampled_from([20e6, 70e6, 300e6]))
def test_the_limit_on_scenario_books(seed, shock, impact, depth):
    """The same on synthetic books drawn as the Explorer draws them."""
    scenario = cascade.Scenario(n=2_000, seed=seed, shock=shock, impact=impact, depth=depth)
    book = scenario.book()
    instant = analyse_book(scenario, book)
    timed = verdict_of(scenario, book, run_timed(book, jump(shock)))
    assert timed[:3] == (instant.deciding_ratio, instant.peak_branching_ratio,
                         instant.deciding_direction)
    assert instant.deciding_ratio == instant.peak_branching_ratio
    assert instant.persistence == 1.0 and not instant.timed


@settings(max_examples=100, deadline=None)
@given(books(), markets, st.one_of(shocks.map(jump), st.tuples(
    shocks, st.floats(1.0, 120.0)).map(lambda a: fall(*a))), st.floats(0.01, 1.0),
       st.floats(0.0, 1.0))
def test_a_rate_limit_without_refill_keeps_all_the_flow_on_the_price(population, market, path,
                                                                    share, kappa):
    """Without refill nothing of the forced flow is given back, at any rate and any
    permanent share: p = 1 exactly both ways, and the timed ratio is the book's peak R over
    the stretch the traded price travelled, which ends where the unlimited engine ends."""
    total = float(population.notional.sum())
    limited = cascade.LiquidationBook(population, _market(
        market, engine_rate=share * total, permanent_impact=kappa))
    result = run_timed(limited, path)
    for direction in (-1, 1):
        extreme = extreme_of(result, direction)
        assert extreme.persistence == 1.0
        assert extreme.held == extreme.flow
    free = run_timed(cascade.LiquidationBook(population, market), path)
    assert extreme_of(result, -1).move == pytest.approx(extreme_of(free, -1).move, abs=1e-12)
    assert extreme_of(result, 1).move == pytest.approx(extreme_of(free, 1).move, abs=1e-12)


@pytest.mark.parametrize("kappa, persistence, runaway", [(0.0, 0.75, False),
                                                        (0.5, 0.875, True)])
def test_persistence_of_a_two_tick_run_by_hand(kappa, persistence, runaway):
    """One long of N = $1.2M, 4% from liquidation, on a $1M-per-1% linear book (R at its
    threshold = 0.01 N / D / 0.01 = 1.2), a -5% jump, an engine of N/2 per second and a
    1 s half-life (the transient part halves each tick). Tick 1 sells N/2; the refill then
    leaves kappa N/2 + (1 - kappa) N/4. Tick 2 sells the other N/2, and the price is at its
    lowest after it, with consumed depth
        kappa = 0:   N/4 + N/2 = 3N/4            -> p = 0.75,  R x p = 0.9  (held)
        kappa = 0.5: N/4 + N/8 + N/2 = 7N/8      -> p = 0.875, R x p = 1.05 (runaway)
    and the lowest move is -5% - 1% x p x N / D."""
    notional, depth = 1.2e6, 1e6
    population = cascade.Population.from_arrays(leverage_for_distance(np.array([0.04])),
                                                np.array([notional]), 1, P0)
    market = cascade.Market(price=P0, depth=depth, maintenance_margin=MARGIN,
                            engine_rate=notional / 2, resilience_half_life=1.0,
                            permanent_impact=kappa)
    book = cascade.LiquidationBook(population, market)
    result = run_timed(book, jump(-0.05))
    assert result.liquidated_in.tolist() == [2]
    low = extreme_of(result, -1)
    assert low.tick == 2 and low.seconds == 2.0  # the end of tick 2 (it starts at 1 s)
    assert low.flow == pytest.approx(notional, rel=1e-12)
    assert low.persistence == pytest.approx(persistence, rel=1e-12)
    assert low.move == pytest.approx(-0.05 - 0.01 * persistence * notional / depth, rel=1e-12)
    scenario = cascade.Scenario(path="fall")  # any scenario with the clock on
    ratio, peak, direction, _ = verdict_of(scenario, book, result)
    assert peak == pytest.approx(1.2, rel=1e-9)
    assert ratio == pytest.approx(1.2 * persistence, rel=1e-9) and direction == -1
    assert runs_away(ratio) is runaway
    # nothing was bought: the rise's stretch is empty, p = 1, ratio 0
    high = extreme_of(result, 1)
    assert (high.move, high.tick, high.persistence) == (0.0, 0, 1.0)


@settings(max_examples=100, deadline=None)
@given(books(), markets, paths, st.one_of(st.none(), st.floats(0.01, 1.0)),
       st.one_of(st.none(), st.floats(0.5, 100.0)), st.floats(0.0, 1.0))
def test_the_series_columns_hold_each_sides_flow_and_what_is_left_of_it(
        population, market, path, rate_share, half_life, kappa):
    """sold_flow / bought_flow are the running sums of each tick's executed flow (the waves'
    flow is their difference); each side's consumed part lies in [0, its flow] (its
    permanent share, kappa times it, at least); their difference is the engine's own
    consumed depth Q_T + Q_P; and p is in [0, 1]."""
    total = float(population.notional.sum())
    book = cascade.LiquidationBook(population, _market(
        market, engine_rate=None if rate_share is None else rate_share * total,
        resilience_half_life=half_life, permanent_impact=kappa))
    result = run_timed(book, path)
    series = result.series
    assert list(series.columns) == SERIES_COLUMNS
    net = (series["sold_flow"] - series["bought_flow"]).to_numpy()
    executing = result.waves["tick"].to_numpy() - 1
    np.testing.assert_allclose(net[executing], result.waves["cumulative_flow"], rtol=1e-9,
                               atol=1e-6 * max(total, 1.0))
    for flow, held in (("sold_flow", "sold_consumed"), ("bought_flow", "bought_consumed")):
        f, c = series[flow].to_numpy(), series[held].to_numpy()
        assert (np.diff(f) >= 0).all()
        slack = 1e-9 * max(float(f[-1]), 1.0)
        assert (c <= f + slack).all() and (c >= kappa * f - slack).all()
    np.testing.assert_allclose(series["consumed"],
                               series["sold_consumed"] - series["bought_consumed"],
                               rtol=1e-9, atol=1e-9 * max(total, 1.0))
    for direction in (-1, 1):
        assert 0.0 <= extreme_of(result, direction).persistence <= 1.0


def test_the_consumed_column_is_the_depth_behind_the_price():
    """With every clock mechanic on, each tick's price is P0 (1 + m - I(consumed)) (or the
    floor): `consumed` is the depth the price after the tick was computed from."""
    scenario = cascade.Scenario(n=2_000, path="fall_then_rebound", rebound=0.2,
                                engine_rate=20e6, resilience_half_life=20.0,
                                permanent_impact=0.3)
    result = scenario.run()
    series = result.series
    market = result.market
    expected = np.maximum(P0 * (1 + series["move"] - market.price_impact(series["consumed"])),
                          P0 * np.minimum(cascade.PRICE_FLOOR, 1 + series["move"]))
    np.testing.assert_allclose(series["price"], expected, rtol=1e-12)


def test_a_fall_then_rebound_is_decided_by_the_larger_of_its_two_ratios():
    """Both sides in one run: the fall's stretch reads the longs' selling, the rebound's
    the shorts' buying, and the verdict takes the larger R x p."""
    scenario = cascade.Scenario(n=2_000, shock=-0.01, path="fall_then_rebound", rebound=0.3,
                                engine_rate=20e6, resilience_half_life=20.0)
    book = scenario.book()
    analysis = analyse_book(scenario, book)
    fall_side, rise_side = analysis.stretches
    assert fall_side.extreme.move < 0 < rise_side.extreme.move
    assert rise_side.extreme.flow > 0
    for side in (fall_side, rise_side):
        assert side.peak_ratio == cascade.peak_branching_ratio(book, side.extreme.move)
        assert side.ratio == side.peak_ratio * side.persistence
    assert analysis.deciding_ratio == max(fall_side.ratio, rise_side.ratio)
    assert analysis.deciding_direction == (1 if rise_side.ratio > fall_side.ratio else -1)
    assert analysis.runaway is runs_away(analysis.deciding_ratio)
    assert analysis.deciding.ratio == analysis.deciding_ratio


def test_robustness_uses_the_timed_rule_with_the_clock_on():
    """Each of the other books runs the timed engine along the path and is counted by its
    timed ratio: the count is analyse_book's verdict on each."""
    scenario = cascade.Scenario(n=1_000, shock=-0.042, path="fall", engine_rate=2e6,
                                resilience_half_life=20.0)
    books_ = robustness_books(scenario)
    expected = sum(analyse_book(scenario, book).runaway for book in books_)
    assert robustness_of(scenario).runaways == expected
    # and it is not the instant rule's count here
    instant = sum(cascade.is_runaway(book, book.final_move(scenario.shock)[0])
                  for book in books_)
    assert expected != instant


def test_the_verdict_is_held_where_the_refill_keeps_up():
    """The default book on a -4.2% fall over 60 s: without the clock it runs away (the
    crowd's 20x wall has R 12); an engine of $2M/s on a book refilling with a 20 s half-life
    holds (p about 7% at the lowest price, R x p below 1), one of $5M/s does not."""
    base = cascade.Scenario(shock=-0.042, path="fall", resilience_half_life=20.0)
    slow, fast = (analyse_book(s, s.book()) for s in (base.replace(engine_rate=2e6),
                                                      base.replace(engine_rate=5e6)))
    assert slow.peak_branching_ratio >= 1 and not slow.runaway
    assert slow.persistence < 1 / slow.peak_branching_ratio
    assert fast.runaway
    assert math.isclose(slow.deciding_ratio, slow.peak_branching_ratio * slow.persistence)
