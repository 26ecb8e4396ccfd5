"""Issue 9 section 5: no output is ever NaN or infinite for input that validation accepts,
down to its extremes (a shock near -100% or a tenfold rise, the smallest depth, one trader,
everyone at the highest leverage, square-root impact, every venue mechanic on)."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cascade
from cascade.engine import notional_ratio
from cascade.scenario import MAX_FULL_STEPS, MAX_MONEY, MIN_DEPTH, VENUE_MAX_LEVERAGE
from cascade.synthetic import leverage_cap
from cascade.tiers import maintenance_rates
from tests.model.books import SHARES


def outputs(result) -> dict[str, np.ndarray]:
    """Every number a cascade reports, by name, as float arrays: each numeric column of the
    waves table, the price path, the headline scalars and the venue's accounts."""
    scalars = dict(final_price=result.final_price, total_move=result.total_move,
                   amplification=result.amplification, liquidated_share=result.liquidated_share,
                   liquidated_notional=result.liquidated_notional, bad_debt=result.bad_debt,
                   adl_notional=result.adl_notional)
    named = {f"waves.{column}": result.waves[column]
             for column in result.waves.select_dtypes("number").columns}
    named.update(price_path=result.price_path, queue_path=result.queue_path,
                 fund_path=result.fund_path, **scalars)
    named.update({f"ledger.{key}": value for key, value in (result.ledger or {}).items()})
    return {name: np.asarray(value, dtype=float).ravel() for name, value in named.items()}


def assert_all_finite(result):
    assert set(result.waves.columns) >= set(cascade.WAVE_COLUMNS)
    bad = {name: values for name, values in outputs(result).items()
           if not np.isfinite(values).all()}
    assert not bad, f"NaN or infinite outputs: {bad}"
    assert (result.price_path > 0).all()
    assert 0.0 <= result.liquidated_share <= 1.0


# ------------------------------------------------------------------ the waves' ratio

def test_notional_ratio_is_each_wave_over_the_last_with_wave_one_as_the_base():
    notional = np.array([4.0, 6.0, 3.0, 3.0])
    assert notional_ratio(notional).tolist() == [1.0, 1.5, 0.5, 1.0]
    assert notional_ratio(np.array([7.0])).tolist() == [1.0]
    assert notional_ratio(np.empty(0)).size == 0


def test_the_running_product_of_the_ratios_is_each_wave_over_wave_one():
    waves = cascade.Scenario().run().waves
    assert len(waves) >= 3 and waves["notional_ratio"].iloc[0] == 1.0
    chained = np.cumprod(waves["notional_ratio"].to_numpy())
    np.testing.assert_allclose(chained, waves["notional"] / waves["notional"].iloc[0],
                               rtol=1e-12)


# ------------------------------------------------------------------ Scenarios

SHOCKS = st.one_of(st.floats(-0.999999, 10.0),
                   st.sampled_from([-0.999999, -0.9999, -0.99, -0.5, 0.0, 5.0, 10.0]))


@st.composite
def scenarios(draw):
    """Any Scenario validation accepts, pushed to its extremes half of the time."""
    margin = draw(st.one_of(st.floats(0.0, 0.05), st.sampled_from([0.0, 0.005, 0.2, 0.5])))
    cap = leverage_cap(margin, VENUE_MAX_LEVERAGE)
    n = draw(st.one_of(st.integers(10, 200), st.just(10)))
    open_interest = draw(st.one_of(st.floats(n * 1.0, MAX_MONEY),
                                   st.sampled_from([n * 1.0, MAX_MONEY])))
    values = dict(
        shock=draw(SHOCKS), maintenance_margin=margin, n=n, open_interest=open_interest,
        tightness=draw(st.floats(0.0, 1.0)),
        center_leverage=draw(st.one_of(st.floats(1.0, cap), st.just(cap))),
        cluster_share=draw(SHARES), long_share=draw(SHARES),
        background=draw(st.sampled_from(cascade.BACKGROUNDS)),
        background_leverage=draw(st.floats(1.0, 1000.0)),
        depth=draw(st.one_of(st.floats(MIN_DEPTH, MAX_MONEY), st.just(MIN_DEPTH))),
        impact=draw(st.sampled_from(cascade.IMPACT_MODELS)),
        size_tail=draw(st.floats(1.0001, 10.0)), entry_dispersion=draw(st.floats(0.0, 0.5)),
        seed=draw(st.integers(0, 2**32)),
        engine_capacity=draw(st.one_of(st.just(0.0), st.floats(open_interest / MAX_FULL_STEPS,
                                                               MAX_MONEY))),
        insurance_fund=draw(st.one_of(st.just(0.0), st.floats(0.0, MAX_MONEY))),
        liquidation_fee=draw(st.floats(0.0, 0.1)), adl=draw(st.booleans()),
        mm_tiers=draw(st.sampled_from(["flat", "binance_btcusdt"])),
        recovery_half_life=draw(st.one_of(st.just(0.0), st.floats(0.0, 1e6))),
    )
    if draw(st.booleans()):  # everyone in the cluster, at its highest leverage
        values.update(tightness=1.0, cluster_share=1.0, center_leverage=cap)
    return cascade.Scenario(**values)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_accepted_scenario_reports_only_finite_numbers(scenario):
    assert_all_finite(scenario.run())


