"""The charts of report.html, drawn as inline SVG strings: no script, no dependency.

The shapes of the report: a line chart over runs (the trend, one highlighted point), a
step chart (the status timeline, with the stop requests and the deadline marked), stacked
bars over time (events by level), KPI lines over time (a threshold drawn, breach windows
shaded) and paired horizontal bars (baseline against now, per label). Each chart is one
`<svg class="chart">` with a `<title>` and titled axes whose ticks `ticks` places (round
steps, whole numbers for counts, labels that never overlap); a master's time charts share
one time axis (`TimeSpan`). A series without data is a chart that says so, never an
error. Every text in a chart goes through `html_text`, every value through
`safe_numbers.in_range` (`drawable`): a value that cannot be placed (NaN, an infinity, an
integer of 400 digits) is a gap marked "out of range", and no coordinate ever leaves the
chart. Own code rather than pygal: pygal's charts rely on its JavaScript for tooltips and
would still need the CSP and escaping checked here. Over 300 lines on purpose: the shapes
share one frame (scale, axes, titles) and one "no data" chart, which apart they would repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ci_gate.report.html_text import html_text
from ci_gate.report.ticks import Ticks, fit_ticks, label_width, short_number, spaced, time_label
from ci_gate.safe_numbers import LIMIT, OUT_OF_RANGE, as_float, in_range, show_number
from ci_gate.text import one_line

WIDTH, HEIGHT = 640, 236
LEFT, RIGHT, TOP, BOTTOM = 64, 32, 26, 48
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
#: the width of a chart that shares a row with another (report.html's grids of two)
HALF_WIDTH = 460
#: tick labels on a y axis at most
Y_TICKS = 6
#: colours by level, lowest first (readable on white, distinct when stacked)
LEVEL_COLOURS = {
    "DEBUG": "#9aa5b1",
    "INFO": "#5b8def",
    "NOTICE": "#45b5aa",
    "WARNING": "#f0b429",
    "ERROR": "#e12d39",
    "CRITICAL": "#a61b1b",
    "ALERT": "#7c1a8c",
    "EMERGENCY": "#3d0a4a",
}
OTHER_COLOUR = "#616e7c"
#: Colours as SVG attributes too, not only in report.html's style sheet: a page served
#: under a stricter policy (Jenkins drops inline styles) keeps readable charts.
INK = ' font-size="11" fill="#52606d"'
TITLE_INK = ' font-size="12" fill="#1f2933"'
LINE = ' fill="none" stroke="#2563eb" stroke-width="2"'
POINT_PAINT = ' fill="#2563eb"'
THIS_RUN_PAINT = ' fill="#d97706" stroke="#1f2933" stroke-width="1.5"'
OFFENDING_EDGE = ' stroke="#1f2933" stroke-width="1.5"'
BAR_FILLS = {"base": "#9aa5b1", "now": "#2563eb", "regression": "#c62828"}
THRESHOLD_PAINT = ' fill="none" stroke="#c62828" stroke-width="1.5" stroke-dasharray="6 4"'
WINDOW_PAINT = ' fill="#c62828" fill-opacity="0.14"'
MARK_PAINTS = {
    "stop": ' stroke="#c62828" stroke-width="2"',
    "deadline": ' stroke="#7b8794" stroke-width="1.5" stroke-dasharray="3 3"',
}


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to pixels."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """The pixel for `value`; a value beyond the axis sits at its end."""
        if self.high == self.low:
            return (self.start + self.end) / 2
        pixel = self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)
        return min(max(pixel, min(self.start, self.end)), max(self.start, self.end))


@dataclass(frozen=True)
class TimeSpan:
    """The one time axis of a master's charts: seconds from `low` to `high` on its own
    clock, titled `title` (what second 0 is)."""

    low: float
    high: float
    title: str

    @staticmethod
    def around(times: Sequence[float], title: str) -> TimeSpan:
        """The span of the times that can be placed (0..1 when none can)."""
        known = finite(list(times))
        if not known:
            return TimeSpan(0.0, 1.0, title)
        low, high = min(known), max(known)
        return TimeSpan(low, high if high > low else low + 1.0, title)


def drawable(value: object) -> float | None:
    """A value as a chart places it (None: no data, or out of range; see `gap_text`)."""
    return in_range(value)


def gap_text(value: object) -> str:
    """What a chart writes where a value is not drawn: no data, or out of range."""
    return "no data" if value is None else OUT_OF_RANGE


def finite(values: Sequence[float | None]) -> list[float]:
    """The values a chart can place, in order."""
    return [number for number in map(drawable, values) if number is not None]


def _segments(points: Iterable[tuple[float, float | None]]) -> list[list[str]]:
    """A line's `x,y` points, split where a value is missing (a gap, not a bridge)."""
    segments: list[list[str]] = []
    segment: list[str] = []
    for x, y in points:
        if y is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    return segments


