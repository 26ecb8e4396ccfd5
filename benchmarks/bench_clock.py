"""Speed of the timed engine (issue 17) next to the instant engine, on the same book of a
million traders, in the same run.

Each row times one cascade on a LiquidationBook built once per engine (the book's
construction, the same for both, is timed apart), best of N runs taken in turn (instant,
timed, instant, timed, ...), so load on a shared machine hits both alike:
- instant: the default scenario's -5% jump (docs/model.md, Shock and waves);
- timed:   one hour at 1 s ticks: the price falls 5% over the hour and the engine executes
           at most `--rate` USD of notional per second, the book refilling with a 20 s
           half-life and a third of impact permanent (3,600 ticks at least, both sides).
The target (issue 17): the timed run under 1 s. Run with `make bench` or
`python benchmarks/bench_clock.py --n 1000000`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cascade  # noqa: E402
from bench_cascade import best_times  # noqa: E402
from cascade.clock import run_timed  # noqa: E402
from cascade.paths import fall  # noqa: E402

TARGET_SECONDS = 1.0
HOUR = 3600.0


def measure(n: int, rate: float, repeats: int) -> dict:
    scenario = cascade.Scenario(n=n)
    population = scenario.population()
    start = time.perf_counter()
    plain = cascade.LiquidationBook(population, scenario.market())
    build = time.perf_counter() - start
    timed_market = scenario.replace(engine_rate=rate, resilience_half_life=20.0,
                                    permanent_impact=1 / 3).market()
    path = fall(scenario.shock, HOUR)
    results = {}

    def instant():
        results["instant"] = cascade.LiquidationBook(population, scenario.market(),
                                                     plain.liquidation_price).run(scenario.shock)

    def timed():
        book = cascade.LiquidationBook(population, timed_market, plain.liquidation_price)
        results["timed"] = run_timed(book, path)

    best = best_times({"instant": instant, "timed": timed}, repeats)
    clocked = results["timed"]
    return dict(build=build, instant=best["instant"], timed=best["timed"],
                ticks=len(clocked.series), executing=clocked.wave_count,
                instant_move=results["instant"].total_move, timed_move=clocked.total_move,
                clear=clocked.clear_seconds, peak_minute=clocked.peak_minute_notional)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1e6, help="engine rate, USD/s")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    row = measure(args.n, args.rate, args.repeats)
    print(f"clock: {args.n:,} traders, default scenario; book built once in {row['build'] * 1e3:.0f} ms")
    print(f"  instant -5% jump:                 {row['instant']:.3f} s  "
          f"(final move {row['instant_move']:+.2%})")
    print(f"  timed, -5% over 1 h at 1 s ticks: {row['timed']:.3f} s  "
          f"({row['ticks']:,} ticks, {row['executing']:,} executing; final move "
          f"{row['timed_move']:+.2%}; queue cleared in {row['clear']:,.0f} s; peak minute "
          f"${row['peak_minute'] / 1e6:,.0f}M)")
    ratio = row["timed"] / row["instant"]
    verdict = "under" if row["timed"] < TARGET_SECONDS else "OVER"
    print(f"  ratio timed / instant: {ratio:.1f}x; target {TARGET_SECONDS:g} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
