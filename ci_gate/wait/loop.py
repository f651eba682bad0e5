"""The wait loop: poll every master until it ends, the deadline passes or a signal comes.

It asks the client for a status, feeds the events to a tracker that returns only what is
new, asks the policy whether anything offends and tells the progress sink what changed.
When the wait is over it returns one immutable `Outcome`; it never writes files or exits.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

from ci_gate.config.parsers import parse_limit
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import (
    AggregateReport,
    BaselineOutcome,
    CriteriaMode,
    CriteriaOutcome,
    Criterion,
    MasterInfo,
    RunInfo,
    normalise_report_status,
)
from ci_gate.domain.levels import LEVELS, level_name
from ci_gate.domain.outcome import IgnoredEvent, MasterOutcome, Outcome, StatusChange
from ci_gate.domain.run import (
    ABNORMAL_TERMINAL_STATUSES,
    TERMINAL_STATUSES,
    Event,
    MasterStatus,
    Traffic,
)
from ci_gate.domain.verdict import Verdict, worst_verdict
from ci_gate.errors import ApiError, NotFoundError, OutOfTimeError
from ci_gate.formatting import describe_event, format_duration, plural
from ci_gate.judging.baseline import (
    DEFAULT_LIMIT,
    LAST_PASSED,
    compare,
    data_notes,
    pick_last_passed,
)
from ci_gate.judging.criteria import judge as judge_criteria
from ci_gate.judging.policy import EventPolicy, Judgement
from ci_gate.judging.tracker import EventTracker
from ci_gate.wait.pool import WorkerPool
from ci_gate.wait.progress import ProgressSink
from ci_gate.wait.signals import Cancelled, SignalGuard

#: Seconds a stop request may take when the gate is cancelled or out of time.
STOP_BUDGET = 4.0


#: Seconds a poll made at the deadline (the last look) may take beyond it.
DEADLINE_GRACE = 2.0


#: How long BlazeMeter's verdict may stay unset after a master ended, and the pause
#: between reads meanwhile (never longer than --interval).
REPORT_STATUS_WAIT = 30.0


REPORT_STATUS_PAUSE = 3.0


#: Offending events printed live per master; later ones are counted, all are reported.
LIVE_EVENT_CAP = 20


T = TypeVar("T")


class StatusApi(Protocol):
    """What the waiter needs of a client (`client.BlazeMeterClient` in production)."""

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo: ...

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[Criterion, ...], tuple[str, ...]]: ...

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None: ...

    def public_token(self, master_id: str, deadline: float | None = None) -> str: ...

    def report_url(self, master_id: str, public_token: str | None = None) -> str: ...

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport: ...

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]: ...

    def status(
        self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
    ) -> MasterStatus: ...

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str: ...

    def traffic(self) -> Traffic: ...


@dataclass
class _MasterState:
    master_id: str
    tracker: EventTracker = field(default_factory=EventTracker)
    status: str | None = None
    progress: int | None = None
    verdict: Verdict | None = None
    error: str | None = None
    offending: list[Event] = field(default_factory=list)
    ignored: list[IgnoredEvent] = field(default_factory=list)
    timeline: list[StatusChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stop_action: str | None = None
    last_heartbeat: float = 0.0
    criteria: CriteriaOutcome | None = None
    kpis: dict[str, float] | None = None
    report_url: str | None = None
    baseline: BaselineOutcome | None = None
    #: scheduling: polling (next_poll due), a poll in flight, end reads in flight, done
    phase: str = "polling"
    next_poll: float = 0.0
    #: False once the master can no longer pass: it is then polled without events
    live_events: bool = True
    #: the end reads must bring the event list (the last answers carried none)
    events_unread: bool = False
    #: clock of the last usable answer, and since when every answer has been trouble
    last_usable: float | None = None
    trouble_since: float | None = None
    last_error: str | None = None

    @property
    def done(self) -> bool:
        return self.verdict is not None


_POLLING, _POLL_IN_FLIGHT, _ENDING, _DONE = "polling", "poll in flight", "ending", "done"


class _VerdictCutByDeadline(Exception):
    """The deadline came while BlazeMeter's verdict on an ended run was still unset."""


