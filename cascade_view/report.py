"""A self-contained HTML report and PNG charts (issue 9 section 3): data in, bytes out.

The HTML holds everything it needs: plotly.js is inlined once, every chart stays interactive,
and no link or script points at the network, so the file opens offline. PNGs go through
kaleido, which drives the Chromium found on this machine (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import html
import threading
import warnings
from datetime import datetime, timezone

import markdown as markdown_lib
import plotly.graph_objects as go
import plotly.io as pio

from cascade.case import PATH, BroughtFile, not_applied

from . import headline, views
from .figures import INK, MUTED
from .response_figures import response_figure
from .text import doc

PNG_SCALE = 2
PNG_SIZE = (1100, 650)


_STYLE = f"""
body {{ font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; color: {INK};
        max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
h1 {{ font-size: 1.8rem; margin-bottom: .2rem; }}
.meta {{ color: {MUTED}; margin-top: 0; }}
.verdict {{ font-size: 1.15rem; padding: .8rem 1rem; border-left: 4px solid #b91c1c;
            background: #f9fafb; }}
.metrics {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
            gap: .6rem; margin: 1rem 0; }}
.metric {{ border: 1px solid #e5e7eb; border-radius: .5rem; padding: .6rem .8rem; }}
.metric .label {{ color: {MUTED}; font-size: .85rem; }}
.metric .value {{ font-size: 1.5rem; font-weight: 600; }}
.metric .delta {{ color: {MUTED}; font-size: .85rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1rem; }}
td, th {{ border-bottom: 1px solid #e5e7eb; padding: .25rem .8rem .25rem 0; text-align: left; }}
code {{ font-size: .85rem; word-break: break-all; }}
.wide {{ overflow-x: auto; }}
.chart {{ margin: 1.5rem 0; page-break-inside: avoid; }}
"""


def table_html(header: tuple[str, ...], rows) -> str:
    """A table of text cells, every cell escaped, inside a box that scrolls sideways on a
    narrow screen. rows: tuples of strings, as many as the header has."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return (f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            f"</table></div>")


def _table(rows: list[tuple[str, str]], header: tuple[str, str]) -> str:
    return table_html(header, rows)


def report_html(title: str, verdict: str, metrics, parameters: list[tuple[str, str]],
                figures: dict[str, go.Figure], assumptions_markdown: str,
                files: tuple[BroughtFile, ...] = (), notes: tuple[str, ...] = (),
                sections: tuple[tuple[str, str], ...] = (),
                made: datetime | None = None) -> str:
    """The whole report as one HTML document.

    metrics: objects with label, value, delta (cascade_view.headline.Metric); parameters:
    (name, value) pairs; figures: title -> Figure, drawn in order; files: objects with role,
    name, rows and sha256 (cascade.case.BroughtFile); notes: extra sentences under the
    verdict (critical shock, robustness); sections: (heading, HTML already escaped, e.g.
    table_html) after the charts; made: the time it says it was made (default now, UTC).
    Chart ids are numbered, so one run and one time give the same bytes."""
    when = (made or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    cards = "".join(
        f'<div class="metric"><div class="label">{html.escape(m.label)}</div>'
        f'<div class="value">{html.escape(m.value)}</div>'
        f'<div class="delta">{html.escape(m.delta or "")}</div></div>' for m in metrics)
    charts = []
    for index, (name, figure) in enumerate(figures.items()):
        div = pio.to_html(figure, full_html=False, include_plotlyjs=index == 0,
                          config={"displaylogo": False, "responsive": True},
                          default_width="100%", default_height="520px",
                          div_id=f"chart-{index + 1}")
        charts.append(f'<div class="chart" aria-label="{html.escape(name)}">{div}</div>')
    file_rows = "".join(
        f"<tr><td>{html.escape(f.role)}</td><td>{html.escape(f.name)}</td>"
        f"<td>{f.rows:,}</td><td><code>{f.sha256}</code></td></tr>" for f in files)
    files_html = (
        '<h2>Input files</h2><div class="wide"><table><thead><tr><th>role</th><th>file</th>'
        f"<th>rows</th><th>SHA-256</th></tr></thead><tbody>{file_rows}</tbody></table></div>"
        if files else "")
    notes_html = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    sections_html = "".join(f"<h2>{html.escape(heading)}</h2>\n{body}\n"
                            for heading, body in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">Cascade Lab report, made {when}. Prices are an index: the start is 100.</p>
<p class="verdict">{html.escape(verdict)}</p>
{notes_html}
<div class="metrics">{cards}</div>
<h2>Charts</h2>
{''.join(charts)}
{sections_html}<h2>Parameters</h2>
{_table(parameters, ("parameter", "value"))}
{files_html}
<h2>Assumptions and sources</h2>
{markdown_lib.markdown(assumptions_markdown.replace(chr(92) + "$", "$"))}
</body></html>
"""


_kaleido_lock = threading.Lock()
_kaleido_started = False


def chart_png(figure: go.Figure, width: int = PNG_SIZE[0], height: int = PNG_SIZE[1]) -> bytes:
    """The chart as a PNG through kaleido and this machine's Chromium. The first call starts
    one browser for the process (a few seconds); later calls take well under a second.
    Raises ValueError with the reason when no Chromium can be found."""
    import kaleido

    global _kaleido_started
    with _kaleido_lock:
        try:
            if not _kaleido_started:
                kaleido.start_sync_server(silence_warnings=True)
                _kaleido_started = True
            with warnings.catch_warnings():  # plotly passes options a running server ignores
                warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                return figure.to_image(format="png", width=width, height=height,
                                       scale=PNG_SCALE)
        except Exception as error:  # kaleido raises its own types when Chromium is missing
            raise ValueError(f"PNG export: kaleido could not render through Chromium "
                             f"({type(error).__name__}: {error})") from error


def scenario_report(analysis, files: tuple[BroughtFile, ...] = (), title: str | None = None,
                    assumptions_markdown: str | None = None, curve=None,
                    crowd: bool | None = None) -> str:
    """The HTML report of one analysed scenario (cascade.analysis.Analysis): its verdict,
    headline, its level (headline.level_sentence), the cliff figures, the Explorer's four
    charts, with the clock on its time figures and charts (headline.time_metrics,
    views.explorer_time_figures), and its response curve (`curve`, a cascade.response.ResponseCurve, when given:
    the page passes its cached one), every knob and the input files. crowd: whether the
    book is the synthetic one, with a crowd (default: no positions file was brought)."""
    kind, verdict = headline.verdict(analysis)
    if crowd is None:
        crowd = not any(f.kind == "positions" for f in files)
    notes = tuple(note for note in (headline.critical_sentence(analysis),
                                     headline.robustness_sentence(analysis),
                                     headline.level_sentence(analysis, crowd=crowd),
                                     headline.exhausted_sentence(analysis),
                                     headline.time_sentence(analysis)) if note)
    figures_by_title = {}
    for name, figure in views.explorer_figures(analysis).items():
        figures_by_title[figure.layout.title.text or name] = figure
    for name, figure in views.explorer_time_figures(analysis).items():  # with the clock
        figures_by_title[figure.layout.title.text or name] = figure
    if curve is not None:
        figure = response_figure({"this book": curve}, {"this book": (
            analysis.scenario.shock, analysis.result.total_move)})
        figures_by_title[figure.layout.title.text] = figure
    scenario = analysis.scenario
    replaced_by = {name: f for f in files for name in not_applied([f.kind])}
    parameters = [(name, repr(value) + _replaced_note(name, replaced_by.get(name)))
                  for name, value in scenario.to_dict().items()]
    metrics = headline.metrics(analysis) + headline.cliff_metrics(analysis)
    shown = {metric.label for metric in metrics}  # bad debt is in both rows when kept
    metrics += [metric for metric in headline.time_metrics(analysis) if metric.label not in shown]
    return report_html(title or f"Liquidation cascade: {kind}", verdict,
                       metrics, parameters, figures_by_title,
                       assumptions_markdown or doc("assumptions"), files, notes)


def _replaced_note(name: str, brought: BroughtFile | None) -> str:
    """What the knob table says of a field a brought file replaces: not used; but the shock
    under a brought price path is the path's largest move (cascade.case.path_scenario), which
    the headline reads."""
    if brought is None:
        return ""
    if brought.kind == PATH and name == "shock":
        return (f" (the largest move of the uploaded {brought.role} file, which replaces "
                f"{brought.replaces})")
    return f" (not used: the uploaded {brought.role} file replaces {brought.replaces})"
