"""Synthetic trader books: a leverage cluster over a retail background (issue 2).

Every draw is vectorised and reproducible by seed. Truncated distributions (not clipping)
keep leverage inside [1, cap] and every position alive at P0, so no point masses appear at
the bounds and no position is created already past its liquidation price.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._checks import number_in, one_of, whole_number
from .market import DEFAULT_MAINTENANCE_MARGIN, DEFAULT_PRICE
from .population import LONG, SHORT, Population

# Leverage levels venues offer in their order tickets.
VENUE_LEVERAGE_LEVELS = np.array([2, 3, 5, 10, 20, 25, 50, 75, 100, 125], dtype=float)
# Retail use of those levels, shaped after Binance (Dec 2019): 60% of trades at >= 20x and
# 21% at 125x (MODEL.md section 7).
RETAIL_LEVEL_WEIGHTS = np.array([0.05, 0.05, 0.10, 0.20, 0.20, 0.06, 0.08, 0.03, 0.02, 0.21])
BACKGROUNDS = ("lognormal", "discrete")

# Clustering tightness t in [0, 1]: the crowd sits at the centre leverage c (a venue's default,
# say) and the traders who leave it dial leverage down. Their margin 1/L is spread evenly over
# [1/c, 1/c + (1 - t)(1 - 1/c)]: t = 1 puts every clustered trader at c, t = 0 spreads their
# margins evenly from 1/c to 100% (leverage c down to 1x). Even in margin means even in
# liquidation distance (1/L - m), so a dispersed crowd has no spike left at the centre, and the
# crowd's threshold density, hence its branching ratio, grows as 1 / (1 - t).

# Positions are created at least this far (relative move) from liquidation at P0.
MIN_LIQUIDATION_DISTANCE = 0.001
MIN_TRADERS = 10


def leverage_cap(maintenance_margin: float, max_leverage: float) -> float:
    """Highest leverage a synthetic trader gets: the venue's max_leverage, and low enough
    that the liquidation distance 1/L - m is at least MIN_LIQUIDATION_DISTANCE."""
    return float(min(max_leverage, 1.0 / (maintenance_margin + MIN_LIQUIDATION_DISTANCE)))


def cluster_margin_band(center: float, tightness: float) -> tuple[float, float]:
    """(lowest, highest) margin 1/L of the clustered traders: [1/c, 1/c + (1 - t)(1 - 1/c)]."""
    low = 1.0 / center
    return low, low + (1.0 - tightness) * (1.0 - low)


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


def _cluster_leverage(rng, size: int, center: float, tightness: float) -> np.ndarray:
    """1 / u with the margin u uniform on cluster_margin_band(center, tightness)."""
    low, high = cluster_margin_band(center, tightness)
    if high == low:
        return np.full(size, center)
    return 1.0 / (low + (high - low) * rng.random(size))


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

    cluster_share of the open interest (quote currency) sits in a cluster at center_leverage,
    its margins 1/L spread evenly over cluster_margin_band(center_leverage, tightness); the rest is a
    retail background: "lognormal" (median background_leverage, log-spread
    background_spread) or "discrete" (VENUE_LEVERAGE_LEVELS with RETAIL_LEVEL_WEIGHTS).
    long_share of each group's open interest is long. Sizes are Pareto with tail index
    size_tail (smaller = more whales). Leverage stays within [1, leverage_cap(...)], and
    entry prices (log-spread entry_dispersion around price) keep every position alive.
    """
    n = whole_number("n", n, MIN_TRADERS)
    seed = whole_number("seed", seed, 0)
    margin = number_in("maintenance_margin", maintenance_margin, low=0.0, high=1.0, high_open=True)
    max_leverage = number_in("max_leverage", max_leverage, low=1.0)
    cap = leverage_cap(margin, max_leverage)
    if cap < 1.0:
        raise ValueError(f"maintenance_margin: {margin:g} leaves no valid leverage (1/L must "
                         f"exceed it by {MIN_LIQUIDATION_DISTANCE:g})")
    center = number_in("center_leverage", center_leverage, low=1.0)
    if center > cap:
        raise ValueError(f"center_leverage: {center:g}x is above the highest leverage allowed with "
                         f"maintenance_margin {margin:g} and max_leverage {max_leverage:g} "
                         f"({cap:.4g}x): 1/L must exceed the maintenance margin")
    tightness = number_in("tightness", tightness, low=0.0, high=1.0)
    cluster_share = number_in("cluster_share", cluster_share, low=0.0, high=1.0)
    one_of("background", background, BACKGROUNDS)
    background_leverage = number_in("background_leverage", background_leverage, low=1.0)
    background_spread = number_in("background_spread", background_spread, low=0.0)
    open_interest = number_in("open_interest", open_interest, low=0.0, low_open=True)
    size_tail = number_in("size_tail", size_tail, low=1.0, low_open=True)
    long_share = number_in("long_share", long_share, low=0.0, high=1.0)
    entry_dispersion = number_in("entry_dispersion", entry_dispersion, low=0.0, high=1.0)
    price = number_in("price", price, low=0.0, low_open=True)

    rng = np.random.default_rng(seed)
    n_cluster = _split(n, cluster_share)
    leverage = np.concatenate((
        _cluster_leverage(rng, n_cluster, center, tightness),
        _discrete_leverage(rng, n - n_cluster, cap) if background == "discrete"
        else _log_normal_leverage(rng, n - n_cluster, min(background_leverage, cap),
                                  background_spread, cap),
    ))
    sides, sizes = [], []
    for start, count, share in ((0, n_cluster, cluster_share),
                                (n_cluster, n - n_cluster, 1.0 - cluster_share)):
        n_long = _split(count, long_share)
        sides.append(np.repeat(np.array([LONG, SHORT], dtype=np.int8), [n_long, count - n_long]))
        sizes.append(np.concatenate((
            _scaled_sizes(rng, n_long, size_tail, open_interest * share * long_share),
            _scaled_sizes(rng, count - n_long, size_tail, open_interest * share * (1 - long_share)),
        )))
    side = np.concatenate(sides)
    notional = np.concatenate(sizes)
    entry = _entry_prices(rng, leverage, side, entry_dispersion, price, margin)
    return Population.from_arrays(leverage, notional, side, entry,
                                  maintenance_margin=margin, price=price)
