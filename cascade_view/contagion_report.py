"""The HTML report of a contagion run (issue 19): one self-contained file, as the Explorer's
(cascade_view.report: the same page shell, styles, escaping and embedded charts).

It holds the run's knobs (markets, depth, open interest, the market that falls, its fall
and its seconds, the cross share, the venue rule, the tick, the fund, the clock: the
liquidation engines' rate, the book's refill half-life and the permanent share of impact;
the accounts: the synthetic ones and their seed, or the accounts file's name and SHA-256,
and "same book, isolated" when set), the headline of the Contagion page (each market's
move, the share another market's fall caused, the cross-margin share beside the one
observed), the table per market (ContagionResult.by_market), the money
(ContagionResult.money and .ledger) and the page's three charts. Every sentence is
cascade_view.contagion_figures' own; every number goes through cascade_view.formats. Data
in, text out: no simulation here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from cascade.accounts import AccountBook
from cascade.contagion import BACKSTOP_SHARE, Contagion, ContagionResult
from cascade.market import HYPERLIQUID_PARTIAL

from . import contagion_figures
from .formats import pct, price_text, seconds, share, usd
from .headline import Metric
from .report import report_html, table_html
from .text import doc

TITLE = "Contagion across markets"
FILE_NAME = "cascade-contagion-report.html"
# What the money table calls ContagionResult.money's columns and the ledger's totals (USD);
# a column or total not named here is shown under its own name.
MONEY_COLUMNS = {"fees": "fees to the fund",
                 "pnl": "left to the fund by the liquidated",
                 "cross_shortfall": "cross accounts' losses beyond their collateral",
                 "bad_debt": "bad debt (what the fund could not pay)",
                 "adl_value": "auto-deleveraged, value",
                 "adl_recovered": "recovered by auto-deleveraging from cross deficits"}
LEDGER_ROWS = {"fund_start": "fund at the start", "fees": "fees to the fund",
               "pnl": "left to the fund by the liquidated",
               "adl_recovered": "recovered by auto-deleveraging from cross deficits",
               "bad_debt": "bad debt (what the fund could not pay)",
               "fund_end": "fund at the end"}
# Entries that are not money (units of a market, a tick number): not in the tables.
NOT_MONEY = ("adl_quantity", "exhausted_step")
# Ledger entries shown only when not zero (what auto-deleveraging took, when it ran).
WHEN_USED = {"adl_value": "auto-deleveraged, value"}
RECONCILES = ("The fund at the end is the fund at the start plus the fees, plus what the "
              "liquidated left it, plus what auto-deleveraging recovered from cross "
              "accounts' deficits, plus the bad debt (the model's bookkeeping).")


@dataclass(frozen=True)
class AccountsFile:
    """An accounts file a run was given: its name, its rows (one per position) and the
    SHA-256 of its bytes (the hash cascade.tables.read_table gives), as the report lists
    it. role: the report's word for the kind of file."""
    name: str
    rows: int
    sha256: str
    role: str = "accounts"

    @classmethod
    def of(cls, data: bytes, name: str, book: AccountBook) -> "AccountsFile":
        """The file of `data` (its bytes) called `name`, read into `book`
        (cascade.read_accounts: one position per data row)."""
        return cls(str(name), len(book), hashlib.sha256(bytes(data)).hexdigest())


def rule_words(rule: str) -> str:
    """The venue rule for cross accounts in words, from the model's constants
    (cascade.contagion.BACKSTOP_SHARE, cascade.market.HYPERLIQUID_PARTIAL)."""
    if rule != "hyperliquid":
        return "close the whole account at once"
    threshold, parts, cooldown = HYPERLIQUID_PARTIAL
    backstop = Fraction(BACKSTOP_SHARE).limit_denominator(12)
    return (f"Hyperliquid's (backstop vault below {backstop} of maintenance; "
            f"above {usd(threshold)}, {pct(1 / parts, 0, signed=False)} every "
            f"{seconds(cooldown)})")


def _per_market(names, values, form) -> str:
    """'BTC $70M; ETH $30M; ALT $3M'."""
    return "; ".join(f"{name} {form(value)}" for name, value in zip(names, values))


def percent_words(value: float) -> str:
    """A share as the percentage it is, in full: 0.001 -> '0.1%', 0.2 -> '20%'."""
    return f"{float(f'{value * 100:.12g}'):g}%"


