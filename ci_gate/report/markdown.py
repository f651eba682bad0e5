"""Escaping server text for Markdown: no raw HTML, no formatting, no links, no mentions."""

from __future__ import annotations

from ci_gate.text import one_line

#: Characters that could start HTML, an entity, emphasis, a link, an image or a table cell.
_SPECIAL = frozenset("\\`*_{}[]()<>#+!|~&$")


def md_text(text: str, limit: int = 500) -> str:
    """One line of inert Markdown: each special character is backslash-escaped."""
    return "".join(f"\\{char}" if char in _SPECIAL else char for char in one_line(text, limit))
