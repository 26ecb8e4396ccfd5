"""Every page announces what it ignores in a link, in one line per parameter, as the
Explorer does (issue 15, section 4): unknown keys, values it cannot read (`shock=nan`,
`a_shock=abc`, `books=-5`), values it changes (`b_tightness=0.33`) and choices it does not
offer (`knob=<script>`, `knob=seed`). Nothing from the URL renders as a link or an image.

The oracle for the values a page then uses is the Scenario it shows (session state and
the verdict), and for the markdown, the markdown library's HTML of each notice.
"""

from __future__ import annotations

import re

import markdown as markdown_lib
import pytest

from streamlit.testing.v1 import AppTest

from cascade import Scenario
from cascade_view.risk import DEFAULT_SEEDS
from tests.app.apptools import run
from tests.app.conftest import APP

PAGES = {"phase": "pages/phase.py", "learn": "pages/learn.py", "risk": "pages/risk.py",
         "compare": "pages/compare.py", "explorer": "pages/explorer.py"}
PAYLOAD = "`![t](http://127.0.0.1:9/track.png) [click me](http://127.0.0.1:9/phish) `"


def open_page(app, page: str, **query):
    app.switch_page(PAGES[page])
    return run(app, **query)


def notices(at) -> list[str]:
    """The link notices: one line per ignored or changed parameter."""
    return [line for info in at.info for line in info.value.split("\n")
            if line.startswith("Link: ")]


def said_about(at, key: str) -> list[str]:
    return [line for line in notices(at) if line.startswith(f"Link: `{key}=")]


def assert_healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def html_of(text: str) -> str:
    return markdown_lib.markdown(text)


@pytest.mark.parametrize("page", ["phase", "learn", "risk"])
def test_a_sidebar_page_says_what_it_ignores_and_uses_the_rest(app, page):
    at = open_page(app, page, shock="nan", tightness="0.33", depth="20m", foo="bar")
    assert_healthy(at)
    assert len(said_about(at, "shock")) == 1
    assert "is not a number" in said_about(at, "shock")[0]
    assert "using **-5% (the default)**" in said_about(at, "shock")[0]
    assert "between the slider's steps" in said_about(at, "tightness")[0]
    assert "is not a setting of this page" in said_about(at, "foo")[0]
    assert said_about(at, "depth") == []  # a form a person types, read as written
    assert at.session_state["tightness"] == 0.35 and at.session_state["depth"] == 20e6
    assert at.session_state["shock"] == Scenario().shock
    assert "foo" not in at.query_params and "shock" not in at.query_params


def test_compare_says_what_it_ignores_on_either_side(app):
    at = open_page(app, "compare", a_shock="abc", b_tightness="0.33", shock="-0.1")
    assert_healthy(at)
    assert "is not a number" in said_about(at, "a_shock")[0]
    assert "using **0.35**" in said_about(at, "b_tightness")[0]
    # the sidebar's parameter is not one of Compare's: it has no sidebar
    assert "is not a setting of this page" in said_about(at, "shock")[0]
    assert at.session_state["b_tightness"] == 0.35
    assert at.session_state["a_shock"] == Scenario().shock


@pytest.mark.parametrize("books", ["-5", "5", "abc", "1e9"])
def test_risk_says_when_it_ignores_the_books(app, books):
    at = open_page(app, "risk", books=books)
    assert_healthy(at)
    line, = said_about(at, "books")
    assert f"using **{DEFAULT_SEEDS:,} (the default)**" in line
    assert at.number_input(key="books").value == DEFAULT_SEEDS


@pytest.mark.parametrize("knob", ["<script>", "seed", "n"])
def test_risk_says_when_it_ignores_the_knob(app, knob):
    at = open_page(app, "risk", knob=knob)
    assert_healthy(at)
    assert any(f"knob={knob}" in w.value and "Knob to vary" in w.value for w in at.warning)
    assert at.selectbox(key="knob").value == "tightness"


def test_a_clean_link_gets_no_notice_on_any_page(app):
    at = open_page(app, "risk", shock="-0.1", books="20", points="3")
    assert_healthy(at)
    assert notices(at) == [] and not at.warning
    at2 = open_page(AppTest.from_file(str(APP), default_timeout=30), "compare",
                    a_shock="-0.1", b_depth="20M", present="1")
    assert notices(at2) == []


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("where", ["key", "value"])
def test_nothing_from_a_link_renders_as_a_link_or_an_image(app, page, where):
    query = {PAYLOAD: "1"} if where == "key" else {"x": PAYLOAD}
    at = open_page(app, page, **query)
    assert not at.exception
    lines = notices(at)
    assert len(lines) == 1, lines
    html = html_of(lines[0])
    assert "<a " not in html and "<img" not in html, html
    # the whole payload sits in one code span: nothing of it outside
    outside = re.sub(r"`[^`]*`", "", lines[0])
    assert "http" not in outside and "](" not in outside, outside


def test_a_repeated_value_is_shown_as_plain_text(app):
    app.switch_page(PAGES["learn"])
    app.query_params["shock"] = ["[click](http://127.0.0.1:9/x)", "-0.1"]
    at = app.run()
    assert not at.exception
    line, = said_about(at, "shock")
    assert "is the last of 2 values given" in line
    html = html_of(line)
    assert "[click]" in html and "<a " not in html and "<img" not in html, html
    assert at.session_state["shock"] == -0.1


def test_a_phase_choice_the_url_gets_wrong_cannot_inject(app):
    at = open_page(app, "phase", metric=PAYLOAD)
    assert not at.exception
    warning, = [w.value for w in at.warning if "metric=" in w.value]
    html = html_of(warning)
    assert "<a " not in html and "<img" not in html, html


def test_risk_offers_every_option_of_a_yes_no_knob(app):
    """A link naming ADL as the knob to vary: its two options are listed (a join over
    booleans raised TypeError)."""
    at = open_page(app, "risk", knob="Auto-deleveraging (ADL)")
    assert_healthy(at)
    assert at.selectbox(key="knob").value == "adl"
    assert any(m.value == "Every option: False, True" for m in at.markdown)
