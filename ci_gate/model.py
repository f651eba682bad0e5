"""The domain: frozen dataclasses for a master's status, and parsing an API body into them.

Everything the server sends is treated as untrusted: missing or wrongly typed optional
fields are tolerated, an event the gate cannot read still counts (flagged, offending at
every threshold), and a body of the wrong shape is a `MalformedResponseError`, never a
traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ci_gate.errors import MalformedResponseError
from ci_gate.levels import read_level

STATUS_BY_PROGRESS: dict[int, str] = {
    0: "UNKNOWN",
    5: "CREATE",
    10: "CONFIGURING_DEPENDENCIES",
    14: "PREPARING_PROVISIONING",
    15: "INITIALIZING",
    20: "RETRYING",
    25: "BOOT_STARTING",
    40: "BOOT_COMPLETE",
    45: "INSTANCE_ALIVE",
    50: "INIT_SCRIPT",
    60: "FILES_DOWNLOADED",
    70: "JMETER_ENGINE_INIT",
    71: "TAURUS_ENGINE_INIT",
    80: "JMETER_CONSOLE_INIT",
    90: "TAURUS_ENGINE_READY",
    99: "JETPACK_DATA_RECEIVED",
    100: "DATA_RECEIVED",
    120: "FINALIZING",
    130: "TERMINATING",
    135: "TAURUS_BZT_DONE",
    136: "TAURUS_IMAGE_DONE",
    140: "ENDED",
    150: "NULL",
}
PROGRESS_BY_STATUS: dict[str, int] = {name: number for number, name in STATUS_BY_PROGRESS.items()}
TERMINAL_STATUSES = frozenset({"ENDED", "NULL"})
ABNORMAL_TERMINAL_STATUSES = frozenset({"NULL"})
#: From this progress on, a master has data worth keeping: stop it gracefully.
GRACEFUL_STOP_PROGRESS = 100
#: The level number given to an event whose level cannot be read; the policy makes such
#: an event offend at every threshold (fail closed), whatever this number is.
UNRECOGNISED_LEVEL = 400


@dataclass(frozen=True)
class Traffic:
    """What the client sent and received, for the summary and the benchmarks."""

    requests: int = 0
    bytes_received: int = 0
    retries: int = 0


@dataclass(frozen=True)
class Event:
    """One event of a master, as the server sent it (text fields untrusted)."""

    t: int | None
    level: str
    level_number: int
    level_recognised: bool
    message: str
    session_id: str | None
    source: str | None
    offset: int | None = None

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two events 'the same' for counting repeats between polls."""
        return (self.t, self.level, self.message, self.session_id, self.source, self.offset)


@dataclass(frozen=True)
class MasterStatus:
    """One answer of `GET /masters/{id}/status`."""

    master_id: str
    status: str
    progress: int | None
    events: tuple[Event, ...]
    #: False when the answer had no event list at all (`events` null or missing): its
    #: events are unknown, which must never be read as "no events".
    events_listed: bool = True

    @property
    def known_status(self) -> bool:
        return self.status in PROGRESS_BY_STATUS

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def parse_event(raw: object) -> Event:
    """Read one event; whatever cannot be read counts as an unrecognised (ERROR) event."""
    if not isinstance(raw, Mapping):
        return Event(
            t=None,
            level=repr(type(raw).__name__),
            level_number=UNRECOGNISED_LEVEL,
            level_recognised=False,
            message=f"unreadable event: {str(raw)[:500]}",
            session_id=None,
            source=None,
        )
    raw_level = raw.get("level")
    number = read_level(raw_level)
    message = raw.get("message")
    return Event(
        t=_int_or_none(raw.get("t")),
        level=str(raw_level) if raw_level is not None else "(none)",
        level_number=UNRECOGNISED_LEVEL if number is None else number,
        level_recognised=number is not None,
        message=message if isinstance(message, str) else ("" if message is None else str(message)),
        session_id=_str_or_none(raw.get("session_id")),
        source=_str_or_none(raw.get("source")),
        offset=_int_or_none(raw.get("from")),
    )


def parse_status(master_id: str, result: object) -> MasterStatus:
    """Turn the envelope's `result` into a `MasterStatus`, or raise `MalformedResponseError`."""
    if not isinstance(result, Mapping):
        kind = "null" if result is None else type(result).__name__
        raise MalformedResponseError(f"master {master_id}: status answer has a {kind} result")
    raw_status = result.get("status")
    status = raw_status.strip().upper() if isinstance(raw_status, str) else None
    progress = _int_or_none(result.get("progress"))
    if not status and progress is None:
        raise MalformedResponseError(
            f"master {master_id}: status answer has neither 'status' nor 'progress'"
        )
    if not status:
        status = STATUS_BY_PROGRESS.get(progress or 0, f"PROGRESS_{progress}")
    if progress is None:
        progress = PROGRESS_BY_STATUS.get(status)
    raw_events = result.get("events")
    events_listed = raw_events is not None
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise MalformedResponseError(
            f"master {master_id}: 'events' is a {type(raw_events).__name__}, not a list"
        )
    return MasterStatus(
        master_id=master_id,
        status=status,
        progress=progress,
        events=tuple(parse_event(item) for item in raw_events),
        events_listed=events_listed,
    )
