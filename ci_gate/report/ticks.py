"""Where an axis of report.html's charts puts its ticks, and what they say.

One rule for every axis: steps are round (1, 2 or 5 times a power of ten; for time, of
seconds, minutes or hours: 0.1s ... 20s, 1m, 2m, 5m, 10m, 20m, 1h, 2h, 5h ...), counts get whole
steps only (no `0.5 events`), and a step is widened until every label fits beside its
neighbours (the width of a label is estimated from its characters, on the generous side,
and Chromium checks the estimate in the e2e tests). Pure numbers and text: `svg` draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ci_gate.formatting import format_duration

#: the font size of tick labels (px), and the estimated width of one character: system
#: sans-serif at 11 px averages about 6 px for digits and letters; 7 leaves room
FONT_SIZE = 11
CHAR_WIDTH = 7.0
#: the least room between two labels side by side (px)
LABEL_GAP = 8.0
#: the least room between two labels one above the other (px)
LINE_GAP = FONT_SIZE + 4.0
#: tick labels on one axis at most (more is clutter, whatever fits)
MAX_TICKS = 9

MINUTE, HOUR = 60.0, 3600.0
#: round time steps below a power-of-ten number of hours
_SECOND_STEPS = (1.0, 2.0, 5.0, 10.0, 20.0)
_MINUTE_STEPS = (1.0, 2.0, 5.0, 10.0, 20.0)


def round_step(raw: float, *, integer: bool = False) -> float:
    """The least step of 1, 2 or 5 times a power of ten that is at least `raw` (at least 1
    for counts)."""
    if integer:
        raw = max(raw, 1.0)
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 5.0, 10.0):
        step = multiple * power
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 * power  # pragma: no cover - 10 * power always reaches raw


def time_step(raw: float) -> float:
    """The least round time step (seconds) at least `raw`: tenths of a second, then
    1, 2, 5, 10, 20 seconds, 1, 2, 5, 10, 20 minutes, then 1, 2, 5 times a power of ten
    hours."""
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    if raw <= 1.0:
        return max(round_step(raw), 0.1)
    for step in _SECOND_STEPS:
        if step >= raw:
            return step
    for step in _MINUTE_STEPS:
        if step * MINUTE >= raw:
            return step * MINUTE
    return round_step(raw / HOUR, integer=True) * HOUR


def time_label(seconds: float, step: float = 1.0) -> str:
    """A time tick's label in the one duration format (`0s`, `20s`, `1m40s`, `1h00m00s`,
    `0.2s`); negative before the axis's origin (`-5m00s`). `step` is the axis's step (a
    label is never finer than tenths, the duration format's finest)."""
    del step  # every step is a multiple of a tenth: the one format shows each exactly
    sign = "-" if seconds < 0 and format_duration(abs(seconds)) != "0s" else ""
    return sign + format_duration(abs(seconds))


def short_number(value: float) -> str:
    """A value axis label: `950`, `1.2k`, `3.4M`, `5G`, `7e+15`, `0.25`."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            if size >= limit * 1000 and suffix == "T":
                return f"{value:.0e}"
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def count_label(value: float) -> str:
    """A count axis label: whole numbers (`1,200` as `1.2k`)."""
    return short_number(value) if abs(value) >= 1000 else f"{value:.0f}"


def label_width(text: str) -> float:
    """The estimated width of a tick label in pixels (generous)."""
    return len(text) * CHAR_WIDTH


@dataclass(frozen=True)
class Ticks:
    """An axis's ticks: the values, their labels, and the span the axis covers."""

    values: tuple[float, ...]
    labels: tuple[str, ...]
    low: float
    high: float


def _multiples(low: float, high: float, step: float) -> list[float]:
    """The multiples of `step` in low..high (never a tick a hair outside the axis: 0s
    before its start at 0.001 s of a 400-hour axis)."""
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    values = [round(n * step, 12) for n in range(first, last + 1)]
    return [value for value in values if low - 1e-7 <= value <= high + 1e-7]


def fit_ticks(
    low: float,
    high: float,
    pixels: float,
    *,
    kind: str = "number",
    across: bool = True,
    widen: bool = True,
    most: int = MAX_TICKS,
) -> Ticks:
    """Ticks for values `low`..`high` on an axis `pixels` long. `kind`: `number`, `count`
    (whole steps) or `time` (seconds, round time steps). `across`: the labels sit side by
    side (an x axis: each needs its width), else one above the other (a y axis: each
    needs a line). `widen`: the axis grows to the round ticks around the values (a value
    axis), else it keeps low..high and shows the ticks inside (a time axis).
    A step is widened until the labels fit, and there are at most `most` of them."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return Ticks((), (), 0.0, 1.0)
    low, high = min(low, high), max(low, high)
    if kind == "count":
        low, high = math.floor(low), math.ceil(high)
    spread = high - low
    if not (max(1e-9, 1e-6 * max(abs(low), abs(high))) <= spread < math.inf):
        return _flat(low, kind)  # one value, or too close to spread ticks apart
    step_of: Callable[[float], float] = (
        time_step if kind == "time" else (lambda raw: round_step(raw, integer=kind == "count"))
    )
    label_of: Callable[[float, float], str] = (
        time_label
        if kind == "time"
        else (lambda value, _step: count_label(value) if kind == "count" else short_number(value))
    )
    raw = (high - low) / max(most - 1, 1)
    best: Ticks | None = None
    for _ in range(60):
        step = step_of(raw)
        span_low, span_high = (
            (math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step)
            if widen
            else (low, high)
        )
        if not (math.isfinite(span_low) and math.isfinite(span_high)) or span_high <= span_low:
            break
        values = _multiples(span_low, span_high, step)
        if not values:  # a step longer than the axis: one tick at its start
            values = [span_low]
        labels = tuple(label_of(value, step) for value in values)
        best = Ticks(tuple(values), labels, span_low, span_high)
        room = step / (span_high - span_low) * pixels
        need = (max(map(label_width, labels), default=0.0) + LABEL_GAP) if across else LINE_GAP
        if len(values) == 1 or (len(values) <= most and room >= need):
            return best
        raw = step * 1.000001
    return best or _flat(low, kind)


def _flat(low: float, kind: str) -> Ticks:
    """One value (or none that can be spread): one tick, an axis from it."""
    label = time_label(low, 1.0) if kind == "time" else short_number(low)
    pad = 1.0 if low == 0 or kind != "number" else abs(low) * 0.1
    high = low + pad
    return Ticks((low,), (label,), low, high if math.isfinite(high) and high > low else low + 1.0)


def spaced(positions: Sequence[float], labels: Sequence[str]) -> list[int]:
    """Which of the labels at these x positions (ascending) to show so that none overlaps
    the next: the first always, then each that clears the last shown; the last label is
    preferred to the one before it when both cannot fit."""
    shown: list[int] = []
    right = -math.inf
    for index, (x, label) in enumerate(zip(positions, labels, strict=True)):
        half = label_width(label) / 2
        if x - half >= right + LABEL_GAP:
            shown.append(index)
            right = x + half
    last = len(labels) - 1
    if labels and shown and shown[-1] != last:
        half = label_width(labels[last]) / 2
        while shown and positions[shown[-1]] + label_width(labels[shown[-1]]) / 2 + LABEL_GAP > (
            positions[last] - half
        ):
            shown.pop()
        shown.append(last)
    return shown
