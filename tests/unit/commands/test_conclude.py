"""Issue 30 item 2: `conclude` concludes until the outcome is stable. A signal that comes
during any step after the wait (a write, a failing write, the comment, the rewrite, the CI
outputs, the closing lines) is folded in; the reports, the CI outputs and the exit code
name the same outcome; a cancel stops what still runs."""

from __future__ import annotations

import io
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_gate.ci import tell_exit_code
from ci_gate.commands import conclude as conclude_command
from ci_gate.commands.conclude import conclude
from ci_gate.config.ci_env import Ci, detect_ci
from ci_gate.domain.outcome import (
    CommentResult,
    MasterStops,
    Outcome,
    StopRequest,
    StopsSent,
)
from ci_gate.domain.run import Traffic
from ci_gate.report import ReportPaths, write_reports
from ci_gate.signals import SignalGuard
from tests.support.helpers import make_outcome, master_outcome, parse_github_outputs


@pytest.fixture
def guard() -> Iterator[SignalGuard]:
    guard = SignalGuard()
    with guard.installed():
        yield guard


def _github(folder: Path) -> Ci:
    return detect_ci(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(folder / "gh-output"),
            "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
        }
    )


def _summary(folder: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((folder / "summary.json").read_text())
    return loaded


def _writes(monkeypatch: pytest.MonkeyPatch, *, fail: set[int], signal_at: set[int]) -> list[str]:
    """write_reports as conclude calls it, failing on the `fail`-th calls and signalled
    (SIGTERM) during the `signal_at`-th; returns the verdicts it was asked to write."""
    calls: list[str] = []

    def write(outcome: Outcome, report_dir: Path, **how: bool) -> ReportPaths:
        calls.append(outcome.verdict)
        if len(calls) in signal_at:
            os.kill(os.getpid(), signal.SIGTERM)
        if len(calls) in fail:
            raise OSError(28, "No space left on device")
        return write_reports(outcome, report_dir, **how)

    monkeypatch.setattr(conclude_command, "write_reports", write)
    return calls


def _comment_posted(monkeypatch: pytest.MonkeyPatch, *, signalled: bool = False) -> None:
    from ci_gate.ci.target import Target

    def post(*args: object) -> CommentResult:
        if signalled:
            os.kill(os.getpid(), signal.SIGTERM)  # interrupts the comment at once
        return CommentResult("posted", "", "http://127.0.0.1:9/c/1")

    target = Target("github", "http://127.0.0.1:9", "l", "c", {}, "<!-- m -->", None, None)
    monkeypatch.setattr(conclude_command, "find_target", lambda ci: target)
    monkeypatch.setattr(conclude_command, "post_comment", post)


def test_a_signal_while_a_report_write_fails_still_cancels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack B #4: cancelled overrides all, a lost report set included."""
    _writes(monkeypatch, fail={1, 2}, signal_at={1})
    stderr = io.StringIO()
    concluded = conclude(
        make_outcome(master_outcome()), tmp_path, guard, stdout=io.StringIO(), stderr=stderr
    )
    assert concluded.exit_code == 143
    assert stderr.getvalue().splitlines()[-1].startswith("ci-gate: cancelled: cancelled by SIGTERM")


def test_a_signal_during_the_rewrite_after_the_comment_cancels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack B #5: the write that names the comment is a write like the first."""
    _comment_posted(monkeypatch)
    calls = _writes(monkeypatch, fail=set(), signal_at={2})
    concluded = conclude(
        make_outcome(master_outcome()),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        comment_until=1e12,
    )
    assert concluded.exit_code == 143 and calls == ["passed", "passed", "cancelled"]
    summary = _summary(tmp_path)
    assert summary["verdict"] == "cancelled" and summary["exit_code"] == 143
    assert summary["comment"] == {"status": "posted", "reason": "", "url": "http://127.0.0.1:9/c/1"}


def test_a_signal_while_the_ci_is_told_or_the_lines_are_written_cancels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack B #5: after the CI outputs and the closing lines a signal still counts; the
    reports, the CI outputs and the last verdict line then say cancelled."""
    from ci_gate.ci import publish as real

    told: list[str] = []

    def publish(outcome: Outcome, *args: object, **kwargs: object) -> None:
        told.append(outcome.verdict)
        real(outcome, *args, **kwargs)  # type: ignore[arg-type]
        if len(told) == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(conclude_command, "publish", publish)
    ci = _github(tmp_path)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = conclude(
        make_outcome(master_outcome()), tmp_path, guard, stdout=stdout, stderr=stderr, ci=ci
    ).exit_code
    tell_exit_code(ci, code)
    assert code == 143 and told == ["passed", "cancelled"]
    assert _summary(tmp_path)["verdict"] == "cancelled"
    outputs = parse_github_outputs((tmp_path / "gh-output").read_text())
    assert outputs["verdict"] == "cancelled" and outputs["exit-code"] == "143"
    assert "ci-gate: cancelled: cancelled by SIGTERM" in stderr.getvalue()


def test_a_failed_rewrite_after_the_comment_is_reports_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack B #6: never exit 0 beside a report set that is not there."""
    _comment_posted(monkeypatch)
    _writes(monkeypatch, fail={2}, signal_at=set())
    ci = _github(tmp_path)
    stderr = io.StringIO()
    concluded = conclude(
        make_outcome(master_outcome()),
        tmp_path / "r",
        guard,
        stdout=io.StringIO(),
        stderr=stderr,
        ci=ci,
        comment_until=1e12,
    )
    assert concluded.exit_code == 4
    line = stderr.getvalue().splitlines()[-1]
    assert line.startswith("ci-gate: error: could not write the reports to ")
    assert "the run itself: passed" in line
    outputs = parse_github_outputs((tmp_path / "gh-output").read_text())
    assert outputs["verdict"] == "error"


def test_a_signal_during_the_comment_reaches_the_ci_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack A #2: GitHub's outputs and step summary never say `passed` beside 143."""
    _comment_posted(monkeypatch, signalled=True)
    ci = _github(tmp_path)
    code = conclude(
        make_outcome(master_outcome()),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        ci=ci,
        comment_until=1e12,
    ).exit_code
    tell_exit_code(ci, code)
    outputs = parse_github_outputs((tmp_path / "gh-output").read_text())
    assert (outputs["verdict"], outputs["exit-code"], code) == ("cancelled", "143", 143)
    assert "passed" not in (tmp_path / "gh-summary").read_text().lower().split("cancelled")[0]
    assert _summary(tmp_path)["verdict"] == "cancelled"


def test_a_signal_after_the_wait_sends_the_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attack B #1: a run concluded as cancelled only after its wait still gets its stops
    (the loop's `stop_cancelled`, which stops what still runs), recorded in the reports."""
    _writes(monkeypatch, fail=set(), signal_at={1})
    asked: list[str] = []

    def stop() -> StopsSent:
        asked.append(_summary(tmp_path)["verdict"])  # type: ignore[arg-type]
        sent = StopRequest(3.0, "terminate", "cancelled (--stop-on-cancel)")
        return StopsSent((MasterStops("1", (sent,)),), Traffic(requests=3))

    master = master_outcome("timeout", master_id="1", status="RUNNING")
    concluded = conclude(
        make_outcome(master), tmp_path, guard, stdout=io.StringIO(), stderr=io.StringIO(), stop=stop
    )
    assert concluded.exit_code == 143 and asked == ["cancelled"]
    assert _summary(tmp_path)["masters"][0]["stop_action"] == "terminate"  # type: ignore[index]


def test_no_stop_for_a_run_that_was_not_cancelled(tmp_path: Path, guard: SignalGuard) -> None:
    def stop() -> StopsSent:
        raise AssertionError("no stop without a cancel")

    concluded = conclude(
        make_outcome(master_outcome()),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stop=stop,
    )
    assert concluded.exit_code == 0


def test_a_cancelled_run_writes_its_reports_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attackers' finding A (cause 3): a run cancelled in its wait, with --comment and no
    stop left to send, writes its report set once (each write of a 60,000-event set cost
    a second of the 4 s cancel budget); the skipped comment is in that one write."""
    calls = _writes(monkeypatch, fail=set(), signal_at=set())
    cancelled = make_outcome(master_outcome("cancelled"))
    assert cancelled.verdict == "cancelled"
    concluded = conclude(
        cancelled,
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        ci=_github(tmp_path),
        comment_until=1e12,
        stop=lambda: StopsSent((), cancelled.traffic),
    )
    assert concluded.exit_code == cancelled.exit_code and calls == ["cancelled"]
    assert _summary(tmp_path)["comment"]["status"] == "skipped"  # type: ignore[index]


def test_stops_that_were_sent_are_written_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """The second write stays where it says something: the stops a cancel sent."""
    calls = _writes(monkeypatch, fail=set(), signal_at=set())
    sent = StopRequest(3.0, "terminate", "cancelled (--stop-on-cancel)")
    master = master_outcome("cancelled", master_id="1", status="RUNNING")
    conclude(
        make_outcome(master),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stop=lambda: StopsSent((MasterStops("1", (sent,)),), Traffic(requests=3)),
    )
    assert calls == ["cancelled", "cancelled"]
    assert _summary(tmp_path)["masters"][0]["stop_action"] == "terminate"  # type: ignore[index]


def test_a_comment_skipped_without_asking_is_in_the_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Attackers' finding A: `--comment` where no comment can go (not a pull request) is
    known before the first write, so the set is written once, naming the skip."""
    calls = _writes(monkeypatch, fail=set(), signal_at=set())
    concluded = conclude(
        make_outcome(master_outcome()),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        ci=_github(tmp_path),
        comment_until=1e12,
    )
    assert concluded.exit_code == 0 and calls == ["passed"]
    assert _summary(tmp_path)["comment"]["status"] == "skipped"  # type: ignore[index]


def test_the_comment_target_is_found_once_per_conclusion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: SignalGuard
) -> None:
    """Finding the pull request reads the CI's event file: once per run, not once per
    step of the conclusion."""
    _comment_posted(monkeypatch)
    found = vars(conclude_command)["find_target"]  # the fake target _comment_posted set

    asked: list[object] = []

    def counted(ci: Ci) -> object:
        asked.append(ci)
        return found(ci)

    monkeypatch.setattr(conclude_command, "find_target", counted)
    concluded = conclude(
        make_outcome(master_outcome()),
        tmp_path,
        guard,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        comment_until=1e12,
    )
    assert concluded.comment is not None and concluded.comment.status == "posted"
    assert len(asked) == 1
