"""The step engine's queue (issue 15): once queued, finished; and refused, not slow.

Every run is checked for agreement between what the engine reports: the waves' notional,
liquidated_in, the queue, the insurance fund and bad debt (rebuilt from the fills and the
positions' bankruptcy prices, to the cent). A property test draws Scenarios; a bounded,
seeded fuzz draws Markets over uploaded-like books (order books of one to five levels, the
smallest capacity the guard lets through, ADL, tiers, recovery) and times every run.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.engine import MAX_FULL_STEPS, LiquidationBook
from cascade.tiers import maintenance_rates
from tests.model.books import SHARES
from tests.model.test_venue import _reconcile

# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = pytest.mark.timing

# CPU seconds one run may take. It is measured with time.process_time, not the wall clock:
# the slowest run here takes about 0.7 s (1.7 s in issue 15's property test), and on the
# shared 2-core machine a load of 11 gives a process about 2/11 of a core, so the wall clock
# once read more than 5 s for a run whose work had not changed. The CPU time is the run's own
# cost, which is what the engine's guards bound; the limit itself is unchanged.
SECONDS_PER_RUN = 5.0


def check_agreement(book: LiquidationBook, result) -> None:
    """The waves, liquidated_in, the queue and the accounts describe the same executions."""
    population, waves = book.population, result.waves
    if not result.wave_count:
        assert not result.liquidated.any()
        return
    fall = result.shock < 0
    assert result.queue_path[-1] == 0.0, "a run ends with nothing queued"
    per_step = np.bincount(result.liquidated_in[result.liquidated], minlength=len(waves) + 1)[1:]
    np.testing.assert_array_equal(waves["count"], per_step)
    # once queued, finished: a unit is executed exactly when the furthest price that set off
    # a step reached it (a long when that price <= its liquidation price)
    furthest = waves["trigger_price"].min() if fall else waves["trigger_price"].max()
    unit_price = book.unit_liquidation_price
    hit_side = book.units.side == (1 if fall else -1)
    executed = hit_side & (unit_price >= furthest if fall else unit_price <= furthest)
    executed_notional = book.units.notional[executed].sum()
    assert waves["notional"].sum() == pytest.approx(executed_notional, rel=1e-12, abs=0.01)
    if book.owner is None:
        np.testing.assert_array_equal(result.liquidated, executed)
        assert waves["notional"].sum() == pytest.approx(result.liquidated_notional,
                                                        rel=1e-12, abs=0.01)
        if result.ledger is not None:
            _reconcile(result, population, result.shock)
    else:  # a position is liquidated when its last slice is executed
        last = np.flatnonzero(book.unit_last)
        np.testing.assert_array_equal(result.liquidated[book.owner[last]], executed[last])
        if result.ledger is not None:
            ledger = result.ledger
            assert ledger["fund_end"] == pytest.approx(
                ledger["fund_start"] + ledger["fees"] + ledger["pnl"] + ledger["bad_debt"],
                abs=0.01)
            assert result.bad_debt == pytest.approx(waves["bad_debt"].sum(), abs=0.01)


def timed_run(population, market, shock):
    book = LiquidationBook(population, market)
    start = time.process_time()
    result = book.run(shock)
    elapsed = time.process_time() - start
    assert elapsed < SECONDS_PER_RUN, (elapsed, market, shock, len(population))
    return book, result


# ---------------------------------------------------------------- once queued, finished

PROBE = cascade.Scenario(shock=-0.1, tightness=0.2, cluster_share=0.0, long_share=1.0,
                         depth=1e6, engine_capacity=2e6, recovery_half_life=1.0,
                         entry_dispersion=0.1, seed=8)


def test_a_refilling_book_does_not_release_what_the_engine_has_queued():
    """The probe's case: the refilled book lifts the price back above queued positions'
    liquidation prices. Each of them is still executed; none is left half sold."""
    book = PROBE.book()
    result = book.run(PROBE.shock)
    assert result.queue_path[-1] == 0.0
    assert result.waves["notional"].sum() == pytest.approx(result.liquidated_notional, abs=0.01)
    # the price did come back above the furthest trigger: the rule, not the path, held them
    assert result.final_price > result.waves["trigger_price"].min()
    reached = book.liquidation_price >= result.waves["trigger_price"].min()
    assert reached.sum() == result.liquidated.sum()
    check_agreement(book, result)


def test_queued_positions_finish_with_accounts_and_adl():
    scenario = PROBE.replace(insurance_fund=1e5, liquidation_fee=0.005, adl=True, long_share=0.8)
    book = scenario.book()
    check_agreement(book, book.run(scenario.shock))


@st.composite
def venue_scenarios(draw):
    n = draw(st.integers(20, 1500))
    open_interest = draw(st.floats(1e6, 1e10))
    capacity = draw(st.one_of(st.just(0.0), st.floats(open_interest / MAX_FULL_STEPS,
                                                      open_interest)))
    return cascade.Scenario(
        n=n, seed=draw(st.integers(0, 10_000)), open_interest=open_interest,
        shock=draw(st.floats(-0.6, 0.4)), tightness=draw(st.floats(0.0, 1.0)),
        cluster_share=draw(SHARES), long_share=draw(SHARES),
        center_leverage=draw(st.floats(2.0, 100.0)),
        entry_dispersion=draw(st.floats(0.0, 0.2)),
        depth=draw(st.floats(1e4, 1e9)), impact=draw(st.sampled_from(["linear", "sqrt"])),
        engine_capacity=capacity,
        insurance_fund=draw(st.sampled_from([0.0, 1e4, 1e7])),
        liquidation_fee=draw(st.sampled_from([0.0, 0.005])), adl=draw(st.booleans()),
        mm_tiers=draw(st.sampled_from(["flat", "binance_btcusdt"])),
        recovery_half_life=draw(st.sampled_from([0.0, 0.3, 1.0, 5.0])))


@settings(max_examples=80, deadline=None)
@given(venue_scenarios())
def test_waves_liquidated_in_and_accounts_agree_on_random_venue_scenarios(scenario):
    try:
        book = scenario.book()
    except ValueError as error:
        # a synthetic crowd the venue's tiers cannot hold, or (a known gap in the synthetic
        # book, not the engine's) a long_share so small that a trader's notional rounds to 0
        assert "mm_tiers" in str(error) or "are not positive" in str(error), error
        return
    book_, result = timed_run(book.population, book.market, scenario.shock)
    check_agreement(book_, result)


# ---------------------------------------------------------------- refused, not slow

def big_longs():
    """The probe's upload: 2,000 longs at 20x, $500M each ($1T)."""
    return cascade.Population.from_arrays(np.full(2000, 20.0), np.full(2000, 5e8), 1, 100.0)


