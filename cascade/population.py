"""Positions: isolated-margin linear perpetuals (docs/model.md, Positions)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ._checks import as_float_array, number_in, reject_where

LONG = 1
SHORT = -1


def liquidation_price(entry_price, leverage, side, maintenance_margin):
    """Price at which the venue force-closes a position (quote currency per unit).

    long:  e * (1 - 1/L + m)        short: e * (1 + 1/L - m)
    """
    side = np.asarray(side)
    return entry_price * (1.0 - side * (1.0 / np.asarray(leverage) - maintenance_margin))


def bankruptcy_price(entry_price, leverage, side):
    """Price at which a position's equity is zero: long e(1 - 1/L), short e(1 + 1/L)."""
    side = np.asarray(side)
    return entry_price * (1.0 - side / np.asarray(leverage))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _broadcast(field: str, values, n: int) -> np.ndarray:
    array = as_float_array(field, values)
    if array.size == 1 and n != 1:
        return np.full(n, array[0])
    if array.size != n:
        raise ValueError(f"{field}: has {array.size} values but leverage has {n}; lengths must match")
    return array


@dataclass(frozen=True, eq=False)
class Population:
    """A book of positions, one array element per trader.

    leverage:    L_i >= 1 (dimensionless).
    notional:    n_i > 0, quote currency at entry.
    side:        +1 long, -1 short (int8).
    entry_price: e_i > 0, quote currency per unit.
    Build it with `Population.from_arrays`, which validates; the arrays are read-only.
    """

    leverage: np.ndarray
    notional: np.ndarray
    side: np.ndarray
    entry_price: np.ndarray

    @classmethod
    def from_arrays(cls, leverage, notional, side=1, entry_price=100.0, *,
                    maintenance_margin: float = 0.005, price: float | None = None) -> "Population":
        """Validate and wrap position arrays. side and entry_price may be scalars.

        Rejects, with a ValueError naming the field, the count and the first indices:
        NaN or infinity anywhere, leverage < 1, 1/L <= maintenance_margin, notional <= 0,
        side not +1/-1, entry price <= 0 or so large that twice it overflows (a short's
        liquidation price can reach 2 e), lengths that differ, an empty book, and (when
        `price` is given) positions already at or past their liquidation price at `price`.
        `simulate` repeats the last two checks against its Market's margin and price.

        Arrays that pass take a fast way (_accepted: a few reductions per array, the same
        arrays out); anything it cannot accept at once, bad input included, takes the
        checks one by one (_validated), which name what is wrong.
        """
        accepted = _accepted_with_largest(leverage, notional, side, entry_price,
                                          maintenance_margin)
        if accepted is None:
            return cls._validated(leverage, notional, side, entry_price,
                                  maintenance_margin=maintenance_margin, price=price)
        arrays, largest = accepted
        population = cls(*(_read_only(array) for array in arrays))
        # the max the fast way took already: check_margin reads it, not a second pass
        population.__dict__["largest_leverage"] = largest
        if price is not None:
            population.check_alive(price, maintenance_margin)
        return population

    @classmethod
    def _validated(cls, leverage, notional, side=1, entry_price=100.0, *,
                   maintenance_margin: float = 0.005, price: float | None = None
                   ) -> "Population":
        """from_arrays, one check after another: the first rule broken raises its
        ValueError (field, count, first indices and values)."""
        lev = as_float_array("leverage", leverage)
        if lev.size == 0:
            raise ValueError("leverage: the population is empty; give at least one position")
        n = lev.size
        size = _broadcast("notional", notional, n)
        sides_float = _broadcast("side", side, n)
        entry = _broadcast("entry_price", entry_price, n)
        reject_where("leverage", lev < 1.0, lev, "are below 1")
        reject_where("notional", size <= 0.0, size, "are not positive")
        reject_where("side", (sides_float != 1.0) & (sides_float != -1.0), sides_float,
                     "are not +1 (long) or -1 (short)")
        reject_where("entry_price", entry <= 0.0, entry, "are not positive")
        with np.errstate(over="ignore"):
            # a short's liquidation price is up to twice its entry (1 + 1/L - m <= 2)
            reject_where("entry_price", ~np.isfinite(2.0 * entry), entry,
                         "are too large (a short's liquidation price, up to twice the entry, "
                         "overflows)")
        with np.errstate(over="ignore"):
            reject_where("notional", ~np.isfinite(size / entry), size,
                         "are too large for their entry price (notional / entry_price overflows)")
            total = float(np.sum(size))
        if not np.isfinite(total):
            raise ValueError(f"notional: the {n} values add up to more than the largest float "
                             f"({np.finfo(float).max:g}); give sizes in larger units")
        population = cls(_read_only(lev), _read_only(size),
                         _read_only(sides_float.astype(np.int8)), _read_only(entry))
        population.check_margin(maintenance_margin)
        if price is not None:
            population.check_alive(price, maintenance_margin)
        return population

    def __len__(self) -> int:
        return int(self.leverage.size)

    @property
    def quantity(self) -> np.ndarray:
        """Base quantity q_i = n_i / e_i (units of the asset)."""
        return self.notional / self.entry_price

    @property
    def is_long(self) -> np.ndarray:
        return self.side == LONG

    def liquidation_price(self, maintenance_margin: float) -> np.ndarray:
        """liquidation_price() of every position (a new array): the same operations in the
        same order, computed in place in one buffer."""
        if np.ndim(maintenance_margin) != 0:
            return liquidation_price(self.entry_price, self.leverage, self.side,
                                     maintenance_margin)
        price = np.divide(1.0, self.leverage)
        price -= maintenance_margin
        np.multiply(price, self.side, out=price)
        np.subtract(1.0, price, out=price)
        np.multiply(self.entry_price, price, out=price)
        return price

    def bankruptcy_price(self) -> np.ndarray:
        return bankruptcy_price(self.entry_price, self.leverage, self.side)

    @cached_property
    def largest_leverage(self) -> float:
        """max L_i: 1/L_i > m holds for every position exactly when 1/max L_i > m (a
        correctly rounded division is monotonic), so check_margin reads it, once."""
        return float(self.leverage.max())

    def check_margin(self, maintenance_margin: float) -> None:
        """ValueError unless 1/L_i > m for every position."""
        margin = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
        if 1.0 / self.largest_leverage > margin:
            return
        reject_where("leverage", 1.0 / self.leverage <= margin, self.leverage,
                     f"leave no margin above the maintenance margin {margin:g} (1/L must exceed it, "
                     f"so leverage must be below {1.0 / margin if margin else float('inf'):g})")

    def check_alive(self, price: float, maintenance_margin: float,
                    liquidation_price: np.ndarray | None = None) -> None:
        """ValueError if any position is at or past its liquidation price at `price`
        (pass the liquidation prices if they are already computed)."""
        price = number_in("price", price, low=0.0, low_open=True)
        self.check_margin(maintenance_margin)
        liq = (self.liquidation_price(maintenance_margin) if liquidation_price is None
               else liquidation_price)
        # Alive: a long's price > liq, a short's price < liq, i.e. side * (price - liq) > 0
        # (for finite floats, price - liq > 0 exactly when price > liq): one reduction.
        gap = np.subtract(price, liq, dtype=np.float64)
        np.multiply(gap, self.side, out=gap)
        if gap.size and gap.min() > 0.0:
            return
        dead = np.where(self.is_long, price <= liq, price >= liq)
        reject_where("positions", dead, liq,
                     f"are already at or past their liquidation price at the starting price {price:g}",
                     value_label="liquidation prices")

    def to_frame(self, maintenance_margin: float | None = None) -> pd.DataFrame:
        """One row per position; adds liquidation prices when the margin is given."""
        frame = pd.DataFrame({
            "side": np.where(self.is_long, "long", "short"),
            "leverage": self.leverage,
            "notional": self.notional,
            "entry_price": self.entry_price,
        })
        if maintenance_margin is not None:
            frame["liquidation_price"] = self.liquidation_price(maintenance_margin)
        return frame


