"""The Explorer in a real browser at 10K ... 2M traders: rerun times and server memory.

Starts `streamlit run app.py` on a free port, drives Debian's Chromium with Playwright
(never `playwright install`), and prints
- per book size, the time from a key press on a slider to the repainted page (the script
  ran, the headline shows new numbers, two animation frames later), for moves of the
  shock (5), tightness (3) and depth (3) sliders, as the browser test measures them at
  10K; median, max and the median against the first size's. One page per size, the sizes
  taking turns move by move. A tightness move builds a new book (population, sort,
  theory); moving back to a value seen before finds it cached.
- the page script's CPU time per rerun at each size (AppTest, in-process): a shock move
  and a tightness move that builds a new book; load on the machine barely moves it.
- the server's peak resident memory (VmHWM) with one session at 1M traders, and with ten
  sessions at 1M in separate browser contexts, each on its own book (seed), so no session
  shares a cache entry with another: the worst case for memory. Each measurement uses a
  fresh server.
With --clock, every size is also opened with the clock on (CLOCK_QUERY: the shock reached
over 60 s, an engine of $20M per second, a book refilling with a 20 s half-life), the
instant and the timed page of each size taking turns move by move.
Run with `python benchmarks/bench_explorer.py` (add --sessions-n 2M for ten at 2M;
`--sizes 1M --clock --skip-memory` for issue 17's clock case).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_process  # noqa: E402
from tests.browser.test_explorer_browser import (  # noqa: E402
    IDLE, assert_no_exception, move_slider, open_explorer)

SIZES = ["10K", "100K", "1M", "2M"]
MOVES = {"shock": ["ArrowLeft", "ArrowLeft", "ArrowRight", "ArrowRight", "ArrowLeft"],
         "tightness": ["ArrowLeft", "ArrowRight", "ArrowLeft"],
         "depth": ["ArrowLeft", "ArrowRight", "ArrowLeft"]}
PAGE_TIMEOUT_MS = 180_000
# The clock case (issue 17): URL parameters as a shared link writes them.
CLOCK_QUERY = {"path": "fall", "fall_seconds": "60", "engine_rate": "20M",
               "resilience_half_life": "20"}


@contextmanager
def streamlit_server():
    """`streamlit run app.py` on a free port (tests/browser/conftest.py); yields (url, pid)."""
    with tempfile.TemporaryDirectory() as logs, \
            streamlit_process(Path(logs) / "server.log") as (url, process):
        yield url, process.pid


def peak_resident_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return context, page


def query(n: str, **extra) -> str:
    params = {"n": n, **extra} if n != "10K" else extra
    return "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""


def cases(sizes: list[str], clock: bool) -> list[tuple[str, str, dict]]:
    """(label, size, extra URL parameters) of each page: every size, and with `clock` every
    size again with CLOCK_QUERY."""
    return [(n, n, {}) for n in sizes] + (
        [(f"{n} clock", n, CLOCK_QUERY) for n in sizes] if clock else [])


def rerun_times(browser, url: str, sizes: list[str], clock: bool = False) -> list[dict]:
    """Open one page per book size (and per size with the clock on, with `clock`), then time
    every slider move in MOVES (ms), the pages taking turns move by move, so load on a
    shared machine falls on all of them alike."""
    pages, rows = [], []
    try:
        for label, n, extra in cases(sizes, clock):
            context, page = new_page(browser)
            pages.append(context)
            start = time.perf_counter()
            open_explorer(page, url, query(n, **extra))
            assert_no_exception(page)
            rows.append(dict(n=label, page=page, first_load_s=time.perf_counter() - start,
                             times={key: [] for key in MOVES}))
        for key, presses in MOVES.items():
            for press in presses:
                for row in rows:
                    row["times"][key] += move_slider(row["page"], key, [press])
        for row in rows:
            assert_no_exception(row.pop("page"))
            every = [t for moves in row["times"].values() for t in moves]
            row.update(median=statistics.median(every), max=max(every))
    finally:
        for context in pages:
            context.close()
    return rows


def script_cpu(sizes: list[str], clock: bool = False) -> list[dict]:
    """The page script's CPU time (s) per rerun at each size, in-process through AppTest:
    what the server spends, whatever the load on the machine. Median of shock moves (the
    book and theory cached), and one tightness move (a new book: population, sort,
    theory)."""
    from streamlit.testing.v1 import AppTest

    from tests.app.apptools import run
    rows = []
    for label, n, extra in cases(sizes, clock):
        at = run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=600),
                 **({"n": n} if n != "10K" else {}), **extra)
        shock_moves = []
        for shock in (-0.055, -0.06, -0.065, -0.045, -0.05):
            start = time.process_time()
            at.slider(key="shock").set_value(shock).run()
            shock_moves.append(time.process_time() - start)
        start = time.process_time()
        at.slider(key="tightness").set_value(0.85).run()
        tightness = time.process_time() - start
        assert not at.exception
        rows.append(dict(n=label, shock=statistics.median(shock_moves), tightness=tightness))
    return rows


def sessions_memory(browser, n: str, sessions: int) -> dict:
    """Peak server memory with `sessions` browser contexts open at n traders, each on its
    own book (seed), each having moved the shock slider twice."""
    with streamlit_server() as (url, pid):
        baseline = resident_mb(pid)
        open_pages = []
        try:
            for seed in range(sessions):
                context, page = new_page(browser)
                open_pages.append(context)
                open_explorer(page, url, query(n, seed=100 + seed))
                assert_no_exception(page)
                move_slider(page, "shock", ["ArrowLeft", "ArrowRight"])
            page.wait_for_selector(IDLE)
            return dict(n=n, sessions=sessions, baseline_mb=baseline,
                        peak_mb=peak_resident_mb(pid), now_mb=resident_mb(pid))
        finally:
            for context in open_pages:
                context.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=SIZES, help="book sizes (URL labels)")
    parser.add_argument("--sessions-n", default="1M", help="book size of the memory runs")
    parser.add_argument("--sessions", type=int, default=10, help="sessions of the second run")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--clock", action="store_true",
                        help="also open each size with the clock on (CLOCK_QUERY)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        print("rerun after a slider move, key press to repainted page (ms); the sizes take "
              "turns move by move")
        print(f"{'traders':>8} {'first load s':>13} {'median':>7} {'max':>6} {'/ first':>8}   "
              "shock / tightness / depth")
        with streamlit_server() as (url, _):
            rows = rerun_times(browser, url, args.sizes, args.clock)
        for row in rows:
            detail = " / ".join(" ".join(f"{t:.0f}" for t in row["times"][key])
                                for key in MOVES)
            print(f"{row['n']:>8} {row['first_load_s']:>13.1f} {row['median']:>7.0f} "
                  f"{row['max']:>6.0f} {row['median'] / rows[0]['median']:>7.2f}x   {detail}")
        print("\npage script CPU per rerun, in-process (AppTest), s")
        print(f"{'traders':>8} {'shock move':>11} {'new book':>9}")
        for row in script_cpu(args.sizes, args.clock):
            print(f"{row['n']:>8} {row['shock']:>11.2f} {row['tightness']:>9.2f}", flush=True)
        if not args.skip_memory:
            print("\nserver peak resident memory (VmHWM), fresh server each")
            for sessions in (1, args.sessions):
                row = sessions_memory(browser, args.sessions_n, sessions)
                print(f"{sessions:>3} session(s) at {row['n']}: peak {row['peak_mb']:,.0f} MB "
                      f"(idle server {row['baseline_mb']:,.0f} MB, after {row['now_mb']:,.0f} MB)",
                      flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