def test_an_uploaded_book_too_big_for_the_engine_is_refused_before_it_starts():
    market = cascade.Market(price=100.0, depth=70e6, engine_capacity=2e6, adl=True,
                            insurance_fund=1e6)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"engine_capacity: 2000000.0 per step.*raise "
                                         r"engine_capacity to at least 1e\+09"):
        cascade.simulate(big_longs(), market, -0.05)
    assert time.perf_counter() - start < 0.5


def test_a_capacity_share_of_a_one_level_book_is_refused_naming_the_share():
    book = cascade.OrderBook.from_levels([(99.9, 1e3)], [(100.1, 1e3)])
    market = cascade.Market(price=100.0, impact="book", book=book, engine_capacity_share=0.5,
                            adl=True, insurance_fund=1e6)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="engine_capacity_share: 0.5 .*raise "
                                         "engine_capacity_share to at least 10010"):
        cascade.simulate(big_longs(), market, -0.05)
    assert time.perf_counter() - start < 0.5


def test_only_the_side_a_shock_hits_counts():
    """$1T of longs and one small short: a rise reaches only the short, so a capacity far
    below the longs' guard clears it."""
    population = cascade.Population.from_arrays(np.r_[np.full(2000, 20.0), 20.0],
                                                 np.r_[np.full(2000, 5e8), 1e6],
                                                 np.r_[np.ones(2000), -1], 100.0)
    market = cascade.Market(price=100.0, depth=70e6, engine_capacity=1e4)
    assert cascade.simulate(population, market, 0.05).liquidated[-1]
    with pytest.raises(ValueError, match="longs a fall"):
        cascade.simulate(population, market, -0.05)


@pytest.mark.parametrize("impact", ["linear", "book"])
def test_the_smallest_capacity_the_guard_allows_finishes_in_time(impact):
    """At exactly side notional / MAX_FULL_STEPS, with ADL on: the dearest steps there are."""
    book = cascade.OrderBook.from_levels([(99.9, 1e3)], [(100.1, 1e3)])
    market = cascade.Market(price=100.0, depth=70e6, impact=impact,
                            book=book if impact == "book" else None,
                            engine_capacity=1e12 / MAX_FULL_STEPS, adl=True, insurance_fund=1e6)
    book_, result = timed_run(big_longs(), market, -0.05)
    assert result.steps == MAX_FULL_STEPS
    check_agreement(book_, result)


