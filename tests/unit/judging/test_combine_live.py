"""`combine` and the `--fail-on` criteria: the one place their verdict joins the others
(worst wins), never a pass by silence."""

from __future__ import annotations

import pytest

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.findings import CriteriaMode, Limit, MasterInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState, LabelTotals
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.combine import Rules, combine
from ci_gate.judging.facts import EndFacts, Ending, LiveFacts, MasterFacts
from ci_gate.judging.live import judge_for

RULES = Rules(level=400, criteria=CriteriaMode.ON, limits=(Limit("p90", 20, True),), timeout=600)
T0 = 1_796_000_000


def _live(*criteria: str, slow: bool, seconds: int = 20) -> LiveFacts:
    """Judges fed `seconds` of ALL at 2,000 ms (slow) or 300 ms; a label has no data."""
    live = LiveFacts(judges=[judge_for(parse_fail_on(text, "--fail-on")) for text in criteria])
    live.labels = [Label("ALL", "ALL"), Label("c", "Checkout")]
    points = [
        KpiPoint(T0 + s, 10, 0, 5, 2000.0 if slow else 300.0, None, None) for s in range(seconds)
    ]
    live.points["ALL"] = points
    for judge in live.judges:
        judge.begin(T0)
        for point in points:
            judge.feed(point.ts, point if judge.criterion.label is None else None)
    return live


def _facts(live: LiveFacts, ending: Ending = Ending.ENDED, **end: object) -> MasterFacts:
    facts = MasterFacts("1", status="ENDED" if ending is Ending.ENDED else "DATA_RECEIVED")
    facts.ending = ending
    facts.live = live
    if ending is Ending.ENDED:
        facts.end = EndFacts(info=MasterInfo("pass"), **end)  # type: ignore[arg-type]
    return facts


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
    live.totals = {"Checkout": LabelTotals(p90=2500.0)}
    outcome = combine(_facts(live), RULES, 0.0)
    assert outcome.verdict is Verdict.FAILED
    assert outcome.live_criteria[0].judgement.judged == "at the end"
    unread = _live("p90 of Checkout>2s", slow=False)
    outcome = combine(_facts(unread), RULES, 0.0)
    assert outcome.verdict is Verdict.FAILED
    assert outcome.live_criteria[0].judgement.state is JudgeState.NOT_JUDGED


def test_all_without_a_row_of_its_own_is_judged_on_the_summary_report() -> None:
    live = _live("avg-rt>1s", slow=False)
    live.totals = {"Checkout": LabelTotals(avg_rt=100.0)}
    outcome = combine(_facts(live, kpis={"hits": 100.0, "failed": 2.0, "avg": 1200.0}), RULES, 0.0)
    assert outcome.live_criteria[0].judgement.value == 1200.0
    assert outcome.verdict is Verdict.FAILED


def test_a_missing_label_names_the_closest_and_the_stop_says_what_it_saved() -> None:
    live = _live("avg-rt of Chekout>1500ms for 5s", slow=False)
    outcome = combine(_facts(live), RULES, 0.0)
    note = outcome.live_criteria[0].judgement.note
    assert note == "label 'Chekout' never appeared; the run has 'Checkout'"
    assert outcome.verdict is Verdict.FAILED
    stopped = _live("avg-rt>1500ms for 5s", slow=True)
    stopped.stopped_by, stopped.stopped_at = stopped.judges[0].criterion, T0 + 4
    outcome = combine(_facts(stopped, planned=1860.0), RULES, 0.0)
    assert outcome.stop_saved == "stopped after 5s of a planned 31m00s (30m55s of load not run)"
    assert outcome.live_criteria[0].stopped_run


def test_live_data_lost_and_totals_unread_say_one_true_thing() -> None:
    """s_kpifail of the issue 31 attack: the notes said both 'judged on the run's totals'
    and 'the run has no totals'; with the totals unread neither is claimed."""
    live = _live("avg-rt of Checkout>1500ms for 5s", slow=True)
    live.lost = "could not read the live KPIs: boom"
    outcome = combine(_facts(live), RULES, 0.0)
    (criterion,) = outcome.live_criteria
    assert criterion.judgement.state is JudgeState.NOT_JUDGED
    assert criterion.judgement.note == "the run's totals could not be read"
    lost = [note for note in outcome.notes if note.startswith("could not read the live")]
    assert lost == [
        "could not read the live KPIs: boom; criteria with a timeframe were judged after the"
        " end on the run's totals where those could be read"
    ]
    live.totals = {"Checkout": LabelTotals(avg_rt=2400.0)}
    outcome = combine(_facts(live), RULES, 0.0)
    assert outcome.live_criteria[0].judgement.state is JudgeState.BREACHED
    assert any(n.endswith("were judged on the run's totals after the end") for n in outcome.notes)
