"""The timed verdict's words (cascade_view/headline.py) say what the run shows: on which leg
it was decided, whether the book refills, the robustness check's rule and budget, and the
critical shock as the instant model's."""

import cascade
from cascade.analysis import analyse, analyse_book
from cascade_view import headline
from cascade_view.formats import pct, seconds, share


def test_seconds():
    assert [seconds(v) for v in (217.0, 1.5, 3600.0, 0.0)] == ["217 s", "1.5 s",
                                                                     "3,600 s", "0 s"]


def test_a_rebound_decided_verdict_names_the_rebound_and_the_buying():
    scenario = cascade.Scenario(n=2_000, shock=-0.01, path="fall_then_rebound", rebound=0.3,
                                engine_rate=20e6, resilience_half_life=20.0)
    a = analyse_book(scenario, scenario.book())
    assert a.deciding_direction == 1
    kind, sentence = headline.verdict(a)
    high = a.deciding.extreme
    assert sentence.startswith("Runaway on the rebound: the forced buying fed on itself")
    assert (f"{share(high.persistence)} of the forced buying was still on the price when it "
            f"was at its highest, {pct(high.move)} at {seconds(high.seconds)}") in sentence
    assert f"the price ends at {pct(a.result.total_move)}." in sentence


def test_without_refill_all_the_selling_stays_and_the_words_say_why():
    scenario = cascade.Scenario(n=2_000, path="fall", engine_rate=5e6)
    a = analyse_book(scenario, scenario.book())
    kind, sentence = headline.verdict(a)
    assert a.persistence == 1.0 and kind == "runaway"
    assert "fed on itself. " in sentence and "faster than the book refilled" not in sentence
    assert "(the book does not refill)" in sentence
    metric = headline.deciding_metric(a)
    assert metric.delta == f"R {headline.ratio_text(a.peak_branching_ratio)} × p 100%"


def test_the_check_on_other_books_says_its_rule_and_when_it_stopped_early():
    long_fall = cascade.Scenario(n=1_000, path="fall", fall_seconds=3600.0, engine_rate=5e6,
                                 resilience_half_life=20.0)
    a = analyse(long_fall)
    sure = a.robustness
    assert sure.books < sure.planned == 20
    sentence = headline.robustness_sentence(a)
    assert f"of {sure.books} other books" in sentence
    assert "each run on the clock and decided by its timed ratio R × p" in sentence
    assert (f"only the first {sure.books} of 20: their runs took {sure.ticks:,} ticks of the "
            f"clock") in sentence
    assert headline.critical_sentence(a).startswith("Without the clock: Critical shock")
    instant = analyse(cascade.Scenario(n=1_000))
    assert "clock" not in headline.robustness_sentence(instant)
    assert headline.critical_sentence(instant).startswith("Critical shock")
