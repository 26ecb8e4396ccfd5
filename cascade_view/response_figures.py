"""The response curve (issue 16, item 3): final move against shock, with the critical shock
marked, for one book (the Explorer) or two overlaid (Compare). Data in, Figure out: the
curves come from cascade.response.response_curve, computed by the caller.

A clustered crowd draws a cliff (the line follows the shock, then drops at once); a
dispersed crowd draws a ramp. The dotted diagonal is the shock alone (final move = shock):
the gap below it is what liquidations added. A timed curve (ResponseCurve.timed: each point
a run along the scenario's path, the shock setting its depth) counts ticks where an instant
one counts waves, and its dashed critical shock is the instant model's, so it says so.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from cascade.response import ResponseCurve

from .figures import INK, MUTED, TEMPLATE
from .formats import pct
from .phase_figures import SIDE_COLORS


def response_figure(curves: dict[str, ResponseCurve], current: dict[str, tuple[float, float]] | None = None,
                    labels: dict[str, str] | None = None, height: int | None = None
                    ) -> go.Figure:
    """Final move (%) against shock (%) for each curve, one line per name in `curves` (names
    "A" and "B" take the Compare colours, any other name the ink colour); each curve's
    critical shock as a dotted vertical line of its colour (none where it is NaN); each
    current shock (`current`: name -> shock) as a marker on its curve; `labels`: legend
    names (default: the curve names)."""
    current, labels = current or {}, labels or {}
    fig = go.Figure(layout=dict(template=TEMPLATE))
    first = next(iter(curves.values()))
    reach = float(first.shocks[np.argmax(np.abs(first.shocks))]) * 100
    timed = any(curve.timed for curve in curves.values())
    steps = "ticks" if timed else "waves"
    fig.add_trace(go.Scatter(
        x=[0.0, reach], y=[0.0, reach], mode="lines",
        name="final move = shock" if timed else "the shock alone",
        line=dict(color=MUTED, width=1, dash="dot"), hoverinfo="skip"))
    for name, curve in curves.items():
        color = SIDE_COLORS.get(name, INK)
        label = labels.get(name, name)
        fig.add_trace(go.Scatter(
            # a marker at every shock tried: the segments between them are not runs
            x=curve.shocks * 100, y=curve.final_moves * 100, mode="lines+markers", name=label,
            line=dict(color=color, width=2, shape="linear"), marker=dict(size=4, color=color),
            customdata=np.column_stack([curve.waves]),
            hovertemplate=(f"{label}: shock %{{x:.2f}}%, final move %{{y:.1f}}% "
                           f"(%{{customdata[0]}} {steps})<extra></extra>")))
        critical = curve.critical_shock
        if math.isfinite(critical):
            fig.add_vline(x=critical * 100, line=dict(color=color, width=1.5, dash="dash"))
            fig.add_trace(go.Scatter(
                x=[critical * 100], y=[None], mode="lines", showlegend=True,
                line=dict(color=color, width=1.5, dash="dash"),
                name=(f"{label}: critical shock {pct(critical)}"
                      + (" (instant model)" if curve.timed else "")), hoverinfo="skip"))
        if name in current:
            shock, move = current[name]
            fig.add_trace(go.Scatter(
                x=[shock * 100], y=[move * 100], mode="markers",
                marker=dict(color=color, size=11, symbol="circle",
                            line=dict(color="white", width=1.5)),
                name=f"{label}: this shock, {pct(shock)} to {pct(move)}",
                hovertemplate=f"{label} at its shock: %{{y:.1f}}%<extra></extra>"))
    rise = first.direction > 0
    fig.update_layout(
        title=dict(text="Response curve: final move against shock",
                   subtitle=dict(text=(
                       "One timed run along the path per dot (the shock its depth);"
                       "<br>dashed: the instant model's critical shock." if timed else
                       "One run per dot; dashed: the critical shock."))),
        xaxis=dict(title="Shock (%)", ticksuffix="%", autorange=True if rise else "reversed"),
        yaxis=dict(title="Final move (%)", ticksuffix="%"),
        legend=dict(orientation="h", y=-0.22, x=0), margin=dict(b=70),
        hovermode="closest")
    if height:
        fig.update_layout(height=height)
    return fig
