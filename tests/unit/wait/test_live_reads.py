"""wait/live_reads.py alone: what is due when, and the end not held by a live read."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import pytest

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState
from ci_gate.errors import ApiError
from ci_gate.judging.live_outcome import live_notes
from ci_gate.wait.live_reads import END_READ_BUDGET, LiveReads
from ci_gate.wait.reads import Read, SharedReads
from tests.support.fakes import FakeApi, FakeClock


def _done(read: Read[Any, Any]) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(read.call())
    return future


def reads(criteria: tuple[str, ...] = ("avg-rt>1500ms for 5s",)) -> tuple[LiveReads, FakeApi]:
    api = FakeApi(FakeClock(), {"1": []})
    api.live_points = {"ALL": [KpiPoint(100 + s, 10, 0, 5, 300.0, 100.0, 10.0) for s in range(20)]}
    live = LiveReads(
        "1",
        api,
        [parse_fail_on(text, "--fail-on") for text in criteria],
        warmup=0,
        interval=5.0,
        shared=SharedReads(),
    )
    return live, api


def test_nothing_is_read_before_the_master_has_data_nor_after_the_deadline() -> None:
    live, _ = reads()
    assert live.due(0.0, 25, deadline=100.0) == []
    assert live.next_due() is None  # nothing waits on time: no busy loop before the data
    assert live.due(100.0, 100, deadline=100.0) == []


def test_labels_then_kpis_at_most_once_per_interval() -> None:
    live, api = reads()
    (labels,) = live.due(0.0, 100, deadline=1000.0)
    assert labels.name == "labels"
    assert live.due(0.5, 100, deadline=1000.0) == []  # the labels read is out
    live.finished(labels, _done(labels))
    (kpis,) = live.due(1.0, 100, deadline=1000.0)
    assert kpis.name == "kpis"
    live.finished(kpis, _done(kpis))
    assert live.due(3.0, 100, deadline=1000.0) == []  # within the interval
    assert live.next_due() == 6.0
    (again,) = live.due(6.0, 100, deadline=1000.0)
    live.finished(again, _done(again))
    froms = [entry[2] for entry in api.live_reads if entry[1] == "kpis"]
    assert froms == [0, 119]  # the second time from the provisional second only


def test_a_run_that_lists_no_labels_yet_is_asked_again_at_the_next_interval() -> None:
    live, api = reads()
    api.live_labels = []
    (labels,) = live.due(0.0, 100, deadline=1000.0)
    live.finished(labels, _done(labels))
    assert live.snapshot().labels is None
    assert live.next_due() == 5.0


def test_a_live_read_still_out_at_the_end_does_not_hold_the_end() -> None:
    live, _ = reads()
    (labels,) = live.due(0.0, 100, deadline=1000.0)
    live.finished(labels, _done(labels))
    (stuck,) = live.due(1.0, 100, deadline=1000.0)  # never answers
    live.end()
    (page,) = live.due(2.0, 140, deadline=1000.0)
    assert page.name == "page"
    live.finished(page, _done(page))
    while not live.settled:
        (read,) = live.due(2.0, 140, deadline=1000.0)
        live.finished(read, _done(read))
    # the abandoned answer, when it comes, changes nothing
    assert live.finished(stuck, _done(stuck)) == []
    assert [p.ts for p in live.snapshot().points["ALL"]] == list(range(100, 120))


def test_without_criteria_only_the_charts_read_after_the_end() -> None:
    live, api = reads(())
    assert live.due(0.0, 100, deadline=1000.0) == []
    live.end()
    steps = []
    while not live.settled:
        (read,) = live.due(1.0, 140, deadline=1000.0)
        steps.append(read.name)
        live.finished(read, _done(read))
    assert steps[0] == "labels" and "totals" not in steps
    assert len(live.snapshot().points["ALL"]) == 20
    assert api.live_labels == [Label("ALL", "ALL")]


def test_a_run_that_ended_without_data_reads_no_kpis() -> None:
    live, api = reads(())
    api.live_labels = []
    live.end()
    (labels,) = live.due(1.0, 140, deadline=1000.0)
    live.finished(labels, _done(labels))
    assert live.settled
    assert [entry[1] for entry in api.live_reads] == ["labels"]
    assert live.snapshot().lost is None and live.snapshot().notes == ()


class DeadlineApi(FakeApi):
    """A FakeApi that notes the deadline each live data read was given."""

    def __init__(self) -> None:
        super().__init__(FakeClock(), {"1": []})
        self.deadlines: list[tuple[str, float | None]] = []

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
        self.deadlines.append(("labels", deadline))
        return super().labels(master_id, deadline)

    def live_kpis(
        self,
        master_id: str,
        from_ts: int,
        label_ids: Sequence[str],
        deadline: float | None = None,
    ) -> dict[str, tuple[KpiPoint, ...]]:
        self.deadlines.append(("kpis", deadline))
        return super().live_kpis(master_id, from_ts, label_ids, deadline)


def _end_reads(criteria: tuple[str, ...], deadlines: list[float]) -> list[tuple[str, float | None]]:
    """Every read after the end, at 50 s of the gate's clock, each with the wait's deadline
    given in turn; the deadline each live data read was handed."""
    api = DeadlineApi()
    api.live_points = {"ALL": [KpiPoint(100 + s, 10, 0, 5, 300.0, 100.0, 10.0) for s in range(20)]}
    live = LiveReads(
        "1",
        api,
        [parse_fail_on(text, "--fail-on") for text in criteria],
        warmup=0,
        interval=5.0,
        shared=SharedReads(),
    )
    live.end()
    for deadline in deadlines:
        if live.settled:
            break
        for read in live.due(50.0, 140, deadline=deadline):
            live.finished(read, _done(read))
    return api.deadlines


def test_the_charts_only_read_has_a_short_budget_never_past_the_deadline() -> None:
    """Without criteria the reads after the end only draw charts: each gets
    END_READ_BUDGET (a KPI endpoint failing for ever costs seconds and a note, not the
    minutes of CI_GATE_RETRY_MAX_TIME), cut to the wait's deadline when that comes first."""
    assert END_READ_BUDGET == 10.0
    assert _end_reads((), [1000.0, 55.0, 1000.0]) == [
        ("labels", 60.0),
        ("kpis", 55.0),
        ("kpis", 60.0),
    ]


