"""The Contagion page's words and figures (issue 19): each market's price against time,
liquidations per market per tick, and the headline (each market's move, the share another
market's fall caused, the cross-margin share beside the 95.4% observed). Data in (a
cascade.contagion.ContagionResult), text or Figure out; no simulation here. Also the one
rule both front ends (the page and `python -m cascade contagion`) set up a run of an
accounts file by (file_setup, default_depth, default_shocked), and the money's sentence."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from cascade.accounts import AccountBook
from cascade.contagion import DEFAULT_DEPTH, DEFAULT_MARKETS, Contagion, ContagionResult
from cascade.events import EVENTS

from .figures import INK, Draft, bar, heading, money_axis, scatter
from .formats import pct, seconds, share, usd
from .safe import escape_markdown, one_line

# The observed figure the cross-margin share is compared with (cascade/events.py).
OBSERVED_CROSS = EVENTS["2025-10-10"].facts["hl_cross_long_share"]
MARKET_COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b",
                 "#e377c2", "#17becf")


def page_name(name: str) -> str:
    """A market's name in the page's markdown: escaped (a file's text), at most 40
    characters."""
    return escape_markdown(str(name), 40)


def plain_name(name: str) -> str:
    """A market's name as plain text (the report, which escapes its HTML): one line, at
    most 40 characters."""
    return one_line(str(name), 40)


def colors_of(markets: tuple) -> list[str]:
    """One colour per market: the synthetic book's markets keep theirs on every book (a
    file's BTC is drawn as the synthetic BTC); other names take the palette's next unused
    colours, in order, then those of the synthetic markets the book does not hold (the
    palette has 8: one each for up to 8 markets)."""
    fixed = dict(zip(DEFAULT_MARKETS, MARKET_COLORS))
    unused = [fixed[m] for m in DEFAULT_MARKETS if m not in markets]
    spare = iter(list(MARKET_COLORS[len(DEFAULT_MARKETS):]) + unused)
    return [fixed[m] if m in fixed else next(spare) for m in markets]


# Liquidations are drawn in bins of this many seconds at most (so the chart sent to the
# browser never grows with the run's length beyond MAX_BINS bars per market).
MAX_BINS = 120


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str = ""


def metrics(result: ContagionResult) -> list[Metric]:
    """The headline: one move per market, then the two shares (the model's)."""
    return move_metrics(result) + share_metrics(result)


def move_metrics(result: ContagionResult) -> list[Metric]:
    """One traded move per market, at the run's end."""
    return [Metric(f"{name} move", pct(move, 2),
                   "falls on its own path" if result.shocked[m] else
                   "its own path is flat: moved only by forced flow")
            for m, (name, move) in enumerate(result.moves().items())]


def share_metrics(result: ContagionResult) -> list[Metric]:
    """The share another market's fall caused and the cross-margin share of the liquidated
    notional (none when nothing was liquidated)."""
    out = []
    total = result.liquidated_notional()
    if total > 0:
        out.append(Metric("From another market", pct(result.contagion_share(),
                                                          signed=False),
                          "share of the liquidated notional in markets whose own path is flat"))
        out.append(Metric("Cross-margin share", pct(result.cross_share(), signed=False),
                          "of the liquidated notional, the model's"))
    return out


def observed_sentence(result: ContagionResult) -> str:
    """The cross-margin share beside the observed one, or that nothing was liquidated."""
    if not result.liquidated_notional() > 0:
        return "Nothing was liquidated in this run."
    return (f"The model's cross-margin share of liquidated notional is "
            f"{pct(result.cross_share(), signed=False)}. Observed: "
            f"{pct(OBSERVED_CROSS.value, signed=False)} of the liquidated notional was "
            f"cross-margin longs ({OBSERVED_CROSS.scope}, 10 Oct 2025; "
            f"{OBSERVED_CROSS.source}). That is a share of what was liquidated, not of open "
            f"interest, which no source gives.")


def pulled_in_sentence(result: ContagionResult) -> str:
    """How many accounts a market they were not shocked in pulled in, and the money."""
    count = result.pulled_in().size
    ledger = result.ledger
    pulled = (f"{count:,} liquidated account{'s' if count != 1 else ''} held no position in "
              f"a market whose own path moves: pulled in through the other markets."
              if count else "No account was pulled in through the other markets alone: "
              "every liquidated account held a position in a market whose own path moves.")
    return (f"{pulled} Liquidated: {usd(result.liquidated_notional())} at entry; bad debt "
            f"{usd(ledger['bad_debt'])}.")


def money_sentence(result: ContagionResult, adl: bool) -> str:
    """The money of the run in words, each figure the run's (ContagionResult.money and
    money_total, USD): the venue fund at the start and at the end; the bad debt (what the
    fund could not pay) in total and the markets that left it, largest first, with the
    time the fund first ran out (the ledger's exhausted_step); and, when
    auto-deleveraging was on (`adl`), the value of the winners' positions it closed (what
    they were paid) and what it recovered from cross accounts' deficits, with the markets
    it struck. Market names are escaped (a file's text)."""
    total = result.money_total()
    money = result.money
    words = [f"The venue fund went from {usd(total['fund_start'])} to "
             f"{usd(total['fund_end'])}."]
    bad = money[money["bad_debt"] > 0].sort_values("bad_debt", ascending=False, kind="stable")
    if len(bad):
        where = ", ".join(f"{page_name(row.market)} {usd(row.bad_debt)}"
                          for row in bad.itertuples())
        step = result.ledger.get("exhausted_step", -1)
        when = (f"It first ran out in the tick that starts at "
                f"{seconds((step - 1) * result.tick_seconds)} and" if step is not None
                and step >= 1 else "It")
        words.append(f"{when} could not pay {usd(total['bad_debt'])}: bad debt, left by "
                     f"{where}.")
    took = money[money["adl_value"] > 0].sort_values("adl_value", ascending=False,
                                                     kind="stable")
    if not len(bad):  # with ADL, the winners paid part of the deficits, not the fund
        words.append("No bad debt." if adl and len(took)
                     else "It paid every deficit: no bad debt.")
    if adl:
        if len(took):
            where = ", ".join(page_name(name) for name in took["market"])
            words.append(f"Auto-deleveraging closed winners' positions worth "
                         f"{usd(total['adl_value'])} (what they were paid) in {where}, and "
                         f"recovered {usd(total['adl_recovered'])} of cross accounts' "
                         f"deficits.")
        else:
            words.append("Auto-deleveraging was on and closed nothing.")
    elif len(bad):
        words.append("Auto-deleveraging is off.")
    return " ".join(words)


def executed_per_tick(result: ContagionResult) -> np.ndarray:
    """Per row of result.series, the notional at entry the tick executed in the row's market
    (isolated, cross to the book, to the backstop), USD."""
    rows = result.series
    return (rows["isolated_notional"] + rows["cross_notional"]
            + rows["backstop_notional"]).to_numpy()


def last_execution_start(result: ContagionResult) -> float | None:
    """The start, in seconds, of the last tick that executed any forced order (None when
    none did)."""
    done = executed_per_tick(result) > 0
    return float(result.series["seconds"].to_numpy()[done].max()) if done.any() else None


def waiting_per_tick(result: ContagionResult):
    """Per tick, the notional at entry waiting in the engines' queues after it, summed over
    the markets (the series' queue), USD; a pandas Series indexed by tick."""
    return result.series.groupby("tick", sort=True)["queue"].sum()


def lowest_moves(result: ContagionResult) -> dict:
    """Per market, the lowest traded move of the run, min over ticks of P / P0 - 1."""
    rows = result.series
    return {name: float(rows.loc[rows["market"] == name, "price"].min())
            / float(result.prices[m]) - 1.0 for m, name in enumerate(result.markets)}


def clock_sentence(result: ContagionResult, setup: Contagion, name=page_name) -> str:
    """How long the forced orders took, each figure the run's: the end of the last tick
    that executed any (series seconds + dt), against the end of the fall; with an engine
    rate (setup.engine_rate_share), the most notional at entry that waited in the engines'
    queues at once (max over ticks of the series' queue summed over markets), when, and
    the market that held most of it, or that nothing waited; then, when prices come back
    (a rebound, setup.rebound, or a refilling book, setup.resilience_half_life), each
    market's lowest traded move during the run, as the headline's moves are at its end
    (lows_sentence). '' when nothing was liquidated and prices do not come back.
    name: how a market's name is written (page_name; plain_name for the report)."""
    last = last_execution_start(result)
    lows = lows_sentence(result, setup, name)
    if last is None:
        return lows
    rows = result.series
    dt = result.tick_seconds
    end = last + dt
    fall_end = setup.fall_seconds
    fall_words = "the fall ended" if fall_end else "the jump"
    words = [f"The last forced order executed by {seconds(end)}"
             + (f", {seconds(end - fall_end)} after {fall_words}." if end > fall_end
                else f", before the fall ended at {seconds(fall_end)}.")]
    share_words = (f"{setup.engine_rate_share * 100:g}% of each market's open interest a "
                   f"second" if setup.engine_rate_share is not None else "")
    if share_words:
        waiting = waiting_per_tick(result)
        if waiting.max() > 0:
            tick = int(waiting.idxmax())
            at = rows[rows["tick"] == tick]
            top = at.loc[at["queue"].idxmax()]
            most = float(waiting.max())
            part = "all" if float(top["queue"]) == most else usd(float(top["queue"]))
            words.append(f"The engines, at {share_words}, could not keep up: at most "
                         f"{usd(most)} of forced orders (notional at entry) waited at once, "
                         f"at {seconds(float(top['seconds']) + dt)}, {part} of it in "
                         f"{name(top['market'])}.")
        else:
            words.append(f"The engines, at {share_words}, kept up: no forced order waited.")
    if lows:
        words.append(lows)
    return " ".join(words)


def prices_come_back(setup: Contagion) -> bool:
    """True when a price can end above its low by the model's own rules: the shocked
    market's path rebounds, or the books refill (so the end move may be above the low)."""
    return setup.rebound > 0 or setup.resilience_half_life is not None


def lows_sentence(result: ContagionResult, setup: Contagion, name=page_name) -> str:
    """Why the headline's moves (at the run's end) are not the lowest, and the lowest
    (lowest_moves): the shocked market's path rebounds (setup.rebound) and/or the books
    refill (setup.resilience_half_life). '' when neither: a price then never comes back
    up by itself. name: how a market's name is written (page_name, plain_name)."""
    if not prices_come_back(setup):
        return ""
    causes = []
    if setup.rebound > 0:
        causes.append(f"{name(setup.shocked)}'s own path rises "
                      f"{setup.rebound * 100:g}% after the fall")
    if setup.resilience_half_life is not None:
        causes.append(f"{'the' if causes else 'The'} books refill (half-life "
                      f"{seconds(setup.resilience_half_life)})")
    lows = ", ".join(f"{name(market)} {pct(low, 2)}"
                     for market, low in lowest_moves(result).items())
    return (f"{' and '.join(causes)}, so the moves above are at the run's end; the lowest "
            f"during the run: {lows}.")


def price_figure(result: ContagionResult) -> go.Figure:
    """Each market's traded move P / P0 - 1 after every tick, against seconds: the markets
    whose own path moves on top, the others below on their own scale (their moves are
    often a hundredth of the fallen market's)."""
    calm = [m for m in range(len(result.markets)) if not result.shocked[m]]
    split = bool(calm) and len(calm) < len(result.markets)
    fig = Draft(**heading("Each market's price", "traded move from the start, per tick"),
                xaxis=dict(title=dict(text="seconds"), anchor="y2" if split else "y"),
                yaxis=dict(title=dict(text="own path moves" if split else "move"),
                           tickformat=".0%",
                           domain=[0.56, 1.0] if split else [0.0, 1.0]),
                legend=dict(orientation="h", y=-0.25), height=440 if split else 380)
    if split:
        fig.update_layout(yaxis2=dict(title=dict(text="flat own path"),
                                      tickformat=f".{calm_decimals(result, calm)}%",
                                      domain=[0.0, 0.44]),
                          xaxis=dict(matches=None))
    colors = colors_of(result.markets)
    for m, name in enumerate(result.markets):
        rows = result.series[result.series["market"] == name]
        move = rows["price"].to_numpy() / float(result.prices[m]) - 1.0
        fig.add_trace(scatter(x=rows["seconds"].to_numpy() + result.tick_seconds, y=move,
                              name=html.escape(name), mode="lines",
                              yaxis="y2" if split and m in calm else "y",
                              line=dict(color=colors[m], width=2)))
    return fig.build()


def calm_decimals(result: ContagionResult, calm: list[int]) -> int:
    """Decimals of the flat-path markets' percent ticks: enough that the largest of their
    moves M shows a non-zero digit, 1 + max(0, -floor(log10(100 M))) (M = 0.83% -> 1,
    0.05% -> 3, 0.006% -> 4), at most 4."""
    names = [result.markets[m] for m in calm]
    rows = result.series[result.series["market"].isin(names)]
    start = np.asarray(result.prices)[[result.markets.index(n) for n in rows["market"]]]
    largest = float(np.max(np.abs(rows["price"].to_numpy() / start - 1.0), initial=0.0))
    if not largest > 0:
        return 1
    return int(min(4, 1 + max(0, -math.floor(math.log10(100 * largest)))))


def binned(result: ContagionResult) -> tuple[float, dict]:
    """(bin seconds, {market: (bin starts, notional liquidated in the bin)}): the notional
    at entry executed per market (isolated, cross to the book, backstop), summed over bins
    of whole ticks, at most MAX_BINS per market."""
    ticks = int(result.series["tick"].max())
    per_bin = max(1, math.ceil(ticks / MAX_BINS))
    width = per_bin * result.tick_seconds
    out = {}
    executed = executed_per_tick(result)
    for name in result.markets:
        here = (result.series["market"] == name).to_numpy()
        rows, done = result.series[here], executed[here]
        index = (rows["tick"].to_numpy() - 1) // per_bin
        sums = np.bincount(index, weights=done, minlength=int(index.max()) + 1)
        out[name] = (np.arange(sums.size) * width, sums)
    return width, out


def liquidations_figure(result: ContagionResult) -> go.Figure:
    """Notional liquidated per market, per bin of ticks."""
    width, bins = binned(result)
    top = max((float(s.max()) for _, s in bins.values() if s.size), default=0.0)
    fig = Draft(**heading("Liquidations per market", f"notional at entry per "
                          f"{seconds(width)}"),
                xaxis=dict(title=dict(text="seconds")), yaxis=money_axis(top), barmode="group",
                legend=dict(orientation="h", y=-0.25), height=380)
    colors = colors_of(result.markets)
    for m, (name, (starts, sums)) in enumerate(bins.items()):
        fig.add_trace(bar(x=starts + width / 2, y=sums, name=html.escape(name),
                          width=width * 0.9,
                          marker=dict(color=colors[m])))
    return fig.build()


def accounts_by_tick(result: ContagionResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seconds, liquidated, pulled in), one value per tick k = 1..K: the end of the tick,
    k dt seconds; the accounts liquidated by then; and of those, the ones pulled in through
    another market (ContagionResult.pulled_in: no position in a market whose own path
    moves). An account counts from the tick that finished its first liquidated position,
    the least of its positions' position_tick >= 1."""
    ticks = int(result.series["tick"].max())
    hit = result.liquidated
    account, tick = result.book.account[hit], result.position_tick[hit]
    order = np.argsort(tick, kind="stable")
    ids, first = np.unique(account[order], return_index=True)
    first_tick = tick[order][first]
    pulled = np.isin(ids, result.pulled_in())
    liquidated = np.bincount(first_tick, minlength=ticks + 1).cumsum()[1:]
    pulled_in = np.bincount(first_tick[pulled], minlength=ticks + 1).cumsum()[1:]
    return np.arange(1, ticks + 1) * result.tick_seconds, liquidated, pulled_in


def count_axis(counts: np.ndarray) -> dict:
    """An axis of whole counts from 0: ticks written 1,200, one per count when the largest
    is at most 5 (so no tick reads 0.5 accounts)."""
    axis = dict(rangemode="tozero", tickformat=",d")
    if counts.size == 0 or counts.max() <= 5:
        axis["dtick"] = 1
    return axis


def accounts_figure(result: ContagionResult) -> go.Figure:
    """Accounts liquidated by the end of each tick (accounts_by_tick): all of them on top,
    and below, on its own scale, those pulled in through another market (often a hundredth
    of them)."""
    at, liquidated, pulled_in = accounts_by_tick(result)
    fig = Draft(**heading("Accounts liquidated", "by the end of each tick; below, those",
                          "pulled in through another market"),
                xaxis=dict(title=dict(text="seconds"), anchor="y2"),
                yaxis=dict(title=dict(text="all"), domain=[0.56, 1.0],
                           **count_axis(liquidated)),
                yaxis2=dict(title=dict(text="pulled in"), domain=[0.0, 0.44],
                            **count_axis(pulled_in)),
                showlegend=False, height=440)
    for values, axis, name in ((liquidated, "y", "accounts liquidated"),
                               (pulled_in, "y2", "pulled in through another market")):
        fig.add_trace(scatter(x=at, y=values, name=name, mode="lines", yaxis=axis,
                              line=dict(color=INK, width=2, shape="hv")))
    return fig.build()


def path_words(setup: Contagion) -> str:
    """The shocked market's own path (Contagion.path) in words: 'falls 30% over 600 s',
    'falls 30% at once', and with a rebound ', then rises 10% over 600 s' (moves relative
    to the start price)."""
    when = f"over {seconds(setup.fall_seconds)}" if setup.fall_seconds > 0 else "at once"
    words = f"falls {abs(setup.fall) * 100:g}% {when}"
    if setup.rebound > 0:
        words += (f", then rises {setup.rebound * 100:g}% over "
                  f"{seconds(setup.rebound_seconds)}")
    return words


def default_depth(market: str) -> float:
    """A file's market's depth until the user sets it (USD that moves the price 1%): the
    synthetic book's for BTC, ETH and ALT (cascade.contagion.DEFAULT_DEPTH), the thinnest
    of those for any other name (a model assumption: an unknown market is taken as thin as
    the altcoin)."""
    known = dict(zip(DEFAULT_MARKETS, DEFAULT_DEPTH))
    return known.get(market, min(DEFAULT_DEPTH))


def default_shocked(markets: tuple) -> str:
    """The market that falls unless one is chosen: the altcoin (ALT) when the book holds
    it, else the book's first market."""
    return "ALT" if "ALT" in markets else markets[0]


def open_interest_of(book: AccountBook) -> tuple[float, ...]:
    """Per market of the book, the notional at entry it holds (USD)."""
    return tuple(np.bincount(book.market, weights=book.notional,
                             minlength=len(book.markets)).tolist())


def file_setup(book: AccountBook, depths: tuple | None = None, **knobs) -> Contagion:
    """The Contagion knobs of a run on an accounts file's `book`: its markets, its open
    interest per market (open_interest_of), a depth per market (`depths`, USD per 1%, or
    default_depth by name), and the other knobs as given (`shocked` defaults to
    default_shocked). A ValueError names a bad knob."""
    depth = (tuple(default_depth(m) for m in book.markets) if depths is None
             else tuple(depths))
    knobs.setdefault("shocked", default_shocked(book.markets))
    return Contagion(markets=book.markets, open_interest=open_interest_of(book), depth=depth,
                     **knobs)


def depth_words(markets: tuple, depths: tuple) -> str:
    """'BTC $70M, ETH $30M, ALT $3M moves each 1%' (names escaped: a file's text)."""
    listed = ", ".join(f"{page_name(name)} {usd(depth)}"
                       for name, depth in zip(markets, depths))
    return f"depth that moves each 1%: {listed}"


def synthetic_book_sentence(setup: Contagion, isolated: bool) -> str:
    """Which book the page shows when no file is brought: the synthetic accounts' size,
    seed, cross share and the markets' depths."""
    return (f"Book: synthetic, {setup.accounts:,} accounts (seed {setup.seed}), "
            f"{share(setup.cross_share)} of open interest in cross accounts; "
            f"{depth_words(setup.markets, setup.depth)}." + _isolated_words(isolated))


def file_book_sentence(book: AccountBook, name: str, sha256: str, depths: tuple,
                       isolated: bool) -> str:
    """Which book the page shows when a file is brought: its name, accounts, positions,
    accounts with cross positions, the cross share of its open interest (notional at
    entry), its markets' depths and checksum."""
    cross = float(book.notional[book.cross].sum()) / float(book.notional.sum())
    return (f"Book: your accounts, **{escape_markdown(name, 120)}** ({book.accounts:,} "
            f"accounts, {len(book):,} positions, {book.cross_accounts().size:,} accounts "
            f"with cross positions, {share(cross)} of the open interest cross; SHA-256 "
            f"{sha256[:12]}...); {depth_words(book.markets, depths)}. Every market starts "
            f"at 100, the file's entry prices read on that scale. _Open interest in cross "
            f"accounts_ sets the synthetic book's and does not apply." + _isolated_words(isolated))


def _isolated_words(isolated: bool) -> str:
    return (" Shown: the same book with every position isolated, its account's collateral "
            "split by notional." if isolated else "")