_SCALARS = (int, float, np.integer, np.floating)


def _scalar(value) -> bool:
    return isinstance(value, _SCALARS) and not isinstance(value, (bool, np.bool_))


def _accepted(leverage, notional, side, entry_price, maintenance_margin):
    """The arrays of _accepted_with_largest, or None."""
    accepted = _accepted_with_largest(leverage, notional, side, entry_price, maintenance_margin)
    return None if accepted is None else accepted[0]


def _accepted_with_largest(leverage, notional, side, entry_price, maintenance_margin):
    """(leverage, notional, side, entry_price) as Population holds them (new float64 arrays,
    side int8), when numpy input passes every rule of from_arrays; None otherwise (anything
    else, or any doubt, and _validated decides, naming what is wrong).

    Each rule is read off a reduction, exactly: leverage in [1, inf) with 1/max L > m (see
    Population.largest_leverage); notional > 0 with a finite sum (a NaN or an infinity makes
    the sum non-finite, so a finite sum means every value is finite); side +1 or -1; entry
    price > 0 with 2 x its sum finite (so no liquidation price, at most 2 e_i, overflows); and
    sum(notional) / min(entry) finite, which bounds every
    n_i / e_i (a float sum of positives is at least each of them, and division is monotonic).
    Returns ((leverage, notional, side, entry_price), max leverage as a float) or None.
    """
    if not (isinstance(leverage, np.ndarray) and leverage.ndim == 1 and leverage.size
            and leverage.dtype.kind in "fiu"):
        return None
    try:
        margin = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0,
                           high_open=True)
    except ValueError:
        return None
    n = leverage.size
    arrays = []
    for values in (notional, side, entry_price):
        if _scalar(values):
            arrays.append(float(values))
        elif (isinstance(values, np.ndarray) and values.dtype.kind in "fiu"
              and values.ndim == 1 and values.size in (1, n)):
            arrays.append(values if values.size == n else float(values[0]))
        else:
            return None
    size, sides, entry = arrays
    lev = np.array(leverage, dtype=np.float64, copy=True)
    low, high = lev.min(), lev.max()
    if not (low >= 1.0 and high < np.inf and 1.0 / high > margin):
        return None
    if isinstance(size, float):
        size = np.full(n, size)
    else:
        size = np.array(size, dtype=np.float64, copy=True)
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(size))
    if not (np.isfinite(total) and size.min() > 0.0):
        return None
    if isinstance(sides, float):
        if sides not in (1.0, -1.0):
            return None
        sides = np.full(n, int(sides), dtype=np.int8)
    elif sides.dtype.kind in "iu":
        if not (sides.min() >= -1 and sides.max() <= 1 and np.count_nonzero(sides) == n):
            return None
        sides = sides.astype(np.int8)
    else:
        if not (np.abs(sides) == 1.0).all():
            return None
        sides = sides.astype(np.int8)
    if isinstance(entry, float):
        if not (0.0 < entry and 2.0 * entry < np.inf):
            return None
        lowest, entry = entry, np.full(n, entry)
    else:
        entry = np.array(entry, dtype=np.float64, copy=True)
        lowest = entry.min()
        with np.errstate(over="ignore", invalid="ignore"):
            # 2 * sum bounds every 2 * e_i, the most a liquidation price can be
            if not (lowest > 0.0 and np.isfinite(2.0 * np.sum(entry))):
                return None
    with np.errstate(over="ignore"):
        if not total / lowest < np.inf:
            return None
    return (lev, size, sides, entry), float(high)
