"""Compare: two scenarios side by side, A and B, each editable and bound to the URL under
its own prefix (?a_tightness=..., ?b_shock=...), under one clock set once for both
(?clock_resilience_half_life=...). The default pair is the teaching point: the same crowd
and open interest, dispersed (A) against clustered (B). With the clock on, both are timed
runs and the page compares them in seconds.
Text lives in docs/compare/; figures in cascade_view/phase_figures.py and
cascade_view/compare_time_figures.py.
"""

import pandas as pd
import streamlit as st

from cascade.scenario import CLOCK_FIELDS
from cascade_view import story
from cascade_view.compare_time_figures import time_liquidations_figure, time_price_figure
from cascade_view.knobs import DEFAULT, KNOBS, widget_values
from cascade_view.links import PageParams
from cascade_ui import compute, pagekit, widgets
from cascade_view.phase_figures import (compare_leverage_figure, compare_map_figure,
                                        compare_paths_figure)
from cascade_view.response_figures import response_figure
from cascade_view.text import doc

DEFAULTS = {"A": DEFAULT.replace(tightness=0.0), "B": DEFAULT.replace(tightness=1.0)}
NAMES = {"A": "dispersed", "B": "clustered"}
CLOCK = "clock_"
# The URL parameters this page reads: each side's knobs under its prefix (?a_shock=...,
# ?b_tightness=...), the clock's once for both (?clock_engine_rate=...), and the
# presentation mode. A side's prefix holds no clock knob, so the sides cannot disagree.
PARAMS = PageParams(knob_prefixes=("a_", "b_", CLOCK), own=frozenset({pagekit.PRESENT_KEY}),
                    prefix_knobs={CLOCK: frozenset(CLOCK_FIELDS)})
CLOCK_SECTION = "Clock"
TABLE_ROW_PX = 35  # st.dataframe's row height: the table is drawn whole, never scrolled


def set_clock(values: dict) -> None:
    """on_click of the clock buttons: every shared clock control to `values`."""
    shown = widget_values(DEFAULT.replace(**values))
    st.session_state.update({CLOCK + name: shown[name] for name in CLOCK_FIELDS})


pagekit.open_page("Compare two books", PARAMS,
                  defaults={**{f"{side.lower()}_": scenario
                               for side, scenario in DEFAULTS.items()}, CLOCK: DEFAULT})
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "compare"))

notices = st.empty()  # the link notices, drawn once the controls hold their values
clock_box = st.expander("Clock for both A and B", expanded=False)
with clock_box:
    st.markdown(doc("clock", "compare"))
    left, right = st.columns(2)
    left.button("Under a clock (20 s refill, Large 2007)", on_click=set_clock,
                args=(story.COMPARE_CLOCK,), key="clock_from_sources")
    right.button("No clock (the instant model)", on_click=set_clock,
                 args=({name: getattr(DEFAULT, name) for name in CLOCK_FIELDS},),
                 key="clock_off")
    clock = widgets.scenario_controls(CLOCK, DEFAULT, sections=(CLOCK_SECTION,))
columns, chosen = dict(zip(DEFAULTS, st.columns(2, gap="large"))), {}
for side, column in columns.items():
    with column:
        st.subheader(f":{'blue' if side == 'A' else 'red'}[{side}] "
                     f"(default: {NAMES[side]}, tightness {DEFAULTS[side].tightness:g})")
        with st.expander(f"Edit scenario {side}", expanded=False):
            chosen[side] = {**widgets.scenario_controls(f"{side.lower()}_", DEFAULTS[side],
                                                        skip=(CLOCK_SECTION,)), **clock}
with notices:
    pagekit.link_notices({**{f"{side.lower()}_{name}": value
                             for side, values in chosen.items()
                             for name, value in values.items() if name not in clock},
                          **{CLOCK + name: value for name, value in clock.items()}})
analyses = {}
for side, column in columns.items():
    with column:
        analyses[side] = compute.analyse(pagekit.scenario_or_stop(chosen[side],
                                                                  f"scenario {side}"))
        pagekit.verdict_block(analyses[side], "**{sentence}**")

