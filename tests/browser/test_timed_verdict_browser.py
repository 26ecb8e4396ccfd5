"""The timed verdict in Chromium (issue 17, section 3): with the clock on, the headline's
deciding number reads "Timed R × p" in full on projectors, a wide screen and a phone, it is
the model's timed ratio rounded down, and the verdict's words are on its side of 1."""

from __future__ import annotations

import pytest

import cascade
from cascade.analysis import analyse_book
from cascade_view import headline, knobs
from tests.browser.test_layout_browser import CLIPPED_METRIC_TEXT, PHONE, SCREENS, open_at
from tests.browser.test_explorer_browser import assert_no_exception

pytestmark = pytest.mark.browser

# A -4.5% fall over 60 s, a $2M/s engine and a 20 s refill: the book's R is 12 at the
# crowd's wall, but only about 7% of the forced selling is on the price at its lowest: held.
HELD = cascade.Scenario(shock=-0.045, path="fall", engine_rate=2e6, resilience_half_life=20.0)
QUERY = "?" + "&".join(f"{k}={v}" for k, v in knobs.url_params(HELD).items())


@pytest.mark.parametrize("size", [*SCREENS, None], ids=[*(f"{w}x{h}" for w, h in SCREENS),
                                                        "phone"])
def test_the_timed_ratio_reads_in_full_beside_its_verdict(browser, server, size):
    analysis = analyse_book(HELD, HELD.book())
    expected = headline.ratio_text(analysis.deciding_ratio)
    assert not analysis.runaway and analysis.peak_branching_ratio >= 1  # the case it shows
    page = open_at(browser, server, size, QUERY, **({} if size else PHONE))
    try:
        assert_no_exception(page)
        cards = {card.get_by_test_id("stMetricLabel").inner_text().strip():
                 card.get_by_test_id("stMetricValue").inner_text().strip()
                 for card in page.get_by_test_id("stMetric").all()}
        assert cards[headline.TIMED_RATIO_LABEL] == expected
        assert "Peak R" not in cards
        assert page.evaluate(CLIPPED_METRIC_TEXT) == []
        verdict = page.get_by_text("Held on the fall:").first
        assert verdict.is_visible()
        assert f"R × p is {expected}, below 1" in page.inner_text("[data-testid=stMain]")
    finally:
        page.context.close()
