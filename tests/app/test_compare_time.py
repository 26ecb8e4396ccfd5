"""Compare, in time (issue 17 section 3): one clock for both sides, set once and bound to the
URL as clock_<field>; the time rows and the contrast sentence are the two timed runs'
figures; the time charts draw both runs' series. The view's pieces (cascade_view.story,
cascade_view.compare_time_figures) are checked against the runs they came from, the page
through AppTest."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cascade import Scenario
from cascade.clock import TimedResult
from cascade.scenario import CLOCK_FIELDS
from cascade_view import compare_time_figures as figures
from cascade_view import story
from cascade_view.formats import pct, usd
from cascade_view.knobs import KNOBS
from tests.app.apptools import as_array, chart_specs, charts, run, trace
from tests.app.conftest import APP

COMPARE = "pages/compare.py"
INSTANT_CHARTS = {"compare-paths", "compare-leverage", "compare-map", "compare-response"}
TIME_CHARTS = {"compare-time-price", "compare-time-liquidations", "compare-leverage",
               "compare-map", "compare-response"}
SMALL = dict(n=2_000)


def pair(**changes) -> tuple[TimedResult, TimedResult]:
    """The Compare default pair (A tightness 0, B tightness 1) under `changes`."""
    return tuple(Scenario(tightness=t, **changes).run() for t in (0.0, 1.0))


def clock_query(values: dict) -> dict[str, str]:
    """The URL of a clock: clock_<field> for each field off its default, as the widgets
    write it."""
    default = Scenario()
    return {f"clock_{name}": KNOBS[name].url_text(value) for name, value in values.items()
            if value != getattr(default, name)}


# ------------------------------------------------------------------ the view, pure


@pytest.mark.parametrize("changes", [
    story.COMPARE_CLOCK,
    dict(resilience_half_life=20.0, engine_rate=20e6, insurance_fund=1e6,
         liquidation_fee=0.005),
    dict(path="fall_then_rebound", shock=-0.06, rebound=0.08, fall_seconds=30.0,
         resilience_half_life=10.0, long_share=0.5),
])
def test_time_rows_are_the_timed_results_figures(changes):
    a, b = pair(**SMALL, **changes)
    rows = {row[0]: row[1:] for row in story.time_rows(a, b)}
    for result, column in ((a, 0), (b, 1)):
        prices = result.series["price"].to_numpy()
        low = prices.min() if result.shock <= 0 else prices.max()
        first = int(np.flatnonzero(prices == low)[0])
        assert rows["Lowest move"][column] == pct(low / result.market.price - 1)
        when = result.series["seconds"].iloc[first] + result.tick_seconds
        assert rows["Reached at"][column] == story._seconds(when)
        assert rows["Peak minute (notional)"][column] == usd(result.peak_minute_notional)
        assert rows["Time to clear the queue"][column] == story._seconds(result.clear_seconds)
        assert rows["Deepest fill past a liquidation price"][column] == \
            pct(result.slippage, 2, signed=False)
        assert rows["Bad debt"][column] == (usd(result.bad_debt)
                                            if result.market.keeps_accounts
                                            else story.NOT_COUNTED)
    assert rows["Peak minute (notional)"][2] == usd(b.peak_minute_notional
                                                    - a.peak_minute_notional)
    assert rows["Lowest move"][2] == \
        f"{(story.lowest_point(b)[0] - story.lowest_point(a)[0]) * 100:+.1f} pts"


def test_peak_minute_and_clear_time_from_the_series_by_hand():
    """The rows' peak minute is the largest sum of 60 consecutive 1 s ticks of executed
    notional, and the time to clear runs from the first executing tick's start to the last
    one's end: recomputed here from the series with a plain loop."""
    a, _ = pair(**SMALL, **story.COMPARE_CLOCK)
    executed = (a.series["long_notional"] + a.series["short_notional"]).to_list()
    best = max(sum(executed[i:i + 60]) for i in range(max(1, len(executed) - 59)))
    assert a.peak_minute_notional == pytest.approx(best, rel=1e-12)
    busy = [i for i, x in enumerate(executed) if x > 0]
    assert a.clear_seconds == busy[-1] - busy[0] + 1


