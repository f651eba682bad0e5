"""A recognisable secret, every verdict path, and a grep of everything the gate leaves."""

from __future__ import annotations

import base64
import signal
from pathlib import Path

import pytest

from tests.support.helpers import (
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


def _assert_no_secret(texts: list[str]) -> None:
    assert texts and any(texts)
    for text in texts:
        for forbidden in FORBIDDEN:
            assert forbidden not in text


@pytest.mark.parametrize(
    ("scenario", "extra"),
    [
        ("seed", []),
        ("error", []),
        ("hang", ["--timeout", "0.3", "--stop-on-timeout"]),
        ("unauthorized", []),
        ("flaky", []),
        ("multi", ["--fail-fast", "--stop-on-fail"]),
    ],
)
def test_no_verdict_path_leaks_the_secret(tmp_path: Path, scenario: str, extra: list[str]) -> None:
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "report", *extra), tmp_path / "report", env=_ci_env(tmp_path)
        )
        stop = run_gate(
            ["stop", sim.masters[0], "--api-url", sim.url], tmp_path, env=_ci_env(tmp_path)
        )
    _assert_no_secret([run.stdout, run.stderr, stop.stdout, stop.stderr, *_everything_in(tmp_path)])


def test_a_refused_connection_leaks_no_secret(tmp_path: Path) -> None:
    run = run_gate(
        [
            "wait",
            "1",
            "--api-url",
            "http://127.0.0.1:9/api/v4",
            "--report-dir",
            str(tmp_path / "r"),
        ],
        tmp_path,
        env=_ci_env(tmp_path, CI_GATE_RETRY_MAX_TIME="1"),
    )
    assert run.code == 4
    _assert_no_secret([run.stdout, run.stderr, *_everything_in(tmp_path)])


def test_garbage_answers_leak_no_secret(tmp_path: Path) -> None:
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
        run = run_gate(wait_args(sim, tmp_path / "r"), tmp_path / "r", env=_ci_env(tmp_path))
    _assert_no_secret([run.stdout, run.stderr, *_everything_in(tmp_path)])


def test_cancel_leaks_no_secret(tmp_path: Path) -> None:
    with simulator("hang") as sim:
        process = start_gate_until(
            wait_args(sim, tmp_path / "report", "--stop-on-cancel"),
            "DATA_RECEIVED",
            _ci_env(tmp_path),
        )
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 143
    _assert_no_secret([out, err, *_everything_in(tmp_path)])


GITHUB_TOKEN = "ghs_e2eTokenCanary4711"
GITLAB_TOKEN = "glpat-e2eTokenCanary0815"


@pytest.mark.parametrize("comment", [False, True], ids=["without --comment", "with --comment"])
def test_ci_tokens_echoed_in_an_event_are_secrets_from_the_start(
    tmp_path: Path, comment: bool
) -> None:
    """Issue 29 item 4: BlazeMeter echoing the CI tokens in an event message reaches
    neither the live line, the `::error` annotation, the step summary, the reports nor the
    posted comment, `--comment` or not."""
    from tests.support.fake_platforms import fake_platform

    (tmp_path / "scenario").mkdir()
    echo = write_scenario(
        tmp_path / "scenario",
        {
            "1": {
                "steps": [
                    {
                        "status": "DATA_RECEIVED",
                        "events": [
                            {"level": "ERROR", "message": f"env GITHUB_TOKEN={GITHUB_TOKEN}"},
                            {"level": "ERROR", "message": f"env GITLAB={GITLAB_TOKEN} done"},
                        ],
                    },
                    {"status": "ENDED"},
                ]
            }
        },
    )
    event_file = tmp_path / "event.json"
    event_file.write_text('{"pull_request": {"number": 12}}')
    report = tmp_path / "report"
    with fake_platform("github", GITHUB_TOKEN) as github, simulator(echo) as sim:
        env = _ci_env(
            tmp_path,
            GITHUB_EVENT_NAME="pull_request",
            GITHUB_EVENT_PATH=str(event_file),
            GITHUB_API_URL=github.url,
            GITHUB_REPOSITORY="acme/shop",
            GITHUB_TOKEN=GITHUB_TOKEN,
            CI_GATE_GITLAB_TOKEN=GITLAB_TOKEN,
        )
        extra = ["--comment"] if comment else []
        run = run_gate(wait_args(sim, report, *extra), report, env=env)
        bodies = [item["body"] for item in github.comments(12)]
    assert run.code == 1, run.stderr
    assert "::error title=" in run.stdout and "[redacted]" in run.stdout
    assert (tmp_path / "gh-summary").read_text().count("[redacted]") >= 2
    assert len(bodies) == (1 if comment else 0)
    written = [
        path.read_text(errors="replace")
        for path in tmp_path.rglob("*")
        if path.is_file() and path.parent.name != "scenario"
    ]
    for text in [run.stdout, run.stderr, *bodies, *written]:
        assert GITHUB_TOKEN not in text and GITLAB_TOKEN not in text
