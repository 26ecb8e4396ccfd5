"""Charts that stay on the page: a Plotly figure drawn by plotly.js in one element that
lives across reruns and is updated with Plotly.react.

Why: st.plotly_chart gives a figure with new data a new element, so every rerun builds each
chart from nothing (Plotly.newPlot). On the Explorer that was about 0.5 s of the browser's
0.7 s per slider move with four charts. Updating the same plots in place costs a fraction
of it (benchmarks/bench_explorer.py; README "Speed").

plotly.js comes from the installed plotly package (the same version that wrote the figure's
JSON), published once per server start into the app's static folder and served by
Streamlit's static file serving (.streamlit/config.toml: server.enableStaticServing).
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st

from cascade_view import figures

__all__ = ["chart", "chart_config", "in_place", "publish_plotly_js", "DEFAULT_HEIGHT_PX"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
DEFAULT_HEIGHT_PX = 450  # st.plotly_chart's height for a figure without one
COMPONENT = "cascade_chart"
_LOG = logging.getLogger(__name__)


def publish_plotly_js(static_dir: Path = STATIC_DIR) -> Path:
    """Copy the installed plotly.js into `static_dir` unless the same file is there.
    Returns the published path."""
    target = static_dir / "plotly.min.js"
    if not (target.exists() and target.stat().st_size == PLOTLY_JS.stat().st_size
            and _digest(target) == _digest(PLOTLY_JS)):
        static_dir.mkdir(exist_ok=True)
        partial = target.with_suffix(".js.partial")
        shutil.copyfile(PLOTLY_JS, partial)
        partial.replace(target)  # atomic: a page never loads half a file
    return target


def _digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def chart_config(name: str) -> dict:
    """plotly.js config: the project's modebar, and its PNG button saving cascade-<name>.png
    at twice the drawn size."""
    return {**figures.MODEBAR,
            "toImageButtonOptions": {"format": "png", "filename": f"cascade-{name}",
                                     "scale": 2}}


@st.cache_resource(show_spinner=False)
def _component():
    """The registered component, or None when plotly.js cannot be published (a read-only
    app folder): then charts fall back to st.plotly_chart."""
    try:
        publish_plotly_js()
    except OSError as error:
        _LOG.warning("charts are drawn by st.plotly_chart: cannot publish plotly.js (%s)", error)
        return None
    script = (Path(__file__).with_name("plot.js")).read_text()
    return st.components.v2.component(COMPONENT, js=script, isolate_styles=False)


def in_place() -> bool:
    """Whether charts can be updated in place: the server serves static/ (a server started
    from another folder does not read this project's .streamlit/config.toml) and plotly.js
    is published there."""
    return bool(st.get_option("server.enableStaticServing")) and _component() is not None


def chart(fig: go.Figure, name: str, caption: str | None = None, **select) -> object:
    """Draw `fig` under the key chart-<name>, `caption` (if given) under it.

    A chart that reports clicks (`select`: on_select / selection_mode, passed through) is an
    st.plotly_chart, whose selection events Streamlit provides, and its event is returned.
    Any other chart is updated in place on later reruns, at the figure's own height (px) or
    DEFAULT_HEIGHT_PX, and None is returned; where that is not possible (see in_place) it is
    an st.plotly_chart too."""
    event = None
    if not select and in_place():
        spec = fig.to_json()
        height = fig.layout.height or DEFAULT_HEIGHT_PX
        title = re.sub(r"<[^>]+>", " ", fig.layout.title.text or name).strip()
        _component()(data={"figure": spec, "height": height, "config": chart_config(name),
                           "title": title, "revision": hashlib.blake2b(
                               spec.encode(), digest_size=8).hexdigest()},
                     key=f"chart-{name}", width="stretch", height="content")
    else:
        event = st.plotly_chart(fig, width="stretch", theme=None, config=chart_config(name),
                                key=f"chart-{name}", **select)
    if caption:
        st.caption(caption)
    return event if select else None
