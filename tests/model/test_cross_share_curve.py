"""cascade.sweep.cross_share_curve: one contagion run per share of open interest in cross
accounts, on the same seed (the Risk page's cross-margin section).

Each row is checked against a plain run of the setup at that share; with no cross accounts
nothing links the markets, so a market whose own path is flat does not move and no
liquidation comes from another market (closed form: each market is a one-market run of its
isolated positions, and a flat path reaches nobody). No monotone property is claimed:
measured on the Contagion page's markets at 20,000 accounts, seeds 0 to 5, each market
falling and both rules, none of the calm markets' moves, the contagion share, the cross
share of the liquidated notional and bad debt was monotone in the share on every seed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cascade.contagion import Contagion
from cascade.sweep import CROSS_COLUMNS, CROSS_SHARES, cross_share_curve

ACCOUNTS = 2_000


def small(**fields) -> Contagion:
    """The Contagion page's setup on a small book and a short fall (fast runs)."""
    return Contagion(accounts=ACCOUNTS, **{"fall_seconds": 60.0, **fields})


def test_the_default_shares_run_from_none_to_all_in_tenths():
    assert CROSS_SHARES == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@pytest.mark.parametrize("rule", ["hyperliquid", "whole"])
def test_each_row_is_the_run_at_that_share(rule):
    setup = small(rule=rule, seed=4, shocked="ETH", fall=-0.25)
    shares = (0.0, 0.35, 1.0)
    curve = cross_share_curve(setup, shares)
    markets = [f"move_{name}" for name in setup.markets]
    assert list(curve.columns) == list(CROSS_COLUMNS) + markets
    for row, value in zip(curve.itertuples(index=False), shares):
        run = replace(setup, cross_share=value).run()
        moves = run.moves()
        assert row.cross_share == value
        assert row.liquidated_notional == run.liquidated_notional()
        assert row.bad_debt == run.ledger["bad_debt"]
        for got, want in ((row.contagion_share, run.contagion_share()),
                          (row.cross_liquidated, run.cross_share())):
            assert got == want or (math.isnan(got) and math.isnan(want))
        assert [getattr(row, m) for m in markets] == [moves[n] for n in setup.markets]


def test_a_run_does_not_depend_on_the_setups_own_share_or_the_other_shares():
    setup = small(seed=2)
    alone = cross_share_curve(replace(setup, cross_share=0.9), (0.6,))
    among = cross_share_curve(setup, (0.0, 0.6, 1.0)).iloc[[1]].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, among, check_exact=True)


@pytest.mark.parametrize("shocked", ["BTC", "ETH", "ALT"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rule", ["hyperliquid", "whole"])
def test_with_no_cross_accounts_the_calm_markets_do_not_move(shocked, seed, rule):
    setup = small(shocked=shocked, seed=seed, rule=rule, fall=-0.4)
    row = cross_share_curve(setup, (0.0,)).iloc[0]
    assert row["liquidated_notional"] > 0          # the fallen market did liquidate
    for name in setup.markets:
        if name != shocked:
            assert row[f"move_{name}"] == 0.0
    assert row[f"move_{shocked}"] <= -0.4          # its own path, plus its forced selling
    assert row["contagion_share"] == 0.0
    assert row["cross_liquidated"] == 0.0


@pytest.mark.parametrize("seed", [0, 3])
def test_with_every_account_cross_every_liquidation_is_cross(seed):
    row = cross_share_curve(small(seed=seed), (1.0,)).iloc[0]
    assert row["liquidated_notional"] > 0
    assert row["cross_liquidated"] == 1.0


def test_shares_lie_between_zero_and_one_and_money_is_not_negative():
    curve = cross_share_curve(small(seed=5, shocked="BTC", fall=-0.15),
                              tuple(np.linspace(0, 1, 6)))
    for column in ("contagion_share", "cross_liquidated"):
        values = curve[column].to_numpy()
        assert ((values >= 0) & (values <= 1)).all(), column
    assert (curve[["liquidated_notional", "bad_debt"]].to_numpy() >= 0).all()


@pytest.mark.parametrize("shares, field", [((), "shares"), ((0.2, math.nan), "shares"),
                                           ("half", "shares"), ((0.5, 1.5), "cross_share"),
                                           ((-0.1,), "cross_share")])
def test_bad_shares_are_refused_by_name(shares, field):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        cross_share_curve(small(), shares)
