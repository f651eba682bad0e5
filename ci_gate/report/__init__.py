"""Turning an `Outcome` into the report set: junit.xml, summary.json, summary.md,
report.html, gate.env, metrics.txt (the registry of formats is `formats.FORMATS`).

All files are rendered in memory first, each carrying the same fresh `report_id`, and
then written as one set (`atomic.write_set`): a reader never finds a new junit.xml beside
an old summary. A renderer that fails (a bug) costs only its own file (`formats`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from ci_gate.domain.outcome import Outcome
from ci_gate.report.atomic import write_set
from ci_gate.report.formats import SET_NAMES, render_set
from ci_gate.report.html import HTML_NAME
from ci_gate.report.junit import JUNIT_NAME
from ci_gate.report.summary import JSON_NAME, MARKDOWN_NAME


@dataclass(frozen=True)
class ReportPaths:
    junit: Path
    summary_json: Path
    summary_md: Path
    html: Path
    #: every file of the set as written, in reading order (empty: none was written)
    written: tuple[Path, ...] = ()
    #: one line per renderer that failed (its file replaced by a stand-in, or left out)
    notes: tuple[str, ...] = ()


def report_paths(report_dir: Path) -> ReportPaths:
    return ReportPaths(
        junit=report_dir / JUNIT_NAME,
        summary_json=report_dir / JSON_NAME,
        summary_md=report_dir / MARKDOWN_NAME,
        html=report_dir / HTML_NAME,
    )


def render_reports(outcome: Outcome, *, dotenv: bool = False) -> dict[str, bytes]:
    """Every file of the set, by name, in reading order; `dotenv` adds GitLab's gate.env."""
    return render_set(outcome, secrets.token_hex(8), dotenv=dotenv).files


def write_reports(outcome: Outcome, report_dir: Path, *, dotenv: bool = False) -> ReportPaths:
    """Render the set and write it as a unit (see `atomic.write_set`)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    rendered = render_set(outcome, secrets.token_hex(8), dotenv=dotenv)
    write_set(report_dir, rendered.files)
    written = tuple(report_dir / name for name in SET_NAMES if name in rendered.files)
    return replace(report_paths(report_dir), written=written, notes=rendered.notes)
