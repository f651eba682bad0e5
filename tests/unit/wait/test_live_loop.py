"""`--fail-on` in the wait loop, with a scripted API and a fake clock: the reads' pacing,
the stop (once, after the window, at once), the verdict, and reading failures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState, LabelTotals
from ci_gate.domain.outcome import Outcome
from ci_gate.domain.run import Traffic
from ci_gate.errors import ApiError
from ci_gate.signals import SignalGuard
from ci_gate.wait.loop import WaitLoop
from tests.support.fakes import Answer, FakeApi, FakeClock, status
from tests.support.helpers import SilentProgress

T0 = 1_796_000_000  # the run's first second
CHECKOUT = Label("c0ffee", "Checkout")


class Notes(SilentProgress):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


class StopTimes(FakeApi):
    """Records the fake clock at each stop request; the run ends on the next poll."""

    def __init__(self, clock: FakeClock, polls: int) -> None:
        super().__init__(
            clock, {"1": [status("DATA_RECEIVED", 100)] * polls + [status("ENDED", 140)]}
        )
        self.stop_times: list[float] = []

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
        self.stop_times.append(self.clock.now)
        self.script[master_id] = [status("ENDED", 140)]
        return super().stop(master_id, progress, deadline)


def point(ts: int, rt: float, hits: int = 10, users: int = 20) -> KpiPoint:
    return KpiPoint(ts, hits, 0, users, rt, rt / 2, 1000.0)


def serve(
    api: FakeApi, seconds: int, slow_from: int | None, start: float, *, rt: float = 2000
) -> None:
    """ALL and Checkout, one point a second; Checkout slow from `slow_from`; the seconds
    arrive one per second of the fake clock from `start`."""
    api.live_labels = [Label("ALL", "ALL"), CHECKOUT, Label("h0me", "Home")]
    api.live_points = {
        "ALL": [point(T0 + s, 300) for s in range(seconds)],
        CHECKOUT.id: [
            point(T0 + s, rt if slow_from is not None and s >= slow_from else 400)
            for s in range(seconds)
        ],
    }
    api.live_served = lambda: T0 + int(api.clock.now - start)


def run(
    api: FakeApi,
    clock: FakeClock,
    criteria: Sequence[str],
    progress: SilentProgress | None = None,
    **switches: object,
) -> Outcome:
    plan = replace(
        WaitSettings(
            master_ids=tuple(api.script),
            timeout=switches.pop("timeout", 600),  # type: ignore[arg-type]
            interval=switches.pop("interval", 1.0),  # type: ignore[arg-type]
            fail_on=tuple(parse_fail_on(text, "--fail-on") for text in criteria),
        ),
        **switches,  # type: ignore[arg-type]
    )
    return WaitLoop(
        plan, api, progress or SilentProgress(), SignalGuard(), clock=clock, sleep=clock.sleep
    ).run()


def test_a_breach_stops_the_master_once_after_its_window_and_fails_it() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=200)
    serve(api, 200, slow_from=20, start=clock.now)
    api.planned = 1860.0
    notes = Notes()
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 10s"], notes)
    master = outcome.masters[0]
    assert outcome.verdict == "failed" and outcome.exit_code == 1
    assert api.stops == [("1", 100)]  # once, and `stop` (it had data)
    # the window is 20..29: its last second is complete once second 30 is read
    assert api.stop_times[0] >= 1000.0 + 30
    (item,) = master.live_criteria
    assert item.judgement.state is JudgeState.BREACHED and item.stopped_run
    assert item.judgement.window == (T0 + 20, T0 + 29)
    assert item.judgement.value == pytest.approx(2000)
    line = next(n for n in notes.notes if "breached" in n)
    assert (
        "live criterion 'avg-rt of Checkout>1500ms for 10s' breached: 2,000 ms average every second"
        in line
    )
    assert "sent stop: live criterion 'avg-rt of Checkout>1500ms for 10s'" in " ".join(notes.notes)
    assert master.stop_saved is not None and "of a planned 31m00s" in master.stop_saved
    # to the run's last second of data (the fake serves seconds until the end is seen)
    ran = master.kpi_timeline["ALL"][-1].ts - T0 + 1
    assert ran >= 30 and f"stopped after {ran}s" in master.stop_saved
    assert "breached" in outcome.reason
    assert set(master.kpi_timeline) == {"ALL", "Checkout"}


@pytest.mark.parametrize("interval", [1.0, 2.5, 5.0, 10.0])
@pytest.mark.parametrize("slow_from", [20, 23, 27])
def test_the_stop_follows_the_breaching_seconds_arrival_within_an_interval_and_a_second(
    interval: float, slow_from: int
) -> None:
    """The issue's figure: from the arrival of the second that completes the window to the
    stop request, at most one --interval and one second (of the gate's clock)."""
    clock = FakeClock()
    start = clock.now
    api = StopTimes(clock, polls=400)
    serve(api, 300, slow_from=slow_from, start=start)
    run(api, clock, ["avg-rt of Checkout>1500ms for 10s"], interval=interval)
    breaching_second = slow_from + 9
    arrived = start + breaching_second  # served from this moment of the gate's clock
    assert len(api.stop_times) == 1
    assert 0 <= api.stop_times[0] - arrived <= interval + 1.0


def test_kpis_are_read_at_most_once_per_interval_only_for_the_labels_named() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=60)
    serve(api, 100, slow_from=None, start=clock.now)
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 10s"], interval=2.0)
    assert outcome.verdict == "passed"
    kpi_reads = [entry for entry in api.live_reads if entry[1] == "kpis"]
    froms = [entry[2] for entry in kpi_reads]
    assert froms == sorted(froms)  # `from` only moves on
    assert len([e for e in api.live_reads if e[1] == "labels"]) == 1
    # 60 polls 2 s apart: one read per poll at most, plus the pages after the end
    assert len(kpi_reads) <= 60 + 3


