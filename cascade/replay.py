"""Calibrated replays of real cascades (issue 18): each event of cascade/events.py as a
Scenario with a price path over the event's own minutes, and the model's figures beside
the observed ranges.

A replay's knobs come in two kinds:
- *sourced* (REPLAYS[key].sourced): set from a figure a source gives, each with the reason
  in REPLAYS[key].why (depth within 1%, maintenance margin, venue rule, the path's timing);
- *fitted* (REPLAYS[key].fitted): the knobs no source gives (tightness, cluster share, the
  path's exogenous part, and any knob the sources leave open), each within bounds, chosen by
  `fit` to the observed targets named in REPLAYS[key].fit_to.

The fit (`fit`): the knobs, scaled to [0, 1] within their bounds, minimise
    sum over fitted targets of  (d / w)^2 + 0.01 ((x - c) / w)^2
with x the model's figure, [a, b] the observed range, c its centre, w = max(b - a,
0.1 |c|, 1e-3) and d the distance from x to [a, b] (0 inside); a one-sided range (an
infinite bound) keeps only the first term. The minimiser is scipy.optimize.minimize's
Nelder-Mead from the bounds' centres, at most FIT_EVALUATIONS runs of the scenario (seed
fixed, so the fit is reproducible), then moved onto the Explorer's steps and stops by a
coordinate search (so that the Explorer opens the replay exactly). Its result is data: cascade/replays.json, written by
`python -m cascade validate --refit`, read by `replay_scenario`; a page load never fits.

Every other target of an event is a check the fit did not see (`Row.fitted` False).

Cross margin (issue 19). A replay is one market of isolated positions, so it gives no
cross-margin figure. Where an event has one (CROSS_MARGIN), `cross_margin` builds it from a
contagion run (cascade.contagion.run_contagion) of synthetic accounts
(cascade.accounts.make_accounts) over several markets: the first is the replay's own market
and book knobs, the others scaled copies moved by a multiple of its path, each assumption
named in CrossMargin.why. The share of open interest held in cross accounts is published
nowhere we hold, so it is never fitted: the row states the model's figure at an assumed
share, and a scan gives the lowest share at which the model reaches the observed figure.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from .accounts import AccountBook, make_accounts
from .clock import DEFAULT_TICK, TimedResult
from .contagion import ContagionResult, beta_paths, run_contagion
from .events import EVENTS, Event, Target
from .market import Market
from .paths import PricePath
from .scenario import VENUE_MAX_LEVERAGE, Scenario

FITTED_FILE = Path(__file__).with_name("replays.json")
FIT_EVALUATIONS = 400
NO_ADL = "the replay never auto-deleveraged"


@dataclass(frozen=True)
class Replay:
    """How one event is replayed: the sourced knobs with their reasons, the fitted knobs
    with their bounds (low, high; "log" scales a bound pair geometrically), and the
    targets the fit uses."""
    sourced: dict
    why: dict
    fitted: dict
    fit_to: tuple[str, ...]
    log_scale: tuple[str, ...] = ()


def _oct_open_interest() -> float:
    """Hyperliquid's open interest, assumed: Glassnode's $49.5B at the start, scaled by
    Hyperliquid's share of the liquidations ($10.3B of $19.1B, CoinGlass)."""
    f = EVENTS["2025-10-10"].facts
    return (f["oi_glassnode_start"].value * f["liquidated_hyperliquid"].value
            / f["liquidated_coinglass"].value)


def _oct_depth() -> float:
    """The top of the single-venue depth range ($100M within 1%) after a fall of 90%, to
    the dollar."""
    f = EVENTS["2025-10-10"].facts
    return float(round(f["depth_single_venue_high"].value * (1.0 - f["depth_drop"].value)))


