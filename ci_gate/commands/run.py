"""`ci-gate run`: start the test, note the CI job on it, and wait, all within `--timeout`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.blazemeter.links import report_url
from ci_gate.ci.comment import comment_deadline
from ci_gate.ci.provenance import provenance_note
from ci_gate.clock import Clock
from ci_gate.commands.conclude import conclude, write_reports_only
from ci_gate.commands.outputs import (
    announce_master,
    prepare_outputs,
    remove_previous_reports,
)
from ci_gate.commands.start import StartRequest, after_cancel, what_starts, why_start_failed
from ci_gate.commands.wait import run_wait
from ci_gate.config.ci_env import Ci
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.settings import ApiSettings, RunSettings, StartSettings, WaitSettings
from ci_gate.domain.outcome import MasterOutcome, Outcome, Seen, StopRequest
from ci_gate.errors import ApiError
from ci_gate.formatting import about_master, format_duration
from ci_gate.judging.run_outcome import run_verdict
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.wait.loop import STOP_BUDGET
from ci_gate.wait.preflight import read_named_baseline
from ci_gate.wait.progress import ConsoleProgress

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
    context: Context = OUTSIDE_CI,
) -> int:
    """`ci-gate run`: start, announce the master, write the provenance note, wait.

    `--timeout` covers all of it: the start and the note are bounded by it, and the wait
    gets what is left. A start that fails, runs out of time or is cancelled still writes
    the report set, saying whether a run may have started. The time is read on the
    context's clock, and the wait runs on it too.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    ci, clock = context.ci, context.clock
    prepare_outputs(settings.report_dir, ci)
    log = ConsoleProgress(stdout).note
    # before the new master is named anywhere: no file of an earlier run beside it
    remove_previous_reports(settings.report_dir, log)
    began, started_at = clock.monotonic(), clock.now()
    deadline = began + settings.timeout
    notes: list[str] = []

    def ended_before_waiting(
        reason: str,
        *,
        signal_number: int | None = None,
        out_of_time: bool = False,
        masters: tuple[MasterOutcome, ...] = (),
        quietly: bool = False,
    ) -> int:
        """The report set (and with it the CI outputs and closing lines) of a run that
        never got to its wait; `quietly`: the reports only, before the stop requests."""
        outcome = Outcome(
            verdict=run_verdict(masters, signal_number=signal_number, out_of_time=out_of_time),
            threshold=settings.level,
            started_at=started_at,
            finished_at=clock.now(),
            masters=masters,
            reason=reason,
            waited=clock.monotonic() - began,
            signal_number=signal_number,
        )
        if quietly:
            write_reports_only(outcome, settings.report_dir, guard, ci)
            return outcome.exit_code
        return conclude(
            outcome,
            settings.report_dir,
            guard,
            stdout=stdout,
            stderr=stderr,
            ci=ci,
            comment_until=(
                comment_deadline(deadline, STOP_BUDGET, clock.monotonic())
                if settings.comment
                else None
            ),
            clock=clock,
        ).exit_code

    try:
        missing = _missing_baseline(settings, api, log, guard, deadline, clock)
    except Cancelled as cancelled:
        return ended_before_waiting(
            f"cancelled by {cancelled} before starting {what_starts(start)}; no run was started",
            signal_number=cancelled.signal_number,
        )
    if missing is not None:
        return ended_before_waiting(f"{missing}; no run was started")
    request = StartRequest(start, api, log=log, deadline=deadline, clock=clock)
    try:
        master_id = request.wait(guard)
    except Cancelled as cancelled:
        return _cancelled_while_starting(
            request,
            cancelled,
            settings,
            api,
            ended_before_waiting,
            lambda master_id: announce_master(master_id, settings.report_dir, ci, log, stdout),
            log,
            clock,
            began,
        )
    except ApiError as error:
        late = clock.monotonic() >= deadline
        reason = why_start_failed(start, error)
        if late:
            reason = f"timed out after {format_duration(settings.timeout)}: {reason}"
        return ended_before_waiting(reason, out_of_time=late)
    finally:
        request.close()
    # from here a signal is recorded, and the wait acts on it at once: the reports, and
    # with --stop-on-cancel the stop of what was started
    announce_master(master_id, settings.report_dir, ci, log, stdout)
    if not run.no_note and guard.received is None:
        with contextlib.suppress(Cancelled), guard.interruptible():
            note_by = min(deadline, clock.monotonic() + NOTE_BUDGET)
            notes += _set_note(master_id, api, log, ci, note_by, clock)
    left = max(deadline - clock.monotonic(), 0.001)  # the wait still takes its last look
    return run_wait(
        replace(settings, master_ids=(master_id,), timeout=min(settings.timeout, left)),
        api,
        guard,
        stdout=stdout,
        stderr=stderr,
        context=context,
        notes={master_id: notes},
    )


