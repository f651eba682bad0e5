"""`run` and `start` say what may have happened, and leave one report set (issue 29 item 6,
issue 32 items 4 and 5): the real `ci-gate` against the simulator on loopback."""

from __future__ import annotations

import json
import signal
import socket
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
    read_all_noting_first_output,
    read_until,
    run_args,
    run_gate,
    simulator,
    start_gate_until,
    write_scenario,
)

TEST_ID = "8300001"
MASTER = "83000001"
TEMPLATE = {
    "steps": [
        {"status": "BOOT_STARTING"},
        {"status": "DATA_RECEIVED", "polls": 3},
        {"status": "ENDED"},
    ]
}
#: a master that runs for a long while (polled every 0.1 s): the wait is still going
LONG = {"steps": [{"status": "BOOT_STARTING"}, {"status": "DATA_RECEIVED", "polls": 10_000}]}


def _scenario(folder: Path, template: dict[str, Any] | None = None, **test: Any) -> Path:
    return write_scenario(
        folder, {MASTER: template or TEMPLATE}, tests={TEST_ID: {"master": MASTER, **test}}
    )


def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def _started_masters(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["path"].endswith(f"/tests/{TEST_ID}/start")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- after any answer, a run may have started ------------------------------------------------

ID_AND_ERROR = {
    "http_status": 202,
    "body": {
        "api_version": 4,
        "error": {"code": 404, "message": "Test not found"},
        "result": {"id": 90000001},
    },
}
TOO_LARGE = {"http_status": 202, "stream_bytes": 3 * 1024 * 1024}


@pytest.mark.parametrize(
    "fault", [ID_AND_ERROR, TOO_LARGE], ids=["an id and an error", "too large"]
)
@pytest.mark.parametrize("command", ["run", "start"])
def test_an_answer_that_cannot_be_read_says_a_run_may_have_started(
    tmp_path: Path, fault: dict[str, Any], command: str
) -> None:
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path, start_faults=[{"fault": fault}])) as sim:
        args = (
            run_args(TEST_ID, sim.url, report)
            if command == "run"
            else ["start", TEST_ID, "--api-url", sim.url]
        )
        run = run_gate(args, report, env=gate_env(CI_GATE_MAX_ANSWER_MB="1"))
        starts = _started_masters(sim.calls())
    assert run.code == 4, run.stdout + run.stderr
    said = run.stdout + run.stderr
    assert "no run was started" not in said
    assert f"a run of test {TEST_ID} may have started" in said
    assert f"check test {TEST_ID} in BlazeMeter" in said
    assert len(starts) == 1  # never a second start
    assert_no_traceback(run.stdout, run.stderr)
    if command == "run":
        summary = json.loads((report / "summary.json").read_text())
        assert f"a run of test {TEST_ID} may have started" in summary["reason"]


