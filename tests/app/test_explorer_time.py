"""The Explorer's Time section (issue 17 section 3): drawn when the clock is on and only then,
its figures equal to the timed run's own (each recomputed here from the run's series and
population, not read back from the view), its charts carrying the series (binned sums to the
cent, thinned lines that keep every extreme), light in the browser for the longest runs, and
the report and downloads that follow it."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from cascade import Scenario, TimedResult
from cascade.analysis import analyse
from cascade.clock import SERIES_COLUMNS
from cascade_view import downloads, headline, report, text, time_figures, views
from cascade_view.formats import pct, seconds, usd
from tests.app.apptools import as_array, charts, run, trace

# the clock link of the browser test and the screenshots: a fall over 60 s, a 5% rebound over
# 120 s, a book refilling with a 20 s half-life and a $20M-per-second engine
CLOCK = dict(path="fall_then_rebound", fall_seconds="60", rebound="0.05",
             rebound_seconds="120", resilience_half_life="20", engine_rate="20000000")
CLOCKED = Scenario(path="fall_then_rebound", fall_seconds=60.0, rebound=0.05,
                   rebound_seconds=120.0, resilience_half_life=20.0, engine_rate=20e6)
# the same with accounts kept (a $1M fund, a 0.5% fee), so the fund chart and bad debt show
ACCOUNTS = dict(CLOCK, insurance_fund="1M", liquidation_fee="0.005")
KEPT = CLOCKED.replace(insurance_fund=1e6, liquidation_fee=0.005)
TIME_LABELS = ["Peak minute", "Queue cleared in", "Deepest fill", "Bad debt"]
SECTION = "Time: the cascade in seconds"


def time_metrics_shown(at) -> dict[str, tuple[str, str]]:
    """The Time row as shown: label -> (value, delta), the four metrics from 'Peak minute'
    on (the venue row, when there is one, has its own 'Bad debt' further down)."""
    shown = list(at.metric)
    first = [m.label for m in shown].index("Peak minute")
    return {m.label: (m.value, m.delta) for m in shown[first:first + 4]}


# ------------------------------------------------------------------ plain references

def reference_peak_minute(series: pd.DataFrame, dt: float) -> float:
    """The most notional executed in any window of round(60 / dt) consecutive ticks, summed
    window by window (the whole run when shorter)."""
    executed = (series["long_notional"] + series["short_notional"]).to_numpy()
    window = max(1, round(60.0 / dt))
    if executed.size <= window:
        return float(executed.sum())
    return max(float(executed[i:i + window].sum()) for i in range(executed.size - window + 1))


def reference_slippage(result: TimedResult) -> float:
    """max over liquidated positions of s_i (L_i - F) / L_i, L_i its liquidation price from
    docs/model.md (long e(1 - 1/L + m), short e(1 + 1/L - m)) and F the fill of the tick
    that finished it, read from the series."""
    pop, m = result.population, result.market.maintenance_margin
    hit = np.flatnonzero(result.liquidated_in >= 1)
    side, lev, entry = pop.side[hit], pop.leverage[hit], pop.entry_price[hit]
    liq = np.where(side > 0, entry * (1 - 1 / lev + m), entry * (1 + 1 / lev - m))
    fills = result.series.set_index("tick")["fill_price"]
    fill = fills.loc[result.liquidated_in[hit]].to_numpy()
    return float(np.max(side * (liq - fill) / liq))


def reference_clear_seconds(series: pd.DataFrame, dt: float) -> float:
    executed = series.loc[(series["long_notional"] + series["short_notional"]) > 0, "seconds"]
    return float(executed.iloc[-1] + dt - executed.iloc[0])


# ------------------------------------------------------------------ the page

def test_the_time_section_appears_with_the_clock_and_its_figures_are_the_runs(app):
    at = run(app, **CLOCK)
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert SECTION in [s.value for s in at.subheader]
    result = CLOCKED.run()
    assert isinstance(result, TimedResult)
    series, dt = result.series, result.tick_seconds
    shown = time_metrics_shown(at)
    assert list(shown) == TIME_LABELS
    # the peak minute: the model's figure, recomputed window by window
    peak = reference_peak_minute(series, dt)
    assert peak == pytest.approx(result.peak_minute_notional, rel=1e-12)
    assert shown["Peak minute"][0] == usd(result.peak_minute_notional) == usd(peak)
    start, end = (float(t.removesuffix(" s").replace(",", ""))
                  for t in shown["Peak minute"][1].split(" to "))
    inside = series[(series["seconds"] >= start) & (series["seconds"] < end)]
    executed = inside["long_notional"] + inside["short_notional"]
    assert 0 < end - start <= 60.0
    assert executed.sum() == pytest.approx(peak, rel=1e-12)
    assert executed.iloc[0] > 0 and executed.iloc[-1] > 0  # from a liquidation to one
    # the queue's clearing time and its largest size
    clear = reference_clear_seconds(series, dt)
    assert clear == result.clear_seconds
    executing = series.loc[(series["long_notional"] + series["short_notional"]) > 0, "seconds"]
    queue_peak = (series["queue_long"] + series["queue_short"]).max()
    assert shown["Queue cleared in"] == (
        seconds(clear), f"{seconds(executing.iloc[0])} to {seconds(executing.iloc[-1] + dt)}; "
                        f"queue peak {usd(queue_peak)}")
    # the deepest fill past a liquidation price
    slip = reference_slippage(result)
    assert slip == pytest.approx(result.slippage, rel=1e-12) and slip > 0
    assert shown["Deepest fill"] == (pct(slip, 2, signed=False), "past its liquidation price")
    # no accounts are kept on this link: said so, not a $0
    assert result.ledger is None
    assert shown["Bad debt"] == ("not kept", "no accounts kept")
    # the caption under the title: the run's length in ticks, from the run
    executing = int(((series["long_notional"] + series["short_notional"]) > 0).sum())
    assert any(f"This run lasted {seconds(len(series) * dt)}: {len(series):,} ticks of 1 s, "
               f"in {executing:,} of which the engine liquidated positions." in c.value
               for c in at.caption)
    # the three charts of a run without accounts, and the series download
    figures = charts(at)
    assert {"time-price", "time-liquidations", "time-queue"} <= set(figures)
    assert "time-fund" not in figures
    assert "Time series (CSV)" in [b.label for b in at.get("download_button")]
    # the traded price drawn is the series' price after each tick, at each tick's start
    traded = trace(figures["time-price"], "Traded price (with liquidations)")
    np.testing.assert_array_equal(as_array(traded["x"]), series["seconds"].to_numpy())
    np.testing.assert_allclose(as_array(traded["y"]), series["price"] / result.market.price
                               * 100, rtol=1e-15)
    path = trace(figures["time-price"], "Path alone (no liquidations)")
    np.testing.assert_allclose(as_array(path["y"]), series["exogenous_price"], rtol=1e-15)
    bars = trace(figures["time-liquidations"], "Longs (forced sells)")
    assert as_array(bars["y"]).sum() == pytest.approx(series["long_notional"].sum(), abs=0.005)


def test_with_accounts_kept_the_fund_is_drawn_and_bad_debt_is_the_runs(app):
    at = run(app, **ACCOUNTS)
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    result = KEPT.run()
    assert result.ledger is not None
    shown = time_metrics_shown(at)
    assert shown["Bad debt"] == (usd(result.bad_debt),
                                 f"fund left {usd(result.ledger['fund_end'])}")
    assert result.bad_debt == pytest.approx(float(result.waves["bad_debt"].sum()), abs=0.005)
    figures = charts(at)
    fund = trace(figures["time-fund"], "Insurance fund")
    np.testing.assert_allclose(as_array(fund["y"]), result.series["fund"], rtol=1e-15)
    assert as_array(fund["y"])[0] == 1e6  # the fund's start until the first liquidation
    owed = as_array(trace(figures["time-fund"], "Bad debt so far")["y"])
    assert owed[-1] == pytest.approx(result.bad_debt, abs=0.005)
    assert (np.diff(owed) >= 0).all()


def test_without_the_clock_there_is_no_time_section_and_no_extra_chart(app):
    at = app.run()
    assert not at.exception
    assert SECTION not in [s.value for s in at.subheader]
    labels = [m.label for m in at.metric]
    assert not set(TIME_LABELS[:3]) & set(labels)
    assert set(charts(at)) == {"response", "price-path", "waves", "leverage",
                               "liquidation-map"}
    assert "Time series (CSV)" not in [b.label for b in at.get("download_button")]


# ------------------------------------------------------------------ the figures

@pytest.fixture(scope="module")
def clocked():
    return analyse(CLOCKED)


def test_no_clock_no_time_figures_or_metrics():
    plain = analyse(Scenario(n=2_000))
    assert views.explorer_time_figures(plain) == {}
    assert headline.time_metrics(plain) == [] and headline.time_sentence(plain) == ""


def test_time_figures_pass_plotlys_checks_unchanged(clocked):
    """Built unchecked (figures.Draft), as the Explorer's other charts: rebuilt with the
    checks on, each gives the same JSON."""
    kept = analyse(KEPT)
    built = {**views.explorer_time_figures(clocked),
             **{f"kept-{k}": v for k, v in views.explorer_time_figures(kept).items()}}
    assert {"time-price", "time-liquidations", "time-queue", "kept-time-fund"} <= set(built)
    for name, fig in built.items():
        checked = go.Figure(fig.to_dict())
        assert json.loads(checked.to_json()) == json.loads(fig.to_json()), name
        assert fig.layout.template.layout.font.color == "#1f2937", name  # the project's


# a rebound past the start (+5% after -5%) liquidates shorts too
REBOUND = KEPT.replace(rebound=0.1)


@pytest.mark.parametrize("scenario", [CLOCKED, REBOUND], ids=["fall", "rebound"])
def test_liquidation_bars_are_the_series_binned_to_the_cent(scenario):
    result = scenario.run()
    series = result.series
    fig = time_figures.liquidations_time_figure(series, result.tick_seconds)
    width = time_figures.bin_seconds(result.duration, result.tick_seconds)
    assert width == 1.0  # a run of minutes: bars per second
    sides = [("Longs (forced sells)", "long_notional"), ("Shorts (forced buys)", "short_notional")]
    drawn = [name for name, column in sides if series[column].sum() > 0]
    assert [t.name for t in fig.data] == drawn  # a side only when it was reached
    assert len(drawn) == (2 if scenario is REBOUND else 1)
    for name, column in sides[:len(drawn)]:
        bars = next(t for t in fig.data if t.name == name)
        reference = series.groupby(np.floor(series["seconds"] / width))[column].sum()
        np.testing.assert_allclose(np.asarray(bars.y), reference.to_numpy(), atol=0.005)
        assert abs(float(np.sum(bars.y)) - float(series[column].sum())) < 0.005
    shade = [s for s in fig.layout.shapes if s.type == "rect"]
    peak = time_figures.peak_minute(series, result.tick_seconds)
    assert len(shade) == 1 and (shade[0].x0, shade[0].x1) == (peak.start, peak.end)
    assert f"Peak minute: {usd(result.peak_minute_notional)}" in [
        a.text for a in fig.layout.annotations]


def long_series(ticks: int, seed: int = 0) -> pd.DataFrame:
    """A series of the timed engine's columns, `ticks` long: a random-walk price and path,
    bursts of liquidations on both sides, queues and a fund (as a long slow-engine run)."""
    rng = np.random.default_rng(seed)
    walk = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, ticks)))
    longs = np.where(rng.random(ticks) < 0.3, rng.lognormal(12, 2, ticks), 0.0)
    shorts = np.where(rng.random(ticks) < 0.1, rng.lognormal(11, 2, ticks), 0.0)
    return pd.DataFrame({
        "tick": np.arange(1, ticks + 1), "seconds": np.arange(ticks, dtype=float),
        "move": walk / 100 - 1, "exogenous_price": walk, "start_price": walk * 0.99,
        "price": walk * (0.98 + 0.01 * rng.random(ticks)), "fill_price": walk * 0.985,
        "long_count": (longs > 0).astype(int), "short_count": (shorts > 0).astype(int),
        "long_notional": longs, "short_notional": shorts,
        "queue_long": np.abs(np.cumsum(rng.normal(0, 1e6, ticks))),
        "queue_short": np.abs(np.cumsum(rng.normal(0, 1e5, ticks))),
        "fund": 1e6 + np.cumsum(rng.normal(0, 1e3, ticks))}, columns=SERIES_COLUMNS)


@pytest.mark.parametrize("ticks, width", [(200_000, 600.0), (12_345, 60.0), (601, 60.0),
                                          (600, 1.0)])
def test_the_longest_runs_stay_light_and_keep_their_sums_and_extremes(ticks, width):
    """MAX_TICKS is 200,000: every chart then carries at most a few thousand points, the
    bars still sum to the series to the cent, and each thinned line keeps its first and last
    point, its lowest and its highest."""
    series = long_series(ticks)
    waves = pd.DataFrame({"seconds": series["seconds"][series["long_notional"] > 0],
                          "bad_debt": 1.0})
    built = {"price": time_figures.price_time_figure(series, 100.0, 1.0),
             "liquidations": time_figures.liquidations_time_figure(series, 1.0),
             "queue": time_figures.queue_time_figure(series, 1.0, 5e6),
             "fund": time_figures.fund_time_figure(series, waves, 1.0)}
    for name, fig in built.items():
        points = sum(len(t.x) for t in fig.data)
        assert points <= 4_000, (name, points)
        for t in fig.data:
            assert len(t.x) <= max(time_figures.MAX_LINE_POINTS, time_figures.MAX_BARS)
    assert time_figures.bin_seconds(float(ticks), 1.0) == width  # the first that fits
    assert math.ceil(ticks / width) <= time_figures.MAX_BARS
    for trace_, column in zip(built["liquidations"].data, ("long_notional", "short_notional")):
        assert abs(float(np.sum(trace_.y)) - float(series[column].sum())) < 0.005
    lines = {("price", "Traded price (with liquidations)"): series["price"],
             ("price", "Path alone (no liquidations)"): series["exogenous_price"],
             ("queue", "Longs waiting"): series["queue_long"],
             ("queue", "Shorts waiting"): series["queue_short"],
             ("fund", "Insurance fund"): series["fund"]}
    for (name, label), column in lines.items():
        drawn = next(t for t in built[name].data if t.name == label)
        y, x = np.asarray(drawn.y), np.asarray(drawn.x)
        values = column.to_numpy()
        assert y.min() == values.min() and y.max() == values.max(), label
        assert (x[0], x[-1]) == (0.0, float(ticks - 1)) and (np.diff(x) > 0).all(), label
        np.testing.assert_array_equal(y, values[x.astype(int)])  # points of the series


def test_thin_keeps_each_runs_extremes():
    rng = np.random.default_rng(3)
    values = rng.normal(size=10_007)
    keep = time_figures.thin(values, 100)
    assert keep.size <= 100 and keep[0] == 0 and keep[-1] == values.size - 1
    buckets = np.arange(values.size) * 49 // values.size
    for b in range(49):
        run_ = np.flatnonzero(buckets == b)
        assert run_[np.argmin(values[run_])] in keep and run_[np.argmax(values[run_])] in keep
    np.testing.assert_array_equal(time_figures.thin(values[:100], 100), np.arange(100))


def test_a_run_that_liquidates_nobody_draws_notes_not_charts():
    quiet = analyse(Scenario(n=2_000, path="fall", fall_seconds=10.0, shock=-0.001))
    assert quiet.result.wave_count == 0
    shown = {m.label: m.value for m in headline.time_metrics(quiet)}
    assert shown == {"Peak minute": "none", "Queue cleared in": "none", "Deepest fill": "none",
                     "Bad debt": "not kept"}
    built = views.explorer_time_figures(quiet)
    assert not built["time-liquidations"].data and not built["time-queue"].data
    assert [t.name for t in built["time-price"].data] == [
        "Path alone (no liquidations)", "Traded price (with liquidations)",
        "Lowest traded price"]


# ------------------------------------------------------------------ report and download

def test_the_report_holds_the_time_charts_and_figures_only_with_the_clock(clocked):
    page = report.scenario_report(clocked)
    for fig in views.explorer_time_figures(clocked).values():
        assert fig.layout.title.text in page
    for metric in headline.time_metrics(clocked):
        assert metric.label in page and metric.value in page
    assert headline.time_sentence(clocked) in page
    plain = report.scenario_report(analyse(Scenario(n=2_000)))
    assert "Price in time" not in plain and "Peak minute" not in plain


def test_the_report_shows_bad_debt_once_when_two_rows_hold_it():
    page = report.scenario_report(analyse(KEPT.replace(n=2_000)))
    assert page.count('<div class="label">Bad debt</div>') == 1
    assert "Insurance fund and bad debt in time" in page


def test_the_series_download_is_the_runs_series(clocked):
    result = clocked.result
    read = pd.read_csv(io.StringIO(downloads.series_csv(result)))
    assert list(read.columns) == SERIES_COLUMNS and len(read) == len(result.series)
    np.testing.assert_allclose(read["price"], result.series["price"], rtol=1e-15)
    with pytest.raises(ValueError, match="series"):
        downloads.series_csv(Scenario(n=2_000).run())


@pytest.mark.parametrize("rule, words", [
    ("hyperliquid", "above $100K in 5 parts, 30 s apart."),
    ("dydx", "at most 50 positions a tick.")])
def test_the_queue_chart_names_the_venues_rule_that_made_the_queue(rule, words):
    """With no rate limit but a venue's rule the queue still builds: the subtitle says which
    rule, in the figures the model runs (cascade.market)."""
    result = Scenario(n=2_000, engine_rule=rule).run()
    assert result.market.engine_rate is None and result.peak_queue > 0
    fig = views.explorer_time_figures(analyse(Scenario(n=2_000, engine_rule=rule)))["time-queue"]
    subtitle = fig.layout.title.subtitle.text
    assert "Engine: no rate limit;" in subtitle and subtitle.endswith(words)
    drawn = as_array(next(t for t in fig.data if t.name.endswith("waiting")).y)
    assert drawn.max() == pytest.approx(result.peak_queue, rel=1e-12)


@pytest.mark.parametrize("name", ["time"] + [how for _, how in views.TIME_CHARTS])
def test_every_time_doc_exists_and_escapes_dollars_for_streamlit(name):
    body = text.doc(name)
    assert body.strip() and "$" not in body.replace("\\$", "")


@pytest.mark.parametrize("value, shown", [(67.0, "67 s"), (3307.0, "3,307 s"), (0.0, "0 s"),
                                          (0.5, "0.5 s"), (2.25, "2.25 s"),
                                          (200_000.0, "200,000 s")])
def test_seconds_are_shown_as_exactly_as_the_ticks(value, shown):
    assert seconds(value) == shown
