"""User text never becomes markup: a link's keys and values, a file's name, its column names
and its cells are shown on the page as the text they are, never as a link, an image, a
broken code span, HTML or LaTeX (issue 15, section 3).

The oracle, `live_markup`, reads markdown as CommonMark and GitHub's markdown do: code spans
(a run of n backticks closed by the next run of exactly n) hold no markup; a backslash before
ASCII punctuation makes it text; what is left must hold no bracket, angle bracket, backtick
or `$`, and no bare address that GitHub's markdown links by itself (those are found after
the backslashes are read). tests/browser/test_injection_browser.py checks the same payload
in Streamlit's own renderer.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, strategies as st

from cascade_ui import upload
from cascade_view.safe import WORD_JOINER, code, escape_markdown
from tests.app.apptools import run

TRACKER = "http://127.0.0.1:9"
LINK_PAYLOAD = f"`![t]({TRACKER}/track.png) [click me]({TRACKER}/phish) `"
COLUMN_PAYLOAD = f"![t]({TRACKER}/t.png) [click]({TRACKER}/p)"
# more of what markdown would act on: raw HTML, an autolink, bare addresses, LaTeX, a
# Streamlit colour directive and icon, emphasis, a table cell and a new line
MORE = (f"<img src={TRACKER}/x.png> <{TRACKER}/a> {TRACKER}/b www.example.com a@b.co "
        "$x^2$ :red[red] :material/home: **b** _i_ | ~~s~~ \n# h")
# GitHub's bare links, found in the text once backslash escapes are read
BARE_LINK = re.compile(r"(?i)https?://|www\.|mailto:|xmpp:|[\w.+-]@[\w-]+\.\w")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _without_code_spans(markdown: str) -> tuple[str, list[str]]:
    """(the markdown with its code spans removed, what was left as literal backticks)."""
    out, stray, i = [], [], 0
    while i < len(markdown):
        if markdown[i] == "\\" and i + 1 < len(markdown):
            out.append(markdown[i:i + 2])
            i += 2
            continue
        if markdown[i] == "`":
            run_ = re.match(r"`+", markdown[i:]).group()
            closing = re.compile(rf"(?<!`){run_}(?!`)")
            end = closing.search(markdown, i + len(run_))
            if end:
                i = end.end()
                continue
            stray.append(run_)
            out.append(run_)
            i += len(run_)
            continue
        out.append(markdown[i])
        i += 1
    return "".join(out), stray


def live_markup(markdown: str) -> list[str]:
    """What in `markdown` a renderer would act on beyond emphasis: [] <> ` $ and bare links.
    Emphasis (** and _) is the page's own and allowed."""
    text, stray = _without_code_spans(markdown)
    found = [f"unclosed code span {s!r}" for s in stray]
    neutral = ESCAPE.sub("x", text)
    found += [f"{c!r} outside a code span" for c in "[]<>`$" if c in neutral]
    found += [f"bare link {m.group()!r}" for m in BARE_LINK.finditer(ESCAPE.sub(r"\1", text))]
    return found


def assert_inert(elements, payload_piece: str):
    """At least one element shows the payload (its text, as read), and none has markup."""
    values = [e.value for e in elements]
    showing = [v for v in values
               if payload_piece in ESCAPE.sub(r"\1", v).replace(WORD_JOINER, "")]
    assert showing, f"no element shows {payload_piece!r}: {values}"
    for value in values:
        assert live_markup(value) == [], value


# ------------------------------------------------------------------ the oracle itself

def test_the_oracle_sees_the_injections_of_the_probe():
    assert live_markup(f"Link: `x={LINK_PAYLOAD}` is not a setting")
    assert live_markup(f"Columns not used: {COLUMN_PAYLOAD}.")
    assert live_markup(f"see {TRACKER}/b") and live_markup("mail a@b.co")
    assert live_markup(r"escaped http\:\/\/host") and not live_markup("`http://host`")
    assert not live_markup(r"Check **a \[b\]** (`c`). \$70M")


# ------------------------------------------------------------------ the two functions

