"""Price paths (cascade/paths.py): values at their knots and between, validation, files."""

import io

import numpy as np
import pytest

from cascade.paths import PricePath, fall, fall_then_rebound, jump, read_path


def test_a_jump_is_the_shock_at_every_time():
    path = jump(-0.05)
    assert path.is_jump and path.duration == 0.0
    assert path.at(0.0) == -0.05 and path.at(3600.0) == -0.05
    assert path.at(np.array([0.0, 7.0])).tolist() == [-0.05, -0.05]


def test_a_fall_is_linear_then_held():
    path = fall(-0.06, 60.0)
    assert path.at(0.0) == 0.0 and path.at(60.0) == -0.06 and path.at(600.0) == -0.06
    assert path.at(30.0) == pytest.approx(-0.03, rel=1e-15)
    assert (path.low, path.high) == (-0.06, 0.0)


def test_a_fall_then_rebound_ends_at_shock_plus_rebound():
    path = fall_then_rebound(-0.05, 10.0, 0.08, 20.0)
    assert path.times.tolist() == [0.0, 10.0, 30.0]
    assert path.at(10.0) == -0.05
    assert path.at(20.0) == pytest.approx(-0.01, rel=1e-12)
    assert path.at(1e4) == pytest.approx(0.03, rel=1e-12)
    with pytest.raises(ValueError):
        path.times[0] = 1.0  # read-only


@pytest.mark.parametrize("make, field", [
    (lambda: jump(-1.0), "shock"),
    (lambda: fall(-0.05, 0.0), "fall_seconds"),
    (lambda: fall_then_rebound(-0.05, 10.0, -0.01, 10.0), "rebound"),
    (lambda: fall_then_rebound(-0.05, 10.0, 0.01, 0.0), "rebound_seconds"),
    (lambda: PricePath([1.0, 2.0], [0.0, 0.1]), "path"),
    (lambda: PricePath([0.0, 2.0, 2.0], [0.0, 0.1, 0.2]), "path"),
    (lambda: PricePath([0.0], [-1.5]), "path"),
])
def test_bad_paths_are_named(make, field):
    with pytest.raises(ValueError, match=field):
        make()


def test_read_path_moves_relative_to_the_first_price():
    path = read_path(io.BytesIO(b"seconds,price\n0,100\n30,95\n90,104.5\n"))
    assert path.times.tolist() == [0.0, 30.0, 90.0]
    np.testing.assert_allclose(path.moves, [0.0, -0.05, 0.045], rtol=1e-12)


@pytest.mark.parametrize("text, expected", [
    (b"seconds,price\n0,100\n10,abc\n", "row 3, price: 'abc' is not a number"),
    (b"seconds,price\n0,100\n10,-5\n", "row 3, price: -5 is not positive"),
    (b"seconds,price\n5,100\n10,99\n", "row 2, seconds: 5 is not 0"),
    (b"seconds,price\n0,100\n10,99\n10,98\n", "row 4, seconds: 10 is not after the row above"),
    (b"seconds,value\n0,100\n", "missing column(s) price"),
])
def test_read_path_names_bad_rows(text, expected):
    with pytest.raises(ValueError) as error:
        read_path(io.BytesIO(text))
    assert expected in str(error.value)