REPLAYS: dict[str, Replay] = {
    "2025-10-10": Replay(
        sourced=dict(open_interest=30e9, depth=_oct_depth(),
                     impact="sqrt", maintenance_margin=0.01, engine_rule="hyperliquid",
                     adl=True,
                     center_leverage=20.0, background="discrete", path="fall_then_rebound",
                     fall_seconds=1800.0, rebound_seconds=1200.0, n=10_000, seed=7),
        why=dict(
            open_interest="Glassnode's $49.5B open interest scaled by Hyperliquid's share of "
                          "the liquidations, $10.3B of $19.1B (CoinGlass), $26.7B, at the "
                          "Explorer's nearest stop: an assumption that its share of open "
                          "interest equals its share of liquidations",
            depth="$100M within 1% (the top of the single-venue range) with more than 90% "
                  "gone (FTI Consulting): at most $10M",
            impact="square-root law, confirmed on BTC/USD (Donier & Bonart 2015)",
            maintenance_margin="Hyperliquid: half the initial margin at maximum leverage, 1% "
                               "at 50x",
            engine_rule="Hyperliquid sends a position above $100K 20% at a time, 30 s apart",
            adl="Hyperliquid auto-deleverages: $2.10B over 34,983 fills on the day (Hyperliquid "
                "fills). The replay keeps no insurance fund (the sources give none for the "
                "venue), so ADL takes any tick's shortfall: fills worth less than the bankruptcy "
                "value of what they close",
            center_leverage="Binance futures' default leverage, 20x (another venue's figure)",
            background="retail on the venues' discrete leverage levels",
            path="a fall, then a rebound",
            fall_seconds="from 20:50 UTC, the cascade's start, to 21:15 UTC, its peak minute "
                         "(Amberdata), is 1,500 s: the Explorer's nearest stop",
            rebound_seconds="the rest of the 45 minutes (\"-12% in 45 minutes\"), 900 s: "
                            "the Explorer's nearest stop; the move after 45 minutes is read "
                            "at 2,700 s",
            resilience_half_life="fitted within 1 to 10 minutes: books \"empty for several "
                                 "minutes\" (Kaiko)",
            n="not from a source: 10,000 synthetic traders",
            seed="not from a source: the synthetic book's random seed"),
        fitted=dict(shock=(-0.15, -0.01), rebound=(0.0, 0.25), tightness=(0.0, 1.0),
                    cluster_share=(0.05, 0.95), long_share=(0.1, 0.95),
                    resilience_half_life=(60.0, 600.0)),
        fit_to=("low", "move_45min", "long_share", "oi_liquidated"),
    ),
    "2020-03-12": Replay(
        sourced=dict(center_leverage=26.0, background="discrete", impact="sqrt",
                     path="fall", fall_seconds=3600.0, insurance_fund=1e9, n=10_000, seed=7),
        why=dict(
            center_leverage="BitMEX 2018-19 volume-weighted effective leverage 22-30x: the "
                            "middle, 26x",
            background="retail on the venues' discrete leverage levels",
            impact="square-root law, confirmed on BTC/USD (Donier & Bonart 2015)",
            path="a fall; no rebound is in the sources",
            fall_seconds="no minute times in the sources: the longest fall a Scenario takes, "
                         "one hour (an assumption)",
            insurance_fund="not from a source: a fund that does not run out here ($1B, the "
                           "Explorer's largest stop), so that its draw measures the fills "
                           "below bankruptcy prices; BitMEX's fund size is not in the sources",
            n="not from a source: 10,000 synthetic traders",
            seed="not from a source: the synthetic book's random seed"),
        fitted=dict(shock=(-0.5, -0.05), tightness=(0.0, 1.0), cluster_share=(0.05, 0.95),
                    long_share=(0.3, 0.95), open_interest=(5e8, 2e10), depth=(10e6, 100e6)),
        fit_to=("low", "liquidated_usd"),
        log_scale=("open_interest", "depth"),
    ),
    "2021-05-19": Replay(
        sourced=dict(depth=500e6, impact="sqrt", center_leverage=20.0, background="discrete",
                     path="fall", fall_seconds=1800.0, n=10_000, seed=7),
        why=dict(
            depth="aggregate BTC depth within 1%, about $470M before Nov 2022: the Explorer's "
                  "nearest stop",
            impact="square-root law, confirmed on BTC/USD (Donier & Bonart 2015)",
            center_leverage="Binance futures' default leverage, 20x",
            background="retail on the venues' discrete leverage levels",
            path="a fall; no rebound is in the sources",
            fall_seconds="$38k to below $30k in about 30 minutes: 1,800 s",
            n="not from a source: 10,000 synthetic traders",
            seed="not from a source: the synthetic book's random seed"),
        fitted=dict(shock=(-0.3, -0.02), tightness=(0.0, 1.0), cluster_share=(0.05, 0.95),
                    long_share=(0.3, 0.95), open_interest=(5e9, 1e11)),
        fit_to=("low", "oi_liquidated", "liquidated_usd"),
        log_scale=("open_interest",),
    ),
}


