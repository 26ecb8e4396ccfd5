"""docs/model.md, "Accounts and several markets": the measured tables are the model's output
(every figure re-computed here from the runs it names), and the comparisons the text draws
from the ADL and the clock tables hold in those runs."""

from pathlib import Path

import numpy as np

from cascade.contagion import Contagion
from cascade_view.contagion_figures import lowest_moves
from cascade_view.formats import pct, usd

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

RUNS = (
    ("Hyperliquid's rule", Contagion(), False),
    ("whole account at once", Contagion(rule="whole"), False),
    ("Hyperliquid's rule, the same book isolated", Contagion(), True),
    ("whole account at once, 95% of open interest cross", Contagion(rule="whole",
                                                                    cross_share=0.95), False),
)


def doc_section() -> str:
    """docs/model.md from "## Accounts and several markets" to "## Sources"."""
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## Accounts and several markets"):text.index("## Sources")]


def table_rows() -> list[str]:
    rows = []
    for name, setup, isolated in RUNS:
        book = setup.book()
        result = setup.run(book.isolated() if isolated else book)
        moves = result.moves()
        rows.append(
            f"| {name} | {pct(moves['BTC'], 2)} | {pct(moves['ETH'], 2)} | "
            f"{pct(moves['ALT'], 2)} | {usd(result.liquidated_notional())} | "
            f"{pct(result.cross_share(), signed=False)} | "
            f"{pct(result.contagion_share(), signed=False)} | {result.pulled_in().size:,} | "
            f"{usd(result.ledger['bad_debt'])} |")
    return rows


ADL_RUNS = (
    ("Hyperliquid's rule", Contagion()),
    ("Hyperliquid's rule, ADL in every market", Contagion(adl=True)),
    ("whole account at once", Contagion(rule="whole")),
    ("whole account at once, ADL in every market", Contagion(rule="whole", adl=True)),
)


def runs_on_one_book(named) -> dict:
    """{name: run} of (name, Contagion) pairs, each on the first one's synthetic book."""
    book = named[0][1].book()
    return {name: setup.run(book) for name, setup in named}


def adl_runs() -> dict:
    return runs_on_one_book(ADL_RUNS)


def adl_rows(runs) -> list[str]:
    rows = []
    for name, result in runs.items():
        moves, total = result.moves(), result.money_total()
        backstop = float(result.series["backstop_notional"].sum())
        rows.append(
            f"| {name} | {pct(moves['BTC'], 2)} | {pct(moves['ETH'], 2)} | "
            f"{pct(moves['ALT'], 2)} | {usd(backstop)} | {usd(total['bad_debt'])} | "
            f"{usd(total['adl_value'])} | {usd(total['adl_recovered'])} | "
            f"{int(result.deleveraged.sum()):,} |")
    return rows


def test_the_measured_table_is_the_runs():
    section = doc_section()
    for row in table_rows():
        assert row in section, row


