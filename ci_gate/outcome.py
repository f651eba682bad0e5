"""The one immutable result of a wait, which reports and CI adapters read.

Verdicts: a master is `passed`, `failed`, `timeout`, `error`, `cancelled` or, when
`--fail-fast` ended the wait before it was judged, `unfinished`. The run's verdict is
the worst of its masters' (error > timeout > failed > passed), or `cancelled`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ci_gate.errors import (
    EXIT_API,
    EXIT_FAILED,
    EXIT_PASSED,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_TIMEOUT,
)
from ci_gate.model import Event

PASSED = "passed"
FAILED = "failed"
TIMEOUT = "timeout"
ERROR = "error"
CANCELLED = "cancelled"
UNFINISHED = "unfinished"

_SEVERITY = {UNFINISHED: 0, PASSED: 1, FAILED: 2, TIMEOUT: 3, ERROR: 4, CANCELLED: 5}
_EXIT_CODES = {PASSED: EXIT_PASSED, FAILED: EXIT_FAILED, TIMEOUT: EXIT_TIMEOUT, ERROR: EXIT_API}


def worst_verdict(verdicts: Iterable[str]) -> str:
    """The run's verdict from its masters': error > timeout > failed > passed."""
    judged = [verdict for verdict in verdicts if verdict != UNFINISHED]
    return max(judged, key=_SEVERITY.__getitem__) if judged else ERROR


def exit_code_for(verdict: str, signal_number: int | None = None) -> int:
    if verdict == CANCELLED:
        return EXIT_SIGINT if signal_number == 2 else EXIT_SIGTERM
    return _EXIT_CODES[verdict]


@dataclass(frozen=True)
class StatusChange:
    """A point of the status timeline."""

    at: datetime
    elapsed: float
    status: str
    progress: int | None


@dataclass(frozen=True)
class MasterOutcome:
    """What happened to one master."""

    master_id: str
    verdict: str
    status: str | None
    progress: int | None
    error: str | None = None
    offending: tuple[Event, ...] = ()
    ignored: int = 0
    unrecognised_levels: int = 0
    event_counts: dict[str, int] = field(default_factory=dict)
    timeline: tuple[StatusChange, ...] = ()
    notes: tuple[str, ...] = ()
    stop_action: str | None = None


@dataclass(frozen=True)
class Traffic:
    requests: int = 0
    bytes_received: int = 0
    retries: int = 0


@dataclass(frozen=True)
class Outcome:
    """The whole run: every master, the verdict, and one line saying why."""

    verdict: str
    exit_code: int
    level: str
    threshold: int
    started_at: datetime
    finished_at: datetime
    masters: tuple[MasterOutcome, ...]
    reason: str
    traffic: Traffic = field(default_factory=Traffic)

    def cancelled(self, signal_number: int, reason: str) -> Outcome:
        """The same run, re-labelled as cancelled by a signal that came late."""
        return replace(
            self,
            verdict=CANCELLED,
            exit_code=exit_code_for(CANCELLED, signal_number),
            reason=reason,
        )
