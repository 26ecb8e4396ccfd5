"""The figure builders: pure functions of a CascadeResult; checked against the result."""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cascade import Scenario
from cascade_view import figures, formats
from cascade_view.figures import MAX_WAVE_GROUPS, SURVIVED, TEMPLATE, wave_colors, wave_groups


@pytest.fixture(scope="module")
def default():
    """The default crowd, fully clustered: a wall at 20x, fewer waves than MAX_WAVE_GROUPS."""
    scenario = Scenario(tightness=1.0)
    book = scenario.book()
    result = book.run(scenario.shock)
    assert 2 < result.wave_count <= MAX_WAVE_GROUPS
    return scenario, book, result


def build_all(scenario, book, result):
    return {
        "price-path": figures.price_path_figure(result.price_path, scenario.shock),
        "waves": figures.waves_figure(result.waves),
        "leverage": figures.leverage_figure(result.population.leverage, result.liquidated_in,
                                            result.wave_count, result.population.notional),
        "liquidation-map": figures.liquidation_map_figure(
            book.liquidation_price, result.population.notional, result.liquidated_in,
            result.wave_count, scenario.shock, result.final_price),
    }


def bars(fig, name):
    return [t for t in fig.data if t.name == name and t.x is not None and t.x[0] is not None]


def test_every_figure_names_the_project_template(default):
    for name, fig in build_all(*default).items():
        assert fig.layout.template == pio.templates[TEMPLATE], name
        assert fig.layout.title.text, name


def test_the_template_does_not_depend_on_plotlys_default(default):
    saved = pio.templates.default
    try:
        pio.templates.default = "plotly_dark"
        fig = figures.price_path_figure(default[2].price_path, default[0].shock)
        assert fig.layout.template == pio.templates[TEMPLATE]
    finally:
        pio.templates.default = saved


def test_price_path_draws_the_result_and_the_shock_alone(default):
    scenario, _, result = default
    fig = figures.price_path_figure(result.price_path, scenario.shock)
    path = next(t for t in fig.data if t.name == "Price with liquidations")
    np.testing.assert_array_equal(path.y, result.price_path)
    assert list(path.x) == ["Start", "Shock"] + [f"Wave {k}" for k in
                                                   range(1, result.wave_count + 1)]
    alone = next(t for t in fig.data if t.name.startswith("Shock alone"))
    assert alone.line.dash == "dash"
    np.testing.assert_allclose(alone.y, 100 * (1 + scenario.shock))
    assert list(path.marker.color[2:]) == wave_colors(result.wave_count)
    assert any(f"Final {result.final_price:.1f}" in a.text for a in fig.layout.annotations)


def test_waves_chart_shows_each_waves_notional_and_count_by_side(default):
    _, _, result = default
    fig = figures.waves_figure(result.waves)
    drawn = [t for t in fig.data if t.x[0] is not None]
    notional = [t for t in drawn if t.yaxis == "y"]
    counts = [t for t in drawn if t.yaxis == "y2"]
    np.testing.assert_array_equal(notional[0].y, result.waves["long_notional"])
    np.testing.assert_array_equal(notional[1].y, result.waves["short_notional"])
    np.testing.assert_array_equal(counts[0].y, result.waves["long_count"])
    np.testing.assert_array_equal(counts[1].y, result.waves["short_count"])
    assert list(notional[0].marker.color) == wave_colors(result.wave_count)
    assert notional[1].marker.pattern.shape == figures.SHORT_PATTERN
    assert {t.name for t in fig.data if t.showlegend is not False} == {
        "Longs (forced sells)", "Shorts (forced buys)"}


def test_leverage_histogram_counts_every_trader_once_by_wave(default):
    _, _, result = default
    fig = figures.leverage_figure(result.population.leverage, result.liquidated_in,
                                  result.wave_count)
    by_name = {t.name: np.asarray(t.y) for t in fig.data}
    assert sum(v.sum() for v in by_name.values()) == len(result.population)
    assert by_name["Survived"].sum() == (result.liquidated_in < 0).sum()
    for k in range(1, result.wave_count + 1):
        assert by_name[f"Wave {k}"].sum() == (result.liquidated_in == k).sum()
    survived = next(t for t in fig.data if t.name == "Survived")
    assert survived.marker.color == SURVIVED


