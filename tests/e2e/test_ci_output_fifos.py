"""CI output files that are FIFOs (outside review of issue 29, F11): the real `ci-gate`
opens `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` without blocking, so a FIFO with no
reader is exit 2 naming it before the first poll (it blocked in `open()` past every
deadline, through two signals), and `/dev/stdout` still works as either."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.helpers import (
    START_UP_UNDER_LOAD,
    assert_no_traceback,
    gate_env,
    run_gate,
    simulator,
    wait_args,
)


@pytest.mark.parametrize("variable", ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"])
def test_a_fifo_with_no_reader_is_exit_2_naming_it_before_the_first_poll(
    tmp_path: Path, variable: str
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    report = tmp_path / "r"
    env = gate_env(GITHUB_ACTIONS="true", **{variable: str(fifo)})
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report, "--timeout", "60"), report, env=env, timeout=90)
        polled = [c for c in sim.calls() if "/status" in c["path"]]
    assert run.code == 2, run.stdout + run.stderr
    # at once, long before its deadline (a FIFO's open blocked past it); nothing is sent to
    # measure from, so a loaded machine's interpreter start-up is part of this bound
    assert run.seconds < 5 + START_UP_UNDER_LOAD, run.seconds
    assert polled == []
    lines = run.stderr.strip().splitlines()
    assert lines[0] == (
        f"ci-gate: ${variable} {str(fifo)!r} cannot be opened (a FIFO with no reader)"
    )
    # the exit code as a step output on the usage error's path cannot go there either
    assert lines[1:] == (
        ["ci-gate: could not write the GitHub output: a FIFO with no reader"]
        if variable == "GITHUB_OUTPUT"
        else []
    )
    assert_no_traceback(run.stdout, run.stderr)


def test_dev_stdout_still_takes_the_outputs_and_the_summary(tmp_path: Path) -> None:
    report = tmp_path / "r"
    env = gate_env(
        GITHUB_ACTIONS="true", GITHUB_OUTPUT="/dev/stdout", GITHUB_STEP_SUMMARY="/dev/stdout"
    )
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report), report, env=env, timeout=60)
    assert run.code == 0, run.stdout + run.stderr
    assert "verdict<<ci_gate_" in run.stdout
    assert "exit-code<<ci_gate_" in run.stdout
    assert "# " in run.stdout  # the step summary's heading
