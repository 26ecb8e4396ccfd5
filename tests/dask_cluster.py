"""A real Dask cluster for the ensemble tests: `dask scheduler` and `dask worker`
processes on 127.0.0.1, started from this venv's bin on free ports, one thread each, with
this checkout on PYTHONPATH (as a real deployment would install it), killed at teardown.

Import the fixture into a test module: `from tests.dask_cluster import dask_cluster`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT = 60.0
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _logs(paths: list[Path]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in paths)


@contextlib.contextmanager
def running_cluster(folder: Path, workers: int = WORKERS, with_cascade: bool = True):
    """Start a scheduler and `workers` workers; yield the scheduler's address once they
    joined; stop them all. with_cascade=False leaves this repository off the workers'
    PYTHONPATH (a misdeployed cluster)."""
    from distributed import Client

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if with_cascade:
        env["PYTHONPATH"] = str(ROOT)
    address = f"tcp://127.0.0.1:{free_port()}"
    commands = [("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1",
                               "--port", address.rsplit(":", 1)[1], "--no-dashboard"])]
    for i in range(workers):
        commands.append((f"worker{i}", [str(DASK), "worker", address, "--nthreads", "1",
                                        "--nworkers", "1", "--host", "127.0.0.1",
                                        "--no-dashboard", "--name", f"worker{i}",
                                        "--local-directory", str(folder / f"space{i}")]))
    processes, log_paths = [], []
    try:
        for name, command in commands:
            log_path = folder / f"{name}.log"
            log_paths.append(log_path)
            with open(log_path, "wb") as log:
                # a process group each, so teardown also stops the worker's nanny child
                processes.append(subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                                                  stderr=subprocess.STDOUT,
                                                  start_new_session=True))
        deadline = time.monotonic() + START_TIMEOUT
        client = None
        while client is None:
            try:
                client = Client(address, timeout=5)
            except OSError:
                if time.monotonic() > deadline or processes[0].poll() is not None:
                    pytest.fail(f"dask scheduler did not start:\n{_logs(log_paths)}")
        try:
            client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
        except TimeoutError:
            pytest.fail(f"dask workers did not join:\n{_logs(log_paths)}")
        finally:
            client.close()
        yield address
    finally:
        for process in reversed(processes):
            _stop(process)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """The scheduler's address, tcp://127.0.0.1:<port>, with two workers that can import
    this checkout's cascade. One per test module: a session-wide cluster kept five processes
    polling (about 13% of a core) through the browser tests that follow, whose rerun
    timings it slowed."""
    with running_cluster(tmp_path_factory.mktemp("dask")) as address:
        yield address
