"""In Chromium (issue 9): uploading positions and an order book greys out the knobs they
replace, the link keeps those knobs' values, and removing the files restores the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from cascade.case import RULES
from cascade_view.knobs import KNOBS as CONTROLS
from tests.browser.test_explorer_browser import IDLE, assert_no_exception, open_explorer
from tests.browser.test_upload_browser import upload as upload_file

pytestmark = pytest.mark.browser
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEST_ID = {"slider": "stSlider", "log": "stSlider", "choice": "stRadio",
           "integer": "stNumberInput"}
LINK = {"tightness": "0.5", "depth": "20M"}


def disabled_knobs(page) -> set[str]:
    """The Scenario fields whose sidebar widget holds a disabled input."""
    found = set()
    for name, control in CONTROLS.items():
        label = page.get_by_test_id("stWidgetLabel").get_by_text(control.label, exact=True)
        widget = page.get_by_test_id("stSidebar").get_by_test_id(TEST_ID[control.kind]) \
            .filter(has=label)  # exact: "Rebound" is also the start of another knob's label
        assert widget.count() == 1, control.label
        if widget.locator("[disabled]").count():
            found.add(name)
    return found


def headline(page) -> list[str]:
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def test_uploads_grey_out_the_knobs_they_replace_and_removing_them_restores(page, server):
    open_explorer(page, server, "?" + "&".join(f"{k}={v}" for k, v in LINK.items()))
    linked = headline(page)
    assert disabled_knobs(page) == set()
    page.get_by_text("Your own book").click()
    upload_file(page, "Positions", EXAMPLES / "positions.csv")
    upload_file(page, "Order book", EXAMPLES / "orderbook_btc.csv")
    page.get_by_text("Impact: your order book").wait_for()
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    assert disabled_knobs(page) == set(RULES["positions"].fields +
                                       RULES["orderbook"].fields)
    assert all(f"{k}={v}" in page.url for k, v in LINK.items()), page.url
    assert headline(page) != linked

    for _ in range(2):
        page.get_by_test_id("stFileChipDeleteBtn").first.click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE)
    page.get_by_text("Book: your positions").wait_for(state="detached")
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        ".map((e) => e.innerText).join('|') === want", arg="|".join(linked))
    assert disabled_knobs(page) == set()
    assert all(f"{k}={v}" in page.url for k, v in LINK.items()), page.url
    assert_no_exception(page)
