"""The Risk page's cross-margin section through AppTest: its chart, sentence, caption and
table are those of cascade.sweep.cross_share_curve run here on the same setup; its controls
are URL parameters; bad URL values are said, not raised. The sentences' rules are checked on
hand-made curves."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cascade.contagion import Contagion
from cascade.sweep import cross_share_curve
from cascade_view import risk, risk_figures
from cascade_view.text import dollars
from tests.app.apptools import as_array, charts, trace



def open_section(app, **query):
    app.switch_page("pages/risk.py")
    app.query_params.update({key: str(value) for key, value in query.items()})
    return app.run()


def setup_of(shocked="ALT", fall=-0.3, seconds=600.0, rule="hyperliquid", seed=0) -> Contagion:
    return Contagion(shocked=shocked, fall=fall, fall_seconds=seconds, rule=rule,
                     accounts=risk.CROSS_ACCOUNTS, seed=seed)


def headline_of(at) -> str:
    return next(m.value for m in at.markdown if "own path falls" in m.value)


def check_section(at, setup: Contagion) -> None:
    """Everything the section shows is the curve of `setup`, run here."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    curve = cross_share_curve(setup)
    assert headline_of(at) == f"##### {dollars(risk.cross_sentence(curve, setup))}"
    captions = [c.value for c in at.caption]
    assert dollars(risk.cross_caption(curve, setup)) in captions
    assert dollars(risk.cross_setup_caption(setup, curve)) in captions
    figure = charts(at)["cross-share"]
    shares = curve["cross_share"].to_numpy() * 100
    for name in risk.calm_markets(setup):
        drawn = trace(figure, name)
        np.testing.assert_array_equal(as_array(drawn["x"]), shares)
        np.testing.assert_array_equal(as_array(drawn["y"]), curve[f"move_{name}"].to_numpy())
    assert setup.shocked not in [d.get("name") for d in figure["data"]]
    for name, column in (("From another market", "contagion_share"),
                         ("Cross positions' share", "cross_liquidated"),
                         ("Bad debt", "bad_debt")):
        np.testing.assert_array_equal(as_array(trace(figure, name)["y"]),
                                      curve[column].to_numpy())
    table = at.dataframe[-1].value
    pd.testing.assert_frame_equal(table.reset_index(drop=True),
                                  risk.cross_display(curve, setup))


def test_the_section_shows_the_curve_of_the_contagion_pages_defaults(app):
    at = open_section(app)
    check_section(at, setup_of())
    # the page's own default: 20,000 accounts, and the sentence says what 0% cross does
    assert any(f"{risk.CROSS_ACCOUNTS:,} synthetic accounts" in c.value for c in at.caption)
    assert "with 0% of open interest in cross accounts BTC and ETH do not move" in \
        headline_of(at)


def test_the_controls_are_url_parameters_and_change_the_run(app):
    at = open_section(app, cross_market="BTC", cross_fall=-20, cross_seconds=60,
                      cross_rule="Whole account at once", cross_seed=3)
    check_section(at, setup_of("BTC", -0.2, 60.0, "whole", 3))
    at.slider(key="cross_fall").set_value(-40).run()
    check_section(at, setup_of("BTC", -0.4, 60.0, "whole", 3))


BAD_LINK = {"cross_fall": ("-70", "is outside -60 to -5"),
            "cross_seed": ("x", "is not a whole number"),
            "cross_market": ("DOGE", "Market that falls"),
            "cross_rule": ("mine", "Venue rule"),
            "cross_seconds": ("45", "Over (seconds)")}


def test_values_the_section_cannot_use_are_said_and_the_defaults_run(app):
    at = open_section(app, **{key: value for key, (value, _) in BAD_LINK.items()})
    assert not at.exception, [e.value for e in at.exception]
    said = [line.value for line in (*at.warning, *at.info)]
    for key, (value, says) in BAD_LINK.items():
        assert any(f"{key}={value}" in line and says in line for line in said), (key, said)
    assert headline_of(at).startswith("##### ALT's own path falls 30% over 600 s")


# ------------------------------------------------------------------ the sentences


