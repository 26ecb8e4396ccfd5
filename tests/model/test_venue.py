"""Venue mechanics (issue 10): each on a case worked by hand, the defaults against the core
semantics, conservation of money, the capacity bound, and the step path against the plain
reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import cascade
from cascade.engine import MAX_FULL_STEPS
from cascade.reference import simulate_plain
from cascade.tiers import slices
from tests.model.books import MARGIN, P0
from tests.model.test_reference import books, shocks

N_CLUSTER = 10
CLUSTER_NOTIONAL = 1e6  # each of 10 longs: 10,000 units at 100, 10M in all


def cluster(leverage=20.0, notional=CLUSTER_NOTIONAL, n=N_CLUSTER):
    """A point cluster: n equal longs at `leverage`, entered at P0 (bankruptcy 95 at 20x)."""
    return cascade.Population.from_arrays(np.full(n, leverage), np.full(n, notional), 1, P0)


def venue(depth=1e6, **mechanics):
    """Linear book: the whole 10M cluster's selling moves it 0.01 * 1e7 / 1e6 = 10%."""
    return cascade.Market(price=P0, depth=depth, maintenance_margin=MARGIN, **mechanics)


# ---------------------------------------------------------------- execution price

def test_point_cluster_fills_at_the_vwap_of_walking_a_linear_book():
    """-4.6% reaches the 20x cluster (liquidation 95.5); its 10M of selling walks the book
    from 0 to 10%, so the average fill is 100 (1 - 0.046 - 0.10 / 2) = 90.4 against a
    bankruptcy price of 95: the fund pays 4.6 x 100,000 units."""
    result = cascade.simulate(cluster(), venue(insurance_fund=1e6), -0.046)
    assert result.waves["fill_price"].iloc[0] == pytest.approx(90.4, abs=1e-9)
    assert result.population.bankruptcy_price()[0] == pytest.approx(95.0)
    assert result.final_price == pytest.approx(85.4)
    assert result.ledger["pnl"] == pytest.approx(-460_000.0, abs=1e-6)
    assert result.fund_path[-1] == pytest.approx(540_000.0, abs=1e-6)
    assert result.bad_debt == 0.0


def test_sqrt_fill_is_two_thirds_of_the_final_impact_from_an_untouched_book():
    """Mean of 0.01 sqrt(Q / D) over [0, Q] is (2/3) 0.01 sqrt(Q / D): 10M into D = 2.5M
    gives I = 2%, mean 4/3%."""
    market = venue(depth=2.5e6, impact="sqrt", insurance_fund=0.0)
    result = cascade.simulate(cluster(), market, -0.046)
    assert result.final_price == pytest.approx(100 * (1 - 0.046 - 0.02))
    assert result.waves["fill_price"].iloc[0] == pytest.approx(100 * (1 - 0.046 - 0.02 * 2 / 3))


@pytest.mark.parametrize("impact", ["linear", "sqrt", "book"])
@pytest.mark.parametrize("start, end", [(0.0, 3e6), (2e6, 7e6), (-4e6, -1e6), (-2e6, 5e6),
                                        (1.5e7, 2.5e7)])
def test_mean_impact_is_the_integral_average_of_the_impact_curve(impact, start, end):
    book = cascade.OrderBook.from_levels(
        [(99.5, 1e4), (99.0, 3e4), (98.0, 5e4)], [(100.5, 2e4), (101.0, 1e4), (103.0, 8e4)])
    market = cascade.Market(price=P0, depth=5e6, impact=impact,
                            book=book if impact == "book" else None)
    kinks = np.r_[0.0, book.curve(1)[0], -book.curve(-1)[0]]  # where I bends
    inside = [k for k in kinks if start < k < end]
    area = integrate.quad(lambda q: market.price_impact(q), start, end, limit=200,
                          points=inside or None, epsabs=0, epsrel=1e-12)[0]
    assert market.mean_impact(start, end) == pytest.approx(area / (end - start), rel=1e-9)


def test_a_flat_book_fills_like_the_linear_model():
    levels = [(100 - k * 0.1, 1e4 / (100 - k * 0.1)) for k in range(1, 201)]  # $10k per 0.1%
    book = cascade.OrderBook.from_levels(levels, [(100.1, 1.0)])
    flat = cascade.Market(price=P0, impact="book", book=book)
    linear = cascade.Market(price=P0, depth=1e5)
    assert flat.mean_impact(3e5, 1.2e6) == pytest.approx(linear.mean_impact(3e5, 1.2e6),
                                                         rel=1e-9)