def test_continue_records_the_breach_without_a_stop_and_fails_at_the_end() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=60)
    serve(api, 100, slow_from=10, start=clock.now)
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s, continue"])
    assert api.stops == []
    assert outcome.verdict == "failed"
    (item,) = outcome.masters[0].live_criteria
    assert item.judgement.state is JudgeState.BREACHED and not item.stopped_run


def test_non_failed_stops_but_never_fails_the_gate_and_shows_as_a_warning() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=60)
    serve(api, 100, slow_from=10, start=clock.now)
    notes = Notes()
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s, stop as non-failed"], notes)
    assert api.stops == [("1", 100)]  # with stop it still stops the run, as in Taurus
    assert outcome.verdict == "passed" and outcome.exit_code == 0
    assert "warning: master 1: live criterion" in outcome.reason
    assert any("non-failed: a warning" in note for note in notes.notes)


def test_fail_fast_exits_at_once_on_a_breach() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=200)
    serve(api, 200, slow_from=10, start=clock.now)
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s"], fail_fast=True)
    assert outcome.verdict == "failed"
    assert api.stops == [("1", 100)]
    assert clock.now - 1000.0 < 30  # long before the run's end


@pytest.mark.parametrize("stop_on_fail", [False, True])
def test_fail_fast_with_continue_leaves_the_run_unless_stop_on_fail(stop_on_fail: bool) -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=200)
    serve(api, 200, slow_from=10, start=clock.now)
    notes = Notes()
    outcome = run(
        api,
        clock,
        ["avg-rt of Checkout>1500ms for 5s, continue"],
        notes,
        fail_fast=True,
        stop_on_fail=stop_on_fail,
    )
    assert outcome.verdict == "failed"
    assert api.stops == ([("1", 100)] if stop_on_fail else [])
    assert any("still running in BlazeMeter" in note for note in notes.notes) is not stop_on_fail


def test_without_a_timeframe_it_is_judged_at_the_end_on_the_totals() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=20)
    serve(api, 30, slow_from=0, start=clock.now)
    api.totals = {"ALL": LabelTotals(samples=100, p90=2400.0), "Checkout": LabelTotals(p90=2600.0)}
    outcome = run(api, clock, ["p90 of Checkout>2s", "p90<5s, continue as non-failed"])
    assert api.stops == []
    first, second = outcome.masters[0].live_criteria
    assert first.judgement.state is JudgeState.BREACHED and first.judgement.judged == "at the end"
    assert first.judgement.value == 2600.0
    assert second.judgement.state is JudgeState.BREACHED  # a warning only
    assert outcome.verdict == "failed"


