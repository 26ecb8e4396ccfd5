"""Sentences built from results: the Learn page's wave-by-wave narration and the Compare
page's contrast. Plain functions of the model's objects (no Streamlit), so tests can check
every number against the result it came from."""

from __future__ import annotations

import numpy as np

from cascade import CascadeResult
from cascade.levels import scenario_levels
from cascade.response import cliff_figures

from .formats import pct, points, share, times, usd


def _leverage_range(leverage: np.ndarray) -> str:
    low, high = float(leverage.min()), float(leverage.max())
    return times(low, 0) if round(low) == round(high) else f"{low:.0f}-{times(high, 0)}"


def wave_sentences(result: CascadeResult) -> list[str]:
    """One sentence per step: the shock, then each wave k with the traders it liquidated
    (count and leverage range), the net flow it forced into the book (USD at P0) and the
    price move after it (relative to the start)."""
    shock = result.shock
    fall = shock <= 0
    steps = [f"The shock: the price {'drops' if fall else 'rises'} {abs(shock):.1%} to "
             f"{result.price_path[1]:.1f}, before anyone is liquidated."]
    leverage = result.population.leverage
    for row in result.waves.itertuples():
        who = leverage[result.liquidated_in == row.wave]
        flow = abs(row.flow)
        steps.append(
            f"Wave {row.wave}: {row.count:,} trader{'s' if row.count != 1 else ''} at "
            f"{_leverage_range(who)} liquidated, {usd(flow)} "
            f"{'sold into' if row.flow >= 0 else 'bought from'} the book, price {pct(row.move)}.")
    if result.wave_count:
        steps[-1] += (f" Nobody new is reached: the cascade stops at {pct(result.total_move)}, "
                      f"{result.amplification:.1f}x the shock.")
    else:
        steps[-1] = steps[-1].replace("before anyone is liquidated",
                                      "and reaches no one's liquidation price")
    return steps


def contrast(a: CascadeResult, b: CascadeResult) -> str:
    """One sentence that states how far B's cascade went compared with A's."""
    same_shock = a.shock == b.shock
    start = f"From the same {pct(a.shock)} shock" if same_shock else "From their shocks"
    ratio = (f"{b.total_move / a.total_move:.1f} times A's move"
             if a.total_move != 0 else "while A does not move")
    return (f"{start}, A ends at {pct(a.total_move)} after {a.wave_count} wave"
            f"{'s' if a.wave_count != 1 else ''} and B at {pct(b.total_move)} after "
            f"{b.wave_count}: {ratio}, with {share(b.liquidated_share)} of B's open interest "
            f"liquidated against {share(a.liquidated_share)} of A's.")


def difference_rows(a: CascadeResult, b: CascadeResult) -> list[tuple[str, str, str, str]]:
    """(metric, A, B, B - A) for the numbers both results carry."""
    def amp(r):
        return r.amplification if np.isfinite(r.amplification) else float("nan")
    return [
        ("Final move", pct(a.total_move), pct(b.total_move),
         f"{(b.total_move - a.total_move) * 100:+.1f} pts"),
        ("Amplification", times(amp(a)), times(amp(b)), times(amp(b) - amp(a), signed=True)),
        ("Liquidated (share of OI)", f"{a.liquidated_share:.1%}", f"{b.liquidated_share:.1%}",
         f"{(b.liquidated_share - a.liquidated_share) * 100:+.1f} pts"),
        ("Liquidated (USD)", usd(a.liquidated_notional), usd(b.liquidated_notional),
         usd(b.liquidated_notional - a.liquidated_notional)),
        ("Waves", f"{a.wave_count}", f"{b.wave_count}", f"{b.wave_count - a.wave_count:+d}"),
    ]


# Two final moves closer than this (relative, 0.05 points) read as the same end.
SAME_END = 0.0005
RANGES_SHOWN = 3


def _stretches(kinds: list[str], shocks: np.ndarray) -> list[tuple[str, float, float]]:
    """Runs of equal kind along the grid: (kind, first shock, last shock)."""
    runs: list[tuple[str, float, float]] = []
    for kind, shock in zip(kinds, shocks):
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1], float(shock))
        else:
            runs.append((kind, float(shock), float(shock)))
    return runs


def _span(first: float, last: float) -> str:
    return (f"at {pct(first, 2)}" if first == last
            else f"from {pct(first, 2)} to {pct(last, 2)}")


