"""The headline row and the one-line verdict: plain data from an Analysis, no Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cascade.analysis import Analysis
from cascade.case import book_exhausted
from cascade.clock import TimedResult
from cascade.synthetic import crowd_count
from cascade.theory import DEFAULT_WINDOW
from cascade.levels import NEAR_BAND, level_figures, scenario_levels
from cascade.response import cliff_figures

from .formats import pct, points, seconds, share, times, usd
from .time_figures import peak_minute


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str
    delta: str | None = None


def path_alone(result) -> tuple[str, float] | None:
    """Where the exogenous path alone leaves the price, for a timed run along a path that is
    not a jump: ("path alone", its move at the end, path.moves[-1]); None for a jump (the
    shock alone) or an instant run. The final move is read at the run's end, so the path is
    compared at its end too (after a rebound, above its deepest move)."""
    path = getattr(result, "path", None)
    if not isinstance(result, TimedResult) or path is None or path.is_jump:
        return None
    return "path alone", float(path.moves[-1])


def metrics(analysis: Analysis) -> list[Metric]:
    """The headline row. Without the clock: final move (against the shock alone),
    amplification, share liquidated, waves, the largest wave and the deciding ratio. With the
    clock (a TimedResult) the steps are the ticks that liquidated (1 s each), and along a
    path that is not a jump the final move is set against the path alone at its end."""
    result, shock = analysis.result, analysis.scenario.shock
    move = result.total_move
    waves = result.waves
    timed = isinstance(result, TimedResult)
    if len(waves) and timed:
        biggest = waves.loc[waves["notional"].idxmax()]
        largest = Metric("Largest tick", usd(biggest["notional"]),
                         "Notional (USD at entry) force-closed in the busiest single tick "
                         "(1 s) of the timed run.",
                         f"tick {int(biggest['tick'])}, at {seconds(biggest['seconds'])}")
    elif len(waves):
        biggest = waves.loc[waves["notional"].idxmax()]
        largest = Metric("Largest wave", usd(biggest["notional"]),
                         "Notional (USD at entry) force-closed by the largest single wave.",
                         f"wave {int(biggest['wave'])} of {len(waves)}")
    else:
        largest = Metric("Largest tick" if timed else "Largest wave", "none",
                         "No position was liquidated.")
    amplification = times(result.amplification)
    alone = path_alone(result)
    if alone is None:
        final = Metric("Final move", pct(move),
                       "Where the price ends after the last "
                       + ("tick of the timed run" if timed else "wave")
                       + ", relative to the start (100).",
                       f"shock alone {pct(shock)}")
    else:
        final = Metric("Final move", pct(move),
                       "Where the price ends when the timed run ends, relative to the start "
                       "(100). Under it: where the price path alone ends, without "
                       "liquidations (its move at the end, which a rebound lifts above its "
                       f"furthest move, {pct(shock)}).",
                       f"{alone[0]} {pct(alone[1])} at its end")
    steps = (Metric("Liquidating ticks", f"{result.wave_count}",
                    "Ticks (1 s each) in which the engine liquidated someone.")
             if timed else
             Metric("Waves", f"{result.wave_count}",
                    "Rounds of forced orders until one liquidates nobody."))
    return [
        final,
        Metric("Amplification", amplification,
               "Final move divided by the shock"
               + (" (the path's furthest move)" if alone is not None else "")
               + ": 1x means liquidations added nothing."),
        Metric("Liquidated", f"{result.liquidated_share:.1%}",
               "Share of all open interest (notional at entry) force-closed, and how much "
               "that is in USD.",
               f"{usd(result.liquidated_notional)} of OI"),
        steps,
        largest,
        deciding_metric(analysis),
    ]


TIMED_RATIO_LABEL = "Timed R × p"


def deciding_metric(analysis: Analysis) -> Metric:
    """The number the verdict is decided by (analysis.deciding_ratio), rounded down: "Peak R"
    without the clock, "Timed R × p" (with the R and p it is made of under it) with it."""
    if not analysis.timed:
        return Metric(
            "Peak R", ratio_text(analysis.deciding_ratio),
            "Branching ratio R: how far the positions liquidated over the last 1% of move "
            "push the price, per 1% of move. This is its peak over the stretch the price "
            "travelled. Below 1 everywhere the forced flow dies out (damped); at 1 or more "
            "somewhere, that stretch fed on itself (runaway), even if later waves shrink "
            "as the crowd is used up. The verdict is decided by this number.")
    return Metric(
        TIMED_RATIO_LABEL, ratio_text(analysis.deciding_ratio),
        "The timed ratio, the number the verdict is decided by with the clock on: the peak "
        "branching ratio R over the stretch the traded price travelled (R as if the book "
        "never refilled: how far the positions liquidated over the last 1% of move push the "
        "price, per 1% of move), times the persistence p, the share of the forced flow the "
        "engine had executed that was still on the price when it was furthest from the "
        "start (the rest the book's refill had taken back). Taken on the fall and on the "
        "rebound; the larger decides. 1 or more: runaway; below 1: held.",
        f"R {ratio_text(analysis.peak_branching_ratio)} × p {share(analysis.persistence)}")


def venue_metrics(analysis: Analysis) -> list[Metric]:
    """The venue row (issue 10), only when a venue mechanic is on: the engine steps, the
    fund's end balance, bad debt and ADL notional (the last three when accounts are kept)."""
    result = analysis.result
    market = result.market
    if not market.venue_mechanics:
        return []
    capacity = market.capacity_per_step(1 if analysis.direction < 0 else -1)
    rows = [Metric("Engine steps", f"{result.steps}",
                   "Steps the liquidation engine took until its queue was clear (with "
                   "unlimited capacity a step is a wave).",
                   f"{usd(capacity)} per step" if capacity < float("inf") else "no cap")]
    ledger = result.ledger
    if ledger is None:
        return rows
    exhausted = result.fund_exhausted_step
    rows += [
        Metric("Fund left", usd(ledger["fund_end"]),
               f"The insurance fund after the last step: its start ({usd(ledger['fund_start'])}"
               "), plus fees and fills above bankruptcy, minus fills below it. It never "
               "goes below zero; the step that first emptied it is shown under it, and "
               "\"then refilled\" when fees and fills above bankruptcy paid into it after "
               "that, so a fund that ends above zero can sit beside bad debt.",
               _fund_delta(exhausted, ledger["fund_end"]) if exhausted > 0 else
               f"of {usd(ledger['fund_start'])}"),
        Metric("Bad debt", usd(result.bad_debt),
               "Losses below bankruptcy that neither the fund nor ADL covered (USD)."),
        Metric("Auto-deleveraged", usd(result.adl_notional),
               "Bankrupt positions closed against profitable opposite traders at the "
               "bankruptcy price instead of through the book (USD at that price).",
               f"{result.adl_positions:,} traders" if market.adl else "ADL off"),
    ]
    return rows


