"""The Explorer in Debian's Chromium against `streamlit run`: it loads, draws four charts,
reruns within a second when a slider moves, keeps the URL in step, and is screenshotted."""

from __future__ import annotations

import re
import shutil
import statistics

import pytest

from cascade import PRESETS, Scenario
from tests.browser.conftest import IDLE

pytestmark = pytest.mark.browser

# an Explorer chart (cascade_ui/plot.py): one plotly.js div, kept across reruns
CHART = ".cascade-chart"
CHART_TITLES = ["Price path", "Liquidation waves", "Leverage", "Liquidation map"]
RERUN_BUDGET_MS = 1000.0

# Armed before a key press: resolves with the milliseconds from the keydown to the page
# painted with everything the rerun changed: the script ran and finished, the headline shows
# new numbers, and every chart whose figure changed has been redrawn (plot.js counts draws in
# flight in window.cascadeChartsPending and fires "cascade-charts-drawn" when none is left),
# two animation frames later. Charts draw one after another, some after the script's end,
# so the timer waits until no draw has begun for SETTLE_MS and reports the last paint.
SETTLE_MS = 300
ARM_RERUN_TIMER = """() => {
  window.__rerun = new Promise((resolve) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const headline = () => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
      .map((e) => e.innerText).join('|');
    const before = headline();
    const drawing = () => (window.cascadeChartsPending || 0) > 0;
    let start = null, sawRunning = false, finished = false, painted = null, quiet = null;
    document.addEventListener('keydown', () => { start = performance.now(); },
                              {capture: true, once: true});
    const settle = () => {
      clearTimeout(quiet);
      requestAnimationFrame(() => requestAnimationFrame(() => {
        if (drawing()) return;  // "cascade-charts-drawn" calls settle again
        painted = performance.now();
        quiet = setTimeout(() => {
          if (drawing()) return;
          window.removeEventListener('cascade-charts-drawn', settle);
          finished = true;
          resolve({ms: painted - start, before, after: headline()});
        }, %d);
      }));
    };
    const observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.attributeName === 'data-test-script-state' &&
            (r.oldValue === 'running' || app.getAttribute('data-test-script-state') === 'running'))
          sawRunning = true;
      }
      if (start !== null && sawRunning &&
          app.getAttribute('data-test-script-state') === 'notRunning' && headline() !== before) {
        observer.disconnect();
        window.addEventListener('cascade-charts-drawn', settle);
        settle();
      }
    });
    observer.observe(document.body, {attributes: true, attributeOldValue: true,
                                     childList: true, subtree: true, characterData: true});
    // a rerun that never repaints is a failure with the page's state, not a hung test
    setTimeout(() => { if (finished) return; observer.disconnect();
      resolve({ms: Infinity, before, after: headline(), timedOut: true,
               state: app.getAttribute('data-test-script-state'), sawRunning,
               drawing: drawing()}); },
      30000);
  });
}""" % SETTLE_MS


def open_explorer(page, server, query: str = ""):
    page.goto(f"{server}/{query}")
    # four charts each drawn (plot.js marks a chart data-drawn once Plotly has drawn its
    # figure), or an alert
    page.wait_for_function(
        f"document.querySelectorAll('{CHART}[data-drawn]').length >= 4"
        " || document.querySelector('[data-testid=stAlert]') !== null")
    page.wait_for_selector(IDLE)
    return page


def assert_no_exception(page):
    assert page.get_by_test_id("stException").count() == 0, \
        page.get_by_test_id("stException").first.inner_text()


def move_slider(page, key: str, presses: list[str]) -> list[float]:
    """Press keys on the slider thumb of widget `key`, one rerun each; return each
    rerun's time in ms (see ARM_RERUN_TIMER)."""
    thumb = page.locator(f".st-key-{key} input[type=range]")
    times = []
    for key_name in presses:
        thumb.focus()
        page.evaluate(ARM_RERUN_TIMER)
        page.keyboard.press(key_name)
        outcome = page.evaluate("window.__rerun")
        assert not outcome.get("timedOut"), f"no repaint 30 s after pressing {key_name}: {outcome}"
        assert outcome["after"] != outcome["before"]
        times.append(outcome["ms"])
        page.wait_for_selector(IDLE)
    return times


