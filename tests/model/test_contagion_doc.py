"""docs/model.md, "Accounts and several markets": the measured tables are the model's output
(every figure re-computed here from the runs it names), and the comparisons the text draws
from the ADL table hold in those runs."""

from pathlib import Path

import numpy as np

from cascade.contagion import Contagion
from cascade_view.formats import pct, usd

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

RUNS = (
    ("Hyperliquid's rule", Contagion(), False),
    ("whole account at once", Contagion(rule="whole"), False),
    ("Hyperliquid's rule, the same book isolated", Contagion(), True),
    ("whole account at once, 95% of open interest cross", Contagion(rule="whole",
                                                                    cross_share=0.95), False),
)


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


def adl_runs() -> dict:
    book = ADL_RUNS[0][1].book()
    return {name: setup.run(book) for name, setup in ADL_RUNS}


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
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Accounts and several markets"):text.index("## Sources")]
    for row in table_rows():
        assert row in section, row


def test_the_adl_table_is_the_runs_and_its_comparisons_hold():
    runs = adl_runs()
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Accounts and several markets"):text.index("## Sources")]
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


if __name__ == "__main__":
    print("\n".join(table_rows()))
    print("\n".join(adl_rows(adl_runs())))