# ------------------------------------------------------------------ the model's figures


def model_figures(result: TimedResult, scenario: Scenario) -> dict[str, float]:
    """The model's figures of a timed run, by target key (moves relative to P0; shares
    as fractions; USD at entry; NaN where the model does not produce the figure):
    low = min traded price / P0 - 1; move_45min = the traded price after the tick that
    starts at 2,700 s (or the last) / P0 - 1; long_share = long notional liquidated /
    all liquidated; oi_liquidated = liquidated / open_interest; peak_minute_share =
    peak_minute_notional / liquidated; peak_minute_at = the start of the first 60 s window
    holding the peak minute, in minutes; liquidated_usd = notional liquidated;
    fund_draw = the fund's start minus its lowest point (0 without a fund);
    adl_share = the run's ADL value (the auto-deleveraged quantity at the bankrupt
    positions' bankruptcy prices, what the winners were paid: TimedResult.adl_notional)
    over liquidated_usd (0 without ADL); adl_delay = the start of the first tick with ADL
    less the start of the first tick that liquidated, in seconds (NaN: no ADL)."""
    series = result.series
    p0 = result.market.price
    long = float(series["long_notional"].sum())
    total = long + float(series["short_notional"].sum())
    at = series[series["seconds"] <= 2700.0]
    fund = series["fund"].to_numpy()
    start = result.ledger["fund_start"] if result.ledger else math.nan
    return dict(
        low=float(series["price"].min()) / p0 - 1.0,
        move_45min=float(at["price"].iloc[-1]) / p0 - 1.0,
        long_share=long / total if total else math.nan,
        oi_liquidated=total / scenario.open_interest,
        peak_minute_share=result.peak_minute_notional / total if total else math.nan,
        peak_minute_at=_peak_minute_at(result),
        liquidated_usd=total,
        fund_draw=(float(start - np.nanmin(np.concatenate(([start], fund))))
                   if result.ledger else math.nan),
        adl_share=result.adl_notional / total if total else math.nan,
        adl_delay=result.first_adl_seconds - result.first_liquidation_seconds)


ONLY_LONGS = ("every position of the model's book is alive at the start price, so a short "
              "is liquidated only above it, and the traded price never rose above it "
              "(highest {high}); the book holds no short opened during the fall")


def _peak_minute_at(result: TimedResult) -> float:
    """Minutes from the run's start to the start of the first window of 60 s (whole ticks)
    that holds peak_minute_notional (NaN when nothing was liquidated)."""
    series = result.series
    executed = (series["long_notional"] + series["short_notional"]).to_numpy()
    if not executed.sum():
        return math.nan
    window = max(1, int(round(60.0 / result.tick_seconds)))
    running = np.concatenate(([0.0], np.cumsum(executed)))
    if running.size - 1 <= window:
        return 0.0
    sums = running[window:] - running[:-window]
    # the first window within rounding of the largest (windows that hold the same
    # executions tie; their differences of running sums differ in the last bits)
    first = int(np.flatnonzero(sums >= sums.max() * (1.0 - 1e-12))[0])
    return float(series["seconds"].iloc[first]) / 60.0


