"""An ensemble row carries the Explorer's verdict, by the Explorer's own rule (issue 17): with
the clock off the peak R over the stretch the price travelled, with it the timed ratio R x p
(cascade.analysis.verdict_of). A row equals the Explorer's Analysis of the same seed, and
P(runaway) in the summary (the Risk page, `python -m cascade ensemble`) counts those verdicts."""

from __future__ import annotations

import math

import pytest

import cascade
from cascade import Scenario
from cascade.analysis import analyse_book
from cascade.ensemble import RESULT_COLUMNS, book_row, run_ensemble, summarize

INSTANT = Scenario(n=2_000, shock=-0.05)
# A slow engine on a refilling book: the instant peak R over the final move is far above 1,
# but most of the forced flow has been absorbed by the time the price reaches its extreme.
CLOCKED = INSTANT.replace(engine_rate=1e6, resilience_half_life=20.0)
CLOCKED_FALL = CLOCKED.replace(path="fall_then_rebound", fall_seconds=600.0, rebound=0.03,
                               rebound_seconds=300.0)
SEEDS = [0, 1, 2]


def same(got, expected) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(got)
    return got == expected


@pytest.mark.parametrize("scenario", [INSTANT, CLOCKED, CLOCKED_FALL],
                         ids=["clock-off", "clock-jump", "clock-fall-rebound"])
def test_a_row_equals_the_explorers_analysis_of_the_same_seed(scenario):
    frame = run_ensemble(scenario, SEEDS)
    assert list(frame.columns) == list(RESULT_COLUMNS)
    for (_, row), seed in zip(frame.iterrows(), SEEDS):
        one = scenario.replace(seed=seed)
        analysis = analyse_book(one, one.book())
        assert analysis.timed == one.clock
        expected = {
            "seed": seed,
            "final_move": analysis.result.total_move,
            "amplification": analysis.result.amplification,
            "liquidated_share": analysis.result.liquidated_share,
            "waves": analysis.result.wave_count,
            "runaway": analysis.runaway,
            "critical_shock": analysis.critical_shock,
            "peak_branching_ratio": analysis.peak_branching_ratio,
            "deciding_ratio": analysis.deciding_ratio,
            "persistence": analysis.persistence,
        }
        for column, value in expected.items():
            assert same(row[column], value), (seed, column, row[column], value)
        assert row["runaway"] == (row["deciding_ratio"] >= 1.0)


def test_with_the_clock_the_row_is_decided_by_r_times_p_not_the_instant_peak_r():
    """The case that told the two rules apart: on these books the instant rule (peak R over
    the final move) says runaway, the timed ratio does not; the row follows the Explorer."""
    told_apart = 0
    for seed in SEEDS:
        row = book_row(CLOCKED.replace(seed=seed))
        book = CLOCKED.replace(seed=seed).book()
        instant = cascade.is_runaway(book, row["final_move"])
        assert math.isclose(row["deciding_ratio"],
                            row["peak_branching_ratio"] * row["persistence"], rel_tol=1e-12)
        assert row["persistence"] < 1.0
        told_apart += instant != row["runaway"]
    assert told_apart > 0


def test_without_the_clock_the_row_is_the_instant_rule():
    for seed in SEEDS:
        row = book_row(INSTANT.replace(seed=seed))
        book = INSTANT.replace(seed=seed).book()
        assert row["persistence"] == 1.0
        assert row["deciding_ratio"] == row["peak_branching_ratio"] == \
            cascade.peak_branching_ratio(book, row["final_move"])
        assert row["runaway"] == cascade.is_runaway(book, row["final_move"])


def test_the_summary_counts_the_explorers_verdicts():
    frame = run_ensemble(CLOCKED, SEEDS, {"resilience_half_life": [0.0, 20.0]})
    summary = summarize(frame, CLOCKED, ["resilience_half_life"])
    for _, line in summary.iterrows():
        half = line["resilience_half_life"]
        verdicts = [analyse_book(one, one.book()).runaway
                    for one in (CLOCKED.replace(seed=s, resilience_half_life=half)
                                for s in SEEDS)]
        assert line["p_runaway"] == sum(verdicts) / len(SEEDS)
