"""Server text in Markdown: inert when rendered, and still plain when read as text.

Each server string becomes an inline code span: inside one, Markdown renders no HTML, no
emphasis, no links and no autolinks (bare URLs, e-mail addresses, mentions), so nothing
needs a backslash and `DATA_RECEIVED` reads as it is. In table cells a `|` is escaped,
the one character GitHub's tables split on even inside code.
"""

from __future__ import annotations

import re

from ci_gate.report.views import Cell, Line, Table
from ci_gate.text import one_line

_BACKTICKS = re.compile("`+")


def md_code(text: str, limit: int = 500) -> str:
    """One line of server text as an inline code span (`(empty)` for nothing at all)."""
    safe = one_line(text, limit)
    return _code_span(safe) if safe else "(empty)"


def _code_span(safe: str) -> str:
    """Sanitised text as an inline code span, fenced by more backticks than it holds."""
    longest = max((len(run) for run in _BACKTICKS.findall(safe)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end of a span that has one at both ends (and
    # is not all spaces), and a backtick at an end would join the fence: pad both cases
    spaced = safe.startswith(" ") and safe.endswith(" ") and bool(safe.strip(" "))
    pad = " " if spaced or safe.startswith("`") or safe.endswith("`") else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


def md_cell(text: str, limit: int = 500) -> str:
    """Server text for a table cell: a code span whose pipes cannot end the cell."""
    return md_code(text, limit).replace("|", "\\|")


def _inline(cell: Cell) -> str:
    """A view's cell in running text: server text as a code span, our words as they are."""
    text = (_code_span(cell.text) if cell.server else cell.text) + cell.after
    return f"**{text}**" if cell.strong else text


def md_line(line: Line) -> str:
    """A view's line (a heading's words, a labelled line) in Markdown."""
    return "".join(_inline(cell) for cell in line)


def _cell(cell: Cell | Line) -> str:
    """A view's cell in a table row: no `|` can end the cell."""
    shown = _inline(cell) if isinstance(cell, Cell) else md_line(cell)
    return shown.replace("|", "\\|")


def md_table(table: Table) -> list[str]:
    """A view's table in Markdown (a blank line after it); a numbered table's marked row
    has its number in bold, Markdown having no row colours."""
    head = ["#", *table.head] if table.numbered else list(table.head)
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for number, row in enumerate(table.rows, start=1):
        cells = [_cell(cell) for cell in row.cells]
        if table.numbered:
            cells.insert(0, f"**{number}**" if row.state else str(number))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, "", *((table.after.replace("|", "\\|"), "") if table.after else ())]