def test_the_timed_contrast_is_true_of_the_runs():
    a, b = pair(**SMALL, **story.COMPARE_CLOCK)
    sentence = story.timed_contrast(a, b)
    found = re.fullmatch(
        r"Along the same path, a move to (\S+) over (\d+) s, A's traded price bottoms at "
        r"(\S+) after (.+?) and B's at (\S+) after (.+?); A's liquidations take the engine "
        r"(.+?) to clear and B's liquidations take the engine (.+?) to clear\.", sentence)
    assert found, sentence
    assert found[1] == pct(-0.05) and float(found[2]) == story.COMPARE_CLOCK["fall_seconds"]
    (move_a, when_a), (move_b, when_b) = story.lowest_point(a), story.lowest_point(b)
    assert found[3] == pct(move_a) and found[5] == pct(move_b)
    assert found[4] == story._seconds(when_a) and found[6] == story._seconds(when_b)
    assert found[7] == story._seconds(a.clear_seconds)
    assert found[8] == story._seconds(b.clear_seconds)
    assert move_a == pytest.approx(a.series["price"].min() / 100 - 1, abs=0)


def test_the_timed_contrast_when_one_side_liquidates_no_one():
    a = Scenario(**SMALL, tightness=0.0, shock=-0.02, **{**story.COMPARE_CLOCK}).run()
    b = Scenario(**SMALL, tightness=1.0, shock=-0.02, **{**story.COMPARE_CLOCK}).run()
    assert b.waves.empty and not a.waves.empty
    sentence = story.timed_contrast(a, b)
    assert sentence.endswith("; A's liquidations take the engine "
                             f"{story._seconds(a.clear_seconds)} to clear and B liquidates "
                             "no one.")


def test_seconds_words():
    assert story._seconds(35) == "35 s" and story._seconds(119.4) == "119 s"
    assert story._seconds(120) == "2 min" and story._seconds(294) == "4 min 54 s"


def test_liquidations_per_bin_sum_to_what_was_executed():
    a, b = pair(**SMALL, **story.COMPARE_CLOCK)
    for result in (a, b):
        for width in figures.BIN_SECONDS[:3]:
            starts, sums = figures.liquidations_per_bin(result.series, 1.0, width)
            assert sums.sum() == pytest.approx(result.liquidated_notional, rel=1e-9)
            assert np.all(np.diff(starts) == width)
    fig = figures.time_liquidations_figure({"A": (a.series, 1.0), "B": (b.series, 1.0)})
    longest = max(len(a.series), len(b.series))
    assert figures.bin_seconds(longest) == 10.0  # runs of a few minutes: 10 s bins
    assert [t.name for t in fig.data] == ["A: liquidated per 10 s", "B: liquidated per 10 s"]


def test_the_price_chart_draws_each_runs_traded_price_and_the_path_once():
    a, b = pair(**SMALL, **story.COMPARE_CLOCK)
    fig = figures.time_price_figure({"A": (a.series, 1.0), "B": (b.series, 1.0)},
                                    story.same_path(a, b))
    names = [t.name for t in fig.data]
    assert names == ["A: traded price", "B: traded price",
                     "The path (both, before liquidations)"]
    for trace_, result in zip(fig.data[:2], (a, b)):
        np.testing.assert_array_equal(trace_.y[1:], result.series["price"].to_numpy())
        np.testing.assert_array_equal(trace_.x[1:], result.series["seconds"].to_numpy() + 1)
    assert fig.data[2].line.dash == "dash"
    other = Scenario(**SMALL, tightness=1.0, **{**story.COMPARE_CLOCK, "fall_seconds": 30.0}
                     ).run()
    assert not story.same_path(a, other)
    fig = figures.time_price_figure({"A": (a.series, 1.0), "B": (other.series, 1.0)}, False)
    assert [t.name for t in fig.data] == ["A: traded price", "A: the path", "B: traded price",
                                          "B: the path"]


def test_a_long_run_is_thinned_and_keeps_its_lowest_point():
    seconds = np.arange(10_001, dtype=float)
    values = np.cos(seconds / 500.0) - seconds * 1e-5
    values[7_777] = -5.0
    x, y = figures._thinned(seconds, values, low=True)
    assert x.size <= figures.MAX_POINTS and y.min() == -5.0 and 7_777.0 in x


# ------------------------------------------------------------------ the page


