"""Every request has a wall-clock cap (issue 29 item 2): a server that trickles its status
line, its headers, a chunk-size line or its body one byte every 0.5 s (each byte restarts
any read timeout) cannot carry the real `ci-gate` past its deadline, for every client:
the status poll, the end read, `run`'s start, `start` alone, `stop` and the GitHub comment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_gate.wait.loop import STOP_BUDGET
from tests.support.fake_platforms import fake_platform
from tests.support.helpers import (
    CORE_REPORTS,
    START_UP_UNDER_LOAD,
    STATE_END,
    STATE_START,
    GateRun,
    assert_no_traceback,
    assert_valid_junit,
    core_reports,
    gate_env,
    run_args,
    run_gate,
    simulator,
    write_scenario,
)
from tests.support.trickle import Rule, trickler

#: The most the gate may take past its cap, from its first request to its exit: the byte
#: in flight, the reports and the interpreter's exit, on a loaded machine ("a few seconds").
SLACK = 5.0
#: Killed here, a gate that hangs fails the test instead of holding it.
KILL_AFTER = 30.0
TEST_ID = "8200001"
MASTER = "82000001"
SECOND_MASTER = "82000002"
TOKEN = "ghs_trickle-TOKEN-0815"


def _assert_bounded(run: GateRun, first_request_at: float | None, cap: float) -> None:
    """The gate's own time, from its first request (it is up) to its exit, is within its cap
    and the slack; from the process's start, the interpreter's start-up under load more.
    (Measured from the start alone, CI's load made a 3 s cap take 9.8 s.)"""
    assert first_request_at is not None, "the gate sent no request"
    own = run.ended_at - first_request_at
    assert own < cap + SLACK, f"{own:.1f} s from the first request ({run.seconds:.1f} s in all)"
    assert run.seconds < cap + SLACK + START_UP_UNDER_LOAD, run.seconds


def _reports_written(report: Path) -> None:
    assert core_reports(report) == CORE_REPORTS
    assert_valid_junit((report / "junit.xml").read_bytes())


@pytest.mark.slow
# every place is cut at the socket level in tests/unit/test_bounded_http.py, and a trickled
# body at the status poll in test_deadlines.py: here the status line and a chunked answer,
# one master's polls each, in one wait
def test_a_trickled_status_poll_ends_by_the_deadline_with_reports(tmp_path: Path) -> None:
    places = {MASTER: "status line", SECOND_MASTER: "chunk size"}
    scenario = write_scenario(tmp_path, {master: {"steps": [STATE_START]} for master in places})
    report = tmp_path / "r"
    rules = [
        Rule("GET", rf"/api/v4/masters/{master}/status", place, skip=1)
        for master, place in places.items()
    ]
    with simulator(scenario) as sim, trickler(sim.url, *rules) as slow:
        args = ["wait", *places, "--api-url", slow.base(), "--interval", "0.1"]
        run = run_gate(
            [*args, "--timeout", "3", "--report-dir", str(report)], report, timeout=KILL_AFTER
        )
    assert all(rule.seen > rule.skip for rule in rules), rules  # both places trickled
    assert run.code == 3, run.stdout + run.stderr
    _assert_bounded(run, slow.first_at, 3)
    assert run.summary["verdict"] == "timeout"
    _reports_written(report)
    assert_no_traceback(run.stdout, run.stderr)


@pytest.mark.slow
def test_a_trickled_end_read_ends_by_the_deadline_with_reports(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, {MASTER: {"steps": [STATE_END]}})
    report = tmp_path / "r"
    rule = Rule("GET", rf"/api/v4/masters/{MASTER}", "headers")
    with simulator(scenario) as sim, trickler(sim.url, rule) as slow:
        args = ["wait", MASTER, "--api-url", slow.base(), "--interval", "0.1"]
        run = run_gate(
            [*args, "--timeout", "3", "--report-dir", str(report)], report, timeout=KILL_AFTER
        )
    assert slow.trickled >= 1
    # the deadline cut the read of BlazeMeter's verdict: timed out, never passed
    assert run.code == 3, run.stdout + run.stderr
    _assert_bounded(run, slow.first_at, 3)
    assert run.summary["verdict"] == "timeout"
    assert "BlazeMeter's verdict on the ended run was still being read" in run.summary["reason"]
    _reports_written(report)
    assert_no_traceback(run.stdout, run.stderr)


def _start_scenario(folder: Path) -> Path:
    template = {"steps": [{"status": "BOOT_STARTING"}, {"status": "ENDED"}]}
    return write_scenario(folder, {MASTER: template}, tests={TEST_ID: {"master": MASTER}})


@pytest.mark.slow
def test_a_trickled_start_request_of_run_ends_by_the_deadline_with_reports(
    tmp_path: Path,
) -> None:
    report = tmp_path / "r"
    rule = Rule("POST", rf"/api/v4/tests/{TEST_ID}/start", "status line")
    with simulator(_start_scenario(tmp_path)) as sim, trickler(sim.url, rule) as slow:
        run = run_gate(
            run_args(TEST_ID, slow.base(), report, "--timeout", "3"), report, timeout=KILL_AFTER
        )
    assert slow.trickled == 1
    assert run.code == 3, run.stdout + run.stderr
    _assert_bounded(run, slow.first_at, 3)
    assert run.summary["verdict"] == "timeout"
    assert f"a run of test {TEST_ID} may have started" in run.summary["reason"]
    _reports_written(report)
    assert_no_traceback(run.stdout, run.stderr)


@pytest.mark.slow
def test_a_trickled_start_alone_ends_by_the_deadline(tmp_path: Path) -> None:
    report = tmp_path / "r"
    rule = Rule("POST", rf"/api/v4/tests/{TEST_ID}/start", "headers")
    with simulator(_start_scenario(tmp_path)) as sim, trickler(sim.url, rule) as slow:
        run = run_gate(
            ["start", TEST_ID, "--api-url", slow.base(), "--timeout", "3"],
            report,
            env=gate_env(CI_GATE_REPORT_DIR=str(report)),
            timeout=KILL_AFTER,
        )
    assert slow.trickled == 1
    assert run.code == 3, run.stdout + run.stderr  # --timeout passed first
    _assert_bounded(run, slow.first_at, 3)
    assert run.stdout == ""  # no master id
    assert f"a run of test {TEST_ID} may have started" in run.stderr
    assert_no_traceback(run.stdout, run.stderr)


@pytest.mark.slow
def test_a_trickled_stop_request_ends_by_the_deadline(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, {MASTER: {"steps": [STATE_START]}})
    report = tmp_path / "r"
    rule = Rule("POST", rf"/api/v4/masters/{MASTER}/(stop|terminate)", "chunk size")
    with simulator(scenario) as sim, trickler(sim.url, rule) as slow:
        run = run_gate(
            ["stop", MASTER, "--api-url", slow.base(), "--timeout", "3"],
            report,
            timeout=KILL_AFTER,
        )
    assert slow.trickled >= 1
    assert run.code == 3, run.stdout + run.stderr  # --timeout passed first
    _assert_bounded(run, slow.first_at, 3)
    assert_no_traceback(run.stdout, run.stderr)


@pytest.mark.slow
def test_a_trickled_comment_list_is_one_warning_by_the_deadline(tmp_path: Path) -> None:
    report = tmp_path / "r"
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    rule = Rule("GET", r"/repos/acme/shop/issues/12/comments", "headers")
    scenario = write_scenario(tmp_path, {MASTER: {"steps": [STATE_END]}})
    with (
        fake_platform("github", TOKEN) as github,
        trickler(github.url, rule) as slow,
        simulator(scenario) as sim,
    ):
        env = gate_env(
            GITHUB_ACTIONS="true",
            GITHUB_EVENT_NAME="pull_request",
            GITHUB_EVENT_PATH=str(event),
            GITHUB_API_URL=slow.base(),
            GITHUB_REPOSITORY="acme/shop",
            GITHUB_WORKFLOW="gate",
            GITHUB_JOB="load",
            GITHUB_TOKEN=TOKEN,
            GITHUB_OUTPUT=str(tmp_path / "out"),
            GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
        )
        args = ["wait", MASTER, "--api-url", sim.url, "--interval", "0.1", "--comment"]
        run = run_gate(
            [*args, "--timeout", "3", "--report-dir", str(report)],
            report,
            env=env,
            timeout=KILL_AFTER,
        )
        first_request_at = sim.first_call_at()
    assert slow.trickled == 1
    assert run.code == 0, run.stdout + run.stderr  # the verdict's, whatever the comment did
    # the comment may take until the deadline and the stop budget (comment_deadline)
    _assert_bounded(run, first_request_at, 3 + STOP_BUDGET)
    assert run.summary["comment"]["status"] == "failed"
    assert github.comments(12) == []
    _reports_written(report)
    assert_no_traceback(run.stdout, run.stderr)
