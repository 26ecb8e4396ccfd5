"""Accounts (cascade/accounts.py): synthetic accounts by seed, the isolated switch, and
accounts files with row-numbered errors."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cascade
from cascade.accounts import MARKETS_RANGE, AccountBook, check_at_start, make_accounts, read_accounts

EXAMPLE = "examples/accounts.csv"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.0, 1.0), st.integers(20, 3000))
def test_synthetic_accounts_hold_the_asked_cross_share_of_open_interest(seed, share, n):
    oi = (2e9, 1e9, 2e8)
    book = make_accounts(n, seed, cross_share=share, open_interest=oi)
    oi_array = np.array(oi)
    cross = np.bincount(book.market, weights=book.notional * book.cross, minlength=3)
    alone = np.bincount(book.market, weights=book.notional * ~book.cross, minlength=3)
    # each market's cross part is share x OI (when the draw put cross accounts in it), its
    # isolated part the rest (every market has isolated accounts when there are 3 or more)
    held = np.bincount(book.market, weights=book.cross, minlength=3) > 0
    np.testing.assert_allclose(cross[held], share * oi_array[held], rtol=1e-9)
    if book.accounts - book.cross_accounts().size >= 3 and share < 1:
        np.testing.assert_allclose(alone, (1 - share) * oi_array, rtol=1e-9)
    # collateral is the cross positions' initial margin; one position per market per account
    margin = np.bincount(book.account, weights=np.where(book.cross, book.notional
                                                        / book.leverage, 0.0),
                         minlength=book.accounts)
    np.testing.assert_allclose(book.collateral, margin, rtol=1e-12)
    pairs = book.account.astype(np.int64) * 3 + book.market
    assert np.unique(pairs).size == len(book)
    assert (np.bincount(book.account) >= 1).all()


def test_the_same_seed_is_the_same_book_and_proportions_follow_the_weights():
    a, b = make_accounts(20_000, 5), make_accounts(20_000, 5)
    for name in ("account", "market", "side", "notional", "leverage", "cross", "collateral"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    held = np.bincount(a.account[a.cross])
    held = held[held > 0]
    share = np.bincount(held, minlength=4)[1:] / held.size
    np.testing.assert_allclose(share, (0.5, 0.3, 0.2), atol=0.02)
    assert not np.array_equal(make_accounts(20_000, 6).notional, a.notional)


def test_crowd_knobs_are_per_market():
    book = make_accounts(6000, 1, crowd=({"center_leverage": 10.0, "tightness": 1.0,
                                          "cluster_share": 1.0},
                                         {"center_leverage": 40.0, "tightness": 1.0,
                                          "cluster_share": 1.0}, {}))
    assert np.allclose(book.leverage[book.market == 0], 10.0)
    assert np.allclose(book.leverage[book.market == 1], 40.0)


def test_the_isolated_switch_splits_collateral_by_notional():
    book = read_accounts(EXAMPLE)
    alone = book.isolated()
    assert not alone.cross.any()
    margin = alone.notional / alone.leverage
    for a in book.cross_accounts():
        rows = (book.account == a) & book.cross
        np.testing.assert_allclose(margin[rows], book.collateral[a] * book.notional[rows]
                                   / book.notional[rows].sum(), rtol=1e-12)
    np.testing.assert_array_equal(margin[~book.cross],
                                  (book.notional / book.leverage)[~book.cross])


def test_the_example_file_reads():
    book = read_accounts(EXAMPLE)
    frame = book.to_frame()
    assert book.markets == ("ALT", "BTC", "ETH")
    assert len(book) == 11 and book.accounts == 7
    whale = frame[frame["account"] == "whale-1"]
    assert whale["margin_mode"].eq("cross").all() and whale["collateral"].eq(300_000).all()
    # a cross account without a collateral cell: the sum of its rows' n / L
    trader = frame[frame["account"] == "trader-3"]
    assert trader["collateral"].iloc[0] == pytest.approx(250_000 / 20 + 100_000 / 10)
    # an isolated row given collateral: L = n / c
    iso = frame[frame["account"] == "iso-5"]
    assert iso["leverage"].iloc[0] == pytest.approx(35.0)


def test_parquet_reads_the_same_as_csv(tmp_path):
    frame = pd.read_csv(EXAMPLE)
    frame.to_parquet(tmp_path / "accounts.parquet")
    a, b = read_accounts(EXAMPLE), read_accounts(tmp_path / "accounts.parquet")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def _csv(text: str) -> io.BytesIO:
    buffer = io.BytesIO(text.encode())
    buffer.name = "accounts.csv"
    return buffer


HEADER = "account,market,side,notional,leverage,collateral,margin_mode\n"


@pytest.mark.parametrize("rows, message", [
    ("a,BTC,long,-5,10,,cross\n", r"row 2, notional: -5(\.0)? is not positive"),
    ("a,BTC,up,100,10,,cross\n", r"row 2, side: 'up' is not long or short"),
    ("a,BTC,long,100,10,,both\n", r"row 2, margin_mode: 'both' is not cross or isolated"),
    ("a,BTC,long,100,0.5,,isolated\n", r"row 2, leverage: 0.5 is below 1"),
    ("a,BTC,long,100,,,isolated\n", r"row 2, leverage: .*isolated row needs one of them"),
    ("a,BTC,long,100,,,cross\n", r"row 2, collateral: .*missing for this row's cross account"),
    ("a,BTC,long,100,250,,isolated\n", r"row 2, leverage: 250 leaves no margin above"),
    ("a,BTC,long,1000,,2,cross\nb,ETH,long,10,2,,isolated\n",
     r"row 2, collateral: 2(\.0)? does not cover the maintenance"),
    ("a,BTC,long,100,2,,isolated\n,ETH,long,100,2,,isolated\n", r"row 3, account: .*is empty"),
    ("a,BTC,long,100,2,x,isolated\n", r"row 2, collateral: 'x' is not a number"),
])
def test_bad_rows_are_named_by_spreadsheet_row_and_column(rows, message):
    with pytest.raises(ValueError, match=r"accounts.csv: .*" + message):
        read_accounts(_csv(HEADER + rows))


def test_bad_files_are_named():
    with pytest.raises(ValueError, match="missing column"):
        read_accounts(_csv("account,market,side,notional\na,BTC,long,1\n"))
    with pytest.raises(ValueError, match="leverage or collateral"):
        read_accounts(_csv("account,market,side,notional,margin_mode\na,BTC,long,1,cross\n"))
    with pytest.raises(ValueError, match="no rows"):
        read_accounts(_csv(HEADER))
    with pytest.raises(ValueError, match="no such file"):
        read_accounts("nowhere.csv")


def test_a_book_checks_its_arrays():
    with pytest.raises(ValueError, match="account"):
        AccountBook(("X",), [1, 0], 0, 1, 1.0, 2.0, 100.0, False, [0.0, 0.0])
    with pytest.raises(ValueError, match="notional"):
        AccountBook(("X",), [0], 0, 1, -1.0, 2.0, 100.0, False, [0.0])
    with pytest.raises(ValueError, match="market"):
        AccountBook(("X",), [0], 3, 1, 1.0, 2.0, 100.0, False, [0.0])
    with pytest.raises(ValueError, match="markets"):
        AccountBook(("X", "X"), [0], 0, 1, 1.0, 2.0, 100.0, False, [0.0])
    with pytest.raises(ValueError, match="cross_share"):
        make_accounts(100, 0, cross_share=1.5)
    with pytest.raises(ValueError, match="open_interest"):
        make_accounts(100, 0, open_interest=(1e9,))


CELLS = st.sampled_from(["", "a", "b", "BTC", "ETH", "long", "short", "-1", "cross",
                         "isolated", "0", "1", "2.5", "10", "1e3", "-5", "nan", "inf", "True",
                         "2024-01-01", "x", "100000"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=7, max_size=7), min_size=1, max_size=6))
def test_any_cells_are_an_account_book_or_a_message_naming_rows(rows):
    text = HEADER + "".join(",".join(row) + "\n" for row in rows)
    try:
        book = read_accounts(_csv(text))
    except ValueError as error:
        assert "accounts.csv" in str(error)
        return
    assert len(book) == len(rows)
    assert (book.notional > 0).all() and (book.leverage >= 1).all()
    assert (book.collateral[book.cross_accounts()] > 0).all()


# ------------------------------------------------------------------ the rule at the start


START = "account,market,side,notional,leverage,collateral,margin_mode,entry_price\n"
SOUND = "z,ETH,long,1000,10,,isolated,100\n"  # a second market, far from liquidation


def _start_book(rows: str) -> AccountBook:
    return read_accounts(_csv(START + rows + SOUND))


def test_isolated_positions_past_liquidation_at_100_are_refused_by_hand():
    # a long at 10x: liquidation e (1 - 1/10 + 0.005) = 0.905 e; at entry 110 it is 99.55,
    # below 100 (kept); at entry 111 it is 100.455 (refused)
    check_at_start(_start_book("a,BTC,long,1000,10,,isolated,110\n"))
    with pytest.raises(ValueError, match=r"^file.csv: entry_price: 1 isolated position\(s\) "
                                         r".*first: account a, BTC, entry 111, leverage 10, "
                                         r"liquidation price 100\.455"):
        check_at_start(_start_book("a,BTC,long,1000,10,,isolated,111\n"), "file.csv")
    # a short at 10x: liquidation 1.095 e; entry 92 -> 100.74 (kept), entry 91 -> 99.645
    check_at_start(_start_book("s,BTC,short,1000,10,,isolated,92\n"))
    with pytest.raises(ValueError, match=r"account s, BTC, entry 91, .*99\.645"):
        check_at_start(_start_book("s,BTC,short,1000,10,,isolated,91\n"))


def test_cross_accounts_at_or_below_maintenance_at_100_are_refused_by_hand():
    # a long of 1,000 at entry 105: q = 1000 / 105, its PnL at 100 is -47.62; maintenance
    # 0.005 x 1,000 = 5. Collateral 60: equity 12.38 > 5 (kept); 50: 2.38 <= 5 (refused)
    check_at_start(_start_book("c,BTC,long,1000,,60,cross,105\n"))
    with pytest.raises(ValueError, match=r"entry_price: 1 cross account\(s\) .*first: "
                                         r"account c, equity 2\.38 USD against maintenance "
                                         r"5\.00 USD"):
        check_at_start(_start_book("c,BTC,long,1000,,50,cross,105\n"))
    # a hedge: the long's loss is the short's gain, so the account is sound at 100
    check_at_start(read_accounts(_csv(START + "h,BTC,long,1000,,20,cross,105\n"
                                              "h,ETH,short,1000,,,cross,105\n")))


def test_a_book_of_other_than_2_to_8_markets_is_refused():
    assert MARKETS_RANGE == (2, 8)
    one = read_accounts(_csv(START + "a,BTC,long,1000,10,,isolated,100\n"))
    with pytest.raises(ValueError, match=r"^f: market: the file holds 1 market\(s\) \(BTC\); "
                                         r"a contagion run takes 2 to 8$"):
        check_at_start(one, "f")
    rows = "".join(f"a{i},M{i},long,1000,10,,isolated,100\n" for i in range(9))
    with pytest.raises(ValueError, match=r"9 market\(s\)"):
        check_at_start(read_accounts(_csv(START + rows)))
    check_at_start(read_accounts(_csv(START + rows.rsplit("a8", 1)[0])))  # 8 markets


def _refused_by_loop(book: AccountBook, m: float = 0.005, start: float = 100.0) -> bool:
    """The rule written plainly, position by position and account by account."""
    if not 2 <= len(book.markets) <= 8:
        return True
    for j in range(len(book)):
        if not book.cross[j]:
            e, lev, s = book.entry_price[j], book.leverage[j], book.side[j]
            liq = e * (1 - 1 / lev + m) if s > 0 else e * (1 + 1 / lev - m)
            if (s > 0 and liq >= start) or (s < 0 and liq <= start):
                return True
    for a in range(book.accounts):
        rows = [j for j in range(len(book)) if book.account[j] == a and book.cross[j]]
        if rows:
            equity = book.collateral[a] + sum(
                book.side[j] * book.notional[j] / book.entry_price[j]
                * (start - book.entry_price[j]) for j in rows)
            if equity <= sum(m * book.notional[j] for j in rows):
                return True
    return False


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["BTC", "ETH", "SOL"]),
                          st.sampled_from(["long", "short"]), st.integers(1, 5000),
                          st.sampled_from(["2", "10", "40", ""]), st.sampled_from(
                              ["", "30", "300"]), st.sampled_from(["cross", "isolated"]),
                          st.sampled_from(["80", "95", "100", "104", "110", "130"])),
                min_size=1, max_size=8))
def test_the_rule_refuses_exactly_the_books_a_plain_loop_refuses(rows):
    text = START + "".join(",".join(map(str, row)) + "\n" for row in rows)
    try:
        book = read_accounts(_csv(text))
    except ValueError:
        return  # a bad cell: read_accounts' own message
    try:
        check_at_start(book)
    except ValueError as error:
        assert _refused_by_loop(book), str(error)
        return
    assert not _refused_by_loop(book)


def test_synthetic_books_meet_the_rule():
    for seed in range(3):
        check_at_start(make_accounts(3000, seed, cross_share=0.7))
