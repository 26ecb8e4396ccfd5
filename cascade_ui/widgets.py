"""Sidebar controls: one widget per knob of the knob table (cascade_view.knobs), keyed by
the field's name and bound to the URL (bind="query-params"), so a link reproduces a
scenario. Every widget holds the Scenario's own value and unit; see cascade_view.knobs.
"""

from __future__ import annotations

import streamlit as st

import cascade
from cascade import PRESET_NOTES, PRESETS, Scenario

from cascade_view.formats import compact
from cascade_view.knobs import DEFAULT, SECTION_NOTES, SECTIONS, Knob, widget_values
from cascade_view.text import dollars

DEFAULT_NAME = "Default scenario"
CHOICES: dict[str, Scenario] = {DEFAULT_NAME: DEFAULT, **PRESETS}
PRESET_KEY = "preset"


def apply_preset() -> None:
    """on_change of the preset picker: set every widget to the chosen scenario, then clear
    the picker so choosing the same preset again (after edits) applies it again."""
    name = st.session_state.get(PRESET_KEY)
    if name in CHOICES:
        st.session_state.update(widget_values(CHOICES[name]))
        st.session_state["applied_preset"] = name
    st.session_state[PRESET_KEY] = None


def _widget(control: Knob, disabled: bool = False, prefix: str = "",
            defaults: Scenario = DEFAULT):
    default = widget_values(defaults)[control.name]
    common = dict(key=prefix + control.name, help=dollars(control.help), bind="query-params",
                  disabled=disabled)
    if control.kind == "slider":
        return st.slider(control.label, control.low, control.high, float(default),
                         step=control.step, format=control.format, **common)
    if control.kind == "log":
        return st.select_slider(control.label, options=list(control.options), value=default,
                                format_func=compact, **common)
    if control.kind == "choice":
        return st.radio(control.label, list(control.options),
                        index=control.options.index(default), horizontal=True, **common)
    return st.number_input(control.label, int(control.low), int(control.high), int(default),
                           step=int(control.step), **common)


CARRY_KEY = "carried_scenario"
REPUBLISH_KEY = "carried"


def _carry_over(page: str) -> str | None:
    """Keep the scenario, in the widgets and in the URL, when the navigation moves to
    another page. Streamlit drops the URL's query string on that move and starts the new
    page's widgets afresh, so sidebar() leaves its widget values in session state under
    its page's name, and another page sets its widgets from them over two runs:

    "arrived": the first run sets them (the widgets show them, the URL does not yet);
    "sync":    the run right after sets them again, which makes the bound widgets hold
               them as query parameters on the server; _republish_url() sends those.
    Returns the step, or None when the scenario was not carried."""
    carried = st.session_state.get(CARRY_KEY)
    if carried is None:
        return None
    step = "arrived" if carried["page"] != page else carried.get("step")
    if step:
        for name, value in carried["values"].items():
            st.session_state[name] = value
    return step


def _republish_url() -> None:
    """Send the browser the query string the bound widgets hold on the server. A bound
    key cannot be written directly, but any write sends the whole query string, so one
    throwaway parameter set and removed again puts the carried scenario in the URL."""
    st.query_params[REPUBLISH_KEY] = "1"
    del st.query_params[REPUBLISH_KEY]


def sidebar(page: str = "explorer", not_applied: frozenset[str] = frozenset()) -> dict:
    """Draw the sidebar; return the Scenario field values the widgets hold. `page` names
    the calling page, so the scenario carries over from the page the user came from.
    `not_applied`: fields whose knobs are drawn disabled because the page does not use them
    (an uploaded book replaces them); they keep their value and their URL parameter."""
    step = _carry_over(page)
    raw = {}
    with st.sidebar:
        st.selectbox("Preset", list(CHOICES), index=None, key=PRESET_KEY,
                     placeholder="Load a preset...", on_change=apply_preset,
                     help="Sets every control below to a documented scenario. "
                          "Edit anything afterwards; the URL always holds the current one.")
        status = st.empty()
        values = {}
        for title, controls in SECTIONS.items():
            st.subheader(title, divider="gray")
            if title in SECTION_NOTES:
                st.caption(SECTION_NOTES[title])
            for control in controls:
                unused = control.name in not_applied or control.unused(values)
                raw[control.name] = _widget(control, disabled=unused)
                values[control.name] = control.clean(raw[control.name])
        st.session_state[CARRY_KEY] = {"page": page, "values": raw,
                                       "step": "sync" if step == "arrived" else None}
        if step == "arrived":
            st.rerun()
        if step == "sync":
            _republish_url()
        showing = matching_preset(values)
        status.caption(f"Showing: **{showing}**" if showing else
                       "Showing: **a custom scenario**")
    return values


def matching_preset(values: dict) -> str | None:
    """The name of the preset (or the default) the widgets currently show, if any."""
    for name, scenario in CHOICES.items():
        if widget_values(scenario) == values:
            return name
    return None


def preset_note(name: str) -> cascade.PresetNote | None:
    return PRESET_NOTES.get(name)


def scenario_controls(prefix: str, defaults: Scenario,
                      sections: tuple[str, ...] | None = None,
                      skip: tuple[str, ...] = ()) -> dict:
    """Every Scenario control in the current container (not the sidebar), keyed and bound to
    the URL as `<prefix><field>` (e.g. a_shock), starting from `defaults`; return the
    Scenario field values they hold. For pages that show more than one scenario.
    sections: only these sections of the knob table (None: all); skip: leave these out."""
    values = {}
    for title, controls in SECTIONS.items():
        if (sections is not None and title not in sections) or title in skip:
            continue
        st.markdown(f"**{title}**")
        for control in controls:
            unused = control.unused(values)
            values[control.name] = control.clean(_widget(control, unused, prefix, defaults))
    return values
