"""The regression gate's rules: limits, noise guards, picking the last passed run."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import parse_aggregate, parse_runs
from ci_gate.config.parsers import parse_baseline, parse_limit
from ci_gate.domain.findings import AggregateReport, Comparison, LabelRow, Limit, relative_change
from ci_gate.errors import UsageError
from ci_gate.judging import baseline
from ci_gate.judging.baseline import MIN_SAMPLES, compare, data_notes, pick_last_passed


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


def _report(rows: dict[str, LabelRow | tuple[LabelRow, ...]]) -> AggregateReport:
    return AggregateReport(
        {label: row if isinstance(row, tuple) else (row,) for label, row in rows.items()}
    )


def test_each_label_is_judged_only_when_both_sides_have_enough_samples() -> None:
    base = _report({"checkout": _row(1000, 1350), "login": _row(50, 100), "gone": _row(500, 10)})
    now = _report({"checkout": _row(1000, 1823), "login": _row(60, 900), "search": _row(500, 300)})
    rows = {row.label: row for row in compare(now, base, (Limit("p90", 20, True),))}
    assert rows["checkout"].verdict == "regression"
    assert rows["checkout"].describe() == (
        "label 'checkout': p90 1,350 ms -> 1,823 ms, +473 ms (+35%), limit p90=+20%"
    )
    assert rows["login"].verdict == "few samples"
    assert rows["search"].verdict == "new label"
    assert rows["gone"].verdict == "label gone"
    assert compare(now, base, (Limit("p90", 50, True),))[0].verdict == "fine"


def test_errors_are_compared_in_points() -> None:
    rows = compare(
        _report({"home": _row(500, 10, errors=1.5)}),
        _report({"home": _row(500, 10, errors=0.5)}),
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
    assert table.rows == {"a": (LabelRow(10, {"p90": 5.0, "errors": 0.0}),)}
    runs = parse_runs(
        "7",
        [
            {"id": 3, "passed": True, "created": 300, "ended": 350},  # the master judged now
            {"id": 2, "passed": False, "created": 200, "ended": 250},  # newer, but failed
            {"id": 1, "passed": True, "created": 100, "ended": 150},
            {"id": 4, "passed": True, "created": 400, "ended": 450},  # later than the master
            {"id": True},
            "junk",
        ],
    )
    assert [run.master_id for run in runs] == ["3", "2", "1", "4"]
    assert pick_last_passed("3", runs) == "1"
    assert pick_last_passed("3", runs[:1]) is None


# -- issue 19: the baseline fails closed ----------------------------------------------------


def test_a_label_listed_twice_is_compared_row_by_row_and_the_worst_row_decides() -> None:
    rows = [
        {"labelName": "checkout", "samples": 500, "90line": 1000},
        {"labelName": "checkout", "samples": 500, "90line": 3000},  # the regression
    ]
    now = parse_aggregate("2", rows)
    base = parse_aggregate("1", [{"labelName": "checkout", "samples": 500, "90line": 1000}])
    assert len(now.rows["checkout"]) == 2
    (row,) = compare(now, base, (Limit("p90", 20, True),))
    assert (row.verdict, row.baseline, row.now) == ("regression", 1000.0, 3000.0)
    # the order of the rows does not matter: the worst still decides
    flipped = parse_aggregate("2", list(reversed(rows)))
    assert compare(flipped, base, (Limit("p90", 20, True),))[0].verdict == "regression"


@pytest.mark.parametrize(
    ("metric", "before", "now", "limit"),
    [
        ("errors", 0.0, 50.0, Limit("errors", 10, True)),
        ("p90", 0.0, 5000.0, Limit("p90", 20, True)),
        ("avg", 0.0, 1.0, Limit("avg", 1000, True)),
    ],
)
def test_a_rise_from_a_baseline_of_zero_exceeds_every_relative_limit(
    metric: str, before: float, now: float, limit: Limit
) -> None:
    rows = compare(
        _report({"a": LabelRow(500, {metric: now})}),
        _report({"a": LabelRow(500, {metric: before})}),
        (limit,),
    )
    assert rows[0].verdict == "regression"
    assert "-> " in rows[0].describe() and "from 0" in rows[0].describe()
    assert rows[0].shown_baseline.startswith("0")
    # zero to zero is no change, and an absolute limit gives the slack
    same = compare(
        _report({"a": LabelRow(500, {metric: 0.0})}),
        _report({"a": LabelRow(500, {metric: 0.0})}),
        (limit,),
    )
    assert same[0].verdict == "fine"
    slack = Limit(metric, now + 1, False)
    assert (
        compare(
            _report({"a": LabelRow(500, {metric: now})}),
            _report({"a": LabelRow(500, {metric: before})}),
            (slack,),
        )[0].verdict
        == "fine"
    )


def test_a_missing_or_null_value_is_no_data_listed_and_noted_never_a_failure() -> None:
    now = parse_aggregate("2", [{"labelName": "a", "samples": 500, "90line": None}])
    base = parse_aggregate("1", [{"labelName": "a", "samples": 500, "90line": 100}])
    rows = compare(now, base, (Limit("p90", 20, True),))
    assert rows[0].verdict == "no data"
    assert data_notes(rows, now, base) == ("label 'a': no p90 value on this run: not compared",)


def test_numbers_may_come_as_numeric_strings_or_floats() -> None:
    report = parse_aggregate(
        "1", [{"labelName": "a", "samples": 500.0, "90line": "1234.5", "errorsRate": " 2 "}]
    )
    assert report.rows["a"] == (LabelRow(500, {"p90": 1234.5, "errors": 2.0}),)
    assert report.notes == ()


def test_integers_too_large_for_a_float_make_the_field_unusable_and_noted() -> None:
    huge = int("9" * 400)
    report = parse_aggregate("1", [{"labelName": "a", "samples": huge, "90line": huge}])
    assert report.rows["a"] == (LabelRow(0, {}),)
    assert report.notes == (
        "master 1, label 'a': 90line was an integer too large to use",
        "master 1, label 'a': samples could not be read",
    )
    runs = parse_runs("7", [{"id": 1, "passed": True, "created": huge, "ended": 5}])
    assert runs[0].created is None


def test_last_passed_reads_report_status_rows_and_never_picks_a_later_unended_or_own_run() -> None:
    runs = parse_runs(
        "7",
        [
            {"id": 9, "reportStatus": "pass", "created": 900, "ended": 950},  # after this run
            {"id": 5, "reportStatus": "pass", "created": 500, "ended": None},  # not ended
            {"id": 4, "reportStatus": "PASS", "created": 400, "ended": 450},  # no passed field
            {"id": 3, "reportStatus": "fail", "passed": True, "created": 300, "ended": 350},
        ],
    )
    # this run (created 600) is not in the list: its own creation time decides
    assert pick_last_passed("6", runs, created=600) == "4"
    assert pick_last_passed("4", runs, created=400) is None  # never the run itself
    # without this run's creation time "earlier" cannot be told: no baseline at all
    assert pick_last_passed("6", runs) is None


# -- issue 29 item 3: comparing labels is linear in rows -------------------------------------


class _CountedComparisons:
    """Stands in for `Comparison` in the judge and counts what it builds; past `limit` it
    raises at once, so a quadratic comparison fails in milliseconds, not in 36 s."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def __call__(self, *args: object, **kwargs: object) -> Comparison:
        self.count += 1
        if self.count > self.limit:
            raise AssertionError(f"more than {self.limit} comparisons built")
        return Comparison(*args, **kwargs)  # type: ignore[arg-type]


