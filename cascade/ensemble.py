"""Monte Carlo ensembles: one scenario over many synthetic books (seeds) and a grid of knobs.

    frame = cascade.run_ensemble(scenario, seeds=range(1000),
                                 vary={"tightness": [0.0, 0.5, 1.0]}, client=None)

One row per (seed, combination of the `vary` values, full product); each row is exactly
what `scenario.replace(seed=s, **combination).run()` gives, plus the Explorer's verdict on
that book, by the Explorer's own rule (cascade.analysis.verdict_of: the peak R without the
clock, the timed ratio R x p with it), and its critical shock (cascade.critical_shock in the
shock's direction). One book is built per row and used for the run and the theory.

Runs in this process (client=None) or on a Dask cluster (a dask.distributed.Client). On a
cluster a task is a small description, the scenario's fields and a batch of seeds; each
worker builds its own books, so no population crosses the network. The workers must be
able to import this same `cascade` package (install it, or start them with the repository
on PYTHONPATH). Dask is imported only where a client is used, so `import cascade` stays
light.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ._checks import number_in, whole_number
from .analysis import verdict_of
from .scenario import Scenario
from .theory import critical_shock, direction_of, runs_away

RESULT_COLUMNS = ("seed", "final_move", "amplification", "liquidated_share", "waves",
                  "runaway", "critical_shock", "peak_branching_ratio", "deciding_ratio",
                  "persistence")
# Internal ordering columns: which combination (product order) and which seed (given order).
_COMBINATION, _SEED_INDEX = "_combination", "_seed_index"
# A task holds at most this many seeds; smaller batches give finer progress and balance.
MAX_BATCH = 64
# An ensemble holds at most this many books (seeds x combinations of the vary values): its
# rows fit in memory (about 100 MB) and its plan is made in a second; 10,000 books of 1M
# traders take about a minute on 100 workers (README), so a million is already a long run.
# More is refused before anything is planned, with the count and this limit.
MAX_BOOKS = 1_000_000
# connect() keeps this long (s) of its timeout for Dask to give up and close: a Client told
# `timeout` seconds takes up to about 0.2 s longer to raise.
CONNECT_MARGIN = 0.5
TASKS_PER_THREAD = 4
# Two-sided 95%: the standard normal quantile 0.975.
Z_95 = 1.959963984540054
SUMMARY_QUANTILES = (0.05, 0.50, 0.95, 0.99)


# ------------------------------------------------------------------ one book


def book_row(scenario: Scenario) -> dict:
    """The ensemble row of one scenario: run its cascade and read theory off the same book.

    final_move: P_K/P0 - 1; amplification: final_move / shock; liquidated_share: share of
    open interest force-closed; waves: number of waves (with the clock, steps of the timed
    run); critical_shock: the smallest shock in the shock's direction that runs away (NaN:
    none). The verdict is the Explorer's, by the same function (cascade.analysis.verdict_of):
    deciding_ratio is the number it is decided by and runaway is deciding_ratio >= 1
    (theory.runs_away). Without the clock deciding_ratio is peak_branching_ratio, the largest
    R over the stretch the price crossed, and persistence is 1. With it (Scenario.clock) the
    run is the timed one along the scenario's path, deciding_ratio is the timed ratio R x p of
    the deciding stretch, peak_branching_ratio that stretch's R and persistence its p
    (docs/model.md, "The verdict with time").
    """
    book = scenario.book()
    result = scenario.run_on(book)
    deciding, peak, deciding_direction, stretches = verdict_of(scenario, book, result)
    persistence = 1.0 if stretches is None else stretches[deciding_direction > 0].persistence
    return {
        "seed": scenario.seed,
        "final_move": result.total_move,
        "amplification": result.amplification,
        "liquidated_share": result.liquidated_share,
        "waves": result.wave_count,
        "runaway": runs_away(deciding),
        "critical_shock": critical_shock(book, direction=direction_of(scenario.shock)),
        "peak_branching_ratio": peak,
        "deciding_ratio": deciding,
        "persistence": persistence,
    }


def run_batch(scenario_fields: dict, seeds: list[int]) -> pd.DataFrame:
    """The task a worker runs: one row per seed for the scenario `scenario_fields` (a plain
    dict, Scenario.to_dict()), each book built on the worker."""
    scenario = Scenario.from_dict(scenario_fields)
    return pd.DataFrame([book_row(scenario.replace(seed=seed)) for seed in seeds],
                        columns=list(RESULT_COLUMNS))


# ------------------------------------------------------------------ the plan


def _values_list(name: str, values) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    values = list(values)
    if not values:
        raise ValueError(f"vary: {name} has no values")
    return values


def check_vary(scenario: Scenario, vary: Mapping | None) -> dict[str, list]:
    """`vary` checked against the Scenario: every field known (and not `seed`, which the
    seeds set), every value accepted alone and in every combination. Returns each field's
    values as the Scenario holds them (e.g. floats), in the order given.
    Raises ValueError naming the field (and value) otherwise."""
    if vary is None:
        return {}
    if not isinstance(vary, Mapping):
        raise ValueError(f"vary: expected a mapping of field -> values, got {vary!r:.80}")
    known = {f.name for f in fields(Scenario)}
    checked: dict[str, list] = {}
    for name, values in vary.items():
        if name == "seed":
            raise ValueError("vary: seed is set by the `seeds` argument, not by vary")
        if name not in known:
            raise ValueError(f"vary: unknown field {name!r}; known fields are "
                             f"{', '.join(sorted(known - {'seed'}))}")
        normalised = []
        for value in _values_list(name, values):
            try:
                held = getattr(scenario.replace(**{name: value}), name)
            except (ValueError, TypeError) as error:
                raise ValueError(f"vary: {name}={value!r} is rejected: {error}") from error
            if held in normalised:
                raise ValueError(f"vary: {name} lists {value!r} more than once")
            normalised.append(held)
        checked[name] = normalised
    for combination in combinations(checked):
        try:
            scenario.replace(**combination)
        except (ValueError, TypeError) as error:
            together = ", ".join(f"{k}={v!r}" for k, v in combination.items())
            raise ValueError(f"vary: the combination {together} is rejected: {error}") from error
    return checked


def combinations(vary: Mapping[str, list]) -> list[dict]:
    """The full product of the vary values, first field slowest: [{field: value, ...}]."""
    names = list(vary)
    return [dict(zip(names, values)) for values in itertools.product(*vary.values())]


def check_seeds(seeds) -> list[int]:
    """Seeds as a list of distinct ints >= 0; an int n means range(n). More than MAX_BOOKS
    seeds are refused at once, before any is listed (a count, a range and anything with a
    length by its length; any other iterable after MAX_BOOKS + 1 of them)."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        _check_books("seeds", whole_number("seeds", seeds, 1))
        seeds = range(int(seeds))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds: expected a count or an iterable of seeds, got {seeds!r:.80}")
    if hasattr(seeds, "__len__"):
        _check_books("seeds", len(seeds))
    checked = [whole_number("seeds", seed, 0) for seed in itertools.islice(seeds, MAX_BOOKS + 1)]
    _check_books("seeds", len(checked), more=len(checked) > MAX_BOOKS)
    if not checked:
        raise ValueError("seeds: no seeds given")
    if len(set(checked)) != len(checked):
        repeated = sorted(s for s, count in Counter(checked).items() if count > 1)[:5]
        raise ValueError(f"seeds: each seed once, got repeats of {repeated}")
    return checked


