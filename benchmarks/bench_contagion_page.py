"""The Contagion page at 100K accounts: how long a slider move takes to repaint (issue 19:
under 1 s), and where the time goes.

In process, through AppTest (what the server spends on a rerun, in wall and CPU time):
- a fall move: the "Its fall (%)" slider to a value not seen before (the book cached, one
  contagion run, the figures); median of FALLS moves;
- a cross move: "Open interest in cross accounts (%)" to a new value, which draws a new
  synthetic book as well; median of CROSS_MOVES moves;
- the baseline, in the same process: the page's model call alone (Contagion.run on the
  cached book, the same setups as the fall moves), and the parts of a rerun apart: the
  synthetic book (Contagion.book), the run, the headline and sentences, the two figures.
The ratio fall move / model call is what the page adds around the model. With --clock,
the same on the page opened at its slowest clock (CLOCK: the engine at 0.1% of open
interest a second, books refilling with a 60 s half-life), where the most orders wait.
With --browser, also in Debian's Chromium against `streamlit run app.py` (Playwright,
never `playwright install`): from the key press on the fall slider's thumb to the
repainted page (the script ran, the headline shows new numbers, both charts drawn, two
animation frames later), as the Explorer's browser benchmark times it.
Run with `python benchmarks/bench_contagion_page.py [--browser] [--clock]`
(`make bench-explorer` runs it with --browser).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cascade.contagion import Contagion  # noqa: E402
from cascade_view import contagion_figures  # noqa: E402

PAGE = "pages/contagion.py"
TARGET_SECONDS = 1.0
ACCOUNTS = 100_000
# fall values (%) the slider moves to, each new to the page's cache; the page opens at -30
FALLS = (-25, -35, -20, -40, -45)
CROSS_MOVES = (55, 45, 60)
TIMERS = {"wall": time.perf_counter, "cpu": time.process_time}
# the page's slowest clock: its URL values and the run's knobs
CLOCK_URL = {"engine": "0.1", "refill": "60"}
CLOCK = {"engine_rate_share": 0.001, "resilience_half_life": 60.0}


def _clock() -> dict:
    return {name: timer() for name, timer in TIMERS.items()}


def _since(start: dict) -> dict:
    return {name: timer() - start[name] for name, timer in TIMERS.items()}


def _median(rows: list[dict]) -> dict:
    return {name: statistics.median(row[name] for row in rows) for name in TIMERS}


def page_times(falls=FALLS, crosses=CROSS_MOVES, clock: bool = False) -> dict:
    """Wall and CPU seconds (medians) of the page's reruns after a fall move and after a
    cross move, through AppTest in this process, and the first run (a fresh book); with
    `clock`, the page opened at CLOCK_URL."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(PAGE)
    if clock:
        at.query_params.update(CLOCK_URL)
    start = _clock()
    at.run()
    first = _since(start)
    rows = {"fall": [], "cross": []}
    for key, values in (("fall", falls), ("cross", crosses)):
        for value in values:
            at.slider(key=key).set_value(value)
            start = _clock()
            at.run()
            rows[key].append(_since(start))
            assert not at.exception, [e.value for e in at.exception]
    headline = {m.label: m.value for m in at.metric}
    return dict(first=first, fall=_median(rows["fall"]), cross=_median(rows["cross"]),
                moves=len(falls), cross_moves=len(crosses), headline=headline)


def model_times(falls=FALLS, clock: bool = False) -> dict:
    """Wall and CPU seconds (medians) of the parts of a fall move's rerun outside the page:
    the synthetic book (drawn once per cross share), the run on it (the page's model call),
    the headline with its sentences, and the two figures (with `clock`, at CLOCK)."""
    parts = {"book": [], "run": [], "words": [], "figures": []}
    book = None
    for fall in falls:
        setup = Contagion(fall=fall / 100, accounts=ACCOUNTS, **(CLOCK if clock else {}))
        start = _clock()
        book = setup.book()
        parts["book"].append(_since(start))
        start = _clock()
        result = setup.run(book)
        parts["run"].append(_since(start))
        start = _clock()
        contagion_figures.metrics(result)
        contagion_figures.observed_sentence(result)
        contagion_figures.pulled_in_sentence(result)
        contagion_figures.synthetic_book_sentence(setup, False)
        contagion_figures.clock_sentence(result, setup)
        parts["words"].append(_since(start))
        start = _clock()
        contagion_figures.price_figure(result)
        contagion_figures.liquidations_figure(result)
        parts["figures"].append(_since(start))
    return dict({name: _median(rows) for name, rows in parts.items()}, accounts=book.accounts,
                positions=len(book))


