"""What clustering does at the default Scenario, measured over seeds (issue 16 item 5).

For each seed and tightness (1 = clustered, 0 = dispersed; the crowd keeps its notional and
total margin at every tightness) this measures, on a fall:

  critical shock   the smallest fall whose cascade runs away (cascade.critical_shock);
                   "none" when R < 1 everywhere (it cannot tip)
  first move       how far the price falls before anything is liquidated (the nearest
                   long's liquidation distance), in the whole book and in the crowd
  instant engine   (docs/model.md: every wave executes at once, depth never refills)
                   at the default shock: the final move, the largest price step one wave
                   makes (the shock itself not counted), and bad debt (losses below the
                   bankruptcy prices with an empty insurance fund: accounts kept, no fund)
  refill           the same shock with consumed depth halving back each step
                   (recovery_half_life = 1): with an unlimited engine (a step is a wave),
                   and with an engine that executes $70M per step (the default depth, the
                   notional that moves the price 1%): final move and bad debt

and the response curve: the final move (instant engine) at falls of 1% to 6%. It prints one
line per tightness (median and range over the seeds) and, for every pair of tightnesses, in
how many seeds the tighter book fared worse, with the median paired difference. Moves are in percent of
the starting price; money in USD millions.

    python benchmarks/measure_clustering.py                  # seeds 0-29, a few seconds
    python benchmarks/measure_clustering.py --seeds 10 --tightness 1 0
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402

ENGINE_CAPACITY = 70e6         # USD notional per step: the default depth
RESPONSE_SHOCKS = (-0.01, -0.02, -0.03, -0.04, -0.05, -0.06)


def largest_step(result) -> float:
    """The largest price step one wave makes, in relative move (the shock not counted)."""
    steps = np.abs(np.diff(result.price_path[1:])) / result.price_path[0]
    return float(steps.max()) if steps.size else 0.0


def first_move(book, where=None) -> float:
    """How far the price falls before the first long (of those `where` selects) is
    liquidated (relative, > 0)."""
    population, m = book.population, book.market.maintenance_margin
    longs = population.is_long.copy()
    if where is not None:
        longs[~where] = False
    liquidation = population.liquidation_price(m)[longs]
    return float(1.0 - liquidation.max() / book.market.price)


def with_accounts(market, **changes):
    """The market with accounts kept from an empty insurance fund (bad debt counted)."""
    return dataclasses.replace(market, insurance_fund=0.0, **changes)


def measure(scenario: cascade.Scenario) -> dict:
    book = scenario.book()
    market = book.market
    instant = cascade.LiquidationBook(book.population, with_accounts(market)).run(scenario.shock)
    refill = cascade.LiquidationBook(
        book.population, with_accounts(market, recovery_half_life=1.0)).run(scenario.shock)
    engine = cascade.LiquidationBook(
        book.population, with_accounts(market, recovery_half_life=1.0,
                                       engine_capacity=ENGINE_CAPACITY)).run(scenario.shock)
    crowd = np.arange(len(book.population)) < cascade.crowd_count(scenario.n,
                                                                  scenario.cluster_share)
    response = {f"response_{round(100 * s)}": 100 * book.run(s).total_move
                for s in RESPONSE_SHOCKS}
    return {
        "critical_shock": 100 * cascade.critical_shock(book),
        "first_move": 100 * first_move(book),
        "crowd_first_move": 100 * first_move(book, crowd),
        "final_move": 100 * instant.total_move,
        "largest_step": 100 * largest_step(instant),
        "bad_debt": instant.bad_debt / 1e6,
        "refill_final_move": 100 * refill.total_move,
        "refill_bad_debt": refill.bad_debt / 1e6,
        "engine_final_move": 100 * engine.total_move,
        "engine_bad_debt": engine.bad_debt / 1e6,
        **response,
    }


def measure_all(base: cascade.Scenario, seeds, tightnesses) -> pd.DataFrame:
    rows = [{"seed": seed, "tightness": t, **measure(base.replace(seed=seed, tightness=t))}
            for seed in seeds for t in tightnesses]
    return pd.DataFrame(rows)


COLUMNS = {
    "critical_shock": "critical shock %",
    "first_move": "fall before the first liquidation %",
    "crowd_first_move": "fall before the crowd's first liquidation %",
    "final_move": "final move % (instant)",
    "largest_step": "largest one-wave step, points (instant)",
    "bad_debt": "bad debt $M (instant)",
    "refill_final_move": "final move % (refill)",
    "refill_bad_debt": "bad debt $M (refill)",
    "engine_final_move": "final move % (refill, $70M/step)",
    "engine_bad_debt": "bad debt $M (refill, $70M/step)",
}


def cell(values: pd.Series) -> str:
    """median [min, max]; NaN (no tipping point) counted as 'none'."""
    finite = values.dropna()
    missing = len(values) - len(finite)
    if finite.empty:
        return f"none in {missing}"
    text = f"{finite.median():.1f} [{finite.min():.1f}, {finite.max():.1f}]"
    return text + (f", none in {missing}" if missing else "")


def summary_table(frame: pd.DataFrame) -> str:
    lines = ["| tightness | " + " | ".join(COLUMNS.values()) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    for t, group in frame.groupby("tightness", sort=False):
        lines.append(f"| {t:g} | " + " | ".join(cell(group[c]) for c in COLUMNS) + " |")
    return "\n".join(lines)


# For each figure, what "worse" means: a bigger fall (more negative), a bigger step, more debt;
# a critical shock nearer zero (tips at a smaller fall), and none counts as infinitely far.
WORSE = {
    "critical_shock": lambda a, b: a.fillna(-np.inf) > b.fillna(-np.inf),
    "first_move": lambda a, b: a < b,
    "crowd_first_move": lambda a, b: a < b,
    "final_move": lambda a, b: a < b,
    "largest_step": lambda a, b: a > b,
    "bad_debt": lambda a, b: a > b,
    "refill_final_move": lambda a, b: a < b,
    "refill_bad_debt": lambda a, b: a > b,
    "engine_final_move": lambda a, b: a < b,
    "engine_bad_debt": lambda a, b: a > b,
}


def response_table(frame: pd.DataFrame) -> str:
    """Median final move (instant engine) at each shock in RESPONSE_SHOCKS."""
    columns = [f"response_{round(100 * s)}" for s in RESPONSE_SHOCKS]
    lines = ["| tightness | " + " | ".join(f"shock {100 * s:+.0f}%" for s in RESPONSE_SHOCKS)
             + " |", "|---" * (len(columns) + 1) + "|"]
    for t, group in frame.groupby("tightness", sort=False):
        lines.append(f"| {t:g} | " + " | ".join(cell(group[c]) for c in columns) + " |")
    return "\n".join(lines)


def paired_table(frame: pd.DataFrame, tightnesses) -> str:
    """For each pair (tighter, looser): in how many seeds the tighter book is worse, in how
    many the two are equal (to 1e-9 relative), and the median of tighter minus looser over
    the seeds where both are finite."""
    wide = {t: frame[frame.tightness == t].set_index("seed") for t in tightnesses}
    pairs = [(a, b) for i, a in enumerate(tightnesses) for b in tightnesses[i + 1:]]
    lines = ["| figure | " + " | ".join(f"{a:g} worse than {b:g} (equal)" for a, b in pairs)
             + " |", "|---" * (len(pairs) + 1) + "|"]
    for column, label in COLUMNS.items():
        cells = []
        for a, b in pairs:
            x, y = wide[a][column], wide[b][column]
            equal = np.isclose(x, y, rtol=1e-9, atol=1e-12) | (x.isna() & y.isna())
            worse = WORSE[column](x, y) & ~equal
            difference = (x - y).median()
            cells.append(f"{int(worse.sum())} of {len(x)} ({int(equal.sum())}); "
                         f"{difference:+.1f}" if np.isfinite(difference) else
                         f"{int(worse.sum())} of {len(x)} ({int(equal.sum())})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="seeds 0 .. N-1 (default 30)")
    parser.add_argument("--tightness", type=float, nargs="+", default=[1.0, 0.5, 0.0])
    parser.add_argument("--csv", type=Path, help="also write every row to this CSV file")
    args = parser.parse_args(argv)
    base = cascade.Scenario()
    start = time.perf_counter()
    frame = measure_all(base, range(args.seeds), args.tightness)
    print(f"Default Scenario (shock {base.shock:+.0%}, crowd {base.cluster_share:.0%} of open "
          f"interest at {base.center_leverage:g}x, depth ${base.depth / 1e6:g}M per 1%, "
          f"n = {base.n:,}), seeds 0-{args.seeds - 1}; median [min, max] over seeds.\n")
    print(summary_table(frame))
    print("\nResponse curve, instant engine: final move % at each shock, median [min, max].\n")
    print(response_table(frame))
    print("\nPaired by seed: in how many seeds the tighter book is worse (in how many equal); "
          "median difference tighter - looser.\n")
    print(paired_table(frame, args.tightness))
    print(f"\n{len(frame)} books in {time.perf_counter() - start:.0f} s")
    if args.csv:
        frame.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
