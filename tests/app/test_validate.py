"""`python -m cascade validate` and docs/events.md: the table is the command's output, and
its values are held here, so a model change that moves a replay shows up in review."""

from __future__ import annotations

import re
from pathlib import Path

import json

import numpy as np
import pytest

from cascade.replay import (CROSS_MARGIN, FITTED_FILE, REPLAYS, compare, cross_margin, fit,
                            fitted_values, replay_scenario)
from cascade_view import knobs
from cascade_view.cli import main
from cascade_view.events_figures import (cross_knobs_table, cross_note, cross_sentence,
                                         knob_grid, knobs_table, validation_table)
from cascade_view.formats import pct, usd

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"

# The model column of the table as it is today: (event, figure) -> model, inside.
HELD = {
    ("10-11 Oct 2025", "lowest price (move from the start)"): ("-14.1%", "yes"),
    ("10-11 Oct 2025", "move after 45 minutes"): ("-12.1%", "yes"),
    ("10-11 Oct 2025", "long share of liquidated notional"): ("100.0%", "no"),
    ("10-11 Oct 2025", "open interest gone (model: liquidated)"): ("29.9%", "yes"),
    ("10-11 Oct 2025", "peak minute / total liquidated"): ("37.0%", "yes"),
    ("10-11 Oct 2025", "peak minute, from the start"): ("2.7 min", "no"),
    ("10-11 Oct 2025", "liquidated on the venue (USD)"): ("$8.96B", "yes"),
    ("10-11 Oct 2025", "auto-deleveraged / liquidated"): ("90.3%", "no"),
    ("10-11 Oct 2025", "first liquidation to first ADL"): ("0 s", "no"),
    ("10-11 Oct 2025", "cross-margin longs / liquidated notional (BTC and SOL, 21:15-21:22)"):
        ("29.9%", "no"),
    ("12-13 Mar 2020", "lowest price (move from the start)"): ("-51.0%", "yes"),
    ("12-13 Mar 2020", "liquidated on the venue (USD)"): ("$1.68B", "yes"),
    ("12-13 Mar 2020", "insurance fund drawn (USD)"): ("$20.4M", "no"),
    ("19 May 2021", "lowest price (move from the start)"): ("-23.1%", "yes"),
    ("19 May 2021", "open interest gone (model: liquidated)"): ("82.6%", "yes"),
    ("19 May 2021", "liquidated (USD)"): ("$8.26B", "yes"),
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
    assert {(c[0], c[1]): (c[3], c[4]) for c in cells} == HELD
    for c in cells:  # a miss keeps its reason; a hit has none
        assert (c[4] == "no") == bool(c[6])


def test_the_table_holds_the_cross_margin_figure_with_its_note(capsys):
    """The cross-margin row: the model's figure at the assumed cross share, and a note that
    names the assumptions, the window's positions and the scan's answer, from the runs."""
    lines = _command(capsys).splitlines()
    (line,) = [x for x in lines if "cross-margin longs" in x]
    cells = [c.strip() for c in line.strip("|").split("|")]
    figure = cross_margin("2025-10-10")
    assert cells[7] == cross_note(figure)
    assert "(assumed)" in cells[7] and "ADL on" in cells[7]
    assert f"{pct(figure.cross_share, 0, signed=False)} of open interest in cross" in cells[7]
    assert f"in the window {figure.at.positions:,} positions" in cells[7]
    if figure.reached == figure.reached:  # reached: the scan's last run is the one
        found = figure.scan[-1][1]
        assert (f"first reaches 95.4% at {pct(figure.reached, 0, signed=False)}, on "
                f"{found.positions:,} positions ({usd(found.notional)})") in cells[7]
    others = [x for x in lines[2:] if "cross-margin longs" not in x]
    assert all(x.endswith("|  |") for x in others)  # no other row has a note


def test_the_docs_cross_margin_section_is_generated_and_its_claims_hold():
    """docs/events.md's cross-margin sentence and knob table are the generated ones; its
    prose claims hold: the window holds little of what the model liquidates, the answer
    moves with the book's seed (seed 1's figures as quoted) and the whole run's share
    stays near the assumed cross share."""
    text = DOC.read_text()
    figure = cross_margin("2025-10-10")
    assert _block(text, "cross-sentence 2025-10-10").strip() == cross_sentence(figure)
    assert _block(text, "cross 2025-10-10") == cross_knobs_table("2025-10-10")
    found = figure.scan[-1][1]
    assert found.notional < 0.01 * figure.run.notional and found.positions < 50
    assert abs(figure.run.share - figure.cross_share) < 0.02
    other = cross_margin("2025-10-10", replay_scenario("2025-10-10").replace(seed=1))
    assert other.reached != figure.reached
    seed = other.scan[-1][1]
    flat = " ".join(text.split())
    assert (f"with the book's seed 1 in place of {replay_scenario('2025-10-10').seed}, the "
            f"scan first reaches 95.4% at {pct(other.reached, 0, signed=False)}, on "
            f"{seed.positions:,} positions ({usd(seed.notional)})") in flat
    (_, forty), (_, fifty) = [x for x in figure.scan if x[0] in (0.4, 0.5)]
    assert forty.share > fifty.share  # the scan is not monotone, as the doc says
    assert (f"at 40% the window's share is {pct(forty.share, signed=False)}, at 50% "
            f"{pct(fifty.share, signed=False)}") in flat
    assert set(CROSS_MARGIN) == {"2025-10-10"}


def test_the_readme_links_the_events_doc():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "](docs/events.md)" in readme


def test_the_explorer_opens_each_replay_exactly():
    """Every replay's knobs are on the Explorer's steps and stops: its link reads back as
    the same Scenario, with nothing snapped."""
    for key in REPLAYS:
        scenario = replay_scenario(key)
        for name, text in knobs.url_params(scenario).items():
            value, reason = knobs.KNOBS[name].read(text)
            assert reason is None, (key, name, text)
            assert knobs.KNOBS[name].clean(value) == getattr(scenario, name), (key, name)


def test_knob_grid_is_the_sliders_steps_and_the_pickers_stops():
    assert knob_grid("tightness").tolist() == pytest.approx(np.linspace(0, 1, 21).tolist())
    assert knob_grid("open_interest").tolist() == sorted(knobs.KNOBS["open_interest"].options)
    assert 0.0 not in knob_grid("insurance_fund")
    with pytest.raises(ValueError, match="knob: 'impact'"):
        knob_grid("impact")


def test_the_fit_reproduces_the_committed_values():
    # one event's fit (the others take as long): the committed data is the fit's output
    values, loss = fit("2021-05-19", grid=knob_grid)
    assert values == fitted_values()["2021-05-19"]
    assert loss == pytest.approx(json.loads(FITTED_FILE.read_text())["loss"]["2021-05-19"])


def test_refit_passes_the_explorers_grid_and_prints_the_table(capsys, monkeypatch):
    """--refit re-runs the fit on the knob table's grid before printing (the fit itself is
    checked above; here it is replaced, so the committed file is left alone)."""
    import cascade_view.cli as cli
    calls = []
    monkeypatch.setattr(cli, "refit", lambda grid: calls.append(grid) or {
        "fitted": fitted_values(), "loss": {key: 0.0 for key in REPLAYS}})
    out = _command(capsys, "--refit")
    assert calls == [knob_grid]
    assert out == validation_table([row for key in REPLAYS for row in compare(key)])