def _miss_reason(target: Target, value: float, result: TimedResult) -> str:
    """Why a model figure is outside the observed range, from the run."""
    if math.isnan(value):
        return NO_ADL if target.key.startswith("adl") else "the model gives no such figure"
    p0 = result.market.price
    high = float(result.series["price"].max())
    if target.key == "long_share" and value == 1.0 and high <= p0:
        return ONLY_LONGS.format(high=f"{high / p0 - 1:+.1%}")
    low, _ = target.matched
    fund = result.ledger["fund_start"] if result.ledger else 0.0
    if target.key == "adl_delay" and value < low:
        when = ("in the tick of its first liquidation" if value == 0
                else f"{value:,.0f} s after its first liquidation")
        return (f"earlier than observed: the replay deleverages {when}, since its insurance "
                f"fund (${fund:,.0f}) cannot cover that tick's shortfall: its fills are worth "
                f"less than the bankruptcy value of what they close")
    if (target.key == "adl_share" and value > low and fund == 0.0
            and result.market.liquidation_fee == 0.0):
        return (f"above the observed range: with an insurance fund of ${fund:,.0f}, every "
                f"tick whose fills would be worth less than the bankruptcy value of what they "
                f"close sends its most underwater part to ADL instead of the book, as much as "
                f"covers the shortfall")
    if target.unit in ("minutes", "seconds"):
        return "earlier than observed" if value < low else "later than observed"
    return "below the observed range" if value < low else "above the observed range"


@dataclass(frozen=True)
class Row:
    """One figure of one event: the observed target, the model's value (NaN: the model
    gives no such figure), whether it lies inside [low, high], whether the fit used it, the
    reason of a miss, and, for the cross-margin target, the figure's run and scan
    (CrossFigure: the assumptions it rests on, for the table's note)."""
    event: str
    target: Target
    model: float
    inside: bool
    fitted: bool
    reason: str
    cross: "CrossFigure | None" = None


def compare(key: str, scenario: Scenario | None = None,
            result: TimedResult | None = None) -> list[Row]:
    """The rows of event `key`: each target beside the replay's figure (the committed
    replay unless `scenario`, and its run unless `result`, are given); the cross-margin
    target beside the figure of cross_margin(key, scenario)."""
    event = EVENTS[key]
    scenario = replay_scenario(key) if scenario is None else scenario
    result = scenario.run() if result is None else result
    figures = model_figures(result, scenario)
    rows = []
    for target in event.targets:
        if target.key == CROSS_TARGET:
            rows.append(cross_margin_row(key, scenario))
            continue
        value = figures[target.key]
        low, high = target.matched
        inside = bool(not math.isnan(value) and low <= value <= high)
        rows.append(Row(key, target, value, inside, target.key in REPLAYS[key].fit_to,
                        "" if inside else _miss_reason(target, value, result)))
    return rows


# ------------------------------------------------------------------ cross margin (issue 19)

CROSS_TARGET = "cross_long_share"
# The cross-margin run auto-deleverages as the one-market replay does, in every market
# (run_contagion's ADL across markets; docs/model.md, "Accounts and several markets").
CROSS_ADL = True
# Cross accounts are closed by Hyperliquid's rule (cascade.contagion.run_contagion's rule=).
CROSS_RULE = "hyperliquid"