def _fund_delta(exhausted: int, fund_end: float) -> str:
    """Under the fund's end balance: the step that first emptied it, and, when it ends above
    zero, that it refilled after (from fees and fills above bankruptcy)."""
    if fund_end > 0:
        return f"empty at step {exhausted}, then refilled"
    return f"empty at step {exhausted}"


def ratio_text(ratio: float) -> str:
    """R rounded *down* (2 decimals; 1 from 10 up; none from 100 up), so 0.999 reads 0.99, never 1.00: the shown
    number is on the same side of 1 as the number the verdict is decided by."""
    if ratio >= 100:
        return f"{math.floor(ratio):,}"
    if ratio >= 10:
        return f"{math.floor(ratio * 10) / 10:.1f}"
    return f"{math.floor(ratio * 100) / 100:.2f}"


def _words(direction: int) -> tuple[str, str]:
    return ("drop", "forced selling") if direction < 0 else ("rise", "forced buying")


def size(move: float) -> str:
    """The unsigned size of a relative move: -0.05 -> '5.0%'."""
    return pct(move, signed=False)


def critical_sentence(analysis: Analysis) -> str:
    move, _ = _words(analysis.direction)
    critical = analysis.critical_shock
    if not math.isfinite(critical):
        return _instant(analysis, f"No {move} tips this book into a runaway: R stays below "
                                  f"1 all the way {'down' if analysis.direction < 0 else 'up'}.")
    if critical == 0:
        return _instant(analysis, f"This book runs away from any {move}.")
    return _instant(analysis, f"Critical shock: a {move} of {size(critical)} or more runs "
                              f"away in this book (this one is "
                              f"{size(analysis.scenario.shock)}).")


