"""cascade_ui/plot.py: plotly.js published for the Explorer's charts, and their config."""

from __future__ import annotations

import os

from cascade_ui import plot


def test_plotly_js_is_published_as_the_installed_copy(tmp_path):
    published = plot.publish_plotly_js(tmp_path)
    assert published == tmp_path / "plotly.min.js"
    assert published.read_bytes() == plot.PLOTLY_JS.read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_an_identical_copy_is_left_alone_and_a_different_one_replaced(tmp_path):
    published = plot.publish_plotly_js(tmp_path)
    os.utime(published, (1_000_000, 1_000_000))
    plot.publish_plotly_js(tmp_path)
    assert published.stat().st_mtime == 1_000_000  # not rewritten
    # same size, other bytes (a damaged or older file): replaced
    damaged = bytearray(published.read_bytes())
    damaged[100] ^= 0xFF
    published.write_bytes(bytes(damaged))
    plot.publish_plotly_js(tmp_path)
    assert published.read_bytes() == plot.PLOTLY_JS.read_bytes()


def test_the_png_button_saves_under_the_charts_name():
    config = plot.chart_config("price-path")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "cascade-price-path",
                                              "scale": 2}
    assert config["displaylogo"] is False


def test_without_static_serving_the_explorer_draws_with_st_plotly_chart():
    """A server started outside the project folder does not read .streamlit/config.toml:
    no static serving, so no plotly.js for in-place charts; the page still draws them."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from tests.app.apptools import chart_specs
    from tests.app.conftest import APP

    before = config.get_option("server.enableStaticServing")
    config.set_option("server.enableStaticServing", False)
    try:
        at = AppTest.from_file(str(APP), default_timeout=60).run()
    finally:
        config.set_option("server.enableStaticServing", before)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 5 and not at.get("bidi_component")
    assert set(chart_specs(at)) == {"price-path", "waves", "leverage", "liquidation-map",
                                    "response"}
    served = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not served.get("plotly_chart") and len(served.get("bidi_component")) == 5
