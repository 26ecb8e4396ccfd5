"""A price path brought on the Explorer (issue 17 section 2): the example path in one click
runs the cascade on the clock along it, greys out exactly the knobs it replaces, says so in
one line with the file's checksum, and the page's numbers are the core's on that path."""

import hashlib

import numpy as np

import cascade
from cascade import case
from cascade.clock import run_timed
from cascade_ui import upload
from cascade_view import knobs
from cascade_view.formats import pct
from tests.app.test_upload import page_path
from tests.app.test_upload_knobs import disabled


def test_the_example_path_runs_the_cascade_along_it(app):
    at = app.run()
    at.checkbox(key=upload.USE_EXAMPLE["path"]).check().run()
    assert not at.exception and not at.error
    path, listing = case.load_path_file(upload.EXAMPLE_PATH)
    expected = run_timed(cascade.Scenario().book(), path)
    np.testing.assert_array_equal(page_path(at), expected.price_path)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Final move"] == pct(expected.total_move)
    # one line naming the file, its rows and checksum, and the knobs it replaces
    (line,) = [c.value for c in at.caption if c.value.startswith("Price path: your file")]
    digest = hashlib.sha256(upload.EXAMPLE_PATH.read_bytes()).hexdigest()
    assert upload.EXAMPLE_PATH.name in line and f"{listing.rows:,} rows" in line
    assert digest[:12] in line
    assert f"lowest {pct(path.low)}" in line and f"over {path.duration:,.6g} s" in line
    named = {name for name in knobs.KNOBS if knobs.label_of(name) in line.split("It replaces")[1]}
    assert named == set(case.RULES[case.PATH].fields)
    # the knobs it replaces are drawn disabled, and only those
    assert disabled(at) == set(case.RULES[case.PATH].fields)


def test_a_shock_in_the_link_changes_nothing_while_a_path_is_loaded():
    """The shock knob is disabled under a path; a link's shock keeps its value and changes
    nothing (the same final price as on the default shock)."""
    from streamlit.testing.v1 import AppTest

    from tests.app.apptools import run
    from tests.app.conftest import APP

    def with_path(**query):
        at = run(AppTest.from_file(str(APP), default_timeout=30), **query)
        at.checkbox(key=upload.USE_EXAMPLE["path"]).check().run()
        assert not at.exception and not at.error
        return at

    np.testing.assert_array_equal(page_path(with_path(shock="-0.2")), page_path(with_path()))