def test_a_label_listed_thousands_of_times_on_both_sides_is_compared_in_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = 3500
    now = _report({"checkout": tuple(_row(500, 1000.0 + i % 7) for i in range(rows))})
    base = _report({"checkout": tuple(_row(500, 1000.0 + i % 5) for i in range(rows))})
    limits = (Limit("p90", 20, True), Limit("errors", 1, False))
    counted = _CountedComparisons(limit=len(limits) * 2 * (rows + rows))
    monkeypatch.setattr(baseline, "Comparison", counted)
    found = compare(now, base, limits)
    assert [row.verdict for row in found] == ["fine", "fine"]
    # the worst pair still decides: the highest p90 now (1006) against the lowest before
    assert (found[0].now, found[0].baseline) == (1006.0, 1000.0)
    assert counted.count <= len(limits) * 2 * (rows + rows)


def _naive_worst(
    limit: Limit, current: tuple[LabelRow, ...], before: tuple[LabelRow, ...]
) -> tuple[str, float]:
    """The rule as the contract states it, by brute force: every row of this run against
    every row of the baseline, the worst pair's (verdict, size of the change)."""
    ranks = {"regression": 5, "no data": 4, "fine": 3, "few samples": 2}
    worst: tuple[int, float] | None = None
    for now_row in current:
        for base_row in before:
            value_now = now_row.values.get(limit.metric)
            value_before = base_row.values.get(limit.metric)
            if min(now_row.samples, base_row.samples) < MIN_SAMPLES:
                verdict = "few samples"
            elif value_now is None or value_before is None:
                verdict = "no data"
            elif limit.exceeded(value_before, value_now):
                verdict = "regression"
            else:
                verdict = "fine"
            comparison = Comparison("x", limit.metric, 0, 0, value_before, value_now, limit, "-")
            key = (ranks[verdict], relative_change(comparison))
            if worst is None or key > worst:
                worst = key
    assert worst is not None
    return next(name for name, rank in ranks.items() if rank == worst[0]), worst[1]


_VALUES = st.none() | st.sampled_from([0.0, -5.0, 1.0, 100.0, 120.0, 121.0, 1000.0, 1e300])
_ROWS = st.lists(
    st.builds(
        lambda samples, value: LabelRow(samples, {} if value is None else {"p90": value}),
        st.sampled_from([0, 99, 100, 500]),
        _VALUES,
    ),
    min_size=1,
    max_size=8,
).map(tuple)


@settings(max_examples=200, deadline=None)
@given(
    current=_ROWS,
    before=_ROWS,
    limit=st.builds(Limit, st.just("p90"), st.sampled_from([0.0, 20.0, 100.0, 1e6]), st.booleans()),
)
def test_the_worst_pair_decides_as_if_every_pair_were_compared(
    current: tuple[LabelRow, ...], before: tuple[LabelRow, ...], limit: Limit
) -> None:
    (found,) = compare(_report({"a": current}), _report({"a": before}), (limit,))
    assert (found.verdict, relative_change(found)) == _naive_worst(limit, current, before)
    # and what it shows is a real pair of rows
    assert found.samples_now in {row.samples for row in current}
    assert found.samples_baseline in {row.samples for row in before}