results = {side: analysis.result for side, analysis in analyses.items()}
timed = analyses["A"].scenario.clock  # the clock is shared: both sides or neither
if timed:
    st.markdown(f"#### {story.timed_contrast(results['A'], results['B'])}")
    rows = (story.time_rows(results["A"], results["B"])
            + [("Move at the end", *story.difference_rows(results["A"], results["B"])[0][1:])]
            + story.difference_rows(results["A"], results["B"])[2:4]
            + story.level_rows(analyses["A"], analyses["B"])
            + story.cliff_rows(analyses["A"], analyses["B"])[1:2])  # first liquidation
else:
    st.markdown(f"#### {story.contrast(results['A'], results['B'])}")
    rows = (story.difference_rows(results["A"], results["B"])
            + story.level_rows(analyses["A"], analyses["B"])
            + story.cliff_rows(analyses["A"], analyses["B"]))
st.dataframe(pd.DataFrame(rows, columns=["Metric", "A", "B", "B - A"]),
             hide_index=True, width="stretch", height=TABLE_ROW_PX * (len(rows) + 1) + 3)
if timed and any(row[0] == "Bad debt" and story.NOT_COUNTED in row[1:3] for row in rows):
    st.caption("Bad debt is counted where the venue keeps accounts: give a side an insurance "
               "fund or a liquidation fee (_Edit scenario_, Venue).")

# ------------------------------------------------------------------ in time
if timed:
    st.subheader("In time", divider="gray")
    shown = widget_values(DEFAULT.replace(**clock))
    st.caption("Both under one clock (_Clock for both A and B_): " + "; ".join(
        f"{KNOBS[name].label} **{KNOBS[name].shown(shown[name])}**" for name in CLOCK_FIELDS)
        + ".")
    runs = {side: (r.series, r.tick_seconds) for side, r in results.items()}
    left, right = st.columns(2, gap="large")
    with left:
        pagekit.chart(time_price_figure(runs, story.same_path(results["A"], results["B"]),
                                        falls=all(r.shock <= 0 for r in results.values())),
                      "compare-time-price")
    with right:
        pagekit.chart(time_liquidations_figure(runs), "compare-time-liquidations")
    if not present:
        st.markdown(doc("time", "compare"))

# ------------------------------------------------------------------ response curves
# Both curves on one grid, in A's direction (B's when A has no shock); the grid reaches past
# both shocks and both critical shocks.
direction = next((a.direction for a in analyses.values() if a.scenario.shock != 0), -1)
sizes = [a.scenario.shock for a in analyses.values() if a.direction == direction]
sizes += [compute.critical_shock_of(a.scenario, direction) for a in analyses.values()]
curves = {side: compute.response_of(a.scenario, direction, *sizes)
          for side, a in analyses.items()}
labels = {side: f"{side} (tightness {a.scenario.tightness:g})" for side, a in analyses.items()}
st.markdown(f"**{story.response_contrast(curves['A'], curves['B'], labels)}**")
# each run is a point of its curve (with the clock, the curve runs the path at each depth)
marked = {side: (a.scenario.shock, a.result.total_move) for side, a in analyses.items()
          if a.direction == direction}
pagekit.chart(response_figure(curves, marked, labels), "compare-response",
    caption=("With the clock on, each point is a run along the clock's path with that depth, "
             "under the clock's engine and book, read at the run's end." if timed else None))

left, right = st.columns(2, gap="large")
with left:
    if not timed:  # in time, the price against seconds above takes its place
        pagekit.chart(compare_paths_figure({s: r.price_path for s, r in results.items()}),
                      "compare-paths")
    pagekit.chart(compare_leverage_figure(
        {s: (r.population.leverage, r.population.notional) for s, r in results.items()}),
        "compare-leverage")
with right:
    pagekit.chart(compare_map_figure(
        {s: (a.liquidation_price, a.result.population.notional, a.result.liquidated)
         for s, a in analyses.items()},
        [m for r in results.values() for m in (r.shock, r.total_move)]), "compare-map")
    if not present:
        st.markdown(doc("how_to_read", "compare"))
