"""Bring your own book (issue 9): the sidebar's uploads of a positions file, an order-book
snapshot and a price path (issue 17), read once per file (cached by Streamlit's file id)
and handed to the page as model objects. A bad file is a ValueError for the page to show;
nothing is dropped. The Contagion page's accounts file (issue 19) is read the same way
(accounts_input), with a depth per market of the file (depth_inputs, default_depth)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import cascade
from cascade import case
from cascade.accounts import AccountBook, check_at_start, read_accounts
from cascade.contagion import DEFAULT_DEPTH
from cascade.case import BroughtFile
from cascade.tables import MAX_FILE_BYTES
from cascade_view.contagion_figures import default_depth, open_interest_of
from cascade_view.formats import path_extent, usd
from cascade_view.knobs import label_of
from cascade_view.safe import escape_markdown
from cascade_view.text import dollars

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_POSITIONS = EXAMPLES / "positions.csv"
EXAMPLE_ORDERBOOK = EXAMPLES / "orderbook_btc.csv"
# An illustration shaped like 10 Oct 2025 (a fall of 12% and a partial rebound), not observed
# data: docs/files-and-cli.md.
EXAMPLE_PATH = EXAMPLES / "path-10oct-like.csv"
EXAMPLE_FILES = {"positions": EXAMPLE_POSITIONS, "orderbook": EXAMPLE_ORDERBOOK,
                 "path": EXAMPLE_PATH}
FILE_TYPES = ["csv", "parquet", "pq"]
UPLOAD_KEY = {"positions": "upload_positions", "orderbook": "upload_orderbook",
              "path": "upload_path"}
USE_EXAMPLE = {"positions": "use_example_positions", "orderbook": "use_example_orderbook",
               "path": "use_example_path"}


@dataclass(frozen=True)
class BookInputs:
    """What the user brought: a positions file (read and checked against the start price
    `price`, in the file's units), an order book and a price path; any may be None."""
    positions: cascade.PositionsFile | None = None
    orderbook: cascade.OrderBook | None = None
    orderbook_file: BroughtFile | None = None
    path: cascade.PricePath | None = None
    path_file: BroughtFile | None = None

    @property
    def files(self) -> tuple[BroughtFile, ...]:
        listed = []
        if self.positions is not None:
            listed.append(case.positions_listing(self.positions))
        if self.orderbook_file is not None:
            listed.append(self.orderbook_file)
        if self.path_file is not None:
            listed.append(self.path_file)
        return tuple(listed)

    @property
    def key(self) -> tuple:
        """Identifies the inputs for caches: the files' checksums and the start price."""
        return tuple((f.kind, f.sha256) for f in self.files) + (
            (self.positions.price,) if self.positions is not None else ())


@st.cache_resource(max_entries=8, show_spinner="Reading the positions...")
def _positions(_data: bytes | str, name: str, margin: float, price: float | None,
               file_id: str) -> cascade.PositionsFile:
    return case.load_positions_file(_named_buffer(_data, name), maintenance_margin=margin,
                                    price=price)


@st.cache_resource(max_entries=8, show_spinner="Reading the order book...")
def _orderbook(_data: bytes | str, name: str, file_id: str) -> tuple[cascade.OrderBook,
                                                                     BroughtFile]:
    return case.load_orderbook_file(_named_buffer(_data, name))


@st.cache_resource(max_entries=8, show_spinner="Reading the price path...")
def _path(_data: bytes | str, name: str, file_id: str) -> tuple[cascade.PricePath, BroughtFile]:
    return case.load_path_file(_named_buffer(_data, name))


def _named_buffer(data: bytes | str, name: str):
    """A path stays a path; bytes become a file-like object carrying the upload's name."""
    if isinstance(data, str):
        return Path(data)
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def _source(kind: str, uploaded) -> tuple[bytes | str, str, str] | None:
    """(data or example path, name, cache id) of the chosen file, or None."""
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name, uploaded.file_id
    if st.session_state.get(USE_EXAMPLE[kind]):
        path = EXAMPLE_FILES[kind]
        return str(path), path.name, f"example:{path.name}"
    return None


def knobs_not_applied() -> frozenset[str]:
    """The Scenario fields the files chosen in the uploaders replace (cascade.case.RULES, whose
    kinds key the uploaders too), read from the uploaders' session state, so the sidebar can
    draw those knobs disabled before sidebar_inputs() draws the uploaders (a widget's state
    is set before the rerun starts)."""
    return case.not_applied(kind for kind in case.RULES
                            if st.session_state.get(UPLOAD_KEY[kind]) is not None
                            or st.session_state.get(USE_EXAMPLE[kind]))


def sidebar_inputs(maintenance_margin: float) -> BookInputs:
    """The "Your own book" expander in the sidebar. Raises ValueError for a bad file (the
    page shows it with st.error); returns what was brought."""
    limit = f"{MAX_FILE_BYTES / 2**20:.0f} MB"
    with st.sidebar.expander("Your own book", icon=":material/upload_file:"):
        st.caption(f"Replace the synthetic traders with a position snapshot, the impact "
                   f"model with an order book, and the shock with a price path. CSV or "
                   f"Parquet, up to {limit} each.")
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
        path_upload = st.file_uploader("Price path: seconds, price", type=FILE_TYPES,
                                       key=UPLOAD_KEY["path"],
                                       help="Seconds from 0, rising; prices in any units, read "
                                            "relative to the first row's. The cascade runs "
                                            "on the clock along it.")
        st.checkbox("Use the example path (an illustration shaped like 10 Oct 2025, not "
                    "observed data)", key=USE_EXAMPLE["path"])
    positions = orderbook = orderbook_file = path = path_file = None
    chosen = _source("positions", positions_upload)
    if chosen is not None:
        data, name, file_id = chosen
        positions = _positions(data, name, maintenance_margin, price or None, file_id)
    chosen = _source("orderbook", book_upload)
    if chosen is not None:
        data, name, file_id = chosen
        orderbook, orderbook_file = _orderbook(data, name, file_id)
    chosen = _source("path", path_upload)
    if chosen is not None:
        data, name, file_id = chosen
        path, path_file = _path(data, name, file_id)
    return BookInputs(positions, orderbook, orderbook_file, path, path_file)


def book_lines(inputs: BookInputs, result: cascade.CascadeResult) -> list[str]:
    """One line per file the page is running on, saying what it replaced (case.RULES)."""
    lines = []
    if inputs.positions is not None:
        p = inputs.positions
        lines.append(
            f"Book: your positions, **{escape_markdown(p.name)}** ({p.rows:,} rows, "
            f"SHA-256 {p.sha256[:12]}...), "
            f"from a start price of {p.price:,.6g} in the file's units, drawn as 100. "
            + replaced_sentence(case.POSITIONS))
        if p.ignored_columns:
            lines.append(f"Columns not used: {unused_columns(p.ignored_columns)}.")
    if inputs.orderbook is not None:
        f, (bids, asks) = inputs.orderbook_file, inputs.orderbook.depth_within(0.01)
        lines.append(
            f"Impact: your order book, **{escape_markdown(f.name)}** ({f.rows:,} levels): "
            f"{usd(bids)} of bids and {usd(asks)} of asks within 1% of its mid. "
            + replaced_sentence(case.ORDERBOOK))
    if inputs.path is not None:
        f = inputs.path_file
        lines.append(
            f"Price path: your file **{escape_markdown(f.name)}** ({f.rows:,} rows, SHA-256 "
            f"{f.sha256[:12]}...), {path_extent(inputs.path)}; the cascade runs on the "
            f"clock along it. " + replaced_sentence(case.PATH))
    return lines


def replaced_sentence(kind: str) -> str:
    """What a brought file of `kind` replaces, naming the knobs greyed out for it."""
    rule = case.RULES[kind]
    labels = [label_of(name) for name in rule.fields]
    listed = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    return f"It replaces {rule.replaces}: {listed}, greyed out in the sidebar, do not apply."


def unused_columns(names: tuple[str, ...], shown: int = 20) -> str:
    """The first `shown` column names a file brought but the model does not use, escaped
    (they are the file's text), and how many more."""
    listed = ", ".join(escape_markdown(name, 120) for name in names[:shown])
    return listed + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


def nearest_table(frame):
    """cascade.analysis.closest_to_liquidation, with column names and units to read."""
    shown = frame.assign(distance=frame["distance"] * 100)
    return shown.rename(columns={
        "position": "Row", "side": "Side", "leverage": "Leverage (x)",
        "notional": "Notional (USD)", "entry_price": "Entry (start = 100)",
        "liquidation_price": "Liquidation price", "distance": "Distance from start (%)",
        "liquidated_in_wave": "Liquidated in wave (-1: survived)"})


# ------------------------------------------------------------------ accounts (issue 19)

EXAMPLE_ACCOUNTS = EXAMPLES / "accounts.csv"
ACCOUNTS_KEY = "upload_accounts"
USE_EXAMPLE_ACCOUNTS = "use_example_accounts"


@dataclass(frozen=True)
class AccountsFile:
    """An accounts file read for the Contagion page: the book (cascade.accounts.read_accounts)
    and the file's name, rows and SHA-256 (of its bytes), which key the page's caches."""
    book: AccountBook
    name: str
    rows: int
    sha256: str

    @property
    def open_interest(self) -> tuple[float, ...]:
        """Per market of the book, the notional at entry it holds (USD)."""
        return open_interest_of(self.book)


@st.cache_resource(max_entries=4, show_spinner="Reading the accounts...")
def _accounts_file(_data: bytes | str, name: str, file_id: str) -> AccountsFile:
    source = _named_buffer(_data, name)
    raw = Path(_data).read_bytes() if isinstance(_data, str) else _data
    book = read_accounts(source)
    check_at_start(book, name)
    rows = len(book)
    return AccountsFile(book, name, rows, hashlib.sha256(raw).hexdigest())


def accounts_input() -> AccountsFile | None:
    """The accounts uploader and the example's checkbox, drawn where the page calls it.
    Returns the file read (cached by Streamlit's file id), None without one; raises
    ValueError for a bad file (the page shows it with st.error)."""
    limit = f"{MAX_FILE_BYTES / 2**20:.0f} MB"
    uploaded = st.file_uploader(
        f"Accounts: account, market, side, notional, leverage or collateral, margin_mode "
        f"(CSV or Parquet, up to {limit})", type=FILE_TYPES, key=ACCOUNTS_KEY)
    st.checkbox("Use the example accounts (7 accounts in BTC, ETH and ALT)",
                key=USE_EXAMPLE_ACCOUNTS)
    if uploaded is not None:
        return _accounts_file(uploaded.getvalue(), uploaded.name, uploaded.file_id)
    if st.session_state.get(USE_EXAMPLE_ACCOUNTS):
        return _accounts_file(str(EXAMPLE_ACCOUNTS), EXAMPLE_ACCOUNTS.name,
                              f"example:{EXAMPLE_ACCOUNTS.name}")
    return None


def depth_inputs(markets: tuple) -> tuple[float, ...]:
    """One depth per market of an uploaded book, in $M that move its price 1% (keyed by the
    market's name, so a name keeps its depth from file to file); returns USD."""
    depths = []
    columns = st.columns(min(len(markets), 4))
    for i, name in enumerate(markets):
        with columns[i % len(columns)]:
            depths.append(1e6 * st.number_input(
                f"{escape_markdown(name, 40)} depth ($M per 1%)", min_value=0.01,
                max_value=100_000.0, value=default_depth(name) / 1e6, step=1.0, format="%g",
                key=f"depth-{name}",
                help=dollars("Notional that moves this market's price by 1% (linear impact). "
                             "Until set: the synthetic book's depth for BTC, ETH and ALT; "
                             f"{usd(min(DEFAULT_DEPTH))} (the altcoin's) for any other "
                             "name.")))
    return tuple(depths)
