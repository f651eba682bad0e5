"""The commands' work, apart from argument parsing: wait, stop.

`run_wait` builds the client and waiter, writes the reports (on every path), hands the
outcome to the CI adapters and prints the closing lines; it returns the exit code.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from ci_gate import ci
from ci_gate.ci.github import write_outputs
from ci_gate.client import BlazeMeterClient
from ci_gate.errors import EXIT_PASSED, ApiError, StartMayHaveHappenedError, UsageError
from ci_gate.formatting import format_duration
from ci_gate.levels import level_name
from ci_gate.model import TERMINAL_STATUSES
from ci_gate.outcome import Outcome
from ci_gate.progress import ConsoleProgress, ProgressSink
from ci_gate.provenance import provenance_note
from ci_gate.report import ReportPaths, report_paths, write_reports
from ci_gate.report.atomic import write_file
from ci_gate.report.dotenv import DOTENV_NAME, started_dotenv
from ci_gate.report.summary import render_markdown
from ci_gate.settings import (
    ApiSettings,
    RunSettings,
    StartSettings,
    WaitSettings,
    is_loopback,
    print_traceback_if_debugging,
)
from ci_gate.signals import SIGNAL_NAMES, Cancelled, SignalGuard
from ci_gate.text import one_line
from ci_gate.verdict import Verdict
from ci_gate.waiter import STOP_BUDGET, Waiter


def _prepare_report_dir(report_dir: Path) -> None:
    """Create the report folder and prove it writable before the first poll (exit 2)."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"--report-dir {str(report_dir)!r}: cannot create it ({error.strerror})"
        ) from None
    try:
        with tempfile.TemporaryFile(dir=report_dir, prefix=".ci-gate-probe."):
            pass
    except OSError as error:
        raise UsageError(
            f"--report-dir {str(report_dir)!r}: cannot write there ({error.strerror})"
        ) from None


def _prepare_outputs(report_dir: Path, env: Mapping[str, str]) -> None:
    """Every path the gate will write, proved before the first request (exit 2 naming
    it): the report folder, gate.env inside GitLab, $GITHUB_OUTPUT inside GitHub."""
    _prepare_report_dir(report_dir)
    platform = ci.detect(env)
    if platform == "gitlab":
        dotenv = report_dir / DOTENV_NAME
        if dotenv.is_dir() or (dotenv.exists() and not os.access(dotenv, os.W_OK)):
            raise UsageError(f"{str(dotenv)!r} (gate.env) cannot be written: it is a folder")
    if platform == "github" and env.get("GITHUB_OUTPUT"):
        output = Path(env["GITHUB_OUTPUT"])
        try:
            with output.open("a", encoding="utf-8"):
                pass
        except OSError as error:
            raise UsageError(
                f"$GITHUB_OUTPUT {str(output)!r} cannot be opened ({error.strerror})"
            ) from None


def _announce(settings: WaitSettings, api: ApiSettings, progress: ProgressSink) -> None:
    host = urlsplit(api.url).hostname or ""
    if settings.interval < 1 and not is_loopback(host):
        progress.note(
            f"warning: --interval {settings.interval:g}s polls a remote API more than once a "
            "second; BlazeMeter may answer with HTTP 429"
        )
    if settings.stop_on_fail and not settings.fail_fast:
        progress.note(
            "warning: --stop-on-fail acts only with --fail-fast (a master that fails without "
            "it has already ended); add --fail-fast to stop failing runs early"
        )
    ids = " ".join(settings.master_ids)
    level = level_name(settings.level)
    progress.note(
        f"waiting for master {ids} at {api.url} (fail at {level} and above, "
        f"timeout {format_duration(settings.timeout)}, poll every {settings.interval:g}s)"
    )
    if settings.ignore:
        patterns = ", ".join(repr(pattern.pattern) for pattern in settings.ignore)
        progress.note(f"ignoring events whose message matches {patterns}")


def _client(
    api: ApiSettings, on_retry: Callable[[str], None] | None = None, pool_size: int = 1
) -> BlazeMeterClient:
    if api.credentials is None:
        raise UsageError("missing credentials")
    return BlazeMeterClient(
        api.url,
        api.credentials,
        http=api.http,
        ca_bundle=api.ca_bundle,
        on_retry=on_retry,
        pool_size=pool_size,
    )