def test_a_label_that_never_appears_fails_the_master_naming_the_closest() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=80)
    serve(api, 50, slow_from=None, start=clock.now)
    outcome = run(api, clock, ["avg-rt of Chekout>1500ms for 5s"])
    (item,) = outcome.masters[0].live_criteria
    assert item.judgement.state is JudgeState.NOT_JUDGED
    assert "label 'Chekout' never appeared; the run has 'Checkout'" in item.judgement.note
    assert outcome.verdict == "failed"
    assert "could not be judged" in outcome.reason
    labels_reads = [entry for entry in api.live_reads if entry[1] == "labels"]
    assert 2 <= len(labels_reads) <= 5  # again every 30 s while it is missing, no more


def test_kpi_reads_that_fail_fall_back_to_the_totals_with_a_note() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=30)
    serve(api, 40, slow_from=0, start=clock.now)
    api.live_error = ApiError("master 1: the API answered HTTP 503")
    api.totals = {"Checkout": LabelTotals(samples=100, avg_rt=1800.0)}
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s"])
    (item,) = outcome.masters[0].live_criteria
    assert item.judgement.state is JudgeState.BREACHED
    assert item.judgement.judged == "at the end" and "totals" in item.judgement.note
    assert outcome.verdict == "failed"  # never a pass by silence
    assert any("could not read" in note for note in outcome.masters[0].notes)


def test_kpi_reads_that_fail_and_no_totals_fail_closed() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=30)
    serve(api, 40, slow_from=None, start=clock.now)
    api.live_error = ApiError("master 1: the API answered HTTP 503")
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s"])
    (item,) = outcome.masters[0].live_criteria
    assert item.judgement.state is JudgeState.NOT_JUDGED
    assert outcome.verdict == "failed"


def test_live_reads_start_only_once_the_master_has_data() -> None:
    clock = FakeClock()

    class PollsAtFirstRead(FakeApi):
        polls_then: int | None = None

        def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
            if self.polls_then is None:
                self.polls_then = len(self.polls)
            return super().labels(master_id, deadline)

    booting = [status("BOOT_STARTING", 25)] * 5
    api = PollsAtFirstRead(
        clock, {"1": booting + [status("DATA_RECEIVED", 100)] * 5 + [status("ENDED", 140)]}
    )
    serve(api, 10, slow_from=None, start=clock.now)
    run(api, clock, ["avg-rt>1500ms for 5s"])
    assert api.polls_then == 6  # after the first answer with progress 100, not before


def test_two_masters_only_the_breaching_one_is_stopped() -> None:
    clock = FakeClock()
    start = clock.now

    class Two(FakeApi):
        def live_kpis(self, master_id, from_ts, label_ids, deadline=None):  # type: ignore[no-untyped-def]
            self.live_points = points[master_id]
            return super().live_kpis(master_id, from_ts, label_ids, deadline)

        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            self.script[master_id] = [status("ENDED", 140)]
            return super().stop(master_id, progress, deadline)

    running = [status("DATA_RECEIVED", 100)] * 100 + [status("ENDED", 140)]
    api = Two(clock, {"1": list(running), "2": list(running)})
    serve(api, 200, slow_from=10, start=start)
    slow = api.live_points
    serve(api, 200, slow_from=None, start=start)
    points = {"1": slow, "2": api.live_points}
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s"])
    assert api.stops == [("1", 100)]
    assert [m.verdict for m in outcome.masters] == ["failed", "passed"]
    assert outcome.verdict == "failed"


def test_a_percentile_with_a_timeframe_is_read_every_30_s_and_stops_the_run() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=400)
    serve(api, 400, slow_from=None, start=clock.now)
    api.totals = {"Checkout": LabelTotals(p90=2600.0)}
    outcome = run(api, clock, ["p90 of Checkout>2s for 60s"], interval=1.0)
    aggregate_reads = [read for read in api.reads if read[1] == "aggregate"]
    # read at about 0, 30, 60 s of the gate's clock (and the totals after the end)
    assert 3 <= len(aggregate_reads) <= 5
    (item,) = outcome.masters[0].live_criteria
    assert item.judgement.state is JudgeState.BREACHED and item.stopped_run
    assert item.judgement.value == 2600.0
    assert 60 <= api.stop_times[0] - 1000.0 <= 62


