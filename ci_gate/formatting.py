"""Plain-text formatting shared by the live output, the reports and the CI adapters.

One UTC time format (ISO-8601, whole seconds, `Z`), one duration format, one way to
describe an event on a line, and one spelling of a KPI (a report's cell, the closing
line's one-line summary); every server string in them goes through `text.one_line`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.domain.run import Event
from ci_gate.safe_numbers import OUT_OF_RANGE, as_float, in_range, show_amount, show_number
from ci_gate.text import one_line

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(moment: datetime) -> str:
    """A moment as ISO-8601 UTC with whole seconds: `2026-11-26T16:16:42Z`."""
    return moment.astimezone(timezone.utc).strftime(UTC_FORMAT)


def format_duration(seconds: float) -> str:
    """The one duration format, everywhere: `0.3s`, `45s`, `5m00s`, `1h00m00s` (tenths
    below a minute when they are not zero; never `300s` beside `5m00s`)."""
    number = in_range(seconds)
    if number is None:  # NaN, an infinity, or too large to be a duration (10**400)
        return "no end" if (as_float(seconds) or 0.0) > 0 else "?"
    seconds = round(max(number, 0.0), 1)
    if seconds < 60:
        shown = f"{seconds:.1f}"
        return f"{shown.removesuffix('.0')}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def show_progress(progress: int | None) -> str:
    """A master's progress code as every status line shows it: `140`, or `?` when
    BlazeMeter did not say (the live line, the CI timeline, junit.xml and summary.md)."""
    return "?" if progress is None else show_number(progress)


#: The epoch seconds a calendar date can be given for (years 1 to 9999).
_FIRST_DATE = datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()
_LAST_DATE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()


def utc_moment(seconds: object) -> datetime | None:
    """Epoch seconds as a UTC moment; None when they name no calendar date (NaN, an
    infinity, before year 1 or after 9999). A run's events share their seconds: each is
    worked out once (the charts of 60,000 events ask three times an event)."""
    if type(seconds) is int or type(seconds) is float:
        return _utc_moment(seconds)
    return _utc_moment.__wrapped__(seconds)


@functools.lru_cache(maxsize=4096, typed=True)
def _utc_moment(seconds: object) -> datetime | None:
    number = in_range(seconds)
    if number is None or not _FIRST_DATE <= number <= _LAST_DATE:
        return None
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=number)


def event_time(event: Event) -> str:
    """The event's time in ISO-8601 UTC, '?' when the server gave none, or the number as
    given and marked when it names no date."""
    if event.t is None:
        return "?"
    moment = utc_moment(event.t)
    if moment is None:
        shown = show_number(event.t)
        return shown if OUT_OF_RANGE in shown else f"{shown} ({OUT_OF_RANGE})"
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
    """A number as a float reader takes it: a whole number as an integer (`51234567`, not
    `5.12346e+07`), else in full; NaN and infinities as OpenMetrics writes them (`NaN`,
    `+Inf`, `-Inf`), an integer beyond the float range as the infinity it rounds to."""
    if isinstance(value, int) and abs(value) < 2**63:
        return str(value)
    number = as_float(value)
    if number is None or math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number.is_integer() and abs(number) < 2**63:
        return str(int(number))
    return repr(number)


def about_master(master_id: str, text: str) -> str:
    """`text` as said under `master N: `: the API client's errors are built with the
    master's name (`master 7: HTTP 404 ...`), so a line that names the master itself does
    not say it twice (`master 7: could not stop it: master 7: ...`)."""
    prefix = f"master {master_id}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def kpi_value(name: str, value: float) -> str:
    """A KPI's value with its unit (`domain.kpis`), the one spelling every report and the
    closing line use: whole numbers as integers, others with one decimal (`12,000`,
    `212.4 ms`, `520 ms`), a duration as every duration (`5m00s`)."""
    unit = (KNOWN_KPIS.get(name) or (None, ""))[1]
    number = in_range(value)  # any value a server sends: shown, never raising
    if unit == "s" and number is not None:
        return format_duration(number)
    return show_amount(value, unit)


def kpi_cell(name: str, value: float) -> tuple[str | None, str]:
    """A KPI as a report's table shows it: its known label (None: unknown, the caller
    escapes the raw name its own way) and its value (`kpi_value`)."""
    label = (KNOWN_KPIS.get(name) or (None, ""))[0]
    return label, kpi_value(name, value)


#: The KPIs of the one-line summary, in reading order.
_LINE_KPIS = ("hits", "failed", "avg", "tp90", "tp95", "tp99", "duration")


def kpi_line(kpis: Mapping[str, float]) -> str:
    """`9,800 samples, 10 failed samples, avg response time 910 ms, p90 1,830 ms, ...`."""
    parts = []
    for name in _LINE_KPIS:
        if name in kpis:
            label, unit = KNOWN_KPIS[name]
            shown = kpi_value(name, kpis[name])
            parts.append(f"{shown} {label}" if not unit else f"{label} {shown}")
    return ", ".join(parts) or ", ".join(
        f"{one_line(k, 40)} {show_number(v, 'g')}" for k, v in kpis.items()
    )
