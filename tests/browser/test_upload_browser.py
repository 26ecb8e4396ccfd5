"""Uploading a book in Chromium (issue 9): a bad file is named by row on the page, a good one
replaces the synthetic traders, and the page is screenshotted for the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_explorer_browser import IDLE, assert_no_exception, open_explorer

pytestmark = pytest.mark.browser
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def upload(page, label: str, path: Path) -> None:
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label)
    uploader.locator("input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(500)
    page.wait_for_selector(IDLE)


def test_a_bad_file_is_named_by_row_and_a_good_one_is_used(page, server, artifacts, tmp_path):
    open_explorer(page, server)
    page.get_by_text("Your own book").click()
    bad = tmp_path / "bad_positions.csv"
    bad.write_text("leverage,notional,side\n10,1000,long\n0.5,1000,long\n10,x,short\n")
    upload(page, "Positions", bad)
    alert = page.get_by_test_id("stAlert").filter(has_text="bad_positions.csv")
    alert.wait_for()
    text = alert.inner_text()
    assert "row 3, leverage" in text and "row 4, notional" in text
    assert_no_exception(page)

    upload(page, "Positions", EXAMPLES / "positions.csv")
    upload(page, "Order book", EXAMPLES / "orderbook_btc.csv")
    page.get_by_text(re.compile("Book: your positions")).wait_for()
    page.get_by_text(re.compile("Impact: your order book")).wait_for()
    page.wait_for_function(
        "document.querySelectorAll('.cascade-chart[data-drawn]').length >= 4")
    assert_no_exception(page)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "explorer-upload.png"))  # docs/ holds a read copy
