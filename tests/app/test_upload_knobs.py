"""The knobs a brought book replaces are drawn disabled (issue 9): with a positions file the
synthetic crowd's, with an order book the depth and impact. A disabled knob keeps its value
and its URL parameter, changes nothing while the file is loaded, and applies again once the
file is gone."""

import pytest

from cascade_ui import upload
from cascade_ui.widgets import CONTROLS
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
    assert disabled(at) == set(upload.NOT_APPLIED[kind])
    at = bring(at, kind, on=False)
    assert not at.exception and disabled(at) == set()


def test_with_both_files_only_the_shock_margin_and_venue_stay_enabled(app):
    at = bring(bring(app.run(), "positions"), "orderbook")
    assert not at.exception and not at.error
    enabled = set(CONTROLS) - disabled(at)
    assert enabled == {"shock", "maintenance_margin", "engine_capacity", "insurance_fund",
                       "liquidation_fee", "adl", "mm_tiers", "recovery_half_life"}


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
