"""Sentences built from results: the Learn page's wave-by-wave narration and the Compare
page's contrast. Plain functions of the model's objects (no Streamlit), so tests can check
every number against the result it came from."""

from __future__ import annotations

import numpy as np

from cascade import CascadeResult
from cascade.clock import TimedResult
from cascade.levels import scenario_levels
from cascade.response import cliff_figures
from cascade.scenario import CLOCK_FIELDS, Scenario

from .formats import pct, points, share, times, usd
from .knobs import label_of


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


def without_clock(scenario: Scenario) -> Scenario:
    """`scenario` with every clock field (cascade.scenario.CLOCK_FIELDS) at its default: the
    instant model at the same shock, which reaches the shock at once."""
    default = Scenario()
    return scenario.replace(**{name: getattr(default, name) for name in CLOCK_FIELDS})


def clock_not_applied(scenario: Scenario) -> str:
    """The Learn page's one line when the clock is on: which clock knobs it leaves out (their
    labels, in the knob table's order), and that the shock comes at once."""
    default = Scenario()
    names = [label_of(name) for name in CLOCK_FIELDS
             if getattr(scenario, name) != getattr(default, name)]
    return (f"This page walks through the instant model's waves, so the clock is not "
            f"applied here: {'; '.join(names)} left out, and the price moves "
            f"{pct(scenario.shock)} at once. The Explorer's Time section runs this scenario "
            f"in seconds.")


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
    sentence (default "A" and "B"). Timed curves (ResponseCurve.timed) say that each shock
    was the depth of the clock's path."""
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
    if a.timed:
        tried += " as the depths of the clock's path, each run read at its end"
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
    timed = isinstance(analysis_a.result, TimedResult) and isinstance(analysis_b.result,
                                                                       TimedResult)
    rows = [(f"Largest one-{'tick' if timed else 'wave'} move", points(a.largest_step), points(b.largest_step),
             f"{(b.largest_step - a.largest_step) * 100:+.1f} pts"),
            ("First liquidation at", pct(a.first_liquidation), pct(b.first_liquidation),
             f"{(b.first_liquidation - a.first_liquidation) * 100:+.1f} pts")]
    if a.bad_debt is not None and b.bad_debt is not None:
        rows.append(("Bad debt", usd(a.bad_debt), usd(b.bad_debt), usd(b.bad_debt - a.bad_debt)))
    return rows


# ------------------------------------------------------------------ Compare, in time

# The clock the Compare page's "Under a clock" button puts both crowds under (docs/model.md,
# Time, "Defaults and sensitivity"): each value from a published figure where one exists,
# and said to be an assumption where none does.
#   resilience_half_life 20 s: the LSE book's refill half-life when it refills at all
#       (Large 2007; in over 60% of cases it does not refill reliably);
#   permanent_impact 0.65: about 2/3 of peak impact stays (Bucci et al.), at the slider's
#       nearest step;
#   engine_rule hyperliquid: the documented rule of the venue that liquidated most on
#       10 Oct 2025 (a position above $100K sent 20% at a time, 30 s apart);
#   engine_rate off: no venue publishes a global engine rate, so none is invented;
#   path fall over 60 s: an assumption (the Scenario's default fall length), no source.
COMPARE_CLOCK = dict(engine_rate=0.0, resilience_half_life=20.0, permanent_impact=0.65,
                     engine_rule="hyperliquid", path="fall", fall_seconds=60.0, rebound=0.0,
                     rebound_seconds=60.0)


def lowest_point(result) -> tuple[float, float]:
    """(move, seconds) of a timed run's furthest traded price in its shock's direction: the
    lowest price after any tick on a fall (the highest on a rise), relative to P0, and the
    end of that tick in seconds (tick start + dt). The first such tick when several tie."""
    series = result.series
    prices = series["price"].to_numpy()
    at = int(np.argmin(prices) if result.shock <= 0 else np.argmax(prices))
    return (float(prices[at]) / result.market.price - 1.0,
            float(series["seconds"].iloc[at]) + result.tick_seconds)


def _seconds(value: float) -> str:
    """Seconds as the time rows write them: '35 s', '4 min 5 s' from 120 s up."""
    value = float(value)
    if value < 120:
        return f"{value:.0f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes:.0f} min {rest:.0f} s" if rest else f"{minutes:.0f} min"


def _signed_seconds(value: float) -> str:
    return f"{value:+.0f} s"


