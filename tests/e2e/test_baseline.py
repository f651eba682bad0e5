"""The regression gate against a baseline run (issue 14), through the real `ci-gate`
against the simulator's `regression` scenario."""

from __future__ import annotations

import json
from pathlib import Path

from junitparser import Failure, JUnitXml

from ci_gate.simulator.scenario import BUILTIN_DIR
from tests.support.helpers import (
    assert_inert_markdown,
    assert_valid_junit,
    gate_env,
    run_args,
    run_gate,
    simulator,
    wait_args,
    with_report_fault,
)

CURRENT = "91000003"


def _regressions(junit: bytes) -> list[str]:
    return [
        result.message or ""
        for suite in JUnitXml.fromstring(junit)
        for case in suite
        for result in case.result
        if isinstance(result, Failure) and result.type == "regression"
    ]


def test_demo_regression_fails_on_the_slow_label_only(tmp_path: Path) -> None:
    run = run_gate(["demo", "--scenario", "regression", "--report-dir", "r"], tmp_path / "r")
    assert run.code == 1, run.stderr
    reason = run.stderr.strip().splitlines()[-1]
    assert "label 'checkout': p90 1,350 ms -> 1,823 ms" in reason
    assert_valid_junit(run.junit)
    [failure] = _regressions(run.junit)
    assert "label 'checkout': p90 1,350 ms -> 1,823 ms" in failure
    baseline = run.summary["masters"][0]["baseline"]
    assert baseline["master_id"] == "91000001"  # the newer failed 91000002 was skipped
    assert baseline["how_chosen"] == "last-passed"
    verdicts = {row["label"]: row["verdict"] for row in baseline["rows"]}
    assert verdicts == {
        "ALL": "fine",
        "checkout": "regression",
        "home": "fine",
        "login": "few samples",
        "search": "new label",
    }
    # the table reads as plain text too
    row = "| `checkout` | p90 | 5,000 / 5,000 | 1,350 ms | 1,823 ms | +473 ms (+35%) |"
    assert row in run.markdown
    assert_inert_markdown(run.markdown)


def _wait(tmp_path: Path, name: str, *extra: str) -> tuple[int, str]:
    report = tmp_path / name
    with simulator("regression") as sim:
        run = run_gate(wait_args(sim, report, *extra, masters=[CURRENT]), report)
    return run.code, run.stdout + run.stderr


def test_limits_change_what_fails(tmp_path: Path) -> None:
    code, out = _wait(tmp_path, "a", "--baseline", "last-passed", "--regression", "p90=+50%")
    assert code == 0, out
    code, out = _wait(tmp_path, "b", "--baseline", "last-passed", "--regression", "errors=+0.5")
    assert code == 1, out
    assert "label 'home': errors 0.5 % -> 1.5 %, +1.00 points, limit errors=+0.5 points" in out


def test_one_list_read_per_run_and_one_aggregate_read_per_master(tmp_path: Path) -> None:
    scenario = json.loads((BUILTIN_DIR / "regression.json").read_text())
    twin = json.loads(json.dumps(scenario["masters"][CURRENT]))
    twin["report"]["created"] += 60
    scenario["masters"]["91000004"] = twin
    path = tmp_path / "twins.json"
    path.write_text(json.dumps(scenario))
    report = tmp_path / "r"
    with simulator(path) as sim:
        run = run_gate(
            wait_args(sim, report, "--baseline", "last-passed", masters=[CURRENT, "91000004"]),
            report,
        )
        calls = [c["path"] for c in sim.calls()]
    assert run.code == 1, run.stderr
    assert sum(1 for path in calls if path.startswith("/api/v4/masters?")) == 1
    for master in ("91000001", CURRENT, "91000004"):
        reads = [p for p in calls if p == f"/api/v4/masters/{master}/reports/aggregatereport/data"]
        assert len(reads) == 1, (master, reads)
    assert not any("91000002/reports" in path for path in calls)


def test_a_named_baseline_that_does_not_exist_is_exit_4_before_the_first_poll(
    tmp_path: Path,
) -> None:
    """A mistyped baseline id is read once before the first poll (issue 32 item 1): exit 4
    at once, naming it, with the reports written; the run is never polled."""
    report = tmp_path / "r"
    with simulator("regression") as sim:
        run = run_gate(wait_args(sim, report, "--baseline", "99999999", masters=[CURRENT]), report)
        calls = [c["path"] for c in sim.calls()]
    assert run.code == 4, run.stdout + run.stderr
    reason = run.stderr.strip().splitlines()[-1]
    assert "--baseline 99999999" in reason and "not found" in reason, reason
    assert calls == ["/api/v4/masters/99999999"], calls
    assert run.summary["verdict"] == "error"
    assert_valid_junit(run.junit)


def test_a_baseline_that_cannot_be_read_is_a_note_not_a_failure(tmp_path: Path) -> None:
    path = with_report_fault(tmp_path, "regression", "91000001", "aggregate", 500)
    report = tmp_path / "r"
    with simulator(path) as sim:
        run = run_gate(
            wait_args(sim, report, "--baseline", "91000001", masters=[CURRENT]),
            report,
            env=gate_env(CI_GATE_RETRY_MAX_TIME="1"),
        )
    assert run.code == 0, run.stderr
    note = run.summary["masters"][0]["baseline"]["note"]
    assert note.startswith("could not read the baseline: ") and note.endswith("nothing compared")


def test_run_with_a_named_baseline_that_does_not_exist_starts_nothing(tmp_path: Path) -> None:
    """`run` reads the named baseline before it starts the test (issue 32 item 1): a
    mistyped id costs no run."""
    report = tmp_path / "r"
    with simulator("run") as sim:
        run = run_gate(run_args("8000001", sim.url, report, "--baseline", "99999999"), report)
        calls = [(c["method"], c["path"]) for c in sim.calls()]
    assert run.code == 4, run.stdout + run.stderr
    reason = run.stderr.strip().splitlines()[-1]
    assert "--baseline 99999999" in reason and "not found" in reason, reason
    assert "no run was started" in reason
    assert calls == [("GET", "/api/v4/masters/99999999")], calls
    assert run.summary["verdict"] == "error"