@dataclass(frozen=True)
class CrossMargin:
    """How an event's cross-margin figure is made from its replay (see the module
    docstring and cross_margin).

    markets:      market names; the first is the replay's own market (its depth, impact,
                  maintenance margin, engine rule, refill and path) and book knobs.
    size:         per market, its open interest and its depth as a multiple of the replay's.
    betas:        per market, the multiple of the replay's exogenous path it follows.
    cross_share:  the share of every market's open interest held in cross accounts, [0, 1].
    accounts:     synthetic accounts (make_accounts, with the replay's seed).
    window:       the names of the event's facts that open and close the observed window
                  (minutes after 00:00 UTC); the replay starts at the fact start_utc.
    scan:         the cross shares tried, ascending, for the lowest at which the model's
                  figure reaches the observed one.
    why:          per knob above (and rule, adl, maintenance_margin, crowd,
                  markets_per_account), how it was set.
    """
    markets: tuple[str, ...]
    size: tuple[float, ...]
    betas: tuple[float, ...]
    cross_share: float
    accounts: int
    window: tuple[str, str]
    scan: tuple[float, ...]
    why: dict


CROSS_MARGIN: dict[str, CrossMargin] = {
    "2025-10-10": CrossMargin(
        markets=("BTC", "SOL"), size=(1.0, 0.25), betas=(1.0, 1.5), cross_share=0.5,
        accounts=20_000, window=("hl_cross_window_utc", "hl_cross_window_end_utc"),
        scan=tuple(round(0.1 * k, 1) for k in range(1, 11)),
        why=dict(
            markets="the two markets of the observed figure (Hyperliquid fills)",
            size="BTC: the replay's open interest and depth. SOL: a fraction of BTC's open "
                 "interest, with the same depth per dollar of open interest (assumed: no "
                 "source we hold gives Hyperliquid's open interest or depth by market)",
            betas="BTC follows the replay's path; SOL a multiple of it (assumed: no source we "
                  "hold gives SOL's move that night)",
            maintenance_margin="the replay's, in both markets (Hyperliquid's 1% at 50x; "
                               "assumed for SOL)",
            crowd="the replay's book knobs (centre leverage, background, and the fitted "
                  "tightness, cluster share and long share) in both markets: fitted on the "
                  "one-market replay, assumed for SOL and for accounts",
            cross_share="assumed: no source gives the share of open interest in cross "
                        "accounts; the observed figure is a share of the liquidated notional",
            markets_per_account="make_accounts' default weights for one and two markets "
                                "(assumed: no venue publishes them)",
            accounts="not from a source: synthetic accounts, the replay's seed",
            rule="Hyperliquid's: the backstop vault takes a cross account below 2/3 of "
                 "maintenance; a position above $100K goes 20% at a time, 30 s apart",
            adl="on, as in the one-market replay, in both markets (ADL across markets: "
                "what the venue fund cannot pay is auto-deleveraged)",
            window="21:15 and 21:22 UTC less the replay's start, 20:50 UTC (Amberdata); a "
                   "position counts in the window when the tick that finished its "
                   "liquidation starts in it",
            scan="the lowest cross share at which the window's figure is at least the "
                 "observed one: the scan goes upward and stops at the first")),
}


@dataclass(frozen=True)
class WindowShare:
    """Cross-margin longs in the notional liquidated over a span of a contagion run:
    share = long cross notional / all notional liquidated (USD at entry; NaN when nothing
    was liquidated), the notional and the number of positions."""
    share: float
    notional: float
    positions: int


@dataclass(frozen=True)
class CrossFigure:
    """An event's cross-margin figure (cross_margin): at the assumed cross share, the
    window's share (`at`) and the whole run's (`run`); `last_before`, the start (s) of the
    last tick before the window that finished a liquidation (NaN: none); `scan`, the
    (cross share, window share) runs of the scan in order, up to the first that reaches
    `observed`; `reached`, that cross share (NaN: none of the scan reaches it)."""
    event: str
    cross_share: float
    window: tuple[float, float]
    at: WindowShare
    run: WindowShare
    last_before: float
    scan: tuple[tuple[float, WindowShare], ...]
    reached: float
    observed: float


