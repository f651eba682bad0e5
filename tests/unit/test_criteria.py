"""BlazeMeter's verdict: reading reportStatus and criteria, the --criteria table, KPIs."""

from __future__ import annotations

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ci_gate.criteria import CriteriaMode, Criterion, judge, parse_criteria, parse_master_info
from ci_gate.errors import MalformedResponseError
from ci_gate.kpis import parse_kpis, report_url
from ci_gate.report.metrics import render_metrics
from ci_gate.verdict import Verdict
from tests.helpers import make_outcome, master_outcome

P90 = Criterion("responseTime.percentile.90", "gt", 1500, 1830.0, False, "ALL")


@pytest.mark.parametrize(
    ("status", "mode", "verdict"),
    [
        ("pass", CriteriaMode.ON, Verdict.PASSED),
        ("fail", CriteriaMode.ON, Verdict.FAILED),
        ("unset", CriteriaMode.ON, Verdict.PASSED),
        ("unset", CriteriaMode.REQUIRED, Verdict.FAILED),
        (None, CriteriaMode.REQUIRED, Verdict.FAILED),
        ("error", CriteriaMode.ON, Verdict.BROKEN),
        ("abort", CriteriaMode.REQUIRED, Verdict.BROKEN),
        ("noData", CriteriaMode.ON, Verdict.BROKEN),
        ("weird", CriteriaMode.ON, Verdict.PASSED),
    ],
)
def test_the_contract_table(status: str | None, mode: CriteriaMode, verdict: Verdict) -> None:
    assert judge(mode, status, (P90,)).verdict is verdict


def test_a_failed_criterion_reads_as_value_op_limit() -> None:
    assert P90.describe() == "p90 1830 ms > 1500 ms"
    outcome = judge(CriteriaMode.ON, "fail", (P90, Criterion("x", "lt", 1, 2, True, "ALL")))
    assert outcome.failed == (P90,)
    assert outcome.reason == "failure criteria failed: p90 1830 ms > 1500 ms"
    other = Criterion("errors.percent", "gt", 1, 3.5, False, "checkout")
    assert other.describe() == "error rate 3.5 % > 1 % (label checkout)"


def test_master_info_and_criteria_parsing_tolerate_old_and_odd_shapes() -> None:
    assert parse_master_info("1", {"reportStatus": "fail", "testId": 42}).report_status == "fail"
    assert parse_master_info("1", {"passed": True}).report_status == "pass"
    assert parse_master_info("1", {"passed": False}).report_status == "fail"
    assert parse_master_info("1", {"reportStatus": None, "passed": True}).report_status is None
    with pytest.raises(MalformedResponseError):
        parse_master_info("1", None)
    parsed = parse_criteria("1", {"data": [{"field": "f", "op": "gt", "success": "no"}, 7]})
    assert parsed == (Criterion("f", "gt", None, None, None, "ALL"),)
    assert parse_criteria("1", {"data": None}) == ()


def test_kpis_keep_finite_numbers_under_plain_names() -> None:
    result = {
        "summary": [
            {
                "lb": "ALL",
                "hits": 10,
                "tp90": 480.5,
                "bad name!": 1,
                "nan": float("nan"),
                "flag": True,
                "text": "x",
            }
        ]
    }
    assert parse_kpis("1", result) == {"hits": 10.0, "tp90": 480.5}
    assert parse_kpis("1", {"summary": []}) is None


def test_report_urls() -> None:
    api = "https://a.blazemeter.com/api/v4"
    assert report_url(api, "42") == "https://a.blazemeter.com/app/#/masters/42/summary"
    assert report_url(api, "42", "t<k>") == (
        "https://a.blazemeter.com/app/?public-token=t%3Ck%3E#/masters/42/summary"
    )


def test_metrics_parse_with_a_real_openmetrics_parser() -> None:
    outcome = make_outcome(
        master_outcome(kpis={"hits": 10.0, "tp90": 480.5}),
        master_outcome(master_id="7", kpis={"hits": 3.0}),
    )
    text = render_metrics(outcome)
    assert text is not None
    families = {
        family.name: family
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    assert [(s.labels, s.value) for s in families["blazemeter_hits"].samples] == [
        ({"master": "123"}, 10.0),
        ({"master": "7"}, 3.0),
    ]
    assert render_metrics(make_outcome(master_outcome())) is None
