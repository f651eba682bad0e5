"""Plain-text formatting shared by the live output, the reports and the CI adapters.

One UTC time format (ISO-8601, whole seconds, `Z`), one duration format, and one way to
describe an event on a line; every server string in them goes through `text.one_line`.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ci_gate.domain.run import Event
from ci_gate.text import one_line

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(moment: datetime) -> str:
    """A moment as ISO-8601 UTC with whole seconds: `2026-11-26T16:16:42Z`."""
    return moment.astimezone(timezone.utc).strftime(UTC_FORMAT)


def format_duration(seconds: float) -> str:
    """The one duration format, everywhere: `0.3s`, `45s`, `5m00s`, `1h00m00s` (tenths
    below a minute when they are not zero; never `300s` beside `5m00s`)."""
    if not math.isfinite(seconds):
        return "no end" if seconds > 0 else "?"
    seconds = round(max(seconds, 0.0), 1)
    if seconds < 60:
        shown = f"{seconds:.1f}"
        return f"{shown.removesuffix('.0')}s"
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
    return iso_utc(moment)


def describe_event(event: Event, limit: int = 500) -> str:
    """One safe line: level, UTC time, session and message."""
    level = one_line(event.level, 40) + ("" if event.level_recognised else " (unrecognised)")
    session = one_line(event.session_id, 80) if event.session_id else "-"
    line = f"{level} at {event_time(event)} session {session}: {one_line(event.message, limit)}"
    # made safe again as a whole: pieces that are safe alone can meet as "::"
    return one_line(line, limit + 200)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`noun` for one, `many` (default noun + "s") for any other count."""
    return noun if count == 1 else (many or f"{noun}s")


def plain_number(value: float) -> str:
    """A whole number as an integer (`51234567`, not `5.12346e+07`), else in full."""
    if value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(value)