# ---------------------------------------------------------------- fund and bad debt

def test_a_small_fund_is_exhausted_and_the_rest_is_bad_debt():
    result = cascade.simulate(cluster(), venue(insurance_fund=1e5), -0.046)
    assert result.fund_path.tolist() == [0.0]
    assert result.bad_debt == pytest.approx(360_000.0, abs=1e-6)
    assert result.fund_exhausted_step == 1


def test_fees_are_charged_on_the_fill_value_and_paid_into_the_fund():
    result = cascade.simulate(cluster(), venue(insurance_fund=1e6, liquidation_fee=0.01), -0.046)
    fees = 0.01 * 90.4 * 100_000
    assert result.ledger["fees"] == pytest.approx(fees, abs=1e-6)
    assert result.fund_path[-1] == pytest.approx(1e6 - 460_000 + fees, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(books(), st.sampled_from(["linear", "sqrt"]), shocks,
       st.sampled_from([None, 0.0, 1e4, 1e7]), st.sampled_from([0.0, 0.005]))
def test_accounting_never_changes_the_price_path(population, impact, shock, fund, fee):
    plain = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN)
    kept = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN,
                          insurance_fund=fund, liquidation_fee=fee)
    a, b = cascade.simulate(population, plain, shock), cascade.simulate(population, kept, shock)
    np.testing.assert_array_equal(a.price_path, b.price_path)
    np.testing.assert_array_equal(a.liquidated_in, b.liquidated_in)
    capped = [cascade.simulate(population, cascade.Market(
        price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN, engine_capacity=3e6,
        recovery_half_life=2.0, insurance_fund=f, liquidation_fee=fee), shock)
        for f in (None, fund)]
    np.testing.assert_array_equal(capped[0].price_path, capped[1].price_path)


def _reconcile(result, population, shock):
    """Rebuild the accounts from what the result shows: per step the fill price and the
    quantity that went to the book; per position its bankruptcy price."""
    ledger = result.ledger
    assert ledger["fund_end"] == pytest.approx(
        ledger["fund_start"] + ledger["fees"] + ledger["pnl"] + ledger["bad_debt"], abs=0.01)
    assert result.fund_path[-1] == pytest.approx(ledger["fund_end"], abs=0.01)
    assert (result.fund_path >= 0).all()
    assert result.bad_debt == pytest.approx(result.waves["bad_debt"].sum(), abs=0.01)
    sign = 1 if shock < 0 else -1
    quantity = np.abs(result.waves["flow"].to_numpy()) / P0
    fees = result.market.liquidation_fee * result.waves["fill_price"] * quantity
    assert ledger["fees"] == pytest.approx(fees.sum(), abs=0.01)
    # everything liquidated closed either through the book or by ADL
    closed = population.quantity[result.liquidated].sum()
    assert quantity.sum() + ledger["adl_quantity"] == pytest.approx(closed, rel=1e-9, abs=1e-6)
    # the fund's pnl: fills minus bankruptcy value of what went to the book
    bankrupt_value = (population.bankruptcy_price() * population.quantity)[result.liquidated].sum()
    pnl = sign * ((result.waves["fill_price"] * quantity).sum()
                  - (bankrupt_value - ledger["adl_value"]))
    assert ledger["pnl"] == pytest.approx(pnl, abs=0.01 + 1e-9 * bankrupt_value)


@settings(max_examples=60, deadline=None)
@given(books(), shocks, st.sampled_from([0.0, 1e3, 1e6]), st.sampled_from([0.0, 0.002]),
       st.booleans())
def test_money_is_conserved_to_the_cent(population, shock, fund, fee, adl):
    market = cascade.Market(price=P0, depth=2e6, maintenance_margin=MARGIN, insurance_fund=fund,
                            liquidation_fee=fee, adl=adl)
    result = cascade.simulate(population, market, shock)
    if result.wave_count:
        _reconcile(result, population, shock)


# ---------------------------------------------------------------- ADL

def adl_book():
    """The 10M cluster of 20x longs and one 2x short of 20M entered at 110 (181,818 units)."""
    return cascade.Population.from_arrays(np.r_[np.full(N_CLUSTER, 20.0), 2.0],
                                          np.r_[np.full(N_CLUSTER, CLUSTER_NOTIONAL), 2e7],
                                          np.r_[np.ones(N_CLUSTER), -1], np.r_[np.full(N_CLUSTER, P0), 110.0])


