"""Finding the new events in a poll: a multiset difference, never a set.

The status endpoint returns every event on every poll, newest first, with no ids.
Identical events legitimately repeat (the seed has three identical "Prepare: file path
created" in one second), so each distinct event is counted, and only occurrences beyond
the count already seen are new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ci_gate.model import Event


class EventTracker:
    """Remembers how many times each distinct event has been seen."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[object, ...]] = Counter()
        self._events: list[Event] = []

    def new_events(self, events: Iterable[Event]) -> list[Event]:
        """The occurrences in this poll beyond those already seen, oldest first."""
        current: Counter[tuple[object, ...]] = Counter()
        fresh: list[Event] = []
        for event in reversed(tuple(events)):  # the API lists newest first
            key = event.identity
            current[key] += 1
            if current[key] > self._seen[key]:
                fresh.append(event)
        for key, count in current.items():
            if count > self._seen[key]:
                self._seen[key] = count
        self._events.extend(fresh)
        return fresh

    @property
    def seen(self) -> tuple[Event, ...]:
        """Every event occurrence seen so far, in the order first seen."""
        return tuple(self._events)
