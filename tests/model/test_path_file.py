"""A price path brought as a file of (seconds, price) (issue 17 section 2): one loader
(cascade.case.load_path_file), one rule for what it replaces (RULES[PATH]) and one run
(Scenario.run_on(book, path)) for the page, the command line and the report."""

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

import cascade
from cascade import case
from cascade.clock import run_timed
from cascade.paths import PricePath
from cascade_view import cli, formats

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "path-10oct-like.csv"


def _file(text: str, name: str = "path.csv"):
    buffer = io.BytesIO(text.encode())
    buffer.name = name
    return buffer


def test_the_example_path_is_a_fall_then_a_rebound_read_relative_to_its_first_price():
    path, listing = case.load_path_file(EXAMPLE)
    rows = np.loadtxt(EXAMPLE, delimiter=",", skiprows=1)
    np.testing.assert_array_equal(path.times, rows[:, 0])
    np.testing.assert_array_equal(path.moves, rows[:, 1] / rows[0, 1] - 1.0)
    lowest = int(np.argmin(path.moves))
    assert 0 < lowest < path.times.size - 1 and path.moves[-1] > path.low  # it rebounds
    assert listing.kind == case.PATH and listing.role == "price path"
    assert listing.rows == rows.shape[0]
    assert listing.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_a_brought_path_replaces_the_shock_and_runs_on_the_clock_along_it():
    scenario = cascade.Scenario(n=2_000, shock=-0.02, path="fall", fall_seconds=30.0)
    brought = case.load_case(scenario, path=EXAMPLE)
    path, _ = case.load_path_file(EXAMPLE)
    # the scenario's shock becomes the path's largest move; nothing else changes
    assert brought.scenario == scenario.replace(shock=path.low)
    assert brought.price_path is not None and brought.brought
    assert brought.not_applied == {"shock", "path", "fall_seconds", "rebound", "rebound_seconds"}
    result = brought.run()
    expected = run_timed(scenario.book(), path)
    np.testing.assert_array_equal(result.price_path, expected.price_path)
    np.testing.assert_array_equal(result.liquidated_in, expected.liquidated_in)
    assert result.series["seconds"].iloc[-1] >= path.duration
    np.testing.assert_array_equal(result.series["move"], path.at(result.series["seconds"]))


def test_a_rising_path_under_a_fall_then_rebound_setting_is_read_as_its_rise():
    rise = _file("seconds,price\n0,100\n10,104\n")
    brought = case.load_case(cascade.Scenario(n=2_000, path="fall_then_rebound", shock=-0.05),
                             path=rise)
    assert brought.scenario.shock == pytest.approx(0.04) and brought.scenario.path == "fall"
    assert case.path_move(brought.price_path) == pytest.approx(0.04)


