"""The Explorer's Time section in Debian's Chromium (issue 17 section 3): a clock link draws
the section's figures and its three charts beside the page's five, every text in full (no
clipped metric, no chart text over another) on a 1280 px projector and a 390 px phone, and a
screenshot of the section alone goes to artifacts/explorer-time-<width>.png (the ones in
docs/ are these)."""

from __future__ import annotations

import pytest

from cascade import Scenario
from cascade_view.formats import pct, seconds, usd
from tests.browser.test_pages_layout_browser import SCREENS, problems, settle

pytestmark = pytest.mark.browser

LINK = ("?path=fall_then_rebound&fall_seconds=60&rebound=0.05&rebound_seconds=120"
        "&resilience_half_life=20&engine_rate=20000000")
SCENARIO = Scenario(path="fall_then_rebound", fall_seconds=60.0, rebound=0.05,
                    rebound_seconds=120.0, resilience_half_life=20.0, engine_rate=20e6)
SECTION = "Time: the cascade in seconds"
TIME_TITLES = ["Price in time: the path and the trade", "Liquidations per second",
               "The engine's queue in time"]
CHARTS_DRAWN = 5 + len(TIME_TITLES)  # the response curve and four charts, then the time ones

# the section's top (its title) and bottom (its last chart), in page pixels
SECTION_BOX = """(title) => {
  const h = [...document.querySelectorAll('h3')].find((e) => e.textContent.includes(title));
  const charts = document.querySelector('.st-key-time-charts');
  const top = h.getBoundingClientRect().top, bottom = charts.getBoundingClientRect().bottom;
  return [top + window.scrollY, bottom + window.scrollY];
}"""


@pytest.mark.parametrize("screen", ["1280", "390"], ids=["1280px", "390px"])
def test_a_clock_link_draws_the_time_section_in_full(browser, entered, artifacts, screen):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    result = SCENARIO.run()
    try:
        page.goto(f"{entered}/{LINK}")
        settle(page, CHARTS_DRAWN)
        assert page.get_by_test_id("stException").count() == 0
        page.get_by_role("heading", name=SECTION).wait_for()
        titles = page.locator(".cascade-chart .gtitle").all_text_contents()
        assert all(title in titles for title in TIME_TITLES), titles
        assert "Insurance fund and bad debt in time" not in titles  # no accounts kept
        values = page.get_by_test_id("stMetricValue").all_inner_texts()
        for value in (usd(result.peak_minute_notional), seconds(result.clear_seconds),
                      pct(result.slippage, 2, signed=False), "not kept"):
            assert value in values, (value, values)
        assert problems(page) == []
        width = SCREENS[screen]["viewport"]["width"]
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": int(height)})
        page.wait_for_timeout(1500)  # the charts redraw at the window's new height
        top, bottom = page.evaluate(SECTION_BOX, SECTION)
        shot = artifacts / f"explorer-time-{screen}.png"
        page.screenshot(path=str(shot), clip={"x": 0, "y": max(top - 16, 0), "width": width,
                                              "height": bottom - top + 32})
        assert shot.stat().st_size > 20_000
    finally:
        context.close()
    assert errors == []