def _open(title: str, kind: str, height: int = HEIGHT, width: int = WIDTH) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f"<title>{html_text(title)}</title>",
    ]


def _empty(title: str, kind: str, why: str = "no data", width: int = WIDTH) -> str:
    return "".join(
        [
            *_open(title, kind, 60, width),
            f'<text class="empty"{INK} x="{width / 2:.0f}" y="34" text-anchor="middle">'
            f"{html_text(why)}</text></svg>",
        ]
    )


def _y_scale(values: Sequence[float], *, kind: str = "number") -> tuple[Scale, Ticks]:
    """A value axis from zero (or below it) to the round tick above the highest value."""
    low, high = min(0.0, *values), max(0.0, *values)
    ticks = fit_ticks(low, high, PLOT_HEIGHT, kind=kind, across=False, most=Y_TICKS)
    return Scale(ticks.low, ticks.high, HEIGHT - BOTTOM, TOP), ticks


def _y_axis(scale: Scale, ticks: Ticks, title: str, width: int = WIDTH) -> list[str]:
    """Grid lines and labels of a value axis, and its title along it."""
    parts = [
        f'<line class="grid" stroke="#e4e7eb" x1="{LEFT}" x2="{width - RIGHT}" '
        f'y1="{scale(value):.1f}" y2="{scale(value):.1f}"/>'
        f'<text class="tick y"{INK} x="{LEFT - 6}" y="{scale(value) + 4:.1f}" '
        f'text-anchor="end">{html_text(label)}</text>'
        for value, label in zip(ticks.values, ticks.labels, strict=True)
    ]
    middle = (TOP + HEIGHT - BOTTOM) / 2
    parts.append(
        f'<text class="axis-title y"{TITLE_INK} x="14" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})">{html_text(title, 24)}</text>'
    )
    return parts


def _x_title(title: str, width: int = WIDTH) -> str:
    return (
        f'<text class="axis-title x"{TITLE_INK} x="{(LEFT + width - RIGHT) / 2:.1f}" '
        f'y="{HEIGHT - 8}" text-anchor="middle">{html_text(title, 90)}</text>'
    )


def _x_labels(
    labels: Sequence[str], positions: Sequence[float], limit: int = 24, width: int = WIDTH
) -> list[str]:
    """Labels under the x axis (cut to `limit` characters), as many as fit side by side
    without touching and within the chart's width."""
    cut = [one_line(label, limit) for label in labels]
    inside = [
        index
        for index, label in enumerate(cut)
        if positions[index] - label_width(label) / 2 >= 0
        and positions[index] + label_width(label) / 2 <= width
    ]
    shown = spaced([positions[index] for index in inside], [cut[index] for index in inside])
    return [
        f'<text class="tick x"{INK} x="{positions[inside[n]]:.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="middle">{html_text(cut[inside[n]], limit)}</text>'
        for n in shown
    ]


