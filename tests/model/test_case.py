"""cascade.case: one loader, one start-price rule and one "what a brought file replaces" rule
for the page, the command line and the report."""

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cascade
from cascade import case
from cascade.scenario import VENUE_FIELDS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
POSITIONS = EXAMPLES / "positions.csv"
ORDERBOOK = EXAMPLES / "orderbook_btc.csv"


def test_the_start_price_is_the_median_entry_to_six_digits():
    entries = pd.read_csv(POSITIONS)["entry_price"].to_numpy()
    start = case.start_price(POSITIONS)
    assert start == float(f"{np.median(entries):.6g}")
    assert abs(start / np.median(entries) - 1) < 5e-6


def test_a_file_without_entry_prices_starts_at_the_index(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("leverage,notional,side\n10,100,long\n5,200,short\n")
    assert case.start_price(path) == cascade.market.DEFAULT_PRICE
    loaded = case.load_positions_file(path, maintenance_margin=0.005)
    assert loaded.price == 100.0
    np.testing.assert_array_equal(loaded.population.entry_price, [100.0, 100.0])


def test_the_cascade_does_not_depend_on_the_files_units(tmp_path):
    """The same positions in USD per BTC (entries x 1,000) give the same cascade: the median
    entry is in the file's units whatever they are, and the book is read on the index."""
    frame = pd.read_csv(POSITIONS)
    scaled = tmp_path / "btc.csv"
    frame.assign(entry_price=frame["entry_price"] * 1000).to_csv(scaled, index=False)
    scenario = cascade.Scenario()
    on_index = case.load_case(scenario, POSITIONS, ORDERBOOK)
    in_dollars = case.load_case(scenario, scaled, ORDERBOOK)
    assert in_dollars.positions.price == pytest.approx(1000 * on_index.positions.price, rel=1e-12)
    a, b = on_index.book.run(scenario.shock), in_dollars.book.run(scenario.shock)
    assert a.wave_count == b.wave_count
    np.testing.assert_allclose(a.price_path, b.price_path, rtol=1e-12)


def test_a_given_price_is_the_start_price():
    loaded = case.load_positions_file(POSITIONS, maintenance_margin=0.005, price=100.2)
    direct = cascade.load_positions(POSITIONS, price=100.2)
    assert loaded.price == 100.2
    np.testing.assert_array_equal(loaded.on_index().entry_price, direct.on_index().entry_price)


@pytest.mark.parametrize("as_source", [bytes, lambda data: io.BytesIO(data)])
def test_bytes_and_open_files_read_as_the_path_does(as_source):
    data = POSITIONS.read_bytes()
    from_path = case.load_positions_file(POSITIONS, maintenance_margin=0.005)
    from_data = case.load_positions_file(as_source(data), maintenance_margin=0.005)
    assert (from_data.price, from_data.rows, from_data.sha256) == (
        from_path.price, from_path.rows, from_path.sha256)
    np.testing.assert_array_equal(from_data.population.entry_price,
                                  from_path.population.entry_price)
    book, listing = case.load_orderbook_file(io.BytesIO(ORDERBOOK.read_bytes()))
    assert listing.rows == 1000 and listing.role == "order book"
    np.testing.assert_array_equal(book.bid_price, cascade.read_orderbook(ORDERBOOK).bid_price)


def test_the_case_is_the_files_on_the_scenarios_venue():
    """Positions on the index, the scenario's market with its venue mechanics, impact walking
    the order book: the same cascade as built by hand from the model's parts."""
    scenario = cascade.Scenario(engine_capacity=20e6, insurance_fund=1e6, liquidation_fee=0.005)
    loaded = case.load_case(scenario, POSITIONS, ORDERBOOK)
    start = case.start_price(POSITIONS)
    population = cascade.load_positions(POSITIONS, price=start).on_index()
    market = dataclasses.replace(scenario.market(), impact="book",
                                 book=cascade.read_orderbook(ORDERBOOK))
    expected = cascade.simulate(population, market, scenario.shock)
    got = loaded.book.run(scenario.shock)
    np.testing.assert_array_equal(got.price_path, expected.price_path)
    assert got.steps == expected.steps and loaded.book.market.engine_capacity == 20e6
    assert [f.kind for f in loaded.files] == [case.POSITIONS, case.ORDERBOOK]
    assert loaded.brought and loaded.not_applied == case.not_applied([case.POSITIONS,
                                                                     case.ORDERBOOK])


def test_without_files_the_case_is_the_scenarios_own_book():
    scenario = cascade.Scenario(n=2_000)
    loaded = case.load_case(scenario)
    assert not loaded.brought and loaded.files == () and loaded.not_applied == frozenset()
    np.testing.assert_array_equal(loaded.book.run(scenario.shock).price_path,
                                  scenario.run().price_path)


def test_a_price_without_positions_is_refused():
    with pytest.raises(ValueError, match=r"^price: only with a positions file.*100.2"):
        case.load_case(cascade.Scenario(), price=100.2)


def test_what_a_brought_file_replaces():
    """Positions replace the synthetic crowd (n and seed included), never the shock, the
    margin or the venue; an order book replaces the depth and impact only."""
    positions = set(case.RULES[case.POSITIONS].fields)
    assert positions == set(cascade.Scenario.population_fields()) - {
        "maintenance_margin", *VENUE_FIELDS}
    assert {"tightness", "center_leverage", "open_interest", "n", "seed"} <= positions
    assert not positions & {"shock", "maintenance_margin", "depth", "impact", *VENUE_FIELDS}
    assert case.RULES[case.ORDERBOOK].fields == ("depth", "impact")
    assert case.not_applied([case.POSITIONS, case.ORDERBOOK]) == positions | {"depth", "impact"}
    assert case.not_applied([]) == frozenset()


@pytest.mark.parametrize("bad", ["order book", "trades", ""])
def test_an_unknown_kind_of_file_is_refused(bad):
    with pytest.raises(ValueError, match=rf"^kind: .*got {bad!r}"):
        case.not_applied([bad])
    with pytest.raises(ValueError, match="^kind: "):
        case.BroughtFile(bad, "x.csv", 1, "0" * 64)


def test_book_exhausted_is_the_markets_test_on_the_last_cumulative_flow():
    book = cascade.OrderBook.from_levels([(99.0, 1000.0), (98.0, 1000.0)],
                                         [(101.0, 1000.0)])
    population = cascade.Scenario(n=2_000).population()
    market = cascade.Market(impact="book", book=book)
    small, large = (cascade.simulate(population, market, s) for s in (-0.001, -0.2))
    for result in (small, large):
        flow = float(result.waves["cumulative_flow"].iloc[-1]) if result.wave_count else 0.0
        assert case.book_exhausted(result) == market.book_exhausted(flow)
    assert case.book_exhausted(large) and flow > book.capacity(1)
    assert not case.book_exhausted(small)
    assert not case.book_exhausted(cascade.Scenario(n=2_000, shock=-0.3).run())
