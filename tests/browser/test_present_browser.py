"""?present=1 on the Explorer and Compare in Debian's Chromium (issue 16): no sidebar, the
response curve drawn, metric values larger than their labels, no downloads on the Explorer."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHARTS, IDLE

# every test opens pages by their path, inside the app frame (conftest.entered)
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("entered")]


@pytest.mark.parametrize("path, charts", [("?present=1", 5), ("compare?present=1", 4)])
def test_present_mode_on_the_explorer_and_compare(page, server, artifacts, path, charts):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/{path}")
    page.wait_for_function(
        f"[...document.querySelectorAll('{CHARTS}')].filter((c) => c.querySelector('.main-svg'))"
        f".length >= {charts}", timeout=60_000)
    page.wait_for_selector(IDLE)
    assert page.get_by_test_id("stException").count() == 0
    assert not page.get_by_test_id("stSidebar").is_visible()
    titles = page.locator(f"{CHARTS} .gtitle").all_text_contents()
    assert "Response curve: final move against shock" in titles
    value = page.get_by_test_id("stMetricValue").first
    label = page.get_by_test_id("stMetricLabel").first
    size = "(e) => parseFloat(getComputedStyle(e).fontSize)"
    if path.startswith("?"):
        assert value.evaluate(size) > label.evaluate(size)
        assert page.get_by_test_id("stDownloadButton").count() == 0
    page.screenshot(path=str(artifacts / f"present-{path.split('?')[0] or 'explorer'}.png"))
