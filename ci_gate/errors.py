"""The exception tree: every failure the gate expects carries its exit code.

`cli.main` turns any `CiGateError` into one line on stderr and that exit code, so no
expected failure ever reaches the user as a traceback.
"""

from __future__ import annotations

EXIT_PASSED = 0


EXIT_FAILED = 1


EXIT_USAGE = 2


EXIT_TIMEOUT = 3


EXIT_API = 4


EXIT_BROKEN = 5


class CiGateError(Exception):
    """Base of every error the gate reports as one line and an exit code."""

    exit_code = EXIT_API


class UsageError(CiGateError):
    """A bad option, a missing credential, an unreadable file: nothing was polled."""

    exit_code = EXIT_USAGE


class ApiError(CiGateError):
    """The BlazeMeter API could not be used (after retries, where retrying makes sense)."""

    exit_code = EXIT_API
    #: the HTTP status of the answer this error was read from; None when no answer came
    #: (a start that got any answer may have started a run)
    answered: int | None = None


class RetryableApiError(ApiError):
    """A failure worth another try: network trouble, 429, 5xx, a garbled answer."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotSentError(RetryableApiError):
    """The request never reached the API (connection refused, no such host, connect
    timeout): safe to retry even when the request is not idempotent."""


class UnresolvedHostError(NotSentError):
    """The API's host name cannot be resolved: most often a mistyped --api-url, so it gets
    a short retry budget of its own (`UNRESOLVED_HOST_BUDGET`) and a message naming it."""


#: Seconds a host name that does not resolve is retried (a DNS blip passes in that time).
UNRESOLVED_HOST_BUDGET = 30.0


class RateLimitedError(RetryableApiError):
    """HTTP 429: the API turned the request away before acting on it."""


class FatalApiError(ApiError):
    """A failure that another try cannot fix: 400, 401, 403, 404 and the like."""


class OutOfTimeError(FatalApiError):
    """No time is left before the deadline for another request (nothing was sent)."""


class StartMayHaveHappenedError(FatalApiError):
    """A start request reached BlazeMeter but its answer was lost or unreadable: a run
    may have started, so it is never sent again."""


class DeadlineError(CiGateError):
    """`--timeout` passed before a command (`start`, `stop`) was done."""

    exit_code = EXIT_TIMEOUT


class NotFoundError(FatalApiError):
    """HTTP 404 (or its envelope): what was asked for does not exist."""


class MalformedResponseError(RetryableApiError):
    """The API answered 200 but not with a status body the gate can read."""
