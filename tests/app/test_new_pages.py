"""The Phase diagram, Compare and Learn pages through AppTest: what each page draws equals
what the core computes for the scenario its widgets (or URL) describe; bad input gets a
clear message, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest

import cascade
from cascade import Scenario
from cascade_view import story
from cascade_view import axes, knobs
from streamlit.testing.v1 import AppTest

from tests.app.apptools import as_array, charts, run, trace
from tests.app.conftest import APP

PHASE, COMPARE, LEARN, EXPLORER = ("pages/phase.py", "pages/compare.py", "pages/learn.py",
                                   "pages/explorer.py")


def open_page(app, page, **query):
    """Open `page` at a URL with `query` (as a shared link to it would)."""
    app.switch_page(page)
    return run(app, **query)


def fresh() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30)


def assert_healthy(at, names: set[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert set(charts(at)) == names


def heatmap(spec) -> np.ndarray:
    return as_array([t for t in spec["data"] if t["type"] == "heatmap"][0]["z"])


# ------------------------------------------------------------------ Phase diagram

def test_phase_heatmap_is_the_phase_grid_of_the_sidebar_scenario(app):
    at = open_page(app, PHASE, tightness="0.5", depth="50M")
    assert_healthy(at, {"phase", "knobs"})
    scenario = Scenario(tightness=0.5, depth=50e6)
    x, y = axes.axis("shock", scenario), axes.axis("tightness", scenario)
    spec = charts(at)["phase"]
    expected = cascade.phase_grid(scenario, x.values, y.values)
    # coloured by default by the move beyond the shock, |x - s| in points (issue 16)
    shocks = np.asarray(x.values)[None, :]
    np.testing.assert_allclose(heatmap(spec), np.abs(expected - shocks) * 100, atol=1e-9)
    line = trace(spec, "Critical shock (tipping boundary)")
    np.testing.assert_array_equal(
        as_array(line["x"]), cascade.critical_shocks(scenario, "tightness", y.values) * 100)
    star = trace(spec, "This scenario")
    assert list(as_array(star["x"])) == [-5.0] and list(as_array(star["y"])) == [0.5]
    assert any("Runaway:" in m.value or "Damped:" in m.value for m in at.markdown)


def test_phase_axes_hold_values_the_explorer_can_show(app):
    scenario = Scenario()
    x = axes.axis("shock", scenario)
    slider = knobs.KNOBS["shock"]
    steps = np.asarray(x.values) / slider.step
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    assert min(x.values) >= slider.low and 0.0 not in x.values
    depth = axes.axis("depth", scenario)
    assert set(depth.values) <= set(knobs.KNOBS["depth"].options)


def test_amplification_colouring_and_any_two_knobs_from_the_url(app):
    # a bound selectbox writes the label it shows to the URL, and reads it back
    at = open_page(app, PHASE, metric="Amplification", x_knob="Clustering tightness",
                   y_knob="Share of open interest in the crowd", shock="-0.04")
    assert_healthy(at, {"phase", "knobs"})
    scenario = Scenario(shock=-0.04)
    x, y = axes.axis("tightness", scenario), axes.axis("cluster_share", scenario)
    expected = cascade.sweep(scenario, "tightness", x.values, "cluster_share", y.values,
                             metric="amplification")
    np.testing.assert_array_equal(heatmap(charts(at)["knobs"]), expected)
    s, t = axes.axis("shock", scenario), axes.axis("tightness", scenario)
    np.testing.assert_array_equal(
        heatmap(charts(at)["phase"]),
        cascade.sweep(scenario, "shock", s.values, "tightness", t.values, "amplification"))


def test_a_cell_link_opens_that_scenario_on_the_explorer(app):
    """The click handler sends knobs.url_params(cell) to the Explorer: that URL must
    reproduce the cell's scenario exactly."""
    scenario = Scenario(impact="sqrt", n=5000)
    x, y = axes.axis("shock", scenario), axes.axis("depth", scenario)
    cell = axes.cell_scenario(scenario, x, y, 3, 7)
    at = open_page(app, EXPLORER, **knobs.url_params(cell))
    assert not at.exception and not at.error
    np.testing.assert_array_equal(
        as_array(trace(charts(at)["price-path"], "Price with liquidations")["y"]),
        cell.run().price_path)


