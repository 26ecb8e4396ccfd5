"""A price path uploaded in Chromium (issue 17 section 2): each kind of broken file is one
message naming the file, row and field (never a traceback), and a good one is run along,
said in one line, at 1280 and 390 px (screenshots kept as artifacts and read)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_explorer_browser import IDLE, assert_no_exception, open_explorer
from tests.browser.test_upload_browser import upload

pytestmark = pytest.mark.browser
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BROKEN = {
    "missing_column.csv": ("seconds,prize\n0,100\n1,99\n", "missing column(s) price"),
    "not_a_number.csv": ("seconds,price\n0,100\n1,abc\n", "row 3, price: 'abc' is not a number"),
    "not_rising.csv": ("seconds,price\n0,100\n5,99\n5,98\n", "row 4, seconds: 5 is not after"),
    "negative.csv": ("seconds,price\n0,100\n1,-5\n", "row 3, price: -5 is not positive"),
    "empty.csv": ("", "the file is empty"),
}


def test_broken_path_files_are_named_and_a_good_one_is_run_along(page, server, artifacts,
                                                                  tmp_path):
    open_explorer(page, server)
    page.get_by_text("Your own book").click()
    for name, (text, said) in BROKEN.items():
        bad = tmp_path / name
        bad.write_text(text)
        upload(page, "Price path", bad)
        alert = page.get_by_test_id("stAlert").filter(has_text=name)
        alert.wait_for()
        shown = alert.inner_text().replace("\u2060", "")  # escape_markdown's word joiners
        assert said in shown and "Traceback" not in shown, (name, shown)
        assert_no_exception(page)

    upload(page, "Price path", EXAMPLES / "path-10oct-like.csv")
    page.get_by_text(re.compile("Price path: your file")).wait_for()
    page.wait_for_function(
        "document.querySelectorAll('.cascade-chart[data-drawn]').length >= 4")
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    assert page.get_by_test_id("stAlert").filter(has_text="Check your file").count() == 0
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 1400})
        page.wait_for_timeout(800)
        page.screenshot(path=str(artifacts / f"explorer-path-{width}.png"))
