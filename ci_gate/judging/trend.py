"""Choosing the runs of `--trend N` and reading their numbers: pure, no verdict.

The trend is the test's last N ended runs created before this one (the same choice of
"earlier" as `--baseline last-passed`), oldest first, with this run last. Each point
takes p90, avg, error % and hits from label ALL of the run's summary report; a run
without data is a gap, never a zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ci_gate.domain.findings import RunInfo
from ci_gate.domain.kpis import BY_NAME, error_rate
from ci_gate.domain.trend import Trend, TrendPoint
from ci_gate.judging.baseline import earlier_ended


def pick_trend(
    master_id: str, runs: list[RunInfo], count: int, *, created: float | None = None
) -> list[RunInfo]:
    """The `count` newest ended runs before this one, oldest first."""
    return list(reversed(earlier_ended(master_id, runs, created=created)[:count]))


def trend_point(
    master_id: str,
    created: float | None,
    report_status: str | None,
    kpis: Mapping[str, float] | None,
    *,
    this_run: bool = False,
) -> TrendPoint:
    """One run's point from its summary KPIs (None: the run has no data)."""
    kpis = kpis or {}
    hits = kpis.get("hits")
    return TrendPoint(
        master_id=master_id,
        created=created,
        report_status=report_status,
        p90=kpis.get(BY_NAME["p90"].kpi),
        avg=kpis.get(BY_NAME["avg"].kpi),
        errors=error_rate(hits, kpis.get("failed")),
        hits=hits if hits is not None and hits > 0 else None,
        this_run=this_run,
    )


def build_trend(
    asked: int, earlier: Sequence[TrendPoint], now: TrendPoint, notes: Sequence[str]
) -> Trend:
    """The trend: the earlier points as chosen (oldest first), then this run."""
    return Trend(asked=asked, points=(*earlier, now), notes=tuple(notes))