def curve_of(shares, moves: dict, contagion, cross, debt, liquidated=None) -> pd.DataFrame:
    frame = pd.DataFrame({"cross_share": shares, "contagion_share": contagion,
                          "cross_liquidated": cross,
                          "liquidated_notional": liquidated or [1e6] * len(shares),
                          "bad_debt": debt})
    for name, values in moves.items():
        frame[f"move_{name}"] = values
    return frame


SETUP = Contagion(markets=("BTC", "ETH", "ALT"), shocked="ALT", fall=-0.3, accounts=10)


def test_the_sentence_names_the_largest_step_of_any_calm_market():
    # BTC's largest step is 0.5 -> 1 (2 points); ETH's 0 -> 0.5 (3 points): ETH's wins
    curve = curve_of([0.0, 0.5, 1.0], {"BTC": [0.0, -0.01, -0.03], "ETH": [0.0, -0.03, -0.04],
                                       "ALT": [-0.5, -0.6, -0.7]},
                     [0.0, 0.4, 0.9], [0.0, 0.6, 1.0], [5e6, 1e6, 2e6])
    assert risk.cross_sentence(curve, SETUP) == (
        "ALT's own path falls 30% over 600 s: with 0% of open interest in cross accounts BTC "
        "and ETH do not move; with 100%, BTC moves -3.0% and ETH -4.0%. They changed most "
        "between 0% and 50%: BTC from 0.0% to -1.0%, ETH from 0.0% to -3.0%.")
    assert risk.cross_caption(curve, SETUP) == (
        "Of the liquidated notional, another market's fall caused 0% at 0% and 90% at 100%; "
        "cross positions held 0% at 0% and 100% at 100%. Bad debt was least at 50% in cross "
        "accounts ($1M) and most at 0% ($5M).")


def test_the_sentence_when_the_calm_markets_never_move_and_nothing_is_liquidated():
    setup = Contagion(markets=("BTC", "ALT"), open_interest=(1e9, 1e8), depth=(1e7, 1e6),
                      shocked="BTC", fall=-0.05, fall_seconds=0.0, accounts=10)
    curve = curve_of([0.0, 1.0], {"BTC": [-0.05, -0.05], "ALT": [0.0, 0.0]},
                     [math.nan, math.nan], [math.nan, math.nan], [0.0, 0.0], [0.0, 0.0])
    assert risk.cross_sentence(curve, setup) == (
        "BTC's own path falls 5% at once: with 0% of open interest in cross accounts ALT does "
        "not move; with 100%, ALT moves 0.0%. It moves the same at every share run.")
    assert risk.cross_caption(curve, setup) == "Nothing was liquidated at any share."
    table = risk.cross_display(curve, setup)
    assert list(table["From another market"]) == ["nothing liquidated"] * 2


def test_equal_bad_debt_is_said_once():
    curve = curve_of([0.0, 1.0], {"BTC": [0.0, -0.01], "ETH": [0.0, -0.02], "ALT": [-0.4, -0.5]},
                     [0.0, 0.5], [0.0, 1.0], [0.0, 0.0])
    assert risk.cross_caption(curve, SETUP).endswith("Bad debt was $0 at every share.")


def test_the_figure_built_unchecked_passes_plotlys_checks_unchanged():
    """Built as plain dicts without Plotly's checks (figures.Draft); rebuilt with them on, it
    gives the same JSON, so no property is invalid (as tests/app/test_figures.py does for
    the Explorer's)."""
    curve = curve_of([0.0, 0.5, 1.0], {"BTC": [0.0, -0.01, -0.1], "ETH": [0.0, -0.02, -0.2],
                                       "ALT": [-0.5, -0.6, -0.7]},
                     [0.0, 0.4, 0.9], [0.0, 0.6, 1.0], [5e6, 1e6, 2e7])
    fig = risk_figures.cross_share_figure(curve, SETUP)
    checked = go.Figure(fig.to_dict())
    assert json.loads(checked.to_json()) == json.loads(fig.to_json())
    assert checked.layout.xaxis.title.text == "Open interest in cross accounts"
    assert list(checked.layout.xaxis.ticktext) == ["0%", "50%", "100%"]
