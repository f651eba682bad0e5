"""The status timeline as plain lines, for the CI platforms' collapsible log sections."""

from __future__ import annotations

from ci_gate.domain.outcome import Outcome
from ci_gate.formatting import format_duration, show_progress
from ci_gate.text import one_line


def timeline_lines(outcome: Outcome) -> list[str]:
    return [
        one_line(
            f"master {master.master_id} +{format_duration(change.elapsed)} "
            f"{one_line(change.status, 60)} ({show_progress(change.progress)})",
            200,
        )
        for master in outcome.masters
        for change in master.timeline
    ]
