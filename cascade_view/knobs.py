"""The knob table: every Scenario field's control, declared once.

Each entry says how one field is shown and read: its label and help, its kind (slider |
log | choice | integer), range and steps, its section of the sidebar, how it reads a value
from a URL and writes one back, whether it is money (shown with "$") and whether a sweep or
an ensemble may vary it. The sidebar's widgets, the link reader, the Phase axes, the Risk
page's knobs and their labels are all drawn from it. A new knob is one entry here plus its
Scenario field.

Units: every knob holds the Scenario's own value and unit (shock -0.05 means -5%, depth
70e6 means $70M per 1% move), so widgets, the URL and Scenario.to_json() agree; a percent
slider only *displays* percentages. The log pickers (open interest, depth, traders) hold
fixed stops whose URL value is the label they show: ?depth=70M.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

import cascade
from cascade import Scenario

from .formats import compact, decimals, parse_amount

DEFAULT = Scenario()
# Closer than this (relative) to a stop or step counts as on it: browsers write
# -0.045000000000000005 for -0.045.
ON_GRID = 1e-9


def _series(low_exp: int, high_exp: int, top: float) -> list[float]:
    """1-1.5-2-3-5-7 per decade (roughly log-spaced), from 10**low_exp up to `top`."""
    values = [m * 10.0 ** e for e in range(low_exp, high_exp + 1)
              for m in (1, 1.5, 2, 3, 5, 7)]
    return [v for v in values if v <= top * 1.0001]


@dataclass(frozen=True)
class Knob:
    """How one Scenario field is shown and read.

    kind: slider (low..high by step, shown with `format`: "percent" or a %-format such as
    "%.0fx") | log (fixed `options`, shown and written as compact labels: 70M, 1K, off) |
    choice (`options`) | integer (low..high whole numbers). value_type: the Scenario's type
    of the value (float, int, bool or str; None: as the widget holds it). money: a USD
    amount shown with "$" on axes and tables. vary: a sweep or an ensemble may vary it (not
    the book's size or seed: detail and noise, not a mechanism). unused_when: (field,
    value) under which the model ignores this knob (drawn disabled)."""
    name: str
    label: str
    help: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    format: str | None = None
    options: tuple = field(default=())
    section: str = ""
    money: bool = False
    value_type: type | None = None
    vary: bool = True
    unused_when: tuple = ()

    # -------------------------------------------------------------- values

    @property
    def percent(self) -> bool:
        return self.format == "percent"

    @property
    def unit(self) -> str:
        """'%' for a percent slider, 'x' for a leverage one, '' otherwise."""
        if self.percent:
            return "%"
        return "x" if self.format and self.format.endswith("x") else ""

    @property
    def bounds(self) -> tuple[float, float]:
        if self.kind == "log":
            return min(self.options), max(self.options)
        return self.low, self.high

    def snap(self, value):
        """The widget value closest to a Scenario value (log pickers hold fixed stops)."""
        if self.kind != "log":
            return value
        if value == 0 and 0 in self.options:  # a mechanic switched off
            return self.options[self.options.index(0)]
        stops = np.asarray([stop for stop in self.options if stop > 0], dtype=float)
        return stops[int(np.argmin(np.abs(np.log(stops) - math.log(value))))].item()

    def clean(self, value):
        """A widget's value as the Scenario's: slider floats rounded to their step's decimals
        (the browser sends -0.045000000000000005), whole numbers as int, ADL as bool."""
        if self.kind == "slider" and value is not None:
            return round(float(value), decimals(self.step))
        if self.value_type is int or self.kind == "integer":
            return int(value)
        if self.kind == "log":
            return float(value)
        if self.value_type is bool:
            return value in (True, "True", "true")
        return value

    def unused(self, values: dict) -> bool:
        """Whether the model ignores this knob given the other knobs' `values`."""
        return bool(self.unused_when) and values.get(self.unused_when[0]) == self.unused_when[1]

    # -------------------------------------------------------------- showing

    def shown(self, value, dollar: bool = False) -> str:
        """A value as the control displays it: -0.05 -> '-5%', 70e6 -> '70M', 20.0 -> '20x';
        with dollar, a money knob's value reads '$70M' (axes and tables)."""
        if self.kind == "log":
            return ("$" if dollar and self.money else "") + compact(value)
        if self.kind == "slider":
            if self.percent:
                return f"{value * 100:.4g}%"
            return self.format % value
        return str(value)

    def shown_step(self) -> str:
        if self.percent:
            return f"{self.step * 100:g}%"
        return f"{self.step:g}"

    def range_text(self) -> str:
        low, high = self.bounds
        return f"{self.shown(low)} to {self.shown(high)}"

    def plotted(self, value: float) -> float:
        """A value as an axis plots it (percent for percentage knobs)."""
        return value * 100 if self.percent else value

    # -------------------------------------------------------------- the URL

    def url_text(self, value) -> str:
        """The URL text of a Scenario value, as its widget writes it (?depth=70M,
        ?shock=-0.05, ?seed=7)."""
        if self.kind == "log":
            return compact(self.snap(value))
        if self.kind == "integer":
            return str(int(value))
        return str(self.clean(value)) if self.kind == "slider" else str(value)

    def url_form(self, value) -> str:
        """The string Streamlit's URL binding reads back as this widget value."""
        if self.kind == "log":
            return compact(value)
        if self.kind == "slider":
            return repr(float(value))
        return str(value)

    def widget_reads(self, text: str, value) -> bool:
        """Whether Streamlit's URL binding reads `text` as exactly `value` by itself."""
        if self.kind == "log" or self.kind == "choice":
            return text == self.url_form(value)
        if self.kind == "integer":
            return text.isdigit() and int(text) == value
        try:
            return float(text) == value
        except ValueError:
            return False

    def read(self, text: str) -> tuple[object, str | None]:
        """(value the control will use, reason it differs from `text` or None), for a value
        typed into a URL. Rules: a log picker takes an amount ('70m', '$1.5B', '1,000') and
        snaps to its nearest stop on a log scale; a slider a number (a percent slider also
        '-5%') and snaps to its nearest step; an integer a whole number; a choice one of its
        options in any case.

        Raises ValueError (the reason) when `text` cannot be used at all: unreadable
        ('nan', 'abc') or outside the range."""
        if self.kind == "choice":
            by_lower = {str(option).lower(): option for option in self.options}
            if text.strip().lower() not in by_lower:
                raise ValueError(f"is not one of {', '.join(map(str, self.options))}")
            return by_lower[text.strip().lower()], None
        if self.kind == "log" and 0 in self.options and text.strip().lower() == compact(0):
            return 0.0, None  # a venue picker's "off" stop
        try:
            value = parse_amount(text, percent=self.percent, money=self.kind == "log")
        except ValueError:
            raise ValueError("is not a number this control can read") from None
        low, high = self.bounds
        if not low * (1 - ON_GRID) - ON_GRID <= value <= high * (1 + ON_GRID) + ON_GRID:
            hint = ""
            if self.percent and low <= value / 100 <= high:
                hint = f" (the URL holds a fraction: {value / 100:g} is {value:g}%)"
            raise ValueError(f"is outside {self.range_text()}{hint}")
        if self.kind == "log":
            stop = self.snap(value)
            if abs(stop - value) > ON_GRID * stop:
                return stop, "is between the picker's stops"
            return stop, None
        if self.kind == "integer":
            whole = int(round(value))
            return whole, (None if abs(whole - value) <= ON_GRID else "is not a whole number")
        steps = round((value - self.low) / self.step)
        snapped = round(self.low + steps * self.step, decimals(self.step))
        if abs(snapped - value) > ON_GRID * max(1.0, abs(value)):
            return snapped, f"is between the slider's steps of {self.shown_step()}"
        return snapped, None

    # -------------------------------------------------------------- sweeps

    def grid(self) -> np.ndarray:
        """Every value the widget can hold: a log picker's stops, a slider's steps."""
        if self.kind == "log":
            return np.asarray(self.options, dtype=float)
        values = np.arange(self.low, self.high + self.step / 2, self.step)
        return np.round(values, decimals(self.step))