def cross_window(key: str) -> tuple[float, float]:
    """The observed window of event `key`'s cross-margin figure in the replay's time:
    seconds from the replay's start (the fact start_utc), [start, end)."""
    facts = EVENTS[key].facts
    opens, closes = CROSS_MARGIN[key].window
    start = facts["start_utc"].value
    return ((facts[opens].value - start) * 60.0, (facts[closes].value - start) * 60.0)


def _cross_setup(key: str) -> CrossMargin:
    if key not in CROSS_MARGIN:
        raise ValueError(f"event: {key!r} has no cross-margin figure; known: "
                         f"{', '.join(CROSS_MARGIN)}")
    return CROSS_MARGIN[key]


def cross_margin_markets(key: str, scenario: Scenario | None = None) -> list[Market]:
    """One Market per market of CROSS_MARGIN[key]: the replay's market with its depth
    times `size` and adl = CROSS_ADL."""
    setup = _cross_setup(key)
    market = (replay_scenario(key) if scenario is None else scenario).market()
    return [dataclasses.replace(market, depth=market.depth * size, adl=CROSS_ADL)
            for size in setup.size]


def cross_margin_book(key: str, cross_share: float,
                      scenario: Scenario | None = None) -> AccountBook:
    """The synthetic accounts of event `key`'s cross-margin run (make_accounts): each
    market's open interest the replay's times `size`, `cross_share` of it in cross
    accounts, the replay's book knobs in every market, the replay's seed."""
    setup = _cross_setup(key)
    s = replay_scenario(key) if scenario is None else scenario
    crowd = dict(center_leverage=s.center_leverage, tightness=s.tightness,
                 cluster_share=s.cluster_share, background=s.background,
                 background_leverage=s.background_leverage, size_tail=s.size_tail,
                 long_share=s.long_share, entry_dispersion=s.entry_dispersion,
                 max_leverage=VENUE_MAX_LEVERAGE)
    count = len(setup.markets)
    market = s.market()
    return make_accounts(setup.accounts, s.seed, markets=setup.markets,
                         open_interest=tuple(s.open_interest * x for x in setup.size),
                         prices=(market.price,) * count, cross_share=cross_share,
                         crowd=(crowd,) * count,
                         maintenance_margin=(s.maintenance_margin,) * count)


def cross_margin_run(key: str, cross_share: float, scenario: Scenario | None = None,
                     until: float = math.inf) -> ContagionResult:
    """Event `key`'s cross-margin run at `cross_share`: cross_margin_book on
    cross_margin_markets, each market along `beta` times the replay's exogenous path,
    under Hyperliquid's rule for cross accounts, at the clock's tick (1 s). With `until`
    (seconds) the path stops there (cut_path): every tick that starts before `until` is
    the same as in the full run, and the run is shorter."""
    setup = _cross_setup(key)
    s = replay_scenario(key) if scenario is None else scenario
    return run_contagion(cross_margin_book(key, cross_share, s), cross_margin_markets(key, s),
                         beta_paths(cut_path(s.price_path(), until), setup.betas),
                         DEFAULT_TICK, rule=CROSS_RULE, insurance_fund=s.insurance_fund)


def cut_path(path: PricePath, until: float) -> PricePath:
    """`path` up to `until` seconds (its knots before, and its value at, `until`); the
    path itself when it ends by then."""
    if until >= path.duration:
        return path
    keep = path.times < until
    return PricePath(np.append(path.times[keep], until),
                     np.append(path.moves[keep], path.at(until)), name=path.name)


def window_share(result: ContagionResult, start: float = 0.0,
                 end: float = math.inf) -> WindowShare:
    """Cross-margin longs' share of the notional (USD at entry) of the positions whose
    liquidation finished in a tick starting in [start, end) seconds: a tick k >= 1 starts
    at (k - 1) dt; the whole run by default."""
    book = result.book
    begins = (result.position_tick - 1) * result.tick_seconds
    hit = (result.position_tick >= 1) & (begins >= start) & (begins < end)
    total = float(book.notional[hit].sum())
    longs = float(book.notional[hit & book.cross & (book.side > 0)].sum())
    return WindowShare(longs / total if total > 0 else math.nan, total, int(hit.sum()))


