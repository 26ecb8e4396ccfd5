"""Reading users' files (positions, order books): CSV or Parquet in, a checked table out.

Every problem is a ValueError that names the file, the columns and the rows as a spreadsheet
shows them (the header is row 1, the first data row is row 2), up to SHOWN_PROBLEMS of them and
then how many more. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import numbers
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Files above this size are refused before they are parsed (a million positions is ~40 MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
SHOWN_PROBLEMS = 10
# Files with more columns than this are refused before they are parsed: the model reads
# three or four, and an export with a few dozen more is fine.
MAX_COLUMNS = 1000
PARQUET_MAGIC = b"PAR1"
FIRST_DATA_ROW = 2  # a spreadsheet's row number of the first data row
# Cells that pandas reads as numbers but that are no amount (as nanoseconds since 1970).
TIME_TYPES = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)
# Cells that can be a word or a number; anything else (a list, an array, a dict) is neither.
SINGLE_TYPES = (str, bytes, numbers.Number, np.generic)


@dataclass(frozen=True, eq=False)
class Table:
    """A user's file, read: the frame with lower-case column names, the file's name, its
    SHA-256 and size, and the columns that were present but not used."""
    frame: pd.DataFrame
    name: str
    sha256: str
    size_bytes: int
    ignored_columns: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return int(len(self.frame))


def _raw_bytes(path_or_buffer, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and a name for messages, refusing files above max_bytes."""
    if isinstance(path_or_buffer, (str, Path)):
        path = Path(path_or_buffer)
        if not path.is_file():
            raise ValueError(f"{path}: no such file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(f"{path.name}: {size / 2**20:.1f} MB is above the limit of "
                             f"{max_bytes / 2**20:.0f} MB for one file")
        return path.read_bytes(), path.name
    name = str(getattr(path_or_buffer, "name", "") or "the file")
    if isinstance(path_or_buffer, (bytes, bytearray)):
        data = bytes(path_or_buffer)
    elif hasattr(path_or_buffer, "read"):
        data = path_or_buffer.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise ValueError(f"file: expected a path, bytes or an open file, got "
                         f"{type(path_or_buffer).__name__}")
    if len(data) > max_bytes:
        raise ValueError(f"{Path(name).name}: the file is above the limit of "
                         f"{max_bytes / 2**20:.0f} MB for one file")
    return data, Path(name).name


def _header(data: bytes, is_parquet: bool) -> list[str] | None:
    """The file's column names as written (a CSV's first record, a Parquet file's schema),
    read without parsing the data; None when they cannot be read this way (the parser
    then reports the problem)."""
    try:
        if is_parquet:
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(io.BytesIO(data)).schema_arrow.names)
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        return next(csv.reader(text, skipinitialspace=True), None)
    except Exception:  # noqa: BLE001 (pyarrow's and csv's errors vary; the parser names them)
        return None


def _check_header(names: list[str] | None, name: str) -> None:
    """Refuse, before pandas parses the file, more than MAX_COLUMNS columns and repeated
    column names (pandas renames repeats one by one, in time that grows with the square
    of their count: 40,000 columns named alike take about 40 s)."""
    if names is None:
        return
    if len(names) > MAX_COLUMNS:
        raise ValueError(f"{name}: {len(names):,} columns is above the limit of "
                         f"{MAX_COLUMNS:,}; keep the columns the model reads (and a few more)")
    duplicated = _repeated(str(n).strip().lower() for n in names if str(n).strip())
    if duplicated:
        raise ValueError(f"{name}: column(s) {', '.join(duplicated)} appear more than once")


def _repeated(names) -> list[str]:
    """The names that occur more than once, sorted (one pass: a Counter)."""
    return sorted(n for n, count in Counter(names).items() if count > 1)


def _parse(data: bytes, name: str) -> pd.DataFrame:
    is_parquet = data[:4] == PARQUET_MAGIC or name.lower().endswith((".parquet", ".pq"))
    _check_header(_header(data, is_parquet), name)
    try:
        if is_parquet:
            return pd.read_parquet(io.BytesIO(data))
        return pd.read_csv(io.BytesIO(data), skipinitialspace=True)
    except ImportError as error:
        raise ValueError(f"{name}: reading Parquet needs pyarrow ({error})") from error
    except pd.errors.EmptyDataError as error:
        raise ValueError(f"{name}: the file is empty; expected a header row and data") from error
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        kind = "Parquet" if is_parquet else "CSV"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{name}: not a readable {kind} file ({first})") from error


def read_table(path_or_buffer, required: tuple[str, ...], optional: tuple[str, ...] = (),
               max_bytes: int | None = None) -> Table:
    """Read a CSV or Parquet file (chosen by its first bytes, then its name) and check that
    the `required` columns are there. Column names are matched without case or spaces."""
    data, name = _raw_bytes(path_or_buffer, MAX_FILE_BYTES if max_bytes is None else max_bytes)
    frame = _parse(data, name)
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    names = set(frame.columns)
    # pandas renames a repeated CSV header "x" to "x.1"; count those as repeats too
    # (sets and a Counter: linear in the number of columns)
    base = [_unmangled(c, names) for c in frame.columns]
    duplicated = _repeated(base)
    if duplicated:
        raise ValueError(f"{name}: column(s) {', '.join(duplicated)} appear more than once")
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}; expected "
                         f"{', '.join(required + optional)} (found: "
                         f"{', '.join(frame.columns) or 'none'})")
    if frame.empty:
        raise ValueError(f"{name}: has a header but no rows")
    used = set(required) | set(optional)
    return Table(frame=frame, name=name, sha256=hashlib.sha256(data).hexdigest(),
                 size_bytes=len(data),
                 ignored_columns=tuple(c for c in frame.columns if c not in used))


