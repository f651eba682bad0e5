"""`ci-gate demo --scenario FILE` plays a scenario file as `simulate --scenario FILE` does
(issue 32 item 10), through the real process."""

from __future__ import annotations

from pathlib import Path

from tests.support.helpers import STATE_END, STATE_START, run_gate, write_scenario


def test_demo_plays_a_scenario_file(tmp_path: Path) -> None:
    failing = {"status": "DATA_RECEIVED", "events": [{"level": "ERROR", "message": "from my file"}]}
    scenario = write_scenario(
        tmp_path, {"4242": {"steps": [STATE_START, failing, STATE_END]}}, description="mine"
    )
    report = tmp_path / "r"
    run = run_gate(["demo", "--scenario", str(scenario), "--report-dir", str(report)], report)
    assert run.code == 1, run.stdout + run.stderr
    assert ": mine" in run.stdout.splitlines()[0]
    assert "from my file" in run.stderr.strip().splitlines()[-1]
    assert [master["id"] for master in run.summary["masters"]] == ["4242"]
