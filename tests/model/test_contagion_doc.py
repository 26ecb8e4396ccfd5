"""docs/model.md, "Accounts and several markets": the measured table is the model's output
(every figure re-computed here from the runs it names)."""

from pathlib import Path

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


def test_the_measured_table_is_the_runs():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Accounts and several markets"):text.index("## Sources")]
    for row in table_rows():
        assert row in section, row


if __name__ == "__main__":
    print("\n".join(table_rows()))
