"""Bring your own book (issue 9): the sidebar's uploads of a positions file and an order-book
snapshot, read once per file (cached by Streamlit's file id) and handed to the page as
model objects. A bad file is a ValueError for the page to show; nothing is dropped."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

import cascade
from cascade.market import DEFAULT_PRICE
from cascade.orderbook import ORDERBOOK_COLUMNS
from cascade.positions_file import POSITION_COLUMNS
from cascade.scenario import VENUE_FIELDS
from cascade.tables import MAX_FILE_BYTES, read_table

from cascade_view.formats import usd
from cascade_view.report import InputFile

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_POSITIONS = EXAMPLES / "positions.csv"
EXAMPLE_ORDERBOOK = EXAMPLES / "orderbook_btc.csv"
FILE_TYPES = ["csv", "parquet", "pq"]
UPLOAD_KEY = {"positions": "upload_positions", "orderbook": "upload_orderbook"}
USE_EXAMPLE = {"positions": "use_example_positions", "orderbook": "use_example_orderbook"}
# The knobs a brought file replaces: a positions file the synthetic crowd's (every field
# that shapes the population, except the maintenance margin and the venue mechanics, which
# still apply to real positions); an order book the depth and impact model.
NOT_APPLIED = {
    "positions": tuple(name for name in cascade.Scenario.population_fields()
                       if name not in ("maintenance_margin", *VENUE_FIELDS)),
    "orderbook": ("depth", "impact"),
}


@dataclass(frozen=True)
class BookInputs:
    """What the user brought: a positions file (read and checked against the start price
    `price`, in the file's units) and an order book; either may be None."""
    positions: cascade.PositionsFile | None = None
    orderbook: cascade.OrderBook | None = None
    orderbook_file: InputFile | None = None

    @property
    def files(self) -> tuple[InputFile, ...]:
        listed = []
        if self.positions is not None:
            p = self.positions
            listed.append(InputFile("positions", p.name, p.rows, p.sha256))
        if self.orderbook_file is not None:
            listed.append(self.orderbook_file)
        return tuple(listed)

    @property
    def key(self) -> tuple:
        """Identifies the inputs for caches: the files' checksums and the start price."""
        return tuple((f.role, f.sha256) for f in self.files) + (
            (self.positions.price,) if self.positions is not None else ())


@st.cache_resource(max_entries=8, show_spinner="Reading the positions...")
def _positions(_data: bytes | str, name: str, margin: float, price: float | None,
               file_id: str) -> cascade.PositionsFile:
    if price is None:
        price = median_entry_price(_named_buffer(_data, name))
    return cascade.load_positions(_named_buffer(_data, name), maintenance_margin=margin,
                                  price=price)


@st.cache_resource(max_entries=8, show_spinner="Reading the order book...")
def _orderbook(_data: bytes | str, name: str, file_id: str) -> tuple[cascade.OrderBook, InputFile]:
    table = read_table(_named_buffer(_data, name), ORDERBOOK_COLUMNS)
    return (cascade.read_orderbook(_named_buffer(_data, name)),
            InputFile("order book", table.name, table.rows, table.sha256))


def _named_buffer(data: bytes | str, name: str):
    """A path stays a path; bytes become a file-like object carrying the upload's name."""
    if isinstance(data, str):
        return Path(data)
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def median_entry_price(source) -> float:
    """The median entry price of a positions file (the start price when none is given);
    DEFAULT_PRICE when the file has no entry_price column."""
    table = read_table(source, POSITION_COLUMNS)
    if "entry_price" not in table.frame.columns:
        return DEFAULT_PRICE
    entries = np.asarray(table.frame["entry_price"], dtype=float)
    entries = entries[np.isfinite(entries) & (entries > 0)]
    return float(f"{np.median(entries):.6g}") if entries.size else DEFAULT_PRICE


def _source(kind: str, uploaded) -> tuple[bytes | str, str, str] | None:
    """(data or example path, name, cache id) of the chosen file, or None."""
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name, uploaded.file_id
    if st.session_state.get(USE_EXAMPLE[kind]):
        path = EXAMPLE_POSITIONS if kind == "positions" else EXAMPLE_ORDERBOOK
        return str(path), path.name, f"example:{path.name}"
    return None


def knobs_not_applied() -> frozenset[str]:
    """The Scenario fields the files chosen in the uploaders replace (NOT_APPLIED), read from
    the uploaders' session state, so the sidebar can draw those knobs disabled before
    sidebar_inputs() draws the uploaders (a widget's state is set before the rerun starts)."""
    return frozenset(name for kind, names in NOT_APPLIED.items()
                     if st.session_state.get(UPLOAD_KEY[kind]) is not None
                     or st.session_state.get(USE_EXAMPLE[kind])
                     for name in names)


def sidebar_inputs(maintenance_margin: float) -> BookInputs:
    """The "Your own book" expander in the sidebar. Raises ValueError for a bad file (the
    page shows it with st.error); returns what was brought."""
    limit = f"{MAX_FILE_BYTES / 2**20:.0f} MB"
    with st.sidebar.expander("Your own book", icon=":material/upload_file:"):
        st.caption(f"Replace the synthetic traders with a position snapshot, and the impact "
                   f"model with an order book. CSV or Parquet, up to {limit} each.")
        positions_upload = st.file_uploader(
            "Positions: leverage, notional, side, entry_price (optional)", type=FILE_TYPES,
            key=UPLOAD_KEY["positions"])
        st.checkbox("Use the example positions (2,000 traders)", key=USE_EXAMPLE["positions"])
        price = st.number_input(
            "Price now, in the file's units (blank: the median entry price)", min_value=0.0,
            value=None, format="%g", key="upload_price",
            help="The start price the positions are checked and cascaded from; liquidation "
                 "distances are relative, so the charts read it as 100.")
        book_upload = st.file_uploader("Order book: side (bid/ask), price, size",
                                       type=FILE_TYPES, key=UPLOAD_KEY["orderbook"])
        st.checkbox("Use the example BTC order book", key=USE_EXAMPLE["orderbook"])
    positions = orderbook = orderbook_file = None
    chosen = _source("positions", positions_upload)
    if chosen is not None:
        data, name, file_id = chosen
        positions = _positions(data, name, maintenance_margin, price or None, file_id)
    chosen = _source("orderbook", book_upload)
    if chosen is not None:
        data, name, file_id = chosen
        orderbook, orderbook_file = _orderbook(data, name, file_id)
    return BookInputs(positions, orderbook, orderbook_file)


def market_for(scenario: cascade.Scenario, inputs: BookInputs) -> cascade.Market:
    """The scenario's market (venue mechanics included), walking the uploaded order book when
    there is one."""
    market = scenario.market()
    if inputs.orderbook is None:
        return market
    return dataclasses.replace(market, impact="book", book=inputs.orderbook)


def book_lines(inputs: BookInputs, result: cascade.CascadeResult) -> list[str]:
    """One line per file the page is running on, saying what it replaced."""
    lines = []
    if inputs.positions is not None:
        p = inputs.positions
        lines.append(
            f"Book: your positions, **{p.name}** ({p.rows:,} rows, SHA-256 {p.sha256[:12]}...), "
            f"from a start price of {p.price:,.6g} in the file's units, drawn as 100. The crowd's "
            f"knobs (leverage, tightness, shares, open interest, sizes, entries, traders, seed), "
            f"greyed out in the sidebar, do not apply to it; the shock, margin and venue do.")
        if p.ignored_columns:
            lines.append(f"Columns not used: {', '.join(p.ignored_columns)}.")
    if inputs.orderbook is not None:
        f, (bids, asks) = inputs.orderbook_file, inputs.orderbook.depth_within(0.01)
        lines.append(
            f"Impact: your order book, **{f.name}** ({f.rows:,} levels): {usd(bids)} of bids and "
            f"{usd(asks)} of asks within 1% of its mid. The depth and impact knobs, greyed "
            f"out, do not apply.")
    return lines


def exhausted(result: cascade.CascadeResult) -> bool:
    """Whether the cascade's forced flow walked past the last level of an uploaded book."""
    flow = float(result.waves["cumulative_flow"].iloc[-1]) if result.wave_count else 0.0
    return result.market.book_exhausted(flow)


def nearest_table(frame):
    """cascade.analysis.closest_to_liquidation, with column names and units to read."""
    shown = frame.assign(distance=frame["distance"] * 100)
    return shown.rename(columns={
        "position": "Row", "side": "Side", "leverage": "Leverage (x)",
        "notional": "Notional (USD)", "entry_price": "Entry (start = 100)",
        "liquidation_price": "Liquidation price", "distance": "Distance from start (%)",
        "liquidated_in_wave": "Liquidated in wave (-1: survived)"})
