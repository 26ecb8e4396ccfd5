"""Learn: one cascade told wave by wave. A Plotly animation (play/pause and a step slider
inside the figure, so stepping never reruns the page, and each frame's title names its
step) fills in the liquidation map while each step is narrated from the results; it closes
on the phase diagram. ?present=1 hides the sidebar and the setup text and enlarges the
fonts, for a projector. The walk is the instant model's waves: with the clock on, the page
runs the scenario without its clock knobs and says so in one line (the Explorer's Time
section draws the timed run).
Text lives in docs/learn/; narration in cascade_view/story.py.
"""

import streamlit as st

from cascade.scenario import CLOCK_FIELDS

from cascade_view import axes, headline, story
from cascade_view.links import PageParams
from cascade_ui import compute, pagekit, sweeps, widgets
from cascade_view.phase_figures import enlarge, learn_figure, phase_figure
from cascade_view.text import doc

# The URL parameters this page reads: the sidebar's knobs and the presentation mode.
PARAMS = PageParams(own=frozenset({pagekit.PRESENT_KEY}))

pagekit.open_page("How a liquidation cascade unfolds", PARAMS)
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "learn"))

values = widgets.sidebar()
pagekit.link_notices(values)
scenario = sweeps.within_limit(pagekit.scenario_or_stop(values), "Learn page")
if scenario.clock:
    timed, scenario = scenario, story.without_clock(scenario)
    st.info(story.clock_not_applied(timed), icon=":material/schedule:")
analysis = compute.analyse(scenario)
result = analysis.result
steps = story.wave_sentences(result)

st.subheader("Step by step", divider="gray")
if not present:
    st.caption("Press ▶ Play under the chart, or click a step on its slider; the chart's "
               "title names the step it shows.")
# The steps live in the figure (its frames, Play and the slider), and so does "Step k of
# N": a step counter on the page would not follow Play, which runs in the browser.
pagekit.chart(learn_figure(analysis.liquidation_price, result.population.notional,
                           result.liquidated_in, result.price_path, steps,
                           font_size=20 if present else 13), "learn")
st.markdown("\n".join(f"- {sentence}" for sentence in steps))
pagekit.verdict_block(analysis, critical=False)

st.subheader("Where this scenario sits", divider="gray")
x, y = axes.axis("shock", scenario), axes.axis("tightness", scenario)
with st.spinner("Computing the phase diagram..."):
    moves = sweeps.final_moves(scenario, x, y)
    critical = sweeps.critical_line(scenario, y)
where = phase_figure(x, y, moves, axes.amplification(moves, scenario, x, y),
                     critical=critical, current=(scenario.shock, scenario.tightness),
                     subtitle="Each cell is one cascade; the star is the one above.")
pagekit.chart(enlarge(where) if present else where, "learn-phase",
              headline.critical_sentence(analysis))
if not present:
    st.markdown(doc("closing", "learn"))
