"""Measurements of the clock for docs/model.md "Time" (issue 17), printed as Markdown.

1. Sensitivity: the default scenario on a -5% fall over 60 s, with a $1M insurance fund
   and a 0.5% liquidation fee (so bad debt is counted), for engine rates x refill
   half-lives: the lowest traded price's move, the move at the run's end (queue clear,
   path over), bad debt, the time to clear the queue and the peak minute.
2. Clustered against dispersed, equal collateral: the default scenario's crowd at
   tightness 1.0 (every crowd trader at 20x, margin 5%) against tightness 0.5 (margins
   5% +- 2.1%), seeds 0-29, without the clock (-5% jump) and with it (-5% over 60 s, $20M/s,
   20 s half-life): mean lowest move and the seeds where the clustered crowd fell further.
Run: python benchmarks/measure_clock.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from cascade.synthetic import crowd_margin_band  # noqa: E402

RATES = (None, 100e6, 20e6, 5e6)
HALF_LIVES = (None, 20.0, 300.0)
ACCOUNTS = dict(insurance_fund=1e6, liquidation_fee=0.005)
CLOCK = dict(path="fall", fall_seconds=60.0, engine_rate=20e6, resilience_half_life=20.0)
SEEDS = range(30)


def lowest_move(result) -> float:
    """The lowest traded price's move (the instant engine: its final move)."""
    series = getattr(result, "series", None)
    if series is None:
        return result.total_move
    return float(series["price"].min()) / result.market.price - 1.0


def money(value: float) -> str:
    return f"${value / 1e6:,.1f}M"


def sensitivity_runs() -> dict:
    """{(rate, half-life): TimedResult} of the sensitivity table (None = no limit / never)."""
    base = cascade.Scenario(path="fall", fall_seconds=60.0, **ACCOUNTS)
    return {(rate, half): base.replace(engine_rate=rate or 0.0,
                                       resilience_half_life=half or 0.0).run()
            for rate in RATES for half in HALF_LIVES}


def sensitivity(runs: dict | None = None) -> list[str]:
    """The sensitivity table's Markdown lines."""
    runs = sensitivity_runs() if runs is None else runs
    lines = ["| engine rate | refill half-life | lowest move | move at end | bad debt | "
             "queue cleared in | peak minute |", "|---|---|---|---|---|---|---|"]
    for rate in RATES:
        for half in HALF_LIVES:
            result = runs[rate, half]
            lines.append(f"| {'no limit' if rate is None else money(rate) + '/s'} | "
                  f"{'never' if half is None else f'{half:g} s'} | "
                  f"{lowest_move(result):+.1%} | {result.total_move:+.1%} | "
                  f"{money(result.bad_debt)} | {result.clear_seconds:,.0f} s | "
                  f"{money(result.peak_minute_notional)} |")
    return lines


def clustered_against_dispersed() -> list[str]:
    """The clustered-vs-dispersed paragraph's Markdown lines."""
    low, high = crowd_margin_band(20.0, 0.5)
    lines = [f"Dispersed crowd margins: {low:.2%} to {high:.2%}; seeds {SEEDS.start}-"
             f"{SEEDS.stop - 1}, n = {cascade.Scenario().n:,}.", "",
             "| run | clustered (t = 1.0) mean lowest move | dispersed (t = 0.5) | "
             "mean difference | seeds where clustered fell further |", "|---|---|---|---|---|"]
    for label, changes in (("no clock, -5% jump", {}),
                           ("clock: -5% over 60 s, $20M/s, 20 s half-life", CLOCK)):
        moves = {t: np.array([lowest_move(cascade.Scenario(tightness=t, seed=seed,
                                                           **changes).run())
                              for seed in SEEDS]) for t in (1.0, 0.5)}
        worse = int(np.sum(moves[1.0] < moves[0.5]))
        lines.append(f"| {label} | {moves[1.0].mean():+.1%} ({moves[1.0].min():+.1%} to "
              f"{moves[1.0].max():+.1%}) | {moves[0.5].mean():+.1%} ({moves[0.5].min():+.1%} "
              f"to {moves[0.5].max():+.1%}) | "
              f"{(moves[1.0] - moves[0.5]).mean() * 100:+.3f} points | {worse} of {len(SEEDS)} |")
    return lines


if __name__ == "__main__":
    print("\n".join(sensitivity()))
    print()
    print("\n".join(clustered_against_dispersed()))