def _instant(analysis: Analysis, sentence: str) -> str:
    """A sentence of the instant model, said to be so when the verdict came from the clock."""
    return f"Without the clock: {sentence}" if analysis.timed else sentence


def robustness_sentence(analysis: Analysis) -> str:
    """How sure the verdict is: the same knobs, other seeds ('' for a book the user
    brought, which has no other draws)."""
    sure = analysis.robustness
    if sure is None:
        return ""
    rule = (", each run on the clock and decided by its timed ratio R × p" if analysis.timed
            else "")
    if sure.books < sure.planned:
        rule += (f"; only the first {sure.books} of {sure.planned}: their runs took "
                 f"{sure.ticks:,} ticks of the clock, the most the page spends on this check")
    books = "book" if sure.books == 1 else "books"
    return (f"Runaway in {sure.runaways} of {sure.books} other {books} drawn like this one "
            f"({sure.traders:,} traders each, seeds {analysis.scenario.seed + 1}-"
            f"{analysis.scenario.seed + sure.books}{rule}).")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def tipping_traders(analysis: Analysis) -> str:
    """Who sits at the tipping point: the traders whose liquidation prices lie in the 1%
    stretch (cascade.theory.DEFAULT_WINDOW) that R is measured over, ending at the tipping
    move x_c, on the side the move hits. Named by the leverage holding the median of their
    notional (e.g. "the background's 125x traders"); for a synthetic book also by whether
    most of that notional is the crowd (the first crowd_count positions) or the background.
    '' when the book never tips."""
    tipping = analysis.tipping_move
    if not math.isfinite(tipping):
        return ""
    result = analysis.result
    population = result.population
    distance = analysis.direction * (analysis.liquidation_price / result.market.price - 1.0)
    side = population.is_long if analysis.direction < 0 else ~population.is_long
    reach = abs(tipping)
    window = side & (distance <= reach + 1e-12) & (distance > reach - DEFAULT_WINDOW)
    if not window.any():
        window = side & (np.abs(distance - reach) == np.abs(distance[side] - reach).min())
    index = np.flatnonzero(window)
    notional = population.notional[index]
    leverage = population.leverage[index]
    order = np.argsort(leverage, kind="stable")
    middle = np.searchsorted(np.cumsum(notional[order]), notional.sum() / 2.0)
    typical = leverage[order][min(middle, order.size - 1)]
    text = f"{times(typical, 1 if typical < 10 else 0)} traders"
    if analysis.robustness is None:  # a book the user brought: no crowd to name
        return f"the {text}"
    scenario = analysis.scenario
    crowd = crowd_count(scenario.n, scenario.cluster_share)
    in_crowd = notional[index < crowd].sum() > notional.sum() / 2.0
    if in_crowd:
        return f"the crowd's {text}"
    return (f"the background's {text} (not the {times(scenario.center_leverage, 0)} crowd)"
            if crowd else f"the background's {text}")


def _steps_text(analysis: Analysis) -> str:
    """How the liquidations came: 'N waves' with how their sizes went (each bigger than the
    last, each smaller, or grew to wave k and then shrank), or, when the engine is capped,
    'N engine steps of at most $C' with how many ran at the cap; both read off the run."""
    result = analysis.result
    notional = result.waves["notional"].to_numpy()
    capacity = result.market.capacity_per_step(1 if analysis.direction < 0 else -1)
    if math.isfinite(capacity):
        full = int(np.sum(notional >= capacity * (1 - 1e-9)))
        return (f"{_plural(result.wave_count, 'engine step')} of at most {usd(capacity)}, "
                f"{full:,} of them at the cap")
    waves = _plural(result.wave_count, "wave")
    if notional.size < 2:
        return waves
    change = np.diff(notional)
    if (change > 0).all():
        return f"{waves}, each bigger than the last"
    if (change < 0).all():
        return f"{waves}, each smaller than the last"
    peak = int(np.argmax(notional))
    if 0 < peak < notional.size - 1 and (change[:peak] > 0).all() and (change[peak:] < 0).all():
        return f"{waves}, growing to wave {peak + 1} ({usd(notional[peak])}) and then shrinking"
    return f"{waves}, the largest wave {peak + 1} ({usd(notional[peak])})"


