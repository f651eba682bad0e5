"""Live output: one line per status change, each new offending event, a heartbeat.

Quiet otherwise. Every server-supplied string goes through `text.one_line`, so nothing
the server sends can move the cursor, forge a log line or start a CI workflow command.
"""

from __future__ import annotations

import sys
import threading
from typing import Protocol, TextIO

from ci_gate.domain.run import Event
from ci_gate.formatting import describe_event, format_duration, show_progress
from ci_gate.text import one_line


class ProgressSink(Protocol):
    """Where the waiter reports what it sees; the console, or nothing in tests."""

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None: ...

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None: ...

    def heartbeat(
        self, master_id: str, status: str, progress: int | None, elapsed: float, left: float
    ) -> None: ...

    def note(self, message: str) -> None: ...


class ConsoleProgress:
    """Writes the live lines to a stream (stdout by default), flushed at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._lock = threading.Lock()  # retry notes come from worker threads

    def _write(self, line: str) -> None:
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def _line(self, elapsed: float, text: str) -> None:
        self._write(f"[{format_duration(elapsed):>8}] {one_line(text, 2000)}\n")

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None:
        self._line(
            elapsed, f"master {master_id}: {one_line(status, 60)} ({show_progress(progress)})"
        )

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
        self._line(elapsed, f"master {master_id}: offending event {describe_event(event)}")

    def heartbeat(
        self, master_id: str, status: str, progress: int | None, elapsed: float, left: float
    ) -> None:
        """`still DATA_RECEIVED (100), 41m left`: how long the gate will still wait."""
        self._line(
            elapsed,
            f"master {master_id}: still {one_line(status, 60)} ({show_progress(progress)}), "
            f"{format_duration(max(left, 0.0))} left",
        )

    def note(self, message: str) -> None:
        self._write(f"ci-gate: {one_line(message, 1000)}\n")
