"""Explorer: sidebar widgets -> Scenario -> cascade -> headline row and four charts.

Every widget is keyed by its Scenario field and bound to the URL; see cascade_ui/widgets.py.
Text lives in docs/explorer/*.md; figures are built by cascade_ui/figures.py.
"""

import streamlit as st

import cascade
from cascade_ui import compute, downloads, figures, headline, venue_figures, widgets
from cascade_ui.text import doc, dollars

VERDICT_COLORS = {"none": "gray", "damped": "green", "runaway": "red"}


def chart(fig, name: str, how_to_read: str) -> None:
    config = {**figures.MODEBAR,
              "toImageButtonOptions": {"format": "png", "filename": f"cascade-{name}",
                                       "scale": 2}}
    st.plotly_chart(fig, width="stretch", theme=None, config=config, key=f"chart-{name}")
    st.caption(doc(how_to_read))


st.title("Liquidation cascade explorer")
st.markdown(doc("intro"))

values = widgets.sidebar()
try:
    scenario = cascade.Scenario(**values)
    analysis = compute.analyse(scenario)
except ValueError as error:
    knob = str(error).split(":", 1)[0].strip()
    st.error(f"**Check _{widgets.label_of(knob)}_** (`{knob}`). {dollars(str(error))}",
             icon=":material/tune:")
    st.stop()

result = analysis.result

# ------------------------------------------------------------------ headline
for column, metric in zip(st.columns(6), headline.metrics(analysis)):
    column.metric(metric.label, metric.value, metric.delta, help=metric.help,
                  delta_color="off", delta_arrow="off", border=True)
kind, sentence = headline.verdict(analysis)
head, _, rest = sentence.partition(": ")
st.markdown(f"##### :{VERDICT_COLORS[kind]}[{head}:] {rest}")
st.caption(f"{headline.critical_sentence(analysis)} {headline.robustness_sentence(analysis)}")

# ------------------------------------------------------------------ charts
left, right = st.columns(2, gap="large")
with left:
    chart(figures.price_path_figure(result.price_path, scenario.shock),
          "price-path", "chart_price_path")
    chart(figures.leverage_figure(result.population.leverage, result.liquidated_in,
                                  result.wave_count, result.population.notional),
          "leverage", "chart_leverage")
with right:
    chart(figures.waves_figure(result.waves), "waves", "chart_waves")
    chart(figures.liquidation_map_figure(
              analysis.liquidation_price, result.population.notional, result.liquidated_in,
              result.wave_count, scenario.shock, result.final_price),
          "liquidation-map", "chart_map")

# ------------------------------------------------------------------ venue (issue 10)
venue_row = headline.venue_metrics(analysis)
if venue_row:
    st.subheader("Venue: liquidation engine, insurance fund, ADL", divider="gray")
    for column, metric in zip(st.columns(4), venue_row):
        column.metric(metric.label, metric.value, metric.delta, help=metric.help,
                      delta_color="off", delta_arrow="off", border=True)
    queue_col, fund_col = st.columns(2, gap="large")
    with queue_col:
        chart(venue_figures.queue_figure(result.waves, result.market.engine_capacity),
              "engine-queue", "chart_queue")
    if result.ledger is not None:
        with fund_col:
            chart(venue_figures.fund_figure(result.waves, result.ledger["fund_start"]),
                  "insurance-fund", "chart_fund")

# ------------------------------------------------------------------ downloads
st.subheader("Take it with you", divider="gray")
json_col, waves_col, positions_col = st.columns(3)
json_col.download_button(
    "Scenario (JSON)", downloads.scenario_json(scenario), "cascade-scenario.json",
    "application/json", on_click="ignore", icon=":material/data_object:", key="download-scenario",
    help="Every knob of this scenario; cascade.Scenario.from_dict(json.load(f)) rebuilds it.")
waves_col.download_button(
    "Waves (CSV)", downloads.waves_csv(result), "cascade-waves.csv", "text/csv",
    on_click="ignore", icon=":material/table:", key="download-waves",
    help="One row per wave: trigger price, price after, count and notional, long and short.")
positions_col.download_button(
    "Positions (CSV)", lambda: downloads.positions_csv(result),
    "cascade-positions.csv", "text/csv", on_click="ignore", icon=":material/group:",
    key="download-positions",
    help="One row per trader: side, leverage, notional, entry and liquidation price, and "
         "the wave that liquidated it (-1 = survived).")
st.caption("Each chart also downloads as a PNG from the camera icon above it.")

# ------------------------------------------------------------------ explanations
clustering, assumptions, presets = st.tabs(
    ["What clustering means", "Assumptions and sources", "Presets"])
clustering.markdown(doc("clustering"))
assumptions.markdown(doc("assumptions"))
with presets:
    st.markdown(f"**{widgets.DEFAULT_NAME}.** {doc('default')}")
    for name, note in cascade.PRESET_NOTES.items():
        st.markdown(f"**{name}.** {dollars(note.description)}  \n"
                    f"_Source: {dollars(note.source)}_")