def verdict(analysis: Analysis) -> tuple[str, str]:
    """(kind, sentence): kind is 'none', 'damped' or 'runaway', decided by the deciding
    ratio alone (analysis.runaway: the peak R, or with the clock the timed ratio R x p,
    whose sentence opens "Held:" when damped); the sentence says which way the cascade got
    there, with the number it was decided by."""
    result, shock = analysis.result, analysis.scenario.shock
    if analysis.timed and result.wave_count:
        return timed_verdict(analysis)
    move_word, flow = _words(analysis.direction)
    if result.wave_count == 0:
        if shock == 0:
            return "none", "No liquidations: with no shock, no one's liquidation price is reached."
        alone = path_alone(result)
        if alone is not None:
            return "none", (f"No liquidations: the price path, out to {pct(shock)} at its "
                            f"furthest, reaches no one's liquidation price, so the price ends where "
                            f"the path alone ends, at {pct(result.total_move)}.")
        return "none", (f"No liquidations: a {size(shock)} {move_word} reaches no one's "
                        f"liquidation price, so the price stays at {pct(result.total_move)}.")
    x = result.total_move
    peak = ratio_text(analysis.peak_branching_ratio)
    floor = (" The price hit the model's floor (a millionth of the start), where every "
             "remaining long is liquidated; it cannot fall further." if analysis.at_floor else "")
    if analysis.runaway:
        tipping = analysis.tipping_move
        who = tipping_traders(analysis)
        if abs(shock) >= abs(tipping):
            how = (f"the {size(shock)} {move_word} alone jumped past the tipping point at "
                   f"{pct(tipping)}, where {who} are liquidated (peak R {peak}); "
                   f"{flow} then took the price on to {pct(x)}")
        else:
            how = (f"{flow} took the price from {pct(shock)} past the tipping point at "
                   f"{pct(tipping)}, where {who} are liquidated (peak R {peak}), "
                   f"on to {pct(x)}")
        return "runaway", (
            f"Runaway: {how} ({times(result.amplification, 1)} the shock) in "
            f"{_steps_text(analysis)}, liquidating "
            f"{result.liquidated_share:.0%} of open interest.{floor}")
    further = abs(x - shock) * 100
    if result.wave_count == 1:
        how = (f"the one wave the {size(shock)} {move_word} set off moved the price "
               f"{further:.1f} pts further, to {pct(x)}, and reached no one else")
    else:
        how = (f"liquidations took the price {further:.1f} pts further than the "
               f"{size(shock)} {move_word}, to {pct(x)} ({times(result.amplification)}), over "
               f"{_steps_text(analysis)}")
    return "damped", (f"Damped: {how}. R stayed below 1 (peak {peak}), so the {flow} could "
                       f"not feed on itself.{floor}")


def _floor_sentence(analysis: Analysis) -> str:
    return (" The price hit the model's floor (a millionth of the start), where every "
            "remaining long is liquidated; it cannot fall further." if analysis.at_floor else "")


