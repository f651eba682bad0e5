"""Each built-in scenario tells one run (issue 32 item 7): played to its end, a master's
summary report, aggregate report, master object (its verdict and criteria), entry in its
test's list of runs, live KPI timeline (read through the gate's own parser and `LiveFeed`)
and events agree; an engine lost stops (or thins) the data from the second its event says;
a run stopped before it had data has none anywhere; no two masters tell the same numbers;
a summary read mid-run is the run so far in every field. Played in process with a fake
clock."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import parse_live_kpis
from ci_gate.domain.live import KpiPoint
from ci_gate.judging.live_feed import LiveFeed
from ci_gate.simulator.live_data import (
    aggregate_report,
    data_kpis,
    data_labels,
    summary_report,
)
from ci_gate.simulator.model import RunModel, label_id
from ci_gate.simulator.scenario import MasterScript, builtin_names, load_scenario
from ci_gate.simulator.state import (
    MasterRun,
    master_object,
    runs_of_test,
    thresholds,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def play(run: MasterRun, clock: Clock, polls: int = 200, step: float = 0.5) -> None:
    """Poll a master until it ended (or `polls` polls: a run that never ends)."""
    for _ in range(polls):
        if run.poll().result is not None and run.status == "ENDED":
            return
        clock.now += step


def timeline(run: MasterRun) -> dict[str, list[KpiPoint]]:
    """The run's live KPIs as the gate reads them: every label, paged by `from`."""
    ids = [label["id"] for label in data_labels(run)]
    names = {label["id"]: label["name"] for label in data_labels(run)}
    feed = LiveFeed()
    seconds: dict[str, list[KpiPoint]] = {name: [] for name in names.values()}
    for _ in range(100):
        before = feed.next_from
        answer = parse_live_kpis(run.script.master_id, data_kpis(run, feed.next_from, ids))
        for label, points in feed.take(answer).items():
            seconds[names[label]] += points
        if feed.next_from == before:
            break
    for label, points in feed.flush().items():
        seconds[names[label]] += points
    return seconds


MASTERS = [
    (name, master_id)
    for name in builtin_names()
    for master_id in load_scenario(name).masters
    if name != "unauthorized"
]


@pytest.mark.parametrize(("scenario", "master_id"), MASTERS, ids=[f"{s}-{m}" for s, m in MASTERS])
def test_every_answer_about_a_run_tells_the_same_run(scenario: str, master_id: str) -> None:
    loaded = load_scenario(scenario)
    clock = Clock()
    run = MasterRun(loaded.masters[master_id], clock=clock)
    runs = {master_id: run}
    play(run, clock)
    for _ in range(run.script.report.null_reads):
        master_object(run)  # BlazeMeter still working on its verdict
    master = master_object(run)
    listed = runs_of_test(runs, str(master["testId"]))[0]
    # the list says what the master says
    assert (listed["ended"], listed["reportStatus"], listed["passed"]) == (
        master["ended"],
        master["reportStatus"],
        master["passed"],
    )
    summary = summary_report(run)["summary"]
    rows = {row["labelName"]: row for row in aggregate_report(run)}
    if run.status != "ENDED":
        assert master["ended"] is None and master["reportStatus"] is None
        return
    assert master["hasData"] == bool(summary)
    if not summary:
        assert rows == {} and data_labels(run) == [] and timeline(run) == {}
        assert master["reportStatus"] in ("noData", "abort") and master["passed"] is False
        return
    all_row = summary[0]
    # the master and the list end the run on its own clock, where its timeline ends (or
    # later: a run whose engines were all lost goes on without data)
    points = timeline(run)["ALL"]
    created = run.script.report.created
    assert (
        run.end_second is not None
        and points[0].ts == created
        and master["ended"] == created + run.end_second
    )
    assert points[-1].ts < master["ended"] and run.end_second in (len(points), run.duration)
    assert_events_tell_the_data(run, all_row, timeline(run)["ALL"])
    assert_verdict_tells_the_data(run, master, all_row)
    if "ALL" in rows:
        labels = [row["samples"] for name, row in rows.items() if name != "ALL"]
        assert all_row["hits"] == rows["ALL"]["samples"] == (sum(labels) or all_row["hits"])
        assert all_row["avg"] == rows["ALL"]["avgResponseTime"]
        assert all_row["tp90"] == rows["ALL"]["90line"]
    else:
        assert all_row["hits"] == sum(row["samples"] for row in rows.values())
    seconds = timeline(run)
    assert set(seconds) == {*rows, "ALL"}
    for label, points in seconds.items():
        hits = sum(point.hits or 0 for point in points)
        errors = sum(point.errors or 0 for point in points)
        weighted = sum((point.avg_rt or 0) * (point.hits or 0) for point in points)
        row = rows.get(label)
        expected_hits = row["samples"] if row else all_row["hits"]
        assert hits == expected_hits, label
        assert [p.ts - points[0].ts for p in points] == list(range(len(points)))
        if label == "ALL":
            assert errors == all_row["failed"]
            assert weighted / hits == pytest.approx(all_row["avg"], abs=0.1)
        else:
            assert row is not None
            # the scenario's error rate, as a whole number of errors
            assert errors == round(hits * float(row["errorsRate"]) / 100), label
            assert weighted / hits == pytest.approx(row["avgResponseTime"], abs=0.1)


