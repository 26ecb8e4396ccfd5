from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (frame + Explorer), with empty caches."""
    st.cache_data.clear()
    yield AppTest.from_file(str(APP), default_timeout=30)
    st.cache_data.clear()

