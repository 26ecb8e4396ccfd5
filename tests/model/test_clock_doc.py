"""docs/model.md "Time" quotes the clock's measurements: its tables are what
benchmarks/measure_clock.py prints now, and its sentences' figures are cells of them."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "model.md").read_text()


def _measure():
    spec = importlib.util.spec_from_file_location("measure_clock",
                                                  ROOT / "benchmarks" / "measure_clock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_time_sections_tables_are_the_measurement():
    measure = _measure()
    runs = measure.sensitivity_runs()
    for line in measure.sensitivity(runs):
        assert line in DOC, line
    for line in measure.clustered_against_dispersed():
        assert line in DOC, line
    # the sentences under the sensitivity table
    never = {round(runs[rate, None].total_move, 3) for rate in measure.RATES}
    assert never == {-0.189}
    assert "final move is the same\n(-18.9%) at every rate" in DOC
    assert f"{measure.lowest_move(runs[5e6, 20.0]):+.1%}" == "-7.1%"
    assert f"{measure.lowest_move(runs[None, 20.0]):+.1%}" == "-17.2%"
    assert "at $5M/s the lowest move is -7.1% instead of -17.2%" in DOC
