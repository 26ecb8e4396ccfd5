"""Plotly figure builders for a cascade in time (issue 17; cascade/clock.py): the price
against seconds, liquidations per second or per minute, the engine's queue and the insurance
fund. Data in (TimedResult.series, one row per tick of dt seconds), Figure out; no
simulation here.

Time on every chart is seconds from the run's start. A tick k covers [t_k, t_k + dt) and is
drawn at t_k (the series' `seconds`): the path m(t_k) it reads and what it leaves after its
forced orders (the traded price, the queues, the fund) share that x, so the gap between the
path and the traded price is the impact of the forced flow so far, P0 I(Q). Prices are an
index: the start price P0 is 100.

Long runs stay light in the browser (MAX_TICKS is 200,000): a line of more than
MAX_LINE_POINTS points is thinned to the first and last point and, in each of
(MAX_LINE_POINTS - 2) // 2 equal buckets, its lowest and highest (`thin`), so every extreme
stays drawn; bars are sums over bins of whole seconds (`bin_seconds`: per second up to ten
minutes, then per minute, per ten minutes, per hour), at most MAX_BARS bins per side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import (INK, MUTED, SHORT_PATTERN, Draft, _empty_note, bar, heading,
                      money_axis, price_axis, scatter)
from .formats import pct, price_text, seconds, usd

# Points per line trace at most (a chart has up to three lines, so a few thousand points).
MAX_LINE_POINTS = 1000
# Bar widths to choose from (seconds): the first that gives at most MAX_BARS bars.
BIN_CHOICES = (1.0, 60.0, 600.0, 3600.0)
BIN_NAMES = {1.0: "second", 60.0: "minute", 600.0: "10 minutes", 3600.0: "hour"}
MAX_BARS = 600
# Seconds of the peak minute (cascade.clock.MINUTE).
MINUTE = 60.0
REFERENCE = 100.0  # the start price on the index

LONG = "#2563eb"
SHORT = "#7c3aed"
EXOGENOUS = MUTED
PEAK = "rgba(217, 119, 6, 0.14)"
PEAK_LINE = "#d97706"
FUND = "#059669"
BAD_DEBT = "#b91c1c"


# ---------------------------------------------------------------- thinning and binning

def thin(values: np.ndarray, limit: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices (ascending) of the points of `values` to draw: all of them when there are
    at most `limit`; otherwise the first, the last and, in each of (limit - 2) // 2 equal
    runs of consecutive points, the lowest and the highest (the first of equals). So the
    thinned line has at most `limit` points and keeps every run's extremes, hence the
    line's own minimum and maximum."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n <= limit:
        return np.arange(n)
    buckets = max(1, (limit - 2) // 2)
    bucket = np.arange(n) * buckets // n
    order = np.lexsort((values, bucket))  # by bucket, then value; stable for equal values
    edges = np.flatnonzero(np.diff(bucket)) + 1
    starts, ends = np.r_[0, edges], np.r_[edges, n]
    return np.unique(np.r_[0, n - 1, order[starts], order[ends - 1]])


def bin_seconds(duration: float, dt: float) -> float:
    """The bar width (seconds) for a run of `duration` seconds in ticks of dt: the first of
    BIN_CHOICES at least dt that gives at most MAX_BARS bars (per second up to ten minutes,
    per minute up to ten hours, ...); the largest choice beyond."""
    for width in BIN_CHOICES:
        if width >= dt and math.ceil(duration / width) <= MAX_BARS:
            return width
    return max(BIN_CHOICES[-1], dt)


def binned(series: pd.DataFrame, width: float, columns: tuple[str, ...]) -> pd.DataFrame:
    """Sums of `columns` over bins [j w, (j + 1) w) of the ticks' start times (w = width
    seconds), every bin from 0 to the last tick's, empty ones as 0: columns start (s) and
    the sums."""
    index = np.floor(series["seconds"].to_numpy(dtype=float) / width).astype(np.int64)
    count = int(index.max()) + 1 if index.size else 0
    out = {"start": np.arange(count) * width}
    for column in columns:
        out[column] = np.bincount(index, weights=series[column].to_numpy(dtype=float),
                                  minlength=count)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class PeakMinute:
    """The peak minute of a timed run: `notional` (USD at entry, both sides) executed in
    the 60 s window of whole ticks that executed the most (TimedResult.peak_minute_notional,
    by the same sums), and when: `start` (s), the start of the window's first tick that
    executed, and `end` (s), the end of its last one (end - start <= 60 s)."""
    notional: float
    start: float
    end: float


def peak_minute(series: pd.DataFrame, dt: float) -> PeakMinute | None:
    """The peak minute (PeakMinute), or None when nothing was executed. The window holds
    round(60 / dt) ticks (the whole run when shorter), and the first window with the
    largest sum is taken, as TimedResult.peak_minute_notional's running sums give it."""
    executed = (series["long_notional"] + series["short_notional"]).to_numpy()
    if not (executed > 0).any():
        return None
    window = max(1, int(round(MINUTE / dt)))
    running = np.concatenate(([0.0], np.cumsum(executed)))
    if running.size - 1 <= window:
        first, notional = 0, float(running[-1])
        last = executed.size
    else:
        sums = running[window:] - running[:-window]
        first = int(np.argmax(sums))
        notional, last = float(sums[first]), first + window
    ticks = first + np.flatnonzero(executed[first:last] > 0)
    start = series["seconds"].to_numpy(dtype=float)
    return PeakMinute(notional, float(start[ticks[0]]), float(start[ticks[-1]] + dt))


