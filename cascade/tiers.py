"""Maintenance-margin tiers by position size (issue 10, Market(mm_tiers=...)).

A tier ladder is ((cap_1, rate_1), ..., (cap_K, rate_K)): a position whose notional at entry
n is at most cap_k (and above cap_{k-1}) needs maintenance margin rate_k * n. Caps ascend,
rates do not fall, the last cap may be inf (a larger position is rejected otherwise).

Partial liquidation (the rule, as Binance's liquidation protocol reduces a large position
to a lower tier rather than closing it): when a tier-k position (k > 1) reaches its
liquidation price p_k, the engine closes only the part above cap_{k-1}; the rest, notional
n' = cap_{k-1}, keeps the position's isolated margin, so its equity at p_k, rate_k * n,
now covers a smaller requirement, and its next liquidation price is where the equity has
fallen to rate_{k-1} * n' (for a long; the mirror for a short):

    p_{k-1} = p_k - s * (rate_k * n - rate_{k-1} * n') * e / n'

and so on down to tier 1, where the rest is closed. Each piece closed is a *slice*: its
own notional, liquidation price, and bankruptcy price (the price where the position's
equity at that moment, spread over its quantity then, is zero: b = p_k - s * rate_k * e,
which for the first slice is the plain e(1 - s/L)). The slices are fixed by the position
alone, so the cascade runs over the slices as over positions.
"""

from __future__ import annotations

import numpy as np

# Binance USD-M BTCUSDT brackets (docs/model.md, Sources): notional cap (USD), maintenance rate.
BINANCE_BTCUSDT_TIERS: tuple = (
    (50e3, 0.004), (250e3, 0.005), (1e6, 0.01), (10e6, 0.025), (20e6, 0.05),
    (50e6, 0.10), (100e6, 0.125), (200e6, 0.15), (300e6, 0.25), (np.inf, 0.5),
)


def check_tiers(tiers) -> tuple:
    """The ladder as a tuple of (cap, rate) float pairs, or ValueError naming mm_tiers."""
    try:
        array = np.asarray(tiers, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"mm_tiers: expected (cap, rate) pairs, got {tiers!r:.80}") from exc
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise ValueError(f"mm_tiers: expected at least one (cap, rate) pair, got shape "
                         f"{array.shape}")
    caps, rates = array[:, 0], array[:, 1]
    if np.isnan(array).any() or (caps <= 0).any() or not (np.diff(caps) > 0).all():
        raise ValueError(f"mm_tiers: caps must be positive and ascending, got {caps.tolist()}")
    if not np.isfinite(rates).all() or (rates < 0).any() or (rates >= 1).any() \
            or (np.diff(rates) < 0).any():
        raise ValueError(f"mm_tiers: rates must be in [0, 1) and not fall, got {rates.tolist()}")
    return tuple((float(c), float(r)) for c, r in array)


def tier_of(notional: np.ndarray, tiers: tuple) -> np.ndarray:
    """0-based tier index of each notional (n <= cap_k); K where above the last cap."""
    caps = np.array([cap for cap, _ in tiers])
    return np.searchsorted(caps, notional, side="left")


def maintenance_rates(notional: np.ndarray, tiers: tuple) -> np.ndarray:
    """The maintenance rate of each position's tier (ValueError above the last cap)."""
    tier = tier_of(notional, tiers)
    if (tier >= len(tiers)).any():
        where = np.flatnonzero(tier >= len(tiers))
        raise ValueError(f"mm_tiers: {where.size} positions are larger than the last tier's cap "
                         f"{tiers[-1][0]:g} (indices {where[:5].tolist()})")
    return np.array([rate for _, rate in tiers])[tier]


def slices(leverage, notional, side, entry, tiers: tuple):
    """The liquidation slices of every position under `tiers` (see the module docstring).

    Returns (owner, notional, liquidation_price, bankruptcy_price, last): owner is the
    position of each slice, slices of one position are in the order they are reached, and
    `last` marks the slice that closes the position. Positions in tier 1 have one slice.
    """
    caps = np.array([cap for cap, _ in tiers])
    rates = np.array([rate for _, rate in tiers])
    tier = tier_of(notional, tiers)
    if (tier >= len(tiers)).any():
        maintenance_rates(notional, tiers)  # raises with the indices
    count = tier + 1
    owner = np.repeat(np.arange(notional.size), count)
    step = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)  # 0 = first
    level = tier[owner] - step  # tier of the position when this slice is reached
    held = np.where(step == 0, notional[owner], caps[np.maximum(level, 0)])  # n_k then
    below = np.where(level > 0, caps[np.maximum(level - 1, 0)], 0.0)  # what stays after
    sliced = held - below
    s, e, lev = side[owner].astype(np.float64), entry[owner], leverage[owner]
    rate = rates[level]
    first_liq = e * (1.0 - s * (1.0 / lev - rates[tier][owner]))
    # p_{k-1} = p_k - s (rate_k n_k - rate_{k-1} n_{k-1}) e / n_{k-1}: the drop from each
    # slice's price to the next, summed from the first.
    drop = np.zeros(owner.size)
    nxt = step > 0
    upper = np.minimum(level + 1, len(caps) - 1)  # the tier a later slice came down from
    prev_rate, prev_held = rates[upper][nxt], np.where(
        step[nxt] == 1, notional[owner][nxt], caps[upper][nxt])
    drop[nxt] = (prev_rate * prev_held - rate[nxt] * held[nxt]) * e[nxt] / held[nxt]
    offsets = np.cumsum(drop)
    start = np.repeat(np.cumsum(count) - count, count)
    liq = first_liq - s * (offsets - offsets[start] + drop[start])
    bankrupt = liq - s * rate * e
    last = level == 0
    return owner, sliced, liq, bankrupt, last
