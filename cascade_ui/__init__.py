"""Cascade Lab's Streamlit shell: widgets drawn from the knob table, links, uploads, the
cached calls into the model (compute.py, the one caller of the model for the pages), the
chart component and the page kit. Everything pure lives in cascade_view/."""
