"""Risk: the Explorer's scenario over many books (seeds) and one knob's range, on Dask.

Sidebar (shared with the Explorer, URL-bound) -> Scenario; the knob, its range and the
number of books -> cascade.run_ensemble on cascade_ui.risk.client() (a LocalCluster, or
the scheduler in CASCADE_DASK_SCHEDULER) -> summary, headline and two charts.
Words are cascade_view/risk.py; text lives in docs/risk/*.md; figures are built by
cascade_view/risk_figures.py.

Below, the cross-margin section (issue 19): a contagion setup (cascade.contagion.Contagion)
run at every share of open interest in cross accounts, 0% to 100%, on the same seed
(compute.cross_share_curve_of), with its own controls (URL `cross_*`).
"""

import streamlit as st

import cascade
from cascade.contagion import DEFAULT_MARKETS, Contagion
from cascade_view import risk, risk_figures
from cascade_view.formats import compact
from cascade_view.knobs import KNOBS, label_of
from cascade_view.links import PageParams, Whole
from cascade_ui import compute, pagekit, widgets
from cascade_ui import risk as cluster
from cascade_view.text import doc, dollars

# The URL parameters this page reads: the sidebar's knobs, the books per setting and the
# number of values (checked by the link reader), the knob to vary (checked where it is
# drawn) and its range (range_<knob>); the cross-margin section's fall and seed (checked by
# the link reader) and its market, duration and rule (checked where they are drawn).
PARAMS = PageParams(
    numbers={"books": Whole(risk.MIN_SEEDS, risk.MAX_SEEDS, risk.DEFAULT_SEEDS),
             "points": Whole(risk.MIN_POINTS, risk.MAX_POINTS, risk.DEFAULT_POINTS),
             "cross_fall": Whole(*risk.CROSS_FALLS),
             "cross_seed": Whole(0, risk.MAX_CROSS_SEED, 0)},
    own=frozenset({"knob", "cross_market", "cross_seconds", "cross_rule"}),
    own_prefixes=("range_",))
TABLE_ROW_PX = 35  # st.dataframe's row height: the cross-share table is drawn whole


def chart(fig, name: str, how_to_read: str) -> None:
    pagekit.chart(fig, name, doc(how_to_read, "risk"))


pagekit.open_page("Risk across many books", PARAMS)
st.markdown(doc("intro", "risk"))

values = widgets.sidebar(page="risk")
pagekit.link_notices(values)
scenario = pagekit.scenario_or_stop(values)

# ------------------------------------------------------------------ what to run
seeds_col, knob_col, range_col, points_col = st.columns([1, 1.3, 2.2, 0.9])
seeds = seeds_col.number_input("Books per setting", risk.MIN_SEEDS, risk.MAX_SEEDS,
                               risk.DEFAULT_SEEDS,
                               step=10, key="books", bind="query-params",
                               help="How many synthetic books (seeds) each knob value gets.")
pagekit.note_ignored("knob", [label_of(k) for k in risk.KNOBS], "Knob to vary")
knob = knob_col.selectbox("Knob to vary", risk.KNOBS, risk.KNOBS.index(risk.DEFAULT_KNOB),
                          format_func=label_of, key="knob", bind="query-params",
                          help="Replaces that field of the sidebar's scenario.")
control = KNOBS[knob]
if control.kind == "choice":
    range_col.markdown(f"Every option: {', '.join(map(str, control.options))}")
    low = high = None
    points = len(control.options)
elif control.kind == "log":
    low, high = range_col.select_slider(
        "Range", list(control.options), risk.default_range(knob), format_func=compact,
        key=f"range_{knob}", bind="query-params")
else:
    low, high = range_col.slider("Range", control.low, control.high, risk.default_range(knob),
                                 step=control.step, format=control.format,
                                 key=f"range_{knob}", bind="query-params")
if control.kind != "choice":
    points = points_col.number_input("Values", risk.MIN_POINTS, risk.MAX_POINTS,
                                     risk.DEFAULT_POINTS,
                                     key="points", bind="query-params",
                                     help="How many values of the knob, evenly spread.")
request = risk.Request(scenario, knob, tuple(risk.knob_values(knob, low, high, points)),
                       int(seeds))
try:
    cascade.ensemble.plan(scenario, request.seed_range, request.vary)
except ValueError as error:
    pagekit.stop_with(knob, error)

address = risk.scheduler_address()
st.caption(f"{request.books:,} books of {scenario.n:,} traders: {label_of(knob)} = "
           f"{', '.join(risk.value_label(knob, v) for v in request.values)} (in place of the "
           f"sidebar's {risk.value_label(knob, getattr(scenario, knob))}); seeds "
           f"{scenario.seed} to {scenario.seed + request.seeds - 1}. "
           f"Runs on {risk.where(address)}.")

