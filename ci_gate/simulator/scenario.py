"""Scenario files: each master's timeline of statuses, events and injected faults.

A scenario is JSON (documented in docs/SCENARIOS.md):

    {"description": "...",
     "credentials": {"key_id": "...", "key_secret": "..."},      (optional)
     "masters": {"12345678": {"steps": [STEP, ...]}
                 "87654321": {"replay": "seed-status.json", "polls_per_step": 1}}}

A STEP is a state — {"status": "DATA_RECEIVED", "progress": 100, "events": [EVENT...],
"polls": 1} or with "seconds": 2.5 instead of "polls" — or a fault served instead of an
answer — {"fault": {"http_status": 503, "headers": {}, "body": ..., "delay": 0,
"cut": false, "truncate": false, "trickle": 0, "silent": false, "never_answer": false,
"stream_bytes": 0, "gzip_bomb_bytes": 0}, "repeat": 1} ("repeat": "forever" never moves on).
A master may also carry "stop_fault": FAULT, served to its stop and terminate requests.
The last state step holds for ever. Mistakes are `ScenarioError`s naming file and field.

Over 300 lines on purpose: the scenario format is checked field by field in one
place, the one docs/SCENARIOS.md describes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ci_gate.domain.run import PROGRESS_BY_STATUS, STATUS_BY_PROGRESS
from ci_gate.files import read_small_text
from ci_gate.text import ascii_digits

BUILTIN_DIR = Path(__file__).parent / "scenarios"
FOREVER = -1


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Fault:
    http_status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: bool = False
    truncate: bool = False
    #: bytes per second of an endless body (the server trickles, never finishes)
    trickle: float = 0.0
    #: headers, then nothing at all
    silent: bool = False
    #: the connection is accepted and read, and never answered
    never_answer: bool = False
    #: a body of this many bytes, streamed
    stream_bytes: int = 0
    #: a gzip body that decodes to this many bytes (a decompression bomb)
    gzip_bomb_bytes: int = 0


@dataclass(frozen=True)
class Step:
    status: str | None = None
    progress: int | None = None
    events: tuple[dict[str, Any], ...] = ()
    polls: int = 1
    seconds: float | None = None
    fault: Fault | None = None
    repeat: int = 1
    result: dict[str, Any] | None = None
    #: the run second this step happens at (the run's clock is moved on to it)
    at: int | None = None


#: The KPIs (label ALL of the summary report) a simulated master has unless told otherwise.
DEFAULT_KPIS: dict[str, Any] = {
    "lb": "ALL",
    "hits": 12000,
    "failed": 12,
    "avg": 212.4,
    "min": 41,
    "max": 2310,
    "tp90": 480,
    "tp95": 612,
    "tp99": 1050,
    "std": 120.5,
    "duration": 600,
    "concurrency": 20,
    "latencyAvg": 180.2,
    "bytes": 51234567,
}
REPORT_ENDPOINTS = (
    "master",
    "thresholds",
    "summary",
    "public-token",
    "aggregate",
    "labels",  # GET /data/labels
    "kpis",  # GET /data/kpis
)


@dataclass(frozen=True)
class Report:
    """What BlazeMeter says of the run once it ended: verdict, criteria, KPIs."""

    report_status: str | None = "pass"
    #: reads of `GET /masters/{id}` after the end that still show reportStatus null
    null_reads: int = 0
    criteria: tuple[dict[str, Any], ...] = ()
    #: label ALL of the summary report; None: the run has no data
    kpis: dict[str, Any] | None = field(default_factory=lambda: dict(DEFAULT_KPIS))
    test_id: int = 7000001
    #: when the run was created (epoch seconds), for the list of a test's runs
    created: int = 1_700_000_000
    #: rows of the aggregate report (labelName, samples, avgResponseTime, 90line, ...)
    aggregate: tuple[dict[str, Any], ...] = ()
    #: endpoint (one of REPORT_ENDPOINTS) -> (fault, how many requests get it)
    faults: dict[str, tuple[Fault, int]] = field(default_factory=dict)
    #: the run's length in run seconds (the summary's `duration` wins when it gives one)
    duration: int = 600
    #: active users at full load (the summary's `concurrency` wins when it gives one)
    users: int = 20
    #: run seconds that pass per real second once the run has data (None: the whole
    #: run in about five seconds); the run's seconds are its own clock, compressed
    speed: float | None = None
    #: label -> [(from run second, average response time in ms)]: where a label slows down
    slow: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    #: the master's planned load, listed as its `executions` (`holdFor`, `rampUp`, ...)
    planned: tuple[dict[str, Any], ...] = ()
    #: [(from run second, share of the users still sending data)]: engines lost
    load: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class MasterScript:
    master_id: str
    steps: tuple[Step, ...]
    result_template: dict[str, Any] = field(default_factory=dict)
    stop_fault: Fault | None = None
    report: Report = field(default_factory=Report)


@dataclass(frozen=True)
class TestScript:
    """A test that `POST /tests/{id}/start` can start: each start makes a new master
    that plays the template master's timeline."""

    test_id: str
    template: str
    multi: bool = False
    #: served to the first start requests, in order: (fault, how many requests get it)
    start_faults: tuple[tuple[Fault, int], ...] = ()


