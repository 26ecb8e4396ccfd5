"""Figures of the Phase diagram, Compare and Learn pages: data in, Figure out, no simulation.

Same conventions as figures.py: every figure names TEMPLATE, has a title, axis titles with
units and a legend a stakeholder reads; money shows B (not Plotly's G) for billions.
"""

from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from .axes import Axis, shown_value
from .figures import INK, START, SURVIVED, TEMPLATE, map_window, money_axis, nice_step, wave_colors
from .formats import pct, times, usd
from .figures import TOOLBAR_PX, heading

# The page's default colouring is the first: the move the liquidations added beyond the shock,
# so a big move that is only the shock stays dark (issue 16).
METRIC_TITLES = {
    "beyond_shock": ("Move beyond the shock", "Beyond the shock (points)"),
    "final_move": ("Final move", "Final move (%)"),
    "amplification": ("Amplification", "Amplification (x the shock)"),
}
# With the clock on, a cell's final move is the traded price when the timed run ends (after
# any rebound), not the lowest price on the way (cascade.sweep): the colour bar says so.
TIMED_MOMENT = "at the timed run's end"
# Colours of the two scenarios on the Compare page.
SIDE_COLORS = {"A": "#2563eb", "B": "#b91c1c"}
CURRENT = "#ffffff"
# Inferno as explicit rgb() stops: given by name, its first stop "#000004" reached the
# browser as Plotly's default purple (#ab63fa), so the darkest cells showed lavender.
HEAT_SCALE = [[float(t), color] for t, color in zip(
    np.linspace(0.0, 1.0, 11), sample_colorscale("Inferno", list(np.linspace(0.0, 1.0, 11)),
                                                 colortype="rgb"))]


def _axis_layout(axis: Axis) -> dict:
    layout = dict(title=axis.title)
    if axis.log:
        layout.update(type="log", tickvals=list(axis.values), ticktext=list(axis.labels))
        if len(axis.values) > 8:  # every other stop, so labels do not collide
            layout.update(tickvals=list(axis.values[::2]), ticktext=list(axis.labels[::2]))
    return layout


def _hover_value(axis: Axis, value: float) -> str:
    if axis.log:
        return axis.labels[list(axis.values).index(value)]
    return f"{shown_value(axis.field, value):g}{'%' if '(%)' in axis.title else ''}"


