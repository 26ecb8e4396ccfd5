"""The Explorer page through Streamlit's AppTest: presets, sliders, URLs and bad input.

The strongest check throughout: the price path the page draws equals the one the core
computes for the Scenario the widgets (or the URL) describe.
"""

from __future__ import annotations

import numpy as np
import pytest

from cascade import PRESETS, Scenario
from cascade_ui import widgets
from cascade_view.figures import TEMPLATE
from cascade_view.formats import pct
from cascade_view.knobs import KNOBS, SECTION_NOTES
from tests.app.apptools import as_array, charts, run, trace

CHART_NAMES = {"price-path", "waves", "leverage", "liquidation-map", "response"}
FIELDS = list(KNOBS)
# The page's book is cached and sorted by theory, so its cascade adds each wave's flow in
# another order than a fresh book's: the same positions, prices equal to rounding (the
# engine's contract with the plain reference, tests/model/test_reference.py).
PATH_RTOL = 1e-12


def page_price_path(at) -> np.ndarray:
    return as_array(trace(charts(at)["price-path"], "Price with liquidations")["y"])


def chart_data(at) -> dict[str, list]:
    """Every trace's x and y per chart, as plain lists (comparable with ==)."""
    return {name: [(np.asarray(t.get("x"), dtype=object).tolist(),
                    np.asarray(t.get("y"), dtype=object).tolist()) for t in spec["data"]]
            for name, spec in charts(at).items()}


