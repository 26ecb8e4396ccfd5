"""Impact from an order-book profile (issue 9 section 2): closed forms and a hand-worked book."""

import io

import numpy as np
import pandas as pd
import pytest

import cascade
from tests.model.books import P0, band, depth_for_ratio

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def flat_book(depth: float, step: float = 0.001, levels: int = 400, mid: float = 100.0):
    """Equal notional per equal price step: depth USD per 1% on each side."""
    distance = step * np.arange(1, levels + 1)
    notional = depth * step / 0.01
    bids = np.column_stack((mid * (1 - distance), notional / (mid * (1 - distance))))
    asks = np.column_stack((mid * (1 + distance), notional / (mid * (1 + distance))))
    return cascade.OrderBook.from_levels(bids, asks)


def growing_book(depth: float, step: float = 0.0005, levels: int = 600, mid: float = 100.0):
    """Depth growing linearly away from the mid so that C(d) = D (100 d)^2: the sqrt law."""
    outer = step * np.arange(1, levels + 1)
    notional = depth * 1e4 * (outer ** 2 - (outer - step) ** 2)
    bids = np.column_stack((mid * (1 - outer), notional / (mid * (1 - outer))))
    asks = np.column_stack((mid * (1 + outer), notional / (mid * (1 + outer))))
    return cascade.OrderBook.from_levels(bids, asks)


def test_a_flat_book_is_the_linear_model():
    depth = 5e6
    book = flat_book(depth)
    linear = cascade.Market(depth=depth)
    walked = cascade.Market(impact="book", book=book)
    flows = np.linspace(-1.5e8, 1.5e8, 301)
    np.testing.assert_allclose(walked.price_impact(flows), linear.price_impact(flows),
                               rtol=1e-12, atol=1e-15)
    population = band(2000, 0.01, 0.3)
    a = cascade.simulate(population, linear, -0.02)
    b = cascade.simulate(population, walked, -0.02)
    np.testing.assert_array_equal(a.liquidated_in, b.liquidated_in)
    np.testing.assert_allclose(a.price_path, b.price_path, rtol=1e-12)


def test_depth_growing_linearly_is_the_square_root_law_up_to_the_level_spacing():
    depth, step = 5e6, 0.0005
    walked = cascade.Market(impact="book", book=growing_book(depth, step))
    sqrt = cascade.Market(depth=depth, impact="sqrt")
    flows = np.linspace(1e5, 2e9, 400)
    gap = np.abs(walked.price_impact(flows) - sqrt.price_impact(flows))
    assert gap.max() <= step
    np.testing.assert_allclose(walked.price_impact(-flows), -walked.price_impact(flows), rtol=1e-9)
    # exactly on the levels, the two agree to rounding
    levels = depth * 1e4 * (step * np.arange(1, 50)) ** 2
    np.testing.assert_allclose(walked.price_impact(levels), sqrt.price_impact(levels), rtol=1e-9)


def test_three_levels_worked_by_hand():
    # mid 100; bids at 99 (10 units = $990), 98 (20 = $1,960), 96 (50 = $4,800)
    book = cascade.OrderBook.from_levels([(98, 20), (99, 10), (96, 50)], [(101, 5), (103, 1)])
    market = cascade.Market(impact="book", book=book)
    assert book.mid == 100.0
    # $990 reaches the 99 level: 1%; $2,950 reaches 98: 2%; $7,750 reaches 96: 4%
    assert market.price_impact(990.0) == pytest.approx(0.01)
    assert market.price_impact(2950.0) == pytest.approx(0.02)
    assert market.price_impact(7750.0) == pytest.approx(0.04)
    # halfway between 990 and 2950 is halfway between 1% and 2%
    assert market.price_impact(1970.0) == pytest.approx(0.015)
    # past the last level: the side's average rate 4% / $7,750, and the book says so
    assert market.price_impact(7750.0 * 2) == pytest.approx(0.08)
    assert market.book_exhausted(7751.0) and not market.book_exhausted(7750.0)
    # buying walks the asks: $505 at 101 is 1%, $103 more at 103 is 3%
    assert market.price_impact(-505.0) == pytest.approx(-0.01)
    assert market.price_impact(-608.0) == pytest.approx(-0.03)
    assert book.depth_within(0.01) == pytest.approx((990.0, 505.0))


def test_the_example_snapshot_is_shaped_like_a_btc_perp_book():
    book = cascade.read_orderbook(ROOT / "examples" / "orderbook_btc.csv")
    bid, ask = book.depth_within(0.01)
    assert 10e6 <= bid <= 100e6 and 10e6 <= ask <= 100e6  # docs/model.md, Sources