@dataclass(frozen=True)
class DemoPlan:
    """How `ci-gate demo` runs a scenario: which masters, against which baseline, what trend."""

    masters: tuple[str, ...] = ()
    baseline: str | None = None
    trend: int | None = None
    #: live criteria (`--fail-on`) the demo judges the run by
    fail_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    masters: dict[str, MasterScript]
    credentials: tuple[str, str] | None = None
    tests: dict[str, TestScript] = field(default_factory=dict)
    demo: DemoPlan = field(default_factory=DemoPlan)


def builtin_names() -> list[str]:
    return sorted(
        path.stem for path in BUILTIN_DIR.glob("*.json") if not path.stem.endswith("-status")
    )


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if name_or_path in builtin_names():
        path = BUILTIN_DIR / f"{name_or_path}.json"
    elif not path.is_file():
        raise ScenarioError(
            f"{name_or_path}: no such scenario file, and not a built-in scenario "
            f"({', '.join(builtin_names())})"
        )
    try:
        data = json.loads(read_small_text(path))
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{path}: not valid JSON: {error}") from None
    return _parse(path, data)


class _Reader:
    """Field access that names the file and the JSON path in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {where}: {problem}")

    def obj(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be an object, not {type(value).__name__}")
        return value

    def only(self, value: object, allowed: set[str], where: str) -> dict[str, Any]:
        """An object whose fields are all among `allowed` (a typo is named, not ignored)."""
        obj = self.obj(value, where)
        unknown = set(obj) - allowed
        if unknown:
            raise self.fail(where, f"unknown field(s) {sorted(unknown)}")
        return obj

    def repeat(self, value: object, where: str) -> int:
        """How many requests a fault is served to: a whole number >= 1, or "forever"."""
        return FOREVER if value == "forever" else self.integer(value, where, minimum=1)

    def number(self, value: object, where: str, *, minimum: float = 0) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.fail(where, f"must be a number >= {minimum}, not {value!r}")
        return float(value)

    def integer(self, value: object, where: str, *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(where, f"must be a whole number >= {minimum}, not {value!r}")
        return value


def _parse(path: Path, data: object) -> Scenario:
    read = _Reader(path)
    top = read.only(data, {"description", "credentials", "masters", "tests", "demo"}, "top level")
    masters_raw = read.obj(top.get("masters"), "masters")
    if not masters_raw:
        raise read.fail("masters", "must name at least one master")
    masters = {}
    for master_id, raw in masters_raw.items():
        if not ascii_digits(master_id):
            raise read.fail(f"masters.{master_id}", "master ids are whole numbers")
        masters[master_id] = _parse_master(read, path, master_id, raw)
    credentials = None
    if "credentials" in top:
        creds = read.obj(top["credentials"], "credentials")
        key_id, secret = creds.get("key_id"), creds.get("key_secret")
        if not isinstance(key_id, str) or not isinstance(secret, str):
            raise read.fail("credentials", "needs string fields key_id and key_secret")
        credentials = (key_id, secret)
    description = top.get("description", "")
    if not isinstance(description, str):
        raise read.fail("description", "must be a string")
    tests = {
        test_id: _parse_test(read, f"tests.{test_id}", test_id, raw, masters)
        for test_id, raw in read.obj(top.get("tests", {}), "tests").items()
    }
    demo_raw = read.obj(top.get("demo", {}), "demo")
    demo_masters = demo_raw.get("masters", [])
    if not isinstance(demo_masters, list) or any(m not in masters for m in demo_masters):
        raise read.fail("demo.masters", "must list masters of this scenario")
    baseline = demo_raw.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise read.fail("demo.baseline", "must be a master id or last-passed")
    trend = demo_raw.get("trend")
    if trend is not None:
        trend = read.integer(trend, "demo.trend", minimum=1)
    fail_on = demo_raw.get("fail_on", [])
    if not isinstance(fail_on, list) or not all(isinstance(item, str) for item in fail_on):
        raise read.fail("demo.fail_on", "must be a list of criteria (strings)")
    demo = DemoPlan(tuple(str(m) for m in demo_masters), baseline, trend, tuple(fail_on))
    return Scenario(path.stem, description, masters, credentials, tests, demo)


def _parse_test(
    read: _Reader, where: str, test_id: str, raw: object, masters: dict[str, MasterScript]
) -> TestScript:
    if not ascii_digits(test_id):
        raise read.fail(where, "test ids are whole numbers")
    test = read.only(raw, {"master", "multi", "start_faults"}, where)
    template = str(test.get("master", ""))
    if template not in masters:
        raise read.fail(f"{where}.master", f"must name a master of this scenario, not {template!r}")
    multi = test.get("multi", False)
    if not isinstance(multi, bool):
        raise read.fail(f"{where}.multi", "must be true or false")
    faults_raw = test.get("start_faults", [])
    if not isinstance(faults_raw, list):
        raise read.fail(f"{where}.start_faults", "must be a list of {fault, repeat}")
    faults = []
    for index, item in enumerate(faults_raw):
        item_where = f"{where}.start_faults[{index}]"
        spec = read.obj(item, item_where)
        repeat = read.integer(spec.get("repeat", 1), f"{item_where}.repeat", minimum=1)
        faults.append((_parse_fault(read, f"{item_where}.fault", spec.get("fault")), repeat))
    return TestScript(test_id, template, multi, tuple(faults))


def _parse_master(read: _Reader, path: Path, master_id: str, raw: object) -> MasterScript:
    where = f"masters.{master_id}"
    master = read.obj(raw, where)
    stop_fault = (
        _parse_fault(read, f"{where}.stop_fault", master["stop_fault"])
        if "stop_fault" in master
        else None
    )
    report = _parse_report(read, f"{where}.report", master.get("report", {}))
    if "replay" in master:
        return replace(_replay(read, path, master_id, master), stop_fault=stop_fault, report=report)
    steps_raw = master.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise read.fail(f"{where}.steps", "must be a non-empty list of steps")
    steps = tuple(
        _parse_step(read, f"{where}.steps[{index}]", step) for index, step in enumerate(steps_raw)
    )
    if all(step.fault is not None for step in steps) and steps[-1].repeat != FOREVER:
        raise read.fail(f"{where}.steps", "needs a state step, or a fault that repeats forever")
    return MasterScript(master_id, steps, stop_fault=stop_fault, report=report)


_STEP_FIELDS = {"status", "progress", "events", "polls", "seconds", "fault", "repeat", "result"}
_STEP_FIELDS |= {"at"}
_FAULT_FIELDS = {
    "http_status",
    "body",
    "headers",
    "delay",
    "cut",
    "truncate",
    "trickle",
    "silent",
    "never_answer",
    "stream_bytes",
    "gzip_bomb_bytes",
}


def _parse_step(read: _Reader, where: str, raw: object) -> Step:
    step = read.only(raw, _STEP_FIELDS, where)
    if "fault" in step:
        repeat = read.repeat(step.get("repeat", 1), f"{where}.repeat")
        return Step(fault=_parse_fault(read, f"{where}.fault", step["fault"]), repeat=repeat)
    status, progress = step.get("status"), step.get("progress")
    if status is None and progress is None and "result" not in step:
        raise read.fail(where, "a state step needs 'status' or 'progress'")
    if status is not None and not isinstance(status, str):
        raise read.fail(f"{where}.status", f"must be a string, not {status!r}")
    if progress is not None:
        progress = read.integer(progress, f"{where}.progress")
    if isinstance(status, str) and progress is None:
        progress = PROGRESS_BY_STATUS.get(status)
    if status is None and progress is not None:
        status = STATUS_BY_PROGRESS.get(progress, "UNKNOWN")
    events_raw = step.get("events", [])
    if not isinstance(events_raw, list):
        raise read.fail(f"{where}.events", "must be a list of events")
    events = []
    for index, event in enumerate(events_raw):
        event_where = f"{where}.events[{index}]"
        event = read.obj(event, event_where)
        if not isinstance(event.get("message"), str):
            raise read.fail(f"{event_where}.message", "every event needs a message string")
        events.append(event)
    seconds = None
    if "seconds" in step:
        seconds = read.number(step["seconds"], f"{where}.seconds")
    result = step.get("result")
    if result is not None and not isinstance(result, dict):
        raise read.fail(f"{where}.result", "must be an object (fields sent as they are)")
    return Step(
        status=status,
        progress=progress,
        events=tuple(events),
        polls=read.integer(step.get("polls", 1), f"{where}.polls", minimum=1),
        seconds=seconds,
        result=result,
        at=None if "at" not in step else read.integer(step["at"], f"{where}.at"),
    )


_REPORT_FIELDS = {
    "report_status",
    "null_reads",
    "criteria",
    "kpis",
    "test_id",
    "created",
    "aggregate",
    "faults",
    "duration",
    "users",
    "speed",
    "slow",
    "planned",
    "load",
}


def _parse_report(read: _Reader, where: str, raw: object) -> Report:
    report = read.only(raw, _REPORT_FIELDS, where)
    status = report.get("report_status", "pass")
    if status is not None and not isinstance(status, str):
        raise read.fail(f"{where}.report_status", f"must be a string or null, not {status!r}")
    criteria = report.get("criteria", [])
    if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria):
        raise read.fail(f"{where}.criteria", "must be a list of objects")
    # the default KPIs stand in only for a run the scenario says nothing about: a run
    # given by its aggregate report is summed up from it (one model: simulator.model)
    kpis = report.get("kpis", {} if report.get("aggregate") else dict(DEFAULT_KPIS))
    if kpis is not None and not isinstance(kpis, dict):
        raise read.fail(f"{where}.kpis", "must be an object, or null for a run without data")
    faults: dict[str, tuple[Fault, int]] = {}
    for endpoint, spec in read.obj(report.get("faults", {}), f"{where}.faults").items():
        fault_where = f"{where}.faults.{endpoint}"
        if endpoint not in REPORT_ENDPOINTS:
            raise read.fail(fault_where, f"unknown endpoint; use one of {list(REPORT_ENDPOINTS)}")
        spec = read.obj(spec, fault_where)
        repeat = read.repeat(spec.get("repeat", 1), f"{fault_where}.repeat")
        faults[endpoint] = (_parse_fault(read, f"{fault_where}.fault", spec.get("fault")), repeat)
    aggregate = report.get("aggregate", [])
    if not isinstance(aggregate, list) or not all(isinstance(row, dict) for row in aggregate):
        raise read.fail(f"{where}.aggregate", "must be a list of objects (one per label)")
    slow: dict[str, list[tuple[int, float]]] = {}
    for label, phases in read.obj(report.get("slow", {}), f"{where}.slow").items():
        if not isinstance(phases, list):
            raise read.fail(f"{where}.slow.{label}", "must be a list of {from, avg}")
        slow[label] = [
            (
                read.integer(phase.get("from"), f"{where}.slow.{label}[{i}].from"),
                read.number(phase.get("avg"), f"{where}.slow.{label}[{i}].avg"),
            )
            for i, phase in enumerate(
                read.only(item, {"from", "avg"}, f"{where}.slow.{label}[{n}]")
                for n, item in enumerate(phases)
            )
        ]
    planned = report.get("planned", [])
    if not isinstance(planned, list) or not all(isinstance(item, dict) for item in planned):
        raise read.fail(f"{where}.planned", "must be a list of executions (holdFor, rampUp)")
    speed = report.get("speed")
    if speed is not None:
        speed = read.number(speed, f"{where}.speed", minimum=0.001)
    load_raw = report.get("load", [])
    if not isinstance(load_raw, list):
        raise read.fail(f"{where}.load", "must be a list of {from, share}")
    load = []
    for index, item in enumerate(load_raw):
        phase = read.only(item, {"from", "share"}, f"{where}.load[{index}]")
        share = read.number(phase.get("share"), f"{where}.load[{index}].share")
        if share > 1:
            raise read.fail(f"{where}.load[{index}].share", f"must be 0 to 1, not {share}")
        load.append((read.integer(phase.get("from"), f"{where}.load[{index}].from"), share))
    return Report(
        load=load,
        duration=read.integer(report.get("duration", 600), f"{where}.duration", minimum=1),
        users=read.integer(report.get("users", 20), f"{where}.users", minimum=1),
        speed=speed,
        slow=slow,
        planned=tuple(planned),
        created=read.integer(report.get("created", 1_700_000_000), f"{where}.created"),
        aggregate=tuple(aggregate),
        report_status=status,
        null_reads=read.integer(report.get("null_reads", 0), f"{where}.null_reads"),
        criteria=tuple(criteria),
        kpis=kpis,
        test_id=read.integer(report.get("test_id", 7000001), f"{where}.test_id", minimum=1),
        faults=faults,
    )


def _parse_fault(read: _Reader, where: str, raw: object) -> Fault:
    fault = read.only(raw, _FAULT_FIELDS, where)
    http_status = fault.get("http_status")
    if http_status is not None:
        http_status = read.integer(http_status, f"{where}.http_status", minimum=100)
        if http_status > 599:
            raise read.fail(f"{where}.http_status", f"must be 100-599, not {http_status}")
    headers = fault.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in headers.items()
    ):
        raise read.fail(f"{where}.headers", "must map header names to strings")
    for flag in ("cut", "truncate", "silent", "never_answer"):
        if not isinstance(fault.get(flag, False), bool):
            raise read.fail(f"{where}.{flag}", "must be true or false")
    return Fault(
        http_status=http_status,
        body=fault.get("body"),
        headers=headers,
        delay=read.number(fault.get("delay", 0), f"{where}.delay"),
        cut=fault.get("cut", False),
        truncate=fault.get("truncate", False),
        trickle=read.number(fault.get("trickle", 0), f"{where}.trickle"),
        silent=fault.get("silent", False),
        never_answer=fault.get("never_answer", False),
        stream_bytes=read.integer(fault.get("stream_bytes", 0), f"{where}.stream_bytes"),
        gzip_bomb_bytes=read.integer(fault.get("gzip_bomb_bytes", 0), f"{where}.gzip_bomb_bytes"),
    )


def _replay(read: _Reader, path: Path, master_id: str, master: dict[str, Any]) -> MasterScript:
    """Steps from a recorded status answer: a new step at each 'Status changed to X (N)'."""
    where = f"masters.{master_id}.replay"
    source = master["replay"]
    if not isinstance(source, str):
        raise read.fail(where, "must be the path of a recorded status answer")
    recording = Path(source) if Path(source).is_absolute() else path.parent / source
    try:
        answer = json.loads(read_small_text(recording))
        result = answer["result"]
        events = list(reversed(result["events"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise read.fail(where, f"cannot replay {recording}: {error}") from None
    polls = read.integer(
        master.get("polls_per_step", 1), f"masters.{master_id}.polls_per_step", minimum=1
    )
    steps: list[Step] = []
    pending: list[dict[str, Any]] = []
    status: str = "CREATE"
    progress: int | None = 5
    for event in events:
        message = str(event.get("message", ""))
        if message.startswith("Status changed to ") and message.endswith(")"):
            if pending or steps:
                steps.append(
                    Step(status=status, progress=progress, events=tuple(pending), polls=polls)
                )
            name, _, number = message[len("Status changed to ") : -1].partition(" (")
            progress = int(number) if ascii_digits(number) else None
            status, pending = name, []
        pending.append(event)
    steps.append(Step(status=status, progress=progress, events=tuple(pending), polls=polls))
    template = {key: value for key, value in result.items() if key not in ("events",)}
    return MasterScript(master_id, tuple(steps), template)