def _furthest_label(a, b) -> str:
    falls = {a.shock <= 0, b.shock <= 0}
    return {frozenset({True}): "Lowest move", frozenset({False}): "Highest move"}.get(
        frozenset(falls), "Furthest move")


# A timed run on a venue without accounts (no insurance fund, no fee) counts no bad debt.
NOT_COUNTED = "not counted"


def time_rows(a, b) -> list[tuple[str, str, str, str]]:
    """(metric, A, B, B - A) for two timed runs (cascade.clock.TimedResult): the furthest
    traded move and when, the peak minute (most notional executed in any 60 s), the time
    the engine took to clear what the run queued, the deepest fill past a liquidation price
    (slippage, relative to it) and bad debt (counted only where the venue keeps accounts:
    an insurance fund or a fee)."""
    (move_a, when_a), (move_b, when_b) = lowest_point(a), lowest_point(b)
    rows = [
        (_furthest_label(a, b), pct(move_a), pct(move_b), f"{(move_b - move_a) * 100:+.1f} pts"),
        ("Reached at", _seconds(when_a), _seconds(when_b), _signed_seconds(when_b - when_a)),
        ("Peak minute (notional)", usd(a.peak_minute_notional), usd(b.peak_minute_notional),
         usd(b.peak_minute_notional - a.peak_minute_notional)),
        ("Time to clear the queue", _seconds(a.clear_seconds), _seconds(b.clear_seconds),
         _signed_seconds(b.clear_seconds - a.clear_seconds)),
        ("Deepest fill past a liquidation price", pct(a.slippage, 2, signed=False),
         pct(b.slippage, 2, signed=False), f"{(b.slippage - a.slippage) * 100:+.2f} pts"),
    ]
    counted = [r.market.keeps_accounts for r in (a, b)]
    rows.append(("Bad debt", *(usd(r.bad_debt) if kept else NOT_COUNTED
                               for r, kept in zip((a, b), counted)),
                 usd(b.bad_debt - a.bad_debt) if all(counted) else "—"))
    return rows


def path_words(path) -> str:
    """A price path (cascade.paths.PricePath) in words: 'a -5.0% jump', 'a fall to -5.0%
    over 60 s', 'a fall to -5.0% over 60 s, then back to -2.0% over 30 s', or, for a path
    of more knots (a file's), 'a path of N knots over T'."""
    moves, times = path.moves, path.times
    if path.is_jump:
        return f"a {pct(float(moves[0]))} jump"
    if times.size == 2 and moves[0] == 0:
        return f"a move to {pct(float(moves[1]))} over {_seconds(times[1])}"
    if times.size == 3 and moves[0] == 0:
        return (f"a move to {pct(float(moves[1]))} over {_seconds(times[1])}, then to "
                f"{pct(float(moves[2]))} over {_seconds(times[2] - times[1])}")
    return f"a path of {times.size:,} knots over {_seconds(path.duration)}"


def same_path(a, b) -> bool:
    """Whether two timed runs followed the same exogenous path (equal knots)."""
    return (a.path is not None and b.path is not None
            and a.path.times.shape == b.path.times.shape
            and bool(np.all(a.path.times == b.path.times))
            and bool(np.all(a.path.moves == b.path.moves)))


def timed_contrast(a, b) -> str:
    """The Compare sentence for two timed runs: each side's furthest traded move and when
    it was reached (lowest_point), and how long the engine took to clear each side's
    liquidations (TimedResult.clear_seconds)."""
    (move_a, when_a), (move_b, when_b) = lowest_point(a), lowest_point(b)
    start = (f"Along the same path, {path_words(a.path)}," if same_path(a, b)
             else "Along their own paths,")
    if a.waves.empty and b.waves.empty:
        return (f"{start} neither A nor B liquidates anyone: the traded price goes no "
                f"further than the path, {pct(move_a)} and {pct(move_b)}.")
    low = "bottoms" if a.shock <= 0 and b.shock <= 0 else "goes furthest"

    def cleared(result, side) -> str:
        if result.waves.empty:
            return f"{side} liquidates no one"
        return f"{side}'s liquidations take the engine {_seconds(result.clear_seconds)} to clear"
    return (f"{start} A's traded price {low} at {pct(move_a)} after {_seconds(when_a)} and "
            f"B's at {pct(move_b)} after {_seconds(when_b)}; {cleared(a, 'A')} and "
            f"{cleared(b, 'B')}.")
