"""The charts of report.html, drawn as inline SVG strings: no script, no dependency.

Four shapes cover the report: a line chart (the trend, one highlighted point), a step
chart (the status timeline), stacked bars (events by level over time) and paired
horizontal bars (baseline against now, per label). Each chart is one `<svg class="chart">`
with a `<title>`; a series without data is a chart that says so, never an error. Every
text in a chart goes through `html_text`, every value through `safe_numbers.in_range`
(`drawable`): a value that cannot be placed (NaN, an infinity, an integer of 400 digits)
is a gap marked "out of range", and no coordinate ever leaves the chart. Own code
rather than pygal: pygal's charts rely on its JavaScript for tooltips and would still
need the CSP and escaping checked here, for about as many lines as these. Over 300 lines
on purpose: the four shapes share one scale, one axis drawer and one "no data" chart,
which apart they would repeat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ci_gate.report.html_text import html_text
from ci_gate.safe_numbers import LIMIT, OUT_OF_RANGE, as_float, in_range, show_number

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 36
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
LINE = ' fill="none" stroke="#2563eb" stroke-width="2"'
POINT_PAINT = ' fill="#2563eb"'
THIS_RUN_PAINT = ' fill="#d97706" stroke="#1f2933" stroke-width="1.5"'
OFFENDING_EDGE = ' stroke="#1f2933" stroke-width="1.5"'
BAR_FILLS = {"base": "#9aa5b1", "now": "#2563eb", "regression": "#c62828"}


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


def drawable(value: object) -> float | None:
    """A value as a chart places it (None: no data, or out of range; see `gap_text`)."""
    return in_range(value)


def gap_text(value: object) -> str:
    """What a chart writes where a value is not drawn: no data, or out of range."""
    return "no data" if value is None else OUT_OF_RANGE


def finite(values: Sequence[float | None]) -> list[float]:
    """The values a chart can place, in order."""
    return [number for number in map(drawable, values) if number is not None]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2, 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high < low:
        low, high = high, low
    if high == low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    if not (math.isfinite(raw) and raw > 0):  # too far apart, or too close, for a step
        return [low, high]
    power = 10.0 ** math.floor(math.log10(raw))  # a float: 10**300 as an int overflows below
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks: list[float] = []
    tick = first
    while tick <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(tick, 12))
        tick += step
    if ticks[-1] < high:
        above = round(ticks[-1] + step, 12)
        ticks.append(above if math.isfinite(above) else high)  # near the float's end
    return ticks


def short_number(value: float) -> str:
    """An axis label: `950`, `1.2k`, `3.4M`, `5G`, `7e+15`, `0.25`."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            if size >= limit * 1000 and suffix == "T":
                return f"{value:.0e}"
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _open(title: str, kind: str, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f"<title>{html_text(title)}</title>",
    ]


def _empty(title: str, kind: str, why: str = "no data") -> str:
    return "".join(
        [
            *_open(title, kind, 60),
            f'<text class="empty"{INK} x="{WIDTH / 2:.0f}" y="34" text-anchor="middle">'
            f"{html_text(why)}</text></svg>",
        ]
    )


def _y_axis(scale: Scale, ticks: Sequence[float], unit: str) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(
            f'<line class="grid" stroke="#e4e7eb" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick"{INK} x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{html_text(short_number(tick))}</text>"
        )
    if unit:
        parts.append(f'<text class="unit"{INK} x="4" y="12">{html_text(unit)}</text>')
    return parts


def _x_labels(labels: Sequence[str], positions: Sequence[float]) -> list[str]:
    """At most about eight labels under the x axis, evenly picked."""
    if not labels:
        return []
    every = max(1, math.ceil(len(labels) / 8))
    return [
        f'<text class="tick"{INK} x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
        f"{html_text(label, 24)}</text>"
        for index, (label, x) in enumerate(zip(labels, positions, strict=True))
        if index % every == 0 or index == len(labels) - 1
    ]


def _value_scale(values: Sequence[float], *, from_zero: bool = True) -> tuple[Scale, list[float]]:
    low, high = (min(0.0, *values) if from_zero else min(values)), max(values)
    ticks = nice_ticks(low, high) or [low]
    return Scale(ticks[0], ticks[-1], HEIGHT - BOTTOM, TOP), ticks


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    highlight: int | None = None,
) -> str:
    """One series over the x labels; None is a gap in the line; `highlight` (an index)
    is drawn larger and labelled (this run in the trend)."""
    known = finite(values)
    if not known:
        return _empty(title, "line")
    scale, ticks = _value_scale(known)
    count = len(values)
    x = Scale(0, max(count - 1, 1), LEFT + 12, WIDTH - RIGHT - 12)
    xs = [x(index) if count > 1 else (LEFT + WIDTH - RIGHT) / 2 for index in range(count)]
    parts = [*_open(title, "line"), *_y_axis(scale, ticks, unit)]
    placed = [drawable(value) for value in values]
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, value in enumerate(placed):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{xs[index]:.1f},{scale(value):.1f}")
    if segment:
        segments.append(segment)
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
    parts += _x_labels(labels, xs)
    parts.append("</svg>")
    return "".join(parts)


