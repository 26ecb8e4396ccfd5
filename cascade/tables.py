"""Reading users' files (positions, order books): CSV or Parquet in, a checked table out.

Every problem is a ValueError that names the file, the columns and the rows as a spreadsheet
shows them (the header is row 1, the first data row is row 2), up to SHOWN_PROBLEMS of them and
then how many more. Nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Files above this size are refused before they are parsed (a million positions is ~40 MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
SHOWN_PROBLEMS = 10
PARQUET_MAGIC = b"PAR1"
FIRST_DATA_ROW = 2  # a spreadsheet's row number of the first data row


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


def _parse(data: bytes, name: str) -> pd.DataFrame:
    is_parquet = data[:4] == PARQUET_MAGIC or name.lower().endswith((".parquet", ".pq"))
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
    names = list(frame.columns)
    # pandas renames a repeated CSV header "x" to "x.1"; count those as repeats too
    base = [re.sub(r"\.\d+$", "", c) if re.sub(r"\.\d+$", "", c) in names else c for c in names]
    duplicated = sorted({c for c in base if base.count(c) > 1})
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
                at_least: float | None = None) -> np.ndarray:
        """The column as floats; flags empty cells, text, NaN/inf and values out of range."""
        raw = frame[column]
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        empty = raw.isna().to_numpy()
        self.add(column, empty, raw, "is empty")
        self.add(column, ~empty & np.isnan(number), raw, "is not a number")
        self.add(column, np.isinf(number), raw, "is infinite")
        finite = np.isfinite(number)
        if positive:
            self.add(column, finite & (number <= 0), raw, "is not positive")
        if at_least is not None:
            self.add(column, finite & (number < at_least), raw, f"is below {at_least:g}")
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


def words_to_numbers(column: pd.Series, words: dict[str, float]) -> np.ndarray:
    """Each cell, stripped and lower-cased, looked up in `words`; NaN where it is not there.
    Looks up each distinct cell once, so a million rows of "long"/"short" cost one pass."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    looked_up = np.array([words.get(str(u).strip().lower(), np.nan) for u in uniques] + [np.nan],
                         dtype=np.float64)
    return looked_up[codes]  # code -1 (an empty cell) takes the trailing NaN


def _cell(value) -> str:
    if isinstance(value, float) and np.isnan(value):
        return "(empty)"
    return repr(value.item() if isinstance(value, np.generic) else value)
