"""Sidebar controls: one widget per Scenario field, keyed by the field's name and bound to
the URL (bind="query-params"), so a link reproduces a scenario.

Units: every widget holds the Scenario's own value and unit (shock -0.05 means -5%,
depth 70e6 means $70M per 1% move), so session state, the URL and Scenario.to_json()
agree. Sliders only *display* percentages. The log-scale pickers (open interest, depth,
traders) are select sliders whose URL value is the label they show: ?depth=70M.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
import streamlit as st

import cascade
from cascade import PRESET_NOTES, PRESETS, Scenario

from cascade_view.text import dollars

DEFAULT = Scenario()
DEFAULT_NAME = "Default scenario"
CHOICES: dict[str, Scenario] = {DEFAULT_NAME: DEFAULT, **PRESETS}
PRESET_KEY = "preset"


def _series(low_exp: int, high_exp: int, top: float) -> list[float]:
    """1-1.5-2-3-5-7 per decade (roughly log-spaced), from 10**low_exp up to `top`."""
    values = [m * 10.0 ** e for e in range(low_exp, high_exp + 1)
              for m in (1, 1.5, 2, 3, 5, 7)]
    return [v for v in values if v <= top * 1.0001]


def compact(value: float) -> str:
    """70000000 -> '70M', 1.5e9 -> '1.5B', 10000 -> '10K' (the labels and URL values);
    0 -> 'off' (a venue mechanic's picker)."""
    if value == 0:
        return "off"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


@dataclass(frozen=True)
class Control:
    """How one Scenario field is shown. kind: slider | log | choice | integer."""
    name: str
    label: str
    help: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    format: str | None = None
    options: tuple = field(default=())

    def snap(self, value):
        """The widget value closest to a Scenario value (log pickers hold fixed stops)."""
        if self.kind != "log":
            return value
        if value == 0 and 0 in self.options:  # a mechanic switched off
            return self.options[self.options.index(0)]
        stops = np.asarray([stop for stop in self.options if stop > 0], dtype=float)
        return stops[int(np.argmin(np.abs(np.log(stops) - math.log(value))))].item()


SECTIONS: dict[str, list[Control]] = {
    "Shock": [
        Control("shock", "Price shock", kind="slider", low=-0.5, high=0.5, step=0.005,
                format="percent",
                help="The move that starts it all, before any liquidation: relative to the "
                     "start price, negative = a fall. Stored as a fraction, so the URL reads "
                     "`?shock=-0.05` for -5%."),
    ],
    "Leverage crowd": [
        Control("center_leverage", "Crowd's leverage", kind="slider", low=1.0, high=125.0,
                step=1.0, format="%.0fx",
                help="The leverage most traders cluster at. Binance futures open at 20x; "
                     "BitMEX 2018-19 volume-weighted effective leverage was 22-30x."),
        Control("tightness", "Clustering tightness", kind="slider", low=0.0, high=1.0,
                step=0.05, format="%.2f",
                help="1 = everyone in the crowd at exactly the crowd's leverage; below 1 the "
                     "traders who leave it dial leverage down, spreading their margin (1/leverage) "
                     "evenly over a band that widens as tightness falls, down to 1x at 0 (which "
                     "also lowers the average: the dotted line on the leverage chart). The "
                     "crowd's R grows as 1 / (1 - tightness)."),
        Control("cluster_share", "Share of open interest in the crowd", kind="slider",
                low=0.0, high=1.0, step=0.05, format="percent",
                help="The rest is the background below."),
        Control("background", "Background leverage shape", kind="choice",
                options=tuple(cascade.BACKGROUNDS),
                help="lognormal: spread around the background median; discrete: the venue's "
                     "ticket levels 2x ... 125x with retail weights (Binance Dec 2019: 60% of "
                     "trades at >= 20x, 21% at 125x)."),
        Control("background_leverage", "Background median leverage", kind="slider",
                low=1.0, high=25.0, step=0.5, format="%.1fx",
                help="Median of the lognormal background (x); not used by the discrete one."),
        Control("long_share", "Long share of open interest", kind="slider", low=0.0,
                high=1.0, step=0.01, format="percent",
                help="Longs are liquidated by a fall, shorts by a rise. 10 Oct 2025: 84% of "
                     "the liquidated were longs."),
    ],
    "Market": [
        Control("open_interest", "Open interest (USD)", kind="log",
                options=tuple(_series(8, 10, 50e9)),
                help="Total notional of all positions, USD. Log scale; the URL holds the "
                     "label shown, e.g. `?open_interest=2B`."),
        Control("depth", "Order-book depth (USD per 1% move)", kind="log",
                options=tuple(_series(6, 9, 1e9)),
                help="USD of forced selling that moves the price by 1%. Single-venue BTC perp "
                     "depth is roughly $10-100M; it fell by more than 90% on 10 Oct 2025. "
                     "Log scale; the URL holds the label shown, e.g. `?depth=70M`."),
        Control("impact", "Price impact", kind="choice", options=tuple(cascade.IMPACT_MODELS),
                help="linear: a flat book, 1% per depth of flow; sqrt: the square-root law "
                     "(confirmed on BTC/USD by Donier & Bonart 2015)."),
        Control("maintenance_margin", "Maintenance margin", kind="slider", low=0.0,
                high=0.05, step=0.0005, format="percent",
                help="Fraction of notional the venue keeps; a position is liquidated when "
                     "its margin falls to it. Binance BTCUSDT 0.40% (125x tier) to 2.5% "
                     "(20x tier). 1/leverage must exceed it."),
    ],
    "Venue": [
        Control("engine_capacity", "Liquidation engine capacity (USD per step)", kind="log",
                options=(0.0, *_series(6, 9, 1e9)),
                help="Notional the venue's liquidation engine can execute per step; off = all "
                     "at once (each wave in one step). What it cannot execute waits in a "
                     "queue, most underwater first, and the charts count steps instead of "
                     "waves. At least open interest / 1,000."),
        Control("insurance_fund", "Insurance fund (USD)", kind="log",
                options=(0.0, *_series(5, 9, 1e9)),
                help="Starting size of the fund that pays when a liquidation fills below the "
                     "bankruptcy price; what it cannot pay is bad debt. Off = no fund "
                     "(with a fee or ADL on, accounts start from an empty fund)."),
        Control("liquidation_fee", "Liquidation fee", kind="slider", low=0.0, high=0.02,
                step=0.0005, format="percent",
                help="Fraction of the fill value charged to each liquidated position and paid "
                     "into the fund (Binance's liquidation clearance fee is of this order)."),
        Control("adl", "Auto-deleveraging (ADL)", kind="choice", options=(False, True),
                help="When the fund runs out, close the bankrupt positions against profitable "
                     "opposite traders at the bankruptcy price, ranked by PnL % x effective "
                     "leverage (BitMEX). That quantity never hits the book. Hyperliquid "
                     "auto-deleveraged about $2.1B in 12 minutes on 10-11 Oct 2025."),
        Control("mm_tiers", "Maintenance-margin tiers", kind="choice",
                options=tuple(cascade.scenario.MM_TIER_LADDERS),
                help="flat: one maintenance margin for every size; binance_btcusdt: the "
                     "BTCUSDT ladder (0.40% up to $50K ... 2.5% up to $10M ... 50%), large "
                     "positions liquidated down one tier at a time, and each trader's "
                     "leverage capped at the tier's maximum (125x ... 1x)."),
        Control("recovery_half_life", "Book recovery half-life (steps)", kind="log",
                options=(0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0),
                help="Between steps the depth the forced flow consumed refills with this "
                     "half-life, so the price partly recovers; liquidations stay done. "
                     "Off = the book never refills."),
    ],
    "Simulation": [
        Control("size_tail", "Position size tail", kind="slider", low=1.1, high=4.0,
                step=0.1, format="%.1f",
                help="Pareto tail index of position sizes: lower = a few whales hold more."),
        Control("entry_dispersion", "Entry price spread", kind="slider", low=0.0, high=0.2,
                step=0.01, format="%.2f",
                help="Log spread of entry prices around the start (0 = everyone entered at "
                     "100); spreads the liquidation prices of one leverage."),
        Control("n", "Traders simulated", kind="log",
                options=(1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000,
                         500_000, 1_000_000, 2_000_000),
                help="Size of the synthetic book, up to 2M; open interest stays the same, so "
                     "more traders draw the same crowd in finer detail. The final move and the "
                     "share liquidated settle as it grows (default scenario, seeds 0-4: -18.0% "
                     "to -19.6% at 1K, -18.8% to -18.9% at 1M), while the wave count grows "
                     "(9-12 at 10K, 13-16 at 1M): a finer book still has someone to liquidate "
                     "in the cascade's tail of small waves. Moving the shock or the market "
                     "reruns in under a second up to 1M; a knob that reshapes the traders "
                     "builds a new book, about 1 s at 1M and 1.5 s at 2M the first time."),
        Control("seed", "Random seed", kind="integer", low=0, high=2**31 - 1, step=1,
                help="Same seed, same traders: a URL reproduces the exact book."),
    ],
}
CONTROLS: dict[str, Control] = {c.name: c for section in SECTIONS.values() for c in section}
assert set(CONTROLS) == {f.name for f in fields(Scenario)}, "every Scenario field needs a widget"


def label_of(field_name: str) -> str:
    control = CONTROLS.get(field_name)
    return control.label if control else field_name


def widget_values(scenario: Scenario) -> dict:
    """The widget value of every field for `scenario` (log pickers snapped to their stops)."""
    return {name: CONTROLS[name].snap(value) for name, value in scenario.to_dict().items()}


def apply_preset() -> None:
    """on_change of the preset picker: set every widget to the chosen scenario, then clear
    the picker so choosing the same preset again (after edits) applies it again."""
    name = st.session_state.get(PRESET_KEY)
    if name in CHOICES:
        st.session_state.update(widget_values(CHOICES[name]))
        st.session_state["applied_preset"] = name
    st.session_state[PRESET_KEY] = None


def _widget(control: Control, disabled: bool = False, prefix: str = "",
            defaults: Scenario = DEFAULT):
    default = widget_values(defaults)[control.name]
    common = dict(key=prefix + control.name, help=dollars(control.help), bind="query-params",
                  disabled=disabled)
    if control.kind == "slider":
        return st.slider(control.label, control.low, control.high, float(default),
                         step=control.step, format=control.format, **common)
    if control.kind == "log":
        return st.select_slider(control.label, options=list(control.options), value=default,
                                format_func=compact, **common)
    if control.kind == "choice":
        return st.radio(control.label, list(control.options),
                        index=control.options.index(default), horizontal=True, **common)
    return st.number_input(control.label, int(control.low), int(control.high), int(default),
                           step=int(control.step), **common)


def _clean(control: Control, value):
    """Slider floats rounded to their step's decimals (the browser sends -0.045000000000000005)."""
    if control.kind == "slider" and value is not None:
        decimals = max(0, -int(math.floor(math.log10(control.step)))) + 2
        return round(float(value), decimals)
    if control.name in ("n", "seed"):
        return int(value)
    if control.kind == "log":
        return float(value)
    if control.name == "adl":
        return value in (True, "True", "true")
    return value


CARRY_KEY = "carried_scenario"
REPUBLISH_KEY = "carried"


def _carry_over(page: str) -> str | None:
    """Keep the scenario, in the widgets and in the URL, when the navigation moves to
    another page. Streamlit drops the URL's query string on that move and starts the new
    page's widgets afresh, so sidebar() leaves its widget values in session state under
    its page's name, and another page sets its widgets from them over two runs:

    "arrived": the first run sets them (the widgets show them, the URL does not yet);
    "sync":    the run right after sets them again, which makes the bound widgets hold
               them as query parameters on the server; _republish_url() sends those.
    Returns the step, or None when the scenario was not carried."""
    carried = st.session_state.get(CARRY_KEY)
    if carried is None:
        return None
    step = "arrived" if carried["page"] != page else carried.get("step")
    if step:
        for name, value in carried["values"].items():
            st.session_state[name] = value
    return step


def _republish_url() -> None:
    """Send the browser the query string the bound widgets hold on the server. A bound
    key cannot be written directly, but any write sends the whole query string, so one
    throwaway parameter set and removed again puts the carried scenario in the URL."""
    st.query_params[REPUBLISH_KEY] = "1"
    del st.query_params[REPUBLISH_KEY]


def sidebar(page: str = "explorer", not_applied: frozenset[str] = frozenset()) -> dict:
    """Draw the sidebar; return the Scenario field values the widgets hold. `page` names
    the calling page, so the scenario carries over from the page the user came from.
    `not_applied`: fields whose knobs are drawn disabled because the page does not use them
    (an uploaded book replaces them); they keep their value and their URL parameter."""
    step = _carry_over(page)
    raw = {}
    with st.sidebar:
        st.selectbox("Preset", list(CHOICES), index=None, key=PRESET_KEY,
                     placeholder="Load a preset...", on_change=apply_preset,
                     help="Sets every control below to a documented scenario. "
                          "Edit anything afterwards; the URL always holds the current one.")
        status = st.empty()
        values = {}
        for title, controls in SECTIONS.items():
            st.subheader(title, divider="gray")
            for control in controls:
                unused = control.name in not_applied or (
                    control.name == "background_leverage"
                    and values.get("background") == "discrete")
                raw[control.name] = _widget(control, disabled=unused)
                values[control.name] = _clean(control, raw[control.name])
        st.session_state[CARRY_KEY] = {"page": page, "values": raw,
                                       "step": "sync" if step == "arrived" else None}
        if step == "arrived":
            st.rerun()
        if step == "sync":
            _republish_url()
        showing = matching_preset(values)
        status.caption(f"Showing: **{showing}**" if showing else
                       "Showing: **a custom scenario**")
    return values


def matching_preset(values: dict) -> str | None:
    """The name of the preset (or the default) the widgets currently show, if any."""
    for name, scenario in CHOICES.items():
        if widget_values(scenario) == values:
            return name
    return None


def preset_note(name: str) -> cascade.PresetNote | None:
    return PRESET_NOTES.get(name)


def scenario_controls(prefix: str, defaults: Scenario) -> dict:
    """Every Scenario control in the current container (not the sidebar), keyed and bound to
    the URL as `<prefix><field>` (e.g. a_shock), starting from `defaults`; return the
    Scenario field values they hold. For pages that show more than one scenario."""
    values = {}
    for title, controls in SECTIONS.items():
        st.markdown(f"**{title}**")
        for control in controls:
            unused = (control.name == "background_leverage"
                      and values.get("background") == "discrete")
            values[control.name] = _clean(control, _widget(control, unused, prefix, defaults))
    return values


def url_value(name: str, value) -> str:
    """The URL text of a Scenario value, as its widget writes it (?depth=70M, ?shock=-0.05)."""
    control = CONTROLS[name]
    if control.kind == "log":
        return compact(control.snap(value))
    if control.kind == "integer" or name == "n":
        return str(int(value))
    return str(_clean(control, value)) if control.kind == "slider" else str(value)


def url_params(scenario: Scenario) -> dict[str, str]:
    """The query parameters that reproduce `scenario` on a page of these widgets: the
    fields that differ from the default, as their widgets write them."""
    defaults = widget_values(DEFAULT)
    return {name: url_value(name, value)
            for name, value in widget_values(scenario).items() if value != defaults[name]}
