"""The Risk page in Debian's Chromium against `streamlit run`: reached from the Explorer
through the navigation with the scenario carried over (widgets and URL), run on the
server's own LocalCluster with the Run button, and screenshotted for a person to read."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import CHARTS, IDLE

pytestmark = pytest.mark.browser

BOOKS = 20


def test_risk_page_runs_an_ensemble_and_reads_well(page, server, artifacts):
    page.goto(f"{server}/?n=1K&tightness=0.5")
    page.wait_for_selector(IDLE)
    page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 4")

    page.get_by_role("link", name="Risk").click()
    page.wait_for_url(re.compile(r"/risk\?.*n=1K"))
    page.wait_for_selector(".st-key-run button")
    page.wait_for_selector(IDLE)
    assert "tightness=0.5" in page.url
    assert page.get_by_text("of 1,000 traders").count() == 1

    books = page.locator(".st-key-books input")
    books.fill(str(BOOKS))
    books.press("Enter")
    page.wait_for_function(
        f"document.body.innerText.includes('{BOOKS * 5} books of 1,000 traders')")
    page.wait_for_selector(IDLE)

    page.locator(".st-key-run button").click()
    # the ensemble's two charts, below the cross-margin section's, drawn before Run
    page.wait_for_function(
        "document.querySelectorAll('.cascade-chart[data-drawn]').length >= 3",
        timeout=120_000)
    page.wait_for_selector(IDLE)
    assert page.get_by_test_id("stException").count() == 0
    headline = page.locator("h5").filter(has_text="Across").inner_text()
    assert headline.startswith(f"Across {BOOKS} books per setting, a -5.0% shock ran away in")
    for title in ("Final move across the books", "How likely a runaway is"):
        assert page.get_by_text(title).count() >= 1
    assert page.get_by_test_id("stDownloadButton").count() == 1

    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": height + 40})
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "risk.png"), full_page=True)


def test_the_cross_margin_chart_draws_the_links_setup(page, entered):
    """The cross-margin section runs as the page opens (no Run button) and its chart draws
    one marker per share run for each series: 11 shares x (2 calm markets, 2 shares, bad
    debt)."""
    page.goto(f"{entered}/risk?cross_market=ETH&cross_fall=-20")
    page.wait_for_selector(IDLE)
    chart = page.locator(".st-key-chart-cross-share")
    chart.locator(".cascade-chart[data-drawn] .main-svg").first.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE)
    assert page.get_by_test_id("stException").count() == 0
    headline = page.locator("h5").filter(has_text="own path falls").inner_text()
    assert headline.startswith("ETH's own path falls 20% over 600 s: with 0% of open interest "
                               "in cross accounts BTC and ALT do not move;")
    assert "What the cross share does" in chart.inner_text()
    assert chart.locator(".scatterlayer .point").count() == 11 * 5
