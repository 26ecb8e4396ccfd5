"""The HTML report and PNG export (issue 9 section 3)."""

import re

from cascade import Scenario
from cascade.case import BroughtFile
from cascade_view import figures, formats, report
from cascade_view.headline import Metric


def sample():
    scenario = Scenario(n=2_000)
    result = scenario.run()
    figs = {"Price path": figures.price_path_figure(result.price_path, scenario.shock),
            "Waves": figures.waves_figure(result.waves)}
    metrics = [Metric("Final move", formats.pct(result.total_move), "help", "shock alone -5.0%")]
    files = (BroughtFile("positions", "book.csv", 2000, "ab" * 32),)
    return report.report_html("Cascade <report>", "Runaway: it ran.", metrics,
                              [("shock", "-5%"), ("depth", "$70M")], figs,
                              "**Assumes** $70M", files, ("Critical shock: 4.5%.",))


def test_report_is_one_self_contained_document():
    page = sample()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Cascade &lt;report&gt;" in page, "titles are escaped"
    # plotly.js is inlined exactly once and nothing is fetched from the network
    assert page.count("<script") >= 2
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert page.count('class="chart"') == 2
    for text in ("Runaway: it ran.", "Critical shock: 4.5%.", "shock alone -5.0%", "book.csv",
                 "ab" * 32, "2,000", "<strong>Assumes</strong> $70M", "$70M"):
        assert text in page, text