def test_adl_sends_only_what_fills_above_bankruptcy_to_the_book():
    """No fund: the fill 100 (0.954 - 0.005 f / D) must stay >= 95, so the book takes at
    most f = 0.8 D = 800,000 (8,000 units); the other 92,000 units are deleveraged against
    the short at 95, and the price ends at 100 (0.954 - 0.01 * 0.8) = 94.6."""
    result = cascade.simulate(adl_book(), venue(insurance_fund=0.0, adl=True), -0.046)
    assert result.waves["flow"].iloc[0] == pytest.approx(800_000, rel=1e-9)
    assert result.ledger["adl_quantity"] == pytest.approx(92_000, rel=1e-9)
    assert result.adl_notional == pytest.approx(92_000 * 95.0, rel=1e-9)
    assert result.final_price == pytest.approx(94.6, rel=1e-9)
    assert result.adl_positions == 1
    assert result.bad_debt == pytest.approx(0.0, abs=0.01)
    assert result.liquidated[:N_CLUSTER].all()
    _reconcile(result, adl_book(), -0.046)


def test_adl_ranks_winners_by_pnl_percent_times_effective_leverage():
    from cascade.venue import adl_ranking
    population = cascade.Population.from_arrays(
        [5.0, 2.0, 10.0, 3.0, 2.0], [1e6, 1e6, 1e6, 1e6, 1e6], [-1, -1, -1, -1, 1],
        [110.0, 120.0, 105.0, 90.0, 80.0])
    ranked, cumulative = adl_ranking(population, 95.0, winner_side=-1)
    # shorts in profit at 95: entries 110, 120, 105 (not the one at 90); the long is no winner
    q = 1e6 / np.array([110.0, 120.0, 105.0])
    pnl = (np.array([110.0, 120.0, 105.0]) - 95) / np.array([110.0, 120.0, 105.0])
    equity = 1e6 / np.array([5.0, 2.0, 10.0]) + q * (np.array([110.0, 120.0, 105.0]) - 95)
    score = pnl * q * 95 / equity
    assert ranked.tolist() == np.array([0, 1, 2])[np.argsort(-score)].tolist()
    assert cumulative[-1] == pytest.approx(q.sum())


def test_when_winners_run_out_the_rest_is_bad_debt():
    population = cascade.Population.from_arrays(
        np.r_[np.full(N_CLUSTER, 20.0), 2.0], np.r_[np.full(N_CLUSTER, CLUSTER_NOTIONAL), 1.1e6],
        np.r_[np.ones(N_CLUSTER), -1], np.r_[np.full(N_CLUSTER, P0), 110.0])
    result = cascade.simulate(population, venue(insurance_fund=0.0, adl=True), -0.046)
    assert result.ledger["adl_quantity"] == pytest.approx(10_000, rel=1e-9)  # all it held
    assert result.bad_debt > 0
    _reconcile(result, population, -0.046)


# ---------------------------------------------------------------- engine capacity

def test_capacity_queues_the_cluster_and_clears_it_in_four_steps():
    """2.5M per step: 10M takes 4 steps; the queue holds 7.5, 5, 2.5, 0M after them, and
    each step moves the linear book 2.5%."""
    result = cascade.simulate(cluster(), venue(engine_capacity=2.5e6), -0.046)
    np.testing.assert_allclose(result.queue_path, [7.5e6, 5e6, 2.5e6, 0.0])
    np.testing.assert_allclose(result.price_path, [100, 95.4, 92.9, 90.4, 87.9, 85.4])
    np.testing.assert_allclose(result.waves["notional"], 2.5e6)
    assert result.steps == 4
    # a position half executed counts in the step that finishes it: 2, 3, 2, 3
    assert result.waves["count"].tolist() == [2, 3, 2, 3]


def test_capacity_share_caps_each_step_at_a_share_of_the_one_percent_depth():
    result = cascade.simulate(cluster(), venue(engine_capacity_share=4.0), -0.046)  # 4M
    np.testing.assert_allclose(result.waves["notional"], [4e6, 4e6, 2e6])


