"""The end of a wait: reports, CI hand-off and a signal that arrives while they are written."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

import pytest

from ci_gate import app
from ci_gate.errors import UsageError
from ci_gate.outcome import Outcome
from ci_gate.report import ReportPaths, write_reports
from ci_gate.signals import SignalGuard
from tests.helpers import assert_valid_junit, make_outcome, master_outcome


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_report_writing_completes_the_reports_as_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, code: int
) -> None:
    real_write = write_reports
    calls: list[str] = []

    def write_and_get_signalled(outcome: Outcome, report_dir: Path) -> ReportPaths:
        calls.append(outcome.verdict)
        if len(calls) == 1:
            os.kill(os.getpid(), signum)  # arrives in the middle of writing
        return real_write(outcome, report_dir)

    monkeypatch.setattr(app, "write_reports", write_and_get_signalled)
    guard = SignalGuard()
    stdout, stderr = io.StringIO(), io.StringIO()
    with guard.installed():
        result = app.finish(
            make_outcome(master_outcome()), tmp_path, guard, stdout=stdout, stderr=stderr
        )
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
        app._prepare_report_dir(blocker / "reports")