@dataclass
class _EndReads:
    """What the reads about an ended master brought (made in a worker thread)."""

    report_url: str | None = None
    timeline: MasterStatus | None = None
    timeline_error: ApiError | None = None
    criteria: CriteriaOutcome | None = None
    criteria_error: ApiError | None = None
    kpis: dict[str, float] | None = None
    baseline: BaselineOutcome | None = None
    baseline_error: ApiError | None = None
    #: BlazeMeter's verdict was still being re-read when the deadline came
    verdict_cut_by_deadline: bool = False
    notes: list[str] = field(default_factory=list)
    #: said on the console as warnings, and kept as notes
    warnings: list[str] = field(default_factory=list)


class Waiter:
    """Runs one wait; `run()` returns the `Outcome`."""

    def __init__(
        self,
        settings: WaitSettings,
        api: StatusApi,
        progress: ProgressSink,
        guard: SignalGuard,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        notes: Mapping[str, list[str]] | None = None,
        trouble_window: float = 300.0,
    ) -> None:
        self.plan = settings
        #: CI_GATE_RETRY_MAX_TIME: trouble this long (or since the start) at the deadline
        #: means the gate could not see the run, so the deadline ends it as `error`
        self.trouble_window = trouble_window
        self.policy = EventPolicy(settings.level, settings.ignore)
        self.api = api
        self.progress = progress
        self.guard = guard
        self.clock = clock
        self.sleep = sleep
        self.masters = [
            _MasterState(master_id, notes=list((notes or {}).get(master_id, [])))
            for master_id in settings.master_ids
        ]
        self.poll_level = level_name(settings.level)
        timeline_level = min(settings.level, LEVELS["INFO"])
        self.timeline_level = level_name(timeline_level)
        self.started = 0.0
        self.started_at = datetime.now(timezone.utc)
        self.deadline = 0.0
        self.stop_deadline: float | None = None
        self._shared: dict[tuple[str, str], Future[Any]] = {}
        self._shared_lock = threading.Lock()
        self.signal_number: int | None = None

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Wait; on a signal, mark what was running as cancelled (no stop requests yet:
        the caller writes the reports first, then calls `stop_cancelled`)."""
        self.started_at = datetime.now(timezone.utc)
        self.started = self.clock()
        self.deadline = self.started + self.plan.timeout
        try:
            with self.guard.interruptible():
                self._loop()
        except Cancelled as cancelled:
            self.signal_number = cancelled.signal_number
            self._finish_cancelled(str(cancelled))
        return self._outcome()

    def crashed(self, error: BaseException) -> Outcome:
        """After an unexpected failure inside the wait: what was pending ends as `error`."""
        why = f"internal error: {type(error).__name__}: {error}"
        for master in self._pending():
            master.verdict = Verdict.ERROR
            master.error = f"master {master.master_id}: {why} (set CI_GATE_DEBUG=1 for details)"
        return self._outcome()

    def stop_cancelled(self) -> Outcome:
        """With --stop-on-cancel, stop the masters a signal left running: 4 s in all."""
        cancelled = [
            m
            for m in self.masters
            if m.verdict is Verdict.CANCELLED and m.status not in TERMINAL_STATUSES
        ]
        if not self.plan.stop_on_cancel or not cancelled:
            return self._outcome()
        deadline = self.clock() + STOP_BUDGET
        for master in cancelled:
            self._stop(master, "cancelled (--stop-on-cancel)", deadline)
        return self._outcome()

    def _loop(self) -> None:
        """Each master on its own schedule; the pool makes the requests, this thread
        judges and prints (so output lines stay whole and in order per master)."""
        pool = WorkerPool(min(self.plan.concurrency, len(self.masters)))
        in_flight: dict[Future[Any], tuple[_MasterState, str, float]] = {}
        try:
            while True:
                now = self.clock()
                for master in self.masters:
                    if master.phase == _POLLING and master.next_poll <= now:
                        future = pool.submit(
                            self._status_call(master.master_id, master.live_events)
                        )
                        in_flight[future] = (master, "poll", now)
                        master.phase = _POLL_IN_FLIGHT
                if not self._pending():
                    return
                self._wait_for(in_flight)
                for future in [f for f in in_flight if f.done()]:
                    master, kind, started = in_flight.pop(future)
                    if kind == "poll":
                        self._apply_poll(master, future, started)
                        if master.phase == _ENDING:
                            in_flight[pool.submit(self._end_reads_for(master))] = (
                                master,
                                "end",
                                self.clock(),
                            )
                    else:
                        self._apply_end(master, future)
                    if self.plan.fail_fast and master.verdict is Verdict.FAILED:
                        self._finish_fail_fast()
                        return
                self._heartbeats()
        finally:
            pool.close()

    def _wait_for(self, in_flight: dict[Future[Any], tuple[_MasterState, str, float]]) -> None:
        """Until a request completes or the next poll is due (no busy waiting)."""
        if any(future.done() for future in in_flight):
            return
        due = [m.next_poll for m in self.masters if m.phase == _POLLING]
        pause = max(0.0, min(due) - self.clock()) if due else None
        if in_flight:
            futures_wait(list(in_flight), timeout=pause, return_when=FIRST_COMPLETED)
        elif pause is not None:
            self.sleep(pause)

    def _pending(self) -> list[_MasterState]:
        return [master for master in self.masters if not master.done]

    def _elapsed(self) -> float:
        return self.clock() - self.started

    # -- one poll: the request in a worker, the judging here ----------------------------------

    def _status_call(self, master_id: str, events: bool) -> Callable[[], MasterStatus]:
        deadline = self._poll_deadline()
        return lambda: self.api.status(
            master_id, level=self.poll_level, events=events, deadline=deadline
        )

    def _apply_poll(self, master: _MasterState, future: Future[Any], started: float) -> None:
        """Judge one answer; schedule the next poll, the end reads, or the timeout."""
        last_look = started >= self.deadline  # a poll started at the deadline is the last
        try:
            status: MasterStatus = future.result()
        except ApiError as error:
            if not (isinstance(error, OutOfTimeError) and master.last_error):
                master.last_error = str(error)  # the cause, not only "no time left"
            if master.trouble_since is None:
                master.trouble_since = started
            if self.clock() >= self.deadline:
                master.notes.append(f"last API error before the deadline: {error}")
                self._poll_again_or_time_out(master, last_look)
                return
            master.verdict, master.error, master.phase = Verdict.ERROR, str(error), _DONE
            return
        master.last_usable, master.trouble_since = self.clock(), None
        self._record_status(master, status)
        self._judge(master, status.events)
        if not status.events_listed and master.live_events:
            _note_once(master, "an answer carried no event list; its events were not judged")
        if len(master.offending) >= LIVE_EVENT_CAP and master.live_events:
            # it can no longer pass: poll without events, read them all once at the end
            master.live_events = False
            master.notes.append(
                f"{LIVE_EVENT_CAP} offending events seen: polled without events from then "
                "on, the full list read once at the end"
            )
        if status.terminal:
            if status.status in ABNORMAL_TERMINAL_STATUSES:
                master.notes.append(f"ended with status {status.status}, which is abnormal")
            master.phase = _ENDING
            master.events_unread = not status.events_listed or not master.live_events
            return
        if self.plan.fail_fast and master.offending:
            master.verdict, master.phase = Verdict.FAILED, _DONE
            if self.plan.stop_on_fail:
                self._stop(master, "it failed (--stop-on-fail)", self.clock() + STOP_BUDGET)
            return
        self._poll_again_or_time_out(master, last_look)

    def _poll_again_or_time_out(self, master: _MasterState, last_look: bool) -> None:
        if last_look:
            self._time_out(master)
            return
        master.phase = _POLLING
        master.next_poll = min(self.clock() + self.plan.interval, self.deadline)

    # -- once a master has ended: the full timeline, BlazeMeter's verdict, KPIs, the link ----

    def _end_reads_for(self, master: _MasterState) -> Callable[[], _EndReads]:
        master_id, required = master.master_id, master.events_unread
        return lambda: self._end_reads(master_id, required)

    def _end_reads(self, master_id: str, required: bool) -> _EndReads:
        """Every read about an ended master, in a worker; failures are kept, not raised."""
        deadline = self._poll_deadline()
        reads = _EndReads(report_url=self.api.report_url(master_id))
        if self.timeline_level != self.poll_level or required:
            try:
                reads.timeline = self.api.status(
                    master_id, level=self.timeline_level, events=True, deadline=deadline
                )
            except ApiError as error:
                reads.timeline_error = error
        info: MasterInfo | None = None
        if self.plan.criteria is not CriteriaMode.OFF:
            try:
                reads.criteria, info = self._read_criteria(master_id, deadline, reads.notes)
            except _VerdictCutByDeadline:
                reads.verdict_cut_by_deadline = True
            except ApiError as error:
                if self.clock() >= self.deadline:
                    reads.verdict_cut_by_deadline = True
                else:
                    reads.criteria_error = error
        if self.plan.baseline is not None:
            try:
                reads.baseline = self._compare_with_baseline(master_id, info, deadline, reads)
            except NotFoundError as error:  # a baseline named by id that does not exist
                reads.baseline_error = error
        if reads.criteria is None or reads.criteria.report_status != "noData":
            try:
                reads.kpis = self.api.kpis(master_id, deadline)
            except ApiError as error:
                reads.notes.append(f"could not read the KPIs: {error}")
        if self.plan.public_report:
            try:
                token = self.api.public_token(master_id, deadline)
                reads.report_url = self.api.report_url(master_id, token)
            except ApiError as error:
                reads.notes.append(
                    f"could not create a public report link: {error}; the link needs a login"
                )
        return reads

    def _apply_end(self, master: _MasterState, future: Future[Any]) -> None:
        """Fold the end reads into the master: every note, the KPIs, the link and the
        baseline are kept whatever the verdict; the verdict is the worst finding."""
        reads: _EndReads = future.result()
        master.phase = _DONE
        master.report_url = reads.report_url
        master.kpis = reads.kpis
        if reads.timeline is not None:
            self._judge(master, reads.timeline.events)
        elif reads.timeline_error is not None:
            master.notes.append(f"could not read the full event timeline: {reads.timeline_error}")
        for warning in reads.warnings:
            self.progress.note(f"warning: master {master.master_id}: {warning}")
        master.notes.extend([*reads.notes, *reads.warnings])
        master.criteria = reads.criteria
        master.baseline = reads.baseline
        verdict, error = self._end_verdict(master, reads)
        master.verdict, master.error = verdict, error

    def _end_verdict(self, master: _MasterState, reads: _EndReads) -> tuple[Verdict, str | None]:
        """The ended master's verdict and its error line: the worst of its findings."""
        who = f"master {master.master_id}"
        listed = reads.timeline is not None and reads.timeline.events_listed
        if master.events_unread and not listed:
            return Verdict.ERROR, (
                f"{who} ended, but BlazeMeter's answer carried no event list: its events "
                "cannot be judged"
            )
        if reads.criteria_error is not None:
            return (
                Verdict.ERROR,
                f"{who}: could not read BlazeMeter's verdict: {reads.criteria_error}",
            )
        if reads.baseline_error is not None:
            return Verdict.ERROR, f"{who}: the baseline named by --baseline: {reads.baseline_error}"
        if reads.verdict_cut_by_deadline:
            return Verdict.TIMEOUT, (
                f"{who}: timed out after {format_duration(self.plan.timeout)} while BlazeMeter's "
                "verdict on the ended run was still being read"
            )
        verdict, error = (Verdict.FAILED if master.offending else Verdict.PASSED), None
        criteria = reads.criteria
        if criteria is not None:
            if criteria.note:
                master.notes.append(criteria.note)
            self.progress.note(
                f"{who}: BlazeMeter's verdict {criteria.report_status or 'unset'}"
                + (f" ({criteria.reason})" if criteria.failed else "")
            )
            if criteria.verdict.severity > verdict.severity:
                verdict = criteria.verdict
                if verdict is Verdict.BROKEN:
                    error = f"{who}: {criteria.reason}"
        comparison = reads.baseline
        if comparison is not None:
            if comparison.note:
                master.notes.append(comparison.note)
            master.notes.extend(comparison.data_notes)
            if comparison.master_id and not comparison.note:
                found = len(comparison.regressions)
                self.progress.note(
                    f"{who}: compared with baseline {comparison.master_id} "
                    f"({comparison.how_chosen}): {found} {plural(found, 'regression')}"
                )
            if comparison.regressions and verdict.severity < Verdict.FAILED.severity:
                verdict = Verdict.FAILED
        return verdict, error

    def _record_status(self, master: _MasterState, status: MasterStatus) -> None:
        if (status.status, status.progress) == (master.status, master.progress):
            return
        if not status.known_status:
            _note_once(master, f"unknown status {status.status!r} (not terminal; still waiting)")
        if (
            master.progress is not None
            and status.progress is not None
            and status.progress < master.progress
        ):
            master.notes.append(f"progress went back from {master.progress} to {status.progress}")
        master.status, master.progress = status.status, status.progress
        now = self._elapsed()
        master.last_heartbeat = now
        master.timeline.append(
            StatusChange(datetime.now(timezone.utc), now, status.status, status.progress)
        )
        self.progress.status_changed(master.master_id, status.status, status.progress, now)

    def _judge(self, master: _MasterState, events: Sequence[Event]) -> None:
        unshown = 0
        for event in master.tracker.new_events(events):
            judgement = self.policy.judge(event)
            if judgement is Judgement.OFFENDING:
                master.offending.append(event)
                master.last_heartbeat = self._elapsed()
                if len(master.offending) <= LIVE_EVENT_CAP:
                    self.progress.offending_event(master.master_id, event, self._elapsed())
                else:
                    unshown += 1
            elif judgement is Judgement.IGNORED:
                master.ignored.append(IgnoredEvent(event, self.policy.waiver(event) or ""))
        if unshown:
            self.progress.note(
                f"master {master.master_id}: {unshown} more offending "
                f"{plural(unshown, 'event')} ({len(master.offending)} in all; the first "
                f"{LIVE_EVENT_CAP} are shown live, every one is in the reports)"
            )

    def _compare_with_baseline(
        self, master_id: str, info: MasterInfo | None, deadline: float, reads: _EndReads
    ) -> BaselineOutcome:
        """Label by label against the baseline; a baseline that cannot be found or read is
        a note and no comparison, except a named one that does not exist (NotFoundError).
        A named baseline that is this run, has not ended or is of another test is compared
        all the same, with a warning."""
        named = self.plan.baseline != LAST_PASSED
        how = "named" if named else LAST_PASSED
        limits = self.plan.regression or (parse_limit(DEFAULT_LIMIT, "--regression"),)
        baseline_id: str | None = self.plan.baseline if named else None
        try:
            if named:
                assert baseline_id is not None
                reads.warnings += self._doubts_about(master_id, baseline_id, info, deadline)
            else:
                if info is None:
                    info = self.api.master_info(master_id, deadline)
                test_id = info.test_id
                if test_id is None:
                    return BaselineOutcome(
                        None, how, note="BlazeMeter gave no test id: no baseline"
                    )
                runs = self._once(
                    ("runs", test_id), lambda: self.api.runs_of_test(test_id, deadline)
                )
                baseline_id = pick_last_passed(master_id, runs, created=info.created)
                if baseline_id is None:
                    return BaselineOutcome(
                        None, how, note=f"no earlier passed run of test {test_id}: nothing compared"
                    )
            assert baseline_id is not None
            chosen = baseline_id
            base = self._once(("aggregate", chosen), lambda: self.api.aggregate(chosen, deadline))
        except NotFoundError:
            if named:
                raise
            return BaselineOutcome(baseline_id, how, note="the baseline run was not found")
        except ApiError as error:
            return BaselineOutcome(
                baseline_id, how, note=f"could not read the baseline: {error}; nothing compared"
            )
        try:
            now = self._once(
                ("aggregate", master_id), lambda: self.api.aggregate(master_id, deadline)
            )
        except ApiError as error:
            return BaselineOutcome(
                baseline_id, how, note=f"could not read this run's aggregate report: {error}"
            )
        rows = compare(now, base, limits)
        return BaselineOutcome(baseline_id, how, rows, data_notes=data_notes(rows, now, base))

    def _doubts_about(
        self, master_id: str, baseline_id: str, info: MasterInfo | None, deadline: float
    ) -> list[str]:
        """What makes a named baseline a poor one: the run itself, not ended, another test."""
        if baseline_id == master_id:
            return [f"the baseline {baseline_id} is this run itself: it can show no regression"]
        try:
            if info is None:
                info = self.api.master_info(master_id, deadline)
            base = self._once(
                ("master", baseline_id), lambda: self.api.master_info(baseline_id, deadline)
            )
        except NotFoundError:
            raise
        except ApiError as error:
            return [f"could not check the baseline {baseline_id} (ended, same test): {error}"]
        doubts = []
        if base.ended is None:
            doubts.append(f"the baseline {baseline_id} has not ended: its numbers may change")
        if base.test_id is not None and info.test_id is not None and base.test_id != info.test_id:
            doubts.append(
                f"the baseline {baseline_id} is a run of test {base.test_id}, this run of test "
                f"{info.test_id}"
            )
        return doubts

    def _once(self, key: tuple[str, str], call: Callable[[], T]) -> T:
        """One read per key per run, shared by the workers (the first one makes it)."""
        with self._shared_lock:
            slot = self._shared.get(key)
            if slot is None:
                slot = self._shared[key] = Future()
                mine = True
            else:
                mine = False
        if mine:
            try:
                slot.set_result(call())
            except BaseException as error:
                slot.set_exception(error)
        result: T = slot.result()
        return result

    def _read_criteria(
        self, master_id: str, deadline: float, notes: list[str]
    ) -> tuple[CriteriaOutcome, MasterInfo]:
        """reportStatus, re-read every few seconds while it is not set (up to 30 s), then
        the failed criteria when BlazeMeter failed the run. A `fail` whose details cannot
        be read is still a fail (BlazeMeter has said so), with a note. Raises
        `_VerdictCutByDeadline` when the deadline comes before the verdict does."""
        pause = min(REPORT_STATUS_PAUSE, self.plan.interval)
        give_up = self.clock() + REPORT_STATUS_WAIT
        while True:
            info = self.api.master_info(master_id, deadline)
            if info.report_status is not None:
                break
            if self.clock() + pause >= give_up:
                notes.append(
                    f"BlazeMeter set no verdict within {format_duration(REPORT_STATUS_WAIT)}: "
                    "treated as unset"
                )
                break
            if self.clock() + pause >= self.deadline:
                raise _VerdictCutByDeadline()
            self.sleep(pause)
        if info.note:
            notes.append(info.note)
        criteria: tuple[Criterion, ...] = ()
        if normalise_report_status(info.report_status) == "fail":
            try:
                criteria, value_notes = self.api.criteria_with_notes(master_id, deadline)
                notes.extend(value_notes)
            except ApiError as error:
                notes.append(
                    f"BlazeMeter failed the run, but its failure criteria could not be read: "
                    f"{error}"
                )
        return judge_criteria(self.plan.criteria, info.report_status, criteria), info

    def _heartbeats(self) -> None:
        now = self._elapsed()
        for master in self._pending():
            if master.status is not None and now - master.last_heartbeat >= self.plan.heartbeat:
                master.last_heartbeat = now
                self.progress.heartbeat(master.master_id, master.status, master.progress, now)

    # -- ends other than every master ending ---------------------------------------------------

    def _poll_deadline(self) -> float:
        """The deadline a read is bounded by: the wait's, plus the last look's grace."""
        return self.deadline + DEADLINE_GRACE

    def _stop(self, master: _MasterState, why: str, deadline: float) -> None:
        try:
            master.stop_action = self.api.stop(master.master_id, master.progress, deadline=deadline)
            self.progress.note(f"master {master.master_id}: sent {master.stop_action} ({why})")
        except ApiError as error:
            master.notes.append(f"could not stop the master: {error}")
            self.progress.note(f"master {master.master_id}: could not stop it: {error}")

    def _time_out(self, master: _MasterState) -> None:
        """The last look found it still running: timeout (and a stop, within one budget
        shared by every master that times out)."""
        master.phase = _DONE
        blind = self._blind_since(master)
        if blind is not None:
            master.verdict = Verdict.ERROR
            master.error = f"master {master.master_id}: {blind}: {master.last_error}"
        else:
            master.verdict = Verdict.TIMEOUT
            master.error = (
                f"master {master.master_id}: timed out after "
                f"{format_duration(self.plan.timeout)} with status "
                f"{master.status or 'never read'}"
            )
        if self.plan.stop_on_timeout:
            if self.stop_deadline is None:
                self.stop_deadline = self.clock() + STOP_BUDGET
            self._stop(master, "timed out (--stop-on-timeout)", self.stop_deadline)

    def _blind_since(self, master: _MasterState) -> str | None:
        """Why the deadline is an API error, not a timeout: every answer since the start,
        or for the whole trouble window, was trouble (the gate could not see the run)."""
        if master.trouble_since is None:
            return None
        if master.last_usable is None:
            return "the API never answered usably"
        lasted = self.clock() - master.trouble_since
        if lasted < self.trouble_window:
            return None
        return f"the API has not answered usably for {format_duration(lasted)}"

    def _finish_fail_fast(self) -> None:
        for master in self._pending():
            master.verdict = Verdict.UNFINISHED
            master.notes.append("not judged: --fail-fast ended the wait on another master")

    def _finish_cancelled(self, signal_name: str) -> None:
        for master in self._pending():
            master.verdict = Verdict.CANCELLED
            master.error = (
                f"master {master.master_id}: cancelled by {signal_name} "
                f"with status {master.status or 'never read'}"
            )

    # -- the result ---------------------------------------------------------------------------

    def _outcome(self) -> Outcome:
        started_at, signal_number = self.started_at, self.signal_number
        masters = tuple(self._master_outcome(master) for master in self.masters)
        verdict = (
            Verdict.CANCELLED
            if signal_number is not None
            else worst_verdict(master.verdict for master in masters)
        )
        return Outcome(
            verdict=verdict,
            exit_code=verdict.exit_code(signal_number),
            threshold=self.plan.level,
            started_at=started_at,
            finished_at=datetime.now(timezone.utc),
            masters=masters,
            reason=_reason(verdict, masters, self.poll_level),
            traffic=self.api.traffic(),
            ignore_patterns=tuple(pattern.pattern for pattern in self.plan.ignore),
            waited=max(self.clock() - self.started, 0.0) if self.started else 0.0,
        )

    @staticmethod
    def _master_outcome(master: _MasterState) -> MasterOutcome:
        seen = master.tracker.seen
        counts = Counter(
            event.level.upper() if event.level_recognised else "UNRECOGNISED" for event in seen
        )
        return MasterOutcome(
            master_id=master.master_id,
            verdict=master.verdict or Verdict.ERROR,
            status=master.status,
            progress=master.progress,
            error=master.error,
            offending=tuple(master.offending),
            ignored=tuple(master.ignored),
            unrecognised_levels=sum(1 for event in seen if not event.level_recognised),
            event_counts=dict(sorted(counts.items())),
            timeline=tuple(master.timeline),
            notes=tuple(master.notes),
            stop_action=master.stop_action,
            criteria=master.criteria,
            kpis=master.kpis,
            report_url=master.report_url,
            baseline=master.baseline,
        )


