"""A run as BlazeMeter reports it: statuses, events, one status answer, traffic.

Frozen values (events are named tuples, for speed over 100,000-event answers); the
parsing that builds them lives in `blazemeter.answers`, where the server's shapes are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

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


@runtime_checkable
class VerbatimEvents(Protocol):
    """Events that can also give the items they were parsed from, as the server sent them
    (so a poll can tell, exactly and cheaply, that part of it is the previous answer)."""

    def verbatim(self) -> list[object]: ...


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
