"""Sentences built from results: the Learn page's wave-by-wave narration and the Compare
page's contrast. Plain functions of the model's objects (no Streamlit), so tests can check
every number against the result it came from."""

from __future__ import annotations

import numpy as np

from cascade import CascadeResult

from .formats import pct, share, times, usd


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