def run_wait(
    settings: WaitSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    notes: Mapping[str, list[str]] | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    env = os.environ if env is None else env
    _prepare_outputs(settings.report_dir, env)
    progress = ConsoleProgress(stdout)
    _announce(settings, api, progress)
    client = _client(api, on_retry=progress.note, pool_size=settings.concurrency)
    try:
        waiter = Waiter(
            settings,
            client,
            progress,
            guard,
            notes=notes,
            trouble_window=api.http.retry_max_time,
        )
        try:
            outcome = waiter.run()
        except Exception as error:  # a bug: the wait ends as `error`, the reports still come
            print_traceback_if_debugging(env, stderr)
            outcome = waiter.crashed(error)
        code = finish(outcome, settings.report_dir, guard, stdout=stdout, stderr=stderr, env=env)
        if outcome.verdict is Verdict.CANCELLED and settings.stop_on_cancel:
            # reports first (a runner may kill us any moment now), then the stop requests,
            # then the reports again, naming what was sent
            stopped = waiter.stop_cancelled()
            with guard.protected(), contextlib.suppress(Exception):
                write_reports(stopped, settings.report_dir, dotenv=_wants_dotenv(env))
    finally:
        client.close()
    return code


def _wants_dotenv(env: Mapping[str, str]) -> bool:
    return ci.detect(env) == "gitlab"


def finish(
    outcome: Outcome,
    report_dir: Path,
    guard: SignalGuard,
    *,
    stdout: TextIO,
    stderr: TextIO,
    env: Mapping[str, str] | None = None,
) -> int:
    """Write the reports and tell the CI system; a signal that came late still counts.

    When the reports cannot be written, the run ends as `error` (the CI system would see
    no reports) but the verdict line and the CI outputs still come, naming the real result.
    """
    env = os.environ if env is None else env
    while True:
        try:
            with guard.protected():
                paths = write_reports(outcome, report_dir, dotenv=_wants_dotenv(env))
        except Exception as error:  # a full disk, a folder removed, or a rendering bug
            print_traceback_if_debugging(env, stderr)
            paths = report_paths(report_dir)
            outcome = outcome.reports_lost(
                f"could not write the reports to {report_dir}: {_why(error)}"
            )
            break
        late = guard.received
        if late is None or outcome.verdict is Verdict.CANCELLED:
            break
        outcome = outcome.cancelled(late, f"cancelled by {SIGNAL_NAMES.get(late, str(late))}")

    def warn(message: str) -> None:
        stderr.write(f"ci-gate: {one_line(message, 1000)}\n")

    try:
        markdown = render_markdown(outcome)
    except Exception as error:  # never let the step summary cost the outputs
        markdown = f"# ci-gate: {outcome.verdict}\n\n(summary could not be rendered: {error})\n"
    ci.publish(outcome, paths, env, stdout, markdown=markdown, warn=warn)
    _closing_lines(outcome, paths, stdout, stderr)
    return outcome.exit_code


def _why(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}"


def _closing_lines(outcome: Outcome, paths: ReportPaths, stdout: TextIO, stderr: TextIO) -> None:
    if paths.summary_json.exists():
        stdout.write(f"ci-gate: reports: {paths.junit}, {paths.summary_json}, {paths.summary_md}\n")
        stdout.flush()
    for master in outcome.masters:
        if master.report_url:
            stdout.write(
                f"ci-gate: master {master.master_id} report: {one_line(master.report_url)}\n"
            )
    line = f"ci-gate: {outcome.verdict}: {one_line(outcome.reason, 2000)}\n"
    if outcome.verdict is Verdict.PASSED:
        stdout.write(line)
        stdout.flush()
    else:
        stderr.write(line)
        stderr.flush()


#: Seconds the provenance note may take: it must not hold up the wait.
NOTE_BUDGET = 10.0


def start_test(
    start: StartSettings,
    api: ApiSettings,
    *,
    log: Callable[[str], None],
    deadline: float | None = None,
) -> str:
    """Start the test (retried only where a retry cannot start a second run)."""
    client = _client(api, on_retry=log)
    try:
        master_id = client.start(start.test_id, multi=start.multi_test, deadline=deadline)
    finally:
        client.close()
    kind = "multi-test" if start.multi_test else "test"
    log(f"started {kind} {start.test_id}: master {master_id}")
    return master_id


def announce_master(
    master_id: str, report_dir: Path, env: Mapping[str, str], warn: Callable[[str], None]
) -> None:
    """Tell the CI system the new master's id at once, so a cancelled job can stop it."""
    platform = ci.detect(env)
    try:
        if platform == "github" and env.get("GITHUB_OUTPUT"):
            write_outputs(Path(env["GITHUB_OUTPUT"]), {"master-id": master_id})
        elif platform == "gitlab":
            report_dir.mkdir(parents=True, exist_ok=True)
            write_file(report_dir, DOTENV_NAME, started_dotenv(master_id).encode("ascii"))
    except OSError as error:
        warn(f"could not hand the master id to the CI system ({error.strerror or error})")


def run_start(
    start: StartSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    report_dir: Path,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """`ci-gate start`: only the master id on stdout, everything else on stderr."""
    stdout = stdout or sys.stdout
    env = os.environ if env is None else env
    _prepare_outputs(report_dir, env)
    log = ConsoleProgress(stderr or sys.stderr).note
    with guard.interruptible():
        master_id = start_test(start, api, log=log)
    stdout.write(master_id + "\n")
    stdout.flush()
    announce_master(master_id, report_dir, env, log)
    if guard.received is not None:  # the run started; say so, then end as cancelled
        return Verdict.CANCELLED.exit_code(guard.received)
    return EXIT_PASSED


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
    _prepare_outputs(settings.report_dir, env)
    log = ConsoleProgress(stdout).note
    began, started_at = time.monotonic(), datetime.now(timezone.utc)
    deadline = began + settings.timeout
    master_id: str | None = None
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
        return finish(outcome, settings.report_dir, guard, stdout=stdout, stderr=stderr, env=env)

    what = f"{'multi-test' if start.multi_test else 'test'} {start.test_id}"
    try:
        with guard.interruptible():
            master_id = start_test(start, api, log=log, deadline=deadline)
            announce_master(master_id, settings.report_dir, env, log)
            if not run.no_note:
                notes += _set_note(
                    master_id, api, log, env, min(deadline, time.monotonic() + NOTE_BUDGET)
                )
    except Cancelled as cancelled:
        if master_id is None:
            return ended_before_waiting(
                Verdict.CANCELLED,
                f"cancelled by {cancelled} while starting {what}; the start request may "
                f"have reached BlazeMeter: check {what}",
                cancelled.signal_number,
            )
        # the run started: wait no more, but report it (and stop it) as a cancelled wait
        settings = replace(settings, timeout=0.001)
    except ApiError as error:
        late = time.monotonic() >= deadline
        started = (
            "a run may have started"
            if isinstance(error, StartMayHaveHappenedError)
            else ("no run was started")
        )
        reason = f"could not start {what}: {error}"
        if "a run may have started" not in reason:
            reason += f"; {started}"
        if late:
            reason = f"timed out after {format_duration(settings.timeout)}: {reason}"
        return ended_before_waiting(Verdict.TIMEOUT if late else Verdict.ERROR, reason, None)
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
    client = _client(api, on_retry=log)
    try:
        client.set_note(master_id, note, deadline=deadline)
        log(f"master {master_id}: note set: {note}")
        return []
    except ApiError as error:
        log(f"master {master_id}: could not set the provenance note: {error}")
        return [f"could not set the provenance note: {error}"]
    finally:
        client.close()


def run_stop(
    master_ids: tuple[str, ...],
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
) -> int:
    """`ci-gate stop`: stop (progress >= 100) or terminate each master still running.

    Each master has the stop budget (status read and stop request together), and a signal
    ends the command at once.
    """
    note = ConsoleProgress(stdout or sys.stdout).note
    client = _client(api, on_retry=note)
    failures: list[str] = []
    try:
        with guard.interruptible():
            for master_id in master_ids:
                deadline = time.monotonic() + STOP_BUDGET
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
    if failures:
        raise ApiError("; ".join(failures))
    return EXIT_PASSED
