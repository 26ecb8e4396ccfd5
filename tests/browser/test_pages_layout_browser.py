"""Every page reads in full where it is shown (issue 16 item 7): on a 1024x768 and a
1280x720 projector and a 390 px phone, measured in Chromium in the page a user sees.

One server, one browser context per screen, every page in turn: the Explorer (default and
the 10-11 Oct preset, whose venue charts show), Phase, Compare, Learn (before and after
Play), Risk (after a run) and Events. On each, no element cuts its text and no chart text leaves
its chart, overlaps other text or sits on the data (tests/browser/layout_check.py); Learn
in present mode fits a 1280x720 window. Screenshots of every page at the three widths go to
artifacts/layout-<page>-<width>.png.
"""

from __future__ import annotations

import pytest

from cascade import PRESETS, Scenario
from cascade_view import story
from cascade_view.knobs import url_params
from tests.browser.conftest import CHARTS, IDLE
from tests.browser.layout_check import CHART_TEXT, CLIPPED_TEXT

pytestmark = pytest.mark.browser

SCREENS = {"1024": dict(viewport={"width": 1024, "height": 768}),
           "1280": dict(viewport={"width": 1280, "height": 720}),
           "390": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)}
OCT = "10-11 Oct 2025: small fund, slow engine, ADL"
OCT_QUERY = "?" + "&".join(f"{k}={v}" for k, v in url_params(PRESETS[OCT]).items())
PAGES = {  # name: (path and query, charts drawn)
    "explorer": ("", 5),  # the response curve, then the four charts
    "explorer-oct": (OCT_QUERY, 7),
    "phase": ("phase", 2),
    "compare": ("compare", 4),
    "learn": ("learn", 2),
    # 77 engine steps, each a wave: the slider and the legend must still read
    "learn-oct": ("learn" + OCT_QUERY, 2),
    "risk": ("risk?n=1K&books=10", 1),  # the cross-share chart draws before Run
    "events": ("events", 3),  # the 10-11 Oct replay: its table and three charts
}
PRESENT = (1280, 720)
# a wide page is screenshotted this high at most (the Explorer with its tabs is about 5000)
SHOT_HEIGHT_MAX = 9000


def settle(page, charts: int) -> None:
    """Wait until the run is over and `charts` charts (and every chart on the page) are
    drawn, then for the layout to settle at its final width."""
    page.wait_for_selector(IDLE)
    page.wait_for_function(
        f"[...document.querySelectorAll('{CHARTS}')].filter((c) => c.querySelector("
        f"'.main-svg')).length >= {charts}"
        " || document.querySelector('[data-testid=stAlert] .stException') !== null")
    page.wait_for_selector(IDLE)
    page.evaluate("document.fonts.ready.then(() => true)")
    # charts redraw when their column settles at its final width, and place their titles
    # after: wait until two looks 400 ms apart find the same widths and title boxes
    widths = None
    for _ in range(20):
        page.wait_for_timeout(400)
        now = page.evaluate("[...document.querySelectorAll('.main-svg, .gtitle, "
                            ".gtitle-subtitle')].map((s) => { const r = "
                            "s.getBoundingClientRect(); return [r.left, r.width]; })")
        if now == widths:
            break
        widths = now


def problems(page) -> list[str]:
    return page.evaluate(CLIPPED_TEXT) + page.evaluate(CHART_TEXT)


def screenshot(page, path, width: int) -> None:
    """The whole page: the window is made as tall as the page's scrolling main area."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(int(height), 700),
                                                           SHOT_HEIGHT_MAX)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000


def play_to_the_end(page, steps: int) -> None:
    chart = page.locator(CHARTS).first
    chart.scroll_into_view_if_needed()
    chart.get_by_text("Play").click()
    page.wait_for_function(
        f"[...document.querySelectorAll('{CHARTS}')].some((c) => c.querySelector('.gtitle')"
        f" && c.querySelector('.gtitle').textContent.startsWith('Step {steps} of {steps}'))",
        timeout=60_000)
    page.wait_for_timeout(800)  # the last frame's transition


@pytest.mark.parametrize("screen", list(SCREENS), ids=[f"{w}px" for w in SCREENS])
def test_every_page_reads_in_full(browser, entered, artifacts, screen):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors, found = [], {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    width, height = SCREENS[screen]["viewport"].values()
    steps = len(story.wave_sentences(Scenario().run()))
    try:
        for name, (path, charts) in PAGES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{entered}/{path}")
            settle(page, charts)
            if name == "risk":
                page.locator(".st-key-run button").click()
                page.wait_for_function(
                    "document.querySelectorAll('.cascade-chart[data-drawn]').length >= 3")
                settle(page, 3)
            assert page.get_by_test_id("stException").count() == 0, name
            found[name] = problems(page)
            if name == "learn":
                play_to_the_end(page, steps)
                found["learn after Play"] = problems(page)
            screenshot(page, artifacts / f"layout-{name}-{screen}.png", width)
    finally:
        context.close()
    assert {name: cut for name, cut in found.items() if cut} == {}
    assert errors == []


def test_learn_present_mode_fits_a_720_px_projector(browser, entered, artifacts):
    context = browser.new_context(viewport=dict(zip(("width", "height"), PRESENT)))
    page = context.new_page()
    page.set_default_timeout(90_000)
    steps = story.wave_sentences(Scenario().run())
    try:
        page.goto(f"{entered}/learn?present=1")
        settle(page, 2)
        chart = page.locator(CHARTS).first
        assert chart.bounding_box()["height"] <= PRESENT[1] - 60  # below Streamlit's bar
        assert problems(page) == []
        play_to_the_end(page, len(steps))
        assert problems(page) == []
        # the figure names the step it shows: the last, with the last sentence
        subtitle = "".join(chart.locator(".gtitle-subtitle").all_text_contents())
        assert subtitle.replace(" ", "") == steps[-1].replace(" ", "")  # lines join unspaced
        assert chart.locator(".gtitle").text_content().startswith(
            f"Step {len(steps)} of {len(steps)}")
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "layout-learn-present-1280x720.png"))
    finally:
        context.close()


def test_the_checks_see_what_they_look_for(browser, entered):
    """Not blind: a download label cut by an ellipsis, a subtitle too long for its chart and
    a label placed on the bars are each reported."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(entered)
        settle(page, 4)
        assert problems(page) == []
        page.evaluate("""() => {
            const b = document.querySelector('[data-testid=stDownloadButton] button p');
            b.style.cssText = 'white-space: nowrap !important; overflow: hidden !important;' +
                              'text-overflow: ellipsis !important; width: 30px; display: block';
            const charts = document.querySelectorAll('.js-plotly-plot');
            const map = charts[charts.length - 1];  // the liquidation map: bars at the foot
            return Plotly.relayout(map, {'title.subtitle.text': 'x'.repeat(300),
              annotations: [{text: 'On the bars', x: 0.1, y: 0, xref: 'paper',
                             yref: 'paper', yanchor: 'bottom', showarrow: false}]});
        }""")
        page.wait_for_timeout(500)
        found = problems(page)
        assert any(line.startswith('clipped: "Scenario (JSON)') for line in found), found
        assert any("leaves the chart" in line for line in found), found
        assert any('"On the bars" over' in line for line in found), found
    finally:
        context.close()
