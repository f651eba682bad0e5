"""Judging live criteria second by second: each window logic as the contract words it,
the warm-up, cumulative percentiles, the totals after the end, and the labels."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import JudgeState, LabelTotals, LiveJudgement
from ci_gate.judging.live import judge_for
from ci_gate.judging.live_labels import closest_labels, find_label, missing_label_note

T0 = 1_796_115_600
NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}


def point(
    rt: float | None = 100,
    hits: int | None = 10,
    errors: int | None = 0,
    users: int | None = 5,
    lt: float | None = 20,
    size: float | None = 500,
) -> KpiPoint:
    return KpiPoint(T0, hits, errors, users, rt, lt, size)


def run(
    text: str, seconds: Sequence[KpiPoint | None], warmup: int = 0, start: int = T0
) -> tuple[list[LiveJudgement], LiveJudgement]:
    """Feed one point per second from `start`: the judgements returned, and the result."""
    judge = judge_for(parse_fail_on(text, "--fail-on"), warmup)
    fired = [j for n, p in enumerate(seconds) if (j := judge.feed(start + n, p)) is not None]
    return fired, judge.result


def test_for_triggers_when_every_second_of_the_timeframe_breaches() -> None:
    seconds = [point(rt=900), point(rt=2000, hits=1), point(rt=1600, hits=3), point(rt=1700)]
    fired, result = run("avg-rt>1500ms for 3s", seconds)
    (breach,) = fired
    assert breach == result
    assert breach.state is JudgeState.BREACHED
    assert (breach.window, breach.triggered_at) == ((T0 + 1, T0 + 3), T0 + 3)
    # the window's average is weighted by its hits: (2000 + 3 * 1600 + 10 * 1700) / 14
    assert breach.value == pytest.approx((2000 + 4800 + 17000) / 14)
    assert breach.judged == "live"


@pytest.mark.parametrize(
    "reset",
    [point(rt=1000), None, point(rt=None), point(rt=2000, hits=0)],
    ids=["good second", "no data", "no t_avg", "no responses"],
)
def test_for_one_good_or_missing_second_resets(reset: KpiPoint | None) -> None:
    bad = point(rt=2000)
    fired, result = run("avg-rt>1500 for 3s", [bad, bad, reset, bad, bad])
    assert fired == [] and result.state is JudgeState.OK
    fired, _ = run("avg-rt>1500 for 3s", [bad, bad, reset, bad, bad, bad])
    assert [f.window for f in fired] == [(T0 + 3, T0 + 5)]


@pytest.mark.parametrize("logic", ["for", "over"])
def test_a_timeframe_the_run_never_filled_is_not_judged(logic: str) -> None:
    """`for` and `over` alike (issue 31 item 3, settled): a run shorter than the timeframe,
    every second breaching, never had a full timeframe to judge: not a pass, `not judged`
    saying why (which fails a `failed` criterion); one more second and it breaches."""
    bad = point(rt=2000)
    fired, result = run(f"avg-rt>1500ms {logic} 5s", [bad] * 4)
    assert fired == [] and result.state is JudgeState.NOT_JUDGED
    assert result.note == "the run's data never filled its 5s timeframe (4s of 5s)"
    fired, _ = run(f"avg-rt>1500ms {logic} 5s", [bad] * 5)
    assert [f.window for f in fired] == [(T0, T0 + 4)]
    # the same short run, every second good: not an `ok` either (nothing was judged)
    _, result = run(f"avg-rt>1500ms {logic} 5s", [point(rt=100)] * 4)
    assert result.state is JudgeState.NOT_JUDGED
    # after the warm-up, the seconds left must fill it
    _, result = run(f"avg-rt>1500ms {logic} 5s", [point(rt=100)] * 8, warmup=4)
    assert (result.state, result.note) == (
        JudgeState.NOT_JUDGED,
        "the run's data never filled its 5s timeframe (4s of 5s after the warm-up)",
    )
    _, result = run(f"avg-rt>1500ms {logic} 5s", [point(rt=100)] * 9, warmup=4)
    assert (result.state, result.value) == (JudgeState.OK, 100)


def test_a_full_timeframe_whose_last_seconds_had_no_data_still_judged_the_run() -> None:
    """A timeframe filled by the run's seconds, data in it: judged (the label's seconds
    need not fill it; `for` then simply never breached)."""
    seconds = [point(rt=100), point(rt=100), None, None, None, None]
    for logic in ("for", "over"):
        _, result = run(f"avg-rt>1500ms {logic} 5s", seconds)
        assert (result.state, result.value) == (JudgeState.OK, 100), logic


def test_a_skipped_second_is_a_missing_second_and_a_repeat_counts_once() -> None:
    judge = judge_for(parse_fail_on("hits>5 for 3s", "x"))
    bad = point(hits=9)
    assert judge.feed(T0, bad) is None
    assert judge.feed(T0 + 1, bad) is None
    assert judge.feed(T0 + 1, bad) is None  # a repeat: still two seconds
    assert judge.feed(T0 + 3, bad) is None  # T0 + 2 never came: it resets
    assert judge.feed(T0 + 2, bad) is None  # late: ignored, judged seconds are not revised
    assert judge.feed(T0 + 4, bad) is None
    breach = judge.feed(T0 + 5, bad)
    assert breach is not None and breach.window == (T0 + 3, T0 + 5)
    assert judge.feed(T0 + 6, bad) is None  # triggers once
    assert judge.breached and judge.result == breach


def test_within_judges_the_partial_timeframe_and_sums_counts() -> None:
    fired, _ = run("fail>5 within 1m", [point(errors=3), point(errors=3)])
    assert [(f.value, f.window, f.triggered_at) for f in fired] == [(6, (T0, T0 + 1), T0 + 1)]


def test_within_a_share_is_the_timeframes_failures_over_its_hits() -> None:
    seconds = [point(hits=100, errors=4), point(hits=10, errors=4), None, point(hits=1, errors=1)]
    fired, result = run("fail>5% within 3s", seconds)
    # second 1: 8/110 = 7.3% breaches (a plain mean of 4% and 40% would say 22%)
    assert [f.window for f in fired] == [(T0, T0 + 1)]
    assert fired[0].value == pytest.approx(800 / 110)
    fired, result = run("fail>50% within 2s", seconds[:3])
    assert fired == [] and result.state is JudgeState.OK
    assert result.value == 40  # the last judged: second 2's window holds only second 1


def test_within_the_window_slides_and_times_are_weighted_by_hits() -> None:
    seconds = [point(rt=3000, hits=1), point(rt=100, hits=9), point(rt=100, hits=9)]
    fired, _ = run("avg-rt>1000ms within 2s", seconds)
    assert [(f.value, f.window) for f in fired] == [(3000, (T0, T0))]
    fired, _ = run("avg-rt>400ms within 2s", [*seconds[1:], point(rt=4000, hits=1)])
    assert [f.window for f in fired] == [(T0 + 1, T0 + 2)]
    assert fired[0].value == pytest.approx(4900 / 10)


def test_over_waits_for_a_full_timeframe() -> None:
    bad = point(hits=1)
    fired, result = run("hits<5 over 3s", [bad, bad])
    assert fired == [] and result.state is JudgeState.NOT_JUDGED
    fired, _ = run("hits<5 over 3s", [bad, bad, bad])
    assert [(f.value, f.window) for f in fired] == [(3, (T0, T0 + 2))]
    fired, _ = run("hits<5 within 3s", [bad, bad, bad])
    assert [(f.value, f.window) for f in fired] == [(1, (T0, T0))]


def test_concurrency_is_averaged_per_second_and_success_counts() -> None:
    fired, _ = run("concurrency>=15 over 2s", [point(users=10, hits=1), point(users=20)])
    assert [f.value for f in fired] == [15]
    fired, _ = run("succ<10 within 2s", [point(hits=4, errors=1), point(hits=4, errors=0)])
    assert [f.value for f in fired] == [3]
    fired, _ = run("succ<=90% for 2s", [point(hits=10, errors=2), point(hits=10, errors=1)])
    assert [f.value for f in fired] == [85]
    fired, _ = run("bytes>1kB for 2s", [point(size=2000, hits=1), point(size=1100, hits=3)])
    assert [f.value for f in fired] == [pytest.approx((2000 + 3300) / 4)]


def test_the_warmup_is_not_judged_from_the_first_kpi_second() -> None:
    bad = point(rt=5000)
    fired, _ = run("avg-rt>1s for 2s", [None, bad, bad, bad], warmup=2)
    assert [f.window for f in fired] == [(T0 + 2, T0 + 3)]
    fired, result = run("avg-rt>1s within 1h", [bad, bad, point(rt=10)], warmup=2)
    assert fired == [] and (result.state, result.value) == (JudgeState.OK, 10)
    judge = judge_for(parse_fail_on("avg-rt of Checkout>1s for 2s", "x"), warmup=3)
    judge.begin(T0)  # ALL's first second: the label's own seconds start later
    assert [judge.feed(T0 + n, bad) for n in (2, 3)] == [None, None]
    breach = judge.feed(T0 + 4, bad)
    assert breach is not None and breach.window == (T0 + 3, T0 + 4)
    fired, result = run("avg-rt>1s for 5s", [bad, bad], warmup=10)
    assert fired == [] and result.state is JudgeState.NOT_JUDGED
    assert result.note == "the run's data ended within the warm-up"


def test_a_percentile_triggers_when_its_cumulative_value_stays_beyond_the_timeframe() -> None:
    judge = judge_for(parse_fail_on("p90>2s for 60s", "x"), warmup=30)
    assert judge.feed(T0, point()) is None  # KPI seconds start the clock, judge nothing
    assert judge.feed_cumulative(T0 + 20, 9000) is None  # in the warm-up
    assert judge.feed_cumulative(T0 + 30, 2500) is None
    assert judge.feed_cumulative(T0 + 60, 1900) is None  # good: starts again
    assert judge.feed_cumulative(T0 + 90, 2100) is None
    assert judge.feed_cumulative(T0 + 120, 2300) is None
    assert judge.feed_cumulative(T0 + 120, 2300) is None  # the same read again
    breach = judge.feed_cumulative(T0 + 150, 2200)
    assert breach is not None
    assert (breach.value, breach.window, breach.triggered_at) == (
        2200,
        (T0 + 90, T0 + 150),
        T0 + 150,
    )
    assert judge.feed_cumulative(T0 + 180, 2200) is None


def test_a_percentile_read_over_less_than_its_timeframe_is_not_judged() -> None:
    """As `for` and `over`: cumulative values read over less than the timeframe (after
    the warm-up) never judged it; from a whole timeframe on they do."""
    judge = judge_for(parse_fail_on("p90>2s for 60s", "x"), warmup=10)
    judge.feed(T0, point())
    assert judge.feed_cumulative(T0 + 10, 1000) is None
    judge.feed(T0 + 50, point())
    assert judge.feed_cumulative(T0 + 50, 1000) is None
    assert judge.result.state is JudgeState.NOT_JUDGED
    assert judge.result.note == (
        "the run's data never filled its 1m00s timeframe (41s of 1m00s after the warm-up)"
    )
    assert judge.feed_cumulative(T0 + 70, 1000) is None
    assert (judge.result.state, judge.result.value) == (JudgeState.OK, 1000)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("avg-rt>700", 786),
        ("avg-lt>80", 81),
        ("p50>500", 600),
        ("p90>800", 836),
        ("p95>900", 912),
        ("p99>1s", 1050),
        ("hits<200", 152),
        ("fail>=3", 3),
        ("failures>1.5%", 2),
        ("succ<150", 149),
        ("success<=98%", 98),
        ("bytes>=0", 0),
        ("concurrency>6", 7),
    ],
)
def test_no_timeframe_is_judged_after_the_end_on_the_totals(text: str, value: float) -> None:
    """The aggregate report's totals (as test_check_interval's recorded answer, with errors)
    and, for concurrency, the highest `na` seen."""
    totals = LabelTotals(
        samples=152,
        errors=3,
        errors_rate=2,
        avg_rt=786,
        avg_lt=81,
        avg_bytes=0,
        p50=600,
        p90=836,
        p95=912,
        p99=1050,
    )

    def finished(text: str) -> LiveJudgement:
        judge = judge_for(parse_fail_on(text, "x"))
        for n, users in enumerate([2, 7, 4]):
            assert judge.feed(T0 + n, point(users=users)) is None
        return judge.finish(totals)

    result = finished(text)
    assert (result.state, result.value, result.judged) == (
        JudgeState.BREACHED,
        value,
        "at the end",
    )
    assert result.window == (T0, T0 + 2) and result.triggered_at is None
    negated = re.sub(r">=|<=|>|<", lambda m: NEGATED[m.group()], text, count=1)
    assert finished(negated).state is JudgeState.OK


def test_totals_that_say_nothing_are_not_judged_never_a_pass() -> None:
    judge = judge_for(parse_fail_on("p90>2s", "x"))
    assert judge.finish(LabelTotals(samples=10)).state is JudgeState.NOT_JUDGED
    assert judge.finish(None).note == "the run has no totals for its label"
    assert judge_for(parse_fail_on("concurrency>5", "x")).finish(LabelTotals()).state is (
        JudgeState.NOT_JUDGED  # no second ever gave active users
    )
    users = judge_for(parse_fail_on("concurrency>5", "x"))
    users.feed(T0, point(users=9))
    assert users.result.note == "judged after the end, on the run's totals"
    assert (users.finish(None).state, users.finish(None).value) == (JudgeState.BREACHED, 9)


def test_a_windowed_criterion_falls_back_to_the_totals_when_live_data_was_lost() -> None:
    judge = judge_for(parse_fail_on("avg-rt>500ms for 30s", "x"))
    assert judge.finish(LabelTotals(avg_rt=600)).state is JudgeState.NOT_JUDGED
    result = judge.finish(LabelTotals(avg_rt=600), live_lost=True)
    assert (result.state, result.value, result.judged) == (JudgeState.BREACHED, 600, "at the end")
    assert "live data could not be read" in result.note


def test_a_breach_found_live_stands_at_the_end() -> None:
    judge = judge_for(parse_fail_on("hits>5 for 1s", "x"))
    breach = judge.feed(T0, point(hits=9))
    assert breach is not None and judge.finish(LabelTotals(samples=1)) == breach


def test_never_any_data_is_not_judged() -> None:
    fired, result = run("avg-rt of Checkout>1s for 10s", [None, None, None])
    assert fired == [] and result == LiveJudgement(
        JudgeState.NOT_JUDGED, note="no data for its label"
    )


def test_labels_are_found_exactly_then_loosely() -> None:
    labels = [Label("ALL", "ALL"), Label("a1", "Checkout/"), Label("a2", "checkout")]
    assert find_label(None, labels) == labels[0]
    assert find_label("checkout", labels) == labels[2]
    assert find_label("CHECKOUT", labels) == labels[1]  # the first loose match
    assert find_label("Checkout", [labels[1]]) == labels[1]
    assert find_label("Checkout//", labels) is None
    assert find_label("Login", labels) is None


def test_a_missing_label_names_the_closest_ones_first() -> None:
    names = ["ALL", "Login", "Checkout page", "Search", "Cart", "Checkout/", "Home"]
    assert closest_labels("checkout", names, 2) == ["Checkout/", "Checkout page"]
    note = missing_label_note("checkot", names)
    assert note.startswith("label 'checkot' never appeared; the run has 'Checkout/', ")
    assert note.endswith(" and 2 more")
    assert missing_label_note("x", []) == "label 'x' never appeared: the run has no labels"


@pytest.mark.parametrize(
    "text", ["hits<5 within 10s", "hits<5 over 10s", "concurrency<1 within 10s", "fail<1 over 3s"]
)
def test_a_stall_counts_as_seconds_without_responses_for_counts_and_users(text: str) -> None:
    """Throughput stops (seconds 20-49 not reported, as a gap or fed without data): the
    window's sum of counts is 0 (and its users 0), so a low-throughput criterion
    triggers in the stall instead of never (issue 31 attack, item 3)."""
    busy = point(hits=20, users=10, errors=2)
    gap = {n: busy for n in [*range(20), *range(50, 60)]}
    judge = judge_for(parse_fail_on(text, "--fail-on"))
    fired = [j for n, p in sorted(gap.items()) if (j := judge.feed(T0 + n, p)) is not None]
    assert fired and fired[0].value == 0
    assert fired[0].window is not None and fired[0].window[0] >= T0 + 20
    fed = [busy] * 20 + [None] * 30
    fired2, _ = run(text, fed)
    assert fired2 and fired2[0].value == 0 and fired2[0].triggered_at is not None
    assert fired2[0].triggered_at < T0 + 50


def test_for_still_resets_on_a_second_without_data_even_for_counts() -> None:
    """The contract's `for`: a second without data resets it (kept for counts too)."""
    fired, _ = run("hits<5 for 3s", [point(hits=20)] + [None] * 10)
    assert fired == []


def test_seconds_before_a_labels_first_data_are_not_zero_hits() -> None:
    fired, _ = run("hits<5 within 3s", [None] * 10 + [point(hits=20)] * 3)
    assert fired == []
