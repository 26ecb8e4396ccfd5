"""Reading a link (pure): a URL's query string -> the value each control starts at, and one
line for every URL value the page did not use as written.

Streamlit's own URL binding (bind="query-params") silently drops what it cannot read: a
repeated key, `?n=1000` (the picker's label is "1K"), `?depth=70m`, `?seed=-1`. So a page
reads the query string once (cascade_ui.links.apply_link), writes back the value each
control will really use in the form the widget reads, and says what it changed. The rules
for one knob's value are the knob table's (cascade_view.knobs.Knob.read).

Which parameters a page reads is the page's own declaration (`PageParams`): the prefixes
of its scenario knobs ("" for the sidebar, "a_" and "b_" on Compare) and its own
parameters (Phase's axes, Risk's knob and books, ...). A key the page does not declare is
dropped and said; a repeated key takes its last value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .knobs import DEFAULT, KNOBS
from .safe import code, escape_markdown

# Streamlit's own parameters, which a link may carry and every page keeps.
RESERVED = frozenset({"embed", "embed_options"})
# A link's key=value (and a repeated key's values) is shown up to this many characters.
NOTICE_LIMIT = 120


@dataclass(frozen=True)
class Notice:
    """One URL value the page did not use as written. `used` is what it used instead,
    as the control shows it; `url` the value now in the URL (None: the default, left out).
    `key` and `given` are the link's text as it came (made inert by cascade_view.safe when
    shown); `reason` is markdown whose user text is already escaped."""
    key: str
    given: str
    reason: str
    used: str
    url: str | None

    def line(self) -> str:
        return (f"Link: {code(f'{self.key}={self.given}', NOTICE_LIMIT)} {self.reason}; "
                f"using **{self.used}**.")


@dataclass(frozen=True)
class Whole:
    """A page parameter that holds a whole number from low to high (a number input), with
    its default."""
    low: int
    high: int
    default: int

    def reason(self, text: str) -> str | None:
        """Why `text` cannot be used (None: it can)."""
        if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
            return "is not a whole number"
        if not self.low <= int(text) <= self.high:
            return f"is outside {self.low:,} to {self.high:,}"
        return None


@dataclass(frozen=True)
class PageParams:
    """The URL parameters one page reads. knob_prefixes: the prefixes under which its
    scenario knobs sit ("" for the sidebar's `shock`, "a_" for Compare's `a_shock`).
    numbers: its own whole-number parameters (key -> Whole), checked here. own: its other
    parameters, which the page checks itself where it draws them (a selectbox's label,
    pagekit.note_ignored); own_prefixes: families of those (Risk's `range_<knob>`)."""
    knob_prefixes: tuple[str, ...] = ("",)
    numbers: dict[str, Whole] = field(default_factory=dict)
    own: frozenset[str] = frozenset()
    own_prefixes: tuple[str, ...] = ()
    prefix_knobs: dict[str, frozenset[str]] = field(default_factory=dict)

    def holds(self, prefix: str, name: str) -> bool:
        """Whether knob `name` is read under `prefix` (every knob, unless prefix_knobs
        limits the prefix to some, or another prefix is limited to it)."""
        if name not in KNOBS:
            return False
        if prefix in self.prefix_knobs:
            return name in self.prefix_knobs[prefix]
        return not any(name in names for names in self.prefix_knobs.values())

    def knob_of(self, key: str) -> tuple[str, str] | None:
        """(prefix, knob name) when `key` is one of the page's scenario knobs."""
        for prefix in self.knob_prefixes:
            if key.startswith(prefix) and self.holds(prefix, key[len(prefix):]):
                return prefix, key[len(prefix):]
        return None

    def moved(self, key: str) -> str | None:
        """The key that holds the knob `key` names under another prefix (Compare's
        `a_engine_rate` -> `clock_engine_rate`), or None."""
        for prefix in self.knob_prefixes:
            name = key[len(prefix):]
            if key.startswith(prefix) and name in KNOBS:
                for other in self.knob_prefixes:
                    if other != prefix and self.holds(other, name):
                        return other + name
        return None

    def keeps(self, key: str) -> bool:
        """A parameter of the page's own that the reader leaves as it is."""
        return key in RESERVED or key in self.own or (
            bool(self.own_prefixes) and key.startswith(self.own_prefixes))


SIDEBAR = PageParams()


def read_query(query: dict[str, list[str]], page: PageParams = SIDEBAR,
               defaults: dict[str, object] | None = None,
               ) -> tuple[dict[str, str | None], list[Notice]]:
    """What to write back into the URL, and what to tell the user.

    query: every key with all its values in order (a repeated key has several). page: the
    parameters the page reads. defaults: the scenario each knob prefix starts from
    (prefix -> Scenario; the default Scenario when left out).
    Returns (rewrites, notices): rewrites maps a key to the string the widget reads, or to
    None to remove it from the URL (its default applies); keys already in their widget's
    form are left out. Notices: one per value not used as written.
    """
    rewrites: dict[str, str | None] = {}
    notices: list[Notice] = []
    defaults = defaults or {}
    for key, values in query.items():
        if page.keeps(key) or not values:
            continue
        given = values[-1]
        if key in page.numbers:
            number = page.numbers[key]
            reason = number.reason(given)
            if reason:
                rewrites[key] = None
                notices.append(Notice(key, given, reason, f"{number.default:,} (the default)",
                                      None))
            continue
        found = page.knob_of(key)
        if found is None:
            rewrites[key] = None
            elsewhere = page.moved(key)
            notices.append(
                Notice(key, given, f"is set once for both sides here, as {code(elsewhere)}",
                       "the shared value", None) if elsewhere else
                Notice(key, given, "is not a setting of this page", "nothing", None))
            continue
        prefix, name = found
        control = KNOBS[name]
        shown_values = escape_markdown(", ".join(values), NOTICE_LIMIT)
        repeated = (f"is the last of {len(values)} values given ({shown_values})"
                    if len(set(values)) > 1 else None)
        try:
            value, reason = control.read(given)
        except ValueError as problem:
            default = control.snap(getattr(defaults.get(prefix, DEFAULT), name))
            rewrites[key] = None
            notices.append(Notice(key, given, str(problem),
                                  f"{control.shown(default)} (the default)", None))
            continue
        form = control.url_form(value)
        if len(values) > 1 or not control.widget_reads(given, value):
            rewrites[key] = form
        if reason or repeated:
            why = " and ".join(part for part in (repeated, reason) if part)
            notices.append(Notice(key, given, why, control.shown(value), form))
    return rewrites, notices
