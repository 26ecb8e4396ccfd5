"""Sweeps: one metric of the cascade over a grid of two Scenario fields (issue 8).

`sweep(scenario, x_field, x_values, y_field, y_values)` returns, for every cell, exactly
(bit for bit) what `scenario.replace(**{x_field: x, y_field: y}).run()` reports, but shares
the work that cells have in common:

- one synthetic population per distinct value of the fields that shape it
  (Scenario.population_fields()), one LiquidationBook per population and market, and one
  set of random draws (Scenario.population_draws()) for all the populations that differ only
  in the crowd's level, its shape or the entry dispersion (every row of a phase grid);
- all the shocks that share a book run on it, through the engine's own waves
  (LiquidationBook.final_move), after its side has been sorted once: each wave is then a
  binary search, and no per-position labels or wave tables are built. The engine sums each
  wave in population order whatever way it found it, so the numbers are identical to one
  run per cell on a fresh book.

With the clock on (Scenario.clock: an engine rate, a refill, permanent impact, an engine
rule or a path other than the jump), a cell is scenario.replace(...).run_on(book), the timed
engine along the cell's path: the shock sets the path's depth (fall: from 0 to s over
fall_seconds; fall_then_rebound: to s, then up by `rebound` over rebound_seconds), and the
path's seconds and rebound stay as the scenario sets them. The cell's final move is then
the traded price at the end of the timed run (after any rebound), relative to P0, not the
lowest price on the way. Books are still shared: one per population and market, each
serving every shock of its cells (the sides the engine sorts are sorted once).

`phase_grid(scenario, shocks, tightnesses)` is the shock x tightness case, and
`critical_shocks(scenario, y_field, y_values)` the tipping boundary of each row: the
cascade.critical_shock of that row's book.

`grid_ticks(scenario, x_field, x_values, y_field, y_values)` estimates, before anything
runs, the ticks each timed cell will take (timed_ticks), so that a page can bound a grid
whose cells run thousands of one-second ticks (a slow engine on an axis).

`cross_share_curve(setup, shares)` is the contagion model's sweep (issue 19): one
cascade.contagion run per share of open interest in cross accounts, on the same seed, one
row each (what the Risk page draws against the cross share).
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd

from ._checks import as_float_array, one_of
from .clock import DEFAULT_TICK, final_move_timed
from .contagion import Contagion
from .engine import LiquidationBook, amplification
from .market import DYDX_ATTEMPTS_PER_BLOCK, HYPERLIQUID_PARTIAL
from .scenario import Scenario
from .theory import critical_shock

# What a sweep can report per cell.
#   final_move:    x = P_K / P0 - 1 (CascadeResult.total_move; negative = a fall)
#   amplification: x / s (CascadeResult.amplification; 1 when s = 0)
#   waves:         number of waves that liquidated someone (CascadeResult.wave_count)
METRICS = ("final_move", "amplification", "waves")
# The types of the Scenario fields that take numbers (the annotations, as written); the
# others hold text (background, impact, mm_tiers, engine_rule, path) or True/False (adl),
# and are not sweepable.
_NUMBER_TYPES = ("float", "int", float, int)


def sweepable_fields() -> tuple[str, ...]:
    """Scenario fields that take numbers, in the Scenario's order."""
    return tuple(f.name for f in fields(Scenario) if f.type in _NUMBER_TYPES)


def _check_field(role: str, name) -> str:
    known = sweepable_fields()
    if name not in known:
        raise ValueError(f"{role}: {name!r} is not a numeric Scenario field; "
                         f"choose one of {', '.join(known)}")
    return name


def _check_values(name: str, values) -> np.ndarray:
    array = as_float_array(name, values)
    if array.size == 0:
        raise ValueError(f"{name}: give at least one value to sweep over")
    return array


def moves_on_book(book: LiquidationBook, shocks) -> tuple[np.ndarray, np.ndarray]:
    """(final moves, wave counts) of book.run(s) for every shock s in `shocks`, bit for bit
    (LiquidationBook.final_move), sorting the side each direction hits once first."""
    shocks = np.asarray(shocks, dtype=np.float64)
    for direction in (-1, 1):
        if np.any(direction * shocks > 0):
            book.side(direction).complete()
    results = [book.final_move(float(shock)) for shock in shocks]
    moves = np.array([move for move, _ in results], dtype=np.float64)
    waves = np.array([count for _, count in results], dtype=np.int64)
    return moves, waves


