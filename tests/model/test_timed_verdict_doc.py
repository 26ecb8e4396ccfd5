"""docs/model.md "The verdict with time" quotes the timed verdict's measurements: its tables
are what benchmarks/measure_timed_verdict.py prints now (the cost table's seconds aside, which
are one run's timing), and its sentences' figures are cells of them."""

import importlib.util
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "model.md").read_text()
SECTION = DOC[DOC.index("### The verdict with time"):DOC.index("## The synthetic crowd")]


def _measure():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "measure_timed_verdict", ROOT / "benchmarks" / "measure_timed_verdict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tables_are_the_measurement_and_the_sentences_their_cells():
    measure = _measure()
    for line in [*measure.sensitivity(), *measure.turning(), *measure.steady_state()]:
        assert line in SECTION, line
    # "Every cell runs away", with R 12.02 and p of 17% at the slowest engine
    runs = {(rate, half): measure.analysis_of(rate, half) for rate in measure.RATES
            for half in measure.HALF_LIVES}
    assert all(a.runaway for a in runs.values())
    slowest = runs[5e6, 20.0]
    assert f"{slowest.peak_branching_ratio:.2f}" == "12.02" and "R 12.02" in SECTION
    assert f"{slowest.persistence:.0%}" == "17%" and "keeps 17% of its" in SECTION
    assert slowest.persistence > 1 / slowest.peak_branching_ratio
    assert f"{slowest.deciding.extreme.move:+.1%}" == "-7.1%"
    assert f"{runs[5e6, None].deciding.extreme.move:+.1%}" == "-18.9%"
    assert "(-7.1% against\n-18.9%)" in SECTION
    # the turn between $3M/s and $2M/s at -4.2%, both liquidating 42.1%
    turn = {rate: measure.analysis_of(rate, 20.0, measure.TURNING_SHOCK)
            for rate in measure.TURNING_RATES}
    assert turn[3e6].runaway and not turn[2e6].runaway
    shares = {f"{turn[r].result.liquidated_share:.1%}" for r in (3e6, 2e6)}
    assert shares == {"42.1%"} and "liquidated 42.1% of open interest" in SECTION
    assert f"{turn[2e6].deciding.extreme.move:+.1%}" == "-5.0%"
    critical = measure.cascade.critical_shock(measure.BASE.book())
    assert f"{critical:+.1%}" == "-4.1%" and "critical shock, -4.1%" in SECTION
    # the steady-state sentence
    fits = []
    for shock, rate in [(measure.BASE.shock, r) for r in measure.RATES[1:]] + \
            [(measure.TURNING_SHOCK, r) for r in measure.TURNING_RATES]:
        a = measure.analysis_of(rate, 20.0, shock)
        t = a.deciding.extreme.seconds - float(a.result.waves["seconds"].iloc[0])
        if t >= 190:
            fits.append(20.0 / math.log(2) / t / a.persistence)
    assert round(min(fits), 2) >= 0.85 and round(max(fits), 2) <= 0.93
    assert "85% to 93% of the measured p" in SECTION


def test_the_robustness_budget_is_as_the_doc_says():
    measure = _measure()
    from cascade.analysis import ROBUSTNESS_TICKS, robustness_books, robustness_on
    assert f"{ROBUSTNESS_TICKS:,}" == "10,000" and "past 10,000 ticks" in SECTION
    scenario = measure.BASE.replace(n=2_000, fall_seconds=3600.0, engine_rate=5e6,
                                    resilience_half_life=20.0)
    sure = robustness_on(robustness_books(scenario), scenario)
    assert (sure.books, sure.planned) == (3, 20) and "(3 of 20 for a 3,600 s" in SECTION