def beyond_shock(moves: np.ndarray, amplification: np.ndarray) -> np.ndarray:
    """|x - s| per cell, a fraction: how far the liquidations took the price past where the
    shock alone left it, from the final moves x and the amplifications x / s (s = x / (x / s);
    0 where the amplification is undefined, a zero shock, which moves nothing)."""
    moves = np.asarray(moves, dtype=float)
    amplification = np.asarray(amplification, dtype=float)
    defined = np.isfinite(amplification) & (amplification != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shocks = np.where(defined, moves / np.where(defined, amplification, 1.0), moves)
    return np.abs(moves - shocks)


def phase_figure(x: Axis, y: Axis, moves: np.ndarray, amplification: np.ndarray,
                 metric: str = "final_move", critical: np.ndarray | None = None,
                 current: tuple[float, float] | None = None, title: str | None = None,
                 subtitle: str = "", timed: bool = False) -> go.Figure:
    """A heatmap over two knobs of the final move x (in %), the amplification x / s, or the
    move beyond the shock |x - s| (in percentage points: what the liquidations added).

    moves, amplification: arrays [len(y), len(x)] (fractions, and x / s; the shock of a cell
    is s = x / (x / s), and a cell whose amplification is undefined had s = 0, x = 0). critical: the
    critical shock of each row (when x is the shock), drawn as the tipping boundary;
    current: (x value, y value) of the scenario the sidebar shows, marked with a star.
    A transparent marker sits on every cell: it carries the hover text, and clicking it
    selects the cell (the page opens that scenario on the Explorer).
    timed: the cells are timed runs (the clock is on); the colour bar and the hover text
    then say the final move is the price at the run's end (TIMED_MOMENT), not the lowest.
    """
    name, colorbar = METRIC_TITLES[metric]
    final = "Final move"
    if timed:
        colorbar, final = f"{colorbar}<br>{TIMED_MOMENT}", f"Final move ({TIMED_MOMENT})"
    z = (moves * 100 if metric == "final_move" else amplification if metric == "amplification"
         else beyond_shock(moves, amplification) * 100)
    shown_x = np.asarray(x.shown, dtype=float)
    shown_y = np.asarray(y.shown, dtype=float)
    finite = z[np.isfinite(z)]
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Heatmap(
        # bright = a large move: falls (negative moves) use the reversed scale
        x=shown_x, y=shown_y, z=z, colorscale=HEAT_SCALE, hoverinfo="skip", name=name,
        reversescale=metric == "final_move" and bool((finite <= 0).all()),
        zmin=float(finite.min()) if finite.size else None,
        zmax=float(finite.max()) if finite.size else None,
        colorbar=dict(title=dict(text=colorbar, side="right"), thickness=14, len=0.9)))
    grid_x, grid_y = np.meshgrid(np.arange(len(x.values)), np.arange(len(y.values)))
    beyond = beyond_shock(moves, amplification)
    text = [f"{x.title.split(' (')[0]} {_hover_value(x, x.values[j])}, "
            f"{y.title.split(' (')[0]} {_hover_value(y, y.values[i])}<br>"
            f"{final} {pct(moves[i, j])}, amplification {times(amplification[i, j])}, "
            f"{beyond[i, j] * 100:.1f} pts beyond the shock"
            for i, j in zip(grid_y.ravel(), grid_x.ravel())]
    fig.add_trace(go.Scatter(
        x=shown_x[grid_x.ravel()], y=shown_y[grid_y.ravel()], mode="markers",
        marker=dict(size=12, color="rgba(0,0,0,0)", symbol="square"),
        selected=dict(marker=dict(color="rgba(34,211,238,0.9)")),
        unselected=dict(marker=dict(opacity=0)),
        customdata=np.stack([grid_y.ravel(), grid_x.ravel()], axis=-1), text=text,
        hovertemplate="%{text}<br><i>Click to open it on the Explorer</i><extra></extra>",
        showlegend=False, name="cells"))
    if critical is not None and x.field == "shock":
        fig.add_trace(go.Scatter(
            x=np.asarray(critical, dtype=float) * 100, y=shown_y, mode="lines",
            line=dict(color="#22d3ee", width=3, shape="hv"), connectgaps=False,
            name="Critical shock (tipping boundary)",
            hovertemplate="Critical shock %{x:.2f}% at %{y}<extra></extra>"))
    if current is not None:
        fig.add_trace(go.Scatter(
            x=[shown_value(x.field, current[0])], y=[shown_value(y.field, current[1])],
            mode="markers", name="This scenario",
            marker=dict(symbol="star", size=18, color=CURRENT, line=dict(color=INK, width=1.5)),
            hovertemplate="This scenario<extra></extra>"))
    fig.update_layout(
        title=dict(text=title or f"{name}<br>over {x.title.split(' (')[0].lower()} and "
                                  f"{y.title.split(' (')[0].lower()}",
                   subtitle=dict(text=subtitle)),
        xaxis=_axis_layout(x), yaxis=_axis_layout(y), height=520,
        legend=dict(y=-0.16), clickmode="event+select",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    return fig


# ---------------------------------------------------------------- Compare

def compare_paths_figure(paths: dict[str, np.ndarray]) -> go.Figure:
    """Price after the shock and each wave, one line per scenario (start = 100)."""
    fig = go.Figure(layout=dict(template=TEMPLATE))
    for side, path in paths.items():
        steps = ["Start", "Shock"] + [f"Wave {k}" for k in range(1, len(path) - 1)]
        fig.add_trace(go.Scatter(
            x=steps, y=path, mode="lines+markers", name=f"{side}: final {path[-1]:.1f} "
            f"({pct(path[-1] / 100 - 1)}) after {len(path) - 2} waves",
            line=dict(color=SIDE_COLORS[side], width=2.5), marker=dict(size=8),
            hovertemplate=f"{side}, %{{x}}: price %{{y:.2f}}<extra></extra>"))
    longest = max(len(p) for p in paths.values())
    categories = ["Start", "Shock"] + [f"Wave {k}" for k in range(1, longest - 1)]
    fig.update_layout(
        **heading("Price path: A and B", "Start = 100; the shock, then each",
                  "liquidation wave."),
        xaxis=dict(title=None, type="category", categoryorder="array",
                   categoryarray=categories),
        yaxis=dict(title="Price (start = 100)"), legend=dict(y=-0.32))
    fig.update_layout(margin=dict(b=60))
    return fig


def compare_map_figure(maps: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                       moves: list[float], reference_price: float = 100.0,
                       bins: int = 100) -> go.Figure:
    """Open interest at each liquidation price for A and B, as outlines (all of it) and
    filled (the part liquidated). maps: side -> (liquidation prices, notional, liquidated)."""
    low, high, _ = map_window(reference_price, [reference_price * (1 + m) for m in moves])
    step = nice_step(high - low, bins)
    edges = np.arange(np.floor(low / step) * step, high + step, step)
    centres = 0.5 * (edges[:-1] + edges[1:])
    fig = go.Figure(layout=dict(template=TEMPLATE))
    for side, (liq, notional, liquidated) in maps.items():
        color = SIDE_COLORS[side]
        total, _ = np.histogram(liq, bins=edges, weights=notional)
        gone, _ = np.histogram(liq[liquidated], bins=edges, weights=notional[liquidated])
        fig.add_trace(go.Scatter(
            x=centres, y=gone, mode="lines", line=dict(color=color, width=0, shape="hvh"),
            fill="tozeroy", opacity=0.35, name=f"{side}: liquidated ({usd(gone.sum())})",
            customdata=[usd(v) for v in gone],
            hovertemplate=f"{side} liquidated at %{{x:.1f}}: %{{customdata}}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=centres, y=total, mode="lines", line=dict(color=color, width=2, shape="hvh"),
            name=f"{side}: all open interest", customdata=[usd(v) for v in total],
            hovertemplate=f"{side} at %{{x:.1f}}: %{{customdata}}<extra></extra>"))
    fig.add_vline(x=reference_price, line=dict(color=START, dash="dot", width=1.5))
    money = money_axis(max(float(np.max(t.y)) for t in fig.data))
    fig.update_layout(
        **heading("Liquidation map: A and B", f"Notional (USD at entry) per {step:g}-point",
                  "price bin; shaded = liquidated."),
        xaxis=dict(title="Liquidation price (start = 100)", range=[low, high]),
        yaxis=dict(title="Notional (USD)", **money),
        legend=dict(y=-0.18))
    return fig


def compare_leverage_figure(books: dict[str, tuple[np.ndarray, np.ndarray]],
                            bins: int = 50) -> go.Figure:
    """Open interest by leverage (log scale), one outline per scenario.
    books: side -> (leverage, notional)."""
    top = max(float(np.log10(lev.max())) for lev, _ in books.values()) * 1.01
    edges = np.linspace(0.0, max(top, np.log10(2.0)), bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    fig = go.Figure(layout=dict(template=TEMPLATE))
    for side, (leverage, notional) in books.items():
        sums, _ = np.histogram(np.log10(leverage), bins=edges, weights=notional)
        share = sums / sums.sum()
        fig.add_trace(go.Scatter(
            x=centres, y=share * 100, mode="lines", fill="tozeroy", opacity=0.5,
            line=dict(color=SIDE_COLORS[side], width=2, shape="hvh"), name=side,
            customdata=10 ** centres,
            hovertemplate=f"{side}: %{{y:.1f}}% of open interest near %{{customdata:.1f}}x"
                          "<extra></extra>"))
    ticks = [t for t in (1, 2, 3, 5, 10, 20, 50, 100) if np.log10(t) <= edges[-1]]
    fig.update_layout(
        **heading("Leverage: A and B", "Share of open interest per leverage bin",
                  "(log scale)."),
        xaxis=dict(title="Leverage (x, log scale)", tickvals=np.log10(ticks),
                   ticktext=[f"{t}x" for t in ticks]),
        yaxis=dict(title="Share of open interest (%)"), legend=dict(y=-0.15))
    return fig


# ---------------------------------------------------------------- Learn

def learn_figure(liquidation_price: np.ndarray, notional: np.ndarray,
                 liquidated_in: np.ndarray, price_path: np.ndarray, steps: list[str],
                 reference_price: float = 100.0, bins: int = 120,
                 font_size: int = 13, start: int = 0) -> go.Figure:
    """The liquidation map filling in wave by wave, as a Plotly animation.

    Frame 0 is the shock; frame k shows waves 1..k in their colours and the price after
    wave k. steps: one narration sentence per frame, shown as the frame's subtitle; the
    frame's title says "Step k of N", so what the chart shows and the step it names always
    agree, whether it got there by Play or by the slider. start: the frame shown first.
    Play/pause buttons and a step slider live inside the figure, so stepping through it
    never reruns the page.

    Layout in pixels (font_size 13 on a page, 20 on a projector): the narration is wrapped
    to lines that fit a phone (or, at 20 px, a 1024 px projector), the top margin holds the
    longest; below the x axis come the buttons, then the slider, then the legend, each
    placed from the plot's bottom edge in pixels, so none covers the axis title at any
    width. At 20 px the whole figure is LEARN_PRESENT_HEIGHT_PX high (a 720 px screen)."""
    liq = np.asarray(liquidation_price, dtype=float)
    notional = np.asarray(notional, dtype=float)
    path = np.asarray(price_path, dtype=float)
    waves = len(path) - 2
    low, high, _ = map_window(reference_price, [path[1], path[-1]])
    step = nice_step(high - low, bins)
    edges = np.arange(np.floor(low / step) * step, high + step, step)
    centres = 0.5 * (edges[:-1] + edges[1:])
    width = edges[1] - edges[0]
    colors = wave_colors(waves)
    per_wave = [np.histogram(liq[liquidated_in == k], bins=edges,
                             weights=notional[liquidated_in == k])[0]
                for k in range(1, waves + 1)]
    everything, _ = np.histogram(liq, bins=edges, weights=notional)
    top = float(everything.max()) * 1.15 if everything.size else 1.0

    def traces(k: int) -> list:
        gone = np.sum(per_wave[:k], axis=0) if k else np.zeros_like(everything)
        data = [go.Bar(x=centres, y=everything - gone, width=width, name="Still open",
                       marker=dict(color=SURVIVED, line=dict(width=0)),
                       hovertemplate="Still open at %{x:.1f}: $%{y:,.0f}<extra></extra>")]
        for wave in range(1, waves + 1):
            data.append(go.Bar(
                x=centres, y=per_wave[wave - 1] if wave <= k else np.zeros_like(everything),
                width=width, name=f"Wave {wave}", marker=dict(color=colors[wave - 1],
                                                             line=dict(width=0)),
                showlegend=wave < LEARN_LEGEND_WAVES,
                hovertemplate=f"Wave {wave} at %{{x:.1f}}: $%{{y:,.0f}}<extra></extra>"))
        if waves >= LEARN_LEGEND_WAVES:  # one legend entry for the later waves
            data.append(go.Bar(x=[None], y=[None], name=f"Waves {LEARN_LEGEND_WAVES}-{waves}",
                               marker=dict(color=colors[LEARN_LEGEND_WAVES - 1]),
                               hoverinfo="skip"))
        price = path[k + 1]
        data.append(go.Scatter(x=[price, price], y=[0, top], mode="lines",
                               line=dict(color="#b91c1c", width=3), name="Price now",
                               hovertemplate=f"Price {price:.2f}<extra></extra>"))
        return data

    big = font_size > 13
    title_size, small = (font_size + 4, font_size - 2) if big else (16, 12)
    # about 0.5 em per character: 48 characters of 12 px fit a 390 px phone's chart, 84 of
    # 18 px a 1024 px projector's
    lines = [_wrap(text, 84 if big else 48) for text in steps]
    narration_lines = max(line.count("<br>") + 1 for line in lines)
    titles = [f"Step {k + 1} of {len(steps)}: the cascade, wave by wave"
              for k in range(len(steps))]
    frames = [go.Frame(data=traces(k), name=str(k),
                       layout=dict(title=dict(text=titles[k], subtitle=dict(text=lines[k]))))
              for k in range(waves + 1)]
    start = min(max(start, 0), waves)
    fig = go.Figure(data=traces(start), frames=frames, layout=dict(template=TEMPLATE))
    play = dict(frame=dict(duration=1400, redraw=True), transition=dict(duration=300),
                fromcurrent=True, mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate")

    # pixel heights of each band, from font sizes (Plotly sets a line at about 1.3 em)
    margin_top = TOOLBAR_PX + round(1.5 * title_size + 1.35 * small * narration_lines) + 12
    axis_px = round(1.4 * small + 1.4 * font_size) + 32  # tick labels, then the axis title
    button_px = round(1.3 * font_size) + 14
    slider_px = round(1.3 * small) + 40                  # rail, ticks and step labels
    slider_labels = _slider_labels(waves)
    entries = min(waves, LEARN_LEGEND_WAVES) + 2         # still open, the waves, price now
    legend_rows = -(-entries // (6 if big else 3))       # a 1024 px projector; a phone
    legend_px = legend_rows * round(1.35 * small + 6) + 8
    margin_bottom = axis_px + button_px + slider_px + legend_px
    plot_px = (max(LEARN_PRESENT_HEIGHT_PX - margin_top - margin_bottom, 200) if big
               else 380)
    edge_pad = round(0.3 * small * max(len(slider_labels[0]), len(slider_labels[-1]))) + 6
    fig.update_layout(
        title=dict(text=titles[start], subtitle=dict(text=lines[start])),
        barmode="stack", bargap=0, height=margin_top + plot_px + margin_bottom,
        xaxis=dict(title="Liquidation price (start = 100)", range=[low, high]),
        yaxis=dict(title="Notional (USD)", **{**money_axis(top), "range": [0, top]}),
        legend=dict(y=0, yref="container", yanchor="bottom", traceorder="normal"),
        margin=dict(t=margin_top, b=margin_bottom),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=0, xanchor="left",
                          yanchor="top", showactive=False, pad=dict(t=axis_px, l=0),
                          buttons=[
                              dict(label="▶ Play", method="animate", args=[None, play]),
                              dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        sliders=[dict(active=start, x=0, len=1, y=0, yanchor="top",
                      currentvalue=dict(visible=False),
                      pad=dict(t=axis_px + button_px, l=edge_pad, r=edge_pad),
                      steps=[dict(label=label, method="animate",
                                  args=[[str(k)], dict(mode="immediate", frame=dict(
                                      duration=300, redraw=True), transition=dict(duration=0))])
                             for k, label in enumerate(slider_labels)])],
    )
    fig.add_vline(x=reference_price, line=dict(color=START, dash="dot", width=1.5))
    if big:
        fig.update_layout(font=dict(size=font_size),
                          title=dict(font=dict(size=title_size),
                                     subtitle=dict(font=dict(size=small))),
                          legend=dict(font=dict(size=small)),
                          hoverlabel=dict(font=dict(size=font_size)))
        fig.update_xaxes(title_font_size=font_size, tickfont_size=small)
        fig.update_yaxes(title_font_size=font_size, tickfont_size=small)
    return fig


# The Learn chart's legend names waves 1-9 one by one, the later ones in one entry.
LEARN_LEGEND_WAVES = 10
# The Learn chart's height in presentation mode: with the page's step line above it, it
# fits a 1280x720 projector's window.
LEARN_PRESENT_HEIGHT_PX = 600


def _wrap(text: str, width: int) -> str:
    """`text` broken into lines of at most `width` characters (Plotly never wraps a title),
    joined with <br>."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _slider_labels(waves: int) -> list[str]:
    """The step slider's labels: "Shock", then "Wave k" for up to five waves, the bare
    number k beyond, so twelve steps fit a phone (past that, plotly.js itself labels only
    every n-th step, as many as fit side by side)."""
    return ["Shock"] + [f"Wave {k}" if waves <= 5 else str(k) for k in range(1, waves + 1)]


def enlarge(fig: go.Figure, size: int = 20) -> go.Figure:
    """Fonts for a projector: every text of the figure (which the template sizes one by
    one) at about `size` px; titles a little larger."""
    fig.update_layout(font=dict(size=size), title=dict(font=dict(size=size + 4),
                                                       subtitle=dict(font=dict(size=size - 2))),
                      legend=dict(font=dict(size=size - 2), y=-0.25),
                      hoverlabel=dict(font=dict(size=size)), margin=dict(t=60 + 4 * size),
                      height=(fig.layout.height or 450) + 8 * size)
    fig.update_xaxes(title_font_size=size, tickfont_size=size - 2)
    fig.update_yaxes(title_font_size=size, tickfont_size=size - 2)
    return fig