def full_page_screenshot(page, path):
    """Streamlit scrolls inside its main block, so grow the viewport to the content."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": max(1000, int(height))})
    page.wait_for_timeout(800)  # charts resize to the new viewport
    page.screenshot(path=str(path), full_page=True)


def test_page_loads_with_its_headline(page, server):
    open_explorer(page, server)
    assert_no_exception(page)
    assert page.title() == "Cascade Lab"
    assert page.get_by_role("heading", name="Liquidation cascade explorer").is_visible()
    values = page.get_by_test_id("stMetricValue").all_inner_texts()
    result = Scenario().run()
    assert values[0] == f"{result.total_move * 100:+.1f}%"
    assert len(values) == 8  # the six headline figures, then the two beside the response curve
    assert page.get_by_text(re.compile(r"^Runaway:")).count() >= 1


def test_the_five_charts_are_drawn(page, server):
    open_explorer(page, server)
    charts = page.locator(CHART)
    assert charts.count() == 5  # the response curve, then the four of the run
    titles = []
    for i in range(5):
        chart = charts.nth(i)
        assert chart.locator("svg.main-svg").count() >= 1
        # bars or lines actually drawn, not an empty frame
        assert chart.locator(".barlayer .point, .scatterlayer .trace path.js-line").count() > 0
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 300
        titles.append(chart.locator(".gtitle").first.text_content())
        # the project's toolbar, and nothing that would send the data to Plotly's cloud
        assert chart.locator(".modebar-btn").evaluate_all(
            "(bs) => bs.map((b) => b.getAttribute('data-title'))") == \
            ["Download plot as a PNG", "Zoom", "Pan", "Reset axes", "Full screen"]
    for expected in CHART_TITLES:
        assert any(t.startswith(expected) for t in titles), (expected, titles)


def test_a_chart_goes_full_screen_for_a_projector_and_comes_back(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_explorer(page, server)
    chart = page.locator(CHART).first
    drawn = "(c) => [c.querySelector('.main-svg').getAttribute('width'), " \
            "c.querySelector('.main-svg').getAttribute('height')].map(Number)"
    on_page = chart.evaluate(drawn)
    chart.hover()
    chart.locator(".modebar-btn[data-title='Full screen']").click()
    page.wait_for_function(f"document.fullscreenElement?.matches('{CHART}')")
    page.wait_for_function(f"Number(document.querySelector('{CHART} .main-svg')"
                           ".getAttribute('height')) === 720")
    assert chart.evaluate(drawn) == [1280, 720]  # redrawn at the screen's size
    page.evaluate("document.exitFullscreen()")
    page.wait_for_function(f"Number(document.querySelector('{CHART} .main-svg')"
                           f".getAttribute('height')) === {on_page[1]}")
    assert chart.evaluate(drawn) == on_page


def test_a_slider_move_redraws_the_same_charts_in_place(page, server):
    """The charts are updated (Plotly.react), not rebuilt: the same plot elements stay on
    the page and show the new cascade."""
    open_explorer(page, server)
    page.evaluate(f"document.querySelectorAll('{CHART}').forEach((c, i) => c.__tag = i + 1)")
    # and Plotly's own drawing surface: a chart rebuilt from nothing (Plotly.newPlot, or a
    # Plotly.react that saw a changed config) would replace it
    page.evaluate(f"document.querySelectorAll('{CHART} svg.main-svg').forEach((s) => s.__tag = 1)")
    drawn = page.locator(CHART).evaluate_all("(cs) => cs.map((c) => c.dataset.drawn)")
    path = page.locator(CHART).first.locator(".scatterlayer .js-line").last.get_attribute("d")
    move_slider(page, "shock", ["ArrowLeft"])
    assert page.evaluate(f"[...document.querySelectorAll('{CHART}')].map((c) => c.__tag)") \
        == [1, 2, 3, 4, 5]
    assert page.evaluate(f"[...document.querySelectorAll('{CHART} svg.main-svg')]"
                         ".every((s) => s.__tag === 1)")
    redrawn = page.locator(CHART).evaluate_all("(cs) => cs.map((c) => c.dataset.drawn)")
    assert all(new != old for new, old in zip(redrawn, drawn)), (drawn, redrawn)
    assert page.locator(CHART).first.locator(".scatterlayer .js-line").last \
        .get_attribute("d") != path


@pytest.mark.timing  # asserts a time: run alone (pytest.ini)
def test_moving_a_slider_reruns_within_a_second_and_updates_the_url(page, server):
    open_explorer(page, server)
    shock = move_slider(page, "shock", ["ArrowLeft", "ArrowLeft", "ArrowRight",
                                        "ArrowRight", "ArrowLeft"])
    tightness = move_slider(page, "tightness", ["ArrowLeft", "ArrowRight", "ArrowLeft"])
    depth = move_slider(page, "depth", ["ArrowLeft", "ArrowRight", "ArrowLeft"])
    assert_no_exception(page)
    times = shock + tightness + depth
    print(f"\nrerun after a slider move at n=10,000 (ms): shock {[round(t) for t in shock]}, "
          f"tightness {[round(t) for t in tightness]}, depth {[round(t) for t in depth]}; "
          f"median {statistics.median(times):.0f}, max {max(times):.0f}")
    # every move, not only the median, within the budget (as this test asserted before
    # issue 7; the charts now update in place, cascade_ui/plot.py)
    assert max(times) < RERUN_BUDGET_MS, times
    # the URL now holds the moved knobs, in the Scenario's own units
    page.wait_for_function("location.search.includes('depth=')")
    query = page.evaluate("location.search")
    assert "shock=-0.055" in query and "tightness=0.85" in query and "depth=50M" in query
    # and that URL, opened afresh, reproduces the page
    headline = page.get_by_test_id("stMetricValue").all_inner_texts()
    fresh = page.context.new_page()
    open_explorer(fresh, server, query)
    assert fresh.get_by_test_id("stMetricValue").all_inner_texts() == headline
    expected = Scenario(shock=-0.055, tightness=0.85, depth=50e6).run()
    assert headline[0] == f"{expected.total_move * 100:+.1f}%"


def test_screenshot_of_the_default_scenario(page, server, artifacts):
    open_explorer(page, server)
    assert_no_exception(page)
    assert page.get_by_test_id("stAlert").count() == 0  # no error boxes
    path = artifacts / "explorer.png"
    full_page_screenshot(page, path)
    assert path.stat().st_size > 50_000
    print(f"\nscreenshot: {path}")


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_from_the_picker(page, server, artifacts, name):
    open_explorer(page, server)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=name).click()
    page.get_by_text(f"Showing: {name}").wait_for()
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    expected = PRESETS[name].run()
    assert page.get_by_test_id("stMetricValue").first.inner_text() == \
        f"{expected.total_move * 100:+.1f}%"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    full_page_screenshot(page, artifacts / f"explorer-{slug}.png")


def test_a_bad_combination_shows_an_error_not_a_traceback(page, server):
    open_explorer(page, server, "?maintenance_margin=0.05")
    assert_no_exception(page)
    alert = page.get_by_test_id("stAlert")
    assert alert.count() == 1
    assert "Maintenance margin" in alert.inner_text()
    assert page.locator(CHART).count() == 0
