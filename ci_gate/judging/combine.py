"""One master's facts in, one frozen `MasterOutcome` out; the masters in, the run's `Outcome`.

Where a master's verdict is decided (`_verdict`; BlazeMeter's own in `judging.criteria`,
the run's in `judging.run_outcome.run_verdict`). The wait gathers facts (`judging.facts`)
and calls `combine` once a master is done; everything it decides follows the contract:
the worst of events, BlazeMeter's verdict and the baseline, fail closed where a fact is
missing, and every note, KPI, link and comparison kept whatever the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ci_gate.domain.findings import (
    BaselineOutcome,
    CriteriaMode,
    CriteriaOutcome,
    Limit,
)
from ci_gate.domain.levels import level_name
from ci_gate.domain.outcome import LiveCriterionOutcome, MasterOutcome, Outcome
from ci_gate.domain.report_status import normalise_report_status
from ci_gate.domain.run import Traffic
from ci_gate.domain.trend import Trend
from ci_gate.domain.verdict import TROUBLE_WINDOW, Verdict
from ci_gate.formatting import format_duration
from ci_gate.judging.baseline import compare, data_notes
from ci_gate.judging.criteria import judge as judge_criteria
from ci_gate.judging.facts import EndFacts, Ending, MasterFacts
from ci_gate.judging.live_outcome import capped_timeline, live_notes, live_outcomes, stop_saved
from ci_gate.judging.reason import run_reason
from ci_gate.judging.run_outcome import run_verdict
from ci_gate.judging.trend import build_trend, trend_point


@dataclass(frozen=True)
class Rules:
    """What the verdict depends on besides the facts (from the wait's settings)."""

    level: int
    criteria: CriteriaMode
    limits: tuple[Limit, ...]
    timeout: float
    #: CI_GATE_RETRY_MAX_TIME: trouble this long at the deadline means the gate was blind
    trouble_window: float = TROUBLE_WINDOW


def combine(facts: MasterFacts, rules: Rules, now: float) -> MasterOutcome:
    """The master's outcome; `now` is the wait's clock (for how long trouble lasted)."""
    notes = list(facts.notes)
    criteria: CriteriaOutcome | None = None
    baseline: BaselineOutcome | None = None
    end = facts.end
    if end is not None:
        notes += _end_notes(end)
        if end.info is not None and rules.criteria is not CriteriaMode.OFF:
            criteria = judge_criteria(rules.criteria, end.info.report_status, end.criteria)
            if criteria.note:
                notes.append(criteria.note)
        baseline = _baseline(end, rules)
        if baseline is not None:
            if baseline.note:
                notes.append(baseline.note)
            notes.extend(baseline.data_notes)
    live = facts.live
    ended = facts.ending is Ending.ENDED and end is not None
    judged = live_outcomes(live, ended=ended, summary=end.kpis if end else None) if live else ()
    verdict, error = _verdict(facts, rules, now, criteria, baseline, judged)
    notes += [note for note in (live_notes(live) if live else ()) if note not in notes]
    if verdict is Verdict.TIMEOUT and facts.trouble_since is not None and facts.last_error:
        # late, not blind: the timeout is the verdict, the API trouble at the end its context
        notes.append(f"last API error before the deadline: {facts.last_error}")
    return MasterOutcome(
        master_id=facts.master_id,
        verdict=verdict,
        seen=facts.seen,
        error=error,
        notes=tuple(notes),
        criteria=criteria,
        kpis=end.kpis if end else facts.kpis,
        report_url=(end.public_url if end else None) or facts.report_url,
        baseline=baseline,
        test_id=end.info.test_id if end and end.info else None,
        trend=_trend(facts.master_id, end),
        live_criteria=judged,
        kpi_timeline=capped_timeline(live) if live else {},
        stop_saved=(stop_saved(live, end.planned if end else None) if live else None),
    )


def _trend(master_id: str, end: EndFacts | None) -> Trend | None:
    """The trend's points: the earlier runs as chosen, then this run (informational)."""
    if end is None or end.trend is None:
        return None
    facts = end.trend
    earlier = [
        trend_point(run.master_id, run.created, run.report_status, facts.kpis.get(run.master_id))
        for run in facts.runs
    ]
    status = facts.report_status if end.info is None else end.info.report_status
    now = trend_point(
        master_id, facts.created, normalise_report_status(status), end.kpis, this_run=True
    )
    return build_trend(facts.asked, earlier, now, facts.notes)


def _end_notes(end: EndFacts) -> list[str]:
    notes = []
    if end.timeline is None and end.timeline_error is not None:
        notes.append(f"could not read the full event timeline: {end.timeline_error}")
    trend_notes = end.trend.notes if end.trend is not None else []
    return [*notes, *end.notes, *end.warnings, *trend_notes]


def _baseline(end: EndFacts, rules: Rules) -> BaselineOutcome | None:
    facts = end.baseline
    if facts is None or facts.not_found is not None:
        return None
    if facts.note is not None or facts.now is None or facts.base is None:
        return BaselineOutcome(facts.master_id, facts.how_chosen, note=facts.note)
    rows = compare(facts.now, facts.base, rules.limits)
    return BaselineOutcome(
        facts.master_id,
        facts.how_chosen,
        rows,
        data_notes=data_notes(rows, facts.now, facts.base),
    )


def _verdict(
    facts: MasterFacts,
    rules: Rules,
    now: float,
    criteria: CriteriaOutcome | None,
    baseline: BaselineOutcome | None,
    live_criteria: tuple[LiveCriterionOutcome, ...],
) -> tuple[Verdict, str | None]:
    """The master's verdict and its error line, the one place it is decided: by how the
    watch ended (`_by_ending`), then worst wins with a `failed` live criterion that
    breached or, after the end, was never judged."""
    verdict, error = _by_ending(facts, rules, now, criteria, baseline)
    ended = facts.ending is Ending.ENDED and facts.end is not None
    failing = any(item.fails and (ended or item.breached) for item in live_criteria)
    if failing and verdict.severity < Verdict.FAILED.severity:
        verdict = Verdict.FAILED
    return verdict, error


def _by_ending(
    facts: MasterFacts,
    rules: Rules,
    now: float,
    criteria: CriteriaOutcome | None,
    baseline: BaselineOutcome | None,
) -> tuple[Verdict, str | None]:
    """The verdict and its error line, by how the watch ended."""
    who = f"master {facts.master_id}"
    status = facts.seen.status or "never read"
    ending = facts.ending
    if ending is Ending.CRASHED:
        return Verdict.ERROR, f"{who}: {facts.error} (set CI_GATE_DEBUG=1 for details)"
    if ending is Ending.CANCELLED:
        return Verdict.CANCELLED, f"{who}: cancelled by {facts.error} with status {status}"
    if ending is Ending.NOT_JUDGED:
        return Verdict.UNFINISHED, None
    if ending is Ending.FAILED_FAST:
        return Verdict.FAILED, None
    if ending is Ending.API_ERROR:
        return Verdict.ERROR, facts.error
    if ending is Ending.OUT_OF_TIME:
        blind = _blind(facts, rules, now)
        if blind is not None:
            cause = (facts.last_error or "no answer").removeprefix(f"{who}: ")
            return Verdict.ERROR, f"{who}: {blind}: {cause}"
        return Verdict.TIMEOUT, (
            f"{who}: timed out after {format_duration(rules.timeout)} with status {status}"
        )
    if ending is not Ending.ENDED or facts.end is None:
        return Verdict.ERROR, f"{who}: the wait ended without a verdict"
    return _end_verdict(facts, facts.end, rules, criteria, baseline)


def _blind(facts: MasterFacts, rules: Rules, now: float) -> str | None:
    """Why the deadline is an API error, not a timeout: every answer since the start, or
    for the whole trouble window, was trouble (the gate could not see the run)."""
    if facts.trouble_since is None:
        return None
    if facts.last_usable is None:
        return "the API never answered usably"
    lasted = now - facts.trouble_since
    if lasted < rules.trouble_window:
        return None
    return f"the API has not answered usably for {format_duration(lasted)}"


def _end_verdict(
    facts: MasterFacts,
    end: EndFacts,
    rules: Rules,
    criteria: CriteriaOutcome | None,
    baseline: BaselineOutcome | None,
) -> tuple[Verdict, str | None]:
    """An ended master: what cannot be judged fails closed, else the worst finding."""
    who = f"master {facts.master_id}"
    listed = end.timeline is not None and end.timeline.events_listed
    if facts.events_unread and not listed:
        return Verdict.ERROR, (
            f"{who} ended, but BlazeMeter's answer carried no event list: its events "
            "cannot be judged"
        )
    if end.info_error is not None:
        return Verdict.ERROR, f"{who}: could not read BlazeMeter's verdict: {end.info_error}"
    if end.baseline is not None and end.baseline.not_found is not None:
        return Verdict.ERROR, f"{who}: the baseline named by --baseline: {end.baseline.not_found}"
    if end.verdict_cut_by_deadline:
        return Verdict.TIMEOUT, (
            f"{who}: timed out after {format_duration(rules.timeout)} while BlazeMeter's "
            "verdict on the ended run was still being read"
        )
    verdict, error = (Verdict.FAILED if facts.seen.offending else Verdict.PASSED), None
    if criteria is not None and criteria.verdict.severity > verdict.severity:
        verdict = criteria.verdict
        if verdict is Verdict.BROKEN:
            error = f"{who}: {criteria.reason}"
    if baseline is not None and baseline.regressions and verdict.severity < Verdict.FAILED.severity:
        verdict = Verdict.FAILED
    return verdict, error


def combine_run(
    masters: tuple[MasterOutcome, ...],
    rules: Rules,
    *,
    signal_number: int | None,
    started_at: datetime,
    finished_at: datetime,
    traffic: Traffic,
    ignore_patterns: tuple[str, ...],
    waited: float,
) -> Outcome:
    """The run's outcome once its wait ended: its verdict (`run_verdict`), and why."""
    verdict = run_verdict(masters, signal_number=signal_number)
    return Outcome(
        verdict=verdict,
        threshold=rules.level,
        started_at=started_at,
        finished_at=finished_at,
        masters=masters,
        reason=run_reason(verdict, masters, level_name(rules.level)),
        traffic=traffic,
        ignore_patterns=ignore_patterns,
        waited=waited,
        timeout=rules.timeout,
        signal_number=signal_number,
    )
