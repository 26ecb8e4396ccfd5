"""Plotly figure builders for the Explorer: data in, Figure out, no simulation here.

Every figure names the project template (TEMPLATE) explicitly: `import streamlit` makes
"streamlit" Plotly's default template, and its colours are only filled in by the browser,
so a figure that relied on the default would look different in a PNG export or a test.

Colours mean the same thing on every chart: SURVIVED grey for positions still open,
and one colour per wave (wave_colors) for the positions each wave liquidated.
Prices are an index: the start price P0 is 100, so 95 reads as "5% below the start".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

TEMPLATE = "cascade_lab"

INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
SURVIVED = "#a8b3c2"
SHOCK = "#111827"
START = "#6b7280"
# Waves run from dark (the first) to light (the last) along this scale.
WAVE_SCALE = "Inferno"
WAVE_SCALE_RANGE = (0.18, 0.78)
# Charts that stack one trace per wave fold the later waves into one band past this.
MAX_WAVE_GROUPS = 10
SHORT_PATTERN = "/"

MODEBAR = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def _register_template() -> None:
    # Layout only, no per-trace defaults: a lean template is copied into every figure
    # quickly, which keeps a rerun's figure building to a few tens of milliseconds.
    template = go.layout.Template()
    template.layout.update(
        font=dict(family='"Source Sans", "Source Sans Pro", Helvetica, Arial, sans-serif', size=13,
                  color=INK),
        title=dict(x=0, xanchor="left", y=0.98, yanchor="top",
                   font=dict(size=16, color=INK),
                   subtitle=dict(font=dict(size=12, color=MUTED))),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=[INK, "#b91c1c", "#2563eb", "#d97706", "#059669", "#7c3aed"],
        margin=dict(l=70, r=20, t=80, b=40),
        # legends sit under the x axis title (legend.y is set per figure, below the axis)
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.2, yanchor="top",
                    font=dict(size=12), bgcolor="rgba(255,255,255,0)"),
        hoverlabel=dict(font=dict(size=12), bgcolor="white", align="left"),
        hovermode="closest",
        bargap=0.05,
    )
    for axis in ("xaxis", "yaxis"):
        template.layout[axis].update(gridcolor=GRID, zeroline=False, linecolor="#9ca3af",
                                     showline=True, ticks="outside", tickcolor="#9ca3af",
                                     automargin=True,
                                     title=dict(font=dict(size=13, color=INK)))
    pio.templates[TEMPLATE] = template


_register_template()


# ---------------------------------------------------------------- colours and labels

def wave_colors(count: int) -> list[str]:
    """One colour per wave 1..count, dark to light, the same on every chart."""
    if count <= 0:
        return []
    low, high = WAVE_SCALE_RANGE
    points = [low] if count == 1 else list(np.linspace(low, high, count))
    return sample_colorscale(WAVE_SCALE, points, colortype="rgb")


def usd(value: float) -> str:
    """$ in compact form: $950K, $70M, $1.5B."""
    value = float(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{sign}${value / size:.3g}{suffix}"
    return f"{sign}${value:.0f}"


def pct(move: float, digits: int = 1) -> str:
    """A signed relative move as a percentage: -0.189 -> '-18.9%'."""
    return f"{move * 100:+.{digits}f}%"


@dataclass(frozen=True)
class WaveGroup:
    """Positions drawn as one stacked trace: survived, one wave, or a band of late waves."""
    label: str
    color: str
    mask: np.ndarray


def wave_group_styles(wave_count: int) -> list[tuple[str, str]]:
    """(label, colour) of each stacked group: survived first, then wave 1, 2, ...; waves
    past MAX_WAVE_GROUPS - 1 share a band drawn in the colour of its first wave."""
    colors = wave_colors(wave_count)
    styles = [("Survived", SURVIVED)]
    single = wave_count if wave_count <= MAX_WAVE_GROUPS else MAX_WAVE_GROUPS - 1
    styles += [(f"Wave {wave}", colors[wave - 1]) for wave in range(1, single + 1)]
    if single < wave_count:
        styles.append((f"Waves {single + 1}-{wave_count}", colors[single]))
    return styles


def wave_group_of(liquidated_in: np.ndarray, wave_count: int) -> np.ndarray:
    """Each position's group in wave_group_styles(wave_count) (0 = survived)."""
    last = len(wave_group_styles(wave_count)) - 1
    return np.clip(np.asarray(liquidated_in), 0, last)  # -1 (survived) -> 0


