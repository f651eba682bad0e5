"""The wait loop with a scripted API and a fake clock: no network, no real sleeping."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import Criterion, LabelRow, MasterInfo
from ci_gate.domain.outcome import Outcome, StopRequest
from ci_gate.domain.run import Event, MasterStatus
from ci_gate.errors import ApiError, FatalApiError
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.wait import loop
from ci_gate.wait.loop import WaitLoop
from tests.support.fakes import Answer, FakeApi, FakeClock, status
from tests.support.helpers import SilentProgress, event


def run(
    script: dict[str, Sequence[Answer]],
    *,
    threshold: int = 400,
    timeout: float = 100,
    interval: float = 10,
    timeline: dict[str, MasterStatus] | None = None,
    **switches: bool,
) -> tuple[FakeApi, FakeClock, Outcome]:
    clock = FakeClock()
    api = FakeApi(clock, script, timeline)
    wait_plan = replace(
        WaitSettings(master_ids=tuple(script), level=threshold, timeout=timeout, interval=interval),
        **switches,  # type: ignore[arg-type]
    )
    outcome = WaitLoop(
        wait_plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    return api, clock, outcome


def test_the_moments_the_reports_show_are_read_on_the_wall_clock_it_is_given() -> None:
    """Issue 30 item 5: the start, each status change and the end are the command's
    wall clock's (a fake one here), never `datetime.now` picked by the loop."""
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100), status("ENDED", 140)]})
    plan = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    outcome = WaitLoop(
        plan,
        api,
        SilentProgress(),
        SignalGuard(),
        clock=clock,
        sleep=clock.sleep,
        wall=clock.utc_now,
    ).run()
    assert outcome.started_at == FakeClock.EPOCH
    assert [change.at for change in outcome.masters[0].timeline] == [
        FakeClock.EPOCH,
        FakeClock.EPOCH + timedelta(seconds=10),
    ]
    assert outcome.finished_at == FakeClock.EPOCH + timedelta(seconds=10)


def test_passes_and_does_not_sleep_after_the_end() -> None:
    _api, clock, outcome = run(
        {"1": [status("CREATE", 5), status("DATA_RECEIVED", 100), status("ENDED", 140)]}
    )
    assert outcome.verdict == "passed" and outcome.exit_code == 0
    assert clock.sleeps == [10, 10]  # two pauses between three polls, none after the end
    assert [change.status for change in outcome.masters[0].timeline] == [
        "CREATE",
        "DATA_RECEIVED",
        "ENDED",
    ]


def test_polls_at_the_threshold_then_reads_the_info_timeline_once() -> None:
    info = event("INFO", "hello")
    api, _, outcome = run({"1": [status("ENDED", 140)]}, timeline={"1": status("ENDED", 140, info)})
    assert api.polls == [("1", "ERROR"), ("1", "INFO")]
    assert outcome.masters[0].seen.event_counts == {"INFO": 1}


def test_offending_events_fail_after_the_end_and_each_occurrence_counts() -> None:
    boom = event()
    _api, _, outcome = run(
        {
            "1": [
                status("DATA_RECEIVED", 100, boom, boom, boom),
                status("ENDED", 140, boom, boom, boom, boom),
            ]
        }
    )
    assert outcome.verdict == "failed" and outcome.exit_code == 1
    assert len(outcome.masters[0].offending) == 4


def test_the_client_filters_even_when_the_server_does_not() -> None:
    noise = event("WARNING")
    _, _, outcome = run({"1": [status("ENDED", 140, noise)]})
    assert outcome.verdict == "passed"


def test_fail_fast_stops_the_failing_master_at_once() -> None:
    api, clock, outcome = run(
        {
            "1": [status("DATA_RECEIVED", 100, event()), status("ENDED", 140)],
            "2": [status("DATA_RECEIVED", 100)],
        },
        fail_fast=True,
        stop_on_fail=True,
    )
    assert outcome.verdict == "failed"
    assert [m.verdict for m in outcome.masters] == ["failed", "unfinished"]
    assert api.stops == [("1", 100)]
    assert clock.sleeps == []