def _check_books(field: str, books: int, more: bool = False, combinations: int = 1) -> None:
    """Refuse an ensemble of more than MAX_BOOKS books, naming the count and the limit."""
    if books * combinations <= MAX_BOOKS and not more:
        return
    count = f"more than {MAX_BOOKS:,}" if more else f"{books:,}"
    times = (f" x {combinations:,} combinations of the vary values = "
             f"{books * combinations:,} books" if combinations > 1 else " books")
    raise ValueError(f"{field}: {count}{times} is above the limit of {MAX_BOOKS:,} books "
                     f"for one ensemble; run fewer seeds (or vary fewer values), or split it "
                     f"into runs over separate seed ranges")


@dataclass(frozen=True)
class Task:
    """One unit of work: a combination of vary values and a batch of seeds."""
    combination_index: int
    combination: dict
    scenario_fields: dict
    seed_positions: tuple[int, ...]
    seeds: tuple[int, ...]


def default_batch_size(tasks_wanted_per_combination: int, seed_count: int) -> int:
    return max(1, min(MAX_BATCH, math.ceil(seed_count / max(1, tasks_wanted_per_combination))))


def plan(scenario: Scenario, seeds, vary: Mapping | None = None,
         batch_size: int | None = None, threads: int = 1) -> list[Task]:
    """Every task of an ensemble, checked: raises ValueError before anything runs."""
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario: expected a cascade.Scenario, got {type(scenario).__name__}")
    seeds = check_seeds(seeds)
    checked = check_vary(scenario, vary)
    grid = combinations(checked)
    _check_books("seeds", len(seeds), combinations=len(grid))
    if batch_size is None:
        wanted = math.ceil(TASKS_PER_THREAD * max(1, threads) / len(grid))
        batch_size = default_batch_size(wanted, len(seeds))
    batch_size = whole_number("batch_size", batch_size, 1)
    tasks = []
    for index, combination in enumerate(grid):
        fields_ = scenario.replace(**combination).to_dict()
        for start in range(0, len(seeds), batch_size):
            positions = tuple(range(start, min(start + batch_size, len(seeds))))
            tasks.append(Task(index, combination, fields_, positions,
                              tuple(seeds[p] for p in positions)))
    return tasks