def open_compare(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(COMPARE)
    return run(at, **query)


def healthy(at, names: set[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert set(charts(at)) == names


def test_a_clock_link_puts_both_sides_under_it_and_compares_them_in_time():
    at = open_compare(**clock_query(story.COMPARE_CLOCK))
    healthy(at, TIME_CHARTS)
    a, b = pair(**story.COMPARE_CLOCK)
    spec = charts(at)["compare-time-price"]
    for side, result in (("A", a), ("B", b)):
        line = trace(spec, f"{side}: traded price")
        np.testing.assert_array_equal(as_array(line["y"])[1:], result.series["price"])
    assert any(story.timed_contrast(a, b) in m.value for m in at.markdown)
    said = " ".join(c.value for c in at.caption)
    assert ("Book refill half-life (seconds) **20**; Permanent share of impact **65%**; "
            "Venue's liquidation rule **hyperliquid**; Price path **fall**; "
            "Fall duration (seconds) **60**") in said
    table = at.dataframe[0].value
    rows = story.time_rows(a, b)
    assert table.iloc[:len(rows)].values.tolist() == [list(row) for row in rows]
    assert table.iloc[len(rows)].tolist() == ["Move at the end", pct(a.total_move),
                                              pct(b.total_move),
                                              story.difference_rows(a, b)[0][3]]
    liquidations = charts(at)["compare-time-liquidations"]
    for side, result in (("A", a), ("B", b)):
        bars = as_array(trace(liquidations, f"{side}: liquidated per 10 s")["y"])
        assert bars.sum() == pytest.approx(result.liquidated_notional, rel=1e-9)


def test_the_clock_button_sets_the_shared_clock_and_the_url_brings_it_back():
    at = open_compare()
    healthy(at, INSTANT_CHARTS)
    at.button(key="clock_from_sources").click().run()
    healthy(at, TIME_CHARTS)
    shown = {key: at.query_params[key] for key in at.query_params if key.startswith("clock_")}
    wanted = clock_query(story.COMPARE_CLOCK)
    assert {k: KNOBS[k.removeprefix("clock_")].read(v)[0] for k, v in shown.items()} == \
        {k: KNOBS[k.removeprefix("clock_")].read(v)[0] for k, v in wanted.items()}
    first = chart_specs(at)
    again = open_compare(**shown)  # the link, opened afresh
    healthy(again, TIME_CHARTS)
    for name in ("compare-time-price", "compare-time-liquidations"):
        assert chart_specs(again)[name] == first[name]
    at.button(key="clock_off").click().run()
    healthy(at, INSTANT_CHARTS)
    assert not any(key.startswith("clock_") for key in at.query_params)


def test_a_side_has_no_clock_controls_and_a_side_clock_link_is_named_and_ignored():
    at = open_compare(a_resilience_half_life="20", b_path="fall", a_shock="-0.06")
    healthy(at, INSTANT_CHARTS)  # neither side runs a clock: only the shared one would
    keys = {w.key for w in at.slider} | {w.key for w in at.select_slider} | \
        {w.key for w in at.radio}
    for name in CLOCK_FIELDS:
        assert f"clock_{name}" in keys
        assert f"a_{name}" not in keys and f"b_{name}" not in keys
    notices = " ".join(i.value for i in at.info)
    assert "`a_resilience_half_life=20` is set once for both sides here, as " \
           "`clock_resilience_half_life`" in notices
    assert "`b_path=fall` is set once for both sides here, as `clock_path`" in notices
    assert "a_resilience_half_life" not in at.query_params
    assert at.query_params["a_shock"] == "-0.06"


def test_the_shared_clock_reaches_both_sides_whatever_they_change():
    """Each side keeps its own crowd and shock, and both run under the shared clock."""
    clock = dict(resilience_half_life=20.0, engine_rate=50e6)
    at = open_compare(**clock_query(clock), b_shock="-0.07", a_depth="50M")
    healthy(at, TIME_CHARTS)
    a = Scenario(tightness=0.0, depth=50e6, **clock).run()
    b = Scenario(tightness=1.0, shock=-0.07, **clock).run()
    spec = charts(at)["compare-time-price"]
    np.testing.assert_array_equal(as_array(trace(spec, "A: traded price")["y"])[1:],
                                  a.series["price"])
    np.testing.assert_array_equal(as_array(trace(spec, "B: traded price")["y"])[1:],
                                  b.series["price"])
    assert "Along their own paths" in story.timed_contrast(a, b)
    assert any(story.timed_contrast(a, b) in m.value for m in at.markdown)