def test_timeout_with_stop_on_timeout_terminates_below_100() -> None:
    api, clock, outcome = run(
        {"1": [status("BOOT_STARTING", 25)]}, timeout=35, stop_on_timeout=True
    )
    assert outcome.verdict == "timeout" and outcome.exit_code == 3
    assert api.stops == [("1", 25)]
    assert sum(clock.sleeps) == pytest.approx(35)
    assert "timed out after 35s" in (outcome.masters[0].error or "")
    # report.html marks the stop on the timeline: when it was asked for, what and why
    assert outcome.masters[0].seen.stop_requests == (
        StopRequest(35.0, "terminate", "timed out (--stop-on-timeout)"),
    )
    assert outcome.timeout == 35


class NotesKept(SilentProgress):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


def test_the_stop_line_says_why_without_brackets_in_brackets() -> None:
    """`sent terminate: timed out (--stop-on-timeout)`, not `sent terminate (timed out
    (--stop-on-timeout))` (issue 32 item 9)."""
    clock, progress = FakeClock(), NotesKept()
    api = FakeApi(clock, {"1": [status("BOOT_STARTING", 25)]})
    plan = WaitSettings(master_ids=("1",), timeout=35, interval=10, stop_on_timeout=True)
    WaitLoop(plan, api, progress, SignalGuard(), clock=clock, sleep=clock.sleep).run()
    assert "master 1: sent terminate: timed out (--stop-on-timeout)" in progress.notes


def test_api_error_is_exit_4_and_others_still_finish() -> None:
    _, _, outcome = run(
        {
            "1": [FatalApiError("master 1: credentials rejected (HTTP 401)")],
            "2": [status("ENDED", 140)],
        }
    )
    assert [m.verdict for m in outcome.masters] == ["error", "passed"]
    assert outcome.verdict == "error" and outcome.exit_code == 4
    assert "credentials rejected" in outcome.reason


def test_verdict_is_the_worst_error_timeout_failed_passed() -> None:
    _, _, outcome = run(
        {
            "1": [status("ENDED", 140, event())],
            "2": [status("CREATE", 5)],
            "3": [status("ENDED", 140)],
        },
        timeout=20,
    )
    assert [m.verdict for m in outcome.masters] == ["failed", "timeout", "passed"]
    assert outcome.verdict == "timeout"


def test_unknown_status_is_noted_and_backwards_progress_only_in_the_timeline() -> None:
    _, _, outcome = run(
        {"1": [status("WARP", 90), status("TAURUS_ENGINE_INIT", 71), status("NULL", 150)]}
    )
    master = outcome.masters[0]
    assert master.verdict == "passed"
    assert any("unknown status 'WARP'" in note for note in master.notes)
    # BlazeMeter's own table goes from 90 back to 71: not a fault, so no note
    assert not any("progress went back" in note for note in master.notes)
    assert [change.progress for change in master.timeline] == [90, 71, 150]
    assert any("NULL, which is abnormal" in note for note in master.notes)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_cancels_and_stops_running_masters(signum: int, code: int) -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100), Cancelled(signum)]})
    settings = WaitSettings(master_ids=("1",), timeout=100, interval=10, stop_on_cancel=True)
    waiter = WaitLoop(
        settings, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    )
    outcome = waiter.run()
    assert outcome.verdict == "cancelled" and outcome.exit_code == code
    assert api.stops == []  # the reports come first; the caller then asks for the stops
    stopped = waiter.stop_cancelled()  # what was sent, for the conclusion to add
    assert api.stops == [("1", 100)]
    [sent] = stopped.masters
    assert (sent.master_id, sent.notes) == ("1", ())
    [asked] = sent.requests
    assert (asked.action, asked.why) == ("stop", "cancelled (--stop-on-cancel)")


def test_a_master_that_ends_in_the_last_interval_is_judged_not_timed_out() -> None:
    # the deadline falls at 25 s, between polls at 20 s and 30 s: the last look is at 25 s
    _api, clock, outcome = run(
        {"1": [status("DATA_RECEIVED", 100)] * 3 + [status("ENDED", 140)]},
        timeout=25,
        interval=10,
    )
    assert outcome.verdict == "passed", outcome.reason
    assert clock.sleeps == [10, 10, 5]