def _time_scale(span: TimeSpan, width: int = WIDTH) -> tuple[Scale, list[str]]:
    """The x scale of a time chart and its tick labels (round time steps that fit)."""
    ticks = fit_ticks(span.low, span.high, width - LEFT - RIGHT, kind="time", widen=False)
    x = Scale(span.low, span.high, LEFT, width - RIGHT)
    return x, _x_labels(list(ticks.labels), [x(value) for value in ticks.values], width=width)


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    highlight: int | None = None,
    x_title: str = "run, oldest first",
    y_title: str = "",
    width: int = WIDTH,
) -> str:
    """One series over the x labels; None is a gap in the line; `highlight` (an index)
    is drawn larger and labelled (this run in the trend)."""
    known = finite(values)
    if not known:
        return _empty(title, "line", width=width)
    scale, ticks = _y_scale(known)
    count = len(values)
    x = Scale(0, max(count - 1, 1), LEFT + 12, width - RIGHT - 12)
    xs = [x(index) if count > 1 else (LEFT + width - RIGHT) / 2 for index in range(count)]
    axis_title = y_title or title
    parts = [
        *_open(title, "line", width=width),
        *_y_axis(scale, ticks, f"{axis_title} ({unit})" if unit else axis_title, width),
    ]
    placed = [drawable(value) for value in values]
    segments = _segments(
        (xs[index], None if value is None else scale(value)) for index, value in enumerate(placed)
    )
    parts += [
        f'<polyline class="series"{LINE} points="{" ".join(points)}"/>'
        for points in segments
        if len(points) > 1
    ]
    for index, value in enumerate(placed):
        if value is None:
            parts.append(
                f'<text class="gap"{INK} x="{xs[index]:.1f}" y="{HEIGHT - BOTTOM - 4}" '
                f'text-anchor="middle">{gap_text(values[index])}</text>'
            )
            continue
        mark = "point this-run" if index == highlight else "point"
        paint = THIS_RUN_PAINT if index == highlight else POINT_PAINT
        radius = 6 if index == highlight else 3.5
        parts.append(
            f'<circle class="{mark}"{paint} cx="{xs[index]:.1f}" cy="{scale(value):.1f}" '
            f'r="{radius}">'
            f"<title>{html_text(labels[index] if index < len(labels) else '')}: "
            f"{html_text(short_number(value))} {html_text(unit)}</title></circle>"
        )
    parts += _x_labels(labels[:count], xs[: len(labels)], width=width)
    parts += [_x_title(x_title, width), "</svg>"]
    return "".join(parts)


def _marks(x: Scale, marks: Sequence[tuple[float, str, str]]) -> list[str]:
    """Vertical lines at moments (seconds, kind, words): a stop request, the deadline.
    Their words sit at the top, one row each, on the side with room."""
    parts = []
    for row, (when, kind, words) in enumerate(marks):
        placed = drawable(when)
        if placed is None:
            continue
        px = x(placed)
        left = px > LEFT + PLOT_WIDTH / 2
        cls, paint = html_text(kind, 20), MARK_PAINTS.get(kind, MARK_PAINTS["deadline"])
        parts.append(
            f'<line class="mark {cls}"{paint} x1="{px:.1f}" x2="{px:.1f}" y1="{TOP - 4}" '
            f'y2="{HEIGHT - BOTTOM}"><title>{html_text(words, 200)}</title></line>'
            f'<text class="mark-label {cls}"{INK} x="{px + (-4 if left else 4):.1f}" '
            f'y="{TOP + 8 + row * 14}" text-anchor="{"end" if left else "start"}">'
            f"{html_text(words, 60)}</text>"
        )
    return parts


def step_chart(
    title: str,
    points: Sequence[tuple[float, float | None, str]],
    *,
    span: TimeSpan | None = None,
    marks: Sequence[tuple[float, str, str]] = (),
) -> str:
    """The status timeline: (seconds, progress, status) held until the next point and the
    last until the span's end (the wait's end); `marks` (seconds, kind, words) are drawn
    as vertical lines (the stop requests, the deadline). A progress beyond the axis (even
    of 400 digits) is drawn at its end, its title giving the value as sent; a point
    without a time that can be placed is left out."""
    known: list[tuple[float, float, str, float]] = []
    for t, progress, status in points:
        when = drawable(t)
        if when is not None and progress is not None and progress == progress:  # not NaN
            known.append((when, _beyond_axis(progress), status, progress))
    if not known:
        return _empty(title, "steps")
    if span is None:
        span = TimeSpan.around([t for t, _, _, _ in known], "seconds since the wait began")
    x, x_ticks = _time_scale(span)
    y_ticks = fit_ticks(0, 140, PLOT_HEIGHT, kind="count", across=False, most=8)
    y = Scale(y_ticks.low, y_ticks.high, HEIGHT - BOTTOM, TOP)
    parts = [*_open(title, "steps"), *_y_axis(y, y_ticks, "progress code")]
    first_t, first_p, _, _ = known[0]
    path = [f"M{x(first_t):.1f},{y(first_p):.1f}"]
    for t, progress, _status, _given in known[1:]:
        path.append(f"H{x(t):.1f} V{y(progress):.1f}")
    path.append(f"H{x(max(span.high, known[-1][0])):.1f}")
    parts.append(f'<path class="series"{LINE} d="{" ".join(path)}"/>')
    for t, progress, status, given in known:
        parts.append(
            f'<circle class="point"{POINT_PAINT} cx="{x(t):.1f}" cy="{y(progress):.1f}" r="3">'
            f"<title>{html_text(status, 60)} ({html_text(show_number(given, '.0f'))}) "
            f"at {html_text(time_label(t, 0.1 if abs(t) < 60 else 1.0))}</title></circle>"
        )
    parts += [*_marks(x, marks), *x_ticks, _x_title(span.title), "</svg>"]
    return "".join(parts)


