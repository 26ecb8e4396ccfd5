"""The HTML report of a contagion run (issue 19, "in the CLI and the report"): every figure
in it is the run's as cascade_view.formats writes it, every sentence is the Contagion
page's, user text (market names, a file's name) is escaped, and the page's download is the
report of the run the page shows."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

import cascade
from cascade.contagion import Contagion
from cascade.events import EVENTS
from cascade.tables import read_table
from cascade.accounts import ACCOUNT_COLUMNS, OPTIONAL_ACCOUNT_COLUMNS
from cascade_view import contagion_figures
from cascade_view.contagion_report import AccountsFile, contagion_report, knob_rows
from cascade_view.formats import pct, seconds, share, usd
from tests.app.apptools import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "accounts.csv"
MADE = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
SETUP = Contagion(accounts=5_000, seed=3, cross_share=0.8, rule="whole")


@cache
def small():
    """A small run (5,000 accounts, 80% of open interest cross) and its report."""
    result = SETUP.run()
    return result, contagion_report(SETUP, result, made=MADE)


def row(*cells: str) -> str:
    """A table row as the report writes it (cells escaped)."""
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def test_the_report_holds_each_markets_move_the_shares_and_the_money():
    result, page = small()
    assert result.liquidated_notional() > 0 and result.contagion_share() > 0
    # the table per market, from ContagionResult.by_market
    for m, name in enumerate(result.markets):
        here = result.liquidated & (result.book.market == m)
        move = result.moves()[name]
        rows = result.series[result.series["market"] == name]
        low = float(rows["price"].min()) / result.prices[m] - 1.0
        assert row(name, "falls" if name == SETUP.shocked else "flat", pct(move, 2),
                   pct(low, 2), usd(result.book.notional[here].sum()),
                   usd(result.book.notional[here & result.book.cross].sum()),
                   f"{int(here.sum()):,}") in page
        # the headline card of its move
        assert (f'<div class="label">{name} move</div><div class="value">{pct(move, 2)}'
                f"</div>") in page
    for label, value in (("From another market", pct(result.contagion_share(), signed=False)),
                         ("Cross-margin share", pct(result.cross_share(), signed=False))):
        assert f'<div class="label">{label}</div><div class="value">{value}</div>' in page
    # the observed share beside the model's, as the page says it, and the pulled-in line
    assert html.escape(contagion_figures.observed_sentence(result)) in page
    observed = EVENTS["2025-10-10"].facts["hl_cross_long_share"]
    assert f"Observed: {pct(observed.value, signed=False)}" in page and "95.4%" in page
    assert "not of open interest" in page and html.escape(observed.source) in page
    assert html.escape(contagion_figures.pulled_in_sentence(result)) in page
    # the money per market and its totals; the fund's totals, which reconcile
    money = result.money
    columns = ["fees", "pnl", "cross_shortfall", "bad_debt", "adl_value", "adl_recovered"]
    assert [c for c in money.columns if c not in ("market", "adl_quantity")] == columns
    for _, line in money.iterrows():
        assert row(line["market"], *(usd(line[c]) for c in columns)) in page
    assert row("all markets", *(usd(money[c].sum()) for c in columns)) in page
    assert "adl quantity" not in page  # units of a market, not money
    ledger = result.ledger
    for label, key in (("fund at the start", "fund_start"), ("fees to the fund", "fees"),
                       ("left to the fund by the liquidated", "pnl"),
                       ("recovered by auto-deleveraging from cross deficits", "adl_recovered"),
                       ("bad debt (what the fund could not pay)", "bad_debt"),
                       ("fund at the end", "fund_end")):
        assert row(label, usd(ledger[key])) in page
    assert ledger["fund_end"] == pytest.approx(
        ledger["fund_start"] + ledger["fees"] + ledger["pnl"] + ledger["adl_recovered"]
        + ledger["bad_debt"], abs=0.01)
    assert ledger["pnl"] == pytest.approx(money["pnl"].sum(), abs=0.01)
    if ledger["exhausted_step"] >= 1:
        assert row("the fund first ran out", f"in tick {ledger['exhausted_step']:,}, which "
                   f"starts at {seconds(ledger['exhausted_step'] - 1)}") in page


def test_the_knobs_are_the_runs():
    result, page = small()
    for cells in (("markets", "BTC, ETH, ALT"),
                  ("depth, USD that moves the price 1% (the model's assumption)",
                   "BTC $70M; ETH $30M; ALT $3M"),
                  ("open interest, USD", "BTC $2B; ETH $1B; ALT $200M"),
                  ("market that falls", "ALT"), ("its fall", pct(SETUP.fall)),
                  ("over", seconds(SETUP.fall_seconds)), ("the other markets' own paths", "flat"),
                  ("open interest in cross accounts", share(0.8)),
                  ("venue rule", "close the whole account at once"),
                  ("tick", "1 s"), ("insurance fund at the start", "$0"),
                  ("auto-deleveraging", "off"),
                  ("accounts", "5,000 synthetic accounts, seed 3"),
                  ("positions", f"{len(result.book):,} in 5,000 accounts, "
                                f"{result.book.cross_accounts().size:,} of them with cross "
                                f"positions")):
        assert row(*cells) in page, cells
    assert "same book, isolated" not in page and "Input files" not in page
    hyper = Contagion(accounts=2_000, rule="hyperliquid", fall_seconds=0.0)
    isolated = hyper.run(hyper.book().isolated())
    alone = contagion_report(hyper, isolated, isolated=True)
    assert row("venue rule", "Hyperliquid's (backstop vault below 2/3 of maintenance; above "
                             "$100K, 20% every 30 s)") in alone
    assert row("over", "at once (a jump)") in alone
    assert row("then its rebound", "none: its path holds at the fall") in alone
    assert row("same book, isolated", "on: every position isolated, the account's "
                                      "collateral split by notional") in alone
    assert '<div class="value">0.0%</div>' in alone  # no cross margin left


def test_a_rebound_is_in_the_title_the_knobs_and_the_lows():
    setup = Contagion(accounts=2_000, seed=1, rebound=0.1, rebound_seconds=300.0)
    result = setup.run()
    page = contagion_report(setup, result)
    title = "Contagion across markets: ALT falls 30% over 600 s, then rises 10% over 300 s"
    assert f"<title>{title}</title>" in page
    assert row("then its rebound", "+10.0% over 300 s") in page
    alt = result.series[result.series["market"] == "ALT"]
    low = float(alt["price"].min()) / 100.0 - 1.0
    assert low < result.moves()["ALT"]  # the end is above the low: the column says which
    assert f"<td>{pct(result.moves()['ALT'], 2)}</td><td>{pct(low, 2)}</td>" in page


def test_the_report_says_when_as_the_page_does_with_names_as_plain_text():
    """The page's clock sentence (how long the forced orders took, the queues, the lows) is
    in the report too: the same words, with a market's name as plain text rather than the
    page's markdown escapes, then escaped once as HTML."""
    markets = ("BTC", "ETH", "A_B*[x]")
    setup = Contagion(markets=markets, shocked=markets[2], accounts=2_000, seed=1,
                      rebound=0.1, rebound_seconds=300.0, engine_rate_share=0.001)
    result = setup.run()
    page = contagion_report(setup, result)
    plain = contagion_figures.clock_sentence(result, setup, contagion_figures.plain_name)
    assert plain.startswith("The last forced order executed by ")
    assert "A_B*[x]'s own path rises 10% after the fall" in plain
    assert f"A_B*[x] {pct(contagion_figures.lowest_moves(result)['A_B*[x]'], 2)}" in plain
    assert f"<p>{html.escape(plain)}</p>" in page
    # the page's sentence is the same but for its markdown escapes
    marked = contagion_figures.clock_sentence(result, setup)
    assert marked != plain and marked.replace("\\", "") == plain


