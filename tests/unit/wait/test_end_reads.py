"""The end reads as a graph: what goes out together, what waits for what (no network)."""

from __future__ import annotations

import ast
import inspect
import threading
import time
from concurrent.futures import Future
from dataclasses import FrozenInstanceError, replace
from types import ModuleType
from typing import Any

import pytest

from ci_gate.config.parsers import parse_baseline
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import AggregateReport, CriteriaMode, MasterInfo, RunInfo
from ci_gate.errors import ApiError, FatalApiError, NotFoundError, OutOfTimeError
from ci_gate.judging.baseline import LAST_PASSED
from ci_gate.judging.facts import BaselineFacts, TrendFacts
from ci_gate.wait import end_reads, live_reads
from ci_gate.wait.end_reads import Clock, EndRead, EndReads
from ci_gate.wait.reads import SharedReads
from tests.support.fakes import FakeApi, FakeClock, status


def _rounds(reads: EndReads) -> list[list[str]]:
    """Run the graph round by round: every ready read completes before the next round."""
    rounds = []
    while not reads.done:
        ready = reads.take()
        rounds.append(sorted(read.name for read in ready))
        for read in ready:
            future: Future[Any] = Future()
            try:
                future.set_result(read.call())
            except BaseException as error:
                future.set_exception(error)
            reads.finished(read, future)
    return rounds


def _reads(api: FakeApi, clock: FakeClock, **plan: Any) -> EndReads:
    settings = replace(WaitSettings(master_ids=("2",), timeout=100, interval=10), **plan)
    return EndReads(
        "2",
        api,
        settings,
        Clock(clock, clock.sleep, clock.now + 100, clock.now + 102),
        SharedReads(),
        timeline_level="INFO",
    )


def _api(report_status: str = "fail") -> tuple[FakeApi, FakeClock]:
    clock = FakeClock()
    api = FakeApi(clock, {"2": [status("ENDED", 140, master="2")]})
    api.report_statuses["2"] = [report_status]
    api.masters = {"2": ("7", 500.0, 600.0), "1": ("7", 100.0, 200.0)}
    api.runs = {"7": [RunInfo("1", True, 100.0, 200.0), RunInfo("2", False, 500.0, 600.0)]}
    return api, clock


def test_what_the_reads_brought_is_a_frozen_value_replaced_with_each_answer() -> None:
    """The loop is handed a value the reads still going on never change (issue 30
    item 4): the facts before the reads stay as they were."""
    api, clock = _api()
    reads = _reads(api, clock, baseline=parse_baseline("last-passed", "--baseline"), trend=2)
    before = reads.facts
    _rounds(reads)
    after = reads.facts
    assert after.info is not None and after.baseline is not None and after.trend is not None
    assert after.baseline.master_id == "1" and after.trend.created == 500.0
    assert before.info is None and before.kpis is None and before.notes == ()
    assert before.baseline == BaselineFacts(LAST_PASSED) and before.trend == TrendFacts(2)
    with pytest.raises(FrozenInstanceError):
        after.notes = ()  # type: ignore[misc]


def test_the_full_set_of_reads_takes_three_rounds() -> None:
    api, clock = _api()
    reads = _reads(
        api, clock, baseline=parse_baseline("last-passed", "--baseline"), public_report=True
    )
    assert _rounds(reads) == [
        ["aggregate now", "public-token", "timeline", "verdict"],
        ["criteria", "kpis", "runs"],
        ["aggregate base"],
    ]
    assert reads.facts.baseline is not None and reads.facts.baseline.master_id == "1"
    assert reads.facts.public_url == (
        "https://a.example.test/app/?public-token=tok#/masters/2/summary"
    )


def test_a_named_baseline_is_read_at_once_and_checked_beside_the_verdict() -> None:
    api, clock = _api("pass")
    reads = _reads(api, clock, baseline="1")
    assert _rounds(reads) == [
        ["aggregate base", "aggregate now", "timeline", "verdict"],
        ["doubts", "kpis"],
    ]


def test_criteria_off_reads_kpis_at_once_and_the_master_only_for_the_baseline() -> None:
    api, clock = _api()
    assert _rounds(_reads(api, clock, criteria=CriteriaMode.OFF)) == [["kpis", "timeline"]]
    last_passed = parse_baseline("last-passed", "--baseline")
    assert _rounds(_reads(api, clock, criteria=CriteriaMode.OFF, baseline=last_passed)) == [
        ["aggregate now", "kpis", "master", "timeline"],
        ["runs"],
        ["aggregate base"],
    ]


