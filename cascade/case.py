"""A brought book: a Scenario run on a user's positions file, order-book snapshot and/or
price path.

The Explorer page, the command line and the HTML report read the three rules here, so the
same files give the same cascade, and the same words about what was used, wherever they are
run:

- load_case (and the pieces a page caches apart: load_positions_file, load_orderbook_file,
  load_path_file, case_book, path_scenario) turns a scenario and the files into the
  LiquidationBook the cascade runs on, and the path it runs along (Scenario.run_on);
- start_price is the one start-price rule for a positions file;
- RULES / not_applied say which Scenario fields a brought file replaces (knobs that do not
  apply while it is loaded); every other field still applies to the brought book.

Prices: a positions file's prices are in its own units. It is checked at its start price in
those units, then put on the index whose start is DEFAULT_PRICE (100) by
PositionsFile.on_index, where the scenario's market runs. An order book's impact is read
relative to its own mid (cascade.orderbook), so its units need not match the positions'.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine import CascadeResult, LiquidationBook
from .market import DEFAULT_PRICE
from .orderbook import ORDERBOOK_COLUMNS, OrderBook, read_orderbook
from .paths import PATH_COLUMNS, PricePath, read_path
from .population import Population
from .positions_file import (OPTIONAL_POSITION_COLUMNS, POSITION_COLUMNS, PositionsFile,
                             load_positions)
from .scenario import VENUE_FIELDS, Scenario
from .tables import MAX_FILE_BYTES, read_table

POSITIONS, ORDERBOOK, PATH = "positions", "orderbook", "path"
START_PRICE_DIGITS = 6  # significant digits of the median entry used as the start price


@dataclass(frozen=True)
class FileRule:
    """What one kind of brought file does to a scenario.

    role:     the file's name in words ("positions", "order book"), as listed to people.
    replaces: what of the scenario it stands in for, in words.
    fields:   the Scenario fields it replaces: they do not apply while it is loaded."""
    role: str
    replaces: str
    fields: tuple[str, ...]


# A positions file replaces the synthetic book: every field that shapes the synthetic
# population (the crowd's knobs, open interest, sizes, entries, n and seed). The maintenance
# margin and the venue mechanics (VENUE_FIELDS) are rules of the venue, not of the crowd, so
# they still apply to real positions. An order book replaces the depth and the impact model.
# The shock applies to every book, unless a price path is brought: a path of (seconds,
# price) replaces the shock and the path knobs, and the cascade runs on the clock along it.
RULES = {
    POSITIONS: FileRule("positions", "the synthetic book", tuple(
        name for name in Scenario.population_fields()
        if name not in ("maintenance_margin", *VENUE_FIELDS))),
    ORDERBOOK: FileRule("order book", "the depth and impact model", ("depth", "impact")),
    PATH: FileRule("price path", "the shock and the price path",
                   ("shock", "path", "fall_seconds", "rebound", "rebound_seconds")),
}


def not_applied(kinds: Iterable[str]) -> frozenset[str]:
    """The Scenario fields that the brought files of `kinds` (POSITIONS, ORDERBOOK, PATH) replace,
    i.e. the knobs that do not apply to the brought book."""
    return frozenset(name for kind in kinds for name in _rule(kind).fields)


def _rule(kind: str) -> FileRule:
    if kind not in RULES:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, RULES))}, got {kind!r}")
    return RULES[kind]


@dataclass(frozen=True)
class BroughtFile:
    """A file a scenario was run on: its kind (POSITIONS, ORDERBOOK or PATH), its name, its data
    rows and its SHA-256, as the report and the command line list it."""
    kind: str
    name: str
    rows: int
    sha256: str

    def __post_init__(self):
        _rule(self.kind)

    @property
    def role(self) -> str:
        """The kind in words: "positions", "order book" or "price path"."""
        return RULES[self.kind].role

    @property
    def replaces(self) -> str:
        return RULES[self.kind].replaces


def _rereadable(source):
    """A function that gives `source` afresh on each call: a path stays a path; bytes or an
    open file are read once (up to the size limit plus one byte, so read_table still refuses
    a file above it) and handed out as new buffers carrying the file's name."""
    if isinstance(source, (str, Path)):
        return lambda: source
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "the file"
    elif hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        data = data.encode("utf-8") if isinstance(data, str) else data
        name = getattr(source, "name", "") or "the file"
    else:
        return lambda: source  # read_table names what it cannot read

    def reopen():
        buffer = io.BytesIO(data)
        buffer.name = name
        return buffer
    return reopen


