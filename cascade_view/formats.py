"""Every number the project shows, and every number it reads from a person, in one place.

Formatting: money (`usd`, `compact`), relative moves and shares (`pct`, `share`),
multiples (`times`: leverage, amplification), prices on the start = 100 index
(`price_text`). Parsing: `parse_amount` reads what people type ("70M", "$1.5B", "-5%",
"1e6") for the link reader and the command line. `decimals` is the rounding every slider
value gets (the browser sends -0.045000000000000005 for a 0.005 step).

Where two places show a number differently on purpose (the sidebar's "70M" against a
chart's "$70M"), it is one function with a parameter, not two functions.
"""

from __future__ import annotations

import math
import re

# (size, suffix) from the largest: thousands, millions, billions, trillions.
SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
OFF = "off"  # a venue mechanic's picker at 0
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?"
_AMOUNT = re.compile(rf"^([+-]?)\$?\s*([+-]?{_NUMBER})\s*([kmbt]?)\s*(%?)$", re.I)
_PLAIN = re.compile(rf"^([+-]?{_NUMBER})\s*(%?)$", re.I)


# ------------------------------------------------------------------ showing numbers


def usd(value: float, digits: int | None = 3, symbol: str = "$") -> str:
    """Money in compact form: 950e3 -> '$950K', 70e6 -> '$70M', 1.5e9 -> '$1.5B'.

    digits: significant digits of the scaled number (3: '$1.25B'); None for as many as
    it needs (Python's `g`: the knob labels, '1.5B', and '500' below a thousand rather
    than '$500'). symbol: '' for a count or a knob label."""
    value = float(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    form = "g" if digits is None else f".{digits}g"
    for size, suffix in SCALES:
        if value >= size:
            return f"{sign}{symbol}{value / size:{form}}{suffix}"
    return f"{sign}{symbol}{value:{'g' if digits is None else '.0f'}}"


def compact(value: float) -> str:
    """A log picker's label and URL value: 70e6 -> '70M', 1.5e9 -> '1.5B', 10000 -> '10K',
    1000 traders -> '1K'; 0 -> 'off' (a venue mechanic switched off)."""
    if value == 0:
        return OFF
    return usd(value, digits=None, symbol="")


def pct(move: float, digits: int = 1, signed: bool = True) -> str:
    """A relative move as a percentage: -0.189 -> '-18.9%' (signed), or its size alone
    with signed=False: -0.05 -> '5.0%'. A move that rounds to zero at `digits` has no sign,
    0.0 and -0.00004 alike -> '0.0%' (a '-0.0%' would read as a fall no digit shows)."""
    if not signed:
        return f"{abs(move) * 100:.{digits}f}%"
    text = f"{move * 100:+.{digits}f}%"
    return text[1:] if float(text[1:-1]) == 0 else text


def points(move: float) -> str:
    """The size of a relative move in points of the start price (start = 100): 0.12 ->
    '12.0 pts', 453.796 -> '45,380 pts' (no decimal from 100 points up)."""
    size = abs(move) * 100
    return f"{size:,.0f} pts" if size >= 100 else f"{size:.1f} pts"


def share(fraction: float) -> str:
    """A share as a percentage, with a decimal below 10% so a small one never reads 0%:
    0.483 -> '48%', 0.0032 -> '0.3%', 0 -> '0%'."""
    return f"{fraction:.0%}" if fraction >= 0.1 or fraction == 0 else f"{fraction:.1%}"


def times(value: float, digits: int = 2, signed: bool = False) -> str:
    """A multiple: leverage (20.0 -> '20x' with digits=0) or amplification
    (3.456 -> '3.46x'); signed for a difference ('+0.40x')."""
    return f"{value:{'+' if signed else ''}.{digits}f}x"


def price_text(price: float) -> str:
    """A price on the start = 100 index: 81.1, 95, 50,150, 0.0001."""
    if price >= 1000:
        return f"{price:,.0f}"
    if price >= 1:
        return f"{price:.1f}".removesuffix(".0")
    return f"{price:.2g}"


def decimals(step: float) -> int:
    """Decimals a value on a grid of `step` is rounded to: two more than the step's own
    (0.005 -> 5, 1 -> 2), enough to keep every step and drop float noise."""
    return max(0, -int(math.floor(math.log10(step)))) + 2


# ------------------------------------------------------------------ reading numbers


def parse_amount(text: str, percent: bool = False, money: bool = True) -> float:
    """A finite number as people type it. ValueError otherwise.

    money: a K/M/B/T suffix in any case, '$', ',' and '_' allowed: '70m', '$1.5B',
    '-$100M', '1,000', '1e3' (money=False: a plain number, '0.5', '-0.03', '1e-3').
    percent: a trailing '%' divides by 100: '-5%' -> -0.05."""
    raw = text
    text = text.strip().replace("_", "")
    if money:
        match = _AMOUNT.match(text.replace(",", ""))
        if not match or (match.group(1) and match.group(2)[:1] in "+-"):
            raise ValueError(raw)
        sign, number, suffix, percent_sign = match.groups()
        value = float(sign + number) * SUFFIXES[suffix.lower()]
    else:
        match = _PLAIN.match(text)
        if not match:
            raise ValueError(raw)
        number, percent_sign = match.groups()
        value = float(number)
    if percent_sign:
        if not percent:
            raise ValueError(raw)
        value *= 0.01
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def path_extent(path) -> str:
    """A price path (cascade.PricePath) in words: its knots, length and extreme moves, e.g.
    '9 points over 1,800 s, lowest -12.0%, highest 0.0% from its first price'."""
    return (f"{path.times.size:,} points over {seconds(path.duration)}, lowest "
            f"{pct(path.low)}, highest {pct(path.high)} from its first price")


def seconds(value: float) -> str:
    """A duration or a moment of a timed run, in seconds, as exact as the model's ticks:
    67.0 -> '67 s', 3307.0 -> '3,307 s', 0.5 -> '0.5 s', 2.25 -> '2.25 s' (whole seconds
    in full; otherwise two decimals at most)."""
    value = float(value)
    if value == round(value):
        return f"{value:,.0f} s"
    return f"{value:,.2f}".rstrip("0") + " s"
