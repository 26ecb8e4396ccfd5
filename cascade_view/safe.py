"""User text on a page: URL keys and values, file names, column names and cells, made inert
before they go into Streamlit markdown (st.markdown, st.caption, st.info, st.error...).

Streamlit renders markdown with GitHub's extensions, LaTeX and its own directives, so a
value like ``![t](http://host/track.png)`` would show a remote image, ``[click](http://...)``
a live link, a backtick would close the code span around it, and ``$x$`` would start LaTeX.
Two forms, both one line:

- escape_markdown(text): plain text. Every ASCII punctuation character markdown can act on
  gets a backslash (CommonMark shows `\\x` as `x` for all of them); the few that mean
  nothing inside a line (`. , - ' " / ; ? % =`) are left as they are, so a file name or a
  number reads the same in the page's source, except that a leading `-` (a list item or
  a rule) and the `.` of a leading "1. " (a numbered item) are escaped too. Line breaks
  and other control characters become spaces, and the bare addresses GitHub's markdown
  links by itself (`http://`, `www.`, `a@b.c`; found after the backslashes are read, so
  escaping alone does not stop them) are broken by an invisible word joiner (U+2060).
- code(text): a code span, whose content markdown never interprets (no links, images,
  LaTeX or directives); its fence is longer than any run of backticks inside, so no
  backtick in the text can close it.

`limit` shortens a text to that many characters (with an ellipsis), so a 100 KB link value
does not become a 100 KB notice.
"""

from __future__ import annotations

import re
import string
import unicodedata

WORD_JOINER = "\u2060"
# Punctuation with no meaning inside a line of markdown (a list item needs them at its start)
INERT = frozenset(".,-'\"/;?%=")
ACTIVE = frozenset(string.punctuation) - INERT
# What GitHub's markdown links without brackets: a scheme's "://" (and "mailto:"), "www."
# and an e-mail address's "@". A word joiner after every ":" and before every "@" and in
# "www." breaks each of them.
_WWW = re.compile(r"(?i)(www)(\.)")


def one_line(text: str, limit: int | None = None) -> str:
    """`text` as one line (control and line-separator characters become spaces), cut to
    `limit` characters with an ellipsis."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in str(text))
    if limit is not None and len(text) > limit:
        text = text[:max(limit - 1, 0)] + "\u2026"
    return text


def escape_markdown(text: str, limit: int | None = None) -> str:
    """`text` as markdown that renders as exactly that text (on one line): no link, image,
    emphasis, code, HTML, LaTeX, heading, table, list or Streamlit directive."""
    text = _WWW.sub(r"\1" + WORD_JOINER + r"\2", one_line(text, limit))
    out = []
    for c in text:
        if c == "@":
            out.append(WORD_JOINER)
        if c in ACTIVE:
            out.append("\\")
        out.append(c)
        if c == ":":
            out.append(WORD_JOINER)
    escaped = "".join(out)
    if escaped.startswith("-"):
        return "\\" + escaped
    return re.sub(r"^(\d{1,9})\.(?=\s|$)", r"\1\\.", escaped)


def code(text: str, limit: int | None = None) -> str:
    """`text` as an inline code span that no backtick inside can close (on one line)."""
    text = one_line(text, limit)
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    # CommonMark strips one space from each end when both ends have one: pad when the
    # text starts or ends with a backtick (it would join the fence) or with a space; an
    # empty text becomes one space (two backticks alone are no code span); a text of
    # spaces only is kept as it is
    if not text:
        text = " "
    elif text.strip(" ") and (text.startswith(("`", " ")) or text.endswith(("`", " "))):
        text = f" {text} "
    return f"{fence}{text}{fence}"

