"""Plotly figures for the Risk page: data in (an ensemble frame and its summary, see
cascade.ensemble.summarize), Figure out, no simulation. Template figures.TEMPLATE.

What goes to the browser is binned: one histogram per knob value, so a figure's size does
not grow with the number of books.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cascade.ensemble import books_needed

from .contagion_figures import MARKET_COLORS, OBSERVED_CROSS
from .figures import (INK, MUTED, SHOCK, TEMPLATE, Draft, heading, money_axis, nice_step,
                      scatter)
from .formats import pct, share, usd

RIDGE = "#475569"
RIDGE_FILL = "rgba(71, 85, 105, 0.28)"
BAND = "#2563eb"
TAIL = "#b91c1c"
RIDGE_HEIGHT = 0.8        # a row's tallest bin, in rows
BINS = 60
# The cross-margin chart's shares: colours none of the page's three markets has
# (contagion_figures.MARKET_COLORS); the observed line takes the colour of the share it is
# compared with.
FROM_ELSEWHERE = "#d97706"
CROSS = "#7c3aed"
# Under the axis title at any figure height: anchored to the bottom of the whole figure.
LEGEND_BELOW = dict(orientation="h", yref="container", y=0.02, yanchor="bottom", x=0,
                    xanchor="left")


def _edges(moves: np.ndarray, bins: int) -> np.ndarray:
    low, high = float(moves.min()), float(moves.max())
    span = max(high - low, 0.1)        # in % points; a degenerate ensemble still gets bins
    step = nice_step(span, bins)
    return np.arange(np.floor(low / step) * step, high + step * 1.0001, step)


def _stairs(edges: np.ndarray, heights: np.ndarray, base: float):
    """A closed step outline of a histogram sitting on y = base."""
    x = np.concatenate([[edges[0]], np.repeat(edges, 2)[1:-1], [edges[-1]]])
    y = np.concatenate([[base], base + np.repeat(heights, 2), [base]])
    return x, y


def final_move_figure(frame: pd.DataFrame, summary: pd.DataFrame, knob: str,
                      knob_title: str, labels: list[str], shocks: list[float],
                      bins: int = BINS) -> go.Figure:
    """A ridgeline: for each knob value (one row each, labels in summary order) the
    histogram of the final move across its books (% from start), with the 5-95% range,
    the median, the 1-in-100 move (q99, in the shock's direction) and the shock alone.

    frame: run_ensemble rows (columns knob, final_move); summary: summarize() of it;
    shocks: the shock of each row (the same unless the knob is the shock)."""
    moves = frame["final_move"].to_numpy(dtype=float) * 100
    edges = _edges(np.concatenate([moves, np.asarray(shocks) * 100]), bins)
    centres_from, centres_to = edges[:-1], edges[1:]
    shares = []
    for value in summary[knob]:
        group = moves[(frame[knob] == value).to_numpy()]
        counts, _ = np.histogram(group, bins=edges)
        shares.append(counts / max(len(group), 1))

    fig = go.Figure(layout=dict(template=TEMPLATE))
    for row, (share, label, shock) in enumerate(zip(shares, labels, shocks)):
        first = row == 0
        scale = RIDGE_HEIGHT / max(share.max(), 1e-12)     # each row up to its tallest bin
        x, y = _stairs(edges, share * scale, row)
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines", fill="toself", fillcolor=RIDGE_FILL,
            line=dict(color=RIDGE, width=1), name="Share of books (histogram)",
            legendgroup="ridge", showlegend=first, hoverinfo="skip"))
        drawn = share > 0
        fig.add_trace(go.Scatter(
            x=0.5 * (centres_from + centres_to)[drawn], y=row + share[drawn] * scale,
            mode="markers", marker=dict(size=6, color="rgba(0,0,0,0)"), showlegend=False,
            customdata=np.stack([centres_from[drawn], centres_to[drawn], share[drawn] * 100],
                                axis=-1),
            hovertemplate=(f"{label}: %{{customdata[2]:.1f}}% of books ended between "
                           "%{customdata[0]:.1f}% and %{customdata[1]:.1f}%<extra></extra>")))
        fig.add_trace(go.Scatter(
            x=[shock * 100, shock * 100], y=[row, row + RIDGE_HEIGHT], mode="lines",
            line=dict(color=SHOCK, dash="dash", width=1.5), name="Shock alone",
            legendgroup="shock", showlegend=first,
            hovertemplate=f"{label}: the shock alone, {shock * 100:+.1f}%<extra></extra>"))
    quantiles = summary[["q05", "q50", "q95", "q99"]].to_numpy(dtype=float) * 100
    rows = np.arange(len(summary))
    banded = [row for row, q in enumerate(quantiles) if np.isfinite(q[[0, 2]]).all()]
    for row, (q05, q50, q95, q99) in enumerate(quantiles):
        if row not in banded:    # fewer books than a 5% / 95% mark needs (summarize)
            continue
        fig.add_trace(go.Scatter(
            x=[q05, q95], y=[row, row], mode="lines", line=dict(color=BAND, width=6),
            name="5% to 95% of books", legendgroup="band", showlegend=row == banded[0],
            hovertemplate=(f"{labels[row]}: 90% of books ended between {q05:+.1f}% and "
                           f"{q95:+.1f}%<extra></extra>")))
    fig.add_trace(go.Scatter(
        x=quantiles[:, 1], y=rows, mode="markers", name="Median",
        marker=dict(symbol="circle", size=10, color="white", line=dict(color=BAND, width=2.5)),
        customdata=labels, hovertemplate="%{customdata}: median %{x:+.1f}%<extra></extra>"))
    tail = np.isfinite(quantiles[:, 3])
    if tail.any():           # q99 only from 100 books per setting (summarize)
        fig.add_trace(go.Scatter(
            x=quantiles[tail, 3], y=rows[tail], mode="markers",
            name="1 book in 100 went further (q99)",
            marker=dict(symbol="diamond", size=11, color=TAIL, line=dict(color="white", width=1)),
            customdata=np.asarray(labels)[tail],
            hovertemplate="%{customdata}: 1 book in 100 went beyond %{x:+.1f}%<extra></extra>"))
    marks = ("median, middle 90% and 1-in-100 tail" if tail.all() else
             f"median and middle 90%<br>(the 1-in-100 tail needs {books_needed(0.99)} books "
             "per setting)" if banded else
             f"median<br>(the middle 90% needs {books_needed(0.95)} books per setting)")
    subtitle = ("Where the price ended, book by book (each row's histogram<br>scaled to its "
                f"tallest bin);<br>{marks}.")
    top = 55 + 20 * (subtitle.count("<br>") + 1)  # the title, then 20 px a subtitle line
    fig.update_layout(
        title=dict(text="Final move across the books, per setting",
                   subtitle=dict(text=subtitle)),
        xaxis=dict(title="Final move (% from start)", ticksuffix="%", zeroline=False),
        yaxis=dict(title=knob_title, tickvals=rows, ticktext=labels,
                   range=[-0.5, len(summary) - 1 + RIDGE_HEIGHT + 0.2]),
        height=max(420, 170 + 60 * len(summary)) + top - 95, margin=dict(t=top, b=110),
        legend=LEGEND_BELOW, hovermode="closest",
    )
    return fig


def runaway_probability_figure(summary: pd.DataFrame, knob_title: str, labels: list[str],
                               rule: str = "peak branching ratio R >= 1") -> go.Figure:
    """P(runaway) per knob value (the share of books where the Explorer's verdict is
    'runaway': `rule`, cascade_view.risk.verdict_rule, peak R >= 1 without the clock and
    R x p >= 1 with it), with its 95% Wilson interval as error bars. Markers only: a
    line between two tested values would claim a result at the values in between, where a
    runaway can switch on sharply."""
    p = summary["p_runaway"].to_numpy(dtype=float) * 100
    low = summary["p_runaway_low"].to_numpy(dtype=float) * 100
    high = summary["p_runaway_high"].to_numpy(dtype=float) * 100
    books = summary["books"].to_numpy()
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Scatter(
        x=labels, y=p, mode="markers", name="Books that ran away",
        marker=dict(size=10, color=TAIL),
        error_y=dict(type="data", symmetric=False, array=high - p, arrayminus=p - low,
                     color=MUTED, thickness=1.5, width=6),
        customdata=np.stack([low, high, books], axis=-1),
        hovertemplate=("%{x}: %{y:.1f}% of %{customdata[2]:,} books ran away "
                       "(95% interval %{customdata[0]:.1f}% to %{customdata[1]:.1f}%)"
                       "<extra></extra>")))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="95% interval (Wilson)",
                             line=dict(color=MUTED, width=1.5)))
    fig.update_layout(
        title=dict(text="How likely a runaway is, per setting",
                   subtitle=dict(text="Share of books whose cascade fed on itself<br>"
                                      f"({rule}), with its 95% interval;<br>"
                                      "only the values tested, no line between them.")),
        xaxis=dict(title=knob_title, type="category"),
        yaxis=dict(title="Books that ran away (%)", range=[-3, 103], ticksuffix="%"),
        height=420, margin=dict(b=110), legend=LEGEND_BELOW, hovermode="closest",
    )
    return fig


def cross_share_figure(curve: pd.DataFrame, setup) -> go.Figure:
    """Against the share of open interest in cross accounts (cascade.sweep.
    cross_share_curve, one run per share of the same seed), three panels on one x axis:
    the move of each market whose own path is flat (P / P0 - 1 at the run's end); the
    share of the liquidated notional another market's fall caused (contagion_share) and
    cross positions' share of it (cross_liquidated), beside the observed share of
    cross-margin longs on 10 Oct 2025 (a share of the liquidated notional, not of open
    interest); and bad debt (USD). Markers only:
    between two shares run the curve can jump, and a line would claim the values there.

    setup: the cascade.contagion.Contagion the curve was run for (its markets and the one
    that falls)."""
    x = curve["cross_share"].to_numpy(dtype=float) * 100
    calm = [name for name in setup.markets if name != setup.shocked]
    debt = curve["bad_debt"].to_numpy(dtype=float)
    fig = Draft(**heading("What the cross share does", "one run per share, on the same seed;",
                          "only the shares run are drawn, no line between them"),
                xaxis=dict(title=dict(text="Open interest in cross accounts"),
                           tickmode="array", tickvals=[float(v) for v in x],
                           ticktext=[share(v) for v in curve["cross_share"]],
                           range=[x.min() - 5, x.max() + 5], anchor="y3"),
                yaxis=dict(title=dict(text="move"), tickformat=".1%", domain=[0.72, 1.0],
                           zeroline=True, zerolinecolor=MUTED),
                yaxis2=dict(title=dict(text="share"), tickformat=".0%", range=[-0.05, 1.05],
                            domain=[0.38, 0.62]),
                yaxis3=dict(title=dict(text="bad debt"), domain=[0.0, 0.26],
                            **money_axis(debt.max())),
                height=700, legend=LEGEND_BELOW, hovermode="closest")
    fig.update_layout(margin=dict(t=fig.layout["margin"]["t"] + 16, b=110))
    for top, text in ((1.0, f"Calm markets' move ({', '.join(calm)}: own path flat)"),
                      (0.62, "Share of the liquidated notional"),
                      (0.26, f"Bad debt (the fund starts at {usd(setup.insurance_fund)})")):
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=top,
                           xanchor="left", yanchor="bottom", showarrow=False,
                           font=dict(size=12, color=MUTED))
    for name in calm:
        m = setup.markets.index(name)
        fig.add_trace(scatter(
            x=x, y=curve[f"move_{name}"].to_numpy(dtype=float), mode="markers", name=name,
            marker=dict(size=9, color=MARKET_COLORS[m % len(MARKET_COLORS)]),
            hovertemplate=f"%{{x:.0f}}% cross: {name} %{{y:+.2%}}<extra></extra>"))
    for column, name, colour, symbol in (
            ("contagion_share", "From another market", FROM_ELSEWHERE, "circle"),
            ("cross_liquidated", "Cross positions' share", CROSS, "diamond")):
        fig.add_trace(scatter(
            x=x, y=curve[column].to_numpy(dtype=float), yaxis="y2", mode="markers",
            name=name, marker=dict(size=9, color=colour, symbol=symbol),
            hovertemplate=f"%{{x:.0f}}% cross: {name.lower()} %{{y:.1%}}<extra></extra>"))
    observed = OBSERVED_CROSS.value
    fig.add_trace(scatter(
        x=[x.min() - 5, x.max() + 5], y=[observed, observed], yaxis="y2", mode="lines",
        name=f"Observed: {pct(observed, signed=False)} cross-margin longs (10 Oct 2025)",
        line=dict(color=CROSS, dash="dot", width=1.5),
        hovertemplate=(f"Observed: {pct(observed, signed=False)} of the liquidated notional "
                       f"was cross-margin longs ({OBSERVED_CROSS.scope}, 10 Oct 2025; "
                       f"{OBSERVED_CROSS.source})<extra></extra>")))
    fig.add_trace(scatter(
        x=x, y=debt, yaxis="y3", mode="markers", name="Bad debt",
        marker=dict(size=9, color=INK, symbol="square"),
        customdata=[usd(v) for v in debt],
        hovertemplate="%{x:.0f}% cross: bad debt %{customdata}<extra></extra>"))
    return fig.build()