@pytest.mark.parametrize("bids, asks, words", [
    ([], [(101, 1)], "bids: the book has no bids"),
    ([(99, 1)], [(98, 1)], "bids: the best bid 99.0 is not below the best ask 98.0"),
    ([(99, -1)], [(101, 1)], "bids: 1 of 1 values have a size that is not positive"),
    ([(0, 1)], [(101, 1)], "bids: 1 of 1 values have a price that is not positive"),
    ([(99, 1, 3)], [(101, 1)], r"bids: expected \(price, size\) pairs"),
])
def test_bad_levels_are_named(bids, asks, words):
    with pytest.raises(ValueError, match=words):
        cascade.OrderBook.from_levels(bids, asks)


def test_a_market_needs_a_book_exactly_when_impact_is_book():
    with pytest.raises(ValueError, match="book: give an OrderBook exactly when impact is 'book'"):
        cascade.Market(impact="book")
    with pytest.raises(ValueError, match="book: give an OrderBook"):
        cascade.Market(impact="linear", book=flat_book(1e6))


def test_a_bad_orderbook_file_names_rows_and_columns():
    text = "side,price,size\nbid,99,1\nbuy,98,x\nmiddle,97,2\nask,101,-1\n"
    with pytest.raises(ValueError) as error:
        cascade.read_orderbook(io.BytesIO(text.encode()))
    message = str(error.value)
    assert "3 bad values in 3 rows" in message
    assert "row 3, size: 'x' is not a number" in message
    assert "row 4, side: 'middle' is not bid or ask" in message
    assert "row 5, size: '-1' is not positive" in message or "row 5, size: -1" in message


# ---------------------------------------------------------------- sizes the money cannot hold

def test_a_level_above_the_money_bound_is_refused_by_row_not_shown_as_infinite():
    """1e308 units at 99 is an infinite notional: the probe saw "$infT of bids"."""
    text = "side,price,size\nbid,99,1\nbid,98,1e308\nask,101,1\nask,102,2e13\n"
    with pytest.raises(ValueError) as error:
        cascade.read_orderbook(io.BytesIO(text.encode()))
    message = str(error.value)
    assert "2 bad values in 2 rows (column size;" in message
    assert "row 3, size: 1e+308 x its price is above 1e+15 of notional" in message
    assert "row 5, size: 20000000000000.0 x its price is above 1e+15" in message


def test_levels_that_add_up_past_the_bound_are_refused_naming_the_side():
    bids = [(99.0, 5e12), (98.0, 5e12), (97.0, 5e12)]  # 4.9e14 + 4.9e14 + 4.85e14
    with pytest.raises(ValueError, match=r"bids: the levels hold 1.4\d+e\+15 of notional in "
                                         r"all .*above the 1e\+15 a side may hold"):
        cascade.OrderBook.from_levels(bids, [(101.0, 1.0)])
    with pytest.raises(ValueError, match=r"asks: 1 of 1 values hold more than 1e\+15 .*"
                                         r"notionals \[inf\]"):
        cascade.OrderBook.from_levels([(99.0, 1.0)], [(101.0, 1e308)])


def test_the_bound_itself_is_accepted():
    book = cascade.OrderBook.from_levels([(100.0 - 1e-9, 1e13)], [(101.0, 1e13 / 101.0)])
    assert book.capacity(-1) == pytest.approx(1e13)


def test_a_nested_side_column_is_a_row_numbered_error(tmp_path):
    path = tmp_path / "book.parquet"
    pd.DataFrame({"side": [["bid"], ["ask"]], "price": [99.0, 101.0],
                  "size": [1.0, 1.0]}).to_parquet(path)
    with pytest.raises(ValueError, match=r"book.parquet: 2 bad values .* row 2, side: "
                                         r"array\(\['bid'\].* is not bid or ask"):
        cascade.read_orderbook(path)


def test_impact_of_one_number_is_the_array_path_bit_for_bit():
    """A step-by-step cascade asks one number at a time; it must get what an array gets."""
    book = cascade.OrderBook.from_levels([(99.5, 1e4), (99.0, 3e4), (98.0, 5e4)],
                                         [(100.5, 2e4), (101.0, 1e4), (103.0, 8e4)])
    flows = np.r_[np.linspace(-3e7, 3e7, 2001), 0.0, book.curve(1)[0], -book.curve(-1)[0]]
    for function in (book.impact, book.impact_integral):
        one_by_one = np.array([function(float(q)) for q in flows])
        np.testing.assert_array_equal(one_by_one, function(flows))
