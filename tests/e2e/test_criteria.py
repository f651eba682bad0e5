"""BlazeMeter's verdict, KPIs and the report link (issue 11), through the real `ci-gate`
process against the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests.support.helpers import (
    CORE_REPORTS,
    assert_inert_markdown,
    assert_no_traceback,
    assert_valid_junit,
    core_reports,
    gate_command,
    gate_env,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

ENDING = [
    {"status": "DATA_RECEIVED"},
    {"status": "DATA_RECEIVED"},
    {"status": "ENDED"},
]


def _master(report: dict[str, Any], steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"steps": steps or ENDING, "report": report}


def test_demo_sla_fail_fails_on_the_criterion_and_passes_with_criteria_off(
    tmp_path: Path,
) -> None:
    failed = run_gate(["demo", "--scenario", "sla-fail", "--report-dir", "r1"], tmp_path / "r1")
    assert failed.code == 1, failed.stderr
    assert "p90 1,830 ms > 1,500 ms" in failed.stderr.strip().splitlines()[-1]
    junit = failed.junit
    assert_valid_junit(junit)
    criteria = [
        result
        for suite in JUnitXml.fromstring(junit)
        for case in suite
        for result in case.result
        if isinstance(result, Failure) and result.type == "criterion"
    ]
    assert len(criteria) == 1 and "p90 1,830 ms > 1,500 ms" in (criteria[0].message or "")
    master = failed.summary["masters"][0]
    assert master["criteria"]["report_status"] == "fail"
    assert master["criteria"]["failed"][0]["field"] == "responseTime.percentile.90"
    assert "p90 1,830 ms > 1,500 ms" in failed.markdown
    events_only = run_gate(
        ["demo", "--scenario", "sla-fail", "--criteria", "off", "--report-dir", "r2"],
        tmp_path / "r2",
    )
    assert events_only.code == 0, events_only.stderr


def test_demo_no_data_is_broken_exit_5(tmp_path: Path) -> None:
    run = run_gate(["demo", "--scenario", "no-data", "--report-dir", "r"], tmp_path / "r")
    assert run.code == 5, run.stderr
    assert run.summary["verdict"] == "broken"
    assert "reportStatus noData" in run.stderr
    assert_valid_junit(run.junit)
    assert not (tmp_path / "r" / "metrics.txt").exists()  # no data, no KPIs


def test_seed_demo_shows_kpis_the_report_link_and_metrics(tmp_path: Path) -> None:
    """`ci-gate demo` as a newcomer runs it (no credentials, the default report folder in
    the working directory; the other built-in scenarios: test_bandwidth_and_demo.py)."""
    env = gate_env()
    del env["BLAZEMETER_API_KEY_ID"], env["BLAZEMETER_API_KEY_SECRET"]  # the demo needs none
    run = run_gate(["demo"], tmp_path / "ci-gate-report", env=env)
    assert run.code == 0, run.stdout + run.stderr
    assert core_reports(run.report_dir) == CORE_REPORTS
    assert run.summary["verdict"] == "passed"
    assert_valid_junit(run.junit)
    assert_no_traceback(run.stdout, run.stderr)
    master = run.summary["masters"][0]
    assert master["kpis"]["tp90"] == 655 and master["kpis"]["hits"] == 61730
    assert master["report_url"].endswith("/app/#/masters/12345678/summary")
    assert "| KPI (label ALL) | value |" in run.markdown and "| p90 | 655 ms |" in run.markdown
    assert f"[BlazeMeter report]({master['report_url']})" in run.markdown
    assert_inert_markdown(run.markdown)
    families = {
        family.name: family
        for family in text_string_to_metric_families(  # type: ignore[no-untyped-call]
            (run.report_dir / "metrics.txt").read_text()
        )
    }
    sample = families["blazemeter_tp90"].samples[0]
    assert sample.labels == {"test": "7000001"} and sample.value == 655  # stable: no master id


def test_public_report_uses_the_token_the_simulator_issued(tmp_path: Path) -> None:
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, tmp_path / "r", "--public-report"), tmp_path / "r")
        base = sim.url.rsplit("/api/v4", 1)[0]
        import urllib.request

        with urllib.request.urlopen(f"{base}/_simulator/calls", timeout=5) as answer:
            tokens = json.load(answer)["public_tokens"]["12345678"]
    assert run.code == 0, run.stderr
    assert len(tokens) == 1
    assert run.summary["masters"][0]["report_url"] == (
        f"{base}/app/?public-token={tokens[0]}#/masters/12345678/summary"
    )


@pytest.mark.parametrize(
    ("report", "mode", "code", "words"),
    [
        ({"report_status": "fail", "null_reads": 3}, "on", 1, "BlazeMeter failed the run"),
        ({"report_status": "unset"}, "on", 0, "ended with no event"),
        ({"report_status": "unset"}, "required", 1, "no failure criteria are defined"),
        ({"report_status": "abort"}, "on", 5, "reportStatus abort"),
        # never set: treated as unset after 30 s, with a note (tests/unit/wait/test_loop.py
        # test_a_verdict_never_set_is_unset_after_30_seconds, on the loop's clock; a JSON
        # null read as not set: tests/unit/blazemeter/test_answers.py)
    ],
)
def test_report_status_table(
    tmp_path: Path, report: dict[str, Any], mode: str, code: int, words: str
) -> None:
    scenario = write_scenario(tmp_path, {"60000001": _master(report)})
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "r", "--criteria", mode, "--timeout", "60"), tmp_path / "r"
        )
        calls = sim.calls()
    assert run.code == code, run.stderr
    assert words in run.stdout + run.stderr
    master_reads = [c for c in calls if c["path"].split("?")[0].endswith("/masters/60000001")]
    expected = 1 + report.get("null_reads", 0) if report.get("report_status") else None
    if expected is not None:
        assert len(master_reads) == expected, master_reads


def test_a_60_poll_run_reads_each_new_endpoint_once(tmp_path: Path) -> None:
    steps: list[dict[str, Any]] = [{"status": "DATA_RECEIVED", "polls": 59}, {"status": "ENDED"}]
    scenario = write_scenario(
        tmp_path,
        {
            "61000001": _master(
                {
                    "report_status": "fail",
                    "null_reads": 2,
                    "criteria": [
                        {
                            "field": "errors.percent",
                            "op": "gt",
                            "threshold": 1,
                            "value": 3,
                            "success": False,
                            "labelId": "ALL",
                        }
                    ],
                },
                steps,
            ),
            "61000002": _master({"report_status": "pass"}, steps),
        },
    )
    with simulator(scenario) as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "r", "--interval", "0.02", "--public-report"),
            tmp_path / "r",
        )
        calls = sim.calls()
    assert run.code == 1, run.stderr
    assert "error rate 3 % > 1 %" in run.stderr

    def count(master: str, suffix: str) -> int:
        return sum(
            1 for c in calls if c["path"].split("?")[0] == f"/api/v4/masters/{master}{suffix}"
        )

    assert count("61000001", "/status") >= 60
    assert count("61000001", "") == 1 + 2  # plus the two null re-reads
    assert count("61000002", "") == 1
    for master in ("61000001", "61000002"):
        assert count(master, "/reports/default/summary") == 1
        assert count(master, "/public-token") == 1
    assert count("61000001", "/reports/thresholds") == 1
    assert count("61000002", "/reports/thresholds") == 0  # passed: no details needed


def test_a_kpi_read_failure_is_a_note_and_a_verdict_read_failure_an_error(tmp_path: Path) -> None:
    broken_summary = {"summary": {"fault": {"http_status": 500}, "repeat": "forever"}}
    broken_master = {"master": {"fault": {"http_status": 403}, "repeat": "forever"}}
    scenario = write_scenario(
        tmp_path,
        {
            "62000001": _master({"faults": broken_summary}),
            "62000002": _master({"faults": broken_master}),
        },
    )
    env = gate_env(CI_GATE_RETRY_MAX_TIME="1")
    with simulator(scenario) as sim:
        kpis = run_gate(
            wait_args(sim, tmp_path / "a", masters=["62000001"]), tmp_path / "a", env=env
        )
        verdict = run_gate(
            wait_args(sim, tmp_path / "b", masters=["62000002"]), tmp_path / "b", env=env
        )
    assert kpis.code == 0, kpis.stderr
    assert any("could not read the KPIs" in note for note in kpis.summary["masters"][0]["notes"])
    assert verdict.code == 4
    assert "could not read BlazeMeter's verdict" in verdict.stderr
    assert gate_command()  # the installed gate was used
