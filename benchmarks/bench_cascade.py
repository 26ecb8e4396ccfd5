"""Speed of the cascade engine against the plain one-mask-per-wave baseline, and of the
theory functions on a book of a million traders.

Both sides of each ratio are timed in the same run on the same arrays: construction
(Population.from_arrays, which validates) plus the cascade, best of N runs taken in turn
(plain, fast, plain, fast, ...), so load on a shared machine hits both alike. Prints
plain / fast ratios: above 1 means the engine is faster. The theory table times each
function on a fresh book (which includes sorting the side the move hits, once) and again
on the same book. Run with `make bench` or `python benchmarks/bench_cascade.py --n 1000000`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from cascade.reference import scan_waves, simulate_plain  # noqa: E402

MARGIN = 0.005
PRICE = 100.0
NOTIONAL = 1e3


def band_book(n: int, near: float, far: float, seed: int = 0):
    """(leverage, notional, side) for n equal longs whose liquidation distances are
    uniform on [near, far]."""
    rng = np.random.default_rng(seed)
    distance = rng.uniform(near, far, n)
    return 1.0 / (distance + MARGIN), np.full(n, NOTIONAL), 1


def crowd_book(n: int, leverage: float = 20.0, log_spread: float = 0.05,
               long_share: float = 0.9, seed: int = 0):
    """(leverage, notional, side) for a crowd: leverage * exp(log_spread * z), z standard
    normal, so liquidation distances 1/L - m of about 4.5% +- 0.25%; long_share of the
    traders long, every position $1,000 entered at P0."""
    rng = np.random.default_rng(seed)
    lev = leverage * np.exp(log_spread * rng.standard_normal(n))
    side = np.where(rng.random(n) < long_share, 1, -1)
    return lev, np.full(n, NOTIONAL), side


def band_depth(n: int, near: float, far: float, ratio: float) -> float:
    """Depth D giving R = 0.01 / D * rho = ratio for a band of n positions of $1,000."""
    rho = n * NOTIONAL / (far - near)
    return 0.01 * rho / ratio


def deep_depth(n: int) -> float:
    """A deep book: liquidating every position moves the price 0.005%, so after the
    shock's own wave the cascade takes one or two small waves more."""
    return 0.01 * n * NOTIONAL / 5e-5


CASES = {
    # R = 0.995 over a wide band: the cascade converges geometrically, wave after wave.
    "near-critical": dict(book=lambda n: band_book(n, 0.01, 0.5),
                          depth=lambda n: band_depth(n, 0.01, 0.5, 0.995), shock=-0.0101),
    # The 20x crowd hit by three shocks: wave 1 reaches ~0.02%, ~45% and ~87% of the book.
    "reaches-almost-nothing": dict(book=crowd_book, depth=deep_depth, shock=-0.037),
    "reaches-half": dict(book=crowd_book, depth=deep_depth, shock=-0.045),
    "reaches-almost-all": dict(book=crowd_book, depth=deep_depth, shock=-0.05),
}
SHORT_CASES = ("reaches-almost-nothing", "reaches-half", "reaches-almost-all")
# Book sizes of the construction-plus-cascade ratio against the raw scan.
RAW_SIZES = (10_000, 100_000, 1_000_000)


