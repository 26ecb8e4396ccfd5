"""The Explorer's and Compare's response curves under a clock link: each point is a run along
the path with that depth, so the page's dot lies on its curve; the cliff figures say they are
the timed run's."""

from __future__ import annotations

import numpy as np

from cascade import Scenario
from streamlit.testing.v1 import AppTest

from tests.app.apptools import as_array, charts, run, trace
from tests.app.conftest import APP
from tests.app.test_compare_time import clock_query

CLOCK = dict(path="fall", fall_seconds=60.0, engine_rate=20e6, resilience_half_life=20.0)
REBOUND = dict(path="fall_then_rebound", fall_seconds=120.0, rebound=0.03,
               rebound_seconds=60.0, resilience_half_life=30.0)


def dot_and_curve(spec, name: str):
    line = trace(spec, name)
    shocks, moves = as_array(line["x"]), as_array(line["y"])
    dot = [t for t in spec["data"] if t.get("name", "").startswith(f"{name}: this shock")][0]
    return shocks, moves, float(as_array(dot["x"])[0]), float(as_array(dot["y"])[0])


def test_the_explorer_dot_lies_on_its_timed_curve_and_the_figures_name_the_engine(app):
    at = run(app, n="10000", shock="-0.06", **{k: str(v) for k, v in REBOUND.items()})
    assert not at.exception and not at.error
    scenario = Scenario(n=10_000, shock=-0.06, **REBOUND)
    spec = charts(at)["response"]
    shocks, moves, x, y = dot_and_curve(spec, "this book")
    assert x == -6.0 and y == scenario.run().total_move * 100
    at_shock = int(np.flatnonzero(np.isclose(shocks, x))[0])
    assert moves[at_shock] == y                                  # the dot is on the curve
    book = scenario.book()
    for index in (4, 30):
        s = float(shocks[index]) / 100
        assert moves[index] == scenario.replace(shock=s).run_on(book).total_move * 100
    names = [t.get("name", "") for t in spec["data"]]
    assert any(n.endswith("(instant model)") and "critical shock" in n for n in names)
    assert "ticks)" in trace(spec, "this book")["hovertemplate"]
    labels = [m.label for m in at.metric]
    assert "Largest one-tick move" in labels and "Largest one-wave move" not in labels


def test_without_the_clock_the_curve_keeps_its_words(app):
    at = run(app, n="10000")
    spec = charts(at)["response"]
    names = [t.get("name", "") for t in spec["data"]]
    assert "the shock alone" in names and not any("instant model" in n for n in names)
    assert "Largest one-wave move" in [m.label for m in at.metric]


def test_compare_marks_both_runs_on_their_timed_curves():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page("pages/compare.py")
    run(at, a_n="2000", b_n="2000", **clock_query(CLOCK))
    assert not at.exception and not at.error
    spec = charts(at)["compare-response"]
    for side, tightness in (("A", 0.0), ("B", 1.0)):
        name = next(t["name"] for t in spec["data"]
                    if t.get("name", "").startswith(f"{side} (tightness") and ":" not in t["name"])
        shocks, moves, x, y = dot_and_curve(spec, name)
        expected = Scenario(n=2_000, tightness=tightness, **CLOCK).run().total_move * 100
        assert y == expected
        assert moves[int(np.flatnonzero(np.isclose(shocks, x))[0])] == y
    shown = " ".join(str(t.value) for t in at.dataframe)
    assert "First liquidation at" in shown and "one-wave" not in shown


def test_compare_cliff_rows_name_the_engine():
    from cascade.analysis import analyse
    from cascade_view import story
    timed = [analyse(Scenario(n=2_000, tightness=t, **CLOCK)) for t in (0.0, 1.0)]
    instant = [analyse(Scenario(n=2_000, tightness=t)) for t in (0.0, 1.0)]
    assert story.cliff_rows(*timed)[0][0] == "Largest one-tick move"
    assert story.cliff_rows(*instant)[0][0] == "Largest one-wave move"


def test_the_contrast_of_timed_curves_says_the_shocks_were_path_depths():
    from cascade.response import response_curve, shock_grid
    from cascade_view import story
    a = Scenario(n=2_000, tightness=0.0, **CLOCK)
    b = a.replace(tightness=1.0)
    grid = shock_grid(-1, 0.05)
    timed = story.response_contrast(response_curve(a.book(), grid, -1, scenario=a),
                                    response_curve(b.book(), grid, -1, scenario=b))
    assert "as the depths of the clock's path, each run read at its end:" in timed
    plain = story.response_contrast(response_curve(a.book(), grid), response_curve(b.book(), grid))
    assert "clock" not in plain


def test_along_a_brought_path_the_curve_is_of_jumps_and_carries_no_dot(app):
    """A brought path has no depth for the curve's shocks to set: the curve stays of jumps
    (the instant model's), so the run along the path is not drawn on it."""
    from cascade_ui import upload
    run(app, n="2000")
    app.checkbox(key=upload.USE_EXAMPLE["path"]).check().run()
    assert not app.exception and not app.error
    spec = charts(app)["response"]
    names = [t.get("name", "") for t in spec["data"]]
    assert "this book" in names and not any("this shock" in n for n in names)
    assert "the shock alone" in names          # jumps: no "(instant model)" timed labels
