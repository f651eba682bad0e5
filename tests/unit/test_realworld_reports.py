"""Replaying the real answers of the endpoints beyond `/status` (`jenkins-plugin-reports/`,
`taurus-reports/`, byte for byte from `../shared/realworld/`), each served at the endpoint
it answers, through the real client, waiter and reports: criteria in their three shapes,
summary reports, aggregate reports, a note, a public token and start answers."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests_mock as rm

from ci_gate.commands.run import run_run
from ci_gate.commands.wait import run_wait
from ci_gate.config.credentials import Credentials
from ci_gate.config.parsers import parse_limit
from ci_gate.config.settings import (
    ApiSettings,
    HttpSettings,
    RunSettings,
    StartSettings,
    WaitSettings,
)
from ci_gate.domain.findings import CriteriaMode
from ci_gate.signals import SignalGuard
from tests.support.helpers import DATA, assert_no_traceback, assert_valid_junit, mock_live_data

CORPUS = DATA / "realworld"
JENKINS = CORPUS / "jenkins-plugin-reports"
TAURUS = CORPUS / "taurus-reports"
API = "https://api.example.test/api/v4"
ENDED = json.dumps(
    {"api_version": 4, "error": None, "result": {"status": "ENDED", "progress": 140, "events": []}}
)


def _api() -> ApiSettings:
    return ApiSettings(
        url=API,
        credentials=Credentials("id", "secret"),
        http=HttpSettings(retry_max_time=0.2, retry_factor=0.01, retry_max_delay=0.02),
    )


def _envelope(result: object) -> bytes:
    return json.dumps({"api_version": 4, "error": None, "result": result}).encode()


def _wait(
    folder: Path,
    mock: rm.Mocker,
    *,
    master: str = "1",
    report_status: str = "fail",
    **plan: Any,
) -> dict[str, Any]:
    """The real wait of one ended master whose other answers `mock` serves."""
    mock.get(f"{API}/masters/{master}/status", text=ENDED)
    mock_live_data(mock, API)
    mock.get(
        f"{API}/masters/{master}",
        content=_envelope({"id": int(master), "reportStatus": report_status, "testId": 5}),
    )
    settings = WaitSettings(
        master_ids=(master,), timeout=5, interval=0.05, report_dir=folder, **plan
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    run_wait(settings, _api(), SignalGuard(), stdout=stdout, stderr=stderr)
    assert_no_traceback(stdout.getvalue(), stderr.getvalue())
    assert_valid_junit((folder / "junit.xml").read_bytes())
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return summary


def _no_reports(mock: rm.Mocker, master: str = "1") -> None:
    mock.get(re.compile(f"{API}/masters/{master}/reports/.*"), status_code=404)


@pytest.mark.parametrize(
    ("path", "report_status", "verdict", "failed"),
    [
        (
            JENKINS / "serverThresholds_negative.json",
            "fail",
            "failed",
            [
                {
                    "field": "responseTime.max",
                    "op": "ne",
                    "threshold": 1.0,
                    "value": 1390.0,
                    "label": "http://demo.blazemeter.com/echo.php?url=1",
                }
            ],
        ),
        (JENKINS / "serverThresholds_positive.json", "pass", "passed", []),
        (
            TAURUS / "thresholds-test_cloud_failure_criteria@L1527.json",
            "fail",
            "failed",
            [{"field": "field", "op": "gt", "threshold": 1.0, "value": None, "label": "ALL"}],
        ),
        (
            TAURUS / "thresholds-test_cloud_failure_criteria_werent_met@L1553.json",
            "pass",
            "passed",
            [],
        ),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else None,
)
def test_realworld_thresholds_show_each_assertion_with_its_real_values(
    tmp_path: Path, path: Path, report_status: str, verdict: str, failed: list[dict[str, Any]]
) -> None:
    with rm.Mocker() as mock:
        _no_reports(mock)
        mock.get(f"{API}/masters/1/reports/thresholds", content=path.read_bytes())
        summary = _wait(tmp_path, mock, report_status=report_status)
    assert summary["verdict"] == verdict, summary["reason"]
    criteria = summary["masters"][0]["criteria"]
    assert [{k: row[k] for k in failed[0]} for row in criteria["failed"]] == failed
    assert "? None ? None" not in (tmp_path / "summary.md").read_text()
    if failed:
        assert summary["reason"].startswith("master 1: failure criteria failed: ")


@pytest.mark.parametrize(
    ("body", "hits"),
    [
        ((JENKINS / "getTestReport.json").read_bytes(), 2482.0),
        (_envelope({"summary": [json.loads((JENKINS / "summary.json").read_bytes())]}), 150.0),
        (_envelope({"summary": [json.loads((JENKINS / "agreport.json").read_bytes())]}), 96.0),
    ],
    ids=["getTestReport.json", "summary.json", "agreport.json"],
)
def test_realworld_summary_reports_give_kpis(tmp_path: Path, body: bytes, hits: float) -> None:
    with rm.Mocker() as mock:
        _no_reports(mock)
        mock.get(f"{API}/masters/1/reports/default/summary", content=body)
        summary = _wait(tmp_path, mock, report_status="pass")
    assert summary["verdict"] == "passed"
    kpis = summary["masters"][0]["kpis"]
    assert kpis is not None and kpis.get("hits") == hits
    metrics = (tmp_path / "metrics.txt").read_text()
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    assert list(text_string_to_metric_families(metrics))  # type: ignore[no-untyped-call]


def test_realworld_aggregate_reports_are_compared_label_by_label(tmp_path: Path) -> None:
    with rm.Mocker() as mock:
        _no_reports(mock, "2")
        mock.get(
            f"{API}/masters/2/reports/aggregatereport/data",
            content=(TAURUS / "aggregatereport-test_check_interval@L898.json").read_bytes(),
        )
        mock.get(
            f"{API}/masters/1/reports/aggregatereport/data",
            content=(TAURUS / "aggregatereport-test_get_errors@L1757.json").read_bytes(),
        )
        mock.get(f"{API}/masters/1", content=_envelope({"id": 1, "ended": 5, "testId": 5}))
        summary = _wait(
            tmp_path,
            mock,
            master="2",
            report_status="pass",
            baseline="1",
            regression=(parse_limit("p90=+10%", "--regression"),),
        )
    rows = {row["label"]: row["verdict"] for row in summary["masters"][0]["baseline"]["rows"]}
    # the minimal rows carry no samples: listed, never judged; the labels differ by a slash
    assert rows == {
        "ALL": "few samples",
        "http://blazedemo.com": "label gone",
        "http://blazedemo.com/": "new label",
    }
    assert summary["verdict"] == "passed"


def test_realworld_public_token_becomes_the_report_link(tmp_path: Path) -> None:
    with rm.Mocker() as mock:
        _no_reports(mock)
        mock.post(
            f"{API}/masters/1/public-token",
            content=(JENKINS / "getReportUrl_pos.json").read_bytes(),
        )
        summary = _wait(tmp_path, mock, report_status="pass", public_report=True)
    assert summary["masters"][0]["report_url"] == (
        "https://api.example.test/app/?public-token="
        "ohImO6c8xstG4qBFqgRnsMSAluCBambtrqsTvAEYEXItmrCfgO#/masters/1/summary"
    )


@pytest.mark.parametrize(
    ("start_answer", "master"),
    [("getSessionId_v3.json", "15104315"), ("startCollection.json", "15105877")],
)
def test_realworld_start_and_note_answers_carry_a_run(
    tmp_path: Path, start_answer: str, master: str
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    with rm.Mocker() as mock:
        mock.post(f"{API}/tests/7/start", content=(JENKINS / start_answer).read_bytes())
        mock.patch(f"{API}/masters/{master}", content=(JENKINS / "notes.json").read_bytes())
        mock.get(f"{API}/masters/{master}/status", text=ENDED)
        mock_live_data(mock, API)
        mock.get(f"{API}/masters/{master}", content=_envelope({"reportStatus": "pass"}))
        _no_reports(mock, master)
        code = run_run(
            StartSettings(test_id="7"),
            RunSettings(),
            WaitSettings(timeout=5, interval=0.05, report_dir=tmp_path, criteria=CriteriaMode.ON),
            _api(),
            SignalGuard(),
            stdout=stdout,
            stderr=stderr,
        )
    assert_no_traceback(stdout.getvalue(), stderr.getvalue())
    assert code == 0, stderr.getvalue()
    assert f"master {master}: note set" in stdout.getvalue()
    assert json.loads((tmp_path / "summary.json").read_text())["masters"][0]["id"] == master
