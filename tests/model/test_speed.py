"""Issue 7's speed bars at a million positions, measured as ratios in one run (absolute
times drift on a shared machine): the engine against the plain one-mask-per-wave scan,
construction plus cascade, best of several interleaved runs."""

import sys
from pathlib import Path

import pytest

import cascade

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_cascade import best_times, measure, theory_times  # noqa: E402

N = 1_000_000


@pytest.mark.slow
def test_near_critical_cascade_is_ten_times_faster_than_the_plain_loop():
    row = measure(N, "near-critical", repeats=3)
    print(row)
    assert row["waves"] >= 100
    assert row["ratio"] >= 10


@pytest.mark.slow
@pytest.mark.parametrize("case, low, high", [("reaches-almost-nothing", 0.0, 0.01),
                                             ("reaches-half", 0.3, 0.7),
                                             ("reaches-almost-all", 0.8, 1.0)])
def test_short_cascade_is_at_most_twice_as_slow_as_the_plain_loop(case, low, high):
    row = measure(N, case, repeats=7)
    print(row)
    assert 1 <= row["waves"] <= 3
    assert low < row["first_wave_share"] <= high
    assert row["ratio"] >= 0.5


def test_phase_grid_is_ten_times_faster_than_one_run_per_cell():
    from bench_sweep import measure as measure_sweep  # checks equality with the cells too
    row = measure_sweep(20, repeats=3)
    print(row)
    assert row["ratio"] >= 10


@pytest.mark.slow
def test_theory_on_a_million_traders_takes_well_under_a_second():
    rows = theory_times(N, repeats=2)
    print(rows)
    assert {row["function"] for row in rows} == {
        "critical_shock", "tipping_move", "branching_ratio", "peak_branching_ratio",
        "is_runaway"}
    for row in rows:
        assert row["fresh"] < 1.0, row
        assert row["warm"] < 0.05, row


@pytest.mark.slow
def test_a_book_serves_many_shocks_without_sorting_again():
    """Once theory has sorted a side, a cascade on it is binary searches: faster than a
    cascade on a fresh book, which has to build and scan (best of interleaved runs)."""
    scenario = cascade.Scenario(n=N)
    population, market = scenario.population(), scenario.market()
    book = cascade.LiquidationBook(population, market)
    cascade.critical_shock(book)
    shocks = (-0.03, -0.05, -0.08)
    times = best_times({
        "sorted": lambda: [book.run(shock) for shock in shocks],
        "fresh": lambda: [cascade.LiquidationBook(population, market).run(shock)
                          for shock in shocks]}, repeats=5)
    print(times)
    assert times["sorted"] < times["fresh"]
