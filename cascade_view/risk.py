"""The Risk page's words and choices (pure): which knob to vary over which values, where
the ensemble runs, and the sentences a stakeholder can repeat. The Dask client and the
session's stored results are cascade_ui/risk.py.

Where it runs: the Dask scheduler named by the environment variable
CASCADE_DASK_SCHEDULER (e.g. tcp://10.0.0.5:8786), else a LocalCluster on this machine's
cores, started once per server and shared by every session.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from cascade import Scenario
from cascade.contagion import Contagion
from cascade.ensemble import books_needed, summarize

from .contagion_figures import path_words
from .formats import decimals, pct, share, usd
from .knobs import KNOBS as TABLE
from .knobs import VARIED, label_of

SCHEDULER_ENV = "CASCADE_DASK_SCHEDULER"
# Knobs the page can vary: every Scenario field but the book's size and seed.
KNOBS = VARIED
DEFAULT_KNOB = "tightness"
MIN_POINTS = 2
DEFAULT_POINTS = 5
MAX_POINTS = 11
MIN_SEEDS = 10
DEFAULT_SEEDS = 100
MAX_SEEDS = 10_000
# Starting ranges where the slider's whole span is not the interesting one.
DEFAULT_RANGES = {"shock": (-0.10, -0.01), "center_leverage": (5.0, 50.0),
                  "depth": (10e6, 300e6), "open_interest": (500e6, 10e9)}
RESULTS_KEPT = 4
CONNECT_TIMEOUT = 4.0     # s to reach CASCADE_DASK_SCHEDULER: the page says it cannot within 5 s


# ------------------------------------------------------------------ knob values


def default_range(name: str) -> tuple:
    control = TABLE[name]
    if name in DEFAULT_RANGES:
        low, high = DEFAULT_RANGES[name]
        return (control.snap(low), control.snap(high))
    if control.kind == "log":
        return (control.options[0], control.options[-1])
    return (control.low, control.high)


def knob_values(name: str, low=None, high=None, points: int = DEFAULT_POINTS) -> list:
    """The values an ensemble covers: for a slider `points` evenly spaced values from low
    to high, rounded to the slider's step; for a log picker its stops from low to high,
    thinned evenly to at most `points`; for a choice every option."""
    control = TABLE[name]
    if control.kind == "choice":
        return list(control.options)
    if control.kind == "log":
        stops = [v for v in control.options if low <= v <= high]
        picks = np.unique(np.round(np.linspace(0, len(stops) - 1, min(points, len(stops)))))
        return [float(stops[int(i)]) for i in picks]
    values = np.round(np.linspace(low, high, points), decimals(control.step))
    return [float(v) for v in dict.fromkeys(values)]


def value_label(name: str, value) -> str:
    """A knob value as the sidebar shows it: -5%, 20x, 0.50, $70M, lognormal."""
    return TABLE[name].shown(value, dollar=True)


# ------------------------------------------------------------------ running


@dataclass(frozen=True)
class Request:
    """One ensemble: the scenario, the knob and its values, and how many books per value
    (seeds scenario.seed, scenario.seed + 1, ...: the Explorer's book is the first)."""
    scenario: Scenario
    knob: str
    values: tuple
    seeds: int

    @property
    def seed_range(self) -> range:
        return range(self.scenario.seed, self.scenario.seed + self.seeds)

    @property
    def vary(self) -> dict:
        return {self.knob: list(self.values)}

    @property
    def books(self) -> int:
        return self.seeds * len(self.values)

    def key(self) -> str:
        return f"{self.scenario.to_json()}|{self.knob}|{self.values!r}|{self.seeds}"


def verdict_rule(scenario: Scenario) -> str:
    """How a book's verdict is decided, as the runaway chart names it: the Explorer's rule
    (cascade.analysis.verdict_of, which every ensemble row uses), the peak branching ratio
    R >= 1 without the clock, the timed ratio R x p >= 1 with it (Scenario.clock)."""
    return "timed ratio R × p >= 1" if scenario.clock else "peak branching ratio R >= 1"


def scheduler_address() -> str | None:
    return os.environ.get(SCHEDULER_ENV) or None


def where(address: str | None) -> str:
    if address:
        return f"the Dask cluster at `{address}` (set by `{SCHEDULER_ENV}`)"
    return f"a local Dask cluster of {os.cpu_count() or 1} worker processes on this server"


# ------------------------------------------------------------------ the sentence


def share_words(p: float) -> str:
    """0 -> 'none', 1 -> 'all', 0.004 -> 'under 1%', 0.97 -> '97%'."""
    if p == 0:
        return "none"
    if p == 1:
        return "all"
    if p < 0.01:
        return "under 1%"
    if p > 0.99:
        return "over 99%"
    return f"{p:.0%}"


def of_books(p: float, books: str = "books") -> str:
    """'97% of books', 'all books', 'no books' (with books='those': 'none of those')."""
    if p == 1:
        return f"all {books}" if books == "books" else f"all of {books}"
    if p == 0:
        return f"no {books}" if books == "books" else f"none of {books}"
    return f"{share_words(p)} of {books}"


def _with_interval(p: float, low: float, high: float, first: bool) -> str:
    """'90% of books (95% interval 60% to 98%)'; later ones shorter: '50% (24% to 76%)'.
    Ends within 1e-12 of 0 or 1 (Wilson's rounding at k = 0 or k = n) read 0% and 100%."""
    low, high = (0.0 if low < 1e-12 else low), (1.0 if high > 1 - 1e-12 else high)
    if first:
        return f"{of_books(p)} (95% interval {share(low)} to {share(high)})"
    return f"{share_words(p)} ({share(low)} to {share(high)})"


def headline(summary: pd.DataFrame, request: Request) -> str:
    """The sentence to repeat: the share of books that ran away at every value of the knob,
    in the knob's order, each with its 95% Wilson interval (none left out).

    'Across 100 books per setting, a -5.0% shock ran away in no books (95% interval 0% to
    3.7%) with clustering tightness 0.00, 48% (38% to 58%) with 0.50 and 97% (92% to 99%)
    with 1.00.'"""
    name, scenario = request.knob, request.scenario
    p = summary["p_runaway"].to_numpy(dtype=float)
    low = summary["p_runaway_low"].to_numpy(dtype=float)
    high = summary["p_runaway_high"].to_numpy(dtype=float)
    label = label_of(name).lower()
    value = [value_label(name, v) for v in summary[name]]
    opening = f"Across {request.seeds:,} books per setting, "
    if (p == p[0]).all() and (low == low[0]).all() and (high == high[0]).all():
        shock = "the shocks" if name == "shock" else f"a {pct(scenario.shock)} shock"
        return (f"{opening}{shock} ran away in {_with_interval(p[0], low[0], high[0], True)} "
                f"whatever the {label}, from {value[0]} to {value[-1]}.")
    parts = [_with_interval(*row, first=i == 0) for i, row in enumerate(zip(p, low, high))]
    if name == "shock":
        told = [f"a {v} shock in {part}" for v, part in zip(value, parts)]
        return f"{opening}{_listed(told)} ran away."
    told = [f"{part} with {label + ' ' if i == 0 else ''}{v}"
            for i, (part, v) in enumerate(zip(parts, value))]
    return f"{opening}a {pct(scenario.shock)} shock ran away in {_listed(told)}."


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def tail_sentence(summary: pd.DataFrame, request: Request) -> str:
    """Where the 1-in-100 move was worst and mildest; when the books cannot back a q99
    (fewer than books_needed(0.99) per setting) it says so instead of quoting one."""
    name = request.knob
    q99 = summary["q99"].to_numpy(dtype=float)
    needed = books_needed(0.99)
    if not np.isfinite(q99).any():
        return (f"The 1-in-100 tail needs at least {needed:,} books per setting, so that one "
                f"book lies beyond it; this run has {request.seeds:,}, so it is not shown. "
                f"The 5% and 95% marks need {books_needed(0.95):,}.")
    finite = np.flatnonzero(np.isfinite(q99))
    order = finite[np.argsort(np.abs(q99[finite]))]
    mild, worst = int(order[0]), int(order[-1])
    label = label_of(name).lower()
    value = [value_label(name, v) for v in summary[name]]
    return (f"1 book in 100 ended at {pct(q99[worst])} or beyond with {label} {value[worst]}, "
            f"against {pct(q99[mild])} with {value[mild]}.")


def summary_of(frame: pd.DataFrame, request: Request) -> pd.DataFrame:
    return summarize(frame, request.scenario, [request.knob])


def summary_display(summary: pd.DataFrame, request: Request) -> pd.DataFrame:
    """The summary as the page's table: labels, moves and probabilities in %."""
    name = request.knob
    shown = pd.DataFrame({label_of(name): [value_label(name, v) for v in summary[name]],
                          "Books": summary["books"]})
    for column, title in (("mean_move", "Mean move"), ("q05", "5%"), ("q50", "Median"),
                          ("q95", "95%"), ("q99", "99% (1 in 100 worse)")):
        level = int(column[1:]) / 100 if column.startswith("q") else None
        shown[title] = [pct(v, 2) if np.isfinite(v) else
                        f"needs {books_needed(level):,} books" for v in summary[column]]
    shown["P(runaway) (95% interval)"] = [
        f"{p:.1%} ({lo:.1%} to {hi:.1%})" for p, lo, hi in
        summary[["p_runaway", "p_runaway_low", "p_runaway_high"]].to_numpy()]
    return shown


# ------------------------------------------------------------------ cross margin (issue 19)
# The section that varies the share of open interest in cross accounts for a contagion
# setup (cascade.contagion.Contagion at the Contagion page's defaults): one run per share
# on the same seed (cascade.sweep.cross_share_curve), drawn against the share.

CROSS_ACCOUNTS = 20_000   # synthetic accounts per run: 11 runs in about 1 s on one core
CROSS_RULES = {"Hyperliquid's rule": "hyperliquid", "Whole account at once": "whole"}
CROSS_FALLS = (-60, -5, -30)          # the fall slider: lowest, highest, default (%)
CROSS_DURATIONS = (0, 60, 300, 600)   # seconds the fall takes (0: a jump)
CROSS_DEFAULT_SECONDS = 600
MAX_CROSS_SEED = 2**31 - 1


def calm_markets(setup: Contagion) -> list[str]:
    """The markets whose own path is flat: moved only through the accounts."""
    return [name for name in setup.markets if name != setup.shocked]


def rule_label(rule: str) -> str:
    return next(label for label, value in CROSS_RULES.items() if value == rule)


def fall_words(setup: Contagion) -> str:
    """"ALT's own path falls 30% over 600 s" or "... at once" (contagion_figures.path_words)."""
    return f"{setup.shocked}'s own path {path_words(setup)}"


def cross_setup_caption(setup: Contagion, curve: pd.DataFrame) -> str:
    """What was run: the accounts, markets, the shares and the rule."""
    markets = ", ".join(f"{name} (open interest {usd(oi)}, {usd(depth)} moves it 1%)"
                        for name, oi, depth in zip(setup.markets, setup.open_interest,
                                                   setup.depth))
    shares = curve["cross_share"].to_numpy(dtype=float)
    return (f"{len(shares)} runs, one per share of open interest in cross accounts from "
            f"{share(shares[0])} to {share(shares[-1])}, each on {setup.accounts:,} "
            f"synthetic accounts drawn with seed {setup.seed}: {markets}. "
            f"{fall_words(setup)}; {rule_label(setup.rule)}; the venue fund starts at "
            f"{usd(setup.insurance_fund)}.")


def _moves_at(curve: pd.DataFrame, row: int, names: list[str]) -> str:
    """'BTC moves -12.8% and ETH -14.2%'."""
    moves = [pct(curve[f"move_{name}"].iloc[row]) for name in names]
    return _listed([f"{names[0]} moves {moves[0]}"]
                   + [f"{name} {move}" for name, move in zip(names[1:], moves[1:])])


def cross_sentence(curve: pd.DataFrame, setup: Contagion) -> str:
    """The sentence to repeat: the calm markets' moves at the first and the last share, and
    the two neighbouring shares between which they changed most (the largest change of any
    calm market's move from one share run to the next).

    ALT's own path falls 30% over 600 s: with 0% of open interest in cross accounts BTC and
    ETH do not move; with 100%, BTC moves -12.8% and ETH -14.2%. They changed most between
    70% and 80%: BTC from -1.6% to -11.9%, ETH from -2.3% to -13.9%."""
    calm = calm_markets(setup)
    shares = curve["cross_share"].to_numpy(dtype=float)
    moves = curve[[f"move_{name}" for name in calm]].to_numpy(dtype=float)
    first = (f"with {share(shares[0])} of open interest in cross accounts "
             + (f"{_listed(calm)} do{'es' if len(calm) == 1 else ''} not move"
                if (moves[0] == 0).all() else _moves_at(curve, 0, calm)))
    if len(shares) == 1:
        return f"{fall_words(setup)}: {first}."
    text = (f"{fall_words(setup)}: {first}; with {share(shares[-1])}, "
            f"{_moves_at(curve, -1, calm)}.")
    steps = np.abs(np.diff(moves, axis=0)).max(axis=1)
    who = "It" if len(calm) == 1 else "They"
    if not steps.max() > 0:
        verb = "moves" if len(calm) == 1 else "move"
        return f"{text} {who} {verb} the same at every share run."
    i = int(np.argmax(steps))
    changes = ", ".join(f"{name} from {pct(moves[i, m])} to {pct(moves[i + 1, m])}"
                        for m, name in enumerate(calm))
    return (f"{text} {who} changed most between {share(shares[i])} and "
            f"{share(shares[i + 1])}: {changes}.")


def _shares_at_ends(curve: pd.DataFrame, column: str) -> str:
    """'0% at 0% and 92% at 100%' (or 'nothing liquidated at 0%')."""
    parts = []
    for row in (0, -1):
        value = float(curve[column].iloc[row])
        at = share(float(curve["cross_share"].iloc[row]))
        parts.append(f"nothing liquidated at {at}" if math.isnan(value)
                     else f"{share(value)} at {at}")
    return " and ".join(parts)


def cross_caption(curve: pd.DataFrame, setup: Contagion) -> str:
    """The shares of the liquidated notional at the first and the last share, and where bad
    debt was least and most."""
    if not (curve["liquidated_notional"] > 0).any():
        return "Nothing was liquidated at any share."
    debt = curve["bad_debt"].to_numpy(dtype=float)
    shares = curve["cross_share"].to_numpy(dtype=float)
    low, high = int(np.argmin(debt)), int(np.argmax(debt))
    money = (f"Bad debt was {usd(debt[0])} at every share." if debt[low] == debt[high] else
             f"Bad debt was least at {share(shares[low])} in cross accounts "
             f"({usd(debt[low])}) and most at {share(shares[high])} ({usd(debt[high])}).")
    return (f"Of the liquidated notional, another market's fall caused "
            f"{_shares_at_ends(curve, 'contagion_share')}; cross positions held "
            f"{_shares_at_ends(curve, 'cross_liquidated')}. {money}")


def cross_display(curve: pd.DataFrame, setup: Contagion) -> pd.DataFrame:
    """The curve as the page's table: every market's move, the two shares of the liquidated
    notional (from another market, in cross positions), the notional liquidated at entry and
    bad debt."""
    def shown(value: float) -> str:
        return "nothing liquidated" if math.isnan(value) else share(value)
    table = pd.DataFrame({"In cross accounts": [share(v) for v in curve["cross_share"]]})
    for name in setup.markets:
        title = f"{name} move" + (" (falls)" if name == setup.shocked else "")
        table[title] = [pct(v, 2) for v in curve[f"move_{name}"]]
    table["From another market"] = [shown(v) for v in curve["contagion_share"]]
    table["Cross positions' share"] = [shown(v) for v in curve["cross_liquidated"]]
    table["Liquidated"] = [usd(v) for v in curve["liquidated_notional"]]
    table["Bad debt"] = [usd(v) for v in curve["bad_debt"]]
    return table
