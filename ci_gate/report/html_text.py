"""Server text in HTML and SVG: the one place it is escaped.

The text first goes through the sanitiser (`text.one_line`: no control or bidi
characters, no secrets, a bounded length), then `html.escape` with quotes, so it is safe
in element content and in attribute values alike.
"""

from __future__ import annotations

import html

from ci_gate.text import one_line


def html_text(text: str, limit: int = 500) -> str:
    return html.escape(one_line(text, limit), quote=True)


def html_safe_text(safe: str) -> str:
    """Text already made safe by `text.one_line` (a view's cell, `report.views`), escaped."""
    return html.escape(safe, quote=True)
