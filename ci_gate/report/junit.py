"""junit.xml: one <testsuite> per master, each offending event its own <failure>.

Built with `junit-xml`, then adjusted to validate against Jenkins' junit-10.xsd: the
library's `disabled` (and `assertions`) attributes are dropped and times are formatted
as the schema's SUREFIRE_TIME. All server text is made XML-safe first, so nothing the
server sends can make the file invalid.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from junit_xml import TestCase, TestSuite

from ci_gate.domain.outcome import MasterOutcome, Outcome
from ci_gate.domain.run import TERMINAL_STATUSES, Event
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import (
    describe_event,
    event_time,
    format_duration,
    iso_utc,
    plain_number,
    show_progress,
)
from ci_gate.report.live_rows import live_cases
from ci_gate.safe_numbers import in_range, show_number
from ci_gate.text import one_line, xml_safe

JUNIT_NAME = "junit.xml"
#: Offending events shown one by one per master; the rest are counted in one more case.
MAX_FAILURE_CASES = 500
#: Ignored events shown one by one (as skipped cases) per master; the rest are counted.
MAX_IGNORED_CASES = 100
#: Verdicts under which a master's events were judged to the end (a pass can be stated).
_JUDGED = (Verdict.PASSED, Verdict.FAILED)
_NOT_IN_SCHEMA = ("disabled", "assertions")


def _run_case(master: MasterOutcome, waited: float, classname: str) -> TestCase:
    timeline = "\n".join(
        f"+{format_duration(change.elapsed)} {one_line(change.status, 60)} "
        f"({show_progress(change.progress)})"
        for change in master.timeline
    )
    notes = "\n".join(one_line(note, 1000) for note in master.notes)
    # a judged master the wait left before it ended (--fail-fast, a stop on a failure):
    # its run was not seen to the end, so no case says it was
    left = master.verdict in _JUDGED and master.status not in TERMINAL_STATUSES
    case = TestCase(
        name="the wait ended before the run did" if left else "the run ran to the end",
        classname=classname,
        elapsed_sec=_seconds(waited),
        stdout=xml_safe("\n".join(part for part in (timeline, notes) if part)) or None,
    )
    if master.verdict in (Verdict.TIMEOUT, Verdict.ERROR, Verdict.CANCELLED, Verdict.BROKEN):
        case.add_error_info(
            message=xml_safe(one_line(master.error or master.verdict, 1000)),
            error_type=master.verdict.value,
        )
    elif master.verdict is Verdict.UNFINISHED:
        case.add_skipped_info(message="not judged: --fail-fast ended the wait on another master")
    elif left:
        seen = f"{one_line(master.status or 'no status', 60)} ({show_progress(master.progress)})"
        stop = master.seen.stop_action
        case.add_skipped_info(
            message=xml_safe(
                f"the run was last seen at {seen} when the wait ended"
                + (f"; the gate sent {stop}" if stop else "")
            )
        )
    return case


def _event_cases(master: MasterOutcome, level: str, classname: str) -> list[TestCase]:
    """One failure per offending event; a passing case only when the events were judged."""
    if not master.offending:
        if master.verdict in _JUDGED:
            return [TestCase(name=f"no event at {level} or above", classname=classname)]
        return []
    cases = []
    for number, event in enumerate(master.offending[:MAX_FAILURE_CASES], start=1):
        case = TestCase(
            name=xml_safe(
                f"event {number}: {one_line(event.level, 40)} {one_line(event.message, 80)}"
            ),
            classname=classname,
        )
        case.add_failure_info(
            message=xml_safe(describe_event(event, 1000)),
            output=xml_safe(_event_details(event)),
            failure_type=xml_safe(one_line(event.level, 40)),
        )
        cases.append(case)
    rest = len(master.offending) - MAX_FAILURE_CASES
    if rest > 0:
        case = TestCase(name=f"and {rest} more offending events", classname=classname)
        case.add_failure_info(
            message=f"{rest} more offending events are listed in summary.json",
            failure_type=level,
        )
        cases.append(case)
    return cases


def _event_details(event: Event) -> str:
    return (
        f"level: {one_line(event.level, 40)}\ntime: {event_time(event)}\n"
        f"session: {one_line(event.session_id or '-', 80)}\n"
        f"source: {one_line(event.source or '-', 80)}\n"
        f"message: {one_line(event.message, 4000)}"
    )


def _criteria_cases(master: MasterOutcome, base: str) -> list[TestCase]:
    """Each failed BlazeMeter criterion as its own `<failure type="criterion">`."""
    if master.criteria is None:
        return []
    classname = base + ".criteria"
    cases = []
    for criterion in master.criteria.failed:
        case = TestCase(
            name=xml_safe(one_line(f"criterion {criterion.describe()}", 200)), classname=classname
        )
        case.add_failure_info(
            message=xml_safe(one_line(f"failure criterion failed: {criterion.describe()}", 1000)),
            output=xml_safe(
                f"field: {one_line(criterion.field, 100)}\nop: {one_line(criterion.op, 20)}\n"
                f"threshold: {one_line(show_number(criterion.threshold), 100)}\n"
                f"value: {one_line(show_number(criterion.value), 100)}\n"
                f"label: {one_line(criterion.label, 100)}"
            ),
            failure_type="criterion",
        )
        cases.append(case)
    if master.criteria.verdict is Verdict.FAILED and not master.criteria.failed:
        case = TestCase(name="BlazeMeter's verdict", classname=classname)
        case.add_failure_info(
            message=xml_safe(one_line(master.criteria.reason, 1000)), failure_type="criterion"
        )
        cases.append(case)
    return cases


def _regression_cases(master: MasterOutcome, base: str) -> list[TestCase]:
    """Each regression against the baseline as its own `<failure type="regression">`."""
    if master.baseline is None:
        return []
    classname = base + ".baseline"
    cases = []
    for row in master.baseline.regressions:
        case = TestCase(
            name=xml_safe(one_line(f"regression {row.metric} on label {row.label}", 200)),
            classname=classname,
        )
        case.add_failure_info(
            message=xml_safe(
                one_line(
                    f"regression against master {master.baseline.master_id}: {row.describe()}",
                    1000,
                )
            ),
            failure_type="regression",
        )
        cases.append(case)
    return cases


def _ignored_cases(master: MasterOutcome, classname: str) -> list[TestCase]:
    """Each waived event as a skipped case naming the pattern that waived it."""
    cases = []
    for number, ignored in enumerate(master.ignored[:MAX_IGNORED_CASES], start=1):
        event = ignored.event
        case = TestCase(
            name=xml_safe(
                f"ignored event {number}: {one_line(event.level, 40)} {one_line(event.message, 80)}"
            ),
            classname=classname,
        )
        case.add_skipped_info(
            message=xml_safe(
                f"waived by --ignore {one_line(ignored.pattern, 200)!r}: "
                f"{describe_event(event, 1000)}"
            )
        )
        cases.append(case)
    rest = len(master.ignored) - MAX_IGNORED_CASES
    if rest > 0:
        case = TestCase(name=f"and {rest} more ignored events", classname=classname)
        case.add_skipped_info(message=f"{rest} more ignored events are listed in summary.json")
        cases.append(case)
    return cases


def _suite(master: MasterOutcome, outcome: Outcome, report_id: str) -> ET.Element:
    classname = _classname(master, outcome)
    suite = TestSuite(
        name=f"BlazeMeter master {master.master_id}",
        test_cases=[
            _run_case(master, outcome.waited, classname),
            *_event_cases(master, outcome.threshold_name, classname),
            *_criteria_cases(master, classname),
            *live_cases(master, classname),
            *_regression_cases(master, classname),
            *_ignored_cases(master, classname),
        ],
        # junit-10.xsd's timestamp has no zone designator: the UTC time without its "Z"
        timestamp=iso_utc(outcome.started_at).removesuffix("Z"),
        properties={
            "verdict": master.verdict.value,
            "master_id": master.master_id,
            "status": xml_safe(one_line(master.status or "never read", 80)),
            "progress": "" if master.progress is None else show_number(master.progress),
            "level": outcome.threshold_name,
            "report_id": report_id,
            "offending_events": str(len(master.offending)),
            "ignored_events": str(len(master.ignored)),
            **_extra_properties(master),
        },
    )
    element: ET.Element = suite.build_xml_doc()
    for attribute in _NOT_IN_SCHEMA:
        element.attrib.pop(attribute, None)
    element.set("time", _surefire_time(sum(float(c.elapsed_sec or 0) for c in suite.test_cases)))
    return element


def _no_master_suite(outcome: Outcome, report_id: str) -> ET.Element:
    """The report of a run that never got a master (its start failed or was cancelled)."""
    case = TestCase(name="the test run started", classname="blazemeter.run")
    case.add_error_info(
        message=xml_safe(one_line(outcome.reason, 1000)), error_type=outcome.verdict.value
    )
    suite = TestSuite(
        name="BlazeMeter run",
        test_cases=[case],
        timestamp=iso_utc(outcome.started_at).removesuffix("Z"),
        properties={"verdict": outcome.verdict.value, "report_id": report_id},
    )
    element: ET.Element = suite.build_xml_doc()
    for attribute in _NOT_IN_SCHEMA:
        element.attrib.pop(attribute, None)
    element.set("time", _surefire_time(0.0))
    return element


def _classname(master: MasterOutcome, outcome: Outcome) -> str:
    """A name the same from run to run, so CI test history lines up: the test where
    BlazeMeter named it, else a constant; with several masters, the master's position.
    The master id (new every run) is a property and in the case's text, never here."""
    base = f"blazemeter.test.{master.test_id}" if master.test_id else "blazemeter.run"
    if len(outcome.masters) > 1:
        base += f".{outcome.masters.index(master) + 1}"
    return base


