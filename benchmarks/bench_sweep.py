"""Speed of cascade.phase_grid against one Scenario.run() per cell, in the same run, with
the clock off and on.

The baseline is what a page would do without a sweep: for every (shock, tightness) cell,
scenario.replace(shock=s, tightness=t).run() (a fresh population, book and cascade).
Both give the same numbers bit for bit (checked here too). Prints the per-cell / grid
ratio on a grid the baseline can afford, and the time of a full 60 x 60 grid at the
default scenario. With the clock on (CLOCK: the default scenario falling to each cell's
shock over 60 s, an engine of $20M per second and a book refilling with a 20 s half-life;
issue 17's target: a 20 x 20 grid under 3 s), it also times the instant grid of the same
scenario with the clock off, in the same run. Run with `make bench` or
`python benchmarks/bench_sweep.py --size 60`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from bench_cascade import best_times  # noqa: E402

SHOCK_RANGE = (-0.15, 0.0)
# The clock of the timed grid: a fall over 60 s, $20M/s, a 20 s refill half-life.
CLOCK = dict(path="fall", fall_seconds=60.0, engine_rate=20e6, resilience_half_life=20.0)
CLOCK_TARGET_SECONDS = 3.0


def axes(size: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` shocks over SHOCK_RANGE and `size` tightnesses over [0, 1]."""
    return np.linspace(*SHOCK_RANGE, size), np.linspace(0.0, 1.0, size)


def per_cell(scenario: cascade.Scenario, shocks, tightnesses) -> np.ndarray:
    return np.array([[scenario.replace(shock=s, tightness=t).run().total_move for s in shocks]
                     for t in tightnesses])


def measure(size: int, scenario: cascade.Scenario | None = None, repeats: int = 3) -> dict:
    """Per-cell and phase_grid times on a size x size grid, and their ratio."""
    scenario = scenario or cascade.Scenario()
    shocks, tightnesses = axes(size)
    grid = cascade.phase_grid(scenario, shocks, tightnesses)
    cells = per_cell(scenario, shocks, tightnesses)
    if not np.array_equal(grid, cells):
        raise AssertionError("phase_grid differs from the per-cell runs")
    # taking turns, so a load change on this shared machine hits both alike
    times = best_times({"grid": lambda: cascade.phase_grid(scenario, shocks, tightnesses),
                        "per_cell": lambda: per_cell(scenario, shocks, tightnesses)}, repeats)
    return dict(size=size, cells=size * size, per_cell=times["per_cell"], grid=times["grid"],
                ratio=times["per_cell"] / times["grid"])


def measure_clock(size: int = 20, repeats: int = 3) -> dict:
    """The size x size grid with the clock on (CLOCK on the default scenario) against one
    run per cell and against the same grid with the clock off, taking turns; checks the
    timed grid equals the per-cell runs bit for bit."""
    timed = cascade.Scenario(**CLOCK)
    instant = cascade.Scenario()
    shocks, tightnesses = axes(size)
    grid = cascade.phase_grid(timed, shocks, tightnesses)
    if not np.array_equal(grid, per_cell(timed, shocks, tightnesses)):
        raise AssertionError("the timed phase_grid differs from the per-cell runs")
    times = best_times({"timed": lambda: cascade.phase_grid(timed, shocks, tightnesses),
                        "instant": lambda: cascade.phase_grid(instant, shocks, tightnesses),
                        "per_cell": lambda: per_cell(timed, shocks, tightnesses)}, repeats)
    return dict(size=size, timed=times["timed"], instant=times["instant"],
                per_cell=times["per_cell"], timed_vs_instant=times["timed"] / times["instant"],
                per_cell_vs_timed=times["per_cell"] / times["timed"])


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
    full = best_times({"grid": lambda: cascade.phase_grid(cascade.Scenario(), shocks,
                                                          tightnesses)}, args.repeats)["grid"]
    print(f"60 x 60 phase_grid: {full:.3f} s (best of {args.repeats})")
    clock = measure_clock(args.size, args.repeats)
    verdict = "under" if clock["timed"] < CLOCK_TARGET_SECONDS else "OVER"
    print(f"clock on ({', '.join(f'{k}={v:g}' if not isinstance(v, str) else f'{k}={v}' for k, v in CLOCK.items())}):")
    print(f"  {clock['size']} x {clock['size']} timed grid {clock['timed']:.3f} s, instant grid "
          f"{clock['instant']:.3f} s ({clock['timed_vs_instant']:.1f}x), one timed run per cell "
          f"{clock['per_cell']:.3f} s ({clock['per_cell_vs_timed']:.1f}x the grid); "
          f"target {CLOCK_TARGET_SECONDS:g} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
