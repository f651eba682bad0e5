"""The traceback `CI_GATE_DEBUG` asks for, and the one place tracebacks are printed.

Two kinds reach it: the bug `cli.main` turns into its last line, and each bug a command
caught on a path that must go on (`commands.bugs.note_bug`, whose records reach only the
handler installed here). The text goes through the sanitiser (`text.redact`), so a
secret in an exception's message, or in one it was raised from, is never shown; the
values of local variables are never printed.
"""

from __future__ import annotations

import sys
import traceback
from typing import TextIO

from ci_gate.text import redact


def traceback_text(error: BaseException) -> str:
    """The error's traceback, its chain included, with every registered secret hidden."""
    return redact("".join(traceback.format_exception(error)))


def print_traceback(error: BaseException, stream: TextIO | None = None) -> None:
    """The redacted traceback on `stream` (stderr as it is at the time of the call)."""
    (stream or sys.stderr).write(traceback_text(error))


def show_caught_bugs(on: bool) -> None:
    """Show the bugs commands note (`commands.bugs`) on stderr, redacted, or stop showing
    them. Logging is imported only here: `--help` and `--version` never load it."""
    import logging

    from ci_gate.commands.bugs import BUG_LOGGER

    class TracebackHandler(logging.Handler):
        shows_tracebacks = True

        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info is not None and record.exc_info[1] is not None:
                print_traceback(record.exc_info[1])

    log = logging.getLogger(BUG_LOGGER)
    for handler in [h for h in log.handlers if getattr(h, "shows_tracebacks", False)]:
        log.removeHandler(handler)
    log.setLevel(logging.DEBUG if on else logging.NOTSET)
    if on:
        log.addHandler(TracebackHandler())
