"""Retrying by time: one `RetryPolicy`, an immutable value with the rules (urllib3's
`Retry`, for a gate) and the clock and sleep it runs on.

The rules: what is retried (`RetryableApiError`: network trouble, 429, 5xx, a garbled
answer); the budget, consecutive trouble up to `CI_GATE_RETRY_MAX_TIME` and never past
the caller's deadline (a host that does not resolve gets `UNRESOLVED_HOST_BUDGET`: most
often a typo); the back-off, exponential with equal jitter, or the server's `Retry-After`
within the budget. One line is said per episode of trouble, not per try; the number of
tries never ends a wait on its own.

python-backoff gives the series of ceilings (`backoff.expo`, a pure generator); the loop
is ours, because python-backoff's loops read `time.monotonic` and call `time.sleep`
themselves (no clock or sleep can be passed in), so a test could only fake time by patching
the time module for the whole process. Here the clock and the sleep are the policy's, and
nothing reads a global one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import backoff

from ci_gate.config.settings import HttpSettings
from ci_gate.domain.verdict import TROUBLE_WINDOW
from ci_gate.errors import (
    UNRESOLVED_HOST_BUDGET,
    ApiError,
    OutOfTimeError,
    RetryableApiError,
    UnresolvedHostError,
)
from ci_gate.formatting import format_duration, plural

T = TypeVar("T")


def equal_jitter(ceiling: float) -> float:
    """A pause between half the ceiling and the ceiling (never two clients in step)."""
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto


@dataclass(frozen=True)
class RetryPolicy:
    """The retry rules and the time they run on; `call` applies them to one call."""

    #: consecutive trouble retried at most (CI_GATE_RETRY_MAX_TIME), seconds
    max_time: float = TROUBLE_WINDOW
    #: the first back-off's ceiling; each next one doubles, up to `max_delay`
    factor: float = 1.0
    max_delay: float = 30.0
    #: what is worth another try
    retry_on: tuple[type[Exception], ...] = (RetryableApiError,)
    #: the budget of a host that does not resolve (within `max_time`)
    unresolved_host_budget: float = UNRESOLVED_HOST_BUDGET
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    #: a back-off's ceiling to the pause taken
    jitter: Callable[[float], float] = equal_jitter

    @classmethod
    def from_settings(
        cls,
        http: HttpSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RetryPolicy:
        return cls(
            max_time=http.retry_max_time,
            factor=http.retry_factor,
            max_delay=http.retry_max_delay,
            clock=clock,
            sleep=sleep,
        )

    def budget(self, started: float, deadline: float | None) -> float:
        """Seconds of trouble retried from `started`: `max_time`, cut to the deadline."""
        budget = self.max_time if deadline is None else min(self.max_time, deadline - started)
        return max(budget, 0.0)

    def ceilings(self) -> Iterator[float]:
        """Each back-off's ceiling in turn: `factor`, doubled per retry, up to `max_delay`."""
        series = backoff.expo(base=2, factor=self.factor, max_value=self.max_delay)
        next(series)  # python-backoff's generators start with a value to step past
        return series

    def delay(self, ceiling: float, error: BaseException) -> float:
        """The pause before the next try: the server's `Retry-After`, else the back-off's
        ceiling, jittered."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        return self.jitter(ceiling)

    def gives_up(self, error: BaseException, spent: float, budget: float) -> bool:
        """Whether `error`, after `spent` seconds of trouble, ends the retries."""
        if not isinstance(error, self.retry_on) or spent >= budget:
            return True
        return isinstance(error, UnresolvedHostError) and spent >= min(
            self.unresolved_host_budget, budget
        )

    def call(
        self,
        call: Callable[[], T],
        deadline: float | None,
        *,
        on_retry: Callable[[str], None] | None = None,
        on_each_retry: Callable[[], None] | None = None,
    ) -> T:
        """`call()`, retried by these rules; what stops the retries is an `ApiError` that
        names the trouble, how long it lasted and how many tries it took. `on_retry` hears
        one line when trouble starts and one when it ends; `on_each_retry` each retry."""
        started = self.clock()
        budget = self.budget(started, deadline)
        ends = started + budget  # the pauses aim at this time itself, so they reach it
        ceilings = self.ceilings()
        retries = 0
        last_trouble: Exception | None = None
        while True:
            try:
                result = call()
                break
            except OutOfTimeError:
                if last_trouble is None:
                    raise
                # the deadline ended the retries: say what the trouble was, not only the clock
                spent = self.clock() - started
                raise ApiError(
                    f"{last_trouble}; still failing at the deadline, after "
                    f"{format_duration(spent)} and {retries} {plural(retries, 'try', 'tries')}"
                ) from None
            except self.retry_on as error:
                now = self.clock()
                spent = now - started
                if now >= ends or self.gives_up(error, spent, budget):
                    tries = retries + 1
                    raise ApiError(
                        f"{error}; still failing after {format_duration(spent)} and {tries} "
                        f"{plural(tries, 'try', 'tries')}"
                    ) from None
                pause = max(min(self.delay(next(ceilings), error), ends - now), 0.0)
                retries += 1
                last_trouble = error
                if on_each_retry is not None:
                    on_each_retry()
                if retries == 1 and on_retry is not None:
                    until = (
                        f"for up to {format_duration(budget)}"
                        if budget >= self.max_time
                        else "until the deadline"  # never a promise past it
                    )
                    on_retry(f"API trouble: {error}; retrying {until}")
                self.sleep(pause)
        if retries and on_retry is not None:
            on_retry(f"API healthy again after {format_duration(self.clock() - started)}")
        return result
