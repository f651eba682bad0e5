"""The run's verdict, chosen in one function (`run_verdict`) that every path takes, and
the re-labellings of a concluded run (a late signal, lost reports) that go through it.

`combine.combine_run` asks it at the wait's end; a signal after the wait
(`cancelled_late`), reports that could not be written (`reports_lost`), a `run` that never
got to its wait (`commands.run`) and a signal with no outcome at all
(`cancelled_exit_code`) ask it too, so no other module picks a `Verdict`. It imports
only the domain: what the run's verdict depends on is the masters' verdicts and these few
facts, never how they were gathered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

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
