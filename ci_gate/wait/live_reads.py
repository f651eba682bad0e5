"""The live data reads of one master, paced for the wait loop, and what they feed.

While a master runs with data (progress >= 100) and `--fail-on` names criteria, the loop
asks `due()` for the reads to send now and hands each result to `finished()`:
- `/data/labels` once, and again at most every 30 s of the gate's clock while a label a
  criterion names has not appeared;
- `/data/kpis` at most once per `--interval`, only for ALL and the labels named, `from`
  where the feed says (`judging.live_feed`: the provisional second, read again);
- the aggregate report at most every 30 s while a percentile criterion with a timeframe
  is live (BlazeMeter's cumulative percentiles).
Each label's complete seconds go to the judges of the criteria on that label
(`judging.live`), never another label's progress; what triggers is
handed back to the loop, which acts on it (the stop, the live line). Once the master has
ended (`end()`), the rest of its seconds are read page by page (at most 4 MB: with or
without criteria, so report.html can draw the run's curves; each of those reads has
`END_READ_BUDGET` seconds, not the status reads' retry budget, so that the totals read
keeps its time), the feed is flushed, and the run's totals are read for the criteria
judged on them. A read that fails after its
retries is a fact (`LiveFacts.lost`), never raised: the loop goes on.

Nothing here judges a verdict (`judging.combine` does) and nothing sends a stop.

Over 300 lines on purpose: the three reads' pacing, the pages after the end and the
feeding of the judges act on the same per-master state (the feed, the labels asked for,
what is in flight); apart, they would pass it back and forth.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar

from ci_gate.blazemeter.status_api import LiveDataApi
from ci_gate.domain.findings import AggregateReport
from ci_gate.domain.live import ALL_LABEL, KpiPoint, Label
from ci_gate.domain.live_criteria import LabelTotals, LiveCriterion, LiveJudgement
from ci_gate.domain.run import GRACEFUL_STOP_PROGRESS, Traffic
from ci_gate.errors import ApiError
from ci_gate.judging.facts import LiveFacts
from ci_gate.judging.live import CumulativeJudge, LiveJudge, judge_for
from ci_gate.judging.live_feed import LiveFeed
from ci_gate.judging.live_labels import find_label
from ci_gate.judging.live_outcome import totals_for
from ci_gate.judging.live_values import total_value
from ci_gate.wait.reads import ABANDON_AFTER, Read, SharedReads

#: Seconds of the gate's clock between reads of the labels while a named one is missing,
#: and between reads of the cumulative percentiles while live.
LABELS_AGAIN = 30.0
PERCENTILES_AGAIN = 30.0
#: What the reads after the end may bring at most, and in how many pages.
END_READ_BYTES = 4 * 1024 * 1024
END_READ_PAGES = 200
#: Seconds each read of the seconds after the end (labels, pages) gets, retries and all,
#: never past the wait's deadline: without criteria they only draw report.html's charts,
#: with criteria the totals read must still have its time after them (criteria are then
#: judged on the totals); a KPI endpoint failing or trickling for ever costs a note and
#: seconds, not CI_GATE_RETRY_MAX_TIME's minutes nor the whole --timeout.
END_READ_BUDGET = 10.0

#: A breach to act on: the judge (its criterion) and what it judged.
Breach = tuple[LiveJudge, LiveJudgement]

T = TypeVar("T")
#: a KPI read's answer: the seconds per label id, and the bytes it took
_KpiAnswer = tuple[dict[str, tuple[KpiPoint, ...]], int]


class _Slot(Enum):
    """Which of a master's live reads is out (one of each at most): the pacing's, not
    what handles the answer (each read carries its own handlers)."""

    LABELS = "labels"
    KPIS = "kpis"
    PERCENTILES = "percentiles"
    PAGE = "page"
    TOTALS = "totals"


class _Stage(Enum):
    LIVE = "live"
    LABELS = "labels"  # after the end: the labels first, when never read
    PAGES = "pages"
    TOTALS = "totals"
    SETTLED = "settled"


@dataclass(frozen=True, eq=False)
class LiveRead(Read[T, "list[Breach]"]):
    """One live data read: its handlers record what it brought and give the breaches it
    made trigger (a failure gives none: it is a fact, never raised); `slot` is which of
    the master's reads it is, for the pacing (one of each out at most)."""

    slot: _Slot


def _nothing(error: ApiError) -> list[Breach]:
    """A percentiles read that failed: read again in 30 s; the end's totals judge it if
    none comes."""
    return []


class LiveApi(LiveDataApi, Protocol):
    """What the live reads need of a client (`BlazeMeterClient`): the live data, the
    totals, and the traffic counter."""

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport: ...

    def traffic(self) -> Traffic: ...


