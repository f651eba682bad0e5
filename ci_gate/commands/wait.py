"""`ci-gate wait`: build the client and the wait, run it, and hand its outcome to the one
conclusion (`commands.conclude`: the reports on every path, the CI, the closing lines);
returns the exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.ci.comment import comment_deadline
from ci_gate.commands.bugs import note_bug
from ci_gate.commands.conclude import conclude
from ci_gate.commands.outputs import prepare_outputs
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.settings import ApiSettings, WaitSettings
from ci_gate.domain.levels import level_name
from ci_gate.formatting import format_duration, plural
from ci_gate.signals import SignalGuard
from ci_gate.urls import is_loopback
from ci_gate.wait.loop import STOP_BUDGET, WaitLoop
from ci_gate.wait.progress import ConsoleProgress, ProgressSink


def announce(settings: WaitSettings, api: ApiSettings, progress: ProgressSink) -> None:
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
    if settings.regression and settings.baseline is None:
        limits = " ".join(f"--regression {limit}" for limit in settings.regression)
        progress.note(
            f"warning: {limits} judges nothing without --baseline; add --baseline MASTER_ID "
            "or --baseline last-passed to compare with an earlier run"
        )
    ids = " ".join(settings.master_ids)
    level = level_name(settings.level)
    progress.note(
        f"waiting for {plural(len(settings.master_ids), 'master')} {ids} at {api.url} "
        f"(fail at {level} and above, "
        f"timeout {format_duration(settings.timeout)}, poll every {_every(settings.interval)})"
    )
    if settings.ignore:
        patterns = ", ".join(repr(pattern.pattern) for pattern in settings.ignore)
        progress.note(f"ignoring events whose message matches {patterns}")
    if settings.fail_on:
        named = "; ".join(
            f"{criterion.message!r} ({criterion.text})"
            if criterion.message
            else repr(criterion.text)
            for criterion in settings.fail_on
        )
        warmup = f" (warm-up {format_duration(settings.warmup)})" if settings.warmup else ""
        progress.note(f"judging live criteria{warmup}: {named}")


def _every(interval: float) -> str:
    """The interval as every duration is written; below a second (simulators, tests) as
    given, since tenths would round 0.05 s away."""
    return format_duration(interval) if interval >= 1 else f"{interval:g}s"


def run_wait(
    settings: WaitSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    context: Context = OUTSIDE_CI,
    notes: Mapping[str, list[str]] | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    prepare_outputs(settings.report_dir, context.ci)
    progress = ConsoleProgress(stdout)
    announce(settings, api, progress)
    clock = context.clock
    client = BlazeMeterClient.from_settings(
        api, on_retry=progress.note, pool_size=settings.concurrency, clock=clock
    )
    try:
        waiter = WaitLoop(
            settings,
            client,
            progress,
            guard,
            clock=clock.monotonic,
            sleep=clock.sleep,
            wall=clock.now,
            notes=notes,
            trouble_window=api.http.retry_max_time,
        )
        try:
            outcome = waiter.run()
        except Exception as error:  # a bug: the wait ends as `error`, the reports still come
            note_bug()
            outcome = waiter.crashed(error)
        concluded = conclude(
            outcome,
            settings.report_dir,
            guard,
            stdout=stdout,
            stderr=stderr,
            ci=context.ci,
            comment_until=(
                comment_deadline(waiter.deadline, STOP_BUDGET, clock.monotonic())
                if settings.comment
                else None
            ),
            stop=waiter.stop_cancelled,  # called once the run is concluded as cancelled
            clock=clock,
        )
    finally:
        client.close()
    return concluded.exit_code
