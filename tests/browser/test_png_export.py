"""PNG export through kaleido and Debian's Chromium (issue 9 section 3)."""

from cascade import Scenario
from cascade_view import figures, report


def test_png_export_is_a_png_of_the_requested_size(browser_available):
    fig = figures.waves_figure(Scenario(n=2_000).run().waves)
    png = report.chart_png(fig, width=600, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert (width, height) == (600 * report.PNG_SCALE, 400 * report.PNG_SCALE)
