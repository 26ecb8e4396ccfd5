"""Reading a link: the URL's query string -> the value each control starts at, and one line
for every URL value the page did not use as written.

Streamlit's own URL binding (bind="query-params") silently drops what it cannot read: a
repeated key, `?n=1000` (the picker's label is "1K"), `?depth=70m`, `?seed=-1`. So the
page reads the query string on a session's first run, before any widget exists
(`apply_link`), writes back the value each control will really use in the form the widget
reads (the picker's label, the slider's number) and reruns once, so Streamlit seeds the
widgets from that; `show_notices` then says, one line per parameter, what was changed.
`read_query` is the pure part.

Rules, per control kind (see widgets.Control):
- log pickers (open interest, depth, traders): a number with an optional K/M/B suffix in
  any case, `$` and `,` allowed (`70m`, `70M`, `70000000`, `$1.5B`, `1,000`); between two
  stops it snaps to the nearest on a log scale and says so.
- sliders: a number (a percent slider also takes `-5%`); between two steps it snaps to
  the nearest and says so.
- integers (seed): a whole number.
- choices: an option, in any case.
- a number outside the control's range, or a value that cannot be read (`nan`, `abc`),
  is replaced by the default, and the notice names the range or the options.
- a repeated key takes its last value; a key that is no control is dropped, except the
  other pages' own parameters (OTHER_PAGES), which are left for them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import streamlit as st

from cascade_view.safe import code, escape_markdown

from .widgets import CONTROLS, DEFAULT, Control, compact

# Streamlit's own parameters, which a link may carry and the page must keep.
RESERVED = frozenset({"embed", "embed_options"})
# The other pages' own parameters (Phase diagram, Risk, Learn; Compare's a_/b_ scenarios):
# kept as they are, since the navigation carries the link from page to page.
OTHER_PAGES = frozenset({"x_knob", "y_knob", "metric", "books", "knob", "points", "present"})
OTHER_PAGE_PREFIXES = ("range_", "a_", "b_")
SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
AMOUNT = re.compile(r"^\$?\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmbt]?)$", re.I)
# Closer than this (relative) to a stop or step counts as on it: browsers write
# -0.045000000000000005 for -0.045.
ON_GRID = 1e-9
# A link's key=value is shown up to this many characters.
NOTICE_LIMIT = 120


@dataclass(frozen=True)
class Notice:
    """One URL value the page did not use as written. `used` is what it used instead,
    as the control shows it; `url` the value now in the URL (None: the default, left out).
    `key` and `given` are the link's text as it came; `reason` is markdown whose user text is
    already escaped."""
    key: str
    given: str
    reason: str
    used: str
    url: str | None

    def line(self) -> str:
        return (f"Link: {code(f'{self.key}={self.given}', NOTICE_LIMIT)} {self.reason}; "
                f"using **{self.used}**.")


def parse_amount(text: str) -> float:
    """'70m', '70M', '70000000', '$1.5B', '1,000', '1e3' -> float. ValueError otherwise."""
    match = AMOUNT.match(text.strip().replace(",", "").replace("_", ""))
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * SUFFIXES[match.group(2).lower()]


def parse_number(text: str, percent: bool = False) -> float:
    """A finite float; with `percent`, '-5%' reads as -0.05. ValueError otherwise."""
    text = text.strip()
    scale = 1.0
    if percent and text.endswith("%"):
        text, scale = text[:-1], 0.01
    value = float(text) * scale
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def shown(control: Control, value) -> str:
    """A value as the control displays it: -0.05 -> '-5%', 70e6 -> '70M', 20.0 -> '20x'."""
    if control.kind == "log":
        return compact(value)
    if control.kind == "slider":
        if control.format == "percent":
            return f"{value * 100:.4g}%"
        return control.format % value
    return str(value)


def url_form(control: Control, value) -> str:
    """The string Streamlit's URL binding reads back as this widget value."""
    if control.kind == "log":
        return compact(value)
    if control.kind == "slider":
        return repr(float(value))
    return str(value)


def widget_reads(control: Control, text: str, value) -> bool:
    """Whether Streamlit's URL binding reads `text` as exactly `value` by itself."""
    if control.kind == "log" or control.kind == "choice":
        return text == url_form(control, value)
    if control.kind == "integer":
        return text.isdigit() and int(text) == value
    try:
        return float(text) == value
    except ValueError:
        return False


def _range_text(control: Control) -> str:
    if control.kind == "log":
        return f"{compact(min(control.options))} to {compact(max(control.options))}"
    return f"{shown(control, control.low)} to {shown(control, control.high)}"


