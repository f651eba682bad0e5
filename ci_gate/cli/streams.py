"""Output streams that a closed reader cannot break.

It is also the sink of the console: every line written to stdout or stderr passes the
redactor (`text.redact`) whole, so no secret reaches the terminal or the CI log, whatever
path built the line.

`ci-gate wait ... | head -1` closes the pipe after one line; a plain `print` would then
raise `BrokenPipeError` in the middle of the wait, and the reports and stop requests
would be lost. `SteadyStream` goes quiet instead: after the first failed write it drops
further output (and points the file descriptor at /dev/null, so the interpreter's own
flush at exit cannot fail either). The wait, the reports and the exit code go on.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, TextIO

from ci_gate.text import Redacted, redact


class SteadyStream:
    """A text stream wrapper whose writes and flushes never raise on a closed reader."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.closed_by_reader = False
        self._pending = ""  # the start of a line, held until its end: redacted whole
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            if isinstance(text, Redacted) and not self._pending and text.endswith("\n"):
                self._send(text)  # a structured line, redacted value by value
                return len(text)
            lines, end, rest = (self._pending + text).rpartition("\n")
            self._pending = rest
            if end:
                self._send(redact(lines + end))
        return len(text)

    def _send(self, text: str) -> None:
        if not self.closed_by_reader:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._go_quiet()

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._send(redact(self._pending))
                self._pending = ""
        if not self.closed_by_reader:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._go_quiet()

    def _go_quiet(self) -> None:
        self.closed_by_reader = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def steady_standard_streams() -> Any:
    """Swap sys.stdout and sys.stderr for `SteadyStream`s while the command runs."""
    import sys

    original = sys.stdout, sys.stderr
    sys.stdout = SteadyStream(sys.stdout)
    sys.stderr = SteadyStream(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = original