def test_the_adl_table_is_the_runs_and_its_comparisons_hold():
    runs = adl_runs()
    section = doc_section()
    for row in adl_rows(runs):
        assert row in section, row
    (hl, hl_adl), (whole, whole_adl) = (
        (runs[ADL_RUNS[i][0]], runs[ADL_RUNS[i + 1][0]]) for i in (0, 2))
    book = hl.book
    alt = book.markets.index("ALT")
    alt_shorts = float(book.quantity[~book.cross & (book.market == alt)
                                     & (book.side < 0)].sum())
    for off, on in ((hl, hl_adl), (whole, whole_adl)):
        # ADL moves the loss from the fund to the winners, and ALT falls less
        assert on.ledger["bad_debt"] < off.ledger["bad_debt"]
        assert on.moves()["ALT"] > off.moves()["ALT"]
        # most of the ADL value is the isolated fronts', not the cross deficits'
        assert on.money_total()["adl_recovered"] < 0.01 * on.money_total()["adl_value"]
    # under "whole" ALT's isolated shorts run out: every unit of them is taken
    assert whole_adl.money["adl_quantity"][alt] >= alt_shorts * (1 - 1e-12)
    assert whole_adl.ledger["bad_debt"] > 0
    # under Hyperliquid's rule, with ADL the backstop takes less and BTC and ETH fall more
    backstop = [float(r.series["backstop_notional"].sum()) for r in (hl, hl_adl)]
    assert backstop[1] < backstop[0]
    assert hl_adl.moves()["BTC"] < hl.moves()["BTC"]
    assert hl_adl.moves()["ETH"] < hl.moves()["ETH"]
    to_books = [float(r.series["cross_notional"].sum()) for r in (hl, hl_adl)]
    assert to_books[1] > to_books[0]
    alt_prices = [r.series.loc[r.series["market"] == "ALT", "price"].to_numpy()
                  for r in (hl, hl_adl)]
    ticks = min(map(len, alt_prices))
    assert (alt_prices[1][:ticks] >= alt_prices[0][:ticks]).all()
    assert alt_prices[1][ticks:].min(initial=np.inf) >= alt_prices[0][-1]


CLOCK_RUNS = (
    ("no clock", Contagion()),
    ("engine 1% of open interest a second", Contagion(engine_rate_share=0.01)),
    ("engine 0.1% of open interest a second", Contagion(engine_rate_share=0.001)),
    ("whole account at once, no clock", Contagion(rule="whole")),
    ("books refill, half-life 60 s", Contagion(resilience_half_life=60.0)),
    ("books refill 60 s, half of impact permanent",
     Contagion(resilience_half_life=60.0, permanent_impact=0.5)),
    ("engine 0.1%, books refill 60 s, half permanent",
     Contagion(engine_rate_share=0.001, resilience_half_life=60.0, permanent_impact=0.5)),
)


def clock_runs() -> dict:
    return runs_on_one_book(CLOCK_RUNS)


def alt_largest_tick_fall(result) -> float:
    """ALT's largest fall of its traded price from one tick to the next (a fraction < 0)."""
    rows = result.series[result.series["market"] == "ALT"]
    return float(rows["price"].pct_change().min())


def most_waiting(result) -> float:
    """The most notional at entry waiting in the engines at once (the series' queue summed
    over markets, per tick)."""
    return float(result.series.groupby("tick")["queue"].sum().max())


def alt_mean_fill(result) -> float:
    """ALT's forced orders' mean fill price (start 100), weighted by the notional at entry
    each tick executed to the book (isolated and cross)."""
    rows = result.series[result.series["market"] == "ALT"]
    weight = rows["isolated_notional"] + rows["cross_notional"]
    return float((rows["fill_price"].fillna(0.0) * weight).sum() / weight.sum())


def clock_rows(runs) -> list[str]:
    rows = []
    for name, result in runs.items():
        moves, low = result.moves(), lowest_moves(result)
        rows.append(
            f"| {name} | {pct(moves['BTC'], 2)} ({pct(low['BTC'], 2)}) | "
            f"{pct(moves['ETH'], 2)} ({pct(low['ETH'], 2)}) | "
            f"{pct(moves['ALT'], 2)} ({pct(low['ALT'], 2)}) | "
            f"{pct(alt_largest_tick_fall(result), 2)} | "
            f"{usd(float(result.series['backstop_notional'].sum()))} | "
            f"{usd(result.liquidated_notional())} | "
            f"{pct(result.contagion_share(), signed=False)} | "
            f"{usd(result.ledger['bad_debt'])} | {usd(most_waiting(result))} |")
    return rows