def test_phase_bad_url_values_get_a_clear_message(app):
    at = open_page(app, PHASE, x_knob="bogus")
    assert not at.exception
    assert any("x_knob=bogus" in w.value for w in at.warning)
    at = open_page(fresh(), PHASE, x_knob="Order-book depth (USD per 1% move)")
    assert not at.exception
    assert any("Up (y)" in e.value for e in at.error)
    at = open_page(fresh(), PHASE, maintenance_margin="0.05")
    assert not at.exception
    assert len(at.error) == 1 and "Maintenance margin" in at.error[0].value
    assert charts(at) == {}


def test_phase_knob_pickers_change_the_second_heatmap(app):
    at = open_page(app, PHASE)
    at.selectbox(key="y_knob").set_value("long_share").run()
    assert_healthy(at, {"phase", "knobs"})
    scenario = Scenario()
    x, y = axes.axis("shock", scenario), axes.axis("long_share", scenario)
    moves = cascade.sweep(scenario, "shock", x.values, "long_share", y.values)
    np.testing.assert_allclose(heatmap(charts(at)["knobs"]),
                               np.abs(moves - np.asarray(x.values)[None, :]) * 100, atol=1e-9)


# ------------------------------------------------------------------ Compare

COMPARE_CHARTS = {"compare-paths", "compare-leverage", "compare-map", "compare-response"}


def path_of(spec, side: str) -> np.ndarray:
    return as_array([t for t in spec["data"] if t["name"].startswith(f"{side}:")][0]["y"])


