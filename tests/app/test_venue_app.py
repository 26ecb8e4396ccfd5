"""The Explorer's Venue section (issue 10): URL-bound knobs, the venue headline row and the
queue and fund charts, checked against a per-scenario Scenario.run()."""

import numpy as np
import pytest

import cascade
from cascade_view import formats, knobs
from tests.app.apptools import as_array, charts, run, trace

PRESET = "10-11 Oct 2025: small fund, slow engine, ADL"


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_default_page_shows_no_venue_section(app):
    at = run(app)
    assert not at.exception
    assert "Engine steps" not in metrics(at)
    assert not {"engine-queue", "insurance-fund"} & set(charts(at))


def test_url_venue_knobs_reproduce_the_scenario_and_its_accounts(app):
    url = dict(n="2K", engine_capacity="20M", insurance_fund="1M", adl="True",
               liquidation_fee="0.005")
    at = run(app, **url)
    assert not at.exception
    scenario = cascade.Scenario(n=2000, engine_capacity=20e6, insurance_fund=1e6, adl=True,
                                liquidation_fee=0.005)
    result = scenario.run()
    shown = metrics(at)
    assert shown["Engine steps"] == str(result.steps)
    assert shown["Bad debt"] == formats.usd(result.bad_debt)
    assert shown["Auto-deleveraged"] == formats.usd(result.adl_notional)
    assert shown["Fund left"] == formats.usd(result.ledger["fund_end"])
    figures = charts(at)
    queued = as_array(trace(figures["engine-queue"], "Still queued after the step")["y"])
    np.testing.assert_allclose(queued, result.queue_path)
    executed = as_array(trace(figures["engine-queue"], "Executed in the step")["y"])
    assert (executed <= 20e6 * (1 + 1e-12)).all()
    fund = as_array(trace(figures["insurance-fund"], "Insurance fund")["y"])
    np.testing.assert_allclose(fund, np.r_[1e6, result.fund_path])


def test_the_adl_preset_shows_bad_debt_or_adl_and_a_slow_engine(app):
    at = app.run()
    at.selectbox(key="preset").set_value(PRESET).run()
    assert not at.exception
    result = cascade.PRESETS[PRESET].run()
    assert result.steps > 10
    assert result.bad_debt > 0 or result.adl_notional > 0
    shown = metrics(at)
    assert shown["Engine steps"] == str(result.steps)
    assert shown["Auto-deleveraged"] == formats.usd(result.adl_notional)
    assert at.query_params["adl"] == "True"
    assert at.query_params["engine_capacity"] == "20M"


def test_every_venue_control_is_bound_and_defaults_to_off():
    names = [c.name for c in knobs.SECTIONS["Venue"]]
    assert names == ["engine_capacity", "insurance_fund", "liquidation_fee", "adl", "mm_tiers",
                     "recovery_half_life"]
    assert not cascade.Scenario().venue_mechanics
    assert knobs.url_params(cascade.Scenario(engine_capacity=20e6)) == {
        "engine_capacity": "20M"}
    assert formats.compact(0.0) == "off"


def test_a_too_small_engine_is_named_on_the_page(app):
    at = run(app, engine_capacity="1M", open_interest="50B")
    assert not at.exception
    assert "Liquidation engine capacity" in at.error[0].value


@pytest.mark.parametrize("tiers, half_life", [("binance_btcusdt", "off"), ("flat", "5")])
def test_tiers_and_recovery_run_from_the_url(app, tiers, half_life):
    at = run(app, n="2K", mm_tiers=tiers, recovery_half_life=half_life)
    assert not at.exception
    result = cascade.Scenario(n=2000, mm_tiers=tiers,
                              recovery_half_life=0.0 if half_life == "off" else 5.0).run()
    assert metrics(at)["Engine steps"] == str(result.steps)
    assert metrics(at)["Final move"] == f"{result.total_move * 100:+.1f}%"
