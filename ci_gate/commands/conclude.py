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
from ci_gate.ci.target import Target, find_target
from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.commands.bugs import note_bug
from ci_gate.commands.outputs import wants_dotenv, why_not_written
from ci_gate.config.ci_env import Ci
from ci_gate.domain.outcome import (
    LEFT_RUNNING,
    CommentResult,
    MasterOutcome,
    MasterStops,
    Outcome,
    StopsSent,
)
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
    concluded step by step until nothing changes it any more. After each step (a write of
    the reports, the CI outputs, the review comment, the closing lines, the stops) a signal
    that came meanwhile is folded in (`cancelled_late`: cancelled overrides all); a changed
    outcome is written again (a write that fails ends it as `error`: `reports_lost`) and
    handed to the CI again, so the reports, the CI outputs and the exit code always name
    the same concluded outcome. With `comment_until` (`--comment`), the review comment
    comes before the CI outputs, bounded by that time. With `stop`, a cancelled run's stop
    requests come last (the reports and the closing lines first: a runner may kill us any
    moment now): `stop` collects the stops still in flight and, with --stop-on-cancel,
    stops the masters still running; the reports are written once more naming them.
    Returns the outcome as concluded. `clock` is the command's (`comment_until` is on it).

    When the reports cannot be written, the run ends as `error` (the CI system would see
    no reports) but the verdict line and the CI outputs still come, naming the real result.
    """

    def warn(message: str) -> None:
        stderr.write(f"ci-gate: {one_line(message, 1000)}\n")

    commented = comment_until is None
    # where the comment goes, found once (it reads the CI's event file): None without it
    found = None if commented else _find_target(ci)
    stopped = stop is None
    written: Outcome | None = None  # the outcome the reports on disk name
    told: Outcome | None = None  # the outcome the CI outputs name
    closed: Outcome | None = None  # the outcome the verdict line named
    lost = False
    paths = report_paths(report_dir)
    warned: set[str] = set()
    while True:
        late = guard.received  # the one read of a signal that came after the wait
        if late is not None and outcome.verdict is not Verdict.CANCELLED:
            name = SIGNAL_NAMES.get(late, str(late))
            outcome = cancelled_late(outcome, late, f"cancelled by {name}")
        if not commented and (skipped := _comment_skipped(outcome, found)) is not None:
            # known before the write (no request): such a run's reports are written once
            commented = True
            outcome = _commented(outcome, skipped, warn)
        elif outcome is not written:
            paths, why = _write(outcome, report_dir, guard, ci)
            if why is not None and not lost:  # the first loss ends the run as `error`
                lost = True
                outcome = reports_lost(outcome, why)
            written = outcome
            for note in paths.notes:  # a renderer that failed: its file replaced
                if note not in warned:
                    warned.add(note)
                    warn(f"warning: {note}")
        elif not commented:
            assert comment_until is not None
            commented = True
            markdown = _markdown(outcome)
            outcome = _comment(outcome, markdown, found, guard, comment_until, warn, clock)
        elif told is None or _told(told) != _told(outcome):
            publish(outcome, paths, ci, stdout, markdown=_markdown(outcome), warn=warn, clock=clock)
            told = outcome
        elif closed is None:
            _closing_lines(outcome, paths, stdout, stderr)
            closed = outcome
        elif closed.verdict is not outcome.verdict:  # a signal after the closing lines
            _verdict_line(outcome, stdout, stderr)
            closed = outcome
        elif not stopped and outcome.verdict is Verdict.CANCELLED:
            assert stop is not None
            stopped = True
            outcome = _stopped(outcome, stop())
        else:
            return outcome


def _write(
    outcome: Outcome, report_dir: Path, guard: SignalGuard, ci: Ci
) -> tuple[ReportPaths, str | None]:
    """The report set written (a second signal waits for it); on a failure, why."""
    try:
        with guard.protected():
            return write_reports(outcome, report_dir, dotenv=wants_dotenv(ci)), None
    except Exception as error:  # a full disk, a folder removed, or a rendering bug
        note_bug()
        why = f"could not write the reports to {report_dir}: {why_not_written(error)}"
        return report_paths(report_dir), why


def _told(outcome: Outcome) -> tuple[object, ...]:
    """What the CI outputs say of an outcome: handed again only when this changed (the
    stops after a cancel change only the reports' detail)."""
    return (outcome.verdict, outcome.exit_code, outcome.reason, outcome.comment)


def _markdown(outcome: Outcome) -> str:
    try:
        return render_markdown(outcome)
    except Exception as error:  # never let the step summary cost the outputs
        return f"# ci-gate: {outcome.verdict}\n\n(summary could not be rendered: {error})\n"


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
    by_id = {stops.master_id: stops for stops in sent.masters if _says_something(stops)}
    if not by_id and sent.traffic == outcome.traffic:
        return outcome  # nothing to name: the report set on disk stays (written once)
    masters = tuple(
        master if (stops := by_id.get(master.master_id)) is None else _add(master, stops)
        for master in outcome.masters
    )
    return replace(outcome, masters=masters, traffic=sent.traffic)


def _says_something(stops: MasterStops) -> bool:
    return bool(stops.requests or stops.notes or stops.live_stop_undone)


def _add(master: MasterOutcome, stops: MasterStops) -> MasterOutcome:
    notes = master.notes + stops.notes
    if any(asked.action for asked in stops.requests):  # stopped: no longer "still running"
        notes = tuple(note for note in notes if LEFT_RUNNING not in note)
    master = replace(
        master,
        seen=replace(master.seen, stop_requests=master.seen.stop_requests + stops.requests),
        notes=notes,
    )
    if not stops.live_stop_undone:
        return master
    # a live criterion's stop that got no answer after all: never reported as done
    criteria = tuple(
        replace(item, stopped_run=False, stop_unconfirmed=item.stop_unconfirmed or item.stopped_run)
        for item in master.live_criteria
    )
    return replace(master, live_criteria=criteria, stop_saved=None)


def _find_target(ci: Ci) -> Target | str | Exception:
    """Where the comment goes, or why it does not; a bug finding it is kept, for `_comment`
    to turn into a failed comment (the verdict stays)."""
    try:
        return find_target(ci)
    except Exception as error:
        note_bug()
        return error


def _comment(
    outcome: Outcome,
    markdown: str,
    found: Target | str | Exception | None,
    guard: SignalGuard,
    until: float,
    warn: Callable[[str], None],
    clock: Clock,
) -> Outcome:
    """Post or update the review comment; whatever happens, the verdict stays: this is the
    one place that keeps that promise (any failure, a bug included, is a note)."""
    skipped = _comment_skipped(outcome, found)
    if skipped is not None:
        return _commented(outcome, skipped, warn)
    if isinstance(found, Exception) or found is None:  # finding the target was a bug
        bug = type(found).__name__ if found is not None else "no target looked for"
        return _commented(outcome, CommentResult("failed", f"internal error: {bug}"), warn)
    assert isinstance(found, Target)  # a reason why there is none was a skip above
    try:
        with guard.interruptible():
            body = comment_body(markdown, found.marker, found.job_url)
            result = post_comment(found, body, until, clock)
    except Cancelled as cancelled:
        result = CommentResult("failed", f"cancelled by {cancelled}")
        outcome = cancelled_late(outcome, cancelled.signal_number, f"cancelled by {cancelled}")
    except Exception as error:  # a bug on this path never costs the verdict's exit code
        note_bug()
        result = CommentResult("failed", f"internal error: {type(error).__name__}")
    return _commented(outcome, result, warn)


def _comment_skipped(
    outcome: Outcome, found: Target | str | Exception | None
) -> CommentResult | None:
    """The comment's result when it is skipped without a request (a cancelled run, no pull
    request to comment on): known before the first write, so the set is written once."""
    if outcome.verdict is Verdict.CANCELLED:
        return CommentResult("skipped", "the run was cancelled")
    return CommentResult("skipped", found) if isinstance(found, str) else None


def _commented(outcome: Outcome, result: CommentResult, warn: Callable[[str], None]) -> Outcome:
    """The outcome with the comment's result, said on the log."""
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
        if master.stop_saved and any(asked.action for asked in master.seen.stop_requests):
            stdout.write(f"ci-gate: master {master.master_id}: {master.stop_saved}\n")
        elif master.stop_saved:  # its stop is still in flight (a cancel came first)
            stdout.write(
                f"ci-gate: master {master.master_id}: a live criterion's stop was sent, "
                "no answer yet\n"
            )
    _verdict_line(outcome, stdout, stderr)


def _verdict_line(outcome: Outcome, stdout: TextIO, stderr: TextIO) -> None:
    line = f"ci-gate: {outcome.verdict}: {one_line(outcome.reason, 2000)}\n"
    if outcome.verdict is Verdict.PASSED:
        stdout.write(line)
        stdout.flush()
    else:
        stderr.write(line)
        stderr.flush()
