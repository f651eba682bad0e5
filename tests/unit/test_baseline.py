"""The regression gate's rules: limits, noise guards, picking the last passed run."""

from __future__ import annotations

import pytest

from ci_gate.baseline import (
    LabelRow,
    Limit,
    compare,
    parse_aggregate,
    parse_baseline,
    parse_limit,
    parse_runs,
    pick_last_passed,
)
from ci_gate.errors import UsageError


def test_limits() -> None:
    assert parse_limit("p90=+20%", "--regression") == Limit("p90", 20.0, True)
    assert parse_limit("errors=+0.5", "--regression") == Limit("errors", 0.5, False)
    assert parse_limit(" AVG = 150 ", "--regression") == Limit("avg", 150.0, False)
    for bad in ("p90", "p90=-5%", "p42=+1%", "p90=+x", ""):
        with pytest.raises(UsageError):
            parse_limit(bad, "--regression")
    assert parse_baseline(" Last-Passed ", "--baseline") == "last-passed"
    with pytest.raises(UsageError):
        parse_baseline("yesterday", "--baseline")


def _row(samples: int, p90: float, errors: float = 0.0) -> LabelRow:
    return LabelRow(samples, {"p90": p90, "errors": errors})


def test_each_label_is_judged_only_when_both_sides_have_enough_samples() -> None:
    base = {"checkout": _row(1000, 1350), "login": _row(50, 100), "gone": _row(500, 10)}
    now = {"checkout": _row(1000, 1823), "login": _row(60, 900), "search": _row(500, 300)}
    rows = {row.label: row for row in compare(now, base, (Limit("p90", 20, True),))}
    assert rows["checkout"].verdict == "regression"
    assert rows["checkout"].describe() == (
        "label 'checkout': p90 1350 ms -> 1823 ms (+473 ms (+35%), limit p90=+20%)"
    )
    assert rows["login"].verdict == "few samples"
    assert rows["search"].verdict == "new label"
    assert rows["gone"].verdict == "label gone"
    assert compare(now, base, (Limit("p90", 50, True),))[0].verdict == "fine"


def test_errors_are_compared_in_points() -> None:
    rows = compare(
        {"home": _row(500, 10, errors=1.5)},
        {"home": _row(500, 10, errors=0.5)},
        (Limit("errors", 0.5, False),),
    )
    assert rows[0].verdict == "regression" and rows[0].change == "+1.00 points"


def test_aggregate_rows_and_the_last_passed_pick() -> None:
    table = parse_aggregate(
        "1",
        [
            {"labelName": "a", "samples": 10, "90line": 5, "errorsRate": 0},
            {"labelName": 7},
            "junk",
        ],
    )
    assert table == {"a": LabelRow(10, {"p90": 5.0, "errors": 0.0})}
    runs = parse_runs(
        "7",
        [
            {"id": 3, "passed": True, "created": 300},  # the master judged now
            {"id": 2, "passed": False, "created": 200},  # newer, but failed: skipped
            {"id": 1, "passed": True, "created": 100},
            {"id": 4, "passed": True, "created": 400},  # later than the master: skipped
            {"id": True},
            "junk",
        ],
    )
    assert [run.master_id for run in runs] == ["3", "2", "1", "4"]
    assert pick_last_passed("3", runs) == "1"
    assert pick_last_passed("3", runs[:1]) is None
