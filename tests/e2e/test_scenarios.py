"""Every built-in scenario: the real `ci-gate wait` against a real `ci-gate simulate`; the
other tests here (not about the simulate command) use the in-process simulator."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml
from lxml import html as lxml_html

from tests.support.helpers import (
    GateRun,
    assert_no_traceback,
    assert_valid_junit,
    gate_env,
    run_gate,
    simulator,
    simulator_process,
    wait_args,
)

CASES = [
    # scenario, exit code, verdict (seed and hang have their own tests below)
    ("error", 1, "failed"),
    ("flaky", 0, "passed"),
    ("unauthorized", 4, "error"),
    ("multi", 1, "failed"),
]


def _judged_against_the_process(
    tmp_path: Path, scenario: str, *extra: str
) -> tuple[GateRun, list[dict[str, Any]]]:
    """`ci-gate wait` against a real `ci-gate simulate` of the scenario: its run and the
    calls the simulator answered."""
    report_dir = tmp_path / "report"
    with simulator_process(scenario) as sim:
        run = run_gate(wait_args(sim, report_dir, *extra), report_dir)
        calls = sim.calls()
    return run, calls


def _assert_judged(run: GateRun, code: int, verdict: str) -> None:
    assert run.code == code, run.stdout + run.stderr
    assert run.summary["verdict"] == verdict
    assert run.summary["exit_code"] == code
    assert_valid_junit(run.junit)
    assert_no_traceback(run.stdout, run.stderr)
    if code != 0:
        lines = run.stderr.strip().splitlines()
        assert lines and lines[-1].startswith(f"ci-gate: {verdict}: "), run.stderr


@pytest.mark.parametrize(("scenario", "code", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_builtin_scenario(tmp_path: Path, scenario: str, code: int, verdict: str) -> None:
    run, _ = _judged_against_the_process(tmp_path, scenario)
    _assert_judged(run, code, verdict)


def test_builtin_seed_passes_at_error_and_reads_the_full_timeline_once(tmp_path: Path) -> None:
    run, calls = _judged_against_the_process(tmp_path, "seed")
    _assert_judged(run, 0, "passed")
    master = run.summary["masters"][0]
    assert master["event_counts"] == {"INFO": 75, "WARNING": 2}
    assert master["status"] == "ENDED" and master["progress"] == 140
    polls = [c["path"] for c in calls if "/status" in c["path"]]
    assert sum("level=INFO" in p for p in polls) == 1
    assert all("level=ERROR" in p for p in polls if "level=INFO" not in p)
    assert "ENDED" in run.stdout and "DATA_RECEIVED (100)" in run.stdout


def test_builtin_hang_times_out_as_one_junit_error(tmp_path: Path) -> None:
    run, _ = _judged_against_the_process(tmp_path, "hang", "--timeout", "1.5")
    _assert_judged(run, 3, "timeout")
    errors = [
        r
        for suite in JUnitXml.fromfile(str(run.report_dir / "junit.xml"))
        for case in suite
        for r in case.result
        if isinstance(r, Error)
    ]
    assert len(errors) == 1 and "timed out" in (errors[0].message or "")


def test_seed_at_warning_reports_exactly_its_two_warnings(tmp_path: Path) -> None:
    # the level as a number; its names in any case are the same threshold
    # (tests/unit/domain/test_levels.py; the flag reads it so: tests/unit/config/test_settings.py)
    report_dir = tmp_path / "r"
    started = int(time.time())
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report_dir, "--level", "300"), report_dir)
    assert run.code == 1, run.stderr
    offending = run.summary["masters"][0]["offending_events"]
    assert [e["message"] for e in offending] == [
        "File /tmp/artifacts/taurus_start.log not found on disk",
        "File /tmp/artifacts/taurus-base-config.yml not found on disk",
    ]
    assert {(e["level"], e["session_id"]) for e in offending} == {("WARNING", "r-v4-5f50ecd1568ef")}
    # played on the real clock: the recording's last event (14:18:46) is when the simulator
    # started, both warnings (14:18:41 in the recording) 5 s before it
    [moment] = {datetime.fromisoformat(e["t"].replace("Z", "+00:00")) for e in offending}
    assert started - 5 <= moment.timestamp() <= started - 5 + 2
    # the run began an hour before the wait (start, then wait): report.html's one axis puts
    # each status where BlazeMeter dated it over that hour, not all at the wait's 0 s
    page = lxml_html.document_fromstring((report_dir / "report.html").read_text())
    [steps] = page.xpath("//svg[contains(@class,'chart-steps')]")
    xs = [float(point.get("cx")) for point in steps.xpath(".//circle[@class='point']")]
    assert max(xs) - min(xs) > 400, xs
    [title] = steps.xpath(".//text[@class='axis-title x']")
    assert title.text.startswith("run time (0s = ")
    assert run.summary["masters"][0]["event_counts"] == {"INFO": 75, "WARNING": 2}
    failures = [
        r
        for suite in JUnitXml.fromfile(str(report_dir / "junit.xml"))
        for case in suite
        for r in case.result
        if isinstance(r, Failure)
    ]
    assert len(failures) == 2
    assert all(f.type == "WARNING" and "r-v4-5f50ecd1568ef" in f.message for f in failures)
    assert "taurus_start.log" in failures[0].message


def test_ignore_patterns_from_flags_and_env(tmp_path: Path) -> None:
    """Ignoring multi's CRITICAL event passes it on its events (BlazeMeter's own verdict on
    the master that lost its engines stays a fail: judged apart, with --criteria off)."""
    with simulator("multi") as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "a", "--ignore", "^All engines lost", "--criteria", "off"),
            tmp_path / "a",
        )
    assert run.code == 0, run.stderr
    ignored = {m["id"]: m["ignored_events"] for m in run.summary["masters"]}
    assert ignored == {"50000001": 0, "50000002": 0, "50000003": 1}
    assert run.summary["masters"][2]["event_counts"] == {"CRITICAL": 1}
    with simulator("multi") as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "b", "--criteria", "off"),
            tmp_path / "b",
            env=gate_env(CI_GATE_IGNORE="nothing matches this\nengines lost"),
        )
    assert run.code == 0, run.stderr
