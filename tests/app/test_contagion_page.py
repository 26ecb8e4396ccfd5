"""The Contagion page through AppTest: the headline is the run's (each market's move, the
share another market's fall caused, the cross-margin share beside the observed 95.4%), the
controls are URL parameters, and the isolated switch takes cross margin away."""

from __future__ import annotations

import json

import pytest

from cascade.contagion import Contagion
from cascade_ui.frame import PAGE_FILES
from cascade_view import contagion_figures
from cascade_view.text import dollars
from tests.app.apptools import chart_specs, run

PAGE = "pages/contagion.py"


def open_contagion(app, **query):
    app.switch_page(PAGE)
    return run(app, **query)


def _expected(isolated=False, **knobs):
    setup = Contagion(accounts=100_000, **knobs)
    book = setup.book()
    return setup.run(book.isolated() if isolated else book)


def _headline(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_the_page_is_registered():
    assert ("pages/contagion.py", "Contagion", ":material/hub:") in PAGE_FILES


def test_the_default_page_shows_the_runs_headline_and_charts(app):
    at = open_contagion(app)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.warning
    result = _expected()
    assert _headline(at) == {m.label: m.value for m in contagion_figures.metrics(result)}
    text = [m.value for m in at.markdown]
    assert dollars(contagion_figures.observed_sentence(result)) in text
    assert "95.4%" in dollars(contagion_figures.observed_sentence(result))
    captions = [c.value for c in at.caption]
    assert dollars(contagion_figures.pulled_in_sentence(result)) in captions
    specs = chart_specs(at)
    assert {"contagion-price", "contagion-liquidations"} <= set(specs)
    names = [trace["name"] for trace in json.loads(specs["contagion-price"])["data"]]
    assert names == list(result.markets)
    # BTC and ETH fall although their own paths are flat
    assert result.moves()["BTC"] < 0 and result.moves()["ETH"] < 0


def test_url_values_set_the_controls_and_the_switch_isolates(app):
    at = open_contagion(app, shocked="ETH", fall="-20", seconds="60", cross="80",
                        rule="Whole account at once")
    assert not at.exception, [e.value for e in at.exception]
    result = _expected(shocked="ETH", fall=-0.2, fall_seconds=60.0, cross_share=0.8,
                       rule="whole")
    assert _headline(at) == {m.label: m.value for m in contagion_figures.metrics(result)}
    at.toggle(key="isolated").set_value(True).run()
    alone = _expected(isolated=True, shocked="ETH", fall=-0.2, fall_seconds=60.0,
                      cross_share=0.8, rule="whole")
    headline = _headline(at)
    assert headline == {m.label: m.value for m in contagion_figures.metrics(alone)}
    assert headline["Cross-margin share"] == "0.0%"
    assert headline["BTC move"] == "+0.00%"


@pytest.mark.parametrize("key, value", [("shocked", "DOGE"), ("fall", "-90"),
                                        ("fall", "x"), ("seconds", "30"), ("cross", "120"),
                                        ("rule", "Binance")])
def test_a_url_value_the_control_does_not_offer_is_named(app, key, value):
    at = open_contagion(app, **{key: value})
    assert not at.exception
    assert any(f"{key}={value}" in w.value for w in at.warning), [w.value for w in at.warning]
    # the page runs on the control's default instead
    assert _headline(at) == {m.label: m.value for m in contagion_figures.metrics(_expected())}


def test_the_headline_and_the_liquidations_chart_are_the_runs_figures():
    from cascade_view.formats import pct
    result = Contagion(accounts=20_000, seed=4, cross_share=0.7, rule="whole").run()
    values = {m.label: m.value for m in contagion_figures.metrics(result)}
    for name, move in result.moves().items():
        assert values[f"{name} move"] == pct(move, 2)
    assert values["From another market"] == pct(result.contagion_share(), signed=False)
    assert values["Cross-margin share"] == pct(result.cross_share(), signed=False)
    # the bins hold every liquidated position's notional, market by market
    _, bins = contagion_figures.binned(result)
    for m, name in enumerate(result.markets):
        here = result.liquidated & (result.book.market == m)
        assert bins[name][1].sum() == pytest.approx(result.book.notional[here].sum(),
                                                    rel=1e-9, abs=0.005)
        assert bins[name][1].size <= contagion_figures.MAX_BINS


def test_a_whole_number_in_a_sliders_range_is_taken_from_the_url(app):
    at = open_contagion(app, fall="-7", cross="33")
    assert not at.exception and not at.warning
    result = _expected(fall=-0.07, cross_share=0.33)
    assert _headline(at) == {m.label: m.value for m in contagion_figures.metrics(result)}