def test_the_warmup_keeps_the_first_seconds_out_of_the_timeframes() -> None:
    clock = FakeClock()
    api = StopTimes(clock, polls=100)
    serve(api, 100, slow_from=0, start=clock.now)  # slow from the first second
    for warmup, first in ((0, T0), (30, T0 + 30)):
        running: list[Answer] = [status("DATA_RECEIVED", 100)] * 100
        api.script["1"] = [*running, status("ENDED", 140)]
        outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 5s"], warmup=warmup)
        (item,) = outcome.masters[0].live_criteria
        assert item.judgement.window == (first, first + 4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    interval=st.sampled_from([0.5, 1.0, 2.0, 3.0, 7.0, 10.0]),
    window=st.integers(min_value=2, max_value=20),
    slow=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_the_stop_promise_holds_for_any_run(interval: float, window: int, slow: list[bool]) -> None:
    """Whatever the seconds: a stop is sent only if `window` slow seconds in a row came, at
    most once, never before the last of them arrived, and at most one --interval and one
    second after it did."""
    clock = FakeClock()
    start = clock.now
    api = StopTimes(clock, polls=300)
    serve(api, 60, slow_from=None, start=start)
    api.live_points[CHECKOUT.id] = [
        point(T0 + second, 2000 if is_slow else 400) for second, is_slow in enumerate(slow)
    ]
    outcome = run(api, clock, [f"avg-rt of Checkout>1500ms for {window}s"], interval=interval)
    streak, completes = 0, None
    for second, is_slow in enumerate(slow):
        streak = streak + 1 if is_slow else 0
        if streak >= window:
            completes = second
            break
    if completes is None or completes == len(slow) - 1:
        # no full window; or one completed only by the last second, judged at the end
        assert api.stop_times == []
    else:
        assert len(api.stop_times) == 1
        arrived = start + completes
        assert 0 <= api.stop_times[0] - arrived <= interval + 1.0
        (item,) = outcome.masters[0].live_criteria
        assert item.judgement.window == (T0 + completes - window + 1, T0 + completes)


def test_a_live_stop_that_failed_is_never_reported_as_done(tmp_path: Path) -> None:
    """Attack B #2: `stopped_run` and "stopped after ..." say a criterion stopped the run;
    a stop that failed (or, after a cancel, got no answer in its budget) did not."""
    import io

    from ci_gate.commands.conclude import conclude
    from ci_gate.domain.outcome import MasterStops, StopRequest, StopsSent
    from ci_gate.judging.run_outcome import cancelled_late

    class StopFails(StopTimes):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            raise ApiError("the API answered HTTP 500")

    criteria = ["avg-rt of Checkout>1500ms for 10s"]
    clock = FakeClock()
    api = StopFails(clock, polls=60)
    serve(api, 60, slow_from=20, start=clock.now)
    api.planned = 1860.0
    [master] = run(api, clock, criteria).masters
    [item] = master.live_criteria
    assert item.breached and not item.stopped_run and master.stop_saved is None
    assert any("could not stop the master" in note for note in master.notes)

    # after a cancel: the outcome written first still said it (the stop was in flight);
    # the conclusion takes it back when the stop comes back unanswered
    clock = FakeClock()
    stopped = StopTimes(clock, polls=200)
    serve(stopped, 200, slow_from=20, start=clock.now)
    stopped.planned = 1860.0
    outcome = cancelled_late(run(stopped, clock, criteria), 15, "cancelled by SIGTERM")
    assert outcome.masters[0].live_criteria[0].stopped_run

    def stop() -> StopsSent:
        unanswered = StopRequest(40.0, None, "live criterion 'x'")
        return StopsSent((MasterStops("1", (unanswered,), live_stop_undone=True),), Traffic())

    concluded = conclude(
        outcome, tmp_path, SignalGuard(), stdout=io.StringIO(), stderr=io.StringIO(), stop=stop
    )
    [written] = json.loads((tmp_path / "summary.json").read_text())["masters"]
    assert written["stop_saved"] is None
    assert [c["stopped_run"] for c in written["live_criteria"]] == [False]
    assert not concluded.masters[0].live_criteria[0].stopped_run


def test_a_live_stop_sent_and_never_confirmed_is_said_so_everywhere(tmp_path: Path) -> None:
    """issue 30 (attackers): a live stop in flight at a SIGTERM that never answered was
    "stopped after 18s of the run" on the console and "none: the run was already stopping
    or ended" in summary.md: it was sent, and never confirmed."""
    import io

    from ci_gate.commands.conclude import conclude
    from ci_gate.domain.outcome import MasterStops, StopRequest, StopsSent
    from ci_gate.judging.run_outcome import cancelled_late
    from ci_gate.report.live_rows import action_taken

    class StopFails(StopTimes):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            raise ApiError("the API answered HTTP 500")

    criteria = ["avg-rt of Checkout>1500ms for 10s"]
    clock = FakeClock()
    api = StopFails(clock, polls=60)
    serve(api, 60, slow_from=20, start=clock.now)
    [item] = run(api, clock, criteria).masters[0].live_criteria
    assert action_taken(item).startswith("stop sent, never confirmed")

    clock = FakeClock()
    stopped = StopTimes(clock, polls=200)
    serve(stopped, 200, slow_from=20, start=clock.now)
    outcome = cancelled_late(run(stopped, clock, criteria), 15, "cancelled by SIGTERM")
    # the signal came while the stop was in flight: no answer recorded yet
    [master] = outcome.masters
    in_flight = replace(master, seen=replace(master.seen, stop_requests=()))
    outcome = replace(outcome, masters=(in_flight,))

    def stop() -> StopsSent:
        unanswered = StopRequest(40.0, None, "live criterion 'x'")
        return StopsSent((MasterStops("1", (unanswered,), live_stop_undone=True),), Traffic())

    out = io.StringIO()
    conclude(outcome, tmp_path, SignalGuard(), stdout=out, stderr=io.StringIO(), stop=stop)
    assert "stopped after" not in out.getvalue()
    assert "master 1: a live criterion's stop was sent, no answer yet" in out.getvalue()
    markdown = (tmp_path / "summary.md").read_text()
    assert "already stopping" not in markdown and "stop sent, never confirmed" in markdown
    page = (tmp_path / "report.html").read_text()
    assert "stop sent, never confirmed" in page
    # the chart's stop marker: it was sent, so never "could not be sent" (attackers)
    assert "could not be sent" not in page and "stop not confirmed: live criterion" in page
    [written] = json.loads((tmp_path / "summary.json").read_text())["masters"]
    assert written["stop_saved"] is None
    assert [c["stopped_run"] for c in written["live_criteria"]] == [False]
    # a field says the stop went out (attackers: only a note did)
    assert [c["stop_unconfirmed"] for c in written["live_criteria"]] == [True]


def test_a_cancel_after_a_live_stop_was_answered_leaves_no_still_running_note() -> None:
    """issue 30 (attackers): a live criterion's stop answered, then a signal (without
    --stop-on-cancel): the master was stopped, never "still running (the cancel left it)"."""
    import signal

    from ci_gate.signals import Cancelled

    class CancelAfterStop(StopTimes):
        def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
            action = super().stop(master_id, progress, deadline)
            self.script[master_id] = [Cancelled(signal.SIGTERM)]
            return action

    clock = FakeClock()
    api = CancelAfterStop(clock, polls=200)
    serve(api, 200, slow_from=20, start=clock.now)
    outcome = run(api, clock, ["avg-rt of Checkout>1500ms for 10s"])
    [master] = outcome.masters
    assert outcome.verdict == "cancelled" and api.stops == [("1", 100)]
    assert [asked.action for asked in master.seen.stop_requests] == ["stop"]
    assert master.live_criteria[0].stopped_run
    assert not any("still running" in note for note in master.notes), master.notes