def test_an_api_that_never_answered_usably_ends_as_error_at_the_deadline() -> None:
    clock = FakeClock()

    class SlowFailingApi(FakeApi):
        def status(
            self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
        ) -> MasterStatus:
            self.clock.now += 60  # retries used up the rest of the wait
            raise ApiError("master 1: the API failed (HTTP 503)")

    api = SlowFailingApi(clock, {"1": [status("CREATE", 5)]})
    plan = WaitSettings(master_ids=("1",), timeout=30, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert (outcome.verdict, outcome.exit_code) == ("error", 4)
    # the cause once, named once: not "master 1: ...: master 1: ...", not again as a note
    assert outcome.reason == "master 1: the API never answered usably: the API failed (HTTP 503)"
    assert not any("HTTP 503" in note for note in outcome.masters[0].notes)


def test_a_timeout_after_api_trouble_keeps_the_last_api_error_as_a_note() -> None:
    clock = FakeClock()

    class FailingLateApi(FakeApi):
        def status(
            self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
        ) -> MasterStatus:
            if self.clock.now >= 1020:  # from the 20 s poll on, retried until the deadline
                self.clock.now = 1030
                raise ApiError("master 1: could not reach the API: connection refused")
            return super().status(master_id, level=level, events=events, deadline=deadline)

    api = FailingLateApi(clock, {"1": [status("DATA_RECEIVED", 100)] * 10})
    plan = WaitSettings(master_ids=("1",), timeout=30, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert (outcome.verdict, outcome.exit_code) == ("timeout", 3)
    assert outcome.masters[0].notes == (
        "last API error before the deadline: master 1: could not reach the API: connection refused",
    )


def test_a_heartbeat_while_nothing_changes() -> None:
    beats: list[tuple[float, float]] = []

    class Beats(SilentProgress):
        def heartbeat(
            self, master_id: str, status: str, progress: int | None, elapsed: float, left: float
        ) -> None:
            beats.append((elapsed, left))

    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100)]})
    plan = WaitSettings(master_ids=("1",), timeout=250, interval=10, heartbeat=60)
    WaitLoop(plan, api, Beats(), SignalGuard(), clock=clock, sleep=clock.sleep).run()
    assert beats == [(60, 190), (120, 130), (180, 70), (240, 10)]  # and the time left


def test_an_ended_answer_without_an_event_list_never_passes() -> None:
    ended_blind = MasterStatus("1", "ENDED", 140, (), events_listed=False)
    _api, _clock, outcome = run({"1": [ended_blind]}, threshold=200)
    assert outcome.verdict == "error" and outcome.exit_code == 4
    assert "carried no event list" in outcome.reason
    # the same when the timeline read (level below the threshold) comes back blind too
    _api, _clock, outcome = run({"1": [ended_blind]}, timeline={"1": ended_blind})
    assert outcome.verdict == "error"
    # a later read with the list judges normally
    listed = status("ENDED", 140, event("ERROR", "boom"))
    _api, _clock, outcome = run({"1": [ended_blind]}, timeline={"1": listed})
    assert outcome.verdict == "failed"


def test_a_running_answer_without_an_event_list_is_noted_and_waited_through() -> None:
    blind = MasterStatus("1", "DATA_RECEIVED", 100, (), events_listed=False)
    _api, _clock, outcome = run({"1": [blind, status("ENDED", 140)]})
    assert outcome.verdict == "passed"
    assert any("no event list" in note for note in outcome.masters[0].notes)


def test_the_reason_names_each_failing_master_with_its_own_count() -> None:
    _api, _clock, outcome = run(
        {
            "50000001": [status("ENDED", 140, event("ERROR", "a"), master="50000001")],
            "50000002": [status("ENDED", 140, event("ERROR", "b"), master="50000002")],
            "50000003": [status("ENDED", 140, master="50000003")],
        }
    )
    assert outcome.reason.startswith(
        "master 50000001: 1 event, master 50000002: 1 event at ERROR or above; first: "
    )


