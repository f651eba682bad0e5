"""A simulated master's progress through its scenario, one poll (or second) at a time."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_gate.domain.levels import read_level
from ci_gate.simulator.scenario import FOREVER, Fault, MasterScript, Step


@dataclass
class Answer:
    """What to serve for one status poll: a result, or a fault."""

    result: dict[str, Any] | None = None
    fault: Fault | None = None


class MasterRun:
    """The live state of one simulated master. Not thread-safe: the server locks."""

    def __init__(self, script: MasterScript, clock: Callable[[], float] = time.monotonic) -> None:
        self.script = script
        self.clock = clock
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
        now = int(time.time())
        for event in step.events:
            self._add_event(dict(event), now)

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
        answer = Answer(result=self.result())
        if step.seconds is None and self.polls_here >= step.polls:
            self._advance()
        return answer

    def _stopping(self) -> dict[str, Any]:
        """After a stop/terminate: TERMINATING on the next poll, ENDED after it."""
        self.stopping_polls += 1
        now = int(time.time())
        if self.stopping_polls == 1 and self.status not in ("ENDED", "NULL"):
            self.status, self.progress = "TERMINATING", 130
            self._add_event({"message": "Status changed to TERMINATING (130)"}, now)
        elif self.status != "ENDED":
            self.status, self.progress = "ENDED", 140
            self._add_event({"message": "Status changed to ENDED (140)"}, now)
        return self.result()

    def request_stop(self, action: str) -> None:
        self.stop_requests.append(action)
        command = "Stop" if action == "stop" else "Terminate"
        self._add_event({"message": f"{command} command received"}, int(time.time()))

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
    planned = run.script.report.faults.get(endpoint)
    if planned is None:
        return None
    fault, repeat = planned
    served = run.report_faults_served.get(endpoint, 0)
    if repeat != FOREVER and served >= repeat:
        return None
    run.report_faults_served[endpoint] = served + 1
    return fault


def master_object(run: MasterRun) -> dict[str, Any]:
    """`GET /masters/{id}`: reportStatus stays null until the run ended (and for the
    scenario's `null_reads` reads after that)."""
    report = run.script.report
    ended = run.status in ("ENDED", "NULL")
    status: str | None = None
    if ended:
        run.report_reads += 1
        if run.report_reads > report.null_reads:
            status = report.report_status
    return {
        "id": int(run.script.master_id),
        "name": f"simulated run {run.script.master_id}",
        "testId": report.test_id,
        "reportStatus": status,
        "passed": None if status is None else status == "pass",
        "hasData": report.kpis is not None,
        "ended": int(time.time()) if ended else None,
        "created": report.created,
        "note": run.note,
    }


def thresholds(run: MasterRun) -> dict[str, Any]:
    return {"data": [dict(criterion) for criterion in run.script.report.criteria]}


def aggregate_report(run: MasterRun) -> list[dict[str, Any]]:
    return [dict(row) for row in run.script.report.aggregate]


def runs_of_test(runs: dict[str, MasterRun], test_id: str) -> list[dict[str, Any]]:
    """`GET /masters?testId=`: the test's runs, newest first, as BlazeMeter lists them."""
    listed = [
        {
            "id": int(run.script.master_id),
            "testId": run.script.report.test_id,
            "name": f"simulated run {run.script.master_id}",
            "created": run.script.report.created,
            "reportStatus": run.script.report.report_status,
            "passed": run.script.report.report_status == "pass",
            # a run being polled now has not ended until its timeline says so; the
            # scenario's other runs are history: ended ten minutes after their creation
            "ended": None
            if run.polls and run.status not in ("ENDED", "NULL")
            else run.script.report.created + 600,
        }
        for run in runs.values()
        if str(run.script.report.test_id) == test_id
    ]
    return sorted(listed, key=lambda row: row["created"], reverse=True)


def summary_report(run: MasterRun) -> dict[str, Any]:
    kpis = run.script.report.kpis
    return {"summary": [] if kpis is None else [dict(kpis)]}