def timed_verdict(analysis: Analysis) -> tuple[str, str]:
    """The verdict of a timed run that liquidated someone (analysis.timed): (kind, sentence),
    kind 'runaway' or 'damped' (the sentence opens "Held:"), decided by the timed ratio
    R x p of the deciding stretch (analysis.deciding, docs/model.md "The verdict with
    time"). The sentence gives R, p, the extreme they were read at and the ratio, then what
    the run did: how far the forced flow took the price past the path's own extreme, the
    share of open interest liquidated and where the price ends."""
    result, stretch = analysis.result, analysis.deciding
    extreme = stretch.extreme
    fall = stretch.direction < 0
    flow = "forced selling" if fall else "forced buying"
    where = "lowest" if fall else "highest"
    path = result.path
    leg = "the fall" if fall else ("the rebound" if path.low < 0 else "the rise")
    peak, ratio = ratio_text(stretch.peak_ratio), ratio_text(stretch.ratio)
    refills = result.market.resilience_half_life is not None
    at = (f"when it was at its {where}, {pct(extreme.move)} at "
          f"{seconds(extreme.seconds)}")
    if extreme.flow <= 0:
        held = (f"no {flow} had executed yet when the price was at its {where}, "
                f"{pct(extreme.move)} at {seconds(extreme.seconds)}, so p is 100%")
    elif extreme.persistence >= 1:
        held = (f"all of the {flow} was still on the price {at} (the book "
                f"{'had refilled none of it' if refills else 'does not refill'})")
    else:
        held = (f"{share(extreme.persistence)} of the {flow} was still on the price {at} "
                f"(the book had refilled the rest)")
    travelled = (f"the book's R peaked at {peak} over the stretch the price "
                 f"{'fell' if fall else 'rose'} (R as if the book never refilled)")
    if analysis.runaway:
        head = (f"Runaway on {leg}: the {flow} fed on itself"
                f"{' faster than the book refilled' if refills else ''}. "
                f"{travelled[0].upper()}{travelled[1:]}, and {held}, so the timed ratio "
                f"R × p is {ratio}, 1 or more.")
    elif stretch.peak_ratio < 1:
        head = (f"Held on {leg}: R stayed below 1 even as if the book never refilled (peak "
                f"{peak}), and {held}, so the timed ratio R × p is {ratio}, below 1.")
    else:
        head = (f"Held on {leg}: {travelled}, but only {held}, so the timed ratio R × p is "
                f"{ratio}, below 1.")
    path_extreme = path.low if fall else path.high
    beyond = (path_extreme - extreme.move) if fall else (extreme.move - path_extreme)
    if beyond >= 0.0005:
        went = (f"The {flow} took the price {points(beyond)} past the path's own "
                f"{pct(path_extreme)}, to {pct(extreme.move)}")
    else:
        went = (f"The price went no further than the path's own {pct(path_extreme)} "
                f"({where} {pct(extreme.move)})")
    return ("runaway" if analysis.runaway else "damped",
            f"{head} {went}; the run liquidated {share(result.liquidated_share)} of open "
            f"interest in {seconds(result.clear_seconds)} and the price ends at "
            f"{pct(result.total_move)}.{_floor_sentence(analysis)}")


def exhausted_sentence(analysis: Analysis) -> str:
    """The warning when the forced flow walked past the last level of the order book
    (cascade.case.book_exhausted); "" when it did not or there is no order book."""
    if not book_exhausted(analysis.result):
        return ""
    return ("The forced flow walked past the last level of the order book: beyond it the "
            "price moved at the book's average rate.")


def level_sentence(analysis: Analysis, crowd: bool = True) -> str:
    """The book's level (issue 16 item 2, cascade.levels): average leverage = open interest /
    total margin, the total margin and, for a synthetic book (`crowd`), the crowd's own and
    the share of its open interest within +-10% of its leverage. Tightness changes none of
    these but the share."""
    center_leverage = analysis.scenario.center_leverage
    population = analysis.result.population
    levels = (scenario_levels(analysis.scenario, population) if crowd
              else {"book": level_figures(population)})
    book = levels["book"]
    text = (f"Level: average leverage {times(book.average_leverage, 1)} "
            f"(open interest {usd(book.open_interest)} on {usd(book.total_margin)} of margin)")
    crowd = levels.get("crowd")
    if crowd is None:
        return text + "."
    band = round(NEAR_BAND * 100)
    return (text + f"; the crowd: {times(crowd.average_leverage, 1)} on "
            f"{usd(crowd.total_margin)}, {crowd.share_near:.0%} of it within ±{band}% of "
            f"{times(center_leverage, 0)}.")