def test_leverage_subtitle_names_the_step_its_colours_give(default):
    """Without the clock the colours are waves; with a timed run's ticks they are ticks, and
    the subtitle says which (the axis ticks once shadowed the argument, so it said "tick"
    on every run)."""
    _, _, result = default
    args = (result.population.leverage, result.liquidated_in, result.wave_count)
    untimed = figures.leverage_figure(*args).layout.title.subtitle.text
    timed = figures.leverage_figure(
        *args, ticks=np.arange(1, result.wave_count + 1) * 5).layout.title.subtitle.text
    assert "colours give the wave that liquidated them" in untimed
    assert "tick" not in untimed
    assert "colours give the tick (1 s) that liquidated them" in timed


def test_leverage_histogram_marks_the_average_leverage_by_open_interest(default):
    _, _, result = default
    pop = result.population
    fig = figures.leverage_figure(pop.leverage, result.liquidated_in, result.wave_count,
                                  pop.notional)
    average = (pop.leverage * pop.notional).sum() / pop.notional.sum()
    (line,) = fig.layout.shapes
    assert line.x0 == pytest.approx(np.log10(average))
    assert any(a.text.startswith(f"Average {average:.1f}x") for a in fig.layout.annotations)


def test_liquidation_map_sums_the_notional_at_each_liquidation_price(default):
    scenario, book, result = default
    fig = figures.liquidation_map_figure(
        book.liquidation_price, result.population.notional, result.liquidated_in,
        result.wave_count, scenario.shock, result.final_price)
    liquidated = sum(np.asarray(t.y).sum() for t in fig.data if t.name != "Survived")
    np.testing.assert_allclose(liquidated, result.liquidated_notional, rtol=1e-9)
    low, high = fig.layout.xaxis.range
    liq = book.liquidation_price
    inside = (liq >= low) & (liq <= high)
    total = sum(np.asarray(t.y).sum() for t in fig.data)
    np.testing.assert_allclose(total, result.population.notional[inside].sum(), rtol=1e-9)
    # the cluster: the tallest bin holds the 20x crowd's liquidation price, 100(1-1/20+m)
    heights = {}
    for t in fig.data:
        for x, y in zip(t.x, t.y):
            heights[x] = heights.get(x, 0.0) + y
    tallest = max(heights, key=heights.get)
    assert abs(tallest - 100 * (1 - 1 / 20 + 0.005)) < 3
    marks = {a.text.split()[0] for a in fig.layout.annotations}
    assert {"Start", "Shock", "Final"} <= marks


def test_colours_mean_the_same_on_every_chart(default):
    figs = build_all(*default)
    result = default[2]
    colors = wave_colors(result.wave_count)
    for name in ("leverage", "liquidation-map"):
        drawn = {t.name: t.marker.color for t in figs[name].data}
        assert drawn["Survived"] == SURVIVED
        for k in range(1, result.wave_count + 1):
            assert drawn[f"Wave {k}"] == colors[k - 1], (name, k)
    path = next(t for t in figs["price-path"].data if t.name == "Price with liquidations")
    assert list(path.marker.color[2:]) == colors
    assert len(set(colors)) == len(colors)


def test_a_shock_that_liquidates_nobody_still_draws_every_chart():
    scenario = Scenario(shock=-0.001)
    book = scenario.book()
    result = book.run(scenario.shock)
    assert result.wave_count == 0
    figs = build_all(scenario, book, result)
    assert any("No liquidations" in a.text for a in figs["waves"].layout.annotations)
    assert [t.name for t in figs["leverage"].data] == ["Survived"]
    np.testing.assert_array_equal(figs["price-path"].data[1].y, result.price_path)


