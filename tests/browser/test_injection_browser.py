"""A hostile link in Streamlit's own markdown renderer: the Explorer shows the link's text in
its notice and makes no link or image of it (issue 15, section 3). The AppTest tests
(tests/app/test_injection.py) cover every place user text is shown; this one checks the
escaping against the renderer itself."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.browser.test_explorer_browser import assert_no_exception, open_explorer

pytestmark = pytest.mark.browser

TRACKER = "http://127.0.0.1:9"
LINK_PAYLOAD = f"`![t]({TRACKER}/track.png) [click me]({TRACKER}/phish) `"
# the rest of what markdown acts on: raw HTML, an autolink, bare addresses, LaTeX, a
# Streamlit icon and colour
MORE = (f"<img src={TRACKER}/raw.png> <{TRACKER}/auto> {TRACKER}/bare www.example.com "
        "a@b.co $x^2$ :material/home: :red[red]")

OUTSIDE = f"""() => [...document.querySelectorAll('a[href], img[src], iframe, [srcset]')]
  .map((e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('srcset'))
  .filter((u) => u.includes('127.0.0.1:9') || u.includes('example.com')
                 || u.startsWith('mailto:'))"""


@pytest.mark.parametrize("query", [
    {"x": LINK_PAYLOAD},
    {LINK_PAYLOAD: "1"},
    {"shock": LINK_PAYLOAD},
    {"x": MORE},
    {"shock": [MORE, "-0.1"]},          # the earlier values are named in the notice
], ids=["value", "key", "control-value", "more", "repeated"])
def test_a_hostile_link_shows_text_and_makes_no_link_or_image(page, server, query):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_explorer(page, server, "?" + urlencode(query, doseq=True))
    assert_no_exception(page)
    notice = page.get_by_test_id("stAlert").first
    notice.wait_for()
    shown = notice.inner_text().replace("\u2060", "")  # the escaper's invisible word joiners
    assert "127.0.0.1:9" in shown, shown   # the text is there, to read
    assert page.evaluate(OUTSIDE) == [], "no link, image or frame points at the payload"
    assert notice.locator("a, img, code a, .katex, [data-testid=stIconMaterial]").count() == 0
    assert not [url for url in requests if "127.0.0.1:9" in url], "nothing was fetched"
