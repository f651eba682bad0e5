"""The end of a wait: reports, CI hand-off and a signal that arrives while they are written."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path
from unittest.mock import patch

import pytest

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.ci import tell_exit_code
from ci_gate.commands import conclude as conclude_command
from ci_gate.commands.conclude import conclude
from ci_gate.commands.outputs import prepare_report_dir
from ci_gate.commands.wait import announce, run_wait
from ci_gate.config.ci_env import Ci, detect_ci
from ci_gate.config.credentials import Credentials
from ci_gate.config.parsers import parse_limit
from ci_gate.config.settings import ApiSettings, WaitSettings
from ci_gate.domain.outcome import MasterStops, Outcome, StopRequest, StopsSent
from ci_gate.domain.run import Traffic
from ci_gate.errors import UsageError
from ci_gate.judging.run_outcome import cancelled_late
from ci_gate.report import ReportPaths, write_reports
from ci_gate.signals import SignalGuard
from ci_gate.wait.progress import ConsoleProgress
from tests.support.helpers import (
    assert_valid_junit,
    event,
    make_outcome,
    master_outcome,
    parse_github_outputs,
)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_report_writing_completes_the_reports_as_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, code: int
) -> None:
    real_write = write_reports
    calls: list[str] = []

    def write_and_get_signalled(outcome: Outcome, report_dir: Path, **how: bool) -> ReportPaths:
        calls.append(outcome.verdict)
        if len(calls) == 1:
            os.kill(os.getpid(), signum)  # arrives in the middle of writing
        return real_write(outcome, report_dir, **how)

    monkeypatch.setattr(conclude_command, "write_reports", write_and_get_signalled)
    guard = SignalGuard()
    stdout, stderr = io.StringIO(), io.StringIO()
    with guard.installed():
        result = conclude(
            make_outcome(master_outcome()), tmp_path, guard, stdout=stdout, stderr=stderr
        ).exit_code
    assert result == code
    assert calls == ["passed", "cancelled"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["verdict"] == "cancelled" and summary["exit_code"] == code
    assert_valid_junit((tmp_path / "junit.xml").read_bytes())
    assert stderr.getvalue().startswith("ci-gate: cancelled: cancelled by SIG")


def test_unwritable_report_dir_is_a_usage_error_before_polling(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="cannot create it"):
        prepare_report_dir(blocker / "reports")


def test_a_report_dir_the_gate_cannot_write_into_is_found_before_polling(tmp_path: Path) -> None:
    # /proc takes no new files, even from root (chmod would not stop root)
    target = Path("/proc/self") if os.geteuid() == 0 else tmp_path / "ro"
    if target != Path("/proc/self"):
        target.mkdir()
        target.chmod(0o500)
    with pytest.raises(UsageError, match="cannot write there"):
        prepare_report_dir(target)


def _github_env(folder: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
    }


def _github(folder: Path) -> Ci:
    return detect_ci(_github_env(folder))


def test_a_failed_report_write_keeps_the_old_set_whole_and_still_tells_the_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_gate.report import atomic

    reports = tmp_path / "reports"
    write_reports(make_outcome(master_outcome()), reports)
    before = {name: (reports / name).read_bytes() for name in os.listdir(reports)}
    real = atomic._write_temporary
    written: list[str] = []

    def disk_full_on_the_second_file(folder: Path, name: str, data: bytes) -> Path:
        written.append(name)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        return real(folder, name, data)

    monkeypatch.setattr(atomic, "_write_temporary", disk_full_on_the_second_file)
    stdout, stderr = io.StringIO(), io.StringIO()
    failed = make_outcome(master_outcome("failed", (event(),)))
    code = conclude(
        failed, reports, SignalGuard(), stdout=stdout, stderr=stderr, ci=_github(tmp_path)
    ).exit_code
    tell_exit_code(_github(tmp_path), code)  # as `cli.main` does once the command returns
    assert code == 4
    # the previous set is whole: same files, same bytes, no temporary left behind
    assert {name: (reports / name).read_bytes() for name in os.listdir(reports)} == before
    line = stderr.getvalue().strip().splitlines()[-1]
    assert line.startswith("ci-gate: error: could not write the reports to ")
    assert "No space left on device; the run itself: failed: " in line
    outputs = parse_github_outputs((tmp_path / "gh-output").read_text())
    assert outputs["verdict"] == "error" and outputs["exit-code"] == "4"
    assert "failed" in (tmp_path / "gh-summary").read_text()


def test_a_broken_step_summary_path_costs_one_line_not_the_outputs(tmp_path: Path) -> None:
    env = _github_env(tmp_path)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path)  # a folder: appending to it fails
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = make_outcome(master_outcome("failed", (event(),)))
    code = conclude(
        outcome, tmp_path / "r", SignalGuard(), stdout=stdout, stderr=stderr, ci=detect_ci(env)
    ).exit_code
    assert code == 1
    assert "ci-gate: could not append to $GITHUB_STEP_SUMMARY (Is a directory)" in stderr.getvalue()
    assert parse_github_outputs((tmp_path / "gh-output").read_text())["verdict"] == "failed"
    assert stderr.getvalue().strip().splitlines()[-1].startswith("ci-gate: failed: ")


def test_the_reports_line_names_every_file_written(tmp_path: Path) -> None:
    """metrics.txt and gate.env are named beside the four others (issue 32 item 9)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = make_outcome(master_outcome(kpis={"hits": 12000.0, "avg": 212.4}))
    report = tmp_path / "r"
    conclude(
        outcome,
        report,
        SignalGuard(),
        stdout=stdout,
        stderr=stderr,
        ci=detect_ci({"GITLAB_CI": "true"}),
    )
    [line] = [line for line in stdout.getvalue().splitlines() if "reports:" in line]
    named = line.split("reports: ", 1)[1].split(", ")
    assert sorted(named) == sorted(str(path) for path in report.iterdir())
    assert {Path(name).name for name in named} >= {"metrics.txt", "gate.env", "report.html"}


