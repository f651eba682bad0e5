"""The tables summary.md and report.html both show, built once as view models.

Each table (a master's summary row, the failed criteria, the live criteria, the KPIs,
the baseline, the trend, the events) and each of their sections' headings is worded here:
its headers, each cell's text already spelled and sanitised, and each row's state. The
two renderers only escape and lay the cells out (`markdown.md_table`, `html.py`'s
`_view_table`), so the two reports cannot say a cell differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ci_gate.domain.findings import BaselineOutcome
from ci_gate.domain.outcome import MasterOutcome
from ci_gate.domain.run import Event
from ci_gate.domain.trend import TREND_METRICS, Trend, TrendPoint
from ci_gate.formatting import event_time, iso_utc, kpi_cell, show_progress, utc_moment
from ci_gate.report.live_rows import criterion_row
from ci_gate.safe_numbers import OUT_OF_RANGE, in_range, show_amount, show_number
from ci_gate.text import one_line

#: A label's characters shown in a table cell at most (BlazeMeter's and the criteria's).
LABEL_LIMIT = 200
#: Offending (and ignored) events listed per master in report.html and summary.md, one
#: cap for both views; summary.json lists all.
EVENT_CAP = 50


@dataclass(frozen=True)
class Cell:
    """One cell's text, sanitised. `server`: the text came from a server (a code span in
    Markdown, an isolated `<bdi>` in HTML); `after`: our words after it in the same cell;
    `strong`: emphasised."""

    text: str
    server: bool = False
    after: str = ""
    strong: bool = False


#: A line of cells: a section's heading, a labelled line or a cell of several pieces
#: (`ERROR 3, WARN 5`), laid out by each renderer (`markdown.md_line`, `html.py`'s
#: `_view_line`).
Line = tuple[Cell, ...]


@dataclass(frozen=True)
class Row:
    """A table's row (each cell one piece of text, or a `Line` of pieces) and its state:
    "" (none), `breached`, `regression` or `this-run` (report.html's row class; summary.md
    bolds a numbered row's number)."""

    cells: tuple[Cell | Line, ...]
    state: str = ""


@dataclass(frozen=True)
class Table:
    """Headers, rows and report.html's class; `numbered`: summary.md numbers the rows
    (where it cannot colour the one row that matters, it bolds its number)."""

    head: tuple[str, ...]
    rows: tuple[Row, ...]
    kind: str = ""
    numbered: bool = False
    #: a line of our words under the table: `and 3 more (every one is in summary.json)`
    after: str = ""


def server(text: str | None, limit: int) -> Cell:
    """Server text for a cell: on one line, safe, cut to `limit`; `(empty)` (our words)
    when nothing is left to show."""
    safe = one_line(text or "", limit)
    return Cell(safe, server=True) if safe else Cell("(empty)")


def master_table(master: MasterOutcome) -> Table:
    """A master's one-row summary: its status, progress, verdict and events."""
    counts: list[Cell] = []
    for name, count in master.seen.event_counts.items():
        if counts:
            counts.append(Cell(", "))
        counts += [server(name, 40), Cell(f" {show_number(count)}")]
    row = (
        server(master.status or "never read", 60),
        Cell(show_progress(master.progress)),
        Cell(master.verdict.value),
        Cell(str(len(master.offending))),
        Cell(str(len(master.ignored))),
        tuple(counts) or Cell("none"),
    )
    head = ("status", "progress", "verdict", "offending", "ignored", "events seen")
    return Table(head, (Row(row),))


def live_title() -> Line:
    return (Cell("Live criteria (--fail-on)"),)


def stopped_early(master: MasterOutcome) -> Line | None:
    """What a live criterion's stop saved, when it stopped the run."""
    if not master.stop_saved:
        return None
    return Cell("Stopped early:", strong=True), Cell(" "), server(master.stop_saved, 200)


def baseline_title(comparison: BaselineOutcome) -> Line:
    chosen = server(comparison.master_id or "none", 40)
    return Cell("Against baseline "), chosen, Cell(f" ({comparison.how_chosen})")


def trend_title(trend: Trend, test_id: str | None) -> Line:
    test = (Cell(" of test "), server(test_id, 40)) if test_id else ()
    return Cell(f"Trend: this run after the {len(trend.points) - 1} before it"), *test


def events_title(level: str) -> Line:
    return (Cell(f"Events at {one_line(level, 40)} or above"),)


def criteria_table(master: MasterOutcome) -> Table | None:
    """BlazeMeter's failed criteria; None when none failed."""
    if master.criteria is None or not master.criteria.failed:
        return None
    rows = tuple(
        Row(
            (
                server(c.describe(), 200),
                server(c.label, LABEL_LIMIT),
                server(c.shown_value(), 40),
                server(c.shown_limit(), 60),
            )
        )
        for c in master.criteria.failed
    )
    return Table(("failed criterion", "label", "value", "limit"), rows)


def live_table(master: MasterOutcome) -> Table | None:
    """The `--fail-on` criteria (the words are `live_rows.criterion_row`'s)."""
    if not master.live_criteria:
        return None
    rows = []
    for item in master.live_criteria:
        name, state, shown, place, action = criterion_row(item)
        cells = (server(name, 200), Cell(state), server(shown, 40), server(place, 300))
        rows.append(Row((*cells, Cell(action)), "breached" if item.breached else ""))
    head = ("criterion", "state", "value", "when", "action taken")
    return Table(head, tuple(rows), kind="live")


def kpi_table(master: MasterOutcome) -> Table | None:
    """Label ALL's KPIs: a known one by its label, any other by its name as sent."""
    if not master.kpis:
        return None
    rows = []
    for name, value in master.kpis.items():
        label, shown = kpi_cell(name, value)
        rows.append(Row((server(name, 60) if label is None else Cell(label), Cell(shown))))
    return Table(("KPI (label ALL)", "value"), tuple(rows))


def baseline_table(master: MasterOutcome) -> Table | None:
    """Each label and metric against the baseline; None without rows."""
    if master.baseline is None or not master.baseline.rows:
        return None
    rows = tuple(
        Row(
            (
                server(row.label, LABEL_LIMIT),
                Cell(row.metric),
                Cell(f"{show_amount(row.samples_baseline)} / {show_amount(row.samples_now)}"),
                Cell(row.shown_baseline),
                Cell(row.shown_now),
                Cell(row.change),
                Cell(row.verdict, strong=row.verdict == "regression"),
            ),
            "regression" if row.verdict == "regression" else "",
        )
        for row in master.baseline.rows
    )
    head = ("label", "metric", "samples (baseline / now)", "baseline", "now", "change", "verdict")
    return Table(head, rows)


def events_table(events: Sequence[tuple[Event, str]], *, patterns: bool = False) -> Table:
    """Events (with the `--ignore` pattern that waived each, for `patterns`), the first
    `EVENT_CAP` of them, numbered."""
    rows = tuple(
        Row(
            (
                Cell(str(number)),
                server(event.level, 40),
                Cell(event_time(event)),
                server(event.session_id or "-", 80),
                *((server(pattern, 100),) if patterns else ()),
                server(event.message, 1000),
            )
        )
        for number, (event, pattern) in enumerate(events[:EVENT_CAP], start=1)
    )
    rest = len(events) - EVENT_CAP
    head = ("#", "level", "time (UTC)", "session", *(("pattern",) if patterns else ()), "message")
    after = f"and {rest} more (every one is in summary.json)" if rest > 0 else ""
    return Table(head, rows, kind="events", after=after)


def point_date(point: TrendPoint) -> str:
    """The run's creation time in ISO-8601 UTC, or '?' when unknown or absurd."""
    moment = utc_moment(point.created)
    return "?" if moment is None else iso_utc(moment)


def metric_value(value: float | None, unit: str) -> str:
    """A trend number as people read it: `1,350 ms`, `538.7 ms`, `0.42 %`, `12,000`; `no data`, or
    `out of range` for a number no chart or sum can take (NaN, ±1.7e308, 400 digits)."""
    if value is None:
        return "no data"
    number = in_range(value)
    if number is None:
        return OUT_OF_RANGE
    if unit == "%":
        return f"{number:.2f} %"
    return show_amount(number, unit)  # as the KPI table spells the same run's numbers


def trend_table(trend: Trend) -> Table:
    """The trend's runs, oldest first, this run last (and marked)."""
    rows = tuple(
        Row(
            (
                Cell(point_date(point)),
                _with(server(point.master_id, 40), " (this run)" if point.this_run else ""),
                server(point.report_status or "unset", 40),
                *(Cell(metric_value(getattr(point, m.name), m.unit)) for m in TREND_METRICS),
            ),
            "this-run" if point.this_run else "",
        )
        for point in trend.points
    )
    head = ("created (UTC)", "master", "BlazeMeter's verdict", *(m.name for m in TREND_METRICS))
    return Table(head, rows, kind="trend", numbered=True)


def _with(cell: Cell, after: str) -> Cell:
    return Cell(cell.text, cell.server, after, cell.strong)
