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


def test_the_time_sections_charts_export_as_png(browser_available):
    """The Explorer's PNG row under a clock: every Time chart (views.TIME_CHARTS) exports."""
    from cascade.analysis import analyse
    from cascade_view import views
    analysis = analyse(Scenario(n=2_000, path="fall", fall_seconds=60.0, engine_rate=20e6,
                                insurance_fund=1e6))
    built = views.explorer_time_figures(analysis)
    assert set(built) == {name for name, _ in views.TIME_CHARTS} == set(views.TIME_SHORT_NAMES)
    for name, fig in built.items():
        png = report.chart_png(fig, width=600, height=400)
        assert png[:8] == b"\x89PNG\r\n\x1a\n", name
