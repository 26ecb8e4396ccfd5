"""Scenario: every knob of the Explorer page in one frozen, validated dataclass."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from ._checks import MAX_MONEY, number_in, one_of, whole_number
from .clock import MAX_TICKS, run_timed
from .engine import MAX_FULL_STEPS, CascadeResult, LiquidationBook
from .market import (DEFAULT_DEPTH, DEFAULT_MAINTENANCE_MARGIN, DEFAULT_PRICE,
                     DYDX_ATTEMPTS_PER_BLOCK, DYDX_NOTIONAL_PER_BLOCK, HYPERLIQUID_PARTIAL,
                     IMPACT_MODELS, Market)
from .paths import PricePath, fall, fall_then_rebound, jump
from .population import Population
from .synthetic import (BACKGROUNDS, MIN_LIQUIDATION_DISTANCE, MIN_TRADERS, PopulationDraws,
                        draw_population, leverage_cap)
from .tiers import BINANCE_BTCUSDT_TIERS, tier_of

MAX_TRADERS = 2_000_000
# The fields that shape the venue and the shock; every other field shapes the population.
MARKET_FIELDS = ("shock", "depth", "impact")
# The venue mechanics of issue 10 (see Market); 0 / "flat" / False = off. They count among
# the population fields (the key of a cached book, whose market carries them); mm_tiers
# also caps the synthetic book's leverage.
VENUE_FIELDS = ("engine_capacity", "insurance_fund", "liquidation_fee", "adl", "mm_tiers",
                "recovery_half_life")
# The clock (issue 17; cascade/clock.py): the engine's rate and the book's refill in seconds,
# and the price path in place of the single shock. Like the venue mechanics they apply to
# any book (a positions file's too), so they count among VENUE_FIELDS; the clock is on when
# any differs from its default, and then Scenario.run() uses the timed engine.
CLOCK_FIELDS = ("engine_rate", "resilience_half_life", "permanent_impact", "engine_rule",
                "path", "fall_seconds", "rebound", "rebound_seconds")
# Venue rules of the engine a Scenario can name (docs/model.md "Time"): Hyperliquid's parts
# (above $100K, 20% at a time, 30 s apart) and dYdX v4's 50 liquidation attempts and $100M
# per subaccount (here: per position) per block, at one block per 1 s tick (an assumption,
# not a published block time).
# A share of the crowd or of the longs below this (or above 1 minus it) is refused: the
# group would still get one position, whose notional (open interest x share, split by Pareto
# sizes) can underflow to 0 for subnormal shares such as 5e-324.
MIN_SHARE = 1e-9
ENGINE_RULES = {"none": {}, "hyperliquid": dict(partial_liquidation=HYPERLIQUID_PARTIAL),
                "dydx": dict(engine_max_positions=DYDX_ATTEMPTS_PER_BLOCK,
                             position_notional_per_tick=DYDX_NOTIONAL_PER_BLOCK)}
VENUE_FIELDS = VENUE_FIELDS + CLOCK_FIELDS
# The price paths a Scenario can name (cascade.paths): the shock at once, over fall_seconds,
# or over fall_seconds and then back up by `rebound` over rebound_seconds.
PATHS = ("jump", "fall", "fall_then_rebound")
# Maintenance-margin ladders a Scenario can name (Market(mm_tiers=...)).
MM_TIER_LADDERS = {"flat": None, "binance_btcusdt": BINANCE_BTCUSDT_TIERS}
# The venue's leverage cap (Binance BTCUSDT, docs/model.md, Sources); not a knob.
VENUE_MAX_LEVERAGE = 125.0
# Bounds that keep every output finite: money up to a quadrillion USD (MAX_MONEY, far above
# any venue), depth at least 1 USD per 1%, and positions of at least 1 USD on average.
MIN_DEPTH = 1.0
MIN_POSITION = 1.0
# A Scenario's engine clears its whole open interest in at most MAX_FULL_STEPS full steps
# (cascade.engine's guard, which every book passes, asks the same of the side a shock hits).


@dataclass(frozen=True)
class Scenario:
    """A what-if: a synthetic book, a venue and a shock. Field names are the Explorer's
    widget keys and URL parameters. Money is in quote currency (USD), moves are relative.

    shock:               relative price shock s > -1 (negative = a fall): -0.03 = -3%.
    tightness:           the crowd's shape, in [0, 1]: 1 = every crowd trader at exactly
                         center_leverage; below 1 the crowd's margins 1/L spread evenly and
                         symmetrically around 1/center_leverage, as wide as the nearer bound
                         (the venue's cap or 1x) allows at 0. The crowd's notional and total
                         margin are the same at every tightness (cascade.synthetic).
    center_leverage:     the crowd's leverage, its level (x): open interest / total margin
                         of the crowd at every tightness.
    cluster_share:       share of open interest in the cluster, [0, 1].
    background:          the rest: "lognormal" around background_leverage, or "discrete"
                         venue levels (2x ... 125x) with retail weights.
    long_share:          share of open interest that is long, [0, 1].
    open_interest:       total notional of all positions (USD).
    depth:               USD that moves the price by 1% (order-book depth).
    impact:              "linear" (flat book) or "sqrt" (square-root law).
    maintenance_margin:  m, fraction of notional.
    n, seed:             traders in the synthetic book, and the random seed.
    Venue mechanics (issue 10; Market's parameters of the same names, 0 = off):
    engine_capacity:     USD notional the liquidation engine executes per step (0: all).
    insurance_fund:      the fund's starting size, USD (0: no fund, unless a fee or ADL
                         is on, which keep accounts from an empty fund).
    liquidation_fee:     fraction of fill value charged to the liquidated, into the fund.
    adl:                 auto-deleverage profitable opposite traders when the fund is out.
    mm_tiers:            "flat" (one rate) or "binance_btcusdt" (cascade.BINANCE_BTCUSDT_
                         TIERS); under tiers a synthetic trader's leverage is capped at
                         the venue's maximum for its tier, 1 / (2 x rate) (Binance's
                         initial margin is twice the maintenance: 125x at 0.4%), less any
                         loss its entry carries, and at least 1x; one whose carried loss
                         even 1x cannot hold enters nearer (_alive_at_tier).
    recovery_half_life:  steps in which half the consumed depth refills (0: never).
    The clock (issue 17; Market's parameters of the same names, cascade/clock.py; 0 / "jump"
    = off, and all off is today's model):
    engine_rate:         USD notional the engine executes per second (0: no limit).
    resilience_half_life: seconds in which half the consumed transient depth refills (0:
                         never); not with recovery_half_life.
    permanent_impact:    share of impact that never decays, [0, 1].
    engine_rule:         "none", "hyperliquid" (a position above $100K sent 20% at a time,
                         30 s apart) or "dydx" (at most 50 positions and at most $100M of
                         any one position per 1 s tick).
    path:                "jump" (the shock at t = 0), "fall" (to the shock, linearly over
                         fall_seconds) or "fall_then_rebound" (then up by `rebound`,
                         relative to the start price, over rebound_seconds).
    fall_seconds, rebound, rebound_seconds: the path's shape (seconds; relative move).
    Ticks are 1 s (cascade.clock.DEFAULT_TICK). The timed engine runs adl and mm_tiers tick
    by tick; it refuses mm_tiers with a venue's engine_rule (hyperliquid, dydx).
    """

    shock: float = -0.05
    tightness: float = 0.9
    center_leverage: float = 20.0
    cluster_share: float = 0.6
    background: str = "lognormal"
    background_leverage: float = 3.0
    long_share: float = 0.7
    open_interest: float = 2e9
    depth: float = DEFAULT_DEPTH
    impact: str = "linear"
    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN
    size_tail: float = 1.5
    entry_dispersion: float = 0.0
    n: int = 10_000
    seed: int = 7
    engine_capacity: float = 0.0
    insurance_fund: float = 0.0
    liquidation_fee: float = 0.0
    adl: bool = False
    mm_tiers: str = "flat"
    recovery_half_life: float = 0.0
    engine_rate: float = 0.0
    resilience_half_life: float = 0.0
    permanent_impact: float = 0.0
    engine_rule: str = "none"
    path: str = "jump"
    fall_seconds: float = 60.0
    rebound: float = 0.0
    rebound_seconds: float = 60.0

    def __post_init__(self):
        numbers = {
            "shock": dict(low=-1.0, low_open=True, high=10.0),
            "tightness": dict(low=0.0, high=1.0),
            "center_leverage": dict(low=1.0, high=1000.0),
            "cluster_share": dict(low=0.0, high=1.0),
            "background_leverage": dict(low=1.0, high=1000.0),
            "long_share": dict(low=0.0, high=1.0),
            "open_interest": dict(low=0.0, low_open=True, high=MAX_MONEY),
            "depth": dict(low=MIN_DEPTH, high=MAX_MONEY),
            "maintenance_margin": dict(low=0.0, high=0.5),
            "size_tail": dict(low=1.0, low_open=True, high=10.0),
            "entry_dispersion": dict(low=0.0, high=0.5),
            "engine_capacity": dict(low=0.0, high=MAX_MONEY),
            "insurance_fund": dict(low=0.0, high=MAX_MONEY),
            "liquidation_fee": dict(low=0.0, high=0.1),
            "recovery_half_life": dict(low=0.0, high=1e6),
            "engine_rate": dict(low=0.0, high=MAX_MONEY),
            "resilience_half_life": dict(low=0.0, high=86_400.0),
            "permanent_impact": dict(low=0.0, high=1.0),
            "fall_seconds": dict(low=1.0, high=3_600.0),
            "rebound": dict(low=0.0, high=10.0),
            "rebound_seconds": dict(low=1.0, high=3_600.0),
        }
        for name, bounds in numbers.items():
            object.__setattr__(self, name, number_in(name, getattr(self, name), **bounds))
        one_of("background", self.background, BACKGROUNDS)
        one_of("impact", self.impact, IMPACT_MODELS)
        one_of("mm_tiers", self.mm_tiers, tuple(MM_TIER_LADDERS))
        one_of("path", self.path, PATHS)
        one_of("engine_rule", self.engine_rule, tuple(ENGINE_RULES))
        if not isinstance(self.adl, bool):
            if not isinstance(self.adl, str) or self.adl.lower() not in ("true", "false"):
                raise ValueError(f"adl: expected True or False, got {self.adl!r}")
            object.__setattr__(self, "adl", self.adl.lower() == "true")
        for name in ("cluster_share", "long_share"):
            share = getattr(self, name)
            if 0.0 < share < MIN_SHARE or 1.0 - MIN_SHARE < share < 1.0:
                raise ValueError(
                    f"{name}: 0, 1, or between {MIN_SHARE:g} and 1 - {MIN_SHARE:g}, so that "
                    f"every synthetic position holds a positive notional; got {share!r}")
        if 0 < self.engine_capacity < self.open_interest / MAX_FULL_STEPS:
            raise ValueError(
                f"engine_capacity: 0 (unlimited) or at least open_interest / {MAX_FULL_STEPS:,} "
                f"= {self.open_interest / MAX_FULL_STEPS:,.0f} USD per step, so the engine can "
                f"clear the whole book in {MAX_FULL_STEPS:,} steps; got {self.engine_capacity!r}")
        if 0 < self.engine_rate < self.open_interest / MAX_TICKS:
            raise ValueError(
                f"engine_rate: 0 (no limit) or at least open_interest / {MAX_TICKS:,} = "
                f"{self.open_interest / MAX_TICKS:,.0f} USD per second, so the engine can "
                f"clear the whole book in {MAX_TICKS:,} ticks; got {self.engine_rate!r}")
        if self.engine_rule != "none" and self.mm_tiers != "flat":
            raise ValueError(
                f"mm_tiers: the timed engine does not run margin tiers with a venue's rule "
                f"(docs/model.md, Time); with engine_rule {self.engine_rule!r} keep mm_tiers "
                f"flat (got {self.mm_tiers!r})")
        if self.resilience_half_life and self.recovery_half_life:
            raise ValueError(
                f"recovery_half_life: give it (steps) or resilience_half_life (seconds), not "
                f"both (got {self.recovery_half_life:g} and {self.resilience_half_life:g})")
        if self.path == "fall_then_rebound" and self.shock > 0:
            raise ValueError(f"shock: a fall_then_rebound path falls first, so the shock "
                             f"must be at most 0, got {self.shock!r}")
        object.__setattr__(self, "n", whole_number("n", self.n, MIN_TRADERS))
        if self.n > MAX_TRADERS:
            raise ValueError(f"n: at most {MAX_TRADERS:,} traders, got {self.n:,}")
        object.__setattr__(self, "seed", whole_number("seed", self.seed, 0))
        if self.open_interest < self.n * MIN_POSITION:
            raise ValueError(
                f"open_interest: must be at least {MIN_POSITION:g} USD per trader "
                f"({self.n * MIN_POSITION:,.0f} for n = {self.n:,}), got {self.open_interest!r}")
        cap = leverage_cap(self.maintenance_margin, VENUE_MAX_LEVERAGE)
        if self.center_leverage > cap:
            raise ValueError(
                f"maintenance_margin: {self.maintenance_margin:g} is too high for center_leverage "
                f"{self.center_leverage:g}x: 1/L must exceed the maintenance margin, so the "
                f"cluster's leverage must be at most {cap:.4g}x here")

    @classmethod
    def population_fields(cls) -> tuple[str, ...]:
        """Names of the fields that decide .population() (a cache key for it)."""
        return tuple(f.name for f in fields(cls) if f.name not in MARKET_FIELDS)

    def population(self, draws: PopulationDraws | None = None) -> Population:
        """The synthetic book (with the venue's tiers, when mm_tiers is set). draws: this
        scenario's population_draws(), or those of any scenario with the same
        draw_arguments() (a sweep draws once for all its rows); None draws them here."""
        population = self._synthetic_population(draws)
        ladder = MM_TIER_LADDERS[self.mm_tiers]
        if ladder is None:
            return population
        rates = np.array([rate for _, rate in ladder])
        rate = rates[np.minimum(tier_of(population.notional, ladder), rates.size - 1)]
        # the venue's maximum: initial margin 2 x the tier's rate, plus any loss the entry
        # already carries at the start price (so every trader starts alive, as MODEL asks)
        carried = np.maximum(population.side * (1.0 - DEFAULT_PRICE / population.entry_price), 0)
        venue_max = np.maximum(1.0, 1.0 / (2.0 * rate + carried))
        leverage = np.minimum(population.leverage, venue_max)
        entry = _alive_at_tier(population.entry_price, leverage, population.side, rate)
        if (population.leverage <= venue_max).all() and entry is population.entry_price:
            return population
        return Population.from_arrays(leverage, population.notional, population.side, entry)

    @property
    def clock(self) -> bool:
        """True when a clock field is on (a rate, a refill, permanent impact, or a path
        other than the jump): run() then uses the timed engine (cascade/clock.py)."""
        return bool(self.engine_rate or self.resilience_half_life or self.permanent_impact
                    or self.path != "jump" or self.engine_rule != "none")

    def price_path(self) -> PricePath:
        """The exogenous path (cascade.paths) the shock and the path fields describe."""
        if self.path == "fall":
            return fall(self.shock, self.fall_seconds)
        if self.path == "fall_then_rebound":
            return fall_then_rebound(self.shock, self.fall_seconds, self.rebound,
                                     self.rebound_seconds)
        return jump(self.shock)

    @property
    def venue_mechanics(self) -> bool:
        """True when any venue mechanic (issue 10) is on."""
        return self.market().venue_mechanics

    def draw_arguments(self) -> dict:
        """cascade.draw_population's arguments for this scenario: two scenarios with the same
        ones draw the same book, whatever their crowd's level, shape and entry dispersion."""
        return dict(n=self.n, seed=self.seed, cluster_share=self.cluster_share,
                    background=self.background, background_leverage=self.background_leverage,
                    open_interest=self.open_interest, size_tail=self.size_tail,
                    long_share=self.long_share, price=DEFAULT_PRICE,
                    maintenance_margin=self.maintenance_margin,
                    max_leverage=VENUE_MAX_LEVERAGE)

    def population_draws(self) -> PopulationDraws:
        """The random draws behind population() (cascade.synthetic.PopulationDraws)."""
        return draw_population(**self.draw_arguments())

    def _synthetic_population(self, draws: PopulationDraws | None = None) -> Population:
        if draws is None:
            draws = self.population_draws()
        return draws.population(self.center_leverage, self.tightness, self.entry_dispersion)

    def market(self) -> Market:
        return Market(price=DEFAULT_PRICE, depth=self.depth, impact=self.impact,
                      maintenance_margin=self.maintenance_margin,
                      engine_capacity=self.engine_capacity or None,
                      insurance_fund=self.insurance_fund or None,
                      liquidation_fee=self.liquidation_fee, adl=self.adl,
                      mm_tiers=MM_TIER_LADDERS[self.mm_tiers],
                      recovery_half_life=self.recovery_half_life or None,
                      engine_rate=self.engine_rate or None,
                      resilience_half_life=self.resilience_half_life or None,
                      permanent_impact=self.permanent_impact,
                      **ENGINE_RULES[self.engine_rule])

    def book(self) -> LiquidationBook:
        return LiquidationBook(self.population(), self.market())

    def run(self) -> CascadeResult:
        """The cascade: the instant engine, or the timed one (a TimedResult, a kind of
        CascadeResult) when the clock is on."""
        return self.run_on(self.book())

    def run_on(self, book, path: PricePath | None = None) -> CascadeResult:
        """This scenario's cascade on `book` (a LiquidationBook: this scenario's, cached, or
        one built from a brought file): the timed engine along `path` when one is given (a
        brought path, cascade.case.load_path_file, in place of the shock and the path knobs),
        else along price_path() when the clock is on, else the instant engine at the shock.
        The one rule every front end runs."""
        if path is not None:
            return run_timed(book, path)
        if self.clock:
            return run_timed(book, self.price_path())
        return book.run(self.shock)

    def replace(self, **changes) -> "Scenario":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, values: dict) -> "Scenario":
        """A Scenario from a mapping of field names; unknown names are an error."""
        if not isinstance(values, Mapping):
            raise ValueError(f"scenario: expected a mapping of field names to values, got "
                             f"{type(values).__name__} {values!r:.80}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"scenario: unknown field(s) {', '.join(unknown)}; "
                             f"known fields are {', '.join(sorted(known))}")
        return cls(**values)


def _alive_at_tier(entry: np.ndarray, leverage: np.ndarray, side: np.ndarray,
                   rate: np.ndarray) -> np.ndarray:
    """Entry prices under which every trader starts alive at its tier's maintenance rate.

    A trader whose entry carries a loss at the start price P that even 1x cannot hold at its
    rate r (the first slice's liquidation price e (1 - s (1/L - r)) is at or past P) enters
    instead at the farthest price that leaves it MIN_LIQUIDATION_DISTANCE d from liquidation,
    as synthetic entries are truncated (cascade.synthetic._entry_prices):
        long  e = P (1 - d) / (1 - 1/L + r);   short  e = P (1 + d) / (1 + 1/L - r).
    Every other entry is kept; `entry` itself is returned when none moves."""
    liquidation = entry * (1.0 - side * (1.0 / leverage - rate))
    long = side > 0
    dead = np.where(long, liquidation >= DEFAULT_PRICE, liquidation <= DEFAULT_PRICE)
    if not dead.any():
        return entry
    reach = 1.0 / leverage - rate
    farthest = np.where(long, DEFAULT_PRICE * (1.0 - MIN_LIQUIDATION_DISTANCE) / (1.0 - reach),
                        DEFAULT_PRICE * (1.0 + MIN_LIQUIDATION_DISTANCE) / (1.0 + reach))
    return np.where(dead, farthest, entry)


class PresetNote(NamedTuple):
    description: str
    source: str


PRESETS: dict[str, Scenario] = {
    "Calm market, dispersed leverage": Scenario(
        shock=-0.06, tightness=0.0, center_leverage=2.0, cluster_share=0.5, depth=100e6),
    "Crowd at 20x (Binance default)": Scenario(
        shock=-0.05, tightness=0.95, cluster_share=0.6, background="discrete"),
    # The calibrated replays of real cascades (cascade/replay.py, docs/events.md): each equals
    # cascade.replay.replay_scenario(event) (a test checks it), sourced knobs and the
    # committed fit; `python -m cascade validate --refit` re-runs the fit.
    "10-11 Oct 2025: calibrated replay": Scenario(
        shock=-0.11, rebound=0.01, tightness=0.75, cluster_share=0.85, background="discrete",
        long_share=0.31, open_interest=30e9, depth=10e6, impact="sqrt", maintenance_margin=0.01,
        resilience_half_life=600.0, engine_rule="hyperliquid", adl=True,
        path="fall_then_rebound", fall_seconds=1800.0, rebound_seconds=1200.0),
    "12-13 Mar 2020: calibrated replay": Scenario(
        shock=-0.435, tightness=0.65, center_leverage=26.0, background="discrete",
        long_share=0.84, depth=30e6, impact="sqrt", insurance_fund=1e9, path="fall",
        fall_seconds=3600.0),
    "19 May 2021: calibrated replay": Scenario(
        shock=-0.19, tightness=0.2, cluster_share=0.95, background="discrete", long_share=0.83,
        open_interest=10e9, depth=500e6, impact="sqrt", path="fall", fall_seconds=1800.0),
    "10-11 Oct 2025: small fund, slow engine, ADL": Scenario(
        shock=-0.02, tightness=0.8, cluster_share=0.5, background="discrete", long_share=0.84,
        depth=10e6, impact="sqrt", engine_capacity=20e6, insurance_fund=1e6,
        liquidation_fee=0.005, adl=True),
}

# Each note says which of its figures are observed (with the source line under it) and which
# are the model's own, from the preset's run; tests/app/test_words.py checks every figure of
# the second kind against the run.
PRESET_NOTES: dict[str, PresetNote] = {
    "Calm market, dispersed leverage": PresetNote(
        "A crowd holding little leverage, 2x on average (half its notional posted as margin), "
        "spread from 1x to the venue's 125x, over a deep book ($100M per 1%). It is calm "
        "because its leverage is low, not because it is spread. In the model, a 6% drop "
        "liquidates the most levered few; each wave is smaller than the last and the "
        "cascade adds 0.5 percentage points, to -6.5%.",
        "Observed depth: single-venue BTC perpetual depth within 1% is roughly $10-100M; "
        "Binance BTC spot held $16.5M within 1% in mid-2025 (docs/model.md, Sources)."),
    "Crowd at 20x (Binance default)": PresetNote(
        "A crowd of 60% of the open interest at 20x on average, the leverage Binance futures "
        "open with (observed), its margins spread from 19.2x to 20.9x, over a retail "
        "background on the venue's discrete leverage levels (2x ... 125x). In the model, 68% "
        "of all open interest sits within ±10% of 20x. The book tips at the background's "
        "125x traders, long before the crowd; a 5% drop reaches the 20x crowd's liquidation "
        "prices in the first wave, and the forced selling walks the book to -24.2%.",
        "Observed: Binance futures default to 20x; in Dec 2019 60% of Binance trades used "
        ">= 20x and 21% used 125x. BitMEX 2018-19 volume-weighted effective leverage was "
        "22-30x (docs/model.md, Sources)."),
    "10-11 Oct 2025: calibrated replay": PresetNote(
        "The calibrated replay of 10-11 Oct 2025 on one venue, Hyperliquid (docs/events.md): "
        "$30B of open interest over $10M per 1% with square-root impact, Hyperliquid's "
        "partial liquidations, its auto-deleveraging and its 1% maintenance margin; the path "
        "falls for 30 minutes, then runs on for 20. The longs' share of open interest (31%), "
        "the crowd and the book's refill are fitted, not observed. In the model the price "
        "falls to -14.1% and stands at -12.1% after 45 minutes; every liquidation is a long, "
        "and 29.9% of the open interest is liquidated, $8.96B, of which ADL closes 90.3% "
        "(with no insurance fund).",
        "Observed (docs/events.md): BTC's low -13.1% to -17.1% and about -12% in 45 minutes; "
        "83.9% (Amberdata) to 87.4% (CoinGlass) of the liquidated notional long; open "
        "interest down 17.1% to 43.3% (Glassnode, CoinDesk); Hyperliquid liquidated $10.3B "
        "(CoinGlass); depth down more than 90% (FTI Consulting)."),
    "12-13 Mar 2020: calibrated replay": PresetNote(
        "The calibrated replay of 12-13 Mar 2020 on BitMEX (docs/events.md): a crowd at 26x "
        "(BitMEX's 22-30x effective leverage), the fall compressed into one hour (an "
        "assumption) and a $1B insurance fund that does not run out. The depth, the crowd "
        "and the longs' share of open interest are fitted, not observed. In the model the "
        "price falls to -51.0% and $1.68B is liquidated; fills below bankruptcy prices cost "
        "the fund $20.4M.",
        "Observed (docs/events.md): BitMEX XBTUSD fell from 7,353 to 3,596; BitMEX liquidated "
        "about $876M on 12 Mar and $798M on 13 Mar; the insurance fund's largest one-day "
        "drop was 2,606 XBT."),
    "19 May 2021: calibrated replay": PresetNote(
        "The calibrated replay of 19 May 2021, the market as one book (docs/events.md): $500M "
        "per 1% (aggregate BTC depth, about $470M before Nov 2022) and a 30-minute fall. The "
        "open interest, the longs' share of it and the crowd are fitted, not observed. In "
        "the model the price falls to -23.1% and 82.6% of the open interest is liquidated, "
        "$8.26B.",
        "Observed (docs/events.md): more than $8B liquidated ($8.6B per Bybt); BTC from $38k "
        "to below $30k in about 30 minutes; open interest more than halved."),
    "10-11 Oct 2025: small fund, slow engine, ADL": PresetNote(
        "A thin book ($10M per 1%, square-root impact) whose longs hold 84% of the open "
        "interest, an assumption of this lesson (the observed 84% is the long share of "
        "liquidations, a different quantity), on a venue whose liquidation engine executes "
        "only $20M per step and whose insurance fund holds $1M, with a 0.5% liquidation fee "
        "and auto-deleveraging. In the model the queue takes 77 steps to clear; the fills "
        "fall below the bankruptcy prices, the fund is empty at step 3, and ADL closes $314M "
        "against all 1,600 shorts, which is still not enough: $37.7M is bad debt.",
        "Observed, 10-11 Oct 2025: Hyperliquid auto-deleveraged about $2.1B in 12 minutes; "
        "about $19B was liquidated across venues, $3.21B in the peak minute, 84% of it longs; "
        "depth fell by more than 90% (docs/model.md, Sources)."),
}
