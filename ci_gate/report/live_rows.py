"""The `--fail-on` criteria and the live KPIs in the reports: summary.json's
`live_criteria` and `kpi_timeline`, each criterion's words for the table summary.md and
report.html share (`views.live_table`), junit.xml's cases.

One module for the one idea, so that the three forms say the same: each criterion's
state, value, window and the action taken, as `judging.live_outcome` words them.
"""

from __future__ import annotations

from junit_xml import TestCase

from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState
from ci_gate.domain.outcome import LiveCriterionOutcome, MasterOutcome
from ci_gate.judging.live_outcome import iso_second, live_reason, show_value, when
from ci_gate.text import one_line, xml_safe


def action_taken(item: LiveCriterionOutcome) -> str:
    """What the gate did about the criterion: `stopped the run`, `recorded`, `none`."""
    if item.stopped_run:
        return "stopped the run"
    if item.stop_unconfirmed:
        return "stop sent, never confirmed (no answer or an error: see the notes)"
    if item.judgement.state is not JudgeState.BREACHED:
        return "none"
    if item.criterion.stop:
        return "none: the run was already stopping or ended"
    return "recorded (continue)"


def _state(item: LiveCriterionOutcome) -> str:
    state = item.judgement.state.value
    return f"{state} (warning: non-failed)" if not item.criterion.fail and state != "ok" else state


def criterion_json(item: LiveCriterionOutcome) -> dict[str, object]:
    """One criterion as summary.json lists it (the contract's fields)."""
    criterion, judgement = item.criterion, item.judgement
    window = judgement.window if judgement.state is JudgeState.BREACHED else None
    return {
        "criterion": criterion.text,
        "message": criterion.message,
        "subject": criterion.subject.value,
        "label": criterion.label,
        "condition": criterion.condition.value,
        "threshold": criterion.threshold,
        "unit": criterion.unit,
        "logic": None if criterion.logic is None else criterion.logic.value,
        "timeframe": criterion.timeframe,
        "action": "stop" if criterion.stop else "continue",
        "status": "failed" if criterion.fail else "non-failed",
        "state": judgement.state.value,
        "value": judgement.value,
        "window": None if window is None else [iso_second(window[0]), iso_second(window[1])],
        "judged": judgement.judged,
        "stopped_run": item.stopped_run,
        #: its stop went out and was never confirmed (then `stopped_run` is false)
        "stop_unconfirmed": item.stop_unconfirmed,
        "note": judgement.note or None,
    }


def _point_json(point: KpiPoint) -> dict[str, object]:
    return {
        "ts": point.ts,
        "hits": point.hits,
        "errors": point.errors,
        "users": point.users,
        "avg_rt": point.avg_rt,
        "avg_lt": point.avg_lt,
        "avg_bytes": point.avg_bytes,
    }


def timeline_json(master: MasterOutcome) -> dict[str, list[dict[str, object]]]:
    """summary.json's `kpi_timeline`: label -> its points (`ts` in Unix seconds)."""
    return {
        name: [_point_json(point) for point in points]
        for name, points in master.kpi_timeline.items()
    }


def criterion_row(item: LiveCriterionOutcome) -> tuple[str, str, str, str, str]:
    """One criterion as every table shows it (summary.md, report.html), plain text:
    criterion, state, value, when, action taken."""
    judgement = item.judgement
    shown = show_value(item.criterion, judgement.value) if judgement.value is not None else "-"
    place = when(judgement) if judgement.state is JudgeState.BREACHED else judgement.judged
    if judgement.state is JudgeState.NOT_JUDGED:
        place = judgement.note or "no data"
    return item.criterion.name, _state(item), shown, place, action_taken(item)


def live_cases(master: MasterOutcome, base: str) -> list[TestCase]:
    """Each criterion as a case: a `<failure type="live-criterion">` for each `failed`
    one that breached (or could not be judged), a passing case otherwise."""
    classname = base + ".live"
    cases = []
    for item in master.live_criteria:
        name = xml_safe(one_line(f"live criterion {item.criterion.name}", 200))
        case = TestCase(name=name, classname=classname)
        words = one_line(live_reason(item), 1000)
        if item.fails:
            case.add_failure_info(
                message=xml_safe(words),
                output=xml_safe(
                    f"action taken: {action_taken(item)}"
                    + (
                        f"\n{one_line(master.stop_saved, 300)}"
                        if item.stopped_run and master.stop_saved
                        else ""
                    )
                ),
                failure_type="live-criterion",
            )
        elif item.judgement.state is not JudgeState.OK:
            case.stdout = xml_safe(f"warning (non-failed): {words}")
        cases.append(case)
    return cases
