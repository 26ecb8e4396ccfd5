"""Events: one real cascade at a time, the model's replay beside what was observed.

The event is the page's one parameter, by its title (`?event=12-13 Mar 2020`). The replay is committed data
(cascade/replay.py, cascade/replays.json): the page runs it, never fits it. Figures are
cascade_view/events_figures.py; text is docs/events/*.md and the events' own notes.
"""

from urllib.parse import urlencode

import streamlit as st

from cascade.events import EVENTS
from cascade.replay import fitted_values
from cascade_ui import compute, pagekit
from cascade_view import events_figures
from cascade_view.knobs import url_params
from cascade_view.links import PageParams
from cascade_view.text import doc, dollars

EVENT_KEY = "event"
# The control shows each event's title, which is also what the URL holds: ?event=12-13 Mar 2020
BY_TITLE = {event.title: key for key, event in EVENTS.items()}
DEFAULT_TITLE = next(iter(BY_TITLE))
# The URL parameters this page reads: the event (checked where it is drawn: note_ignored).
PARAMS = PageParams(knob_prefixes=(), own=frozenset({EVENT_KEY}))

pagekit.open_page("Real cascades, replayed", PARAMS)
st.markdown(doc("intro", "events"))

pagekit.note_ignored(EVENT_KEY, list(BY_TITLE), "Event")
title = st.segmented_control("Event", list(BY_TITLE), default=DEFAULT_TITLE, key=EVENT_KEY,
                             bind="query-params") or DEFAULT_TITLE
key = BY_TITLE[title]
event = EVENTS[key]
st.caption(f"Replayed as: {event.venue}.")
scenario, result, rows = compute.replay_of(key)
for note in event.notes:
    st.caption(dollars(note))

st.subheader("Observed beside the model", divider="gray")
st.markdown(dollars(events_figures.page_table(rows)))
cross = compute.cross_margin_of(key)
if cross is not None:
    st.markdown(dollars(events_figures.cross_sentence(cross)))
st.caption(doc("how_to_read", "events"))
st.link_button("Open this replay on the Explorer", f"./?{urlencode(url_params(scenario))}",
               icon=":material/open_in_new:")

charts = st.container(key="charts")
left, right = charts.columns(2, gap="large")
with left:
    pagekit.chart(events_figures.price_time_figure(result, key), "event-price",
                  doc("chart_price", "events"))
with right:
    pagekit.chart(events_figures.minutes_figure(result, rows), "event-minutes",
                  doc("chart_minutes", "events"))
pagekit.chart(events_figures.map_figure(result), "event-map", doc("chart_map", "events"))

with st.expander("How this replay is set: sourced and fitted knobs"):
    st.markdown(dollars(events_figures.knobs_table(key, fitted_values()[key])))
    if cross is not None:
        st.markdown("The cross-margin figure's run of accounts over several markets:")
        st.markdown(dollars(events_figures.cross_knobs_table(key)))
