"""The domain: frozen dataclasses for a master's status, and parsing an API body into them.

Everything the server sends is treated as untrusted: missing or wrongly typed optional
fields are tolerated, an event the gate cannot read still counts (flagged, offending at
every threshold), and a body of the wrong shape is a `MalformedResponseError`, never a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

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


class Event(NamedTuple):
    """One event of a master, as the server sent it (text fields untrusted).

    A named tuple, not a dataclass: answers can carry 100,000 events, and a tuple is
    built several times faster and takes less memory.
    """

    t: int | None
    level: str
    level_number: int
    level_recognised: bool
    message: str
    session_id: str | None
    source: str | None
    offset: int | None = None


class LazyEvents(Sequence[Event]):
    """The events of one answer, each parsed on first access.

    A poll whose older part was already seen (the usual case: the API lists every event,
    newest first, on every poll) then builds objects only for its new events.
    """

    __slots__ = ("_parsed", "_raw")

    def __init__(self, raw: list[object]) -> None:
        self._raw: list[object] = list(raw)  # our own list: parsed items are let go
        self._parsed: list[Event | None] = [None] * len(raw)

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Event, ...]: ...

    def __getitem__(self, index: int | slice) -> Event | tuple[Event, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self._raw))))
        event = self._parsed[index]
        if event is None:
            event = self._parsed[index] = parse_event(self._raw[index])
            self._raw[index] = None  # the decoded JSON of an event is not needed twice
        return event

    def _parse_all(self) -> list[Event]:
        """Every event, in one tight loop (a full pass: the first answer, or a fallback)."""
        parsed, raw = self._parsed, self._raw
        for index, event in enumerate(parsed):
            if event is None:
                parsed[index] = parse_event(raw[index])
                raw[index] = None
        return parsed  # type: ignore[return-value]  # no None left

    def __iter__(self) -> Iterator[Event]:
        return iter(self._parse_all())

    def __reversed__(self) -> Iterator[Event]:
        return reversed(self._parse_all())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyEvents({len(self._raw)} events)"


@dataclass(frozen=True)
class MasterStatus:
    """One answer of `GET /masters/{id}/status`."""

    master_id: str
    status: str
    progress: int | None
    events: Sequence[Event]
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
    if type(raw) is not dict and not isinstance(raw, Mapping):  # the cheap test first
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
    number = _level_of(raw_level)
    message = raw.get("message")
    t, session_id, source, offset = (
        raw.get("t"),
        raw.get("session_id"),
        raw.get("source"),
        raw.get("from"),
    )
    return _new_event(
        Event,
        (
            t if type(t) is int else _int_or_none(t),
            raw_level
            if type(raw_level) is str
            else ("(none)" if raw_level is None else str(raw_level)),
            UNRECOGNISED_LEVEL if number is None else number,
            number is not None,
            message if type(message) is str else ("" if message is None else str(message)),
            session_id if type(session_id) is str else _str_or_none(session_id),
            source if type(source) is str else _str_or_none(source),
            offset if type(offset) is int else _int_or_none(offset),
        ),
    )


#: `tuple.__new__`: a named tuple built without its keyword-handling constructor, for speed
_new_event = tuple.__new__


_LEVEL_CACHE: dict[str, int | None] = {}


def _level_of(raw: object) -> int | None:
    """Levels repeat across events: a level string is read once, then looked up."""
    if type(raw) is not str:
        return read_level(raw)
    try:
        return _LEVEL_CACHE[raw]
    except KeyError:
        number = read_level(raw)
        if len(_LEVEL_CACHE) < 256:
            _LEVEL_CACHE[raw] = number
        return number


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
        events=LazyEvents(raw_events),
        events_listed=events_listed,
    )
