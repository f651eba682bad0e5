"""Exit codes and failure paths of the real process: usage, API errors, signals, timing."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.support.helpers import (
    START_UP_UNDER_LOAD,
    assert_no_traceback,
    assert_valid_junit,
    gate_env,
    run_gate,
    simulator,
    start_gate_until,
    wait_args,
    write_scenario,
)


def test_usage_errors_exit_2_with_one_line_and_poll_nothing(tmp_path: Path) -> None:
    report_dir = tmp_path / "r"
    with simulator("seed") as sim:
        no_creds = gate_env()
        del no_creds["BLAZEMETER_API_KEY_SECRET"]
        cases = [
            (
                wait_args(sim, report_dir),
                no_creds,
                "missing credentials: set BLAZEMETER_API_KEY_SECRET",
            ),
            (wait_args(sim, report_dir, "--level", "LOUD"), None, "unknown level 'LOUD'"),
            (wait_args(sim, report_dir, "--timeout", "-5"), None, "--timeout must be"),
            (wait_args(sim, report_dir, masters=["abc"]), None, "'abc' is not a positive"),
            (["wait", "1", "--api-url", "http://example.test/api/v4"], None, "travel in clear"),
            (["wait", "1", "--api-url", sim.url, "--ignore", "("], None, "not a valid regex"),
        ]
        for args, env, message in cases:
            run = run_gate(args, report_dir, env=env)
            assert run.code == 2, (args, run.stderr)
            assert message in run.stderr
            assert len(run.stderr.strip().splitlines()) == 1, run.stderr
            assert_no_traceback(run.stdout, run.stderr)
        assert sim.calls() == []
    assert run_gate(["wait", "1", "--bogus"], report_dir).code == 2


@pytest.mark.parametrize(
    ("master", "words"), [("999", "master not found (HTTP 404: Master with id 999 not found)")]
)
def test_unknown_master_is_exit_4_within_seconds(tmp_path: Path, master: str, words: str) -> None:
    report_dir = tmp_path / "r"
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report_dir, masters=[master]), report_dir)
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 4 and own < 5, own
    assert run.seconds < 5 + START_UP_UNDER_LOAD, run.seconds  # and the interpreter's start
    assert words in run.stderr.strip().splitlines()[-1]
    assert run.summary["masters"][0]["verdict"] == "error"
    assert_valid_junit(run.junit)


def test_unauthorized_is_exit_4_within_seconds(tmp_path: Path) -> None:
    report_dir = tmp_path / "r"
    with simulator("unauthorized") as sim:
        run = run_gate(wait_args(sim, report_dir), report_dir)
        polls = len(sim.calls())
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 4 and own < 5, own
    assert run.seconds < 5 + START_UP_UNDER_LOAD, run.seconds  # and the interpreter's start
    assert "credentials rejected (HTTP 401: Unauthorized)" in run.stderr
    assert polls == 1  # 401 is not retried


def test_an_api_that_only_answers_html_ends_in_exit_4_before_the_deadline(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        {
            "1": {
                "steps": [
                    {
                        "fault": {"http_status": 200, "body": "<html><body>Sign in</body></html>"},
                        "repeat": "forever",
                    }
                ]
            }
        },
    )
    report_dir = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, report_dir, "--timeout", "60"),
            report_dir,
            env=gate_env(CI_GATE_RETRY_MAX_TIME="3"),
        )
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 4, run.stderr
    assert own < 15, own
    assert run.seconds < 15 + START_UP_UNDER_LOAD, run.seconds  # and the interpreter's start
    assert "not BlazeMeter's JSON envelope (text/html" in run.stderr
    assert_no_traceback(run.stdout, run.stderr)


def test_no_sleep_after_the_terminal_status(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path, {"1": {"steps": [{"status": "DATA_RECEIVED"}, {"status": "ENDED"}]}}
    )
    report_dir = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            [*wait_args(sim, report_dir)[:-4], "--interval", "2", "--report-dir", str(report_dir)],
            report_dir,
        )
        finished = time.time()
        calls = sim.calls()
    assert run.code == 0, run.stderr
    terminal_served = [c["at"] for c in calls if "/status" in c["path"]][1]
    lag = finished - terminal_served
    print(f"exit came {lag:.3f}s after the terminal status was served (interval 2s)")
    # a sleep of the interval would make it 2 s or more; the end reads, the reports and the
    # exit take well under that, also on a loaded machine
    assert lag < 2.0


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_cancel_stop_the_master_and_leave_reports(
    tmp_path: Path, signum: int, code: int
) -> None:
    report_dir = tmp_path / "r"
    with simulator("hang") as sim:
        process = start_gate_until(
            wait_args(sim, report_dir, "--stop-on-cancel"), "DATA_RECEIVED (100)"
        )
        sent = time.time()
        process.send_signal(signum)
        out, err = process.communicate(timeout=10)
        calls = sim.calls()
    assert process.returncode == code, err
    stops = [c for c in calls if c["method"] == "POST"]
    assert [c["path"] for c in stops] == ["/api/v4/masters/30000001/stop"]  # progress 100: graceful
    assert stops[0]["at"] - sent < 4  # the contract: reports, then stops, within 4 s
    summary = json.loads((report_dir / "summary.json").read_text())
    assert summary["verdict"] == "cancelled" and summary["exit_code"] == code
    assert summary["masters"][0]["stop_action"] == "stop"
    assert_valid_junit((report_dir / "junit.xml").read_bytes())
    assert_no_traceback(out, err)


def test_fail_fast_with_stop_on_fail(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        {
            "1": {
                "steps": [
                    {"status": "BOOT_STARTING"},
                    {
                        "status": "DATA_RECEIVED",
                        "events": [{"level": "ERROR", "message": "engine died"}],
                    },
                    {"status": "DATA_RECEIVED"},
                ]
            }
        },
    )
    report_dir = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, report_dir, "--fail-fast", "--stop-on-fail", "--timeout", "30"),
            report_dir,
        )
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 1 and own < 10, own
    assert run.seconds < 10 + START_UP_UNDER_LOAD, run.seconds  # and the interpreter's start
    assert posts == ["/api/v4/masters/1/stop"]


def test_fail_fast_without_stop_on_fail_keeps_the_link_and_says_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """--fail-fast alone leaves the run going in BlazeMeter: the reports keep its link and
    what was read, and the live output and summary.md say how to stop it (issue 32 item 2)."""
    report_dir = tmp_path / "r"
    with simulator("error") as sim:
        run = run_gate(wait_args(sim, report_dir, "--fail-fast", "--timeout", "30"), report_dir)
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    assert run.code == 1, run.stderr
    assert posts == []
    [master] = run.summary["masters"]
    assert master["report_url"].endswith("/app/#/masters/20000001/summary")
    assert master["status"] == "DATA_RECEIVED" and master["offending_events"]
    assert master["kpis"]["hits"] > 0  # what the run had done when the gate left it
    assert any("KPIs so far" in note for note in master["notes"]), master["notes"]
    how = "ci-gate stop 20000001"
    [line] = [line for line in run.stdout.splitlines() if how in line]
    assert "still running in BlazeMeter" in line and "--stop-on-fail" in line
    assert how in run.markdown and "still running in BlazeMeter" in run.markdown
    assert "/app/#/masters/20000001/summary" in run.markdown


def test_stop_on_timeout_terminates_below_100(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, {"1": {"steps": [{"status": "BOOT_STARTING"}]}})
    report_dir = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, report_dir, "--timeout", "0.5", "--stop-on-timeout"), report_dir
        )
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    assert run.code == 3
    assert posts == ["/api/v4/masters/1/terminate"]


def test_stop_command(tmp_path: Path) -> None:
    with simulator("hang") as sim:
        for _ in range(3):  # walk the master to DATA_RECEIVED
            run_gate(wait_args(sim, tmp_path / "r", "--timeout", "0.05"), tmp_path / "r")
        run = run_gate(["stop", sim.masters[0], "--api-url", sim.url], tmp_path / "r")
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    assert run.code == 0, run.stderr
    assert "sent stop at progress 100" in run.stdout
    assert posts == ["/api/v4/masters/30000001/stop"]
