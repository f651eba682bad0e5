"""A bug caught on a path that must go on (the wait's reports, the review comment): its
traceback is handed to one logger, never printed here.

Only `cli.debug` shows these records, on stderr and through the sanitiser, when
`CI_GATE_DEBUG` is on; the logger has no other way out (it does not propagate, and its
records are below the level logging prints by default), so a traceback carrying a secret
cannot reach a log the gate did not choose.
"""

from __future__ import annotations

import logging

#: The logger of bugs caught on the way (`cli.debug` attaches the one handler).
BUG_LOGGER = "ci_gate.bug"

_log = logging.getLogger(BUG_LOGGER)
_log.propagate = False
_log.addHandler(logging.NullHandler())


def note_bug() -> None:
    """The exception being handled, for `cli.debug` to show (call it in an `except`)."""
    _log.debug("internal error", exc_info=True)
