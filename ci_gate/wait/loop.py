"""The wait loop: poll every master until it ends, the deadline passes or a signal comes.

It only schedules. Each master is polled on its own `--interval` (requests in a bounded
worker pool, never more in flight than the pool's size); what an answer brings is
recorded as facts (`judging.facts`), new events are sorted by the event policy and shown
live, and once a master ends its end reads go out together (`wait.end_reads`). When a
master is done, `judging.combine` decides its outcome on a frozen snapshot of what was
gathered (`_Watch.snapshot`); the loop itself never judges, never
writes files and never exits. The deadline, `--fail-fast`, the stops and signals are its
own.

Over 300 lines on purpose: the schedule, the last look at the deadline, fail-fast,
the stops and the signals act on the same per-master state; apart, they would pass it
back and forth.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ci_gate.blazemeter.links import report_url
from ci_gate.blazemeter.status_api import WaitClient
from ci_gate.clock import utc_now
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.levels import LEVELS, level_name
from ci_gate.domain.outcome import (
    LEFT_RUNNING,
    IgnoredEvent,
    MasterOutcome,
    MasterStops,
    Outcome,
    StatusChange,
    StopRequest,
    StopsSent,
)
from ci_gate.domain.run import ABNORMAL_TERMINAL_STATUSES, TERMINAL_STATUSES, Event, MasterStatus
from ci_gate.domain.verdict import TROUBLE_WINDOW, Verdict
from ci_gate.errors import ApiError, OutOfTimeError
from ci_gate.formatting import about_master, plural
from ci_gate.judging.combine import Rules, combine, combine_run
from ci_gate.judging.facts import Ending, MasterFacts
from ci_gate.judging.live_outcome import breach_line
from ci_gate.judging.policy import EventPolicy, Judgement
from ci_gate.judging.tracker import EventTracker
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.wait.end_reads import Clock, EndReads
from ci_gate.wait.live_reads import Breach, LiveReads
from ci_gate.wait.pool import WorkerPool
from ci_gate.wait.preflight import read_named_baseline
from ci_gate.wait.progress import ProgressSink
from ci_gate.wait.reads import ABANDON_AFTER, Read, SharedReads
from ci_gate.wait.stops import Stops

#: Seconds a stop request may take when the gate is cancelled or out of time.
STOP_BUDGET = 4.0
#: Of the 4 s a signal leaves for the reports and the stops, what the stops leave for the
#: reports written again after them (naming what was sent) and the exit.
REWRITE_MARGIN = 0.5
#: The least time the stops get after a cancel, even when the reports took the rest.
LEAST_STOP_TIME = 1.0
#: Seconds a poll made at the deadline (the last look) may take beyond it.
DEADLINE_GRACE = 2.0
#: Offending events printed live per master; later ones are counted, all are reported.
LIVE_EVENT_CAP = 20

_POLLING, _POLL_IN_FLIGHT, _ENDING, _DONE = "polling", "poll in flight", "ending", "done"


@dataclass
class _Watch:
    """One master's schedule, beside what the wait gathers about it: its own facts (a
    frozen value, replaced with each change), the events seen, the end and live reads."""

    facts: MasterFacts
    tracker: EventTracker = field(default_factory=EventTracker)
    phase: str = _POLLING
    next_poll: float = 0.0
    last_heartbeat: float = 0.0
    #: False once the master can no longer pass: it is then polled without events
    live_events: bool = True
    end_reads: EndReads | None = None
    #: the live data reads (`--fail-on`; after the end, the KPI charts' read)
    live: LiveReads | None = None
    #: the last outcome judged, with the facts it was judged on: reused only while the
    #: facts are the same value (nothing to invalidate by hand)
    judged: tuple[MasterFacts, MasterOutcome] | None = None

    @property
    def master_id(self) -> str:
        return self.facts.master_id

    @property
    def done(self) -> bool:
        return self.facts.ending is not None

    def snapshot(self) -> MasterFacts:
        """What the wait gathered about this master, frozen, as `combine` judges it."""
        return replace(
            self.facts,
            seen=replace(self.facts.seen, events=self.tracker.seen),
            live=None if self.live is None else self.live.snapshot(),
        )

    def ask_stop(self, request: StopRequest) -> None:
        """Keep a stop request as it was answered (its action, or None: not sent)."""
        seen = self.facts.seen
        self.facts = replace(
            self.facts, seen=replace(seen, stop_requests=(*seen.stop_requests, request))
        )

    def note(self, note: str, *, once: bool = False) -> None:
        """Keep a note about the master (`once`: unless it is kept already)."""
        if not (once and note in self.facts.notes):
            self.facts = replace(self.facts, notes=(*self.facts.notes, note))


@dataclass
class _InFlight:
    watch: _Watch
    started: float
    read: Read[Any, Any] | None = None  # None: a status poll
    live: bool = False  # a read of the live data (`live_reads`)


def _live_stop(name: str) -> str:
    """Why a live criterion's stop was sent (its request's `why`)."""
    return f"live criterion {name!r}"


#: a stop request's tag: the master, why, and when it was asked (seconds into the wait)
_StopTag = tuple[_Watch, str, float]


@dataclass
class WaitLoop:
    """Runs one wait; `run()` returns the `Outcome`."""

    plan: WaitSettings
    api: WaitClient
    progress: ProgressSink
    guard: SignalGuard
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    #: the wall clock, UTC: the moments the reports show (the start, each status change,
    #: the end); the command's, like `clock` and `sleep`
    wall: Callable[[], datetime] = utc_now
    notes: Mapping[str, list[str]] | None = None
    #: CI_GATE_RETRY_MAX_TIME: trouble this long (or since the start) at the deadline
    #: means the gate could not see the run, so the deadline ends it as `error`
    trouble_window: float = TROUBLE_WINDOW
    signal_number: int | None = None
    watches: list[_Watch] = field(init=False)

    def __post_init__(self) -> None:
        self.policy = EventPolicy(self.plan.level, self.plan.ignore, clock=self.clock)
        self.rules = Rules(
            level=self.plan.level,
            criteria=self.plan.criteria,
            limits=self.plan.regression,
            timeout=self.plan.timeout,
            trouble_window=self.trouble_window,
        )
        # the report link whatever the verdict (a timeout, a cancel, an error): it is
        # built from the API URL and the id, no request needed; an ended run's end reads
        # replace it with the public link under --public-report
        self.watches = [
            _Watch(
                MasterFacts(
                    master_id,
                    notes=tuple((self.notes or {}).get(master_id, ())),
                    report_url=report_url(self.api.api_url, master_id),
                )
            )
            for master_id in self.plan.master_ids
        ]
        self.poll_level = level_name(self.plan.level)
        self.timeline_level = level_name(min(self.plan.level, LEVELS["INFO"]))
        self.shared = SharedReads()
        for watch in self.watches:
            watch.live = LiveReads(
                watch.master_id,
                self.api,
                self.plan.fail_on,
                warmup=self.plan.warmup,
                interval=self.plan.interval,
                shared=self.shared,
            )
        self.started = 0.0
        self.started_at = self.wall()
        self.deadline = 0.0
        self.stop_deadline: float | None = None
        self.cancelled_at: float | None = None
        #: stop requests in flight, side by side: (the master, why, when it was asked)
        self.stops: Stops[_StopTag] = Stops(self.plan.concurrency, self.clock)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Wait; on a signal, mark what was running as cancelled (no stop requests yet:
        the caller writes the reports first, then calls `stop_cancelled`)."""
        self.started_at = self.wall()
        self.started = self.clock()
        self.deadline = self.started + self.plan.timeout
        try:
            with self.guard.interruptible():
                if self._baseline_found():
                    self._loop()
                self._collect_stops()
        except Cancelled as cancelled:
            self.cancelled_at = self.clock()
            self.signal_number = cancelled.signal_number
            self._end_pending(Ending.CANCELLED, str(cancelled))
            self._record_stops(self.stops.answered())  # the rest: after the reports
            if not self.plan.stop_on_cancel:
                for watch in self._cancelled_running():
                    self._left_running(watch, "or add --stop-on-cancel", left_by="the cancel")
        return self._outcome()

    def crashed(self, error: BaseException) -> Outcome:
        """After an unexpected failure inside the wait: what was pending ends as `error`."""
        self._end_pending(Ending.CRASHED, f"internal error: {type(error).__name__}: {error}")
        return self._outcome()

    def stop_cancelled(self) -> StopsSent:
        """Once the run is concluded as cancelled (a signal in the wait or after it): every
        stop still in flight collected, and with --stop-on-cancel every master still
        running stopped (never one seen ended or already stopped: one left running by
        --fail-fast or a timeout too), side by side: the reports and the stops take 4 s
        from the signal in all, what is left of them after the reports goes to the stops
        (at least `LEAST_STOP_TIME`). Returns what was sent, never a new outcome: the
        outcome is the conclusion's to change."""
        before = {
            watch.master_id: (len(watch.facts.seen.stop_requests), len(watch.facts.notes))
            for watch in self.watches
        }
        running = self._still_running()
        if self.plan.stop_on_cancel and running:
            now = self.clock()
            signalled = now if self.cancelled_at is None else self.cancelled_at
            deadline = max(signalled + STOP_BUDGET - REWRITE_MARGIN, now + LEAST_STOP_TIME)
            for watch in running:
                self._stop(watch, "cancelled (--stop-on-cancel)", deadline)
        for watch in running if not self.plan.stop_on_cancel else ():
            if not any(LEFT_RUNNING in note for note in watch.facts.notes):
                timed_out = watch.facts.ending is Ending.OUT_OF_TIME
                left_by = "the timeout" if timed_out else "the cancel"
                self._left_running(watch, "or add --stop-on-cancel", left_by=left_by)
        self._collect_stops()
        sent = []
        for watch in self.watches:
            facts, (asked, noted) = watch.facts, before[watch.master_id]
            if len(facts.seen.stop_requests) > asked or len(facts.notes) > noted:
                requests, notes = facts.seen.stop_requests[asked:], facts.notes[noted:]
                undone = watch.live is not None and watch.live.stop_undone
                sent.append(MasterStops(watch.master_id, requests, notes, live_stop_undone=undone))
        return StopsSent(tuple(sent), self.api.traffic())

    def _still_running(self) -> list[_Watch]:
        """The masters that may still be running: never seen ended, no stop in flight and
        none answered (a cancel, a timeout or --fail-fast may have left them)."""
        stopping = {tag[0].master_id for tag in self.stops.tags()}
        return [
            watch
            for watch in self.watches
            if watch.facts.seen.status not in TERMINAL_STATUSES
            and watch.master_id not in stopping
            and not any(asked.action for asked in watch.facts.seen.stop_requests)
        ]

    def _cancelled_running(self) -> list[_Watch]:
        """The masters a signal left running (never one already seen ended, nor one whose
        stop was answered: it is not "still running" beside that stop)."""
        return [
            watch
            for watch in self.watches
            if watch.facts.ending is Ending.CANCELLED
            and watch.facts.seen.status not in TERMINAL_STATUSES
            and not any(asked.action for asked in watch.facts.seen.stop_requests)
        ]

    def _baseline_found(self) -> bool:
        """A baseline named by id is read once before the first poll: a mistyped id ends
        the wait at once (exit 4) instead of after the whole run."""
        found = read_named_baseline(self.api, self.plan.baseline, self._read_deadline())
        if isinstance(found, str):
            self._end_pending(Ending.API_ERROR, f"{found}; nothing was polled")
            return False
        if found is not None and self.plan.baseline is not None:
            self.shared.put(("master", self.plan.baseline), found)
        return True

    def _loop(self) -> None:
        """Each master on its own schedule; the pool makes the requests, this thread
        records and prints (so output lines stay whole and in order per master)."""
        # threads start as work comes: one master still gets its end reads side by side
        pool = WorkerPool(self.plan.concurrency)
        in_flight: dict[Future[Any], _InFlight] = {}
        try:
            while True:
                now = self.clock()
                for watch in self.watches:
                    if watch.phase == _POLLING and watch.next_poll <= now:
                        in_flight[pool.submit(self._status_call(watch))] = _InFlight(watch, now)
                        watch.phase = _POLL_IN_FLIGHT
                    self._submit_live(pool, in_flight, watch, now)
                if not self._pending():
                    return
                self._wait_for(in_flight)
                if self._stuck(in_flight):
                    self._abandon()
                    return
                for future in [f for f in in_flight if f.done()]:
                    job = in_flight.pop(future)
                    watch = job.watch
                    if job.read is None:
                        self._apply_poll(watch, future, job.started)
                    elif job.live:
                        assert watch.live is not None
                        self._act(watch, watch.live.finished(job.read, future))
                    else:
                        assert watch.end_reads is not None
                        watch.end_reads.finished(job.read, future)
                    if watch.phase == _ENDING and watch.end_reads is not None:
                        for read in watch.end_reads.take():
                            in_flight[pool.submit(read.call)] = _InFlight(watch, now, read)
                        self._submit_live(pool, in_flight, watch, now)
                        live_settled = watch.live is None or watch.live.settled
                        if watch.end_reads.done and live_settled:
                            self._apply_end(watch)
                    if self.plan.fail_fast and self._verdict(watch) is Verdict.FAILED:
                        self._end_pending(
                            Ending.NOT_JUDGED,
                            "not judged: --fail-fast ended the wait on another master",
                        )
                        return
                self._record_stops(self.stops.answered())
                self._heartbeats()
        finally:
            pool.close()

    def _submit_live(
        self, pool: WorkerPool, in_flight: dict[Future[Any], _InFlight], watch: _Watch, now: float
    ) -> None:
        """The live reads due for a master still watched (bounded by the deadline; after
        its end, by the end reads' deadline)."""
        if watch.live is None or watch.phase == _DONE:
            return
        ending = watch.phase == _ENDING
        deadline = self._read_deadline() if ending else self.deadline
        for read in watch.live.due(now, watch.facts.seen.progress, deadline):
            in_flight[pool.submit(read.call)] = _InFlight(watch, now, read, live=True)

    def _wait_for(self, in_flight: dict[Future[Any], _InFlight]) -> None:
        """Until a request completes or the next poll is due (no busy waiting), and never
        past the time a request still in flight is abandoned."""
        stops = self.stops.in_flight()  # an answered stop is recorded (and said) at once
        if any(future.done() for future in [*in_flight, *stops]):
            return
        due = [w.next_poll for w in self.watches if w.phase == _POLLING]
        due += [
            live_due
            for w in self.watches
            if w.live is not None
            and w.phase in (_POLLING, _POLL_IN_FLIGHT)
            and (live_due := w.live.next_due()) is not None
            and live_due < self.deadline
        ]
        pause = max(0.0, min(due) - self.clock()) if due else None
        if in_flight:
            limit = max(0.0, self._read_deadline() + ABANDON_AFTER - self.clock())
            timeout = limit if pause is None else min(pause, limit)
            futures_wait([*in_flight, *stops], timeout=timeout, return_when=FIRST_COMPLETED)
        elif stops:
            futures_wait(stops, timeout=pause, return_when=FIRST_COMPLETED)
        elif pause is not None:
            self.sleep(pause)

    def _stuck(self, in_flight: dict[Future[Any], _InFlight]) -> bool:
        """Requests in flight, none back, and the time to abandon them has come."""
        return (
            bool(in_flight)
            and not any(future.done() for future in in_flight)
            and self.clock() >= self._read_deadline() + ABANDON_AFTER
        )

    def _abandon(self) -> None:
        """End every master still waiting as out of time, saying why; the requests' worker
        threads are daemons and are left behind."""
        late = self.clock() - self.deadline
        for watch in self._pending():
            watch.note(
                f"a request to the API was still in flight {late:.0f}s after the deadline "
                "(past its own time cap): abandoned"
            )
            if watch.phase == _ENDING:
                self._end(watch, Ending.OUT_OF_TIME)
            else:
                self._time_out(watch)

    def _pending(self) -> list[_Watch]:
        return [watch for watch in self.watches if not watch.done]

    def _elapsed(self) -> float:
        return self.clock() - self.started

    def _read_deadline(self) -> float:
        """The deadline a read is bounded by: the wait's, plus the last look's grace."""
        return self.deadline + DEADLINE_GRACE

    # -- one poll: the request in a worker, the record here -------------------------------------

    def _status_call(self, watch: _Watch) -> Callable[[], MasterStatus]:
        master_id, events, deadline = watch.master_id, watch.live_events, self._read_deadline()
        return lambda: self.api.status(
            master_id, level=self.poll_level, events=events, deadline=deadline
        )

    def _apply_poll(self, watch: _Watch, future: Future[Any], started: float) -> None:
        """Record one answer; schedule the next poll, the end reads, or the last look."""
        facts = watch.facts
        last_look = started >= self.deadline  # a poll started at the deadline is the last
        try:
            status: MasterStatus = future.result()
        except ApiError as error:
            watch.facts = replace(
                facts,
                # the cause, not only "no time left"
                last_error=(
                    facts.last_error
                    if isinstance(error, OutOfTimeError) and facts.last_error
                    else str(error)
                ),
                trouble_since=started if facts.trouble_since is None else facts.trouble_since,
            )
            if self.clock() >= self.deadline:  # judging says whether it was blind or late
                self._poll_again_or_time_out(watch, last_look)
                return
            self._end(watch, Ending.API_ERROR, str(error))
            return
        watch.facts = replace(facts, last_usable=self.clock(), trouble_since=None)
        self._record_status(watch, status)
        self._sort_events(watch, status.events)
        if not status.events_listed and watch.live_events:
            watch.note("an answer carried no event list; its events were not judged", once=True)
        if len(watch.facts.seen.offending) >= LIVE_EVENT_CAP and watch.live_events:
            # it can no longer pass: poll without events, read them all once at the end
            watch.live_events = False
            watch.note(
                f"{LIVE_EVENT_CAP} offending events seen: polled without events from then "
                "on, the full list read once at the end"
            )
        if status.terminal:
            if status.status in ABNORMAL_TERMINAL_STATUSES:
                watch.note(f"ended with status {status.status}, which is abnormal")
            unread = not status.events_listed or not watch.live_events
            watch.facts = replace(watch.facts, events_unread=unread)
            self._begin_end_reads(watch)
            return
        if self.plan.fail_fast and watch.facts.seen.offending:
            self._end(watch, Ending.FAILED_FAST)
            if self.plan.stop_on_fail:  # the stop first: it is what saves money
                self._stop(watch, "it failed (--stop-on-fail)", self.clock() + STOP_BUDGET)
            else:
                self._left_running(watch, "or add --stop-on-fail to stop a failing run")
            self._read_so_far(watch)
            return
        self._poll_again_or_time_out(watch, last_look)

    def _poll_again_or_time_out(self, watch: _Watch, last_look: bool) -> None:
        if last_look:
            self._time_out(watch)
            return
        watch.phase = _POLLING
        watch.next_poll = min(self.clock() + self.plan.interval, self.deadline)

    def _record_status(self, watch: _Watch, status: MasterStatus) -> None:
        seen = watch.facts.seen
        if (status.status, status.progress) == (seen.status, seen.progress):
            return
        if not status.known_status:
            watch.note(f"unknown status {status.status!r} (not terminal; still waiting)", once=True)
        # progress may go back (TAURUS_ENGINE_READY 90 -> TAURUS_ENGINE_INIT 71 is
        # BlazeMeter's own table): the timeline shows it, no note calls it a fault
        now = self._elapsed()
        watch.last_heartbeat = now
        change = StatusChange(self.wall(), now, status.status, status.progress)
        seen = replace(
            seen, status=status.status, progress=status.progress, timeline=(*seen.timeline, change)
        )
        watch.facts = replace(watch.facts, seen=seen)
        self.progress.status_changed(watch.master_id, status.status, status.progress, now)

    def _sort_events(self, watch: _Watch, events: Sequence[Event]) -> None:
        """New events into offending and ignored (the policy decides), shown live."""
        offending: list[Event] = []
        ignored: list[IgnoredEvent] = []
        shown, unshown = len(watch.facts.seen.offending), 0
        for event, sorting in self.policy.flagged(watch.tracker.new_events(events)):
            if sorting is Judgement.OFFENDING:
                offending.append(event)
                watch.last_heartbeat = self._elapsed()
                if shown + len(offending) <= LIVE_EVENT_CAP:
                    self.progress.offending_event(watch.master_id, event, self._elapsed())
                else:
                    unshown += 1
            elif sorting is Judgement.IGNORED:
                ignored.append(IgnoredEvent(event, self.policy.waiver(event) or ""))
        if offending or ignored:  # one new value per answer, not one per event
            seen = watch.facts.seen
            seen = replace(
                seen,
                offending=(*seen.offending, *offending),
                ignored=(*seen.ignored, *ignored),
            )
            watch.facts = replace(watch.facts, seen=seen)
        for note in self.policy.take_notes():  # a search that ran out: said once, kept
            watch.note(note, once=True)
            self.progress.note(f"warning: master {watch.master_id}: {note}")
        if unshown:
            self.progress.note(
                f"master {watch.master_id}: {unshown} more offending "
                f"{plural(unshown, 'event')} ({len(watch.facts.seen.offending)} in all; the first "
                f"{LIVE_EVENT_CAP} are shown live, every one is in the reports)"
            )

    # -- once a master has ended ----------------------------------------------------------

    def _begin_end_reads(self, watch: _Watch) -> None:
        needs_timeline = self.timeline_level != self.poll_level or watch.facts.events_unread
        watch.phase = _ENDING
        if watch.live is not None:
            watch.live.end()
        watch.end_reads = EndReads(
            watch.master_id,
            self.api,
            self.plan,
            Clock(self.clock, self.sleep, self.deadline, self._read_deadline()),
            self.shared,
            timeline_level=self.timeline_level if needs_timeline else None,
        )

    def _apply_end(self, watch: _Watch) -> None:
        assert watch.end_reads is not None
        end = watch.end_reads.facts
        if end.timeline is not None:
            self._sort_events(watch, end.timeline.events)
        for warning in end.warnings:
            self.progress.note(f"warning: master {watch.master_id}: {warning}")
        watch.facts = replace(watch.facts, end=end)
        self._end(watch, Ending.ENDED)
        outcome = self._master_outcome(watch)
        who = f"master {watch.master_id}"
        criteria = outcome.criteria
        # the verdict line, unless the end could not be judged (no events, cut by the deadline)
        if criteria is not None and outcome.verdict not in (Verdict.ERROR, Verdict.TIMEOUT):
            self.progress.note(
                f"{who}: BlazeMeter's verdict {criteria.report_status or 'unset'}"
                + (f" ({criteria.reason})" if criteria.failed else "")
            )
        comparison = outcome.baseline
        if comparison is not None and comparison.master_id and not comparison.note:
            found = len(comparison.regressions)
            self.progress.note(
                f"{who}: compared with baseline {comparison.master_id} "
                f"({comparison.how_chosen}): {found} {plural(found, 'regression')}"
            )

    # -- a live criterion that triggered --------------------------------------------------

    def _act(self, watch: _Watch, breaches: list[Breach]) -> None:
        """Say each breach; `stop` stops the master once, at once; `--fail-fast` ends the
        wait on a `failed` one. The verdict is `combine`'s."""
        live = watch.live
        for judge, judged in breaches:
            criterion = judge.criterion
            watch.last_heartbeat = self._elapsed()
            self.progress.note(f"master {watch.master_id}: {breach_line(criterion, judged)}")
            if watch.done or live is None:
                continue
            running = watch.facts.seen.status not in TERMINAL_STATUSES and watch.phase != _ENDING
            if criterion.stop and live.stopped_by is None and not live.stop_undone and running:
                live.stopped_by, live.stopped_at = criterion, judged.triggered_at
                self._stop(watch, _live_stop(criterion.name), self.clock() + STOP_BUDGET)
            if self.plan.fail_fast and criterion.fail and running:
                self._end(watch, Ending.FAILED_FAST)
                if live.stopped_by is None and self.plan.stop_on_fail:
                    self._stop(watch, "it failed (--stop-on-fail)", self.clock() + STOP_BUDGET)
                elif live.stopped_by is None:
                    self._left_running(watch, "or give the criterion the action stop")

    # -- ends other than every master ending ---------------------------------------------

    def _end(self, watch: _Watch, ending: Ending, error: str | None = None) -> None:
        watch.phase = _DONE
        watch.facts = replace(watch.facts, ending=ending, error=error)
        if self.plan.public_report and ending is not Ending.ENDED:
            watch.note(
                "the public report link was not read (it is read once the run has ended): "
                "the report link kept is the private one",
                once=True,
            )

    def _end_pending(self, ending: Ending, error: str) -> None:
        for watch in self._pending():
            self._end(watch, ending, error)
            if ending is Ending.NOT_JUDGED:
                watch.note(error)
                watch.facts = replace(watch.facts, error=None)
                if watch.facts.seen.status not in TERMINAL_STATUSES:
                    self._left_running(watch)

    def _read_so_far(self, watch: _Watch) -> None:
        """--fail-fast leaves before the end reads: BlazeMeter's KPIs
        of the run so far (one read, within the stop budget; a failure is a note)."""
        deadline = min(self.clock() + STOP_BUDGET, self._read_deadline())
        try:
            kpis = self.api.kpis(watch.master_id, deadline)
        except ApiError as error:
            watch.note(f"could not read the KPIs so far: {error}")
            return
        watch.facts = replace(watch.facts, kpis=kpis)
        if kpis:
            watch.note("KPIs so far: read when --fail-fast ended the wait, before the end")

    def _left_running(
        self, watch: _Watch, otherwise: str = "", *, left_by: str = "--fail-fast"
    ) -> None:
        """--fail-fast (or a cancel without --stop-on-cancel) leaves a run going in
        BlazeMeter: the live output and the reports say how to stop it (its link is kept,
        as every master's is)."""
        master_id = watch.master_id
        said = (
            f"master {master_id} {LEFT_RUNNING} ({left_by} left it): stop "
            f"it with ci-gate stop {master_id}" + (f", {otherwise}" if otherwise else "")
        )
        watch.note(said)
        self.progress.note(said)

    def _stop(self, watch: _Watch, why: str, deadline: float) -> None:
        """Send the master's stop now, beside any other in flight (`wait.stops`): its
        answer is recorded as it comes (`_record_stops`), all of them before the wait
        returns. One slow stop never uses up the time another master's needs."""
        master_id, progress = watch.master_id, watch.facts.seen.progress
        self.stops.send(
            lambda: self.api.stop(master_id, progress, deadline=deadline),
            (watch, why, self._elapsed()),
            deadline,
        )

    def _collect_stops(self) -> None:
        """Every stop still in flight, recorded as each answer comes (by its deadline)."""
        self._record_stops(self.stops.collect())

    def _record_stops(
        self, answers: Iterable[tuple[tuple[_Watch, str, float], Future[Any]]]
    ) -> None:
        for (watch, why, asked), answer in answers:
            error = answer.exception() if answer.done() else None
            if answer.done() and error is None:
                action = answer.result()
                watch.ask_stop(StopRequest(asked, action, why))
                self.progress.note(f"master {watch.master_id}: sent {action}: {why}")
            elif error is None or isinstance(error, ApiError):
                said = (
                    about_master(watch.master_id, str(error))
                    if error is not None
                    else "no answer within the stop budget"
                )
                watch.ask_stop(StopRequest(asked, None, why))
                watch.note(f"could not stop the master: {said}")
                live = watch.live  # a live criterion's stop not done is never said done
                if live and live.stopped_by and why == _live_stop(live.stopped_by.name):
                    live.unconfirmed_by = live.stopped_by
                    live.stopped_by, live.stopped_at, live.stop_undone = None, None, True
                self.progress.note(f"master {watch.master_id}: could not stop it: {said}")
            else:
                raise error  # a bug: the wait ends as `error`, never silently

    def _time_out(self, watch: _Watch) -> None:
        """The last look found it still running (and a stop, within one budget shared by
        every master that times out)."""
        self._end(watch, Ending.OUT_OF_TIME)
        if self.plan.stop_on_timeout:
            if self.stop_deadline is None:
                self.stop_deadline = self.clock() + STOP_BUDGET
            self._stop(watch, "timed out (--stop-on-timeout)", self.stop_deadline)

    def _heartbeats(self) -> None:
        now = self._elapsed()
        for watch in self._pending():
            seen = watch.facts.seen
            if seen.status is not None and now - watch.last_heartbeat >= self.plan.heartbeat:
                watch.last_heartbeat = now
                self.progress.heartbeat(
                    watch.master_id,
                    seen.status,
                    seen.progress,
                    now,
                    self.deadline - self.clock(),
                )

    # -- the result: judged by `combine` on a snapshot, again only when it changed ------------

    def _verdict(self, watch: _Watch) -> Verdict | None:
        return self._master_outcome(watch).verdict if watch.done else None

    def _master_outcome(self, watch: _Watch) -> MasterOutcome:
        """`combine` on the master's snapshot; judged again only when the snapshot is
        another value (an answer, a breach, a stop since), so a cached outcome cannot go
        stale and the `now` it was judged at stays with the facts it judged."""
        facts = watch.snapshot()
        if watch.judged is None or watch.judged[0] != facts:
            watch.judged = (facts, combine(facts, self.rules, self.clock()))
        return watch.judged[1]

    def _outcome(self) -> Outcome:
        masters = tuple(
            self._master_outcome(watch)
            if watch.done
            else combine(watch.snapshot(), self.rules, self.clock())
            for watch in self.watches
        )
        return combine_run(
            masters,
            self.rules,
            signal_number=self.signal_number,
            started_at=self.started_at,
            finished_at=self.wall(),
            traffic=self.api.traffic(),
            ignore_patterns=tuple(pattern.pattern for pattern in self.plan.ignore),
            waited=max(self.clock() - self.started, 0.0) if self.started else 0.0,
        )