def clock_rows(setup: Contagion, names) -> list[tuple[str, str]]:
    """(knob, value) of the clock in every market, from the Markets of the run
    (setup.market_list(names)): each liquidation engine's rate (USD of notional at entry a
    second, Market.engine_rate) and the share of open interest it is, or "no limit"; the
    book's refill half-life, or "never"; the permanent share of impact, which matters only
    when the book refills."""
    markets = setup.market_list(names)
    rates = [m.engine_rate for m in markets]
    if setup.engine_rate_share is None:
        engine = "no limit: every forced order executes in the tick it is due"
    else:
        engine = (_per_market(names, rates, lambda r: f"{usd(r)} a second")
                  + f" ({percent_words(setup.engine_rate_share)} of each market's open "
                    f"interest a second; what it cannot execute waits)")
    # one value in every market (Contagion.market_list)
    (half_life,) = {m.resilience_half_life for m in markets}
    (permanent,) = {m.permanent_impact for m in markets}
    return [
        ("liquidation engine rate (notional at entry)", engine),
        ("book refill half-life", "never: consumed depth does not come back"
         if half_life is None else f"{seconds(half_life)}: consumed depth refills by half"),
        ("permanent share of impact", percent_words(permanent)
         + (" (matters only with a refill; here the book never refills)"
            if half_life is None else " (never refills; matters only with a refill)")),
    ]


def knob_rows(setup: Contagion, result: ContagionResult, isolated: bool = False,
              accounts_file: AccountsFile | None = None) -> list[tuple[str, str]]:
    """(knob, value) of the run: the markets as run (their names, depth, impact, start
    price and maintenance margin), their open interest (the synthetic accounts' size and
    the engine rate's base; with a file, shown only as the engine rate's base), the fall,
    the book (synthetic accounts and their seed, or the file's name), the venue rule, the
    tick, the fund and the clock (clock_rows). A ValueError names the
    argument that does not describe the run's book (so the report never calls a brought
    book synthetic, nor a book with cross positions isolated)."""
    book = result.book
    if accounts_file is None and book.accounts != setup.accounts:
        raise ValueError(f"accounts_file: the run's book has {book.accounts:,} accounts, not "
                         f"the {setup.accounts:,} synthetic ones; give the accounts file")
    if isolated and book.cross.any():
        raise ValueError("isolated: the run's book has cross positions")
    names = result.markets
    markets = setup.market_list(names)
    synthetic = accounts_file is None
    replaced = "not used: the accounts file replaces the synthetic accounts"
    interest = _per_market(names, [dict(zip(setup.markets, setup.open_interest))[n]
                                   for n in names], usd)
    if synthetic:
        interest_words = interest
    elif setup.engine_rate_share is not None:  # the base of the engines' rates
        held = dict(zip(book.markets, contagion_figures.open_interest_of(book)))
        same = all(abs(v - held[n]) <= 1e-9 * max(held[n], 1.0)
                   for n, v in zip(setup.markets, setup.open_interest) if n in held)
        interest_words = (f"{interest}: used as the base of the liquidation engine rate "
                          + ("(the accounts file's own open interest)" if same else
                             "(not the accounts file's: it holds "
                             + _per_market(names, [held[n] for n in names], usd) + ")"))
    else:
        interest_words = replaced
    betas = dict(zip(setup.markets, setup.betas or ()))
    others = [n for n in names if n != setup.shocked]
    rows = [
        ("markets", ", ".join(names)),
        ("depth, USD that moves the price 1% (the model's assumption)",
         _per_market(names, [m.depth for m in markets], usd)),
        ("impact", _per_market(names, [m.impact for m in markets], str)),
        ("start price", _per_market(names, [m.price for m in markets], price_text)),
        ("maintenance margin", _per_market(names, [m.maintenance_margin for m in markets],
                                           lambda v: pct(v, signed=False))),
        ("open interest, USD", interest_words),
        ("market that falls", setup.shocked),
        ("its fall", pct(setup.fall)),
        ("over", "at once (a jump)" if setup.fall_seconds == 0 else seconds(setup.fall_seconds)),
        ("then its rebound", f"{pct(setup.rebound)} over {seconds(setup.rebound_seconds)}"
         if setup.rebound > 0 else "none: its path holds at the fall"),
        ("the other markets' own paths",
         _per_market(others, [betas[n] for n in others], lambda b: f"{b:g} x its path")
         if betas else "flat"),
        ("open interest in cross accounts", share(setup.cross_share) if synthetic else replaced),
        ("venue rule", rule_words(setup.rule)),
        ("tick", seconds(setup.tick_seconds)),
        ("insurance fund at the start", usd(setup.insurance_fund)),
        ("auto-deleveraging", "on: what the fund cannot pay is taken from the winners, in "
                              "every market" if setup.adl else "off"),
        *clock_rows(setup, names),
        ("accounts", f"{setup.accounts:,} synthetic accounts, seed {setup.seed}" if synthetic
         else f"the file {accounts_file.name} (SHA-256 {accounts_file.sha256})"),
        ("positions", f"{len(book):,} in {book.accounts:,} accounts, "
                      f"{book.cross_accounts().size:,} of them with cross positions"),
    ]
    if isolated:
        rows.append(("same book, isolated", "on: every position isolated, the account's "
                                            "collateral split by notional"))
    return rows