def cliff_metrics(analysis: Analysis) -> list[Metric]:
    """The figures beside the response curve (cascade.response.cliff_figures of the run): the
    largest one-wave move, the move before the first liquidation and, where the venue keeps
    accounts, bad debt."""
    direction = analysis.direction
    figures = cliff_figures(analysis.result, analysis.liquidation_price, direction)
    first = figures.first_liquidation
    timed = isinstance(analysis.result, TimedResult)
    step = (Metric("Largest one-tick move", points(figures.largest_step),
                   "From the timed run (the clock is on): the largest price move from one "
                   "liquidating tick (1 s) to the next, in points of the start price; along "
                   "a path it includes the path's own move between them.")
            if timed else
            Metric("Largest one-wave move", points(figures.largest_step),
                   "The largest price move of a single wave, in points of the start price: "
                   "a cliff drops in one wave, a ramp in many small ones."))
    rows = [
        step,
        Metric("First liquidation at", pct(first) if math.isfinite(first) else "none",
               "How far the price moves before anyone is liquidated: the nearest "
               f"liquidation price on the side a {_words(direction)[0]} reaches (a property "
               "of the book, the same with or without the clock)."),
    ]
    if figures.bad_debt is not None:
        rows.append(Metric("Bad debt", usd(figures.bad_debt),
                           "Losses below bankruptcy that neither the fund nor ADL covered"
                           + (", in the timed run." if timed else ".")))
    return rows


def time_metrics(analysis: Analysis) -> list[Metric]:
    """The Time section's row (issue 17), only when the run has a clock (a
    cascade.TimedResult; [] otherwise): the peak minute of liquidations (USD at entry, and
    from when to when), the seconds the engine took to clear its queue (with the largest
    queue), the deepest fill past a liquidation price (TimedResult.slippage, relative to that
    price) and bad debt (USD; "not kept" when the run keeps no accounts)."""
    result = analysis.result
    if not isinstance(result, TimedResult):
        return []
    liquidated = result.wave_count > 0
    peak = peak_minute(result.series, result.tick_seconds)
    if peak is None:
        peak_row = Metric("Peak minute", "none", "No position was liquidated.")
    else:
        peak_row = Metric(
            "Peak minute", usd(peak.notional),
            "The most notional (USD at entry, longs and shorts) liquidated in any 60 "
            "seconds of the run, and when: from the start of the first second in that "
            "minute that liquidated anyone to the end of the last.",
            f"{seconds(peak.start)} to {seconds(peak.end)}")
    if liquidated:
        ticks = result.waves["seconds"].to_numpy(dtype=float)
        first, last = ticks[0], ticks[-1] + result.tick_seconds
        clear_row = Metric(
            "Queue cleared in", seconds(result.clear_seconds),
            "Seconds from the start of the first second that liquidated anyone to the end "
            "of the last: how long the engine took to execute everything the price reached "
            "(a quiet stretch between two falls counts too). Under it, from when to when, "
            "and the most notional (USD at entry) ever waiting in the engine's queue.",
            f"{seconds(first)} to {seconds(last)}; queue peak {usd(result.peak_queue)}")
    else:
        clear_row = Metric("Queue cleared in", "none", "No position was liquidated.")
    slip = result.slippage
    if not liquidated:
        slip_row = Metric("Deepest fill", "none", "No position was liquidated.")
    else:
        where = ("past its liquidation price" if slip > 0 else
                 "at its liquidation price" if slip == 0 else
                 "every fill better than its liquidation price")
        slip_row = Metric(
            "Deepest fill", pct(slip, 2, signed=False),
            "Slippage: the deepest fill past a liquidation price, relative to that price "
            "(%). Each second's liquidations fill at the average price of walking the "
            "book for that second's forced flow, so a long can fill below its liquidation "
            "price and a short above it.", where)
    ledger = result.ledger
    if ledger is None:
        debt_row = Metric(
            "Bad debt", "not kept",
            "Losses below bankruptcy that no fund covered (USD). This run keeps no "
            "accounts: set an insurance fund or a liquidation fee in the Venue section to "
            "count them.", "no accounts kept")
    else:
        debt_row = Metric(
            "Bad debt", usd(result.bad_debt),
            "Losses below bankruptcy that the insurance fund did not cover (USD), settled "
            "each second at that second's fill.", f"fund left {usd(ledger['fund_end'])}")
    return [peak_row, clear_row, slip_row, debt_row]


def time_sentence(analysis: Analysis) -> str:
    """The Time section's line about the run: how long it lasted, in ticks of how long, and
    in how many the engine liquidated positions ('' without a clock)."""
    result = analysis.result
    if not isinstance(result, TimedResult):
        return ""
    ticks = len(result.series)
    return (f"This run lasted {seconds(result.duration)}: {_plural(ticks, 'tick')} of "
            f"{seconds(result.tick_seconds)}, in {result.wave_count:,} of which the engine "
            f"liquidated positions.")
