"""Finding the new events in a poll: a multiset difference, never a set.

The status endpoint returns every event on every poll, newest first, with no ids.
Identical events legitimately repeat (the seed has three identical "Prepare: file path
created" in one second), so each distinct event is counted, and only occurrences beyond
the count already seen are new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ci_gate.domain.run import Event


class EventTracker:
    """Remembers how many times each distinct event has been seen."""

    def __init__(self) -> None:
        # keyed by the event itself (a named tuple: every field derives from the answer, so
        # equal events are equal keys); plain dicts, whose .get is faster than a Counter's
        self._seen: dict[Event, int] = {}
        self._events: list[Event] = []
        #: the previous answer: its length, per-event counts and anchor identities
        self._last_counts: dict[Event, int] = {}
        self._last_len = 0
        self._anchors: tuple[Event, ...] = ()

    def new_events(self, events: Sequence[Event]) -> list[Event]:
        """The occurrences in this poll beyond those already seen, oldest first."""
        count = len(events)
        known = self._last_len
        if 0 < known <= count and self._anchors == self._anchors_of(events, count, known):
            # fast path: the oldest part of this answer is the previous answer, so only
            # the events above it can be new (and only they are parsed)
            current = self._last_counts
            candidates = [events[index] for index in range(count - known - 1, -1, -1)]
        else:
            current = {}
            candidates = list(reversed(events))  # the API lists newest first
        fresh: list[Event] = []
        seen = self._seen
        if not seen and not current:
            # the first answer: every occurrence is new; count them in C
            current = dict(Counter(candidates))
            self._seen = dict(current)
            fresh = candidates
            candidates = []
        for event in candidates:
            count_now = current.get(event, 0) + 1
            current[event] = count_now
            if count_now > seen.get(event, 0):
                seen[event] = count_now
                fresh.append(event)
        self._last_counts, self._last_len = current, count
        self._anchors = self._anchors_of(events, count, count)
        self._events.extend(fresh)
        return fresh

    @staticmethod
    def _anchors_of(events: Sequence[Event], count: int, known: int) -> tuple[Event, ...]:
        """Identities of the oldest, the middle and the newest event of the part of this
        answer that the previous answer would be (the checked part of the fast path)."""
        if known == 0:
            return ()
        positions = (count - 1, count - 1 - (known - 1) // 2, count - known)
        return tuple(events[position] for position in positions)

    @property
    def seen(self) -> tuple[Event, ...]:
        """Every event occurrence seen so far, in the order first seen."""
        return tuple(self._events)
