"""The run's verdict, chosen in one function (`run_verdict`) that every path takes, and
the outcomes of the paths that are not a watched wait's end.

`combine.combine_run` gives it at the wait's end; a signal after the wait
(`cancelled_late`), reports that could not be written (`reports_lost`), a `run` that never
got to its wait (`ended_before_wait`) and a signal with no outcome at all
(`cancelled_exit_code`) ask it too, so no other module picks a `Verdict`. It imports
only the domain: what the run's verdict depends on is the masters' verdicts and these few
facts, never how they were gathered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from ci_gate.domain.outcome import MasterOutcome, Outcome
from ci_gate.domain.verdict import Verdict, worst_verdict


def run_verdict(
    masters: Iterable[MasterOutcome] = (),
    *,
    signal_number: int | None = None,
    reports_lost: bool = False,
    out_of_time: bool = False,
) -> Verdict:
    """The run's verdict, the one place it is chosen: a signal cancels the run whatever
    else happened; reports that could not be written make it `error` (the CI would see
    none); a start that ran out of time before the wait, `timeout`; otherwise the worst
    of its masters' (none judged, as when no run was started: `error`)."""
    if signal_number is not None:
        return Verdict.CANCELLED
    if reports_lost:
        return Verdict.ERROR
    if out_of_time:
        return Verdict.TIMEOUT
    return worst_verdict(master.verdict for master in masters)


def cancelled_exit_code(signal_number: int) -> int:
    """The exit code of a run a signal ended before it had an outcome (`cli.main`, the
    id `start` printed): the run's verdict, as every other path chooses it."""
    return run_verdict(signal_number=signal_number).exit_code(signal_number)


def cancelled_late(outcome: Outcome, signal_number: int, reason: str) -> Outcome:
    """The same run, re-labelled as cancelled by a signal that came after its wait (while
    its reports or its review comment were being written)."""
    return replace(
        outcome,
        verdict=run_verdict(outcome.masters, signal_number=signal_number),
        signal_number=signal_number,
        reason=reason,
    )


def reports_lost(outcome: Outcome, why: str) -> Outcome:
    """The same run, ended as `error` because its reports could not be written (a
    cancelled one stays cancelled); the reason still names the run's own result."""
    verdict = run_verdict(outcome.masters, signal_number=outcome.signal_number, reports_lost=True)
    if verdict is Verdict.CANCELLED:  # the signal's verdict stands, the loss is noted
        return replace(outcome, reason=f"{outcome.reason}; {why}")
    return replace(
        outcome,
        verdict=verdict,
        reason=f"{why}; the run itself: {outcome.verdict}: {outcome.reason}",
    )


def ended_before_wait(
    reason: str,
    *,
    threshold: int,
    started_at: datetime,
    finished_at: datetime,
    waited: float,
    signal_number: int | None = None,
    out_of_time: bool = False,
    masters: tuple[MasterOutcome, ...] = (),
) -> Outcome:
    """The outcome of a run that never got to its wait (`run`: a baseline that does not
    exist, a start that failed, ran out of time or was cancelled)."""
    return Outcome(
        verdict=run_verdict(masters, signal_number=signal_number, out_of_time=out_of_time),
        threshold=threshold,
        started_at=started_at,
        finished_at=finished_at,
        masters=masters,
        reason=reason,
        waited=waited,
        signal_number=signal_number,
    )


def cancelled_while_starting(
    master_id: str,
    *,
    report_url: str | None,
    stop_action: str | None,
    notes: tuple[str, ...],
) -> MasterOutcome:
    """The master a start cancelled in flight turned out to have started (`run
    --stop-on-cancel`): never watched, cancelled with the run."""
    return MasterOutcome(
        master_id=master_id,
        verdict=Verdict.CANCELLED,
        status=None,
        progress=None,
        notes=notes,
        stop_action=stop_action,
        report_url=report_url,
    )