def start_price(source) -> float:
    """The start price of a positions file when none is given: the median of its positive,
    finite entry prices, in the file's units, to START_PRICE_DIGITS significant digits
    (DEFAULT_PRICE = 100 when the file has no entry_price column, whose positions then all
    enter at the start).

    Why the median entry: entry prices come in the file's own units (USD per BTC, an index,
    ...), which the tool cannot know. The median entry is in those units whatever they are,
    so a snapshot is checked and cascaded from a price its positions were opened around; a
    fixed 100 fits only a file already on the index (and on one, the median is near 100). An
    order book's mid is not used: its impact is relative to its own mid, and its units may
    differ from the positions' (the examples: positions near 100, a BTC book near 100,000).
    The positions are then put on the index (start = 100), so the cascade does not depend on
    the units, only on where the start sits among the entries."""
    table = read_table(source, POSITION_COLUMNS, OPTIONAL_POSITION_COLUMNS)
    if "entry_price" not in table.frame.columns:
        return DEFAULT_PRICE
    entries = np.asarray(table.frame["entry_price"], dtype=float)
    entries = entries[np.isfinite(entries) & (entries > 0)]
    if not entries.size:
        return DEFAULT_PRICE  # every entry is bad: load_positions names them by row
    return float(f"{np.median(entries):.{START_PRICE_DIGITS}g}")


def load_positions_file(source, *, maintenance_margin: float,
                        price: float | None = None) -> PositionsFile:
    """cascade.load_positions at `price` (the price now, in the file's units), or, when it is
    None, at start_price(source): the one start-price rule of a brought positions file."""
    reopen = _rereadable(source)
    if price is None:
        price = start_price(reopen())
    return load_positions(reopen(), maintenance_margin=maintenance_margin, price=price)


def load_orderbook_file(source) -> tuple[OrderBook, BroughtFile]:
    """cascade.read_orderbook, and the file's name, levels and SHA-256 to list."""
    reopen = _rereadable(source)
    table = read_table(reopen(), ORDERBOOK_COLUMNS)
    return read_orderbook(reopen()), BroughtFile(ORDERBOOK, table.name, table.rows, table.sha256)


def load_path_file(source) -> tuple[PricePath, BroughtFile]:
    """cascade.read_path (seconds from 0, strictly rising; prices > 0, moves relative to the
    first row's price), and the file's name, rows and SHA-256 to list."""
    reopen = _rereadable(source)
    table = read_table(reopen(), PATH_COLUMNS)
    return read_path(reopen()), BroughtFile(PATH, table.name, table.rows, table.sha256)


def path_move(path: PricePath) -> float:
    """The move a brought path stands for where one shock is read (the verdict's direction,
    the headline's shock): its largest move from the start, the fall when the fall is at least
    as large as the rise (TimedResult.shock's rule)."""
    return path.low if -path.low >= path.high else path.high


def path_scenario(scenario: Scenario, path: PricePath | None) -> Scenario:
    """The scenario as run along a brought path: its shock is path_move(path) (the path
    knobs it replaces stay as set, unused; a fall-then-rebound setting becomes a fall when
    the path's largest move is a rise, which that setting refuses). None: the scenario."""
    if path is None:
        return scenario
    move = path_move(path)
    shape = "fall" if scenario.path == "fall_then_rebound" and move > 0 else scenario.path
    return scenario.replace(shock=move, path=shape)


