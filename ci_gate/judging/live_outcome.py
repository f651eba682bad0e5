"""The `--fail-on` criteria of one master as its outcome carries them, and their words.

`combine` asks `live_outcomes` once a master's watch is over (or for a report at any
moment): a criterion with a timeframe stands as its judge left it (finished on the totals
after the end, or when the live data was lost); one without is judged on the totals; one
that could not be judged at all names the labels the run does have. Whether that fails
the master is `combine`'s to decide (`LiveCriterionOutcome.fails`). The line a breach
prints and what a stop saved are worded here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone

from ci_gate.domain.kpis import error_rate
from ci_gate.domain.live import ALL_LABEL, KpiPoint, Label
from ci_gate.domain.live_criteria import (
    JudgeState,
    LabelTotals,
    LiveCriterion,
    LiveJudgement,
    Logic,
)
from ci_gate.domain.outcome import LiveCriterionOutcome
from ci_gate.formatting import format_duration
from ci_gate.judging.facts import LiveFacts
from ci_gate.judging.live_feed import kpi_timeline
from ci_gate.judging.live_labels import find_label, missing_label_note
from ci_gate.safe_numbers import in_range, show_number

#: Between a window's first and last second, as the contract writes it.
EN_DASH = "\u2013"


def live_outcomes(
    live: LiveFacts, *, ended: bool, summary: Mapping[str, float] | None = None
) -> tuple[LiveCriterionOutcome, ...]:
    """Each criterion on this master; `ended`: the run ended and its end reads are in
    (criteria are then finished on the totals), else where each stands now."""
    outcomes = []
    for judge in live.judges:
        criterion = judge.criterion
        if ended:
            totals = totals_for(criterion, live.totals, summary)
            judgement = judge.finish(totals, live_lost=live.lost is not None)
        else:
            judgement = judge.result
        unread = ended and live.totals is None and judgement.judged == "at the end"
        if unread and judgement.state is JudgeState.NOT_JUDGED:  # none read: not "none"
            judgement = replace(judgement, note="the run's totals could not be read")
        if judgement.state is JudgeState.NOT_JUDGED and criterion.label is not None:
            judgement = _missing_label(criterion.label, live, judgement)
        outcomes.append(
            LiveCriterionOutcome(
                criterion,
                judgement,
                stopped_run=live.stopped_by is criterion,
                stop_unconfirmed=live.unconfirmed_by is criterion,
            )
        )
    return tuple(outcomes)


def live_notes(live: LiveFacts) -> list[str]:
    """The master's notes about its live data (what could not be read, and what then)."""
    notes = list(live.notes)
    if live.lost is not None:
        if not live.judges:
            then = "report.html draws no KPI charts for it"
        elif live.totals is None:  # the aggregate report could not be read either
            then = (
                "criteria with a timeframe were judged after the end on the run's totals"
                " where those could be read"
            )
        else:
            then = "criteria with a timeframe were judged on the run's totals after the end"
        notes.append(f"{live.lost}; {then}")
    return notes


def _missing_label(wanted: str, live: LiveFacts, judgement: LiveJudgement) -> LiveJudgement:
    """A criterion not judged because its label never appeared: say so, closest first."""
    names = [label.name for label in live.labels or ()]
    names += [name for name in live.totals or {} if name not in names]
    if find_label(wanted, [Label(name, name) for name in names]) is not None:
        return judgement
    shown = [name for name in names if name != ALL_LABEL]
    return replace(judgement, note=missing_label_note(wanted, shown))


def totals_for(
    criterion: LiveCriterion,
    totals: Mapping[str, LabelTotals] | None,
    summary: Mapping[str, float] | None,
) -> LabelTotals | None:
    """The totals of the criterion's label: its aggregate report row; for ALL without a
    row of its own, BlazeMeter's summary report (the numbers of label ALL)."""
    if totals:
        label = find_label(criterion.label, [Label(name, name) for name in totals])
        if label is not None:
            return totals[label.name]
    if criterion.label is None and summary:
        return summary_totals(summary)
    return None


def summary_totals(kpis: Mapping[str, float]) -> LabelTotals:
    """The summary report's numbers of label ALL as totals."""
    hits, failed = kpis.get("hits"), kpis.get("failed")
    return LabelTotals(
        samples=hits,
        errors=failed,
        errors_rate=error_rate(hits, failed),
        avg_rt=kpis.get("avg"),
        avg_lt=kpis.get("latencyAvg"),
        p90=kpis.get("tp90"),
        p95=kpis.get("tp95"),
        p99=kpis.get("tp99"),
    )


