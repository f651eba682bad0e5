"""A 60,000-event status answer whose every ERROR message echoes the key id and the
secret (attackers' finding A): the end of the run (the report set, the CI outputs)
stays inside the 4 s a signal allows, and `--timeout` with it. It took 13-17 s after the
signal: the CI issues described every event, each written set redacted every message
slowly, and a cancel wrote the set twice."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.support.helpers import (
    KEY_ID,
    SECRET,
    gate_env,
    simulator,
    start_gate_until,
    wait_args,
    wait_for_calls,
    write_scenario,
)

pytestmark = pytest.mark.slow

EVENTS = 60_000


def _scenario(directory: Path) -> Path:
    events = [
        {"level": "ERROR", "message": f"Request failed {n}: {KEY_ID} {SECRET}"}
        for n in range(EVENTS)
    ]
    steps = [{"status": "DATA_RECEIVED", "progress": 100, "events": events}]
    return write_scenario(directory, {"1": {"steps": steps}})


def test_a_signal_ends_a_huge_echoing_answer_within_the_cancel_budget(tmp_path: Path) -> None:
    report_dir = tmp_path / "r"
    env = gate_env(
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=str(tmp_path / "gh-output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "gh-summary"),
        GITHUB_EVENT_NAME="push",
        GITHUB_REPOSITORY="o/r",
    )
    with simulator(_scenario(tmp_path)) as sim:
        args = [*wait_args(sim, report_dir, "--timeout", "60", "--comment"), "--interval", "1"]
        process = start_gate_until(args, "ci-gate: waiting for master", env=env)
        wait_for_calls(sim, 2, method="GET", path_part="/masters/1/status", seconds=60)
        sent = time.time()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        ended = time.time()
    assert process.returncode == 143, err
    # the 4 s from the signal, and a moment more on a loaded 2-core machine for the exit
    assert ended - sent < 4 + 1.5, f"took {ended - sent:.1f}s after the signal"
    summary_text = (report_dir / "summary.json").read_text()
    summary = json.loads(summary_text)
    assert summary["verdict"] == "cancelled" and summary["comment"]["status"] == "skipped"
    assert len(summary["masters"][0]["offending_events"]) == EVENTS
    assert SECRET not in summary_text and KEY_ID not in summary_text
    assert out.count("::error ") == 10
    assert f"{EVENTS - 10} more offending events" in out