def test_the_clock_table_is_the_runs_and_its_comparisons_hold():
    runs = clock_runs()
    section = doc_section()
    for row in clock_rows(runs):
        assert row in section, row
    free, fast, slow, whole, refill, half, all_on = runs.values()
    # a slower engine: a deeper fall in every market and more bad debt
    for market in ("BTC", "ETH", "ALT"):
        assert free.moves()[market] > fast.moves()[market] > slow.moves()[market]
    assert free.ledger["bad_debt"] < fast.ledger["bad_debt"] < slow.ledger["bad_debt"]
    # ALT falls in smaller steps, nothing reaches the backstop vault, and the moves are
    # those of the whole account at once
    assert alt_largest_tick_fall(free) < alt_largest_tick_fall(fast) \
        < alt_largest_tick_fall(slow) < 0
    assert free.series["backstop_notional"].sum() > 0
    assert slow.series["backstop_notional"].sum() == 0
    assert whole.series["backstop_notional"].sum() == 0
    assert {k: round(v, 6) for k, v in slow.moves().items()} == \
        {k: round(v, 6) for k, v in whole.moves().items()}
    assert slow.ledger["bad_debt"] > 3 * whole.ledger["bad_debt"]
    # ... but later, at lower prices
    assert alt_mean_fill(slow) < alt_mean_fill(whole)
    assert (f"on average at {alt_mean_fill(slow):.1f} against {alt_mean_fill(whole):.1f}"
            in " ".join(section.split()))
    # books that refill: the calm markets end near their start, ALT near its own path,
    # and fewer liquidations come from another market, though many still do
    for market in ("BTC", "ETH"):
        assert abs(refill.moves()[market]) < 0.1 * abs(free.moves()[market])
        assert lowest_moves(refill)[market] < refill.moves()[market]
    assert -0.31 < refill.moves()["ALT"] < -0.30
    assert 0.3 < refill.contagion_share() < free.contagion_share()
    # a permanent half lands in between, and an engine rate deepens it again
    for market in ("BTC", "ETH", "ALT"):
        assert refill.moves()[market] > half.moves()[market] > free.moves()[market]
        assert all_on.moves()[market] < half.moves()[market]


REBOUND_RUNS = (
    ("no rebound", Contagion()),
    ("ALT's path rises 10% over 300 s", Contagion(rebound=0.1, rebound_seconds=300.0)),
    ("ALT's path rises 30% over 600 s (back to the start)",
     Contagion(rebound=0.3, rebound_seconds=600.0)),
    ("back to the start, books refill 60 s",
     Contagion(rebound=0.3, rebound_seconds=600.0, resilience_half_life=60.0)),
)


def rebound_runs() -> dict:
    return runs_on_one_book(REBOUND_RUNS)


def test_the_rebound_table_is_the_runs_and_its_comparisons_hold():
    runs = rebound_runs()
    section = doc_section()
    for row in clock_rows(runs):
        assert row in section, row
    plain, some, back, refilled = runs.values()
    # the forced orders were all due during the fall: a rebound of the path undoes none
    for result in (some, back):
        assert result.liquidated_notional() == plain.liquidated_notional()
        assert result.ledger["bad_debt"] == plain.ledger["bad_debt"]
    # with books that never refill, the path's rise is all that comes back: ALT ends its
    # rise above where it ended without one, its forced selling's impact still on it
    for result, rise in ((some, 0.1), (back, 0.3)):
        assert abs(result.moves()["ALT"] - (plain.moves()["ALT"] + rise)) < 1e-9
    assert back.moves()["ALT"] < -0.31
    # with books that refill as well, every market ends within 0.01% of its start, though
    # the fall liquidated as much as in the refilling run without a rebound (the clock table)
    assert all(abs(move) < 1e-4 for move in refilled.moves().values())
    assert refilled.liquidated_notional() > 0.6 * plain.liquidated_notional()
    assert lowest_moves(refilled)["ALT"] < -0.3


if __name__ == "__main__":
    print("\n".join(table_rows()))
    print("\n".join(adl_rows(adl_runs())))
    print("\n".join(clock_rows(clock_runs())))
    print("\n".join(clock_rows(rebound_runs())))
