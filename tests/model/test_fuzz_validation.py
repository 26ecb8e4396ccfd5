"""Issue 9 section 5: the library API as a careless or hostile caller uses it. Every bad input
is a ValueError naming the field and showing the value as given; every Scenario that
validation accepts gives finite outputs."""

import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cascade
from tests.model.books import SHARES, band, market


def test_population_owns_its_arrays_even_when_given_a_view():
    base = np.array([10.0, 20.0, 5.0, 8.0])
    view = base[:3]
    population = cascade.Population.from_arrays(view, [1.0, 2.0, 3.0])
    base[0] = 0.5
    view[1] = 0.5
    assert population.leverage.tolist() == [10.0, 20.0, 5.0]


def test_notional_that_overflows_is_refused():
    with pytest.raises(ValueError, match=r"notional: the 2 values add up to more than"):
        cascade.Population.from_arrays([10.0, 10.0], [1e308, 1e308])
    with pytest.raises(ValueError, match=r"notional: 1 of 1 values are too large"):
        cascade.Population.from_arrays([10.0], [1e300], entry_price=1e-300)


@pytest.mark.parametrize("value, shown", [(True, "True"), ("-0.05", "'-0.05'"),
                                          (Decimal("-0.05"), "Decimal('-0.05')"),
                                          (None, "None"), (float("nan"), "nan")])
def test_shock_must_be_a_real_number(value, shown):
    with pytest.raises(ValueError, match=rf"shock: .*got {re.escape(shown)}") as error:
        cascade.Scenario(shock=value)
    assert "shock" in str(error.value)
    with pytest.raises(ValueError, match="shock: "):
        cascade.simulate(band(10, 0.01, 0.2), market(1e6), value)


def test_branching_ratio_of_a_nan_move_is_an_error_not_zero():
    book = cascade.LiquidationBook(band(100, 0.01, 0.2), market(1e6))
    with pytest.raises(ValueError, match="move: must be finite, got nan"):
        cascade.branching_ratio(book, move=float("nan"))
    with pytest.raises(ValueError, match=r"move: 1 of 2 values are NaN"):
        cascade.branching_ratio(book, move=[-0.1, float("nan")])


@pytest.mark.parametrize("values", [None, [], "shock=-0.05", 3])
def test_from_dict_of_something_else_is_a_value_error(values):
    with pytest.raises(ValueError, match="scenario: expected a mapping"):
        cascade.Scenario.from_dict(values)


def test_a_tiny_open_interest_names_the_knob():
    with pytest.raises(ValueError, match=r"open_interest: must be at least 1 USD per trader "
                                         r"\(10,000 for n = 10,000\), got 5e-324"):
        cascade.Scenario(open_interest=5e-324)


def test_a_side_close_to_one_is_shown_to_the_last_digit():
    with pytest.raises(ValueError, match=r"side: 1 of 2 .*values \[1.0000001\]"):
        cascade.Population.from_arrays([10.0, 10.0], [1.0, 1.0], side=[1, 1.0000001])


@pytest.mark.parametrize("changes", [
    dict(shock=-0.999999), dict(shock=10.0, depth=1.0, open_interest=1e15, long_share=0.0),
    dict(depth=1.0), dict(center_leverage=125.0, tightness=1.0, cluster_share=1.0,
                          maintenance_margin=0.0),
    dict(n=10), dict(n=2_000_000), dict(shock=0.0),
])
def test_extreme_knobs_give_finite_answers(changes):
    result = cascade.Scenario(**changes).run()
    assert_finite(result)


def test_n_below_the_minimum_is_refused_by_name():
    with pytest.raises(ValueError, match=r"n: must be >= 10, got 1"):
        cascade.Scenario(n=1)


def assert_finite(result):
    assert np.isfinite(result.price_path).all() and (result.price_path > 0).all()
    assert np.isfinite([result.final_price, result.amplification, result.liquidated_share,
                        result.total_move]).all()
    numbers = result.waves.to_numpy(dtype=float)
    assert np.isfinite(numbers).all()


_any = st.one_of(st.none(), st.booleans(), st.text(max_size=5), st.integers(-10**20, 10**20),
                 st.floats(allow_nan=True, allow_infinity=True),
                 st.decimals(allow_nan=False, places=3), st.lists(st.floats(), max_size=2))
_fields = [f for f in cascade.Scenario.__dataclass_fields__]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_fields), _any, max_size=3))
def test_any_field_values_are_accepted_or_named_in_a_value_error(values):
    values = {"n": 50, **values}
    try:
        scenario = cascade.Scenario.from_dict(values)
    except ValueError as error:
        named = str(error).split(":", 1)[0]
        assert named in values or named == "maintenance_margin", str(error)
        return
    assert_finite(scenario.run())


_knobs = st.fixed_dictionaries({
    "shock": st.floats(-0.999999, 10.0), "tightness": st.floats(0, 1),
    "cluster_share": SHARES, "long_share": SHARES,
    "open_interest": st.floats(1e3, 1e15), "depth": st.floats(1.0, 1e15),
    "impact": st.sampled_from(cascade.IMPACT_MODELS),
    "background": st.sampled_from(cascade.BACKGROUNDS), "n": st.integers(10, 300),
    "seed": st.integers(0, 2**32), "entry_dispersion": st.floats(0, 0.5),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_knobs)
def test_every_accepted_scenario_has_finite_outputs(values):
    assert_finite(cascade.Scenario(**values).run())
