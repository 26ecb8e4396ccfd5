"""Measurements of the clock for docs/model.md "Time" (issue 17), printed as Markdown.

1. Sensitivity: the default scenario on a -5% fall over 60 s, with a $1M insurance fund
   and a 0.5% liquidation fee (so bad debt is counted), for engine rates x refill
   half-lives: the lowest traded price's move, the move at the run's end (queue clear,
   path over), bad debt, the time to clear the queue and the peak minute.
2. Clustered against dispersed, equal collateral: the default scenario's crowd at
   tightness 1.0 (every crowd trader at 20x, margin 5%) against tightness 0.5 (margins
   5% +- 2.1%), seeds 0-29, without the clock (-5% jump) and with it (-5% over 60 s, $20M/s,
   20 s half-life): mean lowest move and the seeds where the clustered crowd fell further.
3. The Compare page's clock (cascade_view.story.COMPARE_CLOCK) and the clocks considered
   beside it, on the Compare page's default pair (A: tightness 0, B: tightness 1, seed 7):
   each crowd's lowest move and when, peak minute, time to clear, slippage and bad debt.
4. Compare over seeds 0-29: clustered (t = 1) against dispersed (t = 0 and 0.5), equal
   collateral, under no clock, the Compare clock, a slower engine and no refill: mean and
   range of each figure, and in how many seeds the clustered crowd was worse.
Run: python benchmarks/measure_clock.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from cascade.clock import run_timed  # noqa: E402
from cascade.synthetic import crowd_margin_band  # noqa: E402
from cascade_view.story import COMPARE_CLOCK, lowest_point  # noqa: E402

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


# ------------------------------------------------------------------ the Compare page

# Bad debt is counted with a $1M insurance fund and a 0.5% fee (ACCOUNTS); they settle the
# fills and move no price, so every other figure is the Compare page's own.
SLOWER_ENGINE = 20e6  # USD per second: the rate of the sensitivity table above, not tuned


def compare_clocks() -> dict[str, dict | None]:
    """The clocks the Compare page's default was chosen among: label -> Scenario fields
    (None: no clock; its figures are the timed engine's limit, one wave per 1 s tick)."""
    clock = COMPARE_CLOCK
    return {
        "no clock (-5% jump; each wave a 1 s tick)": None,
        "**the Compare clock**: -5% over 60 s, 20 s refill, 65% permanent, Hyperliquid's "
        "rule, no rate": clock,
        "... refill never (Large: no reliable refill in over 60% of cases; Kaiko)":
            {**clock, "resilience_half_life": 0.0},
        "... refill 300 s (books empty for minutes, Kaiko)":
            {**clock, "resilience_half_life": 300.0},
        "... no permanent impact": {**clock, "permanent_impact": 0.0},
        "... no venue rule (engine without limit)": {**clock, "engine_rule": "none"},
        "... a $20M/s engine as well": {**clock, "engine_rate": SLOWER_ENGINE},
        "... the -5% at once (jump)": {**clock, "path": "jump"},
        "... the -5% over 300 s": {**clock, "fall_seconds": 300.0},
    }


def timed_run(scenario):
    """The scenario's run as a TimedResult: its own when the clock is on; with the clock off,
    the timed engine's limit on the same book (the instant waves, one per 1 s tick)."""
    if scenario.clock:
        return scenario.run()
    return run_timed(scenario.book(), scenario.price_path())


def compare_figures(result) -> dict[str, float]:
    """The Compare page's time figures of one run (cascade_view.story.lowest_point and the
    TimedResult's own)."""
    move, when = lowest_point(result)
    return {"lowest move": move, "reached at": when,
            "peak minute": result.peak_minute_notional, "time to clear": result.clear_seconds,
            "slippage": result.slippage, "bad debt": result.bad_debt}


def compare_sensitivity_runs(seed: int = 7) -> dict:
    """{(clock label, tightness): figures} for the Compare default pair."""
    return {(label, t): compare_figures(timed_run(cascade.Scenario(
                tightness=t, seed=seed, **ACCOUNTS, **(changes or {}))))
            for label, changes in compare_clocks().items() for t in (0.0, 1.0)}


def _pair(a: float, b: float, form) -> str:
    return f"{form(a)} / {form(b)}"


def _seconds(value: float) -> str:
    return f"{value:,.0f} s"


def compare_sensitivity(runs: dict | None = None) -> list[str]:
    """The Compare sensitivity table's Markdown lines: each cell A (dispersed) / B
    (clustered)."""
    runs = compare_sensitivity_runs() if runs is None else runs
    lines = ["| clock (A dispersed / B clustered) | lowest move | reached at | peak minute | "
             "time to clear | slippage | bad debt |", "|---|---|---|---|---|---|---|"]
    forms = {"lowest move": lambda v: f"{v:+.1%}", "reached at": _seconds,
             "peak minute": money, "time to clear": _seconds,
             "slippage": lambda v: f"{v:.1%}", "bad debt": money}
    for label in compare_clocks():
        a, b = runs[label, 0.0], runs[label, 1.0]
        lines.append(f"| {label} | " + " | ".join(_pair(a[k], b[k], f)
                                                  for k, f in forms.items()) + " |")
    return lines


def compare_seed_runs() -> dict:
    """{(run label, tightness): DataFrame-ready dict of figure -> array over SEEDS}."""
    clock = COMPARE_CLOCK
    runs = {"(a) no clock, -5% jump": {},
            "(b) the Compare clock": clock,
            "(c) the Compare clock, engine $20M/s": {**clock, "engine_rate": SLOWER_ENGINE},
            "(d) the Compare clock, no refill": {**clock, "resilience_half_life": 0.0}}
    out = {}
    for label, changes in runs.items():
        for t in (1.0, 0.5, 0.0):
            rows = [compare_figures(timed_run(cascade.Scenario(
                tightness=t, seed=seed, **ACCOUNTS, **changes))) for seed in SEEDS]
            out[label, t] = {k: np.array([row[k] for row in rows]) for k in rows[0]}
    return out


# worse = a bigger fall, a busier peak minute, a longer wait, a deeper fill, more debt
SEED_FIGURES = {"lowest move": (lambda v: f"{v:+.1%}", -1),
                "peak minute": (money, 1), "time to clear": (_seconds, 1),
                "slippage": (lambda v: f"{v:.1%}", 1), "bad debt": (money, 1)}


def compare_seeds(runs: dict | None = None) -> list[str]:
    """The seeds table's Markdown lines: mean (min to max) over seeds 0-29 at tightness
    1, 0.5 and 0, and in how many seeds tightness 1 was worse than each (equal within
    1e-9 relative not counted)."""
    runs = compare_seed_runs() if runs is None else runs
    lines = ["| run | figure | clustered (t = 1) | t = 0.5 | t = 0 | "
             "clustered worse than t = 0.5 | clustered worse than t = 0 |",
             "|---|---|---|---|---|---|---|"]
    labels = dict.fromkeys(label for label, _ in runs)
    for label in labels:
        for figure, (form, sign) in SEED_FIGURES.items():
            cells = []
            for t in (1.0, 0.5, 0.0):
                v = runs[label, t][figure]
                cells.append(f"{form(v.mean())} ({form(v.min())} to {form(v.max())})")
            worse = []
            for t in (0.5, 0.0):
                gap = sign * (runs[label, 1.0][figure] - runs[label, t][figure])
                tol = 1e-9 * np.maximum(np.abs(runs[label, t][figure]), 1.0)
                worse.append(f"{int(np.sum(gap > tol))} of {len(SEEDS)}")
            lines.append(f"| {label} | {figure} | " + " | ".join(cells + worse) + " |")
    return lines


if __name__ == "__main__":
    print("\n".join(sensitivity()))
    print()
    print("\n".join(clustered_against_dispersed()))
    print()
    print("\n".join(compare_sensitivity()))
    print()
    print("\n".join(compare_seeds()))