class LiveReads:
    """One master's live reads: `due()` what to send, `finished()` each, `end()` once."""

    def __init__(
        self,
        master_id: str,
        api: LiveApi,
        criteria: Sequence[LiveCriterion],
        *,
        warmup: int,
        interval: float,
        shared: SharedReads,
    ) -> None:
        self.master_id, self.api, self.interval, self.shared = master_id, api, interval, shared
        #: the gathering (the loop takes a frozen `snapshot()` of it when judging)
        self.judges = [judge_for(criterion, warmup) for criterion in criteria]
        self._labels: list[Label] | None = None
        self._points: dict[str, list[KpiPoint]] = {}
        self._lost: str | None = None
        self._totals: dict[str, LabelTotals] | None = None
        self._notes: list[str] = []
        #: the criterion whose breach sent the stop, and the run second it triggered on
        #: (the loop sends the stop and records it here)
        self.stopped_by: LiveCriterion | None = None
        self.stopped_at: int | None = None
        #: the criterion's stop got no answer (or failed): the reports never say it stopped
        #: the run, and it is not sent again
        self.stop_undone = False
        #: the criterion whose stop that was (the reports say it was sent, not done)
        self.unconfirmed_by: LiveCriterion | None = None
        self.feed = LiveFeed()
        #: label id -> name, for the labels asked for (ALL and those named)
        self._asked: dict[str, str] = {}
        self._judge_labels: list[str | None] = [None] * len(criteria)
        self._all_id = ALL_LABEL
        self._busy: set[_Slot] = set()
        self._abandoned: set[_Slot] = set()
        self._next = {_Slot.LABELS: 0.0, _Slot.KPIS: 0.0, _Slot.PERCENTILES: 0.0}
        self._ending = False
        self._stage = _Stage.LIVE
        self._end_bytes = 0
        self._end_pages = 0
        self._started = False
        self._now = 0.0
        self._has_data = False
        self._far_noted = False

    # -- the schedule -----------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """The master ended and every read after the end is back."""
        return self._stage is _Stage.SETTLED and not self._busy

    def end(self) -> None:
        """The master has ended: read its last seconds, flush, read its totals. A live
        read of the KPIs or percentiles still out is left behind (its answer ignored):
        the pages after the end read from where the feed stands."""
        if not self._ending:
            self._ending = True
            self._stage = _Stage.LABELS if self._labels is None else _Stage.PAGES
            self._abandoned = self._busy & {_Slot.KPIS, _Slot.PERCENTILES}
            self._busy -= self._abandoned

    def next_due(self) -> float | None:
        """When a read will next be due while live (None: none waits on time alone: not
        live, no data yet, or the read is out)."""
        if self._ending or not self.judges or not self._has_data:
            return None
        busy, waits = self._busy, []
        if self._labels is not None and _Slot.KPIS not in busy:
            waits.append(self._next[_Slot.KPIS])
        if (self._labels is None or self._missing_named()) and _Slot.LABELS not in busy:
            waits.append(self._next[_Slot.LABELS])
        free = _Slot.PERCENTILES not in busy
        if self._percentile_live() and free and self.feed.newest is not None:
            waits.append(self._next[_Slot.PERCENTILES])
        return min(waits) if waits else None

    def due(self, now: float, progress: int | None, deadline: float) -> list[LiveRead[Any]]:
        """The reads to send now (each handed over once), bounded by `deadline`."""
        self._now = now
        if self._ending:
            return self._end_due(deadline)
        self._has_data = progress is not None and progress >= GRACEFUL_STOP_PROGRESS
        if not self.judges or not self._has_data or now >= deadline:
            return []
        reads: list[LiveRead[Any]] = []
        if self._is_due(_Slot.LABELS, self._labels is None or self._missing_named()):
            self._next[_Slot.LABELS] = now + LABELS_AGAIN
            reads.append(self._labels_read(deadline))
        if self._is_due(_Slot.KPIS, self._labels is not None):
            self._next[_Slot.KPIS] = now + self.interval
            reads.append(self._kpi_read(_Slot.KPIS, deadline, self._got_live_kpis))
        wanted = self._percentile_live() and self.feed.newest is not None
        if self._is_due(_Slot.PERCENTILES, wanted):
            self._next[_Slot.PERCENTILES] = now + PERCENTILES_AGAIN
            call = functools.partial(self.api.aggregate, self.master_id, deadline)
            reads.append(self._read(_Slot.PERCENTILES, call, self._cumulative, _nothing))
        return reads

    def _is_due(self, slot: _Slot, wanted: bool) -> bool:
        return wanted and slot not in self._busy and self._now >= self._next[slot]

    def _end_due(self, deadline: float) -> list[LiveRead[Any]]:
        if self._busy:
            return []  # a live read still out: the feed takes answers in order
        # the labels and the pages: a short budget of their own (the totals keep the rest)
        short = min(deadline, self._now + END_READ_BUDGET)
        if self._stage is _Stage.LABELS:
            return [self._labels_read(short)]
        if self._stage is _Stage.PAGES:
            return [self._kpi_read(_Slot.PAGE, short, self._got_page)]
        if self._stage is _Stage.TOTALS:
            key = ("aggregate", self.master_id)  # shared with the baseline's read of it
            wait = deadline + ABANDON_AFTER - self._now  # as the end reads wait for it
            call = functools.partial(
                self.shared.once,
                key,
                functools.partial(self.api.aggregate, self.master_id, deadline),
                wait,
            )
            return [self._read(_Slot.TOTALS, call, self._got_totals, self._totals_failed)]
        return []

    def _read(
        self,
        slot: _Slot,
        call: Callable[[], T],
        on_result: Callable[[T], list[Breach]],
        on_error: Callable[[ApiError], list[Breach]],
    ) -> LiveRead[T]:
        self._busy.add(slot)
        return LiveRead(slot.value, call, on_result, on_error, slot)

    def _labels_read(self, deadline: float) -> LiveRead[list[Label]]:
        call = functools.partial(self.api.labels, self.master_id, deadline)
        return self._read(_Slot.LABELS, call, self._got_labels, self._labels_failed)

    def _kpi_read(
        self, slot: _Slot, deadline: float, on_result: Callable[[_KpiAnswer], list[Breach]]
    ) -> LiveRead[_KpiAnswer]:
        ids = list(self._asked) or [self._all_id]
        start = self.feed.next_from
        api, master_id = self.api, self.master_id

        def read() -> _KpiAnswer:
            before = api.traffic().bytes_received
            answer = api.live_kpis(master_id, start, ids, deadline)
            return answer, api.traffic().bytes_received - before

        on_error = self._page_failed if slot is _Slot.PAGE else self._kpis_failed
        return self._read(slot, read, on_result, on_error)

    def _missing_named(self) -> bool:
        return any(
            judge.criterion.label is not None and label_id is None
            for judge, label_id in zip(self.judges, self._judge_labels, strict=True)
        )

    def _percentile_live(self) -> bool:
        return any(isinstance(judge, CumulativeJudge) for judge in self.judges)

    def snapshot(self) -> LiveFacts:
        """What the live data brought so far, frozen: the judges as they stand, the
        seconds read, what could not be read (the reads go on; this never changes)."""
        return LiveFacts(
            judges=tuple(judge.snapshot() for judge in self.judges),
            labels=None if self._labels is None else tuple(self._labels),
            points={name: tuple(points) for name, points in self._points.items()},
            stopped_by=self.stopped_by,
            stopped_at=self.stopped_at,
            unconfirmed_by=self.unconfirmed_by,
            lost=self._lost,
            totals=None if self._totals is None else dict(self._totals),
            notes=tuple(self._notes),
        )

    # -- what came back (in the loop's thread) ----------------------------------------------

    def finished(self, read: Read[Any, Any], future: Future[Any]) -> list[Breach]:
        """Record one read (its own handlers do); the breaches it made trigger (in the
        order they did). An answer to a read left behind at the end changes nothing."""
        if not isinstance(read, LiveRead):
            raise TypeError(f"not a live read: {read.name}")  # the loop mixed its jobs up
        if read.slot in self._abandoned:
            self._abandoned.discard(read.slot)
            return []
        self._busy.discard(read.slot)
        return read.settle(future)

    def _within(self) -> str:
        """The reads after the end had END_READ_BUDGET: said, the error may say
        "deadline"."""
        if not self._ending:
            return ""
        if self.judges:
            return f" within the {END_READ_BUDGET:g} s the reads after the end have"
        return f" within the charts' {END_READ_BUDGET:g} s"

    def _labels_failed(self, error: ApiError) -> list[Breach]:
        if self._ending:
            self._lost = f"could not read the run's labels{self._within()}: {error}"
            self._to_totals()
        elif self._labels is None:
            self._next[_Slot.LABELS] = self._now + self.interval  # tried again soon
        return []

    def _kpis_failed(self, error: ApiError) -> list[Breach]:
        self._lost = f"could not read the live KPIs{self._within()}: {error}"
        return []

    def _page_failed(self, error: ApiError) -> list[Breach]:
        """A page after the end not read: what the feed holds is flushed to the judges
        (a breach it makes is kept by its judge, not said), then the totals."""
        self._kpis_failed(error)
        self._flush()
        self._to_totals()
        return []

    def _got_totals(self, report: AggregateReport) -> list[Breach]:
        breaches = self._cumulative(report)
        self._totals = report.totals
        self._stage = _Stage.SETTLED
        return breaches

    def _totals_failed(self, error: ApiError) -> list[Breach]:
        self._notes.append(f"could not read the run's totals (aggregate report): {error}")
        self._stage = _Stage.SETTLED
        return []

    def _got_labels(self, labels: list[Label]) -> list[Breach]:
        if not labels and not self._ending:
            # none listed yet: the data is not there yet (BlazeMeter lists labels once
            # they have seconds), so this is no read of the labels: asked again soon
            self._next[_Slot.LABELS] = self._now + self.interval
            return []
        self._labels = labels
        found_all = find_label(None, labels)
        self._all_id = found_all.id if found_all is not None else ALL_LABEL
        asked = {self._all_id: ALL_LABEL}
        for index, judge in enumerate(self.judges):
            found = find_label(judge.criterion.label, labels)
            self._judge_labels[index] = None if found is None else found.id
            if found is not None:
                asked[found.id] = found.name
        self._asked = asked
        if self._stage is _Stage.LABELS:
            if labels:
                self._stage = _Stage.PAGES
            else:  # the run ended without data: no seconds to read
                self._to_totals()
        return []

    def _got_live_kpis(self, result: _KpiAnswer) -> list[Breach]:
        answer, _ = result
        breaches = self._take(self.feed.take(answer))
        self._lost = None  # read again: the seconds missed came with this answer
        return breaches

    def _got_page(self, result: _KpiAnswer) -> list[Breach]:
        answer, size = result
        newest = self.feed.newest
        breaches = self._take(self.feed.take(answer))
        self._end_bytes += size
        self._end_pages += 1
        more = self.feed.newest is not None and (newest is None or self.feed.newest > newest)
        if more and self._end_bytes >= END_READ_BYTES:
            self._notes.append(
                "the live KPIs read after the end reached 4 MB: the charts stop there"
            )
            more = False
        if not more or self._end_pages >= END_READ_PAGES:
            self._lost = None
            breaches += self._flush()
            self._to_totals()
        return breaches

    def _to_totals(self) -> None:
        """The seconds are all in: the totals next (only criteria are judged on them)."""
        self._stage = _Stage.TOTALS if self.judges else _Stage.SETTLED

    def _flush(self) -> list[Breach]:
        return self._take(self.feed.flush())

    def _take(self, released: dict[str, tuple[KpiPoint, ...]]) -> list[Breach]:
        """Complete seconds: kept per label for the charts, and fed to each judge: its
        own label's seconds, in order, then the last second its label has moved past
        (fed without data when the label has no point there): a label's second is judged
        only once that label's row is past it, never on another label's progress."""
        for label_id, points in released.items():
            name = self._asked.get(label_id)
            if name is not None and points:
                self._points.setdefault(name, []).extend(points)
        self._note_far()
        if not self.judges:
            return []
        if not self._started:
            firsts = [points[0].ts for points in released.values() if points]
            if not firsts:
                return []
            self._started = True
            seconds = self._points.get(ALL_LABEL)
            first = (seconds[0].ts if seconds else None) or min(firsts)
            for judge in self.judges:
                judge.begin(first)
        breaches: list[Breach] = []
        for judge, judge_label in zip(self.judges, self._judge_labels, strict=True):
            own = self._all_id if judge.criterion.label is None else judge_label
            if own is None:
                continue  # its label is not listed (yet): nothing of it to judge
            fed: list[tuple[int, KpiPoint | None]] = [
                (point.ts, point) for point in released.get(own, ())
            ]
            through = self.feed.complete_through(own)
            if through is not None and (not fed or fed[-1][0] < through):
                fed.append((through, None))
            for ts, point in fed:
                judged = judge.feed(ts, point)
                if judged is not None:
                    breaches.append((judge, judged))
        breaches.sort(key=lambda breach: breach[1].triggered_at or 0)
        return breaches

    def _note_far(self) -> None:
        """A second far beyond the run's others is said once (it is kept, but trusted
        neither to move `from` nor to complete a second)."""
        far = self.feed.far_seconds
        if far and not self._far_noted:
            self._far_noted = True
            self._notes.append(
                f"a live KPI point has a ts ({far[0]}) far beyond the run's other seconds:"
                " not trusted to complete seconds nor to move the reads on, and left out"
                " of the judging and the charts"
            )

    def _cumulative(self, report: AggregateReport) -> list[Breach]:
        """BlazeMeter's cumulative percentiles, read at the newest second the feed has."""
        second = self.feed.newest
        if second is None:
            return []
        breaches: list[Breach] = []
        for judge in self.judges:
            if not isinstance(judge, CumulativeJudge):
                continue
            totals = totals_for(judge.criterion, report.totals, None)
            value = None if totals is None else total_value(judge.criterion, totals, None)
            if value is not None:
                judged = judge.feed_cumulative(second, value)
                if judged is not None:
                    breaches.append((judge, judged))
        return breaches
