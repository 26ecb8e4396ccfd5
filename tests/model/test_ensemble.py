"""Ensembles against a real Dask cluster (a `dask scheduler` and two `dask worker`
processes, see tests/dask_cluster.py) and in process: every row equals a serial
Scenario.run() on its own book, bad input fails before any task is sent, cancelling
cancels, and the command line writes what the API returns."""

from __future__ import annotations

import itertools
import math
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client

import cascade
from cascade import Scenario
from cascade_view import cli
from cascade.ensemble import (MAX_BOOKS, RESULT_COLUMNS, Z_95, connect, iter_ensemble, plan,
                              run_ensemble, summarize, wilson_interval)
from tests.dask_cluster import dask_cluster, free_port, running_cluster  # noqa: F401 (fixture)

# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = pytest.mark.timing

ROOT = Path(__file__).resolve().parents[2]
SMALL = Scenario(n=2_000, shock=-0.05)
SEEDS = [3, 11, 5]
VARY = {"tightness": [0.0, 1.0], "depth": [50e6, 70e6]}


@pytest.fixture(scope="module")
def client(dask_cluster):  # noqa: F811
    with Client(dask_cluster, timeout=10) as client:
        yield client


def serial_row(scenario: Scenario) -> dict:
    """The reference, written out: the scenario's own run, and theory on one book built
    for it, run first and then asked for the Explorer's verdict and critical shock. The
    critical shock is also what a fresh book (as the Explorer's cached one) gives."""
    result = scenario.run()
    book = scenario.book()
    run_on_book = book.run(scenario.shock)
    assert run_on_book.total_move == result.total_move
    direction = -1 if scenario.shock <= 0 else 1
    critical = cascade.critical_shock(book, direction=direction)
    fresh = cascade.critical_shock(scenario.book(), direction=direction)
    assert critical == fresh or (math.isnan(critical) and math.isnan(fresh))
    return {
        "seed": scenario.seed,
        "final_move": result.total_move,
        "amplification": result.amplification,
        "liquidated_share": result.liquidated_share,
        "waves": result.wave_count,
        "runaway": cascade.is_runaway(book, result.total_move),
        "critical_shock": critical,
        "peak_branching_ratio": cascade.peak_branching_ratio(book, result.total_move),
    }


def assert_rows_are_serial_runs(frame: pd.DataFrame, base: Scenario, seeds, vary) -> None:
    expected_order = [(dict(zip(vary, values)), seed)
                      for values in itertools.product(*vary.values()) for seed in seeds]
    assert len(frame) == len(expected_order)
    assert list(frame.columns) == [*vary, *RESULT_COLUMNS]
    for (combo, seed), (_, row) in zip(expected_order, frame.iterrows()):
        assert {k: row[k] for k in vary} == combo
        expected = serial_row(base.replace(seed=seed, **combo))
        for column, value in expected.items():
            got = row[column]
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(got), (combo, seed, column)
            else:
                assert got == value, (combo, seed, column, got, value)


def scheduler_transitions(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)