def test_one_self_contained_file_with_the_pages_three_charts_and_the_same_bytes_each_time():
    result, page = small()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('class="chart"') == 3
    for figure in (contagion_figures.price_figure(result),
                   contagion_figures.liquidations_figure(result),
                   contagion_figures.accounts_figure(result)):
        assert f'aria-label="{html.escape(figure.layout.title.text)}"' in page
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js is inlined: opens offline
    assert "made 2026-01-02 03:04 UTC" in page
    assert contagion_report(SETUP, result, made=MADE) == page


def test_an_accounts_file_is_named_with_its_checksum():
    book = cascade.read_accounts(EXAMPLE)
    data = EXAMPLE.read_bytes()
    brought = AccountsFile.of(data, EXAMPLE.name, book)
    digest = hashlib.sha256(data).hexdigest()
    assert brought.sha256 == digest == read_table(EXAMPLE, ACCOUNT_COLUMNS,
                                                  OPTIONAL_ACCOUNT_COLUMNS).sha256
    assert brought.rows == 11 == len(book)
    setup = Contagion(fall=-0.2, fall_seconds=0.0)
    page = contagion_report(setup, setup.run(book), accounts_file=brought)
    # the input files' table (role, name, rows, SHA-256) and the knob
    assert (f"<tr><td>accounts</td><td>{EXAMPLE.name}</td><td>11</td><td><code>{digest}"
            f"</code></td></tr>") in page
    assert row("accounts", f"the file {EXAMPLE.name} (SHA-256 {digest})") in page
    replaced = "not used: the accounts file replaces the synthetic accounts"
    assert row("open interest, USD", replaced) in page
    assert row("open interest in cross accounts", replaced) in page