def test_no_data_reads_no_kpis() -> None:
    api, clock = _api("noData")
    assert _rounds(_reads(api, clock)) == [["timeline", "verdict"]]


@pytest.mark.parametrize(
    ("fails", "note"),
    [
        ("aggregate now", "could not read this run's aggregate report: master 2: boom"),
        ("aggregate base", "could not read the baseline: master 1: boom; nothing compared"),
    ],
)
def test_a_baseline_read_that_fails_is_one_note_and_no_comparison(fails: str, note: str) -> None:
    api, clock = _api("pass")

    def aggregate(master_id: str, deadline: float | None = None) -> AggregateReport:
        if (fails == "aggregate now") == (master_id == "2"):
            raise FatalApiError(f"master {master_id}: boom")
        return AggregateReport({})

    api.aggregate = aggregate  # type: ignore[method-assign]
    reads = _reads(api, clock, baseline="1")
    _rounds(reads)
    assert reads.facts.baseline is not None and reads.facts.baseline.note == note


def test_a_named_baseline_that_does_not_exist_is_kept_as_not_found() -> None:
    api, clock = _api("pass")

    def aggregate(master_id: str, deadline: float | None = None) -> AggregateReport:
        if master_id == "404":
            raise NotFoundError("master 404: master not found (HTTP 404)")
        return AggregateReport({})

    def master_info(master_id: str, deadline: float | None = None) -> MasterInfo:
        if master_id == "404":
            raise NotFoundError("master 404: master not found (HTTP 404)")
        return MasterInfo("pass", "7", 500.0, 600.0)

    api.aggregate = aggregate  # type: ignore[method-assign]
    api.master_info = master_info  # type: ignore[method-assign]
    reads = _reads(api, clock, baseline="404")
    _rounds(reads)
    assert reads.facts.baseline is not None
    assert reads.facts.baseline.not_found == "master 404: master not found (HTTP 404)"
    assert reads.facts.warnings == ()


def _trend_api() -> tuple[FakeApi, FakeClock]:
    api, clock = _api("pass")
    api.runs = {
        "7": [
            RunInfo("2", False, 500.0, None, "pass"),
            RunInfo("1b", False, 400.0, 460.0, "fail"),
            RunInfo("1", True, 100.0, 200.0, "pass"),
        ]
    }
    return api, clock


def test_the_trend_shares_the_one_list_read_with_last_passed_and_reads_kpis_together() -> None:
    api, clock = _trend_api()
    last_passed = parse_baseline("last-passed", "--baseline")
    reads = _reads(api, clock, baseline=last_passed, trend=5)
    assert _rounds(reads) == [
        ["aggregate now", "timeline", "verdict"],
        ["kpis", "runs"],  # a passed verdict needs no criteria read
        ["aggregate base", "trend kpis", "trend kpis"],
    ]
    assert api.reads.count(("7", "runs")) == 1
    trend = reads.facts.trend
    assert trend is not None
    assert [run.master_id for run in trend.runs] == ["1", "1b"]  # oldest first
    assert set(trend.kpis) == {"1", "1b"}
    assert trend.notes == (
        "the trend asked for 5 earlier ended runs of test 7; BlazeMeter lists 2",
    )
    assert reads.facts.baseline is not None and reads.facts.baseline.master_id == "1"


def test_the_trend_under_criteria_off_still_reads_the_master_for_its_test() -> None:
    api, clock = _trend_api()
    rounds = _rounds(_reads(api, clock, criteria=CriteriaMode.OFF, trend=1))
    assert rounds == [["kpis", "master", "timeline"], ["runs"], ["trend kpis"]]


def test_a_trend_read_that_fails_is_a_note_and_a_gap_never_an_error() -> None:
    api, clock = _trend_api()
    answer = api.kpis_answer

    def kpis(master_id: str, deadline: float | None = None) -> dict[str, float] | None:
        if master_id == "1b":
            raise FatalApiError("master 1b: HTTP 500")
        return answer

    api.kpis = kpis  # type: ignore[method-assign]
    reads = _reads(api, clock, trend=2)
    _rounds(reads)
    trend = reads.facts.trend
    assert trend is not None and trend.kpis == {"1": answer, "1b": None}
    assert trend.notes == (
        "trend: could not read the KPIs of run 1b: master 1b: HTTP 500; shown as a gap",
    )
    assert reads.facts.warnings == ()


