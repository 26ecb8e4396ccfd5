"""A hand-typed or hostile link in a real browser: the address bar ends up holding what the
page used, and the page says in one line per parameter what it changed."""

from __future__ import annotations

import pytest

from cascade import Scenario
from tests.browser.test_explorer_browser import assert_no_exception, open_explorer

pytestmark = pytest.mark.browser


def test_a_typed_link_is_rewritten_and_said(page, server):
    open_explorer(page, server, "?depth=20m&n=1000&seed=-1&shock=-0.1&shock=-0.0999")
    assert_no_exception(page)
    page.wait_for_function("location.search.includes('depth=20M')")
    query = page.evaluate("location.search")
    assert "depth=20M" in query and "n=1K" in query and "shock=-0.1" in query
    assert "seed" not in query and query.count("shock=") == 1
    notice = page.get_by_test_id("stAlert").inner_text()
    assert "seed=-1 is outside 0 to 2147483647; using 7 (the default)" in notice
    assert "shock=-0.0999 is the last of 2 values given" in notice
    expected = Scenario(depth=20e6, n=1_000, shock=-0.1).run()
    final_move = f"{expected.total_move * 100:+.1f}%"
    # the headline of the page that used those values (waits out a rerun in flight)
    page.wait_for_function(
        "(want) => { const v = document.querySelector('[data-testid=stMetricValue]');"
        " return v !== null && v.innerText === want; }", arg=final_move)
