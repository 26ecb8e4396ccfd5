"""At a million traders the page sends the browser what it sends at ten thousand: charts
are binned on the server, so their payloads depend on bins and waves, not on traders."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from tests.app.apptools import chart_specs, charts, run
from tests.app.conftest import APP

# Upper bounds on the JSON one more drawn bar adds (x and y as base64 float64, 12 chars
# each, its hover text, a range and an amount, about 30 chars, and separators) and one
# more trace (a wave group: name, colour, hover template).
BYTES_PER_POINT = 80
BYTES_PER_TRACE = 600


def chart_payloads(at) -> dict[str, tuple[int, int, int]]:
    """(bytes of the figure spec, plotted points, traces) per chart."""
    specs = charts(at)
    return {name: (len(spec), sum(len(trace.get("x", [])) for trace in specs[name]["data"]),
                   len(specs[name]["data"])) for name, spec in chart_specs(at).items()}


@pytest.mark.slow
def test_chart_payloads_at_a_million_traders_are_no_larger_than_at_ten_thousand():
    small = AppTest.from_file(str(APP), default_timeout=60).run()
    big = run(AppTest.from_file(str(APP), default_timeout=120), n="1M")
    assert not small.exception and not big.exception
    assert big.session_state["n"] == 1_000_000
    small_payloads, big_payloads = chart_payloads(small), chart_payloads(big)
    print({name: (small_payloads[name], big_payloads[name]) for name in big_payloads})
    assert set(big_payloads) == {"price-path", "waves", "leverage", "liquidation-map",
                                 "response"}
    for name, (size, points, traces) in big_payloads.items():
        small_size, small_points, small_traces = small_payloads[name]
        allowance = (BYTES_PER_POINT * max(0, points - small_points)
                     + BYTES_PER_TRACE * max(0, traces - small_traces) + 512)
        assert size <= small_size + allowance, name
    # the histograms draw at most one bar per bin and wave group, whatever the book
    assert big_payloads["leverage"][1] <= 60 * 11
    assert big_payloads["liquidation-map"][1] <= 120 * 11