def test_a_bug_inside_the_wait_ends_as_error_with_reports(tmp_path: Path) -> None:
    class BrokenApi:
        api_url = "https://a.blazemeter.com/api/v4"

        def status(self, master_id: str, **how: object) -> object:
            raise RuntimeError("a bug in the gate")

        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            raise AssertionError("no stop")

        def traffic(self) -> Traffic:
            return Traffic()

        def close(self) -> None:
            return None

    settings = WaitSettings(master_ids=("5",), timeout=5, interval=1, report_dir=tmp_path / "r")
    api = ApiSettings(credentials=Credentials("id", "secret"))
    stdout, stderr = io.StringIO(), io.StringIO()
    with patch.object(BlazeMeterClient, "from_settings", return_value=BrokenApi()):
        code = run_wait(settings, api, SignalGuard(), stdout=stdout, stderr=stderr)
    assert code == 4
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["verdict"] == "error"
    assert "internal error: RuntimeError: a bug in the gate" in summary["reason"]
    assert_valid_junit((tmp_path / "r" / "junit.xml").read_bytes())
    assert "Traceback" not in stderr.getvalue()
    assert stderr.getvalue().count("\n") == 1


def test_stop_on_fail_without_fail_fast_is_said_at_the_start(tmp_path: Path) -> None:
    progress = io.StringIO()
    settings = WaitSettings(master_ids=("5",), stop_on_fail=True, report_dir=tmp_path)
    announce(settings, ApiSettings(), ConsoleProgress(progress))
    assert "--stop-on-fail acts only with --fail-fast" in progress.getvalue()
    quiet = io.StringIO()
    announce(
        WaitSettings(master_ids=("5",), stop_on_fail=True, fail_fast=True),
        ApiSettings(),
        ConsoleProgress(quiet),
    )
    assert "--stop-on-fail" not in quiet.getvalue()


def test_regression_limits_without_a_baseline_are_said_at_the_start() -> None:
    """`--regression` without `--baseline` judges nothing: a warning, not silence (issue 32
    item 3)."""
    limits = (parse_limit("p90=+5%", "--regression"),)
    progress = io.StringIO()
    announce(
        WaitSettings(master_ids=("5",), regression=limits), ApiSettings(), ConsoleProgress(progress)
    )
    [warning] = [line for line in progress.getvalue().splitlines() if "warning" in line]
    assert "--regression p90=+5% judges nothing without --baseline" in warning
    quiet = io.StringIO()
    announce(
        WaitSettings(master_ids=("5",), regression=limits, baseline="last-passed"),
        ApiSettings(),
        ConsoleProgress(quiet),
    )
    assert "warning" not in quiet.getvalue()


@pytest.mark.parametrize(
    ("ids", "words"),
    [(("5",), "waiting for master 5 at"), (("5", "6"), "waiting for masters 5 6 at")],
)
def test_the_first_line_counts_its_masters(ids: tuple[str, ...], words: str) -> None:
    progress = io.StringIO()
    announce(WaitSettings(master_ids=ids), ApiSettings(), ConsoleProgress(progress))
    assert words in progress.getvalue()


@pytest.mark.parametrize(("interval", "words"), [(120.0, "every 2m00s"), (0.05, "every 0.05s")])
def test_the_first_line_gives_the_interval_as_every_duration(interval: float, words: str) -> None:
    progress = io.StringIO()
    plan = WaitSettings(master_ids=("5",), timeout=5400, interval=interval)
    announce(plan, ApiSettings(), ConsoleProgress(progress))
    assert f"timeout 1h30m00s, poll {words})" in progress.getvalue()


