"""A real browser against a real server: Debian's Chromium (via Playwright) driving
`streamlit run app.py` on a free port. Never runs `playwright install`.

Without /usr/bin/chromium (or the playwright package) the tests are skipped with a loud
reason; with CASCADE_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
# CASCADE_CHROMIUM overrides the path (e.g. to check the skip / fail behaviour).
CHROMIUM = Path(os.environ.get("CASCADE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 60.0
# a page's charts: updated in place (cascade_ui/plot.py) or, when clickable, st.plotly_chart
CHARTS = "[data-testid=stPlotlyChart], .cascade-chart"
# A run has finished (STYLE.md): the app is not running its script.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def drawn(page, count: int) -> None:
    """Wait until the script has finished and at least `count` charts have drawn their SVG."""
    page.wait_for_selector(IDLE)
    page.wait_for_function(
        f"[...document.querySelectorAll('{CHARTS}')].filter((c) => c.querySelector("
        f"'.main-svg')).length >= {count}")


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (install Debian's chromium: `make browser` as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def browser_available():
    reason = _missing_browser()
    if reason:
        message = f"BROWSER TESTS NOT RUN: {reason}"
        if os.environ.get("CASCADE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message}; CASCADE_REQUIRE_BROWSER=1 makes this a failure",
                        pytrace=False)
        print(f"\n{'#' * 72}\n## {message}\n{'#' * 72}", file=sys.stderr)
        pytest.skip(message)


def _free_port() -> int:
    """A free port: any, or the first free one of CASCADE_TEST_PORTS ("8581-8589") on a
    machine whose users share out port ranges."""
    low, _, high = os.environ.get("CASCADE_TEST_PORTS", "0").partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"no free port in CASCADE_TEST_PORTS={os.environ['CASCADE_TEST_PORTS']}")


@contextlib.contextmanager
def streamlit_server(log_path: Path, env: dict | None = None):
    """`streamlit run app.py` on a free port; yields its base URL once healthy; stopped on
    exit. A new server has not run app.py yet (see cascade_ui/frame.py)."""
    with streamlit_process(log_path, env) as (url, _):
        yield url


@contextlib.contextmanager
def streamlit_process(log_path: Path, env: dict | None = None, options: tuple[str, ...] = (),
                      script: str = "app.py"):
    """streamlit_server, yielding (base URL, the server's subprocess.Popen). `options`: more
    `streamlit run` options (e.g. ("--runner.fastReruns", "true")); `script`: what to run
    (serve.py: the server `make run` starts). The benchmarks start their servers here too."""
    port = _free_port()
    streamlit = Path(sys.executable).with_name("streamlit")
    command = [str(streamlit) if streamlit.exists() else shutil.which("streamlit"),
               "run", script, "--server.headless", "true", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               *options]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n"
                            f"{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT:.0f} s:\n"
                            f"{log_path.read_text(errors='replace')}")
            time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(browser_available, tmp_path_factory):
    """The shared server for the browser tests; yields its base URL."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def entered(browser, server):
    """The server after "/" was opened once. Until some session has run app.py (and its
    st.navigation), Streamlit treats the pages/ folder as a legacy multipage app: a first
    visit straight to /phase runs pages/phase.py alone, without the app's page config and
    navigation. Tests that open a page by its path look at it as the app frame shows it."""
    context = browser.new_context()
    first = context.new_page()
    first.goto(server)
    first.wait_for_selector(IDLE, timeout=60_000)
    context.close()
    return server
