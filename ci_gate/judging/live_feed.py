"""The live KPI answers of one master turned into complete seconds, each exactly once.

BlazeMeter's `/data/kpis` answers one point per label and second from `from`; the newest
second of an answer may still be filling. `LiveFeed` is the one place that keeps the
contract's promise about that: the newest second stays provisional (a later answer that
carries it again replaces its values) and is released only once an answer carries a
later second; a second that comes again after its release is not counted twice; each
label's seconds come out in order; `flush` releases what is left when the run has ended.
`next_from` is the `from` of the next read: the provisional second, so that it is read
again, and nothing before it.

It lives in `judging/` because it is pure (no I/O, no clock: the contracts of this layer
say so and import-linter checks it) and it is what the judges are fed; the wait loop
above only hands it each answer and asks it where to read next.

`kpi_timeline` caps the points kept for the report (3,600 per label) by merging
neighbouring seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from ci_gate.domain.live import KpiPoint

#: Points per label that summary.json's `kpi_timeline` keeps at most.
TIMELINE_CAP = 3600


class LiveFeed:
    """One master's KPI answers in, each label's complete seconds out, in order, once."""

    def __init__(self, start_from: int = 0) -> None:
        self._start_from = start_from
        #: the newest second any answer carried (every earlier second is complete)
        self._newest: int | None = None
        #: per label: the last second released
        self._released: dict[str, int] = {}
        #: per label: seconds read but not complete yet (second -> its latest values)
        self._pending: dict[str, dict[int, KpiPoint]] = {}

    @property
    def next_from(self) -> int:
        """The `from` of the next read: the provisional second (read again), or the start."""
        return self._start_from if self._newest is None else self._newest

    @property
    def newest(self) -> int | None:
        """The newest second seen in any answer (None before the first point)."""
        return self._newest

    def take(self, answer: Mapping[str, Sequence[KpiPoint]]) -> dict[str, tuple[KpiPoint, ...]]:
        """One KPI answer (per label id, its points); returns the seconds it completed,
        per label in order (labels without any left out)."""
        for label, points in answer.items():
            released = self._released.get(label)
            pending = self._pending.setdefault(label, {})
            for point in points:
                if released is not None and point.ts <= released:
                    continue  # released already: a second counts once
                pending[point.ts] = point  # a later answer's values replace earlier ones
                if self._newest is None or point.ts > self._newest:
                    self._newest = point.ts
        newest = self._newest
        if newest is None:
            return {}
        return self._release(lambda ts: ts < newest)

    def flush(self) -> dict[str, tuple[KpiPoint, ...]]:
        """The run has ended: its provisional seconds are as complete as they will be."""
        return self._release(lambda ts: True)

    def _release(self, complete: Callable[[int], bool]) -> dict[str, tuple[KpiPoint, ...]]:
        done: dict[str, tuple[KpiPoint, ...]] = {}
        for label, pending in self._pending.items():
            ready = sorted(ts for ts in pending if complete(ts))
            if not ready:
                continue
            done[label] = tuple(pending.pop(ts) for ts in ready)
            self._released[label] = ready[-1]
        return done


def kpi_timeline(points: Sequence[KpiPoint], cap: int = TIMELINE_CAP) -> tuple[KpiPoint, ...]:
    """A label's points (in order of their second) at most `cap` of them: when the run's
    span is longer, neighbouring seconds are merged into buckets of equal width.

    A merged point stands at its bucket's first second and covers the seconds up to the
    next bucket: hits and errors are the bucket's sums (hits/s is hits over the width),
    response time, latency and size the averages weighted by hits, users the highest.
    """
    if cap < 1:
        raise ValueError("cap must be at least 1")
    if len(points) <= cap:
        return tuple(points)
    first = points[0].ts
    span = points[-1].ts - first + 1
    width = -(-span // cap)
    buckets: dict[int, list[KpiPoint]] = {}
    for point in points:
        buckets.setdefault(first + (point.ts - first) // width * width, []).append(point)
    return tuple(_merge(ts, group) for ts, group in buckets.items())


def _merge(ts: int, group: list[KpiPoint]) -> KpiPoint:
    if len(group) == 1:
        return replace(group[0], ts=ts)
    return KpiPoint(
        ts=ts,
        hits=_sum(point.hits for point in group),
        errors=_sum(point.errors for point in group),
        users=max((p.users for p in group if p.users is not None), default=None),
        avg_rt=_weighted(group, lambda point: point.avg_rt),
        avg_lt=_weighted(group, lambda point: point.avg_lt),
        avg_bytes=_weighted(group, lambda point: point.avg_bytes),
    )


def _sum(values: Iterable[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _weighted(group: list[KpiPoint], read: Callable[[KpiPoint], float | None]) -> float | None:
    """The average of the group's values, each weighted by its hits (equal weights where
    the hits are unknown or none at all)."""
    pairs = [(read(point), point.hits) for point in group]
    known = [(value, hits) for value, hits in pairs if value is not None]
    if not known:
        return None
    total = sum(hits or 0 for _, hits in known)
    if total == 0:
        return float(sum(value for value, _ in known) / len(known))
    return float(sum(value * (hits or 0) for value, hits in known) / total)