_DECLARED: dict[str, list[Knob]] = {
    "Shock": [
        Knob("shock", "Price shock", kind="slider", low=-0.5, high=0.5, step=0.005,
                format="percent",
                help="The move that starts it all, before any liquidation: relative to the "
                     "start price, negative = a fall. Stored as a fraction, so the URL reads "
                     "`?shock=-0.05` for -5%."),
    ],
    "Leverage crowd": [
        Knob("center_leverage", "Crowd's leverage", kind="slider", low=1.0, high=125.0,
                step=1.0, format="%.0fx",
                help="The crowd's level: its open interest over its total margin, the same at "
                     "every tightness; at tightness 1 every crowd trader holds exactly this. "
                     "Observed: Binance futures open at 20x; BitMEX 2018-19 volume-weighted "
                     "effective leverage was 22-30x."),
        Knob("tightness", "Clustering tightness", kind="slider", low=0.0, high=1.0,
                step=0.05, format="%.2f",
                help="The crowd's shape only. 1 = everyone in the crowd at exactly the crowd's "
                     "leverage; below 1 their margins (1/leverage) spread evenly and "
                     "symmetrically around the same mean, over a band that widens in proportion "
                     "to 1 - tightness, at 0 as wide as the venue's cap or 1x allows. The "
                     "crowd keeps its open interest and total margin, so its average leverage "
                     "does not move."),
        Knob("cluster_share", "Share of open interest in the crowd", kind="slider",
                low=0.0, high=1.0, step=0.05, format="percent",
                help="The rest is the background below."),
        Knob("background", "Background leverage shape", kind="choice",
                options=tuple(cascade.BACKGROUNDS),
                help="lognormal: spread around the background median; discrete: the venue's "
                     "ticket levels 2x ... 125x with retail weights (Binance Dec 2019: 60% of "
                     "trades at >= 20x, 21% at 125x)."),
        Knob("background_leverage", "Background median leverage", kind="slider",
                low=1.0, high=25.0, step=0.5, format="%.1fx",
                unused_when=("background", "discrete"),
                help="Median of the lognormal background (x); not used by the discrete one."),
        Knob("long_share", "Long share of open interest", kind="slider", low=0.0,
                high=1.0, step=0.01, format="percent",
                help="Longs are liquidated by a fall, shorts by a rise. Observed on 10 Oct "
                     "2025: 84% of the liquidated were longs (a share of liquidations, not of "
                     "open interest; the 10 Oct presets use it as this share)."),
    ],
    "Market": [
        Knob("open_interest", "Open interest (USD)", kind="log", money=True,
                options=tuple(_series(8, 10, 50e9)),
                help="Total notional of all positions, USD. Log scale; the URL holds the "
                     "label shown, e.g. `?open_interest=2B`."),
        Knob("depth", "Order-book depth (USD per 1% move)", kind="log", money=True,
                options=tuple(_series(6, 9, 1e9)),
                help="USD of forced selling that moves the price by 1%. Single-venue BTC perp "
                     "depth is roughly $10-100M; it fell by more than 90% on 10 Oct 2025. "
                     "Log scale; the URL holds the label shown, e.g. `?depth=70M`."),
        Knob("impact", "Price impact", kind="choice", options=tuple(cascade.IMPACT_MODELS),
                help="linear: a flat book, 1% per depth of flow; sqrt: the square-root law "
                     "(confirmed on BTC/USD by Donier & Bonart 2015)."),
        Knob("maintenance_margin", "Maintenance margin", kind="slider", low=0.0,
                high=0.05, step=0.0005, format="percent",
                help="Fraction of notional the venue keeps; a position is liquidated when "
                     "its margin falls to it. Binance BTCUSDT 0.40% (125x tier) to 2.5% "
                     "(20x tier). 1/leverage must exceed it."),
    ],
    "Venue": [
        Knob("engine_capacity", "Liquidation engine capacity (USD per step)", kind="log",
                options=(0.0, *_series(6, 9, 1e9)),
                help="Notional the venue's liquidation engine can execute per step; off = all "
                     "at once (each wave in one step). What it cannot execute waits in a "
                     "queue, most underwater first, and the charts count steps instead of "
                     "waves. At least open interest / 1,000."),
        Knob("insurance_fund", "Insurance fund (USD)", kind="log",
                options=(0.0, *_series(5, 9, 1e9)),
                help="Starting size of the fund that pays when a liquidation fills below the "
                     "bankruptcy price; what it cannot pay is bad debt. Off = no fund "
                     "(with a fee or ADL on, accounts start from an empty fund)."),
        Knob("liquidation_fee", "Liquidation fee", kind="slider", low=0.0, high=0.02,
                step=0.0005, format="percent",
                help="Fraction of the fill value charged to each liquidated position and paid "
                     "into the fund (Binance's liquidation clearance fee is of this order)."),
        Knob("adl", "Auto-deleveraging (ADL)", kind="choice", options=(False, True),
             value_type=bool,
                help="When the fund runs out, close the bankrupt positions against profitable "
                     "opposite traders at the bankruptcy price, ranked by PnL % x effective "
                     "leverage (BitMEX). That quantity never hits the book. Hyperliquid "
                     "auto-deleveraged about $2.1B in 12 minutes on 10-11 Oct 2025."),
        Knob("mm_tiers", "Maintenance-margin tiers", kind="choice",
                options=tuple(cascade.scenario.MM_TIER_LADDERS),
                help="flat: one maintenance margin for every size; binance_btcusdt: the "
                     "BTCUSDT ladder (0.40% up to $50K ... 2.5% up to $10M ... 50%), large "
                     "positions liquidated down one tier at a time, and each trader's "
                     "leverage capped at the tier's maximum (125x ... 1x)."),
        Knob("recovery_half_life", "Book recovery half-life (steps)", kind="log",
                options=(0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0),
                help="Between steps the depth the forced flow consumed refills with this "
                     "half-life, so the price partly recovers; liquidations stay done. "
                     "Off = the book never refills."),
    ],
    # The clock (issue 17): seconds, and a price path in place of the single shock.
    "Clock": [
        Knob("engine_rate", "Liquidation engine rate (USD per second)", kind="log",
                options=(0.0, *_series(5, 9, 1e9)),
                help="The clock: notional the engine executes per second, 1-second ticks; "
                     "off = no limit. What it cannot execute waits, most underwater first. "
                     "Binance publishes no engine rate; Hyperliquid sends a position above "
                     "$100K 20% at a time with 30 s between parts."),
        Knob("resilience_half_life", "Book refill half-life (seconds)", kind="log",
                options=(0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
                         1800.0, 3600.0),
                help="The clock: seconds in which the depth the forced flow consumed "
                     "refills by half; off = never. About 20 s on the London Stock "
                     "Exchange when it refills at all, and in over 60% of cases it does "
                     "not refill reliably (Large 2007); on 10 Oct 2025 BTC books looked "
                     "empty for several minutes (Kaiko)."),
        Knob("permanent_impact", "Permanent share of impact", kind="slider", low=0.0,
                high=1.0, step=0.05, format="percent",
                help="The clock: the share of each liquidation's price impact that never "
                     "refills; about two thirds of peak impact remains at the end of the "
                     "day for equity metaorders (Bucci et al.)."),
        Knob("engine_rule", "Venue's liquidation rule", kind="choice",
                options=tuple(cascade.scenario.ENGINE_RULES),
                help="The clock: hyperliquid sends a position above $100K 20% at a time, 30 s "
                     "apart; dydx executes at most 50 positions and at most $100M of any one "
                     "position per block, one block a second (an assumed block time), the "
                     "rest of a larger position in later blocks; none: no such rule."),
        Knob("path", "Price path", kind="choice", options=tuple(cascade.scenario.PATHS),
                help="jump: the shock at once; fall: the price moves to the shock evenly "
                     "over the fall's seconds; fall_then_rebound: then back up by the "
                     "rebound over its seconds, which can liquidate shorts too."),
        Knob("fall_seconds", "Fall duration (seconds)", kind="log",
                options=(1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
                         1200.0, 1800.0, 3600.0),
                help="Seconds the path takes to reach the shock (fall and "
                     "fall_then_rebound paths)."),
        Knob("rebound", "Rebound", kind="slider", low=0.0, high=0.5, step=0.005,
                format="percent",
                help="How far the price comes back up after the fall, relative to the "
                     "start price (fall_then_rebound only)."),
        Knob("rebound_seconds", "Rebound duration (seconds)", kind="log",
                options=(1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
                         1200.0, 1800.0, 3600.0),
                help="Seconds the rebound takes (fall_then_rebound only)."),
    ],
    "Simulation": [
        Knob("size_tail", "Position size tail", kind="slider", low=1.1, high=4.0,
                step=0.1, format="%.1f",
                help="Pareto tail index of position sizes: lower = a few whales hold more."),
        Knob("entry_dispersion", "Entry price spread", kind="slider", low=0.0, high=0.2,
                step=0.01, format="%.2f",
                help="Log spread of entry prices around the start (0 = everyone entered at "
                     "100); spreads the liquidation prices of one leverage."),
        Knob("n", "Traders simulated", kind="log", value_type=int, vary=False,
                options=(1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000,
                         500_000, 1_000_000, 2_000_000),
                help="Size of the synthetic book, up to 2M; open interest stays the same, so "
                     "more traders draw the same crowd in finer detail. The final move and the "
                     "share liquidated settle as it grows (default scenario, seeds 0-4: -18.0% "
                     "to -19.6% at 1K, -18.8% to -18.9% at 1M), while the wave count grows "
                     "(5-6 at 10K, 7-10 at 1M): a finer book still has someone to liquidate "
                     "in the cascade's tail of small waves. Moving the shock or the market "
                     "reruns in under a second up to 1M; a knob that reshapes the traders "
                     "builds a new book, about 1 s at 1M and 1.5 s at 2M the first time."),
        Knob("seed", "Random seed", kind="integer", low=0, high=2**31 - 1, step=1,
             vary=False,
                help="Same seed, same traders: a URL reproduces the exact book."),
    ],
}


