"""Real liquidation cascades as data: what was observed, with sources (issue 18).

Every figure here was observed in the market and is quoted as its source gives it. A figure
carries its unit, its source and its scope: the venues it counts ("all venues" or one
venue). Nothing here is the model's; the replays (cascade/replay.py) put the model's figures
beside these.

    EVENTS["2025-10-10"].facts["peak_minute"]   -> Fact(value=3.21e9, unit="USD", ...)
    EVENTS["2025-10-10"].targets                 -> the ranges the replay is compared with

A *fact* is one figure from one source. A *target* is a range built from facts where
sources disagree (its low and high are the extreme facts, each fact's own ratio computed as
its `how` says); a target names its facts, so its range can be re-derived (a test does).
Moves are relative to the event's start price (-0.12 = -12%); shares are fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

ALL_VENUES = "all venues"
NO_SOURCE = "source not named"
# A single observed figure (no range) is matched within 1% of its value, relative.
POINT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Fact:
    """One observed figure: value in `unit`, from `source`, counting `scope`."""
    value: float
    unit: str
    source: str
    scope: str
    text: str


@dataclass(frozen=True)
class Target:
    """An observed range the replay is compared with: [low, high] in `unit` (a move or a
    share, a fraction; USD; seconds). `facts` names the facts it is built from and `how`
    says how (a sentence); `source` is the sources' names, as the table prints them; `scope`
    the venues counted. A bound may be infinite where the source gives only one side
    ("more than halved": at least 0.5)."""
    key: str
    label: str
    low: float
    high: float
    unit: str
    source: str
    scope: str
    facts: tuple[str, ...]
    how: str

    @property
    def matched(self) -> tuple[float, float]:
        """The range a model figure must fall in: [low, high], or, for a single figure
        (low == high), that figure +- POINT_TOLERANCE of it (relative)."""
        if self.low != self.high:
            return self.low, self.high
        spread = POINT_TOLERANCE * abs(self.low)
        return self.low - spread, self.high + spread


@dataclass(frozen=True)
class PathPoint:
    """An observed point of the price path: `minutes` after the event's start (None: the
    sources give no time), the target whose range it is (None: the start, move 0), and
    what the source says."""
    minutes: float | None
    target: str | None
    text: str


@dataclass(frozen=True)
class Event:
    """A real cascade: its name, the venue the replay stands for, when it started, the facts
    (name -> Fact) and the targets (in table order)."""
    key: str
    title: str
    venue: str
    start_utc: str
    facts: dict[str, Fact]
    targets: tuple[Target, ...]
    notes: tuple[str, ...] = field(default=())
    path_points: tuple[PathPoint, ...] = field(default=())

    def target(self, key: str) -> Target:
        for target in self.targets:
            if target.key == key:
                return target
        raise ValueError(f"target: {key!r} is not a figure of event {self.key}; known: "
                         f"{', '.join(t.key for t in self.targets)}")


def move(start: float, end: float) -> float:
    """The relative move end / start - 1."""
    return end / start - 1.0


def _span(*values: float) -> tuple[float, float]:
    return min(values), max(values)


# ------------------------------------------------------------------ 10-11 October 2025

_OCT = {
    "start_utc": Fact(20 * 60 + 50, "minutes after 00:00 UTC", "Amberdata", ALL_VENUES,
                      "the cascade ran from 20:50 UTC"),
    "liquidated_40min": Fact(6.93e9, "USD", "Amberdata", ALL_VENUES,
                             "$6.93B liquidated in 40 minutes"),
    "peak_minute": Fact(3.21e9, "USD", "Amberdata", ALL_VENUES,
                        "peak minute at 21:15 UTC: $3.21B"),
    "peak_minute_utc": Fact(21 * 60 + 15, "minutes after 00:00 UTC", "Amberdata", ALL_VENUES,
                            "the peak minute was 21:15 UTC"),
    "liquidated_by_0300": Fact(9.89e9, "USD", "Amberdata", ALL_VENUES,
                               "$9.89B by 03:00 UTC"),
    "long_share_amberdata": Fact(0.839, "share of liquidated notional", "Amberdata",
                                 ALL_VENUES, "83.9% of it long"),
    "liquidated_coinglass": Fact(19.1e9, "USD", "CoinGlass", ALL_VENUES, "$19.1B liquidated"),
    "traders_coinglass": Fact(1.62e6, "traders", "CoinGlass", ALL_VENUES, "1.62M traders"),
    "long_share_coinglass": Fact(0.874, "share of liquidated notional", "CoinGlass",
                                 ALL_VENUES, "87.4% long"),
    "liquidated_hyperliquid": Fact(10.3e9, "USD", "CoinGlass", "Hyperliquid",
                                   "Hyperliquid $10.3B"),
    "liquidated_bybit": Fact(4.65e9, "USD", "CoinGlass", "Bybit", "Bybit $4.65B"),
    "liquidated_binance": Fact(2.41e9, "USD", "CoinGlass", "Binance", "Binance $2.41B"),
    "btc_start": Fact(122_574.0, "USD per BTC", NO_SOURCE, "BTC", "BTC from $122,574"),
    "btc_low": Fact(104_782.0, "USD per BTC", NO_SOURCE, "BTC", "to $104,782"),
    "btc_low_coindesk": Fact(106_560.0, "USD per BTC", "CoinDesk Data", "BTC",
                             "a low of $106,560"),
    "btc_start_3h": Fact(123_000.0, "USD per BTC", NO_SOURCE, "BTC",
                         "$123k to $102k within three hours"),
    "btc_low_3h": Fact(102_000.0, "USD per BTC", NO_SOURCE, "BTC",
                       "$123k to $102k within three hours"),
    "btc_move_45min": Fact(-0.12, "relative move", "docs/model.md, no source named",
                           "BTC", "BTC about -12% in 45 minutes"),
    "oi_glassnode_start": Fact(49.5e9, "USD", "Glassnode", ALL_VENUES,
                               "open interest $49.5B to $38.8B in under 12 h"),
    "oi_glassnode_end": Fact(38.8e9, "USD", "Glassnode", ALL_VENUES,
                             "open interest $49.5B to $38.8B in under 12 h"),
    "oi_btc_start": Fact(70e9, "USD", NO_SOURCE, "BTC", "BTC open interest $70B to $58B"),
    "oi_btc_end": Fact(58e9, "USD", NO_SOURCE, "BTC", "BTC open interest $70B to $58B"),
    "oi_perps_start": Fact(217e9, "USD", "CoinDesk", ALL_VENUES,
                           "all perpetuals $217B to $123B"),
    "oi_perps_end": Fact(123e9, "USD", "CoinDesk", ALL_VENUES,
                         "all perpetuals $217B to $123B"),
    "hl_liquidated_fills": Fact(5.51e9, "USD", "Hyperliquid fills", "Hyperliquid",
                                "21:15:03 to 21:26:57 UTC: $5.51B liquidated over 63,637 fills"),
    "hl_adl": Fact(2.10e9, "USD", "Hyperliquid fills", "Hyperliquid",
                   "auto-deleveraging of $2.10B over 34,983 fills"),
    "hl_adl_delay": Fact(61.0, "seconds", "Hyperliquid fills", "Hyperliquid",
                         "ADL began at 21:16:04, about 61 s after the first liquidation "
                         "(21:15:03)"),
    "hl_cross_long_share": Fact(0.954, "share of liquidated notional", "Hyperliquid fills",
                                "Hyperliquid, BTC and SOL, 21:15-21:22",
                                "95.4% of the liquidated notional was cross-margin longs"),
    "hl_cross_window_utc": Fact(21 * 60 + 15, "minutes after 00:00 UTC", "Hyperliquid fills",
                                "Hyperliquid, BTC and SOL",
                                "the cross-margin share's window opens at 21:15 UTC"),
    "hl_cross_window_end_utc": Fact(21 * 60 + 22, "minutes after 00:00 UTC",
                                    "Hyperliquid fills", "Hyperliquid, BTC and SOL",
                                    "the cross-margin share's window closes at 21:22 UTC"),
    "depth_drop": Fact(0.90, "share of depth gone (at least)", "FTI Consulting", "key exchanges",
                       "more than 90% of depth gone on key exchanges"),
    "depth_single_venue_low": Fact(10e6, "USD within 1%", "docs/model.md, Sources",
                                   "one venue", "single-venue BTC perp depth within 1% "
                                   "roughly $10-100M"),
    "depth_single_venue_high": Fact(100e6, "USD within 1%", "docs/model.md, Sources",
                                    "one venue", "single-venue BTC perp depth within 1% "
                                    "roughly $10-100M"),
    "books_empty": Fact(math.nan, "minutes (several)", "Kaiko", "BTC books",
                        "books \"empty for several minutes\""),
}


def _oct_targets(f: dict[str, Fact]) -> tuple[Target, ...]:
    v = {name: fact.value for name, fact in f.items()}
    lows = (move(v["btc_start"], v["btc_low"]), move(v["btc_start"], v["btc_low_coindesk"]),
            move(v["btc_start_3h"], v["btc_low_3h"]))
    oi = (1 - v["oi_glassnode_end"] / v["oi_glassnode_start"],
          1 - v["oi_btc_end"] / v["oi_btc_start"], 1 - v["oi_perps_end"] / v["oi_perps_start"])
    peak = (v["peak_minute"] / v["liquidated_by_0300"], v["peak_minute"] / v["liquidated_40min"])
    return (
        Target("low", "lowest price (move from the start)", *_span(*lows), "move",
               f"{NO_SOURCE}; CoinDesk Data", "BTC",
               ("btc_start", "btc_low", "btc_low_coindesk", "btc_start_3h", "btc_low_3h"),
               "each source's low over its start; CoinDesk Data's low over $122,574"),
        Target("move_45min", "move after 45 minutes", -0.125, -0.115, "move",
               "docs/model.md, no source named", "BTC", ("btc_move_45min",),
               "\"about -12%\" read to the whole percent: -12.5% to -11.5%"),
        Target("long_share", "long share of liquidated notional",
               *_span(v["long_share_amberdata"], v["long_share_coinglass"]), "share",
               "Amberdata; CoinGlass", ALL_VENUES,
               ("long_share_amberdata", "long_share_coinglass"), "the two sources' shares"),
        Target("oi_liquidated", "open interest gone (model: liquidated)", *_span(*oi), "share",
               f"Glassnode; {NO_SOURCE}; CoinDesk", ALL_VENUES,
               ("oi_glassnode_start", "oi_glassnode_end", "oi_btc_start", "oi_btc_end",
                "oi_perps_start", "oi_perps_end"),
               "1 - end / start for each source; the observed fall also counts closes and "
               "ADL, so it bounds the liquidated share from above"),
        Target("peak_minute_share", "peak minute / total liquidated", *_span(*peak), "share",
               "Amberdata", ALL_VENUES,
               ("peak_minute", "liquidated_by_0300", "liquidated_40min"),
               "$3.21B over $9.89B (by 03:00) and over $6.93B (40 minutes)"),
        Target("peak_minute_at", "peak minute, from the start",
               v["peak_minute_utc"] - v["start_utc"], v["peak_minute_utc"] - v["start_utc"],
               "minutes", "Amberdata", ALL_VENUES, ("peak_minute_utc", "start_utc"),
               "21:15 UTC less 20:50 UTC"),
        Target("liquidated_usd", "liquidated on the venue (USD)",
               *_span(v["hl_liquidated_fills"], v["liquidated_hyperliquid"]), "USD",
               "Hyperliquid fills; CoinGlass", "Hyperliquid",
               ("hl_liquidated_fills", "liquidated_hyperliquid"),
               "$5.51B in the fills of 21:15:03-21:26:57 to $10.3B for the whole event"),
        Target("adl_share", "auto-deleveraged / liquidated",
               v["hl_adl"] / v["hl_liquidated_fills"], v["hl_adl"] / v["hl_liquidated_fills"],
               "share", "Hyperliquid fills", "Hyperliquid", ("hl_adl", "hl_liquidated_fills"),
               "$2.10B over $5.51B, the same fills' window"),
        Target("adl_delay", "first liquidation to first ADL", v["hl_adl_delay"],
               v["hl_adl_delay"], "seconds", "Hyperliquid fills", "Hyperliquid",
               ("hl_adl_delay",), "21:15:03 to 21:16:04"),
        Target("cross_long_share",
               "cross-margin longs / liquidated notional (BTC and SOL, 21:15-21:22)",
               v["hl_cross_long_share"], v["hl_cross_long_share"], "share",
               "Hyperliquid fills", "Hyperliquid, BTC and SOL, 21:15-21:22",
               ("hl_cross_long_share",),
               "the fills' share as given; the replay is one market of isolated positions, "
               "so the model's figure comes from a two-market run of accounts "
               "(cascade.replay.CROSS_MARGIN)"),
    )


# ------------------------------------------------------------------ 12-13 March 2020

_MAR = {
    "xbt_start": Fact(7_353.0, "USD per XBT", NO_SOURCE, "BitMEX XBTUSD", "XBTUSD from 7,353"),
    "xbt_low": Fact(3_596.0, "USD per XBT", NO_SOURCE, "BitMEX XBTUSD", "to 3,596"),
    "liquidated_12mar": Fact(876e6, "USD", NO_SOURCE, "BitMEX", "about $876M on 12 Mar"),
    "liquidated_13mar": Fact(798e6, "USD", NO_SOURCE, "BitMEX", "$798M on 13 Mar"),
    "liquidated_first_leg": Fact(700e6, "USD", "docs/model.md, no source named",
                                 "BitMEX", "about $700M liquidated in the first leg"),
    "delay_start_utc": Fact(2 * 60 + 16, "minutes after 00:00 UTC", NO_SOURCE, "BitMEX",
                            "requests delayed from 02:16 UTC on 13 Mar"),
    "delay_end_utc": Fact(2 * 60 + 40, "minutes after 00:00 UTC", NO_SOURCE, "BitMEX",
                          "to 02:40 UTC"),
    "fund_drop": Fact(2_606.0, "XBT", NO_SOURCE, "BitMEX insurance fund",
                      "the insurance fund's largest one-day drop was 2,606 XBT"),
}


def _mar_targets(f: dict[str, Fact]) -> tuple[Target, ...]:
    v = {name: fact.value for name, fact in f.items()}
    low = move(v["xbt_start"], v["xbt_low"])
    total = v["liquidated_12mar"] + v["liquidated_13mar"]
    fund = (v["fund_drop"] * v["xbt_low"], v["fund_drop"] * v["xbt_start"])
    return (
        Target("low", "lowest price (move from the start)", low, low, "move", NO_SOURCE,
               "BitMEX XBTUSD", ("xbt_start", "xbt_low"), "3,596 / 7,353 - 1"),
        Target("liquidated_usd", "liquidated on the venue (USD)", total, total, "USD",
               NO_SOURCE, "BitMEX", ("liquidated_12mar", "liquidated_13mar"),
               "$876M on 12 Mar plus $798M on 13 Mar"),
        Target("fund_draw", "insurance fund drawn (USD)", *fund, "USD", NO_SOURCE,
               "BitMEX", ("fund_drop", "xbt_start", "xbt_low"),
               "2,606 XBT at the event's low and start prices"),
    )


# ------------------------------------------------------------------ 19 May 2021

_MAY = {
    "liquidated_more_than": Fact(8e9, "USD", NO_SOURCE, ALL_VENUES, "more than $8B liquidated"),
    "liquidated_bybt": Fact(8.6e9, "USD", "Bybt", ALL_VENUES, "$8.6B per Bybt"),
    "btc_start": Fact(38_000.0, "USD per BTC", NO_SOURCE, "BTC", "BTC from $38k"),
    "btc_low_below": Fact(30_000.0, "USD per BTC", NO_SOURCE, "BTC", "to below $30k"),
    "fall_minutes": Fact(30.0, "minutes (about)", NO_SOURCE, "BTC", "in about 30 minutes"),
    "oi_fall_more_than": Fact(0.5, "share of open interest", NO_SOURCE, ALL_VENUES,
                              "open interest more than halved"),
    "long_btc_hour": Fact(10_525.0, "BTC", "CryptoQuant", ALL_VENUES,
                          "a record 10,525 BTC of long liquidations in one hour"),
}


def _may_targets(f: dict[str, Fact]) -> tuple[Target, ...]:
    v = {name: fact.value for name, fact in f.items()}
    return (
        Target("low", "lowest price (move from the start)", -math.inf,
               move(v["btc_start"], v["btc_low_below"]), "move", NO_SOURCE, "BTC",
               ("btc_start", "btc_low_below"), "below $30k from $38k: at most 30/38 - 1"),
        Target("oi_liquidated", "open interest gone (model: liquidated)",
               v["oi_fall_more_than"], 1.0, "share", NO_SOURCE, ALL_VENUES,
               ("oi_fall_more_than",), "\"more than halved\": at least 50%; the fall also "
               "counts closes, so it bounds the liquidated share from above"),
        Target("liquidated_usd", "liquidated (USD)", v["liquidated_more_than"],
               v["liquidated_bybt"], "USD", f"{NO_SOURCE}; Bybt", ALL_VENUES,
               ("liquidated_more_than", "liquidated_bybt"), "more than $8B; $8.6B per Bybt"),
    )


EVENTS: dict[str, Event] = {
    "2025-10-10": Event(
        "2025-10-10", "10-11 Oct 2025", "Hyperliquid", "20:50", _OCT, _oct_targets(_OCT),
        (f"The replay is one venue, Hyperliquid: $10.3B of the $19.1B liquidated across "
         f"venues (CoinGlass), "
         f"{_OCT['liquidated_hyperliquid'].value / _OCT['liquidated_coinglass'].value:.1%}. "
         f"Figures counted across all venues are shares "
         f"(long share, peak minute over total, open interest gone), compared as shares.",),
        (PathPoint(0.0, None, "start, 20:50 UTC (Amberdata)"),
         PathPoint(45.0, "move_45min", "about -12% in 45 minutes"),
         PathPoint(None, "low", "low by source; no time given"))),
    "2020-03-12": Event(
        "2020-03-12", "12-13 Mar 2020", "BitMEX", "00:00", _MAR, _mar_targets(_MAR),
        ("The sources give no minute times for the fall from 7,353 to 3,596 over the two "
         "days; the replay compresses it into one hour, the longest fall a Scenario takes "
         "(an assumption, not an observation).",),
        (PathPoint(0.0, None, "XBTUSD at 7,353"),
         PathPoint(None, "low", "3,596; no time given"))),
    "2021-05-19": Event(
        "2021-05-19", "19 May 2021", "all venues", "", _MAY, _may_targets(_MAY),
        ("The replay is the market as one book: the liquidations and the open interest "
         "are counted across venues.",),
        (PathPoint(0.0, None, "BTC at $38k"),
         PathPoint(30.0, "low", "below $30k in about 30 min"))),
}
