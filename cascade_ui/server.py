"""The server around the app: an answer for an unknown nested path.

Streamlit answers every path it does not know with its index.html, whose scripts are
relative (`./static/js/...`). At `/a/b` the browser asks `/a/static/js/...`, gets that same
HTML back instead of the script and shows a blank page (streamlit/streamlit#8013). Every
page of this app is one path segment deep, so a deeper path that is none of Streamlit's
own routes is answered here with a 404 page that says so and links to the pages. A
one-segment unknown path (`/a`) reaches the app, which says so itself (cascade_ui.frame).
"""

from __future__ import annotations

import html

from streamlit import config

from cascade_ui.frame import PAGES

# First path segments Streamlit serves under (its API, media, components, assets, the
# app's static folder, sign-in); a deeper path under any of them is Streamlit's to answer.
STREAMLIT_ROUTES = frozenset({"_stcore", "media", "component", "static", "app", "auth",
                              "oauth2callback", "favicon.png", "manifest.json"})


def unknown_nested(path: str, base: str = "") -> bool:
    """Whether a request path (with the server's base URL path `base`) is deeper than any
    page and none of Streamlit's routes: `/a/b` yes; `/phase`, `/_stcore/health`,
    `/phase/_stcore/health`, `/app/static/plotly.min.js` no."""
    path = path.split("?", 1)[0]
    base = base.strip("/")
    parts = [part for part in path.strip("/").split("/") if part]
    if base:
        if parts[:len(base.split("/"))] != base.split("/"):
            return False
        parts = parts[len(base.split("/")):]
    return len(parts) > 1 and not STREAMLIT_ROUTES & set(parts)


def not_found_html(path: str, base: str = "") -> str:
    """A small page: the path asked for (escaped) and a link to every page."""
    root = "/" + base.strip("/") if base.strip("/") else ""
    links = "".join(f'<li><a href="{html.escape(root)}/{html.escape(url_path)}">'
                    f"{html.escape(title)}</a></li>" for title, url_path in PAGES)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Page not found - Cascade Lab</title>"
            "<style>body{font-family:sans-serif;margin:3rem;color:#1f2937}"
            "a{color:#b91c1c}</style></head><body>"
            "<h1>Page not found</h1>"
            f"<p>Cascade Lab has no page at <code>{html.escape(path)}</code>. "
            "Its pages are:</p>"
            f"<ul>{links}</ul></body></html>")


class NestedPathNotFound:
    """ASGI middleware: a 404 page for an unknown nested path (see the module docstring)."""

    def __init__(self, app, base: str | None = None):
        self.app = app
        self.base = base

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            base = self.base
            if base is None:
                base = config.get_option("server.baseUrlPath") or ""
            if unknown_nested(scope.get("path", ""), base):
                body = not_found_html(scope["path"], base).encode("utf-8")
                await send({"type": "http.response.start", "status": 404, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-cache")]})
                await send({"type": "http.response.body",
                            "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)