def test_late_waves_share_one_band_past_the_limit():
    waves = MAX_WAVE_GROUPS + 5
    labels = np.array([-1, *range(1, waves + 1)])
    groups = wave_groups(labels, waves)
    assert len(groups) == MAX_WAVE_GROUPS + 1  # survived + 9 single waves + 1 band
    assert groups[-1].label == f"Waves {MAX_WAVE_GROUPS}-{waves}"
    assert groups[-1].mask.sum() == waves - MAX_WAVE_GROUPS + 1
    assert sum(g.mask.sum() for g in groups) == labels.size


def test_rises_liquidate_shorts_and_the_charts_follow():
    scenario = Scenario(shock=0.05, long_share=0.2)
    book = scenario.book()
    result = book.run(scenario.shock)
    assert result.wave_count > 0 and result.waves["long_count"].sum() == 0
    fig = figures.waves_figure(result.waves)
    shorts = [t for t in fig.data if t.name.startswith("Shorts") and t.x[0] is not None]
    assert sum(np.asarray(t.y).sum() for t in shorts if t.yaxis == "y2") == \
        result.waves["short_count"].sum()
    build_all(scenario, book, result)  # every chart draws


@pytest.mark.parametrize("value,text", [(950e3, "$950K"), (70e6, "$70M"), (1.5e9, "$1.5B"),
                                        (-2e6, "-$2M"), (12, "$12")])
def test_usd(value, text):
    assert formats.usd(value) == text


def test_nice_step_gives_round_bins():
    assert figures.nice_step(50, 120) == 0.5
    assert figures.nice_step(200, 120) == 2.0
    assert figures.nice_step(0.9, 120) == 0.01



@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), bins=st.integers(1, 130), groups=st.integers(1, 11),
       uniform=st.booleans(), weighted=st.booleans())