def wave_groups(liquidated_in: np.ndarray, wave_count: int) -> list[WaveGroup]:
    """The groups of wave_group_styles, each with the mask of its positions."""
    group = wave_group_of(liquidated_in, wave_count)
    return [WaveGroup(label, color, group == i)
            for i, (label, color) in enumerate(wave_group_styles(wave_count))]


def stacked_histogram(values: np.ndarray, edges: np.ndarray, group: np.ndarray,
                      groups: int, weights: np.ndarray | None = None) -> np.ndarray:
    """np.histogram(values[group == g], bins=edges, weights=...) for every g < groups, as
    one array [groups, bins], in a few passes over the values instead of a sort per group.
    Bins are [e_k, e_k+1), the last one closed; values outside the edges (or NaN) are left
    out. The bin comes from the edges' (near-)uniform spacing and is then corrected
    against the edges themselves, as np.histogram does for equal bins."""
    values, group = np.asarray(values, dtype=float), np.asarray(group)
    bins = edges.size - 1
    inside = (values >= edges[0]) & (values <= edges[-1])
    if not inside.all():
        values, group = values[inside], group[inside]
        if weights is not None:
            weights = np.asarray(weights)[inside]
    index = ((values - edges[0]) * (bins / (edges[-1] - edges[0]))).astype(np.intp)
    np.clip(index, 0, bins - 1, out=index)
    index[values < edges[index]] -= 1
    index[(values >= edges[index + 1]) & (index != bins - 1)] += 1
    np.clip(index, 0, bins - 1, out=index)
    sums = np.bincount(group * bins + index, minlength=groups * bins, weights=weights)
    return sums.reshape(groups, bins)


def _empty_note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=14, color=MUTED))


# ---------------------------------------------------------------- 1. price path

def price_path_figure(price_path: np.ndarray, shock: float, reference_price: float = 100.0
                      ) -> go.Figure:
    """The price after the shock and after each wave, against the shock alone.

    price_path: [P0, P0(1+s), P_1, ..., P_K] as CascadeResult.price_path.
    """
    path = np.asarray(price_path, dtype=float)
    waves = path.size - 2
    steps = ["Start", "Shock"] + [f"Wave {k}" for k in range(1, waves + 1)]
    moves = path / reference_price - 1.0
    colors = [START, SHOCK] + wave_colors(waves)
    shocked = reference_price * (1.0 + shock)

    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Scatter(
        x=steps[1:], y=[shocked] * (len(steps) - 1), name="Shock alone (no liquidations)",
        mode="lines", line=dict(color=MUTED, dash="dash", width=2),
        hovertemplate="Shock alone: %{y:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=steps, y=path, name="Price with liquidations", mode="lines+markers",
        line=dict(color=INK, width=2.5),
        marker=dict(color=colors, size=11, line=dict(color="white", width=1.5)),
        customdata=np.stack([moves * 100], axis=-1),
        hovertemplate="%{x}: price %{y:.2f} (%{customdata[0]:+.1f}%)<extra></extra>"))
    final = path[-1]
    label = "no liquidations" if waves == 0 else f"after {waves} wave{'s' if waves > 1 else ''}"
    fig.add_annotation(
        x=steps[-1], y=final, text=f"<b>Final {final:.1f}</b> ({pct(moves[-1])}, {label})",
        showarrow=True, arrowhead=0, ax=0, ay=28 if shock <= 0 else -28, yanchor="top",
        xanchor="right" if waves > 0 else "center", font=dict(color=INK),
        bgcolor="rgba(255,255,255,0.85)")
    low, high = min(path.min(), shocked), max(path.max(), shocked)
    pad = max((high - low) * 0.1, 1.0)
    # room for the final-price label on the side the price went
    low_pad, high_pad = (pad * 2.5, pad) if shock <= 0 else (pad, pad * 2.5)
    fig.update_layout(
        title=dict(text="Price path: the shock, then each liquidation wave",
                   subtitle=dict(text=f"Start = 100. The shock alone moves the price "
                                      f"{pct(shock)}; each wave's forced orders move it further.")),
        yaxis=dict(title="Price (start = 100)", range=[low - low_pad, high + high_pad]),
        xaxis=dict(title=None, type="category", categoryorder="array", categoryarray=steps),
        hovermode="closest",
    )
    return fig


# ---------------------------------------------------------------- 2. waves

