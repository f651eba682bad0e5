"""A simulated master's progress through its scenario, one poll (or second) at a time.

Over 300 lines on purpose: the answers about a master (its status, master object, place in
its test's list of runs, verdict) are read from the one state played here, kept together.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_gate.domain.levels import read_level
from ci_gate.simulator.model import RunModel, model_of
from ci_gate.simulator.scenario import FOREVER, Fault, MasterScript, Step

#: Real seconds an unhurried simulated run takes to play its seconds (its `speed` unset).
DEFAULT_PLAY_SECONDS = 5.0


@dataclass
class Answer:
    """What to serve for one status poll: a result, or a fault."""

    result: dict[str, Any] | None = None
    fault: Fault | None = None


class MasterRun:
    """The live state of one simulated master. Not thread-safe: the server locks."""

    def __init__(
        self,
        script: MasterScript,
        clock: Callable[[], float] = time.monotonic,
        *,
        shift: int = 0,
    ) -> None:
        self.script = script
        self.clock = clock
        #: seconds added to every time of the scenario (`created`, its events' `t`, so its
        #: KPI seconds): the server plays a scenario on the real clock (`real_clock_shift`)
        self.shift = shift
        self.index = 0
        self.entered = False
        self.entered_at = 0.0
        self.polls_here = 0
        self.faults_here = 0
        self.status = "CREATE"
        self.progress: int | None = 5
        self.events: list[dict[str, Any]] = []
        self.result_override: dict[str, Any] | None = None
        self.stop_requests: list[str] = []
        self.stopping_polls = 0
        self.polls = 0
        #: reads of the master object since the run ended (for reportStatus null_reads)
        self.report_reads = 0
        self.report_faults_served: dict[str, int] = {}
        self.public_tokens: list[str] = []
        self.note: str | None = None
        #: the one model every answer about this run's data is derived from
        self.model: RunModel | None = model_of(script.report)
        #: run seconds per real second once the run has data
        self.speed = script.report.speed or max(self.duration, 1) / DEFAULT_PLAY_SECONDS
        #: when the run first had data (progress >= 100), on `clock`
        self.data_since: float | None = None
        #: run seconds the run lasted, once it ended (0: it never had data)
        self.end_second: int | None = None
        #: the run second a stop request ended it at (None: not stopped while it had data)
        self.stopped_at: int | None = None
        self.ended_at: int | None = None
        self._at: int | None = None  # the entered step's run second, till the clock is there
        self._last_event_time = 0
        first = script.steps[0]
        if first.fault is None and first.status == "ENDED":
            # a run of the past: it ended before anyone asked, with all its seconds
            self.status, self.progress = "ENDED", first.progress
            self.end_second = self.duration
            self.ended_at = self.created + self.duration

    @property
    def created(self) -> int:
        """When the run was created (epoch seconds), on the clock the scenario is played on."""
        return self.script.report.created + self.shift

    @property
    def duration(self) -> int:
        return self.model.duration if self.model is not None else 0

    def run_second(self) -> int | None:
        """The run's current second (the one still filling); None before it has data,
        and its length once it ended."""
        if self.end_second is not None:
            return self.end_second
        if self.data_since is None or self.model is None:
            return None
        return min(int((self.clock() - self.data_since) * self.speed), self.duration - 1)

    def _note_state(self) -> None:
        """Start the run's data clock at progress 100, move it on to a step's `at`, end it."""
        if self.data_since is None and (self.progress or 0) >= 100:
            self.data_since = self.clock()
        if self._at is not None and self.data_since is not None and self.end_second is None:
            elapsed = (self._at + 1e-6) / self.speed
            self.data_since = min(self.data_since, self.clock() - elapsed)
            self._at = None
        if self.status == "ENDED" and self.end_second is None:
            if self.stopped_at is not None:
                self.end_second = self.stopped_at
            elif self.stop_requests:
                self.end_second = 0  # stopped before it had data: it has none
            else:
                self.end_second = self.duration
            # on the run's own clock, where its KPI timeline is (`created` + its seconds)
            self.ended_at = self.created + self.end_second

    @property
    def has_data(self) -> bool:
        """Whether the run has data to show now (none before progress 100, none ever for
        a run terminated before it had data)."""
        second = self.run_second()
        return self.model is not None and second is not None and second > 0

    def _step(self) -> Step:
        return self.script.steps[self.index]

    def _has_next(self) -> bool:
        return self.index + 1 < len(self.script.steps)

    def _advance(self) -> None:
        if self._has_next():
            self.index += 1
            self.entered = False
            self.polls_here = self.faults_here = 0

    def _enter(self, step: Step) -> None:
        self.entered, self.entered_at, self.polls_here = True, self.clock(), 0
        if step.status is not None:
            self.status = step.status
        if step.progress is not None or step.status is not None:
            self.progress = step.progress
        self.result_override = step.result
        self._at = step.at
        # a run that ends as planned ends with all its seconds: its ending is dated there
        ending = step.status in ("TERMINATING", "ENDED") and not self.stop_requests
        now = self._event_time(self.duration if step.at is None and ending else step.at)
        for event in step.events:
            self._add_event(self._shifted(dict(event)), now)

    def _event_time(self, at: int | None = None) -> int:
        """When an event without its own time is dated: on the run's own clock, where its
        KPI seconds and `ended` are (`created` + the run second: `at`, else the one it is
        in), the real clock before it has data; never before an earlier event."""
        second = at if at is not None and self.model is not None else self.run_second()
        now = int(time.time()) if second is None else self.created + second
        self._last_event_time = max(self._last_event_time, now)
        return self._last_event_time

    def _shifted(self, event: dict[str, Any]) -> dict[str, Any]:
        """A scenario event with its own time (`t`, a number) moved by `shift`; any other
        `t` (text, a 400-digit string, null) is served as written."""
        t = event.get("t")
        if isinstance(t, int | float) and not isinstance(t, bool) and self.shift:
            event["t"] = t + self.shift
        return event

    def _add_event(self, event: dict[str, Any], now: int) -> None:
        event.setdefault("t", now)
        event.setdefault("from", 0)
        event.setdefault("source", "system")
        event.setdefault("level", "INFO")
        event.setdefault("session_id", f"r-v4-sim{self.script.master_id}")
        self.events.append(event)

    def poll(self) -> Answer:
        """Advance by one poll and say what to serve."""
        self.polls += 1
        if self.stop_requests:
            return Answer(result=self._stopping())
        while True:
            step = self._step()
            if step.fault is not None:
                self.faults_here += 1
                if step.repeat != FOREVER and self.faults_here >= step.repeat:
                    self._advance()
                return Answer(fault=step.fault)
            if not self.entered:
                self._enter(step)
            elapsed = self.clock() - self.entered_at
            if step.seconds is not None and elapsed >= step.seconds and self._has_next():
                self._advance()
                continue
            break
        self.polls_here += 1
        self._note_state()
        answer = Answer(result=self.result())
        if step.seconds is None and self.polls_here >= step.polls:
            self._advance()
        return answer

    def _stopping(self) -> dict[str, Any]:
        """After a stop/terminate: TERMINATING on the next poll, ENDED after it."""
        self.stopping_polls += 1
        now = self._event_time()
        if self.stopping_polls == 1 and self.status not in ("ENDED", "NULL"):
            self.status, self.progress = "TERMINATING", 130
            self._add_event({"message": "Status changed to TERMINATING (130)"}, now)
        elif self.status != "ENDED":
            self.status, self.progress = "ENDED", 140
            self._add_event({"message": "Status changed to ENDED (140)"}, now)
        self._note_state()
        return self.result()

    def request_stop(self, action: str) -> None:
        if not self.stop_requests and self.end_second is None:
            second = self.run_second() if (self.progress or 0) >= 100 else None
            # stopped with data: the run's seconds end with the one filling now
            self.stopped_at = None if second is None else second + 1
        self.stop_requests.append(action)
        command = "Stop" if action == "stop" else "Terminate"
        self._add_event({"message": f"{command} command received"}, self._event_time())

    def result(self) -> dict[str, Any]:
        template = copy.deepcopy(self.script.result_template)
        sessions = template.get("sessions") or [
            {"id": f"r-v4-sim{self.script.master_id}", "name": "simulated session"}
        ]
        for session in sessions:
            if isinstance(session, dict):
                session["status"], session["progress"] = self.status, self.progress
        template.update(
            {
                "id": int(self.script.master_id),
                "progress": self.progress,
                "status": self.status,
                "sessions": sessions,
                "isDataAvailable": (self.progress or 0) >= 100,
                "events": list(self.events),
            }
        )
        template.setdefault("jmeterLogSummary", [])
        template.setdefault("jmeterLogTypeSummary", [])
        if self.result_override is not None:
            template.update(copy.deepcopy(self.result_override))
        return template


def filter_events(result: dict[str, Any], level: int, include_events: bool) -> dict[str, Any]:
    """Like the real API: events at `level` and above, newest first, or none."""
    events = result.get("events")
    if not isinstance(events, list):
        return result
    if not include_events:
        return {**result, "events": []}
    kept = []
    for event in reversed(events):
        number = read_level(event.get("level")) if isinstance(event, dict) else None
        if number is None or number >= level:  # unreadable levels are always shown
            kept.append(event)
    return {**result, "events": kept}


def report_fault(run: MasterRun, endpoint: str) -> Fault | None:
    """The fault to serve on a report endpoint this time, if the scenario has one left."""
    fault, repeat = run.script.report.faults.get(endpoint, (None, 0))
    served = run.report_faults_served.get(endpoint, 0)
    if fault is None or (repeat != FOREVER and served >= repeat):
        return None
    run.report_faults_served[endpoint] = served + 1
    return fault


def _verdict(run: MasterRun, *, read: bool) -> str | None:
    """reportStatus as BlazeMeter shows it now: null until the run ended (and for the
    scenario's `null_reads` reads of the master after that); `abort` for a run that
    ended before it had data. `read`: this is a read of the master (it counts)."""
    report = run.script.report
    if run.status not in ("ENDED", "NULL"):
        return None
    if read:
        run.report_reads += 1
    if report.null_reads and run.report_reads <= report.null_reads:
        return None  # still working on its verdict (the list says what the master said)
    if run.end_second == 0 and report.kpis is not None:
        return "abort"
    return report.report_status


def _ended(run: MasterRun) -> int | None:
    return run.ended_at if run.status in ("ENDED", "NULL") else None


def master_object(run: MasterRun) -> dict[str, Any]:
    """`GET /masters/{id}`: reportStatus stays null until the run ended (and for the
    scenario's `null_reads` reads after that); its planned load as `executions`."""
    report = run.script.report
    status = _verdict(run, read=True)
    master: dict[str, Any] = {
        "id": int(run.script.master_id),
        "name": f"simulated run {run.script.master_id}",
        "testId": report.test_id,
        "reportStatus": status,
        "passed": None if status is None else status == "pass",
        "hasData": run.has_data,
        "ended": _ended(run),
        "created": run.created,
        "note": run.note,
    }
    if report.planned:
        master["executions"] = [dict(execution) for execution in report.planned]
    return master


def thresholds(run: MasterRun) -> dict[str, Any]:
    return {"data": [dict(criterion) for criterion in run.script.report.criteria]}


def runs_of_test(runs: dict[str, MasterRun], test_id: str) -> list[dict[str, Any]]:
    """`GET /masters?testId=`: the test's runs, newest first, each as its master says."""
    listed = []
    for run in runs.values():
        if str(run.script.report.test_id) != test_id:
            continue
        status = _verdict(run, read=False)
        listed.append(
            {
                "id": int(run.script.master_id),
                "testId": run.script.report.test_id,
                "name": f"simulated run {run.script.master_id}",
                "created": run.created,
                "reportStatus": status,
                "passed": None if status is None else status == "pass",
                "ended": _ended(run),
            }
        )
    return sorted(listed, key=lambda row: row["created"], reverse=True)