def _extra_properties(master: MasterOutcome) -> dict[str, str]:
    """BlazeMeter's verdict, the report link and the KPIs, as suite properties."""
    extra: dict[str, str] = {}
    if master.criteria is not None:
        extra["blazemeter.report_status"] = xml_safe(
            one_line(master.criteria.report_status or "unset", 40)
        )
    if master.report_url:
        extra["blazemeter.report_url"] = xml_safe(one_line(master.report_url, 500))
    for name, value in (master.kpis or {}).items():
        extra[xml_safe(one_line(f"kpi.{name}", 80))] = plain_number(value)
    return extra


def _seconds(value: float) -> float:
    """A duration the schema's SUREFIRE_TIME can hold: in range and not negative, else 0."""
    return max(in_range(value) or 0.0, 0.0)


def _surefire_time(seconds: float) -> str:
    return f"{_seconds(seconds):.3f}"


def render_junit(outcome: Outcome, report_id: str = "") -> bytes:
    """The report as bytes, valid against junit-10.xsd whatever the server sent."""
    root = ET.Element("testsuites", {"name": "ci-gate"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    elements = [_suite(master, outcome, report_id) for master in outcome.masters]
    if not elements:  # `run` whose start failed: no master, but never an empty report
        elements = [_no_master_suite(outcome, report_id)]
    for element in elements:
        for key in totals:
            totals[key] += int(element.get(key, "0"))
        root.append(element)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _surefire_time((outcome.finished_at - outcome.started_at).total_seconds()))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