def response_contrast(a, b, labels: dict[str, str] | None = None) -> str:
    """Which book ends further in the shock's direction, at which shocks of the grid, read
    off two response curves (cascade.response.ResponseCurve) on the same shocks: one clause
    per outcome (A worse, B worse, the same end within SAME_END), each listing the stretches
    of the grid where it holds (at most RANGES_SHOWN, then how many more), smallest shocks
    first. The shock 0 (no move for either) is left out. labels: the books' names in the
    sentence (default "A" and "B")."""
    if a.shocks.shape != b.shocks.shape or np.any(a.shocks != b.shocks):
        raise ValueError("curves: A and B must be drawn on the same shocks")
    labels = {"A": "A", "B": "B", **(labels or {})}
    keep = a.shocks != 0
    shocks = a.shocks[keep]
    if shocks.size == 0:
        return "No shock was tried."
    gap = a.direction * (b.final_moves[keep] - a.final_moves[keep])  # > 0: B went further
    kinds = ["same" if abs(g) < SAME_END else ("B" if g > 0 else "A") for g in gap]
    runs = _stretches(kinds, shocks)
    lower = "lower" if a.direction < 0 else "higher"
    clauses = []
    for kind in ("B", "A", "same"):
        spans = [_span(first, last) for k, first, last in runs if k == kind]
        if not spans:
            continue
        shown = spans[:RANGES_SHOWN]
        if len(spans) > RANGES_SHOWN:
            more = len(spans) - RANGES_SHOWN
            shown.append(f"{more} more stretch{'es' if more != 1 else ''}")
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        if kind == "same":
            clauses.append(f"both end within {SAME_END * 100:.2f} pts of each other {listed}")
        else:
            clauses.append(f"{labels[kind]} ends {lower} {listed}")
    never = [labels[side] for side in ("B", "A") if side not in kinds]
    text = "; ".join(clauses)
    if len(never) == 1:
        text += f"; {never[0]} never ends {lower}"
    step = abs(float(shocks[1] - shocks[0])) if shocks.size > 1 else 0.0
    tried = (f"shocks tried every {pct(step, 2, signed=False)} from {pct(shocks[0], 2)} to "
             f"{pct(shocks[-1], 2)}" if step else f"one shock tried, {pct(shocks[0], 2)}")
    return f"Over the {tried}: {text}."


def _whole_dollars(amount: float) -> float:
    """A difference of two sums that is under half a dollar is 0 (rounding, not a gap)."""
    return amount if abs(amount) >= 0.5 else 0.0


def level_rows(analysis_a, analysis_b) -> list[tuple[str, str, str, str]]:
    """(metric, A, B, B - A) for the books' level (cascade.levels.scenario_levels of two
    analysed synthetic scenarios): average leverage and total margin of the whole book, and
    the share of each crowd's open interest within +-10% of its own leverage."""
    a, b = (scenario_levels(x.scenario, x.result.population) for x in (analysis_a, analysis_b))
    center_a, center_b = analysis_a.scenario.center_leverage, analysis_b.scenario.center_leverage
    book_a, book_b = a["book"], b["book"]
    rows = [
        ("Average leverage (OI / margin)", times(book_a.average_leverage, 1),
         times(book_b.average_leverage, 1),
         times(book_b.average_leverage - book_a.average_leverage, 1, signed=True)),
        ("Total margin", usd(book_a.total_margin), usd(book_b.total_margin),
         usd(_whole_dollars(book_b.total_margin - book_a.total_margin))),
    ]
    if "crowd" in a and "crowd" in b:
        near_a, near_b = a["crowd"].share_near, b["crowd"].share_near
        rows.append((f"Crowd within ±10% of its leverage ({times(center_a, 0)}"
                     + (f" / {times(center_b, 0)})" if center_b != center_a else ")"),
                     f"{near_a:.0%}", f"{near_b:.0%}", f"{(near_b - near_a) * 100:+.0f} pts"))
    return rows


def cliff_rows(analysis_a, analysis_b) -> list[tuple[str, str, str, str]]:
    """(metric, A, B, B - A) for the figures beside the response curve
    (cascade.response.cliff_figures of each run): largest one-wave move, first liquidation
    and, when both venues keep accounts, bad debt."""
    a, b = (cliff_figures(x.result, x.liquidation_price, x.direction)
            for x in (analysis_a, analysis_b))
    rows = [("Largest one-wave move", points(a.largest_step), points(b.largest_step),
             f"{(b.largest_step - a.largest_step) * 100:+.1f} pts"),
            ("First liquidation at", pct(a.first_liquidation), pct(b.first_liquidation),
             f"{(b.first_liquidation - a.first_liquidation) * 100:+.1f} pts")]
    if a.bad_debt is not None and b.bad_debt is not None:
        rows.append(("Bad debt", usd(a.bad_debt), usd(b.bad_debt), usd(b.bad_debt - a.bad_debt)))
    return rows
