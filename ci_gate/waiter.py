"""The wait loop: poll every master until it ends, the deadline passes or a signal comes.

It asks the client for a status, feeds the events to a tracker that returns only what is
new, asks the policy whether anything offends and tells the progress sink what changed.
When the wait is over it returns one immutable `Outcome`; it never writes files or exits.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from ci_gate.criteria import CriteriaMode, CriteriaOutcome, Criterion, MasterInfo
from ci_gate.criteria import judge as judge_criteria
from ci_gate.errors import ApiError
from ci_gate.formatting import describe_event, format_duration, plural
from ci_gate.levels import LEVELS, level_name
from ci_gate.model import ABNORMAL_TERMINAL_STATUSES, Event, MasterStatus, Traffic
from ci_gate.outcome import IgnoredEvent, MasterOutcome, Outcome, StatusChange
from ci_gate.policy import EventPolicy, Judgement
from ci_gate.progress import ProgressSink
from ci_gate.settings import WaitSettings
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.tracker import EventTracker
from ci_gate.verdict import Verdict, worst_verdict

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


class StatusApi(Protocol):
    """What the waiter needs of a client (`client.BlazeMeterClient` in production)."""

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo: ...

    def criteria(self, master_id: str, deadline: float | None = None) -> tuple[Criterion, ...]: ...

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None: ...

    def public_token(self, master_id: str, deadline: float | None = None) -> str: ...

    def report_url(self, master_id: str, public_token: str | None = None) -> str: ...

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

    @property
    def done(self) -> bool:
        return self.verdict is not None


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
    ) -> None:
        self.plan = settings
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
        cancelled = [m for m in self.masters if m.verdict is Verdict.CANCELLED]
        if not self.plan.stop_on_cancel or not cancelled:
            return self._outcome()
        deadline = self.clock() + STOP_BUDGET
        for master in cancelled:
            self._stop(master, "cancelled (--stop-on-cancel)", deadline)
        return self._outcome()

    def _loop(self) -> None:
        while True:
            # polls that start at or after the deadline are the last look
            last_look = self.clock() >= self.deadline
            for master in self._pending():
                self._poll(master)
                if self.plan.fail_fast and master.verdict == Verdict.FAILED:
                    self._finish_fail_fast()
                    return
            if not self._pending():
                return
            if last_look:
                self._finish_timeout()
                return
            self._heartbeats()
            self.sleep(max(0.0, min(self.plan.interval, self.deadline - self.clock())))

    def _pending(self) -> list[_MasterState]:
        return [master for master in self.masters if not master.done]

    def _elapsed(self) -> float:
        return self.clock() - self.started

    # -- one poll ---------------------------------------------------------------------------

    def _poll(self, master: _MasterState) -> None:
        try:
            status = self.api.status(
                master.master_id, level=self.poll_level, events=True, deadline=self._poll_deadline()
            )
        except ApiError as error:
            if self.clock() >= self.deadline:
                master.notes.append(f"last API error before the deadline: {error}")
                return  # the timeout path judges it
            master.verdict = Verdict.ERROR
            master.error = str(error)
            return
        self._record_status(master, status)
        self._judge(master, status.events)
        if not status.events_listed:
            _note_once(master, "an answer carried no event list; its events were not judged")
        if status.terminal:
            if not self._fetch_timeline(master, required=not status.events_listed):
                master.verdict = Verdict.ERROR
                master.error = (
                    f"master {master.master_id} ended, but BlazeMeter's answer carried no "
                    "event list: its events cannot be judged"
                )
                return
            if status.status in ABNORMAL_TERMINAL_STATUSES:
                master.notes.append(f"ended with status {status.status}, which is abnormal")
            master.verdict = Verdict.FAILED if master.offending else Verdict.PASSED
            self._after_end(master)
        elif self.plan.fail_fast and master.offending:
            master.verdict = Verdict.FAILED
            if self.plan.stop_on_fail:
                self._stop(master, "it failed (--stop-on-fail)", self.clock() + STOP_BUDGET)

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

    def _judge(self, master: _MasterState, events: tuple[Event, ...]) -> None:
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

    def _fetch_timeline(self, master: _MasterState, *, required: bool = False) -> bool:
        """Once a master ends, read its full timeline (INFO and up) for the report.

        `required` when the terminal answer had no event list: then this read is the only
        judgement of the events, and False says it did not carry one either.
        """
        if self.timeline_level == self.poll_level and not required:
            return True
        try:
            status = self.api.status(
                master.master_id,
                level=self.timeline_level,
                events=True,
                deadline=self._poll_deadline(),
            )
        except ApiError as error:
            master.notes.append(f"could not read the full event timeline: {error}")
            return not required
        self._judge(master, status.events)
        return status.events_listed or not required

    # -- once a master has ended: BlazeMeter's verdict, KPIs, the report link ---------------

    def _after_end(self, master: _MasterState) -> None:
        """Read what BlazeMeter says of the ended run; each read bounded by the deadline."""
        deadline = self._poll_deadline()
        master.report_url = self.api.report_url(master.master_id)
        if self.plan.criteria is not CriteriaMode.OFF:
            try:
                master.criteria = self._read_criteria(master, deadline)
            except ApiError as error:
                master.verdict = Verdict.ERROR
                master.error = (
                    f"master {master.master_id}: could not read BlazeMeter's verdict: {error}"
                )
                return
            if master.criteria.note:
                master.notes.append(master.criteria.note)
            self.progress.note(
                f"master {master.master_id}: BlazeMeter's verdict "
                f"{master.criteria.report_status or 'unset'}"
                + (f" ({master.criteria.reason})" if master.criteria.failed else "")
            )
            if master.criteria.verdict.severity > Verdict(master.verdict).severity:
                master.verdict = master.criteria.verdict
                if master.criteria.verdict is Verdict.BROKEN:
                    master.error = f"master {master.master_id}: {master.criteria.reason}"
        if master.criteria is None or master.criteria.report_status != "noData":
            try:
                master.kpis = self.api.kpis(master.master_id, deadline)
            except ApiError as error:
                master.notes.append(f"could not read the KPIs: {error}")
        if self.plan.public_report:
            try:
                token = self.api.public_token(master.master_id, deadline)
                master.report_url = self.api.report_url(master.master_id, token)
            except ApiError as error:
                master.notes.append(
                    f"could not create a public report link: {error}; the link needs a login"
                )

    def _read_criteria(self, master: _MasterState, deadline: float) -> CriteriaOutcome:
        """reportStatus, re-read every few seconds while it is not set (up to 30 s), then
        the failed criteria when BlazeMeter failed the run."""
        pause = min(REPORT_STATUS_PAUSE, self.plan.interval)
        give_up = min(self.clock() + REPORT_STATUS_WAIT, deadline)
        while True:
            info = self.api.master_info(master.master_id, deadline)
            if info.report_status is not None:
                break
            if self.clock() + pause >= give_up:
                master.notes.append(
                    f"BlazeMeter set no verdict within {format_duration(REPORT_STATUS_WAIT)}: "
                    "treated as unset"
                )
                break
            self.sleep(pause)
        criteria: tuple[Criterion, ...] = ()
        if info.report_status == "fail":
            criteria = self.api.criteria(master.master_id, deadline)
        return judge_criteria(self.plan.criteria, info.report_status, criteria)

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

    def _finish_timeout(self) -> None:
        deadline = self.clock() + STOP_BUDGET
        for master in self._pending():
            master.verdict = Verdict.TIMEOUT
            master.error = (
                f"master {master.master_id}: timed out after "
                f"{format_duration(self.plan.timeout)} with status {master.status or 'never read'}"
            )
            if self.plan.stop_on_timeout:
                self._stop(master, "timed out (--stop-on-timeout)", deadline)

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
    return "; ".join(parts) or f"master {culprits[0].master_id}: failed"
