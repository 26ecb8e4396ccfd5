"""Plotly figure builders for the venue mechanics (issue 10): the liquidation engine's
queue, and the insurance fund, bad debt and ADL, step by step. Data in (a CascadeResult's
waves table, one row per engine step), Figure out; no simulation here.

Money axes label their ticks with formats.usd ($20M, $1.5B), never Plotly's SI "G".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import INK, MUTED, TEMPLATE, _empty_note, heading, nice_step
from .formats import usd

EXECUTED = "#2563eb"
QUEUED = "#d97706"
FUND = "#059669"
BAD_DEBT = "#b91c1c"
ADL = "#7c3aed"


def money_axis(values, bins: int = 5) -> dict:
    """Axis settings with ticks at round sums of money labelled $20M, $1.5B, ..."""
    values = np.asarray(values, dtype=float)
    top = float(np.nanmax(values)) if values.size else 0.0
    bottom = min(0.0, float(np.nanmin(values))) if values.size else 0.0
    if top <= bottom:
        top = bottom + 1.0
    step = nice_step(top - bottom, bins)
    ticks = np.arange(np.floor(bottom / step), np.ceil(top / step) + 1) * step
    return dict(tickvals=ticks, ticktext=[usd(t) for t in ticks], range=[bottom, ticks[-1]])


def _steps(waves: pd.DataFrame) -> np.ndarray:
    return waves["wave"].to_numpy(dtype=int)


def _empty(title: dict) -> go.Figure:
    fig = go.Figure(layout=dict(template=TEMPLATE, **title, xaxis=dict(visible=False),
                                yaxis=dict(visible=False)))
    _empty_note(fig, "No liquidations: the engine had nothing to execute")
    return fig


def queue_figure(waves: pd.DataFrame, capacity: float | None) -> go.Figure:
    """Per engine step: notional executed (bars; the auto-deleveraged part apart when there
    is one) and notional still queued after the step (line); the capacity as a dashed line,
    named in the legend (a label on the line would sit on the queue's line or bars).
    waves: CascadeResult.waves of a run with a venue mechanic on (column "queued")."""
    title = heading("Liquidation engine: executed and queued",
                    "Notional at entry (USD) per engine step. What the",
                    "engine cannot execute in a step waits, most",
                    "underwater first.")
    if len(waves) == 0:
        return _empty(title)
    steps = _steps(waves)
    executed = waves["notional"].to_numpy(dtype=float)
    queued = waves["queued"].to_numpy(dtype=float)
    fig = go.Figure(layout=dict(template=TEMPLATE, **title, barmode="stack"))
    fig.add_trace(go.Bar(x=steps, y=executed, name="Executed in the step", marker_color=EXECUTED,
                         customdata=[usd(v) for v in executed],
                         hovertemplate="Step %{x}: executed %{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(x=steps, y=queued, name="Still queued after the step",
                             mode="lines+markers", line=dict(color=QUEUED, width=2),
                             customdata=[usd(v) for v in queued],
                             hovertemplate="Step %{x}: queued %{customdata}<extra></extra>"))
    top = [executed.max(), queued.max()]
    if capacity:
        fig.add_trace(go.Scatter(x=[steps.min() - 0.5, steps.max() + 0.5], y=[capacity] * 2,
                                 name=f"Capacity: {usd(capacity)} per step", mode="lines",
                                 line=dict(color=MUTED, dash="dash", width=1.5),
                                 hoverinfo="skip"))
        top.append(capacity)
    fig.update_layout(xaxis=dict(title="Engine step"),
                      yaxis=dict(title="Notional (USD)", **money_axis(top)),
                      legend=dict(y=-0.25))
    return fig


def fund_figure(waves: pd.DataFrame, fund_start: float) -> go.Figure:
    """Top: the insurance fund after each step (from its starting size) and cumulative bad
    debt. Bottom: notional auto-deleveraged in each step (valued at the bankruptcy prices).
    Two panels because ADL can dwarf the fund. waves: CascadeResult.waves of a run that
    kept accounts (columns fund, bad_debt, adl_notional)."""
    title = heading("Insurance fund, bad debt and ADL",
                    "USD by step. The fund pays fills below bankruptcy;",
                    "beyond it, auto-deleveraging (ADL) or bad debt.")
    if len(waves) == 0:
        return _empty(title)
    steps = np.r_[0, _steps(waves)]
    fund = np.r_[fund_start, waves["fund"].to_numpy(dtype=float)]
    bad_debt = np.r_[0.0, waves["bad_debt"].cumsum().to_numpy(dtype=float)]
    adl = waves["adl_notional"].to_numpy(dtype=float)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.55, 0.45])
    fig.update_layout(template=TEMPLATE, **title)
    for name, values, color in (("Insurance fund", fund, FUND),
                                ("Bad debt (cumulative)", bad_debt, BAD_DEBT)):
        fig.add_trace(go.Scatter(x=steps, y=values, name=name, mode="lines",
                                 line=dict(color=color, width=2, shape="hv"),
                                 customdata=[usd(v) for v in values],
                                 hovertemplate=f"Step %{{x}}: {name.lower()} "
                                               "%{customdata}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=steps[1:], y=adl, name="Auto-deleveraged in the step",
                         marker_color=ADL, customdata=[usd(v) for v in adl],
                         hovertemplate="Step %{x}: ADL %{customdata}<extra></extra>"),
                  row=2, col=1)
    fig.update_yaxes(title_text="Fund, bad debt", **money_axis(np.r_[fund, bad_debt], 3),
                     row=1, col=1)
    fig.update_yaxes(title_text="ADL", **money_axis(adl, 3), row=2, col=1)
    fig.update_xaxes(title_text="Engine step (0 = before the first)", row=2, col=1)
    fig.update_layout(legend=dict(y=-0.25), font=dict(color=INK))
    return fig