@pytest.mark.parametrize(
    "bug",
    [
        UnicodeEncodeError("latin-1", "☃", 0, 1, "ordinal not in range(256)"),
        RecursionError("maximum recursion depth exceeded"),
        TypeError("a bug on the comment path"),
    ],
)
def test_any_failure_on_the_comment_path_is_one_warning_and_the_verdicts_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bug: Exception
) -> None:
    """Issue 29 item 5: whatever goes wrong while posting the review comment, the exit code
    is the verdict's, and summary.json says so with the note."""

    def broken(*args: object, **kwargs: object) -> object:
        raise bug

    monkeypatch.setattr(conclude_command, "post_comment", broken)
    monkeypatch.setattr(conclude_command, "find_target", lambda ci: _any_target())
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = make_outcome(master_outcome("failed", (event(),)))
    code = conclude(
        outcome,
        tmp_path / "r",
        SignalGuard(),
        stdout=stdout,
        stderr=stderr,
        comment_until=1e12,
    ).exit_code
    assert code == 1
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["exit_code"] == 1 and summary["comment"]["status"] == "failed"
    assert summary["comment"]["reason"] == f"internal error: {type(bug).__name__}"
    warnings = [line for line in stderr.getvalue().splitlines() if "review comment" in line]
    assert warnings == [
        f"ci-gate: warning: no review comment posted (failed): internal error: {type(bug).__name__}"
    ]


def test_the_stops_after_a_cancel_are_added_to_the_concluded_outcome(tmp_path: Path) -> None:
    """Issue 30 item 2: the loop hands back what its stops sent, and the conclusion adds it
    to the outcome it concluded (the reports and the closing lines first), so nothing
    `conclude` added before (the comment's note, the reason) is lost in the last write."""
    earlier = StopRequest(1.0, None, "earlier")  # not sent: no action yet
    master = master_outcome(master_id="1", stop_requests=(earlier,))
    cancelled = cancelled_late(make_outcome(master), signal.SIGTERM, "cancelled by SIGTERM")
    stdout, stderr = io.StringIO(), io.StringIO()
    before_stop: list[str] = []

    def stop() -> StopsSent:
        before_stop.append(stderr.getvalue())
        summary = json.loads((tmp_path / "summary.json").read_text())
        assert summary["masters"][0]["stop_action"] is None
        stopped = StopRequest(2.0, "stop", "cancelled (--stop-on-cancel)")
        sent = MasterStops("1", (stopped,), ("a note of the stops",))
        return StopsSent((sent,), Traffic(requests=7))

    concluded = conclude(
        cancelled,
        tmp_path,
        SignalGuard(),
        stdout=stdout,
        stderr=stderr,
        comment_until=1e12,
        stop=stop,
    )
    assert "ci-gate: cancelled: cancelled by SIGTERM" in before_stop[0]
    assert concluded.exit_code == 143 and concluded.reason == "cancelled by SIGTERM"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["comment"] == {
        "status": "skipped",
        "reason": "the run was cancelled",
        "url": None,
    }
    assert summary["reason"] == "cancelled by SIGTERM" and summary["api"]["requests"] == 7
    [written] = summary["masters"]
    assert written["stop_action"] == "stop"
    assert written["notes"][-1] == "a note of the stops"
    assert [asked.why for asked in concluded.masters[0].seen.stop_requests] == [
        "earlier",
        "cancelled (--stop-on-cancel)",
    ]


def _any_target() -> object:
    from ci_gate.ci.target import Target

    return Target("github", "http://127.0.0.1:9", "l", "c", {}, "<!-- m -->", None, None)


def test_a_stop_in_flight_at_a_signal_reaches_the_reports_without_stop_on_cancel(
    tmp_path: Path,
) -> None:
    """Attack B #2: --fail-fast --stop-on-fail sent a stop, a signal comes before its
    answer; without --stop-on-cancel the conclusion still collects it (within its budget)
    and the reports name what it did."""
    import threading

    from tests.support.fakes import FakeApi, FakeClock, status

    release = threading.Event()

    class SlowStop(FakeApi):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            release.wait(5)
            return super().stop(master_id, progress, deadline)

        def close(self) -> None:
            return None

    api = SlowStop(FakeClock(), {"5": [status("DATA_RECEIVED", 100, event(), master="5")]})
    settings = WaitSettings(
        master_ids=("5",),
        timeout=30,
        interval=0.05,
        fail_fast=True,
        stop_on_fail=True,
        report_dir=tmp_path / "r",
    )
    guard = SignalGuard()
    signal_it = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    answer_it = threading.Timer(0.4, release.set)
    with (
        patch.object(BlazeMeterClient, "from_settings", return_value=api),
        guard.installed(),
    ):
        signal_it.start()
        answer_it.start()
        code = run_wait(
            settings,
            ApiSettings(credentials=Credentials("id", "secret")),
            guard,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert code == 143
    [master] = json.loads((tmp_path / "r" / "summary.json").read_text())["masters"]
    assert master["stop_action"] == "stop"