def scheduler_task_count(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


# ------------------------------------------------------------------ rows


def test_rows_from_the_cluster_equal_serial_runs(client):
    assert len(client.nthreads()) == 2
    before = scheduler_transitions(client)
    frame = run_ensemble(SMALL, SEEDS, VARY, client=client, batch_size=2)
    assert scheduler_transitions(client) > before      # the work went through the scheduler
    assert_rows_are_serial_runs(frame, SMALL, SEEDS, VARY)
    # the contrast the page is about (issue 16): the same crowd, spread, tips at a smaller fall
    critical = frame.pivot_table("critical_shock", ["seed", "depth"], "tightness")
    assert (critical[1.0] < critical[0.0]).all()


def test_in_process_equals_the_cluster(client):
    here = run_ensemble(SMALL, SEEDS, VARY)
    there = run_ensemble(SMALL, SEEDS, VARY, client=client)
    pd.testing.assert_frame_equal(here, there, check_exact=True)
    assert_rows_are_serial_runs(here, SMALL, SEEDS, VARY)


def test_a_rise_uses_the_shorts_and_a_positive_critical_shock():
    rise = Scenario(n=2_000, shock=0.08, long_share=0.2)
    frame = run_ensemble(rise, [1, 2], {"tightness": [1.0]})
    assert_rows_are_serial_runs(frame, rise, [1, 2], {"tightness": [1.0]})
    assert (frame["final_move"] > 0).all()
    assert (frame["critical_shock"].dropna() > 0).all()


def test_no_vary_and_a_seed_count():
    frame = run_ensemble(SMALL, 3)
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert frame["seed"].tolist() == [0, 1, 2]
    assert_rows_are_serial_runs(frame, SMALL, [0, 1, 2], {})


def test_a_task_is_a_small_description_not_a_population():
    tasks = plan(Scenario(n=1_000_000), range(100), {"tightness": [0.0, 1.0]}, batch_size=10)
    assert len(tasks) == 20
    for task in tasks:
        assert len(pickle.dumps((task.scenario_fields, list(task.seeds)))) < 1_000


def test_progress_counts_books_up_to_the_total():
    calls = []
    run_ensemble(SMALL, 4, {"tightness": [0.0, 1.0]}, batch_size=3,
                 on_progress=lambda done, total: calls.append((done, total)))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (8, 8) and len(calls) == 4


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("vary, field", [
    ({"tightnes": [1.0]}, "tightnes"),
    ({"tightness": [0.5, 2.0]}, "tightness"),
    ({"depth": [-1.0]}, "depth"),
    ({"impact": ["cubic"]}, "impact"),
    ({"n": [1.5]}, "n"),
    ({"seed": [1, 2]}, "seed"),
    ({"tightness": []}, "tightness"),
    ({"tightness": [0.5, 0.5]}, "tightness"),
    ({"center_leverage": [20.0, 100.0], "maintenance_margin": [0.005, 0.02]}, "center_leverage"),
])
def test_bad_vary_names_the_field_before_any_task_is_sent(client, vary, field):
    before = scheduler_transitions(client)
    with pytest.raises(ValueError, match=field):
        run_ensemble(SMALL, 2, vary, client=client)
    assert scheduler_transitions(client) == before


@pytest.mark.parametrize("seeds, message", [
    ([], "no seeds"), ([1, 1], "repeats"), ([-1], "seeds"), ([1.5], "seeds"), (0, "seeds")])
def test_bad_seeds(seeds, message):
    with pytest.raises(ValueError, match=message):
        run_ensemble(SMALL, seeds)


# ------------------------------------------------------------------ cancelling


def _wait_until_idle(client, seconds: float) -> float:
    start = time.monotonic()
    while scheduler_task_count(client) and time.monotonic() - start < seconds:
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.mark.parametrize("how", ["generator closed", "KeyboardInterrupt"])
def test_leaving_early_cancels_the_outstanding_tasks(client, how):
    big = Scenario(n=400_000)
    start = time.monotonic()
    big.replace(seed=0).book().run(big.shock)
    one_book = time.monotonic() - start
    seeds, left_alone = range(24), 24 * one_book / 2       # work for the two workers
    if how == "generator closed":
        batches = iter_ensemble(big, seeds, client=client, batch_size=1)
        first = next(batches)
        batches.close()
    else:
        def interrupt(done, total):
            raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            run_ensemble(big, seeds, client=client, batch_size=1, on_progress=interrupt)
        first = None
    waited = _wait_until_idle(client, seconds=left_alone / 2)
    assert scheduler_task_count(client) == 0
    assert waited < left_alone / 2
    if first is not None:
        assert first.done < first.total


# ------------------------------------------------------------------ summaries


def test_wilson_interval_closed_forms():
    n, z2 = 20, Z_95 ** 2
    low, high = wilson_interval(0, n)
    assert low == 0.0 and high == pytest.approx(z2 / (n + z2))
    low, high = wilson_interval(n, n)
    assert low == pytest.approx(n / (n + z2)) and high == 1.0
    for k in range(n + 1):
        low, high = wilson_interval(k, n)
        mirror_low, mirror_high = wilson_interval(n - k, n)
        assert low <= k / n <= high
        assert low == pytest.approx(1 - mirror_high) and high == pytest.approx(1 - mirror_low)


def plain_summary(frame: pd.DataFrame, by: str, fall: bool) -> pd.DataFrame:
    """The summary by plain pandas: for a fall, the tail is the low quantiles."""
    grouped = frame.groupby(by, sort=False)
    out = pd.DataFrame({"books": grouped.size(), "mean_move": grouped["final_move"].mean(),
                        "p_runaway": grouped["runaway"].mean()})
    for level in (5, 50, 95, 99):
        q = (100 - level) / 100 if fall else level / 100
        # backed only where at least one book lies beyond it: books * min(q, 1 - q) >= 1
        backed = out["books"] * min(level, 100 - level) >= 100
        out[f"q{level:02d}"] = grouped["final_move"].quantile(q).where(backed)
    return out.reset_index()


def test_summary_matches_plain_pandas():
    frame = run_ensemble(SMALL, 12, {"tightness": [0.0, 0.5, 1.0]})
    summary = summarize(frame, SMALL, ["tightness"])
    expected = plain_summary(frame, "tightness", fall=True)
    for column in expected.columns:
        np.testing.assert_allclose(summary[column].astype(float), expected[column].astype(float),
                                   rtol=1e-12, err_msg=column)
    # 12 books back a median, not a 5% / 95% mark (20 books) nor a q99 (100)
    assert summary[["q05", "q95", "q99"]].isna().all().all() and summary["q50"].notna().all()
    low, high = wilson_interval(frame.groupby("tightness")["runaway"].sum(), 12)
    np.testing.assert_allclose(summary["p_runaway_low"], low)
    np.testing.assert_allclose(summary["p_runaway_high"], high)


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize("text, value", [
    ("70M", 70e6), ("2B", 2e9), ("10k", 1e4), ("-5%", -0.05), ("$100M", 100e6), ("1e6", 1e6),
    ("0.5", 0.5), ("-0.03", -0.03), ("lognormal", "lognormal"), ("sqrt", "sqrt")])
def test_values_as_people_type_them(text, value):
    assert cli.parse_value(text) == value


def test_vary_ranges_and_lists():
    assert cli.build_vary(["tightness=0:1:5", "depth=50M,70M"]) == {
        "tightness": [0.0, 0.25, 0.5, 0.75, 1.0], "depth": [50e6, 70e6]}
    assert cli.build_vary(["shock=-10%:-2%:3"]) == {"shock": [-0.1, -0.06, -0.02]}
    assert cli.build_vary(["background=lognormal,discrete"]) == {
        "background": ["lognormal", "discrete"]}


def run_cli(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cascade", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("argv, names", [
    (["--vary", "tightnes=1"], "tightnes"),
    (["--vary", "tightness=0,2"], "tightness"),
    (["--vary", "tightness=0:1:x"], "tightness"),
    (["--set", "depth=abc"], "depth"),
    (["--set", "deep=1"], "deep"),
    (["--set", "background=square"], "background"),
    (["--seeds", "0"], "--seeds"),
    (["--seeds", "many"], "--seeds"),
    (["-o", "out.txt"], "-o"),
    (["--preset", "nope"], "--preset"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, names):
    full = ["ensemble", "--seeds", "2", *argv]
    assert cli.main(full) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and names in err[0], err


def test_a_bad_argument_from_the_shell_has_no_traceback():
    done = run_cli("ensemble", "--seeds", "2", "--vary", "tightness=2")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "tightness" in done.stderr


def test_unreachable_scheduler_fails_fast_with_one_line():
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    done = run_cli("ensemble", "--seeds", "2", "--scheduler", address, timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and "Traceback" not in done.stderr


def test_import_cascade_stays_light():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, cascade; print(sorted({m.split('.')[0] for m in "
         "sys.modules} & {'dask', 'distributed', 'streamlit', 'plotly'}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_ctrl_c_cancels_the_outstanding_tasks(dask_cluster):  # noqa: F811
    process = subprocess.Popen(
        [sys.executable, "-m", "cascade", "ensemble", "--seeds", "40", "--set", "n=400K",
         "--batch-size", "1", "--scheduler", dask_cluster], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # a shell's background job (`make test &`) ignores Ctrl-C, and so would the child,
        # which then ran to the end; the default action makes Python raise
        # KeyboardInterrupt, as at a terminal
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        started = process.stderr.readline()           # printed once the tasks are planned
        assert "40 books" in started, started
        progress = process.stderr.readline()          # the first book came back
        assert "books/s" in progress, progress
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == cli.EXIT_INTERRUPTED
    assert "interrupted" in err and "Traceback" not in err
    with Client(dask_cluster, timeout=10) as client:
        assert _wait_until_idle(client, seconds=5) < 5
        assert scheduler_task_count(client) == 0


def test_workers_without_cascade_give_a_one_line_hint(tmp_path):
    with running_cluster(tmp_path, workers=1, with_cascade=False) as address:
        done = run_cli("ensemble", "--seeds", "2", "--set", "n=1K", "--scheduler", address)
    assert done.returncode == 1
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("error:") and "PYTHONPATH" in error and "Traceback" not in done.stderr


def summary_lines(stdout: str) -> list[str]:
    return stdout.strip().splitlines()[2:]


def test_cli_on_the_cluster_writes_rows_and_a_true_summary(dask_cluster, tmp_path):  # noqa: F811
    out = tmp_path / "ensemble.parquet"
    done = run_cli("ensemble", "--preset", "crowd", "--seeds", "4", "--first-seed", "10",
                   "--set", "n=2K", "--set", "depth=70M", "--vary", "tightness=0,1",
                   "--scheduler", dask_cluster, "-o", str(out))
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(out)
    preset = cascade.PRESETS["Crowd at 20x (Binance default)"].replace(n=2_000, depth=70e6)
    assert_rows_are_serial_runs(frame, preset, range(10, 14), {"tightness": [0.0, 1.0]})
    assert "8/8 books (100%)" in done.stderr
    # the printed table: one line per tightness, numbers from plain pandas
    expected = plain_summary(frame, "tightness", fall=True)
    lines = summary_lines(done.stdout)
    assert len(lines) == 2
    for line, (_, row) in zip(lines, expected.iterrows()):
        cells = line.split()
        assert float(cells[0]) == row["tightness"] and int(cells[1]) == 4
        for cell, column in zip(cells[2:7], ["mean_move", "q05", "q50", "q95", "q99"]):
            assert cell == (f"{row[column] * 100:+.2f}%" if np.isfinite(row[column]) else "n/a")
        assert cells[7] == f"{row['p_runaway']:.1%}"


def test_cli_default_local_cluster_writes_csv(tmp_path):
    out = tmp_path / "ensemble.csv"
    done = run_cli("ensemble", "--seeds", "3", "--set", "n=2K", "--vary", "tightness=0,1",
                   "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "local cluster" in done.stderr
    frame = pd.read_csv(out)
    assert_rows_are_serial_runs(frame, Scenario(n=2_000), range(3), {"tightness": [0.0, 1.0]})


# ------------------------------------------------------------------ hostile command lines
# (issue 15): what cannot finish is refused at once; a lost scheduler keeps the rows received


@pytest.mark.parametrize("seeds, shown", [("1e12", "1,000,000,000,000"),
                                          ("1e8", "100,000,000")])
def test_more_seeds_than_the_limit_are_refused_at_once(capsys, seeds, shown):
    """--seeds 1e12 printed nothing for 120 s and grew past 5.4 GB; 1e8 ended in a
    MemoryError after 76 s."""
    start = time.monotonic()
    assert cli.main(["ensemble", "--seeds", seeds, "--workers", "0"]) == cli.EXIT_BAD_INPUT
    assert time.monotonic() - start < 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"seeds: {shown} books is above the limit of {MAX_BOOKS:,} books" in err[0]


def test_seeds_times_combinations_above_the_limit_are_refused(capsys):
    argv = ["ensemble", "--seeds", "400K", "--vary", "tightness=0,0.5,1", "--workers", "0"]
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "seeds: 400,000 x 3 combinations of the vary values = 1,200,000 books" in err


def test_the_api_refuses_an_endless_iterable_without_listing_it():
    start = time.monotonic()
    with pytest.raises(ValueError, match=f"seeds: more than {MAX_BOOKS:,} books is above"):
        plan(SMALL, itertools.count())
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("target", ["folder", "sysfs"])
def test_an_output_that_cannot_be_written_is_refused_before_the_ensemble_runs(
        tmp_path, target):
    """A folder by the output's name, and a file system that takes no new files (sysfs,
    even for root, who may write into a folder marked read-only)."""
    if target == "folder":
        out = tmp_path / "rows.csv"
        out.mkdir()
    else:
        out = Path("/sys/cascade-rows.csv")
    start = time.monotonic()
    done = run_cli("ensemble", "--seeds", "1000", "--set", "n=20K", "--workers", "0",
                   "-o", str(out), timeout=60)
    assert done.returncode == cli.EXIT_BAD_INPUT
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: -o: cannot write {out}"), lines
    assert "books" not in done.stderr                     # nothing was planned or run
    assert time.monotonic() - start < 20                  # 1,000 books of 20K: minutes


def test_checking_the_output_leaves_no_file_behind_and_an_existing_one_untouched(tmp_path):
    fresh, kept = tmp_path / "fresh.csv", tmp_path / "kept.csv"
    kept.write_text("old\n")
    for path in (fresh, kept):
        assert cli.output_format(path) == "csv"
    assert not fresh.exists() and kept.read_text() == "old\n"


def test_a_killed_scheduler_keeps_the_rows_received(tmp_path):
    """Kill a real scheduler mid-run: the CLI writes the rows that came back, says how many
    in one line (no Dask traceback), and exits 1; the rows are the serial runs."""
    out = tmp_path / "rows.csv"
    with running_cluster(tmp_path) as address:
        process = subprocess.Popen(
            [sys.executable, "-m", "cascade", "ensemble", "--seeds", "40", "--set", "n=200K",
             "--batch-size", "1", "--scheduler", address, "-o", str(out)], cwd=ROOT,
            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert "40 books" in process.stderr.readline()
            assert "books/s" in process.stderr.readline()     # a first book came back
            with Client(address, timeout=10) as client:
                with pytest.raises(Exception):  # noqa: B017 (the connection dies with it)
                    client.run_on_scheduler(lambda: os.kill(os.getpid(), signal.SIGKILL))
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == cli.EXIT_FAILED
    lines = [line for line in err.strip().splitlines() if "books/s" not in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    message = lines[0]
    assert message.startswith("error: the ensemble stopped after ")
    assert f"lost the Dask scheduler at {address}" in message
    received = int(message.split("after ")[1].split(" of 40")[0])
    assert 1 <= received < 40
    assert message.endswith(f"wrote the {received} rows received to {out}")
    frame = pd.read_csv(out)
    assert len(frame) == received
    assert_rows_are_serial_runs(frame, Scenario(n=200_000), frame["seed"].tolist(), {})


def test_connect_refuses_a_closed_port_at_once():
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=f"cannot reach the Dask scheduler at {address} "
                                              "within 5 s"):
        connect(address, timeout=5.0)
    assert time.monotonic() - start < 1.0


def test_connect_gives_up_on_a_silent_peer_within_its_timeout():
    """Dask waits for a peer's handshake without a limit; connect() must not."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(ConnectionError, match="within 2 s"):
            connect(address, timeout=2.0)
        assert time.monotonic() - start < 2.2