def test_the_regression_run_shows_one_all_in_its_kpis_and_its_baseline_table() -> None:
    """Issue 32 item 7: 12,000 samples and p90 480 in one table, 14,310 and 980 in the
    other, for the same run."""
    run = MasterRun(load_scenario("regression").masters["91000003"], clock=Clock())
    play(run, Clock())
    (summary,) = summary_report(run)["summary"]
    (all_row,) = [row for row in aggregate_report(run) if row["labelName"] == "ALL"]
    assert (summary["hits"], summary["tp90"]) == (all_row["samples"], all_row["90line"])
    assert (summary["hits"], summary["tp90"]) == (14310, 980)


def test_a_run_of_the_past_is_listed_as_its_master_says_it_ended() -> None:
    """The list of runs said a baseline ended and passed while `wait --baseline` on it
    warned it had not ended: both come from the run's state now."""
    masters = load_scenario("regression").masters
    runs = {master_id: MasterRun(script) for master_id, script in masters.items()}
    listed = {str(row["id"]): row for row in runs_of_test(runs, "7700001")}
    for master_id in ("91000001", "91000002"):
        master = master_object(runs[master_id])
        assert master["ended"] is not None and listed[master_id]["ended"] == master["ended"]
        assert listed[master_id]["reportStatus"] == master["reportStatus"]
    # the run being waited for has not ended before it played its timeline
    assert listed["91000003"]["ended"] is None and listed["91000003"]["reportStatus"] is None
    assert master_object(runs["91000003"])["ended"] is None


@pytest.mark.parametrize("scenario", ["seed", "run", "sla-fail", "live-breach"])
def test_a_run_stopped_before_it_had_data_has_none_and_no_pass(scenario: str) -> None:
    loaded = load_scenario(scenario)
    clock = Clock()
    run = MasterRun(next(iter(loaded.masters.values())), clock=clock)
    assert run.poll().result is not None and (run.progress or 0) < 100
    run.request_stop("terminate")
    play(run, clock)
    for _ in range(run.script.report.null_reads):
        master_object(run)  # BlazeMeter still working on its verdict
    master = master_object(run)
    assert run.status == "ENDED"
    assert master["reportStatus"] == "abort" and master["passed"] is False
    assert master["hasData"] is False
    assert summary_report(run) == {"summary": []} and aggregate_report(run) == []
    assert data_labels(run) == [] and data_kpis(run, 0, ["ALL"]) == []


