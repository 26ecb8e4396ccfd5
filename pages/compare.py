"""Compare: two scenarios side by side, A and B, each editable and bound to the URL under
its own prefix (?a_tightness=..., ?b_shock=...). The default pair is the teaching point:
the same crowd and open interest, dispersed (A) against clustered (B).
Text lives in docs/compare/; figures in cascade_ui/phase_figures.py.
"""

import pandas as pd
import streamlit as st

from cascade_view import headline, story

from cascade_ui import compute, pagekit, widgets
from cascade_view.phase_figures import (compare_leverage_figure, compare_map_figure,
                                      compare_paths_figure)
from cascade_view.text import doc
from cascade_ui.frame import require_app_frame

require_app_frame()

DEFAULTS = {"A": widgets.DEFAULT.replace(tightness=0.0),
            "B": widgets.DEFAULT.replace(tightness=1.0)}
NAMES = {"A": "dispersed", "B": "clustered"}

st.title("Compare two books")
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "compare"))

analyses = {}
for side, column in zip(DEFAULTS, st.columns(2, gap="large")):
    with column:
        st.subheader(f":{'blue' if side == 'A' else 'red'}[{side}] "
                     f"(default: {NAMES[side]}, tightness {DEFAULTS[side].tightness:g})")
        with st.expander(f"Edit scenario {side}", expanded=False):
            values = widgets.scenario_controls(f"{side.lower()}_", DEFAULTS[side])
        analyses[side] = compute.analyse(pagekit.scenario_or_stop(values, f"scenario {side}"))
        kind, sentence = headline.verdict(analyses[side])
        st.markdown(f"**{sentence}**")
        st.caption(headline.critical_sentence(analyses[side]))

results = {side: analysis.result for side, analysis in analyses.items()}
st.markdown(f"#### {story.contrast(results['A'], results['B'])}")
st.dataframe(pd.DataFrame(story.difference_rows(results["A"], results["B"]),
                          columns=["Metric", "A", "B", "B - A"]),
             hide_index=True, width="stretch")

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
