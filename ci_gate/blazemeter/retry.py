"""Retrying by time: consecutive trouble up to `CI_GATE_RETRY_MAX_TIME`, never past the
caller's deadline, with exponential back-off and jitter, honouring `Retry-After` within
it. One line is said per episode of trouble, not per try; the number of tries never ends
a wait on its own. The clock is passed in, so nothing here reads a global one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import backoff

from ci_gate.config.settings import HttpSettings
from ci_gate.errors import (
    UNRESOLVED_HOST_BUDGET,
    ApiError,
    OutOfTimeError,
    RetryableApiError,
    UnresolvedHostError,
)
from ci_gate.formatting import format_duration, plural

T = TypeVar("T")


def _retry_delays(
    *, factor: float, max_delay: float
) -> Generator[float, BaseException | None, None]:
    """Backoff wait generator: exponential with equal jitter, or the server's Retry-After."""
    error = yield 0
    attempt = 0
    while True:
        ceiling = min(factor * (2**attempt), max_delay)
        attempt += 1
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = retry_after
        error = yield delay


def with_retries(
    call: Callable[[], T],
    deadline: float | None,
    http: HttpSettings,
    *,
    clock: Callable[[], float],
    on_retry: Callable[[str], None] | None = None,
    on_each_retry: Callable[[], None] | None = None,
) -> T:
    """Retry by time: consecutive trouble up to the budget, never past the deadline."""
    started = clock()
    budget = http.retry_max_time
    if deadline is not None:
        budget = min(budget, deadline - started)
    budget = max(budget, 0.0)
    tries = 0
    last_trouble: BaseException | None = None

    def on_backoff(details: Any) -> None:
        nonlocal tries, last_trouble
        tries += 1
        last_trouble = details.get("exception")
        if on_each_retry is not None:
            on_each_retry()
        if tries == 1 and on_retry is not None:
            until = (
                f"for up to {format_duration(budget)}"
                if budget >= http.retry_max_time
                else "until the deadline"  # never a promise past it
            )
            on_retry(f"API trouble: {details.get('exception')}; retrying {until}")

    retrying = backoff.on_exception(
        _retry_delays,
        RetryableApiError,
        max_tries=None,
        max_time=budget,
        jitter=None,
        on_backoff=on_backoff,
        logger=None,
        factor=http.retry_factor,
        max_delay=http.retry_max_delay,
        # a host that does not resolve is most often a typo: a short budget of its own
        giveup=lambda error: (
            isinstance(error, UnresolvedHostError)
            and clock() - started >= min(UNRESOLVED_HOST_BUDGET, budget)
        ),
    )(call)
    try:
        result = retrying()
    except RetryableApiError as error:
        spent = clock() - started
        raise ApiError(
            f"{error}; still failing after {format_duration(spent)} and {tries + 1} "
            f"{plural(tries + 1, 'try', 'tries')}"
        ) from None
    except OutOfTimeError:
        if last_trouble is None:
            raise
        # the deadline ended the retries: say what the trouble was, not only the clock
        spent = clock() - started
        raise ApiError(
            f"{last_trouble}; still failing at the deadline, after {format_duration(spent)} "
            f"and {tries} {plural(tries, 'try', 'tries')}"
        ) from None
    if tries and on_retry is not None:
        on_retry(f"API healthy again after {format_duration(clock() - started)}")
    return result
