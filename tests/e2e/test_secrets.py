"""A recognisable secret, every verdict path, and a grep of everything the gate leaves."""

from __future__ import annotations

import base64
import signal
from pathlib import Path

from tests.helpers import (
    KEY_ID,
    SECRET,
    gate_env,
    run_gate,
    simulator,
    start_gate_until,
    wait_args,
    write_scenario,
)

BASIC = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
FORBIDDEN = (SECRET, BASIC, SECRET[:8], SECRET[-8:])


def _ci_env(folder: Path, **extra: str) -> dict[str, str]:
    values = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
        "CI_GATE_RETRY_MAX_TIME": "5",
    }
    return gate_env(**{**values, **extra})


def _everything_in(folder: Path) -> list[str]:
    return [path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file()]


def test_no_path_leaks_the_secret(tmp_path: Path) -> None:
    texts: list[str] = []
    paths = [
        ("seed", []),
        ("error", []),
        ("hang", ["--timeout", "0.3", "--stop-on-timeout"]),
        ("unauthorized", []),
        ("flaky", []),
        ("multi", ["--fail-fast", "--stop-on-fail"]),
    ]
    for scenario, extra in paths:
        folder = tmp_path / scenario
        folder.mkdir()
        with simulator(scenario) as sim:
            run = run_gate(
                wait_args(sim, folder / "report", *extra), folder / "report", env=_ci_env(folder)
            )
            texts += [run.stdout, run.stderr]
            stop = run_gate(
                ["stop", sim.masters[0], "--api-url", sim.url], folder, env=_ci_env(folder)
            )
            texts += [stop.stdout, stop.stderr]
        texts += _everything_in(folder)

    # API error paths: refused connection, garbage answers, a 404
    folder = tmp_path / "refused"
    folder.mkdir()
    run = run_gate(
        [
            "wait",
            "1",
            "--api-url",
            "http://127.0.0.1:9/api/v4",
            "--report-dir",
            str(folder / "report"),
        ],
        folder,
        env=_ci_env(folder, CI_GATE_RETRY_MAX_TIME="1"),
    )
    assert run.code == 4
    texts += [run.stdout, run.stderr, *_everything_in(folder)]
    garbage = write_scenario(
        tmp_path,
        {
            "1": {
                "steps": [
                    {"fault": {"http_status": 500, "body": "<html>oops</html>"}, "repeat": 2},
                    {
                        "status": "ENDED",
                        "events": [{"level": "ERROR", "message": f"echo {KEY_ID}"}],
                    },
                ]
            }
        },
    )
    with simulator(garbage) as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "garbage"), tmp_path / "garbage", env=_ci_env(tmp_path)
        )
        texts += [run.stdout, run.stderr, *_everything_in(tmp_path / "garbage")]

    # the cancel path
    folder = tmp_path / "cancel"
    with simulator("hang") as sim:
        process = start_gate_until(
            wait_args(sim, folder / "report", "--stop-on-cancel"),
            "DATA_RECEIVED",
            _ci_env(tmp_path),
        )
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 143
        texts += [out, err, *_everything_in(folder)]

    assert len(texts) > 40
    for text in texts:
        for forbidden in FORBIDDEN:
            assert forbidden not in text