def test_a_run_stopped_with_data_ends_where_it_was_stopped() -> None:
    """live-breach runs 20 run seconds per real second: stopped 5 s after its data
    began, it has 101 seconds (the one filling is its last), and the summary says so."""
    clock = Clock()
    run = MasterRun(load_scenario("live-breach").masters["93000001"], clock=clock)
    while (run.progress or 0) < 100:
        run.poll()
    clock.now += 5.0
    assert run.run_second() == 100
    run.request_stop("stop")
    play(run, clock)
    (summary,) = summary_report(run)["summary"]
    assert summary["duration"] == 101
    seconds = timeline(run)
    assert len(seconds["ALL"]) == 101
    assert sum(point.hits or 0 for point in seconds["ALL"]) == summary["hits"]


def test_live_breach_slows_checkout_in_its_second_minute_and_lists_its_planned_load() -> None:
    run = MasterRun(load_scenario("live-breach").masters["93000001"], clock=Clock())
    run.end_second = 180
    seconds = timeline(run)
    checkout = {point.ts - seconds["Checkout"][0].ts: point for point in seconds["Checkout"]}
    assert max(checkout[s].avg_rt or 0 for s in range(60)) < 1000
    assert min(checkout[s].avg_rt or 0 for s in range(70, 180)) > 2000
    assert max(p.avg_rt or 0 for p in seconds["Home"]) < 1500
    (execution,) = master_object(run)["executions"]
    assert (execution["holdFor"], execution["rampUp"]) == ("30m", "1m")


def test_kpis_pages_by_from_repeats_its_last_point_and_lists_a_label_without_data() -> None:
    clock = Clock()
    run = MasterRun(load_scenario("live-breach").masters["93000001"], clock=clock)
    while (run.progress or 0) < 100:
        run.poll()
    clock.now += 1.0  # 20 run seconds: 0..19 complete, 20 filling
    start = run.script.report.created
    rows: list[dict[str, Any]] = data_kpis(run, start + 15, ["ALL", label_id("Checkout")])
    points = rows[0]["kpis"]
    assert [point["ts"] - start for point in points] == [15, 16, 17, 18, 19, 20, 20]
    assert points[-1] == points[-2]  # the last point, repeated
    full = data_kpis(run, start + 19, ["ALL"])[0]["kpis"][0]["n"]
    assert points[-1]["n"] < full or full == 0  # the filling second has some of its hits
    beyond = data_kpis(run, start + 500, ["ALL", "nope"])
    assert beyond == [{"labelId": "ALL", "labelName": "ALL", "label": "ALL"}]  # no `kpis`


LOST = ("lost", "stopped sending data")


def assert_events_tell_the_data(run: MasterRun, summary: dict[str, Any], points: list[Any]) -> None:
    """An event that says engines were lost happens at the run second the data thins (or
    ends) at, and nowhere else does the data change so: the events, the KPI timeline and
    the summary tell one story."""
    model = run.model
    assert model is not None
    said = [
        step.at
        for step in run.script.steps
        for event in step.events
        if any(word in str(event.get("message", "")).lower() for word in LOST)
    ]
    assert None not in said, "an engine lost on no run second"
    seconds_said = sorted(at for at in said if at is not None)
    phases = sorted(start for start, _ in run.script.report.load)
    assert seconds_said == phases, (seconds_said, phases)
    for start, share in run.script.report.load:
        users = {point.ts - points[0].ts: point.users for point in points}
        if share == 0:
            # the data ends with the engines: no second at or after it, anywhere
            assert max(users) == start - 1 and summary["duration"] == start
            assert start < model.duration
        else:
            assert users[start] < users[start - 1] and users[start] == pytest.approx(
                users[start - 1] * share, abs=1
            )
    if not phases:
        assert summary["duration"] == model.duration == len(points)
    for step in run.script.steps:
        for event in step.events:
            # a label an event names is a label of the run's data
            for label in re.findall(r"\blabel (\w+)", str(event.get("message", "")), re.I):
                assert label in model.labels, (label, model.labels)


#: criteria fields and the summary field each is measured by
_MEASURED = {"responseTime.percentile.90": "tp90", "responseTime.avg": "avg"}


