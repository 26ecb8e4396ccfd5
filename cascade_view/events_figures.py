"""The replays of real cascades in words and figures (issue 18): the validation table
(observed ranges, with sources, beside the model's figures) and the Events page's charts.
Data in (cascade.replay rows, a TimedResult), text or Figure out; no simulation here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cascade.accounts import DEFAULT_MARKETS_PER_ACCOUNT
from cascade.events import EVENTS, Target
from cascade.replay import (CROSS_ADL, CROSS_MARGIN, CROSS_RULE, CROSS_TARGET, REPLAYS,
                            CrossFigure, Row, cross_window, replay_scenario)

from .figures import (INK, MUTED, Draft, bar, heading, liquidation_map_figure, money_axis,
                      scatter)
from .formats import decimals, pct, usd
from .knobs import KNOBS

TABLE_HEADER = ("| event | figure | observed (source; scope) | model | inside | fitted to it "
                "| why not | note |\n|---|---|---|---|---|---|---|---|")


def figure_text(value: float, unit: str) -> str:
    """One figure in its unit: a move '-15.6%', a share '83.9%', USD '$2.36B', seconds
    '61 s'; 'no figure' for NaN (the model gives no such figure)."""
    if math.isnan(value):
        return "no figure"
    if unit == "move":
        return pct(value, 1)
    if unit == "share":
        return pct(value, 1, signed=False)
    if unit == "USD":
        return usd(value)
    if unit == "seconds":
        return f"{value:.0f} s"
    if unit == "minutes":
        return f"{value:.1f} min"
    raise ValueError(f"unit: {unit!r} is not a unit of the validation table")


def observed_text(target: Target) -> str:
    """The observed range: 'a to b', 'at most b', 'at least a', or one figure."""
    low, high = target.low, target.high
    if math.isinf(low):
        return f"at most {figure_text(high, target.unit)}"
    if low == high:
        return figure_text(low, target.unit)
    if target.unit == "share" and high >= 1.0:
        return f"at least {figure_text(low, target.unit)}"
    return f"{figure_text(low, target.unit)} to {figure_text(high, target.unit)}"


def table_row(row: Row, with_event: bool = True) -> str:
    t = row.target
    cells = ((EVENTS[row.event].title,) if with_event else ()) + (t.label,
             f"{observed_text(t)} ({t.source}; {t.scope})", figure_text(row.model, t.unit), "yes" if row.inside else "no",
             "yes" if row.fitted else "no", row.reason or "",
             cross_note(row.cross) if row.cross is not None else "")
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def validation_table(rows: list[Row], with_event: bool = True) -> str:
    """The markdown validation table of `rows` (cascade.replay.compare's, any events);
    without the event column for one event's rows (the Events page)."""
    header = TABLE_HEADER if with_event else (TABLE_HEADER.replace("| event ", "", 1)
                                              .replace("|---", "", 1))
    return "\n".join([header, *(table_row(row, with_event) for row in rows)]) + "\n"


def page_table(rows: list[Row]) -> str:
    """One event's rows for the Events page, narrow enough for a phone: the validation
    table's figures in three columns (figure, marked '(fitted)' where the fit used it;
    observed with source and scope; model, with 'inside' or 'outside' the observed range),
    then each miss's reason as a list, then how a figure the replay alone does not make
    was made (the cross-margin note, without the scan: cross_sentence says it)."""
    lines = ["| figure | observed (source; scope) | model |", "|---|---|---|"]
    for row in rows:
        t = row.target
        model = figure_text(row.model, t.unit)
        if not math.isnan(row.model):
            model += ", inside" if row.inside else ", outside"
        cells = (t.label + (" *(fitted)*" if row.fitted else ""),
                 f"{observed_text(t)} ({t.source}; {t.scope})", model)
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    misses = [f"- **{row.target.label}**: {row.reason}." for row in rows if not row.inside]
    if misses:
        lines += ["", "Where the model misses, and why:", "", *misses]
    notes = [f"- **{row.target.label}**: {cross_note(row.cross, scan=False)}." for row in rows
             if row.cross is not None]
    if notes:
        lines += ["", "How the model's figure is made:", "", *notes]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the cross-margin figure


def _markets(key: str) -> str:
    return " and ".join(CROSS_MARGIN[key].markets)


def _scan_text(key: str) -> str:
    scan = CROSS_MARGIN[key].scan
    return (f"from {pct(scan[0], 0, signed=False)} to {pct(scan[-1], 0, signed=False)} "
            f"in steps of {pct(scan[1] - scan[0], 0, signed=False)}")


def _reached_text(figure: CrossFigure) -> str:
    """Where the scan first reaches the observed figure, or that it does not."""
    observed = figure_text(figure.observed, "share")
    scan = f"with the cross share of open interest scanned {_scan_text(figure.event)}"
    if math.isnan(figure.reached):
        return f"{scan}, its share in that window never reaches {observed}"
    found = figure.scan[-1][1]
    return (f"{scan}, its share in that window first reaches {observed} at "
            f"{pct(figure.reached, 0, signed=False)}, on {found.positions:,} "
            f"position{'s' if found.positions != 1 else ''} ({usd(found.notional)})")


def cross_note(figure: CrossFigure, scan: bool = True) -> str:
    """How the cross-margin row's model figure is made, and what it rests on: the run's
    markets and assumptions, the window's positions, the whole run's share, and (`scan`)
    the scan's answer, which the Events page gives in its own sentence (all from
    `figure`)."""
    setup, at, run = CROSS_MARGIN[figure.event], figure.at, figure.run
    first, *others = setup.markets
    return (f"model: {setup.accounts:,} synthetic accounts over {_markets(figure.event)}, "
            f"{first} the replay's market and book, {', '.join(others)} and the cross share "
            f"assumed (the cross-margin run's knobs); "
            f"{pct(figure.cross_share, 0, signed=False)} of open interest in cross accounts "
            f"(assumed); ADL {'on' if CROSS_ADL else 'off'}; in the "
            f"window {at.positions:,} positions liquidated ({usd(at.notional)}); over the "
            f"whole run cross-margin longs are {figure_text(run.share, 'share')} of "
            f"{usd(run.notional)}" + (f"; {_reached_text(figure)}" if scan else ""))


def cross_sentence(figure: CrossFigure) -> str:
    """One sentence for the Events page: the model's cross-margin share in the observed
    window at the assumed cross share, against the observed figure, and the scan's answer."""
    key = figure.event
    target = EVENTS[key].target(CROSS_TARGET)
    start, end = figure.window
    when = (f"from minute {start / 60:.0f} to minute {end / 60:.0f} of the replay (the "
            f"observed window)")
    observed = (f"the {figure_text(figure.observed, 'share')} of cross-margin longs observed "
                f"({target.source})")
    head = (f"At an assumed {pct(figure.cross_share, 0, signed=False)} of open interest in "
            f"cross accounts, ")
    if math.isnan(figure.at.share):
        head += (f"the model liquidates nothing in {_markets(key)} {when}, so it has no share "
                 f"to set beside {observed}")
    else:
        head += (f"cross-margin longs are {figure_text(figure.at.share, 'share')} of the "
                 f"{usd(figure.at.notional)} the model liquidates in {_markets(key)} {when}, "
                 f"against {observed}")
    return f"{head}; {_reached_text(figure)}."


CROSS_KNOBS = ("markets", "size", "betas", "maintenance_margin", "crowd", "cross_share",
               "markets_per_account", "accounts", "rule", "adl", "window", "scan")


def cross_knobs_table(key: str) -> str:
    """The cross-margin run's knobs as markdown: each with its value and how it was set
    (cascade.replay.CROSS_MARGIN[key].why)."""
    setup = CROSS_MARGIN[key]
    scenario = replay_scenario(key)
    names = setup.markets
    weights = DEFAULT_MARKETS_PER_ACCOUNT[:len(names)]
    window = EVENTS[key].target(CROSS_TARGET)
    start, end = cross_window(key)
    values = dict(
        markets=", ".join(names),
        size="; ".join(f"{n}: open interest {usd(scenario.open_interest * x)}, depth "
                       f"{usd(scenario.depth * x)}" for n, x in zip(names, setup.size)),
        betas="; ".join(f"{n}: {b:g} x the path" for n, b in zip(names, setup.betas)),
        maintenance_margin=pct(scenario.maintenance_margin, 1, signed=False),
        crowd=(f"center_leverage {scenario.center_leverage:g}, {scenario.background}, "
               f"tightness {scenario.tightness:g}, cluster_share {scenario.cluster_share:g}, "
               f"long_share {scenario.long_share:g}"),
        cross_share=pct(setup.cross_share, 0, signed=False),
        markets_per_account=", ".join(f"{k + 1}: {w:g}" for k, w in enumerate(weights)),
        accounts=f"{setup.accounts:,} (seed {scenario.seed})",
        rule=CROSS_RULE, adl=str(CROSS_ADL),
        window=f"{start:,.0f} s to {end:,.0f} s ({window.scope})",
        scan=_scan_text(key).replace("in steps of", "by"))
    lines = ["| knob | value | how it was set |", "|---|---|---|"]
    lines += [f"| {name} | {values[name]} | {setup.why[name]} |" for name in CROSS_KNOBS]
    return "\n".join(lines) + "\n"


MONEY_KNOBS = ("open_interest", "depth", "insurance_fund")


def knob_text(name: str, value) -> str:
    """A knob's value: money as '$26.7B', numbers to 4 significant digits, names as they
    are."""
    if isinstance(value, (str, bool)):
        return str(value)
    if name in MONEY_KNOBS:
        return usd(value, 4)
    return f"{value:,.4g}"


def knobs_table(key: str, fitted: dict) -> str:
    """The replay's knobs as markdown: each sourced knob with its reason, each fitted one
    with its bounds and the committed value."""
    replay = REPLAYS[key]
    lines = ["| knob | value | how it was set |", "|---|---|---|"]
    for name, value in replay.sourced.items():
        lines.append(f"| {name} | {knob_text(name, value)} | {replay.why[name]} |")
    for name, (low, high) in replay.fitted.items():
        note = replay.why.get(name, "")
        lines.append(f"| {name} | {knob_text(name, fitted[name])} | fitted within "
                     f"{knob_text(name, low)} to {knob_text(name, high)}, to "
                     f"{', '.join(replay.fit_to)}{'; ' + note if note else ''} |")
    return "\n".join(lines) + "\n"


def knob_grid(name: str) -> np.ndarray:
    """The values knob `name` can take on the Explorer (its slider's steps or its picker's
    stops above 0), sorted: the grid cascade.replay.fit finishes on, so that the Explorer
    opens a replay exactly."""
    knob = KNOBS[name]
    if knob.kind == "log":
        return np.array(sorted(stop for stop in knob.options if stop > 0), dtype=float)
    if knob.kind == "slider":
        count = int(round((knob.high - knob.low) / knob.step))
        return np.round(knob.low + knob.step * np.arange(count + 1), decimals(knob.step))
    raise ValueError(f"knob: {name!r} is a {knob.kind}, not a fitted number")


# ------------------------------------------------------------------ the Events page's charts

OBSERVED = "#0f766e"
LONGS, SHORTS = "#b91c1c", "#1d4ed8"


def price_time_figure(result, key: str) -> go.Figure:
    """The replay's traded price (start = 100) against minutes, with the path's exogenous
    part dashed, and the observed points of the event (events.Event.path_points): a point
    with a time as a marker (a range as an error bar, a one-sided range as a triangle at
    its bound), a point without a time as a shaded band across the chart."""
    event = EVENTS[key]
    series = result.series
    minutes = series["seconds"].to_numpy() / 60.0
    p0 = result.market.price
    fig = Draft()
    fig.add_trace(scatter(
        x=minutes, y=series["exogenous_price"].to_numpy() / p0 * 100.0,
        name="model: path without liquidations", mode="lines",
        line=dict(color=MUTED, dash="dash", width=2),
        hovertemplate="minute %{x:.1f}: %{y:.2f}<extra>model, exogenous</extra>"))
    fig.add_trace(scatter(
        x=minutes, y=series["price"].to_numpy() / p0 * 100.0, name="model: traded price",
        mode="lines", line=dict(color=INK, width=2.5),
        hovertemplate="minute %{x:.1f}: %{y:.2f}<extra>model</extra>"))
    for point in event.path_points:
        if point.target is None:
            low = high = 0.0
        else:
            target = event.target(point.target)
            low, high = target.low, target.high
        text = f"observed: {point.text}"
        if point.minutes is None:
            top = 100.0 * (1.0 + high)
            bottom = 100.0 * (1.0 + (low if math.isfinite(low) else high))
            fig.add_shape(type="rect", xref="x domain", x0=0, x1=1, yref="y", y0=bottom,
                          y1=top, fillcolor=OBSERVED, opacity=0.15, line=dict(width=0))
            fig.add_trace(scatter(
                x=[minutes[-1]], y=[0.5 * (top + bottom)], mode="markers",
                name=f"observed: {point.text}",
                marker=dict(color=OBSERVED, symbol="square", size=10, opacity=0.4),
                hovertemplate=(f"{text}: {observed_text(target)}<extra></extra>")))
            continue
        if not math.isfinite(low):  # one-sided: at most `high`
            fig.add_trace(scatter(
                x=[point.minutes], y=[100.0 * (1.0 + high)], mode="markers", name=text,
                marker=dict(color=OBSERVED, symbol="triangle-down", size=13),
                hovertemplate=f"{text}: {observed_text(target)}<extra></extra>"))
            continue
        middle = 0.5 * (low + high)
        fig.add_trace(scatter(
            x=[point.minutes], y=[100.0 * (1.0 + middle)], mode="markers", name=text,
            marker=dict(color=OBSERVED, symbol="diamond", size=12),
            error_y=dict(type="data", symmetric=True, array=[100.0 * (high - low) / 2],
                         color=OBSERVED, thickness=2, width=6),
            hovertemplate=(f"{text}" + (f": {observed_text(target)}" if point.target else "")
                           + "<extra></extra>")))
    fig.update_layout(
        **heading("Price against time",
                  "Start = 100. Model: the replay's traded price;",
                  "observed: the event's points, with sources."),
        xaxis=dict(title=dict(text="Minutes from the event's start")),
        yaxis=dict(title=dict(text="Price (start = 100)")),
        legend=dict(orientation="h", y=-0.25), hovermode="closest")
    return fig.build()


def per_minute(result) -> pd.DataFrame:
    """Notional (USD at entry) the replay liquidated in each whole minute from its start,
    longs and shorts apart: columns minute (0 = the first 60 s), long, short."""
    series = result.series
    minute = (series["seconds"].to_numpy() // 60.0).astype(np.int64)
    frame = pd.DataFrame({"minute": minute, "long": series["long_notional"].to_numpy(),
                          "short": series["short_notional"].to_numpy()})
    return frame.groupby("minute", as_index=False).sum()


def minutes_figure(result, rows) -> go.Figure:
    """Liquidations per minute (the model's), longs and shorts stacked, with the model's
    peak minute over the total beside the observed range when the event has one."""
    table = per_minute(result)
    total = float(table["long"].sum() + table["short"].sum())
    peak = float((table["long"] + table["short"]).max()) if len(table) else 0.0
    fig = Draft()
    for column, name, color in (("long", "model: longs", LONGS), ("short", "model: shorts",
                                                                    SHORTS)):
        if table[column].sum() == 0:
            continue
        fig.add_trace(bar(x=table["minute"], y=table[column], name=name,
                          marker=dict(color=color, line=dict(width=0)),
                          hovertemplate=f"minute %{{x}}: %{{y:$.3s}}<extra>{name}</extra>"))
    lines = [f"Model: {usd(total)} liquidated in all,",
             f"{usd(peak)} in its busiest clock minute."]
    share = next((r for r in rows if r.target.key == "peak_minute_share"), None)
    if share is not None:
        lines += [f"Busiest 60 s over the total: model {figure_text(share.model, 'share')},",
                  f"observed {observed_text(share.target)} ({share.target.source})."]
    fig.update_layout(
        **heading("Liquidations per minute", *lines), barmode="stack", bargap=0.1,
        xaxis=dict(title=dict(text="Minute from the event's start")),
        yaxis=dict(title=dict(text="Notional (USD)"),
                   **money_axis(float((table["long"] + table["short"]).max()) if len(table)
                                else 0.0)),
        legend=dict(orientation="h", y=-0.25))
    return fig.build()


def map_figure(result) -> go.Figure:
    """The liquidation map of the replay's book (cascade_view.figures'), marked at the
    path's lowest move and the replay's final price; a replay is timed, so its colours are
    named by the tick that liquidated each position."""
    population = result.population
    return liquidation_map_figure(
        population.liquidation_price(result.market.maintenance_margin), population.notional,
        result.liquidated_in, result.wave_count, result.shock, result.final_price,
        ticks=result.waves["tick"].to_numpy())
