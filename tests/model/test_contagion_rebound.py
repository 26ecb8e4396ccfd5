"""The shocked market's rebound in a Contagion run (cascade/contagion.py, Contagion.rebound,
rebound_seconds; docs/model.md, "Accounts and several markets"): the path is
cascade.fall_then_rebound's (or a jump, then the rise); with no rebound the run is the one
it was; the fall's ticks do not know a rebound is coming; the betas scale the whole path;
bad values are refused by name."""

import numpy as np
import pandas as pd
import pytest

import cascade
from cascade.contagion import Contagion


def test_a_fall_then_rebound_is_the_paths_own():
    setup = Contagion(fall=-0.3, fall_seconds=600.0, rebound=0.1, rebound_seconds=300.0)
    expected = cascade.fall_then_rebound(-0.3, 600.0, 0.1, 300.0)
    np.testing.assert_array_equal(setup.path().times, expected.times)
    np.testing.assert_array_equal(setup.path().moves, expected.moves)


def test_a_jump_then_rebound_starts_at_the_fall():
    path = Contagion(fall=-0.2, fall_seconds=0.0, rebound=0.05, rebound_seconds=60.0).path()
    assert path.times.tolist() == [0.0, 60.0]
    assert path.moves.tolist() == [-0.2, -0.2 + 0.05]
    assert path.at(30.0) == pytest.approx(-0.175, abs=1e-15)


@pytest.mark.parametrize("fall_seconds", [0.0, 600.0])
def test_no_rebound_is_the_run_without_one(fall_seconds):
    """rebound = 0 (the default): rebound_seconds is not used, and the path is the plain
    fall, so the run is the same, bit for bit."""
    plain = Contagion(accounts=3_000, seed=5, fall_seconds=fall_seconds)
    unused = Contagion(accounts=3_000, seed=5, fall_seconds=fall_seconds, rebound=0.0,
                       rebound_seconds=17.0)
    assert unused.path().name == plain.path().name
    np.testing.assert_array_equal(unused.path().times, plain.path().times)
    pd.testing.assert_frame_equal(unused.run().series, plain.run().series)


def test_the_fall_does_not_know_a_rebound_is_coming():
    """Every tick that ends by the end of the fall is the same with and without a rebound
    (the path is the same up to then); after it the shocked market's own path rises, and
    the run lasts at least until the rebound's end."""
    plain = Contagion(accounts=5_000, seed=1).run()
    back = Contagion(accounts=5_000, seed=1, rebound=0.15, rebound_seconds=300.0).run()
    dt = plain.tick_seconds
    before = lambda series: series[series["seconds"] + dt <= 600.0].reset_index(drop=True)
    pd.testing.assert_frame_equal(before(back.series), before(plain.series))
    assert back.series["seconds"].max() + dt >= 900.0
    assert plain.liquidated_notional() > 0  # the fall liquidates: the prefix is not empty


def test_the_betas_follow_the_whole_path():
    setup = Contagion(betas=(0.5, 0.25, 1.0), rebound=0.1, rebound_seconds=300.0)
    btc, eth, alt = setup.paths()
    for beta, path in ((0.5, btc), (0.25, eth), (1.0, alt)):
        np.testing.assert_allclose(path.at(np.array([0.0, 600.0, 900.0, 2000.0])),
                                   beta * np.array([0.0, -0.3, -0.2, -0.2]), atol=1e-15)


@pytest.mark.parametrize("knob, value, words", [
    ("rebound", -0.1, "rebound: must be >= 0, got -0.1"),
    ("rebound", float("nan"), "rebound"),
    ("rebound", 11.0, "rebound: must be <= "),
    ("rebound_seconds", 0.0, "rebound_seconds: must be > 0, got 0"),
    ("rebound_seconds", 4000.0, "rebound_seconds: must be <= 3600"),
])
def test_a_bad_rebound_is_refused_by_name(knob, value, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        Contagion(**{"rebound": 0.1, knob: value})
