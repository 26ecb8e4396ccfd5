"""A link straight to a page on a server nobody has visited yet opens that page inside the
app's frame (navigation, wide layout), not the file alone (cascade_ui/frame.py)."""

import pytest

from cascade_ui.frame import PAGE_FILES
from tests.browser.conftest import streamlit_server

PAGES = {title for _, title, _ in PAGE_FILES}


@pytest.mark.parametrize("path, heading", [("phase", "Phase diagram"), ("risk", "Risk")])
def test_a_first_visit_straight_to_a_page_gets_the_app_frame(browser, tmp_path, path, heading):
    with streamlit_server(tmp_path / "server.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/{path}?tightness=0.5")
        # the legacy run may paint first; the frame's navigation then replaces it
        page.get_by_test_id("stSidebarNav").get_by_text("Phase diagram").wait_for()
        links = page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()
        assert {text.split("\n")[-1].strip() for text in links} == PAGES
        assert page.url.startswith(f"{url}/{path}")
        assert "tightness=0.5" in page.url
        page.get_by_role("heading", name=heading).first.wait_for()
        # the wide layout of app.py's set_page_config, not the legacy default
        width = page.get_by_test_id("stMainBlockContainer").bounding_box()["width"]
        assert width > 900
        context.close()