def test_a_list_of_runs_that_cannot_be_read_is_one_note_and_no_trend() -> None:
    api, clock = _trend_api()

    def runs_of_test(test_id: str, deadline: float | None = None) -> list[RunInfo]:
        raise FatalApiError("test 7: HTTP 503")

    api.runs_of_test = runs_of_test  # type: ignore[method-assign]
    reads = _reads(api, clock, trend=3)
    _rounds(reads)
    trend = reads.facts.trend
    assert trend is not None and trend.runs == ()
    assert trend.notes == ("could not read the test's runs: test 7: HTTP 503; no trend",)


def test_a_master_read_that_fails_under_criteria_off_names_that_read_in_the_trend_note() -> None:
    """It asks which test this run belongs to; "the test's runs" were never asked for."""
    api, clock = _trend_api()

    def master_info(master_id: str, deadline: float | None = None) -> MasterInfo:
        raise FatalApiError("master 1c: HTTP 503")

    api.master_info = master_info  # type: ignore[method-assign]
    reads = _reads(api, clock, criteria=CriteriaMode.OFF, trend=3)
    _rounds(reads)
    trend = reads.facts.trend
    assert trend is not None and trend.runs == ()
    assert trend.notes == (
        "could not read which test this run belongs to: master 1c: HTTP 503; no trend",
    )


def test_a_shared_read_is_waited_for_only_so_long() -> None:
    """The second asker of a shared read waits for the first one's request at most the
    time given (the read's deadline and the abandon slack), never on a worker for ever."""
    shared, release, asked = SharedReads(), threading.Event(), threading.Event()

    def first() -> str:
        asked.set()
        release.wait(10)
        return "late"

    maker = threading.Thread(target=lambda: shared.once(("runs", "7"), first, 10), daemon=True)
    maker.start()
    try:
        assert asked.wait(5)
        started = time.monotonic()
        with pytest.raises(OutOfTimeError, match="the runs of 7, read for another master"):
            shared.once(("runs", "7"), lambda: "never called", 0.1)
        assert time.monotonic() - started < 2
    finally:
        release.set()
        maker.join(5)
    assert shared.once(("runs", "7"), lambda: "never called", 0) == "late"


def test_each_read_hands_its_answer_and_its_api_failure_to_its_own_handlers() -> None:
    """An answer goes to the read's on-result, an API failure to its on-error; a bug is
    raised, never taken for a failed read."""
    got: list[int] = []
    failed: list[ApiError] = []
    read = EndRead("n", lambda: 1, got.append, failed.append)
    answer: Future[Any] = Future()
    answer.set_result(7)
    read.settle(answer)
    failure: Future[Any] = Future()
    failure.set_exception(FatalApiError("HTTP 500"))
    read.settle(failure)
    assert got == [7] and [str(error) for error in failed] == ["HTTP 500"]
    bug: Future[Any] = Future()
    bug.set_exception(KeyError("bug"))
    with pytest.raises(KeyError):
        read.settle(bug)
    assert got == [7] and len(failed) == 1


#: every read's name, as the rounds above show them
READ_NAMES = {
    "timeline",
    "verdict",
    "criteria",
    "kpis",
    "master",
    "public-token",
    "aggregate now",
    "aggregate base",
    "runs",
    "trend kpis",
    "doubts",
    # the live reads' (wait/live_reads.py)
    "labels",
    "percentiles",
    "page",
    "totals",
}


def _dispatches(source: str) -> list[str]:
    """The places in `source` that look a method up by a string or test a read's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        called = node.func if isinstance(node, ast.Call) else None
        if isinstance(called, ast.Name) and called.id in ("getattr", "hasattr"):
            found.append(ast.unparse(node))
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = [n for side in sides for n in ast.walk(side) if isinstance(n, ast.Constant)]
            if any(n.value in READ_NAMES for n in named) or any(
                isinstance(side, ast.Attribute) and side.attr == "name" for side in sides
            ):
                found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize("module", [end_reads, live_reads], ids=lambda module: module.__name__)
def test_no_read_is_dispatched_by_its_name(module: ModuleType) -> None:
    """What a read brings is handled by the handlers it carries: neither the end reads
    nor the live reads look a method up by a string or test a read's name (each name is
    only a label)."""
    assert _dispatches(inspect.getsource(module)) == []
    # the check sees the shape it forbids
    assert _dispatches('getattr(self, "_got_" + name)\nif name == "kpis": pass') == [
        "getattr(self, '_got_' + name)",
        "name == 'kpis'",
    ]
