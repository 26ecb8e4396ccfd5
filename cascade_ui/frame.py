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
