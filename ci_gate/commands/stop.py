"""`ci-gate stop`: stop (progress >= 100) or terminate each master still running."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ci_gate.commands.outputs import make_client
from ci_gate.config.settings import ApiSettings, StopSettings
from ci_gate.domain.run import TERMINAL_STATUSES
from ci_gate.errors import EXIT_PASSED, ApiError, DeadlineError
from ci_gate.formatting import format_duration
from ci_gate.wait.progress import ConsoleProgress
from ci_gate.wait.signals import SignalGuard


def run_stop(
    master_ids: tuple[str, ...],
    settings: StopSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
) -> int:
    """`ci-gate stop`: stop (progress >= 100) or terminate each master still running.

    `--timeout` bounds it all (status reads, stop requests, their retries: 60 s by
    default, which fits a GitLab `after_script`; exit 3 when it passes first), and a
    signal ends the command at once.
    """
    deadline = time.monotonic() + settings.timeout
    note = ConsoleProgress(stdout or sys.stdout).note
    client = make_client(api, on_retry=note)
    failures: list[str] = []
    try:
        with guard.interruptible():
            for master_id in master_ids:
                try:
                    status = client.status(
                        master_id, level="ERROR", events=False, deadline=deadline
                    )
                    if status.status in TERMINAL_STATUSES:
                        note(f"master {master_id} already {status.status}")
                        continue
                    action = client.stop(master_id, status.progress, deadline=deadline)
                    note(f"master {master_id}: sent {action} at progress {status.progress}")
                except ApiError as error:
                    failures.append(str(error))
    finally:
        client.close()
    if failures and time.monotonic() >= deadline:
        raise DeadlineError(
            f"timed out after {format_duration(settings.timeout)}: {'; '.join(failures)}"
        )
    if failures:
        raise ApiError("; ".join(failures))
    return EXIT_PASSED
