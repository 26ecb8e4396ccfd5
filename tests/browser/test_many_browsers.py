"""Ten browser sessions on one server move their sliders at the same time (issue 9): no
errors, no cross-talk (each ends on its own scenario's numbers), and the server's peak
memory is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from cascade import Scenario
from cascade_view.formats import pct
from tests.browser.conftest import streamlit_process
from tests.browser.test_explorer_browser import IDLE, assert_no_exception

# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = [pytest.mark.browser, pytest.mark.timing]
SESSIONS = 10


def peak_resident_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def final_move_shown(page) -> str:
    return page.get_by_test_id("stMetricValue").first.inner_text().strip()


def test_ten_sessions_at_once_each_see_their_own_scenario(browser, tmp_path, capsys):
    with streamlit_process(tmp_path / "server.log") as (url, process):
        pages, expected = [], []
        for k in range(SESSIONS):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/?seed={k + 10}&tightness={0.5 + 0.05 * k:.2f}")
            pages.append(page)
        for page in pages:
            page.wait_for_selector(IDLE)
            page.get_by_test_id("stMetricValue").first.wait_for()
        # every session presses its own number of keys on the shock slider, all at once
        for k, page in enumerate(pages):
            handle = page.get_by_role("slider", name="Price shock")
            handle.focus()
            for _ in range(k % 4 + 1):
                handle.press("ArrowLeft")
            shock = round(-0.05 - 0.005 * (k % 4 + 1), 4)
            expected.append(pct(Scenario(seed=k + 10, tightness=round(0.5 + 0.05 * k, 2),
                                         shock=shock).run().total_move))
        for k, page in enumerate(pages):
            page.wait_for_function(
                "want => document.querySelector('[data-testid=stMetricValue]')"
                ".innerText.trim() === want", arg=expected[k])
            page.wait_for_selector(IDLE)
            assert final_move_shown(page) == expected[k], f"session {k} shows another scenario"
            assert_no_exception(page)
            assert f"seed={k + 10}" in page.url
        peak = peak_resident_mb(process.pid)
        with capsys.disabled():
            print(f"\n{SESSIONS} browser sessions at 10K traders: server peak resident "
                  f"memory {peak:.0f} MB")
        for page in pages:
            page.context.close()
