"""Level figures (issue 16 item 2): open interest, total margin, average leverage, share near."""

import numpy as np
import pytest

import cascade

# four hand-made positions: $100 at 10x, $300 at 20x, $100 at 22x, $500 at 50x
BOOK = cascade.Population.from_arrays([10.0, 20.0, 22.0, 50.0], [100.0, 300.0, 100.0, 500.0])


def test_level_figures_of_a_hand_made_book():
    margin = 100 / 10 + 300 / 20 + 100 / 22 + 500 / 50             # 10 + 15 + 4.545 + 10
    figures = cascade.level_figures(BOOK, 20.0)
    assert figures.open_interest == 1000.0
    assert figures.total_margin == pytest.approx(margin, rel=1e-15)
    assert figures.average_leverage == pytest.approx(1000.0 / margin, rel=1e-15)
    assert figures.share_near == pytest.approx(0.4)       # 20x and 22x (the edge counts)
    assert cascade.total_margin(BOOK) == figures.total_margin
    assert cascade.average_leverage(BOOK) == figures.average_leverage
    assert np.isnan(cascade.level_figures(BOOK).share_near)


def test_where_selects_the_positions():
    figures = cascade.level_figures(BOOK, 50.0, where=np.array([False, False, True, True]))
    assert figures == pytest.approx((600.0, 100 / 22 + 10.0, 600.0 / (100 / 22 + 10.0),
                                     500.0 / 600.0))
    assert cascade.share_near_leverage(BOOK, 10.0, band=0.0) == pytest.approx(0.1)
    assert cascade.share_near_leverage(BOOK, 21.0, where=slice(1, 3), band=0.05) == 1.0
    with pytest.raises(ValueError, match="where: selects no position"):
        cascade.level_figures(BOOK, where=slice(0, 0))
    with pytest.raises(ValueError, match="band: must be < 1"):
        cascade.share_near_leverage(BOOK, 20.0, band=1.0)


def test_one_leverage_book_has_that_average():
    book = cascade.Population.from_arrays(np.full(7, 25.0), np.arange(1.0, 8.0))
    figures = cascade.level_figures(book, 25.0)
    assert figures == pytest.approx((28.0, 28.0 / 25.0, 25.0, 1.0))


@pytest.mark.parametrize("changes", [{}, {"background": "discrete", "long_share": 0.84},
                                     {"center_leverage": 50.0, "cluster_share": 0.9, "n": 3000}])
def test_books_that_differ_only_in_tightness_show_equal_level_figures(changes):
    """Issue 16: the crowd's leverage is the level, tightness the shape."""
    levels = {t: cascade.scenario_levels(cascade.Scenario(tightness=t, **changes))
              for t in (0.0, 0.5, 1.0)}
    center = cascade.Scenario(**changes).center_leverage
    for part in ("book", "crowd"):
        for t in (0.0, 0.5):
            assert levels[t][part][:3] == pytest.approx(levels[1.0][part][:3], rel=1e-9)
    assert levels[1.0]["crowd"].average_leverage == pytest.approx(center, rel=1e-12)
    assert levels[1.0]["crowd"].share_near == 1.0
    shares = [levels[t]["crowd"].share_near for t in (0.0, 0.5, 1.0)]
    assert shares[0] < shares[1] < shares[2]


def test_the_crowd_is_the_first_crowd_count_positions():
    scenario = cascade.Scenario(n=1000, cluster_share=0.37, tightness=1.0)
    count = cascade.crowd_count(1000, 0.37)
    assert count == 370
    leverage = scenario.population().leverage
    assert (leverage[:count] == 20.0).all() and not (leverage[count:] == 20.0).all()
    assert "crowd" not in cascade.scenario_levels(scenario.replace(cluster_share=0.0))
