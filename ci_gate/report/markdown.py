"""Server text in Markdown: inert when rendered, and still plain when read as text.

Each server string becomes an inline code span: inside one, Markdown renders no HTML, no
emphasis, no links and no autolinks (bare URLs, e-mail addresses, mentions), so nothing
needs a backslash and `DATA_RECEIVED` reads as it is. In table cells a `|` is escaped,
the one character GitHub's tables split on even inside code.
"""

from __future__ import annotations

import re

from ci_gate.text import one_line

_BACKTICKS = re.compile("`+")


def md_code(text: str, limit: int = 500) -> str:
    """One line of server text as an inline code span (`(empty)` for nothing at all)."""
    safe = one_line(text, limit)
    if not safe:
        return "(empty)"
    longest = max((len(run) for run in _BACKTICKS.findall(safe)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


def md_cell(text: str, limit: int = 500) -> str:
    """Server text for a table cell: a code span whose pipes cannot end the cell."""
    return md_code(text, limit).replace("|", "\\|")
