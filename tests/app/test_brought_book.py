"""The page, the command line and the report on the same brought files (issue 14): one loader
and one start price (the same cascade), one rule for the knobs a file replaces."""

import re

import numpy as np
import pytest

import cascade
from cascade import case
from cascade.analysis import analyse_book
from cascade.scenario import VENUE_FIELDS
from cascade_ui import upload
from cascade_view import cli, knobs, report
from tests.app.test_upload import page_path

FILES = ["--positions", str(upload.EXAMPLE_POSITIONS), "--orderbook", str(upload.EXAMPLE_ORDERBOOK)]


def with_examples(app, *kinds):
    at = app.run()
    for kind in kinds:
        at.checkbox(key=upload.USE_EXAMPLE[kind]).check()
    return at.run()


def test_the_cli_and_the_page_give_the_same_cascade_on_the_example_files(app, capsys):
    """Same waves and final price (once 6 waves at a start of 100 in the CLI and 7 at the
    median entry 100.004 on the page)."""
    at = with_examples(app, "positions", "orderbook")
    assert not at.exception and not at.error
    shown = page_path(at)
    analysis, _ = cli._analysis(cli.build_parser().parse_args(["run", *FILES]))
    np.testing.assert_array_equal(analysis.result.price_path, shown)
    assert cli.main(["run", *FILES]) == 0
    printed = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    metrics = {m.label: m.value for m in at.metric}
    assert len(rows) == len(shown) - 2 == analysis.result.wave_count
    assert f"Waves:          {metrics['Waves']}\n" in printed
    assert f"Final move:     {metrics['Final move']}" in printed
    start = case.start_price(upload.EXAMPLE_POSITIONS)
    assert f"start price {start:,.6g} in the file's units" in printed
    assert any(f"from a start price of {start:,.6g}" in c.value for c in at.caption)


def parameter_notes(page: str) -> dict[str, str]:
    """The report's parameters table: field -> the value cell."""
    table = page.split("<h2>Parameters</h2>", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r"<tr><td>(\w+)</td><td>([^<]*)</td></tr>", table))


@pytest.mark.parametrize("kinds", [(case.POSITIONS,), (case.ORDERBOOK,),
                                   (case.POSITIONS, case.ORDERBOOK)])
def test_the_report_marks_exactly_the_knobs_the_files_replace(kinds):
    """With positions, the crowd's knobs, n and seed are "not used"; the venue knobs, the
    shock and the margin are used (the page applies them to the positions)."""
    scenario = cascade.Scenario(engine_capacity=20e6, insurance_fund=1e6)
    sources = {case.POSITIONS: upload.EXAMPLE_POSITIONS, case.ORDERBOOK: upload.EXAMPLE_ORDERBOOK}
    brought = case.load_case(scenario, sources.get(case.POSITIONS) if case.POSITIONS in kinds
                             else None, sources[case.ORDERBOOK] if case.ORDERBOOK in kinds
                             else None)
    page = report.scenario_report(analyse_book(scenario, brought.book), brought.files)
    notes = parameter_notes(page)
    assert set(notes) == set(scenario.to_dict())
    marked = {name for name, cell in notes.items() if "not used" in cell}
    assert marked == case.not_applied(kinds)
    assert not marked & {"shock", "maintenance_margin", *VENUE_FIELDS}
    if case.POSITIONS in kinds:
        assert {"tightness", "center_leverage", "n", "seed"} <= marked
        assert "the uploaded positions file replaces the synthetic book" in notes["seed"]
    if case.ORDERBOOK in kinds:
        assert "the uploaded order book file replaces the depth and impact model" in \
            notes["depth"]


def test_the_pages_captions_name_the_knobs_it_greys_out(app):
    at = with_examples(app, "positions", "orderbook")
    assert not at.exception and not at.error
    book = next(c.value for c in at.caption if c.value.startswith("Book: your positions"))
    impact = next(c.value for c in at.caption if c.value.startswith("Impact: your order book"))
    for line, kind in ((book, case.POSITIONS), (impact, case.ORDERBOOK)):
        named = {name for name in knobs.KNOBS if knobs.label_of(name) in line}
        assert named == set(case.RULES[kind].fields), kind
