"""BlazeMeter's verdict: reading reportStatus and criteria, the --criteria table, KPIs."""

from __future__ import annotations

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ci_gate.blazemeter.answers import (
    parse_criteria,
    parse_criteria_with_notes,
    parse_kpis,
    parse_master_info,
)
from ci_gate.blazemeter.links import report_url
from ci_gate.domain.findings import CriteriaMode, Criterion
from ci_gate.domain.verdict import Verdict
from ci_gate.errors import MalformedResponseError
from ci_gate.judging.criteria import judge
from ci_gate.report.metrics import render_metrics
from tests.support.helpers import make_outcome, master_outcome

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
        ("weird", CriteriaMode.ON, Verdict.BROKEN),
        ("weird", CriteriaMode.REQUIRED, Verdict.FAILED),
        ("FAIL", CriteriaMode.ON, Verdict.FAILED),
        (" fail ", CriteriaMode.ON, Verdict.FAILED),
        ("Fail", CriteriaMode.ON, Verdict.FAILED),
        ("ERROR", CriteriaMode.ON, Verdict.BROKEN),
        ("nodata", CriteriaMode.ON, Verdict.BROKEN),
        ("NODATA", CriteriaMode.ON, Verdict.BROKEN),
        ("Abort", CriteriaMode.ON, Verdict.BROKEN),
        (" PASS ", CriteriaMode.REQUIRED, Verdict.PASSED),
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
    # keys stable across runs: the master's position, never its id (new every run)
    assert [(s.labels, s.value) for s in families["blazemeter_hits"].samples] == [
        ({"run": "1"}, 10.0),
        ({"run": "2"}, 3.0),
    ]
    assert render_metrics(make_outcome(master_outcome())) is None
    one = render_metrics(make_outcome(master_outcome(kpis={"hits": 2.0}, test_id="7700001")))
    assert one == (
        "# TYPE blazemeter_hits gauge\n# HELP blazemeter_hits BlazeMeter samples, label ALL\n"
        'blazemeter_hits{test="7700001"} 2\n# EOF\n'
    )


# -- issue 19: BlazeMeter's verdict fails closed ----------------------------------------------


def test_report_status_is_matched_case_insensitively_and_trimmed() -> None:
    assert parse_master_info("1", {"reportStatus": " FAIL "}).report_status == "fail"
    assert parse_master_info("1", {"reportStatus": "NODATA"}).report_status == "noData"
    assert parse_master_info("1", {"reportStatus": "Abort"}).report_status == "abort"
    assert parse_master_info("1", {"reportStatus": " Odd "}).report_status == "Odd"


def test_an_unknown_report_status_is_named_and_never_passes() -> None:
    on = judge(CriteriaMode.ON, "Odd", ())
    assert on.verdict is Verdict.BROKEN
    assert on.reason == "BlazeMeter's reportStatus 'Odd' is not one the gate knows: not a pass"
    required = judge(CriteriaMode.REQUIRED, "Odd", ())
    assert required.verdict is Verdict.FAILED
    assert "'Odd'" in required.reason


@pytest.mark.parametrize(
    ("passed", "status", "note"),
    [
        (False, "fail", None),
        ("false", "fail", "BlazeMeter gave passed as 'false', read as false"),
        (" False ", "fail", "BlazeMeter gave passed as 'false', read as false"),
        (0, "fail", "BlazeMeter gave passed as '0', read as false"),
        ("true", "pass", "BlazeMeter gave passed as 'true', read as true"),
        (1, "pass", "BlazeMeter gave passed as '1', read as true"),
        ("maybe", None, None),
        (2, None, None),
    ],
)
def test_passed_false_with_no_report_status_fails_at_once_in_any_spelling(
    passed: object, status: str | None, note: str | None
) -> None:
    assert (lambda i: (i.report_status, i.note))(parse_master_info("1", {"passed": passed})) == (
        status,
        note,
    )
    # reportStatus null: a fail counts at once, a pass waits for BlazeMeter's verdict
    null = parse_master_info("1", {"passed": passed, "reportStatus": None})
    if status == "fail":
        assert (null.report_status, null.note) == ("fail", note)
    else:
        assert (null.report_status, null.note) == (None, None)


def test_thresholds_in_the_object_and_the_list_of_objects_shapes() -> None:
    assertion = {
        "label": "home",
        "field": "responseTime.max",
        "op": "ne",
        "failValue": 1,
        "success": False,
        "actual": 1390,
    }
    expected = (Criterion("responseTime.max", "ne", 1.0, 1390.0, False, "home"),)
    assert parse_criteria("1", {"data": {"success": False, "assertions": [assertion]}}) == expected
    assert (
        parse_criteria("1", {"data": [{"success": False, "assertions": [assertion]}]}) == expected
    )
    assert expected[0].describe() == "max response time 1390 ms != 1 ms (label home)"
    with pytest.raises(MalformedResponseError):
        parse_criteria("1", {"data": {"assertions": "junk"}})


def test_criteria_values_that_are_not_finite_become_none_with_a_note() -> None:
    criteria, notes = parse_criteria_with_notes(
        "1",
        {"data": [{"field": "f", "op": "gt", "threshold": float("nan"), "value": int("9" * 400)}]},
    )
    assert (criteria[0].threshold, criteria[0].value) == (None, None)
    assert notes == (
        "criterion f: threshold was nan, not a number; shown as none",
        "criterion f: value was an integer too large to use; shown as none",
    )


def test_kpis_read_numeric_strings_and_leave_out_integers_too_large() -> None:
    row = {"lb": "ALL", "hits": 500.0, "bytes": int("9" * 400), "avg": 12, "name": "12"}
    assert parse_kpis("1", {"summary": [row]}) == {"hits": 500.0, "avg": 12.0}


def test_metrics_keep_one_family_per_kpi_when_names_collide_after_sanitising() -> None:
    kpis = {"avg": 1.0, "Avg": 2.0, "a.b": 3.0, "a_b": 4.0, "bytes": 51234567.0}
    text = render_metrics(make_outcome(master_outcome(kpis=kpis)))
    assert text is not None
    families = {
        family.name: [sample.value for sample in family.samples]
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    assert families == {
        "blazemeter_a_b": [3.0],
        "blazemeter_a_b_2": [4.0],
        "blazemeter_avg": [2.0],
        "blazemeter_avg_2": [1.0],
        "blazemeter_bytes": [51234567.0],
    }
    assert "blazemeter_bytes 51234567\n" in text