def stacked_bars(
    title: str,
    span: TimeSpan,
    width: float,
    buckets: Sequence[tuple[float, Mapping[str, int]]],
    order: Sequence[str],
    marked: frozenset[str] = frozenset(),
    *,
    y_title: str = "events",
) -> str:
    """Counts per time bucket (its start in seconds, `width` long) stacked by key in
    `order`, on the time axis `span`; keys in `marked` (the offending levels) get a dark
    outline; a legend lists the keys that occur. The count axis has whole ticks only."""
    totals = [sum(bucket.values()) for _, bucket in buckets]
    if not buckets or not any(totals):
        return _empty(title, "bars", "no events")
    scale, ticks = _y_scale([float(t) for t in totals], kind="count")
    x, x_ticks = _time_scale(span)
    parts = [*_open(title, "bars"), *_y_axis(scale, ticks, y_title)]
    for start, bucket in buckets:
        left, right = x(start), x(start + width)
        slot = max(right - left, 1.0)
        base = 0
        for key in order:
            count = bucket.get(key, 0)
            if not count:
                continue
            top, bottom = scale(base + count), scale(base)
            outline = " offending" if key in marked else ""
            edge = OFFENDING_EDGE if key in marked else ""
            colour = LEVEL_COLOURS.get(key, OTHER_COLOUR)
            parts.append(
                f'<rect class="bar{outline}" x="{left + slot * 0.1:.1f}" y="{top:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                f'fill="{colour}"{edge}><title>{html_text(time_label(start, width))} to '
                f"{html_text(time_label(start + width, width))}: {count} {html_text(key, 40)}"
                "</title></rect>"
            )
            base += count
    present = [key for key in order if any(bucket.get(key) for _, bucket in buckets)]
    for position, key in enumerate(present):
        lx = LEFT + position * 96
        parts.append(
            f'<rect class="legend-key" x="{lx}" y="4" width="10" height="10" '
            f'fill="{LEVEL_COLOURS.get(key, OTHER_COLOUR)}"/>'
            f'<text class="legend"{INK} x="{lx + 14}" y="13">{html_text(key, 12)}'
            f"{' ⚠' if key in marked else ''}</text>"
        )
    parts += [*x_ticks, _x_title(span.title), "</svg>"]
    return "".join(parts)


