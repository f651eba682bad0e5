"""Each built-in scenario tells one run (issue 32 item 7): played to its end, a master's
summary report, aggregate report, master object, entry in its test's list of runs and live
KPI timeline (read through the gate's own parser and `LiveFeed`) agree; a run stopped
before it had data has none anywhere. Played in process with a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from ci_gate.blazemeter.answers import parse_live_kpis
from ci_gate.domain.live import KpiPoint
from ci_gate.judging.live_feed import LiveFeed
from ci_gate.simulator.live_data import (
    aggregate_report,
    data_kpis,
    data_labels,
    summary_report,
)
from ci_gate.simulator.model import label_id
from ci_gate.simulator.scenario import builtin_names, load_scenario
from ci_gate.simulator.state import (
    MasterRun,
    master_object,
    runs_of_test,
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
        return
    all_row = summary[0]
    if "ALL" in rows:
        assert all_row["hits"] == rows["ALL"]["samples"]
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