def _unmangled(column: str, names: set[str]) -> str:
    """"x.1" -> "x" when "x" is also a column (pandas' name for a repeat), else itself."""
    stem = re.sub(r"\.\d+$", "", column)
    return stem if stem in names else column


class TableErrors:
    """Collects bad cells by column and row; raise_if_any() reports them in one ValueError:
    the first SHOWN_PROBLEMS by row, and how many more."""

    def __init__(self, name: str):
        self.name = name
        self._examples: list[tuple[int, str, str]] = []  # (row index, column, text)
        self._count = 0
        self._rows = np.empty(0, dtype=np.int64)
        self._columns: set[str] = set()

    def add(self, column: str, bad: np.ndarray, values, reason: str) -> None:
        """Flag rows where the boolean mask `bad` is set; values: the cells as given."""
        where = np.flatnonzero(bad)
        if not where.size:
            return
        values = pd.Series(values).reset_index(drop=True)
        self._count += int(where.size)
        self._columns.add(column)
        self._rows = np.union1d(self._rows, where)
        for index in where[:SHOWN_PROBLEMS]:
            self._examples.append((int(index), column, f"{_cell(values.iloc[index])} {reason}"))

    def numbers(self, frame: pd.DataFrame, column: str, positive: bool = False,
                at_least: float | None = None, at_most: float | None = None) -> np.ndarray:
        """The column as floats; flags empty cells, text, NaN/inf, values out of range, and
        cells that pandas would turn into numbers but are not amounts: True/False (read as
        1/0) and dates, times and durations (read as nanoseconds). Those are NaN here."""
        raw = frame[column]
        empty = raw.isna().to_numpy()
        self.add(column, empty, raw, "is empty")
        boolean, timely = _not_amounts(raw)
        self.add(column, boolean & ~empty, raw, "is True/False, not a number")
        self.add(column, timely & ~empty, raw, "is a date or time, not a number")
        refused = boolean | timely
        if refused.all():
            number = np.full(len(raw), np.nan)
        else:
            kept = raw.mask(refused) if refused.any() else raw
            number = pd.to_numeric(kept, errors="coerce").to_numpy(dtype=np.float64)
        self.add(column, ~empty & ~refused & np.isnan(number), raw, "is not a number")
        self.add(column, np.isinf(number), raw, "is infinite")
        finite = np.isfinite(number)
        if positive:
            self.add(column, finite & (number <= 0), raw, "is not positive")
        if at_least is not None:
            self.add(column, finite & (number < at_least), raw, f"is below {at_least:g}")
        if at_most is not None:
            self.add(column, finite & (number > at_most), raw, f"is above {at_most:g}")
        return number

    def raise_if_any(self) -> None:
        if not self._count:
            return
        problems = sorted(self._examples)[:SHOWN_PROBLEMS]
        rows, columns = len(self._rows), sorted(self._columns)
        shown = "; ".join(f"row {row + FIRST_DATA_ROW}, {column}: {text}"
                          for row, column, text in problems)
        more = self._count - len(problems)
        raise ValueError(
            f"{self.name}: {self._count} bad value{'s' if self._count > 1 else ''} in "
            f"{rows} row{'s' if rows > 1 else ''} (column{'s' if len(columns) > 1 else ''} "
            f"{', '.join(columns)}; rows as a spreadsheet numbers them, header = row 1): "
            f"{shown}{f'; and {more} more' if more > 0 else ''}")


def _not_amounts(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(boolean cells, date/time/duration cells) of a column, as masks. Whole columns by
    dtype; a column of mixed Python objects (a Parquet file's, or a frame's) cell by cell."""
    none = np.zeros(len(raw), dtype=bool)
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ~none, none
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return none, ~none
    if dtype != object:
        return none, none
    boolean = raw.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
    timely = raw.map(lambda v: isinstance(v, TIME_TYPES)).to_numpy(dtype=bool)
    return boolean, timely


def _hashable_cells(column: pd.Series) -> pd.Series:
    """The column with every cell that is not a single value (a list, an array, a mapping:
    what a Parquet file's nested column holds) replaced by NaN, so it is looked up as no
    word at all; the caller's message shows the original cell."""
    if column.dtype != object:
        return column
    single = column.map(lambda v: v is None or isinstance(v, SINGLE_TYPES)).to_numpy(dtype=bool)
    return column if single.all() else column.where(single, np.nan)


def words_to_numbers(column: pd.Series, words: dict[str, float]) -> np.ndarray:
    """Each cell, stripped and lower-cased, looked up in `words`; NaN where it is not there
    (or is not a single value: a list, an array). Looks up each distinct cell once, so a
    million rows of "long"/"short" cost one pass."""
    codes, uniques = pd.factorize(_hashable_cells(column), use_na_sentinel=True)
    looked_up = np.array([words.get(str(u).strip().lower(), np.nan) for u in uniques] + [np.nan],
                         dtype=np.float64)
    return looked_up[codes]  # code -1 (an empty cell) takes the trailing NaN


def _cell(value) -> str:
    if isinstance(value, float) and np.isnan(value):
        return "(empty)"
    return repr(value.item() if isinstance(value, np.generic) else value)
