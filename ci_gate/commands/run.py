"""`ci-gate run`: start the test, note the CI job on it, and wait, all within `--timeout`."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import TextIO

from ci_gate.ci.provenance import provenance_note
from ci_gate.commands.outputs import announce_master, make_client, prepare_outputs
from ci_gate.commands.start import start_test
from ci_gate.commands.wait import comment_deadline, finish, run_wait
from ci_gate.config.settings import ApiSettings, RunSettings, StartSettings, WaitSettings
from ci_gate.domain.outcome import Outcome
from ci_gate.domain.verdict import Verdict
from ci_gate.errors import ApiError, StartMayHaveHappenedError
from ci_gate.formatting import format_duration
from ci_gate.wait.progress import ConsoleProgress
from ci_gate.wait.signals import Cancelled, SignalGuard

#: Seconds the provenance note may take: it must not hold up the wait.
NOTE_BUDGET = 10.0


def run_run(
    start: StartSettings,
    run: RunSettings,
    settings: WaitSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """`ci-gate run`: start, announce the master, write the provenance note, wait.

    `--timeout` covers all of it: the start and the note are bounded by it, and the wait
    gets what is left. A start that fails, runs out of time or is cancelled still writes
    the report set, saying whether a run may have started.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    env = os.environ if env is None else env
    prepare_outputs(settings.report_dir, env)
    log = ConsoleProgress(stdout).note
    began, started_at = time.monotonic(), datetime.now(timezone.utc)
    deadline = began + settings.timeout
    notes: list[str] = []

    def ended_before_waiting(verdict: Verdict, reason: str, signal_number: int | None) -> int:
        outcome = Outcome(
            verdict=verdict,
            exit_code=verdict.exit_code(signal_number),
            threshold=settings.level,
            started_at=started_at,
            finished_at=datetime.now(timezone.utc),
            masters=(),
            reason=reason,
            waited=time.monotonic() - began,
        )
        return finish(
            outcome,
            settings.report_dir,
            guard,
            stdout=stdout,
            stderr=stderr,
            env=env,
            comment_until=comment_deadline(settings, deadline),
        )

    what = f"{'multi-test' if start.multi_test else 'test'} {start.test_id}"
    try:
        master_id = start_test(start, api, log=log, guard=guard, deadline=deadline)
    except Cancelled as cancelled:
        return ended_before_waiting(
            Verdict.CANCELLED,
            f"cancelled by {cancelled} while starting {what}; the start request may "
            f"have reached BlazeMeter: check {what}",
            cancelled.signal_number,
        )
    except ApiError as error:
        late = time.monotonic() >= deadline
        started = (
            "a run may have started"
            if isinstance(error, StartMayHaveHappenedError)
            else "no run was started"
        )
        reason = f"could not start {what}: {error}"
        if "a run may have started" not in reason:
            reason += f"; {started}"
        if late:
            reason = f"timed out after {format_duration(settings.timeout)}: {reason}"
        return ended_before_waiting(Verdict.TIMEOUT if late else Verdict.ERROR, reason, None)
    # from here a signal is recorded, and the wait acts on it at once: the reports, and
    # with --stop-on-cancel the stop of what was started
    announce_master(master_id, settings.report_dir, env, log)
    if not run.no_note and guard.received is None:
        with contextlib.suppress(Cancelled), guard.interruptible():
            notes += _set_note(
                master_id, api, log, env, min(deadline, time.monotonic() + NOTE_BUDGET)
            )
    left = max(deadline - time.monotonic(), 0.001)  # the wait still takes its last look
    return run_wait(
        replace(settings, master_ids=(master_id,), timeout=min(settings.timeout, left)),
        api,
        guard,
        stdout=stdout,
        stderr=stderr,
        env=env,
        notes={master_id: notes},
    )


def _set_note(
    master_id: str,
    api: ApiSettings,
    log: Callable[[str], None],
    env: Mapping[str, str],
    deadline: float,
) -> list[str]:
    """Write the CI provenance into the master's note; a failure is only a note."""
    note = provenance_note(env)
    client = make_client(api, on_retry=log)
    try:
        client.set_note(master_id, note, deadline=deadline)
        log(f"master {master_id}: note set: {note}")
        return []
    except ApiError as error:
        log(f"master {master_id}: could not set the provenance note: {error}")
        return [f"could not set the provenance note: {error}"]
    finally:
        client.close()
