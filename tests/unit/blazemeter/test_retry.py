"""`RetryPolicy`: the retry rules as one value, run on an injected clock and sleep (no test
here waits, none patches the time module)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.retry import RetryPolicy, equal_jitter
from ci_gate.config.settings import HttpSettings
from ci_gate.domain.verdict import TROUBLE_WINDOW
from ci_gate.errors import (
    ApiError,
    FatalApiError,
    OutOfTimeError,
    RateLimitedError,
    RetryableApiError,
    UnresolvedHostError,
)
from tests.support.fakes import FakeClock


def _policy(clock: FakeClock, **rules: object) -> RetryPolicy:
    """Rules on the fake clock; the jitter left out (each pause is its ceiling)."""
    base = RetryPolicy(clock=clock, sleep=clock.sleep, jitter=lambda ceiling: ceiling)
    return replace(base, **rules)  # type: ignore[arg-type]


class Script:
    """A call that fails with the given errors in turn, then answers; each try takes
    `takes` seconds on the clock."""

    def __init__(self, clock: FakeClock, errors: list[Exception], takes: float = 0.0) -> None:
        self.clock = clock
        self.errors = list(errors)
        self.takes = takes
        self.tries: list[float] = []
        self.raised: list[Exception] = []

    def __call__(self) -> str:
        self.tries.append(self.clock())
        self.clock.now += self.takes
        if self.errors:
            self.raised.append(self.errors.pop(0))
            raise self.raised[-1]
        return "answer"


def test_the_rules_come_from_the_settings_and_the_defaults_are_the_declared_ones() -> None:
    clock = FakeClock()
    policy = RetryPolicy.from_settings(
        HttpSettings(retry_max_time=42, retry_factor=0.5, retry_max_delay=3),
        clock=clock,
        sleep=clock.sleep,
    )
    assert (policy.max_time, policy.factor, policy.max_delay) == (42, 0.5, 3)
    assert policy.clock is clock and policy.sleep == clock.sleep
    assert RetryPolicy().max_time == HttpSettings().retry_max_time == TROUBLE_WINDOW
    with pytest.raises(AttributeError):
        policy.max_time = 1  # type: ignore[misc]  # a value: frozen


def test_the_budget_is_cut_to_the_deadline_and_never_negative() -> None:
    policy = RetryPolicy(max_time=300)
    assert policy.budget(1000.0, None) == 300
    assert policy.budget(1000.0, 1060.0) == 60
    assert policy.budget(1000.0, 999.0) == 0


def test_the_backoff_doubles_from_the_factor_up_to_the_cap_and_retry_after_wins() -> None:
    policy = RetryPolicy(factor=1.0, max_delay=30.0)
    assert list(itertools.islice(policy.ceilings(), 7)) == [1, 2, 4, 8, 16, 30, 30]
    unjittered = replace(policy, jitter=lambda ceiling: ceiling)
    assert unjittered.delay(8.0, RetryableApiError("503")) == 8.0
    assert unjittered.delay(8.0, RateLimitedError("429", retry_after=45.0)) == 45.0
    assert policy.delay(8.0, RateLimitedError("429", retry_after=0.0)) == 0.0  # not jittered
    for _ in range(200):
        assert 4.0 <= equal_jitter(8.0) <= 8.0


def test_trouble_then_an_answer_is_two_lines_and_one_count_per_retry() -> None:
    clock = FakeClock()
    lines: list[str] = []
    counted: list[int] = []
    call = Script(clock, [RetryableApiError("master 1: the API failed (HTTP 503)")] * 3)
    answer = _policy(clock).call(
        call, None, on_retry=lines.append, on_each_retry=lambda: counted.append(1)
    )
    assert answer == "answer"
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert lines == [
        "API trouble: master 1: the API failed (HTTP 503); retrying for up to 5m00s",
        "API healthy again after 7s",
    ]
    assert len(counted) == 3


def test_what_is_not_retryable_ends_at_once_without_a_pause() -> None:
    clock = FakeClock()
    call = Script(clock, [FatalApiError("master 1: credentials rejected (HTTP 401)")])
    with pytest.raises(FatalApiError, match="credentials rejected"):
        _policy(clock).call(call, None)
    assert clock.sleeps == [] and len(call.tries) == 1


def test_trouble_that_outlasts_the_budget_is_one_api_error_naming_time_and_tries() -> None:
    clock = FakeClock()
    call = Script(clock, [RetryableApiError("master 1: the API failed (HTTP 502)")] * 100)
    with pytest.raises(ApiError) as caught:
        _policy(clock, max_time=10.0).call(call, None)
    assert type(caught.value) is ApiError
    assert str(caught.value) == (
        "master 1: the API failed (HTTP 502); still failing after 10s and 5 tries"
    )
    assert clock.sleeps == [1.0, 2.0, 4.0, 3.0]  # the last pause ends at the budget
    assert sum(clock.sleeps) == 10.0


def test_the_deadline_ends_the_retries_naming_the_trouble() -> None:
    clock = FakeClock()
    deadline = clock() + 2.5
    trouble = RetryableApiError("master 1: the API did not answer in time")
    no_time = OutOfTimeError("master 1: no time left before the deadline for another request")
    lines: list[str] = []
    call = Script(clock, [trouble, trouble, no_time])
    with pytest.raises(ApiError) as caught:
        _policy(clock).call(call, deadline, on_retry=lines.append)
    assert str(caught.value) == (
        "master 1: the API did not answer in time; still failing at the deadline, "
        "after 2.5s and 2 tries"
    )
    assert lines == [
        "API trouble: master 1: the API did not answer in time; retrying until the deadline"
    ]
    assert clock() == deadline  # the pauses end at the deadline, never past it


def test_a_host_that_does_not_resolve_has_its_own_short_budget() -> None:
    clock = FakeClock()
    typo = UnresolvedHostError("master 1: cannot resolve a.blazemeter.co: check --api-url")
    call = Script(clock, [typo] * 100)
    with pytest.raises(ApiError, match="cannot resolve"):
        _policy(clock, max_time=300.0).call(call, None)
    assert 30.0 <= sum(clock.sleeps) < 60.0


def test_out_of_time_before_any_trouble_is_raised_as_it_is() -> None:
    clock = FakeClock()
    call = Script(clock, [OutOfTimeError("master 1: no time left")])
    with pytest.raises(OutOfTimeError):
        _policy(clock).call(call, clock() - 1)
    assert clock.sleeps == []


# -- the promise, attacked: never a pause past the budget or the deadline ------------------

trouble = st.one_of(
    st.builds(RetryableApiError, st.just("master 1: trouble")),
    st.builds(
        RateLimitedError,
        st.just("master 1: rate-limited"),
        retry_after=st.one_of(st.none(), st.floats(0.0, 20.0), st.floats(0.0, 300.0)),
    ),
    st.builds(UnresolvedHostError, st.just("master 1: cannot resolve")),
)


@settings(max_examples=150, deadline=None)
@given(
    errors=st.lists(trouble, min_size=1, max_size=30),
    forever=st.booleans(),
    takes=st.floats(0.02, 1.0),
    max_time=st.floats(0.5, 120.0) | st.just(0.0),
    factor=st.floats(0.05, 4.0),
    max_delay=st.floats(0.05, 30.0),
    deadline_in=st.one_of(st.none(), st.floats(-5.0, 200.0)),
)
def test_no_pause_ever_ends_past_the_budget_or_the_deadline(
    errors: list[Exception],
    forever: bool,
    takes: float,
    max_time: float,
    factor: float,
    max_delay: float,
    deadline_in: float | None,
) -> None:
    """Whatever the trouble (Retry-After of any length, hosts that do not resolve), the
    tries' lengths, the budget and the deadline: every pause ends by the budget's end and
    the deadline, Retry-After is honoured exactly within them, the back-off stays under
    its cap, each retry is counted, trouble is two lines at most, and the retries end as
    the answer or as one `ApiError`."""
    clock = FakeClock()
    started = clock()
    deadline = None if deadline_in is None else started + deadline_in
    policy = RetryPolicy(
        max_time=max_time, factor=factor, max_delay=max_delay, clock=clock, sleep=clock.sleep
    )
    ends = started + policy.budget(started, deadline)
    planned = errors * (200 if forever else 1)
    script = Script(clock, planned, takes)
    pauses: list[tuple[float, float]] = []  # (when, how long)

    def sleep(seconds: float) -> None:
        pauses.append((clock(), seconds))
        clock.sleep(seconds)

    lines: list[str] = []
    retried: list[int] = []
    try:
        answer = replace(policy, sleep=sleep).call(
            script, deadline, on_retry=lines.append, on_each_retry=lambda: retried.append(1)
        )
    except ApiError as error:
        assert type(error) is ApiError  # one line naming the trouble, never the raw error
        assert str(error).startswith("master 1: ") and "still failing" in str(error)
        if lines:
            assert lines[0].startswith("API trouble: master 1: ") and len(lines) == 1
    else:
        assert answer == "answer"
        assert len(script.tries) == len(planned) + 1  # every failure before it was retried
        if planned:
            assert len(lines) == 2 and lines[1].startswith("API healthy again after")
        else:
            assert lines == []
    assert len(pauses) == len(retried) == len(script.tries) - 1
    for (when, seconds), raised in zip(pauses, script.raised, strict=False):
        left = ends - when
        assert 0 <= seconds <= left + 1e-9  # never past the budget's end or the deadline
        retry_after = getattr(raised, "retry_after", None)
        if retry_after is not None:
            assert seconds == min(retry_after, left)  # honoured exactly within them
        else:
            assert seconds <= max_delay
