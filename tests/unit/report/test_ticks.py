"""Where report.html's axes put their ticks (issue 32 item 8): round steps, whole numbers
for counts, time in round seconds, minutes or hours, and labels that never overlap."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ci_gate.report.ticks import (
    CHAR_WIDTH,
    LABEL_GAP,
    LINE_GAP,
    MAX_TICKS,
    fit_ticks,
    label_width,
    round_step,
    short_number,
    spaced,
    time_label,
    time_step,
)

ROUND_MANTISSAS = {1.0, 2.0, 5.0}


def _is_round(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in ROUND_MANTISSAS)


def _is_round_time(step: float) -> bool:
    """1, 2, 5 x 10^k seconds (tenths included), minutes or hours."""
    return any(
        _is_round(step / unit) and (unit == 3600 or step / unit < 60)
        for unit in (1.0, 60.0, 3600.0)
    )


@pytest.mark.parametrize(
    ("raw", "step"),
    [(0.3, 0.5), (1.0, 1.0), (1.2, 2.0), (7.0, 10.0), (130.0, 200.0), (4.2e7, 5e7)],
)
def test_round_step_is_one_two_or_five_times_a_power_of_ten(raw: float, step: float) -> None:
    assert round_step(raw) == pytest.approx(step)


def test_counts_never_get_a_fractional_step() -> None:
    assert round_step(0.25, integer=True) == 1.0
    ticks = fit_ticks(0, 3, 150, kind="count", across=False)
    assert ticks.labels == ("0", "1", "2", "3")
    one = fit_ticks(0, 1, 150, kind="count", across=False)
    assert one.labels == ("0", "1")  # never 0.5
    assert fit_ticks(0, 2.5, 150, kind="count", across=False).high == 3


@pytest.mark.parametrize(
    ("raw", "step"),
    [
        (0.04, 0.1),  # never finer than the duration format's tenths
        (0.3, 0.5),
        (3.0, 5.0),
        (13.0, 20.0),
        (25.0, 60.0),
        (130.0, 300.0),  # 5 minutes, never 8m13s
        (1300.0, 3600.0),
        (3 * 3600.0, 5 * 3600.0),
        (30 * 3600.0, 50 * 3600.0),
    ],
)
def test_time_steps_are_round_seconds_minutes_or_hours(raw: float, step: float) -> None:
    assert time_step(raw) == step


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (0, "0s"),
        (0.5, "0.5s"),
        (20, "20s"),
        (100, "1m40s"),
        (300, "5m00s"),
        (3600, "1h00m00s"),
        (-600, "-10m00s"),
    ],
)
def test_time_labels_use_the_one_duration_format(seconds: float, label: str) -> None:
    assert time_label(seconds) == label


def test_the_issues_axes_get_round_labelled_ticks() -> None:
    """The hang demo (15 s wait), an hour of run, and a run watched 50 minutes late."""
    assert fit_ticks(0, 15.2, 560, kind="time", widen=False).labels == (
        "0s", "2s", "4s", "6s", "8s", "10s", "12s", "14s",
    )  # fmt: skip
    hour = fit_ticks(0, 3672, 560, kind="time", widen=False)
    assert hour.labels[:3] == ("0s", "10m00s", "20m00s") and (hour.low, hour.high) == (0, 3672)
    late = fit_ticks(-3000, 15, 560, kind="time", widen=False)
    assert late.labels == ("-50m00s", "-40m00s", "-30m00s", "-20m00s", "-10m00s", "0s")
    values = fit_ticks(0, 1350, 150, across=False, most=6)
    assert values.labels == ("0", "500", "1k", "1.5k") and values.high == 1500


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(-1e7, 1e7),
    length=st.floats(0, 1e7) | st.sampled_from([0.0, 1e-3, 0.4, 15.0, 3600.0]),
    pixels=st.floats(120, 900),
    kind=st.sampled_from(["number", "count", "time"]),
)
@example(low=0.001, length=1440000.0, pixels=120.0, kind="time")  # 0s a hair before the start
@example(low=1e-09, length=1e-09, pixels=120.0, kind="number")  # steps of a tenth of a nano
@example(low=1 / 3, length=1 / 3, pixels=120.0, kind="time")  # room 36 px, less a rounding
def test_any_span_gets_few_round_ticks_whose_labels_fit(
    low: float, length: float, pixels: float, kind: str
) -> None:
    """Ticks are round multiples of one step, within the axis, at most MAX_TICKS, and
    far enough apart that their labels (as estimated) never touch."""
    high = low + length
    ticks = fit_ticks(low, high, pixels, kind=kind, widen=kind != "time")
    assert 1 <= len(ticks.values) <= MAX_TICKS
    assert all(ticks.low - 1e-6 <= value <= ticks.high + 1e-6 for value in ticks.values)
    if kind == "count":
        assert all(value == int(value) for value in ticks.values)
    if len(ticks.values) < 2:
        return
    # one step between every pair, compared relative to its size: a nano-scale axis has
    # steps that rounding to fixed decimals would read as 0
    steps = [b - a for a, b in zip(ticks.values, ticks.values[1:], strict=False)]
    step = steps[0]
    assert all(math.isclose(other, step, rel_tol=1e-6) for other in steps), steps
    assert (_is_round_time if kind == "time" else _is_round)(step), step
    room = step / (ticks.high - ticks.low) * pixels
    # within a float's rounding of the product's own sum: 35.99999999999999 px is 36 px
    assert room >= max(map(label_width, ticks.labels)) + LABEL_GAP - 1e-9


def test_a_y_axis_needs_only_a_line_per_label() -> None:
    ticks = fit_ticks(0, 140, 150, kind="count", across=False, most=8)
    assert ticks.labels == ("0", "20", "40", "60", "80", "100", "120", "140")
    assert LINE_GAP <= 150 / 7


def test_spaced_labels_never_touch_and_keep_the_last() -> None:
    labels = [f"9200{n:04d}" for n in range(50)]
    positions = [76 + n * 11.0 for n in range(50)]
    shown = spaced(positions, labels)
    assert shown[0] == 0 and shown[-1] == 49
    for a, b in itertools.pairwise(shown):
        gap = positions[b] - positions[a] - (label_width(labels[a]) + label_width(labels[b])) / 2
        assert gap >= LABEL_GAP
    assert spaced([0.0, 100.0], ["a", "b"]) == [0, 1]
    assert spaced([], []) == []
    assert label_width("abc") == 3 * CHAR_WIDTH


@pytest.mark.parametrize(
    ("value", "shown"),
    [(950, "950"), (1210, "1.21k"), (3.4e6, "3.4M"), (5e9, "5G"), (7e15, "7e+15"), (0.25, "0.25")],
)
def test_short_number(value: float, shown: str) -> None:
    assert short_number(value) == shown


def test_axes_that_cannot_be_spread_get_one_tick() -> None:
    for low, high in ((7, 7), (0, math.inf), (math.nan, 1)):
        ticks = fit_ticks(low, high, 560)
        assert len(ticks.values) <= 1 and ticks.low < ticks.high
