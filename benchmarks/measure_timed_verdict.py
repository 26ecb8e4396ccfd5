"""Measurements of the verdict with time for docs/model.md, "The verdict with time" (issue 17,
section 3), printed as Markdown: the model's figures.

1. The sensitivity table's runs (benchmarks/measure_clock.py: the default scenario on a -5%
   fall over 60 s, engine rates x refill half-lives): the lowest traded move, the book's
   peak R over the stretch to it, the persistence p there (and when), the timed ratio R x p,
   the verdict, and the share of open interest liquidated.
2. The same book on a -4.2% fall over 60 s (just past the instant model's critical shock) at
   slower engines with a 20 s half-life, where the verdict turns: the same columns.
3. The steady-state check: p against (h / ln 2) / t, t the seconds from the first
   execution to the lowest price, for the runs of 1 and 2 with a 20 s refill.
4. What the robustness check costs with the clock on: the 20 other books' timed runs, at
   the default n and at 1M traders (the books are ROBUSTNESS_TRADERS traders either way).
Run: python benchmarks/measure_timed_verdict.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cascade  # noqa: E402
from cascade.analysis import analyse_book, robustness_books, robustness_on  # noqa: E402

from measure_clock import ACCOUNTS, HALF_LIVES, RATES, money  # noqa: E402

# the sensitivity table's scenario (docs/model.md, "Time"), accounts included
BASE = cascade.Scenario(path="fall", fall_seconds=60.0, **ACCOUNTS)
TURNING_SHOCK = -0.042
TURNING_RATES = (5e6, 3e6, 2e6, 1e6)
COLUMNS = ("| engine rate | refill half-life | lowest move | R | p (at) | timed ratio R x p | "
           "verdict | liquidated |", "|---|---|---|---|---|---|---|---|")


def analysis_of(rate: float | None, half_life: float | None, shock: float = BASE.shock):
    scenario = BASE.replace(shock=shock, engine_rate=rate or 0.0,
                            resilience_half_life=half_life or 0.0)
    return analyse_book(scenario, scenario.book())


def row(analysis) -> str:
    market = analysis.result.market
    stretch = analysis.deciding
    extreme = stretch.extreme
    rate, half = market.engine_rate, market.resilience_half_life
    return (f"| {'no limit' if rate is None else money(rate) + '/s'} | "
            f"{'never' if half is None else f'{half:g} s'} | {extreme.move:+.1%} | "
            f"{stretch.peak_ratio:.2f} | {extreme.persistence:.3f} ({extreme.seconds:,.0f} s) | "
            f"{stretch.ratio:.2f} | {'runaway' if analysis.runaway else 'held'} | "
            f"{analysis.result.liquidated_share:.1%} |")


def sensitivity() -> list[str]:
    return [*COLUMNS, *(row(analysis_of(rate, half)) for rate in RATES for half in HALF_LIVES)]


def turning() -> list[str]:
    return [*COLUMNS, *(row(analysis_of(rate, 20.0, TURNING_SHOCK)) for rate in TURNING_RATES)]


def steady_state() -> list[str]:
    """p against (h / ln 2) / t for every run above with a 20 s refill and a rate (a
    300 s half-life is longer than these runs: no steady state)."""
    lines = ["| shock | engine rate | half-life | t (first execution to lowest) | p | "
             "(h / ln 2) / t |", "|---|---|---|---|---|---|"]
    runs = [(BASE.shock, rate, 20.0) for rate in RATES[1:]]
    runs += [(TURNING_SHOCK, rate, 20.0) for rate in TURNING_RATES]
    for shock, rate, half in runs:
        analysis = analysis_of(rate, half, shock)
        extreme = analysis.deciding.extreme
        first = float(analysis.result.waves["seconds"].iloc[0])
        elapsed = extreme.seconds - first
        lines.append(f"| {shock:+.1%} | {money(rate)}/s | {half:g} s | {elapsed:,.0f} s | "
                     f"{extreme.persistence:.3f} | {half / math.log(2) / elapsed:.3f} |")
    return lines


def robustness_cost() -> list[str]:
    lines = ["| traders on the page | run | books checked | timed ticks | seconds |",
             "|---|---|---|---|---|"]
    runs = (("-5% over 60 s, $5M/s, 20 s", dict(engine_rate=5e6, resilience_half_life=20.0)),
            ("-5% over 60 s, $1M/s, 20 s", dict(engine_rate=1e6, resilience_half_life=20.0)),
            ("-5% over 3,600 s, $5M/s, 20 s", dict(fall_seconds=3600.0, engine_rate=5e6,
                                                   resilience_half_life=20.0)))
    for n in (cascade.Scenario().n, 1_000_000):
        for label, changes in runs:
            scenario = BASE.replace(n=n, **changes)
            books = robustness_books(scenario)
            best = math.inf
            for _ in range(3):
                start = time.perf_counter()
                sure = robustness_on(books, scenario)
                best = min(best, time.perf_counter() - start)
            lines.append(f"| {n:,} | {label} | {sure.books} of {sure.planned} | {sure.ticks:,} | "
                         f"{best:.2f} |")
    return lines


if __name__ == "__main__":
    for part in (sensitivity, turning, steady_state, robustness_cost):
        print("\n".join(part()))
        print()
