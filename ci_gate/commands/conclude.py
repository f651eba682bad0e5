"""The one conclusion of a run, whatever the command (`wait`, `run`) and however it ended:
every change to its outcome after the wait (a late signal, reports that could not be
written, the review comment, the stop requests sent after a cancel) and every write of its
reports, then the CI outputs and the closing lines.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ci_gate.ci import publish
from ci_gate.ci.comment import comment_body, post_comment
from ci_gate.ci.target import find_target
from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.commands.bugs import note_bug
from ci_gate.commands.outputs import wants_dotenv, why_not_written
from ci_gate.config.ci_env import Ci
from ci_gate.domain.outcome import CommentResult, Outcome, StopsSent
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import kpi_line
from ci_gate.judging.run_outcome import cancelled_late, reports_lost
from ci_gate.report import ReportPaths, report_paths, write_reports
from ci_gate.report.summary import render_markdown
from ci_gate.signals import SIGNAL_NAMES, Cancelled, SignalGuard
from ci_gate.text import one_line


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
    clock: Clock = REAL_CLOCK,
) -> Outcome:
    """The one place a run's outcome changes after its wait, and its reports are written:
    write the reports and tell the CI system; a signal that came late still counts.
    With `comment_until` (`--comment`), the review comment follows the reports, bounded by
    that time, and the reports are written again naming what became of it. With `stop`
    (a cancel with --stop-on-cancel), the stop requests come last (the reports first: a
    runner may kill us any moment now), and the reports once more, naming what was sent.
    Returns the outcome as concluded. `clock` is the command's (`comment_until` is on it).

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
    publish(outcome, paths, ci, stdout, markdown=markdown, warn=warn, clock=clock)
    if comment_until is not None:
        outcome = _comment(outcome, markdown, ci, guard, comment_until, warn, clock)
        with guard.protected(), contextlib.suppress(Exception):
            paths = write_reports(outcome, report_dir, dotenv=wants_dotenv(ci))
    _closing_lines(outcome, paths, stdout, stderr)
    if stop is not None:
        outcome = _stopped(outcome, stop())
        write_reports_only(outcome, report_dir, guard, ci)
    return outcome


def write_reports_only(outcome: Outcome, report_dir: Path, guard: SignalGuard, ci: Ci) -> None:
    """The report set alone (no CI outputs, no closing lines), a failure ignored: beside
    stop requests, when time is short and a full conclusion comes on the other side of
    them (`run`'s cancelled start writes its reports so before it stops what it started,
    then concludes)."""
    with guard.protected(), contextlib.suppress(Exception):
        write_reports(outcome, report_dir, dotenv=wants_dotenv(ci))


def _stopped(outcome: Outcome, sent: StopsSent) -> Outcome:
    """The concluded outcome with what the stop requests after it did: each master's
    requests (its last action is read from them) and notes, and the traffic; the rest
    (the verdict, the reason, the comment) stays as concluded."""
    by_id = {stops.master_id: stops for stops in sent.masters}
    masters = tuple(
        master
        if (stops := by_id.get(master.master_id)) is None
        else replace(
            master,
            seen=replace(master.seen, stop_requests=master.seen.stop_requests + stops.requests),
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
    clock: Clock,
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
                    body = comment_body(markdown, target.marker, target.job_url)
                    result = post_comment(target, body, until, clock)
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