# ------------------------------------------------------------------ run
frame = cluster.stored(request)
if st.button("Run", type="primary", icon=":material/play_arrow:", key="run") and frame is None:
    try:
        client = cluster.client(address)
    except ConnectionError as error:
        st.error(f"{error}. Check `{risk.SCHEDULER_ENV}`.", icon=":material/cloud_off:")
        st.stop()
    bar = st.progress(0.0, text="Sending the books to the cluster...")
    frame = cascade.run_ensemble(
        scenario, request.seed_range, request.vary, client=client,
        on_progress=lambda done, total: bar.progress(
            done / total, text=f"{done:,} of {total:,} books done"))
    bar.empty()
    cluster.store(request, frame)
if frame is None:
    st.info("Press **Run** to simulate these books.", icon=":material/play_arrow:")
    st.markdown(doc("cluster", "risk"))
else:
    # -------------------------------------------------------------- results
    summary = risk.summary_of(frame, request)
    labels = [risk.value_label(knob, v) for v in summary[knob]]
    st.markdown(f"##### {risk.headline(summary, request)}")
    st.caption(risk.tail_sentence(summary, request))
    shocks = list(summary[knob]) if knob == "shock" else [scenario.shock] * len(summary)
    chart(risk_figures.final_move_figure(frame, summary, knob, label_of(knob), labels,
                                         shocks), "final-move", "chart_final_move")
    chart(risk_figures.runaway_probability_figure(summary, label_of(knob), labels,
                                                 risk.verdict_rule(scenario)),
          "runaway", "chart_runaway")
    st.dataframe(risk.summary_display(summary, request), hide_index=True, width="stretch")
    st.download_button("Every book (CSV)", lambda: frame.to_csv(index=False),
                       "cascade-ensemble.csv", "text/csv", on_click="ignore",
                       icon=":material/table:", key="download-books",
                       help="One row per book: the knob's value, seed, final move, "
                            "amplification, share liquidated, waves, runaway, critical shock, "
                            "peak R, the ratio the verdict is decided by (R × p with the "
                            "clock) and p.")
    st.markdown(doc("cluster", "risk"))

# ------------------------------------------------------------------ cross margin
st.subheader("Cross margin: how far one market's fall reaches the others", divider="gray")
st.markdown(doc("cross", "risk"))
pagekit.note_ignored("cross_market", DEFAULT_MARKETS, "Market that falls")
pagekit.note_ignored("cross_seconds", risk.CROSS_DURATIONS, "Over (seconds)")
pagekit.note_ignored("cross_rule", list(risk.CROSS_RULES), "Venue rule")
market_col, fall_col, seconds_col = st.columns([1, 1.2, 1.2])
rule_col, seed_col = st.columns([2.2, 1.2])
shocked = market_col.segmented_control("Market that falls", DEFAULT_MARKETS, default="ALT",
                                       key="cross_market", bind="query-params") or "ALT"
fall = fall_col.slider("Its fall (%)", *risk.CROSS_FALLS, step=5, key="cross_fall",
                       bind="query-params")
duration = seconds_col.select_slider("Over (seconds)", risk.CROSS_DURATIONS,
                                     risk.CROSS_DEFAULT_SECONDS, key="cross_seconds",
                                     bind="query-params")
rule = rule_col.radio("Venue rule", list(risk.CROSS_RULES), key="cross_rule",
                      bind="query-params", horizontal=True) or next(iter(risk.CROSS_RULES))
seed = seed_col.number_input("Accounts' seed", 0, risk.MAX_CROSS_SEED, 0, key="cross_seed",
                             bind="query-params",
                             help="The synthetic accounts of every share are drawn with it.")
setup = Contagion(shocked=shocked, fall=fall / 100, fall_seconds=float(duration),
                  rule=risk.CROSS_RULES[rule], accounts=risk.CROSS_ACCOUNTS, seed=int(seed))
curve = compute.cross_share_curve_of(setup)
st.caption(dollars(risk.cross_setup_caption(setup, curve)))
st.markdown(f"##### {dollars(risk.cross_sentence(curve, setup))}")
st.caption(dollars(risk.cross_caption(curve, setup)))
chart(risk_figures.cross_share_figure(curve, setup), "cross-share", "chart_cross_share")
st.dataframe(risk.cross_display(curve, setup), hide_index=True, width="stretch",
             height=TABLE_ROW_PX * (len(curve) + 1) + 3)
