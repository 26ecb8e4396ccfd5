"""Several sessions on one server, each pressing keys quickly: the last value always wins.

No browser here: each session speaks Streamlit's websocket protocol as a tab does
(benchmarks/bench_sessions.py, whose timings the README quotes). This checks what must hold
however busy the machine is: after a burst of rerun requests, every session ends on a page
whose headline is the core's answer for the LAST value sent. Timing is the benchmark's job.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import random
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = [pytest.mark.browser, pytest.mark.timing]


def load_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_sessions", ROOT / "benchmarks" / "bench_sessions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_last_value_wins_in_every_session(server):
    bench = load_bench()

    async def scenario():
        tabs = [bench.Session(server) for _ in range(4)]
        await asyncio.gather(*(tab.open() for tab in tabs))
        expected = {shock: bench.expected_final_move(shock) for shock in bench.SHOCKS}
        times: list[float] = []
        rngs = [random.Random(i) for i in range(len(tabs))]
        for _ in range(2):
            # burst() waits for a finished run showing the last value sent (or times out)
            await asyncio.gather(*(bench.burst(tab, 5, expected, times, rng)
                                   for tab, rng in zip(tabs, rngs)))
        await asyncio.gather(*(tab.close() for tab in tabs))
        return times

    # in a thread of its own: Playwright's sync API may already run an event loop here
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        times = pool.submit(asyncio.run, scenario()).result()
    assert len(times) == 8


def test_reruns_merge_in_one_script_thread():
    """runner.fastReruns starts a script thread per key press; with many sessions those
    threads starved each other (README, "Many users at once"). Keep it off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["fastReruns"] is False
