"""Finding the new events in a poll: a multiset difference, never a set.

The status endpoint returns every event on every poll, newest first, with no ids.
Identical events legitimately repeat (the seed has three identical "Prepare: file path
created" in one second), so each distinct event is counted, and only occurrences beyond
the count already seen are new. Every answer is counted whole, with no shortcut over a
part that "looks like" the previous answer: BlazeMeter sorts events by their own time,
so a late engine's event lands among older ones. Counting stays cheap because events are
hashed and compared in C (`domain.run.Event`) and only changed counts are looked at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ci_gate.domain.run import Event


class EventTracker:
    """Remembers the most times each distinct event has been seen in one answer."""

    def __init__(self) -> None:
        self._most: dict[Event, int] = {}
        self._events: list[Event] = []

    def new_events(self, events: Sequence[Event]) -> list[Event]:
        """The occurrences in this poll beyond those already seen, oldest first."""
        oldest_first = list(reversed(events))  # the API lists newest first
        counts = Counter(oldest_first)  # in C
        most = self._most
        if not most:
            fresh = oldest_first
            most.update(counts)
        else:
            # (event, count) pairs that differ from what was seen: a set difference in C,
            # then only those are looked at one by one
            grown = {
                event: count - most.get(event, 0)
                for event, count in counts.items() - most.items()
                if count > most.get(event, 0)
            }
            if not grown:
                return []
            most.update((event, most.get(event, 0) + extra) for event, extra in grown.items())
            # the newest occurrences of a grown event are the new ones
            fresh = []
            for event in reversed(oldest_first):
                extra = grown.get(event)
                if extra:
                    fresh.append(event)
                    grown[event] = extra - 1
            fresh.reverse()
        self._events.extend(fresh)
        return fresh

    @property
    def seen(self) -> tuple[Event, ...]:
        """Every event occurrence seen so far, in the order first seen."""
        return tuple(self._events)
