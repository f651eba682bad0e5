"""One integer longer than Python will convert (outside review of issue 29, F8): a status
answer that is valid JSON but holds a 4,301-digit integer in a field the gate does not even
use made every answer unreadable (Python's int digit limit), and the real `ci-gate` ended
exit 4 instead of 1 with an ERROR event there. Such an integer is read as out of range."""

from __future__ import annotations

from pathlib import Path

from tests.support.helpers import (
    assert_no_traceback,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

BIG = "9" * 4301


def _answer(extra: str) -> str:
    return (
        '{"api_version": 4, "error": null, "result": {"status": "ENDED", "progress": 140, '
        '"sessionsCount": 1, "events": [{"t": 1700000000, "level": "ERROR", '
        f'"message": "Payment service down", "t2": 1, {extra}}}]}}}}'
    )


def test_a_huge_integer_anywhere_in_the_status_answer_costs_nothing_else(
    tmp_path: Path,
) -> None:
    fault = {"fault": {"http_status": 200, "body": _answer(f'"from": {BIG}')}, "repeat": "forever"}
    scenario = write_scenario(tmp_path, {"1": {"steps": [fault]}})
    report = tmp_path / "r"
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, report, "--timeout", "10", "--criteria", "off"), report, timeout=60
        )
    assert run.code == 1, run.stdout + run.stderr
    [master] = run.summary["masters"]
    assert [e["message"] for e in master["offending_events"]] == ["Payment service down"]
    assert_no_traceback(run.stdout, run.stderr)
