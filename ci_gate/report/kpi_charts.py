"""report.html's KPI charts: the run's own curves, with the live criteria drawn on them.

What a performance engineer looks at first (issue 31 item 5): average response time, hits/s,
errors % and active users over the run's own time (in report.html the master's one time
axis, `run_clock`, shared with its status and events), for ALL and each label a criterion
names; each criterion's threshold drawn on the chart of what it measures and each breach
window shaded. A criterion whose threshold is not a per-second value of a chart here (a
percentile, a count summed over a window) has its window shaded and says so under the
charts, never a line that would mislead. Built from plain values (`KpiPoint`s,
`LiveCriterion` and `LiveJudgement`), drawn by `svg`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ci_gate.domain.live import ALL_LABEL, KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState, LiveCriterion, LiveJudgement, Logic, Subject
from ci_gate.formatting import iso_utc, utc_moment
from ci_gate.judging.live_labels import find_label
from ci_gate.report.html_text import html_text
from ci_gate.report.run_clock import RunClock
from ci_gate.report.svg import HALF_WIDTH, TimeSpan, drawable, kpi_chart
from ci_gate.report.ticks import time_label

#: points per line at most: about one per pixel of the plot (seconds are averaged)
MAX_POINTS = 600
#: labels drawn at most (ALL first, then those criteria name)
MAX_LABELS = 8


def _errors_pct(point: KpiPoint) -> float | None:
    hits, errors = drawable(point.hits), drawable(point.errors)
    if hits is None or errors is None or hits <= 0:
        return None
    return drawable(errors / hits * 100.0)


@dataclass(frozen=True)
class Measure:
    """One chart of a label: its key, heading, y axis title, tick kind and value."""

    key: str
    heading: str
    y_title: str
    kind: str
    value: Callable[[KpiPoint], float | None]


MEASURES = (
    Measure("avg_rt", "Average response time", "avg response time (ms)", "number",
            lambda p: p.avg_rt),
    Measure("hits", "Hits per second", "hits/s", "count", lambda p: p.hits),
    Measure("errors", "Errors", "errors (%)", "number", _errors_pct),
    Measure("users", "Active users", "active users", "count", lambda p: p.users),
)  # fmt: skip
#: drawn only when a criterion judges them
EXTRA_MEASURES = {
    Subject.AVG_LT: Measure("avg_lt", "Average latency", "avg latency (ms)", "number",
                            lambda p: p.avg_lt),
    Subject.BYTES: Measure("bytes", "Average response size", "avg size (B)", "number",
                           lambda p: p.avg_bytes),
}  # fmt: skip


def placement(criterion: LiveCriterion) -> tuple[str, float | None]:
    """The chart a criterion belongs on (a `Measure.key`) and its threshold as a value of
    that chart (None: not a per-second value there; only its window is shaded)."""
    subject, threshold = criterion.subject, criterion.threshold
    if subject is Subject.AVG_RT:
        return "avg_rt", threshold
    if subject.percentile:
        return "avg_rt", None  # a cumulative percentile is not an average
    if subject in EXTRA_MEASURES:
        return EXTRA_MEASURES[subject].key, threshold
    if subject is Subject.CONCURRENCY:
        return "users", threshold
    if subject in (Subject.FAIL, Subject.SUCC) and criterion.percent:
        return "errors", threshold if subject is Subject.FAIL else 100.0 - threshold
    if subject is Subject.HITS:
        return "hits", threshold if criterion.logic is Logic.FOR else None
    return "errors", None  # a count of failures or successes


def _timed(points: Sequence[KpiPoint], clock: RunClock) -> list[tuple[float, KpiPoint]]:
    """Each point with its second on `clock` (a point whose second names no time, or one
    too far from the wait, is left out); read once per label, for all its charts."""
    return [(second, point) for point in points if (second := clock.place(point.ts)) is not None]


def _series(
    timed: Sequence[tuple[float, KpiPoint]], value: Callable[[KpiPoint], float | None]
) -> list[tuple[float, float | None]]:
    """(second, value) per point, averaged in runs of seconds down to MAX_POINTS (a run
    without a value is None: a gap). Where seconds are missing between two points (the
    run had no data there: a stall), a None breaks the line: no line is drawn across."""
    placed = [(second, drawable(value(point))) for second, point in timed]
    size = max(-(-len(placed) // MAX_POINTS), 1)
    merged: list[tuple[float, float | None]] = []
    end: float | None = None
    for start in range(0, len(placed), size):
        group = placed[start : start + size]
        if end is not None and group[0][0] > end + 1:
            merged.append((end + 1, None))  # seconds missing: the line breaks here
        known = [v for _, v in group if v is not None]
        merged.append((group[0][0], sum(known) / len(known) if known else None))
        end = group[-1][0]
    return merged


def _label_of(criterion: LiveCriterion, names: Sequence[str]) -> str | None:
    """The label of the timeline a criterion names, matched as the judge matches it."""
    if criterion.label is None:
        return ALL_LABEL if ALL_LABEL in names else None
    found = find_label(criterion.label, [Label(name, name) for name in names])
    return found.name if found else None


def _window(
    name: str, window: tuple[int, int] | None, origin: float
) -> tuple[float, float, str] | None:
    """A breach window as the chart shades it: its first and last second since `origin`
    and the words of its title (None: no window, or one that names no time)."""
    if window is None:
        return None
    first, last = drawable(window[0]), drawable(window[1])
    if first is None or last is None:
        return None
    first, last = first - origin, last - origin
    return first, last, f"{name}: breached {time_label(first)} to {time_label(last + 1)}"


def kpi_section(
    timeline: Mapping[str, Sequence[KpiPoint]],
    criteria: Sequence[tuple[LiveCriterion, LiveJudgement]] = (),
    *,
    clock: RunClock | None = None,
) -> str:
    """The KPI charts of one master ("" when it has no live data), on `clock` (the
    master's one time axis, `run_clock`; without it, from the first second of data)."""
    names = [name for name, points in timeline.items() if points]
    if not names:
        return ""
    names = sorted(names, key=lambda name: name != ALL_LABEL)[:MAX_LABELS]
    seconds = [
        second
        for name in names
        for point in timeline[name]
        if (second := drawable(point.ts)) is not None
    ]
    if not seconds:
        return ""
    if clock is None:
        origin = min(seconds)
        span = TimeSpan(
            0.0, max(max(seconds) - origin + 1.0, 1.0), "run time since its first second"
        )
        clock = RunClock(origin, span, origin, max(seconds))
        moment = utc_moment(origin)
        since = f"from its first second of data{f' ({iso_utc(moment)})' if moment else ''}"
    else:
        since = "on the time axis of the status and events above"
    parts = [
        '<h3 class="kpis">The run\'s KPIs over its own time</h3>',
        f'<p class="hint">One point per second of the run as BlazeMeter measured it, {since}; '
        "a dashed red line is a live criterion's threshold, a red band a breach window.</p>",
    ]
    for name in names:
        parts.append(_label_charts(name, timeline[name], names, criteria, clock))
    return "".join(parts)


def _label_charts(
    name: str,
    points: Sequence[KpiPoint],
    names: Sequence[str],
    criteria: Sequence[tuple[LiveCriterion, LiveJudgement]],
    clock: RunClock,
) -> str:
    mine = [(c, j) for c, j in criteria if _label_of(c, names) == name]
    measures = list(MEASURES)
    for criterion, _ in mine:
        extra = EXTRA_MEASURES.get(criterion.subject)
        if extra is not None and extra not in measures:
            measures.append(extra)
    parts = [f'<h4 class="label">label <bdi>{html_text(name, 200)}</bdi></h4><div class="charts">']
    timed = _timed(points, clock)
    not_drawn: list[str] = []
    for measure in measures:
        thresholds: list[tuple[float, str]] = []
        windows: list[tuple[float, float, str]] = []
        for criterion, judgement in mine:
            key, threshold = placement(criterion)
            if key != measure.key:
                continue
            if threshold is None:
                not_drawn.append(criterion.name)
            else:
                thresholds.append((threshold, criterion.name))
            shaded = _window(criterion.name, judgement.window, clock.origin)
            if judgement.state is JudgeState.BREACHED and shaded is not None:
                windows.append(shaded)
        chart = kpi_chart(
            f"{measure.heading} of {name}",
            _series(timed, measure.value),
            span=clock.span,
            y_title=measure.y_title,
            kind=measure.kind,
            thresholds=thresholds,
            windows=windows,
            width=HALF_WIDTH,
        )
        parts.append(f"<div><h4>{html_text(measure.heading)}</h4>{chart}</div>")
    parts.append("</div>")
    if not_drawn:
        listed = ", ".join(f"<bdi>{html_text(text, 200)}</bdi>" for text in not_drawn)
        parts.append(
            f'<p class="hint">Threshold not drawn (a percentile, or a count over a window, '
            f"is not a value of these per-second charts; its breach window is shaded): "
            f"{listed}</p>"
        )
    return "".join(parts)
