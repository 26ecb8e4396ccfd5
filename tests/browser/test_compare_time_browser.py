"""Compare in time, in Chromium against `streamlit run`: a link with the shared clock
(clock_<field>) opens both time charts beside the other three, with no exception and no
text cut or overlapping (tests/browser/layout_check.py), at 1280 and 390 px; the "Under a
clock" button turns them on from the default page."""

from __future__ import annotations

import pytest

from cascade import Scenario
from cascade_view import story
from cascade_view.knobs import KNOBS
from tests.browser.conftest import CHARTS, IDLE
from tests.browser.test_pages_layout_browser import SCREENS, problems, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("entered")]

DEFAULT = Scenario()
CLOCK_QUERY = "&".join(f"clock_{name}={KNOBS[name].url_text(value)}"
                       for name, value in story.COMPARE_CLOCK.items()
                       if value != getattr(DEFAULT, name))
TITLES = ("Price in time: A and B", "Liquidations per 10 s: A and B")


def chart_titles(page) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll('{CHARTS}')].map((c) => "
                         "(c.querySelector('.gtitle') || {textContent: ''}).textContent)")


@pytest.mark.parametrize("screen", ["1280", "390"], ids=["1280px", "390px"])
def test_a_clock_link_shows_both_crowds_in_time(browser, entered, artifacts, screen):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{entered}/compare?{CLOCK_QUERY}")
        settle(page, 5)
        assert page.get_by_test_id("stException").count() == 0
        assert page.get_by_test_id("stAlert").count() == 0  # the link is read as written
        assert page.locator(CHARTS).count() == 5
        titles = chart_titles(page)
        for title in TITLES:
            assert any(t.startswith(title) for t in titles), titles
        a, b = (Scenario(tightness=t, **story.COMPARE_CLOCK).run() for t in (0.0, 1.0))
        page.get_by_text(story.timed_contrast(a, b)).wait_for()
        assert problems(page) == []
        screenshot(page, artifacts / f"compare-time-{screen}.png",
                   SCREENS[screen]["viewport"]["width"])
    finally:
        context.close()
    assert errors == []


def test_the_clock_button_turns_the_time_charts_on(browser, entered):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{entered}/compare")
        settle(page, 4)
        page.get_by_text("Clock for both A and B").click()
        page.get_by_role("button", name="Under a clock").click()
        page.wait_for_function(
            f"[...document.querySelectorAll('{CHARTS}')].some((c) => c.querySelector('.gtitle')"
            f" && c.querySelector('.gtitle').textContent.startsWith('{TITLES[0]}'))")
        page.wait_for_selector(IDLE)
        assert "clock_resilience_half_life=20" in page.url
        assert "clock_engine_rule=hyperliquid" in page.url
    finally:
        context.close()