def test_live_output_shows_the_first_20_offending_events_then_counts() -> None:
    shown: list[str] = []
    notes: list[str] = []

    class Lines(SilentProgress):
        def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
            shown.append(event.message)

        def note(self, message: str) -> None:
            notes.append(message)

    clock = FakeClock()
    many = [event("ERROR", f"e{n}", t=n) for n in range(3000)]
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100, *many), status("ENDED", 140, *many)]})
    plan = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    outcome = WaitLoop(plan, api, Lines(), SignalGuard(), clock=clock, sleep=clock.sleep).run()
    assert len(outcome.masters[0].offending) == 3000
    assert len(shown) == 20
    assert [note for note in notes if "offending" in note] == [
        "master 1: 2980 more offending events (3000 in all; the first 20 are shown live, "
        "every one is in the reports)"
    ]


def test_ignored_events_are_kept_with_the_pattern_that_waived_them() -> None:
    import regex

    clock = FakeClock()
    answer = status("ENDED", 140, event("ERROR", "known flake 1"), event("ERROR", "real"))
    api = FakeApi(clock, {"1": [answer]})
    plan = WaitSettings(
        master_ids=("1",), ignore=(regex.compile("nothing"), regex.compile("flake"))
    )
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    [ignored] = outcome.masters[0].ignored
    assert ignored.pattern == "flake" and ignored.event.message == "known flake 1"
    assert outcome.ignore_patterns == ("nothing", "flake")
    assert [e.message for e in outcome.masters[0].offending] == ["real"]


def test_blazemeters_verdict_is_re_read_while_unset_then_judged() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})
    api.report_statuses["1"] = [None, None, None, "fail"]
    api.failed_criteria = (Criterion("responseTime.percentile.90", "gt", 1500, 1830, False, "ALL"),)
    plan = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert outcome.verdict == "failed" and outcome.exit_code == 1
    assert outcome.reason == "master 1: failure criteria failed: p90 1,830 ms > 1,500 ms"
    assert [what for _, what in api.reads].count("master") == 4
    assert clock.sleeps == [3.0, 3.0, 3.0]  # every few seconds, not every interval
    assert [what for _, what in api.reads].count("criteria") == 1


def test_a_verdict_never_set_is_unset_after_30_seconds() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})
    api.report_statuses["1"] = [None]
    plan = WaitSettings(master_ids=("1",), timeout=300, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert outcome.verdict == "passed"
    assert sum(clock.sleeps) <= 30
    assert any("set no verdict within 30s" in note for note in outcome.masters[0].notes)


@pytest.mark.parametrize("passed", [{}, [], {"value": False}, "yes", "", 2, -1])
def test_a_verdict_never_set_beside_an_unreadable_passed_is_never_a_pass(passed: object) -> None:
    """issue 30 (attackers): `{"reportStatus": null, "passed": {}}` was unset after 30 s,
    and the run passed."""
    from ci_gate.blazemeter.answers import parse_master_info

    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})
    answer = {"reportStatus": None, "passed": passed}
    api.master_info = lambda master_id, deadline=None: parse_master_info(master_id, answer)  # type: ignore[method-assign]
    plan = WaitSettings(master_ids=("1",), timeout=300, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert outcome.verdict == "broken" and outcome.exit_code == 5
    assert sum(clock.sleeps) <= 30
    [note] = [note for note in outcome.masters[0].notes if "within 30s" in note]
    assert "neither true nor false" in note and "unset" not in note


def test_events_and_criteria_together_give_the_worse_verdict() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140, event("ERROR", "boom"))]})
    api.report_statuses["1"] = ["noData"]
    plan = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    assert outcome.verdict == "broken" and outcome.exit_code == 5
    assert len(outcome.masters[0].offending) == 1
    assert [what for _, what in api.reads].count("kpis") == 0  # no data: no KPI read


# -- issue 19: the end of a master fails closed and keeps every finding ------------------------


def _plan(**changes: object) -> WaitSettings:
    return replace(WaitSettings(master_ids=("1",), timeout=100, interval=10), **changes)  # type: ignore[arg-type]