@settings(max_examples=150, deadline=None)
@given(books(), st.sampled_from(["linear", "sqrt"]), shocks, st.floats(1e3, 1e8))
def test_capacity_is_never_exceeded_and_the_cascade_ends_where_it_would(
        population, impact, shock, capacity):
    """Partial execution never overshoots, so the queue clears at the same fixed point as
    the waves: the same positions liquidated, the same final price. (A capacity below the
    engine's guard, the hit side's notional / MAX_FULL_STEPS, is refused: see below.)"""
    hit = population.side == (1 if shock < 0 else -1)
    capacity = max(capacity, population.notional[hit].sum() / MAX_FULL_STEPS)
    market = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN,
                            engine_capacity=capacity)
    capped = cascade.simulate(population, market, shock)
    assert (capped.waves["notional"] <= capacity * (1 + 1e-12)).all()
    assert (capped.queue_path >= -1e-6).all()
    if capped.steps:
        assert capped.queue_path[-1] == pytest.approx(0.0, abs=1e-6 * capacity)
    path, liquidated_in = simulate_plain(population, cascade.Market(
        price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN), shock)
    np.testing.assert_array_equal(capped.liquidated, liquidated_in >= 0)
    assert capped.final_price == pytest.approx(path[-1], rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(books(), st.sampled_from(["linear", "sqrt"]), shocks)
def test_step_path_with_unlimited_capacity_is_the_plain_cascade(population, impact, shock):
    market = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN,
                            engine_capacity=1e300)
    result = cascade.simulate(population, market, shock)
    path, liquidated_in = simulate_plain(population, cascade.Market(
        price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN), shock)
    np.testing.assert_array_equal(result.liquidated_in, liquidated_in)
    np.testing.assert_allclose(result.price_path, path, rtol=1e-12)


def test_a_capacity_too_small_to_clear_is_an_error_not_a_hang():
    with pytest.raises(ValueError, match="engine_capacity"):
        cascade.simulate(cluster(), venue(engine_capacity=1.0), -0.046)


# ---------------------------------------------------------------- recovery

def test_consumed_depth_refills_between_steps():
    """Half-life 1 step: Q = 2.5, then 1.25 + 2.5 = 3.75, 1.875 + 2.5 = 4.375, ... (M)."""
    result = cascade.simulate(cluster(), venue(engine_capacity=2.5e6, recovery_half_life=1.0),
                              -0.046)
    consumed = [2.5, 3.75, 4.375, 4.6875]
    np.testing.assert_allclose(result.price_path[2:], [95.4 - q for q in consumed])
    assert result.liquidated.all()  # liquidations that happened stay done


def test_recovery_lets_the_price_come_back_without_reopening_anyone():
    """Two clusters, the second 1% further: without recovery the first's selling reaches it;
    with fast recovery and a slow engine the price never gets there."""
    population = cascade.Population.from_arrays(
        np.r_[np.full(10, 20.0), np.full(10, 1 / (0.055 + MARGIN))], np.full(20, 1e6), 1, P0)
    slow = venue(depth=1e7, engine_capacity=1e6)
    assert cascade.simulate(population, slow, -0.046).liquidated.all()
    recovering = venue(depth=1e7, engine_capacity=1e6, recovery_half_life=0.5)
    result = cascade.simulate(population, recovering, -0.046)
    assert result.liquidated[:10].all() and not result.liquidated[10:].any()


# ---------------------------------------------------------------- tiers

def test_binance_ladder_matches_model_section_7():
    tiers = dict(cascade.BINANCE_BTCUSDT_TIERS)
    assert tiers[50e3] == 0.004 and tiers[10e6] == 0.025 and tiers[np.inf] == 0.5


def test_a_tier_2_position_is_liquidated_down_to_tier_1_then_closed():
    """100k at 50x: tier 2 (0.5%), liquidation 100 (1 - 0.02 + 0.005) = 98.5. The engine
    closes the 50k above tier 1's cap; the rest keeps the equity 0.005 x 100k = 500, which
    falls to tier 1's 0.004 x 50k = 200 at 98.5 - 300 / 500 units = 97.9; bankruptcy of
    the rest: 97.9 - 200 / 500 = 97.5."""
    owner, notional, liq, bankrupt, last = slices(
        np.array([50.0]), np.array([1e5]), np.array([1]), np.array([100.0]),
        cascade.BINANCE_BTCUSDT_TIERS)
    np.testing.assert_allclose(notional, [5e4, 5e4])
    np.testing.assert_allclose(liq, [98.5, 97.9])
    np.testing.assert_allclose(bankrupt, [98.0, 97.5])
    assert last.tolist() == [False, True]
    population = cascade.Population.from_arrays([50.0], [1e5], 1, 100.0)
    deep = dict(depth=1e12, mm_tiers=cascade.BINANCE_BTCUSDT_TIERS)
    partly = cascade.simulate(population, venue(**deep), -0.016)
    assert partly.liquidated_in.tolist() == [-1]
    assert partly.waves["notional"].tolist() == [5e4]
    assert cascade.simulate(population, venue(**deep), -0.0215).liquidated_in.tolist() == [1]