def test_a_refusal_that_never_reached_blazemeter_says_no_run_was_started(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v4"
    report = tmp_path / "r"
    run = run_gate(
        [*run_args(TEST_ID, url, report), "--timeout", "1"],
        report,
        env=gate_env(CI_GATE_RETRY_MAX_TIME="1"),
    )
    assert run.code in (3, 4), run.stdout + run.stderr
    summary = json.loads((report / "summary.json").read_text())
    assert "no run was started" in summary["reason"]
    assert "may have started" not in summary["reason"]


# -- start and stop are bounded by --timeout ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "limit"),
    [(["start", TEST_ID, "--timeout", "1"], 1), (["stop", MASTER, "--timeout", "1"], 1)],
)
def test_start_and_stop_end_by_their_timeout_against_a_dead_host(
    tmp_path: Path, argv: list[str], limit: float
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v4"
    started = time.monotonic()
    gate = _run_in_background([*argv, "--api-url", url])
    first, out, err = read_all_noting_first_output(gate, 60)
    ended = time.monotonic()
    assert gate.returncode in (3, 4), out + err
    # from its first line (the first refusal: it is up) to its exit, its --timeout and a
    # few seconds; from the process's start, the interpreter's start-up under load more
    assert first is not None and ended - first < limit + 4, (first, ended)
    assert ended - started < limit + 4 + START_UP_UNDER_LOAD, ended - started
    lines = err.strip().splitlines()
    assert lines[-1].startswith("ci-gate: "), err
    assert_no_traceback(out, err)
    if argv[0] == "start":
        assert out == ""
        assert "no run was started" in lines[-1]


def test_stop_on_a_dead_host_is_interruptible(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v4"
    gate = start_gate_until(["stop", MASTER, "--api-url", url, "--timeout", "60"], "API trouble")
    sent = time.monotonic()
    gate.send_signal(signal.SIGTERM)
    out, err = gate.communicate(timeout=10)
    assert gate.returncode == 143, out + err
    assert time.monotonic() - sent < 2


# -- run stops what it started when cancelled, by default ---------------------------------------


def test_run_stops_the_master_it_started_on_cancel_by_default(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path, LONG)) as sim:
        gate = start_gate_until(run_args(TEST_ID, sim.url, report, "--no-note"), "DATA_RECEIVED")
        gate.send_signal(signal.SIGTERM)
        out, err = gate.communicate(timeout=20)
        calls = sim.calls()
    assert gate.returncode == 143, out + err
    summary = json.loads((report / "summary.json").read_text())
    master_id = summary["masters"][0]["id"]
    stops = [c["path"] for c in calls if c["path"].endswith(("/stop", "/terminate"))]
    assert stops == [f"/api/v4/masters/{master_id}/stop"]


def test_run_leaves_it_running_with_no_stop_on_cancel(tmp_path: Path) -> None:
    """Also GitLab's side of the one report set: the previous job's set is gone, all but
    the new master's gate.env, before the wait starts (GitHub's side: below)."""
    report = tmp_path / "r"
    _previous_set(report)
    with simulator(_scenario(tmp_path, LONG)) as sim:
        gate = subprocess.Popen(
            [
                *gate_command(),
                *run_args(TEST_ID, sim.url, report, "--no-note", "--no-stop-on-cancel"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=gate_env(GITLAB_CI="true"),
        )
        try:
            printed = read_until(gate, "waiting for master")
            left = sorted(p.name for p in report.iterdir() if not p.name.startswith("."))
            gate_env_text = (report / "gate.env").read_text()
            if "DATA_RECEIVED" not in printed:
                read_until(gate, "DATA_RECEIVED")
        finally:
            gate.send_signal(signal.SIGTERM)
            out, err = gate.communicate(timeout=20)
        calls = sim.calls()
    assert gate.returncode == 143, out + err
    assert not [c for c in calls if c["path"].endswith(("/stop", "/terminate"))]
    assert left == ["gate.env"]
    assert gate_env_text.startswith("CI_GATE_MASTER_ID=9") and "999\n" not in gate_env_text


# -- a signal while the start request is in flight ------------------------------------------


def _run_in_background(args: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*gate_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=gate_env(**env),
    )


def test_a_signal_during_the_start_waits_for_the_answer_and_stops_what_came_back(
    tmp_path: Path,
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": {"delay": 2}}])
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        gate = _run_in_background(run_args(TEST_ID, sim.url, report, "--no-note"))
        _until(lambda: bool(_started_masters(sim.calls())))
        sent = time.monotonic()
        gate.send_signal(signal.SIGTERM)
        out, err = gate.communicate(timeout=20)
        took = time.monotonic() - sent
        calls = sim.calls()
    assert gate.returncode == 143, out + err
    assert took < 4 + 1, took
    stops = [c["path"] for c in calls if c["path"].endswith(("/stop", "/terminate"))]
    summary = json.loads((report / "summary.json").read_text())
    assert_valid_junit((report / "junit.xml").read_bytes())
    [master] = summary["masters"]
    assert stops == [f"/api/v4/masters/{master['id']}/terminate"]
    assert master["stop_action"] == "terminate"
    assert summary["verdict"] == "cancelled"
    assert_no_traceback(out, err)


def test_a_signal_during_a_start_that_does_not_answer_in_time_says_check_it(
    tmp_path: Path,
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": {"delay": 8}}])
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        gate = _run_in_background(run_args(TEST_ID, sim.url, report, "--no-note"))
        _until(lambda: bool(_started_masters(sim.calls())))
        sent = time.monotonic()
        gate.send_signal(signal.SIGTERM)
        out, err = gate.communicate(timeout=20)
        took = time.monotonic() - sent
        calls = sim.calls()
    assert gate.returncode == 143, out + err
    assert took < 4 + 1, took
    assert not [c for c in calls if c["path"].endswith(("/stop", "/terminate"))]
    summary = json.loads((report / "summary.json").read_text())
    assert summary["verdict"] == "cancelled" and summary["masters"] == []
    assert f"a run of test {TEST_ID} may have started" in summary["reason"]
    assert f"check test {TEST_ID} in BlazeMeter" in summary["reason"]


# -- one report set -----------------------------------------------------------------------------


def _previous_set(report: Path) -> None:
    report.mkdir(parents=True)
    old = {"verdict": "passed", "exit_code": 0, "masters": [{"id": "999"}]}
    (report / "summary.json").write_text(json.dumps(old))
    for name in ("junit.xml", "summary.md", "report.html", "metrics.txt"):
        (report / name).write_text("from the previous job (master 999)")
    (report / "gate.env").write_text("CI_GATE_MASTER_ID=999\nCI_GATE_VERDICT=passed\n")


def test_run_removes_the_previous_set_before_announcing_the_new_master(tmp_path: Path) -> None:
    """On GitHub nothing of the previous set is left (GitLab keeps the new gate.env:
    test_run_leaves_it_running_with_no_stop_on_cancel)."""
    report = tmp_path / "r"
    _previous_set(report)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out")}
    with simulator(_scenario(tmp_path, LONG)) as sim:
        gate = start_gate_until(
            run_args(TEST_ID, sim.url, report, "--no-note", "--no-stop-on-cancel"),
            "waiting for master",
            env=gate_env(**env),
        )
        try:
            left = sorted(p.name for p in report.iterdir() if not p.name.startswith("."))
        finally:
            gate.send_signal(signal.SIGTERM)
            gate.communicate(timeout=20)
    assert left == []


@pytest.mark.parametrize(
    ("command", "name"), [("wait", "junit.xml"), ("run", "summary.json"), ("run", "metrics.txt")]
)
def test_a_folder_under_a_report_name_is_exit_2_before_the_first_request(
    tmp_path: Path, name: str, command: str
) -> None:
    report = tmp_path / "r"
    (report / name).mkdir(parents=True)
    with simulator(_scenario(tmp_path)) as sim:
        first = ["wait", MASTER] if command == "wait" else ["run", TEST_ID]
        run = run_gate([*first, "--api-url", sim.url, "--report-dir", str(report)], report)
        calls = sim.calls()
    assert run.code == 2, run.stdout + run.stderr
    [line] = run.stderr.strip().splitlines()
    assert str(report / name) in line and "folder" in line, line
    assert calls == []


def test_a_signal_during_start_alone_ends_it_at_once_saying_a_run_may_have_started(
    tmp_path: Path,
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": {"never_answer": True}}])
    with simulator(scenario) as sim:
        gate = _run_in_background(["start", TEST_ID, "--api-url", sim.url])
        _until(lambda: bool(_started_masters(sim.calls())))
        sent = time.monotonic()
        gate.send_signal(signal.SIGINT)
        out, err = gate.communicate(timeout=10)
        took = time.monotonic() - sent
    assert gate.returncode == 130, out + err
    assert took < 2, took
    assert out == ""  # no master id came back: nothing for $(...) to capture
    assert f"a run of test {TEST_ID} may have started" in err
    assert err.strip().splitlines()[-1] == "ci-gate: cancelled by SIGINT"
    assert_no_traceback(out, err)
