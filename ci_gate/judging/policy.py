"""Which events offend: at or above the threshold, not ignored; unreadable levels always.

An `--ignore` pattern is the user's, the message the server's: together they can make a
backtracking search run for hours (`^(a+)+$` against 40 `a`s and a `!`), and Python's `re`
can neither be interrupted nor let a signal in. So the patterns are `regex` patterns and
every search has a time limit (`SEARCH_SECONDS`, and `SEARCH_BUDGET` for all of them in a
wait, on the clock the loop hands in): a search that runs out never waives its event (it
offends), and one note names the pattern.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from ci_gate.domain.run import Event

if TYPE_CHECKING:
    import regex

#: The longest one `--ignore` search may take on one message.
SEARCH_SECONDS = 0.05
#: The longest all `--ignore` searches of a wait may take together; after that no event is
#: searched any more (each offends), so no pattern can carry the wait past its deadline.
SEARCH_BUDGET = 2.0


class Judgement(Enum):
    """What the policy makes of one event."""

    FINE = "fine"
    OFFENDING = "offending"
    IGNORED = "ignored"


@dataclass
class _Searches:
    """What the searches have cost so far, and the notes not yet handed out."""

    spent: float = 0.0
    named: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    exhausted: bool = False


@dataclass(frozen=True)
class EventPolicy:
    """The fail threshold and the `--ignore` patterns (searched within their time limits
    on `clock`)."""

    threshold: int
    ignore: tuple[regex.Pattern[str], ...] = ()
    clock: Callable[[], float] = time.monotonic
    search_seconds: float = SEARCH_SECONDS
    budget: float = SEARCH_BUDGET
    _searches: _Searches = field(default_factory=_Searches, compare=False, repr=False)

    def judge(self, event: Event) -> Judgement:
        """Below the threshold is fine; at or above it (or unreadable), offending unless ignored."""
        if event.level_recognised and event.level_number < self.threshold:
            return Judgement.FINE
        if self.waiver(event) is not None:
            return Judgement.IGNORED
        return Judgement.OFFENDING

    def flagged(self, events: Iterable[Event]) -> list[tuple[Event, Judgement]]:
        """The events that are not fine, each with its judgement, in order.

        Most events of a run are below the threshold: they are passed over in one
        comprehension, and only the rest are judged one by one."""
        threshold = self.threshold
        return [
            (event, self.judge(event))
            for event in events
            if not event.level_recognised or event.level_number >= threshold
        ]

    def waiver(self, event: Event) -> str | None:
        """The first `--ignore` pattern matching the event's message within its time
        limit, if any; a search that runs out matches nothing (fail closed)."""
        for pattern in self.ignore:
            if self._matches(pattern, event.message):
                return pattern.pattern
        return None

    def take_notes(self) -> list[str]:
        """The notes about searches that ran out, each handed out once."""
        notes, self._searches.notes[:] = list(self._searches.notes), []
        return notes

    def _matches(self, pattern: regex.Pattern[str], message: str) -> bool:
        searches = self._searches
        left = min(self.search_seconds, self.budget - searches.spent)
        if searches.exhausted or left <= 0:
            self._note_once(
                "",
                f"the --ignore patterns used up their {self.budget:g} s of searching: "
                "later events were not checked against them (they offend)",
            )
            searches.exhausted = True
            return False
        started = self.clock()
        try:
            return pattern.search(message, timeout=left) is not None
        except TimeoutError:
            self._note_once(
                pattern.pattern,
                f"--ignore {pattern.pattern!r} took too long on an event's message (over "
                f"{self.search_seconds * 1000:g} ms): the events it could not search offend",
            )
            return False
        finally:
            searches.spent += max(0.0, self.clock() - started)

    def _note_once(self, key: str, note: str) -> None:
        if key not in self._searches.named:
            self._searches.named.add(key)
            self._searches.notes.append(note)
