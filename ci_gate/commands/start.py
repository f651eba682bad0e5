"""`ci-gate start`: start a test, print only the master id, hand it to the CI system."""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ci_gate.blazemeter.api import BlazeMeterClient, start_may_have_happened
from ci_gate.blazemeter.start_attempts import StartAttempts
from ci_gate.clock import Clock
from ci_gate.commands.outputs import announce_master, prepare_outputs
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.settings import ApiSettings, StartCommandSettings, StartSettings
from ci_gate.errors import EXIT_PASSED, ApiError, DeadlineError, StartMayHaveHappenedError
from ci_gate.formatting import format_duration
from ci_gate.judging.run_outcome import cancelled_exit_code
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.wait.pool import WorkerPool
from ci_gate.wait.progress import ConsoleProgress


def what_starts(start: StartSettings) -> str:
    """`test 7` or `multi-test 7`, as every message names it."""
    return f"{'multi-test' if start.multi_test else 'test'} {start.test_id}"


def why_start_failed(start: StartSettings, error: ApiError) -> str:
    """One line on a start that failed, saying whether a run may have started: "no run
    was started" only when the request cannot have reached BlazeMeter (or it refused)."""
    reason = f"could not start {what_starts(start)}: {error}"
    if not isinstance(error, StartMayHaveHappenedError):
        reason += "; no run was started"
    return reason


def after_cancel(request: StartRequest) -> str:
    """What a signal during the start leaves behind, in the words every message uses
    (and no later try of the start is sent)."""
    if request.cancel():
        return "no run was started"
    return start_may_have_happened(what_starts(request.start))


class StartRequest:
    """The start request, made on a daemon thread: a signal interrupts the waiting for it,
    never the request itself, so that its answer (a master that was started) can still be
    collected and stopped within the stop budget. `deadline` is on `clock` (the command's)."""

    def __init__(
        self,
        start: StartSettings,
        api: ApiSettings,
        *,
        log: Callable[[str], None],
        deadline: float | None,
        clock: Clock,
    ) -> None:
        self.start = start
        self._log = log
        self._clock = clock
        self._client = BlazeMeterClient.from_settings(api, on_retry=log, clock=clock)
        self._pool = WorkerPool(1, "ci-gate-start")
        self._attempts = StartAttempts()
        self._future = self._pool.submit(
            lambda: self._client.start(
                start.test_id, multi=start.multi_test, deadline=deadline, attempts=self._attempts
            )
        )

    def cancel(self) -> bool:
        """After a signal: no later try is sent; True when no try can have reached
        BlazeMeter (refused, a name that does not resolve, 429), so no run was started."""
        return self._attempts.cancel() or self.nothing_started()

    def nothing_started(self) -> bool:
        """The request has ended without reaching BlazeMeter (or refused by it)."""
        if not self._future.done():
            return False
        error = self._future.exception()
        return isinstance(error, ApiError) and not isinstance(error, StartMayHaveHappenedError)

    def wait(self, guard: SignalGuard) -> str:
        """The new master's id; a signal raises `Cancelled` at once (the request goes on)."""
        with guard.interruptible():
            while True:
                try:
                    master_id = self._future.result(timeout=0.2)
                    break
                except concurrent.futures.TimeoutError:
                    continue
        self._log(f"started {what_starts(self.start)}: master {master_id}")
        return master_id

    def answer_by(self, until: float) -> str | None:
        """After a cancel: the master id, if the answer brings one by `until` (on the
        request's clock)."""
        while True:
            left = until - self._clock.monotonic()
            if left <= 0:
                return None
            try:
                master_id = self._future.result(timeout=min(left, 0.2))
            except concurrent.futures.TimeoutError:
                continue
            except ApiError:
                return None
            self._log(f"started {what_starts(self.start)}: master {master_id}")
            return master_id

    def close(self) -> None:
        """Leave a request still in flight to die with the process (a daemon thread)."""
        self._pool.close()
        if self._future.done():
            self._client.close()


def start_test(
    start: StartSettings,
    api: ApiSettings,
    *,
    log: Callable[[str], None],
    guard: SignalGuard,
    clock: Clock,
    deadline: float | None = None,
) -> str:
    """Start the test (retried only where a retry cannot start a second run). A signal
    during the request raises `Cancelled` at once; one that comes once the master id is
    back is only recorded (`guard.received`), so the id is never lost; the cancel's line
    says whether a run may have started."""
    request = StartRequest(start, api, log=log, deadline=deadline, clock=clock)
    try:
        return request.wait(guard)
    except Cancelled as cancelled:
        log(
            f"cancelled by {cancelled} while starting {what_starts(start)}; {after_cancel(request)}"
        )
        raise
    finally:
        request.close()


def run_start(
    start: StartSettings,
    command: StartCommandSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    report_dir: Path,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    context: Context = OUTSIDE_CI,
) -> int:
    """`ci-gate start`: only the master id on stdout, everything else on stderr; bounded
    by `--timeout` (exit 3 when it passes, on the context's clock) and interruptible."""
    stdout = stdout or sys.stdout
    # gate.env (GitLab only) goes where the wait after it writes: CI_GATE_REPORT_DIR's folder
    prepare_outputs(report_dir, context.ci, reports=False, named="CI_GATE_REPORT_DIR")
    stderr = stderr or sys.stderr
    log = ConsoleProgress(stderr).note
    clock = context.clock
    deadline = clock.monotonic() + command.timeout
    try:
        master_id = start_test(start, api, log=log, guard=guard, clock=clock, deadline=deadline)
    except ApiError as error:
        if clock.monotonic() >= deadline:
            raise DeadlineError(
                f"timed out after {format_duration(command.timeout)}: "
                f"{why_start_failed(start, error)}"
            ) from None
        raise
    stdout.write(master_id + "\n")
    stdout.flush()
    # stdout is only the id (`MASTER_ID=$(ci-gate start ...)`): Azure's command goes to stderr
    announce_master(master_id, report_dir, context.ci, log, stderr)
    if guard.received is not None:  # the run started; say so, then end as cancelled
        return cancelled_exit_code(guard.received)
    return EXIT_PASSED
