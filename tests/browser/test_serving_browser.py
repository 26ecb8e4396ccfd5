"""The server `make run` starts (serve.py) in Chromium: an unknown nested path says "page
not found" and links to every page instead of a blank page, the known paths still open
their pages, and by default nobody but this machine can connect
(issue 15, section 4)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import psutil
import pytest

from cascade_ui.frame import PAGES
from tests.browser.conftest import ROOT, streamlit_process
from tests.browser.test_explorer_browser import IDLE, assert_no_exception

pytestmark = pytest.mark.browser

TITLES = [title for title, _ in PAGES]


@pytest.fixture(scope="module")
def served(browser_available, tmp_path_factory):
    """(base URL, process) of `streamlit run serve.py` with the project's own config."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with streamlit_process(log, script="serve.py") as (url, process):
        yield url, process


@pytest.mark.parametrize("path", ["/a/b", "/a/b/c", "/phase/extra", "/a/%3Cb%3Ex%3C%2Fb%3E"])
def test_an_unknown_nested_path_says_page_not_found_with_links(browser, served, path):
    url, _ = served
    page = browser.new_page()
    try:
        response = page.goto(url + path)
        assert response.status == 404
        assert page.get_by_role("heading", name="Page not found").is_visible()
        assert "/a/<b>x</b>" in page.inner_text("body") or "%3C" not in path
        assert page.locator("b").count() == 0, "the path is shown as text, not markup"
        links = page.get_by_role("link")
        assert links.all_inner_texts() == TITLES
        # every link opens its page
        links.nth(1).click()
        page.wait_for_selector(IDLE)
        page.wait_for_function("document.querySelector('h1') !== null")
        assert page.url == f"{url}/phase"
        assert page.locator("h1").first.inner_text().startswith("Phase diagram")
        assert_no_exception(page)
    finally:
        page.close()


def test_an_unknown_page_one_level_deep_is_said_by_streamlit(browser, served):
    """/nowhere reaches the app: Streamlit says "Page not found" in a dialog and runs the
    default page (what its dialog says it does)."""
    url, _ = served
    page = browser.new_page()
    try:
        page.goto(f"{url}/nowhere")
        dialog = page.get_by_test_id("stDialog")
        dialog.get_by_role("heading", name="Page not found").wait_for()
        assert "main page" in dialog.inner_text()
        page.get_by_role("heading", name="Liquidation cascade explorer").wait_for()
        assert_no_exception(page)
    finally:
        page.close()


@pytest.mark.parametrize("path,heading", [
    ("/", "Liquidation cascade explorer"),
    ("/?shock=-0.1", "Liquidation cascade explorer"),  # what the Phase page's cells link to
    ("/learn", "How a liquidation cascade unfolds"),
])
def test_the_known_paths_open_their_pages(browser, served, path, heading):
    url, _ = served
    page = browser.new_page()
    try:
        page.goto(url + path)
        page.get_by_role("heading", name=heading).wait_for()
        page.wait_for_selector(IDLE)
        assert page.get_by_role("heading", name="Page not found").count() == 0
        assert_no_exception(page)
    finally:
        page.close()


def _outside_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return None


def test_by_default_the_server_listens_on_this_machine_only(served):
    url, process = served
    port = int(url.rsplit(":", 1)[1])
    listening = [c.laddr for c in psutil.Process(process.pid).net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening, "the server listens on its port"
    assert all(addr.ip in ("127.0.0.1", "::1") for addr in listening), listening
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as reply:
        assert reply.status == 200
    outside = _outside_address()
    if outside is not None:  # a machine with a network interface: it is refused there
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(f"http://{outside}:{port}/_stcore/health", timeout=5)


def test_make_run_serves_this_machine_unless_told_otherwise():
    makefile = (ROOT / "Makefile").read_text()
    assert "ADDRESS ?= 127.0.0.1" in makefile
    assert "--server.address $(ADDRESS)" in makefile and "run serve.py" in makefile
    assert (ROOT / "docs" / "serving-a-room.md").is_file()
