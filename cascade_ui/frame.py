"""Every page runs inside app.py's frame (page config, navigation), even on a link.

Streamlit treats an app with a folder named pages/ as a legacy multipage app until app.py
has called st.navigation once in that server process: until then a link straight to a page
(a fresh server, someone opening /phase first) runs that file alone, without the frame. A
page that finds itself run that way switches the legacy mode off and reruns, which runs
app.py, which picks the same page (pages are keyed by their URL path in both modes).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_app_frame() -> None:
    """Call first in every page file, before any widget."""
    if PagesManager.uses_pages_directory and not st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()


# The app's pages: (file, title, icon); the first is the default, at the app's root. A
# page's URL path is its file's name (pages/phase.py -> /phase).
PAGE_FILES = (
    ("pages/explorer.py", "Explorer", ":material/waterfall_chart:"),
    ("pages/phase.py", "Phase diagram", ":material/grid_on:"),
    ("pages/compare.py", "Compare", ":material/compare:"),
    ("pages/learn.py", "Learn", ":material/school:"),
    ("pages/risk.py", "Risk", ":material/stacked_line_chart:"),
    ("pages/events.py", "Events", ":material/history:"),
    ("pages/contagion.py", "Contagion", ":material/hub:"),
)
# (title, URL path) of each page, for links made outside Streamlit (the server's 404 page).
# An unknown one-segment path (/a) is Streamlit's own: a "Page not found" dialog over the
# default page; a deeper one is the server's (cascade_ui/server.py).
PAGES = tuple((title, "" if i == 0 else file.removeprefix("pages/").removesuffix(".py"))
              for i, (file, title, _) in enumerate(PAGE_FILES))
