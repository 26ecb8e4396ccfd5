"""Phase diagram: the final move over shock x tightness (and over any two knobs), with the
critical-shock line; clicking a cell opens that scenario on the Explorer.

The other knobs come from the sidebar (the Explorer's widgets, bound to the same URL
parameters). Axes are cascade_view/axes.py, grids are cached row by row
(cascade_ui/sweeps.py); text is in docs/phase/.
"""

from urllib.parse import urlencode

import streamlit as st

from cascade_view import axes
from cascade_view.knobs import label_of, url_params
from cascade_view.links import PageParams
from cascade_ui import compute, pagekit, sweeps, widgets
from cascade_view.phase_figures import METRIC_TITLES, phase_figure
from cascade_view.text import doc

KNOB_KEYS = {"x_knob": "shock", "y_knob": "depth"}
# Colour by what the liquidations added, so a cell that only holds a big shock stays dark.
DEFAULT_METRIC = next(iter(METRIC_TITLES))
# The URL parameters this page reads: the sidebar's knobs, the two axes' knobs and the
# colouring (checked where they are drawn: note_ignored), and the presentation mode.
PARAMS = PageParams(own=frozenset({*KNOB_KEYS, "metric", pagekit.PRESENT_KEY}))


def knob_picker(column, key: str, label: str) -> str:
    options = list(axes.AXIS_FIELDS)
    pagekit.note_ignored(key, [label_of(o) for o in options], label)
    return column.selectbox(label, options, index=options.index(KNOB_KEYS[key]), key=key,
                            format_func=label_of, bind="query-params")


def has_timed_cells(scenario, x, y) -> bool:
    """Whether any cell of the x by y grid runs the timed engine. Scenario.clock is on when
    any one clock field is, so it is enough to try every x value at the first y value, and
    every y value at the first x value."""
    x0, y0 = x.values[0], y.values[0]
    return any(scenario.replace(**{x.field: xv, y.field: y0}).clock for xv in x.values) or \
        any(scenario.replace(**{x.field: x0, y.field: yv}).clock for yv in y.values)


def grid(scenario, x_field: str, y_field: str, name: str, metric: str, line: bool):
    """Compute (with a progress bar) and draw one heatmap; open a clicked cell."""
    x, y, budget = sweeps.bounded_axes(scenario, axes.axis(x_field, scenario),
                                       axes.axis(y_field, scenario))
    if x is None:
        st.warning(budget, icon=":material/timer_off:")
        return
    if budget:
        st.info(budget, icon=":material/timer:")
    progress = st.progress(0.0, text=f"Computing {len(x.values) * len(y.values):,} cascades...")
    moves = sweeps.final_moves(scenario, x, y, on_row=lambda done, total: progress.progress(
        done / total, text=f"Computing row {done} of {total}..."))
    critical = sweeps.critical_line(scenario, y) if line and x.field == "shock" else None
    progress.empty()
    amplification = axes.amplification(moves, scenario, x, y)
    fig = phase_figure(x, y, moves, amplification, metric, critical,
                       current=(getattr(scenario, x.field), getattr(scenario, y.field)),
                       subtitle="Hover for numbers; click a cell to open it.",
                       timed=has_timed_cells(scenario, x, y))
    event = pagekit.chart(fig, name, on_select="rerun", selection_mode="points")
    points = [p for p in event.selection.points if p.get("curve_number") == 1]
    if points:
        # In Streamlit 1.67 st.switch_page refuses while URL parameters are bound to
        # widgets, and st.page_link keeps this page's bound values: so a plain link (a fresh
        # page load, in a new tab) opens the clicked cell with its parameters in the URL.
        # The Explorer is the default page, at the app's root ("./" from /phase): at
        # /explorer Streamlit would say "Page not found" before opening it
        i, j = divmod(points[0]["point_index"], len(x.values))
        cell = axes.cell_scenario(scenario, x, y, i, j)
        st.link_button(f"Open the clicked cell on the Explorer: {axes.describe(cell, x, y)}",
                       f"./?{urlencode(url_params(cell))}", type="primary",
                       icon=":material/open_in_new:")


pagekit.open_page("Phase diagram: where the cascade tips", PARAMS)
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "phase"))

values = widgets.sidebar()
pagekit.link_notices(values)
chosen = pagekit.scenario_or_stop(values)
scenario = sweeps.within_limit(chosen, "Phase diagram")
analysis = compute.analyse(scenario)
pagekit.verdict_block(analysis, "##### This scenario: {sentence}")

pagekit.note_ignored("metric", [title for title, _ in METRIC_TITLES.values()], "Colour by")
metric = st.segmented_control(
    "Colour by", list(METRIC_TITLES), default=DEFAULT_METRIC, key="metric",
    format_func=lambda m: METRIC_TITLES[m][0], bind="query-params") or DEFAULT_METRIC

grid(scenario, "shock", "tightness", "phase", metric, line=True)
st.page_link("pages/explorer.py", label="Open the sidebar's scenario on the Explorer",
             icon=":material/open_in_new:", query_params=url_params(chosen))
if not present:
    st.caption(doc("how_to_read", "phase"))
    if scenario.clock:
        st.caption(doc("clock", "phase"))

st.subheader("Any two knobs", divider="gray")
left, right = st.columns(2)
x_field = knob_picker(left, "x_knob", "Across (x)")
y_field = knob_picker(right, "y_knob", "Up (y)")
if x_field == y_field:
    st.error(f"**Check _Up (y)_**: pick a knob other than _{label_of(x_field)}_, "
             "which is already across.", icon=":material/tune:")
    st.stop()
grid(scenario, x_field, y_field, "knobs", metric, line=True)
