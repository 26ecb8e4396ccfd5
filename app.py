"""Cascade Lab: the frame. Page config and navigation; each page lives in pages/."""

import streamlit as st

st.set_page_config(
    page_title="Cascade Lab",
    page_icon=":material/waterfall_chart:",
    layout="wide",
    # "auto": open on a desktop, closed on a phone, where it would cover the page
    initial_sidebar_state="auto",
)

page = st.navigation([
    st.Page("pages/explorer.py", title="Explorer", icon=":material/waterfall_chart:",
            default=True),
    st.Page("pages/phase.py", title="Phase diagram", icon=":material/grid_on:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    st.Page("pages/risk.py", title="Risk", icon=":material/stacked_line_chart:"),
])
page.run()