NO_LIMIT = "no limit: every forced order executes in the tick it is due"
NEVER = "never: consumed depth does not come back"


def test_the_clocks_knobs_are_the_runs_markets():
    """The clock's rows give each market's engine rate (Market.engine_rate, USD a second)
    and the share of open interest it is, the refill half-life and the permanent share,
    as the run's Markets have them; "no limit" and "never" when off."""
    setup = Contagion(accounts=2_000, seed=1, engine_rate_share=0.001,
                      resilience_half_life=45.0, permanent_impact=0.25)
    result = setup.run()
    page = contagion_report(setup, result, made=MADE)
    markets = setup.market_list(result.markets)
    interest = dict(zip(setup.markets, setup.open_interest))
    for name, market in zip(result.markets, markets):
        assert market.engine_rate == pytest.approx(0.001 * interest[name])
        assert market.resilience_half_life == 45.0 and market.permanent_impact == 0.25
    rates = "; ".join(f"{name} {usd(market.engine_rate)} a second"
                      for name, market in zip(result.markets, markets))
    assert rates == "BTC $2M a second; ETH $1M a second; ALT $200K a second"
    assert row("liquidation engine rate (notional at entry)",
               f"{rates} (0.1% of each market's open interest a second; what it cannot "
               f"execute waits)") in page
    assert row("book refill half-life",
               f"{seconds(markets[0].resilience_half_life)}: consumed depth refills by "
               f"half") in page
    assert row("permanent share of impact",
               "25% (never refills; matters only with a refill)") in page
    assert row("open interest, USD", "BTC $2B; ETH $1B; ALT $200M") in page
    # off: the small run's report
    _, plain = small()
    assert SETUP.market_list()[0].engine_rate is None
    assert row("liquidation engine rate (notional at entry)", NO_LIMIT) in plain
    assert row("book refill half-life", NEVER) in plain
    assert row("permanent share of impact",
               "0% (matters only with a refill; here the book never refills)") in plain
    # a permanent share without a refill is shown, and said to change nothing
    still = Contagion(accounts=600, seed=1, permanent_impact=0.2)
    rows = dict(knob_rows(still, still.run()))
    assert rows["permanent share of impact"] == ("20% (matters only with a refill; here "
                                                 "the book never refills)")
    assert rows["book refill half-life"] == NEVER


