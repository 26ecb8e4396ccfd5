"""The server's answer to an unknown nested path (cascade_ui/server.py): which paths it
takes (deeper than any page, none of Streamlit's routes) and the page it sends."""

from __future__ import annotations

import pytest

from cascade_ui.frame import PAGE_FILES, PAGES
from cascade_ui.server import not_found_html, unknown_nested


@pytest.mark.parametrize("path", ["/a/b", "/a/b/c", "/phase/x", "/a/b?x=1", "/a/b/"])
def test_a_path_deeper_than_any_page_is_unknown(path):
    assert unknown_nested(path)


@pytest.mark.parametrize("path", [
    "/", "/phase", "/a", "/_stcore/health", "/_stcore/stream", "/phase/_stcore/health",
    "/static/js/index.js", "/app/static/plotly.min.js", "/media/abc.png",
    "/component/x/index.html", "/auth/login",
])
def test_pages_and_streamlits_routes_are_left_to_streamlit(path):
    assert not unknown_nested(path)


def test_a_base_url_path_is_taken_off_first():
    assert unknown_nested("/lab/a/b", "lab") and not unknown_nested("/lab/phase", "/lab/")
    assert not unknown_nested("/other/a/b", "lab")


def test_the_page_escapes_the_path_and_links_every_page():
    page = not_found_html("/a/<script>alert(1)</script>", "lab")
    assert "<script>" not in page and "&lt;script&gt;" in page
    for title, url_path in PAGES:
        assert f'<a href="/lab/{url_path}">{title}</a>' in page
    assert [title for title, _ in PAGES] == [title for _, title, _ in PAGE_FILES]
    assert PAGES[0][1] == "" and PAGES[1] == ("Phase diagram", "phase")
