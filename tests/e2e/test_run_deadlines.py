"""`ci-gate run` keeps `--timeout` and answers signals while it starts the test, and every
output path is proved before the first request (issue 19): real processes against
the simulator on loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import (
    START_UP_UNDER_LOAD,
    assert_no_traceback,
    assert_valid_junit,
    gate_command,
    gate_env,
    run_args,
    run_gate,
    simulator,
    write_scenario,
)

TEST_ID = "8200001"
MASTER = "82000001"
TEMPLATE = {"steps": [{"status": "BOOT_STARTING"}, {"status": "ENDED"}]}


def _scenario(folder: Path, **test: Any) -> Path:
    return write_scenario(folder, {MASTER: TEMPLATE}, tests={TEST_ID: {"master": MASTER, **test}})


def _run_args(url: str, report_dir: Path, *extra: str) -> list[str]:
    return run_args(TEST_ID, url, report_dir, *extra)


def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    """Poll `condition` (a look at the simulator's call log) until it holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def _summary(report_dir: Path) -> dict[str, Any]:
    assert_valid_junit((report_dir / "junit.xml").read_bytes())
    summary: dict[str, Any] = json.loads((report_dir / "summary.json").read_text())
    return summary


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"http_status": 429, "headers": {"Retry-After": "1"}}, "no run was started"),
        ({"never_answer": True}, "a run of test 8200001 may have started"),
    ],
    ids=["429 for ever", "a start that never answers"],
)
def test_a_start_that_never_succeeds_ends_by_the_deadline_with_reports(
    tmp_path: Path, fault: dict[str, Any], words: str
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": fault, "repeat": 1000}])
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            _run_args(sim.url, report, "--timeout", "3"),
            report,
            env=gate_env(CI_GATE_RETRY_MAX_TIME="600"),
        )
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 3, run.stdout + run.stderr
    assert own < 3 + 4, own
    assert run.seconds < 3 + 4 + START_UP_UNDER_LOAD, run.seconds  # the interpreter's start
    summary = _summary(report)
    assert summary["verdict"] == "timeout" and summary["masters"] == []
    assert summary["reason"].startswith("timed out after 3s: could not start test 8200001: ")
    assert words in summary["reason"]
    assert f"ci-gate: timeout: {summary['reason']}" in run.stderr
    assert_no_traceback(run.stdout, run.stderr)


def test_a_start_that_fails_still_writes_the_report_set(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path)) as sim:
        run = run_gate(["run", "999", "--api-url", sim.url, "--report-dir", str(report)], report)
    assert run.code == 4
    summary = _summary(report)
    assert summary["verdict"] == "error"
    assert summary["reason"] == (
        "could not start test 999: test 999: test not found (HTTP 404: Test with id 999 not "
        "found); check the test id and --api-url; no run was started"
    )
    assert "could not start test 999" in (report / "summary.md").read_text()


@pytest.mark.parametrize("body", [{"id": 0}, {"id": -5}, {"id": "12a"}, {"id": True}, {}])
def test_a_start_answer_without_a_positive_master_id_is_exit_4_saying_a_run_may_have_started(
    tmp_path: Path, body: dict[str, Any]
) -> None:
    fault = {"http_status": 202, "body": {"api_version": 4, "error": None, "result": body}}
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path, start_faults=[{"fault": fault}])) as sim:
        run = run_gate(_run_args(sim.url, report), report)
        starts = [c for c in sim.calls() if c["path"].endswith("/start")]
    assert run.code == 4, run.stdout + run.stderr
    assert "a run of test 8200001 may have started: check test 8200001 in BlazeMeter" in run.stderr
    assert len(starts) == 1
    assert _summary(report)["verdict"] == "error"


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_without_stop_on_cancel_a_signal_during_the_start_is_acted_on_within_2_seconds(
    tmp_path: Path, signum: int, code: int
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": {"never_answer": True}, "repeat": 1000}])
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        gate = subprocess.Popen(
            [
                *gate_command(),
                *_run_args(sim.url, report, "--timeout", "60", "--no-stop-on-cancel"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=gate_env(),
        )
        _until(lambda: any(c["path"].endswith("/start") for c in sim.calls()))
        sent = time.monotonic()
        gate.send_signal(signum)
        out, err = gate.communicate(timeout=10)
        took = time.monotonic() - sent
        calls = sim.calls()
    assert gate.returncode == code, out + err
    assert took < 2, took
    summary = _summary(report)
    assert summary["verdict"] == "cancelled"
    assert "while starting test 8200001" in summary["reason"]
    assert "a run of test 8200001 may have started" in summary["reason"]
    assert not [c for c in calls if c["path"].endswith(("/stop", "/terminate"))]


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("gate.env is a folder", "gate.env) cannot be written"),
        ("GITHUB_OUTPUT cannot be opened", "$GITHUB_OUTPUT"),
        ("the report dir is a file", "--report-dir"),
    ],
)
@pytest.mark.parametrize("command", ["wait", "run"])
def test_every_output_path_is_proved_before_the_first_request(
    tmp_path: Path, setup: str, words: str, command: str
) -> None:
    report = tmp_path / "r"
    env = gate_env()
    if setup == "gate.env is a folder":
        (report / "gate.env").mkdir(parents=True)
        env["GITLAB_CI"] = "true"
    elif setup == "GITHUB_OUTPUT cannot be opened":
        env.update(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(tmp_path / "no" / "such" / "file"))
    else:
        report.write_text("not a folder")
    with simulator(_scenario(tmp_path)) as sim:
        first = [command, MASTER] if command == "wait" else ["run", TEST_ID]
        run = run_gate([*first, "--api-url", sim.url, "--report-dir", str(report)], report, env=env)
        calls = sim.calls()
    assert run.code == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert words in lines[0], run.stderr
    # the exit code cannot reach a $GITHUB_OUTPUT that cannot be opened: said once more
    assert lines[1:] == (
        ["ci-gate: could not write the GitHub output: No such file or directory"]
        if "GITHUB_OUTPUT" in setup
        else []
    )
    assert calls == []


@pytest.mark.slow
def test_answers_that_never_parse_end_as_an_api_error_not_a_timeout(tmp_path: Path) -> None:
    html = {"fault": {"body": "<html><body>Maintenance</body></html>"}, "repeat": 10_000}
    scenario = write_scenario(tmp_path, {MASTER: {"steps": [html, {"status": "ENDED"}]}})
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            ["wait", MASTER, "--api-url", sim.url, "--interval", "0.1", "--timeout", "3"],
            report,
            env=gate_env(CI_GATE_REPORT_DIR=str(report)),
        )
    assert run.code == 4, run.stdout + run.stderr
    summary = _summary(report)
    assert summary["verdict"] == "error"
    assert summary["reason"].startswith(f"master {MASTER}: the API never answered usably: ")
    assert "not BlazeMeter's JSON envelope" in summary["reason"]
