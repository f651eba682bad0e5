"""The clock the gate runs on (issue 30 item 5): monotonic time for deadlines and budgets,
UTC now for the moments a report shows, and the sleep between polls and retries.

One frozen value, `Context.clock`, built once by `cli.main` (the real one) and passed down:
the commands hand its parts to what they build (the client's retries and requests, the
wait, the stops, the review comment, GitLab's section stamps) and read the time only
through it, so a test drives every deadline with a fake clock and never sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone


def utc_now() -> datetime:
    """The wall clock's now, in UTC (aware): the moments a report shows."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Clock:
    """Monotonic seconds, UTC now and sleep: the real ones unless a test gives its own."""

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep


#: The process's real clock: what the context holds unless a test gives another.
REAL_CLOCK = Clock()
