"""`ci-gate wait`: build the client and the wait, write the reports on every path, hand the
outcome to the CI adapters and print the closing lines; returns the exit code.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.ci import publish
from ci_gate.ci.comment import comment_body, comment_deadline, post_comment
from ci_gate.ci.target import find_target
from ci_gate.commands.bugs import note_bug
from ci_gate.commands.outputs import prepare_outputs, wants_dotenv, why_not_written
from ci_gate.config.ci_env import Ci
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.settings import ApiSettings, WaitSettings
from ci_gate.domain.levels import level_name
from ci_gate.domain.outcome import CommentResult, Outcome, StopsSent
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import format_duration, kpi_line, plural
from ci_gate.judging.run_outcome import cancelled_late, reports_lost
from ci_gate.report import ReportPaths, report_paths, write_reports
from ci_gate.report.summary import render_markdown
from ci_gate.signals import SIGNAL_NAMES, Cancelled, SignalGuard
from ci_gate.text import one_line
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
    client = BlazeMeterClient.from_settings(
        api, on_retry=progress.note, pool_size=settings.concurrency
    )
    try:
        waiter = WaitLoop(
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
            note_bug()
            outcome = waiter.crashed(error)
        stopping = outcome.verdict is Verdict.CANCELLED and settings.stop_on_cancel
        concluded = conclude(
            outcome,
            settings.report_dir,
            guard,
            stdout=stdout,
            stderr=stderr,
            ci=context.ci,
            comment_until=(
                comment_deadline(waiter.deadline, STOP_BUDGET) if settings.comment else None
            ),
            stop=waiter.stop_cancelled if stopping else None,
        )
    finally:
        client.close()
    return concluded.exit_code


def conclude(
    outcome: Outcome,
    report_dir: Path,
    guard: SignalGuard,
    *,
    stdout: TextIO,
    stderr: TextIO,
    ci: Ci = None,
    comment_until: float | None = None,
    stop: Callable[[], StopsSent] | None = None,
) -> Outcome:
    """The one place a run's outcome changes after its wait, and its reports are written:
    write the reports and tell the CI system; a signal that came late still counts.
    With `comment_until` (`--comment`), the review comment follows the reports, bounded by
    that time, and the reports are written again naming what became of it. With `stop`
    (a cancel with --stop-on-cancel), the stop requests come last (the reports first: a
    runner may kill us any moment now), and the reports once more, naming what was sent.
    Returns the outcome as concluded.

    When the reports cannot be written, the run ends as `error` (the CI system would see
    no reports) but the verdict line and the CI outputs still come, naming the real result.
    """
    while True:
        try:
            with guard.protected():
                paths = write_reports(outcome, report_dir, dotenv=wants_dotenv(ci))
        except Exception as error:  # a full disk, a folder removed, or a rendering bug
            note_bug()
            paths = report_paths(report_dir)
            outcome = reports_lost(
                outcome, f"could not write the reports to {report_dir}: {why_not_written(error)}"
            )
            break
        late = guard.received
        if late is None or outcome.verdict is Verdict.CANCELLED:
            break
        outcome = cancelled_late(outcome, late, f"cancelled by {SIGNAL_NAMES.get(late, str(late))}")

    def warn(message: str) -> None:
        stderr.write(f"ci-gate: {one_line(message, 1000)}\n")

    for note in paths.notes:  # a renderer that failed: its file replaced, the verdict kept
        warn(f"warning: {note}")

    try:
        markdown = render_markdown(outcome)
    except Exception as error:  # never let the step summary cost the outputs
        markdown = f"# ci-gate: {outcome.verdict}\n\n(summary could not be rendered: {error})\n"
    publish(outcome, paths, ci, stdout, markdown=markdown, warn=warn)
    if comment_until is not None:
        outcome = _comment(outcome, markdown, ci, guard, comment_until, warn)
        with guard.protected(), contextlib.suppress(Exception):
            paths = write_reports(outcome, report_dir, dotenv=wants_dotenv(ci))
    _closing_lines(outcome, paths, stdout, stderr)
    if stop is not None:
        outcome = _stopped(outcome, stop())
        with guard.protected(), contextlib.suppress(Exception):
            write_reports(outcome, report_dir, dotenv=wants_dotenv(ci))
    return outcome


def _stopped(outcome: Outcome, sent: StopsSent) -> Outcome:
    """The concluded outcome with what the stop requests after it did: each master's
    requests, last action and notes, and the traffic; the rest (the verdict, the reason,
    the comment) stays as concluded."""
    by_id = {stops.master_id: stops for stops in sent.masters}
    masters = tuple(
        master
        if (stops := by_id.get(master.master_id)) is None
        else replace(
            master,
            stop_action=stops.action,
            stop_requests=master.stop_requests + stops.requests,
            notes=master.notes + stops.notes,
        )
        for master in outcome.masters
    )
    return replace(outcome, masters=masters, traffic=sent.traffic)


def _comment(
    outcome: Outcome,
    markdown: str,
    ci: Ci,
    guard: SignalGuard,
    until: float,
    warn: Callable[[str], None],
) -> Outcome:
    """Post or update the review comment; whatever happens, the verdict stays: this is the
    one place that keeps that promise (any failure, a bug included, is a note)."""
    if outcome.verdict is Verdict.CANCELLED:
        result = CommentResult("skipped", "the run was cancelled")
    else:
        try:
            target = find_target(ci)
            if isinstance(target, str):
                result = CommentResult("skipped", target)
            else:
                with guard.interruptible():
                    result = post_comment(
                        target, comment_body(markdown, target.marker, target.job_url), until
                    )
        except Cancelled as cancelled:
            result = CommentResult("failed", f"cancelled by {cancelled}")
            outcome = cancelled_late(outcome, cancelled.signal_number, f"cancelled by {cancelled}")
        except Exception as error:  # a bug on this path never costs the verdict's exit code
            note_bug()
            result = CommentResult("failed", f"internal error: {type(error).__name__}")
    if result.status in ("posted", "updated"):
        warn(f"review comment {result.status}: {result.url or 'no link given'}")
    else:
        warn(
            f"warning: no review comment {'' if result.status == 'skipped' else 'posted '}"
            f"({result.status}): {result.reason}"
        )
    return replace(outcome, comment=result)


def _closing_lines(outcome: Outcome, paths: ReportPaths, stdout: TextIO, stderr: TextIO) -> None:
    if paths.summary_json.exists():
        written = paths.written or (paths.junit, paths.summary_json, paths.summary_md, paths.html)
        stdout.write(f"ci-gate: reports: {', '.join(str(path) for path in written)}\n")
        stdout.flush()
    for master in outcome.masters:
        if master.kpis:
            stdout.write(f"ci-gate: master {master.master_id} KPIs: {kpi_line(master.kpis)}\n")
        if master.report_url:
            stdout.write(
                f"ci-gate: master {master.master_id} report: {one_line(master.report_url)}\n"
            )
        if master.stop_saved:
            stdout.write(f"ci-gate: master {master.master_id}: {master.stop_saved}\n")
    line = f"ci-gate: {outcome.verdict}: {one_line(outcome.reason, 2000)}\n"
    if outcome.verdict is Verdict.PASSED:
        stdout.write(line)
        stdout.flush()
    else:
        stderr.write(line)
        stderr.flush()
