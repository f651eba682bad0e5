"""Deadlines, retries and cancellation: the real `ci-gate` against hostile loopback servers.

Each test also adds a row to the fault matrix printed at the end of the test log.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import (
    CORE_REPORTS,
    FAULT_MATRIX,
    START_UP_UNDER_LOAD,
    STATE_END,
    STATE_START,
    assert_no_traceback,
    assert_valid_junit,
    core_reports,
    gate_command,
    gate_env,
    parse_github_outputs,
    read_until,
    simulator,
    start_gate_until,
    wait_args,
    wait_for_calls,
    write_scenario,
)
from tests.support.peak_rss import run_with_peak_rss
from tests.support.shell import ROOT, action_scripts

REPORTS = CORE_REPORTS


def read_summary(report_dir: Path) -> dict[str, Any]:
    path = report_dir / "summary.json"
    summary: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"verdict": "-"}
    return summary


def _reports_of(report_dir: Path) -> list[str]:
    return core_reports(report_dir) if report_dir.is_dir() else []


def _row(name: str, code: int, seconds: float, report_dir: Path | None, requests: int = -1) -> None:
    """A fault-matrix row; verdict and report state are read from what the gate left."""
    if report_dir is None:
        verdict, reports = "-", "-"
    else:
        verdict = read_summary(report_dir)["verdict"]
        reports = "valid" if _reports_of(report_dir) == REPORTS else "MISSING"
    FAULT_MATRIX.append((name, verdict, code, seconds, requests, reports))


def _run_with_rusage(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[int, float, float, str, str]:
    """Run the gate; (exit code, seconds, its own peak RSS in MiB, stdout, stderr)."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        code, seconds, peak = run_with_peak_rss(
            [*gate_command(), *args], timeout=timeout, stdout=out, stderr=err, env=env, cwd=cwd
        )
    return code, seconds, peak, out_path.read_text(), err_path.read_text()


#: Three ways a server holds a request open, one master each, all in one wait.
HOLDING_FAULTS = {
    "1": {"trickle": 1},  # 1 byte/s
    "2": {"silent": True},  # silent after the headers
    "3": {"never_answer": True},  # accepted, never answered
}


def test_a_hostile_server_cannot_carry_the_gate_past_its_deadline(tmp_path: Path) -> None:
    """Each master's status polls meet one of the faults, in one gate run: not one of them
    carries the gate past its deadline (each master is out of time), and the reports are
    written."""
    scenario = write_scenario(
        tmp_path,
        {
            master: {"steps": [STATE_START, {"fault": fault, "repeat": "forever"}]}
            for master, fault in HOLDING_FAULTS.items()
        },
    )
    report_dir = tmp_path / "report"
    with simulator(scenario) as sim:
        code, seconds, _, out, err = _run_with_rusage(
            wait_args(sim, report_dir, "--timeout", "8"), tmp_path, gate_env(), timeout=60
        )
        own = time.time() - sim.first_call_at()  # from its first request: it is up
    reports = _reports_of(report_dir)
    _row(
        "trickle 1 byte/s, silent after headers, never answered; --timeout 8",
        code,
        seconds,
        report_dir,
    )
    assert code == 3, out + err
    assert own < 8 + 4, own  # the deadline, the last look's grace and the reports
    # from the start of the peak-RSS wrapper: two interpreters' start-up on a loaded machine
    assert seconds < 8 + 4 + START_UP_UNDER_LOAD, seconds
    assert reports == REPORTS
    masters = read_summary(report_dir)["masters"]
    assert {(m["id"], m["verdict"]) for m in masters} == {(m, "timeout") for m in HOLDING_FAULTS}
    assert_valid_junit((report_dir / "junit.xml").read_bytes())
    assert_no_traceback(out, err)


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("2 GB streamed body", {"stream_bytes": 2 * 1024**3}),
        ("10 MB gzip that decodes to 10 GB", {"gzip_bomb_bytes": 10 * 1024**3}),
    ],
)
def test_a_huge_answer_is_an_api_error_not_a_memory_error(
    tmp_path: Path, name: str, fault: dict[str, Any]
) -> None:
    scenario = write_scenario(tmp_path, {"1": {"steps": [{"fault": fault, "repeat": "forever"}]}})
    report_dir = tmp_path / "report"
    with simulator(scenario) as sim:
        code, seconds, peak, out, err = _run_with_rusage(
            wait_args(sim, report_dir, "--timeout", "60"), tmp_path, gate_env(), timeout=90
        )
    reports = _reports_of(report_dir)
    print(f"{name}: exit {code} in {seconds:.1f}s, peak RSS {peak:.0f} MiB")
    _row(f"{name} (peak {peak:.0f} MiB)", code, seconds, report_dir)
    assert code == 4, out + err
    assert "larger than 64 MiB" in err
    assert peak < 200
    assert reports == REPORTS
    assert_no_traceback(out, err)


