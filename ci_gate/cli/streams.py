"""Output streams that a closed reader cannot break.

`ci-gate wait ... | head -1` closes the pipe after one line; a plain `print` would then
raise `BrokenPipeError` in the middle of the wait, and the reports and stop requests
would be lost. `SteadyStream` goes quiet instead: after the first failed write it drops
further output (and points the file descriptor at /dev/null, so the interpreter's own
flush at exit cannot fail either). The wait, the reports and the exit code go on.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, TextIO


class SteadyStream:
    """A text stream wrapper whose writes and flushes never raise on a closed reader."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if not self.closed_by_reader:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._go_quiet()
        return len(text)

    def flush(self) -> None:
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
        sys.stdout, sys.stderr = original
