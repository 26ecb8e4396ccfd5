"""Pieces the Phase diagram, Compare and Learn pages share: a checked Scenario from widget
values (or a clear error), charts with the project's modebar, notes about ignored URL
values, and the presentation mode."""

from __future__ import annotations

import streamlit as st

import cascade

from . import widgets
from .plot import chart  # noqa: F401 (the pages draw every chart through pagekit.chart)
from cascade_view.safe import code, escape_markdown
from cascade_view.text import dollars

PRESENT_KEY = "present"


def scenario_or_stop(values: dict, side: str = "") -> cascade.Scenario:
    """cascade.Scenario(**values), or an st.error naming the control (and the side, on a
    page with two scenarios) and st.stop()."""
    try:
        return cascade.Scenario(**values)
    except ValueError as error:
        knob = str(error).split(":", 1)[0].strip()
        where = f"{side}: " if side else ""
        st.error(f"**Check {where}_{knob_label(knob)}_** ({code(knob)}). {dollars(str(error))}",
                 icon=":material/tune:")
        st.stop()


def knob_label(knob: str) -> str:
    """A control's label for the start of an error message, or the message's own first
    word, escaped, when that is no control (a file name, say)."""
    return widgets.label_of(knob) if knob in widgets.CONTROLS else escape_markdown(knob, 120)


def note_ignored(key: str, options, label: str) -> None:
    """One line when the URL holds a value for `key` that its control does not offer (the
    widget ignores it and shows its default). options: the labels the control shows, which
    are what a bound selectbox writes to the URL."""
    given = st.query_params.get(key)
    if given is not None and given not in [str(o) for o in options]:
        st.warning(f"Ignored {code(f'{key}={given}', 120)} from the URL: _{label}_ offers "
                   f"{'; '.join(map(str, options))}.", icon=":material/link_off:")


def presenting() -> bool:
    """Presentation mode (?present=1): no sidebar, no setup text, larger fonts."""
    on = st.query_params.get(PRESENT_KEY) == "1"
    if on:
        st.markdown(
            "<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
            "[data-testid='stExpandSidebarButton'] {display: none;}"
            "[data-testid='stMain'] p, [data-testid='stMain'] li {font-size: 1.35rem;}"
            "[data-testid='stMain'] h5 {font-size: 1.6rem;}"
            "[data-testid='stMain'] h1 {font-size: 3rem;}</style>", unsafe_allow_html=True)
    return on
