"""read_positions (issue 9 section 1): CSV or Parquet in, a validated Population out, and every
bad row named as a spreadsheet numbers it."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cascade

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "positions.csv"


def csv(text: str) -> io.BytesIO:
    buffer = io.BytesIO(text.encode())
    buffer.name = "book.csv"
    return buffer


def test_the_example_file_reads_and_round_trips():
    population = cascade.read_positions(EXAMPLE)
    frame = pd.read_csv(EXAMPLE)
    assert len(population) == len(frame) == 2000
    np.testing.assert_array_equal(population.leverage, frame["leverage"])
    np.testing.assert_array_equal(population.notional, frame["notional"])
    np.testing.assert_array_equal(population.side, np.where(frame["side"] == "long", 1, -1))
    np.testing.assert_array_equal(population.entry_price, frame["entry_price"])


def test_parquet_reads_the_same_as_csv(tmp_path):
    frame = pd.read_csv(EXAMPLE)
    frame.to_parquet(tmp_path / "book.parquet")
    a = cascade.read_positions(EXAMPLE)
    b = cascade.read_positions(tmp_path / "book.parquet")
    for name in ("leverage", "notional", "side", "entry_price"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_sides_in_words_or_signs_and_entry_price_optional():
    loaded = cascade.load_positions(csv(
        "Leverage , notional,SIDE,account\n10,1000,long,a\n5,2000, Short ,b\n20,500,+1,c\n"
        "3,100,-1,d\n"))
    population = loaded.population
    assert population.side.tolist() == [1, -1, 1, -1]
    assert population.entry_price.tolist() == [100.0] * 4
    assert loaded.ignored_columns == ("account",)
    assert loaded.rows == 4 and len(loaded.sha256) == 64 and loaded.name == "book.csv"


def test_bad_rows_are_named_by_spreadsheet_row_and_column():
    text = ("leverage,notional,side\n"
            "10,1000,long\n"       # row 2 fine
            "0.5,1000,long\n"      # row 3 leverage below 1
            "10,,short\n"          # row 4 notional empty
            "10,abc,sideways\n"    # row 5 notional text, side bad
            "500,10,long\n")       # row 6 no margin above 0.5%
    with pytest.raises(ValueError) as error:
        cascade.read_positions(csv(text))
    message = str(error.value)
    assert message.startswith("book.csv: 5 bad values in 4 rows (columns leverage, notional, "
                              "side; rows as a spreadsheet numbers them, header = row 1)")
    for part in ("row 3, leverage: 0.5 is below 1", "row 4, notional: (empty) is empty",
                 "row 5, notional: 'abc' is not a number",
                 "row 5, side: 'sideways' is not long or short",
                 "row 6, leverage: 500.0 leaves no margin"):
        assert part in message, part


def test_many_bad_rows_show_ten_then_how_many_more():
    rows = "\n".join("0.5,100,long" for _ in range(25))
    with pytest.raises(ValueError, match=r"25 bad values in 25 rows .* row 11, .*; and 15 more$"):
        cascade.read_positions(csv("leverage,notional,side\n" + rows + "\n"))


def test_positions_already_liquidated_at_the_start_are_named():
    text = "leverage,notional,side,entry_price\n10,100,long,100\n10,100,long,120\n"
    with pytest.raises(ValueError, match=r"row 3, leverage: 10 puts the position at or past"):
        cascade.read_positions(csv(text))


@pytest.mark.parametrize("text, words", [
    ("", "book.csv: the file is empty"),
    ("leverage,notional\n10,100\n", r"book.csv: missing column\(s\) side; expected leverage, "
                                    r"notional, side, entry_price \(found: leverage, notional\)"),
    ("leverage,notional,side\n", "book.csv: has a header but no rows"),
    ("leverage,leverage,side,notional\n1,2,long,3\n", "appear more than once|missing"),
])
def test_bad_files_get_a_message_naming_the_file(text, words):
    with pytest.raises(ValueError, match=words):
        cascade.read_positions(csv(text))


def test_files_above_the_limit_are_refused(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("leverage,notional,side\n" + "10,100,long\n" * 1000)
    with pytest.raises(ValueError, match=r"big.csv: .* above the limit of 0 MB"):
        cascade.load_positions(path, max_bytes=100)
    with pytest.raises(ValueError, match=r"above the limit"):
        cascade.load_positions(io.BytesIO(path.read_bytes()), max_bytes=100)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_are_a_population_or_a_value_error(data):
    try:
        population = cascade.read_positions(io.BytesIO(data))
    except ValueError as error:
        assert str(error)
        return
    assert len(population) > 0


cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.sampled_from(["long", "short", "-1", "+1", "", "x", "1e400", " 3 "]),
                  st.integers(-5, 200).map(str))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=8))
def test_any_cells_are_a_population_or_a_message_naming_rows(rows):
    text = "leverage,notional,side\n" + "\n".join(",".join(row) for row in rows) + "\n"
    try:
        population = cascade.read_positions(csv(text))
    except ValueError as error:
        assert str(error).startswith("book.csv: ")
        return
    assert len(population) == len(rows), "nothing is dropped silently"


def test_positions_in_dollars_cascade_as_on_the_index():
    """A BTC book at 60,000 and the same book rebased to the index (start 100) liquidate the
    same positions in the same waves, and move the price by the same relative amounts."""
    text = ("leverage,notional,side,entry_price\n" + "\n".join(
        f"{20 - k % 7},{1e6 + k * 1e4},long,{60_000 * (1 + (k % 5 - 2) / 1000)}"
        for k in range(200)) + "\n")
    loaded = cascade.load_positions(csv(text), price=60_000)
    assert loaded.price == 60_000
    indexed = loaded.on_index()
    np.testing.assert_allclose(indexed.entry_price, loaded.population.entry_price / 600)
    dollars = cascade.simulate(loaded.population, cascade.Market(price=60_000, depth=5e6), -0.05)
    index = cascade.simulate(indexed, cascade.Market(depth=5e6), -0.05)
    np.testing.assert_array_equal(dollars.liquidated_in, index.liquidated_in)
    np.testing.assert_allclose(dollars.price_path / 600, index.price_path, rtol=1e-12)


# ---------------------------------------------------------------- cells pandas reads as numbers

def parquet(frame: pd.DataFrame) -> io.BytesIO:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    buffer.seek(0)
    buffer.name = "book.parquet"
    return buffer


def test_a_side_column_of_lists_is_a_row_numbered_error_not_a_type_error():
    frame = pd.DataFrame({"leverage": [10.0, 5.0], "notional": [100.0, 200.0],
                          "side": [["long"], ["short", "long"]]})
    with pytest.raises(ValueError) as error:
        cascade.read_positions(parquet(frame))
    message = str(error.value)
    assert message.startswith("book.parquet: 2 bad values in 2 rows (column side;")
    assert "row 2, side: array(['long'], dtype=object) is not long or short" in message
    assert "row 3, side: array(['short', 'long'], dtype=object) is not long" in message


@pytest.mark.parametrize("cells", [[True, True], [True, False]])
def test_a_boolean_notional_is_refused_not_read_as_one(cells):
    frame = pd.DataFrame({"leverage": [10.0, 5.0], "notional": cells,
                          "side": ["long", "short"]})
    with pytest.raises(ValueError, match=r"row 2, notional: True is True/False, not a number"):
        cascade.read_positions(parquet(frame))
    with pytest.raises(ValueError, match=r"row 2, notional: True is True/False, not a number"):
        cascade.read_positions(csv("leverage,notional,side\n10,True,long\n5,False,short\n"))


def test_a_boolean_among_numbers_is_refused_by_row():
    """A frame of Python objects (what a Parquet file of mixed cells reads as) keeps True;
    a CSV keeps the word."""
    from cascade.tables import TableErrors

    frame = pd.DataFrame({"leverage": pd.Series([10.0, True, 4.0], dtype=object)})
    errors = TableErrors("book.parquet")
    assert np.isnan(errors.numbers(frame, "leverage", at_least=1.0)).tolist() == [
        False, True, False]
    with pytest.raises(ValueError, match=r"1 bad value in 1 row .* row 3, leverage: True is "
                                         r"True/False, not a number$"):
        errors.raise_if_any()
    with pytest.raises(ValueError, match=r"row 3, leverage: 'True' is not a number$"):
        cascade.read_positions(csv("leverage,notional,side\n10,1,long\nTrue,2,short\n"))


DAY_ONE = "Timestamp('2024-01-01 00:00:00')"


@pytest.mark.parametrize("column, cells, shown", [
    ("notional", pd.to_datetime(["2024-01-01", "2024-01-02"]), DAY_ONE),
    ("leverage", pd.to_datetime(["2024-01-01", "2024-01-02"]), DAY_ONE),
    ("notional", pd.to_timedelta(["1D", "2D"]), "Timedelta('1 days 00:00:00')"),
])
def test_timestamp_cells_are_named_as_dates_not_read_as_nanoseconds(column, cells, shown):
    """A date column used to read as nanoseconds since 1970: a notional of 1.7e15 was
    accepted, a leverage of 1.7e15 was said to leave no margin."""
    frame = pd.DataFrame({"leverage": [10.0, 5.0], "notional": [1e3, 2e3],
                          "side": ["long", "short"]})
    frame[column] = cells
    with pytest.raises(ValueError) as error:
        cascade.read_positions(parquet(frame))
    message = str(error.value)
    assert f"row 2, {column}: {shown} is a date or time, not a number" in message
    assert "margin" not in message
