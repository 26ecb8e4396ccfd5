"""The clock's knobs of a Contagion run (cascade/contagion.py, Contagion.engine_rate_share,
resilience_half_life, permanent_impact; docs/model.md, "Accounts and several markets"):
each is every market's own Market knob, equal to run_contagion on Markets built by hand;
left off they change nothing; a calm market's book refills at 2^(-dt / h) a tick; bad
values are refused by name."""

import math

import numpy as np
import pandas as pd
import pytest

import cascade
from cascade.contagion import Contagion, run_contagion


def test_the_clock_knobs_are_each_markets_own_market_knobs():
    """engine_rate = share x the market's open interest, the refill and the permanent
    share as given: the same run as run_contagion on those Markets built by hand."""
    setup = Contagion(accounts=3_000, seed=4, engine_rate_share=0.002,
                      resilience_half_life=30.0, permanent_impact=0.4)
    book = setup.book()
    by_hand = [cascade.Market(depth=depth, engine_rate=0.002 * interest,
                              resilience_half_life=30.0, permanent_impact=0.4)
               for depth, interest in zip(setup.depth, setup.open_interest)]
    expected = run_contagion(book, by_hand, setup.paths(), rule=setup.rule)
    got = setup.run(book)
    pd.testing.assert_frame_equal(got.series, expected.series)
    np.testing.assert_array_equal(got.position_tick, expected.position_tick)
    assert got.series["queue"].max() > 0  # the rate binds on this run: the test tests it


def test_knobs_left_off_are_the_plain_markets():
    assert Contagion().market_list() == [cascade.Market(depth=d) for d in Contagion().depth]


def test_with_no_refill_the_permanent_share_changes_nothing():
    """Nothing refills without a half-life, so splitting impact into permanent and
    transient parts leaves every price and every liquidation where they were."""
    plain = Contagion(accounts=3_000, seed=2).run()
    split = Contagion(accounts=3_000, seed=2, permanent_impact=0.6).run()
    np.testing.assert_array_equal(split.position_tick, plain.position_tick)
    np.testing.assert_allclose(split.series["price"], plain.series["price"], rtol=1e-12)


@pytest.mark.parametrize("half_life", [10.0, 45.0])
def test_a_calm_markets_book_refills_at_its_half_life(half_life):
    """Over ticks with no forced flow in a calm market (its own path flat), what its
    price lost refills by 2^(-dt / h) a tick: P0 - P shrinks by that factor exactly."""
    setup = Contagion(accounts=3_000, seed=1, resilience_half_life=half_life)
    series = setup.run().series
    btc = series[series["market"] == "BTC"].reset_index(drop=True)
    gap = 100.0 - btc["price"]
    flow = btc[["isolated_notional", "cross_notional", "backstop_notional"]].sum(axis=1)
    quiet = (flow == 0) & (flow.shift(1) == 0) & (gap.shift(1) > 1e-6)
    assert quiet.sum() > 10  # the calm market was pushed, then left alone
    np.testing.assert_allclose(gap[quiet], gap.shift(1)[quiet] * 2 ** (-1.0 / half_life),
                               rtol=1e-6)


@pytest.mark.parametrize("knob, value", [("engine_rate_share", 0.0),
                                         ("engine_rate_share", 1.5),
                                         ("engine_rate_share", math.nan),
                                         ("resilience_half_life", -5.0),
                                         ("resilience_half_life", 0.0),
                                         ("permanent_impact", 1.2),
                                         ("permanent_impact", -0.1)])
def test_a_bad_clock_knob_is_refused_by_name(knob, value):
    with pytest.raises(ValueError, match=knob):
        Contagion(**{knob: value})
