"""Which earlier runs `--trend N` shows, and the numbers of each (pure)."""

from __future__ import annotations

import pytest

from ci_gate.domain.findings import RunInfo
from ci_gate.judging.trend import build_trend, pick_trend, trend_point

RUNS = [
    RunInfo("9", False, 900.0, None),  # newer and still running: never in the trend
    RunInfo("5", False, 500.0, None, "pass"),  # this run (listed, not ended yet)
    RunInfo("4", False, 400.0, 460.0, "fail"),  # failed runs are part of the story
    RunInfo("3", True, 300.0, 360.0, "pass"),
    RunInfo("2b", True, None, 260.0, "pass"),  # no creation time: cannot be placed
    RunInfo("2", True, 200.0, None, "pass"),  # never ended
    RunInfo("1", True, 100.0, 160.0, "pass"),
]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, ["4"]), (2, ["3", "4"]), (3, ["1", "3", "4"]), (50, ["1", "3", "4"])],
)
def test_the_newest_ended_runs_before_this_one_oldest_first(
    count: int, expected: list[str]
) -> None:
    assert [run.master_id for run in pick_trend("5", RUNS, count)] == expected


def test_the_creation_time_of_the_record_wins_over_the_list() -> None:
    # the list may not hold this run: its own record says when it was created
    assert [run.master_id for run in pick_trend("77", RUNS, 5, created=350.0)] == ["1", "3"]
    assert pick_trend("77", RUNS, 5) == []  # unknown creation time: nothing is "earlier"


@pytest.mark.parametrize(
    ("kpis", "p90", "avg", "errors", "hits"),
    [
        ({"tp90": 980.0, "avg": 402.0, "hits": 14100.0, "failed": 28.0}, 980, 402, 28 / 141, 14100),
        ({"tp90": 980.0, "hits": 0.0, "failed": 0.0}, 980, None, None, None),  # no samples
        ({"hits": 100.0}, None, None, None, 100),  # no failed count: error % unknown
        (None, None, None, None, None),  # a run without data: a gap, never a zero
        ({}, None, None, None, None),
    ],
)
def test_a_point_takes_label_alls_numbers_and_gaps_for_what_is_missing(
    kpis: dict[str, float] | None,
    p90: float | None,
    avg: float | None,
    errors: float | None,
    hits: float | None,
) -> None:
    point = trend_point("1", 100.0, "pass", kpis)
    assert (point.p90, point.avg, point.hits) == (p90, avg, hits)
    assert point.errors == (None if errors is None else pytest.approx(errors))


def test_the_trend_ends_with_this_run() -> None:
    earlier = [trend_point("1", 1.0, "pass", {"tp90": 1.0}), trend_point("2", 2.0, "fail", None)]
    now = trend_point("3", 3.0, "pass", {"tp90": 3.0}, this_run=True)
    trend = build_trend(5, earlier, now, ["asked 5, 2 listed"])
    assert [p.master_id for p in trend.points] == ["1", "2", "3"]
    assert trend.series("p90") == [1.0, None, 3.0]
    assert [p.this_run for p in trend.points] == [False, False, True]
    assert trend.notes == ("asked 5, 2 listed",)
