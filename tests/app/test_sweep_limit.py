"""A link cannot make a sweep page cost a minute and gigabytes: /phase?n=2M ran 861 + 798
cascades of 2M traders (79 s, 3.5 GB; issue 15, section 2). The Phase diagram and Learn run
their grids at no more than axes.MAX_N traders per cascade and say so in one line; the
oracle is the core's grid at that n."""

from __future__ import annotations

import time

import numpy as np
import pytest

import cascade
from cascade import Scenario
from cascade_view import axes
from cascade_view.formats import compact
from cascade_view.knobs import KNOBS
from tests.app.apptools import as_array, charts, trace
from tests.app.test_new_pages import LEARN, PHASE, heatmap, open_page

ABOVE = max(KNOBS["n"].options)  # 2M, the picker's top stop


def test_the_limit_is_a_stop_of_the_picker_and_below_its_top():
    assert axes.MAX_N in KNOBS["n"].options and axes.MAX_N < ABOVE


def test_limit_n_keeps_a_small_book_and_cuts_a_large_one_saying_so():
    small = Scenario(n=axes.MAX_N)
    assert axes.limit_n(small, "Phase diagram") == (small, None)
    cut, line = axes.limit_n(Scenario(n=ABOVE, tightness=0.5), "Phase diagram")
    assert cut == Scenario(n=axes.MAX_N, tightness=0.5)
    assert line.startswith(f"**Traders simulated: {compact(ABOVE)}** is above the "
                           f"Phase diagram's limit of {compact(axes.MAX_N)}")
    assert f"this page uses **{compact(axes.MAX_N)}**" in line


@pytest.mark.timing  # asserts a time: run alone (pytest.ini)
@pytest.mark.slow
def test_phase_at_2m_runs_its_grids_at_the_limit_and_says_so(app):
    started = time.perf_counter()
    at = open_page(app, PHASE, n=compact(ABOVE), tightness="0.5", metric="Final move")
    elapsed = time.perf_counter() - started
    assert not at.exception and not at.error
    lines = [i.value for i in at.info if "limit" in i.value]
    assert len(lines) == 1 and f"Traders simulated: {compact(ABOVE)}" in lines[0]
    used = Scenario(n=axes.MAX_N, tightness=0.5)
    x, y = axes.axis("shock", used), axes.axis("tightness", used)
    np.testing.assert_array_equal(heatmap(charts(at)["phase"]),
                                  cascade.phase_grid(used, x.values, y.values) * 100)
    # the sidebar keeps what was asked: the page does not rewrite the user's choice
    assert at.session_state["n"] == ABOVE
    # 2M per cell took 79 s; at the limit the whole page (both grids) takes a few seconds
    assert elapsed < 40, f"{elapsed:.1f} s"


def test_phase_within_the_limit_says_nothing(app):
    at = open_page(app, PHASE, n="10K")
    assert not at.exception
    assert not [i.value for i in at.info if "limit" in i.value]


@pytest.mark.slow
def test_learn_at_2m_runs_at_the_limit_and_says_so(app):
    at = open_page(app, LEARN, n=compact(ABOVE))
    assert not at.exception and not at.error
    assert len([i.value for i in at.info if "Learn page's limit" in i.value]) == 1
    used = Scenario(n=axes.MAX_N)
    star = trace(charts(at)["learn-phase"], "This scenario")
    assert list(as_array(star["x"])) == [used.shock * 100]
    x, y = axes.axis("shock", used), axes.axis("tightness", used)
    np.testing.assert_array_equal(heatmap(charts(at)["learn-phase"]),
                                  cascade.phase_grid(used, x.values, y.values) * 100)
