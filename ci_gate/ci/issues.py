"""What the CI platforms flag in the log: each master's error and its offending events,
regressions and failed criteria, one inert line each, in one order, capped in one place.

GitHub's `::error` annotations and Azure's `##vso[task.logissue]` are both built from
`capped_issues`, so the two platforms flag the same things, the same number of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ci_gate.domain.outcome import Outcome
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


def all_issues(outcome: Outcome) -> list[Issue]:
    """Masters that errored, timed out or broke, then offending events, regressions and
    failed criteria, master by master."""
    issues: list[Issue] = []
    for master in outcome.masters:
        texts: list[str] = []
        if master.verdict in (Verdict.ERROR, Verdict.TIMEOUT, Verdict.BROKEN) and master.error:
            texts.append(master.error)
        texts += [describe_event(event, 400) for event in master.offending]
        for row in master.baseline.regressions if master.baseline else ():
            texts.append(f"regression against the baseline: {row.describe()}")
        for criterion in master.criteria.failed if master.criteria else ():
            texts.append(f"failure criterion failed: {criterion.describe()}")
        issues += [
            Issue(master.master_id, one_line(about_master(master.master_id, text)))
            for text in texts
        ]
    return issues


def capped_issues(outcome: Outcome) -> tuple[list[Issue], int]:
    """The first `MAX_ISSUES` issues, and how many more there are."""
    issues = all_issues(outcome)
    return issues[:MAX_ISSUES], max(len(issues) - MAX_ISSUES, 0)
