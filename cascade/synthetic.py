"""Synthetic trader books: a leverage cluster over a retail background (issue 2).

Every draw is vectorised and reproducible by seed. Truncated distributions (not clipping)
keep leverage inside [1, cap] and every position alive at P0, so no point masses appear at
the bounds and no position is created already past its liquidation price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._checks import number_in, one_of, whole_number
from .market import DEFAULT_MAINTENANCE_MARGIN, DEFAULT_PRICE
from .population import LONG, SHORT, Population

# Leverage levels venues offer in their order tickets.
VENUE_LEVERAGE_LEVELS = np.array([2, 3, 5, 10, 20, 25, 50, 75, 100, 125], dtype=float)
# Retail use of those levels, shaped after Binance (Dec 2019): 60% of trades at >= 20x and
# 21% at 125x (docs/model.md, Sources).
RETAIL_LEVEL_WEIGHTS = np.array([0.05, 0.05, 0.10, 0.20, 0.20, 0.06, 0.08, 0.03, 0.02, 0.21])
BACKGROUNDS = ("lognormal", "discrete")

# Clustering tightness t in [0, 1] changes the crowd's shape, never its level. The crowd's
# leverage c sets the level: every side of the crowd (its longs, its shorts) keeps its notional
# N and its total margin sum(n_i / L_i) = N / c at every tightness, so its notional-weighted
# mean margin is 1/c and its mean liquidation distance 1/c - m. Tightness spreads the margins
# u = 1/L symmetrically around 1/c: the crowd's notional is spread evenly over
# [1/c - h, 1/c + h], h = (1 - t) * h_max, with h_max = min(1/c - 1/cap, 1 - 1/c) the room to
# the nearer bound (the leverage cap below, 1x above). t = 1 puts every crowd trader at c;
# t = 0 spreads the crowd as widely as the nearer bound allows, keeping the mean.
# Even in margin means even in liquidation distance (1/L - m), so the crowd's threshold density
# inside the band, hence its branching ratio, grows as 1 / (1 - t) (docs/model.md, Theory).

# Positions are created at least this far (relative move) from liquidation at P0.
MIN_LIQUIDATION_DISTANCE = 0.001
MIN_TRADERS = 10


def leverage_cap(maintenance_margin: float, max_leverage: float) -> float:
    """Highest leverage a synthetic trader gets: the venue's max_leverage, and low enough
    that the liquidation distance 1/L - m is at least MIN_LIQUIDATION_DISTANCE."""
    return float(min(max_leverage, 1.0 / (maintenance_margin + MIN_LIQUIDATION_DISTANCE)))


def crowd_margin_band(center: float, tightness: float,
                      maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                      max_leverage: float = 125.0) -> tuple[float, float]:
    """(lowest, highest) margin 1/L of the crowd: [1/c - h, 1/c + h] with the half-width
    h = (1 - t) * min(1/c - 1/cap, 1 - 1/c), cap = leverage_cap(maintenance_margin,
    max_leverage). Symmetric around the crowd's mean margin 1/c, and inside [1/cap, 1]
    (leverage between 1x and the cap) on both sides; h = 0 when c is 1x or the cap."""
    half = _crowd_half_width(center, tightness, maintenance_margin, max_leverage)
    return 1.0 / center - half, 1.0 / center + half


def _crowd_half_width(center, tightness, maintenance_margin, max_leverage) -> float:
    """h = (1 - t) * min(1/c - 1/cap, 1 - 1/c), never below 0."""
    mean = 1.0 / center
    room = min(mean - 1.0 / leverage_cap(maintenance_margin, max_leverage), 1.0 - mean)
    return (1.0 - tightness) * max(0.0, room)


def crowd_count(n: int, cluster_share: float) -> int:
    """How many of make_population's n traders are the crowd: the first crowd_count(n,
    cluster_share) positions of the book; the rest is the background."""
    return _split(n, cluster_share)


def _even_margins(order: np.ndarray, notional: np.ndarray, center: float,
                  half: float) -> np.ndarray:
    """Margins u_i that spread `notional` evenly over [1/c - half, 1/c + half] and keep the
    notional-weighted mean at exactly 1/c.

    Positions are laid end to end in `order` (indices into notional: the crowd's random
    order, drawn by seed); with C_i the notional before position i and N the total, position
    i takes the margin at the middle of its own stretch:
    u_i = 1/c + half * (2 (C_i + n_i / 2) / N - 1). Then sum(n_i u_i) = N / c exactly, since
    sum(n_i (C_i + n_i / 2)) = N^2 / 2, and every u_i lies inside the band."""
    if notional.size == 0:
        return np.empty(0)
    sizes = notional[order]
    ends = np.cumsum(sizes)
    middle = (ends - sizes / 2.0) / ends[-1]
    margins = np.empty(notional.size)
    margins[order] = 1.0 / center + half * (2.0 * middle - 1.0)
    return margins


def _crowd_orders(keys: np.ndarray, side: np.ndarray) -> tuple:
    """For each side of the crowd (long, short): (a mask of its positions, their order by
    the random keys), the order _even_margins lays them out in."""
    return tuple((mine, np.argsort(keys[mine], kind="stable"))
                 for mine in (side == sign for sign in (LONG, SHORT)))


def _crowd_leverage(orders: tuple, notional, center: float, half: float) -> np.ndarray:
    """The crowd's leverage: every trader at `center` when half = 0; otherwise 1/u with the
    margins u of _even_margins, laid out on each side (long, short) apart in the orders of
    _crowd_orders, so each side keeps its own notional and total margin."""
    if half == 0.0:
        return np.full(notional.size, center)
    leverage = np.empty(notional.size)
    for mine, order in orders:
        leverage[mine] = 1.0 / _even_margins(order, notional[mine], center, half)
    return leverage


def _truncated_normal(rng: np.random.Generator, size: int, lower, upper) -> np.ndarray:
    """Standard normal draws conditioned on lower <= z <= upper (bounds may be arrays).

    Inverse CDF in log space, z = Phi^-1(Phi(a) (1 - u) + Phi(b) u), on the side of zero
    where Phi is small (bounds above zero are mirrored) so far tails keep their precision.
    """
    lower, upper = np.broadcast_arrays(np.asarray(lower, float), np.asarray(upper, float))
    mirrored = lower > 0
    a = np.where(mirrored, -upper, lower)
    b = np.where(mirrored, -lower, upper)
    uniform = rng.random(size)
    with np.errstate(divide="ignore"):
        log_cdf = np.logaddexp(special.log_ndtr(a) + np.log1p(-uniform),
                               special.log_ndtr(b) + np.log(uniform))
    z = np.clip(special.ndtri_exp(log_cdf), a, b)
    return np.where(mirrored, -z, z)


def _log_normal_leverage(rng, size: int, median: float, log_spread: float, cap: float):
    """Leverage = median * exp(log_spread * z), z truncated so that 1 <= leverage <= cap."""
    if size == 0:
        return np.empty(0)
    if log_spread == 0.0:
        return np.full(size, min(max(median, 1.0), cap))
    lower = np.log(1.0 / median) / log_spread
    upper = np.log(cap / median) / log_spread
    return median * np.exp(log_spread * _truncated_normal(rng, size, lower, upper))


def _discrete_leverage(rng, size: int, cap: float) -> np.ndarray:
    """Venue levels drawn with retail weights; levels above the cap are taken at the cap."""
    levels = np.minimum(VENUE_LEVERAGE_LEVELS, cap)
    return rng.choice(levels, size=size, p=RETAIL_LEVEL_WEIGHTS / RETAIL_LEVEL_WEIGHTS.sum())


def _split(total: int, share: float) -> int:
    """How many of `total` go to a group holding `share`: rounded, but never leaving a
    group with a positive share empty."""
    count = int(round(total * share))
    if total == 0:
        return 0
    if share > 0 and count == 0:
        count = 1
    if share < 1 and count == total:
        count = total - 1
    return count


def _scaled_sizes(rng, size: int, tail: float, total: float) -> np.ndarray:
    """Pareto(tail) sizes (a few whales) scaled to sum to `total` quote currency."""
    raw = rng.pareto(tail, size) + 1.0
    return raw * (total / raw.sum()) if size else raw


def _entry_prices(rng, leverage, side, dispersion, price, margin) -> np.ndarray:
    """Entry prices P0 * exp(dispersion * z), z truncated so that every position is still
    at least MIN_LIQUIDATION_DISTANCE from its liquidation price at P0."""
    if dispersion == 0.0:
        return np.full(leverage.size, price)
    buffer = 1.0 / leverage - margin
    is_long = side == LONG
    # long alive at P0: e (1 - 1/L + m) <= P0 (1 - d);  short: e (1 + 1/L - m) >= P0 (1 + d)
    # 1x with no maintenance margin (buffer 1) is never liquidated when long: no bound;
    # a vanishing dispersion puts the bound at infinity too
    with np.errstate(divide="ignore", over="ignore"):
        limit = np.where(is_long, (1.0 - MIN_LIQUIDATION_DISTANCE) / (1.0 - buffer),
                         (1.0 + MIN_LIQUIDATION_DISTANCE) / (1.0 + buffer))
        bound = np.log(limit) / dispersion
    lower = np.where(is_long, -np.inf, bound)
    upper = np.where(is_long, bound, np.inf)
    return price * np.exp(dispersion * _truncated_normal(rng, leverage.size, lower, upper))


def make_population(n: int = 10_000, seed: int = 0, *, center_leverage: float = 20.0,
                    tightness: float = 0.5, cluster_share: float = 0.5,
                    background: str = "lognormal", background_leverage: float = 5.0,
                    background_spread: float = 0.7, open_interest: float = 2e9,
                    size_tail: float = 1.5, long_share: float = 0.7,
                    entry_dispersion: float = 0.0, price: float = DEFAULT_PRICE,
                    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                    max_leverage: float = 125.0) -> Population:
    """A synthetic book of n traders, reproducible by seed.

    cluster_share of the open interest (quote currency) is the crowd, the first
    crowd_count(n, cluster_share) traders; the rest is a retail background: "lognormal"
    (median background_leverage, log-spread background_spread) or "discrete"
    (VENUE_LEVERAGE_LEVELS with RETAIL_LEVEL_WEIGHTS).

    The crowd's leverage: center_leverage c is its level, tightness t its shape. Each side of
    the crowd (longs, shorts) holds the same notional N_side and the same total margin
    sum(n_i / L_i) = N_side / c at every tightness (to rounding), so its open-interest-weighted
    average leverage N / sum(n_i / L_i) is always c. Its margins 1/L spread the crowd's
    notional evenly over crowd_margin_band(c, t, maintenance_margin, max_leverage) =
    [1/c - h, 1/c + h], h = (1 - t) min(1/c - 1/cap, 1 - 1/c): t = 1 puts every crowd trader
    at exactly c, t = 0 spreads them as far as the nearer bound (the cap, or 1x) allows.
    Which trader gets which margin is random (by seed); the sizes, sides, the background and
    the random draws behind the entry prices are the same at every tightness.

    long_share of each group's open interest is long. Sizes are Pareto with tail index
    size_tail (smaller = more whales). Leverage stays within [1, leverage_cap(...)], and
    entry prices (log-spread entry_dispersion around price) keep every position alive.
    """
    draws = draw_population(
        n, seed, cluster_share=cluster_share, background=background,
        background_leverage=background_leverage, background_spread=background_spread,
        open_interest=open_interest, size_tail=size_tail, long_share=long_share, price=price,
        maintenance_margin=maintenance_margin, max_leverage=max_leverage)
    return draws.population(center_leverage, tightness, entry_dispersion)


# make_population's arguments that PopulationDraws.population takes: every other one decides
# the draws (draw_population).
SHAPE_ARGUMENTS = ("center_leverage", "tightness", "entry_dispersion")


@dataclass(frozen=True, eq=False)
class PopulationDraws:
    """What make_population draws before it reads the crowd's level, its shape and the entry
    dispersion (SHAPE_ARGUMENTS): the sides, the sizes, the background's leverage, the
    crowd's random order of margins and where the entry prices' draws begin. One draw serves
    every (center_leverage, tightness, entry_dispersion): .population(c, t, d) equals
    make_population(..., center_leverage=c, tightness=t, entry_dispersion=d) bit for bit,
    so a sweep over those draws once (cascade.sweep)."""

    n_cluster: int
    side: np.ndarray
    notional: np.ndarray
    rest_leverage: np.ndarray
    crowd_orders: tuple            # _crowd_orders of the crowd's random keys
    entry_state: dict              # the generator's state where the entry draws begin
    price: float
    maintenance_margin: float
    max_leverage: float

    def population(self, center_leverage: float, tightness: float,
                   entry_dispersion: float) -> Population:
        """The book with the crowd at center_leverage and tightness, entries spread by
        entry_dispersion (make_population's docstring says how, and holds the defaults)."""
        margin, max_leverage = self.maintenance_margin, self.max_leverage
        cap = leverage_cap(margin, max_leverage)
        center = number_in("center_leverage", center_leverage, low=1.0)
        if center > cap:
            raise ValueError(
                f"center_leverage: {center:g}x is above the highest leverage allowed with "
                f"maintenance_margin {margin:g} and max_leverage {max_leverage:g} "
                f"({cap:.4g}x): 1/L must exceed the maintenance margin")
        tightness = number_in("tightness", tightness, low=0.0, high=1.0)
        entry_dispersion = number_in("entry_dispersion", entry_dispersion, low=0.0, high=1.0)
        half = _crowd_half_width(center, tightness, margin, max_leverage)
        leverage = np.concatenate((
            _crowd_leverage(self.crowd_orders, self.notional[:self.n_cluster], center, half),
            self.rest_leverage))
        rng = self._entry_generator() if entry_dispersion else None
        entry = _entry_prices(rng, leverage, self.side, entry_dispersion, self.price, margin)
        return Population.from_arrays(leverage, self.notional, self.side, entry,
                                      maintenance_margin=margin, price=self.price)

    def _entry_generator(self) -> np.random.Generator:
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = self.entry_state
        return generator


def draw_population(n: int = 10_000, seed: int = 0, *, cluster_share: float = 0.5,
                    background: str = "lognormal", background_leverage: float = 5.0,
                    background_spread: float = 0.7, open_interest: float = 2e9,
                    size_tail: float = 1.5, long_share: float = 0.7,
                    price: float = DEFAULT_PRICE,
                    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN,
                    max_leverage: float = 125.0) -> PopulationDraws:
    """make_population's random draws for every argument but SHAPE_ARGUMENTS (validated
    here, each bad value named): see PopulationDraws."""
    n = whole_number("n", n, MIN_TRADERS)
    seed = whole_number("seed", seed, 0)
    margin = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
    max_leverage = number_in("max_leverage", max_leverage, low=1.0)
    cap = leverage_cap(margin, max_leverage)
    if cap < 1.0:
        raise ValueError(f"maintenance_margin: {margin:g} leaves no valid leverage (1/L must "
                         f"exceed it by {MIN_LIQUIDATION_DISTANCE:g})")
    cluster_share = number_in("cluster_share", cluster_share, low=0.0, high=1.0)
    one_of("background", background, BACKGROUNDS)
    background_leverage = number_in("background_leverage", background_leverage, low=1.0)
    background_spread = number_in("background_spread", background_spread, low=0.0)
    open_interest = number_in("open_interest", open_interest, low=0.0, low_open=True)
    size_tail = number_in("size_tail", size_tail, low=1.0, low_open=True)
    long_share = number_in("long_share", long_share, low=0.0, high=1.0)
    price = number_in("price", price, low=0.0, low_open=True)

    rng = np.random.default_rng(seed)
    n_cluster = crowd_count(n, cluster_share)
    crowd_keys = rng.random(n_cluster)            # the crowd's random order of margins
    rest_leverage = (
        _discrete_leverage(rng, n - n_cluster, cap) if background == "discrete"
        else _log_normal_leverage(rng, n - n_cluster, min(background_leverage, cap),
                                  background_spread, cap))
    sides, sizes = [], []
    for count, share in ((n_cluster, cluster_share), (n - n_cluster, 1.0 - cluster_share)):
        n_long = _split(count, long_share)
        sides.append(np.repeat(np.array([LONG, SHORT], dtype=np.int8), [n_long, count - n_long]))
        sizes.append(np.concatenate((
            _scaled_sizes(rng, n_long, size_tail, open_interest * share * long_share),
            _scaled_sizes(rng, count - n_long, size_tail, open_interest * share * (1 - long_share)),
        )))
    side = np.concatenate(sides)
    notional = np.concatenate(sizes)
    return PopulationDraws(
        n_cluster=n_cluster, side=side, notional=notional, rest_leverage=rest_leverage,
        crowd_orders=_crowd_orders(crowd_keys, side[:n_cluster]),
        entry_state=rng.bit_generator.state, price=price, maintenance_margin=margin,
        max_leverage=max_leverage)