def measure(falls=FALLS, crosses=CROSS_MOVES, clock: bool = False) -> dict:
    """page_times and model_times in one process, and the ratio of a fall move's rerun to
    the page's model call alone (CPU and wall); with `clock`, at the slowest clock."""
    page = page_times(falls, crosses, clock)
    model = model_times(falls, clock)
    ratio = {name: page["fall"][name] / model["run"][name] for name in TIMERS}
    return dict(page=page, model=model, ratio=ratio)


def browser_times(presses: int = 6, clock: bool = False) -> dict:
    """Milliseconds from a key press on the fall slider to the repainted page, in Chromium
    against `streamlit run app.py` (median and max of `presses` moves, left and right in
    turn, each to a value the page has not run yet; the first press from -30; with `clock`,
    the page opened at CLOCK_URL)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, drawn, streamlit_process
    from tests.browser.test_explorer_browser import move_slider

    log = Path(tempfile.mkdtemp()) / "server.log"
    with streamlit_process(log) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(180_000)
            page.goto(url)
            page.wait_for_selector(IDLE)
            start = time.perf_counter()
            query = "&".join(f"{key}={value}" for key, value in CLOCK_URL.items())
            page.goto(f"{url}/contagion" + (f"?{query}" if clock else ""))
            drawn(page, 2)
            first = time.perf_counter() - start
            # -30 -> -35 -> -40 ... then back up past -30 to values not run yet
            keys = ["ArrowLeft"] * (presses // 2) + ["ArrowRight"] * (presses - presses // 2)
            times = move_slider(page, "fall", keys[: presses // 2])
            for _ in range(presses // 2):  # back to -30, all cached: not timed
                move_slider(page, "fall", ["ArrowRight"])
            times += move_slider(page, "fall", keys[presses // 2:])
            assert page.get_by_test_id("stException").count() == 0
        finally:
            browser.close()
    return dict(first_s=first, median_ms=statistics.median(times), max_ms=max(times),
                moves=len(times))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true",
                        help="also time the repaint in Chromium against a real server")
    parser.add_argument("--clock", action="store_true",
                        help="open the page at its slowest clock (engine 0.1%% of open "
                             "interest a second, books refilling with a 60 s half-life)")
    args = parser.parse_args(argv)
    row = measure(clock=args.clock)
    page, model, ratio = row["page"], row["model"], row["ratio"]
    print(f"Contagion page, {model['accounts']:,} synthetic accounts "
          f"({model['positions']:,} positions), ALT falling over 600 s"
          f"{', the engine at 0.1% of open interest a second, books refilling (60 s)' if args.clock else ''}:")
    print(f"  first run (book and run): {page['first']['wall']:.2f} s wall")
    print(f"  rerun after a fall move (median of {page['moves']}): "
          f"{page['fall']['wall']:.3f} s wall, {page['fall']['cpu']:.3f} s CPU")
    print(f"  rerun after a cross move, a new book (median of {page['cross_moves']}): "
          f"{page['cross']['wall']:.3f} s wall, {page['cross']['cpu']:.3f} s CPU")
    print("  the parts, outside the page (median, wall / CPU): " + "; ".join(
        f"{name} {model[name]['wall']:.3f} / {model[name]['cpu']:.3f} s"
        for name in ("book", "run", "words", "figures")))
    print(f"  fall move / the page's model call alone: {ratio['wall']:.2f} wall, "
          f"{ratio['cpu']:.2f} CPU")
    worst = max(page["fall"]["wall"], page["cross"]["wall"])
    print(f"  target (issue 19): a slider move under {TARGET_SECONDS:g} s: "
          f"{'met' if worst < TARGET_SECONDS else 'NOT met'} on the server")
    if args.browser:
        shown = browser_times(clock=args.clock)
        print(f"  in Chromium, key press to repainted page (median of {shown['moves']} fall "
              f"moves): {shown['median_ms']:.0f} ms, max {shown['max_ms']:.0f} ms "
              f"(first load {shown['first_s']:.1f} s): "
              f"{'met' if shown['max_ms'] < TARGET_SECONDS * 1000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
