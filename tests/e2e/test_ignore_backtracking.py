"""An `--ignore` pattern that backtracks catastrophically (outside review of issue 29, F4):
`^(a+)+$` against a server message of 40 `a`s and `!` held the real `ci-gate` (Python's
`re` holds the GIL and cannot be interrupted) past `--timeout 5` for 40 s and more. With
the `regex` module each search has a time limit: the event offends (fail closed) and one
note names the pattern."""

from __future__ import annotations

from pathlib import Path

from tests.support.helpers import (
    START_UP_UNDER_LOAD,
    STATE_END,
    STATE_START,
    assert_no_traceback,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

PATTERN = "^(a+)+$"


def test_a_backtracking_ignore_pattern_keeps_the_deadline_and_the_event_offends(
    tmp_path: Path,
) -> None:
    messages = ["a" * 40 + "!", "a" * 5000 + "!"]  # the attacker's; one `regex` gives up on
    hostile = {
        "status": "DATA_RECEIVED",
        "events": [{"level": "ERROR", "message": message} for message in messages],
    }
    scenario = write_scenario(tmp_path, {"1": {"steps": [STATE_START, hostile, STATE_END]}})
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, report, "--timeout", "5", "--ignore", PATTERN), report, timeout=30
        )
        own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    assert run.code == 1, run.stdout + run.stderr
    assert own < 10, own
    assert run.seconds < 10 + START_UP_UNDER_LOAD, run.seconds  # and the interpreter's start
    master = run.summary["masters"][0]
    assert sorted(e["message"] for e in master["offending_events"]) == sorted(messages)
    notes = [n for n in run.summary.get("notes", []) + master["notes"] if PATTERN in n]
    assert len(notes) == 1, run.summary
    assert "took too long" in notes[0]
    assert_no_traceback(run.stdout, run.stderr)
