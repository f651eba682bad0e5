"""`ci-gate stop`: stop (progress >= 100) or terminate each master still running."""

from __future__ import annotations

import sys
from functools import partial
from typing import TextIO

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.commands.outputs import prepare_ci_files
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.settings import ApiSettings, StopSettings
from ci_gate.domain.run import TERMINAL_STATUSES
from ci_gate.errors import EXIT_PASSED, ApiError, DeadlineError
from ci_gate.formatting import format_duration
from ci_gate.signals import SignalGuard
from ci_gate.wait.progress import ConsoleProgress
from ci_gate.wait.stops import MAX_IN_FLIGHT, Stops


def run_stop(
    master_ids: tuple[str, ...],
    settings: StopSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
    context: Context = OUTSIDE_CI,
) -> int:
    """`ci-gate stop`: stop (progress >= 100) or terminate each master still running.

    `--timeout` bounds it all (status reads, stop requests, their retries: 60 s by
    default, which fits a GitLab `after_script`; exit 3 when it passes first), and a
    signal ends the command at once. The time is read on the context's clock.
    """
    prepare_ci_files(context.ci)  # its exit code goes to $GITHUB_OUTPUT: proved first
    clock = context.clock
    deadline = clock.monotonic() + settings.timeout
    note = ConsoleProgress(stdout or sys.stdout).note
    client = BlazeMeterClient.from_settings(
        api, on_retry=note, pool_size=min(len(master_ids), MAX_IN_FLIGHT), clock=clock
    )
    failures: list[str] = []

    def stop_one(master_id: str) -> str:
        """Read the master's status, then stop it: one job per master, side by side."""
        status = client.status(master_id, level="ERROR", events=False, deadline=deadline)
        if status.status in TERMINAL_STATUSES:
            return f"master {master_id} already {status.status}"
        action = client.stop(master_id, status.progress, deadline=deadline)
        return f"master {master_id}: sent {action} at progress {status.progress}"

    stops: Stops[str] = Stops(len(master_ids), clock.monotonic)
    try:
        with guard.interruptible():
            for master_id in master_ids:
                stops.send(partial(stop_one, master_id), master_id, deadline)
            for master_id, answer in stops.collect():
                if not answer.done():
                    failures.append(f"master {master_id}: no answer to the stop in time")
                elif isinstance(error := answer.exception(), ApiError):
                    failures.append(str(error))
                else:
                    note(answer.result())  # a bug's exception is raised here, not lost
    finally:
        stops.close()
        client.close()
    if failures and clock.monotonic() >= deadline:
        raise DeadlineError(
            f"timed out after {format_duration(settings.timeout)}: {'; '.join(failures)}"
        )
    if failures:
        raise ApiError("; ".join(failures))
    return EXIT_PASSED
