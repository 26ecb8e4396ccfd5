"""Loading a venue's positions file: read_positions against a bare pandas.read_csv of the
same file (which checks nothing), both timed in one run, on a million rows by default.

    python benchmarks/bench_files.py --n 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cascade  # noqa: E402
from bench_cascade import best_times  # noqa: E402


def write_files(n: int, folder: Path) -> dict[str, Path]:
    population = cascade.Scenario(n=n, seed=1, entry_dispersion=0.02).population()
    frame = population.to_frame()[["leverage", "notional", "side", "entry_price"]]
    paths = {"csv": folder / "positions.csv", "parquet": folder / "positions.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(args.n, Path(folder))
        print(f"{'file':8} {'rows':>10} {'MB':>6} {'pandas s':>9} {'read_positions s':>17} "
              f"{'ratio':>6}")
        for kind, path in paths.items():
            plain = (pd.read_csv if kind == "csv" else pd.read_parquet)
            times = best_times({"plain": lambda: plain(path),
                                "ours": lambda: cascade.read_positions(path)}, args.repeats)
            plain_time, ours = times["plain"], times["ours"]
            size = path.stat().st_size / 1e6
            print(f"{kind:8} {args.n:>10,} {size:>6.1f} {plain_time:>9.3f} {ours:>17.3f} "
                  f"{ours / plain_time:>5.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
