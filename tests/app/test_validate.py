"""`python -m cascade validate` and docs/events.md: the table is the command's output, and
its values are held here, so a model change that moves a replay shows up in review."""

from __future__ import annotations

import re
from pathlib import Path

from cascade.replay import REPLAYS, compare, fitted_values
from cascade_view.cli import main
from cascade_view.events_figures import knobs_table, validation_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"

# The model column of the table as it is today: (event, figure) -> model, inside.
HELD = {
    ("10-11 Oct 2025", "lowest price (move from the start)"): ("-15.6%", "yes"),
    ("10-11 Oct 2025", "move after 45 minutes"): ("-12.0%", "yes"),
    ("10-11 Oct 2025", "long share of liquidated notional"): ("100.0%", "no"),
    ("10-11 Oct 2025", "open interest gone (model: liquidated)"): ("8.8%", "no"),
    ("10-11 Oct 2025", "peak minute / total liquidated"): ("40.0%", "yes"),
    ("10-11 Oct 2025", "liquidated on the venue (USD)"): ("$2.36B", "no"),
    ("10-11 Oct 2025", "auto-deleveraged / liquidated"): ("not run", "no"),
    ("10-11 Oct 2025", "first liquidation to first ADL"): ("not run", "no"),
    ("12-13 Mar 2020", "lowest price (move from the start)"): ("-51.1%", "yes"),
    ("12-13 Mar 2020", "liquidated on the venue (USD)"): ("$1.67B", "yes"),
    ("12-13 Mar 2020", "insurance fund drawn (USD)"): ("$8.87M", "no"),
    ("19 May 2021", "lowest price (move from the start)"): ("-26.1%", "yes"),
    ("19 May 2021", "open interest gone (model: liquidated)"): ("75.0%", "yes"),
    ("19 May 2021", "liquidated (USD)"): ("$8.3B", "yes"),
}


def _command(capsys, *args) -> str:
    assert main(["validate", *args]) == 0
    return capsys.readouterr().out


def _block(text: str, name: str) -> str:
    found = re.search(rf"<!-- {name}[^\n]*-->\n(.*?)<!-- /{name.split()[0]} -->", text, re.S)
    assert found, name
    return found.group(1)


def test_the_docs_table_is_the_commands_output(capsys):
    out = _command(capsys)
    assert _block(DOC.read_text(), "validate") == out
    assert out == validation_table([row for key in REPLAYS for row in compare(key)])


def test_the_docs_knob_tables_are_the_replays_knobs():
    text = DOC.read_text()
    for key in REPLAYS:
        assert _block(text, f"knobs {key}") == knobs_table(key, fitted_values()[key])


def test_the_table_holds_its_current_values(capsys):
    lines = _command(capsys).splitlines()[2:]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert {(c[0], c[1]): (c[4], c[5]) for c in cells} == HELD
    for c in cells:  # a miss keeps its reason; a hit has none
        assert (c[5] == "no") == bool(c[7])


def test_the_readme_links_the_events_doc():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "](docs/events.md)" in readme
