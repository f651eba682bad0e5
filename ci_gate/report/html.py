"""report.html: the whole outcome on one self-contained page, charts included.

No script, no network request of any kind (the Content-Security-Policy forbids both), so the
page reads the same opened from a CI artifact, a mail attachment or a laptop offline. The
overall verdict is on top, then (with several masters) an overview of them; failing masters
come first, one section each, with the status timeline, events by level and the run's KPI
charts (`kpi_charts`) on one time axis, the run's own clock (`run_clock`), BlazeMeter's
criteria, the KPIs, the baseline and the trend. Server text goes through `html_text` only,
inside `<bdi>` so that right-to-left text cannot reorder what is around it. Over 300 lines
on purpose: the page's sections are read top to bottom as the reader meets them, and share
one style sheet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from ci_gate.domain.findings import compared_unit
from ci_gate.domain.levels import LEVELS, NAMES_BY_NUMBER
from ci_gate.domain.outcome import MasterOutcome, Outcome
from ci_gate.domain.run import Event
from ci_gate.domain.trend import TREND_METRICS, Trend
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import (
    format_duration,
    iso_utc,
    plural,
    show_progress,
    utc_moment,
)
from ci_gate.judging.reason import run_reason
from ci_gate.report import views
from ci_gate.report.html_text import html_safe_text, html_text
from ci_gate.report.kpi_charts import kpi_section
from ci_gate.report.run_clock import REACH_AFTER, REACH_BEFORE, RunClock, run_clock, status_times
from ci_gate.report.svg import (
    HALF_WIDTH,
    drawable,
    line_chart,
    paired_bars,
    stacked_bars,
    step_chart,
)
from ci_gate.report.ticks import time_step
from ci_gate.safe_numbers import OUT_OF_RANGE

HTML_NAME = "report.html"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: bars of the events-over-time chart at most
EVENT_BUCKETS = 30

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}
main{max-width:980px;margin:0 auto;padding:16px}
header.verdict{padding:16px 20px;border-radius:8px;color:#fff;margin-bottom:16px}
.v-passed{background:#2f8132}.v-failed{background:#c62828}.v-broken{background:#8e24aa}
.v-other{background:#b26a00}
h1{margin:0 0 6px;font-size:26px}h2{margin:0 0 8px;font-size:20px}
h3{font-size:16px;margin:18px 0 6px}h4{font-size:14px;margin:6px 0 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 16px}
p.hint{color:#52606d;font-size:13px;margin:0 0 4px}
section.master{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:16px 20px;
margin-bottom:16px}
section.overview{background:#fff;border:1px solid #d9e2ec;border-radius:8px;
padding:16px 20px;margin-bottom:16px}
div.scroll{overflow-x:auto}table.overview{table-layout:auto}
table.overview td:not(:nth-child(6)){white-space:nowrap;overflow-wrap:normal}
table.trend{table-layout:auto}table.trend td:first-child{white-space:nowrap}
section.master>h2 .badge,table.overview .badge{font-size:14px;padding:2px 8px;
border-radius:10px;color:#fff;vertical-align:middle}
table{border-collapse:collapse;width:100%;margin:6px 0;table-layout:fixed}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f0f4f8;overflow-wrap:normal;word-break:normal;hyphens:none}
table.overview th{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.this-run td{font-weight:600;background:#fffbea}
tr.breached td,tr.regression td{background:#fdecea}
bdi{unicode-bidi:isolate}
code,bdi.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
svg.chart{width:100%;height:auto;background:#fff;display:block;margin:4px 0 10px}
svg .grid{stroke:#e4e7eb}svg .tick,svg .value,svg .legend,svg .label,svg .mark-label{font-size:11px;
fill:#52606d}svg .axis-title{font-size:12px;fill:#1f2933}
svg .series{fill:none;stroke:#2563eb;stroke-width:2}
svg .point{fill:#2563eb}svg .point.this-run{fill:#d97706;stroke:#1f2933;stroke-width:1.5}
svg .bar.offending{stroke:#1f2933;stroke-width:1.5}
svg .bar.base{fill:#9aa5b1}svg .bar.now{fill:#2563eb}svg .bar.regression{fill:#c62828}
h4.label{font-size:15px;margin:12px 0 0}
svg .gap,svg .empty{font-size:11px;fill:#7b8794;font-style:italic}
ul.notes li{overflow-wrap:anywhere}
footer{color:#52606d;font-size:13px;margin-top:12px}
"""


