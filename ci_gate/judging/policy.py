"""Which events offend: at or above the threshold, not ignored; unreadable levels always."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from ci_gate.domain.run import Event


class Judgement(Enum):
    """What the policy makes of one event."""

    FINE = "fine"
    OFFENDING = "offending"
    IGNORED = "ignored"


@dataclass(frozen=True)
class EventPolicy:
    """The fail threshold and the `--ignore` patterns."""

    threshold: int
    ignore: tuple[re.Pattern[str], ...] = ()

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
        """The first `--ignore` pattern matching the event's message, if any."""
        for pattern in self.ignore:
            if pattern.search(event.message):
                return pattern.pattern
        return None