def capped_timeline(live: LiveFacts) -> dict[str, tuple[KpiPoint, ...]]:
    """The seconds read per label, capped for the report (ALL first)."""
    order = sorted(live.points, key=lambda name: (name != ALL_LABEL, name))
    return {name: kpi_timeline(live.points[name]) for name in order if live.points[name]}


def stop_saved(live: LiveFacts, planned: float | None) -> str | None:
    """What a stop by a live criterion saved, in the run's own seconds: from the run's
    first KPI second to its last (where its data ended, not when the stop was sent: a
    run that ignored the stop saved nothing)."""
    first, stopped = live.first_second, live.stopped_at
    if live.stopped_by is None or first is None or stopped is None:
        return None
    last = max((points[-1].ts for points in live.points.values() if points), default=stopped)
    ran = max(max(last, stopped) - first + 1, 0)
    if planned is None or planned <= 0:
        return f"stopped after {format_duration(ran)} of the run (the planned load is unknown)"
    if ran >= planned:
        return (
            f"the stop was sent after {format_duration(max(stopped - first + 1, 0))} but the"
            f" run's data went on to {format_duration(ran)} of a planned"
            f" {format_duration(planned)}: the stop saved nothing"
        )
    left = max(planned - ran, 0)
    return (
        f"stopped after {format_duration(ran)} of a planned {format_duration(planned)} "
        f"({format_duration(left)} of load not run)"
    )


def show_value(criterion: LiveCriterion, value: float | None) -> str:
    """A judged value in the criterion's unit: `1,840 ms`, `5.2%`, `1,204`, `21,400 B`."""
    if value is None:
        return "no value"
    number = in_range(value)
    whole = number is not None and number.is_integer()
    shown = show_number(value, ",.0f" if whole else ",.1f")
    unit = criterion.unit
    if unit == "%":
        return f"{shown}%"
    return shown if unit == "count" else f"{shown} {unit}"


def clock_time(second: int) -> str:
    """A run second as the live line shows it: `10:02:11` (UTC)."""
    try:
        return datetime.fromtimestamp(second, timezone.utc).strftime("%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return show_number(second)  # str() of 4,301+ digits raises


def iso_second(second: int) -> str | None:
    """A run second as ISO-8601 UTC (None: no calendar date)."""
    try:
        return datetime.fromtimestamp(second, timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def when(judgement: LiveJudgement) -> str:
    """Where a breach lies: its first and last second joined by an en dash, or after
    the end (on the totals)."""
    window = judgement.window
    if judgement.judged != "live":
        return "after the end, on the run's totals"
    if window is None:
        return "live"
    return f"{clock_time(window[0])}{EN_DASH}{clock_time(window[1])}"


def breach_words(criterion: LiveCriterion, judgement: LiveJudgement) -> str:
    """The value and the window: `1,840 ms average every second 10:02:11` to `10:03:11`."""
    value = show_value(criterion, judgement.value)
    if judgement.judged != "live" or judgement.window is None:
        return f"{value} on the run's totals"
    span = when(judgement)
    if criterion.subject.percentile:  # BlazeMeter's cumulative percentile, not an average
        return f"{value} (cumulative), beyond the threshold throughout {span}"
    if criterion.logic is Logic.FOR:
        return f"{value} average every second {span}"
    return f"{value} over {span}"


def breach_line(criterion: LiveCriterion, judgement: LiveJudgement) -> str:
    """The live line of a breach: `live criterion 'avg-rt of Checkout>1500ms for 60s'
    breached: 1,840 ms average every second 10:02:11`, an en dash, `10:03:11`."""
    kind = "" if criterion.fail else " (non-failed: a warning)"
    words = breach_words(criterion, judgement)
    return f"live criterion {criterion.name!r} breached{kind}: {words}"


def live_reason(item: LiveCriterionOutcome) -> str:
    """Why a live criterion did not hold: breached (value and window) or not judged."""
    name = item.criterion.name
    if item.judgement.state is JudgeState.BREACHED:
        return f"live criterion {name!r} breached: {breach_words(item.criterion, item.judgement)}"
    why = item.judgement.note or "no data"
    return f"live criterion {name!r} could not be judged: {why}"