def assert_verdict_tells_the_data(
    run: MasterRun, master: dict[str, Any], summary: dict[str, Any]
) -> None:
    """reportStatus and the criteria say what the data says: a run whose engines were all
    lost before its end does not pass; a criterion's value is the summary's; it failed
    exactly when its value breaks its threshold; a run fails when a criterion failed."""
    model = run.model
    assert model is not None
    if model.data_seconds < model.duration:
        assert master["reportStatus"] != "pass" and master["passed"] is False
    criteria = thresholds(run)["data"]
    for criterion in criteria:
        field = str(criterion["field"])
        if field == "errors.percent":
            measured = summary["failed"] * 100 / summary["hits"]
        else:
            measured = summary[_MEASURED[field]]
        assert criterion["value"] == pytest.approx(measured, abs=0.05), field
        broken = criterion["value"] > criterion["threshold"]
        assert criterion["op"] == "gt" and criterion["success"] is not broken, criterion
    if criteria:
        failed = any(not criterion["success"] for criterion in criteria)
        assert master["reportStatus"] == ("fail" if failed else "pass")


def ended_summary(script: MasterScript) -> dict[str, Any] | None:
    clock = Clock()
    run = MasterRun(script, clock=clock)
    play(run, clock)
    run.end_second = run.duration if run.model is not None else 0  # hang: as if it ended
    summary = summary_report(run)["summary"]
    return summary[0] if summary else None


def test_no_two_masters_tell_the_same_numbers() -> None:
    """error, flaky, all three of multi's masters, run and seed all reported one canned set
    (12,000 samples, 212.4 ms, p90 480): each run has its own numbers now."""
    seen: dict[tuple[Any, ...], str] = {}
    for name in builtin_names():
        for master_id, script in load_scenario(name).masters.items():
            summary = ended_summary(script)
            if summary is None:
                continue
            numbers = tuple(sorted((k, v) for k, v in summary.items() if k != "lb"))
            assert numbers not in seen, f"{name} {master_id} tells {seen.get(numbers)}'s run"
            seen[numbers] = f"{name} {master_id}"
    assert len(seen) >= 20


WITH_SUMMARY = [
    (name, master_id)
    for name in builtin_names()
    for master_id, script in load_scenario(name).masters.items()
    if script.report.kpis
]


@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(WITH_SUMMARY), share=st.floats(0.0, 1.0))
def test_a_summary_read_mid_run_is_the_run_so_far_in_every_field(
    which: tuple[str, str], share: float
) -> None:
    """`--fail-fast` on `error` showed 123 samples beside the whole run's bytes, min, max
    and std: every field of a summary read before the end comes from the seconds so far,
    and at the end they are the scenario's own figures."""
    name, master_id = which
    script = load_scenario(name).masters[master_id]
    run = MasterRun(script, clock=Clock())
    model, given_kpis = run.model, script.report.kpis
    assert model is not None and given_kpis
    end = max(1, round(model.data_seconds * share))
    run.end_second = end
    (summary,) = summary_report(run)["summary"]
    seconds = model.seconds["ALL"][:end]
    hits = sum(point.hits for point in seconds)
    assert summary["hits"] == hits and summary["duration"] == len(seconds)
    assert summary["failed"] == sum(point.errors for point in seconds)
    assert summary["concurrency"] == max(point.users for point in seconds)
    assert set(summary) >= set(given_kpis) - {"duration", "concurrency"}
    if "bytes" in given_kpis:
        total = given_kpis.get("hits") or model.rows["ALL"]["samples"]
        assert summary["bytes"] == round(given_kpis["bytes"] / total * hits)
    if "min" in given_kpis:
        assert summary["min"] <= summary["avg"] <= summary["max"]
    run.end_second = model.data_seconds
    (whole,) = summary_report(run)["summary"]
    if not model.slow and model.data_seconds == model.duration:
        for field in ("hits", "failed", "min", "max", "std", "bytes", "tp90", "avg"):
            if field in given_kpis:
                assert whole[field] == pytest.approx(given_kpis[field], abs=0.01), field