def _t(text: str | None, limit: int = 500) -> str:
    """Server text as an isolated run of text (never markup)."""
    return f"<bdi>{html_text(text or '', limit)}</bdi>"


def _link(url: str, text: str | None = None) -> str:
    """A link to BlazeMeter's report (a navigation the reader chooses, not a request),
    showing the URL or `text`; anything but http(s) is shown as text."""
    if not url.startswith(("https://", "http://")):
        return _t(url, 300)
    shown = _t(url, 300) if text is None else html_text(text)
    return f'<a href="{html_text(url, 2000)}" rel="noopener noreferrer">{shown}</a>'


def _banner_class(verdict: Verdict) -> str:
    if verdict in (Verdict.PASSED, Verdict.FAILED, Verdict.BROKEN):
        return f"v-{verdict.value}"
    return "v-other"


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_classes: Sequence[str] = (),
    *,
    kind: str = "",
) -> str:
    """A table of cells already made safe (server text through `_t`); `kind` its class."""
    opening = f'<table class="{kind}">' if kind else "<table>"
    parts = [opening, "<thead><tr>", *(f"<th>{cell}</th>" for cell in head), "</tr></thead><tbody>"]
    for index, row in enumerate(rows):
        cls = row_classes[index] if index < len(row_classes) else ""
        parts.append(f'<tr class="{cls}">' if cls else "<tr>")
        parts += [f"<td>{cell}</td>" for cell in row]
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _view_cell(cell: views.Cell) -> str:
    """A view's cell: server text isolated in `<bdi>`, our words as they are, escaped."""
    text = html_safe_text(cell.text)
    shown = (f"<bdi>{text}</bdi>" if cell.server else text) + html_safe_text(cell.after)
    return f"<strong>{shown}</strong>" if cell.strong else shown


def _view_line(line: views.Line) -> str:
    """A view's line (a heading's words, a labelled line) in HTML."""
    return "".join(_view_cell(cell) for cell in line)


def _view_table(table: views.Table | None) -> str:
    """A view's table (`views`), laid out: its rows' states as their classes."""
    if table is None:
        return ""
    rows = [
        [
            _view_cell(cell) if isinstance(cell, views.Cell) else _view_line(cell)
            for cell in row.cells
        ]
        for row in table.rows
    ]
    after = f"<p>{html_safe_text(table.after)}</p>" if table.after else ""
    return _table(table.head, rows, [row.state for row in table.rows], kind=table.kind) + after


def events_over_time(
    events: Sequence[Event], clock: RunClock
) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """Events counted per level in round slices of the axis from its start (at most
    about `EVENT_BUCKETS`, none under a second: an event's time is a whole second): the
    slices' width, and each slice's start (seconds on `clock`) with its counts, in time
    order."""
    span = clock.span
    width = max(1.0, time_step((span.high - span.low) / EVENT_BUCKETS))
    buckets: dict[float, Counter[str]] = {}
    for event in events:
        offset = clock.place(event.t)
        if offset is None:
            continue
        start = span.low + math.floor((offset - span.low) / width) * width
        buckets.setdefault(start, Counter())[_level_key(event)] += 1
    return width, [(start, dict(buckets[start])) for start in sorted(buckets)]


def undated_events(events: Sequence[Event]) -> int:
    """Events whose time is given but names no date (`t` of 400 digits, NaN): not drawn."""
    return sum(1 for event in events if event.t is not None and utc_moment(event.t) is None)


def _level_key(event: Event) -> str:
    if not event.level_recognised:
        return "OTHER"
    return NAMES_BY_NUMBER.get(event.level_number, "OTHER")


def _events_chart(master: MasterOutcome, outcome: Outcome, clock: RunClock) -> str:
    width, buckets = events_over_time(master.events, clock)
    order = [*LEVELS, "OTHER"]
    marked = frozenset(name for name, number in LEVELS.items() if number >= outcome.threshold)
    chart = stacked_bars("Events by level over time", clock.span, width, buckets, order, marked)
    undated = undated_events(master.events)
    drawn = sum(sum(counts.values()) for _, counts in buckets)
    far = len(master.events) - undated - drawn
    if undated:
        chart += (
            f'<p class="hint">{undated} {plural(undated, "event")} at a time {OUT_OF_RANGE} '
            "(no calendar date) not drawn; listed with the time as sent</p>"
        )
    if far > 0:
        chart += (
            f'<p class="hint">{far} {plural(far, "event")} dated more than '
            f"{format_duration(REACH_BEFORE)} before the wait or "
            f"{format_duration(REACH_AFTER)} after it (a clock gone wrong?) not drawn</p>"
        )
    return chart


