"""The one formatter module and the knob table: every number is shown and read by one
function, and each knob's rules (URL form, money, what a sweep may vary) come from its
entry. Oracles: Python's own number formatting and the Scenario's fields."""

from __future__ import annotations

from dataclasses import fields

import pytest

from cascade import Scenario
from cascade_view import formats, knobs
from cascade_view.cli import parse_value


@pytest.mark.parametrize("value, digits, signed, text", [
    (-0.189, 1, True, "-18.9%"), (0.05, 1, True, "+5.0%"), (-0.05, 1, False, "5.0%"),
    (-0.1234, 2, True, "-12.34%"), (0.0, 1, False, "0.0%"), (0.0, 1, True, "0.0%"),
    (-0.00004, 2, True, "0.00%"), (0.00004, 2, True, "0.00%"), (-0.00005, 2, True, "-0.01%"),
    (-0.0004, 1, True, "0.0%")])
def test_pct_signed_and_unsigned(value, digits, signed, text):
    assert formats.pct(value, digits, signed) == text


@pytest.mark.parametrize("value, digits, signed, text", [
    (20.0, 0, False, "20x"), (3.456, 2, False, "3.46x"), (0.4, 2, True, "+0.40x"),
    (-1.25, 1, True, "-1.2x")])
def test_times(value, digits, signed, text):
    assert formats.times(value, digits, signed) == text


def test_usd_and_the_knob_label_differ_only_in_symbol_and_digits():
    for value in (950e3, 70e6, 1.5e9, 1.25e9, 2e12, 500.0):
        assert formats.usd(value).startswith("$")
        assert formats.usd(value, digits=None, symbol="") == formats.compact(value)
    assert formats.usd(1.2345e9) == "$1.23B" and formats.compact(1.2345e9) == "1.2345B"
    assert formats.usd(-2.5e6) == "-$2.5M"
    assert formats.compact(0) == formats.OFF


@pytest.mark.parametrize("step, places", [(0.005, 5), (0.0005, 6), (0.05, 4), (1.0, 2),
                                          (0.5, 3), (10.0, 2)])
def test_decimals_keep_every_step(step, places):
    assert formats.decimals(step) == places
    for k in range(1, 50):
        assert round(k * step, places) == pytest.approx(k * step, rel=1e-12)


@pytest.mark.parametrize("text, percent, money, value", [
    ("70M", False, True, 70e6), ("-$100M", False, True, -100e6), ("$-5k", False, True, -5e3),
    ("1,000", False, True, 1e3), ("-5%", True, True, -0.05), ("-5%", True, False, -0.05),
    ("0.5", False, False, 0.5), ("1e-3", False, False, 1e-3), ("2.5 %", True, False, 0.025)])
def test_parse_amount_reads_what_people_type(text, percent, money, value):
    assert formats.parse_amount(text, percent=percent, money=money) == value


@pytest.mark.parametrize("text, percent, money", [
    ("5%", False, True), ("70M", False, False), ("$5", False, False), ("nan", True, True),
    ("inf", False, False), ("--1", False, True), ("1KK", False, True), ("", True, True)])
def test_parse_amount_refuses_the_rest(text, percent, money):
    with pytest.raises(ValueError):
        formats.parse_amount(text, percent=percent, money=money)


def test_the_cli_and_the_link_reader_read_an_amount_alike():
    for text in ("70M", "$1.5B", "10k", "2B", "-5%", "1e6", "0.5"):
        assert parse_value(text) == pytest.approx(formats.parse_amount(text, percent=True))


def test_the_knob_table_covers_the_scenario_and_declares_its_rules():
    assert set(knobs.KNOBS) == {f.name for f in fields(Scenario)}
    assert knobs.MONEY == ("open_interest", "depth")
    assert set(knobs.KNOBS) - set(knobs.VARIED) == {"n", "seed"}
    for knob in knobs.KNOBS.values():
        assert knob.section in knobs.SECTIONS and knob in knobs.SECTIONS[knob.section]
        if knob.unused_when:
            assert knob.unused_when[0] in knobs.KNOBS
            assert knob.unused_when[1] in knobs.KNOBS[knob.unused_when[0]].options


def test_a_knob_reads_its_own_url_text_back():
    """What a page writes into a link (url_params) reads back as the same Scenario value."""
    scenario = Scenario(shock=-0.12, depth=20e6, n=5_000, seed=3, adl=True,
                        impact="sqrt", engine_capacity=20e6)
    for name, text in knobs.url_params(scenario).items():
        value, reason = knobs.KNOBS[name].read(text)
        assert reason is None and knobs.KNOBS[name].clean(value) == getattr(scenario, name)