KNOBS: dict[str, Knob] = {knob.name: replace(knob, section=title)
                          for title, declared in _DECLARED.items() for knob in declared}
# One line under a section's title, where the section needs saying what it does not yet do.
SECTION_NOTES = {
    "Clock": "With the clock on, the cascade runs in ticks of one second along the price "
             "path; the charts name each tick that liquidates by its number (Tick 36) where "
             "they name waves without it, and the verdict is "
             "decided by the timed ratio R × p (R times the share of the forced flow still "
             "on the price at its extreme). The page's Time section, under the verdict, "
             "draws the run against seconds: the price, the liquidations per second or "
             "minute, the engine's queue and the fund.",
}
SECTIONS: dict[str, list[Knob]] = {title: [KNOBS[k.name] for k in declared]
                                   for title, declared in _DECLARED.items()}
MONEY = tuple(name for name, knob in KNOBS.items() if knob.money)
VARIED = tuple(name for name, knob in KNOBS.items() if knob.vary)
assert set(KNOBS) == {f.name for f in fields(Scenario)}, "every Scenario field needs a knob"


def label_of(field_name: str) -> str:
    knob = KNOBS.get(field_name)
    return knob.label if knob else field_name


def widget_values(scenario: Scenario) -> dict:
    """The widget value of every field for `scenario` (log pickers snapped to their stops)."""
    return {name: KNOBS[name].snap(value) for name, value in scenario.to_dict().items()}


def url_params(scenario: Scenario) -> dict[str, str]:
    """The query parameters that reproduce `scenario` on a page of these widgets: the
    fields that differ from the default, as their widgets write them."""
    defaults = widget_values(DEFAULT)
    return {name: KNOBS[name].url_text(value)
            for name, value in widget_values(scenario).items() if value != defaults[name]}
