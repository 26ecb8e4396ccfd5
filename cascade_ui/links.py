"""Reading a link, the Streamlit side: on a session's first run, before any widget exists,
rewrite the URL into the values the widgets will use (the pure rules are
cascade_view.links.read_query, over the parameters the page declares) and rerun once, so
Streamlit seeds the widgets from it; then say, one line per parameter, what was changed or
ignored."""

from __future__ import annotations

import streamlit as st

from cascade_view.links import SIDEBAR, PageParams, read_query

READ_KEY = "link_read"
NOTICES_KEY = "link_notices"
VALUES_KEY = "link_values"


def apply_link(page: PageParams = SIDEBAR, defaults: dict | None = None) -> None:
    """On a session's first run, before the widgets: rewrite the URL into the values the
    widgets of `page` will use and rerun once, so Streamlit seeds them from it. Later runs
    take the URL the widgets themselves write, which needs no reading."""
    if st.session_state.get(READ_KEY):
        return
    st.session_state[READ_KEY] = True
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    rewrites, notices = read_query(query, page, defaults)
    st.session_state[NOTICES_KEY] = notices
    if rewrites:
        for key, value in rewrites.items():
            if value is None:
                del st.query_params[key]
            else:
                st.query_params[key] = value
        st.rerun()


def show_notices(values: dict) -> None:
    """One line per URL value not used as written, until the user changes a control."""
    notices = st.session_state.get(NOTICES_KEY) or []
    first = st.session_state.setdefault(VALUES_KEY, values)
    if notices and values == first:
        st.info("  \n".join(notice.line() for notice in notices), icon=":material/link:")
