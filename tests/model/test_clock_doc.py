"""docs/model.md "Time" quotes the clock's measurements: its tables are what
benchmarks/measure_clock.py prints now, and its sentences' figures are cells of them."""

import importlib.util
from pathlib import Path

import numpy as np

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


# ------------------------------------------------------------------ the Compare page's clock

MEASURED = (ROOT / "docs" / "clustering-measured.md").read_text()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_compare_clocks_sensitivity_table_is_the_measurement():
    """docs/model.md, Time, "Defaults and sensitivity": the table is what
    measure_clock.compare_sensitivity prints now, and the figures of the sentences under it
    are its cells."""
    measure = _measure()
    runs = measure.compare_sensitivity_runs()
    for line in measure.compare_sensitivity(runs):
        assert line in DOC, line
    labels = list(measure.compare_clocks())
    clock, never, slow_refill, _, no_rule = labels[1:6]
    text = _flat(DOC)
    for label in (labels[0], never):
        assert {round(runs[label, t]["lowest move"], 3) for t in (0.0, 1.0)} == {-0.189}
    assert "with a book that never refills both crowds reach -18.9%, as without a clock" in text
    assert (f"with a 300 s half-life {runs[slow_refill, 0.0]['lowest move']:+.1%} / "
            f"{runs[slow_refill, 1.0]['lowest move']:+.1%}") in text
    a, b = runs[no_rule, 0.0], runs[no_rule, 1.0]
    assert (f"the clustered crowd falls to {b['lowest move']:+.1%} against "
            f"{a['lowest move']:+.1%} and leaves {measure.money(b['bad debt'])} of bad debt "
            f"against {measure.money(a['bad debt'])}") in text
    gap = runs[clock, 0.0]["lowest move"] - runs[clock, 1.0]["lowest move"]
    assert 0 < gap < 0.006 and "bring the two within 0.6 points" in text
    assert runs[clock, 1.0]["time to clear"] > 120  # "over minutes"


def test_the_clustering_documents_seed_table_is_the_measurement():
    """docs/clustering-measured.md, "In time": the table is what measure_clock.compare_seeds
    prints now, and every figure and count of the words under it is checked here."""
    measure = _measure()
    runs = measure.compare_seed_runs()
    for line in measure.compare_seeds(runs):
        assert line in MEASURED, line
    text = _flat(MEASURED)
    pct = lambda v: f"{v:+.1%}"  # noqa: E731
    plain = lambda v: f"{v:.1%}"  # noqa: E731
    jump, clock, slow, dry = (label for label in dict.fromkeys(k for k, _ in runs))
    one = {label: runs[label, 1.0] for label in (jump, clock, slow, dry)}
    for t in (0.5, 0.0):
        other = runs[jump, t]
        np.testing.assert_allclose(one[jump]["lowest move"], other["lowest move"], atol=1e-12)
        np.testing.assert_allclose(one[jump]["peak minute"], other["peak minute"], rtol=1e-12)
        assert np.abs(one[jump]["bad debt"] - other["bad debt"]).max() < 0.05e6
        assert np.all(one[jump]["slippage"] > other["slippage"])
    assert "their bad debt differs by less than $0.05M" in text
    assert (f"(5.3 s to clear on average, against {runs[jump, 0.5]['time to clear'].mean():.1f}"
            f" s and {runs[jump, 0.0]['time to clear'].mean():.1f} s)") in text
    assert f"{one[jump]['time to clear'].mean():.1f}" == "5.3"
    assert (f"({plain(one[jump]['slippage'].mean())} on average, against "
            f"{plain(runs[jump, 0.5]['slippage'].mean())} and "
            f"{plain(runs[jump, 0.0]['slippage'].mean())})") in text
    # under the Compare clock: worse in every seed on three counts, better on two
    for t in (0.5, 0.0):
        other = runs[clock, t]
        assert np.all(one[clock]["lowest move"] < other["lowest move"])
        assert np.all(one[clock]["peak minute"] > other["peak minute"])
        assert np.all(one[clock]["bad debt"] > other["bad debt"])
    spread = runs[clock, 0.0]
    assert np.all(spread["time to clear"] > one[clock]["time to clear"])
    assert np.all(spread["slippage"] > one[clock]["slippage"])
    assert (f"({pct(one[clock]['lowest move'].mean())} against "
            f"{pct(spread['lowest move'].mean())} for the fully spread crowd and "
            f"{pct(runs[clock, 0.5]['lowest move'].mean())} for the half-spread one)") in text
    assert (f"({measure.money(one[clock]['peak minute'].mean())} against "
            f"{measure.money(spread['peak minute'].mean())} for the fully spread crowd)") in text
    assert (f"({measure.money(one[clock]['bad debt'].mean())} against "
            f"{measure.money(spread['bad debt'].mean())} and "
            f"{measure.money(runs[clock, 0.5]['bad debt'].mean())})") in text
    gap = (one[clock]["lowest move"] - spread["lowest move"]).mean()
    assert -0.0075 < gap < -0.0025 and "about half a point" in text
    assert (f"({spread['time to clear'].mean():.0f} s against "
            f"{one[clock]['time to clear'].mean():.0f} s)") in text
    assert (f"({plain(spread['slippage'].mean())} against "
            f"{plain(one[clock]['slippage'].mean())})") in text
    # a slower engine: the largest change of a mean over the three shapes
    shift = {figure: max(abs((runs[slow, t][figure] - runs[clock, t][figure]).mean())
                         for t in (1.0, 0.5, 0.0))
             for figure in ("lowest move", "bad debt", "time to clear")}
    assert shift["lowest move"] <= 0.0013 and shift["bad debt"] <= 0.8e6 + 0.05e6
    assert shift["time to clear"] <= 6.0
    assert "by at most 0.13 points of lowest price, $0.8M of bad debt and 6 s" in text
    # no refill: the same lowest price, more bad debt in every seed
    for t in (0.5, 0.0):
        np.testing.assert_allclose(one[dry]["lowest move"], runs[dry, t]["lowest move"],
                                   atol=1e-12)
        assert np.all(one[dry]["bad debt"] > runs[dry, t]["bad debt"])
    assert round(one[dry]["lowest move"].mean(), 3) == -0.189
    assert (f"({measure.money(one[dry]['bad debt'].mean())} against "
            f"{measure.money(runs[dry, 0.0]['bad debt'].mean())}) in every seed") in text
