"""The Risk page through AppTest on a real Dask cluster (tests/dask_cluster.py, named by
CASCADE_DASK_SCHEDULER) and on its own LocalCluster; its parts (knob values, labels, the
headline) and its figures against plain computations."""

from __future__ import annotations

import socket
import time

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

import cascade
from cascade import Scenario
from cascade.analysis import analyse_book
from cascade.ensemble import summarize, wilson_interval
from cascade_view import risk_figures
from cascade_ui import risk as risk_ui
from cascade_view import risk
from cascade_view.figures import TEMPLATE
from cascade_view.formats import share
from tests.app.apptools import charts, trace
from tests.dask_cluster import dask_cluster, free_port  # noqa: F401 (fixture)

SMALL_N = 1_000
BOOKS = 10


def open_risk(app):
    """The Risk page on a small ensemble, set through the URL as a shared link to it would
    (a link to the Explorer names the Risk page's parameters as not its own)."""
    app.switch_page("pages/risk.py")
    app.query_params.update({"n": "1K", "books": str(BOOKS), "points": "3"})
    return app.run()


def release_cluster(address) -> None:
    """Close the page's cached client (and its LocalCluster) so nothing outlives the test."""
    client = risk_ui.client(address)
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()
    risk_ui._cluster.clear()


def assert_healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def expected_frame(knob="tightness", values=(0.0, 0.5, 1.0)) -> pd.DataFrame:
    """What the page should show: the same ensemble, run here without Dask."""
    scenario = Scenario(n=SMALL_N)
    return cascade.run_ensemble(scenario, range(scenario.seed, scenario.seed + BOOKS),
                                {knob: list(values)})


def check_results(at, expected: pd.DataFrame) -> None:
    assert_healthy(at)
    stored = list(at.session_state["risk_results"].values())[-1]
    pd.testing.assert_frame_equal(stored, expected, check_exact=True)
    figures = charts(at)
    assert set(figures) == {"final-move", "runaway", "cross-share"}  # the last: test_risk_cross
    p = expected.groupby("tightness", sort=False)["runaway"].mean().to_numpy()
    drawn = trace(figures["runaway"], "Books that ran away")
    np.testing.assert_allclose(np.asarray(drawn["y"], dtype=float), p * 100)
    headline = next(m.value for m in at.markdown if m.value.startswith("##### Across"))
    assert f"Across {BOOKS} books per setting" in headline
    assert risk.of_books(p.max()) in headline
    assert [b.proto.label for b in at.get("download_button")] == ["Every book (CSV)"]


def test_page_runs_on_the_cluster_in_the_environment(app, dask_cluster, monkeypatch):  # noqa: F811
    monkeypatch.setenv(risk.SCHEDULER_ENV, dask_cluster)
    at = open_risk(app)
    assert_healthy(at)
    assert any(dask_cluster in c.value for c in at.caption)
    assert any("Press **Run**" in i.value for i in at.info)
    assert set(charts(at)) == {"cross-share"}         # no ensemble runs before Run
    try:
        at.button(key="run").click().run()
        check_results(at, expected_frame())
        # a rerun with the same settings shows the stored ensemble, without running it again
        at.run()
        check_results(at, expected_frame())
    finally:
        release_cluster(dask_cluster)


def test_page_runs_on_its_local_cluster(app, monkeypatch):
    monkeypatch.delenv(risk.SCHEDULER_ENV, raising=False)
    at = open_risk(app)
    assert any("local Dask cluster" in c.value for c in at.caption)
    at.button(key="run").click().run()
    try:
        check_results(at, expected_frame())
    finally:
        release_cluster(None)


