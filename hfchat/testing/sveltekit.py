"""SvelteKit's error responses, as chat-ui's routes send them.

chat-ui raises its route errors with SvelteKit's ``error(status, message)`` (and unexpected
exceptions end the same way). SvelteKit's ``handle_fatal_error`` negotiates the body on the
request's ``Accept`` between ``application/json`` (``{"message": ...}``) and ``text/html`` (the
default ``error.html`` page, message in ``<title>`` and ``<h1>``, status in
``<span class="status">``): no ``Accept`` counts as ``text/html``, ``*/*`` picks JSON, and
``application/jsonl, text/event-stream`` matches neither, so the page wins (captures head/70-74).
"""

from __future__ import annotations

import functools
import math
import re

__all__ = ["ERROR_PAGE", "error_page", "negotiate", "wants_json_error"]

#: SvelteKit's default ``error.html`` (byte for byte as head/70, 72, 73 serve it).
ERROR_PAGE = (
    "<!doctype html>\n"
    '<html lang="en">\n'
    "\t<head>\n"
    '\t\t<meta charset="utf-8" />\n'
    "\t\t<title>%sveltekit.error.message%</title>\n"
    "\n"
    "\t\t<style>\n"
    "\t\t\tbody {\n"
    "\t\t\t\t--bg: white;\n"
    "\t\t\t\t--fg: #222;\n"
    "\t\t\t\t--divider: #ccc;\n"
    "\t\t\t\tbackground: var(--bg);\n"
    "\t\t\t\tcolor: var(--fg);\n"
    "\t\t\t\tfont-family:\n"
    "\t\t\t\t\tsystem-ui,\n"
    "\t\t\t\t\t-apple-system,\n"
    "\t\t\t\t\tBlinkMacSystemFont,\n"
    "\t\t\t\t\t'Segoe UI',\n"
    "\t\t\t\t\tRoboto,\n"
    "\t\t\t\t\tOxygen,\n"
    "\t\t\t\t\tUbuntu,\n"
    "\t\t\t\t\tCantarell,\n"
    "\t\t\t\t\t'Open Sans',\n"
    "\t\t\t\t\t'Helvetica Neue',\n"
    "\t\t\t\t\tsans-serif;\n"
    "\t\t\t\tdisplay: flex;\n"
    "\t\t\t\talign-items: center;\n"
    "\t\t\t\tjustify-content: center;\n"
    "\t\t\t\theight: 100vh;\n"
    "\t\t\t\tmargin: 0;\n"
    "\t\t\t}\n"
    "\n"
    "\t\t\t.error {\n"
    "\t\t\t\tdisplay: flex;\n"
    "\t\t\t\talign-items: center;\n"
    "\t\t\t\tmax-width: 32rem;\n"
    "\t\t\t\tmargin: 0 1rem;\n"
    "\t\t\t}\n"
    "\n"
    "\t\t\t.status {\n"
    "\t\t\t\tfont-weight: 200;\n"
    "\t\t\t\tfont-size: 3rem;\n"
    "\t\t\t\tline-height: 1;\n"
    "\t\t\t\tposition: relative;\n"
    "\t\t\t\ttop: -0.05rem;\n"
    "\t\t\t}\n"
    "\n"
    "\t\t\t.message {\n"
    "\t\t\t\tborder-left: 1px solid var(--divider);\n"
    "\t\t\t\tpadding: 0 0 0 1rem;\n"
    "\t\t\t\tmargin: 0 0 0 1rem;\n"
    "\t\t\t\tmin-height: 2.5rem;\n"
    "\t\t\t\tdisplay: flex;\n"
    "\t\t\t\talign-items: center;\n"
    "\t\t\t}\n"
    "\n"
    "\t\t\t.message h1 {\n"
    "\t\t\t\tfont-weight: 400;\n"
    "\t\t\t\tfont-size: 1em;\n"
    "\t\t\t\tmargin: 0;\n"
    "\t\t\t}\n"
    "\n"
    "\t\t\t@media (prefers-color-scheme: dark) {\n"
    "\t\t\t\tbody {\n"
    "\t\t\t\t\t--bg: #222;\n"
    "\t\t\t\t\t--fg: #ddd;\n"
    "\t\t\t\t\t--divider: #666;\n"
    "\t\t\t\t}\n"
    "\t\t\t}\n"
    "\t\t</style>\n"
    "\t</head>\n"
    "\t<body>\n"
    '\t\t<div class="error">\n'
    '\t\t\t<span class="status">%sveltekit.status%</span>\n'
    '\t\t\t<div class="message">\n'
    "\t\t\t\t<h1>%sveltekit.error.message%</h1>\n"
    "\t\t\t</div>\n"
    "\t\t</div>\n"
    "\t</body>\n"
    "</html>\n"
)

_RANGE = re.compile(r"^[ \t]*([^/ \t]+)/([^; \t]+)")
_QUALITY = re.compile(r";[ \t]*q=([0-9.]+)")


def _quality(text: str) -> float:
    """JavaScript's ``+text`` for a run of digits and dots (``NaN`` when it is no number)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _order(a: tuple[str, str, float, int], b: tuple[str, str, float, int]) -> int:
    if a[2] != b[2]:  # NaN differs from everything; JS's sort reads a NaN result as 0
        diff = b[2] - a[2]
        return 0 if math.isnan(diff) else (1 if diff > 0 else -1)
    if (a[1] == "*") != (b[1] == "*"):
        return 1 if a[1] == "*" else -1
    if (a[0] == "*") != (b[0] == "*"):
        return 1 if a[0] == "*" else -1
    return a[3] - b[3]


def negotiate(accept: str, types: list[str]) -> str | None:
    """SvelteKit's ``negotiate(accept, types)``: the type of ``types`` matched by the
    highest-ranked media range of ``accept`` (quality, then specificity, then order), or None.

    Like SvelteKit, a quality of 0 is not treated as a refusal.
    """
    parts: list[tuple[str, str, float, int]] = []
    for index, item in enumerate(accept.split(",")):
        match = _RANGE.match(item)
        if match is None:  # an invalid range is ignored
            continue
        quality = _QUALITY.search(item)
        parts.append(
            (match.group(1), match.group(2), _quality(quality.group(1)) if quality else 1.0, index)
        )
    parts.sort(key=functools.cmp_to_key(_order))
    accepted: str | None = None
    best = math.inf
    for mimetype in types:
        kind, _, subtype = mimetype.partition("/")
        for priority, (p_type, p_subtype, _, _) in enumerate(parts):
            if p_type in (kind, "*") and p_subtype in (subtype, "*"):
                if priority < best:
                    accepted, best = mimetype, priority
                break
    return accepted


def wants_json_error(accept: str | None) -> bool:
    """Whether SvelteKit answers an error to this ``Accept`` with JSON (else the HTML page)."""
    return negotiate(accept or "text/html", ["application/json", "text/html"]) == (
        "application/json"
    )


def _escape_html(text: str) -> str:
    """SvelteKit's ``escape_html`` for text content: ``&`` and ``<``."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def error_page(status: int, message: str) -> bytes:
    """SvelteKit's ``static_error_page``: the error template with the status and message."""
    page = ERROR_PAGE.replace("%sveltekit.status%", str(status)).replace(
        "%sveltekit.error.message%", _escape_html(message)
    )
    return page.encode("utf-8")
