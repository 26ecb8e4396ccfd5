"""Ensemble throughput: books per second in this process vs on a LocalCluster, measured in
the same run, and a paper estimate for a large cluster.

A "book" is one row of cascade.run_ensemble: build the synthetic population, run its
cascade, and read the Explorer's verdict (peak branching ratio) and the critical shock
(a bisection over further cascades) off the same book. Each case varies the clustering
tightness over {0, 1}, so half the books are dispersed (damped) and half clustered
(runaway).

    python benchmarks/bench_ensemble.py                 # n = 10K and n = 1M
    python benchmarks/bench_ensemble.py --sizes 10000   # quick
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cascade import Scenario, run_ensemble  # noqa: E402
from cascade.ensemble import local_cluster_client, plan  # noqa: E402

VARY = {"tightness": [0.0, 1.0]}
SEEDS = {10_000: 100, 1_000_000: 4}
TARGET_WORKERS, TARGET_BOOKS, TARGET_N = 100, 10_000, 1_000_000


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def population_megabytes(n: int) -> float:
    population = Scenario(n=n).population()
    arrays = [getattr(population, name) for name in vars(population)
              if hasattr(getattr(population, name), "nbytes")]
    return sum(a.nbytes for a in arrays) / 1e6


def best_of(repeats: int, function) -> tuple[float, object]:
    """The fastest of `repeats` runs (the cores are shared: the fastest is the least
    disturbed), and its value."""
    return min((timed(function) for _ in range(repeats)), key=lambda pair: pair[0])


def measure(n: int, seeds: int, client, repeats: int) -> dict:
    scenario = Scenario(n=n)
    books = seeds * len(VARY["tightness"])
    serial_s, here = best_of(repeats, lambda: run_ensemble(scenario, range(seeds), VARY))
    cluster_s, there = best_of(
        repeats, lambda: run_ensemble(scenario, range(seeds), VARY, client=client))
    assert here.equals(there), "the cluster's rows differ from the serial ones"
    task = plan(scenario, range(seeds), VARY, threads=len(client.nthreads()))[0]
    return dict(n=n, books=books, serial_s=serial_s, cluster_s=cluster_s,
                serial_rate=books / serial_s, cluster_rate=books / cluster_s,
                task_bytes=len(pickle.dumps((task.scenario_fields, list(task.seeds)))),
                result_bytes=len(pickle.dumps(here.head(len(task.seeds)))),
                population_mb=population_megabytes(n))


def task_overhead(client, tasks: int = 2_000) -> float:
    """Seconds per task of the scheduler round trip alone: `tasks` trivial tasks (abs)."""
    seconds, _ = timed(lambda: client.gather(client.map(abs, range(-tasks, 0), pure=False)))
    return seconds / tasks


def report(rows: list[dict], workers: int, startup_s: float, overhead_s: float) -> None:
    print(f"\nMachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} now "
          f"(other processes share the cores; above {os.cpu_count()} the workers wait for "
          f"them); LocalCluster of {workers} worker processes, 1 thread each (started in "
          f"{startup_s:.1f} s, not counted below).")
    print("Times are the best of the repeats.")
    print(f"{'n':>10} {'books':>6} {'serial s':>9} {'cluster s':>10} {'serial books/s':>15} "
          f"{'cluster books/s':>16} {'speed-up':>9} {'per worker':>11}")
    for r in rows:
        speedup = r["cluster_rate"] / r["serial_rate"]
        print(f"{r['n']:>10,} {r['books']:>6} {r['serial_s']:>9.2f} {r['cluster_s']:>10.2f} "
              f"{r['serial_rate']:>15.2f} {r['cluster_rate']:>16.2f} {speedup:>8.2f}x "
              f"{speedup / workers:>10.0%}")
    for r in rows:
        print(f"n = {r['n']:,}: a task is {r['task_bytes']:,} bytes and a seed's result about "
              f"{r['result_bytes']:,} bytes; the book it builds on its worker holds "
              f"{r['population_mb']:.1f} MB of population arrays, which never cross the network.")
    print(f"Scheduler round trip: {overhead_s * 1e3:.2f} ms per task (2,000 trivial tasks).")
    big = next((r for r in rows if r["n"] == TARGET_N), None)
    if big is None:
        return
    per_book = 1.0 / big["serial_rate"]
    efficiency = big["cluster_rate"] / big["serial_rate"] / workers
    ideal = TARGET_BOOKS * per_book / TARGET_WORKERS
    measured = ideal / min(efficiency, 1.0)
    tasks = len(plan(Scenario(n=TARGET_N), range(TARGET_BOOKS), threads=TARGET_WORKERS))
    scheduler = tasks * overhead_s      # one scheduler, every task through it
    print(f"\nPaper estimate: {TARGET_BOOKS:,} books of {TARGET_N:,} traders at "
          f"{per_book:.2f} s per book (measured above, one core) on {TARGET_WORKERS} "
          f"single-thread workers: {ideal / 60:.1f} min at perfect scaling, "
          f"{measured / 60:.1f} min at the {min(efficiency, 1.0):.0%} per-worker efficiency "
          f"measured here (cores shared with other work). run_ensemble's default batches "
          f"make that {tasks:,} tasks of {TARGET_BOOKS // tasks} books, about "
          f"{scheduler:.1f} s of scheduler round trips in all; each worker holds one book at "
          f"a time (about "
          f"{big['population_mb']:.0f} MB of population arrays plus sort buffers).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()
    startup_s, client = timed(lambda: local_cluster_client(args.workers))
    try:
        run_ensemble(Scenario(n=1_000), range(2 * args.workers), client=client)  # warm up
        rows = []
        for n in args.sizes:
            seeds = SEEDS.get(n, 10)
            print(f"n = {n:,}: {seeds} seeds x {len(VARY['tightness'])} tightnesses "
                  f"(load average {os.getloadavg()[0]:.1f}) ...", flush=True)
            rows.append(measure(n, seeds, client, args.repeats))
        report(rows, args.workers, startup_s, task_overhead(client))
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