def assert_healthy(at, scenario=None) -> None:
    """No exception or error, and the page's charts: the four, plus the venue charts when
    `scenario` has a venue mechanic on (the queue; the fund when it keeps accounts), plus the
    Time section's when its clock is on (the fund's when it keeps accounts)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    expected = set(CHART_NAMES)
    if scenario is not None and scenario.venue_mechanics:
        expected |= {"engine-queue"} | ({"insurance-fund"} if scenario.market().keeps_accounts
                                        else set())
    if scenario is not None and scenario.clock:  # the Time section (views.TIME_CHARTS)
        expected |= {"time-price", "time-liquidations", "time-queue"} | (
            {"time-fund"} if scenario.market().keeps_accounts else set())
    assert set(charts(at)) == expected


def set_widget(at, key: str, value):
    kind = KNOBS[key].kind
    widget = {"slider": at.slider, "log": at.select_slider, "choice": at.radio,
              "integer": at.number_input}[kind](key=key)
    return widget.set_value(value).run()


# ------------------------------------------------------------------ default and presets

def test_default_page_draws_the_default_scenario(app):
    at = app.run()
    assert_healthy(at)
    expected = Scenario().run()
    np.testing.assert_allclose(page_price_path(at), expected.price_path, rtol=PATH_RTOL)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Final move"] == pct(expected.total_move)
    assert metrics["Waves"] == str(expected.wave_count)
    assert metrics["Liquidated"] == f"{expected.liquidated_share:.1%}"
    assert list(metrics) == ["Final move", "Amplification", "Liquidated", "Waves",
                             "Largest wave", "Peak R",  # then beside the response curve:
                             "Largest one-wave move", "First liquidation at"]
    assert any("Runaway:" in m.value for m in at.markdown)
    assert at.sidebar.caption[0].value == f"Showing: **{widgets.DEFAULT_NAME}**"
    assert [b.proto.label for b in at.get("download_button")] == [
        "Scenario (JSON)", "Waves (CSV)", "Positions (CSV)", "Report (HTML)",
        "Price path (PNG)", "Leverage (PNG)", "Waves (PNG)", "Map (PNG)"]


def test_every_chart_names_the_project_template(app):
    at = app.run()
    for name, spec in charts(at).items():
        font = spec["layout"]["template"]["layout"]["font"]["family"]
        assert "Source Sans" in font, name
    # the template is the registered one, not Streamlit's browser-filled default
    import plotly.io as pio
    ours = pio.templates[TEMPLATE].layout.font.family
    assert all(spec["layout"]["template"]["layout"]["font"]["family"] == ours
               for spec in charts(at).values())


@pytest.mark.parametrize("name", list(widgets.CHOICES))
def test_every_preset_renders_and_sets_every_widget(app, name):
    at = app.run()
    at.selectbox(key=widgets.PRESET_KEY).set_value(name).run()
    preset = widgets.CHOICES[name]
    assert_healthy(at, preset)
    for field in FIELDS:
        assert at.session_state[field] == getattr(preset, field), field
    np.testing.assert_allclose(page_price_path(at), preset.run().price_path, rtol=PATH_RTOL)
    assert at.sidebar.caption[0].value == f"Showing: **{name}**"
    # the picker clears itself so the same preset can be chosen again after edits
    assert at.selectbox(key=widgets.PRESET_KEY).value is None


def test_choosing_a_preset_again_undoes_edits(app):
    name = "Calm market, dispersed leverage"
    at = app.run()
    at.selectbox(key=widgets.PRESET_KEY).set_value(name).run()
    at.slider(key="tightness").set_value(1.0).run()
    assert at.sidebar.caption[0].value == "Showing: **a custom scenario**"
    at.selectbox(key=widgets.PRESET_KEY).set_value(name).run()
    assert at.session_state["tightness"] == PRESETS[name].tightness
    np.testing.assert_allclose(page_price_path(at), PRESETS[name].run().price_path,
                               rtol=PATH_RTOL)


# ------------------------------------------------------------------ sliders

MOVES = [
    ("shock", -0.1), ("shock", 0.03), ("shock", 0.0), ("tightness", 0.3),
    ("depth", 20e6), ("center_leverage", 30.0), ("cluster_share", 0.3),
    ("long_share", 0.4), ("open_interest", 5e9), ("impact", "sqrt"),
    ("maintenance_margin", 0.01), ("background", "discrete"), ("background_leverage", 8.0),
    ("size_tail", 3.0), ("entry_dispersion", 0.05), ("n", 2_000), ("seed", 11),
]


@pytest.mark.parametrize("key,value", MOVES)
def test_each_control_changes_the_charts_to_the_cores_answer(app, key, value):
    at = app.run()
    before = chart_data(at)
    set_widget(at, key, value)
    assert_healthy(at)
    after = chart_data(at)
    assert after != before, f"moving {key} left every chart unchanged"
    expected = Scenario(**{key: value}).run()
    np.testing.assert_allclose(page_price_path(at), expected.price_path, rtol=PATH_RTOL)


@pytest.mark.parametrize("key,value,chart", [
    ("shock", -0.1, "price-path"), ("tightness", 0.3, "leverage"),
    ("depth", 20e6, "waves"), ("depth", 20e6, "liquidation-map"),
])
def test_key_sliders_change_the_chart_they_drive(app, key, value, chart):
    at = app.run()
    before = chart_data(at)[chart]
    set_widget(at, key, value)
    assert chart_data(at)[chart] != before


def test_tightness_one_puts_the_whole_crowd_in_one_leverage_bin(app):
    at = app.run()
    set_widget(at, "tightness", 1.0)
    spec = charts(at)["leverage"]
    by_bin: dict[float, float] = {}
    for t in spec["data"]:
        for x, y in zip(as_array(t["x"]), as_array(t["y"])):
            by_bin[x] = by_bin.get(x, 0.0) + y
    crowd = Scenario(tightness=1.0).n * Scenario().cluster_share
    # about 60% of 10,000 traders (by notional share, so roughly) at exactly 20x
    tallest = max(by_bin, key=by_bin.get)
    assert by_bin[tallest] > 0.3 * crowd
    assert abs(10 ** tallest - 20) < 2


# ------------------------------------------------------------------ URLs

def test_url_parameters_set_the_widgets_and_the_scenario(app):
    at = run(app, shock=-0.1, tightness=0.5, depth="20M", impact="sqrt", n="5K", seed=3)
    assert_healthy(at)
    assert at.slider(key="shock").value == -0.1
    assert at.slider(key="tightness").value == 0.5
    assert at.select_slider(key="depth").value == 20e6
    assert at.radio(key="impact").value == "sqrt"
    assert at.select_slider(key="n").value == 5_000
    assert at.number_input(key="seed").value == 3
    expected = Scenario(shock=-0.1, tightness=0.5, depth=20e6, impact="sqrt", n=5_000, seed=3)
    np.testing.assert_allclose(page_price_path(at), expected.run().price_path, rtol=PATH_RTOL)
    assert at.sidebar.caption[0].value == "Showing: **a custom scenario**"


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_presets_url_reproduces_it_in_a_new_session(app, name):
    at = app.run()
    at.selectbox(key=widgets.PRESET_KEY).set_value(name).run()
    url = dict(at.query_params)
    differing = {f for f in FIELDS if getattr(PRESETS[name], f) != getattr(Scenario(), f)}
    assert set(url) == differing  # defaults are left out of the URL
    fresh = run(type(app).from_file(app._script_path, default_timeout=30), **url)
    assert_healthy(fresh, PRESETS[name])
    np.testing.assert_allclose(page_price_path(fresh), page_price_path(at), rtol=PATH_RTOL)
    assert fresh.sidebar.caption[0].value == f"Showing: **{name}**"


@pytest.mark.parametrize("query", [
    {"shock": "abc"}, {"shock": "5"}, {"tightness": "2"}, {"depth": "banana"},
    {"depth": "20"}, {"n": "-5"}, {"seed": "xyz"}, {"seed": "-3"},
    {"background": "square"}, {"impact": ""}, {"unknown": "1"},
])
def test_a_bad_url_parameter_is_replaced_by_the_default_and_said(app, query):
    at = run(app, **query)
    assert_healthy(at)
    np.testing.assert_array_equal(page_price_path(at), Scenario().run().price_path)
    (key, given), = query.items()
    assert len(at.info) == 1, "one line says what the page did with it"
    assert at.info[0].value.startswith(f"Link: `{key}={given}`")
    assert "(the default)" in at.info[0].value or key == "unknown"
    assert key not in at.query_params


# ------------------------------------------------------------------ bad input

def test_a_bad_combination_names_the_knob_and_recovers(app):
    at = app.run()
    set_widget(at, "maintenance_margin", 0.05)  # too high for the 20x crowd
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "Maintenance margin" in message and "`maintenance_margin`" in message
    assert "center_leverage" in message  # the core's reason, unabridged
    assert not charts(at) and not at.metric
    set_widget(at, "maintenance_margin", 0.005)
    assert_healthy(at)


def test_a_bad_combination_from_the_url_names_the_knob(app):
    at = run(app, maintenance_margin=0.05, center_leverage=25)
    assert not at.exception
    assert len(at.error) == 1 and "Maintenance margin" in at.error[0].value


def test_an_extreme_scenario_still_renders(app):
    at = run(app, shock=-0.5, depth="1M", tightness=1, cluster_share=1, long_share=1)
    assert_healthy(at)
    path = page_price_path(at)
    assert path[-1] > 0 and path[-1] < 50


def test_background_median_is_disabled_while_the_background_is_discrete(app):
    at = app.run()
    assert not at.slider(key="background_leverage").disabled
    at = set_widget(at, "background", "discrete")
    assert_healthy(at)
    assert at.slider(key="background_leverage").disabled
    at = set_widget(at, "background", "lognormal")
    assert not at.slider(key="background_leverage").disabled


def test_a_price_path_is_the_timed_run_the_page_shows(app):
    """A fall then a rebound from the link runs on the timed engine, as Scenario.run() does:
    the page's final move is that run's, not the jump's (the path knobs are not decoration)."""
    app.query_params.update({"path": "fall_then_rebound", "fall_seconds": "60",
                             "rebound": "0.03", "rebound_seconds": "60", "long_share": "0.6"})
    at = app.run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    scenario = Scenario(path="fall_then_rebound", fall_seconds=60.0, rebound=0.03,
                        rebound_seconds=60.0, long_share=0.6)
    timed, jump = scenario.run(), scenario.book().run(scenario.shock)
    assert pct(timed.total_move) != pct(jump.total_move)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Final move"] == pct(timed.total_move)


def test_the_clock_section_says_where_the_seconds_are_drawn(app):
    """The Clock knobs work (test_a_price_path_is_the_timed_run_the_page_shows); the caption
    under the section's title points to the Time section (tests/app/test_explorer_time.py)."""
    at = app.run()
    assert SECTION_NOTES["Clock"] in [caption.value for caption in at.sidebar.caption]
    assert "Time section" in SECTION_NOTES["Clock"]