def _waiter(
    api: FakeApi, clock: FakeClock, plan: WaitSettings, trouble_window: float = 300.0
) -> WaitLoop:
    return WaitLoop(
        plan,
        api,
        SilentProgress(),
        SignalGuard(),
        clock=clock,
        sleep=clock.sleep,
        trouble_window=trouble_window,
    )


class TroubleAfterOneAnswer(FakeApi):
    """One usable answer, then API trouble whose retries last until the deadline."""

    def status(
        self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
    ) -> MasterStatus:
        if not self.polls:
            self.polls.append((master_id, level))
            return status("DATA_RECEIVED", 100)
        self.polls.append((master_id, level))
        assert deadline is not None
        self.clock.now = max(self.clock.now, deadline)
        raise ApiError("master 1: the API failed (HTTP 503)")


def test_trouble_shorter_than_the_window_after_a_usable_answer_is_a_timeout() -> None:
    clock = FakeClock()
    api = TroubleAfterOneAnswer(clock, {"1": [status("CREATE", 5)]})
    outcome = _waiter(api, clock, _plan(timeout=100), trouble_window=300).run()
    assert outcome.verdict == "timeout", outcome.reason


def test_trouble_for_the_whole_window_at_the_deadline_is_an_error() -> None:
    clock = FakeClock()
    api = TroubleAfterOneAnswer(clock, {"1": [status("CREATE", 5)]})
    outcome = _waiter(api, clock, _plan(timeout=100), trouble_window=50).run()
    assert outcome.verdict == "error"
    assert outcome.reason == (
        "master 1: the API has not answered usably for 1m32s: the API failed (HTTP 503)"
    )


def test_a_fail_whose_criteria_cannot_be_read_is_failed_with_a_note() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})
    api.report_statuses["1"] = ["fail"]
    api.criteria_error = FatalApiError("master 1: the criteria answer has no list")
    outcome = _waiter(api, clock, _plan()).run()
    assert (outcome.verdict, outcome.exit_code) == ("failed", 1)
    assert (
        "BlazeMeter failed the run, but its failure criteria could not be read: "
        "master 1: the criteria answer has no list"
    ) in outcome.masters[0].notes


def test_a_verdict_re_read_cut_by_the_deadline_is_a_timeout_not_an_api_error() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("CREATE", 5), status("ENDED", 140)]})
    api.report_statuses["1"] = [None]
    outcome = _waiter(api, clock, _plan(timeout=15)).run()
    assert (outcome.verdict, outcome.exit_code) == ("timeout", 3), outcome.reason
    assert "while BlazeMeter's verdict on the ended run was still being read" in outcome.reason


def test_notes_kpis_link_and_baseline_are_kept_when_the_verdict_cannot_be_read() -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})

    def broken(master_id: str, deadline: float | None = None) -> MasterInfo:
        raise FatalApiError("master 1: access denied")

    api.master_info = broken  # type: ignore[method-assign]
    api.aggregates = {
        "9": {"a": LabelRow(500, {"p90": 100.0})},
        "1": {"a": LabelRow(500, {"p90": 900.0})},
    }
    outcome = _waiter(api, clock, _plan(baseline="9", public_report=True)).run()
    master = outcome.masters[0]
    assert outcome.verdict == "error"
    assert master.kpis == {"hits": 10.0, "tp90": 480.0}
    assert master.report_url == "https://a.example.test/app/?public-token=tok#/masters/1/summary"
    assert master.baseline is not None and len(master.baseline.regressions) == 1


def test_notes_and_baseline_are_kept_when_the_event_list_is_missing() -> None:
    clock = FakeClock()
    bare = MasterStatus("1", "ENDED", 140, (), events_listed=False)
    api = FakeApi(clock, {"1": [bare]}, timeline={"1": bare})
    api.kpis_answer = None
    api.aggregates = {
        "9": {"a": LabelRow(500, {"p90": 100.0})},
        "1": {"a": LabelRow(500, {"p90": 900.0})},
    }
    api.report_statuses["1"] = ["pass"]
    outcome = _waiter(api, clock, _plan(baseline="9")).run()
    master = outcome.masters[0]
    assert outcome.verdict == "error"
    assert master.criteria is not None and master.criteria.report_status == "pass"
    assert master.baseline is not None and len(master.baseline.regressions) == 1


