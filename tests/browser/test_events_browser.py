"""The Events page in Debian's Chromium against `streamlit run`: reached through the
navigation, one event at a time with the event in the URL, the observed-beside-model table,
the three charts drawn, and a link that opens the replay on the Explorer exactly."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from cascade.events import EVENTS
from cascade.replay import compare, replay_scenario
from cascade_view.events_figures import figure_text
from cascade_view.knobs import url_params
from tests.browser.conftest import CHARTS, IDLE, drawn

pytestmark = pytest.mark.browser


def test_events_page_switches_event_and_opens_the_replay_on_the_explorer(page, entered,
                                                                          artifacts):
    page.goto(entered)
    page.wait_for_selector(IDLE)
    page.get_by_role("link", name="Events").click()
    page.wait_for_url(re.compile(r"/events"))
    drawn(page, 3)
    assert page.get_by_test_id("stException").count() == 0
    table = page.locator("[data-testid=stMarkdownContainer] table").first
    assert table.locator("th").all_inner_texts() == ["figure", "observed (source; scope)",
                                                      "model"]
    oct_low = figure_text(next(r for r in compare("2025-10-10")
                               if r.target.key == "low").model, "move")
    assert oct_low in table.inner_text()

    march = EVENTS["2020-03-12"]
    page.locator(".st-key-event").get_by_text(march.title, exact=True).click()
    page.wait_for_function("document.body.innerText.includes('insurance fund drawn')")
    drawn(page, 3)
    assert "event=12-13+Mar+2020" in page.url or "event=12-13%20Mar%202020" in page.url
    rows = compare("2020-03-12")
    text = page.locator("[data-testid=stMarkdownContainer] table").first.inner_text()
    assert page.get_by_text("the timed engine does not run ADL yet").count() == 0
    for row in rows:
        assert figure_text(row.model, row.target.unit) in text
    assert "lowest price" in text and "move after 45 minutes" not in text

    link = page.get_by_role("link", name="Open this replay on the Explorer")
    query = dict(parse_qsl(urlsplit(link.get_attribute("href")).query))
    assert query == url_params(replay_scenario("2020-03-12"))
    page.goto(f"{entered}/?{urlsplit(link.get_attribute('href')).query}")
    page.wait_for_selector(IDLE)
    page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 4")
    assert page.get_by_test_id("stException").count() == 0
    # nothing in the link was snapped or dropped: no link notice on the Explorer
    assert page.get_by_text("Link: ").count() == 0
    page.screenshot(path=str(artifacts / "events-explorer-march.png"))
