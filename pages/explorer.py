"""Explorer: sidebar widgets -> Scenario -> cascade -> headline row and four charts.

Every widget is keyed by its Scenario field and bound to the URL (cascade_ui/widgets.py,
drawn from the knob table cascade_view/knobs.py); the page reads the sidebar's parameters
and nothing else from a link. Text lives in docs/explorer/*.md; figures are built by
cascade_view/figures.py and views.py.
"""

import streamlit as st

import cascade
from cascade import analysis as analysis_parts
from cascade_view import downloads, headline, report, venue_figures, views
from cascade_ui import compute, pagekit, upload, widgets
from cascade_view.links import PageParams
from cascade_view.response_figures import response_figure
from cascade_view.safe import escape_markdown
from cascade_view.text import doc, dollars

# The URL parameters this page reads: the sidebar's knobs and the presentation mode.
PARAMS = PageParams(own=frozenset({pagekit.PRESENT_KEY}))


def chart(fig, name: str, how_to_read: str) -> None:
    pagekit.chart(fig, name, doc(how_to_read))


pagekit.open_page("Liquidation cascade explorer", PARAMS, layout_css=True)
values = widgets.sidebar(not_applied=upload.knobs_not_applied())
pagekit.link_notices(values)
present = pagekit.presenting()
if not present:
    st.markdown(doc("intro"))
try:
    inputs = upload.sidebar_inputs(values["maintenance_margin"])
except ValueError as error:
    st.error(f"**Check your file.** {escape_markdown(str(error))}", icon=":material/upload_file:")
    st.stop()
scenario = pagekit.scenario_or_stop(values)
try:
    analysis = (compute.analyse_brought(scenario, inputs) if inputs.files
                else compute.analyse(scenario))
except ValueError as error:
    pagekit.stop_with(pagekit.knob_of(error), error)

result = analysis.result
for line in upload.book_lines(inputs, result):
    st.caption(dollars(line))
if exhausted := headline.exhausted_sentence(analysis):
    st.warning(exhausted, icon=":material/warning:")

# ------------------------------------------------------------------ headline
# six in a row on a wide screen, 3 + 3 or 2 + 2 + 2 when narrow (page.css)
for column, metric in zip(st.container(key="headline").columns(6),
                          headline.metrics(analysis)):
    column.metric(metric.label, metric.value, metric.delta, help=metric.help,
                  delta_color="off", delta_arrow="off", border=True)
pagekit.verdict_block(analysis, colour=True, robustness=True)
st.caption(dollars(headline.level_sentence(analysis, crowd=inputs.positions is None)))
built = views.explorer_figures(analysis)

# ------------------------------------------------------------------ time (issue 17)
timed = views.explorer_time_figures(analysis)  # {} when the clock is off
if timed:
    st.subheader("Time: the cascade in seconds", divider="gray")
    st.caption(f"{doc('time')} {headline.time_sentence(analysis)}")
    for column, metric in zip(st.container(key="time-headline").columns(4),
                              headline.time_metrics(analysis)):
        column.metric(metric.label, metric.value, metric.delta, help=metric.help,
                      delta_color="off", delta_arrow="off", border=True)
    time_charts = st.container(key="time-charts")  # as the charts below (page.css)
    shown = [(name, how) for name, how in views.TIME_CHARTS if name in timed]
    for row in range(0, len(shown), 2):
        for column, (name, how) in zip(time_charts.columns(2, gap="large"), shown[row:row + 2]):
            with column:
                chart(timed[name], name, how)

# ------------------------------------------------------------------ response curve
# the grid reaches past both (analysis.scenario: with a brought path, its largest move)
sizes = (analysis.scenario.shock, analysis.critical_shock)
curve = (compute.response_of_brought(scenario, inputs, analysis.direction, *sizes)
         if inputs.files else compute.response_of(scenario, analysis.direction, *sizes))
# the curve beside its cliff figures: two thirds of the width, so it also fits an A4 print
curve_column, cliffs = st.columns([2, 1], gap="large")
for metric in headline.cliff_metrics(analysis):
    cliffs.metric(metric.label, metric.value, metric.delta, help=metric.help,
                  delta_color="off", delta_arrow="off", border=True)