def test_stacked_histogram_is_numpys_histogram_of_each_group(seed, bins, groups, uniform,
                                                             weighted):
    """The charts' one-pass binning counts (and sums) exactly what np.histogram does for
    each group, values on the edges, outside them and rounded to a grid included."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(0.0, 2.0, 3_000), int(rng.integers(0, 3)))
    low, high = rng.uniform(-4, 0), rng.uniform(0.1, 4)
    edges = (np.linspace(low, high, bins + 1) if uniform
             else np.arange(np.floor(low / 0.1) * 0.1, high + 0.1, 0.1))
    values[:10] = edges[rng.integers(0, edges.size, 10)]
    group = rng.integers(0, groups, values.size)
    weights = rng.random(values.size) if weighted else None
    stacked = figures.stacked_histogram(values, edges, group, groups, weights)
    for g in range(groups):
        chosen = group == g
        expected, _ = np.histogram(values[chosen], bins=edges,
                                   weights=None if weights is None else weights[chosen])
        np.testing.assert_allclose(stacked[g], expected, rtol=1e-12, atol=1e-9)


# ------------------------------------------------------------------ far moves, the floor, B

FAR = [Scenario(shock=0.5, depth=1e6, open_interest=50e9, long_share=0.0),  # +50,000%
       Scenario(shock=-0.5, depth=1e6, tightness=1.0, cluster_share=1.0,
                long_share=1.0),                                            # to the floor
       Scenario(shock=0.3, depth=5e6, long_share=0.2),
       Scenario(shock=-0.01), Scenario(shock=0.001), Scenario()]


def shown_on(axis, value: float) -> bool:
    """Whether `value` lies inside a Plotly axis range (log axes hold log10 units)."""
    low, high = axis.range
    where = np.log10(value) if axis.type == "log" else value
    return low <= where <= high


@pytest.mark.parametrize("scenario", FAR, ids=lambda s: f"shock{s.shock:+}")
def test_the_charts_always_show_the_start_shock_and_final_prices(scenario):
    book = scenario.book()
    result = book.run(scenario.shock)
    figs = build_all(scenario, book, result)
    start, shocked, final = 100.0, 100.0 * (1 + scenario.shock), result.final_price
    price = figs["price-path"].layout.yaxis
    assert all(shown_on(price, p) for p in result.price_path)
    assert shown_on(price, shocked)
    low = price.range[0]
    assert (10 ** low if price.type == "log" else low) >= 0  # never below zero
    # the liquidation map's window holds the three marked prices
    axis = figs["liquidation-map"].layout.xaxis
    lines = [shape.x0 for shape in figs["liquidation-map"].layout.shapes]
    assert len(lines) == 3
    for line in lines:
        assert axis.range[0] <= line <= axis.range[1]
    where = np.log10 if "log" in axis.title.text else (lambda v: v)
    np.testing.assert_allclose(lines, [where(start), where(shocked), where(final)])


def test_a_rise_of_five_hundredfold_is_drawn_on_log_axes():
    scenario = FAR[0]
    book = scenario.book()
    result = book.run(scenario.shock)
    assert result.final_price > 10_000
    figs = build_all(scenario, book, result)
    assert figs["price-path"].layout.yaxis.type == "log"
    assert "log scale" in figs["liquidation-map"].layout.xaxis.title.text
    final = next(a for a in figs["price-path"].layout.annotations if "Final" in a.text)
    assert final.y == pytest.approx(np.log10(result.final_price))
    assert f"Final {formats.price_text(result.final_price)}" in final.text


@pytest.mark.parametrize("scenario", FAR, ids=lambda s: f"shock{s.shock:+}")
def test_money_axes_write_billions_as_b(scenario):
    book = scenario.book()
    result = book.run(scenario.shock)
    figs = build_all(scenario, book, result)
    for name, axis in (("waves", figs["waves"].layout.yaxis),
                       ("liquidation-map", figs["liquidation-map"].layout.yaxis)):
        if axis.tickvals is None:  # no liquidation: an empty chart
            continue
        assert list(axis.ticktext) == [formats.usd(v) for v in axis.tickvals], name
        assert not any("G" in text for text in axis.ticktext)


@pytest.mark.parametrize("top", [3e5, 7.2e7, 2.4e9, 4.9e10, 1.2e12])
def test_money_axis_ticks_are_round_and_cover_the_tallest_bar(top):
    axis = figures.money_axis(top)
    assert axis["range"][0] == 0 and axis["range"][1] >= top
    inside = [v for v in axis["tickvals"] if v <= axis["range"][1]]
    assert inside[0] == 0 and 3 <= len(inside) <= 7
    steps = np.diff(axis["tickvals"])
    np.testing.assert_allclose(steps, steps[0])
    assert steps[0] / 10 ** np.floor(np.log10(steps[0])) in (1.0, 2.0, 2.5, 5.0)
    assert not any("G" in text for text in axis["ticktext"])


@pytest.mark.parametrize("price,text", [(81.08, "81.1"), (50150.0, "50,150"), (1e-4, "0.0001"),
                                        (100.0, "100"), (95.0, "95")])
def test_price_text(price, text):
    assert formats.price_text(price) == text


# ------------------------------------------------------------------ unchecked build

@pytest.mark.parametrize("scenario", FAR + [Scenario(shock=-0.001)],
                         ids=lambda s: f"shock{s.shock:+}")
def test_figures_built_unchecked_pass_plotlys_checks_unchanged(scenario):
    """The figures are built with Plotly's property checks off, for speed; rebuilt with
    the checks on (go.Figure(dict) validates every property, and raises on an invalid
    one), each gives exactly the same JSON."""
    import json

    import plotly.graph_objects as go

    book = scenario.book()
    for name, fig in build_all(scenario, book, book.run(scenario.shock)).items():
        checked = go.Figure(fig.to_dict())
        assert json.loads(checked.to_json()) == json.loads(fig.to_json()), name


def test_an_unchecked_figures_axis_titles_are_title_objects():
    """plotly.js draws no axis title given as a bare string, and Draft's figure is not
    validated (which would coerce it): Draft writes every axis title as {"text": ...}."""
    from cascade_view.figures import Draft
    draft = Draft(xaxis=dict(title="Seconds", range=[0, 1]))
    draft.update_layout(yaxis2=dict(title="Price"), yaxis=dict(title=dict(text="Kept")))
    layout = draft.build().to_plotly_json()["layout"]
    assert layout["xaxis"] == {"title": {"text": "Seconds"}, "range": [0, 1]}
    assert layout["yaxis2"]["title"] == {"text": "Price"}
    assert layout["yaxis"]["title"] == {"text": "Kept"}