def cross_margin(key: str, scenario: Scenario | None = None) -> CrossFigure:
    """Event `key`'s cross-margin figure on its replay (the committed one unless `scenario`
    is given): cross_margin_run at the assumed cross share, read over the observed window
    (cross_window) and over the whole run, then the scan: the runs at
    CROSS_MARGIN[key].scan in order (cut at the window's end: the window's figure is the
    full run's) until the window's share is at least the observed figure (the target's
    low). Cached by event and scenario: the result is read only."""
    _cross_setup(key)
    return _cross_margin(key, replay_scenario(key) if scenario is None else scenario)


@lru_cache(maxsize=8)
def _cross_margin(key: str, scenario: Scenario) -> CrossFigure:
    setup = CROSS_MARGIN[key]
    observed = EVENTS[key].target(CROSS_TARGET).low
    start, end = cross_window(key)
    result = cross_margin_run(key, setup.cross_share, scenario)
    begins = (result.position_tick - 1) * result.tick_seconds
    before = begins[(result.position_tick >= 1) & (begins < start)]
    scan, reached = [], math.nan
    for share in setup.scan:
        run = (result if share == setup.cross_share
               else cross_margin_run(key, share, scenario, until=end))
        found = window_share(run, start, end)
        scan.append((share, found))
        if found.share >= observed:
            reached = share
            break
    return CrossFigure(key, setup.cross_share, (start, end), window_share(result, start, end),
                       window_share(result), float(before.max()) if before.size else math.nan,
                       tuple(scan), reached, observed)


def cross_margin_row(key: str, scenario: Scenario | None = None) -> Row:
    """The validation row of event `key`'s cross-margin target (cross_margin's figure)."""
    figure = cross_margin(key, scenario)
    target = EVENTS[key].target(CROSS_TARGET)
    value = figure.at.share
    low, high = target.matched
    inside = bool(not math.isnan(value) and low <= value <= high)
    start, end = figure.window
    names = " or ".join(CROSS_MARGIN[key].markets)
    if inside:
        reason = ""
    elif math.isnan(value):
        reason = (f"the model liquidates nothing in {names} from {start:,.0f} s to "
                  f"{end:,.0f} s of the replay"
                  + (f": its last liquidation before then is at {figure.last_before:,.0f} s, "
                     f"as the replay's cascade comes early (the peak minute's row)"
                     if not math.isnan(figure.last_before) else ""))
    else:
        reason = "below the observed figure" if value < low else "above the observed figure"
    return Row(key, target, value, inside, False, reason, figure)


# ------------------------------------------------------------------ the fit and its data


def fitted_values(path: Path = FITTED_FILE) -> dict[str, dict]:
    """The committed fit: event key -> {knob: value} (cascade/replays.json)."""
    return json.loads(Path(path).read_text())["fitted"]


def replay_scenario(key: str, fitted: dict | None = None) -> Scenario:
    """Event `key`'s calibrated Scenario: its sourced knobs and its fitted ones (the
    committed fit unless `fitted` is given)."""
    if key not in REPLAYS:
        raise ValueError(f"event: {key!r} is not a replayed event; known: "
                         f"{', '.join(REPLAYS)}")
    values = fitted_values()[key] if fitted is None else fitted
    return Scenario(**REPLAYS[key].sourced, **values)


def _loss(target: Target, x: float) -> float:
    if math.isnan(x):
        return 1e6
    a, b = target.matched
    if math.isinf(a) or math.isinf(b):
        bound = b if math.isinf(a) else a
        w = max(0.1 * abs(bound), 1e-3)
        return (max(a - x, 0.0, x - b) / w) ** 2
    c = 0.5 * (a + b)
    w = max(b - a, 0.1 * abs(c), 1e-3)
    return (max(a - x, 0.0, x - b) / w) ** 2 + 0.01 * ((x - c) / w) ** 2