with curve_column:
    # the run is a point of its curve, except along a brought path (the curve is of jumps)
    chart(response_figure({"this book": curve},
                          {} if inputs.path is not None else
                          {"this book": (analysis.scenario.shock, result.total_move)}),
          "response", "chart_response")

# ------------------------------------------------------------------ charts
charts = st.container(key="charts")  # two per row when wide, one when narrow (page.css)
left, right = charts.columns(2, gap="large")
with left:
    chart(built["price-path"], "price-path", "chart_price_path")
with right:
    chart(built["waves"], "waves", "chart_waves")
left, right = charts.columns(2, gap="large")
with left:
    chart(built["leverage"], "leverage", "chart_leverage")
with right:
    chart(built["liquidation-map"], "liquidation-map", "chart_map")

# drawn only when asked: a data grid on every rerun costs the browser about 0.1 s
if st.toggle("Show the positions closest to liquidation (what a shock reaches first)",
             key="show-nearest"):
    st.dataframe(upload.nearest_table(analysis_parts.closest_to_liquidation(analysis)),
                 hide_index=True, width="stretch")

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
if present:
    st.stop()  # a projector shows the numbers and the charts, not downloads or setup text
st.subheader("Take it with you", divider="gray")
json_col, waves_col, positions_col, *series_col = st.container(key="downloads").columns(
    4 if timed else 3)
json_col.download_button(
    "Scenario (JSON)", downloads.scenario_json(scenario), "cascade-scenario.json",
    "application/json", on_click="ignore", icon=":material/data_object:", key="download-scenario",
    help="Every knob of this scenario; cascade.Scenario.from_dict(json.load(f)) rebuilds it.")
waves_col.download_button(
    "Waves (CSV)", downloads.waves_csv(result), "cascade-waves.csv", "text/csv",
    on_click="ignore", icon=":material/table:", key="download-waves",
    help=("One row per tick that liquidated (1 s each; the wave column counts them, tick "
          "and seconds say when): trigger price, price after, count and notional, long and "
          "short." if timed else
          "One row per wave: trigger price, price after, count and notional, long and short."))
positions_col.download_button(
    "Positions (CSV)", lambda: downloads.positions_csv(result),
    "cascade-positions.csv", "text/csv", on_click="ignore", icon=":material/group:",
    key="download-positions",
    help="One row per trader: side, leverage, notional, entry and liquidation price, and "
         + ("the tick (1 s) that liquidated it, in the liquidated_in_wave column "
            "(-1 = survived)." if timed else "the wave that liquidated it (-1 = survived)."))
if series_col:  # the clock is on: the run in seconds, one row per tick
    series_col[0].download_button(
        "Time series (CSV)", lambda: downloads.series_csv(result), "cascade-time-series.csv",
        "text/csv", on_click="ignore", icon=":material/timeline:", key="download-series",
        help="One row per second of the run: the path, the traded price, what longs and "
             "shorts had liquidated and still queued, and the fund.")
exports = st.container(key="exports")
report_col, *png_cols = exports.columns(5)
report_col.download_button(
    "Report (HTML)", lambda: report.scenario_report(analysis, inputs.files, curve=curve,
                                   crowd=inputs.positions is None),
    "cascade-report.html", "text/html", on_click="ignore", icon=":material/description:",
    key="download-report",
    help="One file that opens offline: the verdict, the headline, these four charts "
         "(interactive), every knob, your files with their checksums, and the assumptions.")
for column, (name, _) in zip(png_cols, views.CHARTS):
    column.download_button(
        f"{views.SHORT_NAMES[name]} (PNG)",
        lambda fig=built[name]: report.chart_png(fig), f"cascade-{name}.png", "image/png",
        on_click="ignore", icon=":material/image:", key=f"download-png-{name}",
        help="Drawn on the server through kaleido and this machine's Chromium.")
if timed:  # the clock is on: the Time section's charts too, a row of their own
    for column, (name, _) in zip(exports.columns(5), shown):
        column.download_button(
            f"{views.TIME_SHORT_NAMES[name]} (PNG)",
            lambda fig=timed[name]: report.chart_png(fig), f"cascade-{name}.png", "image/png",
            on_click="ignore", icon=":material/image:", key=f"download-png-{name}",
            help="Drawn on the server through kaleido and this machine's Chromium.")

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