def market_rows(setup: Contagion, result: ContagionResult
                ) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(header, rows) of the table per market (ContagionResult.by_market): its own path
    (falls, follows its beta, or flat), its move at the run's end (as the headline writes
    it) and its lowest move during the run (contagion_figures.lowest_moves: lower than the
    end when the path rebounds or the books refill), the notional liquidated and how much
    of it was cross, and the positions liquidated."""
    header = ("market", "own path", "move at the end", "lowest move",
              "liquidated (notional at entry)", "of it cross", "positions liquidated")
    rows = []
    lows = contagion_figures.lowest_moves(result)
    for row in result.by_market().itertuples():
        own = ("falls" if row.market == setup.shocked else
               "follows its beta" if row.shocked else "flat")
        rows.append((row.market, own, pct(row.move, 2), pct(lows[row.market], 2),
                     usd(row.liquidated_notional), usd(row.cross_notional),
                     f"{row.positions:,}"))
    return header, rows


def money_rows(result: ContagionResult) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(header, rows) of the money per market (ContagionResult.money), USD, with a row of
    totals (sums of the rows above)."""
    columns = [c for c in result.money.columns if c != "market" and c not in NOT_MONEY]
    header = ("market", *(MONEY_COLUMNS.get(c, c.replace("_", " ")) for c in columns))
    rows = [(str(row["market"]), *(usd(row[c]) for c in columns))
            for _, row in result.money.iterrows()]
    rows.append(("all markets", *(usd(float(result.money[c].sum())) for c in columns)))
    return header, rows


def fund_rows(result: ContagionResult) -> list[tuple[str, str]]:
    """The venue fund's totals (ContagionResult.ledger), USD, in the order they reconcile
    (then any other money total; WHEN_USED ones only when not zero), and the tick the fund
    first ran out (when it did)."""
    ledger = result.ledger
    keys = [k for k in LEDGER_ROWS if k in ledger] + [
        k for k in ledger if k not in LEDGER_ROWS and k not in NOT_MONEY
        and (k not in WHEN_USED or ledger[k])]
    names = {**LEDGER_ROWS, **WHEN_USED}
    rows = [(names.get(k, k.replace("_", " ")), usd(ledger[k])) for k in keys]
    step = ledger.get("exhausted_step", -1)
    if step is not None and step >= 1:
        rows.append(("the fund first ran out", f"in tick {step:,}, which starts at "
                     f"{seconds((step - 1) * result.tick_seconds)}"))
    return rows


def headline_metrics(result: ContagionResult) -> list[Metric]:
    """The page's headline (contagion_figures.metrics), each note under its value."""
    return [Metric(m.label, m.value, m.help, m.help) for m in contagion_figures.metrics(result)]


def contagion_report(setup: Contagion, result: ContagionResult, isolated: bool = False,
                     accounts_file: AccountsFile | None = None,
                     made: datetime | None = None) -> str:
    """The HTML report of `result`, the run of `setup` (on its synthetic accounts, or on
    the accounts of `accounts_file`; made isolated when `isolated`). made: the time the
    report says it was made (default now)."""
    verdict = contagion_figures.observed_sentence(result)
    clock = contagion_figures.clock_sentence(result, setup, contagion_figures.plain_name)
    notes = (contagion_figures.pulled_in_sentence(result),) + ((clock,) if clock else ())
    figures = {}
    for figure in (contagion_figures.price_figure(result),
                   contagion_figures.liquidations_figure(result),
                   contagion_figures.accounts_figure(result)):
        figures[figure.layout.title.text] = figure
    header, rows = market_rows(setup, result)
    money_header, money = money_rows(result)
    sections = (
        ("Per market", table_html(header, rows)),
        ("Money", table_html(money_header, money)
         + table_html(("the venue fund", "USD"), fund_rows(result))
         + f"<p>{RECONCILES}</p>"),
    )
    files = (accounts_file,) if accounts_file is not None else ()
    title = f"{TITLE}: {setup.shocked} {contagion_figures.path_words(setup)}"
    return report_html(title, verdict, headline_metrics(result),
                       knob_rows(setup, result, isolated, accounts_file), figures,
                       doc("report", "contagion"),
                       files, notes, sections, made)
