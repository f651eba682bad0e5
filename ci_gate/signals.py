"""SIGINT/SIGTERM/SIGHUP: interrupt the wait at once, never a report being written.

While armed, the first signal raises `Cancelled` wherever the main thread is (a poll, a
back-off sleep, the interval sleep); while disarmed it is only recorded, so a report being
written is finished and then re-labelled as cancelled. A second signal means "now": it
raises `ExitNow` at once (stop requests are abandoned), except inside `protected()`,
where it takes effect as soon as the block (writing reports) is done.
"""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager

SIGNAL_NAMES: dict[int, str] = {
    signal.SIGHUP: "SIGHUP",
    signal.SIGINT: "SIGINT",
    signal.SIGTERM: "SIGTERM",
}


class Cancelled(BaseException):
    """Raised in the main thread by the first signal while the guard is armed."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(SIGNAL_NAMES.get(signal_number, f"signal {signal_number}"))
        self.signal_number = signal_number


class ExitNow(BaseException):
    """Raised by a second signal: leave at once with the first signal's exit code."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(SIGNAL_NAMES.get(signal_number, f"signal {signal_number}"))
        self.signal_number = signal_number


class SignalGuard:
    """Owns the process's signal handlers for the duration of a command."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.armed = False
        self._protecting = False
        self._exit_after: int | None = None

    def _handle(self, signal_number: int, _frame: types.FrameType | None) -> None:
        if self.received is None:
            self.received = signal_number
            if self.armed:
                self.armed = False
                raise Cancelled(signal_number)
            return
        if self._protecting:
            self._exit_after = self.received
            return
        raise ExitNow(self.received)

    @contextmanager
    def installed(self, *, restore: bool = True) -> Iterator[SignalGuard]:
        """The guard's handlers within the block; `restore=False`: a process that ends
        with the block, whose exit code is handed on: the signals are then ignored, never
        left to the guard's handler (interpreter shutdown puts back the default of a
        Python handler, so a signal in the last milliseconds killed the process by the
        signal beside outputs that named its exit code)."""
        previous = {sig: signal.signal(sig, self._handle) for sig in SIGNAL_NAMES}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler if restore else signal.SIG_IGN)

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

    @contextmanager
    def protected(self) -> Iterator[None]:
        """Within this block (writing reports) a second signal waits for the block's end."""
        self._protecting = True
        try:
            yield
        finally:
            self._protecting = False
        if self._exit_after is not None:
            raise ExitNow(self._exit_after)
