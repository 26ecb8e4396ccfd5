"""Speed of the contagion engine (issue 19) against the one-market clock on the same
positions, in the same run.

The book: cascade.make_accounts(n accounts) over five markets (BTC, ETH, SOL, XRP, ALT;
open interest 2B, 1B, 500M, 300M, 100M; depth 70M, 30M, 15M, 10M, 3M), half of the open
interest in cross accounts. One hour at 1 s ticks: ALT falls 30% over 10 minutes and is
held; the other four markets' own paths are flat for the hour (they move only through the
accounts). Hyperliquid's rule.
- contagion: run_contagion on the book (3,601 ticks);
- one-market: run_timed once per market on the same positions made isolated (the "same
  book, isolated" switch), on the same paths, summed.
Best of N runs taken in turn, in wall time and in the process's CPU time (steadier when
other work shares the cores). The target (issue 19): the contagion run under 2 s at
1,000,000 accounts. Run with `make bench` or `python benchmarks/bench_contagion.py`.
`--rate S` gives every market's liquidation engine a rate of S x its open interest per
second (USD of notional at entry), which cross orders share with isolated positions: the
run then keeps orders waiting and lasts as long, but does more each tick.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cascade  # noqa: E402
from bench_cascade import best_times  # noqa: E402
from cascade.clock import run_timed  # noqa: E402

TARGET_SECONDS = 2.0
HOUR = 3600.0
MARKETS = ("BTC", "ETH", "SOL", "XRP", "ALT")
OPEN_INTEREST = (2e9, 1e9, 5e8, 3e8, 1e8)
DEPTH = (7e7, 3e7, 1.5e7, 1e7, 3e6)


def setup(n: int, rate: float | None = None):
    book = cascade.make_accounts(n, 0, markets=MARKETS, open_interest=OPEN_INTEREST,
                                 prices=(100.0,) * 5, maintenance_margin=(0.005,) * 5,
                                 cross_share=0.5)
    markets = [cascade.Market(depth=d, engine_rate=None if rate is None else rate * oi)
               for d, oi in zip(DEPTH, OPEN_INTEREST)]
    flat = cascade.PricePath([0.0, HOUR], [0.0, 0.0], name="flat")
    paths = [flat] * 4 + [cascade.PricePath([0.0, 600.0, HOUR], [0.0, -0.3, -0.3],
                                            name="ALT -30% over 600 s")]
    return book, markets, paths


def measure(n: int, repeats: int, timer=time.process_time, rate: float | None = None) -> dict:
    book, markets, paths = setup(n, rate)
    alone = book.isolated()
    books = []
    for m, market in enumerate(markets):
        at = alone.market == m
        population = cascade.Population.from_arrays(alone.leverage[at], alone.notional[at],
                                                    alone.side[at], alone.entry_price[at],
                                                    maintenance_margin=0.005)
        books.append((population, market, paths[m]))
    results = {}

    def contagion():
        results["contagion"] = cascade.run_contagion(book, markets, paths, rule="hyperliquid")

    def one_market():
        results["one_market"] = [run_timed(cascade.LiquidationBook(p, mk), path)
                                 for p, mk, path in books]

    best = best_times({"contagion": contagion, "one_market": one_market}, repeats, timer)
    r = results["contagion"]
    return dict(accounts=n, positions=len(book), cross_accounts=int(book.cross_accounts().size),
                ticks=int(r.series["tick"].max()), contagion=best["contagion"],
                one_market=best["one_market"], ratio=best["contagion"] / best["one_market"],
                cross_share=r.cross_share(), contagion_share=r.contagion_share(),
                moves=r.moves(), pulled_in=int(r.pulled_in().size),
                peak_cross_queue=float(r.series["cross_queue"].max()),
                waiting_ticks=int(r.series.loc[r.series["cross_queue"] > 0, "tick"].nunique()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=None,
                        help="each market's engine_rate as a share of its open interest "
                             "per second (default: no rate)")
    args = parser.parse_args()
    for name, timer in (("CPU", time.process_time), ("wall", time.perf_counter)):
        row = measure(args.n, args.repeats, timer, args.rate)
        rate = "" if args.rate is None else f" engines at {args.rate:g} x open interest per s,"
        print(f"{name} time,{rate} {row['accounts']:,} accounts ({row['positions']:,} positions, "
              f"{row['cross_accounts']:,} cross accounts), 5 markets, {row['ticks']:,} ticks "
              f"of 1 s: contagion {row['contagion']:.2f} s, one-market clock x5 on the same "
              f"positions isolated {row['one_market']:.2f} s, ratio {row['ratio']:.2f} "
              f"(target: contagion under {TARGET_SECONDS:g} s: "
              f"{'met' if row['contagion'] < TARGET_SECONDS else 'NOT met'})")
    moves = ", ".join(f"{k} {v:+.2%}" for k, v in row["moves"].items())
    print(f"the run: moves {moves}; cross-margin share of liquidated notional "
          f"{row['cross_share']:.1%}; share in markets whose own path is flat "
          f"{row['contagion_share']:.1%}; accounts pulled in {row['pulled_in']:,}; "
          f"cross orders waiting in {row['waiting_ticks']:,} ticks, at most "
          f"${row['peak_cross_queue']:,.0f} in one market")
    if not np.isfinite(row["ratio"]):
        raise SystemExit("no timing")


if __name__ == "__main__":
    main()
