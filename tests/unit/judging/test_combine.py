"""`combine`: a master's facts to its verdict and error line, table by table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ci_gate.domain.findings import (
    AggregateReport,
    CriteriaMode,
    Criterion,
    LabelRow,
    Limit,
    MasterInfo,
    RunInfo,
)
from ci_gate.domain.outcome import Seen
from ci_gate.domain.run import MasterStatus
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.combine import Rules, combine, combine_run
from ci_gate.judging.facts import BaselineFacts, EndFacts, Ending, MasterFacts, TrendFacts
from tests.support.helpers import event

RULES = Rules(level=400, criteria=CriteriaMode.ON, limits=(Limit("p90", 20, True),), timeout=60)
P90 = Criterion("responseTime.percentile.90", "gt", 1500, 1830.0, False, "ALL")
LISTED = MasterStatus("1", "ENDED", 140, ())


def _facts(ending: Ending, **fields: Any) -> MasterFacts:
    status = "ENDED" if ending is Ending.ENDED else "DATA_RECEIVED"
    return MasterFacts("1", seen=Seen(status=status), ending=ending, **fields)


def _ended(**end: Any) -> MasterFacts:
    return _facts(Ending.ENDED, end=EndFacts(**end))


def _offending(facts: MasterFacts) -> MasterFacts:
    return replace(facts, seen=replace(facts.seen, offending=(event(),)))


def _report(p90: float) -> AggregateReport:
    return AggregateReport({"home": (LabelRow(500, {"p90": p90}),)})


@pytest.mark.parametrize(
    ("facts", "verdict", "error"),
    [
        (
            _facts(Ending.CRASHED, error="internal error: KeyError: 'x'"),
            Verdict.ERROR,
            "master 1: internal error: KeyError: 'x' (set CI_GATE_DEBUG=1 for details)",
        ),
        (
            _facts(Ending.CANCELLED, error="SIGTERM"),
            Verdict.CANCELLED,
            "master 1: cancelled by SIGTERM with status DATA_RECEIVED",
        ),
        (_facts(Ending.NOT_JUDGED), Verdict.UNFINISHED, None),
        (_offending(_facts(Ending.FAILED_FAST)), Verdict.FAILED, None),
        (
            _facts(Ending.API_ERROR, error="master 1: credentials rejected (HTTP 401)"),
            Verdict.ERROR,
            "master 1: credentials rejected (HTTP 401)",
        ),
        (
            _facts(Ending.OUT_OF_TIME),
            Verdict.TIMEOUT,
            "master 1: timed out after 1m00s with status DATA_RECEIVED",
        ),
        (
            _facts(Ending.OUT_OF_TIME, trouble_since=5.0, last_error="HTTP 503"),
            Verdict.ERROR,
            "master 1: the API never answered usably: HTTP 503",
        ),
        (
            _facts(Ending.OUT_OF_TIME, last_usable=1.0, trouble_since=5.0, last_error="HTTP 503"),
            Verdict.TIMEOUT,
            "master 1: timed out after 1m00s with status DATA_RECEIVED",
        ),
        (
            _facts(
                Ending.OUT_OF_TIME, last_usable=1.0, trouble_since=-400.0, last_error="HTTP 503"
            ),
            Verdict.ERROR,
            "master 1: the API has not answered usably for 6m50s: HTTP 503",
        ),
        (_ended(info=MasterInfo("pass")), Verdict.PASSED, None),
        (_ended(info=MasterInfo("fail"), criteria=(P90,)), Verdict.FAILED, None),
        (
            _ended(info=MasterInfo("noData")),
            Verdict.BROKEN,
            "master 1: BlazeMeter reports no usable result (reportStatus noData)",
        ),
        (
            _ended(info=MasterInfo("Odd")),
            Verdict.BROKEN,
            "master 1: BlazeMeter's reportStatus 'Odd' is not one the gate knows: not a pass",
        ),
        (
            _ended(info_error="master 1: access denied (HTTP 403)"),
            Verdict.ERROR,
            "master 1: could not read BlazeMeter's verdict: master 1: access denied (HTTP 403)",
        ),
        (
            _ended(verdict_cut_by_deadline=True),
            Verdict.TIMEOUT,
            "master 1: timed out after 1m00s while BlazeMeter's verdict on the ended run was "
            "still being read",
        ),
        (
            _ended(info=MasterInfo("pass"), baseline=BaselineFacts("named", "9", not_found="gone")),
            Verdict.ERROR,
            "master 1: the baseline named by --baseline: gone",
        ),
        (
            _ended(
                info=MasterInfo("pass"),
                baseline=BaselineFacts("named", "9", now=_report(900), base=_report(100)),
            ),
            Verdict.FAILED,
            None,
        ),
        (
            _ended(
                info=MasterInfo("pass"),
                baseline=BaselineFacts("named", "9", now=_report(100), base=_report(100)),
            ),
            Verdict.PASSED,
            None,
        ),
    ],
)
def test_each_ending_and_finding_gives_its_verdict(
    facts: MasterFacts, verdict: Verdict, error: str | None
) -> None:
    outcome = combine(facts, RULES, now=10.0)
    assert (outcome.verdict, outcome.error) == (verdict, error)


def test_events_and_criteria_give_the_worse_verdict() -> None:
    facts = _offending(_ended(info=MasterInfo("noData")))
    assert combine(facts, RULES, now=0).verdict is Verdict.BROKEN
    facts = _offending(_ended(info=MasterInfo("pass")))
    assert combine(facts, RULES, now=0).verdict is Verdict.FAILED


def test_an_ended_master_whose_events_are_unknown_never_passes() -> None:
    facts = _ended(info=MasterInfo("pass"), timeline=replace(LISTED, events_listed=False))
    facts = replace(facts, events_unread=True)
    outcome = combine(facts, RULES, now=0)
    assert outcome.verdict is Verdict.ERROR
    assert outcome.criteria is not None  # still recorded: every finding is kept
    listed = replace(facts, end=EndFacts(info=MasterInfo("pass"), timeline=LISTED))
    assert combine(listed, RULES, now=0).verdict is Verdict.PASSED


def test_every_note_kpi_link_and_comparison_is_kept_whatever_the_verdict() -> None:
    facts = _ended(
        info_error="boom",
        kpis={"hits": 1.0},
        public_url="https://x.test/r",
        notes=("a read note",),
        warnings=("a warning",),
        timeline_error="timeline gone",
        baseline=BaselineFacts("named", "9", now=_report(900), base=_report(100)),
    )
    outcome = combine(facts, RULES, now=0)
    assert outcome.verdict is Verdict.ERROR
    assert (outcome.kpis, outcome.report_url) == ({"hits": 1.0}, "https://x.test/r")
    assert outcome.baseline is not None and len(outcome.baseline.regressions) == 1
    assert outcome.notes == (
        "could not read the full event timeline: timeline gone",
        "a read note",
        "a warning",
    )


def test_criteria_off_judges_by_events_only() -> None:
    rules = replace(RULES, criteria=CriteriaMode.OFF)
    outcome = combine(_ended(info=MasterInfo("fail"), criteria=(P90,)), rules, now=0)
    assert (outcome.verdict, outcome.criteria) == (Verdict.PASSED, None)


def test_the_run_is_the_worst_of_its_masters_and_a_signal_overrides_all() -> None:
    from datetime import datetime, timezone

    from ci_gate.domain.run import Traffic

    passed = combine(_ended(info=MasterInfo("pass")), RULES, now=0)
    failed = combine(_ended(info=MasterInfo("fail"), criteria=(P90,)), RULES, now=0)
    now = datetime.now(timezone.utc)

    def run(*masters: Any, signal_number: int | None = None) -> tuple[str, int, str]:
        outcome = combine_run(
            masters,
            RULES,
            signal_number=signal_number,
            started_at=now,
            finished_at=now,
            traffic=Traffic(),
            ignore_patterns=(),
            waited=0.0,
        )
        return outcome.verdict.value, outcome.exit_code, outcome.reason

    assert run(passed, failed) == (
        "failed",
        1,
        "master 1: failure criteria failed: p90 1,830 ms > 1,500 ms",
    )
    assert run(passed)[:2] == ("passed", 0)
    assert run(passed, signal_number=15)[:2] == ("cancelled", 143)


@pytest.mark.parametrize("report_status", ["pass", "fail"])
def test_the_trend_never_changes_the_verdict_and_ends_with_this_run(report_status: str) -> None:
    trend = TrendFacts(
        3,
        runs=(RunInfo("7", True, 100.0, 160.0, "pass"), RunInfo("8", False, 200.0, 260.0, "fail")),
        kpis={"7": {"tp90": 900.0, "hits": 100.0, "failed": 1.0}, "8": None},
        created=300.0,
        notes=("trend: could not read the KPIs of run 8: boom; shown as a gap",),
    )
    with_trend = combine(
        _ended(info=MasterInfo(report_status), kpis={"tp90": 1000.0}, trend=trend), RULES, now=0
    )
    without = combine(_ended(info=MasterInfo(report_status), kpis={"tp90": 1000.0}), RULES, now=0)
    assert (with_trend.verdict, with_trend.error) == (without.verdict, without.error)
    assert with_trend.trend is not None and without.trend is None
    points = with_trend.trend.points
    assert [(p.master_id, p.report_status, p.p90, p.this_run) for p in points] == [
        ("7", "pass", 900.0, False),
        ("8", "fail", None, False),
        ("1", report_status, 1000.0, True),
    ]
    assert points[0].errors == pytest.approx(1.0)
    assert "trend: could not read the KPIs of run 8: boom; shown as a gap" in with_trend.notes


def test_the_passed_line_names_ignored_events_and_the_baseline() -> None:
    """A pass that waived events or compared with a baseline says so (issue 32 item 9)."""
    from ci_gate.domain.findings import BaselineOutcome
    from ci_gate.domain.outcome import IgnoredEvent
    from ci_gate.judging.reason import run_reason
    from tests.support.helpers import master_outcome

    waived = (IgnoredEvent(event(), "known"), IgnoredEvent(event(), "known"))
    compared = BaselineOutcome("91000001", "last-passed")
    masters = (
        master_outcome(ignored=waived),
        master_outcome(master_id="2", baseline=compared),
    )
    reason = run_reason(Verdict.PASSED, masters, "ERROR")
    assert reason == (
        "2 masters ended with no offending event at ERROR or above; 2 events ignored "
        "(--ignore); "
        "no regression against baseline 91000001 (last-passed)"
    )
    plain = run_reason(Verdict.PASSED, (master_outcome(),), "ERROR")
    assert plain == "1 master ended with no event at ERROR or above"