def positions_listing(positions: PositionsFile) -> BroughtFile:
    """The positions file as listed with the other brought files."""
    return BroughtFile(POSITIONS, positions.name, positions.rows, positions.sha256)


def case_book(scenario: Scenario, positions: PositionsFile | None = None,
              orderbook: OrderBook | None = None, *,
              synthetic: Population | None = None) -> LiquidationBook:
    """The book a scenario runs on with what was brought: the positions on the index
    (PositionsFile.on_index, start = 100) in place of the synthetic population, on the
    scenario's market (maintenance margin and venue mechanics included) whose impact walks
    the order book in place of depth and impact when there is one. `synthetic`: the
    scenario's synthetic population if already built (a cache); ignored with positions."""
    if positions is not None:
        population = positions.on_index()
    else:
        population = scenario.population() if synthetic is None else synthetic
    market = scenario.market()
    if orderbook is not None:
        market = dataclasses.replace(market, impact="book", book=orderbook)
    return LiquidationBook(population, market)


@dataclass(frozen=True, eq=False)
class Case:
    """A scenario with what was brought, ready to run: the book (population and market), the
    files as read (None when not brought) and their listing. With a price path, `scenario`
    is path_scenario's (its shock the path's largest move) and run() follows the path."""
    scenario: Scenario
    book: LiquidationBook
    positions: PositionsFile | None = None
    orderbook: OrderBook | None = None
    files: tuple[BroughtFile, ...] = field(default=())
    price_path: PricePath | None = None

    def run(self) -> CascadeResult:
        """The cascade of the case: Scenario.run_on(book, price_path)."""
        return self.scenario.run_on(self.book, self.price_path)

    @property
    def brought(self) -> bool:
        """Whether any file replaces part of the scenario. A brought book is one book: the
        verdict is not re-checked on other seeds of the synthetic knobs (whose market would
        not be the order book's, and whose crowd would not be the file's)."""
        return bool(self.files)

    @property
    def not_applied(self) -> frozenset[str]:
        """The Scenario fields the brought files replace (see RULES)."""
        return not_applied(f.kind for f in self.files)


def load_case(scenario: Scenario, positions=None, orderbook=None, *,
              price: float | None = None, path=None) -> Case:
    """The scenario on a positions file, an order-book file and/or a price-path file (each a
    path, bytes or an open file; None: the scenario's own). `price`: the positions' start
    price in the file's units (None: start_price's median-entry rule); only with positions.
    `path`: a CSV or Parquet of (seconds, price) the cascade runs along on the clock, in
    place of the shock and the path knobs. Bad files and a bad price raise ValueError naming
    the file, row and column (or the field and value)."""
    if price is not None and positions is None:
        raise ValueError(f"price: only with a positions file (the price now, in the file's "
                         f"units), got {price!r}")
    loaded = book = None
    files = []
    if positions is not None:
        loaded = load_positions_file(positions, maintenance_margin=scenario.maintenance_margin,
                                     price=price)
        files.append(positions_listing(loaded))
    if orderbook is not None:
        book, listing = load_orderbook_file(orderbook)
        files.append(listing)
    walk = None
    if path is not None:
        walk, listing = load_path_file(path)
        files.append(listing)
    return Case(path_scenario(scenario, walk), case_book(scenario, loaded, book), loaded, book,
                tuple(files), walk)


def book_exhausted(result: CascadeResult) -> bool:
    """Whether the cascade's forced flow walked past the last level of its order book
    (Market.book_exhausted on the cumulative net sold flow after the last wave, USD); False
    without an order book or a wave."""
    flow = float(result.waves["cumulative_flow"].iloc[-1]) if result.wave_count else 0.0
    return result.market.book_exhausted(flow)
