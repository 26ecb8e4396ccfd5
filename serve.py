"""The server `make run` starts: Streamlit's own, serving app.py, with one addition, a
"page not found" answer for an unknown nested path such as /a/b, where Streamlit alone
shows a blank page (cascade_ui/server.py). `streamlit run serve.py` (Streamlit finds the
`app` below); `streamlit run app.py` still serves the same app without that addition."""

import streamlit as st
from starlette.middleware import Middleware

from cascade_ui.server import NestedPathNotFound

app = st.App("app.py", middleware=[Middleware(NestedPathNotFound)])