def waves_figure(waves: pd.DataFrame) -> go.Figure:
    """Notional (top) and number of traders (bottom) liquidated in each wave, longs solid
    and shorts hatched, each bar in its wave's colour. waves: CascadeResult.waves."""
    count = len(waves)
    title = dict(text="Liquidation waves: what each wave force-closed",
                 subtitle=dict(text="Notional (USD at entry) and traders per wave. "
                                    "Longs are forced sellers, shorts forced buyers."))
    if count == 0:
        empty = go.Figure(layout=dict(template=TEMPLATE, title=title,
                                      xaxis=dict(visible=False), yaxis=dict(visible=False)))
        _empty_note(empty, "No liquidations: the shock reached no one's liquidation price")
        return empty
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4])
    fig.update_layout(template=TEMPLATE)
    labels = [f"Wave {int(w)}" for w in waves["wave"]]
    colors = wave_colors(count)
    sides = (("long", "Longs (forced sells)", "longs", ""),
             ("short", "Shorts (forced buys)", "shorts", SHORT_PATTERN))
    for side, name, who, shape in sides:
        pattern = dict(shape=shape, fgcolor="white", fillmode="overlay", solidity=0.35)
        # legend-only swatch in grey: the bars themselves carry the wave colours
        fig.add_trace(go.Bar(x=[None], y=[None], name=name, legendgroup=side,
                             marker=dict(color=MUTED, pattern=pattern)), row=1, col=1)
        for row, column in ((1, f"{side}_notional"), (2, f"{side}_count")):
            values = waves[column].to_numpy(dtype=float)
            hover = ([usd(v) for v in values] if row == 1
                     else [f"{int(v):,} traders" for v in values])
            fig.add_trace(go.Bar(
                x=labels, y=values, name=name, legendgroup=side, showlegend=False,
                marker=dict(color=colors, pattern=pattern), customdata=hover,
                hovertemplate=f"%{{x}}, {who}: %{{customdata}}<extra></extra>"),
                row=row, col=1)
    fig.update_layout(title=title, barmode="stack", hovermode="closest")
    fig.update_yaxes(title_text="Notional (USD)", tickprefix="$", tickformat="~s",
                     row=1, col=1)
    fig.update_yaxes(title_text="Traders", tickformat=",d", row=2, col=1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    return fig


# ---------------------------------------------------------------- 3. leverage

LEVERAGE_TICKS = [1, 2, 3, 5, 10, 20, 50, 100]


def leverage_figure(leverage: np.ndarray, liquidated_in: np.ndarray, wave_count: int,
                    notional: np.ndarray | None = None, bins: int = 60) -> go.Figure:
    """Traders by leverage (log scale), stacked: survived grey, liquidated in each wave's
    colour. The cluster is the tall spike; a tight one is liquidated all at once.
    With `notional`, a dotted line marks the average leverage weighted by open interest."""
    leverage = np.asarray(leverage, dtype=float)
    log_lev = np.log10(leverage)
    top = max(float(log_lev.max()), np.log10(2.0)) * 1.01
    edges = np.linspace(0.0, top, bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    low_x, high_x = 10 ** edges[:-1], 10 ** edges[1:]
    ranges = np.array([f"{a:.3g}x-{b:.3g}x" for a, b in zip(low_x, high_x)])

    fig = go.Figure(layout=dict(template=TEMPLATE))
    styles = wave_group_styles(wave_count)
    stacked = stacked_histogram(log_lev, edges, wave_group_of(liquidated_in, wave_count),
                                len(styles)).astype(np.int64)
    for (label, color), counts in zip(styles, stacked):
        if label != "Survived" and counts.sum() == 0:
            continue
        drawn = counts > 0  # empty bins are left out: fewer SVG paths, faster reruns
        fig.add_trace(go.Bar(
            x=centres[drawn], y=counts[drawn], width=edges[1] - edges[0], name=label,
            marker=dict(color=color, line=dict(width=0)),
            customdata=ranges[drawn],
            hovertemplate=f"{label}: %{{y:,}} traders at %{{customdata}}<extra></extra>"))
    if notional is not None:
        average = float(np.average(leverage, weights=np.asarray(notional, dtype=float)))
        fig.add_vline(x=np.log10(average), line=dict(color=INK, dash="dot", width=1.5))
        fig.add_annotation(x=np.log10(average), y=1.0, xref="x", yref="paper",
                           text=f"Average {average:.1f}x<br>(by open interest)",
                           showarrow=False, xanchor="right", xshift=-4, yanchor="top",
                           align="right", font=dict(size=11, color=INK),
                           bgcolor="rgba(255,255,255,0.85)")
    ticks = [t for t in LEVERAGE_TICKS if np.log10(t) <= top]
    fig.update_layout(
        title=dict(text="Leverage: who was liquidated, and in which wave",
                   subtitle=dict(text="Traders per leverage bin (log scale). Grey survived; "
                                      "colours give the wave that liquidated them.")),
        barmode="stack", bargap=0,
        xaxis=dict(title="Leverage (x, log scale)", tickvals=np.log10(ticks), tickangle=0,
                   ticktext=[f"{t}x" for t in ticks], range=[0, top]),
        yaxis=dict(title="Traders", tickformat=",d"),
        legend=dict(traceorder="normal"),
    )
    return fig


# ---------------------------------------------------------------- 4. liquidation map

def map_window(reference_price: float, moves: list[float]) -> tuple[float, float]:
    """Price range for the liquidation map: at least 25% either side of the start, and
    30% wider than the largest move shown."""
    reach = max([0.25] + [abs(m) * 1.3 for m in moves])
    reach = min(reach, 1.0)
    return reference_price * (1.0 - reach), reference_price * (1.0 + reach)


def nice_step(span: float, bins: int) -> float:
    """A round bin width (1, 2, 2.5 or 5 times a power of ten) giving about `bins` bins."""
    raw = span / bins
    power = 10.0 ** np.floor(np.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= multiple * power * 1.0001:
            return float(multiple * power)
    return float(10.0 * power)


def liquidation_map_figure(liquidation_price: np.ndarray, notional: np.ndarray,
                           liquidated_in: np.ndarray, wave_count: int, shock: float,
                           final_price: float, reference_price: float = 100.0,
                           bins: int = 120) -> go.Figure:
    """Open interest (notional, USD) at each liquidation price, binned like a liquidation
    heatmap: longs' liquidation prices lie below the start, shorts' above. Survived grey,
    liquidated in its wave's colour; start, shocked and final price marked."""
    liq = np.asarray(liquidation_price, dtype=float)
    notional = np.asarray(notional, dtype=float)
    shocked = reference_price * (1.0 + shock)
    low, high = map_window(reference_price, [shock, final_price / reference_price - 1.0])
    step = nice_step(high - low, bins)
    edges = np.arange(np.floor(low / step) * step, high + step, step)
    centres = 0.5 * (edges[:-1] + edges[1:])
    ranges = np.array([f"{a:.4g}-{b:.4g}" for a, b in zip(edges[:-1], edges[1:])])
    inside = (liq >= low) & (liq <= high)
    outside_share = float(notional[~inside].sum() / notional.sum()) if notional.sum() else 0.0

    fig = go.Figure(layout=dict(template=TEMPLATE))
    styles = wave_group_styles(wave_count)
    stacked = stacked_histogram(liq, edges, wave_group_of(liquidated_in, wave_count),
                                len(styles), weights=notional)
    for (label, color), sums in zip(styles, stacked):
        if label != "Survived" and sums.sum() == 0:
            continue
        drawn = sums > 0
        fig.add_trace(go.Bar(
            x=centres[drawn], y=sums[drawn], width=edges[1] - edges[0], name=label,
            marker=dict(color=color, line=dict(width=0)),
            customdata=np.stack([ranges[drawn], [usd(s) for s in sums[drawn]]], axis=-1),
            hovertemplate=(f"{label}: %{{customdata[1]}} liquidates at "
                           "%{customdata[0]}<extra></extra>")))
    marks = [(reference_price, f"Start {reference_price:.0f}", START, "dot"),
             (shocked, f"Shock {shocked:.1f}", SHOCK, "dash"),
             (final_price, f"Final {final_price:.1f}", "#b91c1c", "solid")]
    for i, (x, text, color, dash) in enumerate(marks):
        fig.add_vline(x=x, line=dict(color=color, dash=dash, width=2))
        fig.add_annotation(x=x, y=1.0 - 0.09 * i, xref="x", yref="paper", text=text,
                           showarrow=False, xanchor="left", xshift=4, yanchor="top",
                           font=dict(size=12, color=color), bgcolor="rgba(255,255,255,0.85)")
    subtitle = (f"Notional (USD at entry) per {step:g}-point price bin; "
                "longs below the start, shorts above.")
    if outside_share > 0.0005:
        # in the top corner away from the move, where the start/shock/final labels are not
        side = 1.0 if shock <= 0 else 0.0
        fig.add_annotation(x=side, y=1.0, xref="paper", yref="paper",
                           xanchor="right" if side else "left", yanchor="top",
                           showarrow=False, font=dict(size=11, color=MUTED),
                           text=f"{outside_share:.0%} of open interest<br>is outside this view",
                           align="right" if side else "left",
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(
        title=dict(text="Liquidation map: open interest at each liquidation price",
                   subtitle=dict(text=subtitle)),
        barmode="stack", bargap=0,
        xaxis=dict(title="Liquidation price (start = 100)", range=[low, high]),
        yaxis=dict(title="Notional (USD)", tickprefix="$", tickformat="~s"),
        legend=dict(traceorder="normal"),
    )
    return fig
