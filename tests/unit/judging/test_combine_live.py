"""`combine` and the `--fail-on` criteria: the one place their verdict joins the others
(worst wins), never a pass by silence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.findings import CriteriaMode, Limit, MasterInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState, LabelTotals, LiveJudgement
from ci_gate.domain.outcome import Seen
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.combine import Rules, combine
from ci_gate.judging.facts import EndFacts, Ending, LiveFacts, MasterFacts
from ci_gate.judging.live import judge_for
from ci_gate.judging.live_outcome import breach_words
from ci_gate.judging.reason import run_reason

RULES = Rules(level=400, criteria=CriteriaMode.ON, limits=(Limit("p90", 20, True),), timeout=600)
T0 = 1_796_000_000


def _live(*criteria: str, slow: bool, seconds: int = 20) -> LiveFacts:
    """Judges fed `seconds` of ALL at 2,000 ms (slow) or 300 ms; a label has no data."""
    judges = [judge_for(parse_fail_on(text, "--fail-on")) for text in criteria]
    points = tuple(
        KpiPoint(T0 + s, 10, 0, 5, 2000.0 if slow else 300.0, None, None) for s in range(seconds)
    )
    for judge in judges:
        judge.begin(T0)
        for point in points:
            judge.feed(point.ts, point if judge.criterion.label is None else None)
    return LiveFacts(
        judges=tuple(judge.snapshot() for judge in judges),
        labels=(Label("ALL", "ALL"), Label("c", "Checkout")),
        points={"ALL": points},
    )


def _facts(live: LiveFacts, ending: Ending = Ending.ENDED, **end: object) -> MasterFacts:
    ended = ending is Ending.ENDED
    return MasterFacts(
        "1",
        seen=Seen(status="ENDED" if ended else "DATA_RECEIVED"),
        ending=ending,
        live=live,
        end=EndFacts(info=MasterInfo("pass"), **end) if ended else None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("criterion", "slow", "verdict", "state"),
    [
        ("avg-rt>1500ms for 5s", True, Verdict.FAILED, JudgeState.BREACHED),
        ("avg-rt>1500ms for 5s", False, Verdict.PASSED, JudgeState.OK),
        ("avg-rt>1500ms for 5s, continue", True, Verdict.FAILED, JudgeState.BREACHED),
        ("avg-rt>1500ms for 5s, stop as non-failed", True, Verdict.PASSED, JudgeState.BREACHED),
        # the run (20 s) never filled the timeframe: never judged, so never a pass (Taurus
        # would pass it by silence), as `over` is not; a non-failed one is a warning
        ("avg-rt>1500ms for 60s", True, Verdict.FAILED, JudgeState.NOT_JUDGED),
        ("avg-rt>1500ms over 60s", True, Verdict.FAILED, JudgeState.NOT_JUDGED),
        (
            "avg-rt>1500ms for 60s, continue as non-failed",
            True,
            Verdict.PASSED,
            JudgeState.NOT_JUDGED,
        ),
        ("avg-rt>1500ms for 20s", False, Verdict.PASSED, JudgeState.OK),
        ("avg-rt of Checkout>1500ms for 5s", True, Verdict.FAILED, JudgeState.NOT_JUDGED),
        (
            "avg-rt of Checkout>1s, continue as non-failed",
            True,
            Verdict.PASSED,
            JudgeState.NOT_JUDGED,
        ),
    ],
)
def test_a_criterion_joins_the_verdict(
    criterion: str, slow: bool, verdict: Verdict, state: JudgeState
) -> None:
    outcome = combine(_facts(_live(criterion, slow=slow)), RULES, 0.0)
    assert outcome.verdict is verdict
    (item,) = outcome.live_criteria
    assert item.judgement.state is state


def test_worst_wins_a_breach_never_lowers_a_timeout() -> None:
    facts = _facts(_live("avg-rt>1500ms for 5s", slow=True), Ending.OUT_OF_TIME)
    assert combine(facts, RULES, 0.0).verdict is Verdict.TIMEOUT


def test_a_breach_before_another_masters_fail_fast_is_a_failure_not_unfinished() -> None:
    facts = _facts(_live("avg-rt>1500ms for 5s", slow=True), Ending.NOT_JUDGED)
    assert combine(facts, RULES, 0.0).verdict is Verdict.FAILED
    quiet = _facts(_live("avg-rt>1500ms for 5s", slow=False), Ending.NOT_JUDGED)
    assert combine(quiet, RULES, 0.0).verdict is Verdict.UNFINISHED


def test_without_a_timeframe_the_totals_decide_and_no_totals_fail_closed() -> None:
    live = _live("p90 of Checkout>2s", slow=False)
    live = replace(live, totals={"Checkout": LabelTotals(p90=2500.0)})
    outcome = combine(_facts(live), RULES, 0.0)
    assert outcome.verdict is Verdict.FAILED
    assert outcome.live_criteria[0].judgement.judged == "at the end"
    unread = _live("p90 of Checkout>2s", slow=False)
    outcome = combine(_facts(unread), RULES, 0.0)
    assert outcome.verdict is Verdict.FAILED
    assert outcome.live_criteria[0].judgement.state is JudgeState.NOT_JUDGED


def test_all_without_a_row_of_its_own_is_judged_on_the_summary_report() -> None:
    live = _live("avg-rt>1s", slow=False)
    live = replace(live, totals={"Checkout": LabelTotals(avg_rt=100.0)})
    outcome = combine(_facts(live, kpis={"hits": 100.0, "failed": 2.0, "avg": 1200.0}), RULES, 0.0)
    assert outcome.live_criteria[0].judgement.value == 1200.0
    assert outcome.verdict is Verdict.FAILED


def test_a_missing_label_names_the_closest_and_the_stop_says_what_it_saved() -> None:
    live = _live("avg-rt of Chekout>1500ms for 5s", slow=False)
    outcome = combine(_facts(live), RULES, 0.0)
    note = outcome.live_criteria[0].judgement.note
    assert note == "label 'Chekout' never appeared; the run has 'Checkout'"
    assert outcome.verdict is Verdict.FAILED
    stopped = _live("avg-rt>1500ms for 5s", slow=True, seconds=7)
    stopped = replace(stopped, stopped_by=stopped.judges[0].criterion, stopped_at=T0 + 4)
    outcome = combine(_facts(stopped, planned=1860.0), RULES, 0.0)
    # the run's data ended at its 7th second (the stop takes a moment): 7 s ran
    assert outcome.stop_saved == "stopped after 7s of a planned 31m00s (30m53s of load not run)"
    assert outcome.live_criteria[0].stopped_run


def test_a_stop_the_run_ignored_saved_nothing_and_an_unread_plan_is_unknown() -> None:
    """s_ignore and s_rt --fail-fast of the issue 31 attack: data kept coming for 101 s
    of a 60 s plan, yet 'stopped after 25s of a planned 1m00s' was said; and --fail-fast,
    which never reads the master, said BlazeMeter 'listed no planned load'."""
    ignored = _live("avg-rt>1500ms for 5s", slow=True, seconds=101)
    ignored = replace(ignored, stopped_by=ignored.judges[0].criterion, stopped_at=T0 + 24)
    outcome = combine(_facts(ignored, planned=60.0), RULES, 0.0)
    assert outcome.stop_saved == (
        "the stop was sent after 25s but the run's data went on to 1m41s of a planned"
        " 1m00s: the stop saved nothing"
    )
    fail_fast = _live("avg-rt>1500ms for 5s", slow=True, seconds=6)
    fail_fast = replace(fail_fast, stopped_by=fail_fast.judges[0].criterion, stopped_at=T0 + 5)
    outcome = combine(_facts(fail_fast, Ending.FAILED_FAST), RULES, 0.0)
    assert outcome.stop_saved == "stopped after 6s of the run (the planned load is unknown)"


def test_only_criteria_that_held_are_counted_as_held() -> None:
    """s_basic with two non-failed breaches: '2 live criteria held; warning: ...'."""
    live = _live("avg-rt>1500ms for 5s, continue as non-failed", "avg-rt>5s for 5s", slow=True)
    reason = run_reason(Verdict.PASSED, (combine(_facts(live), RULES, 0.0),), "ERROR")
    assert "; 1 live criterion held; warning: master 1: live criterion" in reason
    both = _live(
        "avg-rt>1500ms for 5s, continue as non-failed",
        "avg-rt>1s for 5s, stop as non-failed",
        slow=True,
    )
    reason = run_reason(Verdict.PASSED, (combine(_facts(both), RULES, 0.0),), "ERROR")
    assert "held" not in reason and reason.count("warning: master 1") == 2


def test_a_percentile_breach_is_worded_as_blazemeter_s_cumulative_value() -> None:
    """s_pct of the issue 31 attack: 'p90 of Checkout>2s for 10s' said '2,500 ms average
    every second', but a percentile is BlazeMeter's cumulative value, not an average."""
    criterion = parse_fail_on("p90 of Checkout>2s for 10s, continue", "--fail-on")
    judged = LiveJudgement(JudgeState.BREACHED, 2500.0, (T0, T0 + 10), T0 + 10)
    words = breach_words(criterion, judged)
    assert "average" not in words
    assert words.startswith("2,500 ms (cumulative), beyond the threshold throughout ")