# ---------------------------------------------------------------- shared pieces

def _time_axis(duration: float) -> dict:
    return dict(title=dict(text="Seconds from the start"), range=[0, max(duration, 1.0)],
                tickformat=",d", nticks=7, zeroline=False)


def _at(series: pd.DataFrame, column: str):
    """(x, y): each tick's start (s) and its value of `column` (after the tick)."""
    return series["seconds"].to_numpy(dtype=float), series[column].to_numpy(dtype=float)


def _line(x, y, limit: int = MAX_LINE_POINTS):
    keep = thin(y, limit)
    return np.asarray(x)[keep], np.asarray(y)[keep]


def _empty(head: dict, text: str) -> go.Figure:
    fig = Draft(**head, xaxis=dict(visible=False), yaxis=dict(visible=False))
    _empty_note(fig, text)
    return fig.build()


def _money_hover(values) -> list[str]:
    return [usd(v) for v in values]


# ---------------------------------------------------------------- 1. price in time

def price_time_figure(series: pd.DataFrame, p0: float, dt: float) -> go.Figure:
    """The exogenous path alone (dashed; exogenous_price) and the traded price with
    liquidations (solid; each tick's price after its forced orders), on the start = 100
    index, against each tick's start (s); the start price as a dotted line and the lowest (or, on a rise, highest)
    traded price labelled. series: TimedResult.series; p0: the start price; dt: the tick."""
    scale = REFERENCE / p0
    duration = float(len(series)) * dt
    path_x = series["seconds"].to_numpy(dtype=float)
    path_y = series["exogenous_price"].to_numpy(dtype=float) * scale
    traded_x, traded_y = _at(series, "price")
    traded_y = traded_y * scale
    fall = REFERENCE - traded_y.min() >= traded_y.max() - REFERENCE
    extreme = int(np.argmin(traded_y) if fall else np.argmax(traded_y))
    axis = price_axis(np.r_[path_y, traded_y, REFERENCE], label_below=fall)
    log = axis["type"] == "log"

    fig = Draft()
    px, py = _line(path_x, path_y)
    fig.add_trace(scatter(
        x=px, y=py, name="Path alone (no liquidations)", mode="lines",
        line=dict(color=EXOGENOUS, dash="dash", width=2),
        hovertemplate="%{x:,.0f} s: path alone %{y:.2f}<extra></extra>"))
    tx, ty = _line(traded_x, traded_y)
    fig.add_trace(scatter(
        x=tx, y=ty, name="Traded price (with liquidations)", mode="lines",
        line=dict(color=INK, width=2.5),
        hovertemplate="%{x:,.0f} s: traded %{y:.2f}<extra></extra>"))
    fig.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y",
                  y0=math.log10(REFERENCE) if log else REFERENCE,
                  y1=math.log10(REFERENCE) if log else REFERENCE,
                  line=dict(color=MUTED, dash="dot", width=1.5))
    # the start's label sits mid-way along its line, on the side away from the move
    fig.add_annotation(xref="x domain", x=0.5, xanchor="center", yref="y",
                       y=math.log10(REFERENCE) if log else REFERENCE,
                       yanchor="bottom" if fall else "top", showarrow=False,
                       text="Start 100", font=dict(color=MUTED, size=12))
    low_x, low_y = float(traded_x[extreme]), float(traded_y[extreme])
    word = "Lowest" if fall else "Highest"
    fig.add_trace(scatter(x=[low_x], y=[low_y], mode="markers", showlegend=False,
                          name=f"{word} traded price", hoverinfo="skip",
                          marker=dict(color=INK, size=9, line=dict(color="white", width=1.5))))
    fig.add_annotation(
        x=low_x, y=math.log10(low_y) if log else low_y,
        text=f"<b>{word} {price_text(low_y)}</b><br>{pct(low_y / REFERENCE - 1.0)} at "
             f"{seconds(low_x)}",
        showarrow=False, yshift=-10 if fall else 10, yanchor="top" if fall else "bottom",
        xanchor="left" if low_x < duration / 2 else "right", align="left",
        font=dict(color=INK), bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(
        **heading("Price in time: the path and the trade",
                  "Start = 100. Dashed: the path alone; solid: the",
                  "price with each second's forced orders."),
        yaxis=dict(title=dict(text="Price (start = 100)" + (" (log scale)" if log else "")),
                   **axis),
        xaxis=_time_axis(duration), hovermode="closest")
    return fig.build()


# ---------------------------------------------------------------- 2. liquidations in time

def liquidations_time_figure(series: pd.DataFrame, dt: float) -> go.Figure:
    """Notional (USD at entry) liquidated per bin of bin_seconds(duration, dt), longs solid
    and shorts hatched, stacked; the peak minute (peak_minute) shaded and labelled.
    series: TimedResult.series; dt: the tick (seconds)."""
    duration = float(len(series)) * dt
    width = bin_seconds(duration, dt)
    unit = BIN_NAMES.get(width, seconds(width))
    head = heading(f"Liquidations per {unit}",
                   f"Notional (USD at entry) executed in each {unit},",
                   "longs (forced sells) and shorts (forced buys).")
    peak = peak_minute(series, dt)
    if peak is None:
        return _empty(head, "No liquidations: the path reached no one's liquidation price")
    bins = binned(series, width, ("long_notional", "short_notional"))
    centre = bins["start"].to_numpy() + width / 2.0
    fig = Draft()
    sides = (("long_notional", "Longs (forced sells)", LONG, ""),
             ("short_notional", "Shorts (forced buys)", SHORT, SHORT_PATTERN))
    starts = bins["start"].to_numpy()
    when = [f"{seconds(a)} to {seconds(a + width)}" for a in starts]
    for column, name, color, shape in sides:
        values = bins[column].to_numpy()
        if not (values > 0).any():
            continue  # a side the path never reached: no empty legend entry
        fig.add_trace(bar(
            x=centre, y=values, width=width, name=name,
            marker=dict(color=color, line=dict(width=0),
                        pattern=dict(shape=shape, fgcolor="white", fillmode="overlay",
                                     solidity=0.35)),
            customdata=[[w, usd(v)] for w, v in zip(when, values)],
            hovertemplate=f"%{{customdata[0]}}: {name.split(' ')[0].lower()} "
                          "%{customdata[1]}<extra></extra>"))
    top = float((bins["long_notional"] + bins["short_notional"]).max())
    fig.add_shape(type="rect", xref="x", x0=peak.start, x1=peak.end, yref="y domain", y0=0,
                  y1=1, fillcolor=PEAK, line=dict(color=PEAK_LINE, width=1), layer="below")
    fig.add_annotation(
        xref="x", x=(peak.start + peak.end) / 2.0, yref="y domain", y=1.0, yanchor="bottom",
        showarrow=False, font=dict(color=INK, size=12), bgcolor="rgba(255,255,255,0.85)",
        text=f"Peak minute: {usd(peak.notional)}")
    fig.update_layout(
        **head, barmode="stack", hovermode="closest", showlegend=True,
        legend=dict(traceorder="normal"),
        yaxis=dict(title=dict(text=f"Notional per {unit} (USD)"), **money_axis(top)),
        xaxis=_time_axis(duration))
    return fig.build()


# ---------------------------------------------------------------- 3. the engine's queue

def engine_rules(market) -> tuple[str, ...]:
    """What limits the engine besides its rate, in words for a subtitle line (a
    cascade.Market of a timed run): the cap per step, the count per tick, the parts."""
    rules = []
    if market.engine_capacity is not None:
        rules.append(f"at most {usd(market.engine_capacity)} a tick")
    if market.engine_max_positions is not None:
        rules.append(f"at most {market.engine_max_positions:,} positions a tick")
    if market.partial_liquidation is not None:
        threshold, parts, cooldown = market.partial_liquidation
        rules.append(f"above {usd(threshold)} in {parts} parts, {seconds(cooldown)} apart")
    return tuple(rules)


def queue_time_figure(series: pd.DataFrame, dt: float, engine_rate: float | None,
                      rules: tuple[str, ...] = ()) -> go.Figure:
    """Notional (USD at entry) waiting in the engine's queue after each tick, longs and
    shorts (a side only when it had liquidations); engine_rate (USD per second, None for
    no limit) and the engine's other `rules` (engine_rules) are named in the subtitle.
    series: TimedResult.series; dt: the tick."""
    duration = float(len(series)) * dt
    rate = ("no rate limit" if not engine_rate
            else f"at most {usd(engine_rate)} per second")
    lines = ["Notional (USD at entry) reached but not yet",
             f"executed, after each second. Engine: {rate}" + (";" if rules else ".")]
    if rules:
        lines.append("; ".join(rules) + ".")
    head = heading("The engine's queue in time", *lines)
    sides = [(column, name, color) for column, executed, name, color in (
        ("queue_long", "long_notional", "Longs waiting", LONG),
        ("queue_short", "short_notional", "Shorts waiting", SHORT))
        if (series[executed] > 0).any() or (series[column] > 0).any()]
    if not sides:
        return _empty(head, "No liquidations: the engine had nothing to execute")
    fig = Draft()
    tops = [0.0]
    for column, name, color in sides:
        x, y = _line(*_at(series, column))
        tops.append(float(y.max()))
        fig.add_trace(scatter(
            x=x, y=y, name=name, mode="lines", line=dict(color=color, width=2, shape="hv"),
            customdata=_money_hover(y),
            hovertemplate=f"%{{x:,.0f}} s: {name.lower()} %{{customdata}}<extra></extra>"))
    if max(tops) <= 0:
        fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.6, showarrow=False,
                           font=dict(size=13, color=MUTED),
                           text="The queue stayed empty: each second's<br>"
                                "liquidations executed in that second")
    fig.update_layout(**head, hovermode="closest", showlegend=True,
                      yaxis=dict(title=dict(text="Queued (USD)"), **money_axis(max(tops))),
                      xaxis=_time_axis(duration))
    return fig.build()


