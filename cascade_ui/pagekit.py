"""The page kit: what every page does the same way. Its opening (the app frame, the link
read against the parameters the page declares, the title), its scenario (a checked Scenario
from widget values, or an error naming the control), its notices about the URL, its verdict
block, its charts (with the project's modebar) and the presentation mode."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import cascade
from cascade_view import headline
from cascade_view.knobs import KNOBS, label_of
from cascade_view.links import NOTICE_LIMIT, SIDEBAR, PageParams
from cascade_view.safe import code, escape_markdown
from cascade_view.text import dollars

from . import links
from .frame import require_app_frame
from .plot import chart  # noqa: F401 (the pages draw every chart through pagekit.chart)

PRESENT_KEY = "present"
PAGE_KEY = "link_page"       # the page the session's link opened
SHOWING_KEY = "page_showing"  # the page this run draws
LAYOUT_CSS = Path(__file__).resolve().parent / "page.css"
VERDICT_COLORS = {"none": "gray", "damped": "green", "runaway": "red"}


def open_page(title: str, params: PageParams = SIDEBAR, defaults: dict | None = None,
              layout_css: bool = False) -> None:
    """A page's opening: run inside the app's frame, read the link against the page's own
    parameters (`params`; `defaults`: the Scenario each knob prefix starts from), then the
    page.css layout (if asked) and the title."""
    require_app_frame()
    st.session_state[SHOWING_KEY] = title
    if not st.session_state.get(links.READ_KEY):
        st.session_state[PAGE_KEY] = title
    links.apply_link(params, defaults)
    if layout_css:
        st.html(LAYOUT_CSS)
    st.title(title)


def link_notices(values: dict) -> None:
    """One line per URL value this page did not use as written (on the page the link
    opened, until the user changes a control)."""
    if st.session_state.get(PAGE_KEY) == st.session_state.get(SHOWING_KEY):
        links.show_notices(values)


def stop_with(knob: str, error: Exception, side: str = "") -> None:
    """An st.error naming the control (and the side, on a page with two scenarios) and
    what is wrong with its value, then st.stop()."""
    where = f"{side}: " if side else ""
    st.error(f"**Check {where}_{knob_label(knob)}_** ({code(knob)}). {dollars(str(error))}",
             icon=":material/tune:")
    st.stop()


def knob_of(error: ValueError) -> str:
    """The field a model ValueError names ('shock: must be ...' -> 'shock')."""
    return str(error).split(":", 1)[0].strip()


def scenario_or_stop(values: dict, side: str = "") -> cascade.Scenario:
    """cascade.Scenario(**values), or stop_with the control the model names."""
    try:
        return cascade.Scenario(**values)
    except ValueError as error:
        stop_with(knob_of(error), error, side)


def verdict_block(analysis, template: str = "##### {sentence}", colour: bool = False,
                  critical: bool = True, robustness: bool = False) -> str:
    """The verdict sentence (in `template`; with `colour` its opening coloured by the
    verdict) and a caption with the critical shock (and the robustness check). Returns the
    verdict's kind: 'none', 'damped' or 'runaway'."""
    kind, sentence = headline.verdict(analysis)
    if colour:
        head, _, rest = sentence.partition(": ")
        sentence = f":{VERDICT_COLORS[kind]}[{head}:] {rest}"
    st.markdown(template.format(sentence=sentence))
    if critical and robustness:
        st.caption(f"{headline.critical_sentence(analysis)} "
                   f"{headline.robustness_sentence(analysis)}")
    elif critical:
        st.caption(headline.critical_sentence(analysis))
    return kind


def knob_label(knob: str) -> str:
    """A control's label for the start of an error message, or the message's own first
    word, escaped, when that is no control (a file name, say)."""
    return label_of(knob) if knob in KNOBS else escape_markdown(knob, 120)


def note_ignored(key: str, options, label: str) -> None:
    """One line when the URL holds a value for `key` that its control does not offer (the
    widget ignores it and shows its default). options: the labels the control shows, which
    are what a bound selectbox writes to the URL."""
    given = st.query_params.get(key)
    if given is not None and given not in [str(o) for o in options]:
        st.warning(f"Ignored {code(f'{key}={given}', NOTICE_LIMIT)} from the URL: _{label}_ "
                   f"offers {'; '.join(map(str, options))}.", icon=":material/link_off:")


def presenting() -> bool:
    """Presentation mode (?present=1), the one switch of the Learn, Explorer and Compare
    pages: no sidebar, larger fonts (metric values above their enlarged labels); the page
    leaves out its setup text when this returns True."""
    on = st.query_params.get(PRESENT_KEY) == "1"
    if on:
        st.markdown(
            "<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
            "[data-testid='stExpandSidebarButton'] {display: none;}"
            "[data-testid='stMain'] p, [data-testid='stMain'] li {font-size: 1.35rem;}"
            "[data-testid='stMain'] h5 {font-size: 1.6rem;}"
            "[data-testid='stMain'] [data-testid='stMetricValue'] {font-size: 2.6rem;}"
            "[data-testid='stMain'] h1 {font-size: 3rem;}</style>", unsafe_allow_html=True)
    return on