# ---------------------------------------------------------------- bounded fuzz

def random_book(rng, n, tiers=None):
    """An uploaded-like book: leverage 1-125x (under `tiers`, at most 1 / (2 x the tier's
    rate), as a venue's initial margin allows), notional $10 to $1B, either side, entries
    within 5% of 100; positions already dead at 100 are entered at 100."""
    leverage = np.exp(rng.uniform(0.0, np.log(125.0), n))
    notional = np.exp(rng.uniform(np.log(10.0), np.log(1e9), n))
    rate = 0.005 if tiers is None else maintenance_rates(notional, tiers)
    if tiers is not None:
        leverage = np.minimum(leverage, 1.0 / (2.0 * rate))
    side = rng.choice([1, -1], n)
    entry = 100.0 * (1.0 + rng.uniform(-0.05, 0.05, n))
    margin = 1.0 / leverage - rate
    dead = side * (100.0 - entry * (1.0 - side * margin)) <= 0
    entry[dead] = 100.0
    return cascade.Population.from_arrays(leverage, notional, side, entry)


def random_orderbook(rng):
    levels = int(rng.integers(1, 6))
    bids = [(100.0 * (1 - d), s) for d, s in zip(np.sort(rng.uniform(1e-4, 0.05, levels)),
                                                 np.exp(rng.uniform(0.0, np.log(1e7), levels)))]
    asks = [(100.0 * (1 + d), s) for d, s in zip(np.sort(rng.uniform(1e-4, 0.05, levels)),
                                                 np.exp(rng.uniform(0.0, np.log(1e7), levels)))]
    return cascade.OrderBook.from_levels(bids, asks)


def random_market(rng, population, shock, tiers):
    impact = rng.choice(["linear", "sqrt", "book"])
    book = random_orderbook(rng) if impact == "book" else None
    hit = population.notional[population.side == (1 if shock < 0 else -1)].sum()
    least = hit / MAX_FULL_STEPS
    mechanics = dict(
        adl=bool(rng.random() < 0.5),
        insurance_fund=rng.choice([None, 0.0, 1e5, 1e8]),
        liquidation_fee=float(rng.choice([0.0, 0.005])),
        recovery_half_life=rng.choice([None, 0.25, 1.0, 10.0]),
        mm_tiers=tiers)
    if rng.random() < 0.5:  # most often the smallest capacity the guard lets through
        scale = float(rng.choice([1.0, 1.0, 3.0, 100.0]))
        mechanics["engine_capacity"] = max(least, 1.0) * scale
    else:
        one_percent = (float(np.exp(rng.uniform(np.log(1e4), np.log(1e9)))) if book is None
                       else book.depth_within(0.01)[0 if shock < 0 else 1])
        mechanics["engine_capacity_share"] = max(least / one_percent, 1e-9) * float(
            rng.choice([1.0, 2.0, 50.0]))
        if book is None:
            return cascade.Market(price=100.0, depth=one_percent, impact=impact, **mechanics)
    depth = float(np.exp(rng.uniform(np.log(1e4), np.log(1e9))))
    return cascade.Market(price=100.0, depth=depth, impact=impact, book=book, **mechanics)


FUZZ_RUNS = 60


def test_bounded_fuzz_of_the_step_engine():
    """FUZZ_RUNS seeded Markets with venue mechanics over uploaded-like books of up to 3,000
    positions: every run accepted finishes within SECONDS_PER_RUN and agrees with itself;
    every refusal is a ValueError that names a knob."""
    rng = np.random.default_rng(15)
    refused = ran = 0
    for _ in range(FUZZ_RUNS):
        tiers = cascade.BINANCE_BTCUSDT_TIERS if rng.random() < 0.25 else None
        population = random_book(rng, int(rng.integers(1, 3000)), tiers)
        shock = float(rng.choice([-1, 1]) * np.exp(rng.uniform(np.log(1e-3), np.log(0.9))))
        market = random_market(rng, population, shock, tiers)
        try:
            book, result = timed_run(population, market, shock)
        except ValueError as error:
            refused += 1
            assert any(word in str(error) for word in (
                "mm_tiers", "engine_capacity", "depth", "book")), error
            continue
        ran += 1
        check_agreement(book, result)
    assert ran > FUZZ_RUNS * 3 // 4, (ran, refused)