def test_unreachable_scheduler_is_an_error_on_the_page(app, monkeypatch):
    address = f"tcp://127.0.0.1:{free_port()}"
    monkeypatch.setenv(risk.SCHEDULER_ENV, address)
    at = open_risk(app)
    at.button(key="run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and address in at.error[0].value
    assert risk.SCHEDULER_ENV in at.error[0].value


@pytest.mark.timing  # asserts a time: run alone (pytest.ini)
def test_a_silent_scheduler_is_an_error_on_the_page_within_5_s(app, monkeypatch):
    """A peer that accepts the connection and never answers (Dask alone would wait for its
    handshake forever): the page still says so within the 5 s the docs promise."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv(risk.SCHEDULER_ENV, address)
        at = open_risk(app)
        start = time.monotonic()
        at.button(key="run").click().run()
        elapsed = time.monotonic() - start
    assert not at.exception
    assert len(at.error) == 1 and address in at.error[0].value
    assert elapsed < 5.0, f"the page took {elapsed:.2f} s to say the scheduler is unreachable"


def test_a_range_the_scenario_rejects_names_the_control(app):
    at = app.run()
    at.switch_page("pages/risk.py").run()
    at.slider(key="maintenance_margin").set_value(0.02).run()
    at.selectbox(key="knob").set_value("center_leverage").run()
    at.slider(key="range_center_leverage").set_value((5.0, 125.0)).run()
    assert not at.exception
    assert len(at.error) == 1 and "Crowd's leverage" in at.error[0].value
    assert not [b for b in at.button if b.key == "run"] and not charts(at)


def test_the_scenario_carries_over_between_the_pages(app):
    """Streamlit drops the URL on a page switch; the sidebar carries the scenario over,
    values set from the URL and values moved on the page alike."""
    app.query_params.update({"n": "1K", "tightness": "0.5", "depth": "20M"})
    at = app.run()
    at.slider(key="shock").set_value(-0.08).run()
    at.switch_page("pages/risk.py").run()
    assert_healthy(at)
    assert at.select_slider(key="n").value == 1_000
    assert at.slider(key="tightness").value == 0.5
    assert at.select_slider(key="depth").value == 20e6
    assert at.slider(key="shock").value == -0.08
    assert any(c.value.startswith("500 books of 1,000 traders") and
               "(in place of the sidebar's 0.50)" in c.value for c in at.caption)
    at.slider(key="center_leverage").set_value(25.0).run()
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert at.slider(key="center_leverage").value == 25.0
    assert at.slider(key="shock").value == -0.08
    expected = Scenario(n=1_000, tightness=0.5, depth=20e6, shock=-0.08, center_leverage=25.0)
    assert any(m.value == f"{expected.run().total_move * 100:+.1f}%" for m in at.metric)


# ------------------------------------------------------------------ parts


def test_knob_values():
    assert risk.knob_values("tightness", 0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert risk.knob_values("shock", -0.1, -0.02, 3) == [-0.1, -0.06, -0.02]
    depth = risk.knob_values("depth", 10e6, 300e6, 4)
    assert depth[0] == 10e6 and depth[-1] == 300e6 and len(depth) == 4
    assert np.all(np.diff(np.log(depth)) > 0)
    assert risk.knob_values("impact") == list(cascade.IMPACT_MODELS)
    assert set(risk.KNOBS) == set(Scenario().to_dict()) - {"n", "seed"}


@pytest.mark.parametrize("name, value, label", [
    ("shock", -0.05, "-5%"), ("tightness", 0.5, "0.50"), ("center_leverage", 20.0, "20x"),
    ("depth", 70e6, "$70M"), ("open_interest", 2e9, "$2B"), ("impact", "sqrt", "sqrt")])
def test_value_labels(name, value, label):
    assert risk.value_label(name, value) == label


def summary_with(p: list[float], knob="tightness", values=(0.0, 1.0), books=100) -> pd.DataFrame:
    runaways = np.round(np.asarray(p) * books)
    low, high = wilson_interval(runaways, books)
    return pd.DataFrame({knob: list(values), "books": books, "p_runaway": p,
                         "p_runaway_low": low, "p_runaway_high": high,
                         "q99": [-0.1 * (i + 1) for i in range(len(p))]})


def test_headline_names_every_value_with_its_interval():
    """Issue 16: no value is left out (the middle one included), each with its 95% interval."""
    request = risk.Request(Scenario(shock=-0.05), "tightness", (0.0, 0.5, 1.0), 100)
    summary = summary_with([0.0, 0.5, 0.97], values=(0.0, 0.5, 1.0))
    low, high = summary["p_runaway_low"], summary["p_runaway_high"]
    assert risk.headline(summary, request) == (
        f"Across 100 books per setting, a -5.0% shock ran away in no books (95% interval "
        f"0% to {share(high[0])}) with clustering tightness 0.00, 50% ({share(low[1])} to "
        f"{share(high[1])}) with 0.50 and 97% ({share(low[2])} to {share(high[2])}) with "
        f"1.00.")
    request = risk.Request(Scenario(shock=-0.05), "tightness", (0.0, 1.0), 500)
    same = summary_with([0.3, 0.3])
    assert risk.headline(same, request) == (
        f"Across 500 books per setting, a -5.0% shock ran away in 30% of books (95% interval "
        f"{share(same['p_runaway_low'][0])} to {share(same['p_runaway_high'][0])}) whatever "
        "the clustering tightness, from 0.00 to 1.00.")
    shock = risk.Request(Scenario(), "shock", (-0.1, -0.01), 50)
    two = summary_with([1.0, 0.002], "shock", (-0.1, -0.01))
    assert risk.headline(two, shock).startswith(
        f"Across 50 books per setting, a -10% shock in all books (95% interval "
        f"{share(two['p_runaway_low'][0])} to 100%) and a -1% shock in under 1% (")


def test_no_quantile_from_fewer_books_than_it_needs():
    """q99 needs 100 books (one book beyond it), q05 / q95 need 20, the median 2; the tail
    sentence and the table say so instead of quoting an interpolation."""
    scenario = Scenario(n=SMALL_N)
    frame = cascade.run_ensemble(scenario, range(BOOKS), {"tightness": [0.0, 1.0]})
    summary = summarize(frame, scenario, ["tightness"])
    assert summary[["q05", "q95", "q99"]].isna().all().all()
    for value, row in zip((0.0, 1.0), summary.itertuples()):
        moves = frame.loc[frame["tightness"] == value, "final_move"].to_numpy()
        assert row.q50 == pytest.approx(np.quantile(moves, 0.5))
    request = risk.Request(scenario, "tightness", (0.0, 1.0), BOOKS)
    assert "1 book in 100" not in risk.tail_sentence(summary, request)
    assert "needs at least 100 books per setting" in risk.tail_sentence(summary, request)
    shown = risk.summary_display(summary, request)
    assert set(shown["99% (1 in 100 worse)"]) == {"needs 100 books"}
    fig = risk_figures.final_move_figure(frame, summary, "tightness", "Clustering tightness",
                                         ["0.00", "1.00"], [scenario.shock] * 2)
    assert not [t for t in fig.data if (t.name or "").startswith("1 book in 100")]
    assert not [t for t in fig.data if t.name == "5% to 95% of books"]
    assert [cascade.ensemble.books_needed(q) for q in (0.05, 0.5, 0.95, 0.99)] == [20, 2, 20, 100]


# ------------------------------------------------------------------ figures


@pytest.fixture(scope="module")
def ensemble():
    scenario = Scenario(n=SMALL_N)
    frame = cascade.run_ensemble(scenario, 100, {"tightness": [0.0, 1.0]})
    return scenario, frame, summarize(frame, scenario, ["tightness"])


def test_final_move_figure_draws_the_quantiles_and_every_book(ensemble):
    scenario, frame, summary = ensemble
    fig = risk_figures.final_move_figure(frame, summary, "tightness", "Clustering tightness",
                                         ["0.00", "1.00"], [scenario.shock] * 2)
    assert fig.layout.template == pio.templates[TEMPLATE]
    assert fig.layout.title.text and fig.layout.yaxis.title.text == "Clustering tightness"
    spec = fig.to_plotly_json()
    assert spec["layout"]["xaxis"]["title"]["text"] == "Final move (% from start)"
    median = next(t for t in fig.data if t.name == "Median")
    tail = next(t for t in fig.data if (t.name or "").startswith("1 book in 100"))
    for row, value in enumerate([0.0, 1.0]):
        moves = frame.loc[frame["tightness"] == value, "final_move"].to_numpy()
        assert median.x[row] == pytest.approx(np.median(moves) * 100)
        assert tail.x[row] == pytest.approx(np.quantile(moves, 0.01) * 100)   # a fall
    # hover points: the shares of books per bin add up to 100% in each row
    hovers = [t for t in fig.data if t.hovertemplate and "of books ended between" in
              t.hovertemplate and t.customdata is not None and len(t.customdata[0]) == 3]
    assert len(hovers) == 2
    for h in hovers:
        assert np.asarray(h.customdata)[:, 2].sum() == pytest.approx(100.0)


def test_figures_do_not_grow_with_the_number_of_books(ensemble):
    scenario, frame, summary = ensemble
    more = pd.concat([frame] * 20, ignore_index=True)
    sizes = []
    for data in (frame, more):
        fig = risk_figures.final_move_figure(data, summarize(data, scenario, ["tightness"]),
                                             "tightness", "Clustering tightness",
                                             ["0.00", "1.00"], [scenario.shock] * 2)
        sizes.append(sum(len(t.x) for t in fig.data))
    assert sizes[0] == sizes[1]


def test_runaway_figure_shows_wilson_intervals(ensemble):
    _, frame, summary = ensemble
    fig = risk_figures.runaway_probability_figure(summary, "Clustering tightness",
                                                  ["0.00", "1.00"])
    assert fig.layout.template == pio.templates[TEMPLATE]
    points = fig.data[0]
    k = frame.groupby("tightness")["runaway"].sum().to_numpy()
    low, high = wilson_interval(k, 100)
    assert points.mode == "markers", "no line across the values not run"
    np.testing.assert_allclose(points.y, k / 100 * 100)
    np.testing.assert_allclose(np.asarray(points.y) + points.error_y.array, high * 100)
    np.testing.assert_allclose(np.asarray(points.y) - points.error_y.arrayminus, low * 100)
    assert fig.layout.yaxis.title.text == "Books that ran away (%)"


def test_with_the_clock_the_runaway_chart_counts_the_explorers_timed_verdicts(app, monkeypatch):
    """Issue 17: with the clock on, a book runs away on the Risk page exactly when the
    Explorer's Analysis of that seed says so (the timed ratio R x p), not by the instant peak
    R, and the chart names the rule. Run in this process (client None: run_ensemble here)."""
    monkeypatch.setattr(risk_ui, "client", lambda address: None)
    app.switch_page("pages/risk.py")
    app.query_params.update({"n": "1K", "books": str(BOOKS), "points": "3",
                             "engine_rate": "1M", "resilience_half_life": "20"})
    at = app.run()
    at.button(key="run").click().run()
    assert_healthy(at)
    base = Scenario(n=SMALL_N, engine_rate=1e6, resilience_half_life=20.0)
    assert base.clock
    frame = list(at.session_state["risk_results"].values())[-1]
    expected, instant = [], []
    for tightness in (0.0, 0.5, 1.0):
        verdicts, instants = [], []
        for seed in range(base.seed, base.seed + BOOKS):
            one = base.replace(seed=seed, tightness=tightness)
            book = one.book()
            analysis = analyse_book(one, book)
            verdicts.append(analysis.runaway)
            instants.append(cascade.is_runaway(book, analysis.result.total_move))
        expected.append(np.mean(verdicts))
        instant.append(np.mean(instants))
    assert frame["runaway"].tolist() == [
        analyse_book(one, one.book()).runaway
        for one in (base.replace(seed=s, tightness=t) for t in (0.0, 0.5, 1.0)
                    for s in range(base.seed, base.seed + BOOKS))]
    figure = charts(at)["runaway"]
    np.testing.assert_allclose(np.asarray(trace(figure, "Books that ran away")["y"], float),
                               np.array(expected) * 100)
    assert expected != instant          # the instant rule would have drawn other shares
    assert "R × p >= 1" in figure["layout"]["title"]["subtitle"]["text"]
