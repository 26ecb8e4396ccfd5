"""Helpers for AppTest: run with URL parameters, read the Plotly figures a page sent.

Plotly 7 stores numeric arrays in the JSON spec as {"dtype": "f8", "bdata": <base64>}
(plus "shape" for 2-D arrays); decode() turns every such node back into a numpy array.
"""

from __future__ import annotations

import base64
import json

import numpy as np


def decode(node):
    """The spec with every typed-array node replaced by a numpy array."""
    if isinstance(node, dict):
        if set(node) >= {"dtype", "bdata"} and set(node) <= {"dtype", "bdata", "shape"}:
            array = np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            if "shape" in node:
                shape = node["shape"]
                shape = [int(s) for s in shape.split(",")] if isinstance(shape, str) else shape
                array = array.reshape(shape)
            return array
        return {key: decode(value) for key, value in node.items()}
    if isinstance(node, list):
        return [decode(value) for value in node]
    return node


def chart_specs(at) -> dict[str, str]:
    """The page's Plotly figures as sent, JSON text by chart name (the part of the element
    key after 'chart-', e.g. 'price-path'): st.plotly_chart elements and the Explorer's
    charts drawn in place (cascade_ui/plot.py)."""
    specs = {}
    for element in at.get("plotly_chart"):
        config = json.loads(element.proto.config)
        name = config["toImageButtonOptions"]["filename"].removeprefix("cascade-")
        specs[name] = element.proto.spec
    for element in at.get("bidi_component"):
        if element.proto.component_name == "cascade_chart":
            data = json.loads(element.proto.json)
            name = data["config"]["toImageButtonOptions"]["filename"].removeprefix("cascade-")
            specs[name] = data["figure"]
    return specs


def charts(at) -> dict[str, dict]:
    """The page's Plotly figures as decoded specs, by chart name (see chart_specs)."""
    return {name: decode(json.loads(spec)) for name, spec in chart_specs(at).items()}


def trace(spec: dict, name: str) -> dict:
    """The first trace called `name`."""
    for data in spec["data"]:
        if data.get("name") == name:
            return data
    raise KeyError(f"no trace named {name!r}; traces: {[d.get('name') for d in spec['data']]}")


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def run(at, **query):
    """Run `at` with URL query parameters (strings, as a browser sends them)."""
    at.query_params.update({key: str(value) for key, value in query.items()})
    return at.run()