# ------------------------------------------------------------------ running


@dataclass(frozen=True)
class Batch:
    """What iter_ensemble yields as each task finishes: its rows, and the progress so far
    (done and total count rows, i.e. books)."""
    frame: pd.DataFrame
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total


def _label(task: Task, frame: pd.DataFrame) -> pd.DataFrame:
    varied = pd.DataFrame({name: [value] * len(frame) for name, value in task.combination.items()})
    labelled = pd.concat([varied, frame.reset_index(drop=True)], axis=1)
    labelled[_COMBINATION] = task.combination_index
    labelled[_SEED_INDEX] = list(task.seed_positions)
    return labelled


def _run_here(tasks: list[Task]) -> Iterator[tuple[Task, pd.DataFrame]]:
    for task in tasks:
        yield task, run_batch(task.scenario_fields, list(task.seeds))


def _run_on(client, tasks: list[Task]) -> Iterator[tuple[Task, pd.DataFrame]]:
    """Submit every task to the cluster and yield them as they finish. Leaving early (an
    exception such as KeyboardInterrupt, or the generator being closed) cancels whatever
    is still outstanding."""
    from distributed import as_completed

    futures = client.map(run_batch, [t.scenario_fields for t in tasks],
                         [list(t.seeds) for t in tasks], pure=False)
    task_of = {future.key: task for future, task in zip(futures, tasks)}
    try:
        for future in as_completed(futures):
            try:
                frame = future.result()
            except Exception as error:
                if isinstance(error, ModuleNotFoundError) or "deserializ" in str(error):
                    raise RuntimeError(
                        f"the Dask workers could not load the task ({str(error).splitlines()[0]}"
                        f"): they need this cascade package importable, the same version as "
                        f"here; start them with the repository on PYTHONPATH or install it "
                        f"there") from error
                raise
            yield task_of[future.key], frame
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


def _threads(client) -> int:
    if client is None:
        return 1
    return max(1, sum(client.nthreads().values()))


def iter_ensemble(scenario: Scenario, seeds, vary: Mapping | None = None, client=None,
                  batch_size: int | None = None) -> Iterator[Batch]:
    """Run an ensemble and yield a Batch as each task finishes (in completion order).

    The arguments are those of run_ensemble and are all checked (ValueError naming the
    field) before any task is sent. Closing the generator, or an exception while it is
    suspended, cancels the outstanding tasks on the cluster.
    """
    tasks = plan(scenario, seeds, vary, batch_size, _threads(client))
    total = sum(len(t.seeds) for t in tasks)
    done = 0
    runner = _run_here(tasks) if client is None else _run_on(client, tasks)
    with closing(runner):
        for task, frame in runner:
            done += len(frame)
            yield Batch(_label(task, frame), done, total)


