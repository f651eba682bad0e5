"""The live KPI answers of one master turned into complete seconds, each exactly once.

BlazeMeter's `/data/kpis` answers one row per label with a point per second from `from`;
the newest second of a row may still be filling, and one label's row may end a second or
more behind another's (recorded: ALL at ts 1 and a label at ts 2 in one answer). `LiveFeed`
is the one place that keeps the contract's promise about that, per label: a label's newest
second stays provisional (a later answer that carries it again replaces its values) and is
released only once that label's row carries a later second (or at `flush`, when the run
has ended); a second that comes again after its release is not counted twice; each
label's seconds come out in order. `complete_through(label)` is the last second the label
has moved past (a second of it without a point is one without data). `next_from` is the
`from` of the next read: the oldest provisional second of any label, so that each is read
again, and nothing before it.

Two bounds keep one odd row from blinding the gate:
- a label whose row stays `QUIET_LAG` seconds behind the newest second of the run's rows
  has gone quiet: its seconds up to there are complete (else one label that stopped
  would hold `from`, and every read would grow with the run);
- a point more than `FUTURE_BOUND` seconds beyond every second trusted so far, or as far
  before them (in the first answer: from its median second and what follows on) is not
  trusted to move `from` nor to release seconds, nor released itself (not even at
  `flush`: it would stretch the charts and feed the judges a phantom gap): it is named in
  `far_seconds` (one far-future `ts` would otherwise end every later read).

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
#: Seconds a label's row may lag the newest second of the run's rows before the label
#: counts as quiet (its seconds up to there complete).
QUIET_LAG = 30
#: Seconds beyond the seconds trusted so far that a point may lie and still be trusted
#: (a run's data does not jump an hour ahead between two reads).
FUTURE_BOUND = 3600


class LiveFeed:
    """One master's KPI answers in, each label's complete seconds out, in order, once."""

    def __init__(self, start_from: int = 0) -> None:
        self._start_from = start_from
        #: per label: the newest trusted second its row carried (its provisional second)
        self._newest: dict[str, int] = {}
        #: per label: the last second released
        self._released: dict[str, int] = {}
        #: per label: seconds read but not complete yet (second -> its latest values)
        self._pending: dict[str, dict[int, KpiPoint]] = {}
        #: seconds beyond the run's plausible clock (kept, never trusted)
        self._far: set[int] = set()
        #: the earliest trusted second (the run's far past is trusted no more than its future)
        self._earliest: int | None = None
        self._flushed = False

    @property
    def next_from(self) -> int:
        """The `from` of the next read: the oldest provisional second (read again) of a
        label not quiet (a label without a point yet: as far back as a quiet one), or
        the start."""
        if not self._newest:
            return self._start_from
        # a label asked for whose row has no point yet may still bring its first ones
        oldest = min(self._newest.get(label, self._start_from) for label in self._pending)
        return max(oldest, self._quiet_through() + 1)

    @property
    def newest(self) -> int | None:
        """The newest trusted second seen in any answer (None before the first point)."""
        return max(self._newest.values()) if self._newest else None

    @property
    def far_seconds(self) -> tuple[int, ...]:
        """The seconds not trusted (far beyond the run's other seconds), in order."""
        return tuple(sorted(self._far))

    def complete_through(self, label: str) -> int | None:
        """The last second of `label` that is complete (None: none yet)."""
        newest = self._newest.get(label)
        quiet = self._quiet_through()
        if self._flushed:
            released = self._released.get(label)
            ends = [ts for ts in (newest, released, quiet) if ts is not None]
            return max(ends) if ends else None
        if newest is None:
            return quiet if self._newest else None
        return max(newest - 1, quiet)

    def take(self, answer: Mapping[str, Sequence[KpiPoint]]) -> dict[str, tuple[KpiPoint, ...]]:
        """One KPI answer (per label id, its points); returns the seconds it completed,
        per label in order (labels without any left out)."""
        trusted = self._trusted(answer)
        for label, points in answer.items():
            released = self._released.get(label)
            pending = self._pending.setdefault(label, {})
            for point in points:
                if released is not None and point.ts <= released:
                    continue  # released already: a second counts once
                pending[point.ts] = point  # a later answer's values replace earlier ones
                if point.ts not in trusted:
                    self._far.add(point.ts)
                    continue
                self._far.discard(point.ts)  # the run has come so far after all
                if point.ts > self._newest.get(label, point.ts - 1):
                    self._newest[label] = point.ts
        if not self._newest:
            return {}
        quiet = self._quiet_through()
        far = self._far
        return self._release(
            lambda label, ts: ts not in far and (ts < self._newest.get(label, ts) or ts <= quiet)
        )

    def flush(self) -> dict[str, tuple[KpiPoint, ...]]:
        """The run has ended: its provisional seconds are as complete as they will be."""
        self._flushed = True
        return self._release(lambda label, ts: ts not in self._far)

    def _quiet_through(self) -> int:
        """Seconds up to here are complete for every label (QUIET_LAG behind the newest)."""
        newest = self.newest
        return (self._start_from - 1) if newest is None else newest - QUIET_LAG

    def _trusted(self, answer: Mapping[str, Sequence[KpiPoint]]) -> set[int]:
        """The answer's seconds that follow on from what is trusted, each within
        FUTURE_BOUND of the one next to it, upwards from the newest trusted second and
        downwards from the earliest (the first answer: from its median second, so that
        one odd point at either end cannot set the run's clock)."""
        seconds = sorted({point.ts for points in answer.values() for point in points})
        if not seconds:
            return set()
        middle = seconds[(len(seconds) - 1) // 2]
        high = self.newest if self.newest is not None else middle
        low = self._earliest if self._earliest is not None else middle
        trusted = {ts for ts in seconds if low <= ts <= high}
        for ts in (ts for ts in seconds if ts > high):
            if ts > high + FUTURE_BOUND:
                break
            trusted.add(ts)
            high = ts
        for ts in (ts for ts in reversed(seconds) if ts < low):
            if ts < low - FUTURE_BOUND:
                break
            trusted.add(ts)
            low = ts
        if self._earliest is None or low < self._earliest:
            self._earliest = low
        return trusted

    def _release(self, complete: Callable[[str, int], bool]) -> dict[str, tuple[KpiPoint, ...]]:
        done: dict[str, tuple[KpiPoint, ...]] = {}
        for label, pending in self._pending.items():
            ready = sorted(ts for ts in pending if complete(label, ts))
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