def _knobs(replay: Replay, unit: np.ndarray) -> dict:
    values = {}
    for (name, (low, high)), u in zip(replay.fitted.items(), np.clip(unit, 0.0, 1.0)):
        if name in replay.log_scale:
            values[name] = float(math.exp(math.log(low) + u * (math.log(high) - math.log(low))))
        else:
            values[name] = float(low + u * (high - low))
    return values


def fit(key: str, evaluations: int = FIT_EVALUATIONS, grid=None) -> tuple[dict, float]:
    """Fit event `key`'s fitted knobs to its fit_to targets (see the module docstring);
    (knob values, the loss at them). `grid`, if given, maps a knob's name to the sorted
    values it may take (the Explorer's steps and stops, so that a link opens the replay
    exactly): the continuous optimum is then moved to the nearest grid values within the
    bounds, and a coordinate search on the grid (one step up or down per knob, the best
    move first, until none lowers the loss) finishes the fit. Without a grid the values
    are rounded to 4 significant digits."""
    replay, event = REPLAYS[key], EVENTS[key]
    targets = [event.target(name) for name in replay.fit_to]

    def loss_at(values: dict) -> float:
        try:
            scenario = Scenario(**replay.sourced, **values)
            figures = model_figures(scenario.run(), scenario)
        except ValueError:
            return 1e9
        return sum(_loss(t, figures[t.key]) for t in targets)

    start = np.full(len(replay.fitted), 0.5)
    best = minimize(lambda unit: loss_at(_knobs(replay, unit)), start, method="Nelder-Mead",
                    options=dict(maxfev=evaluations, xatol=1e-3, fatol=1e-6,
                                 initial_simplex=_simplex(start)))
    found = _knobs(replay, best.x)
    if grid is None:
        values = {name: float(f"{value:.4g}") for name, value in found.items()}
        return values, loss_at(values)
    stops = {}
    for name, (low, high) in replay.fitted.items():
        allowed = np.asarray(grid(name), dtype=float)
        stops[name] = allowed[(allowed >= low - 1e-12) & (allowed <= high + 1e-12)]
    at = {name: int(np.argmin(np.abs(stops[name] - value))) for name, value in found.items()}
    pick = lambda where: {name: float(stops[name][i]) for name, i in where.items()}  # noqa: E731
    current = loss_at(pick(at))
    while True:
        moves = []
        for name in at:
            for step in (-1, 1):
                i = at[name] + step
                if 0 <= i < stops[name].size:
                    trial = {**at, name: i}
                    moves.append((loss_at(pick(trial)), name, i))
        better = min(moves, default=None)
        if better is None or better[0] >= current:
            break
        current, name, i = better
        at[name] = i
    return pick(at), current


def _simplex(start: np.ndarray) -> np.ndarray:
    """A simplex of steps 0.25 around the start (wider than scipy's 5% default)."""
    steps = np.eye(start.size) * 0.25
    return np.vstack([start, start + steps])


def _unit(replay: Replay, name: str, value: float) -> float:
    low, high = replay.fitted[name]
    if name in replay.log_scale:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def refit(path: Path = FITTED_FILE, evaluations: int = FIT_EVALUATIONS, grid=None) -> dict:
    """Re-run every event's fit (on `grid`, see fit) and write the result to `path` (JSON);
    returns it."""
    data = {"method": f"scipy.optimize.minimize Nelder-Mead, at most {evaluations} runs per "
                      f"event, then a coordinate search on the Explorer's steps; see "
                      f"cascade/replay.py", "fitted": {}, "loss": {}}
    for key in REPLAYS:
        values, loss = fit(key, evaluations, grid)
        data["fitted"][key] = values
        data["loss"][key] = loss
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    return data
