"""Which events offend: at or above the threshold, not ignored; unreadable levels count."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ci_gate.errors import UsageError
from ci_gate.model import Event


class Judgement(Enum):
    FINE = "fine"
    OFFENDING = "offending"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Policy:
    """The fail threshold and the `--ignore` patterns."""

    threshold: int
    ignore: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def build(cls, threshold: int, ignore_patterns: Sequence[str]) -> Policy:
        compiled = []
        for pattern in ignore_patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                raise UsageError(f"--ignore {pattern!r} is not a valid regex: {error}") from None
        return cls(threshold=threshold, ignore=tuple(compiled))

    def judge(self, event: Event) -> Judgement:
        """An event below the threshold is fine; at or above it, offending unless ignored."""
        if event.level_number < self.threshold:
            return Judgement.FINE
        if any(pattern.search(event.message) for pattern in self.ignore):
            return Judgement.IGNORED
        return Judgement.OFFENDING
