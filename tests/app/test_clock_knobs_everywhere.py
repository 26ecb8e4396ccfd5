"""Every clock field of the Scenario is a knob everywhere (issue 17 section 3): in the knob
table, in the URL (written and read back by the page), in `python -m cascade run --set`,
in the report's knob table, and in the Risk page's list of knobs to vary, whose values run."""

import re

import pytest
from streamlit.testing.v1 import AppTest

import cascade
from cascade.analysis import analyse_book
from cascade.ensemble import run_ensemble
from cascade.scenario import CLOCK_FIELDS
from cascade_view import cli, knobs, links, report, risk
from tests.app.apptools import run
from tests.app.conftest import APP
from tests.app.test_brought_book import parameter_notes

# A value other than the default for each clock field, as a person types it on the command
# line, and the Scenario value it stands for (each a stop or step of its control).
OTHER = {
    "engine_rate": ("50M", 50e6),
    "resilience_half_life": ("20", 20.0),
    "permanent_impact": ("0.65", 0.65),
    "engine_rule": ("dydx", "dydx"),
    "path": ("fall_then_rebound", "fall_then_rebound"),
    "fall_seconds": ("300", 300.0),
    "rebound": ("3%", 0.03),
    "rebound_seconds": ("600", 600.0),
}
SCENARIO = cascade.Scenario(n=2_000, **{name: value for name, (_, value) in OTHER.items()})


def test_the_walk_covers_every_clock_field():
    assert set(OTHER) == set(CLOCK_FIELDS)
    for name, (_, value) in OTHER.items():
        assert value != getattr(cascade.Scenario(), name), name


@pytest.mark.parametrize("name", CLOCK_FIELDS)
def test_a_clock_field_is_in_the_knob_table_and_its_url_reads_back(name):
    control = knobs.KNOBS[name]
    assert control.section == "Clock" and control.vary
    value = OTHER[name][1]
    query = knobs.url_params(cascade.Scenario(**{name: value}))
    assert list(query) == [name]
    assert control.read(query[name]) == (value, None)
    rewrites, said = links.read_query({name: [query[name]]})
    assert rewrites == {} and said == []


def test_the_page_reads_every_clock_field_from_its_link():
    at = run(AppTest.from_file(str(APP), default_timeout=60), **knobs.url_params(SCENARIO))
    assert not at.exception and not at.error
    kinds = {"slider": at.slider, "log": at.select_slider, "choice": at.radio}
    for name in CLOCK_FIELDS:
        control = knobs.KNOBS[name]
        shown = kinds[control.kind](key=name).value
        assert control.clean(shown) == getattr(SCENARIO, name), name


@pytest.mark.parametrize("name", CLOCK_FIELDS)
def test_the_command_line_sets_a_clock_field(name, capsys):
    typed, value = OTHER[name]
    assert getattr(cli.build_scenario("default", [f"{name}={typed}"]), name) == value
    every = [f"{field}={OTHER[field][0]}" for field in CLOCK_FIELDS]
    assert cli.build_scenario("default", every) == \
        cascade.Scenario(**{field: v for field, (_, v) in OTHER.items()})
    assert cli.main(["run", "--set", "n=2000", "--set", f"{name}={typed}"]) == 0
    assert "Final move:" in capsys.readouterr().out


def test_the_report_lists_every_clock_field_with_its_value():
    page = report.scenario_report(analyse_book(SCENARIO, SCENARIO.book()))
    notes = parameter_notes(page)
    for name in CLOCK_FIELDS:
        assert notes[name] == re.sub("'", "&#x27;", repr(getattr(SCENARIO, name))), name


@pytest.mark.parametrize("name", CLOCK_FIELDS)
def test_the_risk_page_offers_every_clock_field_and_its_values_run(name):
    assert name in risk.KNOBS
    control = knobs.KNOBS[name]
    bounds = (None, None) if control.kind == "choice" else risk.default_range(name)
    values = risk.knob_values(name, *bounds, points=3)
    assert len(values) >= 2 and len(set(values)) == len(values)
    base = cascade.Scenario(n=1_000, path="fall_then_rebound", rebound=0.03)
    frame = run_ensemble(base, range(2), vary={name: values[:2]})
    expected = [base.replace(seed=seed, **{name: value}).run().total_move
                for value in values[:2] for seed in range(2)]
    got = [frame[(frame[name] == value) & (frame["seed"] == seed)]["final_move"].item()
           for value in values[:2] for seed in range(2)]
    assert got == expected