def _timeline_chart(master: MasterOutcome, outcome: Outcome, clock: RunClock) -> str:
    """The status changes, the stop requests and the deadline, each placed by its UTC time
    on the master's one axis."""
    start = outcome.started_at.timestamp()
    marks = [
        (
            clock.place(start + stop.elapsed),
            "stop",
            f"{stop.action or 'stop'} sent: {stop.why}"
            if stop.action
            else f"stop not confirmed: {stop.why}",  # not sent, or sent and no answer
        )
        for stop in master.seen.stop_requests
    ]
    deadline = drawable(outcome.timeout)
    at = None if deadline is None else clock.place(start + deadline)
    if deadline is not None and at is not None and clock.span.low <= at <= clock.span.high:
        marks.insert(0, (at, "deadline", f"deadline (--timeout {format_duration(deadline)})"))
    points = [
        (second, progress, status)
        for moment, progress, status in status_times(master)
        if (second := clock.place(moment)) is not None
    ]
    return step_chart(
        "Status over time (progress code)",
        points,
        span=clock.span,
        marks=[(when, kind, words) for when, kind, words in marks if when is not None],
    )


def _live_section(master: MasterOutcome) -> str:
    """The `--fail-on` criteria as summary.md lists them, and what a stop saved."""
    table = views.live_table(master)
    if table is None:
        return ""
    saved = views.stopped_early(master)
    shown = "" if saved is None else f"<p>{_view_line(saved)}</p>"
    return f"<h3>{_view_line(views.live_title())}</h3>" + _view_table(table) + shown


def _criteria_section(master: MasterOutcome) -> str:
    criteria = master.criteria
    if criteria is None:
        return ""
    return (
        "<h3>BlazeMeter's criteria</h3>"
        f"<p>BlazeMeter's verdict: {_t(criteria.report_status or 'unset', 40)} → "
        f"<strong>{criteria.verdict}</strong> (<code>--criteria {criteria.mode}</code>)</p>"
        + _view_table(views.criteria_table(master))
    )


def _kpi_section(master: MasterOutcome) -> str:
    table = views.kpi_table(master)
    return "" if table is None else "<h3>KPIs (label ALL)</h3>" + _view_table(table)


def _baseline_section(master: MasterOutcome) -> str:
    comparison = master.baseline
    if comparison is None:
        return ""
    parts = [f"<h3>{_view_line(views.baseline_title(comparison))}</h3>"]
    if comparison.note:
        parts.append(f"<p>{_t(comparison.note)}</p>")
    metrics = list(dict.fromkeys(row.metric for row in comparison.rows))
    for metric in metrics:
        rows = [row for row in comparison.rows if row.metric == metric]
        parts.append(
            paired_bars(
                f"{metric}: baseline against this run, per label",
                [(row.label, row.baseline, row.now, row.verdict == "regression") for row in rows],
                unit=compared_unit(metric),
            )
        )
    parts.append(_view_table(views.baseline_table(master)))
    return "".join(parts)


def _trend_section(trend: Trend | None, test_id: str | None) -> str:
    if trend is None:
        return ""
    labels = [point.master_id for point in trend.points]
    highlight = len(trend.points) - 1
    parts = [
        f'<h3 class="trend">{_view_line(views.trend_title(trend, test_id))}</h3>',
        '<p class="hint">Oldest first, this run last (the orange point); a gap is a run '
        'without data.</p><div class="charts">',
    ]
    for metric in TREND_METRICS:
        chart = line_chart(
            f"{metric.name} over the last runs (this run highlighted)",
            labels,
            trend.series(metric.name),
            unit=metric.unit,
            highlight=highlight,
            y_title=metric.name,
            width=HALF_WIDTH,
        )
        heading = metric.title + (f" ({metric.unit})" if metric.unit else "")
        parts.append(f"<div><h4>{heading}</h4>{chart}</div>")
    parts.append("</div>")
    parts.append('<div class="scroll">' + _view_table(views.trend_table(trend)) + "</div>")
    return "".join(parts)


