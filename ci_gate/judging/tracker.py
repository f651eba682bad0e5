"""Finding the new events in a poll: a multiset difference, never a set.

The status endpoint returns every event on every poll, newest first, with no ids.
Identical events legitimately repeat (the seed has three identical "Prepare: file path
created" in one second), so each distinct event is counted, and only occurrences beyond
the count already seen are new.

The one shortcut: when the older part of an answer is, item for item, the previous answer
as the server sent it, only the events above it are parsed and counted. Equality is
checked over the whole part (a list comparison in C), never by samples: BlazeMeter sorts
events by their own time, so a late engine's event lands among older ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain

from ci_gate.domain.run import Event, VerbatimEvents

#: The only value types for which `==` on the decoded JSON is the gate's own equality
#: (`1 == 1.0 == True` in Python, but `level: true` is unreadable and `1` is a level).
_PLAIN_TYPES = frozenset({str, int, type(None)})


def _plain(items: list[object]) -> bool:
    """True when every item is a JSON object of strings, integers and nulls only."""
    try:
        values: Iterable[object] = chain.from_iterable(map(dict.values, items))  # type: ignore[arg-type]
        return set(map(type, values)) <= _PLAIN_TYPES
    except TypeError:  # an item that is not an object
        return False


class EventTracker:
    """Remembers how many times each distinct event has been seen."""

    def __init__(self) -> None:
        # keyed by the event itself (a named tuple: every field derives from the answer, so
        # equal events are equal keys); plain dicts, whose .get is faster than a Counter's
        self._seen: dict[Event, int] = {}
        self._events: list[Event] = []
        #: the previous answer: its per-event counts, and its items as sent
        self._last_counts: dict[Event, int] = {}
        self._last_items: list[object] | None = None

    def new_events(self, events: Sequence[Event]) -> list[Event]:
        """The occurrences in this poll beyond those already seen, oldest first."""
        count = len(events)
        items = events.verbatim() if isinstance(events, VerbatimEvents) else None
        previous = self._last_items
        known = -1 if previous is None else len(previous)
        if (
            items is not None
            and previous is not None
            and 0 < known <= count
            and items[count - known :] == previous
            and _plain(previous)
            and _plain(items[count - known :])
        ):
            # the older part of this answer is the previous answer, verified whole: only
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
        self._last_counts, self._last_items = current, items
        self._events.extend(fresh)
        return fresh

    @property
    def seen(self) -> tuple[Event, ...]:
        """Every event occurrence seen so far, in the order first seen."""
        return tuple(self._events)