def test_the_reads_after_the_end_for_criteria_leave_the_deadline_to_the_totals() -> None:
    """With criteria the labels and the pages after the end have the same short budget
    (s_kpifail/s_trickle2 of the issue 31 attack: a KPI read failing or trickling held
    the gate to its deadline, and the totals, which judge the criteria then, were never
    read); the totals read keeps the wait's whole deadline."""
    read = _end_reads(("avg-rt>1500ms for 5s",), [1000.0] * 4)
    assert read[:3] == [("labels", 60.0), ("kpis", 60.0), ("kpis", 60.0)]


def test_a_failed_page_after_the_end_goes_on_to_the_totals_with_one_true_note() -> None:
    live, api = reads(("avg-rt>1500ms for 5s",))
    live.end()
    api.live_error = ApiError("deadline reached")
    while not live.settled:
        for read in live.due(50.0, 140, deadline=1000.0):
            live.finished(read, _done_or_error(read))
    assert live.snapshot().totals is not None  # read: the criteria are judged on it
    (note,) = live_notes(live.snapshot())
    assert "within the 10 s the reads after the end have: deadline reached; " in note
    assert note.endswith("criteria with a timeframe were judged on the run's totals after the end")


def _done_or_error(read: Read[Any, Any]) -> Future[Any]:
    future: Future[Any] = Future()
    try:
        future.set_result(read.call())
    except ApiError as error:
        future.set_exception(error)
    return future


class LaggingApi(FakeApi):
    """A BlazeMeter whose Checkout row ends `lag` seconds behind ALL's, its newest second
    still filling (2 fast hits so far; 10 at 2,400 ms once complete); ALL's row may come
    without `kpis` at all (recorded: test_no_kpis_on_cloud_crash). One second per read."""

    def __init__(self, lag: int, all_kpis: bool = True) -> None:
        super().__init__(FakeClock(), {"1": []})
        self.live_labels = [Label("ALL", "ALL"), Label("c1", "Checkout")]
        self.lag, self.all_kpis, self.second = lag, all_kpis, 1000

    def live_kpis(
        self, master_id: str, from_ts: int, label_ids: Any, deadline: float | None = None
    ) -> dict[str, tuple[KpiPoint, ...]]:
        self.live_reads.append((master_id, "kpis", from_ts))
        self.second += 1
        answer: dict[str, tuple[KpiPoint, ...]] = {}
        for label in label_ids:
            top = self.second - self.lag if label == "c1" else self.second
            if label == "ALL" and not self.all_kpis:
                answer[label] = ()
                continue
            answer[label] = tuple(
                KpiPoint(ts, 2, 0, 5, 100.0, 5.0, 1.0)
                if ts == top and label == "c1"
                else KpiPoint(ts, 10, 0, 5, 2400.0 if label == "c1" else 1000.0, 5.0, 1.0)
                for ts in range(max(from_ts, 1000), top + 1)
            )
        return answer


@pytest.mark.parametrize(("lag", "all_kpis"), [(1, True), (3, True), (0, False), (1, False)])
def test_a_label_row_behind_alls_is_judged_on_its_own_complete_seconds(
    lag: int, all_kpis: bool
) -> None:
    """s_lag1/s_lag/s_noall of the issue 31 attack: the label is judged on its final
    values (2,400 ms), never on its still-filling second (100 ms), and every second of it
    is read; with no `kpis` in ALL's row the label is judged all the same."""
    api = LaggingApi(lag, all_kpis)
    live = LiveReads(
        "1",
        api,
        [parse_fail_on("avg-rt of Checkout>1500ms for 10s", "--fail-on")],
        warmup=0,
        interval=1.0,
        shared=SharedReads(),
    )
    breaches = []
    for tick in range(40):
        for read in live.due(float(tick), 100, deadline=1000.0):
            breaches += live.finished(read, _done(read))
        if breaches:
            break
    assert breaches, "the lagging label was never judged to breach"
    ((_judge, judged),) = breaches
    assert judged.value == 2400.0
    checkout = [p.ts for p in live.snapshot().points["Checkout"]]
    assert checkout == list(range(1000, checkout[-1] + 1))  # every second, once
    assert all(p.avg_rt == 2400.0 for p in live.snapshot().points["Checkout"])


def test_a_snapshot_is_frozen_while_the_reads_go_on() -> None:
    """The loop judges a snapshot (issue 30 item 4): what the reads gather after it,
    seconds and judges alike, never changes it."""
    live, _ = reads(("avg-rt>100ms for 5s",))
    (labels,) = live.due(0.0, 100, deadline=1000.0)
    live.finished(labels, _done(labels))
    before = live.snapshot()
    assert before.points == {} and before.judges[0].result.state is JudgeState.NOT_JUDGED
    (kpis,) = live.due(1.0, 100, deadline=1000.0)
    assert live.finished(kpis, _done(kpis))  # 300 ms a second: it breaches
    after = live.snapshot()
    assert len(after.points["ALL"]) == 19 and after.judges[0].result.state is JudgeState.BREACHED
    assert before.points == {} and before.judges[0].result.state is JudgeState.NOT_JUDGED
    assert isinstance(after.points["ALL"], tuple) and isinstance(after.labels, tuple)
