"""GitLab CI: a collapsible timeline section (gate.env is part of the report set)."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from ci_gate.ci.timeline import timeline_lines
from ci_gate.domain.outcome import Outcome


def publish_gitlab(outcome: Outcome, stream: TextIO, now: datetime) -> None:
    """The timeline in a collapsed section; `now` (the command's clock) stamps it."""
    stamp = int(now.timestamp())
    stream.write(
        f"\x1b[0Ksection_start:{stamp}:ci_gate_timeline[collapsed=true]\r\x1b[0K"
        "ci-gate: status timeline\n"
    )
    for line in timeline_lines(outcome):
        stream.write(line + "\n")
    stream.write(f"\x1b[0Ksection_end:{stamp}:ci_gate_timeline\r\x1b[0K\n")
    stream.flush()
