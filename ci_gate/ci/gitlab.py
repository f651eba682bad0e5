"""GitLab CI: a collapsible timeline section (gate.env is part of the report set)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ci_gate.ci.timeline import timeline_lines
from ci_gate.domain.outcome import Outcome
from ci_gate.errors import EXIT_USAGE
from ci_gate.report.atomic import remove_set, write_file
from ci_gate.report.dotenv import DOTENV_NAME

#: The lines of gate.env that say how a run ended (`report.dotenv.render_dotenv`'s).
_VERDICT_KEYS = ("CI_GATE_VERDICT=", "CI_GATE_EXIT_CODE=")


def names_a_verdict(dotenv_text: str) -> bool:
    """gate.env says how a run ended (not only which master it started)."""
    return any(line.startswith(_VERDICT_KEYS) for line in dotenv_text.splitlines())


def hand_exit_code(report_dir: Path, code: int) -> None:
    """gate.env naming this exit code where the command's reports did not (no verdict:
    none was reached). A usage error comes before anything is written, so any set there
    is an earlier run's: removed, and gate.env holds only the code. A failure after the
    outputs were proved (a failed start, an API error before the first poll) finds at
    most a master id there (an earlier verdict was removed then): the code is added to
    it. A success without reports (`start`) is left as it wrote it; so are the reports'
    own gate.env, and a folder that is not there (it is not made for this)."""
    dotenv = report_dir / DOTENV_NAME
    if code == 0 or not report_dir.is_dir() or dotenv.is_dir():
        return  # nothing to replace, or nothing can be (the usage error names it)
    kept = b""
    if code == EXIT_USAGE:
        with contextlib.suppress(OSError):  # a folder under a report name stays: named
            remove_set(report_dir)
    elif dotenv.exists():
        kept = dotenv.read_bytes()
        if names_a_verdict(kept.decode("ascii", errors="replace")):
            return
        kept += b"" if kept.endswith(b"\n") or not kept else b"\n"
    write_file(report_dir, DOTENV_NAME, kept + f"CI_GATE_EXIT_CODE={code}\n".encode("ascii"))


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