def _cancelled_while_starting(
    request: StartRequest,
    cancelled: Cancelled,
    settings: WaitSettings,
    api: ApiSettings,
    ended: Callable[..., int],
    announce: Callable[[str], None],
    log: Callable[[str], None],
    clock: Clock,
    began: float,
) -> int:
    """A signal while the start request was in flight (`began`: the wait's clock at 0 s,
    where the stop request is placed). Without --stop-on-cancel: the
    reports at once, saying a run may have started. With it: the reports first, then the
    answer awaited within the stop budget and the master it names stopped, then the
    reports again naming it; when no answer comes in time, they say to check."""
    signalled = clock.monotonic()
    what = what_starts(request.start)
    unknown = f"cancelled by {cancelled} while starting {what}; {after_cancel(request)}"
    if not settings.stop_on_cancel or request.nothing_started():  # no run, or no stop
        return ended(unknown, signal_number=cancelled.signal_number)
    ended(unknown, signal_number=cancelled.signal_number, quietly=True)
    until = signalled + STOP_BUDGET
    log(f"waiting up to {STOP_BUDGET:g}s for the answer to the start, to stop what it started")
    master_id = request.answer_by(until)
    if master_id is None:
        if request.nothing_started():  # the try out at the signal did not reach BlazeMeter
            unknown = f"cancelled by {cancelled} while starting {what}; no run was started"
        return ended(unknown, signal_number=cancelled.signal_number)
    announce(master_id)
    client = BlazeMeterClient.from_settings(api, on_retry=log, clock=clock)
    notes: tuple[str, ...] = ()
    action: str | None = None
    asked = clock.monotonic() - began
    try:
        action = client.stop(master_id, None, deadline=until)
        log(f"master {master_id}: sent {action} (cancelled, --stop-on-cancel)")
        reason = f"cancelled by {cancelled} while starting {what}: master {master_id} sent {action}"
    except ApiError as error:
        said = about_master(master_id, str(error))
        notes = (f"could not stop the master: {said}",)
        log(f"master {master_id}: could not stop it: {said}")
        reason = (
            f"cancelled by {cancelled} while starting {what}: master {master_id} started and "
            f"could not be stopped ({said}): stop it in BlazeMeter (ci-gate stop {master_id})"
        )
    finally:
        client.close()
    master = MasterOutcome(  # never watched: cancelled with the run, as the run's verdict says
        master_id=master_id,
        verdict=run_verdict(signal_number=cancelled.signal_number),
        seen=Seen(stop_requests=(StopRequest(asked, action, "cancelled (--stop-on-cancel)"),)),
        notes=notes,
        report_url=report_url(api.url, master_id),
    )
    return ended(reason, signal_number=cancelled.signal_number, masters=(master,))


def _missing_baseline(
    settings: WaitSettings,
    api: ApiSettings,
    log: Callable[[str], None],
    guard: SignalGuard,
    deadline: float,
    clock: Clock,
) -> str | None:
    """A baseline named by id that BlazeMeter says does not exist, found before the test
    is started: a mistyped id costs no run. None otherwise (the wait reads it again)."""
    if settings.baseline is None:
        return None
    client = BlazeMeterClient.from_settings(api, on_retry=log, clock=clock)
    try:
        with guard.interruptible():
            found = read_named_baseline(client, settings.baseline, deadline)
    finally:
        client.close()
    return found if isinstance(found, str) else None


def _set_note(
    master_id: str,
    api: ApiSettings,
    log: Callable[[str], None],
    ci: Ci,
    deadline: float,
    clock: Clock,
) -> list[str]:
    """Write the CI provenance into the master's note; a failure is only a note."""
    note = provenance_note(ci)
    client = BlazeMeterClient.from_settings(api, on_retry=log, clock=clock)
    try:
        client.set_note(master_id, note, deadline=deadline)
        log(f"master {master_id}: note set: {note}")
        return []
    except ApiError as error:
        said = about_master(master_id, str(error))
        log(f"master {master_id}: could not set the provenance note: {said}")
        return [f"could not set the provenance note: {said}"]
    finally:
        client.close()
