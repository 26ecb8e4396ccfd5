"""Long explanatory text lives in docs/<page>/*.md, not in Python strings."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

DOCS_ROOT = Path(__file__).resolve().parent.parent / "docs"
DOCS = DOCS_ROOT / "explorer"


def dollars(text: str) -> str:
    """Escape $ so Streamlit's markdown shows "$70M" instead of starting LaTeX math."""
    return re.sub(r"(?<!\\)\$", r"\\$", text)


@cache
def doc(name: str, page: str = "explorer") -> str:
    """The markdown of docs/<page>/<name>.md, ready for st.markdown."""
    return dollars((DOCS_ROOT / page / f"{name}.md").read_text(encoding="utf-8"))
