"""read_table on hostile shapes (issue 15): wide files are refused or read in time that grows
with their size, never with its square."""

import io
import time

import pytest

import cascade
from cascade.tables import MAX_COLUMNS, read_table

# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = pytest.mark.timing


def named(data: bytes, name: str = "wide.csv") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def wide_csv(columns: list[str]) -> bytes:
    return (",".join(columns) + "\n" + ",".join("1" for _ in columns) + "\n").encode()


@pytest.mark.parametrize("header", [
    [f"c{i}" for i in range(40_000)],                        # the probe's 340 KB file
    ["x"] * 40_000,                                           # pandas renames these one by one
    ["leverage", "notional", "side"] + [f"c{i}" for i in range(39_997)],
])
def test_forty_thousand_columns_are_refused_at_once(header):
    data = wide_csv(header)
    assert 150_000 < len(data) < 400_000
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"wide.csv: 40,000 columns is above the limit of "
                                         r"1,000"):
        cascade.read_positions(named(data))
    assert time.perf_counter() - start < 2.0


def test_the_column_limit_itself_is_read():
    header = ["leverage", "notional", "side"] + [f"extra{i}" for i in range(MAX_COLUMNS - 3)]
    text = ",".join(header) + "\n" + ",".join(["10", "100", "long"] + ["0"] * (MAX_COLUMNS - 3))
    loaded = cascade.load_positions(named(text.encode()))
    assert len(loaded.ignored_columns) == MAX_COLUMNS - 3


def test_repeated_names_are_found_in_linear_time():
    """1,000 columns, every one a repeat of another (the old check was quadratic twice over:
    a list membership test and a list count per column)."""
    header = [f"c{i // 2}" for i in range(MAX_COLUMNS)]
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"wide.csv: column\(s\) c0, c1, c10, .* appear more "
                                         r"than once"):
        read_table(named(wide_csv(header)), ("c0",))
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("header, repeated", [
    ("leverage,Leverage ,side,notional", "leverage"),     # names match without case or spaces
    ("leverage,leverage.1,side,notional", "leverage"),    # pandas' own name for a repeat
])
def test_repeats_are_named(header, repeated):
    with pytest.raises(ValueError, match=rf"column\(s\) {repeated} appear more than once"):
        read_table(named((header + "\n1,2,long,3\n").encode()), ("leverage",))


def test_a_wide_parquet_file_is_refused_from_its_schema(tmp_path):
    import pandas as pd

    path = tmp_path / "wide.parquet"
    pd.DataFrame({f"c{i}": [1.0] for i in range(MAX_COLUMNS + 1)}).to_parquet(path)
    with pytest.raises(ValueError, match=r"wide.parquet: 1,001 columns is above the limit"):
        cascade.read_positions(path)