# ---------------------------------------------------------------- 4. the fund

def fund_time_figure(series: pd.DataFrame, waves: pd.DataFrame, dt: float) -> go.Figure:
    """The insurance fund after each tick (its starting size until the first liquidation)
    and bad debt so far (the running sum of waves["bad_debt"], from 0), USD, against each
    tick's start (s). series and waves: a TimedResult's, with accounts kept (fund not
    NaN)."""
    duration = float(len(series)) * dt
    head = heading("Insurance fund and bad debt in time",
                   "USD after each second. The fund pays fills below",
                   "bankruptcy; what it cannot pay is bad debt.")
    fig = Draft()
    fund_x, fund_y = _line(*_at(series, "fund"))
    debt_x = np.r_[0.0, waves["seconds"].to_numpy(dtype=float), duration - dt]
    debt = np.cumsum(waves["bad_debt"].to_numpy(dtype=float)) if len(waves) else np.empty(0)
    debt_y = np.r_[0.0, debt, debt[-1] if debt.size else 0.0]
    debt_x, debt_y = _line(debt_x, debt_y)
    for name, x, y, color in (("Insurance fund", fund_x, fund_y, FUND),
                              ("Bad debt so far", debt_x, debt_y, BAD_DEBT)):
        fig.add_trace(scatter(
            x=x, y=y, name=name, mode="lines", line=dict(color=color, width=2, shape="hv"),
            customdata=_money_hover(y),
            hovertemplate=f"%{{x:,.0f}} s: {name.lower()} %{{customdata}}<extra></extra>"))
    top = max(float(np.max(fund_y)), float(np.max(debt_y)))
    fig.update_layout(**head, hovermode="closest",
                      yaxis=dict(title=dict(text="USD"), **money_axis(top)),
                      xaxis=_time_axis(duration))
    return fig.build()