def test_the_peak_rss_measured_is_the_gates_own_not_the_test_workers(tmp_path: Path) -> None:
    """A worker grown to 300 MiB must not show up as the gate's peak (CI saw 277 MiB so)."""
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page
    code, _, peak, out, err = _run_with_rusage(["--version"], tmp_path, gate_env(), timeout=60)
    del ballast
    assert code == 0, out + err
    assert 5 < peak < 100


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_api_trouble_shorter_than_the_retry_budget_does_not_fail_the_gate(
    tmp_path: Path,
) -> None:
    """Refused until the gate says so, then 503s until it has met two of them (a back-off
    between), then healthy, within a 30 s budget: the run's own verdict, one line for the
    trouble and one for its end. Each phase ends on what the gate did, not on a clock.
    (The budget's logic, at 300 s, is checked on a fake clock in
    tests/unit/blazemeter/test_retry.py; this is the real process over real sockets.)"""
    port = _free_port()
    report_dir = tmp_path / "report"
    url = f"http://127.0.0.1:{port}/api/v4"
    env = gate_env(CI_GATE_RETRY_MAX_TIME="30")
    started = time.monotonic()
    process = subprocess.Popen(
        [
            *gate_command(),
            *("wait", "1", "--api-url", url, "--interval", "1"),
            *("--timeout", "600", "--report-dir", str(report_dir)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    refused = read_until(process, "connection refused")  # its first try found no server
    (tmp_path / "down").mkdir()
    (tmp_path / "up").mkdir()
    failing = write_scenario(
        tmp_path / "down", {"1": {"steps": [{"fault": {"http_status": 503}, "repeat": "forever"}]}}
    )
    with simulator(failing, "--port", str(port)) as sim:
        wait_for_calls(sim, 2, method="GET", path_part="/masters/1/status", seconds=25)
        failed_calls = len(sim.calls())
    healthy = write_scenario(tmp_path / "up", {"1": {"steps": [STATE_END]}})
    with simulator(healthy, "--port", str(port)) as sim:
        up_at = time.monotonic() - started
        rest, err = process.communicate(timeout=60)
        calls = sim.calls()
    out = refused + rest
    seconds = time.monotonic() - started
    print(f"API down for {up_at:.0f}s (then healthy); the gate ended after {seconds:.0f}s")
    _row("API down, then healthy", process.returncode, seconds, report_dir, len(calls))
    assert process.returncode == 0, out + err
    assert "API trouble: master 1: could not reach the API: connection refused" in refused
    assert failed_calls >= 2
    assert out.count("API trouble") == 1 and "API healthy again after" in out
    assert_no_traceback(out, err)


def test_trouble_longer_than_the_retry_budget_is_an_api_error(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    scenario = write_scenario(
        tmp_path, {"1": {"steps": [{"fault": {"http_status": 503}, "repeat": "forever"}]}}
    )
    with simulator(scenario) as sim:
        code, seconds, _, out, err = _run_with_rusage(
            wait_args(sim, report_dir, "--timeout", "600"),
            tmp_path,
            gate_env(CI_GATE_RETRY_MAX_TIME="8"),
            timeout=60,
        )
        own = time.time() - sim.first_call_at()  # the trouble began with its first request
    reports = _reports_of(report_dir)
    _row("503 longer than CI_GATE_RETRY_MAX_TIME=8", code, seconds, report_dir)
    assert code == 4, out + err
    assert 8 <= own < 20, own
    assert seconds < 20 + START_UP_UNDER_LOAD, seconds  # the wrapper's and the gate's start-up
    assert "still failing after" in err
    assert reports == REPORTS


def test_a_long_retry_after_inside_the_budget_is_waited_out(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    scenario = write_scenario(
        tmp_path,
        {
            "1": {
                "steps": [
                    {"fault": {"http_status": 429, "headers": {"Retry-After": "8"}}},
                    STATE_END,
                ]
            }
        },
    )
    with simulator(scenario) as sim:
        code, seconds, _, out, err = _run_with_rusage(
            wait_args(sim, report_dir, "--timeout", "600"),
            tmp_path,
            gate_env(CI_GATE_RETRY_MAX_TIME="12"),
            timeout=120,
        )
        own = time.time() - sim.first_call_at()  # the 429 answered its first request
    _row("429 Retry-After 8 within a 12 s budget", code, seconds, report_dir)
    assert code == 0, out + err
    assert 8 <= own < 13, own  # waited out, not the whole budget and more
    assert seconds < 13 + START_UP_UNDER_LOAD, seconds  # the wrapper's and the gate's start-up


def test_a_master_that_ends_just_before_the_deadline_is_judged(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    scenario = write_scenario(
        tmp_path,
        {
            "1": {
                "steps": [
                    {"status": "DATA_RECEIVED", "seconds": 4.5},
                    {"status": "ENDED", "events": [{"level": "ERROR", "message": "late error"}]},
                ]
            }
        },
    )
    with simulator(scenario) as sim:
        args = wait_args(sim, report_dir, "--timeout", "5")
        args[args.index("--interval") + 1] = "5"
        code, seconds, _, out, err = _run_with_rusage(args, tmp_path, gate_env(), timeout=60)
    _row("ends 0.5 s before the deadline", code, seconds, report_dir)
    assert code == 1, out + err
    assert "late error" in err


def _hang_with_stop(tmp_path: Path, stop_fault: dict[str, Any] | None) -> Path:
    master: dict[str, Any] = {"steps": [STATE_START]}
    if stop_fault is not None:
        master["stop_fault"] = stop_fault
    return write_scenario(tmp_path, {"1": master})


def test_sighup_is_a_cancel_with_exit_129_and_reports(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    with simulator(_hang_with_stop(tmp_path, None)) as sim:
        process = start_gate_until(
            wait_args(sim, report_dir, "--stop-on-cancel"), "DATA_RECEIVED", gate_env()
        )
        started = time.monotonic()
        process.send_signal(signal.SIGHUP)
        out, err = process.communicate(timeout=15)
        seconds = time.monotonic() - started
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    reports = _reports_of(report_dir)
    _row("SIGHUP", process.returncode, seconds, report_dir)
    assert process.returncode == 129, out + err
    assert read_summary(report_dir)["verdict"] == "cancelled"
    assert reports == REPORTS
    assert posts == ["/api/v4/masters/1/stop"]


def test_a_second_signal_exits_at_once_with_the_reports_written(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    with simulator(_hang_with_stop(tmp_path, {"never_answer": True})) as sim:
        process = start_gate_until(
            wait_args(sim, report_dir, "--stop-on-cancel"), "DATA_RECEIVED", gate_env()
        )
        process.send_signal(signal.SIGTERM)
        # the reports are written and the stop request is out (it never answers)
        wait_for_calls(sim, 1, method="POST", path_part="/masters/1/")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
        seconds = time.monotonic() - started
    _row("a second SIGTERM during the stop", process.returncode, seconds, report_dir)
    assert process.returncode == 143, out + err
    assert seconds < 1.5  # at once, not the rest of the 4 s stop budget
    assert _reports_of(report_dir) == REPORTS
    assert read_summary(report_dir)["verdict"] == "cancelled"
    assert "a second signal" in err


def _action_gate_script() -> str:
    scripts = action_scripts()
    gate = [script for script in scripts if "ci-gate" in script and "wait" in script]
    assert len(gate) == 1
    return gate[0]


@pytest.mark.parametrize(
    ("name", "stop_fault", "stop_arrives"),
    [
        ("action cancel, stop answers after 3 s", {"delay": 3}, True),
        ("action cancel, stop never answers", {"never_answer": True}, True),
    ],
)
def test_the_action_passes_the_runners_cancel_to_the_gate(
    tmp_path: Path, name: str, stop_fault: dict[str, Any], stop_arrives: bool
) -> None:
    """The runner's sequence on the step's shell: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s
    after that. Reports, the stop request and the outputs must all be done before SIGKILL."""
    runner_temp = tmp_path / "runner-temp"
    (runner_temp / "ci-gate-venv" / "bin").mkdir(parents=True)
    gate = gate_command()
    launcher = runner_temp / "ci-gate-venv" / "bin" / "ci-gate"
    launcher.write_text("#!/bin/sh\nexec " + " ".join(f"'{part}'" for part in gate) + ' "$@"\n')
    launcher.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(_action_gate_script())
    output_file = tmp_path / "github-output"
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with simulator(_hang_with_stop(tmp_path, stop_fault)) as sim:
        env = gate_env(
            GITHUB_ACTIONS="true",
            GITHUB_OUTPUT=str(output_file),
            GITHUB_ACTION_PATH=str(ROOT),
            RUNNER_TEMP=str(runner_temp),
            INPUT_MASTER_ID="1",
            CI_GATE_LEVEL="ERROR",
            CI_GATE_TIMEOUT="600",
            CI_GATE_INTERVAL="0.1",
            CI_GATE_REPORT_DIR="report",
            CI_GATE_FAIL_FAST="false",
            CI_GATE_IGNORE="",
            CI_GATE_STOP_ON_TIMEOUT="false",
            CI_GATE_STOP_ON_CANCEL="true",
            BLAZEMETER_API_URL=sim.url,
        )
        shell = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=workspace,
        )
        wait_for_calls(sim, 2, method="GET", path_part="/status")
        started = time.monotonic()
        shell.send_signal(signal.SIGINT)
        killed = False
        try:
            out, err = shell.communicate(timeout=7.5)
        except subprocess.TimeoutExpired:
            shell.send_signal(signal.SIGTERM)
            try:
                out, err = shell.communicate(timeout=2.5)
            except subprocess.TimeoutExpired:
                shell.kill()
                killed = True
                out, err = shell.communicate()
        seconds = time.monotonic() - started
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    report_dir = workspace / "report"
    outputs = parse_github_outputs(output_file.read_text()) if output_file.exists() else {}
    _row(name, shell.returncode, seconds, report_dir)
    assert not killed, out + err
    assert (posts == ["/api/v4/masters/1/stop"]) is stop_arrives
    assert _reports_of(report_dir) == REPORTS
    assert read_summary(report_dir)["verdict"] == "cancelled"
    assert_valid_junit((report_dir / "junit.xml").read_bytes())
    assert outputs["verdict"] == "cancelled" and outputs["exit-code"] == "130"
    assert shell.returncode == 130


@pytest.mark.parametrize("interrupt", [False, True])
def test_ci_gate_stop_is_bounded_and_interruptible(tmp_path: Path, interrupt: bool) -> None:
    with simulator(_hang_with_stop(tmp_path, {"never_answer": True})) as sim:
        # walk the master to DATA_RECEIVED first
        subprocess.run(
            [*gate_command(), *wait_args(sim, tmp_path / "r", "--timeout", "0.05")],
            env=gate_env(),
            capture_output=True,
            check=False,
        )
        walked = len(sim.calls())
        # interrupted, a --timeout far longer than the bound: only the signal can end it soon
        timeout = "20" if interrupt else "4"
        started = time.monotonic()
        process = subprocess.Popen(
            [*gate_command(), "stop", "1", "--api-url", sim.url, "--timeout", timeout],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=gate_env(),
        )
        signalled = None
        if interrupt:
            wait_for_calls(sim, 1, method="POST")  # it is up, its stop request out
            signalled = time.monotonic()
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        ended_at, seconds = time.time(), time.monotonic() - started
        after_signal = time.monotonic() - signalled if signalled else None
        # from its first request (it is up): the interpreter's start-up under load left out
        own = ended_at - min(call["at"] for call in sim.calls()[walked:])
    name = "ci-gate stop, stop never answers" + (", Ctrl-C" if interrupt else "")
    _row(name, process.returncode, seconds, None)
    assert_no_traceback(out, err)
    if interrupt:
        assert process.returncode == 130, out + err
        # at once (the contract): from the signal, not from a start that load can slow
        assert after_signal is not None and after_signal < 2, after_signal
    else:
        # its --timeout (60 s unless given), never a request past it
        assert process.returncode == 3, out + err
        assert own < 4 + 4, own
        assert seconds < 4 + 4 + START_UP_UNDER_LOAD, seconds
        assert "master 1" in err
