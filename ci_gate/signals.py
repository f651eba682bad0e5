"""SIGINT/SIGTERM handling: interrupt the wait at once, but never a report being written.

While armed, the first signal raises `Cancelled` wherever the main thread is (a poll, a
back-off sleep, the interval sleep). Later signals, and any signal while disarmed, are
only recorded, so stop requests and report writing run to completion.
"""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager

SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Cancelled(BaseException):
    """Raised in the main thread by the first SIGINT/SIGTERM while the guard is armed."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(SIGNAL_NAMES.get(signal_number, f"signal {signal_number}"))
        self.signal_number = signal_number


class SignalGuard:
    """Owns the process's SIGINT/SIGTERM handlers for the duration of a command."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.armed = False

    def _handle(self, signal_number: int, _frame: types.FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signal_number
        if first and self.armed:
            self.armed = False
            raise Cancelled(signal_number)

    @contextmanager
    def installed(self) -> Iterator[SignalGuard]:
        previous = {sig: signal.signal(sig, self._handle) for sig in SIGNAL_NAMES}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Within this block the first signal raises `Cancelled`."""
        if self.received is not None:
            raise Cancelled(self.received)
        self.armed = True
        try:
            yield
        finally:
            self.armed = False