@pytest.mark.parametrize("changes", [
    dict(shock=-0.999999, impact="sqrt", depth=MIN_DEPTH),
    dict(shock=10.0, long_share=0.0, depth=MIN_DEPTH, open_interest=MAX_MONEY, impact="sqrt"),
    dict(tightness=1.0, cluster_share=1.0, center_leverage=VENUE_MAX_LEVERAGE,
         maintenance_margin=0.0, shock=-0.999999),
    dict(n=10, shock=-0.999999, engine_capacity=2e9 / MAX_FULL_STEPS, insurance_fund=1.0,
         liquidation_fee=0.1, adl=True, mm_tiers="binance_btcusdt", recovery_half_life=1e-9),
    dict(shock=10.0, long_share=0.0, depth=MIN_DEPTH, impact="sqrt", adl=True,
         liquidation_fee=0.1, mm_tiers="binance_btcusdt", recovery_half_life=1e6),
    dict(shock=0.0, insurance_fund=1e6, adl=True),
])
def test_extreme_scenarios_report_only_finite_numbers(changes):
    assert_all_finite(cascade.Scenario(**changes).run())


# ------------------------------------------------------------------ hand-made books
# A Population and Market built directly, within a Scenario's bounds (money up to MAX_MONEY,
# depth at least MIN_DEPTH, a shock in (-1, 10]), down to a book of one trader.

P0 = 100.0


@st.composite
def small_books(draw):
    """(population, market, shock): 1 to 4 positions, any side, leverage up to the highest
    the maintenance margin (or its tier) allows, on a venue with any mechanics on."""
    n = draw(st.integers(1, 4))
    margin = draw(st.sampled_from([0.0, 0.005, 0.05]))
    highest = 1.0 / (margin + 1e-9)
    leverage = draw(st.lists(st.one_of(st.floats(1.0, min(highest, 1000.0)),
                                       st.just(min(highest * (1 - 1e-9), 1000.0))),
                             min_size=n, max_size=n))
    notional = draw(st.lists(st.floats(1.0, MAX_MONEY / 4), min_size=n, max_size=n))
    side = draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n))
    tiers = draw(st.sampled_from([None, cascade.BINANCE_BTCUSDT_TIERS]))
    if tiers is not None:  # at most the tier's maximum leverage, 1 / (2 x its rate)
        rates = maintenance_rates(np.array(notional), tiers)
        leverage = np.minimum(leverage, np.maximum(1.0, 1.0 / (2.0 * rates)))
    population = cascade.Population.from_arrays(leverage, notional, side, P0,
                                                maintenance_margin=margin)
    total = float(np.sum(notional))
    market = cascade.Market(
        price=P0, maintenance_margin=margin,
        depth=draw(st.one_of(st.floats(MIN_DEPTH, MAX_MONEY), st.just(MIN_DEPTH))),
        impact=draw(st.sampled_from(cascade.IMPACT_MODELS)),
        engine_capacity=draw(st.one_of(st.none(), st.floats(total / MAX_FULL_STEPS, MAX_MONEY))),
        insurance_fund=draw(st.one_of(st.none(), st.floats(0.0, MAX_MONEY))),
        liquidation_fee=draw(st.floats(0.0, 0.1)), adl=draw(st.booleans()),
        recovery_half_life=draw(st.one_of(st.none(), st.floats(1e-9, 1e6))), mm_tiers=tiers)
    return population, market, draw(SHOCKS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_books())
