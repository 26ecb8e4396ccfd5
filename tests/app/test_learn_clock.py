"""The Learn page under a clock link: it walks the instant model's waves, says in one line
which clock knobs it leaves out, and never shows a traceback, whatever the clock field or the
path kind."""

from __future__ import annotations

import pytest

from cascade import Scenario
from cascade_view import story
from cascade_view.knobs import label_of
from streamlit.testing.v1 import AppTest

from tests.app.apptools import as_array, charts, run, trace
from tests.app.conftest import APP

LEARN = "pages/learn.py"

# One link per clock field, and one per path kind (a field alone, then with a rate limit).
LINKS = [
    {"engine_rate": "1e9"},
    {"resilience_half_life": "20"},
    {"permanent_impact": "0.5"},
    {"engine_rule": "hyperliquid"},
    {"engine_rule": "dydx"},
    {"path": "fall", "fall_seconds": "600"},
    {"path": "fall_then_rebound", "rebound": "0.03", "rebound_seconds": "300"},
    {"path": "fall", "engine_rate": "1e8", "resilience_half_life": "20"},
    {"path": "fall_then_rebound", "engine_rule": "hyperliquid", "permanent_impact": "0.3",
     "resilience_half_life": "60"},
]


def scenario_of(link: dict) -> Scenario:
    return Scenario(**{key: (value if key in ("path", "engine_rule") else float(value))
                       for key, value in link.items()})


@pytest.mark.parametrize("link", LINKS, ids=lambda link: "+".join(link))
def test_learn_walks_the_instant_waves_and_names_the_clock_knobs_it_leaves_out(link):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(LEARN)
    run(at, **link)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    timed = scenario_of(link)
    assert timed.clock
    instant = story.without_clock(timed)
    assert not instant.clock and instant.shock == timed.shock
    # the one line, naming every clock knob the link set
    notes = [i.value for i in at.info]
    assert notes == [story.clock_not_applied(timed)]
    for name in link:
        named = getattr(timed, name) != getattr(Scenario(), name)
        assert (label_of(name) in notes[0]) == named
    assert "instant model" in notes[0] and f"{timed.shock * 100:+.1f}% at once" in notes[0]
    # the walk is the instant run's, step for step
    result = instant.run()
    steps = story.wave_sentences(result)
    assert any(m.value == "\n".join(f"- {s}" for s in steps) for m in at.markdown)
    assert len(charts(at)["learn"]["frames"]) == result.wave_count + 1
    # and the phase diagram's star is the scenario the walk ran
    star = trace(charts(at)["learn-phase"], "This scenario")
    assert list(as_array(star["x"])) == [timed.shock * 100]


def test_learn_without_a_clock_says_nothing_about_one(app):
    app.switch_page(LEARN)
    run(app)
    assert not app.exception and not app.info


def test_clock_not_applied_names_only_the_knobs_that_are_set():
    line = story.clock_not_applied(Scenario(engine_rate=1e9))
    assert label_of("engine_rate") in line
    assert label_of("resilience_half_life") not in line and label_of("path") not in line
