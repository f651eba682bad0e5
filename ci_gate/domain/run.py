"""A run as BlazeMeter reports it: statuses, events, one status answer, traffic.

Frozen values (events are msgspec structs, for speed over 100,000-event answers); the
parsing that builds them lives in `blazemeter.answers`, where the server's shapes are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from ci_gate.domain.levels import read_level

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


class Event(msgspec.Struct, frozen=True, gc=False):
    """One event of a master, as the server sent it (text fields untrusted).

    A msgspec struct: the status answer's events are decoded straight into it in C
    (`blazemeter.answers`), hashed and compared in C, and not tracked by the garbage
    collector (it holds only strings and numbers), so 100,000 of them cost less than
    `json.loads` of the same answer. The defaults are what a missing field reads as.
    """

    t: int | None = None
    level: str = "(none)"
    message: str = ""
    session_id: str | None = None
    source: str | None = None
    #: BlazeMeter's `from` (the engine's offset)
    offset: int | None = msgspec.field(default=None, name="from")

    @property
    def level_number(self) -> int:
        """The level's number; unreadable levels count as `UNRECOGNISED_LEVEL`."""
        number = _level_number(self.level)
        return UNRECOGNISED_LEVEL if number is None else number

    @property
    def level_recognised(self) -> bool:
        return _level_number(self.level) is not None


_LEVELS_READ: dict[str, int | None] = {}


def _level_number(level: str) -> int | None:
    """Levels repeat across events: each distinct text is read once (at most 256 kept)."""
    try:
        return _LEVELS_READ[level]
    except KeyError:
        number = read_level(level)
        if len(_LEVELS_READ) < 256:
            _LEVELS_READ[level] = number
        return number


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