def step_chart(title: str, points: Sequence[tuple[float, float | None, str]]) -> str:
    """The status timeline: (elapsed seconds, progress, status) held until the next point.
    A progress beyond the axis (even of 400 digits) is drawn at its end, its title giving
    the value as sent; a point without a time that can be placed is left out."""
    known: list[tuple[float, float, str, float]] = []
    for t, progress, status in points:
        when = drawable(t)
        if when is not None and progress is not None and progress == progress:  # not NaN
            known.append((when, _beyond_axis(progress), status, progress))
    if not known:
        return _empty(title, "steps")
    end = max(t for t, _, _, _ in known)
    x = Scale(0, end or 1.0, LEFT, WIDTH - RIGHT)
    y = Scale(0, 140, HEIGHT - BOTTOM, TOP)
    parts = [*_open(title, "steps"), *_y_axis(y, [0, 35, 70, 105, 140], "progress")]
    first_t, first_p, _, _ = known[0]
    path = [f"M{x(first_t):.1f},{y(first_p):.1f}"]
    for t, progress, _status, _given in known[1:]:
        path.append(f"H{x(t):.1f} V{y(progress):.1f}")
    path.append(f"H{x(end):.1f}")
    parts.append(f'<path class="series"{LINE} d="{" ".join(path)}"/>')
    for t, progress, status, given in known:
        parts.append(
            f'<circle class="point"{POINT_PAINT} cx="{x(t):.1f}" cy="{y(progress):.1f}" r="3">'
            f"<title>{html_text(status, 60)} ({html_text(show_number(given, '.0f'))}) "
            f"at {t:.0f}s</title></circle>"
        )
    ticks = nice_ticks(0, end) if end else [0.0]
    parts += _x_labels([f"{tick:g}s" for tick in ticks], [x(tick) for tick in ticks])
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    title: str,
    labels: Sequence[str],
    buckets: Sequence[Mapping[str, int]],
    order: Sequence[str],
    marked: frozenset[str] = frozenset(),
) -> str:
    """Counts per bucket stacked by key in `order`; keys in `marked` (the offending
    levels) get a dark outline; a legend lists the keys that occur."""
    totals = [sum(bucket.values()) for bucket in buckets]
    if not buckets or not any(totals):
        return _empty(title, "bars", "no events")
    scale, ticks = _value_scale([float(t) for t in totals])
    slot = (WIDTH - LEFT - RIGHT) / len(buckets)
    parts = [*_open(title, "bars"), *_y_axis(scale, ticks, "events")]
    for index, bucket in enumerate(buckets):
        base = 0
        x = LEFT + index * slot + slot * 0.1
        for key in order:
            count = bucket.get(key, 0)
            if not count:
                continue
            top, bottom = scale(base + count), scale(base)
            outline = " offending" if key in marked else ""
            edge = OFFENDING_EDGE if key in marked else ""
            colour = LEVEL_COLOURS.get(key, OTHER_COLOUR)
            parts.append(
                f'<rect class="bar{outline}" x="{x:.1f}" y="{top:.1f}" width="{slot * 0.8:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}"{edge}>'
                f"<title>{html_text(labels[index] if index < len(labels) else '')}: "
                f"{count} {html_text(key, 40)}</title></rect>"
            )
            base += count
    parts += _x_labels(labels, [LEFT + (index + 0.5) * slot for index in range(len(buckets))])
    present = [key for key in order if any(bucket.get(key) for bucket in buckets)]
    for position, key in enumerate(present):
        lx = LEFT + position * 96
        parts.append(
            f'<rect class="legend" x="{lx}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{LEVEL_COLOURS.get(key, OTHER_COLOUR)}"/>'
            f'<text class="tick"{INK} x="{lx + 14}" y="{HEIGHT - 5}">{html_text(key, 12)}'
            f"{' ⚠' if key in marked else ''}</text>"
        )
    parts.append("</svg>")
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
                f'<text class="tick"{INK} x="{scale.start + width + 4:.1f}" y="{top + 9}">'
                f"{html_text(short_number(value))}</text>"
            )
    parts.append(
        f'<text class="tick"{INK} x="{LEFT}" y="{height - 10}">upper bar: baseline · lower bar: '
        f"this run{f' ({html_text(unit)})' if unit else ''} · ▲ regression</text></svg>"
    )
    return "".join(parts)
