"""The Phase diagram with the clock on (issue 17): a link that turns the clock on gets a
grid of timed runs, each cell the cell's own Scenario.run(), never a silent instant answer;
the colour bar and a caption say the colour is the price at the timed run's end."""

from __future__ import annotations

import numpy as np

import cascade
from cascade import Scenario
from cascade_view import axes
from cascade_view.phase_figures import TIMED_MOMENT
from cascade_view.text import doc
from tests.app.apptools import charts
from tests.app.test_new_pages import PHASE, assert_healthy, heatmap, open_page

CLOCK = dict(path="fall", fall_seconds=60.0, engine_rate=20e6, resilience_half_life=20.0)


def test_a_clock_link_draws_the_timed_grid_and_says_when_it_is_read(app):
    at = open_page(app, PHASE, n="10K", tightness="0.5", metric="Final move", path="fall",
                   fall_seconds="60", engine_rate="20M", resilience_half_life="20")
    assert_healthy(at, {"phase", "knobs"})
    scenario = Scenario(tightness=0.5, **CLOCK)
    assert scenario.clock
    x, y = axes.axis("shock", scenario), axes.axis("tightness", scenario)
    spec = charts(at)["phase"]
    expected = cascade.phase_grid(scenario, x.values, y.values)
    np.testing.assert_array_equal(heatmap(spec), expected * 100)
    # not the instant model's grid: the page ran the path and the engine's rate
    instant = cascade.phase_grid(scenario.replace(path="jump", engine_rate=0.0,
                                                  resilience_half_life=0.0),
                                 x.values, y.values)
    assert not np.array_equal(heatmap(spec), instant * 100)
    bar = [t for t in spec["data"] if t["type"] == "heatmap"][0]["colorbar"]["title"]["text"]
    assert bar == f"Final move (%)<br>{TIMED_MOMENT}"
    assert any(doc("clock", "phase").strip() == c.value.strip() for c in at.caption)


def test_without_the_clock_the_page_says_nothing_of_it(app):
    at = open_page(app, PHASE, n="10K", metric="Final move")
    assert_healthy(at, {"phase", "knobs"})
    bar = [t for t in charts(at)["phase"]["data"]
           if t["type"] == "heatmap"][0]["colorbar"]["title"]["text"]
    assert bar == "Final move (%)"
    assert not any(doc("clock", "phase").strip() == c.value.strip() for c in at.caption)


def test_the_knob_pickers_offer_numeric_knobs_only_and_a_clock_axis_runs_timed_cells(app):
    """A text or yes/no knob (price path, venue rule, tiers, ADL) cannot be an axis: picking
    one raised a TypeError on the page. A clock knob can, and its cells are timed runs."""
    at = open_page(app, PHASE, n="10K", metric="Final move")
    options = at.selectbox(key="y_knob").options
    for text in ("Price path", "Venue's liquidation rule", "Maintenance-margin tiers",
                 "Auto-deleveraging (ADL)"):
        assert text not in options
    at.selectbox(key="y_knob").set_value("resilience_half_life").run()
    assert_healthy(at, {"phase", "knobs"})
    scenario = Scenario()
    x, y = axes.axis("shock", scenario), axes.axis("resilience_half_life", scenario)
    spec = charts(at)["knobs"]
    np.testing.assert_array_equal(heatmap(spec), cascade.sweep(
        scenario, "shock", x.values, "resilience_half_life", y.values) * 100)
    bar = [t for t in spec["data"] if t["type"] == "heatmap"][0]["colorbar"]["title"]["text"]
    assert bar == f"Final move (%)<br>{TIMED_MOMENT}"
    # a clock knob that turns nothing on with the rest of the sidebar (a fall's seconds
    # under a jump) leaves every cell instant, and the colour bar says nothing of time
    at.selectbox(key="y_knob").set_value("fall_seconds").run()
    assert_healthy(at, {"phase", "knobs"})
    bar = [t for t in charts(at)["knobs"]["data"]
           if t["type"] == "heatmap"][0]["colorbar"]["title"]["text"]
    assert bar == "Final move (%)"