def best_times(functions: dict, repeats: int, timer=time.perf_counter) -> dict:
    """Best time (s) of each function over `repeats` rounds, the functions taking turns
    within each round: wall time, or the process's CPU time with timer=time.process_time
    (steadier where other work shares the cores; numpy here runs on one thread)."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            start = timer()
            function()
            best[name] = min(best[name], timer() - start)
    return best


def measure(n: int, case: str, repeats: int = 5) -> dict:
    """Times of both implementations on one case, the number of waves and the share of
    the book the first wave took; checks that both give the same answer."""
    spec = CASES[case]
    leverage, notional, side = spec["book"](n)
    market = cascade.Market(price=PRICE, depth=spec["depth"](n), maintenance_margin=MARGIN)

    def fast():
        population = cascade.Population.from_arrays(leverage, notional, side, PRICE)
        return cascade.simulate(population, market, spec["shock"])

    def plain():
        population = cascade.Population.from_arrays(leverage, notional, side, PRICE)
        return simulate_plain(population, market, spec["shock"])

    result, (path, liquidated_in) = fast(), plain()
    if not np.array_equal(result.liquidated_in, liquidated_in):
        raise AssertionError(f"{case}: the engine and the plain scan disagree")
    np.testing.assert_allclose(result.price_path, path, rtol=1e-12)
    times = best_times({"plain": plain, "fast": fast}, repeats)
    first = int(result.waves["count"].iloc[0]) if result.wave_count else 0
    return dict(case=case, n=n, waves=result.wave_count, first_wave_share=first / n,
                plain=times["plain"], fast=times["fast"], ratio=times["plain"] / times["fast"])


def plain_raw(leverage, notional, side, entry_price, market: cascade.Market, shock: float):
    """The baseline with nothing around it: numpy arrays in, the per-wave scan of
    docs/model.md, Shock and waves, on the raw arrays. No validation, no Population, no
    wave table: liquidation prices e (1 - s (1/L - m)), the forced flow s q P0 = s n / e P0,
    then one mask over the whole book per wave until a wave takes nothing. Returns
    (price_path, liquidated_in), as cascade.reference.simulate_plain does."""
    p0, m = market.price, market.maintenance_margin
    leverage = np.asarray(leverage, dtype=np.float64)
    side = np.broadcast_to(np.asarray(side, dtype=np.float64), leverage.shape)
    liq = entry_price * (1.0 - side * (1.0 / leverage - m))
    is_long = side > 0
    signed_flow = side * (notional / entry_price) * p0
    return scan_waves(liq, is_long, signed_flow, market, shock)


def measure_raw(n: int, case: str, repeats: int = 7) -> dict:
    """Construction plus cascade (Population.from_arrays, which validates, then
    cascade.simulate) against plain_raw on the same arrays, best of interleaved runs in CPU
    time (a few milliseconds each, which a busy machine's scheduling would swamp);
    ratio = raw / engine (1 = as fast as the raw scan, 0.5 = twice as slow). Checks that
    both give the same answer."""
    spec = CASES[case]
    leverage, notional, side = spec["book"](n)
    market = cascade.Market(price=PRICE, depth=spec["depth"](n), maintenance_margin=MARGIN)

    def engine():
        population = cascade.Population.from_arrays(leverage, notional, side, PRICE)
        return cascade.simulate(population, market, spec["shock"])

    def raw():
        return plain_raw(leverage, notional, side, PRICE, market, spec["shock"])

    result, (path, liquidated_in) = engine(), raw()
    if not np.array_equal(result.liquidated_in, liquidated_in):
        raise AssertionError(f"{case}: the engine and the raw scan disagree")
    np.testing.assert_allclose(result.price_path, path, rtol=1e-12)
    times = best_times({"raw": raw, "engine": engine}, repeats, timer=time.process_time)
    return dict(case=case, n=n, waves=result.wave_count, raw=times["raw"],
                engine=times["engine"], ratio=times["raw"] / times["engine"])


def theory_times(n: int, repeats: int = 3) -> list[dict]:
    """Each theory function on the default Scenario's book of n traders: the best time on
    a fresh book (it sorts the side and computes R at every threshold once) and on a book
    that has done so already."""
    scenario = cascade.Scenario(n=n)
    population, market = scenario.population(), scenario.market()
    final_move = cascade.LiquidationBook(population, market).run(scenario.shock).total_move
    calls = {
        "critical_shock": lambda book: cascade.critical_shock(book),
        "tipping_move": lambda book: cascade.tipping_move(book),
        "branching_ratio": lambda book: cascade.branching_ratio(book, move=scenario.shock),
        "peak_branching_ratio": lambda book: cascade.peak_branching_ratio(book, final_move),
        "is_runaway": lambda book: cascade.is_runaway(book, final_move),
    }
    rows = []
    for name, call in calls.items():
        fresh = warm = float("inf")
        for _ in range(repeats):
            book = cascade.LiquidationBook(population, market)
            start = time.perf_counter()
            value = call(book)
            middle = time.perf_counter()
            call(book)
            fresh = min(fresh, middle - start)
            warm = min(warm, time.perf_counter() - middle)
        rows.append(dict(function=name, n=n, fresh=fresh, warm=warm, value=value))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="positions per book")
    parser.add_argument("--repeats", type=int, default=7, help="best of this many runs")
    args = parser.parse_args(argv)
    print(f"{'case':23} {'n':>9} {'waves':>6} {'wave 1':>7} {'plain s':>8} {'fast s':>8} "
          f"{'plain/fast':>11}")
    for case in CASES:
        row = measure(args.n, case, args.repeats)
        print(f"{row['case']:23} {row['n']:>9,} {row['waves']:>6} "
              f"{row['first_wave_share']:>7.2%} {row['plain']:>8.3f} {row['fast']:>8.3f} "
              f"{row['ratio']:>10.2f}x")
    print(f"\nconstruction + cascade against the raw per-wave scan on numpy arrays, CPU "
          f"time (raw / engine; target >= 0.5x)")
    print(f"{'case':23} {'n':>9} {'waves':>6} {'raw s':>8} {'engine s':>9} {'raw/engine':>11}")
    for size in RAW_SIZES:
        for case in SHORT_CASES:
            row = measure_raw(size, case, args.repeats)
            print(f"{row['case']:23} {row['n']:>9,} {row['waves']:>6} {row['raw']:>8.4f} "
                  f"{row['engine']:>9.4f} {row['ratio']:>10.2f}x")
    print(f"\n{'theory (default Scenario)':25} {'n':>9} {'fresh book s':>13} "
          f"{'same book s':>12}  value")
    for row in theory_times(args.n):
        value = row["value"] if isinstance(row["value"], bool) else f"{row['value']:.6g}"
        print(f"{row['function']:25} {row['n']:>9,} {row['fresh']:>13.3f} {row['warm']:>12.6f}"
              f"  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
