"""BlazeMeter's verdict: the --criteria table and how a failed criterion reads."""

from __future__ import annotations

import pytest

from ci_gate.domain.findings import CriteriaMode, Criterion
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.criteria import judge

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
    assert P90.describe() == "p90 1,830 ms > 1,500 ms"
    outcome = judge(CriteriaMode.ON, "fail", (P90, Criterion("x", "lt", 1, 2, True, "ALL")))
    assert outcome.failed == (P90,)
    assert outcome.reason == "failure criteria failed: p90 1,830 ms > 1,500 ms"
    other = Criterion("errors.percent", "gt", 1, 3.5, False, "checkout")
    assert other.describe() == "error rate 3.5 % > 1 % (label checkout)"


def test_an_unknown_report_status_is_named_and_never_passes() -> None:
    on = judge(CriteriaMode.ON, "Odd", ())
    assert on.verdict is Verdict.BROKEN
    assert on.reason == "BlazeMeter's reportStatus 'Odd' is not one the gate knows: not a pass"
    required = judge(CriteriaMode.REQUIRED, "Odd", ())
    assert required.verdict is Verdict.FAILED
    assert "'Odd'" in required.reason


def test_an_invisible_character_in_an_unknown_report_status_is_shown_escaped() -> None:
    # issue 30 (attackers): 'pass\u200b' was named 'pass', hiding why it is not a pass
    outcome = judge(CriteriaMode.ON, "pass\u200b", ())
    assert outcome.verdict is Verdict.BROKEN
    assert "'pass\\u200b'" in outcome.reason
    assert "'pass'" not in outcome.reason
