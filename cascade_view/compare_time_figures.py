"""The Compare page's figures in time (issue 17): both crowds' traded price against seconds,
and their liquidations per second or per minute. Data in (each side's TimedResult.series),
Figure out, no simulation; the conventions of figures.py (TEMPLATE, a title with units,
money written with B for billions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import START, TEMPLATE, heading, money_axis
from .phase_figures import SIDE_COLORS

# Points sent per line at most: a longer run is drawn one point per block of ticks, the
# block's furthest price (so the lowest point is always drawn).
MAX_POINTS = 2_000
# Bin widths (seconds) of the liquidations chart, the first whose bins number at most
# MAX_BINS over the longer run.
BIN_SECONDS = (1.0, 10.0, 60.0, 600.0, 3600.0)
MAX_BINS = 180
EXOGENOUS = "#111827"


def _thinned(seconds: np.ndarray, values: np.ndarray, low: bool) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """At most MAX_POINTS points: every point, or per block of ticks the point of the
    block's lowest value (highest when not `low`)."""
    if seconds.size <= MAX_POINTS:
        return seconds, values
    block = int(np.ceil(seconds.size / MAX_POINTS))
    pad = (-seconds.size) % block
    fill = np.inf if low else -np.inf
    shaped = np.concatenate((values, np.full(pad, fill))).reshape(-1, block)
    pick = (np.argmin(shaped, axis=1) if low else np.argmax(shaped, axis=1)) + \
        np.arange(shaped.shape[0]) * block
    return seconds[pick], values[pick]


def _price_points(series: pd.DataFrame, dt: float, column: str,
                  low: bool) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, price) of one run. column "price": the traded price, at 0 s the first
    tick's start price, then after each tick at its end (start + dt). column
    "exogenous_price": the path alone, at each tick's start, and held to the last tick's
    end."""
    seconds = series["seconds"].to_numpy()
    values = series[column].to_numpy()
    if column == "price":
        seconds = np.concatenate(([0.0], seconds + dt))
        values = np.concatenate(([float(series["start_price"].iloc[0])], values))
    else:
        seconds = np.concatenate((seconds, [seconds[-1] + dt]))
        values = np.concatenate((values, [values[-1]]))
    return _thinned(seconds, values, low)


def time_price_figure(runs: dict[str, tuple[pd.DataFrame, float]], shared: bool,
                      falls: bool = True) -> go.Figure:
    """The traded price (start = 100) against seconds, one solid line per side, and the
    exogenous path dashed: once (over the longer run) when `shared` (both sides follow the
    same path), else one per side. runs: side -> (TimedResult.series, tick seconds).
    falls: the runs are falls (thinning keeps each block's lowest price; its highest
    otherwise)."""
    fig = go.Figure(layout=dict(template=TEMPLATE))
    paths = {side: _price_points(series, dt, "exogenous_price", falls)
             for side, (series, dt) in runs.items()}
    first = max(paths.values(), key=lambda p: p[0][-1])
    for side, (series, dt) in runs.items():
        seconds, price = _price_points(series, dt, "price", falls)
        fig.add_trace(go.Scatter(
            x=seconds, y=price, mode="lines", name=f"{side}: traded price",
            line=dict(color=SIDE_COLORS[side], width=2.5),
            hovertemplate=f"{side} at %{{x:,.0f}} s: price %{{y:.2f}}<extra></extra>"))
        if not shared:
            fig.add_trace(go.Scatter(
                x=paths[side][0], y=paths[side][1], mode="lines", name=f"{side}: the path",
                line=dict(color=SIDE_COLORS[side], width=1.5, dash="dash"),
                hovertemplate=f"{side}'s path at %{{x:,.0f}} s: %{{y:.2f}}<extra></extra>"))
    if shared:
        fig.add_trace(go.Scatter(
            x=first[0], y=first[1], mode="lines", name="The path (both, before liquidations)",
            line=dict(color=EXOGENOUS, width=1.5, dash="dash"),
            hovertemplate="Path at %{x:,.0f} s: %{y:.2f}<extra></extra>"))
    fig.add_hline(y=100.0, line=dict(color=START, dash="dot", width=1))
    fig.update_layout(
        **heading("Price in time: A and B", "Start = 100; solid: traded price;",
                  "dashed: the path alone."),
        xaxis=dict(title="Seconds", rangemode="tozero"),
        yaxis=dict(title="Price (start = 100)"), legend=dict(y=-0.22))
    return fig


def bin_seconds(longest: float) -> float:
    """The first width of BIN_SECONDS that cuts `longest` seconds into at most MAX_BINS."""
    for width in BIN_SECONDS:
        if longest / width <= MAX_BINS:
            return width
    return BIN_SECONDS[-1]


def liquidations_per_bin(series: pd.DataFrame, dt: float,
                         width: float) -> tuple[np.ndarray, np.ndarray]:
    """(bin starts in seconds, notional executed in each bin, USD at entry, both sides):
    each tick counted in the bin of its start."""
    executed = (series["long_notional"] + series["short_notional"]).to_numpy()
    index = np.floor(series["seconds"].to_numpy() / width + 1e-9).astype(np.int64)
    sums = np.bincount(index, weights=executed) if index.size else np.zeros(0)
    return np.arange(sums.size) * width, sums


def _width_words(width: float) -> str:
    return {1.0: "second", 60.0: "minute", 3600.0: "hour"}.get(width, f"{width:g} s")


def time_liquidations_figure(runs: dict[str, tuple[pd.DataFrame, float]]) -> go.Figure:
    """Notional liquidated (USD at entry, longs and shorts together) per second, per 10 s,
    per minute ... (bin_seconds of the longer run), A and B side by side.
    runs: side -> (TimedResult.series, tick seconds)."""
    longest = max(float(series["seconds"].iloc[-1]) + dt if len(series) else 0.0
                  for series, dt in runs.values())
    width = bin_seconds(longest)
    fig = go.Figure(layout=dict(template=TEMPLATE))
    top = 0.0
    for side, (series, dt) in runs.items():
        starts, sums = liquidations_per_bin(series, dt, width)
        top = max(top, float(sums.max()) if sums.size else 0.0)
        fig.add_trace(go.Bar(
            x=starts + width / 2, y=sums, width=width * 0.45,
            offset=-width * 0.45 if side == "A" else 0.0,
            name=f"{side}: liquidated per {_width_words(width)}",
            marker=dict(color=SIDE_COLORS[side]),
            customdata=np.stack([starts, starts + width], axis=-1) if sums.size else None,
            hovertemplate=(f"{side}, %{{customdata[0]:,.0f}}-%{{customdata[1]:,.0f}} s: "
                           "$%{y:,.0f}<extra></extra>")))
    fig.update_layout(
        **heading(f"Liquidations per {_width_words(width)}: A and B",
                  "Notional (USD at entry) the engine", "executed, longs and shorts."),
        xaxis=dict(title="Seconds", rangemode="tozero"),
        yaxis=dict(title=f"Notional per {_width_words(width)} (USD)", **money_axis(top)),
        barmode="overlay", legend=dict(y=-0.22))
    return fig
