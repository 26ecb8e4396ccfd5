"""The Contagion page in Debian's Chromium against `streamlit run`: reached through the
navigation, the headline is the run's, both charts drawn, the isolated switch takes cross
margin away; no clipped text at 1920, 1280, 1024 and 390 px; screenshots at 1280 and 390 px
(artifacts/contagion-*.png)."""

from __future__ import annotations

import re

import pytest

from cascade.contagion import Contagion
from cascade_view import contagion_figures
from tests.browser.conftest import IDLE, drawn
from tests.browser.layout_check import CHART_TEXT, CLIPPED_TEXT

pytestmark = pytest.mark.browser


def metric_values(page) -> list[str]:
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def _run(isolated: bool):
    setup = Contagion(accounts=100_000)
    book = setup.book()
    return setup.run(book.isolated() if isolated else book)


def test_contagion_page_headline_switch_and_screenshots(page, browser, entered, artifacts):
    page.goto(entered)
    page.wait_for_selector(IDLE)
    page.get_by_role("link", name="Contagion").click()
    page.wait_for_url(re.compile(r"/contagion"))
    drawn(page, 2)
    assert page.get_by_test_id("stException").count() == 0
    expected = [m.value for m in contagion_figures.metrics(_run(False))]
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetricValue]')"
                           f".length >= {len(expected)}")
    assert metric_values(page) == expected
    assert "95.4%" in page.locator("[data-testid=stMain]").inner_text()

    alone = [m.value for m in contagion_figures.metrics(_run(True))]
    page.locator(".st-key-isolated").get_by_text("Same book, isolated").click()
    page.wait_for_function("document.location.search.includes('isolated')")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stMetricValue]')]"
        f".map((e) => e.innerText).join('|') === {('|'.join(alone))!r}")
    drawn(page, 2)
    assert metric_values(page) == alone

    # every width the house checks: no clipped text, no chart text cut; screenshots
    for width, height, mobile in ((1920, 1080, False), (1280, 720, False),
                                  (1024, 768, False), (390, 844, True)):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=mobile, has_touch=mobile)
        view = context.new_page()
        view.set_default_timeout(60_000)
        try:
            view.goto(f"{entered}/contagion")
            drawn(view, 2)
            view.wait_for_timeout(1200)  # charts redraw at their column's final width
            assert view.evaluate(CLIPPED_TEXT) + view.evaluate(CHART_TEXT) == [], width
            if width in (1280, 390):
                tall = view.evaluate(
                    "document.querySelector('[data-testid=stMain]').scrollHeight")
                view.set_viewport_size({"width": width, "height": max(int(tall), 700)})
                view.wait_for_timeout(800)
                view.screenshot(path=str(artifacts / f"contagion-{width}.png"),
                                full_page=True)
        finally:
            context.close()
