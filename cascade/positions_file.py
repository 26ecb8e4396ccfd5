"""A venue's position snapshot from a CSV or Parquet file (issue 9): read_positions.

Columns: leverage (x, >= 1), notional (quote currency at entry, > 0), side (long/short, or
+1/-1) and optionally entry_price (quote currency per unit, > 0; DEFAULT_PRICE when absent).
Other columns are kept out of the model and named in PositionsFile.ignored_columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import number_in
from .market import DEFAULT_MAINTENANCE_MARGIN, DEFAULT_PRICE
from .population import LONG, SHORT, Population
from .tables import TableErrors, read_table, words_to_numbers

POSITION_COLUMNS = ("leverage", "notional", "side")
OPTIONAL_POSITION_COLUMNS = ("entry_price",)
SIDE_WORDS = {"long": LONG, "l": LONG, "buy": LONG, "+1": LONG, "1": LONG, "1.0": LONG,
              "+1.0": LONG, "short": SHORT, "s": SHORT, "sell": SHORT, "-1": SHORT,
              "-1.0": SHORT}


@dataclass(frozen=True, eq=False)
class PositionsFile:
    """A positions file, read and validated: the Population (entry prices in the file's
    units), the start price it was checked against, and where it came from."""
    population: Population
    price: float
    name: str
    rows: int
    sha256: str
    size_bytes: int
    ignored_columns: tuple[str, ...]

    def on_index(self, index: float = DEFAULT_PRICE) -> Population:
        """The same positions with prices on an index whose start is `index`: every entry
        price times index / price. Liquidation distances are relative, so a cascade on it
        is the cascade on the file's prices, read on the index (the Explorer's start = 100)."""
        population = self.population
        if self.price == index:
            return population
        return Population.from_arrays(population.leverage, population.notional,
                                      population.side, population.entry_price * (index / self.price),
                                      maintenance_margin=0.0)

def load_positions(path_or_buffer, *, maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                   price: float = DEFAULT_PRICE, max_bytes: int | None = None) -> PositionsFile:
    """Read and validate a positions file (see the module docstring). Every bad cell is named
    by row (header = row 1) and column in one ValueError, including positions already at or
    past their liquidation price at `price` and leverage that leaves no margin above
    `maintenance_margin`."""
    price = number_in("price", price, low=0.0, low_open=True)
    maintenance_margin = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0,
                                   high_open=True)
    table = read_table(path_or_buffer, POSITION_COLUMNS, OPTIONAL_POSITION_COLUMNS, max_bytes)
    frame, errors = table.frame, TableErrors(table.name)
    leverage = errors.numbers(frame, "leverage", at_least=1.0)
    notional = errors.numbers(frame, "notional", positive=True)
    side = words_to_numbers(frame["side"], SIDE_WORDS)
    errors.add("side", np.isnan(side), frame["side"], "is not long or short (or +1 / -1)")
    if "entry_price" in frame.columns:
        entry = errors.numbers(frame, "entry_price", positive=True)
    else:
        entry = np.full(len(frame), float(price))
    usable = np.isfinite(leverage) & (leverage >= 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # flagged above
        no_margin = usable & (1.0 / leverage <= maintenance_margin)
        liquidation = entry * (1.0 - side * (1.0 / leverage - maintenance_margin))
    errors.add("leverage", no_margin, frame["leverage"],
               f"leaves no margin above the maintenance margin {maintenance_margin:g}")
    known = usable & ~no_margin & np.isfinite(side) & np.isfinite(entry) & (entry > 0)
    dead = known & np.where(side == LONG, price <= liquidation, price >= liquidation)
    errors.add("leverage", dead, frame["leverage"],
               f"puts the position at or past its liquidation price at the start price {price:g}")
    errors.raise_if_any()
    population = Population.from_arrays(leverage, notional, side.astype(np.int8), entry,
                                        maintenance_margin=maintenance_margin, price=price)
    return PositionsFile(population, float(price), table.name, table.rows, table.sha256,
                         table.size_bytes, table.ignored_columns)


def read_positions(path_or_buffer, *, maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                   price: float = DEFAULT_PRICE) -> Population:
    """A Population from a CSV or Parquet file of positions (see load_positions)."""
    return load_positions(path_or_buffer, maintenance_margin=maintenance_margin,
                          price=price).population
