"""Verdicts: one enum carrying each verdict's severity and exit code.

A master is `passed`, `failed`, `broken` (it ended without a usable result: BlazeMeter's
reportStatus `error`, `abort` or `noData`), `timeout`, `error`, `cancelled` or, when
`--fail-fast` ended the wait before it was judged, `unfinished`. The run's verdict is the
worst of its masters' (error > timeout > broken > failed > passed), or `cancelled`, which
overrides all.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable
from enum import Enum

from ci_gate.errors import EXIT_API, EXIT_BROKEN, EXIT_FAILED, EXIT_PASSED, EXIT_TIMEOUT

#: Seconds of consecutive API trouble retried (`CI_GATE_RETRY_MAX_TIME`'s default); trouble
#: this long at the deadline means the gate could not see the run: `error`, not `timeout`.
TROUBLE_WINDOW = 300.0

#: Exit code of a run cancelled by each signal (128 + the signal's number).
CANCEL_EXIT_CODES: dict[int, int] = {
    signal.SIGHUP: 129,
    signal.SIGINT: 130,
    signal.SIGTERM: 143,
}


class Verdict(str, Enum):
    """A verdict; its value is the word shown in reports and CI outputs."""

    UNFINISHED = "unfinished"
    PASSED = "passed"
    FAILED = "failed"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    ERROR = "error"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    def exit_code(self, signal_number: int | None = None) -> int:
        """The process's exit code for this verdict (cancelled: by the signal's number)."""
        if self is Verdict.CANCELLED:
            return CANCEL_EXIT_CODES.get(signal_number or signal.SIGTERM, 143)
        return _EXIT_CODES[self]


_SEVERITY = {
    Verdict.UNFINISHED: 0,
    Verdict.PASSED: 1,
    Verdict.FAILED: 2,
    Verdict.BROKEN: 3,
    Verdict.TIMEOUT: 4,
    Verdict.ERROR: 5,
    Verdict.CANCELLED: 6,
}


_EXIT_CODES = {
    Verdict.UNFINISHED: EXIT_PASSED,
    Verdict.PASSED: EXIT_PASSED,
    Verdict.FAILED: EXIT_FAILED,
    Verdict.BROKEN: EXIT_BROKEN,
    Verdict.TIMEOUT: EXIT_TIMEOUT,
    Verdict.ERROR: EXIT_API,
}


def worst_verdict(verdicts: Iterable[Verdict]) -> Verdict:
    """The run's verdict from its masters'; `unfinished` masters do not count."""
    judged = [verdict for verdict in verdicts if verdict is not Verdict.UNFINISHED]
    return max(judged, key=lambda verdict: verdict.severity) if judged else Verdict.ERROR
