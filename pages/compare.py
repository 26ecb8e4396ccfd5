"""Compare: two scenarios side by side, A and B, each editable and bound to the URL under
its own prefix (?a_tightness=..., ?b_shock=...). The default pair is the teaching point:
the same crowd and open interest, dispersed (A) against clustered (B).
Text lives in docs/compare/; figures in cascade_view/phase_figures.py.
"""

import pandas as pd
import streamlit as st

from cascade_view import story
from cascade_view.knobs import DEFAULT
from cascade_view.links import PageParams
from cascade_ui import compute, pagekit, widgets
from cascade_view.phase_figures import (compare_leverage_figure, compare_map_figure,
                                        compare_paths_figure)
from cascade_view.response_figures import response_figure
from cascade_view.text import doc

DEFAULTS = {"A": DEFAULT.replace(tightness=0.0), "B": DEFAULT.replace(tightness=1.0)}
NAMES = {"A": "dispersed", "B": "clustered"}
# The URL parameters this page reads: each side's knobs under its prefix (?a_shock=...,
# ?b_tightness=...) and the presentation mode.
PARAMS = PageParams(knob_prefixes=("a_", "b_"), own=frozenset({pagekit.PRESENT_KEY}))

pagekit.open_page("Compare two books", PARAMS,
                  defaults={f"{side.lower()}_": scenario for side, scenario in DEFAULTS.items()})
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "compare"))

notices = st.empty()  # the link notices, drawn once the controls hold their values
columns, chosen = dict(zip(DEFAULTS, st.columns(2, gap="large"))), {}
for side, column in columns.items():
    with column:
        st.subheader(f":{'blue' if side == 'A' else 'red'}[{side}] "
                     f"(default: {NAMES[side]}, tightness {DEFAULTS[side].tightness:g})")
        with st.expander(f"Edit scenario {side}", expanded=False):
            chosen[side] = widgets.scenario_controls(f"{side.lower()}_", DEFAULTS[side])
with notices:
    pagekit.link_notices({f"{side.lower()}_{name}": value
                          for side, values in chosen.items() for name, value in values.items()})
analyses = {}
for side, column in columns.items():
    with column:
        analyses[side] = compute.analyse(pagekit.scenario_or_stop(chosen[side],
                                                                  f"scenario {side}"))
        pagekit.verdict_block(analyses[side], "**{sentence}**")

results = {side: analysis.result for side, analysis in analyses.items()}
st.markdown(f"#### {story.contrast(results['A'], results['B'])}")
st.dataframe(pd.DataFrame(story.difference_rows(results["A"], results["B"])
                          + story.level_rows(analyses["A"], analyses["B"])
                          + story.cliff_rows(analyses["A"], analyses["B"]),
                          columns=["Metric", "A", "B", "B - A"]),
             hide_index=True, width="stretch")

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
pagekit.chart(response_figure(
    curves, {side: (a.scenario.shock, a.result.total_move) for side, a in analyses.items()
             if a.direction == direction}, labels), "compare-response")

left, right = st.columns(2, gap="large")
with left:
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