def run_ensemble(scenario: Scenario, seeds, vary: Mapping | None = None, client=None,
                 batch_size: int | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """The ensemble as a DataFrame: one row per (combination of vary values, seed).

    scenario:    the cascade.Scenario every book starts from.
    seeds:       an iterable of distinct seeds (ints >= 0), or a count n for range(n).
    vary:        {field: [values, ...]} over Scenario fields; rows cover the full product.
    client:      None runs here; a dask.distributed.Client runs on its cluster.
    batch_size:  seeds per task (default: about TASKS_PER_THREAD tasks per worker thread).
    on_progress: called as on_progress(done, total) after each task, in books.

    Columns: each varied field, then RESULT_COLUMNS (see book_row). Rows are ordered by
    combination (the product of the vary values, first field slowest), then seed in the
    order given, whatever order the tasks finished in.
    """
    pieces = []
    with closing(iter_ensemble(scenario, seeds, vary, client, batch_size)) as batches:
        for batch in batches:
            pieces.append(batch.frame)
            if on_progress is not None:
                on_progress(batch.done, batch.total)
    return assemble(pieces)


def assemble(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Batches (in any order) as one frame in plan order, without the ordering columns."""
    frame = pd.concat(pieces, ignore_index=True)
    frame = frame.sort_values([_COMBINATION, _SEED_INDEX], kind="stable")
    return frame.drop(columns=[_COMBINATION, _SEED_INDEX]).reset_index(drop=True)


# ------------------------------------------------------------------ summaries


def wilson_interval(successes, trials, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion p = k/n (95% by default):

        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and is not empty at k = 0 or n."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def move_quantile(moves, level: float, shock: float) -> float:
    """The move that a share `level` of books stay within, counted in the shock's direction:
    for a fall the (1 - level) quantile of the signed final move, for a rise the `level`
    quantile. So q99 is the 1-in-100 tail: only 1% of books went further."""
    moves = np.asarray(moves, dtype=float)
    return float(np.quantile(moves, 1.0 - level if shock <= 0 else level))


def books_needed(level: float) -> int:
    """The fewest books that back the quantile at `level`: ceil(1 / min(level, 1 - level)).

    A quantile at level q says "a share 1 - q of books went further" (and q stayed within);
    with fewer than 1 / (1 - q) books not one book lies beyond it, so the figure is an
    interpolation between the most extreme books, not a tail anyone observed. q99 needs 100
    books, q95 and q05 need 20, the median 2."""
    level = number_in("level", level, low=0.0, low_open=True, high=1.0, high_open=True)
    return int(math.ceil(round(1.0 / min(level, 1.0 - level), 9)))


def summarize(frame: pd.DataFrame, scenario: Scenario, varied: Iterable[str] = ()) -> pd.DataFrame:
    """Per combination of the `varied` columns (one row if none): books, mean final move,
    the 5/50/95/99% quantiles of the final move in the shock's direction (move_quantile),
    P(runaway) and its 95% Wilson interval, and the median critical shock.

    A quantile is NaN where the combination has fewer books than books_needed(level): no
    q99 from 10 books, since none of them lies in the 1-in-100 tail it would claim."""
    varied = list(varied)
    groups = frame.groupby(varied, sort=False) if varied else [((), frame)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        combination = dict(zip(varied, key))
        shock = combination.get("shock", scenario.shock)
        books, runaways = len(group), int(group["runaway"].sum())
        low, high = wilson_interval(runaways, books)
        row = {**combination, "books": books, "mean_move": float(group["final_move"].mean())}
        for level in SUMMARY_QUANTILES:
            row[f"q{round(level * 100):02d}"] = (
                move_quantile(group["final_move"], level, shock)
                if books >= books_needed(level) else float("nan"))
        row.update(p_runaway=runaways / books, p_runaway_low=float(low),
                   p_runaway_high=float(high),
                   median_critical_shock=float(group["critical_shock"].median()))
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ clusters


# Dask starts each worker with MALLOC_TRIM_THRESHOLD_=65536, which hands freed memory back
# to the OS at once and, being set at all, switches off glibc's adaptive mmap threshold: every
# array of a large book is then a fresh mmap that page-faults in, and a 1M-trader book costs
# about 1.5x the CPU time it takes in a plain process. These keep arrays up to 32 MiB on the
# heap for reuse and trim only past 256 MiB. deploy/dask/cascade-workers.yaml gives any
# `dask worker` the same (DASK_CONFIG=deploy/dask; see README).
WORKER_MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": 2**28, "MALLOC_MMAP_THRESHOLD_": 2**25}


def local_cluster_client(workers: int | None = None, threads_per_worker: int = 1):
    """A Client on a new LocalCluster on this machine: `workers` processes (default: one
    per core), `threads_per_worker` each, its HTTP endpoint on a free port, the worker
    environment WORKER_MALLOC_ENV. Close it (and its cluster) with client.close();
    client.cluster.close()."""
    import dask
    from distributed import Client, LocalCluster

    workers = (os.cpu_count() or 1) if workers is None else whole_number("workers", workers, 1)
    environ = {f"distributed.nanny.pre-spawn-environ.{name}": value
               for name, value in WORKER_MALLOC_ENV.items()}
    with dask.config.set(environ):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker,
                               processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    return Client(cluster)


def connect(address: str, timeout: float = 10.0, wait_for_workers: float = 20.0):
    """A Client on the running scheduler at `address` (tcp://host:8786) that has at least
    one worker. Raises ConnectionError with a one-line message when the scheduler cannot
    be reached within `timeout` seconds or has no worker after `wait_for_workers` more.

    A TCP address is first tried with a plain socket (_probe_scheduler), so a refused,
    unknown or silent one fails within `timeout` rather than after Dask's retries or never
    (Dask waits for a peer's handshake without a time limit); Dask then has what is left of
    `timeout` less CONNECT_MARGIN, so the whole call stays within `timeout`. Anything a
    peer that is not a Dask scheduler makes Dask raise is the same ConnectionError."""
    deadline = time.monotonic() + timeout  # importing Dask counts (about 0.2-0.4 s)
    from distributed import Client

    def unreachable(error: BaseException) -> ConnectionError:
        return ConnectionError(f"cannot reach the Dask scheduler at {address} within "
                               f"{timeout:g} s ({type(error).__name__})")

    try:
        _probe_scheduler(address, deadline)
    except (OSError, ValueError) as error:
        raise unreachable(error) from None
    try:
        client = Client(address, timeout=max(deadline - time.monotonic() - CONNECT_MARGIN, 0.1))
    except Exception as error:  # noqa: BLE001 (OSError, TimeoutError, or a stranger's reply)
        raise unreachable(error) from None
    try:
        client.wait_for_workers(1, timeout=wait_for_workers)
    except (OSError, TimeoutError):
        client.close()
        raise ConnectionError(f"the Dask scheduler at {address} has no workers after "
                              f"{wait_for_workers:g} s") from None
    return client


# A Dask peer's first message is a handshake of one or a few frames; its first 8 bytes (little
# endian) count them. More than this is not a Dask scheduler.
MAX_HANDSHAKE_FRAMES = 1000


def _probe_scheduler(address: str, deadline: float) -> None:
    """Raise OSError (or ValueError for a malformed address) unless something at the tcp://
    `address` accepts a connection and, as a Dask scheduler does at once, sends the start
    of its handshake before time.monotonic() reaches `deadline`. Other schemes are left
    to Dask (a TLS peer waits for the client to speak first: only the connection is tried)."""
    import socket
    import struct

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme not in ("tcp", "tls"):
        return
    host, port = parse_host_port(location, 8786)
    left = deadline - time.monotonic()
    with socket.create_connection((host, port), timeout=max(left, 0.01)) as sock:
        if scheme != "tcp":
            return
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        head = b""
        while len(head) < 8:
            chunk = sock.recv(8 - len(head))  # socket.timeout is an OSError
            if not chunk:
                raise ConnectionResetError("the peer closed the connection before speaking")
            head += chunk
        frames = struct.unpack("<Q", head)[0]
        if not 0 < frames <= MAX_HANDSHAKE_FRAMES:
            raise ConnectionError(f"the peer does not speak Dask's protocol ({frames} frames)")

