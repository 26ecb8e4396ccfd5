from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(autouse=True)
def empty_caches():
    """Every test starts and ends with empty caches (st.cache_resource: books; st.cache_data:
    critical shock), so no test passes on another's cached results."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (frame + Explorer)."""
    return AppTest.from_file(str(APP), default_timeout=30)
