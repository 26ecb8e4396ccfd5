"""The headline row and the one-line verdict: plain data from an Analysis, no Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .compute import Analysis
from .figures import pct, usd


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str
    delta: str | None = None


def metrics(analysis: Analysis) -> list[Metric]:
    result, shock = analysis.result, analysis.scenario.shock
    move = result.total_move
    waves = result.waves
    if len(waves):
        biggest = waves.loc[waves["notional"].idxmax()]
        largest = Metric("Largest wave", usd(biggest["notional"]),
                         "Notional (USD at entry) force-closed by the largest single wave.",
                         f"wave {int(biggest['wave'])} of {len(waves)}")
    else:
        largest = Metric("Largest wave", "none", "No position was liquidated.")
    amplification = ("n/a" if not math.isfinite(result.amplification)
                     else f"{result.amplification:.2f}x")
    return [
        Metric("Final move", pct(move),
               "Where the price ends after the last wave, relative to the start (100).",
               f"shock alone {pct(shock)}"),
        Metric("Amplification", amplification,
               "Final move divided by the shock: 1x means liquidations added nothing."),
        Metric("Liquidated", f"{result.liquidated_share:.1%}",
               "Share of all open interest (notional at entry) force-closed, and how much "
               "that is in USD.",
               f"{usd(result.liquidated_notional)} of OI"),
        Metric("Waves", f"{result.wave_count}",
               "Rounds of forced orders until one liquidates nobody."),
        largest,
        Metric("R at the shock", f"{analysis.branching_ratio:.2f}",
               "Branching ratio: how much the liquidations just past the shock move the "
               "price per unit of move. Below 1 each wave sets off a smaller one (damped); "
               "1 or more and the waves feed on themselves."),
    ]


def _words(direction: int) -> tuple[str, str]:
    return ("drop", "forced selling") if direction < 0 else ("rise", "forced buying")


def critical_sentence(analysis: Analysis) -> str:
    move, _ = _words(analysis.direction)
    critical = analysis.critical_shock
    if not math.isfinite(critical):
        return (f"No {move} tips this book into a runaway: R stays below 1 all the way "
                f"{'down' if analysis.direction < 0 else 'up'}.")
    if critical == 0:
        return f"This book runs away from any {move}."
    return (f"Critical shock: a {move} of {abs(critical):.1%} or more runs away in this book "
            f"(this one is {abs(analysis.scenario.shock):.1%}).")


def verdict(analysis: Analysis) -> tuple[str, str]:
    """(kind, sentence): kind is 'none', 'damped' or 'runaway'."""
    result, shock = analysis.result, analysis.scenario.shock
    move_word, flow = _words(analysis.direction)
    if result.wave_count == 0:
        return "none", (f"No liquidations: a {pct(shock)} {move_word} reaches no one's "
                        f"liquidation price, so the price stays at {pct(shock)}.")
    x = result.total_move
    waves = f"{result.wave_count} wave{'s' if result.wave_count > 1 else ''}"
    if analysis.runaway:
        return "runaway", (
            f"Runaway: {flow} took the price from {pct(shock)} to {pct(x)} "
            f"({result.amplification:.1f}x the shock) in {waves}, liquidating "
            f"{result.liquidated_share:.0%} of open interest; the waves fed on themselves "
            f"until the crowd was used up.")
    return "damped", (
        f"Damped: liquidations took the price {abs(x - shock) * 100:.1f} pts further than "
        f"the {pct(shock)} shock "
        f"(final {pct(x)}, {result.amplification:.2f}x) over {waves}, each setting off "
        f"less than it took, so the cascade died out.")
