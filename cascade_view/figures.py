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

from .formats import pct, price_text, usd

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

# Plotly's toolbar: the few buttons a reader uses (PNG, zoom, pan, reset), so it stays
# short on a phone; it sits in a strip above the title (TOOLBAR_PX) and never covers it.
MODEBAR = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                               "toggleSpikelines", "hoverClosestCartesian",
                               "hoverCompareCartesian",
                               # plotly.js 3's "Share chart...": would send the data to
                               # Plotly's cloud (st.plotly_chart removes it too)
                               "sendChartToCloud"],
}
TOOLBAR_PX = 36
TITLE_PX = 24
SUBTITLE_LINE_PX = 16
# A row of labels between the subtitle and the plot (the leverage chart's average, the
# map's start, shock and final price): above the data, so no label covers a bar.
LABEL_ROW_PX = 16
# Room under the plot for the x-axis title and a legend of up to two rows.
BOTTOM_PX = 30


def _register_template() -> None:
    # Layout only, no per-trace defaults: a lean template is copied into every figure
    # quickly, which keeps a rerun's figure building to a few tens of milliseconds.
    template = go.layout.Template()
    template.layout.update(
        font=dict(family='"Source Sans", "Source Sans Pro", Helvetica, Arial, sans-serif', size=13,
                  color=INK),
        # titles and legends are placed in pixels from the figure's edges (yref
        # "container"), not as a share of the plot: they keep their place at any size,
        # on a phone, on a projector and in print.
        title=dict(x=0, xanchor="left", xref="container", yref="container", y=1,
                   yanchor="top", pad=dict(t=TOOLBAR_PX, l=4),
                   font=dict(size=16, color=INK),
                   subtitle=dict(font=dict(size=12, color=MUTED))),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=[INK, "#b91c1c", "#2563eb", "#d97706", "#059669", "#7c3aed"],
        margin=dict(l=70, r=20, t=TOOLBAR_PX + TITLE_PX + 2 * SUBTITLE_LINE_PX + 16,
                    b=BOTTOM_PX),
        # legends sit at the bottom edge of the figure, below the x axis title
        legend=dict(orientation="h", x=0, xanchor="left", xref="container", y=0,
                    yanchor="bottom", yref="container",
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




def heading(title: str, *subtitle_lines: str) -> dict:
    """A figure's title and subtitle; each subtitle line short enough for a phone (about
    50 characters), the margin above the plot sized to the lines."""
    return dict(
        title=dict(text=title, subtitle=dict(text="<br>".join(subtitle_lines))),
        margin=dict(t=TOOLBAR_PX + TITLE_PX + SUBTITLE_LINE_PX * len(subtitle_lines) + 16))


def money_axis(top: float, ticks: int = 4) -> dict:
    """A USD axis from 0 to `top` with round ticks written $400M, $1.5B (Plotly's own SI
    prefixes would write billions as G)."""
    if not top > 0:
        return dict(tickprefix="$")
    step = nice_step(top, ticks)
    values = np.arange(0.0, top + step, step)
    return dict(tickmode="array", tickvals=values, ticktext=[usd(v) for v in values],
                range=[0, top * 1.08])




@dataclass(frozen=True)
class WaveGroup:
    """Positions drawn as one stacked trace: survived, one wave, or a band of late waves."""
    label: str
    color: str
    mask: np.ndarray


def wave_group_styles(wave_count: int, ticks=None) -> list[tuple[str, str]]:
    """(label, colour) of each stacked group: survived first, then wave 1, 2, ...; waves
    past MAX_WAVE_GROUPS - 1 share a band drawn in the colour of its first wave. With
    `ticks` (a timed run's waves["tick"]: the number of each tick that liquidated, 1 s
    each) the k-th group is named by its tick: "Tick 36", "Ticks 60-75"."""
    colors = wave_colors(wave_count)
    styles = [("Survived", SURVIVED)]
    single = wave_count if wave_count <= MAX_WAVE_GROUPS else MAX_WAVE_GROUPS - 1
    word, number = _step_names(wave_count, ticks)
    styles += [(f"{word} {number[wave - 1]}", colors[wave - 1])
               for wave in range(1, single + 1)]
    if single < wave_count:
        styles.append((f"{word}s {number[single]}-{number[wave_count - 1]}", colors[single]))
    return styles


def _step_names(wave_count: int, ticks) -> tuple[str, list[int]]:
    """("Wave", [1..K]) or, for a timed run, ("Tick", its liquidating ticks' numbers)."""
    if ticks is None:
        return "Wave", list(range(1, wave_count + 1))
    return "Tick", [int(t) for t in np.asarray(ticks)]


def wave_group_of(liquidated_in: np.ndarray, wave_count: int, ticks=None) -> np.ndarray:
    """Each position's group in wave_group_styles(wave_count, ticks) (0 = survived). A timed
    run's liquidated_in holds tick numbers: with `ticks`, tick ticks[k - 1] is group k."""
    last = len(wave_group_styles(wave_count, ticks)) - 1
    step = np.asarray(liquidated_in)
    if ticks is not None:
        ticks = np.asarray(ticks)
        step = np.where(step > 0, np.searchsorted(ticks, step) + 1, step)
    return np.clip(step, 0, last)  # -1 (survived) -> 0


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


# ---------------------------------------------------------------- building without checks
# Plotly checks every property as it is set, and its update methods parse property paths;
# for these four figures that was about 110 ms of CPU per rerun, most of a rerun's server
# time, and a server with many users is short of CPU. So a figure is drafted as plain dicts
# (Draft) and made in one step without checks (_validate=False): under 10 ms for all four
# (benchmarks/bench_sessions.py gives the rerun's whole server time). The tests build each
# figure once more with Plotly's checks on and require the same JSON
# (tests/app/test_figures.py), so an invalid property still fails there.

def _merge(into: dict, update: dict) -> dict:
    """Nested dict update: {"a": {"b": 1}} merged with {"a": {"c": 2}} keeps both."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _title_objects(layout: dict) -> dict:
    """`layout` with every axis's plain-string title as {"text": title}: an unchecked
    figure is not coerced, and plotly.js draws no title given as a bare string."""
    out = dict(layout)
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict) \
                and isinstance(value.get("title"), str):
            out[key] = {**value, "title": {"text": value["title"]}}
    return out


class Draft:
    """The few go.Figure methods the builders use, collecting plain dicts; build() makes
    one unchecked go.Figure on the project template."""

    def __init__(self, **layout):
        self.data: list[dict] = []
        self.layout: dict = {}
        self.update_layout(**layout)

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def add_annotation(self, **annotation) -> None:
        self.layout.setdefault("annotations", []).append(annotation)

    def add_shape(self, **shape) -> None:
        self.layout.setdefault("shapes", []).append(shape)

    def update_layout(self, **layout) -> None:
        _merge(self.layout, _title_objects(layout))

    def build(self) -> go.Figure:
        # the Template object itself: an unchecked layout does not look a name up
        return go.Figure(data=self.data, layout={"template": pio.templates[TEMPLATE],
                                                 **self.layout}, _validate=False)


def bar(**trace) -> dict:
    return dict(type="bar", **trace)


def scatter(**trace) -> dict:
    return dict(type="scatter", **trace)


def vline(fig: Draft, x: float, line: dict) -> None:
    """A vertical line across the plot at x (what fig.add_vline draws, without its cost)."""
    fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)


def _empty_note(fig: Draft, text: str) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=14, color=MUTED))


# ---------------------------------------------------------------- 1. price path

# A price range wider than this ratio (top / bottom) is drawn on a log axis, so the start,
# the shock and a far final price (a rise of +50,000%, or a fall to the floor) all show.
LOG_PRICE_RATIO = 4.0


def price_axis(prices: np.ndarray, label_below: bool) -> dict:
    """A price axis showing every price in `prices` with room for the final-price label on
    the side the price went; never below zero. Linear, or log when they span more than
    LOG_PRICE_RATIO (then the range is in log10 units, as Plotly wants)."""
    low, high = float(np.min(prices)), float(np.max(prices))
    log = high / low > LOG_PRICE_RATIO
    if log:
        low, high = np.log10(low), np.log10(high)
    span = max(high - low, 0.05 if log else 2.0)
    # the two-line label and its arrow take about a quarter of the plot's height
    near, far = span * 0.1, span * 0.5
    below, above = (far, near) if label_below else (near, far)
    if log:
        ticks = log_ticks(10 ** (low - below), 10 ** (high + above))
        return dict(type="log", range=[low - below, high + above], tickmode="array",
                    tickvals=ticks, ticktext=[price_text(t) for t in ticks])
    return dict(type="linear", range=[max(low - below, 0.0), high + above])


def price_path_figure(price_path: np.ndarray, shock: float, reference_price: float = 100.0,
                      ticks=None, path_end: float | None = None) -> go.Figure:
    """The price after the shock and after each wave, against the shock alone.

    price_path: [P0, P0(1+s), P_1, ..., P_K] as CascadeResult.price_path.
    ticks: for a timed run (TimedResult.price_path: [P0, the traded price at the first
    tick's start, the price after each liquidating tick, the price at the run's end when it
    differs]), its waves["tick"]; the steps are then named "First tick", "Tick t" and "End".
    path_end: with ticks, the exogenous path's move at its end (path.moves[-1]); the dashed
    line is then the path alone at its end, not the shock.
    """
    path = np.asarray(price_path, dtype=float)
    waves = path.size - 2
    if ticks is None:
        steps = ["Start", "Shock"] + [f"Wave {k}" for k in range(1, waves + 1)]
        alone, alone_name = shock, "Shock alone"
    else:
        numbers = [int(t) for t in np.asarray(ticks)]
        steps = ["Start", "First tick"] + [f"Tick {t}" for t in numbers]
        steps += ["End"] * (path.size - len(steps))
        alone = shock if path_end is None else path_end
        alone_name = "Shock alone" if path_end is None else "Path alone at its end"
    moves = path / reference_price - 1.0
    colors = [START, SHOCK] + wave_colors(waves)
    shocked = reference_price * (1.0 + alone)
    axis = price_axis(np.append(path, shocked), label_below=shock <= 0)

    fig = Draft()
    fig.add_trace(scatter(
        x=steps[1:], y=[shocked] * (len(steps) - 1), name=f"{alone_name} (no liquidations)",
        mode="lines", line=dict(color=MUTED, dash="dash", width=2),
        hovertemplate=f"{alone_name}: %{{y:.2f}}<extra></extra>"))
    fig.add_trace(scatter(
        x=steps, y=path, name="Price with liquidations", mode="lines+markers",
        line=dict(color=INK, width=2.5),
        marker=dict(color=colors, size=11, line=dict(color="white", width=1.5)),
        customdata=np.stack([moves * 100], axis=-1),
        hovertemplate="%{x}: price %{y:.4g} (%{customdata[0]:+.1f}%)<extra></extra>"))
    final = path[-1]
    done = len(ticks) if ticks is not None else waves
    unit = "liquidating tick" if ticks is not None else "wave"
    label = "no liquidations" if done == 0 else f"after {done} {unit}{'s' if done > 1 else ''}"
    fig.add_annotation(
        x=steps[-1], y=np.log10(final) if axis["type"] == "log" else final,
        text=f"<b>Final {price_text(final)}</b><br>{pct(moves[-1])}, {label}",
        showarrow=True, arrowhead=0, ax=0, ay=28 if shock <= 0 else -28,
        yanchor="top" if shock <= 0 else "bottom", align="right",
        xanchor="right" if waves > 0 else "center", font=dict(color=INK),
        bgcolor="rgba(255,255,255,0.85)")
    scale = " (log scale)" if axis["type"] == "log" else ""
    fig.update_layout(
        **(heading("Price path: the shock, then each wave",
                   f"Start = 100. The shock alone moves the price {pct(shock)};",
                   "each wave's forced orders move it further.") if ticks is None else
           heading("Price path: each tick that liquidated (1 s ticks)",
                   f"Start = 100. {alone_name} (no liquidations): {pct(alone)};",
                   "the traded price after each liquidating tick.")),
        yaxis=dict(title=dict(text=f"Price (start = 100){scale}"), **axis),
        xaxis=dict(type="category", categoryorder="array", categoryarray=steps),
        hovermode="closest",
    )
    return fig.build()


# ---------------------------------------------------------------- 2. waves

def waves_figure(waves: pd.DataFrame) -> go.Figure:
    """Notional (top) and number of traders (bottom) liquidated in each wave, longs solid
    and shorts hatched, each bar in its wave's colour. waves: CascadeResult.waves."""
    count = len(waves)
    timed = "tick" in waves.columns  # a TimedResult's waves: one row per liquidating tick
    head = (heading("Liquidations per tick: what each one closed",
                    "Notional (USD at entry) and traders per 1 s tick that liquidated.",
                    "Longs are forced sellers, shorts forced buyers.") if timed else
            heading("Liquidation waves: what each one closed",
                    "Notional (USD at entry) and traders per wave.",
                    "Longs are forced sellers, shorts forced buyers."))
    if count == 0:
        empty = Draft(**head, xaxis=dict(visible=False), yaxis=dict(visible=False))
        _empty_note(empty, "No liquidations: the "
                    + ("path" if timed else "shock") + " reached no one's liquidation price")
        return empty.build()
    # two rows sharing the wave axis, as make_subplots(rows=2, shared_xaxes=True,
    # row_heights=[0.6, 0.4], vertical_spacing=0.08) lays them out: notional on top (x, y),
    # traders below (x2, y2)
    fig = Draft(
        xaxis=dict(anchor="y", domain=[0, 1], matches="x2", showticklabels=False),
        yaxis=dict(anchor="x", domain=[0.448, 1.0]),
        xaxis2=dict(anchor="y2", domain=[0, 1]),
        yaxis2=dict(anchor="x2", domain=[0.0, 0.368]))
    rows = {1: dict(xaxis="x", yaxis="y"), 2: dict(xaxis="x2", yaxis="y2")}
    labels = ([f"Tick {int(t)}" for t in waves["tick"]] if timed
              else [f"Wave {int(w)}" for w in waves["wave"]])
    colors = wave_colors(count)
    sides = (("long", "Longs (forced sells)", "longs", ""),
             ("short", "Shorts (forced buys)", "shorts", SHORT_PATTERN))
    for side, name, who, shape in sides:
        pattern = dict(shape=shape, fgcolor="white", fillmode="overlay", solidity=0.35)
        # legend-only swatch in grey: the bars themselves carry the wave colours
        fig.add_trace(bar(x=[None], y=[None], name=name, legendgroup=side,
                          marker=dict(color=MUTED, pattern=pattern), **rows[1]))
        for row, column in ((1, f"{side}_notional"), (2, f"{side}_count")):
            values = waves[column].to_numpy(dtype=float)
            hover = ([usd(v) for v in values] if row == 1
                     else [f"{int(v):,} traders" for v in values])
            fig.add_trace(bar(
                x=labels, y=values, name=name, legendgroup=side, showlegend=False,
                marker=dict(color=colors, pattern=pattern), customdata=hover,
                hovertemplate=f"%{{x}}, {who}: %{{customdata}}<extra></extra>", **rows[row]))
    top = float((waves["long_notional"] + waves["short_notional"]).max())
    waves_axis = dict(type="category", categoryorder="array", categoryarray=labels)
    fig.update_layout(
        **head, barmode="stack", hovermode="closest",
        yaxis=dict(title=dict(text="Notional (USD)"), **money_axis(top)),
        yaxis2=dict(title=dict(text="Traders"), tickformat=",d"),
        xaxis=waves_axis, xaxis2=waves_axis)
    return fig.build()


# ---------------------------------------------------------------- 3. leverage

LEVERAGE_TICKS = [1, 2, 3, 5, 10, 20, 50, 100]


def leverage_figure(leverage: np.ndarray, liquidated_in: np.ndarray, wave_count: int,
                    notional: np.ndarray | None = None, bins: int = 60, ticks=None
                    ) -> go.Figure:
    """Traders by leverage (log scale), stacked: survived grey, liquidated in each wave's
    colour. The cluster is the tall spike; a tight one is liquidated all at once.
    With `notional`, a dotted line marks the average leverage weighted by open interest.
    ticks: a timed run's waves["tick"] (wave_group_styles): groups are named by tick."""
    leverage = np.asarray(leverage, dtype=float)
    log_lev = np.log10(leverage)
    top = max(float(log_lev.max()), np.log10(2.0)) * 1.01
    edges = np.linspace(0.0, top, bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    low_x, high_x = 10 ** edges[:-1], 10 ** edges[1:]
    ranges = np.array([f"{a:.3g}x-{b:.3g}x" for a, b in zip(low_x, high_x)])

    fig = Draft()
    styles = wave_group_styles(wave_count, ticks)
    stacked = stacked_histogram(log_lev, edges, wave_group_of(liquidated_in, wave_count, ticks),
                                len(styles)).astype(np.int64)
    for (label, color), counts in zip(styles, stacked):
        if label != "Survived" and counts.sum() == 0:
            continue
        drawn = counts > 0  # empty bins are left out: fewer SVG paths, faster reruns
        fig.add_trace(bar(
            x=centres[drawn], y=counts[drawn], width=edges[1] - edges[0], name=label,
            marker=dict(color=color, line=dict(width=0)),
            customdata=ranges[drawn],
            hovertemplate=f"{label}: %{{y:,}} traders at %{{customdata}}<extra></extra>"))
    if notional is not None:
        average = float(np.average(leverage, weights=np.asarray(notional, dtype=float)))
        vline(fig, np.log10(average), line=dict(color=INK, dash="dot", width=1.5))
        # in the row above the plot, on the side of the line with more room
        right = np.log10(average) > 0.5 * top
        fig.add_annotation(x=np.log10(average), y=1.0, xref="x", yref="paper",
                           text=f"Average {average:.1f}x by open interest",
                           showarrow=False, xanchor="right" if right else "left",
                           xshift=0, yanchor="bottom", yshift=1,
                           font=dict(size=11, color=INK))
    axis_ticks = [t for t in LEVERAGE_TICKS if np.log10(t) <= top]
    head = heading("Leverage: who was liquidated, and when",
                   "Traders per leverage bin (log scale). Grey survived;",
                   "colours give the " + ("tick (1 s)" if ticks is not None else "wave")
                   + " that liquidated them.")
    if notional is not None:
        head["margin"]["t"] += LABEL_ROW_PX
    fig.update_layout(
        **head,
        barmode="stack", bargap=0,
        xaxis=dict(title=dict(text="Leverage (x, log scale)"), tickvals=np.log10(axis_ticks),
                   tickangle=0,
                   ticktext=[f"{t}x" for t in axis_ticks], range=[0, top]),
        yaxis=dict(title=dict(text="Traders"), tickformat=",d"),
        legend=dict(traceorder="normal"),
    )
    return fig.build()


# ---------------------------------------------------------------- 4. liquidation map

def map_window(reference_price: float, prices: list[float]) -> tuple[float, float, bool]:
    """Price range (low, high, log) for the liquidation map that shows every price in
    `prices` (shocked, final). Linear: at least 25% either side of the start and 30% wider
    than the largest move, never below zero. A rise past +100% gets a log window from 25%
    below the start to 30% past the highest price instead, so the final price stays in
    view however far it went."""
    moves = [p / reference_price - 1.0 for p in prices]
    if max(moves) > 1.0 / 1.3:
        return reference_price * 0.75, max(prices) * 1.3, True
    reach = min(max([0.25] + [abs(m) * 1.3 for m in moves]), 1.0)
    return reference_price * (1.0 - reach), reference_price * (1.0 + reach), False


def log_ticks(low: float, high: float) -> list[float]:
    """Round values between low and high for a log axis: 1-2-5 per decade over up to two
    decades, powers of ten beyond (so the labels fit on a phone)."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    multiples = (1, 2, 5) if np.log10(high / low) <= 2 else (1,)
    return [m * 10.0 ** e for e in decades for m in multiples if low <= m * 10.0 ** e <= high]




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
                           bins: int = 120, ticks=None) -> go.Figure:
    """Open interest (notional, USD) at each liquidation price, binned like a liquidation
    heatmap: longs' liquidation prices lie below the start, shorts' above. Survived grey,
    liquidated in its wave's colour; start, shocked and final price marked. ticks: a timed
    run's waves["tick"] (wave_group_styles): groups are named by tick."""
    liq = np.asarray(liquidation_price, dtype=float)
    notional = np.asarray(notional, dtype=float)
    shocked = reference_price * (1.0 + shock)
    low, high, log = map_window(reference_price, [shocked, final_price])
    if log:
        # bins of equal width in log10(price); x is drawn in log10 units with price labels
        edges = np.geomspace(low, high, bins + 1)
        where = np.log10
        bin_text = f"{(edges[1] / edges[0] - 1):.0%}-wide price bin (log scale)"
    else:
        step = nice_step(high - low, bins)
        edges = np.arange(np.floor(low / step) * step, high + step, step)
        where = np.asarray
        bin_text = f"{step:g}-point price bin"
    x_edges = where(edges)
    centres = 0.5 * (x_edges[:-1] + x_edges[1:])
    ranges = np.array([f"{a:.4g}-{b:.4g}" for a, b in zip(edges[:-1], edges[1:])])
    inside = (liq >= low) & (liq <= high)
    outside_share = float(notional[~inside].sum() / notional.sum()) if notional.sum() else 0.0

    fig = Draft()
    styles = wave_group_styles(wave_count, ticks)
    with np.errstate(divide="ignore"):  # a liquidation price of 0 is outside a log window
        binned = where(liq)
    # x_edges are evenly spaced in both windows (linear, or log10 of the price)
    stacked = stacked_histogram(binned, x_edges,
                                wave_group_of(liquidated_in, wave_count, ticks),
                                len(styles), weights=notional)
    for (label, color), sums in zip(styles, stacked):
        if label != "Survived" and sums.sum() == 0:
            continue
        drawn = sums > 0
        fig.add_trace(bar(
            x=centres[drawn], y=sums[drawn], width=(x_edges[1:] - x_edges[:-1])[drawn],
            name=label, marker=dict(color=color, line=dict(width=0)),
            customdata=np.stack([ranges[drawn], [usd(s) for s in sums[drawn]]], axis=-1),
            hovertemplate=(f"{label}: %{{customdata[1]}} liquidates at "
                           "%{customdata[0]}<extra></extra>")))
    marks = [(reference_price, f"Start {reference_price:.0f}", START, "dot"),
             (shocked, f"Shock {price_text(shocked)}", SHOCK, "dash"),
             (final_price, f"Final {price_text(final_price)}", "#b91c1c", "solid")]
    for i, (x, text, color, dash) in enumerate(marks):
        at = float(where(x))
        # labels in the right third of the window sit left of their line, so none is cut
        right = at > x_edges[0] + 0.67 * (x_edges[-1] - x_edges[0])
        vline(fig, at, line=dict(color=color, dash=dash, width=2))
        # one row each above the plot (start on top, final next to the plot), so the
        # labels cover neither the bars nor each other however close the prices are
        fig.add_annotation(x=at, y=1.0, xref="x", yref="paper",
                           text=text, showarrow=False, xanchor="right" if right else "left",
                           xshift=-2 if right else 2, yanchor="bottom",
                           yshift=1 + LABEL_ROW_PX * (len(marks) - 1 - i),
                           font=dict(size=12, color=color))
    lines = [f"Notional (USD at entry) per {bin_text};", "longs below the start, shorts above."]
    if outside_share > 0.0005:
        lines.append(f"{outside_share:.0%} of open interest is outside this view.")
    xaxis = dict(title=dict(text="Liquidation price (start = 100)"),
                 range=[where(low), where(high)])
    if log:
        ticks = log_ticks(low, high)
        xaxis.update(title=dict(text="Liquidation price (start = 100, log scale)"),
                     tickmode="array",
                     tickvals=np.log10(ticks), ticktext=[price_text(t) for t in ticks],
                     tickangle=0)
    head = heading("Liquidation map: open interest by price", *lines)
    head["margin"]["t"] += LABEL_ROW_PX * len(marks)
    fig.update_layout(
        **head,
        barmode="stack", bargap=0, xaxis=xaxis,
        yaxis=dict(title=dict(text="Notional (USD)"),
                   **money_axis(float(stacked.sum(axis=0).max()))),
        legend=dict(traceorder="normal"),
    )
    return fig.build()