def _note_once(master: _MasterState, note: str) -> None:
    if note not in master.notes:
        master.notes.append(note)


def _reason(verdict: Verdict, masters: tuple[MasterOutcome, ...], level: str) -> str:
    """One line saying why the run ended as it did; each failing master with its count."""
    count = len(masters)
    if verdict == Verdict.PASSED:
        reason = f"{count} {plural(count, 'master')} ended with no event at {level} or above"
        statuses = {m.criteria.report_status for m in masters if m.criteria is not None}
        if statuses == {"pass"}:
            reason += ", and BlazeMeter's failure criteria passed"
        return reason
    culprits = [master for master in masters if master.verdict == verdict] or [masters[0]]
    if verdict == Verdict.FAILED:
        return _failed_reason(culprits, level)
    reasons = [master.error or f"master {master.master_id}: {verdict}" for master in culprits]
    shown = "; ".join(reasons[:3])
    more = len(reasons) - 3
    return shown + (f"; and {more} more {plural(more, 'master')}" if more > 0 else "")


def _failed_reason(culprits: list[MasterOutcome], level: str) -> str:
    """Events first (each master with its count), then each master's failed criteria."""
    by_events = [master for master in culprits if master.offending]
    parts = []
    if by_events:
        counts = ", ".join(
            f"master {master.master_id}: {len(master.offending)} "
            f"{plural(len(master.offending), 'event')}"
            for master in by_events
        )
        detail = describe_event(by_events[0].offending[0], 200)
        parts.append(f"{counts} at {level} or above; first: {detail}")
    parts += [
        f"master {master.master_id}: {master.criteria.reason}"
        for master in culprits
        if master.criteria is not None and master.criteria.verdict is Verdict.FAILED
    ]
    for master in culprits:
        worst = master.baseline.worst if master.baseline else None
        if master.baseline is not None and worst is not None:
            more = len(master.baseline.regressions) - 1
            parts.append(
                f"master {master.master_id}: regression against master "
                f"{master.baseline.master_id}: {worst.describe()}"
                + (f"; and {more} more" if more > 0 else "")
            )
    return "; ".join(parts) or f"master {culprits[0].master_id}: failed"
