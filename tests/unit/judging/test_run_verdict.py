"""The run's verdict, chosen in one function (`run_outcome.run_verdict`) on every path: the
wait's end, a late signal, lost reports, a run that never got to its wait, a signal with
no outcome (issue 30 item 2)."""

from __future__ import annotations

import signal

import pytest

from ci_gate.judging.run_outcome import (
    cancelled_exit_code,
    cancelled_late,
    reports_lost,
    run_verdict,
)
from tests.support.helpers import make_outcome, master_outcome


@pytest.mark.parametrize(
    ("masters", "facts", "verdict"),
    [
        (("passed", "failed"), {}, "failed"),
        (("passed", "unfinished"), {}, "passed"),
        ((), {}, "error"),  # none judged (a missing baseline, a start that failed)
        ((), {"out_of_time": True}, "timeout"),  # a start out of time
        (("passed",), {"out_of_time": True}, "timeout"),
        (("passed",), {"reports_lost": True}, "error"),
        (("failed",), {"reports_lost": True, "out_of_time": True}, "error"),
        (("passed",), {"signal_number": signal.SIGTERM, "reports_lost": True}, "cancelled"),
        ((), {"signal_number": signal.SIGINT, "out_of_time": True}, "cancelled"),
    ],
)
def test_a_signal_then_lost_reports_then_a_start_out_of_time_then_the_worst_master(
    masters: tuple[str, ...], facts: dict[str, object], verdict: str
) -> None:
    judged = [master_outcome(each) for each in masters]
    assert run_verdict(judged, **facts) == verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGHUP, 129), (signal.SIGINT, 130), (signal.SIGTERM, 143)]
)
def test_a_signal_with_no_outcome_exits_as_a_cancelled_run(signum: int, code: int) -> None:
    assert cancelled_exit_code(signum) == code


def test_a_late_signal_relabels_the_run_and_picks_the_exit_code() -> None:
    outcome = cancelled_late(make_outcome(master_outcome("failed")), signal.SIGINT, "by SIGINT")
    assert (outcome.verdict, outcome.exit_code, outcome.reason) == ("cancelled", 130, "by SIGINT")
    assert outcome.signal_number == signal.SIGINT and outcome.masters[0].verdict == "failed"


def test_lost_reports_end_the_run_as_error_naming_its_own_result() -> None:
    passed = make_outcome(master_outcome("passed"))
    lost = reports_lost(passed, "could not write the reports")
    assert (lost.verdict, lost.exit_code) == ("error", 4)
    assert lost.reason == f"could not write the reports; the run itself: passed: {passed.reason}"
    errored = make_outcome(master_outcome("error"))
    assert reports_lost(errored, "lost").reason == f"lost; the run itself: error: {errored.reason}"


def test_lost_reports_leave_a_cancelled_run_cancelled() -> None:
    cancelled = cancelled_late(make_outcome(master_outcome("passed")), signal.SIGTERM, "by TERM")
    lost = reports_lost(cancelled, "could not write the reports")
    assert (lost.verdict, lost.exit_code) == ("cancelled", 143)
    assert lost.reason == "by TERM; could not write the reports"