def timed_moves_on_book(scenario: Scenario, book: LiquidationBook, shocks
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(final moves, executing ticks) of scenario.replace(shock=s).run_on(book) for every
    shock s in `shocks`, bit for bit: the timed engine (cascade/clock.py) along the path
    the scenario draws with its depth set to s (Scenario.price_path). The book's sides are
    sorted once, by the first run that needs them, and serve every later shock; each run
    skips building the tables a sweep does not read (clock.final_move_timed)."""
    results = [final_move_timed(book, scenario.replace(shock=float(shock)).price_path())
               for shock in shocks]
    moves = np.array([move for move, _ in results], dtype=np.float64)
    waves = np.array([count for _, count in results], dtype=np.int64)
    return moves, waves


def _metric(name: str, shocks: np.ndarray, moves: np.ndarray, waves: np.ndarray) -> np.ndarray:
    if name == "final_move":
        return moves
    if name == "waves":
        return waves.astype(np.float64)
    return amplification(moves, shocks)


def sweep(scenario: Scenario, x_field: str, x_values, y_field: str, y_values,
          metric: str = "final_move") -> np.ndarray:
    """`metric` of the cascade over a grid of two numeric Scenario fields.

    Returns a float array of shape [len(y_values), len(x_values)]: cell [i, j] is the
    metric of scenario.replace(x_field=x_values[j], y_field=y_values[i]).run(), exactly
    (see the module docstring for how the work is shared; with the clock on, the timed
    engine's final move: the module docstring says how a shock maps onto the path).
    metric: one of METRICS.
    Every cell's Scenario is validated: a bad value raises the Scenario's ValueError,
    which names the field and the value.
    """
    x_field = _check_field("x_field", x_field)
    y_field = _check_field("y_field", y_field)
    if x_field == y_field:
        raise ValueError(f"y_field: must differ from x_field, both are {x_field!r}")
    one_of("metric", metric, METRICS)
    xs = _check_values(x_field, x_values)
    ys = _check_values(y_field, y_values)
    population_fields = Scenario.population_fields()

    # cells grouped by population, then by market: {pop key: {market: [(i, j, shock)]}}.
    # Every cell is validated as a Scenario; the shock has no rule that ties it to another
    # field, so each distinct shock and each distinct rest-of-the-cell is validated once.
    groups: dict[tuple, dict] = {}
    scenarios: dict[tuple, Scenario] = {}
    checked_shocks: dict[float, float] = {}
    checked_rests: dict[tuple, Scenario] = {}
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            changes = {x_field: x, y_field: y}
            shock = changes.pop("shock", scenario.shock)
            if shock not in checked_shocks:
                checked_shocks[shock] = scenario.replace(shock=shock).shock
            rest_key = tuple(changes.items())
            if rest_key not in checked_rests:
                cell = scenario.replace(**changes)
                key = tuple(getattr(cell, name) for name in population_fields)
                checked_rests[rest_key] = (cell, key, cell.market())
            cell, key, market = checked_rests[rest_key]
            scenarios.setdefault(key, cell)
            groups.setdefault(key, {}).setdefault(market, []).append(
                (i, j, checked_shocks[shock]))

    # populations that share their random draws (all but the crowd's level and shape, say
    # every row of a phase grid) are drawn once, one set of draws at a time
    by_draws: dict[tuple, list[tuple]] = {}
    for key, cell in scenarios.items():
        by_draws.setdefault(tuple(cell.draw_arguments().items()), []).append(key)
    grid = np.empty((ys.size, xs.size))
    for keys in by_draws.values():
        draws = scenarios[keys[0]].population_draws()
        for key in keys:
            cell = scenarios[key]
            population = cell.population(draws)
            for market, cells in groups[key].items():
                rows, cols, shocks = (np.array(column) for column in zip(*cells))
                shocks = shocks.astype(np.float64)
                book = LiquidationBook(population, market)
                moves, waves = (timed_moves_on_book(cell, book, shocks) if cell.clock
                                else moves_on_book(book, shocks))
                grid[rows.astype(int), cols.astype(int)] = _metric(metric, shocks, moves, waves)
    return grid


def phase_grid(scenario: Scenario, shocks, tightnesses) -> np.ndarray:
    """Final relative moves over shock x tightness, shape [len(tightnesses), len(shocks)]:
    cell [i, j] equals scenario.replace(shock=shocks[j], tightness=tightnesses[i])
    .run().total_move exactly (negative = a fall): with the clock on, the timed run's final
    move along the scenario's path with its depth set to the cell's shock (see the module
    docstring). One population and one book per tightness; every shock of a row runs on
    one book (see moves_on_book, timed_moves_on_book)."""
    return sweep(scenario, "shock", shocks, "tightness", tightnesses)


def critical_shocks(scenario: Scenario, y_field: str, y_values, direction: int = -1
                    ) -> np.ndarray:
    """The tipping boundary of each row of a shock x `y_field` grid: for every value y,
    cascade.critical_shock(scenario.replace(y_field=y).book(), direction=direction) (a
    relative shock signed by direction; NaN where that book never runs away). `y_field`
    may not be the shock itself, which the critical shock does not depend on."""
    y_field = _check_field("y_field", y_field)
    if y_field == "shock":
        raise ValueError("y_field: the critical shock does not depend on the shock; "
                         "sweep another field")
    ys = _check_values(y_field, y_values)
    return np.array([critical_shock(scenario.replace(**{y_field: y}).book(),
                                    direction=direction) for y in ys])


def timed_ticks(cell: Scenario, tick_seconds: float = DEFAULT_TICK) -> float:
    """An estimate of the ticks cell.run() takes on the clock, from its fields alone (0.0
    when its clock is off: the instant engine runs no ticks). It is the path's ticks,
    duration / tick_seconds + 1, plus, for a limited engine, the ticks it needs to clear the
    open interest the path can reach (the long share of it on a fall, the rest on a rise,
    both on a fall then rebound) at its cap per tick, min(engine_rate x tick_seconds,
    engine_capacity), plus Hyperliquid's cooldowns between the parts of a large position
    ((parts - 1) x cooldown / tick_seconds) and, for dYdX, n / attempts per block. A run
    that liquidates less than the whole side takes fewer: Scenario(engine_rate=1e6) is
    estimated at 1,401 ticks and runs 976 (tests/model/test_sweep_budget.py)."""
    if not cell.clock:
        return 0.0
    path = cell.price_path()
    ticks = path.duration / tick_seconds + 1.0
    reach = (cell.open_interest * cell.long_share * (path.low < 0)
             + cell.open_interest * (1.0 - cell.long_share) * (path.high > 0))
    caps = [cap for cap in (cell.engine_rate * tick_seconds, cell.engine_capacity) if cap]
    if caps:
        ticks += reach / min(caps)
    if cell.engine_rule == "hyperliquid":
        _, parts, cooldown = HYPERLIQUID_PARTIAL
        ticks += (parts - 1) * cooldown / tick_seconds
    elif cell.engine_rule == "dydx":
        ticks += cell.n / DYDX_ATTEMPTS_PER_BLOCK
    return float(ticks)


def grid_ticks(scenario: Scenario, x_field: str, x_values, y_field: str, y_values
               ) -> np.ndarray:
    """timed_ticks of every cell of the sweep grid, shape [len(y_values), len(x_values)]
    (cell [i, j]: scenario.replace(x_field=x_values[j], y_field=y_values[i])); 0 for a cell
    the Scenario refuses, whose error sweep() reports."""
    xs = _check_values(x_field, x_values)
    ys = _check_values(y_field, y_values)
    ticks = np.zeros((ys.size, xs.size))
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            try:
                cell = scenario.replace(**{x_field: float(x), y_field: float(y)})
            except (ValueError, TypeError):
                continue
            ticks[i, j] = timed_ticks(cell)
    return ticks


# The cross shares of a cross_share_curve unless told: 0%, 10%, ..., 100% of open interest.
CROSS_SHARES = tuple(i / 10 for i in range(11))
# Its columns besides one move per market (f"move_{name}"), in this order.
CROSS_COLUMNS = ("cross_share", "contagion_share", "cross_liquidated", "liquidated_notional",
                 "bad_debt")


def cross_share_curve(setup: Contagion, shares=CROSS_SHARES) -> pd.DataFrame:
    """The contagion run of `setup` at every share of open interest in cross accounts.

    Row i is replace(setup, cross_share=shares[i]).run(), exactly: the synthetic accounts
    of setup.seed drawn at that share (cascade.accounts.make_accounts), so rows differ by
    the share and by the accounts it draws, never by the seed. Columns (CROSS_COLUMNS,
    then one per market):
      cross_share          the share of open interest in cross accounts, [0, 1];
      contagion_share      ContagionResult.contagion_share(): the share of the liquidated
                           notional (at entry) in markets whose own path is flat, caused by
                           another market's fall through the accounts (NaN: nothing
                           liquidated);
      cross_liquidated     ContagionResult.cross_share(): cross positions' share of the
                           liquidated notional (NaN: nothing liquidated);
      liquidated_notional  USD at entry;
      bad_debt             USD the venue fund could not pay (ledger["bad_debt"]);
      move_<market>        that market's traded move at the run's end, P / P0 - 1.
    With no cross accounts nothing links the markets: a market whose own path is flat does
    not move and contagion_share is 0 (tests/model/test_cross_share_curve.py).
    """
    values = _check_values("shares", shares)
    rows = []
    for value in values:
        result = replace(setup, cross_share=float(value)).run()
        ledger = result.ledger
        rows.append({"cross_share": float(value),
                     "contagion_share": result.contagion_share(),
                     "cross_liquidated": result.cross_share(),
                     "liquidated_notional": result.liquidated_notional(),
                     "bad_debt": float(ledger["bad_debt"]),
                     **{f"move_{name}": move for name, move in result.moves().items()}})
    return pd.DataFrame(rows)