def test_with_an_engine_rate_a_files_open_interest_is_listed_as_the_rates_base():
    book = cascade.read_accounts(EXAMPLE)
    brought = AccountsFile.of(EXAMPLE.read_bytes(), EXAMPLE.name, book)
    setup = contagion_figures.file_setup(book, fall=-0.2, fall_seconds=0.0,
                                         engine_rate_share=0.01)
    rows = dict(knob_rows(setup, setup.run(book), accounts_file=brought))
    held = dict(zip(book.markets, contagion_figures.open_interest_of(book)))
    listed = "; ".join(f"{name} {usd(held[name])}" for name in book.markets)
    assert listed == "ALT $1.5M; BTC $3.85M; ETH $1.8M"
    assert rows["open interest, USD"] == (f"{listed}: used as the base of the liquidation "
                                          f"engine rate (the accounts file's own open "
                                          f"interest)")
    markets = setup.market_list(book.markets)
    assert rows["liquidation engine rate (notional at entry)"].startswith(
        "; ".join(f"{name} {usd(m.engine_rate)} a second"
                  for name, m in zip(book.markets, markets)))
    assert [m.engine_rate for m in markets] == pytest.approx([0.01 * held[n]
                                                              for n in book.markets])
    # knobs that are not the file's: the row says whose open interest the rate is of
    other = Contagion(fall=-0.2, fall_seconds=0.0, engine_rate_share=0.01)
    rows = dict(knob_rows(other, other.run(book), accounts_file=brought))
    assert rows["open interest, USD"] == ("ALT $200M; BTC $2B; ETH $1B: used as the base of "
                                          "the liquidation engine rate (not the accounts "
                                          f"file's: it holds {listed})")
    # no engine rate: a file's open interest is not used
    plain = contagion_figures.file_setup(book, fall=-0.2, fall_seconds=0.0)
    rows = dict(knob_rows(plain, plain.run(book), accounts_file=brought))
    assert rows["open interest, USD"] == ("not used: the accounts file replaces the "
                                          "synthetic accounts")


def test_a_report_that_would_misname_the_book_is_refused():
    book = cascade.read_accounts(EXAMPLE)
    setup = Contagion(fall=-0.2, fall_seconds=0.0)
    with pytest.raises(ValueError, match="accounts_file: the run's book has 7 accounts"):
        contagion_report(setup, setup.run(book))  # a file's run without its file
    result, _ = small()
    with pytest.raises(ValueError, match="isolated: the run's book has cross positions"):
        contagion_report(SETUP, result, isolated=True)


def test_hostile_market_and_file_names_stay_text():
    markets = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "A&B")
    setup = Contagion(markets=markets, shocked=markets[0], accounts=600, seed=1)
    result = setup.run()
    brought = AccountsFile("<script>alert(3)</script>.csv", 1, "0" * 64)
    page = contagion_report(setup, result, accounts_file=brought)
    plain = contagion_report(Contagion(accounts=600, seed=1), Contagion(accounts=600,
                                                                         seed=1).run())
    for name in (*markets, brought.name):
        assert html.escape(name) in page
        if "<" in name:
            assert name not in page
    # no tag was added by a name: the same number of script and img tags as a plain report
    for tag in ("<script", "<img"):
        assert page.count(tag) == plain.count(tag)
    # in the charts' data the legend names are escaped for plotly's HTML-like text
    assert '"name":"&lt;script&gt;alert(1)' in page


# ------------------------------------------------------------------ the page's download


@pytest.fixture
def deferred(monkeypatch):
    """The callables the page registers for its deferred downloads, by file name."""
    found = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def _undated(page: str) -> str:
    return re.sub(r"made \d{4}-\d\d-\d\d \d\d:\d\d UTC", "made (time)", page)


def test_the_page_offers_the_report_of_the_run_it_shows(app, deferred):
    app.switch_page("pages/contagion.py")
    at = run(app, shocked="ETH", fall="-20", seconds="60", cross="80",
             rule="Whole account at once")
    at.toggle(key="isolated").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = [b for b in at.get("download_button")
               if b.proto.label == "Download the report (HTML)"]
    assert len(buttons) == 1 and buttons[0].proto.deferred_file_id
    setup = Contagion(shocked="ETH", fall=-0.2, fall_seconds=60.0, cross_share=0.8,
                      rule="whole", accounts=100_000)
    result = setup.run(setup.book().isolated())
    shown = deferred["cascade-contagion-report.html"]()
    assert _undated(shown) == _undated(contagion_report(setup, result, isolated=True))


def test_the_pages_report_of_an_accounts_file_names_the_file(app, deferred):
    """With the example accounts brought, the page's report lists that file (its name and
    SHA-256), not a synthetic book, and gives the page's headline of that run."""
    app.switch_page("pages/contagion.py")
    at = run(app)
    at.checkbox(key="use_example_accounts").check().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = deferred["cascade-contagion-report.html"]()
    digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert EXAMPLE.name in shown and digest in shown
    assert "not used: the accounts file replaces the synthetic accounts" in shown
    moves = [m.value for m in at.metric][:3]
    for value in moves:
        assert f'<div class="value">{value}</div>' in shown