@pytest.mark.parametrize(
    ("baseline", "info", "warning"),
    [
        ("1", (None, None, 1.0), "the baseline 1 is this run itself: it can show no regression"),
        ("9", (None, None, None), "the baseline 9 has not ended: its numbers may change"),
        ("9", ("77", None, 1.0), "the baseline 9 is a run of test 77, this run of test 5"),
    ],
)
def test_a_doubtful_named_baseline_is_warned_about_and_noted(
    baseline: str, info: tuple[str | None, float | None, float | None], warning: str
) -> None:
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("ENDED", 140)]})
    api.masters = {"1": ("5", 100.0, 1.0), "9": info}
    lines: list[str] = []

    class Lines(SilentProgress):
        def note(self, message: str) -> None:
            lines.append(message)

    plan = _plan(baseline=baseline)
    outcome = WaitLoop(plan, api, Lines(), SignalGuard(), clock=clock, sleep=clock.sleep).run()
    assert warning in outcome.masters[0].notes
    assert f"warning: master 1: {warning}" in lines


def test_a_signal_sends_no_stop_for_a_master_already_seen_ended() -> None:
    clock = FakeClock()
    guard = SignalGuard()

    class CancelDuringEndReads(FakeApi):
        def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo:
            if master_id == "1":
                raise Cancelled(signal.SIGTERM)
            return super().master_info(master_id, deadline)

    api = CancelDuringEndReads(
        clock, {"1": [status("ENDED", 140)], "2": [status("DATA_RECEIVED", 100)]}
    )
    plan = replace(
        WaitSettings(master_ids=("1", "2"), timeout=100, interval=10, concurrency=1),
        stop_on_cancel=True,
    )
    waiter = WaitLoop(plan, api, SilentProgress(), guard, clock=clock, sleep=clock.sleep)
    outcome = waiter.run()
    assert outcome.verdict == "cancelled"
    waiter.stop_cancelled()
    assert api.stops == [("2", 100)]


def test_the_heartbeat_line_says_how_much_time_is_left() -> None:
    import io

    from ci_gate.wait.progress import ConsoleProgress

    stream = io.StringIO()
    ConsoleProgress(stream).heartbeat("7", "DATA_RECEIVED", 100, 120.0, 2460.0)
    assert stream.getvalue() == "[   2m00s] master 7: still DATA_RECEIVED (100), 41m00s left\n"


