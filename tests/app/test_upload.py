"""Bring your own book on the Explorer (issue 9): the example files in one click, the page's
numbers equal to the core on them, the report and PNG downloads offered."""

import numpy as np

import cascade
from cascade import analysis as analysis_parts
from cascade.case import start_price
from cascade_ui import upload
from tests.app.apptools import charts


def page_path(at):
    (price_path,) = [t for t in charts(at)["price-path"]["data"]
                     if t.get("name") == "Price with liquidations"]
    return np.asarray(price_path["y"], dtype=float)


def test_example_positions_replace_the_synthetic_book(app):
    at = app.run()
    at.checkbox(key=upload.USE_EXAMPLE["positions"]).check().run()
    assert not at.exception and not at.error
    loaded = cascade.load_positions(upload.EXAMPLE_POSITIONS,
                                    price=start_price(upload.EXAMPLE_POSITIONS))
    expected = cascade.simulate(loaded.on_index(), cascade.Scenario().market(), -0.05)
    np.testing.assert_array_equal(page_path(at), expected.price_path)
    book = next(c.value for c in at.caption if c.value.startswith("Book: your positions"))
    assert "positions.csv" in book and "2,000 rows" in book and loaded.sha256[:12] in book
    assert not any("other books drawn like this one" in c.value for c in at.caption)


def test_example_order_book_replaces_the_impact_model(app):
    at = app.run()
    at.checkbox(key=upload.USE_EXAMPLE["orderbook"]).check().run()
    assert not at.exception and not at.error
    book = cascade.read_orderbook(upload.EXAMPLE_ORDERBOOK)
    market = cascade.Market(impact="book", book=book)
    expected = cascade.simulate(cascade.Scenario().population(), market, -0.05)
    np.testing.assert_array_equal(page_path(at), expected.price_path)
    assert any(c.value.startswith("Impact: your order book") for c in at.caption)


def test_an_exhausted_order_book_is_said(app):
    at = app.run()
    at.checkbox(key=upload.USE_EXAMPLE["orderbook"]).check()
    at.slider(key="shock").set_value(-0.3).run()
    assert any("walked past the last level" in w.value for w in at.warning)


def test_the_nearest_positions_table_is_sorted_by_distance():
    a = analysis_parts.analyse(cascade.Scenario(n=2_000))
    table = analysis_parts.closest_to_liquidation(a, count=30)
    distance = np.abs(table["distance"].to_numpy())
    assert (np.diff(distance) >= 0).all() and len(table) == 30
    everyone = np.abs(a.liquidation_price / 100 - 1)
    assert distance[-1] <= np.sort(everyone)[30]
    rows = table["position"].to_numpy()
    np.testing.assert_array_equal(table["liquidated_in_wave"], a.result.liquidated_in[rows])


def test_the_nearest_positions_show_when_asked(app):
    at = app.run()
    assert not at.dataframe
    at.toggle(key="show-nearest").set_value(True).run()
    (table,) = at.dataframe
    assert len(table.value) == 20 and "Distance from start (%)" in table.value.columns


def test_report_and_pngs_are_offered_lazily(app):
    at = app.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Report (HTML)" in labels
    assert sum(label.endswith("(PNG)") for label in labels) == 4


def test_the_servers_upload_limit_is_the_readers_limit():
    """A file the browser may send is one the reader accepts, and one above it is refused
    by both with a message (Streamlit's uploader in the browser, read_table here)."""
    import tomllib
    from pathlib import Path

    from cascade.tables import MAX_FILE_BYTES
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" /
                            "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_FILE_BYTES
