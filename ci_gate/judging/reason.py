"""The run's reason: the one line that says why the run ended as it did.

Printed as the verdict line, kept in summary.json and shown first in summary.md; each
failing master is named with its own count, and a pass says what it leaned on.
"""

from __future__ import annotations

from ci_gate.domain.live_criteria import JudgeState
from ci_gate.domain.outcome import MasterOutcome
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import describe_event, plural
from ci_gate.judging.live_outcome import live_reason


def run_reason(verdict: Verdict, masters: tuple[MasterOutcome, ...], level: str) -> str:
    """One line saying why the run ended as it did; each failing master with its count."""
    count = len(masters)
    if verdict == Verdict.PASSED:
        # events waived by --ignore were at the level: "no event" would contradict them
        waived = any(master.ignored for master in masters)
        which = "no offending event" if waived else "no event"
        reason = f"{count} {plural(count, 'master')} ended with {which} at {level} or above"
        statuses = {m.criteria.report_status for m in masters if m.criteria is not None}
        if statuses == {"pass"}:
            reason += ", and BlazeMeter's failure criteria passed"
        return reason + _passed_also(masters)
    culprits = [master for master in masters if master.verdict == verdict] or [masters[0]]
    if verdict == Verdict.FAILED:
        return _failed_reason(culprits, level)
    # one reason said once: a cause shared by every master (a baseline not found) is one line
    said = (master.error or f"master {master.master_id}: {verdict}" for master in culprits)
    reasons = list(dict.fromkeys(said))
    shown = "; ".join(reasons[:3])
    more = len(reasons) - 3
    return shown + (f"; and {more} more {plural(more, 'master')}" if more > 0 else "")


def _passed_also(masters: tuple[MasterOutcome, ...]) -> str:
    """What a pass leaned on besides the events: events waived by --ignore, and the
    baselines it was compared with."""
    parts = []
    ignored = sum(len(master.ignored) for master in masters)
    if ignored:
        parts.append(f"{ignored} {plural(ignored, 'event')} ignored (--ignore)")
    compared = {
        f"{master.baseline.master_id} ({master.baseline.how_chosen})": None
        for master in masters
        if master.baseline is not None and master.baseline.master_id and not master.baseline.note
    }
    if compared:
        parts.append(
            f"no regression against {plural(len(compared), 'baseline')} {', '.join(compared)}"
        )
    held = sum(
        1
        for master in masters
        for item in master.live_criteria
        if item.judgement.state is JudgeState.OK  # a non-failed breach did not hold
    )
    if held:
        parts.append(f"{held} live {plural(held, 'criterion', 'criteria')} held")
    warned = [
        f"warning: master {master.master_id}: {live_reason(item)}"
        for master in masters
        for item in master.live_criteria
        if not item.criterion.fail and item.judgement.state is not JudgeState.OK
    ]
    return "".join(f"; {part}" for part in parts + warned)


def _failed_reason(culprits: list[MasterOutcome], level: str) -> str:
    """Events first (each master with its count), then each master's failed criteria."""
    by_events = [master for master in culprits if master.offending]
    parts = []
    if by_events:
        counts = ", ".join(
            f"master {master.master_id}: {len(master.offending)} "
            f"{plural(len(master.offending), 'event')}"
            for master in by_events
        )
        detail = describe_event(by_events[0].offending[0], 200)
        parts.append(f"{counts} at {level} or above; first: {detail}")
    parts += [
        f"master {master.master_id}: {master.criteria.reason}"
        for master in culprits
        if master.criteria is not None and master.criteria.verdict is Verdict.FAILED
    ]
    parts += [
        f"master {master.master_id}: {live_reason(item)}"
        for master in culprits
        for item in master.live_criteria
        if item.fails
    ]
    for master in culprits:
        worst = master.baseline.worst if master.baseline else None
        if master.baseline is not None and worst is not None:
            more = len(master.baseline.regressions) - 1
            parts.append(
                f"master {master.master_id}: regression against master "
                f"{master.baseline.master_id}: {worst.describe()}"
                + (f"; and {more} more" if more > 0 else "")
            )
    return "; ".join(parts) or f"master {culprits[0].master_id}: failed"
