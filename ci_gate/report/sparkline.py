"""One-line Unicode sparklines for summary.md (`p90 ▁▂▂▃▇ 980 → 1,350 ms`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
#: a run without data: a gap, never a zero
GAP = "·"


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled from the lowest to the highest; all equal (or
    one value) sit in the middle; None, NaN and infinities are gaps."""
    finite = [value for value in values if value is not None and math.isfinite(value)]
    if not finite:
        return GAP * len(values)
    low, high = min(finite), max(finite)
    marks = []
    for value in values:
        if value is None or not math.isfinite(value):
            marks.append(GAP)
        elif high == low:
            marks.append(BARS[len(BARS) // 2 - 1])
        else:
            marks.append(BARS[round((value - low) / (high - low) * (len(BARS) - 1))])
    return "".join(marks)
