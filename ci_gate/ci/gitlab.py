"""GitLab CI: the `gate.env` dotenv report and a collapsible timeline section."""

from __future__ import annotations

import time
from typing import TextIO

from ci_gate.ci.timeline import timeline_lines
from ci_gate.outcome import Outcome
from ci_gate.report import ReportPaths
from ci_gate.report.atomic import write_atomic

DOTENV_NAME = "gate.env"


def dotenv_text(outcome: Outcome) -> str:
    """Plain keys, single-line values of our own making: within GitLab's dotenv rules."""
    return f"CI_GATE_VERDICT={outcome.verdict.value}\nCI_GATE_EXIT_CODE={outcome.exit_code}\n"


def publish_gitlab(outcome: Outcome, paths: ReportPaths, stream: TextIO) -> None:
    write_atomic(paths.junit.parent / DOTENV_NAME, dotenv_text(outcome).encode("ascii"))
    stamp = int(time.time())
    stream.write(
        f"\x1b[0Ksection_start:{stamp}:ci_gate_timeline[collapsed=true]\r\x1b[0K"
        "ci-gate: status timeline\n"
    )
    for line in timeline_lines(outcome):
        stream.write(line + "\n")
    stream.write(f"\x1b[0Ksection_end:{stamp}:ci_gate_timeline\r\x1b[0K\n")
    stream.flush()
