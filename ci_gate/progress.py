"""Live output: one line per status change, each new offending event, a heartbeat.

Quiet otherwise. Every server-supplied string goes through `text.one_line`, so nothing
the server sends can move the cursor, forge a log line or start a CI workflow command.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Protocol, TextIO

from ci_gate.model import Event
from ci_gate.text import one_line


def format_duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def event_time(event: Event) -> str:
    """The event's time in ISO-8601 UTC, or '?' when the server gave none."""
    if event.t is None:
        return "?"
    try:
        moment = datetime.fromtimestamp(event.t, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(event.t)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_event(event: Event, limit: int = 500) -> str:
    """One safe line: level, UTC time, session and message."""
    level = one_line(event.level, 40) + ("" if event.level_recognised else " (unrecognised)")
    session = one_line(event.session_id, 80) if event.session_id else "-"
    return f"{level} at {event_time(event)} session {session}: {one_line(event.message, limit)}"


class ProgressSink(Protocol):
    """Where the waiter reports what it sees; the console, or nothing in tests."""

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None: ...

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None: ...

    def heartbeat(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None: ...

    def note(self, message: str) -> None: ...


class ConsoleProgress:
    """Writes the live lines to a stream (stdout by default), flushed at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def _line(self, elapsed: float, text: str) -> None:
        self._stream.write(f"[{format_duration(elapsed):>8}] {text}\n")
        self._stream.flush()

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None:
        shown = "?" if progress is None else str(progress)
        self._line(elapsed, f"master {master_id}: {one_line(status, 60)} ({shown})")

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
        self._line(elapsed, f"master {master_id}: offending event {describe_event(event)}")

    def heartbeat(self, master_id: str, status: str, progress: int | None, elapsed: float) -> None:
        shown = "?" if progress is None else str(progress)
        self._line(elapsed, f"master {master_id}: still {one_line(status, 60)} ({shown})")

    def note(self, message: str) -> None:
        self._stream.write(f"ci-gate: {one_line(message, 1000)}\n")
        self._stream.flush()


class SilentProgress:
    """A sink that shows nothing."""

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None:
        return None

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
        return None

    def heartbeat(self, master_id: str, status: str, progress: int | None, elapsed: float) -> None:
        return None

    def note(self, message: str) -> None:
        return None
