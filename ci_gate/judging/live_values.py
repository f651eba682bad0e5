"""What a criterion's subject measures: in one second of a label (a numerator and a
denominator, so that a window aggregates them exactly), and on the run's totals.

Times and sizes are averages over a second's responses (a second with no responses, or no
`n`, has none); a window averages them weighted by hits (`t_avg`, `lt_avg`, `by_avg` are
per-response averages). Active users are averaged per second, unweighted. Counts (hits,
failures, successes) are summed over a window; a share (`%`) is the window's failures (or
successes) over its hits.
"""

from __future__ import annotations

from collections.abc import Callable

from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import LabelTotals, LiveCriterion, Subject

#: one second's (numerator, denominator): its value is num / den, a window's Σnum / Σden
Measure = tuple[float, float]


def per_second(criterion: LiveCriterion) -> Callable[[KpiPoint], Measure | None]:
    """What one second of the label measures for this criterion (None: nothing)."""
    subject = criterion.subject
    if subject is Subject.AVG_RT:
        return lambda p: None if p.avg_rt is None or not p.hits else (p.avg_rt * p.hits, p.hits)
    if subject is Subject.AVG_LT:
        return lambda p: None if p.avg_lt is None or not p.hits else (p.avg_lt * p.hits, p.hits)
    if subject is Subject.BYTES:
        return lambda p: (
            None if p.avg_bytes is None or not p.hits else (p.avg_bytes * p.hits, p.hits)
        )
    if subject is Subject.CONCURRENCY:
        return lambda p: None if p.users is None else (p.users, 1)
    if subject is Subject.HITS:
        return lambda p: None if p.hits is None else (p.hits, 1)
    if subject is Subject.FAIL:
        if criterion.percent:
            return lambda p: None if p.errors is None or not p.hits else (p.errors * 100, p.hits)
        return lambda p: None if p.errors is None else (p.errors, 1)
    if subject is Subject.SUCC:
        if criterion.percent:
            return lambda p: (
                None if p.errors is None or not p.hits else ((p.hits - p.errors) * 100, p.hits)
            )
        return lambda p: None if p.errors is None or p.hits is None else (p.hits - p.errors, 1)
    raise ValueError(f"{subject.value} is judged on cumulative values, not on seconds")


def window_sums(criterion: LiveCriterion) -> bool:
    """A window's value is its sum (counts), not Σnum / Σden (averages and shares)."""
    return criterion.subject.counted and not criterion.percent


def total_value(
    criterion: LiveCriterion, totals: LabelTotals, peak_users: float | None
) -> float | None:
    """The criterion's subject on the run's totals (None: the report does not give it)."""
    subject, t = criterion.subject, totals
    if subject is Subject.CONCURRENCY:
        return peak_users
    if subject is Subject.FAIL:
        return t.errors_rate if criterion.percent else t.errors
    if subject is Subject.SUCC:
        if criterion.percent:
            return None if t.errors_rate is None else 100 - t.errors_rate
        return None if t.samples is None or t.errors is None else t.samples - t.errors
    return {
        Subject.AVG_RT: t.avg_rt,
        Subject.AVG_LT: t.avg_lt,
        Subject.BYTES: t.avg_bytes,
        Subject.HITS: t.samples,
        Subject.P50: t.p50,
        Subject.P90: t.p90,
        Subject.P95: t.p95,
        Subject.P99: t.p99,
    }[subject]
