"""summary.md and report.html render one view model per table (issue 30 item 6): the
failed criteria, the live criteria, the KPIs, the baseline, the trend and the offending
events are worded once
(`report.views`); the two renderers only escape and lay the cells out. Read back from
each report, every table says the same cells, and each section's heading the same words, for
generated outcomes of extreme values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from lxml import html as lxml_html

from ci_gate.domain.outcome import Outcome
from ci_gate.report.html import render_html
from ci_gate.report.markdown import md_table
from ci_gate.report.summary import render_markdown
from ci_gate.report.views import (
    Cell,
    Line,
    Row,
    Table,
    baseline_table,
    baseline_title,
    criteria_table,
    events_table,
    events_title,
    kpi_table,
    live_table,
    live_title,
    master_table,
    server,
    trend_table,
    trend_title,
)
from tests.support.helpers import make_outcome
from tests.support.kpi_outcome import live_breach_master
from tests.unit.report.test_extreme_values import outcomes

_SPLIT = re.compile(r"(?<!\\)\|")
#: a code span: a run of backticks, then up to the next run of exactly as many (CommonMark)
_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _md_cell(text: str) -> str:
    """A Markdown cell's shown text: pipes unescaped, bold and every code span undone (a
    cell of several pieces, the events seen, has one per level)."""
    text = text.strip().replace("\\|", "|")
    if text.startswith("**") and text.endswith("**") and len(text) >= 4:
        text = text[2:-2]
    return _CODE.sub(lambda match: _unpadded(match.group(2)), text)


def _unpadded(code: str) -> str:
    if len(code) > 2 and code.startswith(" ") and code.endswith(" ") and code.strip():
        return code[1:-1]  # CommonMark strips one space each side of a padded span
    return code


def _md_tables(markdown: str) -> dict[tuple[str, ...], list[list[str]]]:
    """Each table of summary.md by its header row: its rows of shown cell texts."""
    tables: dict[tuple[str, ...], list[list[str]]] = {}
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        if not (
            line.startswith("| ") and index + 1 < len(lines) and lines[index + 1].startswith("|---")
        ):
            continue
        head = tuple(cell.strip() for cell in line.strip("|").split("|"))
        rows = tables.setdefault(head, [])
        for row in lines[index + 2 :]:
            if not row.startswith("| "):
                break
            rows.append([_md_cell(cell) for cell in _SPLIT.split(row[1:-1])])
    return tables


def _html_tables(page: str) -> dict[tuple[str, ...], list[list[str]]]:
    tables: dict[tuple[str, ...], list[list[str]]] = {}
    for table in lxml_html.fromstring(page).iter("table"):
        head = tuple(th.text_content() for th in table.iter("th"))
        rows = tables.setdefault(head, [])
        rows += [[td.text_content() for td in tr.iter("td")] for tr in table.iter("tr")][1:]
    return tables


_SPAN = re.compile(r"(`+)(.+?)\1")


def _md_headings(markdown: str) -> set[str]:
    """summary.md's `###` headings as they read, code spans undone."""
    return {
        _SPAN.sub(lambda m: _md_cell(m.group(0)), line[4:])
        for line in markdown.split("\n")
        if line.startswith("### ")
    }


def _titles(outcome: Outcome) -> list[str]:
    lines: list[Line] = []
    for master in outcome.masters:
        if master.live_criteria:
            lines.append(live_title())
        if master.baseline is not None:
            lines.append(baseline_title(master.baseline))
        if master.trend is not None:
            lines.append(trend_title(master.trend, master.test_id))
        if master.offending:
            lines.append(events_title(outcome.threshold_name))
    return ["".join(_shown(cell) for cell in line) for line in lines]


def _views(outcome: Outcome) -> list[Table]:
    builders = (master_table, criteria_table, live_table, kpi_table, baseline_table)
    tables = [table for master in outcome.masters for build in builders if (table := build(master))]
    tables += [trend_table(m.trend) for m in outcome.masters if m.trend is not None]
    offending = [[(event, "") for event in m.offending] for m in outcome.masters]
    return tables + [events_table(events) for events in offending if events]


def _shown(cell: Cell | Line) -> str:
    if isinstance(cell, tuple):
        return "".join(_shown(piece) for piece in cell)
    return cell.text + cell.after


def _assert_both_show_the_views(outcome: Outcome) -> None:
    """Each view's rows, read back from report.html and from summary.md (a numbered
    table's number left out), in the reports' order of the masters (failing first)."""
    markdown, page = _md_tables(render_markdown(outcome)), _html_tables(render_html(outcome))
    expected: dict[tuple[str, ...], list[list[str]]] = {}
    for table in _views(outcome):
        expected.setdefault(table.head, []).extend(
            [[_shown(cell) for cell in row.cells] for row in table.rows]
        )
    for head, rows in expected.items():
        numbered_head = ("#", *head)
        numbered = numbered_head in markdown
        in_markdown = markdown[numbered_head if numbered else head]
        if numbered:
            assert all(row[0].isdigit() for row in in_markdown)
            in_markdown = [row[1:] for row in in_markdown]
        assert in_markdown == page[head], head
        assert sorted(page[head]) == sorted(rows), head
    html_headings = {
        h3.text_content() for h3 in lxml_html.fromstring(render_html(outcome)).iter("h3")
    }
    md_headings = _md_headings(render_markdown(outcome))
    for title in _titles(outcome):
        assert title in html_headings and title in md_headings, title


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(outcomes())
def test_summary_md_and_report_html_show_the_same_cells(outcome: Outcome) -> None:
    """Whatever the outcome (server text with pipes, backticks, markup, nothing at all;
    numbers of 400 digits, NaN), each table's cells read the same in both reports: the
    view's words."""
    _assert_both_show_the_views(outcome)


def test_the_live_breach_reads_the_same_in_both() -> None:
    outcome = make_outcome(live_breach_master())
    _assert_both_show_the_views(outcome)
    live = live_table(outcome.masters[0])
    assert live is not None and [row.state for row in live.rows] == ["breached", ""]


def test_empty_server_text_is_said_so_in_both() -> None:
    """summary.md said `(empty)` where report.html showed an empty cell."""
    assert server("", 40) == Cell("(empty)")
    assert server("\x1b[0m", 40) == Cell("(empty)")  # nothing left once made safe
    assert server("a|b", 40) == Cell("a|b", server=True)


def test_markdown_numbers_a_numbered_tables_rows_and_bolds_the_marked_one() -> None:
    table = Table(
        ("a", "b"),
        (
            Row((Cell("x|y"), server("`t`", 10))),
            Row((Cell("z", strong=True), Cell("w")), "this-run"),
        ),
        numbered=True,
    )
    assert md_table(table) == [
        "| # | a | b |",
        "|---|---|---|",
        "| 1 | x\\|y | `` `t` `` |",
        "| **2** | **z** | w |",
        "",
    ]


_SHARED_WORDS = (
    "failed criterion",
    "events seen",
    "KPI (label ALL)",
    "samples (baseline / now)",
    "created (UTC)",
    "Live criteria (--fail-on)",
    "Stopped early:",
    "Against baseline ",
    "every one is in summary.json",
)


def test_the_shared_tables_are_worded_in_views_only() -> None:
    """The words of a table both reports show stand in `report/views.py` alone: a second
    copy in summary.py or html.py would be a table built twice again."""
    package = Path(__file__).resolve().parents[3] / "ci_gate" / "report"
    found = []
    for path in package.glob("*.py"):
        if path.name == "views.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found += [f"{path.name}: {words}" for words in _SHARED_WORDS if words in node.value]
    assert not found
