"""Accounts over several markets (issue 19; docs/model.md, "Accounts and several markets").

An AccountBook is a table of positions, each owned by an account and held in one market,
either cross or isolated:
  - an isolated position stands alone, as in the one-market model: its margin is n / L
    (quote currency), its liquidation price e (1 - s (1 / L - m)) on its market's
    maintenance margin m;
  - an account's cross positions share the account's collateral C (quote currency). At
    prices P the account's equity is
        E = C + sum_j s_j q_j (P_m(j) - e_j)              (q_j = n_j / e_j units)
    and it is liquidated when E <= MM = sum_j m_m(j) n_j (maintenance on the notional at
    entry, as for isolated positions, so a one-position cross account with C = n / L is
    liquidated at exactly the isolated liquidation price).
Positions are grouped by account (account ids 0 .. A - 1, ascending); a cross account may
hold one or more markets. make_accounts draws a synthetic book by seed; read_accounts reads
one from a CSV or Parquet file; check_at_start is the rule a book read from a file must
meet before a contagion run (the Contagion page and `python -m cascade contagion` apply it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import number_in, whole_number
from .market import DEFAULT_MAINTENANCE_MARGIN, DEFAULT_PRICE
from .population import LONG, SHORT, Population
from .positions_file import SIDE_WORDS
from .synthetic import make_population
from .tables import TableErrors, read_table, words_to_numbers

# Columns of an accounts file; one of leverage / collateral per row (see read_accounts).
ACCOUNT_COLUMNS = ("account", "market", "side", "notional", "margin_mode")
ACCOUNT_AMOUNTS = ("leverage", "collateral")
OPTIONAL_ACCOUNT_COLUMNS = ACCOUNT_AMOUNTS + ("entry_price",)
MODE_WORDS = {"cross": 1.0, "c": 1.0, "isolated": 0.0, "iso": 0.0, "i": 0.0}
# Default proportions of cross accounts holding 1, 2, 3 ... markets (model assumptions, not
# observed figures: no venue publishes how many markets its cross accounts hold).
DEFAULT_MARKETS_PER_ACCOUNT = (0.5, 0.3, 0.2)
# A contagion run takes 2 to 8 markets (cascade.contagion.Contagion refuses others).
MARKETS_RANGE = (2, 8)


@dataclass(frozen=True, eq=False)
class AccountBook:
    """Positions owned by accounts across markets (see the module docstring).

    markets:     market names, in the order the arrays' `market` indexes them.
    account:     int64 per position, the owning account 0 .. A - 1, ascending (grouped).
    market:      int64 per position, index into `markets`.
    side:        int8 per position, +1 long / -1 short.
    notional:    n, quote currency at entry, > 0.
    leverage:    L >= 1; an isolated position's margin is n / L.
    entry_price: e, quote currency per unit of its market, > 0.
    cross:       bool per position: True = in its account's cross pool.
    collateral:  C per account (quote currency, >= 0): the cross pool (0 for an account
                 without cross positions).
    names:       optional, one label per account (a file's account column); None: the ids.
    """
    markets: tuple
    account: np.ndarray
    market: np.ndarray
    side: np.ndarray
    notional: np.ndarray
    leverage: np.ndarray
    entry_price: np.ndarray
    cross: np.ndarray
    collateral: np.ndarray
    names: tuple | None = None

    def __post_init__(self):
        markets = tuple(str(m) for m in self.markets)
        if not markets or len(set(markets)) != len(markets):
            raise ValueError(f"markets: expected distinct names, got {markets!r}")
        object.__setattr__(self, "markets", markets)
        account = np.asarray(self.account, dtype=np.int64).reshape(-1)
        n = account.size
        if n == 0:
            raise ValueError("account: the book is empty; give at least one position")
        arrays = {"market": np.int64, "side": np.int8, "notional": np.float64,
                  "leverage": np.float64, "entry_price": np.float64, "cross": bool}
        for name, dtype in arrays.items():
            value = np.broadcast_to(np.asarray(getattr(self, name)), (n,)).astype(dtype)
            object.__setattr__(self, name, value)
        if account[0] != 0 or (np.diff(account) < 0).any() or (np.diff(account) > 1).any():
            raise ValueError("account: ids must run 0, 1, ... ascending, grouped by account")
        object.__setattr__(self, "account", account)
        count = int(account[-1]) + 1
        collateral = np.asarray(self.collateral, dtype=np.float64).reshape(-1)
        if collateral.size != count:
            raise ValueError(f"collateral: expected one value per account ({count}), got "
                             f"{collateral.size}")
        object.__setattr__(self, "collateral", collateral)
        if self.names is not None:
            names = tuple(str(x) for x in self.names)
            if len(names) != count:
                raise ValueError(f"names: expected one per account ({count}), got {len(names)}")
            object.__setattr__(self, "names", names)
        _reject("market", (self.market < 0) | (self.market >= len(markets)), self.market,
                f"is not an index into the {len(markets)} markets")
        _reject("side", (self.side != LONG) & (self.side != SHORT), self.side,
                "is not +1 or -1")
        _reject("notional", ~(self.notional > 0) | ~np.isfinite(self.notional), self.notional,
                "is not a positive finite number")
        _reject("leverage", ~(self.leverage >= 1) | ~np.isfinite(self.leverage),
                self.leverage, "is not a finite number >= 1")
        _reject("entry_price", ~(self.entry_price > 0) | ~np.isfinite(self.entry_price),
                self.entry_price, "is not a positive finite number")
        _reject("collateral", ~(collateral >= 0) | ~np.isfinite(collateral), collateral,
                "is not a finite number >= 0")
        for name in ("account", "market", "side", "notional", "leverage", "entry_price",
                     "cross", "collateral"):
            getattr(self, name).setflags(write=False)

    def __len__(self) -> int:
        return int(self.account.size)

    @property
    def accounts(self) -> int:
        return int(self.account[-1]) + 1

    @property
    def quantity(self) -> np.ndarray:
        """q = n / e, units of each position's market."""
        return self.notional / self.entry_price

    def cross_accounts(self) -> np.ndarray:
        """Ids of the accounts with at least one cross position."""
        return np.unique(self.account[self.cross])

    def isolated(self) -> "AccountBook":
        """The "same book, isolated" switch: every cross position made isolated with the
        account's collateral split by notional, C n_j / sum of the account's cross n; its
        leverage is n_j over that share (so margin n_j / L_j is the share), at least 1.
        Each share is the account's collateral per unit of notional, C / sum n, so it stays
        above the maintenance margin whenever the account's collateral covers its
        maintenance (as make_accounts and read_accounts ensure)."""
        cross_notional = np.bincount(self.account, weights=np.where(self.cross, self.notional,
                                                                    0.0),
                                     minlength=self.accounts)
        share = np.where(self.cross, self.notional / np.where(cross_notional > 0,
                                                              cross_notional, 1.0)[self.account],
                         0.0)
        margin = share * self.collateral[self.account]
        with np.errstate(divide="ignore"):
            leverage = np.where(self.cross, np.maximum(self.notional / margin, 1.0),
                                self.leverage)
        if not np.isfinite(leverage).all():
            raise ValueError("collateral: an account with cross positions has no collateral "
                             "to split")
        return AccountBook(self.markets, self.account, self.market, self.side, self.notional,
                           leverage, self.entry_price, np.zeros(len(self), dtype=bool),
                           np.zeros(self.accounts), self.names)

    def to_frame(self) -> pd.DataFrame:
        """One row per position: account, market (name), side, notional, leverage,
        entry_price, margin_mode, collateral (the account's, on cross rows; n / L on
        isolated rows)."""
        names = np.array(self.markets, dtype=object)
        accounts = (self.account if self.names is None
                    else np.array(self.names, dtype=object)[self.account])
        return pd.DataFrame({
            "account": accounts, "market": names[self.market],
            "side": np.where(self.side > 0, "long", "short"), "notional": self.notional,
            "leverage": self.leverage, "entry_price": self.entry_price,
            "margin_mode": np.where(self.cross, "cross", "isolated"),
            "collateral": np.where(self.cross, self.collateral[self.account],
                                   self.notional / self.leverage)})


def _reject(field: str, bad: np.ndarray, values: np.ndarray, rule: str) -> None:
    where = np.flatnonzero(bad)
    if where.size:
        raise ValueError(f"{field}: {where.size} value(s) {rule}; first at position "
                         f"{int(where[0])}: {values[where[0]]!r}")


def make_accounts(n_accounts: int = 10_000, seed: int = 0, *,
                  markets: tuple = ("BTC", "ETH", "ALT"),
                  open_interest: tuple = (2e9, 1e9, 2e8),
                  prices: tuple = (100.0, 100.0, 100.0),
                  cross_share: float = 0.5,
                  markets_per_account: tuple = DEFAULT_MARKETS_PER_ACCOUNT,
                  crowd: tuple | None = None,
                  maintenance_margin: tuple = (0.005, 0.005, 0.005)) -> AccountBook:
    """A synthetic AccountBook, reproducible by seed.

    Accounts: round(n_accounts x cross_share) are cross accounts, the rest hold one isolated
    position each, spread over the markets in proportion to their open interest (at least
    one per market when there are enough). A cross account holds k markets with probability markets_per_account[k-1]
    (k <= number of markets), the k chosen at random with weights proportional to the
    markets' open interest, one position in each. Market m's open interest OI_m (quote
    currency) is split: cross_share x OI_m over its cross positions, the rest over its
    isolated ones. Within each part the positions are cascade.make_population's crowd and
    background (per market: crowd[m] is a dict of make_population's keyword arguments,
    e.g. center_leverage, tightness, cluster_share, long_share), with entries at prices[m].
    A cross account's collateral is the sum of its positions' initial margins n / L.
    """
    n_accounts = whole_number("n_accounts", n_accounts, 2)
    seed = whole_number("seed", seed, 0)
    markets = tuple(str(m) for m in markets)
    count = len(markets)
    for name, values in (("open_interest", open_interest), ("prices", prices),
                         ("maintenance_margin", maintenance_margin)):
        if len(values) != count:
            raise ValueError(f"{name}: expected one value per market ({count}), got "
                             f"{len(values)}")
    oi = np.array([number_in("open_interest", v, low=0.0, low_open=True)
                   for v in open_interest])
    cross_share = number_in("cross_share", cross_share, low=0.0, high=1.0)
    weights = np.array([number_in("markets_per_account", w, low=0.0)
                        for w in markets_per_account], dtype=float)[:count]
    if weights.size == 0 or weights.sum() <= 0:
        raise ValueError(f"markets_per_account: expected weights for 1, 2, ... markets with "
                         f"a positive sum, got {markets_per_account!r}")
    crowd = tuple({} for _ in markets) if crowd is None else tuple(crowd)
    if len(crowd) != count:
        raise ValueError(f"crowd: expected one dict per market ({count}), got {len(crowd)}")
    rng = np.random.default_rng(seed)
    n_cross = int(round(n_accounts * cross_share))
    n_iso = n_accounts - n_cross
    # cross accounts: k markets each, chosen without replacement by open-interest weight
    k = rng.choice(np.arange(1, weights.size + 1), size=n_cross, p=weights / weights.sum())
    keys = rng.random((n_cross, count)) ** (1.0 / (oi / oi.sum()))  # weighted, no replacement
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    holds = rank < k[:, None]                                          # (n_cross, markets)
    # isolated accounts per market in proportion to open interest (largest remainders; at
    # least one per market when there are as many isolated accounts as markets)
    floor = np.floor(n_iso * oi / oi.sum()).astype(np.int64)
    if n_iso >= count:
        floor = np.maximum(floor, 1)
    rest = n_iso - int(floor.sum())
    if rest > 0:
        floor[np.argsort(-(n_iso * oi / oi.sum() - floor), kind="stable")[:rest]] += 1
    while floor.sum() > n_iso:
        floor[int(np.argmax(floor))] -= 1
    iso_market = rng.permutation(np.repeat(np.arange(count), floor))
    parts = []  # (account ids, market, population)
    for m in range(count):
        knobs = dict(crowd[m])
        mm = number_in("maintenance_margin", maintenance_margin[m], low=0.0, high=1.0,
                       high_open=True)
        for ids, share, salt in ((np.flatnonzero(holds[:, m]), cross_share, 1),
                                 (n_cross + np.flatnonzero(iso_market == m), 1 - cross_share, 2)):
            if ids.size == 0 or share <= 0:
                continue
            pop = _population(ids.size, seed, m, salt, oi[m] * share, prices[m], mm, knobs)
            parts.append((ids, m, pop))
    account = np.concatenate([p[0] for p in parts])
    order = np.argsort(account, kind="stable")
    pick = lambda f: np.concatenate([f(p) for p in parts])[order]  # noqa: E731
    account = account[order]
    # renumber densely (an account whose draws all fell in empty parts has no positions)
    _, account = np.unique(account, return_inverse=True)
    market = pick(lambda p: np.full(p[0].size, p[1]))
    notional = pick(lambda p: p[2].notional)
    leverage = pick(lambda p: p[2].leverage)
    side = pick(lambda p: p[2].side)
    entry = pick(lambda p: p[2].entry_price)
    is_cross = pick(lambda p: np.full(p[0].size, p[0][0] < n_cross if p[0].size else False))
    collateral = np.bincount(account, weights=np.where(is_cross, notional / leverage, 0.0))
    return AccountBook(markets, account, market, side, notional, leverage, entry, is_cross,
                       collateral)


def _population(n: int, seed: int, market: int, salt: int, oi: float, price: float,
                mm: float, knobs: dict):
    """make_population's book of n positions (n >= its minimum: smaller books are the first
    n of a minimal one, rescaled to `oi`)."""
    size = max(n, 10)
    pop = make_population(size, seed=seed * 1009 + market * 7 + salt, open_interest=oi,
                          price=price, maintenance_margin=mm, **knobs)
    if size == n:
        return pop
    index = np.arange(n)
    scale = oi / float(pop.notional[index].sum())
    return Population.from_arrays(pop.leverage[index], pop.notional[index] * scale,
                                  pop.side[index], pop.entry_price[index],
                                  maintenance_margin=mm)


def read_accounts(path_or_buffer, *, maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                  max_bytes: int | None = None) -> AccountBook:
    """An AccountBook from a CSV or Parquet file, one row per position.

    Columns: account (any label; rows of one account need not be adjacent), market (any
    label), side (long/short or +1/-1), notional (quote currency at entry, > 0),
    margin_mode (cross or isolated), and leverage (>= 1) or collateral (> 0) or both;
    optional entry_price (> 0; 100 when absent). An isolated row needs leverage, or its
    collateral c, which sets L = n / c (with both, leverage). A cross row's leverage is optional; the account's
    collateral is the largest collateral given on its cross rows (write it on one row or
    repeat it), else the sum of its cross rows' n / L. Every bad cell is named by row
    (header = row 1) and column in one ValueError, as for positions files, including an
    isolated leverage that leaves no margin above `maintenance_margin` and a cross
    account whose collateral is not above the maintenance of its cross rows (m x notional).
    """
    mm = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
    table = read_table(path_or_buffer, ACCOUNT_COLUMNS, OPTIONAL_ACCOUNT_COLUMNS, max_bytes)
    frame, errors = table.frame, TableErrors(table.name)
    if not any(c in frame.columns for c in ACCOUNT_AMOUNTS):
        raise ValueError(f"{table.name}: missing column leverage or collateral (one of them "
                         f"is needed; found: {', '.join(frame.columns)})")
    n = len(frame)
    notional = errors.numbers(frame, "notional", positive=True)
    side = _words(frame["side"], SIDE_WORDS)
    errors.add("side", np.isnan(side), frame["side"], "is not long or short (or +1 / -1)")
    mode = _words(frame["margin_mode"], MODE_WORDS)
    errors.add("margin_mode", np.isnan(mode), frame["margin_mode"], "is not cross or isolated")
    cross = mode == 1.0
    for column in ("account", "market"):
        errors.add(column, frame[column].isna().to_numpy(), frame[column], "is empty")
    leverage = np.full(n, np.nan)
    collateral = np.full(n, np.nan)
    if "leverage" in frame.columns:
        leverage = _optional(errors, frame, "leverage", at_least=1.0)
    if "collateral" in frame.columns:
        collateral = _optional(errors, frame, "collateral", positive=True)
    if "entry_price" in frame.columns:
        entry = errors.numbers(frame, "entry_price", positive=True)
    else:
        entry = np.full(n, 100.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # bad cells: flagged
        iso_lev = np.where(np.isnan(leverage), notional / collateral, leverage)
        margin_rate = 1.0 / iso_lev
    missing = ~cross & ~np.isnan(mode) & np.isnan(iso_lev) & np.isfinite(notional)
    errors.add("leverage", missing, frame.get("leverage", pd.Series([np.nan] * n)),
               "is missing, and so is collateral: an isolated row needs one of them")
    below = ~cross & np.isfinite(iso_lev) & (iso_lev < 1.0) & np.isnan(leverage)
    errors.add("collateral", below, frame.get("collateral", pd.Series([np.nan] * n)),
               "is more than the notional (leverage below 1)")
    thin = ~cross & np.isfinite(iso_lev) & (iso_lev >= 1.0) & (margin_rate <= mm)
    for column, rows in (("leverage", thin & np.isfinite(leverage)),
                         ("collateral", thin & np.isnan(leverage))):
        if column in frame.columns:
            errors.add(column, rows, frame[column],
                       f"leaves no margin above the maintenance margin {mm:g}")
    errors.raise_if_any()
    accounts, account = np.unique(frame["account"].astype(str).str.strip().to_numpy(),
                                  return_inverse=True)
    names, market = np.unique(frame["market"].astype(str).str.strip().to_numpy(),
                              return_inverse=True)
    count = accounts.size
    pool_given = np.full(count, np.nan)
    np.fmax.at(pool_given, account, np.where(cross, collateral, np.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(cross & np.isfinite(leverage), notional / leverage, 0.0)
    pool_sum = np.bincount(account, weights=own, minlength=count)
    pool = np.where(np.isfinite(pool_given), pool_given, pool_sum)
    has_cross = np.bincount(account, weights=cross.astype(float), minlength=count) > 0
    no_pool = has_cross & ~(pool > 0)
    errors.add("collateral", no_pool[account] & cross,
               frame.get("collateral", pd.Series([np.nan] * n)),
               "is missing for this row's cross account, and so is leverage on its cross rows")
    upkeep = np.bincount(account, weights=np.where(cross, mm * notional, 0.0), minlength=count)
    short = has_cross & (pool > 0) & (pool <= upkeep)
    first_row = np.zeros(n, dtype=bool)  # each cross account's first cross row
    rows = np.flatnonzero(cross)
    first_row[rows[np.unique(account[rows], return_index=True)[1]]] = True
    errors.add("collateral", short[account] & cross & first_row,
               frame.get("collateral", pd.Series([np.nan] * n)),
               f"does not cover the maintenance ({mm:g} x the notional) of this row's cross "
               f"account at its entry prices")
    errors.raise_if_any()
    leverage = np.where(cross, np.where(np.isfinite(leverage), leverage, 1.0), iso_lev)
    order = np.argsort(account, kind="stable")
    return AccountBook(tuple(names.tolist()), account[order], market[order],
                       side[order].astype(np.int8), notional[order], leverage[order],
                       entry[order], cross[order], np.where(has_cross, pool, 0.0),
                       tuple(accounts.tolist()))


def _optional(errors: TableErrors, frame: pd.DataFrame, column: str, **rule) -> np.ndarray:
    """A column whose empty cells are allowed (NaN); other cells checked as numbers."""
    raw = frame[column]
    empty = raw.isna().to_numpy()
    filled = pd.DataFrame({column: raw.astype(object).where(~empty, 1.0)})
    values = np.array(errors.numbers(filled, column, **rule), dtype=np.float64)
    values[empty] = np.nan
    return values


def _words(column: pd.Series, words: dict) -> np.ndarray:
    return words_to_numbers(column, words)


def check_at_start(book: AccountBook, name: str = "accounts", *,
                   price: float = DEFAULT_PRICE,
                   maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN) -> None:
    """The rule an accounts file's book must meet before a contagion run, where every market
    starts at `price` (P0, default 100: entry prices are read on that index) with
    maintenance margin m (`maintenance_margin`, cascade.Market's default). Refused, with a
    ValueError that starts with `name` (the file's) and names the field, the first account
    and its value:
      - market: a book of other than MARKETS_RANGE (2 to 8) markets;
      - entry_price: an isolated position already at or past its liquidation price at P0:
        a long whose e (1 - 1/L + m) >= P0, a short whose e (1 + 1/L - m) <= P0;
      - entry_price: a cross account at or below maintenance at P0: equity
        C + sum_j s_j q_j (P0 - e_j) <= sum_j m n_j over its cross positions (the engine
        would take it at the first tick).
    read_accounts checks what a file says alone (cells, margin above m at entry); this is
    what it says at the run's start prices."""
    low, high = MARKETS_RANGE
    start = number_in("price", price, low=0.0, low_open=True)
    m = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
    if not low <= len(book.markets) <= high:
        raise ValueError(f"{name}: market: the file holds {len(book.markets)} market(s) "
                         f"({', '.join(book.markets)}); a contagion run takes {low} to {high}")
    accounts = (book.names if book.names is not None
                else tuple(str(a) for a in range(book.accounts)))
    liquidation = book.entry_price * (1.0 - book.side * (1.0 / book.leverage - m))
    past = ~book.cross & np.where(book.side > 0, liquidation >= start, liquidation <= start)
    if past.any():
        first = int(np.flatnonzero(past)[0])
        raise ValueError(
            f"{name}: entry_price: {int(past.sum()):,} isolated position(s) are at or past "
            f"their liquidation price at the start price of {start:g}, on which entry prices "
            f"are read (first: account {accounts[book.account[first]]}, "
            f"{book.markets[book.market[first]]}, entry {book.entry_price[first]:,.6g}, "
            f"leverage {book.leverage[first]:g}, liquidation price "
            f"{liquidation[first]:,.6g})")
    signed = np.where(book.cross, book.side * book.quantity * (start - book.entry_price), 0.0)
    equity = book.collateral + np.bincount(book.account, weights=signed,
                                           minlength=book.accounts)
    upkeep = np.bincount(book.account, weights=np.where(book.cross, m * book.notional, 0.0),
                         minlength=book.accounts)
    has_cross = np.bincount(book.account, weights=book.cross.astype(float),
                            minlength=book.accounts) > 0
    under = has_cross & (equity <= upkeep)
    if under.any():
        first = int(np.flatnonzero(under)[0])
        raise ValueError(
            f"{name}: entry_price: {int(under.sum()):,} cross account(s) are at or below "
            f"their maintenance margin at the start price of {start:g}, on which entry prices "
            f"are read (first: account {accounts[first]}, equity {equity[first]:,.2f} USD "
            f"against maintenance {upkeep[first]:,.2f} USD)")
