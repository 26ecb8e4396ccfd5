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
