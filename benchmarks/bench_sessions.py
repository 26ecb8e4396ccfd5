"""How long the server takes per rerun with 1 and with 10 sessions at once, measured at the
server's own websocket: no browser, so nothing but Streamlit and the Explorer uses the cores.

Each session is a websocket speaking Streamlit's own protocol (BackMsg / ForwardMsg, as a
browser tab does): it loads the Explorer, then moves the "Price shock" slider by sending
the widget's new value in a rerun request, as the browser does on a key press. A rerun's
time is from sending the request to the server's `script_finished` for it.

Two patterns, both run with every session count given:
- steady: each session moves the slider, waits for the new page, thinks 0-200 ms, moves
  it again. Gives the time per rerun, and so how many users the server keeps under 1 s.
- burst: each session sends 5 moves 50 ms apart (quick key presses), then waits. Gives the
  time from the LAST press to a finished page showing the last value, and checks that the
  last value always won: the "Final move" headline equals the core's answer for it.

It also reads the server process's CPU time (/proc) around the steady pattern: CPU per
rerun does not depend on what else the machine is doing, wall-clock times do. One
Streamlit process runs its sessions' scripts in threads under one GIL, so it serves about
one core's worth of reruns per second: 1 s / (CPU per rerun).

    .venv/bin/python benchmarks/bench_sessions.py                 # 1 and 10 sessions
    .venv/bin/python benchmarks/bench_sessions.py --sessions 1 5 10 20 --moves 12
    .venv/bin/python benchmarks/bench_sessions.py --fast-reruns false  # runner.fastReruns
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cascade import Scenario  # noqa: E402
from cascade_view.formats import pct  # noqa: E402
from tests.browser.conftest import streamlit_process  # noqa: E402

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
SHOCKS = [round(-0.03 - 0.005 * k, 3) for k in range(12)]  # -3% ... -8.5%, on the grid
TIMEOUT_S = 120.0


def expected_final_move(shock: float) -> str:
    """The headline's "Final move" for the default scenario at `shock` (the core's answer)."""
    return pct(Scenario(shock=shock).run().total_move)


@dataclass
class Run:
    """What one script run sent: its headline values and how it finished."""
    metrics: dict[str, str] = field(default_factory=dict)
    status: int | None = None


class Session:
    """One browser tab's worth of protocol: a websocket to /_stcore/stream."""

    def __init__(self, url: str):
        self.ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.run = Run()
        self.finished: asyncio.Queue[Run] = asyncio.Queue()

    async def open(self) -> None:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"],
                                           max_size=None, open_timeout=TIMEOUT_S)
        self.reader = asyncio.create_task(self._read())
        await self.rerun({})
        await self.wait_finished()

    async def _read(self) -> None:
        async for frame in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.run = Run()
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "metric":
                    self.run.metrics[element.metric.label] = element.metric.body
                elif which == "slider":
                    self.widgets[element.slider.id.rsplit("-", 1)[-1]] = element.slider.id
            elif kind == "script_finished":
                self.run.status = msg.script_finished
                await self.finished.put(self.run)
                self.run = Run()

    async def rerun(self, doubles: dict[str, float]) -> None:
        """Ask for a rerun with these slider values (by user key), as a browser does."""
        back = BackMsg()
        state = back.rerun_script
        state.SetInParent()  # a rerun request even when no widget value changes
        for key, value in doubles.items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[key]
            widget.double_array_value.data.append(value)
        await self.ws.send(back.SerializeToString())

    async def wait_finished(self, shows: str | None = None) -> Run:
        """The next successfully finished run (showing `shows` as its final move, if given)."""
        while True:
            run = await asyncio.wait_for(self.finished.get(), TIMEOUT_S)
            if run.status != FINISHED:
                continue
            if shows is None or run.metrics.get("Final move") == shows:
                return run

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


async def steady(session: Session, moves: int, expected: dict[float, str],
                 times: list[float], rng: random.Random) -> None:
    for _ in range(moves):
        shock = rng.choice(SHOCKS)
        start = time.perf_counter()
        await session.rerun({"shock": shock})
        await session.wait_finished(expected[shock])
        times.append(time.perf_counter() - start)
        await asyncio.sleep(rng.uniform(0.0, 0.2))


async def burst(session: Session, presses: int, expected: dict[float, str],
                times: list[float], rng: random.Random) -> None:
    values = [rng.choice(SHOCKS) for _ in range(presses)]
    for value in values:
        last_sent = time.perf_counter()
        await session.rerun({"shock": value})
        await asyncio.sleep(0.05)
    await session.wait_finished(expected[values[-1]])  # the last value wins, or times out
    times.append(time.perf_counter() - last_sent)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(url: str, pid: int, sessions: int, moves: int, seed: int
                  ) -> dict[str, list[float]]:
    expected = {shock: expected_final_move(shock) for shock in SHOCKS}
    tabs = [Session(url) for _ in range(sessions)]
    await asyncio.gather(*(tab.open() for tab in tabs))
    results: dict[str, list[float]] = {"steady": [], "burst": []}
    rngs = [random.Random(seed + i) for i in range(sessions)]
    cpu = cpu_seconds(pid)
    await asyncio.gather(*(steady(tab, moves, expected, results["steady"], rng)
                           for tab, rng in zip(tabs, rngs)))
    results["cpu"] = [(cpu_seconds(pid) - cpu) / len(results["steady"])]
    for _ in range(3):
        await asyncio.gather(*(burst(tab, 5, expected, results["burst"], rng)
                               for tab, rng in zip(tabs, rngs)))
    await asyncio.gather(*(tab.close() for tab in tabs))
    return results


def summary(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return (f"median {statistics.median(ms):6.0f} ms   p90 {p90:6.0f} ms   "
            f"max {ms[-1]:6.0f} ms   ({len(ms)} reruns)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--moves", type=int, default=10, help="steady moves per session")
    parser.add_argument("--fast-reruns", choices=["true", "false"],
                        help="runner.fastReruns for the server (default: .streamlit/config)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    options = ["--runner.fastReruns", args.fast_reruns] if args.fast_reruns else []
    with tempfile.TemporaryDirectory() as logs, \
            streamlit_process(Path(logs) / "server.log", options=tuple(options)) as (url, process):
        load = os.getloadavg()[0]
        print(f"server {url} {' '.join(options)}; {os.cpu_count()} cores, load average "
              f"{load:.1f} at the start; default scenario, n=10,000; times from the rerun "
              f"request to the server's script_finished")
        asyncio.run(measure(url, process.pid, 1, 2, args.seed))  # warm caches, imports
        for sessions in args.sessions:
            results = asyncio.run(measure(url, process.pid, sessions, args.moves, args.seed))
            print(f"{sessions:3d} session(s)  steady: {summary(results['steady'])}   "
                  f"server CPU {results['cpu'][0] * 1000:.0f} ms per rerun")
            print(f"{'':16s}burst, last press -> last value shown: "
                  f"{summary(results['burst'])}")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
