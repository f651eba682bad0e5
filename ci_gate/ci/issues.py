"""What the CI platforms flag in the log: each master's error and its offending events,
regressions and failed criteria, one inert line each, in one order, capped in one place.

GitHub's `::error` annotations and Azure's `##vso[task.logissue]` are both built from
`capped_issues`, so the two platforms flag the same things, the same number of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ci_gate.domain.outcome import MasterOutcome, Outcome
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import about_master, describe_event
from ci_gate.text import one_line

#: GitHub shows at most 10 error annotations per step; no platform gets more than that.
MAX_ISSUES = 10


@dataclass(frozen=True)
class Issue:
    """One thing to flag: the master it is about and its text, already one inert line."""

    master_id: str
    text: str


def _texts(master: MasterOutcome) -> Iterator[str]:
    """The master's issues' texts, in order, each worked out only when asked for."""
    if master.verdict in (Verdict.ERROR, Verdict.TIMEOUT, Verdict.BROKEN) and master.error:
        yield master.error
    for event in master.offending:
        yield describe_event(event, 400)
    for row in master.baseline.regressions if master.baseline else ():
        yield f"regression against the baseline: {row.describe()}"
    for criterion in master.criteria.failed if master.criteria else ():
        yield f"failure criterion failed: {criterion.describe()}"


def _count(master: MasterOutcome) -> int:
    """How many issues `_texts` yields for the master, without describing any."""
    failed = master.verdict in (Verdict.ERROR, Verdict.TIMEOUT, Verdict.BROKEN)
    return (
        int(bool(failed and master.error))
        + len(master.offending)
        + (len(master.baseline.regressions) if master.baseline else 0)
        + (len(master.criteria.failed) if master.criteria else 0)
    )


def all_issues(outcome: Outcome) -> Iterator[Issue]:
    """Masters that errored, timed out or broke, then offending events, regressions and
    failed criteria, master by master; lazily, so a cap describes only what it shows."""
    for master in outcome.masters:
        for text in _texts(master):
            yield Issue(master.master_id, one_line(about_master(master.master_id, text)))


def capped_issues(outcome: Outcome) -> tuple[list[Issue], int]:
    """The first `MAX_ISSUES` issues, and how many more there are: counted, not described
    (a 60,000-event answer was described whole for ten annotations, seconds past the
    deadline and the cancel budget)."""
    shown = list(islice(all_issues(outcome), MAX_ISSUES))
    total = sum(_count(master) for master in outcome.masters)
    return shown, max(total - len(shown), 0)
