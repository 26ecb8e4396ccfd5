"""The Events page through AppTest: one replay at a time, observed beside the model, the
event in the URL, and the link that opens the replay on the Explorer."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from cascade.events import EVENTS
from cascade.replay import CROSS_TARGET, compare, cross_margin, replay_scenario
from cascade_ui.frame import PAGE_FILES
from cascade_view.events_figures import (cross_knobs_table, cross_note, cross_sentence,
                                         figure_text, page_table)
from cascade_view.formats import pct
from cascade_view.knobs import url_params
from cascade_view.text import dollars
from tests.app.apptools import charts, run

PAGE = "pages/events.py"


def open_events(app, **query):
    app.switch_page(PAGE)
    return run(app, **query)


def test_the_page_is_registered():
    assert ("pages/events.py", "Events", ":material/history:") in PAGE_FILES


@pytest.mark.parametrize("key", list(EVENTS))
def test_each_event_shows_its_table_charts_and_explorer_link(app, key):
    at = open_events(app, event=EVENTS[key].title)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.warning
    rows = compare(key)
    tables = [m.value for m in at.markdown if m.value.startswith("| figure |")]
    assert [t.strip() for t in tables] == [dollars(page_table(rows)).strip()]
    for row in rows:  # a miss's reason is listed under the table
        assert (f"**{row.target.label}**: {dollars(row.reason)}" in tables[0]) == (not row.inside)
    for row in rows:  # every row, misses too, with the model's figure as the table prints it
        assert figure_text(row.model, row.target.unit) in tables[0]
    assert set(charts(at)) == {"event-price", "event-minutes", "event-map"}
    (button,) = [b for b in at.get("link_button") if "Explorer" in b.proto.label]
    query = dict(parse_qsl(urlsplit(button.proto.url).query))
    assert query == url_params(replay_scenario(key))
    assert any(EVENTS[key].notes[0].split(":")[0] in c.value.replace("\\$", "$")
               for c in at.caption)


def test_the_price_chart_marks_the_observed_points_and_labels_model_and_observed(app):
    at = open_events(app, event="10-11 Oct 2025")
    spec = charts(at)["event-price"]
    names = [d.get("name", "") for d in spec["data"]]
    assert names[:2] == ["model: path without liquidations", "model: traded price"]
    observed = [n for n in names[2:]]
    assert observed and all(n.startswith("observed: ") for n in observed)
    assert len(observed) == len(EVENTS["2025-10-10"].path_points)


def test_an_unknown_event_in_the_url_is_said_and_the_default_shown(app):
    at = open_events(app, event="1929-10-24")
    assert not at.exception
    assert any("event=1929-10-24" in w.value for w in at.warning)
    tables = [m.value for m in at.markdown if m.value.startswith("| figure |")]
    assert tables[0].strip() == dollars(page_table(compare("2025-10-10"))).strip()


def test_the_oct_page_says_what_the_model_shows_against_the_observed_cross_margin_share(app):
    """The 10 Oct table holds the cross-margin row with its note; under it one generated
    sentence sets the model's figure beside the observed 95.4%; the knobs expander lists
    the cross-margin run's knobs. Other events show neither."""
    at = open_events(app, event="10-11 Oct 2025")
    assert not at.exception, [e.value for e in at.exception]
    figure = cross_margin("2025-10-10")
    table = next(m.value for m in at.markdown if m.value.startswith("| figure |"))
    row = next(r for r in compare("2025-10-10") if r.target.key == CROSS_TARGET)
    assert row.target.label in table and "95.4% (Hyperliquid fills" in table
    assert f"**{row.target.label}**: {dollars(cross_note(figure, scan=False))}." in table
    sentence = dollars(cross_sentence(figure))
    assert [m.value for m in at.markdown if m.value.strip() == sentence] != []
    assert "95.4% of cross-margin longs observed (Hyperliquid fills)" in cross_sentence(figure)
    assert f"at an assumed {pct(figure.cross_share, 0, signed=False)}" in sentence.lower()
    assert dollars(cross_knobs_table("2025-10-10")).strip() in [m.value.strip()
                                                                for m in at.markdown]


def test_an_event_without_a_cross_margin_figure_shows_no_cross_margin_text(app):
    at = open_events(app, event="12-13 Mar 2020")
    assert not at.exception
    assert "insurance fund drawn" in next(m.value for m in at.markdown
                                          if m.value.startswith("| figure |"))
    assert not any("cross-margin" in m.value or "cross_share" in m.value for m in at.markdown)
