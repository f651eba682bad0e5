"""`ci-gate run` and `ci-gate start` (issue 12), real processes against the simulator:
exactly one start, the master id announced, the provenance note, the retry rule."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import (
    assert_no_traceback,
    gate_command,
    gate_env,
    read_until,
    run_args,
    run_gate,
    simulator,
    start_gate_until,
    write_scenario,
)

TEST_ID = "8100001"
TEMPLATE = {
    "steps": [
        {"status": "BOOT_STARTING"},
        {"status": "DATA_RECEIVED", "polls": 2},
        {"status": "ENDED"},
    ]
}


def _scenario(folder: Path, **test: Any) -> Path:
    return write_scenario(
        folder, {"81000001": TEMPLATE}, tests={TEST_ID: {"master": "81000001", **test}}
    )


def _state(url: str) -> dict[str, Any]:
    base = url.rsplit("/api/v4", 1)[0]
    with urllib.request.urlopen(f"{base}/_simulator/calls", timeout=5) as answer:
        state: dict[str, Any] = json.load(answer)
    return state


def _starts(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for call in state["calls"] if call["path"].endswith(f"/tests/{TEST_ID}/start")]


def _run_args(url: str, report_dir: Path, *extra: str) -> list[str]:
    return run_args(TEST_ID, url, report_dir, *extra)


def test_run_starts_one_master_notes_the_ci_job_and_exits_with_its_verdict(tmp_path: Path) -> None:
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.example.test",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_REF_NAME": "main",
        "GITHUB_OUTPUT": str(tmp_path / "gh-output"),
    }
    with simulator(_scenario(tmp_path)) as sim:
        run = run_gate(_run_args(sim.url, tmp_path / "r"), tmp_path / "r", env=gate_env(**github))
        state = _state(sim.url)
    assert run.code == 0, run.stderr
    assert len(_starts(state)) == 1
    [(master_id, note)] = state["notes"].items()
    assert "https://github.example.test/acme/shop/actions/runs/4242" in note
    assert "commit 0123456789abcdef" in note and "branch main" in note
    assert f"ci-gate: started test {TEST_ID}: master {master_id}" in run.stdout
    assert run.summary["masters"][0]["id"] == master_id
    outputs = (tmp_path / "gh-output").read_text()
    assert outputs.count(f"\n{master_id}\n") >= 2  # announced at once, then with the verdict


def test_start_prints_only_the_id_and_a_later_wait_judges_it(tmp_path: Path) -> None:
    gate = " ".join(gate_command())
    with simulator(_scenario(tmp_path)) as sim:
        script = (
            f"MASTER_ID=$({gate} start {TEST_ID} --api-url {sim.url}) || exit 9\n"
            'echo "captured=[$MASTER_ID]"\n'
            f'{gate} wait "$MASTER_ID" --api-url {sim.url} --interval 0.1 '
            f"--report-dir {tmp_path / 'r'}\n"
        )
        done = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            env=gate_env(),
            timeout=60,
            check=False,
        )
        state = _state(sim.url)
    assert done.returncode == 0, done.stdout + done.stderr
    [(master_id, _)] = [(k, v) for k, v in state["public_tokens"].items() if k != "81000001"]
    assert f"captured=[{master_id}]" in done.stdout
    assert "started test" in done.stderr  # the log line goes to stderr, not into $(...)
    assert len(_starts(state)) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_connection_is_retried_and_starts_one_master(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v4"
    gate = subprocess.Popen(
        [*gate_command(), *_run_args(url, tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=gate_env(),
    )
    # the first try finds nothing listening: the gate says so, then retries
    refused = read_until(gate, "connection refused")
    with simulator(_scenario(tmp_path), "--port", str(port)) as sim:
        rest, err = gate.communicate(timeout=60)
        state = _state(sim.url)
    out = refused + rest
    assert gate.returncode == 0, out + err
    assert "API trouble" in refused and out.count("API trouble") == 1
    assert len(_starts(state)) == 1


@pytest.mark.parametrize(
    ("fault", "env", "code", "starts", "words"),
    [
        ({"http_status": 429, "headers": {"Retry-After": "1"}}, {}, 0, 2, "rate-limited"),
        (
            {"delay": 3},
            {"CI_GATE_HTTP_TIMEOUT": "1"},
            4,
            1,
            "a run of test 8100001 may have started",
        ),
        ({"http_status": 502}, {}, 4, 1, "a run of test 8100001 may have started"),
        ({"cut": True}, {}, 4, 1, "a run of test 8100001 may have started"),
    ],
    ids=["429 then fine", "read timeout after sending", "502 after sending", "cut after sending"],
)
def test_the_retry_rule_for_starts(
    tmp_path: Path, fault: dict[str, Any], env: dict[str, str], code: int, starts: int, words: str
) -> None:
    scenario = _scenario(tmp_path, start_faults=[{"fault": fault}])
    with simulator(scenario) as sim:
        run = run_gate(_run_args(sim.url, tmp_path / "r"), tmp_path / "r", env=gate_env(**env))
        state = _state(sim.url)
    assert run.code == code, run.stdout + run.stderr
    assert words in run.stdout + run.stderr
    assert len(_starts(state)) == starts  # never a second start once one was sent
    assert_no_traceback(run.stdout, run.stderr)
    if code == 4:
        assert len(run.stderr.strip().splitlines()) == 1
        assert f"check test {TEST_ID} in BlazeMeter" in run.stderr


def test_an_unknown_test_is_exit_4_at_once(tmp_path: Path) -> None:
    with simulator(_scenario(tmp_path)) as sim:
        run = run_gate(["start", "999", "--api-url", sim.url], tmp_path)
        state = _state(sim.url)
    assert run.code == 4
    assert run.stderr.strip() == (
        "ci-gate: test 999: test not found (HTTP 404: Test with id 999 not found); "
        "check the test id and --api-url"
    )
    assert run.stdout == ""
    assert len([c for c in state["calls"] if "/start" in c["path"]]) == 1


def test_sigterm_right_after_the_start_stops_what_run_started(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path)) as sim:
        gate = start_gate_until(
            _run_args(sim.url, report, "--stop-on-cancel", "--no-note"), "started test"
        )
        gate.send_signal(signal.SIGTERM)
        out, err = gate.communicate(timeout=20)
        state = _state(sim.url)
    assert gate.returncode == 143, out + err
    stops = [c["path"] for c in state["calls"] if c["path"].endswith(("/stop", "/terminate"))]
    master_id = json.loads((report / "summary.json").read_text())["masters"][0]["id"]
    assert stops == [f"/api/v4/masters/{master_id}/terminate"]
    summary = json.loads((report / "summary.json").read_text())
    assert summary["verdict"] == "cancelled"
    assert summary["masters"][0]["stop_action"] == "terminate"
    assert state["notes"] == {}  # --no-note
    # the report link is kept whatever the verdict: built from the API URL and the id
    link = f"/app/#/masters/{master_id}/summary"
    assert summary["masters"][0]["report_url"].endswith(link)
    assert f"master {master_id} report: " in out and link in out


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_signal_while_the_start_cannot_reach_blazemeter_says_no_run_was_started(
    tmp_path: Path, command: str
) -> None:
    """SIGTERM while every try of the start was refused (nothing listening, as with a name
    that does not resolve): the request cannot have reached BlazeMeter, so no run was
    started, and no later try is sent (outside review of the stop paths, item 3)."""
    url = f"http://127.0.0.1:{_free_port()}/api/v4"
    args = (
        _run_args(url, tmp_path / "r") if command == "run" else ["start", TEST_ID, "--api-url", url]
    )
    gate = subprocess.Popen(
        [*gate_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=gate_env(),
    )
    stream = "connection refused"
    if command == "run":
        said = read_until(gate, stream)
    else:  # start says everything on stderr: wait for its trouble line there
        assert gate.stderr is not None
        said = ""
        while stream not in said:
            line = gate.stderr.readline()
            assert line, said
            said += line
    gate.send_signal(signal.SIGTERM)
    out, err = gate.communicate(timeout=15)
    said += out + err
    assert gate.returncode == 143, said
    assert "no run was started" in said, said
    assert "may have started" not in said, said
    if command == "run":
        summary = json.loads((tmp_path / "r" / "summary.json").read_text())
        assert "no run was started" in summary["reason"]