BROKEN = {
    "missing column": ("seconds,prize\n0,100\n1,99\n", ["missing column(s) price"]),
    "not a number": ("seconds,price\n0,100\n1,abc\n2,98\n",
                     ["row 3, price: 'abc' is not a number"]),
    "seconds not rising": ("seconds,price\n0,100\n5,99\n5,98\n3,97\n",
                           ["row 4, seconds: 5 is not after the row above",
                            "row 5, seconds: 3 is not after the row above"]),
    "negative price": ("seconds,price\n0,100\n1,-5\n", ["row 3, price: -5 is not positive"]),
    "empty": ("", ["the file is empty"]),
    "header only": ("seconds,price\n", ["has a header but no rows"]),
    "not from 0": ("seconds,price\n2,100\n3,99\n", ["row 2, seconds: 2 is not 0"]),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_path_file_is_a_value_error_naming_the_file_row_and_field(name):
    text, said = BROKEN[name]
    with pytest.raises(ValueError) as error:
        case.load_case(cascade.Scenario(n=2_000), path=_file(text, "broken.csv"))
    message = str(error.value)
    assert message.startswith("broken.csv: ")
    for part in said:
        assert part in message


@pytest.mark.parametrize("name", BROKEN)
def test_the_command_line_says_a_broken_path_file_in_one_line(name, tmp_path, capsys):
    text, said = BROKEN[name]
    bad = tmp_path / "broken.csv"
    bad.write_text(text)
    assert cli.main(["run", "--set", "n=2000", "--path-file", str(bad)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: broken.csv: ") and err.count("\n") == 1
    assert "Traceback" not in err
    for part in said:
        assert part in err


def test_the_command_line_runs_along_the_path_file_and_lists_it(capsys):
    assert cli.main(["run", "--set", "n=2000", "--path-file", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    path, listing = case.load_path_file(EXAMPLE)
    digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert (f"price path: {EXAMPLE.name}, {listing.rows:,} rows, sha256 {digest}, "
            f"{path.times.size:,} points over {path.duration:,.6g} s, lowest "
            f"{formats.pct(path.low)}, highest {formats.pct(path.high)} from its first "
            f"price") in out
    assert "not used: shock, path, fall_seconds, rebound, rebound_seconds" in out
    analysis, brought = cli._analysis(cli.build_parser().parse_args(
        ["run", "--set", "n=2000", "--path-file", str(EXAMPLE)]))
    expected = run_timed(cascade.Scenario(n=2_000).book(), path)
    np.testing.assert_array_equal(analysis.result.price_path, expected.price_path)
    assert analysis.scenario.shock == path.low


def test_the_report_lists_the_path_file_with_its_checksum(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert cli.main(["report", "--set", "n=2000", "--path-file", str(EXAMPLE), "-o",
                     str(out)]) == 0
    page = out.read_text()
    digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    files = page.split("<h2>Input files</h2>", 1)[1].split("</table>", 1)[0]
    assert f"<td>price path</td><td>{EXAMPLE.name}</td>" in files and digest in files
    table = page.split("<h2>Parameters</h2>", 1)[1].split("</table>", 1)[0]
    assert "<td>shock</td><td>" in table and "largest move of the uploaded price path" in table
    for name in ("path", "fall_seconds", "rebound", "rebound_seconds"):
        assert (f"<td>{name}</td>" in table)
    assert table.count("not used: the uploaded price path file replaces") == 4


def test_a_path_is_given_to_run_on_not_taken_from_the_knobs():
    """Scenario.run_on(book, path) follows the path whatever the clock knobs say; without a
    path the knobs decide (the instant engine here)."""
    scenario = cascade.Scenario(n=2_000)
    path = PricePath([0.0, 20.0], [0.0, -0.08])
    along = scenario.run_on(scenario.book(), path)
    assert isinstance(along, cascade.TimedResult) and along.path is path
    assert not isinstance(scenario.run_on(scenario.book()), cascade.TimedResult)


def test_the_documents_words_on_the_example_path_are_the_file():
    """docs/files-and-cli.md describes the example: about 12% down over 28 minutes, the last
    five fastest, back part of the way over 37 more, 65 in all; prices at most 11 x the
    first (cascade.paths.MAX_MOVE)."""
    doc = (ROOT / "docs" / "files-and-cli.md").read_text()
    path, _ = case.load_path_file(EXAMPLE)
    lowest = int(np.argmin(path.moves))
    assert round(-path.low * 100) == 12
    assert path.times[lowest] / 60 == 28 and (path.duration - path.times[lowest]) / 60 == 37
    assert path.duration / 60 == 65
    steps = np.diff(path.moves[: lowest + 1]) / np.diff(path.times[: lowest + 1])
    fastest = path.times[lowest] - path.times[np.argmin(steps)]
    assert fastest <= 5 * 60 and path.low < path.moves[-1] < 0
    assert "fall by about 12% over 28 minutes, faster in the last\nfive" in doc
    assert "over the next 37 minutes (65 minutes in all)" in doc
    assert f"at most {1 + cascade.paths.MAX_MOVE:g} times the first" in doc