def test_compare_defaults_to_dispersed_against_clustered(app):
    at = open_page(app, COMPARE)
    assert_healthy(at, COMPARE_CHARTS)
    a, b = Scenario(tightness=0.0).run(), Scenario(tightness=1.0).run()
    paths = charts(at)["compare-paths"]
    np.testing.assert_array_equal(path_of(paths, "A"), a.price_path)
    np.testing.assert_array_equal(path_of(paths, "B"), b.price_path)
    assert any(story.contrast(a, b) in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Metric", "A", "B", "B - A"]
    assert table.iloc[0].tolist() == ["Final move", *story.difference_rows(a, b)[0][1:]]


def test_compare_sides_read_their_own_url_prefix(app):
    at = open_page(app, COMPARE, a_shock="-0.1", b_depth="20M", b_impact="sqrt")
    assert_healthy(at, COMPARE_CHARTS)
    paths = charts(at)["compare-paths"]
    np.testing.assert_array_equal(path_of(paths, "A"),
                                  Scenario(tightness=0.0, shock=-0.1).run().price_path)
    np.testing.assert_array_equal(
        path_of(paths, "B"), Scenario(tightness=1.0, depth=20e6, impact="sqrt").run().price_path)
    at.slider(key="a_tightness").set_value(1.0).run()
    assert_healthy(at, COMPARE_CHARTS)
    np.testing.assert_array_equal(path_of(charts(at)["compare-paths"], "A"),
                                  Scenario(tightness=1.0, shock=-0.1).run().price_path)


def test_compare_bad_input_names_the_side_and_the_control(app):
    at = open_page(app, COMPARE, b_maintenance_margin="0.05")
    assert not at.exception
    assert len(at.error) == 1
    assert "scenario B" in at.error[0].value and "Maintenance margin" in at.error[0].value


# ------------------------------------------------------------------ Learn

def test_learn_narrates_every_wave_of_the_sidebar_scenario(app):
    at = open_page(app, LEARN, shock="-0.06", tightness="0.8")
    assert_healthy(at, {"learn", "learn-phase"})
    result = Scenario(shock=-0.06, tightness=0.8).run()
    steps = story.wave_sentences(result)
    assert len(steps) == result.wave_count + 1
    assert any(m.value == "\n".join(f"- {s}" for s in steps) for m in at.markdown)
    spec = charts(at)["learn"]
    assert len(spec["frames"]) == result.wave_count + 1
    # each sentence word for word, broken into lines (<br>) that fit a phone
    assert [f["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")
            for f in spec["frames"]] == steps
    # the last frame has filled in every wave: its wave bars sum to the waves' notional
    last = spec["frames"][-1]["data"]
    for k in range(1, result.wave_count + 1):
        bars = [t for t in last if t.get("name") == f"Wave {k}"][0]
        assert as_array(bars["y"]).sum() == pytest.approx(
            result.waves["notional"].iloc[k - 1], rel=1e-9)
    # and the first frame (the shock) none
    first = spec["frames"][0]["data"]
    assert all(as_array(t["y"]).sum() == 0 for t in first if t.get("name", "").startswith("Wave"))
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["method"] == "animate"


def test_learn_presentation_mode_hides_the_setup_and_enlarges_fonts(app):
    normal = open_page(app, LEARN)
    present = open_page(fresh(), LEARN, present="1")
    assert_healthy(present, {"learn", "learn-phase"})
    assert len(present.markdown) < len(normal.markdown)
    assert not any(m.value.startswith("A price shock") for m in present.markdown)
    assert any("stSidebar" in m.value and "display: none" in m.value for m in present.markdown)
    for name in ("learn", "learn-phase"):
        layout = charts(present)[name]["layout"]
        assert layout["font"]["size"] == 20 and layout["title"]["font"]["size"] == 24
        assert layout["xaxis"]["title"]["font"]["size"] == 20
        assert charts(normal)[name]["layout"].get("font", {}).get("size", 13) == 13


def test_learn_bad_input_gets_a_clear_message(app):
    at = open_page(app, LEARN, maintenance_margin="0.05")
    assert not at.exception
    assert len(at.error) == 1 and "Maintenance margin" in at.error[0].value


def test_wave_sentences_state_the_results_numbers():
    result = Scenario().run()
    steps = story.wave_sentences(result)
    assert steps[0].startswith("The shock: the price drops 5.0% to 95.0")
    for row, sentence in zip(result.waves.itertuples(), steps[1:]):
        who = result.population.leverage[result.liquidated_in == row.wave]
        assert sentence.startswith(f"Wave {row.wave}: {row.count:,} trader")
        assert f"{who.min():.0f}" in sentence and f"price {row.move * 100:+.1f}%" in sentence
    assert f"{result.amplification:.1f}x the shock" in steps[-1]
    calm = Scenario(shock=-0.001).run()
    assert calm.wave_count == 0
    assert story.wave_sentences(calm) == [
        "The shock: the price drops 0.1% to 99.9, and reaches no one's liquidation price."]


def test_learn_each_frame_names_its_step_and_the_slider_reaches_every_frame(app):
    """The step the chart shows and the step it names agree, however it got there (Play
    and the slider run in the browser, so the page keeps no step of its own): frame k is
    titled "Step k+1 of N", carries sentence k (wrapped, word for word) and waves 1..k;
    slider step k animates to frame k."""
    at = open_page(app, LEARN)
    result = Scenario().run()
    steps = story.wave_sentences(result)
    spec = charts(at)["learn"]
    assert not any(b.key in ("learn-back", "learn-next") for b in at.button)
    assert [f["name"] for f in spec["frames"]] == [str(k) for k in range(len(steps))]
    for k, frame in enumerate(spec["frames"]):
        title = frame["layout"]["title"]
        assert title["text"].startswith(f"Step {k + 1} of {len(steps)}:")
        assert title["subtitle"]["text"].replace("<br>", " ") == steps[k]
        assert all(len(line) <= 48 for line in title["subtitle"]["text"].split("<br>"))
        filled = [t["name"] for t in frame["data"]
                  if t.get("name", "").startswith("Wave ") and as_array(t["y"]).sum() > 0]
        assert filled == [f"Wave {w}" for w in range(1, k + 1)]
    slider = spec["layout"]["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[str(k)] for k in range(len(steps))]
    assert spec["layout"]["title"]["text"] == spec["frames"][0]["layout"]["title"]["text"]
    assert not at.exception
