"""The Contagion page's report in Debian's Chromium against `streamlit run`: the button's
download (built by the server when clicked) is the report of the run the page shows, and the
file, opened offline, draws both charts without an error and fits a 390 px phone
(screenshots artifacts/contagion-report-*.png)."""

from __future__ import annotations

import re

import pytest

from cascade.contagion import Contagion
from cascade_view import contagion_figures
from cascade_view.contagion_report import contagion_report
from tests.browser.conftest import IDLE, drawn

pytestmark = pytest.mark.browser


def _undated(page: str) -> str:
    return re.sub(r"made \d{4}-\d\d-\d\d \d\d:\d\d UTC", "made (time)", page)


def test_the_report_download_is_the_shown_run_and_opens_offline(page, browser, entered,
                                                                  artifacts, tmp_path):
    page.goto(f"{entered}/contagion?shocked=ETH&fall=-20&cross=80")
    page.wait_for_selector(IDLE)
    drawn(page, 2)
    setup = Contagion(shocked="ETH", fall=-0.2, cross_share=0.8, accounts=100_000)
    result = setup.run()
    expected = [m.value for m in contagion_figures.metrics(result)]
    assert page.get_by_test_id("stMetricValue").all_inner_texts() == expected
    button = page.get_by_role("button", name="Download the report (HTML)")
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    download = caught.value
    assert download.suggested_filename == "cascade-contagion-report.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert _undated(text) == _undated(contagion_report(setup, result))

    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      offline=True)
        view = context.new_page()
        errors = []
        view.on("pageerror", lambda error: errors.append(str(error)))
        try:
            view.goto(saved.as_uri())
            view.wait_for_function("document.querySelectorAll('.chart .main-svg').length >= 2")
            assert not errors, errors
            assert view.evaluate("document.documentElement.scrollWidth") <= width
            height = view.evaluate("document.documentElement.scrollHeight")
            view.set_viewport_size({"width": width, "height": height})
            view.screenshot(path=str(artifacts / f"contagion-report-{width}.png"),
                            full_page=True)
        finally:
            context.close()