def test_a_request_stuck_past_its_cap_is_abandoned_and_the_wait_ends_as_out_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a bug could keep a request past its wall-clock cap; even then the loop stops
    waiting on its worker once the deadline, its grace and ABANDON_AFTER have passed (real
    time here, shortened: the wait on a worker is a real one)."""
    monkeypatch.setattr(loop, "DEADLINE_GRACE", 0.1)
    monkeypatch.setattr(loop, "ABANDON_AFTER", 0.2)
    release = threading.Event()

    class StuckApi(FakeApi):
        def status(
            self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
        ) -> MasterStatus:
            if self.polls:
                release.wait(10)  # never comes back (until the test ends)
            return super().status(master_id, level=level, events=events, deadline=deadline)

    api = StuckApi(FakeClock(), {"1": [status("DATA_RECEIVED", 100)]})
    plan = WaitSettings(master_ids=("1",), timeout=0.3, interval=0.1)
    started = time.monotonic()
    try:
        outcome = WaitLoop(plan, api, SilentProgress(), SignalGuard()).run()
    finally:
        release.set()
    assert time.monotonic() - started < 3  # about 0.6 s, not the stuck request's 10 s
    (master,) = outcome.masters
    assert outcome.exit_code == 3 and master.verdict.value == "timeout"
    assert any("still in flight" in note and "abandoned" in note for note in master.notes)


def test_a_cancel_that_stops_nothing_says_the_run_goes_on_and_how_to_stop_it() -> None:
    """Without --stop-on-cancel (`run --no-stop-on-cancel`, or `wait`), the run goes on in
    BlazeMeter: the live output and the reports say so, as --fail-fast does (outside
    review of the stop paths, item 3)."""
    clock, progress = FakeClock(), NotesKept()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100), Cancelled(signal.SIGTERM)]})
    settings = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    waiter = WaitLoop(settings, api, progress, SignalGuard(), clock=clock, sleep=clock.sleep)
    outcome = waiter.run()
    said = (
        "master 1 is still running in BlazeMeter (the cancel left it): stop it with "
        "ci-gate stop 1, or add --stop-on-cancel"
    )
    assert said in progress.notes
    assert said in outcome.masters[0].notes
    assert waiter.stop_cancelled().masters == () and api.stops == []


def test_a_stop_that_fails_names_its_master_once() -> None:
    """`master 1: could not stop it: the API ...`, not `master 1: could not stop it:
    master 1: the API ...` (outside review of the stop paths, item 3)."""

    class StopFails(FakeApi):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            raise ApiError(f"master {master_id}: the API did not answer in time")

    clock, progress = FakeClock(), NotesKept()
    api = StopFails(clock, {"1": [status("BOOT_STARTING", 25)]})
    plan = WaitSettings(master_ids=("1",), timeout=35, interval=10, stop_on_timeout=True)
    outcome = WaitLoop(plan, api, progress, SignalGuard(), clock=clock, sleep=clock.sleep).run()
    assert "master 1: could not stop it: the API did not answer in time" in progress.notes
    assert "could not stop the master: the API did not answer in time" in outcome.masters[0].notes


@pytest.mark.parametrize(
    ("switches", "left_by"),
    [({}, "a timeout"), ({"fail_fast": True}, "--fail-fast")],
)
def test_a_cancel_after_the_wait_stops_a_master_the_wait_left_running(
    switches: dict[str, bool], left_by: str
) -> None:
    """Attack B #1: with --stop-on-cancel, a signal that comes after the wait (the
    conclusion then asks for the stops) stops every master still running: one that timed
    out without --stop-on-timeout, or that --fail-fast left, as much as one it cancelled."""
    clock = FakeClock()
    script: dict[str, Sequence[Answer]] = (
        {"1": [status("DATA_RECEIVED", 100, event())], "2": [status("DATA_RECEIVED", 100)]}
        if switches
        else {"1": [status("DATA_RECEIVED", 100)]}
    )
    api = FakeApi(clock, script)
    plan = replace(
        WaitSettings(master_ids=tuple(script), timeout=20, interval=10, stop_on_cancel=True),
        **switches,  # type: ignore[arg-type]
    )
    waiter = WaitLoop(plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep)
    outcome = waiter.run()
    assert outcome.verdict != "cancelled" and api.stops == [], left_by
    sent = waiter.stop_cancelled()
    assert sorted(master_id for master_id, _ in api.stops) == sorted(script)
    assert [stops.requests[0].why for stops in sent.masters] == [
        "cancelled (--stop-on-cancel)"
    ] * len(script)


def test_a_stop_in_flight_at_the_signal_is_collected_and_reported_without_stop_on_cancel() -> None:
    """Attack B #2: --fail-fast --stop-on-fail sent a stop; a signal comes before its
    answer. Without --stop-on-cancel nothing new is sent, but that stop is still awaited
    (within its budget) and handed back for the reports."""
    release = threading.Event()

    class SlowStop(FakeApi):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            release.wait(5)
            return super().stop(master_id, progress, deadline)

    clock = FakeClock()
    api = SlowStop(clock, {"1": [status("DATA_RECEIVED", 100, event())]})
    plan = WaitSettings(
        master_ids=("1",), timeout=100, interval=10, fail_fast=True, stop_on_fail=True
    )
    guard = SignalGuard()
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    with guard.installed():
        timer.start()
        waiter = WaitLoop(plan, api, SilentProgress(), guard, clock=clock, sleep=clock.sleep)
        outcome = waiter.run()
    assert outcome.verdict == "cancelled" and outcome.masters[0].seen.stop_requests == ()
    release.set()
    [sent] = waiter.stop_cancelled().masters
    assert [(asked.action, asked.why) for asked in sent.requests] == [
        ("stop", "it failed (--stop-on-fail)")
    ]


def test_a_cancel_after_the_wait_without_stop_on_cancel_says_what_goes_on_running() -> None:
    """Attack B #1: without --stop-on-cancel nothing is stopped, but the reports say
    which master is still running and how to stop it (once: not again for one --fail-fast
    already named)."""
    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100)]})
    plan = WaitSettings(master_ids=("1",), timeout=20, interval=10)
    waiter = WaitLoop(plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep)
    assert waiter.run().verdict == "timeout"
    [sent] = waiter.stop_cancelled().masters
    assert api.stops == [] and sent.requests == ()
    assert sent.notes == (
        "master 1 is still running in BlazeMeter (the timeout left it): stop it with "
        "ci-gate stop 1, or add --stop-on-cancel",
    )
    assert waiter.stop_cancelled().masters == ()


def test_a_master_stopped_after_the_wait_is_no_longer_said_to_be_still_running(
    tmp_path: Path,
) -> None:
    """issue 30 (attackers): --fail-fast left two masters running, a SIGINT during the
    review comment stopped both (answered), yet every master's notes and summary.md still
    said "is still running in BlazeMeter (--fail-fast left it): stop it with ci-gate stop"."""
    import io
    import json

    from ci_gate.commands.conclude import conclude
    from ci_gate.judging.run_outcome import cancelled_late

    clock = FakeClock()
    script: dict[str, Sequence[Answer]] = {
        "111": [status("DATA_RECEIVED", 100, event())],
        "222": [status("DATA_RECEIVED", 100)],
    }
    api = FakeApi(clock, script)
    plan = WaitSettings(
        master_ids=tuple(script), timeout=20, interval=10, fail_fast=True, stop_on_cancel=True
    )
    waiter = WaitLoop(plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep)
    outcome = waiter.run()
    assert any("still running" in note for m in outcome.masters for note in m.notes)
    outcome = cancelled_late(outcome, signal.SIGINT, "cancelled by SIGINT")
    concluded = conclude(
        outcome,
        tmp_path,
        SignalGuard(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stop=waiter.stop_cancelled,
    )
    assert sorted(master_id for master_id, _ in api.stops) == ["111", "222"]
    assert not any("still running" in note for m in concluded.masters for note in m.notes)
    assert "still running" not in (tmp_path / "summary.md").read_text()
    written = json.loads((tmp_path / "summary.json").read_text())["masters"]
    assert not any("still running" in note for m in written for note in m["notes"])


def test_a_stop_answered_after_the_cancel_takes_back_the_cancels_note(tmp_path: Path) -> None:
    """A stop in flight at the signal (a live criterion's) answered after it: the note
    the cancel left ("still running (the cancel left it)") goes; one not answered stays."""
    import io

    from ci_gate.commands.conclude import conclude
    from ci_gate.domain.outcome import MasterStops, StopsSent
    from ci_gate.domain.run import Traffic

    clock = FakeClock()
    api = FakeApi(clock, {"1": [status("DATA_RECEIVED", 100), Cancelled(signal.SIGTERM)]})
    plan = WaitSettings(master_ids=("1",), timeout=100, interval=10)
    outcome = WaitLoop(
        plan, api, SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()
    [note] = [note for note in outcome.masters[0].notes if "still running" in note]
    assert "the cancel left it" in note

    def answered(action: str | None) -> Callable[[], StopsSent]:
        asked = StopRequest(1.5, action, "live criterion 'slow'")
        return lambda: StopsSent((MasterStops("1", (asked,)),), Traffic())

    for action, kept in (("stop", False), (None, True)):
        folder = tmp_path / str(action)
        concluded = conclude(
            outcome,
            folder,
            SignalGuard(),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stop=answered(action),
        )
        assert (note in concluded.masters[0].notes) is kept
        assert ("still running" in (folder / "summary.md").read_text()) is kept
