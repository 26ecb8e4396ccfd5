"""Issue 16 items 2-3 on the pages: the level figures, the response curves with their
critical shocks, the cliff figures and the Compare sentence, each checked against the model
(one run per shock, cascade.critical_shock, cascade.levels); and ?present=1 on the Explorer
and Compare."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cascade
from cascade.levels import scenario_levels
from cascade.response import response_curve, shock_grid
from cascade_view import story
from cascade_view.knobs import DEFAULT
from cascade_view.response_figures import response_figure

from streamlit.testing.v1 import AppTest

from tests.app.apptools import as_array, charts, run, trace
from tests.app.conftest import APP

COMPARE, EXPLORER = "pages/compare.py", "pages/explorer.py"


def table(at):
    frame = at.dataframe[0].value
    return {row["Metric"]: row for _, row in frame.iterrows()}


def test_compare_default_shows_equal_levels_and_both_curves(app):
    app.switch_page(COMPARE)
    at = run(app)
    assert not at.exception and not at.error
    rows = table(at)
    a, b = DEFAULT.replace(tightness=0.0), DEFAULT.replace(tightness=1.0)
    level_a, level_b = scenario_levels(a)["book"], scenario_levels(b)["book"]
    assert level_a.total_margin == pytest.approx(level_b.total_margin, rel=1e-12)
    average = rows["Average leverage (OI / margin)"]
    assert average["A"] == average["B"] == f"{level_a.average_leverage:.1f}x"
    assert rows["Total margin"]["A"] == rows["Total margin"]["B"]
    assert rows["Total margin"]["B - A"] == "$0"
    near = rows["Crowd within ±10% of its leverage (20x)"]
    assert near["B"] == "100%" and near["A"] != near["B"]

    spec = charts(at)["compare-response"]
    for side, scenario in (("A", a), ("B", b)):
        line = trace(spec, f"{side} (tightness {scenario.tightness:g})")
        shocks, moves = as_array(line["x"]) / 100, as_array(line["y"]) / 100
        for index in (1, 8, 17, 18, 19, 30, len(shocks) - 1):
            expected = scenario.replace(shock=float(shocks[index])).run().total_move
            assert moves[index] == pytest.approx(expected, abs=1e-12)
        critical = cascade.critical_shock(scenario.book(), direction=-1)
        names = [t["name"] for t in spec["data"]]
        assert f"{side} (tightness {scenario.tightness:g}): critical shock " \
               f"{critical * 100:+.1f}%" in names
        assert any(shape["x0"] == pytest.approx(critical * 100) for shape in spec["layout"]["shapes"])

    grid = shock_grid(-1, a.shock, b.shock, cascade.critical_shock(a.book()),
                      cascade.critical_shock(b.book()))
    sentence = story.response_contrast(response_curve(a.book(), grid),
                                       response_curve(b.book(), grid),
                                       {"A": "A (tightness 0)", "B": "B (tightness 1)"})
    assert any(m.value == f"**{sentence}**" for m in at.markdown)


def test_explorer_shows_its_level_curve_and_cliff_figures(app):
    at = run(app)
    assert not at.exception
    levels = scenario_levels(DEFAULT)
    assert any(f"average leverage {levels['book'].average_leverage:.1f}x" in c.value
               for c in at.caption)
    spec = charts(at)["response"]
    line = trace(spec, "this book")
    shocks, moves = as_array(line["x"]) / 100, as_array(line["y"]) / 100
    for index in (2, 18, 19, 20, 35):
        # the chart carries percent (x 100): equal to the run up to that scaling
        expected = DEFAULT.replace(shock=float(shocks[index])).run().total_move
        assert moves[index] == pytest.approx(expected, abs=1e-12)
    critical = cascade.critical_shock(DEFAULT.book())
    assert f"this book: critical shock {critical * 100:+.1f}%" in [t["name"] for t in spec["data"]]
    metrics = {m.label: m.value for m in at.metric}
    result = DEFAULT.run()
    steps = np.abs(np.diff(result.price_path[1:])) / 100
    assert metrics["Largest one-wave move"] == f"{steps.max() * 100:.1f} pts"
    book = DEFAULT.book()
    first = book.liquidation_price[book.population.is_long].max() / 100 - 1
    assert metrics["First liquidation at"] == f"{first * 100:+.1f}%"
    assert "Bad debt" not in metrics                      # no accounts kept by default
    # a link is read when a session opens: a fresh session with a fund keeps accounts
    funded = run(AppTest.from_file(str(APP), default_timeout=30), insurance_fund="1M")
    assert {m.label: m.value for m in funded.metric}["Bad debt"].startswith("$")


@pytest.mark.parametrize("page", [EXPLORER, COMPARE])
def test_present_mode_hides_the_setup_text(app, page):
    if page != EXPLORER:
        app.switch_page(page)
    at = run(app, present="1")
    assert not at.exception and not at.error
    assert not any("present" in w.value for w in at.warning)   # not an unknown parameter
    text = " ".join(m.value for m in at.markdown)
    assert "font-size: 1.35rem" in text                          # pagekit.presenting's style
    assert not at.tabs and not at.get("download_button")
    assert ("compare-response" if page == COMPARE else "response") in charts(at)


def _claims(sentence: str):
    """(who, first, last) for every stretch the sentence states; who: 'A', 'B' or 'same'."""
    body = sentence.split(": ", 1)[1]
    claims = []
    for clause in body.rstrip(".").split("; "):
        if "never" in clause:
            continue
        who = "same" if clause.startswith("both") else clause[0]
        for first, last in re.findall(r"(?:at|from) ([+-][\d.]+)%(?: to ([+-][\d.]+)%)?", clause):
            claims.append((who, float(first) / 100, float(last or first) / 100))
    return claims


PAIRS = [
    (DEFAULT.replace(tightness=0.0), DEFAULT.replace(tightness=1.0)),     # A ends lower
    (DEFAULT.replace(tightness=1.0), DEFAULT.replace(tightness=0.0)),     # B ends lower
    (DEFAULT.replace(tightness=1.0, center_leverage=10.0), DEFAULT.replace(tightness=1.0)),
    (DEFAULT.replace(depth=140e6), DEFAULT),
    (DEFAULT.replace(shock=0.05, long_share=0.3), DEFAULT.replace(shock=0.05, long_share=0.3,
                                                                  tightness=0.0)),
]


@pytest.mark.parametrize("a, b", PAIRS)
def test_the_compare_sentence_is_true_of_the_runs(a, b):
    a, b = a.replace(n=2_000), b.replace(n=2_000)
    direction = 1 if a.shock > 0 else -1
    grid = shock_grid(direction, a.shock, cascade.critical_shock(a.book(), direction=direction))
    curve_a, curve_b = response_curve(a.book(), grid), response_curve(b.book(), grid)
    sentence = story.response_contrast(curve_a, curve_b)
    claims = _claims(sentence)
    covered = set()
    for who, first, last in claims:
        low, high = sorted((first, last))
        for shock in grid[(grid >= low - 1e-12) & (grid <= high + 1e-12)]:
            x_a = a.replace(shock=float(shock)).run().total_move
            x_b = b.replace(shock=float(shock)).run().total_move
            gap = direction * (x_b - x_a)
            assert (abs(gap) < story.SAME_END if who == "same"
                    else gap >= story.SAME_END if who == "B" else gap <= -story.SAME_END), \
                (sentence, shock, x_a, x_b)
            covered.add(float(shock))
    if "more stretch" not in sentence:
        assert covered == {float(s) for s in grid if s != 0}
    for side in ("A", "B"):
        assert (f"{side} never ends" in sentence) == (not any(w == side for w, _, _ in claims))


def test_the_sentence_names_a_worse_book_each_way():
    outcomes = set()
    for a, b in PAIRS[:2]:
        grid = shock_grid(-1, 0.05)
        text = story.response_contrast(response_curve(a.replace(n=2_000).book(), grid),
                                        response_curve(b.replace(n=2_000).book(), grid))
        outcomes |= {who for who, _, _ in _claims(text)}
    assert {"A", "B"} <= outcomes


def test_the_figure_marks_each_scenario_and_no_critical_where_none():
    book = DEFAULT.replace(n=1_000).book()
    curve = response_curve(book, shock_grid(-1, 0.05))._replace(critical_shock=float("nan"))
    fig = response_figure({"A": curve}, {"A": (-0.05, -0.2)})
    names = [t.name for t in fig.data]
    assert not fig.layout.shapes and not any("critical" in n for n in names)
    assert "A: this shock, -5.0% to -20.0%" in names


def test_the_report_shows_level_cliff_figures_and_the_curve():
    from cascade.analysis import analyse
    from cascade_view import headline, report
    scenario = DEFAULT.replace(n=2_000)
    analysis = analyse(scenario)
    curve = response_curve(scenario.book(), shock_grid(-1, scenario.shock))
    page = report.scenario_report(analysis, curve=curve)
    import html
    assert html.escape(headline.level_sentence(analysis)) in page
    for metric in headline.cliff_metrics(analysis):
        assert html.escape(metric.value) in page and html.escape(metric.label) in page
    assert "Response curve: final move against shock" in page
    assert "Response curve" not in report.scenario_report(analysis)


def test_points_of_a_move():
    from cascade_view.formats import points
    assert points(0.12) == "12.0 pts" and points(-0.0004) == "0.0 pts"
    assert points(453.796) == "45,380 pts" and points(0.999) == "99.9 pts"