def _read_one(control: Control, text: str) -> tuple[object, str | None]:
    """(value the control will use, reason it differs from `text` or None).

    Raises ValueError when `text` cannot be used at all (unreadable or out of range)."""
    if control.kind == "choice":
        by_lower = {str(option).lower(): option for option in control.options}
        if text.strip().lower() not in by_lower:
            raise ValueError(f"is not one of {', '.join(map(str, control.options))}")
        return by_lower[text.strip().lower()], None
    if control.kind == "log" and 0 in control.options and text.strip().lower() == compact(0):
        return 0.0, None  # a venue picker's "off" stop
    try:
        if control.kind == "log":
            value = parse_amount(text)
        else:
            value = parse_number(text, percent=control.format == "percent")
    except ValueError:
        raise ValueError("is not a number this control can read") from None
    if control.kind == "log":
        low, high = min(control.options), max(control.options)
    else:
        low, high = control.low, control.high
    if not low * (1 - ON_GRID) - ON_GRID <= value <= high * (1 + ON_GRID) + ON_GRID:
        hint = ""
        if control.format == "percent" and low <= value / 100 <= high:
            hint = f" (the URL holds a fraction: {value / 100:g} is {value:g}%)"
        raise ValueError(f"is outside {_range_text(control)}{hint}")
    if control.kind == "log":
        stop = control.snap(value)
        if abs(stop - value) > ON_GRID * stop:
            return stop, "is between the picker's stops"
        return stop, None
    if control.kind == "integer":
        whole = int(round(value))
        return whole, (None if abs(whole - value) <= ON_GRID else "is not a whole number")
    steps = round((value - control.low) / control.step)
    decimals = max(0, -int(math.floor(math.log10(control.step)))) + 2
    snapped = round(control.low + steps * control.step, decimals)
    if abs(snapped - value) > ON_GRID * max(1.0, abs(value)):
        return snapped, f"is between the slider's steps of {shown_step(control)}"
    return snapped, None


def shown_step(control: Control) -> str:
    if control.format == "percent":
        return f"{control.step * 100:g}%"
    return f"{control.step:g}"


def read_query(query: dict[str, list[str]]) -> tuple[dict[str, str | None], list[Notice]]:
    """What to write back into the URL, and what to tell the user.

    query: every key with all its values in order (a repeated key has several).
    Returns (rewrites, notices): rewrites maps a key to the string the widget reads, or to
    None to remove it from the URL (its default applies); keys already in their widget's
    form are left out. Notices: one per value not used as written.
    """
    rewrites: dict[str, str | None] = {}
    notices: list[Notice] = []
    defaults = DEFAULT.to_dict()
    for key, values in query.items():
        if key in RESERVED or key in OTHER_PAGES or key.startswith(OTHER_PAGE_PREFIXES) \
                or not values:
            continue
        given = values[-1]
        control = CONTROLS.get(key)
        if control is None:
            rewrites[key] = None
            notices.append(Notice(key, given, "is not a setting of this page", "nothing",
                                  None))
            continue
        shown_values = escape_markdown(", ".join(values), NOTICE_LIMIT)
        repeated = (f"is the last of {len(values)} values given ({shown_values})"
                    if len(set(values)) > 1 else None)
        try:
            value, reason = _read_one(control, given)
        except ValueError as problem:
            default = control.snap(defaults[key])
            rewrites[key] = None
            notices.append(Notice(key, given, str(problem),
                                  f"{shown(control, default)} (the default)", None))
            continue
        form = url_form(control, value)
        if len(values) > 1 or not widget_reads(control, given, value):
            rewrites[key] = form
        if reason or repeated:
            why = " and ".join(part for part in (repeated, reason) if part)
            notices.append(Notice(key, given, why, shown(control, value), form))
    return rewrites, notices


# ---------------------------------------------------------------- the Streamlit side

READ_KEY = "link_read"
NOTICES_KEY = "link_notices"
VALUES_KEY = "link_values"


def apply_link() -> None:
    """On a session's first run, before the widgets: rewrite the URL into the values the
    widgets will use and rerun once, so Streamlit seeds them from it. Later runs take the
    URL the widgets themselves write, which needs no reading."""
    if st.session_state.get(READ_KEY):
        return
    st.session_state[READ_KEY] = True
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    rewrites, notices = read_query(query)
    st.session_state[NOTICES_KEY] = notices
    if rewrites:
        for key, value in rewrites.items():
            if value is None:
                del st.query_params[key]
            else:
                st.query_params[key] = value
        st.rerun()


def show_notices(values: dict) -> None:
    """One line per URL value not used as written, until the user changes a control."""
    notices = st.session_state.get(NOTICES_KEY) or []
    first = st.session_state.setdefault(VALUES_KEY, values)
    if notices and values == first:
        st.info("  \n".join(notice.line() for notice in notices), icon=":material/link:")
