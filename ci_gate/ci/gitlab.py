"""GitLab CI: a collapsible timeline section (gate.env is part of the report set)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO

from ci_gate.ci.timeline import timeline_lines
from ci_gate.domain.outcome import Outcome
from ci_gate.errors import EXIT_USAGE
from ci_gate.report.atomic import remove_set, write_file
from ci_gate.report.dotenv import DOTENV_NAME


def hand_exit_code(report_dir: Path, code: int) -> None:
    """A gate.env naming only this exit code (no verdict: none was reached), where this
    command wrote none: a usage error (which comes before anything is written, so any set
    there is an earlier run's), or a path that ended before its reports (the earlier set
    was removed when the outputs were proved). A folder that is not there holds nothing
    to replace, and is not made for it."""
    if not report_dir.is_dir():
        return
    if code == EXIT_USAGE:
        remove_set(report_dir)
    elif (report_dir / DOTENV_NAME).exists():
        return  # this command's own (the reports, or `start`'s master id)
    write_file(report_dir, DOTENV_NAME, f"CI_GATE_EXIT_CODE={code}\n".encode("ascii"))


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
