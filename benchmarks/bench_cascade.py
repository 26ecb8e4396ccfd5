"""Speed of the sorted-book cascade against the plain one-mask-per-wave baseline.

Both sides of each ratio are timed in the same run on the same arrays: construction
(Population.from_arrays, which validates) plus the cascade. Prints plain / fast ratios:
above 1 means the engine is faster. Run with `make bench` or
`python benchmarks/bench_cascade.py --n 1000000`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from cascade.reference import simulate_plain  # noqa: E402

MARGIN = 0.005
PRICE = 100.0


def band_book(n: int, near: float, far: float, seed: int = 0):
    """Arrays for n equal longs whose liquidation distances are uniform on [near, far]."""
    rng = np.random.default_rng(seed)
    distance = rng.uniform(near, far, n)
    leverage = 1.0 / (distance + MARGIN)
    return leverage, np.full(n, 1e3)


def depth_for_branching_ratio(n: int, near: float, far: float, ratio: float) -> float:
    """Depth D giving R = 0.01 / D * rho = ratio for a band of n positions of $1,000."""
    rho = n * 1e3 / (far - near)
    return 0.01 * rho / ratio


CASES = {
    # R = 0.995 over a wide band: the cascade converges geometrically, wave after wave.
    "near-critical": dict(near=0.01, far=0.5, ratio=0.995, shock=-0.0101),
    # R = 0.05: the shock's own wave, then one small one.
    "two-wave": dict(near=0.01, far=0.5, ratio=0.05, shock=-0.0101),
}


def best_time(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n: int, case: str, repeats: int = 3) -> dict:
    """Times of both implementations on one case, and the number of waves."""
    spec = CASES[case]
    leverage, notional = band_book(n, spec["near"], spec["far"])
    market = cascade.Market(price=PRICE, depth=depth_for_branching_ratio(
        n, spec["near"], spec["far"], spec["ratio"]), maintenance_margin=MARGIN)

    def fast():
        population = cascade.Population.from_arrays(leverage, notional, 1, PRICE)
        return cascade.simulate(population, market, spec["shock"])

    def plain():
        population = cascade.Population.from_arrays(leverage, notional, 1, PRICE)
        return simulate_plain(population, market, spec["shock"])

    waves = fast().wave_count
    plain_time = best_time(plain, repeats)
    fast_time = best_time(fast, repeats)
    return dict(case=case, n=n, waves=waves, plain=plain_time, fast=fast_time,
                ratio=plain_time / fast_time)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="positions per book")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)
    print(f"{'case':14} {'n':>9} {'waves':>6} {'plain s':>9} {'fast s':>9} {'plain/fast':>11}")
    for case in CASES:
        row = measure(args.n, case, args.repeats)
        print(f"{row['case']:14} {row['n']:>9,} {row['waves']:>6} {row['plain']:>9.3f} "
              f"{row['fast']:>9.3f} {row['ratio']:>10.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
