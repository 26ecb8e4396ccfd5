"""The knobs a brought book replaces are drawn disabled (issue 9): with a positions file the
synthetic crowd's, with an order book the depth and impact. A disabled knob keeps its value
and its URL parameter, changes nothing while the file is loaded, and applies again once the
file is gone."""

import dataclasses

import pytest

import cascade
from cascade.case import RULES, start_price
from cascade_ui import upload
from cascade_view.formats import pct, usd
from cascade_view.knobs import KNOBS as CONTROLS
from tests.app.apptools import run

WIDGET_KIND = {"slider": "slider", "log": "select_slider", "choice": "radio",
               "integer": "number_input"}
# One knob of each kind a file replaces, at a value other than its default, as a URL has it.
OTHER_VALUE = {"positions": {"tightness": "0.5", "n": "2K", "long_share": "0.3"},
               "orderbook": {"depth": "20M", "impact": "sqrt"}}


def widget(at, name: str):
    return getattr(at, WIDGET_KIND[CONTROLS[name].kind])(key=name)


def disabled(at) -> set[str]:
    return {name for name in CONTROLS if widget(at, name).disabled}


def headline(at) -> dict[str, str]:
    """What the page says the cascade did: its metrics and the verdict line."""
    metrics = {m.label: m.value for m in at.metric}
    assert metrics, "the page drew no headline"
    verdict = [md.value for md in at.markdown if md.value.startswith("##### ")]
    assert len(verdict) == 1, "the page drew no verdict"
    return {**metrics, "verdict": verdict}


def bring(at, kind: str, on: bool = True):
    box = at.checkbox(key=upload.USE_EXAMPLE[kind])
    return (box.check() if on else box.uncheck()).run()


@pytest.mark.parametrize("kind", ["positions", "orderbook"])
def test_the_knobs_a_file_replaces_are_disabled_while_it_is_loaded(app, kind):
    at = app.run()
    assert disabled(at) == set()
    at = bring(at, kind)
    assert not at.exception and not at.error
    assert disabled(at) == set(RULES[kind].fields)
    at = bring(at, kind, on=False)
    assert not at.exception and disabled(at) == set()


def test_with_both_files_only_the_shock_margin_and_venue_stay_enabled(app):
    at = bring(bring(app.run(), "positions"), "orderbook")
    assert not at.exception and not at.error
    enabled = set(CONTROLS) - disabled(at)
    # the venue's rules, the clock's included (cascade.scenario.VENUE_FIELDS)
    assert enabled == {"shock", "maintenance_margin", "engine_capacity", "insurance_fund",
                       "liquidation_fee", "adl", "mm_tiers", "recovery_half_life",
                       "engine_rate", "resilience_half_life", "permanent_impact", "engine_rule", "path",
                       "fall_seconds", "rebound", "rebound_seconds"}


@pytest.mark.parametrize("kind", ["positions", "orderbook"])
def test_a_disabled_knobs_url_value_changes_nothing_and_returns_with_the_file_gone(kind):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    def fresh(**query):
        return run(AppTest.from_file(str(APP), default_timeout=30), **query)

    other = OTHER_VALUE[kind]
    on_default = headline(bring(fresh(), kind))
    linked = fresh(**other)  # the same link, no file
    at = bring(fresh(**other), kind)
    assert not at.exception and not at.error
    assert headline(at) == on_default
    assert {name: at.query_params.get(name) for name in other} == other
    assert {name: widget(at, name).value for name in other} == {
        name: widget(linked, name).value for name in other}
    at = bring(at, kind, on=False)
    assert {name: at.query_params.get(name) for name in other} == other
    without_file = headline(at)
    assert without_file == headline(linked)
    assert without_file != headline(fresh()), "the knobs must matter without the file"


VENUE_LINK = {"engine_capacity": "20M", "insurance_fund": "1M", "liquidation_fee": "0.005",
              "adl": "True"}


@pytest.mark.parametrize("kinds", [("positions",), ("orderbook",), ("positions", "orderbook")])
def test_the_venue_knobs_apply_to_a_brought_book(app, kinds):
    """The venue knobs stay enabled with a file, so they must act on it: the page's numbers
    are the core's on the brought positions and order book with the mechanics on."""
    at = run(app, **VENUE_LINK)
    for kind in kinds:
        at = bring(at, kind)
    assert not at.exception and not at.error
    scenario = cascade.Scenario(engine_capacity=20e6, insurance_fund=1e6, liquidation_fee=0.005,
                                adl=True)
    population = scenario.population()
    if "positions" in kinds:
        population = cascade.load_positions(
            upload.EXAMPLE_POSITIONS,
            price=start_price(upload.EXAMPLE_POSITIONS)).on_index()
    market = scenario.market()
    if "orderbook" in kinds:
        market = dataclasses.replace(market, impact="book",
                                     book=cascade.read_orderbook(upload.EXAMPLE_ORDERBOOK))
    expected = cascade.simulate(population, market, scenario.shock)
    assert expected.steps != cascade.simulate(
        population, dataclasses.replace(market, engine_capacity=None), scenario.shock).steps
    shown = headline(at)
    assert shown["Final move"] == pct(expected.total_move)
    assert shown["Engine steps"] == str(expected.steps)
    assert shown["Fund left"] == usd(expected.ledger["fund_end"])