@settings(max_examples=100, deadline=None)
@given(books(), st.sampled_from(["linear", "sqrt"]), shocks)
def test_a_single_tier_is_the_flat_maintenance_margin(population, impact, shock):
    flat = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN)
    tiered = cascade.Market(price=P0, depth=1e6, impact=impact, maintenance_margin=MARGIN,
                            mm_tiers=((np.inf, MARGIN),))
    a, b = cascade.simulate(population, flat, shock), cascade.simulate(population, tiered, shock)
    np.testing.assert_array_equal(a.liquidated_in, b.liquidated_in)
    np.testing.assert_allclose(a.price_path, b.price_path, rtol=1e-12)


def test_a_position_too_levered_for_its_tier_is_rejected():
    population = cascade.Population.from_arrays([100.0], [2e6], 1, 100.0)  # tier 4: 2.5%
    with pytest.raises(ValueError, match="mm_tiers: 1 of 1 values"):
        cascade.simulate(population, venue(mm_tiers=cascade.BINANCE_BTCUSDT_TIERS), -0.01)


def test_scenario_caps_synthetic_leverage_at_the_tier_maximum():
    """Under the Binance ladder a trader's leverage is at most 1 / (2 x its tier's rate)."""
    scenario = cascade.Scenario(n=20_000, mm_tiers="binance_btcusdt", center_leverage=100)
    population = scenario.population()
    rates = cascade.tiers.maintenance_rates(population.notional, cascade.BINANCE_BTCUSDT_TIERS)
    assert (population.leverage <= 1 / (2 * rates) + 1e-12).all()
    assert (population.leverage < cascade.Scenario(n=20_000, center_leverage=100)
            .population().leverage).any()
    scenario.run()  # valid under its tiers


@pytest.mark.slow
def test_a_million_traders_cascade_well_under_a_second_with_every_mechanic_on():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_venue import measure
    for case in ("default scenario", "10 Oct 2025 preset"):
        row = measure(1_000_000, case, repeats=3)
        print(row)
        assert row["steps"] > 1
        assert row["venue"] < 1.0, row


# ---------------------------------------------------------------- defaults and input

def test_every_default_spelled_out_is_the_core_semantics_bit_for_bit():
    scenario = cascade.Scenario(n=20_000)
    population = scenario.population()
    spelled = cascade.Market(price=100.0, depth=scenario.depth, engine_capacity=None,
                             insurance_fund=None, liquidation_fee=0.0, adl=False, mm_tiers=None,
                             recovery_half_life=None)
    assert not spelled.venue_mechanics
    for shock in (-0.05, -0.2, 0.04, 0.0):
        a = cascade.simulate(population, scenario.market(), shock)
        b = cascade.simulate(population, spelled, shock)
        np.testing.assert_array_equal(a.price_path, b.price_path)
        np.testing.assert_array_equal(a.liquidated_in, b.liquidated_in)
        assert list(b.waves.columns) == cascade.WAVE_COLUMNS
        assert b.bad_debt == 0.0 and b.adl_notional == 0.0 and b.fund_path.size == 0
        np.testing.assert_array_equal(b.queue_path, np.zeros(b.wave_count))
        path, labels = simulate_plain(population, spelled, shock)
        np.testing.assert_array_equal(b.liquidated_in, labels)
        np.testing.assert_allclose(b.price_path, path, rtol=1e-12)


@pytest.mark.parametrize("field, value, message", [
    ("engine_capacity", 0.0, "engine_capacity: must be > 0"),
    ("engine_capacity", float("nan"), "engine_capacity: must be finite"),
    ("engine_capacity_share", -1.0, "engine_capacity_share: must be > 0"),
    ("insurance_fund", -5.0, "insurance_fund: must be >= 0"),
    ("liquidation_fee", 1.0, "liquidation_fee: must be < 1"),
    ("adl", "yes", "adl: expected True or False"),
    ("recovery_half_life", 0.0, "recovery_half_life: must be > 0"),
    ("mm_tiers", ((1e6, 0.01), (5e5, 0.02)), "mm_tiers: caps must be positive and ascending"),
    ("mm_tiers", ((1e6, 0.02), (5e6, 0.01)), "mm_tiers: rates must be in"),
    ("mm_tiers", "binance", "mm_tiers: expected"),
])
def test_bad_mechanics_are_rejected_naming_the_field(field, value, message):
    with pytest.raises(ValueError, match=message):
        cascade.Market(**{field: value})
