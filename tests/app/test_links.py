"""Links never mislead: every URL value the Explorer does not use as written is said on the
page in one line naming the parameter and what it used instead; the forms a person types
(`1000`, `1K`, `70m`, `70000000`, `-5%`) are read; a repeated key takes its last value.

The oracle is the core: the page's price path equals Scenario(<the value named>).run().
"""

from __future__ import annotations

import numpy as np
import pytest

from cascade import Scenario
from cascade_view import formats, knobs, links
from tests.app.apptools import as_array, charts, trace


def page_price_path(at) -> np.ndarray:
    return as_array(trace(charts(at)["price-path"], "Price with liquidations")["y"])


def open_link(app, query: str):
    """Run the app as a browser opening `?<query>` (repeated keys kept, in order)."""
    pairs = [part.split("=", 1) for part in query.split("&")]
    for key in dict(pairs):
        app.query_params[key] = [value for k, value in pairs if k == key]
    return app.run()


def notices(at) -> list[str]:
    return [line for info in at.info for line in info.value.split("\n")]


def assert_page_runs(at, **scenario):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    np.testing.assert_array_equal(page_price_path(at), Scenario(**scenario).run().price_path)


# ------------------------------------------------------------------ the cases of issue 6

# More traders than the picker offers (2M today; ten times the top stop if stops are added).
TOO_MANY = formats.compact(max(knobs.KNOBS["n"].options) * 10)


def test_n_2m_is_read_as_a_stop_or_said_to_be_outside_the_picker():
    rewrites, said = links.read_query({"n": ["2M"]})
    if 2e6 in knobs.KNOBS["n"].options:
        assert rewrites == {} and said == []
    else:
        assert rewrites == {"n": None}
        assert said[0].line().startswith("Link: `n=2M` is outside 1K to ")


@pytest.mark.parametrize("query,used,said", [
    (f"n={TOO_MANY}", {}, f"`n={TOO_MANY}` is outside 1K to"),
    ("seed=-1", {}, "`seed=-1` is outside 0 to 2147483647; using **7 (the default)**"),
    ("shock=nan", {}, "`shock=nan` is not a number"),
    ("shock=-0.0501", {"shock": -0.05},
     "`shock=-0.0501` is between the slider's steps of 0.5%; using **-5%**"),
    ("shock=-0.0999", {"shock": -0.1}, "`shock=-0.0999` is between the slider's steps"),
    ("depth=16.5M", {"depth": 15e6}, "`depth=16.5M` is between the picker's stops; "
                                     "using **15M**"),
    ("n=3000", {"n": 2_000}, "`n=3000` is between the picker's stops; using **2K**"),
    ("seed=3.5", {"seed": 4}, "`seed=3.5` is not a whole number; using **4**"),
    ("shock=-0.2&shock=-0.1", {"shock": -0.1},
     # the values given are the link's text, escaped ("\\-": not a list item)
     "`shock=-0.1` is the last of 2 values given (\\-0.2, -0.1); using **-10%**"),
])
def test_a_value_the_page_changes_is_said_in_one_line(app, query, used, said):
    at = open_link(app, query)
    assert_page_runs(at, **used)
    lines = notices(at)
    assert len(lines) == 1, lines
    assert lines[0].startswith("Link: ") and said in lines[0], lines
    # the URL now holds what the page used (a default is left out, as Streamlit does)
    key = query.split("=", 1)[0]
    value = used.get(key, getattr(Scenario(), key))
    expected = (None if value == getattr(Scenario(), key)
                else knobs.KNOBS[key].url_form(value))
    assert at.query_params.get(key) == expected


@pytest.mark.parametrize("query,scenario", [
    ("n=1000", {"n": 1_000}), ("n=1K", {"n": 1_000}), ("n=1k", {"n": 1_000}),
    ("n=5,000", {"n": 5_000}),
    ("depth=70m", {"depth": 70e6}), ("depth=20m", {"depth": 20e6}),
    ("depth=20M", {"depth": 20e6}), ("depth=20000000", {"depth": 20e6}),
    ("depth=2e7", {"depth": 20e6}), ("open_interest=5000000000", {"open_interest": 5e9}),
    ("open_interest=$5B", {"open_interest": 5e9}), ("open_interest=5b", {"open_interest": 5e9}),
    ("shock=-10%", {"shock": -0.1}), ("shock=-0.1&shock=-0.1", {"shock": -0.1}),
    ("impact=SQRT", {"impact": "sqrt"}), ("center_leverage=25", {"center_leverage": 25.0}),
    ("seed=3", {"seed": 3}),
])
def test_the_forms_a_person_types_are_read_without_a_notice(app, query, scenario):
    at = open_link(app, query)
    assert_page_runs(at, **scenario)
    assert notices(at) == []
    for key, value in scenario.items():
        assert at.session_state[key] == value


def test_several_notices_one_line_each_and_the_rest_of_the_link_still_applies(app):
    at = open_link(app, f"n={TOO_MANY}&depth=20m&seed=-1&tightness=0.33&foo=bar")
    assert_page_runs(at, depth=20e6, tightness=0.35)
    lines = notices(at)
    assert [line.split("`")[1] for line in lines] == [f"n={TOO_MANY}", "seed=-1",
                                                       "tightness=0.33", "foo=bar"]
    assert "not a setting of this page" in lines[-1]
    assert dict(at.query_params) == {"depth": "20M", "tightness": "0.35"}


def test_the_notice_goes_once_the_user_changes_a_control(app):
    at = open_link(app, "shock=-0.0501")
    assert len(notices(at)) == 1
    at.slider(key="tightness").set_value(0.5).run()
    assert notices(at) == []
    assert_page_runs(at, shock=-0.05, tightness=0.5)


def test_a_clean_link_gets_no_notice(app):
    at = open_link(app, "shock=-0.1&depth=20M&n=5K&impact=sqrt")
    assert notices(at) == []
    assert_page_runs(at, shock=-0.1, depth=20e6, n=5_000, impact="sqrt")


# ------------------------------------------------------------------ the pure reader

def test_read_query_keeps_streamlits_own_parameters():
    rewrites, said = links.read_query({"embed": ["true"], "embed_options": ["light_theme"]})
    assert rewrites == {} and said == []


def test_every_widget_value_reads_back_through_the_url_form():
    """What read_query writes is what it reads: no notice, no rewrite, for every stop and
    preset value (so a link the page itself wrote is never 'corrected')."""
    for control in knobs.KNOBS.values():
        values = (control.options if control.kind in ("log", "choice") else
                  [control.low, control.high, control.low + 3 * control.step]
                  if control.kind == "slider" else [0, 7, 2**31 - 1])
        for value in values:
            if control.kind == "slider":
                value = control.clean(value)
            form = control.url_form(value)
            rewrites, said = links.read_query({control.name: [form]})
            assert rewrites == {} and said == [], (control.name, value, form)


def test_browser_float_noise_is_not_a_rounding():
    rewrites, said = links.read_query({"shock": ["-0.045000000000000005"]})
    assert said == []


@pytest.mark.parametrize("text,value", [("70m", 70e6), ("70M", 70e6), ("70000000", 70e6),
                                        ("$1.5B", 1.5e9), ("1,000", 1e3), ("1e3", 1e3),
                                        ("2.5k", 2500.0)])
def test_parse_amount(text, value):
    assert formats.parse_amount(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1x", "--1", "1KK"])
def test_parse_amount_rejects(text):
    with pytest.raises(ValueError):
        formats.parse_amount(text)
