"""Learn: one cascade told wave by wave. A Plotly animation (play/pause and a step slider
inside the figure, so stepping never reruns the page) fills in the liquidation map while
each step is narrated from the results; it closes on the phase diagram. ?present=1 hides
the sidebar and the setup text and enlarges the fonts, for a projector.
Text lives in docs/learn/; narration in cascade_ui/story.py.
"""

import streamlit as st

from cascade_ui import compute, headline, pagekit, story, sweeps, widgets
from cascade_ui.phase_figures import learn_figure, phase_figure
from cascade_ui.text import doc

st.title("How a liquidation cascade unfolds")
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro", "learn"))

scenario = pagekit.scenario_or_stop(widgets.sidebar())
analysis = compute.analyse(scenario)
result = analysis.result
steps = story.wave_sentences(result)

st.subheader("Step by step", divider="gray")
if not present:
    st.caption("Press ▶ Play under the chart, or drag the slider to step back and forth.")
pagekit.chart(learn_figure(analysis.liquidation_price, result.population.notional,
                           result.liquidated_in, result.price_path, steps,
                           font_size=20 if present else 13), "learn")
st.markdown("\n".join(f"- {sentence}" for sentence in steps))
kind, sentence = headline.verdict(analysis)
st.markdown(f"##### {sentence}")

st.subheader("Where this scenario sits", divider="gray")
x, y = sweeps.axis("shock", scenario), sweeps.axis("tightness", scenario)
with st.spinner("Computing the phase diagram..."):
    moves = sweeps.final_moves(scenario, x, y)
    critical = sweeps.critical_line(scenario, y)
pagekit.chart(phase_figure(x, y, moves, sweeps.amplification(moves, scenario, x, y),
                           critical=critical, current=(scenario.shock, scenario.tightness),
                           subtitle="Each cell is one cascade; the star is the one above."),
              "learn-phase", headline.critical_sentence(analysis))
if not present:
    st.markdown(doc("closing", "learn"))