def kpi_chart(
    title: str,
    series: Sequence[tuple[float, float | None]],
    *,
    span: TimeSpan,
    y_title: str,
    kind: str = "number",
    thresholds: Sequence[tuple[float, str]] = (),
    windows: Sequence[tuple[float, float, str]] = (),
    width: int = WIDTH,
) -> str:
    """One KPI over the run's own seconds: `series` of (second, value), None a gap in the
    line; `thresholds` (value, words) drawn as dashed lines across, `windows` (first and
    last second, words) shaded. The value axis reaches every threshold, so a line that
    stays below its limit is seen to."""
    points = [(drawable(t), drawable(v), v) for t, v in series]
    placed = [(t, v) for t, v, _ in points if t is not None and v is not None]
    limits = [
        (value, words) for given, words in thresholds if (value := drawable(given)) is not None
    ]
    if not placed:
        return _empty(title, "kpi", "no data", width)
    scale, ticks = _y_scale([v for _, v in placed] + [value for value, _ in limits], kind=kind)
    x, x_ticks = _time_scale(span, width)
    parts = [*_open(title, "kpi", width=width), *_y_axis(scale, ticks, y_title, width)]
    for first, last, words in windows:
        low, high = drawable(first), drawable(last)
        if low is None or high is None:
            continue
        left, right = x(low), x(high + 1)
        parts.append(
            f'<rect class="window"{WINDOW_PAINT} x="{left:.1f}" y="{TOP}" '
            f'width="{max(right - left, 1.0):.1f}" height="{PLOT_HEIGHT}">'
            f"<title>{html_text(words, 200)}</title></rect>"
        )
    segments = _segments(
        (x(t), None if v is None else scale(v)) for t, v, _given in points if t is not None
    )
    for points_text in segments:
        if len(points_text) == 1:
            cx, cy = points_text[0].split(",")
            parts.append(f'<circle class="point"{POINT_PAINT} cx="{cx}" cy="{cy}" r="2"/>')
        else:
            parts.append(f'<polyline class="series"{LINE} points="{" ".join(points_text)}"/>')
    for row, (value, words) in enumerate(limits):
        py = scale(value)
        parts.append(
            f'<line class="threshold"{THRESHOLD_PAINT} x1="{LEFT}" x2="{width - RIGHT}" '
            f'y1="{py:.1f}" y2="{py:.1f}"><title>{html_text(words, 200)}</title></line>'
            f'<text class="threshold-label" font-size="11" fill="#c62828" '
            f'x="{width - RIGHT - 4}" y="{max(py - 4 - row * 13, TOP + 10):.1f}" '
            f'text-anchor="end">{html_text(words, 70)}</text>'
        )
    parts += [*x_ticks, _x_title(span.title, width), "</svg>"]
    return "".join(parts)


def _beyond_axis(value: float) -> float:
    """A progress as the step chart places it: in range as it is, else at the axis's end
    (`Scale` clamps), never dropped: a status change happened, whatever its number."""
    placed = drawable(value)
    if placed is not None:
        return placed
    return LIMIT if (as_float(value) or 0.0) > 0 else -LIMIT


def paired_bars(
    title: str,
    rows: Sequence[tuple[str, float | None, float | None, bool]],
    *,
    unit: str = "",
) -> str:
    """Per label, the baseline's bar above this run's; (label, baseline, now, regressed)."""
    values = finite([value for _, base, now, _ in rows for value in (base, now)])
    if not rows or not values:
        return _empty(title, "pairs")
    row_height = 30
    height = TOP + BOTTOM + row_height * len(rows)
    label_width = 180
    scale = Scale(0, max(max(values), 0.0) or 1.0, LEFT + label_width, WIDTH - RIGHT - 48)
    parts = _open(title, "pairs", height)
    for index, (label, base, now, regressed) in enumerate(rows):
        y = TOP + index * row_height
        parts.append(
            f'<text class="label"{INK} x="{LEFT + label_width - 6}" y="{y + 18}" text-anchor="end">'
            f"{html_text(label, 28)}{' ▲' if regressed else ''}<title>{html_text(label)}</title>"
            "</text>"
        )
        for offset, (kind, value) in enumerate((("base", base), ("now", now))):
            cls = f"bar {kind}" + (" regression" if regressed and kind == "now" else "")
            fill = BAR_FILLS["regression" if "regression" in cls else kind]
            top = y + 3 + offset * 12
            placed = drawable(value)
            if placed is None:
                parts.append(
                    f'<text class="gap"{INK} x="{scale.start + 4:.1f}" y="{top + 9}">'
                    f"{gap_text(value)}</text>"
                )
                continue
            value = placed
            width = max(scale(max(value, 0.0)) - scale.start, 1.0)
            parts.append(
                f'<rect class="{cls}" fill="{fill}" x="{scale.start:.1f}" y="{top}" '
                f'width="{width:.1f}" '
                f'height="10"><title>{kind}: {html_text(short_number(value))} '
                f"{html_text(unit)}</title></rect>"
                f'<text class="value"{INK} x="{scale.start + width + 4:.1f}" y="{top + 9}">'
                f"{html_text(short_number(value))}</text>"
            )
    parts.append(
        f'<text class="legend"{INK} x="{LEFT}" y="{height - 10}">upper bar: baseline · lower bar: '
        f"this run{f' ({html_text(unit)})' if unit else ''} · ▲ regression</text></svg>"
    )
    return "".join(parts)
