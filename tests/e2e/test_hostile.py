"""Issue 10 through the real `ci-gate` process: a hostile server, mistyped secrets, a
closed stdout, a wrong API URL and a key file from a Windows editor."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import (
    KEY_ID,
    SECRET,
    assert_no_traceback,
    gate_command,
    gate_env,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

BASIC = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
HOSTILE_STATUS = "RUN\x1b[2J\x1b]8;;https://evil.test\x07NING\u202e::error title=FORGED::x"
HOSTILE_MESSAGES = [
    "##[stop-commands]endtoken",
    "\n::error title=FORGED::forged annotation",
    f"echo of the header: Authorization: Basic {BASIC} and {SECRET}",
    "\x1b]8;;https://evil.test\x07click\x1b]8;;\x07 \x1b[31mred\x1b[0m \u202egnp.exe",
    "https://evil.test/x and mail@evil.test <img src=x onerror=alert(1)>",
]
OWN_COMMAND = re.compile(r"::(group|endgroup|error title=[^:]*|warning title=[^:]*)::")
FORBIDDEN = re.compile("[\x1b\u202a-\u202e\u2066-\u2069]|##\\[")


def _hostile_scenario(folder: Path) -> Path:
    events = [{"level": "ERROR", "message": message} for message in HOSTILE_MESSAGES]
    return write_scenario(
        folder,
        {
            "10000001": {
                "steps": [{"status": "DATA_RECEIVED", "events": events}, {"status": "ENDED"}]
            },
            "10000002": {"steps": [{"status": HOSTILE_STATUS, "events": events}]},
        },
    )


def test_a_hostile_server_reaches_no_output_as_a_command_an_escape_or_the_secret(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report"
    env = gate_env(
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=str(tmp_path / "gh-output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "gh-summary"),
    )
    with simulator(_hostile_scenario(tmp_path)) as sim:
        run = run_gate(
            wait_args(sim, report, "--timeout", "2", "--stop-on-timeout"), report, env=env
        )
    assert run.code == 3, run.stderr  # master 10000002 timed out with the hostile status
    outputs = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        **{name: (tmp_path / name).read_text() for name in ("gh-output", "gh-summary")},
        **{name: (report / name).read_text() for name in ("junit.xml", "summary.md")},
    }
    for name, content in outputs.items():
        assert SECRET not in content and BASIC not in content, name
        for line in content.splitlines():
            assert not FORBIDDEN.search(line), (name, line)
            if line.lstrip().startswith("::"):
                own = OWN_COMMAND.match(line.lstrip())
                # GitHub's runner splits a command at the first "::" after its start:
                # ours ends there (its properties escape ":"); what follows is only data
                assert own and "::" not in line.lstrip()[2 : own.end() - 2], (name, line)
    summary = (report / "summary.json").read_text()
    assert SECRET not in summary and BASIC not in summary and "[redacted]" in summary
    assert "timed out" in run.stderr and "RUNNING" in run.stderr  # the status, made inert


@pytest.mark.parametrize(
    "mistake",
    [
        ["--api-key-secret", "S3CR3T-typed"],
        ["--api-key-secret=S3CR3T-typed"],
        ["--api-key", "S3CR3T-typed"],
        ["S3CR3T-typed-as-an-option-value", "--api-key-fil", "x"],
    ],
)
def test_a_secret_typed_on_the_command_line_is_never_echoed(
    tmp_path: Path, mistake: list[str]
) -> None:
    run = run_gate(["wait", "1", *mistake], tmp_path / "r")
    assert run.code == 2
    assert "S3CR3T" not in run.stdout + run.stderr
    assert "unrecognized arguments: " in run.stderr


def test_a_closed_stdout_never_aborts_the_wait(tmp_path: Path) -> None:
    """`ci-gate wait ... | head -1`: the wait goes on, reports and the stop are not lost."""
    report = tmp_path / "report"
    with simulator("hang") as sim:
        command = " ".join(
            f"'{part}'"
            for part in [
                *gate_command(),
                *wait_args(sim, report, "--timeout", "1.5", "--stop-on-timeout"),
            ]
        )
        done = subprocess.run(
            ["bash", "-c", f'{command} | head -1; echo "gate=${{PIPESTATUS[0]}}" >&2'],
            capture_output=True,
            text=True,
            env=gate_env(),
            timeout=60,
            check=False,
        )
        calls = sim.calls()
    assert "gate=3" in done.stderr, done.stderr
    assert_no_traceback(done.stdout, done.stderr)
    assert "BrokenPipe" not in done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert (report / "summary.json").exists() and (report / "junit.xml").exists()
    assert any(call["path"].endswith(("/terminate", "/stop")) for call in calls), calls


def test_an_api_url_without_api_v4_says_to_check_it(tmp_path: Path) -> None:
    with simulator("seed") as sim:
        base = sim.url.rsplit("/api/v4", 1)[0]
        run = run_gate([*wait_args(sim, tmp_path / "r"), "--api-url", base], tmp_path / "r")
    assert run.code == 4
    assert f"check --api-url: {base} does not end in /api/v4" in run.stderr


def test_a_key_file_with_a_bom_and_crlf_works(tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_bytes(b"\xef\xbb\xbf" + f"{KEY_ID}:{SECRET}\r\n".encode())
    env = gate_env()
    del env["BLAZEMETER_API_KEY_ID"], env["BLAZEMETER_API_KEY_SECRET"]
    with simulator("seed") as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "r", "--api-key-file", str(key_file)), tmp_path / "r", env=env
        )
    assert run.code == 0, run.stderr
