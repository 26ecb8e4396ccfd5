"""Input checks shared by the model: every failure is a ValueError naming the field and value."""

from __future__ import annotations

import math
import numbers

import numpy as np

SHOWN_INDICES = 5
# Money (quote currency, USD) the model takes in any one amount or book: a quadrillion, far
# above any venue, and far enough below the largest float that sums and fills stay finite.
MAX_MONEY = 1e15


def shown(value) -> str:
    """A value as the caller gave it, to the last digit: 1.0000001 stays 1.0000001."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return repr(value.item() if isinstance(value, np.generic) else value)


def reject_where(field: str, bad: np.ndarray, values: np.ndarray, rule: str,
                 value_label: str = "values") -> None:
    """Raise ValueError if any element of the boolean mask `bad` is set.

    The message names the field, how many values break `rule`, and the first
    few offending indices with their values, e.g.
    ``leverage: 2 of 1000 values must be >= 1 (indices [3, 17], values [0.5, nan])``.
    """
    if not bad.any():
        return
    where = np.flatnonzero(bad)
    shown = where[:SHOWN_INDICES]
    more = ", ..." if where.size > SHOWN_INDICES else ""
    listed_values = ", ".join(_short(v) for v in np.asarray(values, dtype=float).ravel()[shown])
    raise ValueError(
        f"{field}: {where.size} of {bad.size} values {rule} "
        f"(indices [{', '.join(str(int(i)) for i in shown)}{more}], "
        f"{value_label} [{listed_values}{more}])"
    )


def _short(value: float) -> str:
    """A float in a list of offenders: shortest round-trip form (1.0000001, 1e+308, nan)."""
    return repr(float(value))


def as_float_array(field: str, values) -> np.ndarray:
    """`values` as a new 1-D float64 array (a copy: later changes to the caller's array, or to
    the array it is a view of, cannot reach it), rejecting NaN and infinity by index."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{field}: expected numbers, got {values!r:.80}")
    try:
        array = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: expected numbers, got {values!r:.80}") from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{field}: expected a 1-D array, got shape {array.shape}")
    reject_where(field, ~np.isfinite(array), array, "are NaN or infinite")
    return array


def finite_number(field: str, value) -> float:
    """`value` as a finite float, or a ValueError naming `field`. Only real numbers are taken
    (int, float and their numpy kinds): not True/False, not strings, not Decimal."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{field}: expected a number, got {shown(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{field}: must be finite, got {shown(value)}")
    return number


def number_in(field: str, value, low: float | None = None, high: float | None = None,
              low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a finite float within [low, high] (open ends where asked)."""
    number = finite_number(field, value)
    if low is not None and (number < low or (low_open and number == low)):
        sign = ">" if low_open else ">="
        raise ValueError(f"{field}: must be {sign} {low:g}, got {shown(value)}")
    if high is not None and (number > high or (high_open and number == high)):
        sign = "<" if high_open else "<="
        raise ValueError(f"{field}: must be {sign} {high:g}, got {shown(value)}")
    return number


def whole_number(field: str, value, low: int) -> int:
    """`value` as an int >= low (bools and fractional values are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{field}: expected a whole number, got {shown(value)}")
    if value < low:
        raise ValueError(f"{field}: must be >= {low}, got {value}")
    return int(value)


def one_of(field: str, value, choices) -> str:
    """`value` if it is among `choices`, else a ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{field}: must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
