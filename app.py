"""Cascade Lab: the frame. Page config and navigation; each page lives in pages/."""

import streamlit as st

from cascade_ui import frame

st.set_page_config(
    page_title="Cascade Lab",
    page_icon=":material/waterfall_chart:",
    layout="wide",
    # "auto": open on a desktop, closed on a phone, where it would cover the page
    initial_sidebar_state="auto",
)

page = st.navigation([st.Page(file, title=title, icon=icon, default=i == 0)
                      for i, (file, title, icon) in enumerate(frame.PAGE_FILES)])
page.run()
