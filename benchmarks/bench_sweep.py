"""Speed of cascade.phase_grid against one Scenario.run() per cell, in the same run.

The baseline is what a page would do without a sweep: for every (shock, tightness) cell,
scenario.replace(shock=s, tightness=t).run() (a fresh population, book and cascade).
Both give the same numbers bit for bit (checked here too). Prints the per-cell / grid
ratio on a grid the baseline can afford, and the time of a full 60 x 60 grid at the
default scenario. Run with `make bench` or `python benchmarks/bench_sweep.py --size 60`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402

SHOCK_RANGE = (-0.15, 0.0)


def axes(size: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` shocks over SHOCK_RANGE and `size` tightnesses over [0, 1]."""
    return np.linspace(*SHOCK_RANGE, size), np.linspace(0.0, 1.0, size)


def best_time(function, repeats: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def per_cell(scenario: cascade.Scenario, shocks, tightnesses) -> np.ndarray:
    return np.array([[scenario.replace(shock=s, tightness=t).run().total_move for s in shocks]
                     for t in tightnesses])


def measure(size: int, scenario: cascade.Scenario | None = None, repeats: int = 3) -> dict:
    """Per-cell and phase_grid times on a size x size grid, and their ratio."""
    scenario = scenario or cascade.Scenario()
    shocks, tightnesses = axes(size)
    grid_time, grid = best_time(lambda: cascade.phase_grid(scenario, shocks, tightnesses),
                                repeats)
    cell_time, cells = best_time(lambda: per_cell(scenario, shocks, tightnesses), 1)
    if not np.array_equal(grid, cells):
        raise AssertionError("phase_grid differs from the per-cell runs")
    return dict(size=size, cells=size * size, per_cell=cell_time, grid=grid_time,
                ratio=cell_time / grid_time)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20,
                        help="grid side for the ratio (the per-cell baseline is slow)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)
    row = measure(args.size, repeats=args.repeats)
    print(f"phase_grid at the default scenario (n={cascade.Scenario().n:,} traders)")
    print(f"{'grid':>8} {'per-cell s':>11} {'phase_grid s':>13} {'per-cell/grid':>14}")
    print(f"{row['size']:>3} x {row['size']:<3} {row['per_cell']:>11.3f} {row['grid']:>13.3f} "
          f"{row['ratio']:>13.1f}x")
    shocks, tightnesses = axes(60)
    full, _ = best_time(lambda: cascade.phase_grid(cascade.Scenario(), shocks, tightnesses),
                        args.repeats)
    print(f"60 x 60 phase_grid: {full:.3f} s (best of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
