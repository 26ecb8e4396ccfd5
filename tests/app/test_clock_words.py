"""The words under a clock and a path (issue 17, section 3), each checked against the run:
the headline's "path alone", the verdict's "no liquidations" end, the instant charts' "wave"
become "tick" (price path, waves, leverage and the liquidation map), the CLI's lines and
table, and the Time section's PNG downloads."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

from cascade import Scenario
from cascade.analysis import analyse
from cascade_view import cli, headline, views
from cascade_view.formats import pct, seconds, usd
from streamlit.testing.v1 import AppTest

from tests.app.apptools import run
from tests.app.conftest import APP

SMALL = dict(n=5_000)
FALL = dict(path="fall", fall_seconds=120.0, resilience_half_life=20.0, engine_rate=20e6)
REBOUND = dict(path="fall_then_rebound", fall_seconds=120.0, rebound=0.03,
               rebound_seconds=60.0, resilience_half_life=20.0)
JUMP_CLOCK = dict(engine_rate=20e6)
CLOCKS = {"fall": FALL, "rebound": REBOUND, "jump": JUMP_CLOCK}


def labelled(analysis) -> dict[str, headline.Metric]:
    return {m.label: m for m in headline.metrics(analysis)}


@pytest.mark.parametrize("name", CLOCKS)
def test_the_headline_names_ticks_and_the_path_alone_from_the_run(name):
    analysis = analyse(Scenario(**SMALL, **CLOCKS[name]))
    result = analysis.result
    shown = labelled(analysis)
    assert "Waves" not in shown and "Largest wave" not in shown
    assert shown["Liquidating ticks"].value == f"{result.wave_count}"
    assert result.wave_count == len(result.waves) > 0
    busiest = result.waves.loc[result.waves["notional"].idxmax()]
    assert shown["Largest tick"].value == usd(busiest["notional"])
    assert shown["Largest tick"].delta == (f"tick {int(busiest['tick'])}, at "
                                           f"{seconds(busiest['seconds'])}")
    assert busiest["seconds"] == (busiest["tick"] - 1) * result.tick_seconds
    final = shown["Final move"]
    assert final.value == pct(result.total_move)
    if name == "jump":
        assert final.delta == f"shock alone {pct(analysis.scenario.shock)}"
    else:
        end = float(result.path.moves[-1])
        assert final.delta == f"path alone {pct(end)} at its end"
        # the path alone at its end: the shock for a fall, shock + rebound after a rebound
        expected = analysis.scenario.shock + (REBOUND["rebound"] if name == "rebound" else 0)
        assert end == pytest.approx(expected, abs=1e-12)
        assert "at the end" in final.help and pct(analysis.scenario.shock) in final.help


def test_without_the_clock_the_headline_keeps_waves_and_the_shock_alone():
    analysis = analyse(Scenario(**SMALL))
    shown = labelled(analysis)
    assert shown["Waves"].value == f"{analysis.result.wave_count}"
    assert shown["Final move"].delta == f"shock alone {pct(analysis.scenario.shock)}"
    assert shown["Largest wave"].delta.startswith("wave ")


@pytest.mark.parametrize("name", ["fall", "rebound"])
@pytest.mark.parametrize("shock", [-0.03, -0.05, -0.08, -0.15])
def test_no_verdict_under_a_path_says_the_shock_jumped(name, shock):
    """'jumped past the tipping point' is a jump's story: along a fall or a rebound the
    sentences say what the timed run did, with its figures."""
    analysis = analyse(Scenario(**SMALL, shock=shock, **CLOCKS[name]))
    kind, sentence = headline.verdict(analysis)
    assert "jump" not in sentence
    assert "jump" not in headline.critical_sentence(analysis).replace("Without the clock", "")
    assert pct(analysis.result.total_move) in sentence


def test_no_liquidations_along_a_rebound_ends_where_the_path_ends():
    analysis = analyse(Scenario(**SMALL, shock=-0.005, path="fall_then_rebound",
                                rebound=0.01))
    result = analysis.result
    assert result.wave_count == 0
    kind, sentence = headline.verdict(analysis)
    assert kind == "none"
    assert result.total_move == pytest.approx(0.005, abs=1e-12)
    assert sentence == ("No liquidations: the price path, out to -0.5% at its furthest, "
                        "reaches no one's liquidation price, so the price ends where the path "
                        f"alone ends, at {pct(result.total_move)}.")
    calm = analyse(Scenario(**SMALL, shock=-0.005))
    assert headline.verdict(calm)[1].endswith(f"so the price stays at {pct(-0.005)}.")


def test_the_instant_charts_name_the_ticks_of_a_timed_run():
    analysis = analyse(Scenario(**SMALL, **REBOUND))
    result = analysis.result
    ticks = result.waves["tick"].to_numpy()
    built = views.explorer_figures(analysis)
    # the price path: start, first tick, each liquidating tick (and the end)
    price = built["price-path"]
    steps = list(price.data[1].x)
    assert steps[:2] == ["Start", "First tick"]
    assert steps[2:2 + len(ticks)] == [f"Tick {t}" for t in ticks]
    assert set(steps[2 + len(ticks):]) <= {"End"}
    assert list(price.data[1].y) == list(result.price_path)
    alone = price.data[0]
    assert alone.name == "Path alone at its end (no liquidations)"
    assert alone.y[0] == pytest.approx(100 * (1 + result.path.moves[-1]), rel=1e-12)
    assert "wave" not in price.layout.title.text.lower()
    # the waves chart: one bar per liquidating tick, named by its tick
    waves = built["waves"]
    assert list(waves.data[1].x) == [f"Tick {t}" for t in ticks]
    assert "tick" in waves.layout.title.text
    # the leverage chart and the map: each tick's group holds that tick's positions
    single = [t for t in built["leverage"].data if t.name.startswith("Tick ")]
    assert single, "no tick groups"
    for trace in single:
        tick = int(trace.name.split()[1])
        assert np.sum(trace.y) == np.sum(result.liquidated_in == tick)
        assert "Tick" in trace.hovertemplate and "Wave" not in trace.hovertemplate
    band = [t for t in built["leverage"].data if t.name.startswith("Ticks ")]
    if band:
        first, last = map(int, band[0].name.split()[1].split("-"))
        assert np.sum(band[0].y) == np.sum((result.liquidated_in >= first)
                                           & (result.liquidated_in <= last))
    names = [t.name for t in built["liquidation-map"].data]
    assert names[0] == "Survived" and all(n.startswith("Tick") for n in names[1:])
    mapped = {t.name: float(np.sum(t.y)) for t in built["liquidation-map"].data}
    notional = result.population.notional
    for trace in single:
        tick = int(trace.name.split()[1])
        assert mapped[trace.name] == pytest.approx(
            notional[result.liquidated_in == tick].sum(), rel=1e-9)


def test_the_cli_prints_ticks_under_a_clock():
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["run", "--set", "n=5K", "--set", "path=fall",
                         "--set", "fall_seconds=120", "--set", "engine_rate=20M"])
    assert code == 0
    text = out.getvalue()
    analysis = analyse(Scenario(n=5_000, path="fall", fall_seconds=120.0, engine_rate=20e6))
    assert re.search(rf"Liquidating ticks:\s+{analysis.result.wave_count}\b", text)
    assert "Largest tick:" in text and "Waves:" not in text and "Largest wave" not in text
    assert f"(path alone {pct(-0.05)} at its end)" in text
    header = [line for line in text.splitlines() if line.split()[:3] == ["tick", "seconds",
                                                                         "price"]]
    assert len(header) == 1
    rows = [line for line in text.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    assert len(rows) == analysis.result.wave_count
    first = analysis.result.waves.iloc[0]
    assert rows[0].split()[:2] == [f"{int(first['tick'])}", f"{first['seconds']:,.6g}"]


def test_the_time_charts_have_png_downloads_only_with_the_clock(app):
    at = run(app, n="5000", path="fall", fall_seconds="120", engine_rate="20M")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    for name, _ in views.TIME_CHARTS[:3]:
        assert f"{views.TIME_SHORT_NAMES[name]} (PNG)" in labels
    assert "Fund in time (PNG)" not in labels          # no accounts kept: no fund chart
    plain = run(AppTest.from_file(str(APP), default_timeout=30), n="5000")
    assert not any("in time (PNG)" in b.label for b in plain.get("download_button"))


def test_the_events_map_names_the_replays_ticks():
    from cascade.replay import replay_scenario
    from cascade_view import events_figures
    result = replay_scenario("2020-03-12").replace(n=5_000).run()
    fig = events_figures.map_figure(result)
    groups = [t for t in fig.data if t.name != "Survived"]
    assert groups and all(t.name.startswith("Tick") for t in groups)
    notional = result.population.notional
    for trace in groups:
        if trace.name.startswith("Tick "):
            tick = int(trace.name.split()[1])
            assert float(np.sum(trace.y)) == pytest.approx(
                notional[result.liquidated_in == tick].sum(), rel=1e-9)
