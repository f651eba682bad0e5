"""Stop requests to several masters, sent side by side.

Sent one after another, one slow or silent stop endpoint used up the time every later
master needed ("no time left before the deadline for another request"). Here each stop
goes out at once on its own small bounded pool of daemon workers (never queued behind a
poll still in flight), each bounded by the caller's deadline (the request's wall-clock
cap is cut to it), and the caller collects the answers as they come, never waiting past
that deadline and a short grace. Every stop path uses it: `ci-gate stop`,
`--stop-on-cancel`, `--stop-on-timeout`, `--stop-on-fail` and a live criterion's stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as futures_wait
from typing import Any, Generic, TypeVar

from ci_gate.wait.pool import WorkerPool

#: Seconds past its deadline a stop's worker is waited for: its request's wall-clock cap
#: is cut to the deadline, so only a bug could keep it longer.
GRACE = 0.5
#: Stops in flight at most (the API is asked politely, but never one stop at a time).
MAX_IN_FLIGHT = 16

Tag = TypeVar("Tag")


class Stops(Generic[Tag]):
    """Stop requests in flight, each with the caller's tag (who and why)."""

    def __init__(self, size: int = MAX_IN_FLIGHT, clock: Callable[[], float] = time.monotonic):
        self._size = max(1, min(size, MAX_IN_FLIGHT))
        self._clock = clock
        self._pool: WorkerPool | None = None
        self._pending: dict[Future[Any], Tag] = {}
        self._until: float | None = None

    def send(self, call: Callable[[], Any], tag: Tag, deadline: float) -> None:
        """Start one stop now; `call` must be bounded by `deadline` itself."""
        if self._pool is None:
            self._pool = WorkerPool(self._size, "ci-gate-stop")
        self._pending[self._pool.submit(call)] = tag
        self._until = deadline if self._until is None else max(self._until, deadline)

    def in_flight(self) -> list[Future[Any]]:
        """The stops not yet collected (a caller's wait may wake on them)."""
        return list(self._pending)

    def tags(self) -> list[Tag]:
        """Who the stops not yet collected are for."""
        return list(self._pending.values())

    def answered(self) -> list[tuple[Tag, Future[Any]]]:
        """The stops answered (or failed) so far, each once; never waits."""
        done = [(tag, future) for future, tag in self._pending.items() if future.done()]
        for _, future in done:
            del self._pending[future]
        return done

    def collect(self) -> Iterator[tuple[Tag, Future[Any]]]:
        """Every stop still out, as each is answered, then those with no answer by the
        latest deadline and its grace (their futures not done). A signal handler's
        exception (a second signal) interrupts the waiting."""
        while self._pending:
            yield from self.answered()
            if not self._pending:
                return
            assert self._until is not None
            left = self._until + GRACE - self._clock()
            if left <= 0:
                break
            futures_wait(list(self._pending), timeout=left, return_when=FIRST_COMPLETED)
        late = list(self._pending.items())
        self._pending.clear()
        for future, tag in late:
            yield tag, future

    def close(self) -> None:
        """Let idle workers end; one still in a request dies with the process."""
        if self._pool is not None:
            self._pool.close()
