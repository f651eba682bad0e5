"""Each window judge against a brute-force reference that reads the contract's words
literally, over generated series of seconds: gaps, seconds without data, repeats and late
arrivals, the warm-up, every condition, and thresholds that values hit exactly."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import Condition, JudgeState, LiveCriterion, Logic, Subject
from ci_gate.judging.live import judge_for

PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = 1_796_115_600

#: (subject, percent) pairs judged on seconds
SECOND_SUBJECTS = [
    (Subject.AVG_RT, False),
    (Subject.AVG_LT, False),
    (Subject.BYTES, False),
    (Subject.CONCURRENCY, False),
    (Subject.HITS, False),
    (Subject.FAIL, False),
    (Subject.FAIL, True),
    (Subject.SUCC, False),
    (Subject.SUCC, True),
]


SMALL = st.one_of(st.none(), st.integers(0, 9))


def _point(fields: tuple[int | None, ...]) -> KpiPoint | None:
    present, hits, errors, users, rt, lt, size = fields
    if not present:
        return None  # the label has no data this second
    if errors is not None and hits is not None:
        errors = min(errors, hits)
    return KpiPoint(T0, hits, errors, users, rt, lt, size)


POINTS = st.tuples(st.integers(0, 5), SMALL, SMALL, SMALL, SMALL, SMALL, SMALL).map(_point)
#: steps between arrivals: 0 a repeat, 1 the next second, more a gap, -2 a late arrival
STEPS = st.sampled_from([1, 1, 1, 1, 1, 0, 2, 3, -2])


def _arrivals(steps: list[tuple[int, KpiPoint | None]]) -> list[tuple[int, KpiPoint | None]]:
    ts, fed = T0, []
    for step, p in steps:
        ts += step
        fed.append((ts, p))
    return fed


ARRIVALS = st.lists(st.tuples(STEPS, POINTS), max_size=40).map(_arrivals)


@st.composite
def criteria(draw: st.DrawFn, logics: list[Logic]) -> LiveCriterion:
    subject, percent = draw(st.sampled_from(SECOND_SUBJECTS))
    return LiveCriterion(
        text="generated",
        message=None,
        subject=subject,
        percent=percent,
        label=None,
        condition=draw(st.sampled_from(list(Condition))),
        threshold=draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 50, 100])),
        logic=draw(st.sampled_from(logics)),
        timeframe=draw(st.integers(1, 6)),
        stop=True,
        fail=True,
    )


def measure(c: LiveCriterion, p: KpiPoint | None) -> tuple[float, float] | None:
    """The contract's words: times and sizes per response, users per second, counts, and
    a share of the responses; no responses (or the number missing) is no data."""
    if p is None:
        return None
    s = c.subject
    if s in (Subject.AVG_RT, Subject.AVG_LT, Subject.BYTES):
        value = {Subject.AVG_RT: p.avg_rt, Subject.AVG_LT: p.avg_lt}.get(s, p.avg_bytes)
        return None if value is None or not p.hits else (value * p.hits, p.hits)
    if s is Subject.CONCURRENCY:
        return None if p.users is None else (p.users, 1)
    if s is Subject.HITS:
        return None if p.hits is None else (p.hits, 1)
    if s is Subject.FAIL and not c.percent:
        return None if p.errors is None else (p.errors, 1)  # failures need no hit count
    if p.errors is None or p.hits is None or (c.percent and not p.hits):
        return None
    count = p.errors if s is Subject.FAIL else p.hits - p.errors
    return (count * 100, p.hits) if c.percent else (count, 1)


def reference(
    c: LiveCriterion, warmup: int, fed: list[tuple[int, KpiPoint | None]]
) -> tuple[tuple[int, int], float, int] | None:
    """The first breach (window, value, second) by brute force over every second."""
    seconds: dict[int, KpiPoint | None] = {}
    order: list[int] = []
    for ts, p in fed:
        if order and ts <= order[-1]:
            continue  # each second is judged once, when it first comes, in order
        seconds[ts] = p
        order.append(ts)
    if not order:
        return None
    start = order[0] + warmup
    frame = c.timeframe
    assert frame is not None
    sums = c.subject in (Subject.HITS, Subject.FAIL, Subject.SUCC) and not c.percent
    # a window's second the run had (after the label's first data) without data for
    # the label: no responses and no users in it (counts and users count it as 0)
    zero = sums or c.subject is Subject.CONCURRENCY
    first_data = next((ts for ts in order if seconds[ts] is not None), None)
    judged_at = order
    if zero and c.logic is not Logic.FOR and first_data is not None:
        # the seconds skipped after the first data are judged too (as without data)
        judged_at = sorted({*order, *range(first_data + 1, order[-1])})
    for now in judged_at:
        if now < start:
            continue
        first = max(now - frame + 1, start)
        if c.logic is Logic.OVER and now - frame + 1 < start:
            continue
        span = range(first, now + 1)
        found = [
            (0.0, 1.0)
            if zero and c.logic is not Logic.FOR and missing(seconds.get(t), t, first_data)
            else measure(c, seconds.get(t))
            for t in span
        ]
        every = all(m is not None and c.condition.holds(m[0] / m[1], c.threshold) for m in found)
        if c.logic is Logic.FOR and (len(span) < frame or not every):
            continue
        present = [m for m in found if m is not None]
        if not present:
            continue
        num, den = sum(m[0] for m in present), sum(m[1] for m in present)
        value = num if sums and c.logic is not Logic.FOR else num / den
        if c.logic is Logic.FOR or c.condition.holds(value, c.threshold):
            return (first, now), value, now
    return None


def missing(p: KpiPoint | None, t: int, first_data: int | None) -> bool:
    """Second `t` has no point for the label, after its first data."""
    return p is None and first_data is not None and t > first_data


def judged(
    c: LiveCriterion, warmup: int, fed: list[tuple[int, KpiPoint | None]]
) -> tuple[tuple[int, int], float, int] | None:
    judge = judge_for(c, warmup)
    fired = [j for ts, p in fed if (j := judge.feed(ts, p)) is not None]
    assert len(fired) <= 1  # a criterion triggers once
    if not fired:
        assert not judge.breached
        return None
    (breach,) = fired
    assert judge.result == breach and breach.window is not None
    assert breach.value is not None and breach.triggered_at is not None
    return breach.window, breach.value, breach.triggered_at


@PROFILE
@given(criteria([Logic.FOR]), st.integers(0, 4), ARRIVALS)
def test_for_matches_the_reference(c: LiveCriterion, warmup: int, fed: list) -> None:  # type: ignore[type-arg]
    assert judged(c, warmup, fed) == reference(c, warmup, fed)


STALL = LiveCriterion(
    "hits<5 within 3s",
    None,
    Subject.HITS,
    False,
    None,
    Condition.LT,
    5,
    Logic.WITHIN,
    3,
    True,
    True,
)
BUSY = KpiPoint(T0, 9, 0, 9, 1.0, 1.0, 1.0)


@PROFILE
@given(criteria([Logic.WITHIN]), st.integers(0, 4), ARRIVALS)
@example(STALL, 0, [(T0, BUSY), (T0 + 6, BUSY)])  # a stall in a gap: 0 hits
@example(STALL, 0, [(T0, BUSY), (T0 + 1, None), (T0 + 2, None), (T0 + 3, None)])
def test_within_matches_the_reference(c: LiveCriterion, warmup: int, fed: list) -> None:  # type: ignore[type-arg]
    assert judged(c, warmup, fed) == reference(c, warmup, fed)


@PROFILE
@given(criteria([Logic.OVER]), st.integers(0, 4), ARRIVALS)
def test_over_matches_the_reference(c: LiveCriterion, warmup: int, fed: list) -> None:  # type: ignore[type-arg]
    assert judged(c, warmup, fed) == reference(c, warmup, fed)


def reference_state(
    c: LiveCriterion, warmup: int, fed: list[tuple[int, KpiPoint | None]]
) -> JudgeState:
    """Where the criterion stands once these seconds are in, by the contract's words read
    literally: breached (the reference above); else judged, and so `ok`, once a timeframe
    it could judge had data in it (`within`: the seconds so far, also a partial one; `for`
    and `over`: only a full one after the warm-up, issue 31 item 3; a second without data
    after the label's first is data, 0, for counts and users outside `for`, as above);
    else `not judged`."""
    if reference(c, warmup, fed) is not None:
        return JudgeState.BREACHED
    order: list[int] = []
    seconds: dict[int, KpiPoint | None] = {}
    for ts, p in fed:
        if not order or ts > order[-1]:
            order.append(ts)
            seconds[ts] = p
    if not order:
        return JudgeState.NOT_JUDGED
    frame = c.timeframe
    assert frame is not None
    start = order[0] + warmup
    sums = c.subject in (Subject.HITS, Subject.FAIL, Subject.SUCC) and not c.percent
    zero = (sums or c.subject is Subject.CONCURRENCY) and c.logic is not Logic.FOR
    first_data = next((ts for ts in order if seconds[ts] is not None), None)
    judged_at = order
    if zero and first_data is not None:
        judged_at = sorted({*order, *range(first_data + 1, order[-1])})
    for now in judged_at:
        low = now - frame + 1
        if now < start or (c.logic is not Logic.WITHIN and low < start):
            continue
        for t in range(max(low, start), now + 1):
            p = seconds.get(t)
            if (zero and missing(p, t, first_data)) or measure(c, p) is not None:
                return JudgeState.OK
    return JudgeState.NOT_JUDGED


def _assert_state(c: LiveCriterion, warmup: int, fed: list[tuple[int, KpiPoint | None]]) -> None:
    judge = judge_for(c, warmup)
    for ts, p in fed:
        judge.feed(ts, p)
    assert judge.result.state is reference_state(c, warmup, fed)


@PROFILE
@given(criteria([Logic.FOR]), st.integers(0, 4), ARRIVALS)
def test_for_is_ok_only_once_it_could_judge_a_full_timeframe(
    c: LiveCriterion,
    warmup: int,
    fed: list,  # type: ignore[type-arg]
) -> None:
    """Never a pass by silence: a run shorter than the timeframe is `not judged`."""
    _assert_state(c, warmup, fed)


@PROFILE
@given(criteria([Logic.WITHIN, Logic.OVER]), st.integers(0, 4), ARRIVALS)
def test_within_and_over_are_ok_only_once_they_could_judge(
    c: LiveCriterion,
    warmup: int,
    fed: list,  # type: ignore[type-arg]
) -> None:
    _assert_state(c, warmup, fed)


@PROFILE
@given(criteria([Logic.OVER]), ARRIVALS)
def test_over_never_triggers_before_within_would(c: LiveCriterion, fed: list) -> None:  # type: ignore[type-arg]
    """A breach of a full timeframe is a breach of that timeframe for `within` too."""
    over = judged(c, 0, fed)
    within = judged(replace(c, logic=Logic.WITHIN), 0, fed)
    if over is not None:
        assert within is not None and within[2] <= over[2]


@PROFILE
@given(
    st.sampled_from(list(Condition)),
    st.integers(1, 120),
    st.integers(0, 60),
    st.lists(st.tuples(st.integers(-10, 40), st.sampled_from([1000, 1999, 2000, 2001, 3000]))),
)
def test_a_cumulative_percentile_matches_the_reference(
    condition: Condition, frame: int, warmup: int, reads: list[tuple[int, int]]
) -> None:
    """It triggers at the first read whose value, and every read since the first of an
    unbroken run of breaching reads, breached for at least the timeframe."""
    c = LiveCriterion(
        "p90", None, Subject.P90, False, None, condition, 2000, Logic.FOR, frame, True, True
    )
    judge = judge_for(c, warmup)
    ts, fed = T0, []
    for step, value in reads:
        ts += step * 5
        fed.append((ts, value))
    fired = [f for t, v in fed if (f := judge.feed_cumulative(t, v)) is not None]
    kept: list[tuple[int, int]] = []
    for t, v in fed:
        if fed and t >= fed[0][0] + warmup and (not kept or t > kept[-1][0]):
            kept.append((t, v))
    expected = None
    for i, (t, v) in enumerate(kept):
        j = i
        while j > 0 and condition.holds(kept[j - 1][1], 2000):
            j -= 1
        if condition.holds(v, 2000) and t - kept[j][0] >= frame:
            expected = ((kept[j][0], t), v, t)
            break
    assert [(f.window, f.value, f.triggered_at) for f in fired] == ([expected] if expected else [])
