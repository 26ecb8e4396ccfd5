"""Speed of the cascade with every venue mechanic on, next to the plain engine's, on the
same book of a million traders (issue 10).

Each row times construction of the LiquidationBook (validation, and with margin tiers the
slicing of positions) plus one cascade, best of N runs taken in turn (plain engine, venue,
plain engine, venue, ...), so load on a shared machine hits both alike. The venue column
switches on engine capacity, the insurance fund with a fee, ADL, the Binance BTCUSDT
margin tiers and book recovery at once. Run with `make bench` or
`python benchmarks/bench_venue.py --n 1000000`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cascade  # noqa: E402
from bench_cascade import best_times  # noqa: E402

# Every mechanic on: a slow engine, a small fund, a fee, ADL, tiers and a refilling book.
# (Scenario fields: under the tiers the synthetic traders' leverage is capped per tier.)
ALL_ON = dict(engine_capacity=20e6, insurance_fund=1e6, liquidation_fee=0.005, adl=True,
              mm_tiers="binance_btcusdt", recovery_half_life=20.0)
CASES = {
    "default scenario": cascade.Scenario(),
    # the thin book and crowded longs of the 10-11 Oct 2025 ADL preset, its mechanics off
    "10 Oct 2025 preset": cascade.PRESETS["10-11 Oct 2025: small fund, slow engine, ADL"].replace(
        engine_capacity=0.0, insurance_fund=0.0, liquidation_fee=0.0, adl=False),
}


def measure(n: int, case: str, repeats: int = 5) -> dict:
    scenario = CASES[case].replace(n=n)
    on = scenario.replace(**ALL_ON)
    population, plain = scenario.population(), scenario.market()
    tiered, venue = on.population(), on.market()
    runs = {"plain": lambda: cascade.LiquidationBook(population, plain).run(scenario.shock),
            "venue": lambda: cascade.LiquidationBook(tiered, venue).run(scenario.shock)}
    results = {name: run() for name, run in runs.items()}
    times = best_times(runs, repeats)
    result = results["venue"]
    return dict(case=case, n=n, plain=times["plain"], venue=times["venue"],
                plain_waves=results["plain"].wave_count, steps=result.steps,
                bad_debt=result.bad_debt, adl=result.adl_notional,
                deleveraged=result.adl_positions)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="positions per book")
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    args = parser.parse_args(argv)
    print(f"{'venue mechanics':20} {'n':>9} {'plain s':>8} {'waves':>6} {'venue s':>8} "
          f"{'steps':>6} {'venue/plain':>12} {'bad debt':>10} {'ADL':>10} {'ADL pos':>8}")
    for case in CASES:
        row = measure(args.n, case, args.repeats)
        print(f"{row['case']:20} {row['n']:>9,} {row['plain']:>8.3f} {row['plain_waves']:>6} "
              f"{row['venue']:>8.3f} {row['steps']:>6} {row['venue'] / row['plain']:>11.2f}x "
              f"{row['bad_debt']:>10.3g} {row['adl']:>10.3g} {row['deleveraged']:>8,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
