"""One-line Unicode sparklines for summary.md (`p90 ▁▂▂▃▇ 980 → 1,350 ms`)."""

from __future__ import annotations

from collections.abc import Sequence

from ci_gate.safe_numbers import in_range

BARS = "▁▂▃▄▅▆▇█"
#: a run without data: a gap, never a zero
GAP = "·"


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled from the lowest to the highest; all equal (or
    one value) sit in the middle; None and what is out of range (NaN, infinities, ±1.7e308)
    are gaps."""
    placed = [in_range(value) for value in values]
    finite = [value for value in placed if value is not None]
    if not finite:
        return GAP * len(values)
    low, high = min(finite), max(finite)
    marks = []
    for value in placed:
        if value is None:
            marks.append(GAP)
        elif high == low:
            marks.append(BARS[len(BARS) // 2 - 1])
        else:
            marks.append(BARS[round((value - low) / (high - low) * (len(BARS) - 1))])
    return "".join(marks)