@given(st.text(alphabet=string.printable + "\u2028é€", max_size=60))
def test_escaped_text_has_no_markup_and_reads_as_given(text):
    escaped = escape_markdown(text)
    assert live_markup(escaped) == []
    assert "\n" not in escaped and "\r" not in escaped
    one_line = re.sub(r"[\x00-\x1f\x7f\u2028]", " ", text)
    assert ESCAPE.sub(r"\1", escaped).replace(WORD_JOINER, "") == one_line


@given(st.text(alphabet=string.printable + "`", max_size=60))
def test_a_code_span_holds_any_text(text):
    span = code(text)
    assert live_markup(f"a {span} b") == []
    fence = re.match(r"`+", span).group()
    inner = span[len(fence):-len(fence)]
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
        inner = inner[1:-1]
    assert inner == re.sub(r"[\x00-\x1f\x7f]", " ", text) or not text


def test_long_text_is_cut():
    assert escape_markdown("a" * 500, 120) == "a" * 119 + "\u2026"
    assert code("a" * 500, 120) == "`" + "a" * 119 + "\u2026`"


# ------------------------------------------------------------------ links

@pytest.mark.parametrize("query", [
    {"x": LINK_PAYLOAD},                   # an unknown key's value
    {LINK_PAYLOAD: "1"},                   # a key
    {"shock": LINK_PAYLOAD},               # a control's unreadable value
    {"impact": MORE},                      # a choice's unreadable value
    {"x": MORE},
])
def test_a_hostile_link_on_the_explorer_shows_text_only(app, query):
    at = run(app, **query)
    assert not at.exception
    (key, given_), = query.items()
    piece = "click me" if "click me" in key + given_ else "x.png"
    assert_inert(at.info, piece)


def test_a_hostile_repeated_value_is_escaped_in_the_notice(app):
    app.query_params["shock"] = ["-0.1", COLUMN_PAYLOAD, "-0.2"]
    at = app.run()
    assert not at.exception
    assert_inert(at.info, "[click]")


@pytest.mark.parametrize("key", ["metric", "x_knob"])
def test_a_hostile_link_on_the_phase_page_shows_text_only(app, key):
    app.run()
    at = app.switch_page("pages/phase.py")
    at.query_params[key] = LINK_PAYLOAD
    at.run()
    assert not at.exception
    assert_inert(at.warning, "click me")


# ------------------------------------------------------------------ files

POSITIONS = "leverage,notional,side\n20,1000000,long\n15,2000000,short\n"


def upload_positions(app, name: str, data: str):
    at = app.run()
    at.sidebar.file_uploader(key=upload.UPLOAD_KEY["positions"]).set_value(
        (name, data.encode(), "text/csv"))
    return at.run()


def test_a_hostile_column_name_shows_text_only(app):
    header, rows = POSITIONS.split("\n", 1)
    data = f"{header},{COLUMN_PAYLOAD},{MORE.splitlines()[0].replace(',', ' ')}\n" + \
        "".join(f"{row},a,b\n" for row in rows.splitlines())
    at = upload_positions(app, "book.csv", data)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert_inert(at.caption, "[click]")
    columns = next(c.value for c in at.caption if c.value.startswith("Columns not used"))
    assert "t.png" in ESCAPE.sub(r"\1", columns)


def test_a_hostile_file_name_shows_text_only(app):
    name = "![t](javascript:x) [c](http:evil) <b> $x$ `.csv"
    at = upload_positions(app, name, POSITIONS)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert_inert(at.caption, "[c](http")


def test_a_hostile_cell_in_a_bad_file_shows_text_only(app):
    data = POSITIONS + f"{COLUMN_PAYLOAD},5,long\n"
    at = upload_positions(app, f"{COLUMN_PAYLOAD}.csv", data)
    assert not at.exception
    assert len(at.error) == 1
    assert "is not a number" in at.error[0].value
    assert_inert(at.error, "[click]")


def test_many_unused_columns_are_counted_not_listed():
    names = tuple(f"c{i}" for i in range(40_000))
    line = upload.unused_columns(names)
    assert line.startswith("c0, c1, ") and line.endswith("and 39,980 more")
