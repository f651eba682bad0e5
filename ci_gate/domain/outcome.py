"""The one immutable result of a wait, which reports and CI adapters read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ci_gate.domain.findings import BaselineOutcome, CriteriaOutcome
from ci_gate.domain.levels import level_name
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveCriterion, LiveJudgement
from ci_gate.domain.run import Event, Traffic
from ci_gate.domain.trend import Trend
from ci_gate.domain.verdict import Verdict


@dataclass(frozen=True)
class StatusChange:
    """A point of the status timeline."""

    at: datetime
    elapsed: float
    status: str
    progress: int | None


@dataclass(frozen=True)
class StopRequest:
    """A stop the gate asked for: when (seconds on the wait's clock), what it sent
    (`stop`, `terminate`; None: never confirmed, whether it could not be sent or was sent
    and got no answer or an error) and why (`timed out ...`)."""

    elapsed: float
    action: str | None
    why: str


#: what the note of a master left running says (`ci-gate stop N` to stop it): said once
#: per master, and taken back once a stop for it was answered (`commands.conclude`)
LEFT_RUNNING = "is still running in BlazeMeter"


@dataclass(frozen=True)
class MasterStops:
    """What the stop requests sent once the reports were written did to one master (its
    requests, the notes of those that failed, or that it is left running), for the
    conclusion to add to the outcome it concluded (the last action sent is read from the
    requests)."""

    master_id: str
    requests: tuple[StopRequest, ...]
    notes: tuple[str, ...] = ()
    #: a live criterion's stop got no answer: no criterion stopped the run, none saved load
    live_stop_undone: bool = False


@dataclass(frozen=True)
class StopsSent:
    """The stop requests a cancel sent after the reports (`--stop-on-cancel`, and any stop
    still in flight at the signal): per master, and the traffic once they were back."""

    masters: tuple[MasterStops, ...]
    traffic: Traffic


@dataclass(frozen=True)
class IgnoredEvent:
    """An event at or above the threshold that an `--ignore` pattern waived."""

    event: Event
    pattern: str


@dataclass(frozen=True)
class CommentResult:
    """What became of the pull-request comment / merge-request note (`--comment`)."""

    status: str  # posted, updated, skipped, failed
    reason: str = ""
    url: str | None = None


@dataclass(frozen=True)
class LiveCriterionOutcome:
    """One `--fail-on` criterion on one master: how it was judged and what it did."""

    criterion: LiveCriterion
    judgement: LiveJudgement
    #: this criterion's breach sent the master's stop request
    stopped_run: bool = False
    #: its breach sent the stop, which was never confirmed (no answer in its budget, or
    #: an error): not `stopped_run`, and never "already stopping" either
    stop_unconfirmed: bool = False

    @property
    def breached(self) -> bool:
        return self.judgement.state is JudgeState.BREACHED

    @property
    def fails(self) -> bool:
        """It fails the master: a `failed` criterion breached, or never judged."""
        return self.criterion.fail and self.judgement.state is not JudgeState.OK


@dataclass(frozen=True)
class Seen:
    """What the watch of one master saw, stored once: the loop gathers it into its
    `MasterFacts`, `judging.combine` hands it whole to the `MasterOutcome`, and the stops
    sent after a cancel add their requests to it. What follows from it (the counts, the
    last stop sent) is read from it, never kept beside it."""

    status: str | None = None
    progress: int | None = None
    #: every event occurrence seen, in the order first seen (for report.html's chart)
    events: tuple[Event, ...] = ()
    offending: tuple[Event, ...] = ()
    ignored: tuple[IgnoredEvent, ...] = ()
    timeline: tuple[StatusChange, ...] = ()
    #: every stop the gate asked for, in order (report.html marks them on the timeline)
    stop_requests: tuple[StopRequest, ...] = ()

    @property
    def event_counts(self) -> dict[str, int]:
        """Events seen per level name (`UNRECOGNISED` for a level no table knows), in
        name order. Counted on each read: read it once per report (100,000 events take
        milliseconds), never in a loop."""
        counts = Counter(
            event.level.upper() if event.level_recognised else "UNRECOGNISED"
            for event in self.events
        )
        return dict(sorted(counts.items()))

    @property
    def unrecognised_levels(self) -> int:
        return sum(1 for event in self.events if not event.level_recognised)

    @property
    def stop_action(self) -> str | None:
        """The last stop sent (`stop`, `terminate`; None: none was)."""
        sent = (request.action for request in reversed(self.stop_requests) if request.action)
        return next(sent, None)


@dataclass(frozen=True)
class MasterOutcome:
    """What happened to one master: what its watch saw (`seen`; its most-read parts
    through the properties below, the rest and what follows from it as `seen.X`) and
    what was judged and read of it."""

    master_id: str
    verdict: Verdict
    seen: Seen = field(default_factory=Seen)
    error: str | None = None
    notes: tuple[str, ...] = ()
    #: BlazeMeter's own verdict (None: --criteria off, or the master never ended).
    criteria: CriteriaOutcome | None = None
    #: The numbers of label ALL from BlazeMeter's summary report, when it had data.
    kpis: dict[str, float] | None = None
    report_url: str | None = None
    #: the label-by-label comparison with a baseline run (None: --baseline not given)
    baseline: BaselineOutcome | None = None
    #: the test this run belongs to, where BlazeMeter said (stable across runs)
    test_id: str | None = None
    #: the test's last runs with this one last (None: --trend not given)
    trend: Trend | None = None
    #: each `--fail-on` criterion as judged on this master (empty without --fail-on)
    live_criteria: tuple[LiveCriterionOutcome, ...] = ()
    #: label name -> its live KPI seconds in order (ALL and the labels criteria name;
    #: capped at 3,600 per label by merging neighbours): report.html's KPI charts
    kpi_timeline: dict[str, tuple[KpiPoint, ...]] = field(default_factory=dict)
    #: what a stop by a live criterion saved ("stopped after 3m10s of a planned 31m")
    stop_saved: str | None = None

    @property
    def status(self) -> str | None:
        return self.seen.status

    @property
    def progress(self) -> int | None:
        return self.seen.progress

    @property
    def events(self) -> tuple[Event, ...]:
        return self.seen.events

    @property
    def offending(self) -> tuple[Event, ...]:
        return self.seen.offending

    @property
    def ignored(self) -> tuple[IgnoredEvent, ...]:
        return self.seen.ignored

    @property
    def timeline(self) -> tuple[StatusChange, ...]:
        return self.seen.timeline


@dataclass(frozen=True)
class Outcome:
    """The whole run: every master, the verdict, and one line saying why."""

    verdict: Verdict
    threshold: int
    started_at: datetime
    finished_at: datetime
    masters: tuple[MasterOutcome, ...]
    reason: str
    traffic: Traffic = field(default_factory=Traffic)
    ignore_patterns: tuple[str, ...] = ()
    #: Seconds the wait took (the monotonic clock), for case and suite times.
    waited: float = 0.0
    #: --timeout: the deadline, in seconds after the wait began (None: not known)
    timeout: float | None = None
    #: the pull-request comment (None: --comment not given)
    comment: CommentResult | None = None
    #: the signal that cancelled the run (None: none did); it picks `cancelled`'s exit code
    signal_number: int | None = None

    @property
    def exit_code(self) -> int:
        """The process's exit code: the verdict's, never stored beside it, so that no
        re-labelling (`judging.combine`'s) can leave the two disagreeing."""
        return self.verdict.exit_code(self.signal_number)

    @property
    def threshold_name(self) -> str:
        return level_name(self.threshold)

    @property
    def master_ids(self) -> str:
        """Every master's id, space-separated (for CI outputs and variables)."""
        return " ".join(master.master_id for master in self.masters)

    @property
    def report_urls(self) -> str:
        """The known report links, space-separated ("" when none is known)."""
        return " ".join(master.report_url for master in self.masters if master.report_url)
