"""Issue 2's speed bar, measured as ratios in one run (absolute times drift on CI)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_cascade import measure  # noqa: E402


@pytest.mark.slow
def test_near_critical_cascade_is_ten_times_faster_than_the_plain_loop():
    row = measure(1_000_000, "near-critical", repeats=3)
    print(row)
    assert row["waves"] >= 100
    assert row["ratio"] >= 10


@pytest.mark.slow
def test_two_wave_cascade_is_at_most_twice_as_slow_as_the_plain_loop():
    row = measure(1_000_000, "two-wave", repeats=5)
    print(row)
    assert row["waves"] <= 3
    assert row["ratio"] >= 0.5


def test_phase_grid_is_ten_times_faster_than_one_run_per_cell():
    from bench_sweep import measure as measure_sweep  # checks equality with the cells too
    row = measure_sweep(20, repeats=3)
    print(row)
    assert row["ratio"] >= 10
