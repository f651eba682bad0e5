"""A file the gate is pointed at that is a FIFO (issue 29 item 2): the real `ci-gate` says
so in one line instead of blocking for ever on its open."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.helpers import assert_no_traceback, gate_env, run_gate, simulator, wait_args


def test_an_api_key_file_that_is_a_fifo_is_exit_2_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "key"
    os.mkfifo(fifo)
    report = tmp_path / "r"
    run = run_gate(
        ["wait", "1", "--api-key-file", str(fifo), "--report-dir", str(report)],
        report,
        timeout=30,
    )
    assert run.code == 2, run.stdout + run.stderr
    assert run.seconds < 5 + 10  # at once; 10 s: the interpreter's start-up under CI's load
    assert run.stderr.strip().splitlines() == [
        f"ci-gate: --api-key-file {str(fifo)!r}: cannot read it (not a regular file)"
    ]


def test_an_event_file_that_is_a_fifo_leaves_the_verdict_and_skips_the_comment(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "event.json"
    os.mkfifo(fifo)
    report = tmp_path / "r"
    env = gate_env(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(fifo),
        GITHUB_REPOSITORY="acme/shop",
        GITHUB_TOKEN="ghs_fifo-TOKEN",
        GITHUB_OUTPUT=str(tmp_path / "out"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
    )
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report, "--comment"), report, env=env, timeout=30)
    assert run.code == 0, run.stdout + run.stderr
    assert run.summary["comment"]["status"] == "skipped"
    assert run.summary["comment"]["reason"] == "the event file names no pull request"
    assert_no_traceback(run.stdout, run.stderr)