def _events_section(master: MasterOutcome, level: str) -> str:
    if not master.offending:
        return ""
    table = views.events_table([(event, "") for event in master.offending])
    return f"<h3>{_view_line(views.events_title(level))}</h3>" + _view_table(table)


def _master_section(master: MasterOutcome, outcome: Outcome) -> str:
    parts = [
        f'<section class="master" id="master-{html_text(master.master_id, 40)}">',
        f"<h2>Master {_t(master.master_id, 40)} "
        f'<span class="badge {_banner_class(master.verdict)}">{master.verdict}</span></h2>',
        _view_table(views.master_table(master)),
    ]
    if master.error:
        parts.append(f"<p><strong>Why:</strong> {_t(master.error, 1000)}</p>")
    if master.report_url:
        parts.append(f"<p><strong>Report:</strong> {_link(master.report_url)}</p>")
    clock = run_clock(master, outcome)
    parts += [
        "<h3>Status timeline</h3>",
        _timeline_chart(master, outcome, clock),
        "<h3>Events by level over time</h3>",
        _events_chart(master, outcome, clock),
        _live_section(master),
        kpi_section(
            master.kpi_timeline,
            [(live.criterion, live.judgement) for live in master.live_criteria],
            clock=clock,
        ),
        _criteria_section(master),
        _kpi_section(master),
        _baseline_section(master),
        _trend_section(master.trend, master.test_id),
        _events_section(master, outcome.threshold_name),
    ]
    if master.notes:
        parts.append(
            '<h3>Notes</h3><ul class="notes">'
            + "".join(f"<li>{_t(note, 1000)}</li>" for note in master.notes)
            + "</ul>"
        )
    parts.append("</section>")
    return "".join(parts)


def _overview(ordered: Sequence[MasterOutcome], level: str) -> str:
    """Every master on one screen, in the order of their sections (failing first), each
    linking to its section, with why it is not a pass: what a reader of several masters
    looks at first."""
    if len(ordered) < 2:
        return ""
    rows = [
        [
            f'<a href="#master-{html_text(master.master_id, 40)}">{_t(master.master_id, 40)}</a>',
            f'<span class="badge {_banner_class(master.verdict)}">{master.verdict}</span>',
            _t(master.status or "never read", 60),
            show_progress(master.progress),
            str(len(master.offending)),
            "-"
            if master.verdict is Verdict.PASSED
            else _t(run_reason(master.verdict, (master,), level), 400),
            _link(master.report_url, "BlazeMeter") if master.report_url else "-",
        ]
        for master in ordered
    ]
    head = ["master", "verdict", "status", "progress", "offending", "why", "report"]
    return (
        '<section class="overview"><h2>Masters</h2><div class="scroll">'
        + _table(head, rows, kind="overview")
        + "</div></section>"
    )


def render_html(outcome: Outcome, report_id: str = "") -> str:
    failing = [m for m in outcome.masters if m.verdict not in (Verdict.PASSED, Verdict.UNFINISHED)]
    ordered = failing + [m for m in outcome.masters if m not in failing]
    count = len(outcome.masters)
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>ci-gate: {outcome.verdict}</title><style>{_STYLE}</style></head><body><main>",
            f'<header class="verdict {_banner_class(outcome.verdict)}">',
            f'<h1 id="verdict">ci-gate: {outcome.verdict}</h1>',
            f'<p class="why"><strong>Why:</strong> {_t(outcome.reason, 2000)}</p>',
            f"<p>{count} master{'s' if count != 1 else ''} · threshold "
            f"{html_text(outcome.threshold_name)} · waited {format_duration(outcome.waited)} · "
            f"exit code {outcome.exit_code} · finished {iso_utc(outcome.finished_at)}</p>",
            "</header>",
            _overview(ordered, outcome.threshold_name),
            *(_master_section(master, outcome) for master in ordered),
            f"<footer>Written by ci-gate · report id <code>{html_text(report_id, 40)}</code> "
            "(the same in junit.xml and summary.json)</footer>",
            "</main></body></html>\n",
        ]
    )