def test_one_engine_of_two_lost_halves_the_users_from_its_event_on() -> None:
    """`error` said an engine stopped sending data and went on at full load: from the
    event's second the run has half its users, and BlazeMeter's error-rate criterion
    fails on the error rate its data has."""
    clock = Clock()
    run = MasterRun(load_scenario("error").masters["20000001"], clock=clock)
    while not any("stopped sending data" in e["message"] for e in run.events):
        run.poll()
    assert run.run_second() == 540  # the run's clock moved on to the event's second
    play(run, clock)
    points = timeline(run)["ALL"]
    assert {p.users for p in points[300:540]} == {40} and {p.users for p in points[540:]} == {20}
    (summary,) = summary_report(run)["summary"]
    assert (summary["hits"], summary["duration"]) == (27000, 900)
    assert master_object(run)["reportStatus"] == "fail"


def test_all_engines_lost_ends_the_data_and_the_pass() -> None:
    """multi's third master logged "All engines lost: no data for 300 s" with 12,000
    samples, 10m00s and a pass: its data ends at the event, 300 s before the run."""
    clock = Clock()
    run = MasterRun(load_scenario("multi").masters["50000003"], clock=clock)
    play(run, clock)
    (summary,) = summary_report(run)["summary"]
    assert summary["duration"] == 330 and run.duration - summary["duration"] == 300
    assert len(timeline(run)["ALL"]) == 330
    assert master_object(run)["reportStatus"] == "fail"


@pytest.mark.parametrize(("scenario", "master_id"), MASTERS, ids=[f"{s}-{m}" for s, m in MASTERS])
def test_an_aggregate_reports_all_row_is_its_labels_together(scenario: str, master_id: str) -> None:
    """The aggregate report's ALL row is its labels together: their samples summed, their
    averages weighted by samples, its p90 between theirs (regression's ALL said 470 ms
    over labels averaging 391 ms)."""
    rows = {
        row["labelName"]: row for row in load_scenario(scenario).masters[master_id].report.aggregate
    }
    labels = [row for name, row in rows.items() if name != "ALL"]
    if "ALL" not in rows or not labels:
        return
    whole = rows["ALL"]
    samples = sum(row["samples"] for row in labels)
    assert whole["samples"] == samples
    weighted = sum(row["samples"] * row["avgResponseTime"] for row in labels) / samples
    assert whole["avgResponseTime"] == pytest.approx(weighted, abs=0.5)
    p90s = [row["90line"] for row in labels]
    assert min(p90s) <= whole["90line"] <= max(p90s)


@settings(max_examples=100, deadline=None)
@given(
    samples=st.integers(0, 50_000),
    duration=st.integers(1, 900),
    users=st.integers(1, 60),
    phases=st.lists(
        st.tuples(st.integers(0, 900), st.sampled_from([0.0, 0.25, 0.5, 1.0])), max_size=3
    ),
)
def test_load_phases_keep_the_totals_and_end_the_data_where_no_engine_is_left(
    samples: int, duration: int, users: int, phases: list[tuple[int, float]]
) -> None:
    """Whatever the load phases, a label's samples and errors are kept exactly over the
    seconds with data, the data ends at the first second no engine sends any, and the
    users of a second never exceed its share of the planned load."""
    row = {"labelName": "ALL", "samples": samples, "avgResponseTime": 300, "errorsRate": 1.0}
    model = RunModel([row], duration=duration, users=users, load=phases)
    seconds = model.seconds["ALL"]
    shares = [1.0] * duration
    for start, share in sorted(phases):
        shares[start:] = [share] * max(duration - start, 0)
    ends = next((s for s, share in enumerate(shares) if share <= 0), duration)
    assert model.data_seconds == len(seconds) == ends
    if not seconds:
        assert model.summary(duration, {}) is None
        return
    assert sum(point.hits for point in seconds) == samples
    assert sum(point.errors for point in seconds) == round(samples * 0.01)
    assert all(1 <= point.users <= max(round(users * shares[point.second]), 1) for point in seconds)
    summary = model.summary(duration, {})
    if samples:
        assert summary is not None and summary["duration"] == ends