def test_every_accepted_small_book_reports_only_finite_numbers(case):
    population, market, shock = case
    assert_all_finite(cascade.simulate(population, market, shock))


def test_one_trader_at_the_highest_leverage_falls_to_the_floor_and_stays_finite():
    """One long at 1/L = m + 1e-9 liquidates at the first tick of a -99.9999% shock; its
    selling pushes the price to the floor P0 * min(PRICE_FLOOR, 1 + s)."""
    population = cascade.Population.from_arrays([1.0 / (0.005 + 1e-9)], [MAX_MONEY], 1, P0)
    market = cascade.Market(price=P0, depth=MIN_DEPTH, impact="sqrt", insurance_fund=0.0,
                            liquidation_fee=0.1, adl=True)
    result = cascade.simulate(population, market, -0.999999)
    assert_all_finite(result)
    assert result.wave_count == 1
    assert math.isclose(result.final_price, P0 * min(cascade.PRICE_FLOOR, 1 - 0.999999))


# ------------------------------------------------------------------ accepted means it runs

def test_a_tiered_whale_whose_entry_loss_no_leverage_can_hold_enters_nearer():
    """Under the Binance ladder a short over $300M needs 50% maintenance; entered at about 63
    (a 57% loss at the start price 100) it is past liquidation even at 1x. The Scenario was
    accepted and then failed to run; such a trader now enters at the farthest price that
    leaves it MIN_LIQUIDATION_DISTANCE from liquidation, and every other trader is as drawn."""
    from cascade.synthetic import MIN_LIQUIDATION_DISTANCE

    scenario = cascade.Scenario(open_interest=50e9, n=1000, size_tail=1.1, entry_dispersion=0.2,
                                mm_tiers="binance_btcusdt", long_share=0.3, seed=19,
                                background_leverage=1.0, tightness=0.0)
    drawn = scenario.replace(mm_tiers="flat").population()
    tiered = scenario.population()
    moved = tiered.entry_price != drawn.entry_price
    assert moved.sum() == 2 and (tiered.side[moved] == -1).all()
    assert (tiered.leverage[moved] == 1.0).all()
    rate = maintenance_rates(tiered.notional, cascade.BINANCE_BTCUSDT_TIERS)[moved]
    first_liquidation = tiered.entry_price[moved] * (1 + 1 / tiered.leverage[moved] - rate)
    np.testing.assert_allclose(first_liquidation, P0 * (1 + MIN_LIQUIDATION_DISTANCE),
                               rtol=1e-12)
    assert_all_finite(scenario.run())


# ------------------------------------------------------------------ refused, not infinite

def short(notional: float) -> cascade.Population:
    """One 10x short entered at P0: liquidated at 109.5, so a +50% shock takes it."""
    return cascade.Population.from_arrays([10.0], [notional], -1, P0)


@pytest.mark.parametrize("mechanics", [{}, dict(engine_capacity=1e9, insurance_fund=0.0)])
def test_a_rise_into_a_book_too_thin_for_it_is_refused_by_depth_not_infinite(mechanics):
    """A fall stops at the floor; a rise has no ceiling. $10B bought into 1e-300 per 1%
    moves the price by 1e310 relative: past the largest float."""
    market = cascade.Market(price=P0, depth=1e-300, **mechanics)
    with pytest.raises(ValueError, match=r"^depth: 1e-300 is too thin for this book: its "
                                         r"forced buying of 1e\+(10|09) .* past the largest"):
        cascade.simulate(short(1e10), market, 0.5)
    fall = cascade.simulate(cascade.Population.from_arrays([10.0], [1e10], 1, P0), market, -0.5)
    assert_all_finite(fall)
    assert fall.final_price == P0 * cascade.PRICE_FLOOR


def test_accounts_that_would_overflow_are_refused_by_depth_not_infinite():
    """$1M bought into 1e-300 per 1% lifts the price to 1e306 (finite); a 10% fee on 10,000
    units filled near there would be 5e308: past the largest float."""
    market = cascade.Market(price=P0, depth=1e-300)
    assert np.isfinite(cascade.simulate(short(1e6), market, 0.5).final_price)
    with pytest.raises(ValueError, match=r"^depth: 1e-300 is too thin for this book: step 1 "
                                         r"fills 1e\+04 units at 5e\+305"):
        cascade.simulate(short(1e6), dataclasses.replace(market, liquidation_fee=0.1), 0.5)
